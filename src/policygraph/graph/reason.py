"""Reasoning: materialise pg:reaches, and check ontology + data for OWL consistency.

Two jobs, two speeds:

* `materialise(corpus, graph)` is the build's first derive stage. It adds every pg:reaches link
  with one SPARQL UPDATE whose property path is read from the ontology (the sub-properties of
  pg:reaches, and the inverses of those declared with owl:inverseOf). Milliseconds; no Java.
* `check(graph)` runs HermiT (through owlready2, which needs Java) over ontology + data: it finds
  inconsistencies (a node typed as two disjoint classes, directly or through a domain or range; a
  directive that is part of its own part) and infers the pg:reaches links independently, so the
  materialised links can be compared with a reasoner's. Without Java it falls back to an OWL-RL
  closure with owlrl and says so in `OwlReport.note`.

HermiT gives no explanation for an inconsistency, so `clashes()` names the offending nodes with
SPARQL over the asserted types plus those implied by domains and ranges.
"""
from __future__ import annotations

import contextlib
import io
import os
import shutil
import threading
import time
from dataclasses import dataclass, field

from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef

from policygraph.errors import EXIT_INPUT, PolicygraphError
from policygraph.graph.namespaces import PG, record_id

#: Where owlrl writes the inconsistencies it finds.
_OWLRL_ERROR = URIRef("http://www.daml.org/2002/03/agents/agent-ont#error")
_INFERRED = "https://w3id.org/policygraph/inferred#"


# ---------------------------------------------------------------------------------- materialise
def reach_links(graph: Graph) -> list[tuple[URIRef, bool]]:
    """The links a pg:reaches path is made of: (property, walked backwards?).

    Every sub-property of pg:reaches (at any depth), and the inverse of every property declared
    owl:inverseOf one of them, walked backwards (pg:hasPart is the inverse of pg:partOf, and the data
    states only pg:partOf).
    """
    subs = {p for p in graph.transitive_subjects(RDFS.subPropertyOf, PG.reaches) if p != PG.reaches and isinstance(p, URIRef)}
    links = {(p, False) for p in subs}
    for p in subs:
        for q in set(graph.objects(p, OWL.inverseOf)) | set(graph.subjects(OWL.inverseOf, p)):
            if isinstance(q, URIRef) and q not in subs:
                links.add((q, True))
    return sorted(links)



def reaches_update(graph: Graph) -> str | None:
    """The SPARQL UPDATE that adds every pg:reaches link (None if the ontology declares no link)."""
    links = reach_links(graph)
    if not links:
        return None
    path = "|".join(f"{'^' if back else ''}<{p}>" for p, back in links)
    return f"INSERT {{ ?a <{PG.reaches}> ?c }} WHERE {{ ?a ({path})+ ?c }}"


def materialise(corpus, graph: Graph) -> None:
    """Derive stage: add the pg:reaches links (a directive reaches every item, step and KPI downstream).

    The transitive closure of the one-step links, computed in Python: the same pairs as
    `reaches_update()` (tests check both against HermiT), about 50 times faster on rdflib.
    """
    step: dict[URIRef, set[URIRef]] = {}
    for s, o in _one_step_links(graph):
        step.setdefault(s, set()).add(o)
    for root in list(step):
        seen: set[URIRef] = set()
        todo = list(step[root])
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(step.get(node, ()))
        for node in seen:
            graph.add((root, PG.reaches, node))


def reaches_pairs(graph: Graph) -> set[tuple[URIRef, URIRef]]:
    return set(graph.subject_objects(PG.reaches))


# ---------------------------------------------------------------------------------- consistency
@dataclass(frozen=True)
class Clash:
    """One reason ontology + data are inconsistent, on one node."""

    node: URIRef
    message: str
    value: object = None
    #: The property at fault, when there is one (so the report can name the record's field).
    path: URIRef | None = None


