"""Issue 24, point 6: the records the audit found wrong or missing, each fixed with its quote, and the
record rule that would have caught it."""
import datetime as dt

import pytest

from policygraph.cli.app import app
from policygraph.graph.namespaces import PG, PGR

A17 = "000-progress-2017.yaml"


def _replace(project, file: str, old: str, new: str) -> None:
    path = project.records_dir / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _validate(runner, project):
    return runner.invoke(app, ["validate", "--root", str(project.root)])


# ------------------------------------------------------------------ a value with no printed date
def test_a_date_text_that_prints_no_date_is_refused(runner, project_copy):
    """Defect: 000's 4団体 (no date printed) was dated 2017-03-31 at day precision, its date_text saying
    時点の記載なし: a date_text that prints no date must become date_inferred."""
    path = project_copy.records_dir / A17
    text = path.read_text(encoding="utf-8")
    start = text.index("    date_inferred: \"000 prints no date")
    end = text.index("\n", start)
    path.write_text(text[:start] + "    date_text: 時点の記載なし（各自治体の申入れにより下方修正）" + text[end:], encoding="utf-8")
    result = _validate(runner, project_copy)
    assert result.exit_code == 1, result.output
    assert "record obs-11-standard-spec-model-municipalities-2017-03-31-progress2017, field date_text: date_text " \
           "prints no date" in result.output and "date_inferred" in result.output


def test_an_inferred_date_cannot_also_be_printed(runner, project_copy):
    _replace(project_copy, A17, "    date: FY2016\n    date_inferred:", "    date: FY2016\n    date_text: 2016年度\n    date_inferred:")
    result = _validate(runner, project_copy)
    assert result.exit_code == 1 and "no printed date_text can be given" in result.output, result.output


# ------------------------------------------------------------------ 次回の把握時期
@pytest.mark.parametrize("kpi, day, document", [
    ("kpi-12-renkei-chusu-areas", dt.date(2018, 10, 31), "doc-progress-2017"),  # 000's, not 002's 2017-10
    ("kpi-12-teiju-jiritsu-areas", dt.date(2018, 10, 31), "doc-progress-2017"),
    ("kpi-14-government-systems", dt.date(2019, 3, 31), "doc-progress-2017"),  # 2017年度末実績は翌年度末に把握
    ("kpi-14-government-system-operating-cost", dt.date(2018, 3, 31), "doc-progress-2017"),
    ("kpi-11-standard-spec-model-municipalities", dt.date(2018, 3, 31), "doc-progress-2017"),
    ("kpi-11-lawful-outsourcing-municipalities", dt.date(2018, 3, 31), "doc-progress-2017"),
    ("kpi-13-advice-count", dt.date(2018, 3, 31), "doc-progress-2017"),  # 2017年度末に集計予定
    ("kpi-enterprise-accounting-priority", dt.date(2017, 6, 30), "doc-progress-2016"),  # 002's 2017年6月頃に把握
    ("kpi-fixed-asset-ledger", dt.date(2017, 6, 30), "doc-progress-2016"),
    ("kpi-public-accounting-unnamed", dt.date(2017, 6, 30), "doc-progress-2016"),
    ("kpi-asset-aging-ratio", dt.date(2017, 6, 30), "doc-progress-2016"),
    ("kpi-facility-consolidation", dt.date(2017, 4, 30), "doc-progress-2016"),
])
def test_every_announced_next_measurement_is_recorded_the_latest_winning(graph, kpi, day, document):
    assert graph.value(PGR[kpi], PG.nextMeasurement).toPython() == day
    assert graph.value(PGR[kpi], PG.nextMeasurementIn) == PGR[document]


def test_announcements_are_recorded_for_fifteen_kpis(graph):
    assert len(set(graph.subjects(PG.nextMeasurement, None))) == 15


def test_a_stale_announcement_is_refused(runner, project_copy):
    """Defect: ⑫ carried 002's 2017-10 although 000 announces 2018-10: with both quoted, the record must
    take the latest document's."""
    _replace(project_copy, A17, "    next_measurement: 2018-10\n    next_measurement_text: 2018年度の実績は2018年10月に把握\n"
             "    next_measurement_document: doc-progress-2017",
             "    next_measurement: 2017-10\n    next_measurement_text: 2017年度の実績は2017年10月に把握\n"
             "    next_measurement_document: doc-progress-2016")
    result = _validate(runner, project_copy)
    assert result.exit_code == 1, result.output
    assert "record kpi-12-renkei-chusu-areas, field next_measurement_document: the latest announcement is " \
           "doc-progress-2017's" in result.output


def test_a_quoted_announcement_must_be_recorded(runner, project_copy):
    """Defect: 17 of 22 announcements were not recorded; a quoted one without next_measurement is refused."""
    _replace(project_copy, A17, "    next_measurement: FY2018\n    next_measurement_text: 2017年度末実績は翌年度末に把握。\n"
             "    next_measurement_document: doc-progress-2017\n", "")
    result = _validate(runner, project_copy)
    assert result.exit_code == 1, result.output
    assert "record kpi-14-government-systems, field next_measurement: an announced next measurement is quoted" \
        in result.output


# ------------------------------------------------------------------ a month printed is a month
def test_the_my_number_system_completion_is_dated_to_its_month(graph):
    """Defect: 004's 「平成29年12月にシステムの構築が完了」 was typed as FY2017."""
    obs = PGR["obs-my-number-system-fy2017-eval"]
    assert str(graph.value(obs, PG.datePrecision)).endswith("precision-month")
    assert graph.value(obs, PG.referenceDate).toPython() == dt.date(2017, 12, 31)


def test_a_result_naming_its_month_cannot_be_typed_to_a_fiscal_year(runner, project_copy):
    _replace(project_copy, "004-evaluation-2019.yaml", "    date: 2017-12\n    date_text: 平成29年12月\n",
             "    date: FY2017\n    date_text: 29年度\n")
    result = _validate(runner, project_copy)
    assert result.exit_code == 1, result.output
    assert "record obs-my-number-system-fy2017-eval, field date: the value text prints 平成29年12月: type the date " \
           "to it (date: 2017-12)" in result.output


# ------------------------------------------------------------------ a qualitative target kept as printed
def test_the_social_population_kpi_keeps_its_qualitative_targets(graph):
    """Defect: 「各圏域において設定」 (000, 002) was missing while 「増加、進捗検証」 was kept as a text target."""
    targets = list(graph.objects(PGR["kpi-12-social-population"], PG.hasTarget))
    texts = {str(graph.value(t, PG.valueText)) for t in targets}
    assert texts == {"各圏域において設定", "2016年度中に各圏域において設定"}
    for t in graph.objects(PGR["kpi-12-social-population"], PG.hasTarget):
        assert graph.value(t, PG.value) is None  # a text target: nothing to compare, no status invented


# ------------------------------------------------------------------ the council's follow-ups and 004's response date
def test_the_councils_follow_up_schedule_is_in_the_graph(graph):
    """Defect: 001's 「1月、6月、10月にフォローアップ」 was not in the graph."""
    for n in (1, 2, 3):
        report = PGR[f"pr-briefing-gyokaku-{n}-followup"]
        assert "1月、6月、10月にフォローアップ" in str(graph.value(report, PG.nextSteps))
        assert graph.value(report, PG.reportsOn) is not None


def test_the_response_to_finding_3_carries_its_own_date(graph):
    """Defect: 004's response to 指摘事項3 carried its date (平成30年3月30日) only inside its text."""
    assert graph.value(PGR["pr-2019-gyokaku-3"], PG.asOf).toPython() == dt.date(2018, 3, 30)
