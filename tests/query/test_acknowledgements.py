"""Issue 24, acknowledged gaps: a curator's Acknowledgement (gap kind, node, reason, by whom, until when,
a quote where the reason is in a source) is validated like every record, converted to the graph, shown
beside its gap (CLI table/CSV/JSON, the web app's /gaps, the workbook's gap sheet), kept out of
--fail-on-gaps until it expires; an expired or dangling one is itself a gap row. Fixtures are written
into a copy of the real project (`project_copy`)."""
import csv
import io
import json

import pytest
from openpyxl import load_workbook
from rdflib import XSD
from typer.testing import CliRunner

from policygraph.cli.app import app
from policygraph.graph.convert import build_graph, load_ontology
from policygraph.graph.namespaces import PG, PGR
from policygraph.records.corpus import load_corpus

ACKS = "900-acknowledgements.yaml"
KPI = "kpi-13-it-bpr-municipalities"  # no target: 000 says why (判定基準を確定し、今年度中に目標値の設定を予定)
AS_OF = "2018-12-31"
# The reason as 000 prints it, on the KPI's 次回の把握時期と今後の方針 (quoted as the KPI record quotes it).
REASON_QUOTE = ("【IT室】IT化・BPRへ取り組んだ自治体を判定する基準の設定が困難。 判定基準を確定し、今年度中に目標値の"
                "設定を予定。")


def _ack(rid: str, gap: str, node: str, until: str = "2019-03-31", reason: str = "目標値は判定基準の確定後に設定",
         by: str = "監査担当 (auditor)", quote: str | None = None) -> str:
    text = (f"  - id: {rid}\n    type: Acknowledgement\n    gap: {gap}\n    node: {node}\n"
            f"    reason: \"{reason}\"\n    by: \"{by}\"\n    until: {until}\n")
    if quote:
        text += (f"    evidence:\n      - {{source: src-000, locator: \"改革項目⑬ KPIの状況 第一階層 次回の把握時期と今後の"
                 f"方針【IT室】\", quote: \"{quote}\"}}\n")
    return text


#: The corpus's own acknowledgement (000: ⑬'s missing target, until 2018-03-31).
REAL = "ack-13-it-bpr-municipalities-no-target"


def _write(project, *records: str) -> None:
    """The fixture's acknowledgements, in place of the corpus's own one (so each test knows all there are)."""
    path = project.records_dir / "000-progress-2017.yaml"
    text = path.read_text(encoding="utf-8")
    if f"  - id: {REAL}\n" in text:  # (a second call finds it gone)
        start = text.index(f"  - id: {REAL}\n")
        end = text.index("\n\n", start)
        path.write_text(text[:start] + text[end + 1:], encoding="utf-8")
    if records:
        (project.records_dir / ACKS).write_text("records:\n" + "".join(records), encoding="utf-8")


def _gaps(runner, project, *extra: str, as_of: str = AS_OF):
    result = runner.invoke(app, ["gaps", "--root", str(project.root), "--as-of", as_of, *extra])
    return result


def _report(runner, project, as_of: str = AS_OF) -> dict:
    result = _gaps(runner, project, "-f", "json", as_of=as_of)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _rows(report: dict, kind: str | None = None) -> list[dict]:
    return [r for g in report["gaps"] for r in g["rows"] if kind in (None, g["kind"])]


def _id(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


# ------------------------------------------------------------------ shown beside the gap, out of --fail-on-gaps
def test_the_corpus_acknowledgement_holds_until_its_day_then_is_reported_expired(runner):
    """000 says why ⑬'s first KPI has no target and plans one 今年度中: acknowledged until 2018-03-31."""
    def rows(as_of):
        result = runner.invoke(app, ["gaps", "-f", "json", "--as-of", as_of])
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)
    held, lapsed = rows("2017-12-31"), rows("2018-04-01")
    mine = [r for r in _rows(held, "kpi-no-target-gap") if _id(r["node"]) == KPI]
    assert mine and all(r["acknowledged"] and r["ackUntil"] == "2018-03-31" for r in mine)
    assert held["acknowledged"] == len(mine) and not _rows(held, "acknowledgement-expired-gap")
    assert [_id(r["node"]) for r in _rows(lapsed, "acknowledgement-expired-gap")] == [REAL]
    assert lapsed["acknowledged"] == 0 and any(_id(r["node"]) == KPI for r in _rows(lapsed, "kpi-no-target-gap"))
    assert not _rows(held, "acknowledgement-dangling-gap") and not _rows(lapsed, "acknowledgement-dangling-gap")