@dataclass
class OwlReport:
    reasoner: str  # "HermiT" or "owlrl"
    consistent: bool
    clashes: list[Clash] = field(default_factory=list)
    #: Every pg:reaches link the reasoner entails (empty when inconsistent).
    reaches: set[tuple[URIRef, URIRef]] = field(default_factory=set)
    seconds: float = 0.0
    #: One line for the user when the fallback was used.
    note: str | None = None


def java_available() -> bool:
    import owlready2
    return shutil.which(owlready2.JAVA_EXE) is not None


FALLBACK_NOTE = "Java not found: OWL consistency checked with OWL-RL (owlrl) instead of HermiT"


def check(graph: Graph, reasoner: str = "auto") -> OwlReport:
    """Check ontology + data (one graph) for consistency; reasoner is "auto", "hermit", "owlrl" or "sparql".

    "auto" uses HermiT when Java is on the PATH, else owlrl (and sets `note`); above
    HERMIT_MAX_TRIPLES it checks what data can violate with SPARQL instead (`check_store`).
    Raises PolicygraphError (exit 2) when "hermit" is asked for without Java, or the reasoner fails.
    """
    if reasoner not in ("auto", "hermit", "owlrl", "sparql"):
        raise PolicygraphError.single(f"unknown reasoner {reasoner!r}; use auto, hermit, owlrl or sparql",
                                      EXIT_INPUT, field="--reasoner")
    if reasoner == "sparql" or (reasoner == "auto" and len(graph) > HERMIT_MAX_TRIPLES):
        from policygraph.store.engines import load_store
        return check_store(load_store(graph))
    start = time.perf_counter()
    base = _without_derived(graph)
    note = None
    if reasoner == "hermit" and not java_available():
        raise PolicygraphError.single("HermiT needs Java, and no `java` is on the PATH", EXIT_INPUT,
                                      field="--reasoner")
    if reasoner == "owlrl" or (reasoner == "auto" and not java_available()):
        note = FALLBACK_NOTE if reasoner == "auto" else None
        report = _owlrl(base)
    else:
        report = _hermit(base)
    report.note = note
    report.seconds = time.perf_counter() - start
    return report


def _without_derived(graph: Graph) -> Graph:
    """The graph without materialised pg:reaches links, so the reasoner derives its own."""
    out = Graph()
    for triple in graph:
        if triple[1] != PG.reaches:
            out.add(triple)
    return out


def _without_literals(graph: Graph) -> Graph:
    # HermiT rejects xsd:date (not in the OWL 2 datatype map), as a literal and as a range. No axiom
    # restricts a literal, so a reasoner is given no literal and no datatype range at all: it returns
    # only new triples, dates stay untouched, and the input is half the size.
    out = Graph()
    for s, p, o in graph:
        if not isinstance(o, Literal) and not (p == RDFS.range and str(o).startswith(str(XSD))):
            out.add((s, p, o))
    return out


def _for_hermit(graph: Graph) -> bytes:
    return _without_literals(graph).serialize(format="nt", encoding="utf-8")


def _hermit(graph: Graph) -> OwlReport:
    from owlready2 import (
        OwlReadyInconsistentOntologyError,
        OwlReadyJavaError,
        World,
        sync_reasoner,
    )

    world = World()  # a fresh in-memory quadstore per run: nothing leaks between runs
    with _hermit_sandbox():
        try:
            world.get_ontology("https://w3id.org/policygraph/check").load(
                fileobj=io.BytesIO(_for_hermit(graph)), format="ntriples")
            inferred = world.get_ontology(_INFERRED)
            try:
                with inferred:
                    sync_reasoner(world, infer_property_values=True, debug=0)
            except OwlReadyInconsistentOntologyError:
                return OwlReport("HermiT", False, clashes(graph) or _unexplained())
            except OwlReadyJavaError as exc:
                first = str(exc).strip().splitlines()
                raise PolicygraphError.single(f"the OWL reasoner (HermiT) failed: {' '.join(first[-3:])[:400]}",
                                              EXIT_INPUT) from exc
            buf = io.BytesIO()
            inferred.save(file=buf, format="ntriples")
        finally:
            world.close()
    out = Graph().parse(data=buf.getvalue().decode("utf-8"), format="nt")
    # HermiT lists only the reaches pairs that no single sub-property assertion implies; the
    # one-step links are added back so the set is the whole entailment.
    reaches = set(out.subject_objects(PG.reaches)) | _one_step_links(graph)
    return OwlReport("HermiT", True, [], reaches)


