"""Parameters and CSV cells of `policygraph query` (hardening issue, defect 9)."""
import pytest

from policygraph.cli.app import app


def test_an_impossible_date_is_refused_not_bound_as_an_id(runner):
    """Defect: -p x=2017-02-30 was silently bound as an IRI."""
    result = runner.invoke(app, ["query", "kpi-history", "-p", "kpi=2017-02-30"])
    assert result.exit_code == 2, result.output
    assert "not a real date" in result.output and "2017-02-30" in result.output


def test_a_parameter_given_twice_is_refused(runner):
    """Defect: a repeated -p kpi=… silently kept the last."""
    result = runner.invoke(app, ["query", "kpi-history", "-p", "kpi=kpi-cloud-municipalities",
                                 "-p", "kpi=kpi-egov-applications"])
    assert result.exit_code == 2, result.output
    assert "given twice" in result.output


@pytest.mark.parametrize("fmt,sep", [("csv", ","), ("tsv", "\t")])
def test_query_csv_quotes_spreadsheet_formulas_as_export_does(runner, tmp_path, fmt, sep):
    """Defect: query --format csv did not guard spreadsheet formulas as export does."""
    q = tmp_path / "f.rq"
    q.write_text('SELECT ?cell ?n WHERE { VALUES (?cell ?n) { ("=HYPERLINK(\\"http://x\\")" -5) ("@SUM(A1)" 1) '
                 '("plain" 2) } } ORDER BY ?n', encoding="utf-8")
    result = runner.invoke(app, ["query", str(q), "--format", fmt])
    assert result.exit_code == 0, result.output
    lines = result.output.removeprefix("\ufeff").splitlines()
    assert lines[1].startswith(("'=HYPERLINK", "\"'=HYPERLINK")) and lines[1].endswith(f"{sep}-5")
    assert lines[2].startswith("'@SUM(A1)") and lines[3] == f"plain{sep}2"
