"""Gap queries (queries/*-gap.rq): each fires on its own small fixture and stays silent on another,
on both engines; `policygraph gaps` reports the real corpus's gaps grouped by kind, with quotes."""
import datetime as dt
import json
import re
from pathlib import Path

import pytest
from rdflib import Graph

from policygraph.cli.app import app
from policygraph.graph import attainment, reason
from policygraph.graph.convert import PGR, load_ontology
from policygraph.query.gaps import gap_queries, run_gaps
from policygraph.query.sparql import QueryLibrary
from policygraph.store.engines import OxigraphEngine, RdflibEngine

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "gaps"
QUERIES = Path(__file__).resolve().parents[2] / "queries"
AS_OF = dt.date(2020, 4, 1)


@pytest.fixture(scope="module")
def library(project):
    return QueryLibrary(project.query_dirs)


@pytest.fixture(scope="module")
def ontology(project):
    return load_ontology(project.ontology)


def gap_names() -> list[str]:
    return [n for n in QueryLibrary(QUERIES).names() if n.endswith("-gap")]


def _fixture_graph(ontology: Graph, path: Path) -> Graph:
    g = Graph()
    for triple in ontology:
        g.add(triple)
    g.parse(path, format="turtle")
    # The build's derive stages, in the build's order: reaches links, then attainment.
    reason.materialise(None, g)
    attainment.materialise(None, g, AS_OF)
    return g


