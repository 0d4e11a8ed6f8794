"""Attainment: comparator-aware status of every KPI, computed once and materialised in the graph.

The forms below are the target forms printed in the sources: 約1,000団体 with 倍増 (001/004),
3割圧縮 of a base (001, 000), 半減 (000), 32時間以内 (004), 0.2%以下 (004), 99.99%以上 (004), 100%
(002), 1,600人以上 (004), 平成28年度値以上 for a rank (004), 2倍 of a base year's actual (004).
"""
import datetime as dt
from decimal import Decimal

import pytest
from rdflib import RDF, Graph, Literal
from rdflib.namespace import SKOS

from policygraph.graph import attainment
from policygraph.graph.attainment import (
    APPROX_TOLERANCE,
    CONCEPTS,
    STATUSES,
    compute,
    meets,
    read_targets,
)
from policygraph.graph.convert import PG, PGR, load_ontology

HEAD = """@prefix pg: <https://w3id.org/policygraph/ontology#> . @prefix pgr: <https://w3id.org/policygraph/id/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
pgr:fy-2013 pg:beginDate "2013-04-01"^^xsd:date ; pg:endDate "2014-03-31"^^xsd:date .
pgr:fy-2016 pg:beginDate "2016-04-01"^^xsd:date ; pg:endDate "2017-03-31"^^xsd:date .
pgr:fy-2018 pg:beginDate "2018-04-01"^^xsd:date ; pg:endDate "2019-03-31"^^xsd:date .
pgr:k a pg:KPI .
"""


@pytest.fixture(scope="module", autouse=True)
def _ontology(project):
    global ONTOLOGY
    ONTOLOGY = load_ontology(project.ontology)


def kpi(target: str = "", baseline: str = "", observations=(), as_of=dt.date(2020, 4, 1), extra: str = ""):
    """Status of one KPI `pgr:k` built from Turtle fragments (with the ontology); returns the Attainment."""
    ttl = HEAD + extra
    if target:
        ttl += f"pgr:k pg:hasTarget pgr:t . pgr:t a pg:Target ; {target} .\n"
    if baseline:
        ttl += f"pgr:k pg:hasBaseline pgr:b . pgr:b a pg:Baseline ; {baseline} .\n"
    for i, (value, date, *rest) in enumerate(observations):
        unit = rest[0] if rest else "pg:unit-dantai"
        status = rest[1] if len(rest) > 1 else "pg:Unstated"
        text = f' ; pg:valueText "{rest[2]}"' if len(rest) > 2 else ""
        text += " ; pg:reductionFrom pgr:b" if len(rest) > 3 and rest[3] == "cut" else ""
        ttl += (f'pgr:k pg:hasObservation pgr:o{i} . pgr:o{i} a pg:Observation ; pg:value {value} ; pg:unit {unit} ; '
                f'pg:referenceDate "{date}"^^xsd:date ; pg:observationStatus {status}{text} .\n')
    g = Graph()
    for triple in ONTOLOGY:
        g.add(triple)
    g.parse(data=ttl, format="turtle")
    return compute(g, as_of)[PGR["k"]]


ONTOLOGY = None
DL = 'pg:deadline "2018-03-31"^^xsd:date'


def test_at_least_and_at_most():
    ge = f"pg:value 1600 ; pg:unit pg:unit-nin ; pg:comparator pg:AtLeast ; {DL}"  # 1,600人以上
    assert kpi(ge, observations=[(1688, "2018-03-31", "pg:unit-nin")]).status == "achieved"
    assert kpi(ge, observations=[(1599, "2018-03-31", "pg:unit-nin")]).status == "missed"
    le = f"pg:value 32 ; pg:unit pg:unit-jikan ; pg:comparator pg:AtMost ; {DL}"  # 32時間以内
    assert kpi(le, observations=[(32, "2018-03-31", "pg:unit-jikan")]).status == "achieved"
    assert kpi(le, observations=[(60.3, "2018-03-31", "pg:unit-jikan")]).status == "missed"


