"""Source 002, the 2016 year-end progress report, the part before ⑪: the 見える化 reform items, their
roadmap rows with progress, and their KPIs (targets, observations, projections, progress), OCR readings.

⑪–⑬ of 002 are curated elsewhere; "our part" is every record whose 002 evidence stands before the
first ⑪ heading of the source."""
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import RDF, RDFS
from rdflib.namespace import PROV, SKOS

from policygraph.graph.convert import PG, PGR
from policygraph.records.sources import SourceIndex

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "data/sources/002_0c140c373dd0f46e.txt"
DOC = PGR["doc-progress-2016"]
SRC = PGR["src-002"]
ITEM_11_HEADING = "改革項目: 民間の大胆な活用による適正な民間委託等の加速"

#: Counted by hand in data/sources/002 before the ⑪ heading (lines 1–115):
#: 改革項目 headings: 自治体の行政コスト… (on 4 pages), 民間委託やクラウド化等…, 公共サービス関連情報….
#: 改革工程 rows: 5 + 2 + 4 + 4 (自治体の行政コスト…, pages 1–4) + 4 (民間委託やクラウド化等…) + 2 (公共サービス…).
#: KPI rows with content: 3 (page 2) + 2 (page 3) + 1 (page 4) + 0 (a table of dashes) + 1 (第二階層, name lost).
ITEMS_IN_SOURCE = 3
STEPS_IN_SOURCE = 5 + 2 + 4 + 4 + 4 + 2
KPI_ROWS_IN_SOURCE = 3 + 2 + 1 + 0 + 1


@pytest.fixture(scope="module")
def boundary() -> int:
    """Source line of the first ⑪ heading: our part of 002 ends before it."""
    return SourceIndex(SOURCE).find(ITEM_11_HEADING).line


def _lines_in_002(graph, node) -> list[int]:
    return [int(graph.value(e, PG.sourceLine)) for e in graph.objects(node, PG.hasEvidence)
            if graph.value(e, PG.sourceLine) is not None and (e, PROV.wasQuotedFrom, SRC) in graph]


def _ours(graph, cls, boundary) -> set:
    """Nodes of a class reported in 002 whose 002 evidence all stands before the ⑪ heading."""
    found = set()
    for node in graph.subjects(RDF.type, cls):
        if (node, PG.reportedIn, DOC) not in graph:
            continue
        lines = _lines_in_002(graph, node)
        if lines and max(lines) < boundary:
            found.add(node)
    return found


def _unit(graph, node) -> str:
    return str(graph.value(graph.value(node, PG.unit), SKOS.notation))


def _facts(graph, kpi_id: str, prop) -> list:
    return list(graph.objects(PGR[kpi_id], prop))


def _one(graph, kpi_id: str, prop, **where):
    """The single statement of a KPI whose literal properties equal `where` (value, date …)."""
    keys = {"value": PG.value, "date": PG.referenceDate, "value_text": PG.valueText}
    hits = [n for n in _facts(graph, kpi_id, prop)
            if all(graph.value(n, keys[k]) is not None and graph.value(n, keys[k]).toPython() == v
                   for k, v in where.items())]
    assert len(hits) == 1, (kpi_id, where, hits)
    return hits[0]


# ------------------------------------------------------------------------------------------ counts
def test_reform_items_steps_and_kpi_rows_counted_in_the_source(graph, boundary):
    text = SOURCE.read_text(encoding="utf-8").splitlines()[: boundary - 1]
    headings = {line.strip() for line in text if line.startswith("改革項目:")}
    assert len(headings) == ITEMS_IN_SOURCE  # the hand count agrees with the distinct headings printed
    items = _ours(graph, PG.ReformItem, boundary)
    assert len(items) == ITEMS_IN_SOURCE
    steps = _ours(graph, PG.ScheduleStep, boundary)
    assert len(steps) == STEPS_IN_SOURCE
    assert {graph.value(predicate=PG.hasStep, object=s) for s in steps} == items
    kpis = _ours(graph, PG.KPI, boundary)
    assert len(kpis) == KPI_ROWS_IN_SOURCE
    assert all(any((i, PG.measuredBy, k) in graph for i in items) for k in kpis)


def test_every_step_and_kpi_of_our_part_has_a_progress_report(graph, boundary):
    for node in _ours(graph, PG.ScheduleStep, boundary) | _ours(graph, PG.KPI, boundary):
        reports = [r for r in graph.subjects(PG.reportsOn, node) if (r, PG.reportedIn, DOC) in graph]
        assert reports, f"{node} has no 2016 progress report"
        assert all(graph.value(r, PG.text) for r in reports)