def _expected(path: Path) -> set[str]:
    m = re.search(r"^# expect: (.*)$", path.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert m, f"{path} has no '# expect:' line"
    return {x.strip() for x in m.group(1).split(",") if x.strip() and not x.startswith("(")}


def test_the_catalogue_is_complete(project):
    names = set(gap_names())
    assert names == {
        "directive-no-kpi-gap", "item-no-kpi-gap", "kpi-no-target-gap", "kpi-no-observation-gap",
        "kpi-no-body-gap", "deadline-no-observation-gap", "target-not-met-gap", "preliminary-only-gap",
        "source-disagreement-gap", "guideline-empty-box-gap", "projection-as-observation-gap",
        "grade-disagreement-gap", "next-measurement-passed-gap", "acknowledgement-expired-gap",
        "acknowledgement-dangling-gap"}
    assert {p.name for p in FIXTURES.iterdir() if p.is_dir()} == names, "every gap query needs its fixtures"


@pytest.mark.parametrize("name", gap_names())
def test_gap_fires_on_its_fixture_and_stays_silent_on_the_other(name, library, ontology):
    query = library.get(name)
    fires = _fixture_graph(ontology, FIXTURES / name / "fires.ttl")
    silent = _fixture_graph(ontology, FIXTURES / name / "silent.ttl")
    expected = {str(PGR[x]) for x in _expected(FIXTURES / name / "fires.ttl")}
    assert expected, "a firing fixture names the nodes it expects"
    for engine in (RdflibEngine(fires), OxigraphEngine(fires)):
        rows = engine.run(query)
        assert {str(r["node"]) for r in rows} == expected, (engine.name, rows)
        assert all(r["label"] is not None for r in rows)
    for engine in (RdflibEngine(silent), OxigraphEngine(silent)):
        assert engine.run(query) == [], engine.name


@pytest.fixture(scope="module")
def corpus_gaps(graph, library):
    return run_gaps(RdflibEngine(graph), library)


def test_run_gaps_gives_kind_title_label_document_and_quote(corpus_gaps, library):
    rows = corpus_gaps
    assert {r.kind for r in rows} <= {q.name for q in gap_queries(library)}
    for r in rows:
        assert r.title and r.label and r.node.startswith("https://")
        assert r.quote, f"{r.kind} {r.node} has no quote"
        assert r.document, f"{r.kind} {r.node} has no document"


def test_same_gap_rows_on_both_engines(graph, library, corpus_gaps):
    def key(rows):
        return sorted((r.kind, r.node, r.quote) for r in rows)
    assert key(corpus_gaps) == key(run_gaps(OxigraphEngine(graph), library))


def test_every_guideline_with_an_empty_kpi_box_is_listed(graph, corpus_gaps):
    rows = [r for r in corpus_gaps if r.kind == "guideline-empty-box-gap"]
    placeholders = graph.query("""
        PREFIX pg: <https://w3id.org/policygraph/ontology#>
        SELECT DISTINCT ?g WHERE { ?ph pg:placeholderFor ?g ; pg:box pg:KPIExamplesBox }""")
    expected = {str(r.g) for r in placeholders}
    assert len(expected) >= 10  # the ten guidelines of the 003 draft
    listed = {r.node for r in rows if str(r.row["box"]) == "kpi_examples"}
    assert listed == expected
    assert all("（Ｐ）" in r.quote or "(P)" in r.quote for r in rows)


def test_cloud_operating_cost_kpi_has_no_observation(corpus_gaps):
    rows = [r for r in corpus_gaps if r.kind == "kpi-no-observation-gap"]
    cost = [r for r in rows if r.node == str(PGR["kpi-local-system-operating-cost"])]
    assert len(cost) == 1
    assert cost[0].label == "地方公共団体の情報システム運用コスト"
    assert "3割圧縮" in cost[0].quote
    assert int(cost[0].row["targets"]) >= 2  # it has targets, only no measured value


def test_no_projection_is_recorded_as_an_observation_in_the_corpus(graph, library):
    assert RdflibEngine(graph).run(library.get("projection-as-observation-gap")) == []


def test_cli_gaps_table_lists_guideline_boxes_and_the_cost_kpi(runner):
    result = runner.invoke(app, ["gaps"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Guidelines whose measures or KPI box is empty" in out
    assert "（Ｐ）" in out
    assert "地方公共団体の情報システム運用コスト" in out
    assert "kpi-local-system-operating-cost" in out


def test_cli_gaps_json_groups_by_kind(runner, library):
    result = runner.invoke(app, ["gaps", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [g["kind"] for g in report["gaps"]] == [q.name for q in gap_queries(library)]
    assert report["total"] == sum(g["count"] for g in report["gaps"]) > 0
    boxes = next(g for g in report["gaps"] if g["kind"] == "guideline-empty-box-gap")
    assert boxes["count"] == len(boxes["rows"]) >= 20
    assert all(r["quote"] and r["label"] and r["document"] for r in boxes["rows"])


def test_cli_gaps_csv_and_fail_on_gaps(runner):
    result = runner.invoke(app, ["gaps", "--format", "csv", "--fail-on-gaps"])
    assert result.exit_code == 1
    assert result.stdout.startswith("\ufeff")  # a byte-order mark, for spreadsheets
    header, *lines = result.stdout.removeprefix("\ufeff").splitlines()
    assert header == "kind,title,node,label,document,quote,locator,file,line,acknowledged,ackReason,ackBy,ackUntil"
    assert any(line.startswith("kpi-no-observation-gap,") for line in lines)
    # record ids, as in the workbook and the web app's /gaps.csv (not full IRIs)
    assert "https://w3id.org/policygraph/id/" not in result.stdout
    assert any(",kpi-11-back-office-consolidation," in line for line in lines)


def test_cli_fail_on_gaps_passes_on_a_clean_graph(runner, ontology, tmp_path):
    clean = Graph()
    for triple in ontology:
        clean.add(triple)
    clean.parse(FIXTURES / "kpi-no-body-gap" / "silent.ttl")  # two KPIs with bodies; targets and values below
    clean.parse(data="""
        @prefix pg: <https://w3id.org/policygraph/ontology#> . @prefix pgr: <https://w3id.org/policygraph/id/> .
        @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        pgr:kpi-1 pg:hasTarget pgr:tg-1 . pgr:kpi-2 pg:hasTarget pgr:tg-2 .
        pgr:tg-1 a pg:Target ; pg:reportedIn pgr:doc-a ; pg:value 10 ; pg:unit pg:unit-ken ; pg:comparator pg:AtLeast .
        pgr:tg-2 a pg:Target ; pg:reportedIn pgr:doc-a ; pg:value 10 ; pg:unit pg:unit-ken ; pg:comparator pg:AtLeast .
        pgr:kpi-1 pg:hasObservation pgr:o-1 . pgr:kpi-2 pg:hasObservation pgr:o-2 .
        pgr:o-1 a pg:Observation ; pg:reportedIn pgr:doc-a ; pg:value 12 ; pg:unit pg:unit-ken ;
            pg:referenceDate "2019-04-01"^^xsd:date ; pg:observationStatus pg:Final .
        pgr:o-2 a pg:Observation ; pg:reportedIn pgr:doc-a ; pg:value 11 ; pg:unit pg:unit-ken ;
            pg:referenceDate "2019-04-01"^^xsd:date ; pg:observationStatus pg:Final .
        pgr:ri-1 pg:measuredBy pgr:kpi-1 .
    """, format="turtle")
    path = tmp_path / "clean.ttl"
    clean.serialize(path, format="turtle")
    result = runner.invoke(app, ["gaps", "--graph", str(path), "--fail-on-gaps", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["total"] == 0
    # The same graph with one gap added fails.
    clean.parse(data="""@prefix pg: <https://w3id.org/policygraph/ontology#> .
        @prefix pgr: <https://w3id.org/policygraph/id/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        pgr:ri-9 a pg:ReformItem ; rdfs:label "測定されない項目"@ja .""", format="turtle")
    clean.serialize(path, format="turtle")
    result = runner.invoke(app, ["gaps", "--graph", str(path), "--fail-on-gaps"])
    assert result.exit_code == 1
    assert "測定されない項目" in result.stdout


def test_cli_gaps_as_of_moves_deadlines(runner):
    early = json.loads(runner.invoke(app, ["gaps", "--format", "json", "--as-of", "2015-01-01"]).stdout)
    late = json.loads(runner.invoke(app, ["gaps", "--format", "json"]).stdout)
    count = {r["as_of"]: {g["kind"]: g["count"] for g in r["gaps"]} for r in (early, late)}
    assert early["as_of"] == "2015-01-01"
    assert count["2015-01-01"]["deadline-no-observation-gap"] < count[late["as_of"]]["deadline-no-observation-gap"]
    assert runner.invoke(app, ["gaps", "--as-of", "yesterday"]).exit_code == 2


def test_fail_on_gaps_says_why(runner):
    """Regression: --fail-on-gaps exited 1 without saying which gaps made it fail."""
    result = runner.invoke(app, ["gaps", "--format", "json", "--fail-on-gaps"])
    assert result.exit_code == 1
    assert "--fail-on-gaps:" in result.stderr and "gaps found" in result.stderr