def test_percentages_above_and_below():
    pct_le = f"pg:value 0.2 ; pg:unit pg:unit-percent ; pg:comparator pg:AtMost ; {DL}"  # 不稼働率0.2%以下
    assert kpi(pct_le, observations=[(0, "2018-03-31", "pg:unit-percent")]).status == "achieved"
    assert kpi(pct_le, observations=[(0.3, "2018-03-31", "pg:unit-percent")]).status == "missed"
    pct_ge = f"pg:value 99.99 ; pg:unit pg:unit-percent ; pg:comparator pg:AtLeast ; {DL}"  # 99.99%以上
    assert kpi(pct_ge, observations=[(100, "2018-03-31", "pg:unit-percent")]).status == "achieved"
    assert kpi(pct_ge, observations=[(99.9, "2018-03-31", "pg:unit-percent")]).status == "missed"
    exact = f"pg:value 100 ; pg:unit pg:unit-percent ; pg:comparator pg:Exactly ; {DL}"  # 100%
    assert kpi(exact, observations=[(100, "2018-03-31", "pg:unit-percent")]).status == "achieved"
    assert kpi(exact, observations=[(98.8, "2018-03-31", "pg:unit-percent")]).status == "missed"


def test_approximately_uses_the_documented_tolerance():
    approx = f"pg:value 1000 ; pg:unit pg:unit-dantai ; pg:comparator pg:Approximately ; {DL}"  # 約1,000団体
    inside = 1000 * (1 - APPROX_TOLERANCE)
    assert kpi(approx, observations=[(inside, "2018-04-01")]).status == "achieved"
    assert kpi(approx, observations=[(inside - 1, "2018-04-01")]).status == "missed"
    assert kpi(approx, observations=[(1067, "2018-04-01")]).status == "achieved"  # exceeding is fine


def test_relative_targets_from_a_baseline():
    base = 'pg:value 4000 ; pg:unit pg:unit-oku-yen ; pg:fiscalYear pgr:fy-2013'
    cut = ("pg:relativeFactor 0.7 ; pg:relativeTo pgr:b ; pg:comparator pg:AtMost ; pg:unit pg:unit-ratio ; "
           'pg:deadline "2022-03-31"^^xsd:date')  # 3割圧縮 (2013年度：4000億円)
    a = kpi(cut, base, [(2700, "2021-03-31", "pg:unit-oku-yen")], as_of=dt.date(2023, 1, 1))
    assert (a.status, a.threshold) == ("achieved", Decimal("2800.0"))
    assert kpi(cut, base, [(2900, "2021-03-31", "pg:unit-oku-yen")], as_of=dt.date(2023, 1, 1)).status == "unverified"
    # A value printed as a cut against the base (257億円の削減) is the level 4000 − 257.
    printed_cut = [(257, "2016-03-31", "pg:unit-oku-yen", "pg:Unstated", "2013年度と比べて257億円の削減", "cut")]
    assert kpi(cut, base, printed_cut, as_of=dt.date(2023, 1, 1)).status == "unverified"
    big_cut = [(1300, "2021-03-31", "pg:unit-oku-yen", "pg:Unstated", "1300億円の削減", "cut")]
    assert kpi(cut, base, big_cut, as_of=dt.date(2023, 1, 1)).status == "achieved"
    half = ('pg:relativeFactor 0.5 ; pg:relativeTo pgr:b ; pg:comparator pg:AtMost ; '
            'pg:deadline "2019-03-31"^^xsd:date')  # 半減 (2012年度：1450)
    base_1450 = 'pg:value 1450 ; pg:unit pg:unit-ken ; pg:fiscalYear pgr:fy-2013'
    assert kpi(half, base_1450, [(1117, "2017-03-31", "pg:unit-ken")]).status == "unverified"
    assert kpi(half, base_1450, [(725, "2019-03-31", "pg:unit-ken")]).threshold == Decimal("725.0")
    double = ('pg:relativeFactor 2 ; pg:relativeTo pgr:b ; pg:deadline "2022-03-31"^^xsd:date')  # 2倍, no comparator
    base_577 = 'pg:value 577273 ; pg:unit pg:unit-senken ; pg:fiscalYear pgr:fy-2016'
    assert kpi(double, base_577, [(1506096, "2019-03-31", "pg:unit-senken")]).status == "achieved"