def test_an_acknowledged_gap_is_shown_beside_it_and_kept_out_of_fail_on_gaps(runner, project_copy):
    _write(project_copy)
    before = _report(runner, project_copy)
    assert any(_id(r["node"]) == KPI for r in _rows(before, "kpi-no-target-gap"))
    assert not any(r["acknowledged"] for r in _rows(before))
    _write(project_copy, _ack("ack-it-bpr-no-target", "kpi-no-target-gap", KPI, quote=REASON_QUOTE))

    after = _report(runner, project_copy)
    mine = [r for r in _rows(after, "kpi-no-target-gap") if _id(r["node"]) == KPI]
    assert mine and all(r["acknowledged"] for r in mine)
    assert mine[0]["ackReason"] == "目標値は判定基準の確定後に設定" and mine[0]["ackBy"] == "監査担当 (auditor)"
    assert mine[0]["ackUntil"] == "2019-03-31"
    # the same KPI's other gap kinds are not acknowledged by it
    assert not any(r["acknowledged"] for r in _rows(after) if r not in mine)
    assert after["total"] == before["total"] and after["acknowledged"] == len(mine)

    failed = _gaps(runner, project_copy, "--fail-on-gaps", "-f", "json")
    assert failed.exit_code == 1
    assert f"--fail-on-gaps: {before['total'] - len(mine)} gaps found" in failed.stderr
    assert f"({len(mine)} acknowledged, not counted)" in failed.stderr

    table = _gaps(runner, project_copy, "-f", "csv")
    lines = list(csv.DictReader(io.StringIO(table.stdout.lstrip("\ufeff"))))
    assert {"acknowledged", "ackReason", "ackBy", "ackUntil"} <= set(lines[0])
    acked = [r for r in lines if r["node"] == KPI and r["kind"] == "kpi-no-target-gap"]
    assert acked and acked[0]["ackUntil"] == "2019-03-31" and acked[0]["ackReason"] == "目標値は判定基準の確定後に設定"

    shown = _gaps(runner, project_copy)
    assert shown.exit_code == 0 and "承認 until 2019-03-31" in shown.stdout


def test_fail_on_gaps_passes_while_every_gap_is_acknowledged_and_fails_once_they_expire(runner, project_copy):
    """Acknowledge every gap (until 2019-03-31) as of 2018-12-31: --fail-on-gaps passes. As of a day after
    `until`, each acknowledgement is an acknowledgement-expired-gap row and nothing is acknowledged."""
    _write(project_copy)
    found = {(g["kind"], _id(r["node"])) for g in _report(runner, project_copy)["gaps"] for r in g["rows"]}
    assert len(found) > 50
    _write(project_copy, *(_ack(f"ack-{n}", kind, node) for n, (kind, node) in enumerate(sorted(found))))
    passed = _gaps(runner, project_copy, "--fail-on-gaps", "-f", "json")
    assert passed.exit_code == 0, passed.stderr
    assert json.loads(passed.stdout)["acknowledged"] == json.loads(passed.stdout)["total"]

    later = _gaps(runner, project_copy, "--fail-on-gaps", "-f", "json", as_of="2019-04-01")
    assert later.exit_code == 1
    report = json.loads(later.stdout)
    expired = _rows(report, "acknowledgement-expired-gap")
    assert len(expired) == len(found)
    assert {(r["details"]["gap"], _id(r["details"]["acknowledged"])) for r in expired} == found
    assert all(r["details"]["until"] == "2019-03-31" and r["details"]["asOf"] == "2019-04-01" for r in expired)
    assert not any(r["acknowledged"] for r in _rows(report))
    assert "acknowledgement-expired-gap" in later.stderr


