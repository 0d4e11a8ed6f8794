"""Validate: records (pydantic, references, quotes), SHACL shapes and OWL consistency, in one run.

Every violation becomes a Problem located at the record it is about: a SHACL focus node
https://w3id.org/policygraph/id/<record-id> (or <record-iri>/evidence/<n>) is mapped back to the
record's data file and line, and the shape's property to the record's field.

    >>> from policygraph.pipeline import validate
    >>> validate(Project.locate()).problems
    []
"""
from __future__ import annotations

import time
from pathlib import Path
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, ORG, PROV, SH, SKOS

from policygraph.errors import EXIT_INPUT, EXIT_VIOLATIONS, PolicygraphError, Problem
from policygraph.graph.namespaces import PG, PGR
from policygraph.graph.reason import HERMIT_MAX_TRIPLES, OwlReport, check, check_store, reaches_pairs
from policygraph.project import Project
from policygraph.records.corpus import Corpus
from policygraph.records.corpus import dotted as _dotted

PGSH = "https://w3id.org/policygraph/shapes#"

#: Graph property → record field (as a curator writes it in data/records/*.yaml).
_FIELDS = {
    PG.identifier: "id", RDFS.label: "label", SKOS.altLabel: "aliases", PG.hasEvidence: "evidence",
    PG.statedIn: "document", PG.reportedIn: "document", PG.isCarriedBy: "carried_by", PG.partOf: "part_of",
    PG.directiveKind: "kind", PG.documentKind: "kind", PG.itemKind: "kind", DCTERMS.issued: "issued",
    DCTERMS.publisher: "publisher", PG.hasSourceText: "source_texts", PG.gradeScheme: "grade_scheme",
    PG.revisionOf: "revision_of", PG.cites: "cites", PG.number: "number", PG.text: "text",
    PG.responsibleBody: "responsible", PG.periodText: "period", PG.fiscalYear: "fiscal_year", PG.value: "value",
    PG.unit: "unit", PG.valueText: "value_text", PG.referenceDate: "date", PG.dateText: "date_text",
    PG.observationStatus: "status", PG.statusText: "status", PG.comparator: "comparator",
    PG.relativeFactor: "relative_factor", PG.relativeTo: "relative_to", PG.deadline: "deadline",
    PG.deadlineFiscalYear: "deadline_fy", PG.grade: "grade", PG.asOf: "as_of", PG.reportsOn: "reports_on",
    PG.implements: "implements", PG.tier: "tier", PG.placeholderFor: "of", PG.box: "box",
    PG.budgetCategory: "category", PG.fileName: "file", PG.sha256: "sha256", ORG.subOrganizationOf: "parent",
    PG.nextSteps: "next_steps", PG.reaches: "part_of", PG.periodStart: "date", PG.datePrecision: "date",
    PG.referenceTime: "date", PG.estimatedAsOf: "estimated_as_of", PG.reductionFrom: "reduction_from",
    PG.series: "series", PG.approximate: "approximate",
}
_TYPE_FIELDS = {
    ("ReformItem", PG.reportedIn): "documents", ("KPI", PG.reportedIn): "documents",
    ("ScheduleStep", PG.fiscalYear): "first_fy", ("Projection", PG.statusText): "kind",
}
#: Inverse paths: the graph links KPI → statement, item → step, item → KPI; the record holds the reverse.
_INVERSE_FIELDS = {
    PG.hasStep: "reform_item", PG.measuredBy: "reform_items", PG.hasBaseline: "kpi", PG.hasTarget: "kpi",
    PG.hasObservation: "kpi", PG.hasProjection: "kpi", PG.hasAssessment: "kpi", PG.isCarriedBy: "carried_by",
}
_EVIDENCE_FIELDS = {PROV.wasQuotedFrom: "source", PG.locator: "locator", PG.quote: "quote",
                    PG.reading: "reading", PG.sourceLine: "quote"}