def test_a_printed_value_wins_over_base_times_factor():
    t = f"pg:value 1000 ; pg:unit pg:unit-dantai ; pg:comparator pg:Approximately ; pg:relativeFactor 2 ; pg:relativeTo pgr:b ; {DL}"
    a = kpi(t, 'pg:value 550 ; pg:unit pg:unit-dantai ; pg:fiscalYear pgr:fy-2013', [(1067, "2018-04-01")])
    assert (a.status, a.threshold) == ("achieved", Decimal(1000))  # 倍増（約1,000団体）: 1,000, not 1,100


def test_ranks_lower_is_better():
    rank = ('pg:relativeFactor 1 ; pg:relativeTo pgr:b ; pg:comparator pg:RankAtLeast ; '
            'pg:deadline "2019-03-31"^^xsd:date')  # 平成28年度値以上 for a ranking (16位)
    base = 'pg:value 16 ; pg:unit pg:unit-i ; pg:fiscalYear pgr:fy-2016'
    assert kpi(rank, base, [(9, "2019-03-31", "pg:unit-i")]).status == "achieved"
    assert kpi(rank, base, [(16, "2019-03-31", "pg:unit-i")]).status == "achieved"
    assert kpi(rank, base, [(17, "2019-03-31", "pg:unit-i")]).status == "missed"


def test_no_target_no_data_and_units():
    assert kpi().status == "no_target"
    assert kpi(observations=[(5, "2018-04-01")]).status == "no_target"
    cost = "pg:relativeFactor 0.7 ; pg:comparator pg:AtMost ; pg:unit pg:unit-ratio"  # 3割圧縮, no base
    a = kpi(cost)
    assert (a.status, a.basis, a.threshold) == ("no_data", PGR["t"], None)
    assert kpi(cost, observations=[(5, "2018-04-01")]).status == "no_target"  # nothing to compare with
    counted = f"pg:value 1000 ; pg:unit pg:unit-dantai ; pg:comparator pg:AtLeast ; {DL}"
    assert kpi(counted, observations=[(80, "2018-04-01", "pg:unit-percent")]).status == "no_data"


def test_not_yet_due_on_track_behind_by_the_official_rule():
    t = 'pg:value 1000 ; pg:unit pg:unit-dantai ; pg:comparator pg:AtLeast ; pg:deadline "2020-03-31"^^xsd:date'
    base = 'pg:value 500 ; pg:unit pg:unit-dantai ; pg:referenceDate "2016-04-01"^^xsd:date'
    as_of = dt.date(2018, 6, 1)
    # Half way (2018-04-01 is half of 2016-04-01 … 2020-03-31): the line is at ~750.
    assert kpi(t, base, [(800, "2018-04-01")], as_of).status == "on_track"
    assert kpi(t, base, [(700, "2018-04-01")], as_of).status == "behind"
    assert kpi(t, "", [(700, "2018-04-01")], as_of).status == "not_yet_due"  # no starting point
    # Without a baseline, the earliest observation is the starting point.
    assert kpi(t, "", [(500, "2016-04-01"), (800, "2018-04-01")], as_of).status == "on_track"
    # Observations after the as-of date are ignored.
    assert kpi(t, base, [(1200, "2019-04-01")], as_of).status == "no_data"
    down = ('pg:value 32 ; pg:unit pg:unit-jikan ; pg:comparator pg:AtMost ; pg:deadline "2020-03-31"^^xsd:date')
    base_h = 'pg:value 40 ; pg:unit pg:unit-jikan ; pg:referenceDate "2016-04-01"^^xsd:date'
    assert kpi(down, base_h, [(35, "2018-04-01", "pg:unit-jikan")], as_of).status == "on_track"
    assert kpi(down, base_h, [(39, "2018-04-01", "pg:unit-jikan")], as_of).status == "behind"