def test_a_dangling_acknowledgement_is_reported_and_a_live_one_is_not(runner, project_copy):
    """kpi-e-approval-duration has a target: an acknowledgement of its kpi-no-target-gap accepts nothing."""
    _write(project_copy)
    before = _report(runner, project_copy)
    assert not any(_id(r["node"]) == "kpi-e-approval-duration" for r in _rows(before, "kpi-no-target-gap"))
    _write(project_copy, _ack("ack-stale", "kpi-no-target-gap", "kpi-e-approval-duration", until="2099-12-31"),
           _ack("ack-live", "kpi-no-target-gap", KPI, until="2099-12-31"))
    report = _report(runner, project_copy)
    dangling = _rows(report, "acknowledgement-dangling-gap")
    assert [_id(r["node"]) for r in dangling] == ["ack-stale"]
    assert dangling[0]["details"]["gap"] == "kpi-no-target-gap"
    assert _id(dangling[0]["details"]["acknowledged"]) == "kpi-e-approval-duration"
    assert not _rows(report, "acknowledgement-expired-gap")
    kinds = {g["kind"]: g for g in report["gaps"]}
    assert kinds["acknowledgement-dangling-gap"]["title"] and kinds["acknowledgement-dangling-gap"]["description"]


# ------------------------------------------------------------------ validated like every record
@pytest.mark.parametrize("record, words", [
    (_ack("ack-x", "kpi-no-such-gap", KPI), "field gap: unknown gap kind"),
    (_ack("ack-x", "kpi-no-target-gap", "kpi-no-such-record"), "field node: unknown id"),
    (_ack("ack-x", "kpi-no-target-gap", KPI, until="2019-03"), "field until: Value error, not a date (YYYY-MM-DD)"),
    (_ack("ack-x", "kpi-no-target-gap", KPI, until="20190331"), "field until: Value error, not a date (YYYY-MM-DD)"),
    (_ack("ack-x", "kpi-no-target-gap", KPI, until="next-year"), "field until: Value error, not a date (YYYY-MM-DD)"),
    (_ack("ack-x", "kpi-no-target-gap", KPI, until="2019-02-30"), "field until: Value error, not a date (YYYY-MM-DD)"),
    (_ack("ack-x", "kpi-no-target-gap", KPI, quote="判定基準を確定し、来年度中に目標値の設定を予定。"),
     "field evidence[0].quote: quote not found in source src-000"),
    (_ack("ack-x", "kpi-no-target-gap", KPI, by=""), "field by:"),
    (_ack("ack-a", "kpi-no-target-gap", KPI) + _ack("ack-x", "kpi-no-target-gap", KPI),
     "field node: a second acknowledgement of kpi-no-target-gap on kpi-13-it-bpr-municipalities (the first is ack-a)"),
])
def test_a_bad_acknowledgement_is_a_located_error(runner, project_copy, record, words):
    _write(project_copy, record)
    result = runner.invoke(app, ["validate", "--root", str(project_copy.root)])
    assert result.exit_code == 1, result.output
    assert f"{ACKS}:" in result.output and "record ack-x" in result.output and words in result.output


def test_an_acknowledgement_is_in_the_graph(project_copy):
    _write(project_copy, _ack("ack-it-bpr-no-target", "kpi-no-target-gap", KPI, quote=REASON_QUOTE))
    graph = build_graph(load_corpus(project_copy), load_ontology(project_copy.ontology))
    ack = PGR["ack-it-bpr-no-target"]
    assert graph.value(ack, PG.acknowledges) == PGR[KPI]
    assert str(graph.value(ack, PG.acknowledgesGap)) == "kpi-no-target-gap"
    assert graph.value(ack, PG.acknowledgedUntil).datatype == XSD.date
    assert str(graph.value(ack, PG.acknowledgedBy)) == "監査担当 (auditor)"
    assert graph.value(ack, PG.hasEvidence) is not None  # the reason is in 000: quoted