# ---------------------------------------------------------------------------------- HermiT's process
# owlready2 writes the ontology to a temporary file it removes only on success, and runs Java with
# subprocess.check_output in the checks' worker thread, where no signal reaches it. So HermiT runs in
# a sandbox: its temporary file goes to a private folder removed whatever happens, and Java starts
# in its own process group, which `kill_children` (the CLI's SIGTERM/SIGHUP handler) kills.
_CHILDREN: set = set()
_SANDBOX = threading.Lock()


def _check_output(command, stderr=None, **kwargs):
    import subprocess
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, start_new_session=True, **kwargs)
    _CHILDREN.add(proc)
    try:
        output, _ = proc.communicate()
    finally:
        if proc.poll() is None:
            _kill(proc)
        _CHILDREN.discard(proc)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, command, output=output)
    return output


def _kill(proc) -> None:
    import signal
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def kill_children() -> None:
    """Kill every reasoner process this process started (and their process groups)."""
    for proc in list(_CHILDREN):
        _kill(proc)


class _Subprocess:
    """The subprocess module as owlready2 sees it inside the sandbox: check_output in a new session."""

    check_output = staticmethod(_check_output)

    def __getattr__(self, name):
        import subprocess
        return getattr(subprocess, name)


@contextlib.contextmanager
def _hermit_sandbox():
    import functools
    import tempfile
    import types

    import owlready2.reasoning as reasoning
    with _SANDBOX:
        private = tempfile.mkdtemp(prefix="policygraph-hermit-")
        saved = reasoning.tempfile, reasoning.subprocess
        reasoning.tempfile = types.SimpleNamespace(
            NamedTemporaryFile=functools.partial(tempfile.NamedTemporaryFile, dir=private))
        reasoning.subprocess = _Subprocess()
        try:
            yield
        finally:
            reasoning.tempfile, reasoning.subprocess = saved
            shutil.rmtree(private, ignore_errors=True)


def _one_step_links(graph: Graph) -> set[tuple[URIRef, URIRef]]:
    pairs = set()
    for prop, back in reach_links(graph):
        for s, o in graph.subject_objects(prop):
            pairs.add((o, s) if back else (s, o))
    return pairs


def _owlrl(graph: Graph) -> OwlReport:
    import owlrl

    closure = _without_literals(graph)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)
    messages = sorted(str(m) for m in closure.objects(None, _OWLRL_ERROR))
    if messages:
        found = clashes(graph)
        if not found:
            found = [Clash(URIRef(_INFERRED), m) for m in messages]
        return OwlReport("owlrl", False, found)
    reaches = {(s, o) for s, o in closure.subject_objects(PG.reaches)
               if isinstance(s, URIRef) and isinstance(o, URIRef)}
    return OwlReport("owlrl", True, [], reaches)


def _unexplained() -> list[Clash]:
    return [Clash(URIRef(_INFERRED), "ontology and data are inconsistent, and no disjointness or asymmetry "
                                     "clash explains it (check the ontology's axioms)")]


# ---------------------------------------------------------------------------------- naming clashes
#: Pairs of disjoint classes (?c1, ?c2), from owl:AllDisjointClasses lists and owl:disjointWith.
_DISJOINT_PAIRS = """
  { ?adc a owl:AllDisjointClasses ; owl:members ?l .
    ?l rdf:rest*/rdf:first ?c1 . ?l rdf:rest*/rdf:first ?c2 . FILTER(STR(?c1) < STR(?c2)) }
  UNION { ?c1 owl:disjointWith ?c2 }"""

