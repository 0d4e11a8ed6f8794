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


SHEETS_JA = ["目次", "KPI状況", "欠落", "KPI値と引用", "トレース", "根拠", "トレース起点"]
SHEETS_EN = ["Contents", "KPI status", "Gaps", "KPI values", "Trace", "Evidence", "Trace roots"]


@pytest.fixture(scope="module")
def workbook(store_dir, tmp_path_factory):
    """`policygraph export --format xlsx` of the corpus, read back with openpyxl."""
    from openpyxl import load_workbook

    from tests.conftest import StoreRunner
    out = tmp_path_factory.mktemp("xlsx") / "audit.xlsx"
    result = StoreRunner(store_dir).invoke(app, ["export", "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    return load_workbook(out)


def header(sheet) -> dict[str, int]:
    return {c.value: c.column for c in sheet[1]}


def column(sheet, name: str) -> list:
    col = header(sheet)[name]
    return [row[col - 1] for row in sheet.iter_rows(min_row=2)]


def test_xlsx_is_one_workbook_for_auditors(workbook, engine, project):
    from policygraph.query.sparql import QueryLibrary
    assert workbook.sheetnames == SHEETS_JA and workbook.active.title == "KPI状況"
    library = QueryLibrary(project.query_dirs)
    assert workbook["KPI状況"].max_row == len(engine.run(library.get("kpi-status"))) + 1
    assert workbook["根拠"].max_row == len(engine.run(library.get("evidence"))) + 1
    assert [c.value for c in workbook["欠落"][1]][:3] == ["kind", "title", "node"]
    assert workbook["欠落"].max_row > 100
    # the contents sheet: every sheet, its row count and a link to it
    contents = workbook["目次"]
    listed = {r[0].value: r for r in contents.iter_rows(min_row=2) if r[0].value}
    assert list(listed) == SHEETS_JA[1:]
    for name, row in listed.items():
        assert row[3].value == workbook[name].max_row - 1
        assert row[0].hyperlink.location == f"'{name}'!A1" or row[0].hyperlink.target == f"#'{name}'!A1"
    for sheet in workbook:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                assert cell.data_type != "f"  # no cell is a formula


def test_xlsx_sheet_names_in_english(runner, tmp_path):
    from openpyxl import load_workbook
    out = tmp_path / "audit.xlsx"
    result = runner.invoke(app, ["export", "--format", "xlsx", "--lang", "en", "-o", str(out)])
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book.sheetnames == SHEETS_EN
    assert [c.value for c in book["Contents"][1]] == ["sheet", "name", "description", "rows", "source"]
    assert runner.invoke(app, ["export", "--format", "xlsx", "--lang", "fr", "-o", str(out)]).exit_code == 2


def test_xlsx_dates_and_numbers_are_typed(workbook, engine, project):
    """Defect: dates were text; xsd:date columns are Excel dates shown as yyyy-mm-dd, numbers numbers."""
    import datetime as dt

    from policygraph.query.sparql import QueryLibrary
    board = workbook["KPI状況"]
    rows = {r["kpi"]: r for r in engine.run(QueryLibrary(project.query_dirs).get("kpi-status"), )}
    kpis = column(board, "kpi")
    for name in ("deadline", "latestDate", "gradeDate", "asOf"):
        for kpi, cell in zip(kpis, column(board, name)):
            expected = rows[_iri(kpi.value)].get(name)
            if expected is None:
                assert cell.value is None
            else:
                assert cell.is_date and cell.number_format == "yyyy-mm-dd", (name, kpi.value)
                assert cell.value.date() == dt.date.fromisoformat(str(expected))
    cloud = kpis.index(next(c for c in kpis if c.value == "kpi-cloud-municipalities"))
    assert column(board, "latestValue")[cloud].value == 1067 and column(board, "latestValue")[cloud].data_type == "n"
    assert column(board, "latestWhen")[cloud].data_type == "s"  # the printed precision stays text beside the date
    values = workbook["KPI値と引用"]
    dates = [c for c in column(values, "date") if c.value is not None]
    assert dates and all(c.is_date and c.number_format == "yyyy-mm-dd" for c in dates)
    assert all(c.data_type == "n" for c in column(values, "value") if c.value is not None)
    assert all(c.data_type == "n" for c in column(workbook["根拠"], "line") if c.value is not None)
    # columns are sized to their text: a Japanese label column is wider than an id column of the same sheet
    width = {c.value: board.column_dimensions[c.column_letter].width for c in board[1]}
    assert width["label"] > width["tier"] and 20 < width["label"] <= 62


def _iri(rid: str):
    from policygraph.graph.namespaces import PGR
    return PGR[rid]


def test_xlsx_quotes_are_verbatim_even_when_they_start_like_a_formula(workbook, engine, project):
    """Defect: a quote beginning with "-" (source 002 prints "- 1窓口業務…" for ①－１) got a visible leading
    apostrophe; it is now the quote itself, in a string cell with Excel's quote prefix."""
    from policygraph.query.sparql import QueryLibrary
    evidence = engine.run(QueryLibrary(project.query_dirs).get("evidence"))
    expected = [str(r["quote"]) for r in evidence]
    assert any(q.startswith("-") for q in expected)  # the corpus has such quotes
    cells = column(workbook["根拠"], "quote")
    assert [c.value for c in cells] == expected
    for cell in cells:
        if cell.value.startswith(("=", "+", "-", "@")):
            assert cell.data_type == "s" and cell.quotePrefix
    kpi_quotes = [c.value for c in column(workbook["KPI値と引用"], "quote") if c.value]
    assert any(q.startswith("- 1窓口業務のアウトソーシング") for q in kpi_quotes)


def test_xlsx_uses_record_ids_as_the_web_app_does(workbook):
    """Defect: the CLI workbook wrote full IRIs in the gap sheet where the web workbook wrote ids."""
    for name, col in (("欠落", "node"), ("KPI状況", "kpi"), ("トレース", "directive"), ("根拠", "node")):
        cells = column(workbook[name], col)
        assert cells and not any(str(c.value).startswith("https://w3id.org/policygraph/id/") for c in cells)
    assert "kpi-11-back-office-consolidation" in {c.value for c in column(workbook["欠落"], "node")}


def test_xlsx_has_kpi_values_with_quotes_as_the_csv(workbook, runner, tmp_path):
    out = tmp_path / "k.csv"
    assert runner.invoke(app, ["export", "-f", "csv", "-o", str(out)]).exit_code == 0
    csv_rows = read_csv(out)
    sheet = workbook["KPI値と引用"]
    assert [c.value for c in sheet[1]] == KPI_COLUMNS and sheet.max_row == len(csv_rows) + 1
    by_statement = {c.value: i for i, c in enumerate(column(sheet, "statement_id"))}
    briefing = by_statement["obs-cloud-municipalities-2015-04-01-briefing"]
    assert column(sheet, "quote")[briefing].value == "クラウド化市区町村数は、728団体(H27.4.1)から"
    assert column(sheet, "value")[briefing].value == 728


def test_xlsx_has_the_trace_of_every_document(workbook, engine, project):
    from policygraph.query.sparql import QueryLibrary
    from policygraph.query.trace import trace
    sheet = workbook["トレース"]
    documents = {c.value for c in column(sheet, "document")}
    assert "doc-future-investment-2017" in documents
    expected = trace(engine, QueryLibrary(project.query_dirs), "doc-future-investment-2017")
    want = {(d["id"], (i or {}).get("id"), (k or {}).get("id")) for d in expected["directives"]
            for i in d["reform_items"] or [None] for k in ((i or {}).get("kpis") or [None])}
    rows = [(d.value, i.value, k.value) for doc, d, i, k in zip(column(sheet, "document"), column(sheet, "directive"),
                                                                 column(sheet, "item"), column(sheet, "kpi"))
            if doc.value == "doc-future-investment-2017"]
    assert set(rows) == want and len(rows) == len(set(rows))
    quotes = [c.value for c in column(sheet, "quote")]
    assert all(quotes) and all(isinstance(c.value, int) for c in column(sheet, "line"))


@pytest.mark.parametrize("name, tab", [
    ("trace-doc-future-investment-2017", "trace-doc-future-investment"),
    ("kpi-status", "kpi-status"),
    ("a" * 40, "a" * 31),                       # one word longer than a tab: cut, nothing else to do
    ("KPI: [all]/?*", "KPI_ _all____"),         # characters Excel refuses
    ("'quoted'", "quoted"),
])
def test_short_sheet_names_end_at_a_word(name, tab):
    from policygraph.views.tables import short_sheet_name
    assert short_sheet_name(name, set()) == tab
    assert short_sheet_name(name, {tab.upper()}) not in (tab, tab.upper())  # Excel compares case-insensitively