def test_latest_observation_final_beats_preliminary_on_the_same_date():
    t = f"pg:value 300 ; pg:unit pg:unit-dantai ; pg:comparator pg:AtLeast ; {DL}"
    obs = [(301, "2017-04-01", "pg:unit-dantai", "pg:Preliminary"), (299, "2017-04-01", "pg:unit-dantai", "pg:Final")]
    a = kpi(t, observations=obs, as_of=dt.date(2017, 6, 1))
    assert a.observation == PGR["o1"] and a.status == "not_yet_due"


def test_basis_is_the_target_with_the_latest_deadline():
    extra = """pgr:k pg:hasTarget pgr:t-early . pgr:t-early a pg:Target ; pg:value 10 ; pg:unit pg:unit-dantai ;
        pg:comparator pg:AtLeast ; pg:fiscalYear pgr:fy-2016 .\n"""
    t = 'pg:value 20 ; pg:unit pg:unit-dantai ; pg:comparator pg:AtLeast ; pg:deadline "2019-03-31"^^xsd:date'
    a = kpi(t, observations=[(15, "2019-03-31")], extra=extra)
    assert (a.basis, a.status) == (PGR["t"], "missed")


def test_ontology_declares_the_scheme_with_the_eight_notations(project):
    onto = load_ontology(project.ontology)
    found = {str(onto.value(c, SKOS.notation)): c for c in onto.subjects(SKOS.inScheme, PG.AttainmentScheme)}
    assert set(found) == set(STATUSES)
    assert found == {s: CONCEPTS[s] for s in STATUSES}
    for c in found.values():
        assert {lbl.language for lbl in onto.objects(c, SKOS.prefLabel)} == {"ja", "en"}
        assert {d.language for d in onto.objects(c, SKOS.definition)} == {"ja", "en"}


# ---------------------------------------------------------------- the real corpus

def test_every_kpi_of_the_built_graph_has_one_materialised_status(graph):
    kpis = set(graph.subjects(RDF.type, PG.KPI))
    assert kpis
    for k in kpis:
        statuses = list(graph.objects(k, PG.attainment))
        assert len(statuses) == 1, k
        assert (statuses[0], SKOS.inScheme, PG.AttainmentScheme) in graph
        assert graph.value(k, PG.attainmentAsOf).datatype is not None


def test_materialise_replaces_rather_than_adds(graph):
    g = Graph()
    for t in graph:
        g.add(t)
    attainment.materialise(None, g, dt.date(2017, 6, 1))
    attainment.materialise(None, g, dt.date(2019, 8, 1))
    k = PGR["kpi-cloud-municipalities"]
    assert list(g.objects(k, PG.attainmentAsOf)) == [Literal(dt.date(2019, 8, 1))]
    assert list(g.objects(k, PG.attainment)) == [CONCEPTS["achieved"]]


@pytest.mark.parametrize("kpi_id, as_of, status", [
    ("kpi-cloud-municipalities", dt.date(2019, 8, 1), "achieved"),  # 1,067 ≥ 約1,000 (graded イ in 004)
    ("kpi-cloud-municipalities", dt.date(2017, 6, 1), "on_track"),  # 950 on 2017-04-01, above the line from 550
    ("kpi-local-system-operating-cost", dt.date(2019, 8, 1), "no_data"),  # 3割圧縮, never measured
    ("kpi-e-approval-duration", dt.date(2019, 8, 1), "missed"),  # 32時間以内, graded ハ in 004
    ("kpi-un-egov-rank", dt.date(2019, 8, 1), "achieved"),  # 9位 vs 16位: lower is better, graded イ
    ("kpi-unified-training-capacity", dt.date(2019, 8, 1), "achieved"),  # 1,600人以上, graded イ
    ("kpi-15-spending-efficiency", dt.date(2019, 8, 1), "no_target"),  # 事後的に検証する指標
])
def test_statuses_of_the_worked_thread_and_004(graph, kpi_id, as_of, status):
    a = compute(graph, as_of)[PGR[kpi_id]]
    assert a.status == status, a


