"""Issue 24, point 6: the records the audit found wrong or missing, each fixed with its quote, and the
record rule that would have caught it."""
import datetime as dt
import re

import pytest

from policygraph.cli.app import app
from policygraph.graph.convert import build_graph, load_ontology
from policygraph.graph.namespaces import PG, PGR
from policygraph.records.corpus import load_corpus
from policygraph.records.sources import normalize
from rdflib import RDF

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
    kpis = {k for k in graph.subjects(PG.nextMeasurement, None) if (k, RDF.type, PG.KPI) in graph}
    assert len(kpis) == 15


#: A printed announcement (次回の把握時期), found in the source text itself — independent of the records:
#: a month or a year's end followed by 把握/公表/集計, or 把握時期は and a month.
_PRINTED = re.compile(r"(?:\d{4}年\d{1,2}月|\d{4}年度末|翌年度末)(?:頃)?に?(?:把握|公表|集計)|把握時期は\d{4}年\d{1,2}月")


@pytest.mark.parametrize("document, source", [("doc-progress-2017", "src-000"), ("doc-progress-2016", "src-002")])
def test_every_printed_announcement_is_recorded_with_its_quote(project, document, source):
    """Issue 24: only 5 (then 15) of the announcements printed in 000 and 002 were recorded. Every one the
    source prints (a regex over the source text; 000 prints ⑪'s page twice, so a hit whose 40 characters
    before it repeat is the same cell) is inside the quote of an Announcement of that document, and every
    Announcement of it quotes one; each announcement is a record of its own, one per KPI and document."""
    corpus = load_corpus(project)
    text = normalize((project.sources_dir / corpus.get(source).file).read_text(encoding="utf-8"))
    printed = {text[max(0, m.start() - 40):m.end()]: m.group(0) for m in _PRINTED.finditer(text)}
    announcements = [a for a in corpus.of_type("Announcement") if a.document == document]
    quotes = {a.id: "".join(normalize(ev.quote) for ev in a.evidence) for a in announcements}
    unrecorded = [ctx for ctx, hit in printed.items()
                  if not any(hit in q and _near(text, ctx, q) for q in quotes.values())]
    assert not unrecorded, f"{len(unrecorded)} of {len(printed)} printed announcements not recorded: {unrecorded}"
    assert all(_PRINTED.search(q) for q in quotes.values())  # and each record quotes a printed one
    assert len({(a.kpi, a.document) for a in announcements}) == len(announcements)  # one per KPI and document
    # 000 prints 11 distinct cells (⑬'s row prints 2017年度末に集計 twice: one announcement) for 10 KPIs; 002
    # prints 11 for 12 KPIs (one 地方公会計 cell announces for both of its KPIs): 22 records from 22 cells.
    assert len(printed) >= 10 and len(announcements) >= len(printed) - 1


def _near(text: str, ctx: str, quote: str) -> bool:
    """The quote stands where the hit is printed: it overlaps the hit's place in the source."""
    at = text.index(ctx) + len(ctx)
    window = text[max(0, at - len(quote) - 40):at + len(quote) + 40]
    return quote in window


def test_older_editions_announcements_are_kept_and_the_latest_wins(graph):
    """⑫ is announced by 002 (2017-10) and by 000 (2018-10): both are in the graph, each from its document;
    the KPI's next measurement is 000's."""
    kpi = PGR["kpi-12-renkei-chusu-areas"]
    kept = {(graph.value(a, PG.reportedIn), graph.value(a, PG.nextMeasurement).toPython())
            for a in graph.objects(kpi, PG.hasAnnouncement)}
    assert kept == {(PGR["doc-progress-2016"], dt.date(2017, 10, 31)), (PGR["doc-progress-2017"], dt.date(2018, 10, 31))}
    winner = graph.value(kpi, PG.latestAnnouncement)
    assert graph.value(winner, PG.reportedIn) == PGR["doc-progress-2017"]
    assert any("2018年10月に把握" in str(graph.value(e, PG.quote)) for e in graph.objects(winner, PG.hasEvidence))


def test_the_latest_edition_wins_whatever_the_order(runner, project_copy):
    """Swap the announced months: the KPI takes 000's (the later document's) whatever it says."""
    _replace(project_copy, A17, "    when: 2018-10\n    text: \"2018年度の実績は2018年10月に把握\"",
             "    when: 2017-01\n    text: \"2018年度の実績は2018年10月に把握\"")
    graph = build_graph(load_corpus(project_copy), load_ontology(project_copy.ontology))
    assert graph.value(PGR["kpi-12-renkei-chusu-areas"], PG.nextMeasurement).toPython() == dt.date(2017, 1, 31)


def test_a_quoted_announcement_must_be_recorded(runner, project_copy):
    """Defect: 17 of 22 announcements were not recorded; an announcement quoted on a KPI without its
    Announcement record (here 002's for ⑫) is refused, located at the quote."""
    path = project_copy.records_dir / A17
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: ann-12-renkei-chusu-areas-progress2016\n")
    end = text.index("  - id: ", start + 5)
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    result = _validate(runner, project_copy)
    assert result.exit_code == 1, result.output
    assert "record kpi-12-renkei-chusu-areas, field evidence[" in result.output
    assert "an announced next measurement is quoted (次回の把握時期) but not recorded: add an Announcement record " \
           "(kpi: kpi-12-renkei-chusu-areas, document: doc-progress-2016" in result.output


def test_an_announcement_of_an_unknown_kpi_is_refused(runner, project_copy):
    _replace(project_copy, A17, "    type: Announcement\n    kpi: kpi-12-renkei-chusu-areas\n",
             "    type: Announcement\n    kpi: kpi-12-no-such-kpi\n")
    result = _validate(runner, project_copy)
    assert result.exit_code == 1 and "field kpi: unknown id" in result.output, result.output


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