@dataclass
class ValidationReport:
    records: int
    triples: int
    shapes: int
    problems: list[Problem] = field(default_factory=list)
    owl: OwlReport | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    shacl_engine: str = ""
    extra_notes: list[str] = field(default_factory=list)

    @property
    def notes(self) -> list[str]:
        return self.extra_notes + ([self.owl.note] if self.owl and self.owl.note else [])


def load_shapes(project: Project) -> Graph:
    path = project.shapes
    shapes = Graph()
    try:
        shapes.parse(path, format="turtle")
    except FileNotFoundError as exc:
        raise PolicygraphError.single("shapes file not found", EXIT_INPUT, file=path) from exc
    except Exception as exc:  # rdflib raises many parser types
        raise PolicygraphError.single(f"shapes do not parse: {exc}", EXIT_INPUT, file=path) from exc
    refuse_remote_shapes(shapes, path)
    return shapes


def refuse_remote_shapes(shapes: Graph, path=None) -> None:
    """The SPARQL of SPARQL-based targets and constraints may not reach the network either (read with the
    prefixes the shapes declare, as pySHACL reads it)."""
    from policygraph.store import safety
    prefixes = {str(shapes.value(d, SH.prefix)): str(shapes.value(d, SH.namespace))
                for d in shapes.objects(None, SH.declare)
                if shapes.value(d, SH.prefix) is not None and shapes.value(d, SH.namespace) is not None}
    for pred in (SH.select, SH.ask):
        for text in shapes.objects(None, pred):
            safety.check(str(text), path, prefixes=prefixes)


def rule_count(shapes: Graph) -> int:
    """Named rules: property shapes, SPARQL constraints and node shapes with their own message."""
    return sum(1 for s in set(shapes.subjects(SH.message, None)) if isinstance(s, URIRef))


# ---------------------------------------------------------------------------------- SHACL
def shacl(graph: Graph, shapes: Graph, corpus: Corpus | None = None, path: Path | None = None) -> list[Problem]:
    """Run the shapes over `graph` (ontology + data); one Problem per result, located at its record.
    Shapes pySHACL refuses to load or run (an `sh:sparql` without `sh:select`, a SELECT without
    `$this`, a query that does not parse …) are an input error naming the shapes file `path` (exit 2)."""
    import logging

    from pyshacl import validate as pyshacl_validate
    refuse_remote_shapes(shapes, path)

    quiet = logging.getLogger("pyshacl")
    level, quiet.level = quiet.level, logging.CRITICAL  # it logs the error it raises, on stderr: told once below
    try:
        conforms, results, _text = pyshacl_validate(graph, shacl_graph=shapes, inference="none",
                                                    advanced=True, allow_warnings=True, inplace=True)
    except PolicygraphError:
        raise
    except Exception as exc:  # noqa: BLE001 - pySHACL and its SPARQL parser raise many types, AttributeError too
        reason = " ".join(str(exc).split("For reference")[0].split())[:200] or "no reason given"
        raise PolicygraphError.single(f"pySHACL cannot run these shapes ({type(exc).__name__}: {reason})",
                                      EXIT_INPUT, file=path) from None
    finally:
        quiet.level = level
    if conforms:
        return []
    problems = []
    nested = set(results.objects(None, SH.detail))  # sh:node's inner results: detail of one already reported
    for result in results.subjects(SH.focusNode, None):
        if result in nested:
            continue
        focus = results.value(result, SH.focusNode)
        path = results.value(result, SH.resultPath)
        value = results.value(result, SH.value)
        message = str(results.value(result, SH.resultMessage) or "shape violated")
        rule = results.value(result, SH.sourceConstraint)
        if not isinstance(rule, URIRef) or not str(rule).startswith(PGSH):
            rule = results.value(result, SH.sourceShape)
        problems.append(_problem(corpus, focus, f"{message} [{_rule_name(rule)}]", _step(results, path),
                                 _shown(value)))
    return sorted(problems, key=_sort_key)