def test_tiers_as_printed(graph):
    tier = {k: graph.value(PGR[k], PG.tier) for k in (
        "kpi-facility-management-plans", "kpi-facility-consolidation", "kpi-asset-aging-ratio",
        "kpi-enterprise-accounting-priority", "kpi-pdca-tier2-unnamed", "kpi-fixed-asset-ledger")}
    assert tier == {"kpi-facility-management-plans": PG.Tier1, "kpi-facility-consolidation": PG.Tier1,
                    "kpi-asset-aging-ratio": PG.Tier2, "kpi-enterprise-accounting-priority": PG.Tier1,
                    "kpi-pdca-tier2-unnamed": PG.Tier2,
                    "kpi-fixed-asset-ledger": None}  # the tier column of that table is unreadable ("9 F F")


# ------------------------------------------------------------------------------------------ facts
def test_facility_plan_kpi_target_observation_and_plans(graph):
    target = _one(graph, "kpi-facility-management-plans", PG.hasTarget)
    assert graph.value(target, PG.value).toPython() == Decimal(100) and _unit(graph, target) == "%"
    assert graph.value(target, PG.comparator) == PG.AtLeast
    assert graph.value(target, PG.deadline).toPython() == dt.date(2017, 3, 31)  # 2016年度末までに
    obs = _one(graph, "kpi-facility-management-plans", PG.hasObservation, value=Decimal("24.7"))
    assert _unit(graph, obs) == "%"
    # 2016年4月 is a month: known by its last day, printed precision kept (issue 11).
    assert graph.value(obs, PG.referenceDate).toPython() == dt.date(2016, 4, 30)
    assert graph.value(obs, PG.periodStart).toPython() == dt.date(2016, 4, 1)
    assert graph.value(obs, PG.datePrecision) == PG["precision-month"]
    assert str(graph.value(obs, PG.referenceTime)) == "2016-04"
    assert str(graph.value(obs, PG.dateText)) == "2016年4月"
    assert graph.value(obs, PG.observationStatus) == PG.Unstated
    plans = {(graph.value(p, PG.value).toPython(), str(graph.value(p, PG.statusText)), str(graph.value(p, PG.series)),
              graph.value(p, PG.referenceDate).toPython())
             for p in _facts(graph, "kpi-facility-management-plans", PG.hasProjection)}
    # Two sub-series, each planned by the end of 2016年度 (the horizon's last day, not its first).
    assert plans == {(Decimal("99.4"), "予定", "その他の市区町村", dt.date(2017, 3, 31)),
                     (Decimal(100), "予定", "都道府県及び指定都市", dt.date(2017, 3, 31))}


def test_fixed_asset_ledger_and_the_unnamed_accounting_kpi(graph):
    obs = _one(graph, "kpi-fixed-asset-ledger", PG.hasObservation, value=Decimal("26.6"))
    assert graph.value(obs, PG.referenceDate).toPython() == dt.date(2016, 3, 31)  # 2016年3月末
    target = _one(graph, "kpi-fixed-asset-ledger", PG.hasTarget)
    assert graph.value(target, PG.deadline).toPython() == dt.date(2018, 3, 31)  # 2017年度までに
    other = _one(graph, "kpi-public-accounting-unnamed", PG.hasObservation, value=Decimal("2.5"))
    assert _unit(graph, other) == "%"
    assert "- - -" in str(graph.value(next(graph.objects(PGR["kpi-public-accounting-unnamed"], PG.hasEvidence)),
                                      PG.quote))


def test_enterprise_accounting_two_services_same_date(graph):
    kpi = "kpi-enterprise-accounting-priority"
    sewer = _one(graph, kpi, PG.hasObservation, value=Decimal("35.5"))
    water = _one(graph, kpi, PG.hasObservation, value=Decimal("38.1"))
    assert {str(graph.value(sewer, PG.valueText))[:3], str(graph.value(water, PG.valueText))[:4]} == {"下水道", "簡易水道"}
    assert graph.value(sewer, PG.referenceDate) == graph.value(water, PG.referenceDate)
    assert graph.value(sewer, PG.periodStart).toPython() == dt.date(2016, 4, 1)  # 2016年4月時点: a month
    # The two services are sub-series of one KPI: a dimension of each value (issue 11), not a note.
    assert (str(graph.value(sewer, PG.series)), str(graph.value(water, PG.series))) == ("下水道", "簡易水道")
    target = _one(graph, kpi, PG.hasTarget)
    assert graph.value(target, PG.deadline).toPython() == dt.date(2020, 4, 1)  # 2020年度予算から
    assert graph.value(target, PG.deadlineFiscalYear) is None


