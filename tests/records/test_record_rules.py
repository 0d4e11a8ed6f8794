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


def _build(runner, project, tmp_path):
    return runner.invoke(app, ["build", "--root", str(project.root), "--out", str(tmp_path / "b")])


def test_a_number_given_as_text_is_refused(runner, project_copy, tmp_path):
    """Defect: value "550" as a string was accepted silently as a number."""
    _edit(project_copy, OBSERVATION.replace("value: 842", 'value: "842"'))
    result = _build(runner, project_copy, tmp_path)
    assert result.exit_code == 1, result.output
    assert f"{FILE}:650: record obs-cloud-municipalities-2016-04-01-briefing, field value: " in result.output
    assert "a number is written without quotes" in result.output


@pytest.mark.parametrize("printed,typed", [("平成99年4月1日現在", "2014-04-01"), ("H28.4.2", "2016-04-01"),
                                           ("2016年5月", "2016-04-01")])
def test_a_printed_date_must_agree_with_the_typed_date(runner, project_copy, tmp_path, printed, typed):
    """Defect: date_text 平成99年4月1日現在 with date 2014-04-01 was accepted."""
    _edit(project_copy, OBSERVATION.replace("date: 2016-04-01", f"date: {typed}")
          .replace("date_text: H28.4.1", f"date_text: {printed}"))
    result = _build(runner, project_copy, tmp_path)
    assert result.exit_code == 1, result.output
    assert f"{FILE}:653: record obs-cloud-municipalities-2016-04-01-briefing, field date_text: the printed date" in \
        result.output
    assert f"date is {typed}" in result.output


@pytest.mark.parametrize("printed", ["H28.4.1", "平成28年4月1日現在", "2016年4月", "2016年度末", "時点の記載なし"])
def test_agreeing_or_undated_prints_pass(project_copy, printed):
    from policygraph.pipeline import build_in_memory
    _edit(project_copy, OBSERVATION.replace("date_text: H28.4.1", f"date_text: {printed}"))
    corpus, _graph = build_in_memory(project_copy)
    assert corpus.records["obs-cloud-municipalities-2016-04-01-briefing"].record.date_text == printed


def test_a_short_quote_found_more_than_once_is_refused(runner, project_copy, tmp_path):
    """Defect: a 3-character quote such as "842" was accepted as evidence wherever it stood."""
    _edit(project_copy, OBSERVATION.replace('quote: "842団体(H28.4.1)に増加。"', 'quote: "団体"'))
    result = _build(runner, project_copy, tmp_path)
    assert result.exit_code == 1, result.output
    assert "quote too short to identify its place" in result.output
    assert f"{FILE}:656: record obs-cloud-municipalities-2016-04-01-briefing, field evidence[0].quote" in result.output


def test_a_short_quote_found_once_stays_evidence(project_copy):
    from policygraph.pipeline import build_in_memory
    _edit(project_copy, OBSERVATION.replace('quote: "842団体(H28.4.1)に増加。"', 'quote: "842団体"'))
    corpus, _graph = build_in_memory(project_copy)
    assert ("obs-cloud-municipalities-2016-04-01-briefing", 0) in corpus.matches
