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


# ---------------------------------------------------------------- no silent empties (#23, point 9)
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_a_parameter_naming_no_node_is_a_note_not_a_silent_empty(runner, engine):
    """Defect: `query kpi-history -p kpi=kpi-cloud-municpalities` (a typo) printed 0 rows and nothing else."""
    result = runner.invoke(app, ["query", "kpi-history", "-p", "kpi=kpi-cloud-municpalities", "-f", "csv",
                                 "--engine", engine])
    assert result.exit_code == 0, result.output  # an empty answer is still an answer
    assert len(result.stdout.removeprefix("\ufeff").splitlines()) == 1  # the header only
    assert ("note: kpi=kpi-cloud-municpalities matches no node in the graph; did you mean "
            "kpi-cloud-municipalities?") in result.stderr
    found = runner.invoke(app, ["query", "kpi-history", "-p", "kpi=kpi-cloud-municipalities", "-f", "csv",
                                "--engine", engine])
    assert found.exit_code == 0 and "note:" not in found.stderr


def test_a_text_or_date_parameter_is_not_checked_as_a_node(runner):
    result = runner.invoke(app, ["query", "coverage-matrix", "-p", "document=doc-future-investment-2017", "-f", "json"])
    assert result.exit_code == 0 and "note:" not in result.stderr


def test_a_mistyped_query_name_suggests_the_query(runner):
    """Defect: `query kpi-stauts` named a file path inside the package instead of suggesting kpi-status."""
    result = runner.invoke(app, ["query", "kpi-stauts"])
    assert result.exit_code == 2
    assert "no query named 'kpi-stauts'; did you mean kpi-status?" in result.stderr
    assert ".rq" not in result.stderr
    as_file = runner.invoke(app, ["query", "kpi-stauts.rq"])
    assert as_file.exit_code == 2 and "did you mean the named query kpi-status?" in as_file.stderr


def test_a_mistyped_trace_target_suggests_ids_in_plain_words(runner):
    """Defect: messages said `field TARGET` (typer's argument name) and offered nothing close."""
    result = runner.invoke(app, ["trace", "dir-honebuto-2017-clod"])
    assert result.exit_code == 2
    assert ("the node to trace from: no node to trace from matches 'dir-honebuto-2017-clod' "
            "(by id, label or alias); did you mean dir-honebuto-2017-cloud") in result.stderr
    assert "TARGET" not in result.stderr and "field" not in result.stderr


def test_a_command_line_option_is_named_as_an_option(runner):
    result = runner.invoke(app, ["query", "kpi-history", "--param", "nonsense"])
    assert result.exit_code == 2
    assert "option --param: a parameter is NAME=VALUE" in result.stderr and "field --param" not in result.stderr