_ASYMMETRIC = """
PREFIX owl: <http://www.w3.org/2002/07/owl#>
SELECT DISTINCT ?x ?p ?y WHERE {
  { ?p a owl:AsymmetricProperty } UNION { ?p a owl:IrreflexiveProperty }
  ?x ?p ?y . ?y ?p ?x .
  FILTER(STR(?x) <= STR(?y))
}
ORDER BY ?x ?y"""


def clashes(graph: Graph) -> list[Clash]:
    """The nodes that make ontology + data inconsistent, each with the axiom it breaks, in plain words.

    The clash queries of `check_store`, on the graph copied into an in-memory Oxigraph store (HermiT
    checks at most HERMIT_MAX_TRIPLES: the copy takes milliseconds, where rdflib's SPARQL took 0.4 s
    per check on a 1.7k-triple graph)."""
    from policygraph.store.engines import load_store
    return _clashes_on_store(load_store(graph))


#: Above this many triples `check(reasoner="auto")` names clashes with SPARQL on Oxigraph instead of
#: running HermiT (HermiT took ~30 s at 100k triples here, and cannot finish at 1M).
HERMIT_MAX_TRIPLES = 50_000


def check_store(store) -> OwlReport:
    """What data can violate at any size — disjoint classes, directly or through a domain or range,
    and asymmetric properties — found with the clash queries on an Oxigraph store (the same queries
    that name HermiT's clashes; a test gives both every OWL fixture and every domain/range case).
    No entailed pg:reaches links are returned (HermiT's comparison runs on the real corpus)."""
    start = time.perf_counter()
    found = _clashes_on_store(store)
    return OwlReport("SPARQL", not found, found, set(), time.perf_counter() - start)


def _clashes_on_store(store) -> list[Clash]:
    found: list[Clash] = []
    for x, c1, c2 in _disjoint_on_store(store):
        why = _why_typed_on_store(store, x, c1, c2)
        found.append(Clash(x, f"a node is one kind of thing, but this is both {_a(c1)} and {_a(c2)}, which are "
                              f"disjoint classes ({why})", f"{_local(c1)} and {_local(c2)}"))
    for row in store.query(_ASYMMETRIC):
        x, p_iri, y = (URIRef(row[v].value) for v in ("x", "p", "y"))
        p = _local(p_iri)
        if x == y:
            found.append(Clash(x, f"{p} is asymmetric, but this node is {p} itself", record_id(y), p_iri))
        else:
            found.append(Clash(x, f"{p} is asymmetric, but this node is {p} a node that is {p} it", record_id(y),
                               p_iri))
    return found


_SCHEMA = """
PREFIX owl:  <http://www.w3.org/2002/07/owl#>
PREFIX rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
"""
_PAIRS = _SCHEMA + "SELECT DISTINCT ?c1 ?c2 WHERE {" + _DISJOINT_PAIRS + " }"
#: (class whose instances are instances of ?c), (property whose subjects are), (… whose objects are)
_IMPLYING = (
    "SELECT DISTINCT ?t ?c WHERE { VALUES ?c { %s } ?t rdfs:subClassOf* ?c }",
    """SELECT DISTINCT ?t ?c WHERE { VALUES ?c { %s } ?k rdfs:subClassOf* ?c .
        { ?t rdfs:subPropertyOf* ?q . ?q rdfs:domain ?k } UNION { ?t owl:inverseOf ?q . ?q rdfs:range ?k }
        UNION { ?q owl:inverseOf ?t . ?q rdfs:range ?k } FILTER(isIRI(?t)) }""",
    """SELECT DISTINCT ?t ?c WHERE { VALUES ?c { %s } ?k rdfs:subClassOf* ?c .
        { ?t rdfs:subPropertyOf* ?q . ?q rdfs:range ?k } UNION { ?t owl:inverseOf ?q . ?q rdfs:domain ?k }
        UNION { ?q owl:inverseOf ?t . ?q rdfs:domain ?k } FILTER(isIRI(?t)) }""",
)