def shacl_store(store, shapes: Graph, corpus: Corpus | None = None) -> list[Problem]:
    """The same as `shacl`, with the shapes run as SPARQL queries on the Oxigraph `store` (ontology +
    data + derived links). Raises `Untranslatable` when the shapes use a feature it does not translate."""
    from policygraph.checks.shacl_sparql import run
    problems = []
    for r in run(store, shapes):
        problems.append(_problem(corpus, r.focus, f"{r.message or 'shape violated'} [{_rule_name(r.shape)}]",
                                 _step(shapes, r.path), _shown(r.value)))
    return sorted(problems, key=_sort_key)


def _step(results: Graph, path) -> tuple[URIRef, bool] | None:
    """A result path as (property, inverse?), or None for a complex path."""
    if isinstance(path, URIRef):
        return path, False
    if isinstance(path, BNode):
        inv = results.value(path, SH.inversePath)
        if isinstance(inv, URIRef):
            return inv, True
        if inv is not None:
            return PG.hasObservation, True  # the alternative path of the statement-kpi rule
    return None


def _rule_name(rule) -> str:
    s = str(rule or "")
    return "shape " + (s.removeprefix(PGSH))


# ---------------------------------------------------------------------------------- OWL
def owl(graph: Graph | None, corpus: Corpus | None = None, reasoner: str = "auto",
        store=None) -> tuple[OwlReport, list[Problem]]:
    """The OWL check: HermiT (or owlrl) on the rdflib graph, or the clash queries on the store for a
    large graph (more than HERMIT_MAX_TRIPLES, or no rdflib graph was made) or `reasoner="sparql"`."""
    size = len(graph) if graph is not None else len(store)
    if store is not None and (reasoner == "sparql" or (reasoner == "auto" and size > HERMIT_MAX_TRIPLES)):
        report = check_store(store)
    else:
        report = check(graph if graph is not None else graph_of(store), reasoner)
    problems = [_problem(corpus, c.node, f"{c.message} [OWL, checked by {report.reasoner}]",
                         (c.path, False) if c.path else None, c.value)
                for c in report.clashes]
    return report, sorted(problems, key=_sort_key)


def graph_of(store) -> Graph:
    """The store's triples as an rdflib graph (for HermiT or pySHACL asked for on a large graph)."""
    from policygraph.store.engines import OxigraphEngine
    return OxigraphEngine(store=store).rdflib_graph()


# ---------------------------------------------------------------------------------- locating
def _problem(corpus: Corpus | None, node, message: str, step, value) -> Problem:
    node_s = str(node)
    if not node_s.startswith(str(PGR)):
        return Problem(f"{_shown(node)}: {message}", value=value)
    rid, _, rest = node_s[len(str(PGR)):].partition("/")
    loc: tuple = ()
    if rest.startswith("evidence/") and rest[len("evidence/"):].isdigit():
        loc = ("evidence", int(rest[len("evidence/"):]) - 1)
        if step and step[0] in _EVIDENCE_FIELDS:
            loc += (_EVIDENCE_FIELDS[step[0]],)
    elif step:
        prop, inverse = step
        located = corpus.records.get(rid) if corpus else None
        rtype = located.record.type if located else None
        name = _INVERSE_FIELDS.get(prop) if inverse else (_TYPE_FIELDS.get((rtype, prop)) or _FIELDS.get(prop))
        if name:
            loc = (name,)
    located = corpus.records.get(rid) if corpus else None
    if located is None:
        # Not a record (a fiscal year, or a fixture graph without records): name the node.
        return Problem(message, record=rid, field=_dotted(loc) or None, value=value)
    return located.problem(message, *loc, value=value)


def _shown(term):
    if term is None:
        return None
    if isinstance(term, Literal):
        v = term.toPython()
        if isinstance(v, Decimal):  # the canonical form (5.0 → 5), as Oxigraph stores a decimal
            return format(v.normalize(), "f")
        return v.isoformat() if hasattr(v, "isoformat") else (str(v) if not isinstance(v, (int, str)) else v)
    s = str(term)
    if s.startswith(str(PGR)):
        return s[len(str(PGR)):]
    if s.startswith(str(PG)):
        return "pg:" + s[len(str(PG)):]
    return s if isinstance(term, URIRef) else None


