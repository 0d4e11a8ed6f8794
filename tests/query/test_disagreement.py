"""Two documents that disagree on a KPI's value for the same date: both are kept, each with its
evidence, and the gap report shows the pair. The five real sources print no such disagreement
(test_corpus_000 asserts that the editions agree), so this is a small project of its own: two tiny
source texts, built with the real ontology, shapes and queries through the CLI."""
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from policygraph.cli.app import app
from policygraph.graph.convert import PG, PGR

ROOT = Path(__file__).resolve().parents[2]
TEXT_A = "市区町村のクラウド導入状況\n導入団体数は842団体(H28.4.1)となった。\n"
TEXT_B = "クラウド導入の進捗\n導入団体数：848団体（平成28年4月1日時点）\n"


@pytest.fixture
def disagreeing_project(tmp_path) -> Path:
    for name in ("ontology", "queries", "viz"):
        shutil.copytree(ROOT / name, tmp_path / name)
    sources = tmp_path / "data" / "sources"
    sources.mkdir(parents=True)
    records = tmp_path / "data" / "records"
    records.mkdir()
    docs = []
    for key, text in (("a", TEXT_A), ("b", TEXT_B)):
        (sources / f"{key}.txt").write_text(text, encoding="utf-8")
        docs.append(hashlib.sha256(text.encode("utf-8")).hexdigest())
    (records / "records.yaml").write_text(f"""
records:
  - {{id: src-a, type: SourceText, label: {{ja: 文書A, en: Document A}}, file: a.txt, sha256: {docs[0]}}}
  - {{id: src-b, type: SourceText, label: {{ja: 文書B, en: Document B}}, file: b.txt, sha256: {docs[1]}}}
  - id: doc-a
    type: PolicyDocument
    label: {{ja: 市区町村のクラウド導入状況, en: Cloud adoption (A)}}
    kind: briefing
    source_texts: [src-a]
    evidence: [{{source: src-a, locator: 表題, quote: 市区町村のクラウド導入状況}}]
  - id: doc-b
    type: PolicyDocument
    label: {{ja: クラウド導入の進捗, en: Cloud adoption (B)}}
    kind: briefing
    source_texts: [src-b]
    evidence: [{{source: src-b, locator: 表題, quote: クラウド導入の進捗}}]
  - id: kpi-cloud
    type: KPI
    label: {{ja: 導入団体数, en: Adopting municipalities}}
    documents: [doc-a, doc-b]
    evidence: [{{source: src-a, locator: 本文, quote: 導入団体数}}]
  - id: obs-cloud-a
    type: Observation
    kpi: kpi-cloud
    document: doc-a
    value: 842
    unit: 団体
    date: 2016-04-01
    status: unstated
    evidence: [{{source: src-a, locator: 本文, quote: "842団体(H28.4.1)"}}]
  - id: obs-cloud-b
    type: Observation
    kpi: kpi-cloud
    document: doc-b
    value: 848
    unit: 団体
    date: 2016-04-01
    status: unstated
    evidence: [{{source: src-b, locator: 本文, quote: "848団体（平成28年4月1日時点）"}}]
""", encoding="utf-8")
    return tmp_path


def test_both_sides_are_kept_and_reported(runner, disagreeing_project, tmp_path):
    out = tmp_path / "out"
    built = runner.invoke(app, ["build", "--root", str(disagreeing_project), "--out", str(out)])
    assert built.exit_code == 0, built.output
    g = Graph().parse(out / "policygraph.nt", format="nt")
    kpi = PGR["kpi-cloud"]
    sides = {(str(g.value(o, PG.reportedIn)).rsplit("/", 1)[-1], int(g.value(o, PG.value).toPython()),
              str(g.value(g.value(o, PG.hasEvidence), PG.quote)))
             for o in g.objects(kpi, PG.hasObservation)}
    assert sides == {("doc-a", 842, "842団体(H28.4.1)"), ("doc-b", 848, "848団体（平成28年4月1日時点）")}

    gaps = runner.invoke(app, ["gaps", "--format", "json", "--root", str(disagreeing_project),
                               "--graph", str(out / "policygraph.nt")])
    assert gaps.exit_code == 0, gaps.output
    report = {kind["kind"]: kind for kind in json.loads(gaps.stdout)["gaps"]}
    [row] = report["source-disagreement-gap"]["rows"]
    assert row["node"].endswith("kpi-cloud")
    assert {row["details"]["value"], row["details"]["otherValue"]} == {842, 848}
    assert {row["details"]["document"], row["details"]["otherDocument"]} == {"doc-a", "doc-b"}
    assert row["quote"] in {"842団体(H28.4.1)", "848団体（平成28年4月1日時点）"}
