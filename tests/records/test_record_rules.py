"""Record rules that let wrong data through (hardening issue, defect 9): a number given as text, a
printed 和暦 date that disagrees with the typed date, a quote too short to identify its place."""
import pytest

from policygraph.cli.app import app

FILE = "001-cloud-briefing.yaml"
OBSERVATION = '''    value: 842
    unit: 団体
    date: 2016-04-01
    date_text: H28.4.1
    status: unstated
    evidence:
      - {locator: "自治体クラウドの推進について 1. クラウド化の進捗状況", quote: "842団体(H28.4.1)に増加。"}'''


def _edit(project, new: str) -> None:
    path = project.records_dir / FILE
    text = path.read_text(encoding="utf-8")
    assert OBSERVATION in text
    path.write_text(text.replace(OBSERVATION, new, 1), encoding="utf-8")


def _line(project, text: str) -> int:
    """The line of the observation's field `text` in the data file (lines move as records are added)."""
    lines = (project.records_dir / FILE).read_text(encoding="utf-8").splitlines()
    start = lines.index("  - id: obs-cloud-municipalities-2016-04-01-briefing")
    return next(i for i, line in enumerate(lines[start:], start + 1) if line.strip().startswith(text))


def _build(runner, project, tmp_path):
    return runner.invoke(app, ["build", "--root", str(project.root), "--out", str(tmp_path / "b")])


def test_a_number_given_as_text_is_refused(runner, project_copy, tmp_path):
    """Defect: value "550" as a string was accepted silently as a number."""
    _edit(project_copy, OBSERVATION.replace("value: 842", 'value: "842"'))
    result = _build(runner, project_copy, tmp_path)
    assert result.exit_code == 1, result.output
    assert f"{FILE}:{_line(project_copy, 'value:')}: record obs-cloud-municipalities-2016-04-01-briefing, field value: " in result.output
    assert "a number is written without quotes" in result.output


@pytest.mark.parametrize("printed,typed,reading", [
    ("平成99年4月1日現在", "2014-04-01", "2087-04-01"), ("H28.4.2", "2016-04-01", "2016-04-02"),
    ("2016年5月", "2016-04-01", "2016-05"),
    # Dates at the printed precision (issue 11): a month is not its first day, a fiscal year not a day in it.
    ("2016年4月", "2016-04-01", "2016-04"), ("2016年度", "2016-10-01", "FY2016"), ("(2016年度)", "2017-03-31", "FY2016"),
    ("2016年度末", "FY2016", "2017-03-31"), ("2016年3月末", "2016-03", "2016-03-31"), ("2017年中", "2017-12-31", "CY2017"),
    ("28年度", "FY2015", "FY2016")])
def test_a_printed_date_must_agree_with_the_typed_date(runner, project_copy, tmp_path, printed, typed, reading):
    """Defect: date_text 平成99年4月1日現在 with date 2014-04-01 was accepted; (2016年度) was stored as 2016-10-01."""
    _edit(project_copy, OBSERVATION.replace("date: 2016-04-01", f"date: {typed}")
          .replace("date_text: H28.4.1", f"date_text: {printed}"))
    result = _build(runner, project_copy, tmp_path)
    assert result.exit_code == 1, result.output
    assert f"{FILE}:{_line(project_copy, 'date:')}: record obs-cloud-municipalities-2016-04-01-briefing, field date: the printed date" in \
        result.output
    assert f"reads as {reading}" in result.output and f"date is {typed}" in result.output


@pytest.mark.parametrize("printed,typed", [("H28.4.1", "2016-04-01"), ("平成28年4月1日現在", "2016-04-01"),
                                           ("2016年4月", "2016-04"), ("2016年度", "FY2016"), ("28年度", "FY2016"),
                                           ("2016年度末", "2017-03-31"), ("2016年3月末", "2016-03-31"),
                                           ("2016年中", "CY2016")])
# (A date_text that prints no date — 時点の記載なし — is refused since issue 24: the date is typed as
# inferred instead; tests/records/test_verdict_records.py.)
def test_agreeing_or_undated_prints_pass(project_copy, printed, typed):
    from policygraph.pipeline import build_in_memory
    from policygraph.records.when import When
    _edit(project_copy, OBSERVATION.replace("date: 2016-04-01", f"date: {typed}")
          .replace("date_text: H28.4.1", f"date_text: {printed}"))
    corpus, _graph = build_in_memory(project_copy)
    record = corpus.records["obs-cloud-municipalities-2016-04-01-briefing"].record
    assert (record.date_text, record.date) == (printed, When.parse(typed))