# ------------------------------------------------------------------ the web app and the workbook
def test_the_web_app_and_the_workbook_show_the_acknowledgement(project_copy, tmp_path):
    from policygraph.pipeline import build
    from tests.serve.conftest import make_client
    _write(project_copy, _ack("ack-it-bpr-no-target", "kpi-no-target-gap", KPI, until="2099-12-31"))
    build(project_copy, tmp_path / "build")
    with make_client(project_copy, tmp_path / "build" / "store", max_rows=5000) as client:
        page = client.get("/gaps", params={"_size": 1000}).text
        assert "目標値は判定基準の確定後に設定" in page and "ackUntil" in page
        rows = client.get("/gaps.json", params={"_shape": "array"}).json()
        mine = [r for r in rows if r["node"] == KPI and r["kind"] == "kpi-no-target-gap"]
        assert mine and mine[0]["acknowledged"] is True and mine[0]["ackBy"] == "監査担当 (auditor)"
        sheet = load_workbook(io.BytesIO(client.get("/gaps.xlsx").content))["gaps"]
        head = {c.value: c.column - 1 for c in sheet[1]}
        assert {"acknowledged", "ackReason", "ackBy", "ackUntil"} <= set(head)
        row = next(r for r in sheet.iter_rows(min_row=2)
                   if r[head["node"]].value == KPI and r[head["kind"]].value == "kpi-no-target-gap")
        assert str(row[head["ackUntil"]].value) == "2099-12-31" and row[head["acknowledged"]].value is True
    out = tmp_path / "audit.xlsx"
    result = CliRunner().invoke(
        app, ["export", "--format", "xlsx", "-o", str(out), "--root", str(project_copy.root)])
    assert result.exit_code == 0, result.output
    gaps = load_workbook(out)["欠落"]
    head = {c.value: c.column - 1 for c in gaps[1]}
    assert [c for c in ("acknowledged", "ackReason", "ackBy", "ackUntil") if c in head] == \
        ["acknowledged", "ackReason", "ackBy", "ackUntil"]
    assert any(r[head["ackReason"]].value == "目標値は判定基準の確定後に設定" for r in gaps.iter_rows(min_row=2))


# ------------------------------------------------------------------ the new queries on both embedded engines
@pytest.mark.parametrize("name", ["acknowledgements", "acknowledgement-expired-gap", "acknowledgement-dangling-gap"])
def test_the_acknowledgement_queries_give_identical_rows_on_both_engines(project_copy, name):
    """tests/store/test_engines.py runs these on the real corpus (and the remote stores); here on a fixture
    where each has rows: a live, an expired and a dangling acknowledgement."""
    from policygraph.pipeline import build_in_memory
    from policygraph.query.sparql import QueryLibrary
    from policygraph.store.engines import OxigraphEngine, RdflibEngine
    from tests.store.test_engines import rows_of
    _write(project_copy, _ack("ack-live", "kpi-no-target-gap", KPI, until="2099-12-31"),
           _ack("ack-expired", "kpi-no-observation-gap", KPI, until="2019-01-01", quote=REASON_QUOTE),
           _ack("ack-stale", "kpi-no-target-gap", "kpi-e-approval-duration", until="2099-12-31"))
    _corpus, graph = build_in_memory(project_copy)
    query = QueryLibrary(project_copy.query_dirs).get(name)
    rdflib_rows, oxigraph_rows = (rows_of(e, query, {}) for e in (RdflibEngine(graph), OxigraphEngine(graph)))
    assert rdflib_rows == oxigraph_rows
    expected = {"acknowledgements": 3, "acknowledgement-expired-gap": 1, "acknowledgement-dangling-gap": 3}[name]
    assert len(oxigraph_rows) == expected  # dangling: every candidate; run_gaps keeps the stale one
