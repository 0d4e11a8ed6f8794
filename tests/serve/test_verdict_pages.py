"""Issue 24 in the web app: the KPI board carries each status's basis (rule, evidence age, ratios,
the source's projection), in the page and in its .json / .xlsx."""
import io

from openpyxl import load_workbook


def test_the_kpi_board_shows_the_basis_of_each_status(client):
    rows = {r["kpi"].rsplit("/", 1)[-1]: r for r in client.get("/kpis.json?_shape=array").json()}
    systems = rows["kpi-14-government-systems"]
    assert systems["status"] == "unverified" and systems["evidenceAgeDays"] == 730
    assert "1117 (2017-03-31)" in systems["rule"] and systems["projectionLevel"] == 556
    assert rows["kpi-e-approval-duration"]["status"] == "missed"
    page = client.get("/kpis").text
    assert "unverified" in page and "730" in page
    book = load_workbook(io.BytesIO(client.get("/kpis.xlsx").content))
    header = [c.value for c in book["kpi-status"][1]]
    assert {"rule", "evidenceAgeDays", "progressShare", "elapsedShare", "projection", "parts"} <= set(header)