def test_every_target_form_in_the_corpus_is_judged_in_its_direction(graph):
    """For each target of the corpus with a number: the number itself meets it, and a value well on the
    wrong side does not — whatever the form (≥, ≤, 約, =, rank, relative)."""
    judged = 0
    comparators = set()
    facts = read_targets(graph)
    assert set(facts) == set(graph.subjects(RDF.type, PG.Target))  # every target of the corpus, each read once
    for t, fact in facts.items():
        comparators.add(fact.comparator)
        if fact.threshold is None:
            assert graph.value(t, PG.relativeFactor) is not None or graph.value(t, PG.value) is None, t
            continue
        judged += 1
        theta = fact.threshold
        assert meets(theta, fact), t
        worse = theta * 2 + 1 if attainment.direction(fact, None) == "down" else theta / 2 - 1
        assert not meets(worse, fact), (t, worse)
    assert judged >= 10
    assert comparators <= {None, "ge", "le", "approx", "eq", "rank_le"}


# ---------------------------------------------------------------- statuses that name their evidence (#24)
# One fixture per status. Target: ≥ 1000 by 2020-03-31, from 500 on 2016-04-01 (the official rule's
# elapsed share is (date − 2016-04-01) / (2020-03-31 − 2016-04-01)).
RULE_T = 'pg:value 1000 ; pg:unit pg:unit-dantai ; pg:comparator pg:AtLeast ; pg:deadline "2020-03-31"^^xsd:date'
RULE_B = 'pg:value 500 ; pg:unit pg:unit-dantai ; pg:referenceDate "2016-04-01"^^xsd:date'


@pytest.mark.parametrize("target, baseline, observations, as_of, status", [
    (RULE_T, RULE_B, [(1000, "2019-04-01")], dt.date(2019, 6, 1), "achieved"),
    (RULE_T, RULE_B, [(800, "2018-04-01")], dt.date(2018, 6, 1), "on_track"),  # 0.6 ≥ 0.5
    (RULE_T, RULE_B, [(700, "2018-04-01")], dt.date(2018, 6, 1), "behind"),  # 0.4 < 0.5
    (RULE_T, RULE_B, [(900, "2020-04-01")], dt.date(2020, 6, 1), "missed"),  # measured after the deadline
    (RULE_T, RULE_B, [(900, "2019-04-01")], dt.date(2020, 6, 1), "unverified"),  # only a value a year older
    (RULE_T, "", [(700, "2018-04-01")], dt.date(2018, 6, 1), "not_yet_due"),  # no start to measure from
    ("", RULE_B, [(700, "2018-04-01")], dt.date(2018, 6, 1), "no_target"),
    (RULE_T, RULE_B, [], dt.date(2018, 6, 1), "no_data"),
])
def test_each_status_on_its_fixture(target, baseline, observations, as_of, status):
    assert kpi(target, baseline, observations, as_of).status == status


def test_every_status_names_its_basis():
    behind = kpi(RULE_T, RULE_B, [(700, "2018-04-01")], dt.date(2018, 6, 1))
    assert (behind.progress, behind.elapsed) == (Decimal("0.4000"), Decimal("0.5000"))
    assert "progress 0.4000 < elapsed 0.5000" in behind.reason and "≥ 1000 by 2020-03-31" in behind.reason
    stale = kpi(RULE_T, RULE_B, [(900, "2019-04-01")], dt.date(2020, 6, 1))
    assert (stale.age_days, stale.observation) == (365, PGR["o0"])
    assert "365 days before the deadline" in stale.reason
    missed = kpi(RULE_T, RULE_B, [(900, "2020-04-01")], dt.date(2020, 6, 1))
    assert "measured at or after the deadline" in missed.reason and missed.age_days is None
    # The triples say the same: the rule, the age, the ratios.
    triples = attainment.triples({PGR["k"]: behind}) + attainment.triples({PGR["k"]: stale})
    props = {p for _s, p, _o in triples}
    assert {PG.attainmentRule, PG.evidenceAgeDays, PG.progressShare, PG.elapsedShare} <= props