def test_a_short_quote_found_more_than_once_is_refused(runner, project_copy, tmp_path):
    """Defect: a 3-character quote such as "842" was accepted as evidence wherever it stood."""
    _edit(project_copy, OBSERVATION.replace('quote: "842団体(H28.4.1)に増加。"', 'quote: "団体"'))
    result = _build(runner, project_copy, tmp_path)
    assert result.exit_code == 1, result.output
    assert "quote too short to identify its place" in result.output
    assert f"{FILE}:{_line(project_copy, '- {locator:')}: record obs-cloud-municipalities-2016-04-01-briefing, field evidence[0].quote" in result.output


def test_a_short_quote_found_once_stays_evidence(project_copy):
    from policygraph.pipeline import build_in_memory
    _edit(project_copy, OBSERVATION.replace('quote: "842団体(H28.4.1)に増加。"', 'quote: "842団体"'))
    corpus, _graph = build_in_memory(project_copy)
    assert ("obs-cloud-municipalities-2016-04-01-briefing", 0) in corpus.matches


@pytest.mark.parametrize("record,line,message", [
    ("pj-14-government-systems-reduction-fy2018-progress2017",
     "    reduction_from: bl-14-government-systems-fy2012-progress2017\n", "printed as a cut"),
    ("pj-13-convenience-store-population-fy2017-progress2017", "    approximate: true\n", "printed with 約"),
    ("obs-13-convenience-store-population-2017-08-31-progress2017", "    approximate: true\n", "printed with 約"),
])
def test_a_reading_must_agree_with_the_printed_value(runner, project_copy, tmp_path, record, line, message):
    """Defect (issue 11): 894システムの減 was stored as a projected count of 894 systems, and 約 was a
    note, not a typed qualifier; now a printed cut needs its baseline and a printed 約 needs approximate."""
    path = project_copy.records_dir / "000-progress-2017.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index(f"  - id: {record}\n")
    at = text.index(line, start)
    assert at < text.index("    evidence:", start)
    path.write_text(text[:at] + text[at + len(line):], encoding="utf-8")
    result = _build(runner, project_copy, tmp_path)
    assert result.exit_code == 1, result.output
    assert f"record {record}, field" in result.output and message in result.output


def test_a_cut_that_is_not_printed_is_refused(runner, project_copy, tmp_path):
    _edit(project_copy, OBSERVATION.replace("    status: unstated\n",
          "    status: unstated\n    reduction_from: bl-cloud-municipalities-fy2014-roadmap\n", 1))
    result = _build(runner, project_copy, tmp_path)
    assert result.exit_code == 1 and "reduction_from is set, but the printed value is not a cut" in result.output


@pytest.mark.parametrize("between,message", [("[2017-12-31, 2017-10-31]", "is after"),
                                             ("[2017-10-31]", "issued_between")])
def test_issue_date_bounds_are_checked(runner, project_copy, tmp_path, between, message):
    path = project_copy.records_dir / FILE
    text = path.read_text(encoding="utf-8")
    anchor = "    issued_between: [2017-06-09, 2017-09-30]\n"
    assert anchor in text
    path.write_text(text.replace(anchor, f"    issued_between: {between}\n"), encoding="utf-8")
    result = _build(runner, project_copy, tmp_path)
    assert result.exit_code == 1 and message in result.output and "doc-cloud-briefing-2017" in result.output


@pytest.mark.parametrize("old,new,message", [
    ("      - document: doc-roadmap-2016\n", "      - document: doc-nowhere\n", "field editions[1].document: unknown id"),
    ("      - document: doc-roadmap-2016\n", "      - document: doc-evaluation-2019\n", "one edition per document"),
])
def test_an_edition_names_a_known_document_once(runner, project_copy, tmp_path, old, new, message):
    """An edition's document is a reference like any other: unknown ids and repeats are located errors."""
    path = project_copy.records_dir / FILE
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    result = _build(runner, project_copy, tmp_path)
    assert result.exit_code == 1, result.output
    assert "record kpi-cloud-municipalities" in result.output and message in result.output