def test_qualitative_target_and_cumulative_count(graph):
    target = _one(graph, "kpi-facility-consolidation", PG.hasTarget)
    assert str(graph.value(target, PG.valueText)) == "増加、進捗検証"
    assert graph.value(target, PG.value) is None and graph.value(target, PG.comparator) is None
    obs = _one(graph, "kpi-facility-consolidation", PG.hasObservation, value=Decimal(59))
    assert _unit(graph, obs) == "団体" and str(graph.value(obs, PG.valueText)) == "延べ59団体"
    assert str(graph.value(obs, PG.dateText)) == "2015年度"


def test_kpis_without_a_printed_target_have_none(graph):
    for kpi in ("kpi-asset-aging-ratio", "kpi-pdca-tier2-unnamed"):
        assert _facts(graph, kpi, PG.hasTarget) == []
        assert _facts(graph, kpi, PG.hasObservation) == []  # only text, no number, is printed


# ------------------------------------------------------------------------------------------ projections
def test_the_98_8_percent_is_a_projection_not_an_observation(graph):
    [projection] = _facts(graph, "kpi-fixed-asset-ledger", PG.hasProjection)
    assert (projection, RDF.type, PG.Projection) in graph
    assert (projection, RDF.type, PG.Observation) not in graph
    assert graph.value(projection, PG.value).toPython() == Decimal("98.8")
    assert str(graph.value(projection, PG.statusText)) == "見込み"
    observed = {graph.value(o, PG.value).toPython()
                for k in graph.subjects(PG.reportedIn, DOC) for o in graph.objects(k, PG.hasObservation)}
    assert Decimal("98.8") not in observed and Decimal("99.4") not in observed


# ------------------------------------------------------------------------------------------ OCR and gaps
@pytest.mark.parametrize("record, printed, corrected", [
    ("tg-enterprise-accounting-priority-progress2016", "日標", "目標"),
    ("step-visibility-public-accounting-best-practice", "/ウハウ", "ノウハウ"),
    ("ri-public-service-visibility-pdca", "基づ〈", "基づく"),
    ("pr-2016-visibility-individual-facility-plans", "大き〈", "大きく"),
])
def test_ocr_misreadings_stay_in_the_quote_and_are_corrected_in_the_reading(graph, record, printed, corrected):
    read = [e for e in graph.objects(PGR[record], PG.hasEvidence) if graph.value(e, PG.reading) is not None]
    assert read, f"{record} has no evidence with a reading"
    quote, reading = str(graph.value(read[0], PG.quote)), str(graph.value(read[0], PG.reading))
    assert printed in quote and printed not in reading and corrected in reading
    assert SourceIndex(SOURCE).find(quote) is not None  # the quote is as printed


def test_item_with_a_table_of_dashes_has_no_kpi_and_says_so(graph):
    item = PGR["ri-disclosure-outsourcing-cloud"]
    assert list(graph.objects(item, PG.measuredBy)) == []
    assert "第一階層 - - - -" in str(graph.value(item, PG.curationNote))


def test_repeated_kpis_are_one_node_each(graph):
    repeated = [k for k in graph.subjects(PG.reportedIn, DOC) if (k, RDF.type, PG.KPI) in graph
                and "再掲" in str(graph.value(k, PG.curationNote) or "")]
    labels = [next(str(x) for x in graph.objects(k, RDFS.label) if x.language == "ja") for k in repeated]
    assert len(repeated) >= 4 and len(set(labels)) == len(labels)
    # the four 再掲 KPIs of our part, each recorded once
    for name in ("公共施設等総合管理計画を策定した地方自治体数", "施設の集約化・複合化等を実施した地方自治体数",
                 "有形固定資産減価償却率", "重点事業における公営企業会計の適用自治体数（人口3万人以上）"):
        assert labels.count(name) == 1, name


def test_cabinet_office_compiles_the_pdca_steps(graph):
    cao = PGR["body-cao"]
    assert (cao, RDF.type, PG.Body) in graph
    for step in ("step-pdca-public-service-visibility", "step-pdca-subsidy-performance-indicators"):
        assert (PGR[step], PG.responsibleBody, cao) in graph