def _disjoint_on_store(store) -> list[tuple[URIRef, URIRef, URIRef]]:
    """(node, class, class) for each node that is an instance of two disjoint classes — typed so, or
    through a (sub-)property's domain or range or an inverse's — sorted by node, then classes.

    The schema is read first (the disjoint classes; which classes, and which properties' subjects
    and objects, are instances of each), so the one query over the data binds classes and
    predicates from short VALUES lists instead of walking rdfs:subClassOf* per node (1M: 20 s → 3 s)."""
    pairs = {(r["c1"], r["c2"]) for r in store.query(_PAIRS)}
    if not pairs:
        return []
    classes = " ".join(str(c) for c in {c for pair in pairs for c in pair})
    implying = [[f"({r['t']} {r['c']})" for r in store.query(_SCHEMA + q % classes)] for q in _IMPLYING]
    branches = [f"{{ ?x a ?t . VALUES (?t ?c) {{ {' '.join(implying[0])} }} }}",
                f"{{ ?x ?t ?y . VALUES (?t ?c) {{ {' '.join(implying[1])} }} }}",
                f"{{ ?y ?t ?x . VALUES (?t ?c) {{ {' '.join(implying[2])} }} }}"]
    union = " UNION ".join(b for b, rows in zip(branches, implying) if rows)
    query = (f"SELECT ?x (GROUP_CONCAT(DISTINCT STR(?c); separator=' ') AS ?cs) WHERE {{ {union} FILTER(isIRI(?x)) }} "
             f"GROUP BY ?x HAVING (COUNT(DISTINCT ?c) > 1)")
    found = []
    for row in store.query(query):
        kinds = set(row["cs"].value.split(" "))
        x = URIRef(row["x"].value)
        found += [(x, URIRef(a.value), URIRef(b.value)) for a, b in pairs if a.value in kinds and b.value in kinds]
    return sorted(found, key=lambda t: tuple(str(v) for v in t))


def _why_typed_on_store(store, node, *classes) -> str:
    """How the node got its clashing types: asserted, or through which property's domain or range."""
    import pyoxigraph as ox
    n = ox.NamedNode(str(node))
    rdf_type, domain, range_ = (ox.NamedNode(str(t)) for t in (RDF.type, RDFS.domain, RDFS.range))

    def has(s, p, o) -> bool:
        return next(iter(store.quads_for_pattern(s, p, o, ox.DefaultGraph())), None) is not None
    reasons = []
    for cls in classes:
        c = ox.NamedNode(str(cls))
        if has(n, rdf_type, c):
            reasons.append(f"typed {_local(cls)}")
            continue
        into = sorted({q.predicate.value for q in store.quads_for_pattern(None, None, n, ox.DefaultGraph())})
        out_of = sorted({q.predicate.value for q in store.quads_for_pattern(n, None, None, ox.DefaultGraph())})
        via = [f"object of {_local(p)}" for p in into if has(ox.NamedNode(p), range_, c)]
        via += [f"subject of {_local(p)}" for p in out_of if has(ox.NamedNode(p), domain, c)]
        reasons.append(f"{_local(cls)} as {', '.join(via)}" if via else f"{_local(cls)} by inference")
    return "; ".join(reasons)


def _a(term) -> str:
    name = _local(term)
    return f"{'an' if name[:1] in 'AEIOU' else 'a'} {name}"


def _local(term) -> str:
    s = str(term)
    return s.rsplit("#", 1)[-1] if "#" in s else s.rsplit("/", 1)[-1]




__all__ = [
    "FALLBACK_NOTE",
    "Clash",
    "OwlReport",
    "check",
    "clashes",
    "java_available",
    "materialise",
    "reach_links",
    "reaches_update",
]