def test_a_value_with_an_inferred_date_is_never_missed():
    """A value whose date the source does not print (pg:dateInferredBecause) is not known to be at or
    after the deadline: the deadline passed unverified, and the basis says the date is inferred."""
    t = f"pg:value 6 ; pg:unit pg:unit-dantai ; pg:comparator pg:AtLeast ; {DL}"
    printed = kpi(t, observations=[(4, "2018-03-31")])
    assert printed.status == "missed"
    inferred = kpi(t, observations=[(4, "2018-03-31")], extra='pgr:o0 pg:dateInferredBecause "no date printed" .\n')
    assert inferred.status == "unverified" and "inferred" in inferred.reason


# The official rule's edges: (current − start) / (target − start) against the elapsed share.
@pytest.mark.parametrize("target, baseline, value, status, progress", [
    # Target below the start (半減 1450 → 725): 1117 is 333 of 725 down = 0.4593 at elapsed 0.6668.
    ('pg:relativeFactor 0.5 ; pg:relativeTo pgr:b ; pg:comparator pg:AtMost ; pg:deadline "2019-03-31"^^xsd:date',
     'pg:value 1450 ; pg:unit pg:unit-ken ; pg:referenceDate "2013-03-31"^^xsd:date', (1117, "2017-03-31", "pg:unit-ken"),
     "behind", Decimal("0.4593")),
    # A rank to keep (平成28年度値以上 for 16位): the target equals the start; 17位 has progress 0.
    ('pg:relativeFactor 1 ; pg:relativeTo pgr:b ; pg:comparator pg:RankAtLeast ; pg:deadline "2019-03-31"^^xsd:date',
     'pg:value 16 ; pg:unit pg:unit-i ; pg:referenceDate "2017-03-31"^^xsd:date', (17, "2018-03-31", "pg:unit-i"),
     "behind", Decimal("0")),
    # A percentage to reach exactly (100%): from 24.7 to 70 by half time is 0.6016 ≥ 0.5.
    ('pg:value 100 ; pg:unit pg:unit-percent ; pg:comparator pg:Exactly ; pg:deadline "2019-03-31"^^xsd:date',
     'pg:value 24.7 ; pg:unit pg:unit-percent ; pg:referenceDate "2015-03-31"^^xsd:date',
     (70, "2017-03-31", "pg:unit-percent"), "on_track", Decimal("0.6016")),
    # 約1,000 (倍増 of 550): 950 in 2017-04 is 0.8889 of the way at 0.6679 of the time.
    ('pg:value 1000 ; pg:unit pg:unit-dantai ; pg:comparator pg:Approximately ; pg:deadline "2018-03-31"^^xsd:date',
     'pg:value 550 ; pg:unit pg:unit-dantai ; pg:referenceDate "2015-03-31"^^xsd:date', (950, "2017-04-01"),
     "on_track", Decimal("0.8889")),
    # A relative target (倍増 of 100 = 200): 105 at 0.75 of the time is 0.05.
    ('pg:relativeFactor 2 ; pg:relativeTo pgr:b ; pg:comparator pg:AtLeast ; pg:deadline "2020-03-31"^^xsd:date',
     'pg:value 100 ; pg:unit pg:unit-dantai ; pg:referenceDate "2016-03-31"^^xsd:date', (105, "2019-03-31"),
     "behind", Decimal("0.0500")),
])
def test_official_rule_edges(target, baseline, value, status, progress):
    a = kpi(target, baseline, [value], as_of=dt.date.fromisoformat(value[1]) + dt.timedelta(days=30))
    assert (a.status, a.progress) == (status, progress), a
    assert a.elapsed is not None and ((a.progress >= a.elapsed) == (status == "on_track"))


