"""Build the RDF graph: ontology + records → one rdflib Graph."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, SKOS, TIME

from policygraph.errors import EXIT_VIOLATIONS, PolicygraphError, Problem
from policygraph.graph.namespaces import PG, PGR, PREFIXES
from policygraph.records.corpus import Corpus, evidence_lists
from policygraph.records.models import (
    KPI,
    Assessment,
    Baseline,
    Body,
    Directive,
    EvidencedRecord,
    Measure,
    Observation,
    PolicyDocument,
    ProgressReport,
    Projection,
    ReformItem,
    ScheduleStep,
    SourceText,
    Target,
    fiscal_year_end,
    fiscal_year_start,
)
from policygraph.records.when import When

DIRECTIVE_KINDS = {"cabinet_decision": PG.CabinetDecision, "party_proposal": PG.PartyProposal,
                   "council_finding": PG.CouncilFinding, "guideline": PG.Guideline, "policy_goal": PG.PolicyGoal}
ITEM_KINDS = {"reform_item": PG.RoadmapItem, "policy_means": PG.PolicyMeans}
BOXES = {"measures": PG.MeasuresBox, "kpi_examples": PG.KPIExamplesBox}
DOCUMENT_KINDS = {"cabinet_decision": PG.CabinetDecisionDocument, "party_proposal": PG.PartyProposalDocument,
                  "council_finding": PG.CouncilFindingDocument, "guideline": PG.GuidelineDocument,
                  "roadmap": PG.RoadmapDocument, "progress_report": PG.ProgressReportDocument,
                  "policy_evaluation": PG.PolicyEvaluationDocument, "briefing": PG.BriefingDocument}
COMPARATORS = {"ge": PG.AtLeast, "le": PG.AtMost, "approx": PG.Approximately, "eq": PG.Exactly,
               "rank_le": PG.RankAtLeast}
OBSERVATION_STATUSES = {"preliminary": PG.Preliminary, "final": PG.Final, "unstated": PG.Unstated}
TIERS = {1: PG.Tier1, 2: PG.Tier2}
GRADE_SCHEMES = {"roadmap": PG.RoadmapGradeScheme, "evaluation": PG.EvaluationGradeScheme}
PRECISIONS = {"day": PG["precision-day"], "month": PG["precision-month"], "fiscal_year": PG["precision-fiscal-year"],
              "year": PG["precision-year"]}
#: Record type → ontology class. The names agree except Placeholder, whose class says what it records.
CLASSES = {name: PG[name] for name in (
    "SourceText", "Body", "PolicyDocument", "Directive", "ReformItem", "ScheduleStep", "ProgressReport",
    "Measure", "KPI", "Baseline", "Target", "Observation", "Projection", "Assessment", "BudgetLine",
    "Announcement", "Acknowledgement")}
CLASSES["Placeholder"] = PG.EmptyPlaceholder


class _Terms:
    """One of rdflib's fixed namespaces (RDF, XSD …) whose terms are looked up once: rdflib checks and
    makes the term again on every `RDF.type` (~1 s of a million-triple build)."""

    def __init__(self, namespace):
        self._namespace = namespace

    def __getattr__(self, name: str):
        term = getattr(self._namespace, name)
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str):
        return self._namespace[name]


# The builder's vocabularies (only this module's names: the imported namespaces stay as they are).
RDF, RDFS, XSD, DCTERMS, ORG, PROV, SKOS, TIME = (_Terms(ns) for ns in (RDF, RDFS, XSD, DCTERMS, ORG, PROV, SKOS,
                                                                        TIME))


def iri(record_id: str) -> URIRef:
    return PGR[record_id]


def load_ontology(path) -> Graph:
    g = Graph()
    try:
        g.parse(path, format="turtle")
    except Exception as exc:  # rdflib raises many parser types
        raise PolicygraphError.single(f"ontology does not parse: {exc}", file=path) from exc
    return g


def notations(ontology: Graph, scheme: URIRef) -> dict[str, URIRef]:
    return {str(n): c for c in ontology.subjects(SKOS.inScheme, scheme) for n in ontology.objects(c, SKOS.notation)}


class TripleList(list):
    """A write-only graph: the triples the builder adds, in order, without rdflib's indexes (at a
    million triples, rdflib's Graph.add costs ~25 s; the store is loaded from `ntriples` instead).

    With `on_batch`, every `batch` triples added are handed to it as they come (and the rest on
    `flush`): the build makes their N-Triples and loads them while the builder goes on."""

    def __init__(self, on_batch=None, batch: int = 50_000):
        super().__init__()
        self._on_batch = on_batch
        self._batch = batch
        self._sent = 0
        self._next = batch if on_batch is not None else -1  # len(self) at which a batch is handed on

    def add(self, triple) -> None:
        self.append(triple)
        if len(self) >= self._next >= 0:
            self.flush()

    def flush(self) -> None:
        """Hand the triples not yet handed on to `on_batch`."""
        if self._on_batch is not None and self._sent < len(self):
            part = self[self._sent:]
            self._sent = len(self)
            self._on_batch(part)
        if self._on_batch is not None:
            self._next = len(self) + self._batch

    def bind(self, prefix, namespace) -> None:
        pass

    def ntriples(self) -> bytes:
        return ntriples_of(self)


def ntriples_of(triples) -> bytes:
    """Triples of the builder's terms as N-Triples."""
    return "".join(f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .\n" for s, p, o in triples).encode("utf-8")


_NT_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"})


def nt_term(term) -> str:
    """A term in N-Triples syntax (IRIs as the builder makes them: record ids and vocabulary IRIs).

    >>> nt_term(Literal('a "b"\\n', lang="ja")), nt_term(Literal(Decimal("5.0")))
    ('"a \\\\"b\\\\"\\\\n"@ja', '"5.0"^^<http://www.w3.org/2001/XMLSchema#decimal>')
    """
    kind = type(term)
    if kind is URIRef or (kind is not Literal and isinstance(term, URIRef)):
        return f"<{term}>"
    if kind is Literal or isinstance(term, Literal):
        lex = str.translate(term, _NT_ESCAPES)
        # An exact Literal's own slots, not its properties (1M triples: 2.4 -> 2.0 s); a subclass's properties.
        language, datatype = (term._language, term._datatype) if kind is Literal else (term.language, term.datatype)
        if language:
            return f'"{lex}"@{language}'
        if datatype is not None:
            return f'"{lex}"^^<{datatype}>'
        return f'"{lex}"'
    return f"_:{term}"


class _Builder:
    def __init__(self, corpus: Corpus, ontology: Graph, sink=None):
        self.corpus = corpus
        self.ontology = ontology
        self.g = sink if sink is not None else Graph()
        for prefix, ns in PREFIXES.items():
            self.g.bind(prefix, ns)
        self.units = notations(ontology, PG.UnitScheme)
        self.grades = {key: notations(ontology, scheme) for key, scheme in GRADE_SCHEMES.items()}
        self.problems: list[Problem] = []
        self.fiscal_years: set[int] = set()
        self.announcements = latest_announcements(corpus)

    # small helpers ---------------------------------------------------------------
    def add(self, s, p, o):
        if o is not None:
            self.g.add((s, p, o))

    def lit(self, value, datatype=None):
        if value is None:
            return None
        if isinstance(value, Decimal):
            return Literal(value, datatype=XSD.decimal)
        return Literal(value, datatype=datatype) if datatype else Literal(value)

    def label(self, node, ja: str, en: str):
        self.g.add((node, RDFS.label, Literal(ja, lang="ja")))
        self.g.add((node, RDFS.label, Literal(en, lang="en")))

    def fy(self, year: int | None) -> URIRef | None:
        if year is None:
            return None
        self.fiscal_years.add(year)
        return PGR[f"fy-{year}"]

    def unit(self, rec, value: str | None) -> URIRef | None:
        if value is None:
            return None
        if value not in self.units:
            located = self.corpus.records[rec.id]
            self.problems.append(located.problem(
                f"unknown unit; the ontology's UnitScheme has {', '.join(sorted(self.units))}", "unit", value=value))
        return self.units.get(value)

    def when(self, node, when: When | None, prop=PG.referenceDate):
        """A date at its precision: `prop` (the last day), pg:periodStart, pg:datePrecision, and the
        typed value (pg:referenceTime) or, for a fiscal year, pg:fiscalYear."""
        if when is None:
            return
        self.g.add((node, prop, Literal(when.end, datatype=XSD.date)))
        self.g.add((node, PG.periodStart, Literal(when.start, datatype=XSD.date)))
        self.g.add((node, PG.datePrecision, PRECISIONS[when.precision]))
        if when.precision == "fiscal_year":
            self.g.add((node, PG.fiscalYear, self.fy(when.fiscal_year_number)))
        else:
            lexical, datatype = when.xsd
            self.g.add((node, PG.referenceTime, Literal(lexical, datatype=XSD[datatype])))

    def refs(self, node, prop, ids):
        for rid in ids:
            self.g.add((node, prop, iri(rid)))

    # records ---------------------------------------------------------------------
    def build(self) -> Graph:
        for located in self.corpus.records.values():
            rec = located.record
            node = iri(rec.id)
            self.g.add((node, RDF.type, CLASSES[rec.type]))
            self.g.add((node, PG.identifier, Literal(rec.id)))
            if rec.note:
                self.g.add((node, PG.curationNote, Literal(rec.note)))
            getattr(self, f"_{rec.type}")(rec, node)
            if isinstance(rec, EvidencedRecord):
                self._evidence(rec, node)
        for year in self.fiscal_years:
            node = PGR[f"fy-{year}"]
            self.g.add((node, RDF.type, PG.FiscalYear))
            self.label(node, f"{year}年度", f"FY{year}")
            self.g.add((node, PG.beginDate, Literal(fiscal_year_start(year), datatype=XSD.date)))
            self.g.add((node, PG.endDate, Literal(fiscal_year_end(year), datatype=XSD.date)))
            # OWL-Time: the interval's first and last day as instants.
            for prop, end, day in ((TIME.hasBeginning, "begin", fiscal_year_start(year)),
                                   (TIME.hasEnd, "end", fiscal_year_end(year))):
                instant = PGR[f"fy-{year}/{end}"]
                self.g.add((node, prop, instant))
                self.g.add((instant, RDF.type, TIME.Instant))
                self.g.add((instant, TIME.inXSDDate, Literal(day, datatype=XSD.date)))
        if self.problems:
            raise PolicygraphError(self.problems, EXIT_VIOLATIONS)
        return self.g

    def _evidence(self, rec: EvidencedRecord, node):
        located = self.corpus.records[rec.id]
        for key, _at, evidence in evidence_lists(rec):
            owner = iri(key)
            for i, ev in enumerate(evidence, start=1):
                ex = URIRef(f"{owner}/evidence/{i}")
                self.g.add((owner, PG.hasEvidence, ex))
                self.g.add((ex, RDF.type, PG.SourceExcerpt))
                source = ev.source or self.corpus.default_sources.get(located.file)
                self.g.add((ex, PROV.wasQuotedFrom, iri(source)))
                self.g.add((ex, PG.locator, Literal(ev.locator)))
                self.g.add((ex, PG.quote, Literal(ev.quote)))
                self.add(ex, PG.reading, self.lit(ev.reading))
                match = self.corpus.matches.get((key, i - 1))
                if match:
                    self.g.add((ex, PG.sourceLine, Literal(match.match.line)))

    def _SourceText(self, rec: SourceText, node):
        self.label(node, rec.label.ja, rec.label.en)
        self.g.add((node, PG.fileName, Literal(rec.file)))
        self.g.add((node, PG.sha256, Literal(rec.sha256)))

    def _Body(self, rec: Body, node):
        self.label(node, rec.label.ja, rec.label.en)
        for alias in rec.aliases:
            self.g.add((node, SKOS.altLabel, Literal(alias, lang="ja")))
        if rec.parent:
            self.g.add((node, ORG.subOrganizationOf, iri(rec.parent)))

    def _PolicyDocument(self, rec: PolicyDocument, node):
        self.label(node, rec.label.ja, rec.label.en)
        self.g.add((node, DCTERMS.title, Literal(rec.label.ja, lang="ja")))
        for alias in rec.aliases:
            self.g.add((node, SKOS.altLabel, Literal(alias, lang="ja")))
        self.g.add((node, PG.documentKind, DOCUMENT_KINDS[rec.kind]))
        self.add(node, DCTERMS.issued, self.lit(rec.issued, XSD.date))
        self.add(node, PG.issuedMonth, self.lit(rec.issued_month, XSD.gYearMonth))
        if rec.issued_between:
            self.g.add((node, PG.issuedEarliest, Literal(rec.issued_between[0], datatype=XSD.date)))
            self.g.add((node, PG.issuedLatest, Literal(rec.issued_between[1], datatype=XSD.date)))
        if rec.issued_by:
            self.g.add((node, PG.issuedBy, Literal(rec.issued_by, datatype=XSD.date)))
        self.add(node, PG.dateText, self.lit(rec.date_text))
        if rec.publisher:
            self.g.add((node, DCTERMS.publisher, iri(rec.publisher)))
        self.refs(node, PG.hasSourceText, rec.source_texts)
        self.refs(node, PG.cites, rec.cites)
        if rec.revision_of:
            self.g.add((node, PG.revisionOf, iri(rec.revision_of)))
        if rec.grade_scheme:
            self.g.add((node, PG.gradeScheme, GRADE_SCHEMES[rec.grade_scheme]))

    def _Directive(self, rec: Directive, node):
        self.label(node, rec.label.ja, rec.label.en)
        self.g.add((node, PG.directiveKind, DIRECTIVE_KINDS[rec.kind]))
        self.g.add((node, PG.statedIn, iri(rec.document)))
        self.g.add((iri(rec.document), PG.hasDirective, node))
        self.add(node, PG.number, self.lit(rec.number))
        self.add(node, PG.text, self.lit(rec.text))
        self.refs(node, PG.isCarriedBy, rec.carried_by)
        if rec.part_of:
            self.g.add((node, PG.partOf, iri(rec.part_of)))

    def _ReformItem(self, rec: ReformItem, node):
        self.label(node, rec.label.ja, rec.label.en)
        self.g.add((node, PG.itemKind, ITEM_KINDS[rec.kind]))
        self.add(node, PG.number, self.lit(rec.number))
        self.refs(node, PG.reportedIn, rec.documents)
        self.refs(node, PG.responsibleBody, rec.responsible)

    def _ScheduleStep(self, rec: ScheduleStep, node):
        self.label(node, rec.label.ja, rec.label.en)
        self.g.add((iri(rec.reform_item), PG.hasStep, node))
        self.g.add((node, PG.reportedIn, iri(rec.document)))
        self.g.add((node, PG.periodText, Literal(rec.period)))
        first, last = rec.first_fy, rec.last_fy or rec.first_fy
        if first:
            for year in range(first, (last or first) + 1):
                self.g.add((node, PG.fiscalYear, self.fy(year)))
        self.g.add((node, PG.text, Literal(rec.text)))
        self.refs(node, PG.responsibleBody, rec.responsible)

    def _ProgressReport(self, rec: ProgressReport, node):
        target = self.corpus.get(rec.reports_on)
        name = getattr(target, "label", None)
        self.label(node, f"進捗状況: {name.ja if name else rec.reports_on}",
                   f"Progress report: {name.en if name else rec.reports_on}")
        self.g.add((node, PG.reportsOn, iri(rec.reports_on)))
        self.g.add((node, PG.reportedIn, iri(rec.document)))
        self.add(node, PG.asOf, self.lit(rec.as_of, XSD.date))
        self.add(node, PG.dateText, self.lit(rec.date_text))
        self.add(node, PG.statusText, self.lit(rec.status))
        self.g.add((node, PG.text, Literal(rec.text)))
        self.add(node, PG.nextSteps, self.lit(rec.next_steps))
        self.refs(node, PG.responsibleBody, rec.responsible)

    def _Placeholder(self, rec, node):
        target = self.corpus.get(rec.of)
        box_ja = {"measures": "施策", "kpi_examples": "考えられるKPIの例"}[rec.box]
        box_en = {"measures": "measures", "kpi_examples": "KPI examples"}[rec.box]
        self.label(node, f"{target.label.ja}: 空欄（{box_ja}）", f"{target.label.en}: empty box ({box_en})")
        self.g.add((node, PG.placeholderFor, iri(rec.of)))
        self.g.add((node, PG.reportedIn, iri(rec.document)))
        self.g.add((node, PG.box, BOXES[rec.box]))

    def _BudgetLine(self, rec, node):
        self.label(node, f"{rec.category} {rec.fiscal_year}年度 {rec.value}{rec.unit}",
                   f"{rec.category} FY{rec.fiscal_year}: {rec.value} {rec.unit}")
        self.g.add((node, PG.reportedIn, iri(rec.document)))
        self.g.add((node, PG.budgetCategory, Literal(rec.category)))
        self.g.add((node, PG.fiscalYear, self.fy(rec.fiscal_year)))
        self.g.add((node, PG.value, self.lit(rec.value)))
        self.add(node, PG.unit, self.unit(rec, rec.unit))

    def _Measure(self, rec: Measure, node):
        self.label(node, rec.label.ja, rec.label.en)
        self.g.add((node, PG.reportedIn, iri(rec.document)))
        self.refs(node, PG.implements, rec.implements)
        self.g.add((node, PG.text, Literal(rec.text)))
        self.refs(node, PG.responsibleBody, rec.responsible)
        self.add(node, PG.value, self.lit(rec.value))
        self.add(node, PG.unit, self.unit(rec, rec.unit))

    def _KPI(self, rec: KPI, node):
        self.label(node, rec.label.ja, rec.label.en)
        for alias in rec.aliases:
            self.g.add((node, SKOS.altLabel, Literal(alias, lang="ja")))
        if rec.tier:
            self.g.add((node, PG.tier, TIERS[rec.tier]))
        self.add(node, PG.number, self.lit(rec.number))
        for item in rec.reform_items:
            self.g.add((iri(item), PG.measuredBy, node))
        self.refs(node, PG.reportedIn, rec.documents)
        self.refs(node, PG.responsibleBody, rec.responsible)
        if rec.sub_indicator_of:
            self.g.add((node, PG.subIndicatorOf, iri(rec.sub_indicator_of)))
        if rec.replaced_by:
            self.g.add((node, PG.replacedBy, iri(rec.replaced_by)))
        self.add(node, PG.renamedFrom, self.lit(rec.renamed_from))
        winner = self.announcements.get(rec.id)
        if winner is not None:  # the latest edition's announcement is the KPI's next measurement
            self.g.add((node, PG.nextMeasurement, Literal(winner.when.end, datatype=XSD.date)))
            self.g.add((node, PG.nextMeasurementText, Literal(winner.text)))
            self.g.add((node, PG.nextMeasurementIn, iri(winner.document)))
            self.g.add((node, PG.latestAnnouncement, iri(winner.id)))
        for edition in rec.editions:
            ed = iri(f"{rec.id}/edition/{edition.document}")
            self.g.add((node, PG.hasEdition, ed))
            self.g.add((ed, RDF.type, PG.KPIEdition))
            self.g.add((ed, PG.reportedIn, iri(edition.document)))
            if edition.tier:
                self.g.add((ed, PG.tier, TIERS[edition.tier]))
            self.add(ed, PG.number, self.lit(edition.number))
            if edition.main is not None:
                self.g.add((ed, PG.mainIndicator, Literal(edition.main)))
            self.refs(ed, PG.responsibleBody, edition.responsible)

    def _statement(self, rec, node, prop, kind_ja: str, kind_en: str, when: str):
        kpi = self.corpus.get(rec.kpi)
        self.g.add((iri(rec.kpi), prop, node))
        shown = rec.value_text or (f"{rec.value}{rec.unit or ''}" if rec.value is not None else "")
        self.label(node, f"{kpi.label.ja} {kind_ja} {shown}{f' ({when})' if when else ''}",
                   f"{kind_en} of {kpi.label.en}: {shown}{f' ({when})' if when else ''}")
        self.g.add((node, PG.reportedIn, iri(rec.document)))
        self.add(node, PG.value, self.lit(rec.value))
        self.add(node, PG.unit, self.unit(rec, rec.unit))
        self.add(node, PG.valueText, self.lit(rec.value_text))
        if rec.reduction_from:
            self.g.add((node, PG.reductionFrom, iri(rec.reduction_from)))
        if rec.approximate:
            self.g.add((node, PG.approximate, Literal(True)))
        self.add(node, PG.series, self.lit(rec.series))

    def _Baseline(self, rec: Baseline, node):
        when = rec.date_text or (f"{rec.fiscal_year}年度" if rec.fiscal_year else str(rec.date or ""))
        self._statement(rec, node, PG.hasBaseline, "基準値", "Baseline", when)
        self.add(node, PG.fiscalYear, self.fy(rec.fiscal_year))
        self.add(node, PG.referenceDate, self.lit(rec.date, XSD.date))
        self.add(node, PG.dateText, self.lit(rec.date_text))

    def _Target(self, rec: Target, node):
        when = rec.deadline_text or (f"{rec.deadline_fy}年度まで" if rec.deadline_fy else "")
        self._statement(rec, node, PG.hasTarget, "目標値", "Target", when)
        self.add(node, PG.comparator, COMPARATORS.get(rec.comparator) if rec.comparator else None)
        self.add(node, PG.relativeFactor, self.lit(rec.relative_factor))
        if rec.relative_to:
            self.g.add((node, PG.relativeTo, iri(rec.relative_to)))
        self.add(node, PG.deadlineFiscalYear, self.fy(rec.deadline_fy))
        self.add(node, PG.deadline, self.lit(rec.due, XSD.date))
        self.add(node, PG.deadlineText, self.lit(rec.deadline_text))
        self.add(node, PG.fiscalYear, self.fy(rec.fiscal_year))

    def _Observation(self, rec: Observation, node):
        self._statement(rec, node, PG.hasObservation, "実績値", "Observation", str(rec.date))
        self.when(node, rec.date)
        self.add(node, PG.dateText, self.lit(rec.date_text))
        self.add(node, PG.dateInferredBecause, self.lit(rec.date_inferred))
        self.g.add((node, PG.observationStatus, OBSERVATION_STATUSES[rec.status]))

    def _Projection(self, rec: Projection, node):
        when = rec.date_text or (str(rec.date) if rec.date else "")
        self._statement(rec, node, PG.hasProjection, rec.kind, "Projection", when)
        self.when(node, rec.date)
        if rec.estimated_as_of is not None:
            self.g.add((node, PG.estimatedAsOf, Literal(rec.estimated_as_of.end, datatype=XSD.date)))
        self.add(node, PG.dateText, self.lit(rec.date_text))
        self.g.add((node, PG.statusText, Literal(rec.kind)))

    def _Announcement(self, rec, node):
        kpi = self.corpus.get(rec.kpi)
        self.g.add((iri(rec.kpi), PG.hasAnnouncement, node))
        self.label(node, f"{kpi.label.ja} 次回の把握時期 {rec.text}", f"Next measurement of {kpi.label.en}: {rec.when}")
        self.g.add((node, PG.reportedIn, iri(rec.document)))
        self.g.add((node, PG.nextMeasurement, Literal(rec.when.end, datatype=XSD.date)))
        self.g.add((node, PG.nextMeasurementText, Literal(rec.text)))

    def _Acknowledgement(self, rec, node):
        self.label(node, f"{rec.gap} の承認 {rec.node}（{rec.until.isoformat()}まで）",
                   f"Acknowledged {rec.gap} on {rec.node} (until {rec.until.isoformat()})")
        self.g.add((node, PG.acknowledgesGap, Literal(rec.gap)))
        self.g.add((node, PG.acknowledges, iri(rec.node)))
        self.g.add((node, PG.reason, Literal(rec.reason)))
        self.g.add((node, PG.acknowledgedBy, Literal(rec.by)))
        self.g.add((node, PG.acknowledgedUntil, Literal(rec.until, datatype=XSD.date)))

    def _Assessment(self, rec: Assessment, node):
        kpi = self.corpus.get(rec.kpi)
        doc = self.corpus.get(rec.document)
        self.g.add((iri(rec.kpi), PG.hasAssessment, node))
        self.label(node, f"{kpi.label.ja} 区分 {rec.grade}", f"Grade of {kpi.label.en}: {rec.grade}")
        self.g.add((node, PG.reportedIn, iri(rec.document)))
        self.add(node, PG.asOf, self.lit(rec.as_of, XSD.date))
        self.add(node, PG.dateText, self.lit(rec.date_text))
        scheme = getattr(doc, "grade_scheme", None)
        located = self.corpus.records[rec.id]
        if scheme is None:
            self.problems.append(located.problem("the document gives no grade_scheme, so a grade cannot be read",
                                                 "document", value=rec.document))
        elif rec.grade not in self.grades[scheme]:
            self.problems.append(located.problem(
                f"grade not in the {scheme} legend ({', '.join(self.grades[scheme])})", "grade", value=rec.grade))
        else:
            self.g.add((node, PG.grade, self.grades[scheme][rec.grade]))


def latest_announcements(corpus: Corpus) -> dict:
    """Each announced KPI's winning 次回の把握時期: the announcement of the latest-issued document (by the
    last day it can have been issued); on a tie, the later announced day."""
    best: dict = {}
    for ann in corpus.of_type("Announcement"):
        key = (corpus.get(ann.document).issued_by or dt.date.min, ann.when.end)
        if ann.kpi not in best or key > best[ann.kpi][0]:
            best[ann.kpi] = (key, ann)
    return {kpi: ann for kpi, (_key, ann) in best.items()}


def build_triples(corpus: Corpus, ontology: Graph, on_batch=None) -> TripleList:
    """Records → RDF as a list of triples, the ontology's included (no rdflib graph is made). With
    `on_batch`, the triples are also handed to it a batch at a time as they are made (`TripleList`)."""
    data = _Builder(corpus, ontology, TripleList(on_batch)).build()
    data.extend(ontology)
    data.flush()
    return data


def build_graph(corpus: Corpus, ontology: Graph, include_ontology: bool = True) -> Graph:
    """Records → RDF. The result includes the ontology unless told otherwise."""
    data = _Builder(corpus, ontology).build()
    if include_ontology:
        for triple in ontology:
            data.add(triple)
        for prefix, ns in ontology.namespaces():
            if prefix and prefix not in dict(data.namespaces()):
                data.bind(prefix, ns)
    return data