def _sort_key(p: Problem):
    return (str(p.file or ""), p.line or 0, p.record or "", p.message)


# ---------------------------------------------------------------------------------- one run
SHACL_ENGINES = ("auto", "sparql", "pyshacl")


def check_graph(project: Project, corpus: Corpus, graph: Graph | None, reasoner: str = "auto",
                shapes: Graph | None = None, store=None, shacl_engine: str = "auto") -> ValidationReport:
    """SHACL and OWL over a built graph (ontology + records + derived links). Collects every problem.

    `store` (the build's Oxigraph store of the same graph) lets the shapes run as SPARQL queries
    there (`shacl_engine` "auto" or "sparql"; "pyshacl" runs pySHACL on the rdflib graph, as does
    "auto" without a store or for shapes the translation does not cover) and the OWL check of a large
    graph run its queries there (see `policygraph.graph.reason.HERMIT_MAX_TRIPLES`)."""
    shapes = shapes if shapes is not None else load_shapes(project)
    report = ValidationReport(len(corpus.records), len(graph) if graph is not None else len(store),
                              rule_count(shapes))
    # HermiT runs in a Java subprocess: let it work while the shapes are checked here. Both only read.
    with ThreadPoolExecutor(max_workers=1) as pool:
        owl_run = pool.submit(owl, graph, corpus, reasoner, store)
        start = time.perf_counter()
        report.problems += _shacl(report, graph, shapes, corpus, store, shacl_engine, project.shapes)
        report.seconds["shacl"] = time.perf_counter() - start
        report.owl, owl_problems = owl_run.result()
    report.problems += owl_problems + (_compare_reaches(report.owl, graph) if graph is not None else [])
    report.seconds["owl"] = report.owl.seconds
    return report


def _shacl(report: ValidationReport, graph: Graph, shapes: Graph, corpus: Corpus, store,
           engine: str, path: Path | None = None) -> list[Problem]:
    from policygraph.checks.shacl_sparql import Untranslatable
    if engine not in SHACL_ENGINES:
        raise PolicygraphError.single(f"unknown SHACL engine {engine!r}: choose one of {', '.join(SHACL_ENGINES)}",
                                      EXIT_INPUT, field="--shacl")
    if engine != "pyshacl" and store is not None:
        try:
            problems = shacl_store(store, shapes, corpus)
            report.shacl_engine = "SPARQL on Oxigraph"
            return problems
        except Untranslatable as exc:
            if engine == "sparql":
                raise PolicygraphError.single(f"the shapes cannot run as SPARQL: {exc}", EXIT_INPUT,
                                              field="--shacl") from exc
            report.extra_notes.append(f"SHACL checked by pySHACL: {exc}")
    report.shacl_engine = "pySHACL"
    return shacl(graph if graph is not None else graph_of(store), shapes, corpus, path)


def _compare_reaches(report: OwlReport, graph: Graph) -> list[Problem]:
    """The build's materialised pg:reaches links must be exactly what the reasoner entails (where a
    reasoner ran: the SPARQL check of large graphs entails nothing)."""
    if not report.consistent or report.reasoner == "SPARQL":
        return []
    built = reaches_pairs(graph)
    missing, extra = report.reaches - built, built - report.reaches
    if not (missing or extra):
        return []
    sample = sorted(f"{_shown(s)} reaches {_shown(o)}" for s, o in (missing or extra))[:3]
    return [Problem(f"the graph's pg:reaches links differ from what {report.reasoner} infers: "
                    f"{len(missing)} missing, {len(extra)} extra (the build's reasoning stage is out of step "
                    f"with the ontology's axioms)", field="pg:reaches", value="; ".join(sample))]


def raise_for_problems(report: ValidationReport) -> None:
    if report.problems:
        raise PolicygraphError(report.problems, EXIT_VIOLATIONS)