def test_official_rule_without_a_baseline_says_so():
    """No baseline and a single value: nothing to measure progress from — not yet due, no ratios; the
    recomputed grade is None with the reason."""
    a = kpi(RULE_T, "", [(700, "2018-04-01")], dt.date(2018, 6, 1))
    assert (a.status, a.progress, a.elapsed) == ("not_yet_due", None, None)
    g = Graph()
    for triple in ONTOLOGY:
        g.add(triple)
    g.parse(data=HEAD + f"pgr:k pg:hasTarget pgr:t . pgr:t a pg:Target ; {RULE_T} .\n"
            'pgr:k pg:hasObservation pgr:o . pgr:o a pg:Observation ; pg:value 700 ; pg:unit pg:unit-dantai ; '
            'pg:referenceDate "2018-04-01"^^xsd:date .\n', format="turtle")
    facts = attainment.kpi_facts({n: attainment._rdflib_rows(g, q) for n, q in attainment.QUERIES.items()})
    grade, progress, elapsed, _obs, note = attainment.official_grade(facts[PGR["k"]], dt.date(2018, 6, 1))
    assert (grade, progress, elapsed) == (None, None, None) and "no starting value" in note


def test_yearly_targets_judge_the_year_they_name():
    """The final target (≥ 1,600 by FY2018) judges the deadline; a year's own target judges that year:
    1,104 in FY2016 meets FY2016's 1,000, so on track — not behind a straight line to 1,600."""
    final = 'pg:value 1600 ; pg:unit pg:unit-nin ; pg:comparator pg:AtLeast ; pg:deadline "2019-03-31"^^xsd:date'
    base = 'pg:value 500 ; pg:unit pg:unit-nin ; pg:fiscalYear pgr:fy-2013'
    yearly = ("pgr:k pg:hasTarget pgr:t-2016 . pgr:t-2016 a pg:Target ; pg:value 1000 ; pg:unit pg:unit-nin ; "
              "pg:comparator pg:AtLeast ; pg:fiscalYear pgr:fy-2016 .\n")
    obs = [(1104, "2017-03-31", "pg:unit-nin")]
    assert kpi(final, base, obs, dt.date(2017, 12, 31)).status == "behind"  # the straight line alone
    a = kpi(final, base, obs, dt.date(2017, 12, 31), extra=yearly)
    assert a.status == "on_track" and "yearly target ≥ 1000" in a.reason
    short = kpi(final, base, [(990, "2017-03-31", "pg:unit-nin")], dt.date(2017, 12, 31), extra=yearly)
    assert short.status == "behind"


def test_a_kpi_printed_only_by_parts_shows_each_part():
    t = 'pg:value 100 ; pg:unit pg:unit-percent ; pg:comparator pg:AtLeast ; pg:deadline "2019-03-31"^^xsd:date'
    extra = ('pgr:o0 pg:series "下水道" . pgr:o1 pg:series "簡易水道" .\n')
    a = kpi(t, observations=[(100, "2019-03-31", "pg:unit-percent"), (90, "2019-03-31", "pg:unit-percent")],
            extra=extra)
    assert a.parts == "下水道: achieved; 簡易水道: missed"
    assert a.status == "missed" and a.observation == PGR["o1"]  # the least favourable part, named


def test_the_sources_projection_stands_beside_the_status():
    t = 'pg:value 725 ; pg:unit pg:unit-ken ; pg:comparator pg:AtMost ; pg:deadline "2019-03-31"^^xsd:date'
    extra = ('pgr:k pg:hasProjection pgr:p . pgr:p a pg:Projection ; pg:value 556 ; pg:unit pg:unit-ken ; '
             'pg:referenceDate "2019-03-31"^^xsd:date .\n')
    a = kpi(t, observations=[(1117, "2017-03-31", "pg:unit-ken")], extra=extra)
    assert (a.status, a.projection, a.observation) == ("unverified", PGR["p"], PGR["o0"])  # never the value
