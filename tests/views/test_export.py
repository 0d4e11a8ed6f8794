"""export: GraphML for Gephi/Cytoscape and the KPI table as CSV for spreadsheets."""
import codecs
import csv
import io
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph, Literal

from policygraph.cli.app import app
from policygraph.graph.convert import PG, PGR
from policygraph.query.sparql import QueryLibrary
from policygraph.store.engines import OxigraphEngine
from policygraph.views.export import KPI_COLUMNS, csv_bytes, kpi_rows
from policygraph.views.viz_model import RecordGraph

QUERIES = Path(__file__).resolve().parents[2] / "queries"


def read_csv(path):
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8)  # spreadsheets then read the Japanese as UTF-8
    return list(csv.DictReader(io.StringIO(data[len(codecs.BOM_UTF8):].decode("utf-8"))))


def test_graphml_opens_with_every_record_and_link(runner, tmp_path, graph):
    out = tmp_path / "g.graphml"
    result = runner.invoke(app, ["export", "--format", "graphml", "-o", str(out)])
    assert result.exit_code == 0, result.output
    G = nx.read_graphml(out)
    rg = RecordGraph(graph)
    assert set(G.nodes) == set(rg.classes)
    assert G.nodes["kpi-cloud-municipalities"]["label_ja"] == "クラウド導入市区町村数"
    assert G.nodes["kpi-cloud-municipalities"]["cls"] == "KPI"
    assert G.nodes["kpi-cloud-municipalities"]["attainment"] == rg.attainment("kpi-cloud-municipalities")
    assert G.has_edge("ri-15", "kpi-cloud-municipalities")
    assert G.number_of_edges() == rg.to_networkx().number_of_edges() > len(G.nodes)
    predicates = {d["predicate"] for _, _, d in G.edges(data=True)}
    assert str(PG.measuredBy) in predicates and str(PG.hasEvidence) not in predicates


def test_csv_has_one_row_per_kpi_value_with_quote(runner, tmp_path, graph):
    out = tmp_path / "k.csv"
    result = runner.invoke(app, ["export", "-f", "csv", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = read_csv(out)
    assert list(rows[0]) == KPI_COLUMNS
    cloud = [r for r in rows if r["kpi_id"] == "kpi-cloud-municipalities"]
    obs = {(r["value"], r["date"], r["document_id"]) for r in cloud if r["kind"] == "observation"}
    assert ("728", "2015-04-01", "doc-cloud-briefing-2017") in obs
    assert ("1067", "2018-04-01", "doc-evaluation-2019") in obs
    briefing = next(r for r in cloud if r["statement_id"] == "obs-cloud-municipalities-2015-04-01-briefing")
    assert briefing["quote"] == "クラウド化市区町村数は、728団体(H27.4.1)から" and briefing["source_file"].startswith("001")
    rg = RecordGraph(graph)
    kpis = [k for k, c in rg.classes.items() if c == "KPI"]
    assert {r["kpi_id"] for r in rows} == set(kpis)
    assert len(rows) == sum(max(1, len(rg.kpi_series(k))) for k in kpis)


def test_csv_neutralises_spreadsheet_formulas(graph):
    g = Graph()
    for t in graph:
        g.add(t)
    evil = '=HYPERLINK("http://x","y")'
    g.set((PGR["obs-cloud-municipalities-2015-04-01-briefing/evidence/1"], PG.quote, Literal(evil)))
    rows = list(kpi_rows(OxigraphEngine(g), QueryLibrary(QUERIES)))
    rows.append({"kpi_id": "k", "kpi_label_ja": "+cmd|' /C calc'!A0", "value": -5, "quote": "@SUM(1)"})
    text = csv_bytes(rows).decode("utf-8-sig")
    parsed = list(csv.DictReader(io.StringIO(text)))
    briefing = next(r for r in parsed if r["statement_id"] == "obs-cloud-municipalities-2015-04-01-briefing")
    assert briefing["quote"] == "'" + evil
    last = parsed[-1]
    assert last["kpi_label_ja"] == "'+cmd|' /C calc'!A0" and last["quote"] == "'@SUM(1)"
    assert last["value"] == "-5"  # numbers stay numbers
    assert not any(v.startswith(("=", "+", "@")) for r in parsed for v in r.values() if v)


def test_export_unknown_format_is_an_input_error(runner):
    result = runner.invoke(app, ["export", "--format", "ods"])
    assert result.exit_code == 2


@pytest.mark.parametrize("fmt, name", [("graphml", "policygraph.graphml"), ("csv", "kpis.csv"),
                                       ("xlsx", "policygraph.xlsx")])
def test_export_default_path_is_in_build(runner, project_copy, fmt, name):
    result = runner.invoke(app, ["export", "-f", fmt, "--root", str(project_copy.root)])
    assert result.exit_code == 0, result.output
    assert (project_copy.root / "build" / name).is_file()


def test_xlsx_is_one_workbook_for_auditors(runner, tmp_path, engine, project):
    from openpyxl import load_workbook

    from policygraph.query.sparql import QueryLibrary
    out = tmp_path / "audit.xlsx"
    result = runner.invoke(app, ["export", "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == ["KPI status", "Gaps", "Evidence", "Trace roots"]
    library = QueryLibrary(project.query_dirs)
    assert book["KPI status"].max_row == len(engine.run(library.get("kpi-status"))) + 1
    assert book["Evidence"].max_row == len(engine.run(library.get("evidence"))) + 1
    assert [c.value for c in book["Gaps"][1]][:3] == ["kind", "title", "node"]
    assert book["Gaps"].max_row > 100
    # no cell is a formula, and none begins with a formula character unguarded
    for sheet in book:
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                assert cell.data_type != "f"
                assert not (isinstance(cell.value, str) and cell.value[:1] in "=+-@")
