"""Attainment: is a KPI on its way to its target? Computed once, from the graph, and materialised.

Every KPI gets one status, a concept of pg:AttainmentScheme (skos:notation in parentheses), and the
basis it stands on (pg:attainmentRule, in words). A status says only what its evidence supports:

- achieved (``achieved``): the latest comparable observation meets the target;
- on track (``on_track``): not met, the deadline is ahead, and the value of a year meets that year's
  own target (a yearly target, pg:fiscalYear only), or else — the official A/B rule — the progress
  share (current − start) / (target − start) is at least the elapsed share (date of current − start
  date) / (deadline − start date); start: the target's base, else the KPI's latest earlier baseline,
  else the earliest observation (pg:progressShare, pg:elapsedShare);
- behind (``behind``): not met, deadline ahead, and the year's target missed or progress below the
  elapsed share (the official rule's B);
- missed (``missed``): the deadline has passed and a comparable value measured at or after it (its
  date not inferred: pg:dateInferredBecause) does not meet the target;
- unverified (``unverified``): the deadline has passed and no value at or after it is known;
  pg:evidenceAgeDays says how many days before the deadline the latest value was measured;
- not yet due (``not_yet_due``): not met, no deadline passed, nothing to judge progress against;
- no target (``no_target``): no target, only qualitative ones, or only relative ones without a base;
- no data (``no_data``): a target but no observation (in the target's unit) at or before the as-of date.

Where the source projects or plans an outcome for the target (見込み, 予定), pg:attainmentProjection
shows it beside the status; it is never judged as a value. A KPI printed only by parts (下水道, 簡易水道)
has each part judged on its own (pg:partStatuses) and shows the least favourable.

Comparators (pg:comparator): ``ge`` at least (≥); ``le`` at most (≤, 32時間以内, 0.2%以下); ``eq``
exactly (100%); ``rank_le`` a rank, lower is better (平成28年度値以上 for a ranking); ``approx``
approximately (約1,000団体), met within APPROX_TOLERANCE on the side the KPI moves towards (from a
base above the target: at most θ·(1+tol); otherwise at least θ·(1−tol)). A relative target (倍増,
半減, 3割圧縮, 前年度値以上) without a printed value compares with base × factor (pg:relativeTo,
pg:relativeFactor); a printed value, as in 倍増（約1,000団体）, wins. Without a comparator a factor
below 1 means at most, otherwise at least. An observation recorded as a cut from a baseline
(pg:reductionFrom, e.g. 2013年度と比べて257億円の削減) is read as the level base − cut
(4000 − 257 = 3743億円); where that baseline has no value it cannot be compared and is left out.

Dates are intervals (`policygraph.records.when`): an observation's pg:referenceDate is the last day
of the period it refers to, so a value "(2016年度)" counts from 2017-03-31 on, and a baseline of a
fiscal year starts the straight line at that year's end. A cut in % of a baseline in another unit
(約29％の削減 of 4000億円) is the level base × (1 − cut/100).

Where a KPI's results are stated in words only (004's 測定指標 6, 8 and 9: pg:valueText without
pg:value) and the source grades them, the status is read from the latest grade given by the as-of
date (イ → achieved, ロ/ハ → missed or behind, A → on track, B → behind: pg:gradeAgreesWith) and
pg:attainmentGrade names that grade — the source's judgement, not a computation.

Every grade is also judged against what policygraph computes as of the grade's own date (its as-of
date, else the last day its document can have been issued on): ``?grade pg:gradeDate ?day ;
pg:statusAtGrade ?status``; a roadmap grade (A/B/N/F) also gets the grade the official rule gives
then (pg:ruleGrade, with both ratios: `official_grade`). The grade-disagreement gap lists those that
disagree. Each target is linked to the earliest value that meets it (pg:targetMetBy).

Where a KPI has values of sub-series (pg:series: 自治体クラウド and 単独クラウド of the cloud count), the
totals are judged and the parts left aside.

The target used (the basis) is the comparable target with the latest due date: pg:deadline, or for a
yearly target (pg:fiscalYear only) the last day of that fiscal year. The observation used is the
latest dated at or before the as-of date in the basis' unit; on the same date a final value beats an
unstated one, which beats a preliminary one.

Materialised as ``?kpi pg:attainment ?status ; pg:attainmentAsOf ?date``, and where they exist
``pg:attainmentBasis ?target ; pg:attainmentThreshold ?number ; pg:attainmentObservation ?obs``.
Queries (kpi-status, body-workload, the gap queries) and views read these triples, so every
consumer agrees.

Example:
    >>> import datetime
    >>> from policygraph.graph.namespaces import PGR
    >>> statuses = compute(graph, as_of=datetime.date(2019, 8, 1))
    >>> statuses[PGR["kpi-cloud-municipalities"]].status
    'achieved'
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal

from rdflib import XSD, Graph, Literal, URIRef

from policygraph.graph.namespaces import PG

#: 約 (approximately): how far below (or above) the printed figure still counts as reaching it.
APPROX_TOLERANCE = Decimal("0.03")

STATUSES = ("achieved", "on_track", "behind", "missed", "unverified", "not_yet_due", "no_target", "no_data")
#: Each status in Japanese and English, as every view shows it.
LABELS = {"achieved": ("達成", "achieved"), "on_track": ("順調", "on track"), "behind": ("遅れ", "behind"),
          "missed": ("未達成", "missed"), "unverified": ("未検証", "unverified"),
          "not_yet_due": ("期限前", "not yet due"), "no_target": ("目標なし", "no target"),
          "no_data": ("実績なし", "no data")}
#: Where a KPI is printed only by parts that disagree, the KPI shows the least favourable (first here).
SEVERITY = ("missed", "behind", "unverified", "no_data", "not_yet_due", "on_track", "achieved", "no_target")
CONCEPTS = {s: PG[f"attainment-{s.replace('_', '-')}"] for s in STATUSES}
DERIVED = (PG.attainment, PG.attainmentBasis, PG.attainmentObservation, PG.attainmentThreshold,
           PG.attainmentAsOf, PG.attainmentGrade, PG.gradeDate, PG.statusAtGrade, PG.level,
           PG.observationAtGrade, PG.latestObservation, PG.latestAssessment, PG.attainmentRule,
           PG.evidenceAgeDays, PG.progressShare, PG.elapsedShare, PG.attainmentProjection, PG.partStatuses,
           PG.ruleGrade, PG.ruleNote, PG.targetMetBy)
#: The official rule's grades (the 成長戦略 / 改革工程表 KPI legend), as concepts of pg:RoadmapGradeScheme.
RULE_GRADES = {g: PG[f"grade-roadmap-{g}"] for g in ("A", "B", "N", "F")}
ROADMAP_SCHEME = PG.RoadmapGradeScheme
PERCENT = PG["unit-percent"]
_STATUS_RANK = {PG.Final: 2, PG.Unstated: 1, PG.Preliminary: 0}


@dataclass(frozen=True)
class TargetFact:
    node: URIRef
    threshold: Decimal | None  # the number to compare with; None when it cannot be computed
    unit: URIRef | None
    comparator: str | None  # skos:notation of pg:comparator (ge, le, approx, eq, rank_le)
    factor: Decimal | None
    due: dt.date | None
    start: tuple[dt.date, Decimal] | None  # the base a relative target starts from, with its date
    explicit_deadline: bool = False  # pg:deadline given (not only a yearly target's fiscal year)


@dataclass(frozen=True)
class ObservationFact:
    node: URIRef
    value: Decimal
    unit: URIRef | None
    date: dt.date
    rank: int  # final 2 > unstated 1 > preliminary 0
    is_cut: bool = False  # recorded as a cut from a baseline (pg:reductionFrom): the level is cut_from − value
    cut_from: Decimal | None = None
    cut_unit: URIRef | None = None  # the baseline's unit; a cut in % of another unit is cut_from × (1 − value/100)
    inferred: bool = False  # no date printed: the date is inferred from context (pg:dateInferredBecause)

    @property
    def key(self):
        return (self.date, self.rank, str(self.node))


@dataclass(frozen=True)
class GradeFact:
    """A grade a document gave a KPI: its notation, the day it speaks for, and the statuses it agrees with."""

    node: URIRef
    notation: str
    date: dt.date | None
    agrees: frozenset = frozenset()  # status notations (pg:gradeAgreesWith); empty: not compared
    scheme: URIRef | None = None  # the legend (pg:RoadmapGradeScheme: the official A/B/N/F rule)

    @property
    def status(self) -> str | None:
        """The status a grade reads as, where results are stated in words: a progress status where the
        grade agrees with one (A → on track, B → behind), else its only status (イ → achieved)."""
        for preferred in ("on_track", "behind"):
            if preferred in self.agrees:
                return preferred
        return next(iter(self.agrees)) if len(self.agrees) == 1 else None


@dataclass(frozen=True)
class Attainment:
    kpi: URIRef
    status: str
    as_of: dt.date
    basis: URIRef | None = None
    threshold: Decimal | None = None
    observation: URIRef | None = None
    reason: str = field(default="", compare=False)
    grade: URIRef | None = None  # the grade the status was read from (results stated in words)
    age_days: int | None = None  # unverified: how many days before the deadline the latest value was measured
    progress: Decimal | None = None  # the official rule: (current − start) / (target − start)
    elapsed: Decimal | None = None  # … and (date of current − start date) / (deadline − start date)
    projection: URIRef | None = None  # the source's own 見込み / 予定 for the basis target, shown beside
    parts: str | None = None  # a KPI printed only by parts: each part's status


def _dec(term) -> Decimal | None:
    if term is None:
        return None
    value = term.toPython()
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        return None


def _date(term) -> dt.date | None:
    if term is None:
        return None
    value = term.toPython()
    return value if isinstance(value, dt.date) else None


def _first(rows: list[dict], key: str):
    """The value of `key` in the first row that has one (rows sorted, so the choice is stable)."""
    return next((r[key] for r in rows if r.get(key) is not None), None)


def relative_value(value: Decimal | None, factor: Decimal | None, base: Decimal | None) -> Decimal | None:
    """A target's number: its printed value, else base × factor (倍増 of 550 → 1100); None without either.

    >>> relative_value(None, Decimal(2), Decimal(550)), relative_value(Decimal(1000), Decimal(2), Decimal(550))
    (Decimal('1100'), Decimal('1000'))
    """
    if value is not None:
        return value
    return base * factor if factor is not None and base is not None else None


def target_fact(node: URIRef, rows: list[dict]) -> TargetFact:
    """A target from its rows of TARGETS (one row per combination of optional values)."""
    value, unit = _dec(_first(rows, "value")), _first(rows, "unit")
    factor = _dec(_first(rows, "factor"))
    comparator = _first(rows, "comparator")
    base_value = _dec(_first(rows, "baseValue"))
    start = None
    when = _date(_first(rows, "baseDate")) or _date(_first(rows, "baseFyEnd"))
    if base_value is not None and when is not None:
        start = (when, base_value)
    threshold = relative_value(value, factor, base_value)
    if value is None and threshold is not None:
        unit = _first(rows, "baseUnit")
    deadline = _date(_first(rows, "deadline"))
    due = deadline or _date(_first(rows, "fyEnd"))
    return TargetFact(node, threshold, unit, str(comparator) if comparator is not None else None, factor, due,
                      start, deadline is not None)


def observation_fact(node: URIRef, rows: list[dict]) -> ObservationFact | None:
    """An observation from its rows of OBSERVATIONS; None without a value or a reference date."""
    value, when = _dec(_first(rows, "value")), _date(_first(rows, "date"))
    if value is None or when is None:
        return None
    cut = _first(rows, "base") is not None
    return ObservationFact(node, value, _first(rows, "unit"), when, _STATUS_RANK.get(_first(rows, "status"), 1),
                           is_cut=cut, cut_from=_dec(_first(rows, "baseValue")) if cut else None,
                           cut_unit=_first(rows, "baseUnit") if cut else None,
                           inferred=_first(rows, "inferred") is not None)


def text_result(node: URIRef, rows: list[dict]) -> tuple[dt.date, URIRef] | None:
    """(date, node) of a result stated in words (pg:valueText, no pg:value); None otherwise."""
    if _first(rows, "value") is not None or _first(rows, "text") is None:
        return None
    when = _date(_first(rows, "date"))
    return (when, node) if when is not None else None


def level(value: Decimal, unit, base: Decimal, base_unit) -> tuple[Decimal, object]:
    """The level a cut leaves: (base − cut, unit), or for a cut in % of a base in another unit
    (base × (1 − cut/100), the base's unit).

    >>> level(Decimal(257), "億円", Decimal(4000), "億円"), level(Decimal(29), PERCENT, Decimal(4000), "億円")
    ((Decimal('3743'), '億円'), (Decimal('2840.00'), '億円'))
    """
    if unit == PERCENT and base_unit is not None and base_unit != PERCENT:
        return base * (1 - value / 100), base_unit
    return base - value, unit


def baseline_fact(node: URIRef, rows: list[dict]) -> ObservationFact | None:
    """A baseline (its reference date, else the last day of its fiscal year) as a starting value."""
    value = _dec(_first(rows, "value"))
    when = _date(_first(rows, "date")) or _date(_first(rows, "fyEnd"))
    if value is None or when is None:
        return None
    return ObservationFact(node, value, _first(rows, "unit"), when, 1)


def direction(target: TargetFact, start: Decimal | None) -> str:
    """'up' when larger is better, 'down' when smaller is better, 'exact' for eq."""
    comp = target.comparator
    if comp in ("le", "rank_le"):
        return "down"
    if comp == "ge":
        return "up"
    if comp == "eq":
        return "exact"
    if comp == "approx":
        return "down" if start is not None and target.threshold is not None and start > target.threshold else "up"
    if target.factor is not None and target.factor < 1:
        return "down"
    return "up"


def meets(value: Decimal, target: TargetFact, start: Decimal | None = None, level: Decimal | None = None) -> bool:
    """Does `value` meet the target (or, given `level`, that intermediate level in the target's direction)?"""
    theta = target.threshold if level is None else level
    way = direction(target, start)
    if way == "exact":
        if level is not None:  # on the way to an exact figure: judge by the side the start is on
            way = "down" if start is not None and start > target.threshold else "up"
        else:
            return value == theta
    tol = APPROX_TOLERANCE if target.comparator == "approx" else Decimal(0)
    if way == "up":
        return value >= theta * (1 - tol)
    return value <= theta * (1 + tol)


def _level(o: ObservationFact) -> ObservationFact | None:
    """An observation as a level: a cut from a baseline becomes base − cut; without a base value it is dropped."""
    if not o.is_cut:
        return o
    if o.cut_from is None:
        return None
    value, unit = level(o.value, o.unit, o.cut_from, o.cut_unit)
    return ObservationFact(o.node, value, unit, o.date, o.rank, inferred=o.inferred)


def _pick_basis(targets: list[TargetFact]) -> TargetFact:
    # Latest due date first, a stated deadline before a yearly target's year end, undated targets
    # last; the IRI breaks remaining ties so the choice is stable.
    return max(targets, key=lambda t: (t.due is not None, t.due or dt.date.min, t.explicit_deadline, str(t.node)))


def shares(value: Decimal, when: dt.date, start: tuple[dt.date, Decimal], target: TargetFact
           ) -> tuple[Decimal, Decimal] | None:
    """The official rule's two ratios: progress share (current − start) / (target − start) and elapsed
    share (date of the current value − start date) / (deadline − start date). None without a deadline
    after the start. A target equal to its start (a rank to keep: 平成28年度値以上) has progress 1 when
    met, else 0.

    >>> t = TargetFact(None, Decimal(725), None, "le", Decimal("0.5"), dt.date(2019, 3, 31), None)
    >>> shares(Decimal(1117), dt.date(2017, 3, 31), (dt.date(2013, 3, 31), Decimal(1450)), t)
    (Decimal('0.4593'), Decimal('0.6668'))
    """
    day0, v0 = start
    if target.due is None or target.threshold is None or not day0 < target.due:
        return None
    span = target.threshold - v0
    if span == 0:
        progress = Decimal(1) if meets(value, target, v0) else Decimal(0)
    else:
        progress = (value - v0) / span
    elapsed = Decimal((when - day0).days) / Decimal((target.due - day0).days)
    q = Decimal("0.0001")
    return progress.quantize(q), elapsed.quantize(q)


def _when(o: ObservationFact) -> str:
    return f"{o.value.normalize():f} ({o.date.isoformat()}{', date inferred' if o.inferred else ''})"


def _target_text(t: TargetFact) -> str:
    signs = {"ge": "≥", "le": "≤", "approx": "≈", "eq": "=", "rank_le": "rank ≤"}
    number = f"{t.threshold.normalize():f}" if t.threshold is not None else "?"
    due = f" by {t.due.isoformat()}" if t.due else ""
    return f"{signs.get(t.comparator, '≥' if direction(t, None) == 'up' else '≤')} {number}{due}"


def _start(basis: TargetFact, baselines, comparable, latest) -> tuple[dt.date, Decimal] | None:
    """Where progress is measured from: the target's base, else the latest baseline before the latest
    value, else the earliest value before it."""
    bases = [b for b in baselines if b.date < latest.date and (basis.unit is None or b.unit in (None, basis.unit))]
    earliest = min(comparable, key=lambda o: o.key)
    return basis.start or (max(((b.date, b.value) for b in bases), default=None)) or (
        (earliest.date, earliest.value) if earliest.date < latest.date else None)


def _yearly(targets: list[TargetFact], basis: TargetFact, latest: ObservationFact) -> TargetFact | None:
    """The yearly target (pg:fiscalYear only) for the year the latest value belongs to, if any."""
    found = [t for t in targets if not t.explicit_deadline and t is not basis and t.due is not None
             and t.threshold is not None and (basis.unit is None or t.unit in (None, basis.unit))
             and t.due.replace(year=t.due.year - 1) < latest.date <= t.due]
    return max(found, key=lambda t: (t.due, str(t.node))) if found else None


def _projection(projections: list[ObservationFact], basis: TargetFact) -> URIRef | None:
    """The source's own projection for the basis target: in its unit, the horizon nearest its deadline."""
    found = [p for p in (_level(p) for p in projections) if p is not None
             and (basis.unit is None or p.unit in (None, basis.unit))]
    if not found or basis.due is None:
        return None
    return min(found, key=lambda p: (abs((p.date - basis.due).days), str(p.node))).node


def assess(kpi: URIRef, targets: list[TargetFact], observations: list[ObservationFact],
           as_of: dt.date, baselines: list[ObservationFact] = (), texts: list[tuple] = (),
           grades: list[GradeFact] = (), measured_by: bool = True,
           projections: list[ObservationFact] = ()) -> Attainment:
    """The attainment of one KPI from its targets and observations (pure; no graph access); where its
    results are stated in words only, from the source's latest grade by the as-of date.
    `measured_by=False` counts every observation given, even one whose period ends after `as_of`
    (--published-by: a document issued by then printed it)."""
    if not measured_by:
        observations = [replace(o, date=min(o.date, as_of)) for o in observations]
        texts = [(min(t[0], as_of), t[1]) for t in texts]
    numbers = [o for o in observations if o.date <= as_of]
    words = [t for t in texts if t[0] <= as_of]
    if words and not numbers:
        given = [g for g in grades if g.date is not None and g.date <= as_of and g.status]
        if given:
            grade = max(given, key=lambda g: (g.date, str(g.node)))
            basis = _pick_basis(targets) if targets else None
            reason = f"results stated in words; the source's grade {grade.notation}"
            return Attainment(kpi, grade.status, as_of, basis.node if basis else None, None,
                              max(words)[1], reason=reason, grade=grade.node)
    found = _assess_numbers(kpi, targets, observations, as_of, baselines)
    if found.basis is not None and found.status not in ("achieved", "no_target"):
        basis = next(t for t in targets if t.node == found.basis)
        proj = _projection([p for p in projections if p.date <= (basis.due or p.date)] or projections, basis)
        if proj is not None:
            found = replace(found, projection=proj)
    return found


def _assess_numbers(kpi: URIRef, targets: list[TargetFact], observations: list[ObservationFact],
                    as_of: dt.date, baselines: list[ObservationFact] = ()) -> Attainment:
    if not targets:
        return Attainment(kpi, "no_target", as_of, reason="no target")
    if all(t.threshold is None and t.factor is None for t in targets):
        return Attainment(kpi, "no_target", as_of, _pick_basis(targets).node,
                          reason="only qualitative targets (printed as text, nothing to compare)")
    usable = [t for t in targets if t.threshold is not None]
    seen = [o for o in observations if o.date <= as_of]
    if not seen:
        basis = _pick_basis(usable or targets)
        return Attainment(kpi, "no_data", as_of, basis.node, basis.threshold,
                          reason="no observation at or before the as-of date")
    if not usable:
        return Attainment(kpi, "no_target", as_of, _pick_basis(targets).node,
                          reason="only relative targets without a base value")
    basis = _pick_basis(usable)
    comparable = [_level(o) for o in seen]
    comparable = [o for o in comparable if o is not None
                  and (basis.unit is None or o.unit is None or o.unit == basis.unit)]
    if not comparable:
        return Attainment(kpi, "no_data", as_of, basis.node, basis.threshold,
                          reason="no observation in the target's unit")
    latest = max(comparable, key=lambda o: o.key)
    start = _start(basis, baselines, comparable, latest)
    start_value = start[1] if start else None
    target = _target_text(basis)
    if meets(latest.value, basis, start_value):
        return Attainment(kpi, "achieved", as_of, basis.node, basis.threshold, latest.node,
                          reason=f"{_when(latest)} meets {target}")
    if basis.due is not None and basis.due < as_of:
        # Missed only on a value measured at or after the deadline (a date inferred from context is not
        # known to be); otherwise the deadline passed unverified, and the evidence is this old.
        after = [o for o in comparable if o.date >= basis.due and not o.inferred]
        if after:
            last = max(after, key=lambda o: o.key)
            return Attainment(kpi, "missed", as_of, basis.node, basis.threshold, last.node,
                              reason=f"{_when(last)}, measured at or after the deadline, does not meet {target}")
        age = (basis.due - latest.date).days
        why = ("undated in the source (its date is inferred)" if latest.inferred and age <= 0
               else f"{age} days before the deadline")
        return Attainment(kpi, "unverified", as_of, basis.node, basis.threshold, latest.node,
                          reason=f"deadline of {target} passed; no value at or after it; the latest, {_when(latest)}, "
                                 f"is {why}", age_days=max(age, 0))
    yearly = _yearly(targets, basis, latest)
    if yearly is not None:
        ok = meets(latest.value, yearly, start_value)
        return Attainment(kpi, "on_track" if ok else "behind", as_of, basis.node, basis.threshold, latest.node,
                          reason=f"{_when(latest)} {'meets' if ok else 'does not meet'} the yearly target "
                                 f"{_target_text(yearly)}")
    if basis.due is None or start is None or not (start[0] < latest.date < basis.due):
        return Attainment(kpi, "not_yet_due", as_of, basis.node, basis.threshold, latest.node,
                          reason="no deadline or no starting point to judge progress")
    progress, elapsed = shares(latest.value, latest.date, start, basis)
    ok = progress >= elapsed
    return Attainment(kpi, "on_track" if ok else "behind", as_of, basis.node, basis.threshold, latest.node,
                      reason=f"official rule from {start[1].normalize():f} ({start[0].isoformat()}) to {target}: "
                             f"progress {progress} {'≥' if ok else '<'} elapsed {elapsed} at {_when(latest)}",
                      progress=progress, elapsed=elapsed)


def official_grade(facts: "KPIFacts", as_of: dt.date) -> tuple[str | None, Decimal | None, Decimal | None,
                                                                URIRef | None, str]:
    """The grade the official rule gives as of a day: A — progress share ≥ elapsed share (or the target
    met), B — less; N — no value measured yet; F — no quantitative target. None where it cannot be
    recomputed (no starting value or no deadline). Returns (grade, progress, elapsed, observation, note)."""
    usable = [t for t in facts.targets if t.threshold is not None]
    if not usable:
        return "F", None, None, None, "no quantitative target"
    basis = _pick_basis(usable)
    comparable = [o for o in (_level(o) for o in facts.observations if o.date <= as_of) if o is not None
                  and (basis.unit is None or o.unit is None or o.unit == basis.unit)]
    if not comparable:
        return "N", None, None, None, "no value measured by then"
    latest = max(comparable, key=lambda o: o.key)
    start = _start(basis, facts.baselines, comparable, latest)
    if meets(latest.value, basis, start[1] if start else None):
        return "A", None, None, latest.node, f"{_when(latest)} meets {_target_text(basis)}"
    if start is None:
        return None, None, None, latest.node, "no starting value (baseline) to measure progress from"
    ratios = shares(latest.value, latest.date, start, basis)
    if ratios is None:
        return None, None, None, latest.node, "no deadline after the starting value"
    progress, elapsed = ratios
    grade = "A" if progress >= elapsed else "B"
    return grade, progress, elapsed, latest.node, (
        f"from {start[1].normalize():f} ({start[0].isoformat()}) to {_target_text(basis)}: progress {progress}, "
        f"elapsed {elapsed} at {_when(latest)}")


_PREFIXES = ("PREFIX pg: <https://w3id.org/policygraph/ontology#>\n"
             "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n")
#: What attainment reads, in a fixed number of queries whatever the number of KPIs. Optional values sit in
#: OPTIONAL blocks of plain triple patterns (no property paths: Oxigraph does not push bound
#: variables into a path inside OPTIONAL).
KPIS = (_PREFIXES + "SELECT ?kpi WHERE { ?kpi a pg:KPI }")
TARGETS = (_PREFIXES + """SELECT ?kpi ?node ?value ?unit ?factor ?comparator ?baseValue ?baseUnit
       ?baseDate ?baseFyEnd ?deadline ?fyEnd WHERE {
  ?kpi a pg:KPI ; pg:hasTarget ?node .
  OPTIONAL { ?node pg:value ?value }
  OPTIONAL { ?node pg:unit ?unit }
  OPTIONAL { ?node pg:relativeFactor ?factor }
  OPTIONAL { ?node pg:comparator ?c . ?c skos:notation ?comparator }
  OPTIONAL { ?node pg:relativeTo ?base .
             OPTIONAL { ?base pg:value ?baseValue } OPTIONAL { ?base pg:unit ?baseUnit }
             OPTIONAL { ?base pg:referenceDate ?baseDate }
             OPTIONAL { ?base pg:fiscalYear ?bfy . ?bfy pg:endDate ?baseFyEnd } }
  OPTIONAL { ?node pg:deadline ?deadline }
  OPTIONAL { ?node pg:fiscalYear ?fy . ?fy pg:endDate ?fyEnd }
}""")
OBSERVATIONS = (_PREFIXES + """SELECT ?kpi ?node ?value ?text ?unit ?date ?status ?base ?baseValue ?baseUnit ?series
       ?inferred
WHERE {
  ?kpi a pg:KPI ; pg:hasObservation ?node .
  OPTIONAL { ?node pg:series ?series }
  OPTIONAL { ?node pg:dateInferredBecause ?inferred }
  OPTIONAL { ?node pg:value ?value }
  OPTIONAL { ?node pg:valueText ?text }
  OPTIONAL { ?node pg:referenceDate ?date }
  OPTIONAL { ?node pg:unit ?unit }
  OPTIONAL { ?node pg:observationStatus ?status }
  OPTIONAL { ?node pg:reductionFrom ?base . OPTIONAL { ?base pg:value ?baseValue }
             OPTIONAL { ?base pg:unit ?baseUnit } }
}""")
BASELINES = (_PREFIXES + """SELECT ?kpi ?node ?value ?unit ?date ?fyEnd WHERE {
  ?kpi a pg:KPI ; pg:hasBaseline ?node .
  OPTIONAL { ?node pg:value ?value }
  OPTIONAL { ?node pg:unit ?unit }
  OPTIONAL { ?node pg:referenceDate ?date }
  OPTIONAL { ?node pg:fiscalYear ?fy . ?fy pg:endDate ?fyEnd }
}""")
#: Grades: the day each speaks for (its as-of date, else the last day its document can have been
#: issued on) and the statuses its concept agrees with.
GRADES = (_PREFIXES + """SELECT ?kpi ?node ?notation ?scheme ?asOf ?issuedBy ?agrees WHERE {
  ?kpi a pg:KPI ; pg:hasAssessment ?node .
  OPTIONAL { ?node pg:grade ?g . ?g skos:notation ?notation ; skos:inScheme ?scheme .
             OPTIONAL { ?g pg:gradeAgreesWith ?c . ?c skos:notation ?agrees } }
  OPTIONAL { ?node pg:asOf ?asOf }
  OPTIONAL { ?node pg:reportedIn ?doc . ?doc pg:issuedBy ?issuedBy }
}""")


def _by_kpi_and_node(rows) -> dict[URIRef, dict[URIRef, list[dict]]]:
    out: dict[URIRef, dict[URIRef, list[dict]]] = {}
    for r in sorted(rows, key=lambda r: tuple(str(v) for v in r.values())):
        out.setdefault(r["kpi"], {}).setdefault(r["node"], []).append(r)
    return out


#: Values printed as a cut from a baseline (observations and projections), to read as levels.
CUTS = (_PREFIXES + """SELECT ?node ?value ?unit ?baseValue ?baseUnit WHERE {
  ?node pg:reductionFrom ?base ; pg:value ?value . ?base pg:value ?baseValue .
  OPTIONAL { ?node pg:unit ?unit } OPTIONAL { ?base pg:unit ?baseUnit }
}""")
#: The sources' own projections and plans (見込み, 予定), shown beside a status, never judged as values.
PROJECTIONS = (_PREFIXES + """SELECT ?kpi ?node ?value ?unit ?date ?base ?baseValue ?baseUnit WHERE {
  ?kpi a pg:KPI ; pg:hasProjection ?node .
  ?node pg:value ?value ; pg:referenceDate ?date .
  OPTIONAL { ?node pg:unit ?unit }
  OPTIONAL { ?node pg:reductionFrom ?base . OPTIONAL { ?base pg:value ?baseValue }
             OPTIONAL { ?base pg:unit ?baseUnit } }
}""")
#: name → query: what this stage reads, in seven queries whatever the number of KPIs.
QUERIES = {"kpis": KPIS, "targets": TARGETS, "observations": OBSERVATIONS, "baselines": BASELINES,
           "grades": GRADES, "cuts": CUTS, "projections": PROJECTIONS}


def _rdflib_rows(graph: Graph, text: str) -> list[dict]:
    result = graph.query(text)
    names = [str(v) for v in result.vars]
    return [{n: row[i] for i, n in enumerate(names)} for row in result]


def read_targets(graph: Graph) -> dict[URIRef, TargetFact]:
    """Every target of a KPI, read as attainment reads it (threshold, comparator, due date …)."""
    by_kpi = _by_kpi_and_node(_rdflib_rows(graph, TARGETS))
    return {n: target_fact(n, rows) for nodes in by_kpi.values() for n, rows in nodes.items()}


def grade_fact(node: URIRef, rows: list[dict]) -> GradeFact:
    return GradeFact(node, str(_first(rows, "notation") or ""),
                     _date(_first(rows, "asOf")) or _date(_first(rows, "issuedBy")),
                     frozenset(str(r["agrees"]) for r in rows if r.get("agrees") is not None),
                     _first(rows, "scheme"))


@dataclass
class KPIFacts:
    """What attainment reads of one KPI."""

    targets: list[TargetFact]
    observations: list[ObservationFact]
    baselines: list[ObservationFact]
    texts: list[tuple]
    grades: list[GradeFact]
    projections: list[ObservationFact] = field(default_factory=list)
    parts: dict[str, list[ObservationFact]] = field(default_factory=dict)  # printed only by parts: by series

    def assess(self, kpi: URIRef, as_of: dt.date, measured_by: bool = True) -> Attainment:
        if len(self.parts) > 1:
            # Each part judged on its own; the KPI shows every part's status and the least favourable.
            each = {name: assess(kpi, self.targets, obs, as_of, self.baselines, (), self.grades, measured_by,
                                 self.projections) for name, obs in sorted(self.parts.items())}
            worst = min(each.values(), key=lambda a: SEVERITY.index(a.status))
            shown = "; ".join(f"{name}: {a.status}" for name, a in each.items())
            return replace(worst, parts=shown, reason=f"printed only by parts ({shown}); the least favourable: "
                                                       f"{worst.reason}")
        return assess(kpi, self.targets, self.observations, as_of, self.baselines, self.texts, self.grades,
                      measured_by, self.projections)


def kpi_facts(rows: dict[str, list[dict]]) -> dict[URIRef, KPIFacts]:
    """The facts of every KPI from the rows of `QUERIES`."""
    targets = _by_kpi_and_node(rows["targets"])
    observations = _by_kpi_and_node(rows["observations"])
    baselines = _by_kpi_and_node(rows["baselines"])
    grades = _by_kpi_and_node(rows.get("grades", []))
    projections = _by_kpi_and_node(rows.get("projections", []))
    out = {}
    for kpi in sorted({r["kpi"] for r in rows["kpis"]}, key=str):
        obs = observations.get(kpi, {})
        # A sub-series (pg:series: 自治体クラウド, 下水道) is a part, not the KPI: judge the totals where
        # there are any; where the source prints only parts, each part on its own.
        totals = {n: rs for n, rs in obs.items() if _first(rs, "series") is None}
        parts: dict[str, list[ObservationFact]] = {}
        if not totals:
            for n, rs in obs.items():
                fact = observation_fact(n, rs)
                if fact is not None:
                    parts.setdefault(str(_first(rs, "series")), []).append(fact)
        obs = totals or obs
        out[kpi] = KPIFacts(
            [target_fact(n, rs) for n, rs in sorted(targets.get(kpi, {}).items(), key=lambda kv: str(kv[0]))],
            [o for o in (observation_fact(n, rs) for n, rs in obs.items()) if o],
            [b for b in (baseline_fact(n, rs) for n, rs in baselines.get(kpi, {}).items()) if b],
            [t for t in (text_result(n, rs) for n, rs in obs.items()) if t],
            [grade_fact(n, rs) for n, rs in sorted(grades.get(kpi, {}).items(), key=lambda kv: str(kv[0]))],
            [p for p in (observation_fact(n, rs) for n, rs in projections.get(kpi, {}).items()) if p],
            parts)
    return out


def compute_rows(rows: dict[str, list[dict]], as_of: dt.date | None = None,
                 measured_by: bool = True) -> dict[URIRef, Attainment]:
    """Attainment of every KPI from the rows of `QUERIES` (run on any engine), as of a date (default: today)."""
    as_of = as_of or dt.date.today()
    return _assess_all(kpi_facts(rows), as_of, measured_by)


def _assess_all(facts: dict[URIRef, KPIFacts], as_of: dt.date, measured_by: bool = True) -> dict[URIRef, Attainment]:
    return {kpi: f.assess(kpi, as_of, measured_by) for kpi, f in facts.items()}


@dataclass(frozen=True)
class GradeCheck:
    """A grade beside the status computed as of the grade's own date."""

    kpi: URIRef
    grade: URIRef
    date: dt.date
    status: str
    observation: URIRef | None = None  # the observation the status rests on
    rule_grade: str | None = None  # a roadmap grade: what the official A/B/N/F rule gives as of the date
    progress: Decimal | None = None
    elapsed: Decimal | None = None
    note: str = ""


def grade_checks(facts: dict[URIRef, KPIFacts]) -> list[GradeCheck]:
    """Every dated grade with the status computed for its KPI as of the grade's date, and for a grade of
    the roadmap legend (A/B/N/F) the grade the official rule gives then, with its two ratios (whether
    they agree is the grade-disagreement gap's question)."""
    out = []
    for kpi, f in facts.items():
        for grade in f.grades:
            if grade.date is not None:
                judged = f.assess(kpi, grade.date)
                check = GradeCheck(kpi, grade.node, grade.date, judged.status, judged.observation)
                if grade.scheme == ROADMAP_SCHEME:
                    rule, progress, elapsed, _obs, note = official_grade(f, grade.date)
                    check = replace(check, rule_grade=rule, progress=progress, elapsed=elapsed, note=note)
                out.append(check)
    return out


def met_triples(facts: dict[URIRef, KPIFacts]) -> list[tuple]:
    """pg:targetMetBy: for every target with a number, the earliest comparable value that meets it (a
    target met before its deadline needs no value after it)."""
    out = []
    for f in facts.values():
        values = [o for o in (_level(o) for o in f.observations) if o is not None]
        for t in f.targets:
            if t.threshold is None:
                continue
            meeting = [o for o in values if (t.unit is None or o.unit is None or o.unit == t.unit)
                       and meets(o.value, t, t.start[1] if t.start else None)]
            if meeting:
                out.append((t.node, PG.targetMetBy, min(meeting, key=lambda o: o.key).node))
    return out


def level_triples(rows: list[dict]) -> list[tuple]:
    """pg:level of every value printed as a cut (see `level`)."""
    out = []
    for r in sorted(rows, key=lambda r: str(r["node"])):
        value, base = _dec(r["value"]), _dec(r["baseValue"])
        if value is None or base is None:
            continue
        amount, _unit = level(value, r.get("unit"), base, r.get("baseUnit"))
        out.append((r["node"], PG.level, Literal(format(amount.normalize(), "f"), datatype=XSD.decimal)))
    return out


def latest_triples(rows: dict[str, list[dict]]) -> list[tuple]:
    """Each KPI's latest observation (pg:latestObservation: the latest reference date; on one date a
    total before a sub-series part, then final before unstated before preliminary, then the IRI) and
    latest grade (pg:latestAssessment: the latest grade date, undated first, then the IRI) — chosen
    once here so that kpi-status reads plain links instead of grouping every value of the graph."""
    out = []
    for kpi, nodes in _by_kpi_and_node(rows["observations"]).items():
        keys = []
        for node, rs in nodes.items():
            when, status = _date(_first(rs, "date")), _first(rs, "status")
            if when is not None and status is not None:
                keys.append((when, _first(rs, "series") is None, _STATUS_RANK.get(status, 1), str(node), node))
        if keys:
            out.append((kpi, PG.latestObservation, max(keys)[-1]))
    for kpi, nodes in _by_kpi_and_node(rows.get("grades", [])).items():
        keys = [(grade_fact(node, rs).date or dt.date.min, str(node), node) for node, rs in nodes.items()]
        out.append((kpi, PG.latestAssessment, max(keys)[-1]))
    return out


def derived(rows: dict[str, list[dict]], as_of: dt.date | None = None,
            measured_by: bool = True) -> tuple[dict[URIRef, Attainment], list]:
    """Attainment as of a date, and every triple this stage derives: attainment, levels, grade checks,
    latest values and grades."""
    facts = kpi_facts(rows)
    results = _assess_all(facts, as_of or dt.date.today(), measured_by)
    return results, (triples(results) + level_triples(rows.get("cuts", [])) + grade_triples(grade_checks(facts))
                     + latest_triples(rows) + met_triples(facts))


def grade_triples(checks: list[GradeCheck]) -> list[tuple]:
    out = []
    for c in checks:
        out.append((c.grade, PG.gradeDate, Literal(c.date, datatype=XSD.date)))
        out.append((c.grade, PG.statusAtGrade, CONCEPTS[c.status]))
        if c.observation is not None:
            out.append((c.grade, PG.observationAtGrade, c.observation))
        if c.rule_grade is not None:
            out.append((c.grade, PG.ruleGrade, RULE_GRADES[c.rule_grade]))
        if c.note:
            out.append((c.grade, PG.ruleNote, Literal(c.note)))
        out += _shares_triples(c.grade, c.progress, c.elapsed)
    return out


def _shares_triples(node, progress: Decimal | None, elapsed: Decimal | None) -> list[tuple]:
    out = []
    for prop, number in ((PG.progressShare, progress), (PG.elapsedShare, elapsed)):
        if number is not None:
            # Written as Oxigraph writes a decimal (no trailing zeros), so both stores hold one literal.
            out.append((node, prop, Literal(format(number.normalize(), "f"), datatype=XSD.decimal)))
    return out


def compute(graph: Graph, as_of: dt.date | None = None) -> dict[URIRef, Attainment]:
    """Attainment of every pg:KPI of an rdflib graph, as of a date (default: today).
    (`policygraph.store.derive` runs the same queries on the store.)"""
    return compute_rows({name: _rdflib_rows(graph, text) for name, text in QUERIES.items()}, as_of)


def triples(results: dict[URIRef, Attainment]) -> list[tuple]:
    """The derived triples of attainment results (see the module docstring)."""
    out = []
    for kpi, a in results.items():
        out.append((kpi, PG.attainment, CONCEPTS[a.status]))
        out.append((kpi, PG.attainmentAsOf, Literal(a.as_of, datatype=XSD.date)))
        if a.basis is not None:
            out.append((kpi, PG.attainmentBasis, a.basis))
        if a.threshold is not None:
            out.append((kpi, PG.attainmentThreshold, Literal(format(a.threshold.normalize(), "f"),
                                                             datatype=XSD.decimal)))
        if a.observation is not None:
            out.append((kpi, PG.attainmentObservation, a.observation))
        if a.grade is not None:
            out.append((kpi, PG.attainmentGrade, a.grade))
        if a.reason:
            out.append((kpi, PG.attainmentRule, Literal(a.reason)))
        if a.age_days is not None:
            out.append((kpi, PG.evidenceAgeDays, Literal(a.age_days, datatype=XSD.integer)))
        if a.projection is not None:
            out.append((kpi, PG.attainmentProjection, a.projection))
        if a.parts:
            out.append((kpi, PG.partStatuses, Literal(a.parts)))
        out += _shares_triples(kpi, a.progress, a.elapsed)
    return out


def materialise(corpus, graph: Graph, as_of: dt.date | None = None) -> dict[URIRef, Attainment]:
    """Replace the attainment triples of every KPI in an rdflib graph. `corpus` is unused (stage signature)."""
    for prop in DERIVED:
        graph.remove((None, prop, None))
    results, added = derived({name: _rdflib_rows(graph, text) for name, text in QUERIES.items()}, as_of)
    for triple in added:
        graph.add(triple)
    return results

