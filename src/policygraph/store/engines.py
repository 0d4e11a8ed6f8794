"""Two SPARQL engines, one answer: Oxigraph (pyoxigraph: the embedded store, the default) and rdflib
(in memory, for cross-checks).

Both run the same named query (anything with `text`, `path`, `prepared()`, `projected` and `bind()`,
such as `policygraph.query.sparql.NamedQuery`; this stage does not import the query stage) with the
same parameter bindings — never pasted into the query
text: rdflib gets them as initBindings, Oxigraph as substitutions (SEP-0007) — and both return
`Rows`: dicts of rdflib terms that know their columns, so results can be compared row for row (tests/test_engines.py).

Example:
    >>> engine = engine_for("oxigraph", graph)
    >>> rows = engine.run(library.get("kpi-status"))
    >>> rows.columns[:2], len(rows) == len(engine_for("rdflib", graph).run(library.get("kpi-status")))
    (['kpi', 'label'], True)
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef, Variable

from policygraph.errors import EXIT_INPUT, PolicygraphError
from policygraph.graph.namespaces import PREFIXES
from policygraph.store import ordering, safety

ENGINES = ("rdflib", "oxigraph")


class Rows(list):
    """Result rows (dicts of rdflib terms, None where unbound) that also carry their `columns`, in the
    query's SELECT order, so an empty result still has a header.

    >>> rows = Rows([{"a": 1}], ["a"])
    >>> rows == [{"a": 1}], rows.columns
    (True, ['a'])
    """

    def __init__(self, rows: Iterable[dict] = (), columns: Iterable[str] = ()):
        super().__init__(rows)
        self.columns = list(columns)


class Query(Protocol):
    """What an engine needs of a named query."""

    text: str
    path: Path

    def prepared(self) -> object: ...

    @property
    def projected(self) -> list[str]: ...

    def bind(self, params: dict) -> dict[str, URIRef | Literal]: ...


@dataclass(frozen=True)
class TextQuery:
    """A fixed query of the library's own (no parameters), in the shape engines expect of a named query.

    >>> TextQuery("n", "SELECT ?s WHERE { ?s ?p ?o }").path.name
    '<n>'
    """

    name: str
    text: str

    @property
    def path(self) -> Path:
        return Path(f"<{self.name}>")

    def prepared(self):
        return _prepare(self.text, self.path)

    @property
    def projected(self) -> list[str]:
        return _projected(self.text, self.path)

    def bind(self, params: dict) -> dict:
        if params:
            raise PolicygraphError.single(f"query {self.name} takes no parameters", EXIT_INPUT)
        return {}


class Engine(Protocol):
    """What every command reads the graph through (see `policygraph.pipeline.open_graph`)."""

    name: str
    #: Where the graph came from, for the one-line note commands print.
    where: str

    def run(self, query: Query, values: dict[str, Iterable] | None = None, **params) -> Rows:
        """Rows of `query`, with `params` bound and each `values` list opening its WHERE block."""

    def rdflib_graph(self) -> Graph:
        """The whole graph in rdflib: for `--engine rdflib` and the checks that need one (HermiT); no
        reading path asks for it (views and pages read `views.records`; tests/views/test_read_path.py)."""


class RdflibEngine:
    """Queries over an in-memory rdflib graph: the cross-check engine (`--engine rdflib`)."""

    name = "rdflib"
    note: str | None = None

    def __init__(self, graph: Graph, where: str = "rdflib graph"):
        self.graph = graph
        self.where = where

    def run(self, query: Query, values: dict[str, Iterable] | None = None, **params) -> Rows:
        if values:
            # rdflib binds one value per variable: run once per value (no query text is written, so
            # even an IRI that is not valid RDF, which rdflib keeps in memory, stays a bound value).
            # A VALUES variable is the engine's batch, not a declared parameter: bound beside them.
            [(var, terms)] = values.items()
            out = Rows()
            for term in terms:
                rows = self._run(query, params, {var: term})
                out.extend(rows)
                out.columns = rows.columns
            return out
        return self._run(query, params, {})

    def _run(self, query: Query, params: dict, batch: dict) -> Rows:
        refuse_remote(query.text, query.path)
        _no_graph_loading()
        prepared = query.prepared()
        if getattr(prepared, "algebra", None) is not None and prepared.algebra.name != "SelectQuery":
            raise PolicygraphError.single(_NOT_SELECT, EXIT_INPUT, file=query.path)
        bound = {Variable(k): v for k, v in {**query.bind(params), **batch}.items()}
        try:
            with safety.rdflib_guard():  # a second barrier: no SERVICE evaluation, no socket but Unix ones
                result = self.graph.query(prepared, initBindings=bound, initNs=PREFIXES)
                names = [str(v) for v in result.vars or []]
                return Rows(({n: row[i] for i, n in enumerate(names)} for row in result), names)
        except PolicygraphError:
            raise
        except Exception as exc:  # rdflib raises many types while evaluating (unknown functions, bad casts…)
            raise PolicygraphError.single(f"the query failed on rdflib: {type(exc).__name__}: {exc}", EXIT_INPUT,
                                          file=query.path) from exc

    def rdflib_graph(self) -> Graph:
        return self.graph


@functools.lru_cache(maxsize=512)  # the same named query's text, run again and again
def _blank(text: str) -> str:
    """The query with strings, IRIs and comments blanked out (same length, lines kept), read by the
    SPARQL tokenizer of `policygraph.store.safety`."""
    return safety.blank(text)


def refuse_remote(text: str, path: Path | None = None) -> None:
    """Refuse a query that would reach the network: SERVICE sends it (and, on rdflib, the rows
    matched so far) to another endpoint; FROM / FROM NAMED make rdflib fetch the IRI. Decided on the
    query as the SPARQL grammar reads it and on rdflib's parse of it (`policygraph.store.safety.check`);
    both engines call this before they run anything, so no connection is ever made (exit 2, located).

    >>> refuse_remote('SELECT ?service WHERE { ?s <urn:from> "SERVICE" } # FROM')
    >>> try:
    ...     refuse_remote("SELECT * WHERE {\\n  SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    ... except PolicygraphError as exc:
    ...     print(exc.problems[0].line, exc.problems[0].message[:45])
    2 SERVICE (a query sent to another endpoint) is
    """
    safety.check(text, path)


_NOT_SELECT = ("only SELECT queries are run: they return rows (table, CSV, TSV, JSON); for the graph itself "
               "use `policygraph export`")


def _no_graph_loading() -> None:
    import rdflib.plugins.sparql as rdflib_sparql
    rdflib_sparql.SPARQL_LOAD_GRAPHS = False  # never fetch a FROM graph, should one get past refuse_remote


def _prepare(text: str, path: Path):
    from rdflib.plugins.sparql import prepareQuery
    _no_graph_loading()
    refuse_remote(text, path)
    try:
        return prepareQuery(text)
    except Exception as exc:  # pyparsing errors
        raise PolicygraphError.single(f"SPARQL syntax error: {exc}", EXIT_INPUT, file=path) from exc


def to_oxigraph(term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@functools.lru_cache(maxsize=32768)
def from_oxigraph(term):
    """An Oxigraph term as an rdflib term. Cached: building an rdflib Literal costs ~10 µs (it parses
    the value), and the same labels, classes and dates come back call after call (a lookup of 100
    labels spent half its 4 ms here); rdflib terms are immutable, so one object serves every row."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    datatype = term.datatype.value
    return Literal(term.value, datatype=None if datatype == _XSD_STRING else datatype)  # rdflib: plain = untyped


def load_store(graph: Graph) -> ox.Store:
    """An in-memory Oxigraph store holding the triples of an rdflib graph (via N-Triples)."""
    store = ox.Store()
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    return store


def copy_store(store: ox.Store) -> ox.Store:
    """An in-memory, writable copy of a store (the copy-based `--as-of`, kept as the tests' reference)."""
    out = ox.Store()
    out.bulk_extend(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    return out


class OxigraphEngine:
    """Queries over an Oxigraph store: the embedded store on disk (read-only) or one in memory."""

    name = "oxigraph"
    note: str | None = None
    #: The generation folder of an embedded store that does not change (its reports are kept there:
    #: `policygraph.query.reports`); None for a store in memory or one being written.
    folder: Path | None = None

    def __init__(self, graph: Graph | None = None, store: ox.Store | None = None, where: str = "oxigraph store",
                 folder: Path | None = None, sort_in_python: bool = False):
        self.store = store if store is not None else load_store(graph)
        self.where = where
        self.folder = folder
        self._graph = graph
        #: A query's final ORDER BY done in Python where that order is certain (`store.ordering`): for a store
        #: on disk, where Oxigraph reads both strings of each comparison from RocksDB (in memory it gains
        #: nothing: measured at 1M, some queries faster, some slower).
        self.sort_in_python = sort_in_python
        #: Query texts whose rows held values ordering.py does not order: Oxigraph sorts them from then on.
        self._sorted_by_oxigraph: set[str] = set()

    def run(self, query: Query, values: dict[str, Iterable] | None = None, **params) -> Rows:
        # The query's own text is checked (once: cached); what the engine adds to it — VALUES lists and
        # inlined parameters — is written by term_sparql and holds no keyword.
        refuse_remote(query.text, query.path)
        terms = query.bind(params)
        # The final ORDER BY sorted in Python where its order is certain (`store.ordering`: on the store on
        # disk Oxigraph reads both strings of every comparison from its dictionary); else by Oxigraph.
        order = None
        if self.sort_in_python and query.text not in self._sorted_by_oxigraph:
            order = ordering.plan(query.text)
        if order is not None:
            lexical: dict | None = {} if order.reads_text else None  # read off the terms only when needed
            rows = self._solutions(*self._prepared(order.text, query.path, terms, values), lexical=lexical)
            ordered = order.apply(rows, rows.columns, lexical)
            if ordered is not None:
                return Rows(ordered, rows.columns)
            # Its rows hold values ordering.py does not order (numbers and strings in one column): this
            # query is sorted by Oxigraph from now on, not run twice each time.
            if len(self._sorted_by_oxigraph) > 1000:
                self._sorted_by_oxigraph.clear()
            self._sorted_by_oxigraph.add(query.text)
        return self._solutions(*self._prepared(query.text, query.path, terms, values))

    @staticmethod
    def _prepared(text: str, path: Path | None, terms: dict, values: dict | None) -> tuple:
        """(text, path, substitutions, parameters projected only to be substituted) of a checked query with
        its VALUES lists and parameters."""
        text = with_values(text, values) if values else text
        # Parameters written in as constants where safe (Oxigraph plans a substituted one as unbound);
        # the rest substituted (SEP-0007), which needs them projected.
        text, inlined = inline_parameters(text, terms) if terms else (text, set())
        rest = {k: v for k, v in terms.items() if k not in inlined}
        text, added = project_parameters(text, list(rest), _projected(text, path) if rest else [])
        return text, path, {ox.Variable(k): to_oxigraph(v) for k, v in rest.items()}, added

    def _solutions(self, text: str, path: Path | None, bound: dict, added: set[str], lexical: dict | None = None) -> Rows:
        # Its own frame, made after the query check: the check's parser leaves exceptions in reference
        # cycles that keep the frames then on the stack (run's) alive until a collection, and pyoxigraph's
        # QuerySolutions must be dropped by the thread that made it — a collection running in another
        # thread (build writes its exports in one) would print "unsendable … dropped on another thread".
        solutions = self._query(text, path, substitutions=bound)
        if not isinstance(solutions, ox.QuerySolutions):
            raise PolicygraphError.single(_NOT_SELECT, EXIT_INPUT, file=path)
        names = [v.value for v in solutions.variables if v.value not in added]
        # Each distinct term converted once per result (rows repeat IRIs, datatypes and dates: at a million
        # triples the attainment queries' 256k cells hold 29k distinct terms; 3.9 s -> 2.6 s).
        converted: dict = {}

        def term(value):
            try:
                return converted[value]
            except KeyError:
                converted[value] = out = from_oxigraph(value)
                return out
            except TypeError:  # a term that cannot be hashed: converted each time
                return from_oxigraph(value)
        rows = Rows(({n: term(sol[n]) for n in names} for sol in solutions), names)
        if lexical is not None:
            lexical.update(ordering.lexical_forms(converted))
        return rows

    def _query(self, text: str, path: Path | None, **kwargs):
        """Run a text made from a checked query (see `run`) on the store."""
        try:
            return self.store.query(text, prefixes=_OX_PREFIXES, **kwargs)
        except SyntaxError as exc:
            raise PolicygraphError.single(f"SPARQL syntax error: {exc}", EXIT_INPUT, file=path,
                                          line=_error_line(exc)) from exc
        except OSError as exc:
            raise PolicygraphError.single(f"the store failed: {exc}", EXIT_INPUT, file=path) from exc

    def rdflib_graph(self) -> Graph:
        """The store's triples as an rdflib graph (for `--engine rdflib` and HermiT-size checks; the views
        and exports read the store with bounded queries instead)."""
        if self._graph is None:
            data = self.store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
            self._graph = Graph().parse(data=data, format="nt")
            for prefix, ns in PREFIXES.items():  # the prefixes SPARQL targets and serialisers may use
                self._graph.bind(prefix, ns)
        return self._graph


_OX_PREFIXES = {k: str(v) for k, v in PREFIXES.items()}
_EMPTY = ox.Store()
_PROJECTED: dict[str, list[str]] = {}
_ERROR_AT = re.compile(r"error at (\d+):(\d+)")


def _error_line(exc: SyntaxError) -> int | None:
    m = _ERROR_AT.search(str(exc))
    return int(m.group(1)) if m else None


def _projected(text: str, path: Path | None) -> list[str]:
    """The variables a SELECT query returns, read by Oxigraph itself (run on an empty store)."""
    if text not in _PROJECTED:  # a text made from a checked query (see OxigraphEngine.run)
        _PROJECTED[text] = _columns(text, path) or []
    return _PROJECTED[text]


def select_columns(text: str, path: Path | None = None) -> list[str] | None:
    """The columns of a SELECT query, read by Oxigraph's parser (located syntax errors, exit 2); None
    for another query form. For engines that send the text elsewhere (`policygraph.store.remote`).

    >>> select_columns("SELECT ?b ?a WHERE { ?a ?p ?b }"), select_columns("ASK { ?s ?p ?o }")
    (['b', 'a'], None)
    """
    refuse_remote(text, path)
    return _columns(text, path)


def _columns(text: str, path: Path | None) -> list[str] | None:
    try:
        result = _EMPTY.query(text, prefixes=_OX_PREFIXES)
    except SyntaxError as exc:
        raise PolicygraphError.single(f"SPARQL syntax error: {exc}", EXIT_INPUT, file=path,
                                      line=_error_line(exc)) from exc
    return [v.value for v in result.variables] if isinstance(result, ox.QuerySolutions) else None


def with_prefixes(text: str) -> str:
    """The query with a PREFIX line for each of the project's prefixes it uses without declaring
    (the embedded engines are given them; a remote store is sent the text alone).

    >>> with_prefixes("SELECT ?k WHERE { ?k a pg:KPI }").splitlines()[0]
    'PREFIX pg: <https://w3id.org/policygraph/ontology#>'
    """
    blanked = _blank(text)
    declared = {m.group(1) for m in re.finditer(r"\bPREFIX\s+([\w.-]*):", blanked, re.IGNORECASE)}
    used = {m.group(1) for m in re.finditer(r"(?<![\w?$:<])([A-Za-z][\w.-]*|):[\w]", blanked)}
    lines = [f"PREFIX {p}: <{ns}>\n" for p, ns in _OX_PREFIXES.items() if p in used - declared]
    return "".join(lines) + text


_IRI_SAFE = re.compile(r'^[^\x00-\x20<>"{}|^`\\]+$')
_OUTER_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def term_sparql(term) -> str:
    """An RDF term written as SPARQL: an IRI checked to hold no character that could end it, a literal
    escaped by rdflib. Used only for VALUES lists of terms that came out of the store.

    >>> term_sparql(URIRef("https://w3id.org/policygraph/id/ri-15"))
    '<https://w3id.org/policygraph/id/ri-15>'
    >>> term_sparql(URIRef("http://x/> } DROP ALL {"))
    Traceback (most recent call last):
    ...
    policygraph.errors.PolicygraphError: not a safe IRI for a VALUES list (value: 'http://x/> } DROP ALL {')
    """
    if isinstance(term, URIRef):
        if not _IRI_SAFE.match(str(term)):
            raise PolicygraphError.single("not a safe IRI for a VALUES list", EXIT_INPUT, value=str(term))
        return f"<{term}>"
    if isinstance(term, Literal):
        return term.n3()
    raise PolicygraphError.single("only IRIs and literals go into a VALUES list", EXIT_INPUT, value=str(term))


def with_values(text: str, values: dict[str, Iterable]) -> str:
    """The query with `VALUES ?var { … }` opening its outer WHERE block, one per variable: a batch of
    nodes in one query instead of one query per node. Variable names are checked; terms are
    written by `term_sparql`.

    >>> with_values("SELECT ?k ?v WHERE { ?k <urn:p> ?v }", {"k": [URIRef("urn:a"), URIRef("urn:b")]})
    'SELECT ?k ?v WHERE { VALUES ?k { <urn:a> <urn:b> } ?k <urn:p> ?v }'
    """
    clauses = []
    for var, terms in values.items():
        if not _VARNAME.match(var):
            raise PolicygraphError.single(f"{var!r} is not a SPARQL variable name", EXIT_INPUT)
        clauses.append(f"VALUES ?{var} {{ {' '.join(term_sparql(t) for t in terms)} }}")
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.lstrip().startswith("#"):
            continue
        m = _OUTER_WHERE.search(line)
        if m:
            lines[i] = line[:m.end()] + " " + " ".join(clauses) + line[m.end():]
            return "".join(lines)
    raise PolicygraphError.single("the query has no WHERE block to add a VALUES list to", EXIT_INPUT)


_VARNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_OUTER_SELECT = re.compile(r"\bSELECT\s+(?:(?:DISTINCT|REDUCED)\s+)?", re.IGNORECASE)


def project_parameters(text: str, names: list[str], projected: list[str] | None = None) -> tuple[str, set[str]]:
    """Oxigraph substitutes only variables of the SELECT clause (SEP-0007); rdflib binds any.

    So a parameter the query does not project is added to the outer SELECT — its variable *name*
    (checked to be a plain name), never its value — and dropped from the rows again. `projected` is
    what the SPARQL parser reads as the query's SELECT variables (`NamedQuery.projected`); without
    it the text is parsed here.

    >>> project_parameters("SELECT ?a WHERE { ?a ?p ?node }", ["node"])
    ('SELECT ?node ?a WHERE { ?a ?p ?node }', {'node'})
    """
    if projected is None:
        from rdflib.plugins.sparql import prepareQuery
        projected = [str(v) for v in (prepareQuery(text).algebra.get("PV") or [])]
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        code = line.split("#", 1)[0] if line.lstrip().startswith("#") else line
        m = _OUTER_SELECT.search(code)
        if not m:
            continue
        head = code[m.end():].lstrip()
        if head.startswith("*"):
            return text, set()
        missing = [n for n in names if n not in projected]
        for n in missing:
            if not _VARNAME.match(n):
                raise PolicygraphError.single(f"parameter name {n!r} is not a SPARQL variable name", EXIT_INPUT)
        if not missing:
            return text, set()
        lines[i] = line[:m.end()] + "".join(f"?{n} " for n in missing) + line[m.end():]
        return "".join(lines), set(missing)
    return text, set()


def inline_parameters(text: str, bound: dict) -> tuple[str, set[str]]:
    """Parameters written into the query as constants where that is safe, for Oxigraph's planner.

    Oxigraph 0.5 plans a query as if a substituted variable were unbound, so `trace` for one root
    cost 1.1 s at a million triples with the root substituted and 0.5 ms with it written as an IRI.
    A parameter is inlined when the query has one SELECT (no subquery), does not project `*`, and
    the variable is not assigned (`AS ?v`), listed in VALUES, grouped (GROUP BY), or tested with
    BOUND: the SELECT clause then projects `(<term> AS ?v)` and every other use reads the constant.
    Strings, IRIs and comments are left alone. Returns the text and the names inlined.

    >>> inline_parameters("SELECT ?a ?node WHERE { ?a ?p ?node } ORDER BY ?node", {"node": URIRef("urn:x")})
    ('SELECT ?a (<urn:x> AS ?node) WHERE { ?a ?p <urn:x> } ORDER BY ?node', {'node'})
    >>> inline_parameters("SELECT ?a WHERE { BIND(1 AS ?node) ?a ?p ?node }", {"node": URIRef("urn:x")})[1]
    set()
    """
    edits: list[tuple[int, int, str]] = []
    inlined = set()
    for name, places in _inline_places(text, tuple(sorted(bound))).items():
        try:
            constant = term_sparql(bound[name])
        except PolicygraphError:  # not writable safely: substituted instead
            continue
        edits += [(start, end, f"({constant} AS ?{name})" if in_select else constant)
                  for start, end, in_select in places]
        inlined.add(name)
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text, inlined


@functools.lru_cache(maxsize=512)  # decided once per query text and parameter names, not per call
def _inline_places(text: str, names: tuple[str, ...]) -> dict[str, list[tuple[int, int, bool]]]:
    """Where each parameter that can be inlined (see `inline_parameters`) is used: (start, end, in the
    SELECT clause) of each occurrence."""
    blanked = _blank(text)
    selects = list(re.finditer(r"\bSELECT\b", blanked, re.IGNORECASE))
    if len(selects) != 1:
        return {}
    brace = blanked.find("{", selects[0].end())
    last = blanked.rfind("}")
    if brace < 0 or last < brace:
        return {}
    head = blanked[selects[0].end():brace]
    tail = blanked[last + 1:]
    if "*" in head:
        return {}
    out: dict[str, list[tuple[int, int, bool]]] = {}
    for name in names:
        if not _VARNAME.match(name):
            continue
        var = rf"[?$]{name}(?![A-Za-z0-9_])"
        if (re.search(rf"\bAS\s+{var}", blanked, re.IGNORECASE) or re.search(rf"\bBOUND\s*\(\s*{var}", blanked, re.IGNORECASE)
                or re.search(rf"\bVALUES\b[^{{]*{var}", blanked, re.IGNORECASE)
                or re.search(rf"\bGROUP\s+BY\b.*{var}", tail, re.IGNORECASE | re.DOTALL)):
            continue
        places = []
        for m in re.finditer(var, blanked):
            if selects[0].end() <= m.start() < brace:
                places.append((m.start(), m.end(), True))
            elif brace <= m.start() <= last:
                places.append((m.start(), m.end(), False))
        out[name] = places
    return out


@functools.lru_cache(maxsize=512)
def in_expressions_only(text: str, name: str) -> bool:
    """Whether every use of `?name` in the query's WHERE block is inside parentheses (a FILTER, a BIND's
    expression, a function's argument), never a term of a triple pattern: a literal can then be written
    in as a constant on every store (Virtuoso refuses one as the subject of a property path), as it must
    be where the use sits in a group a VALUES row opening the query does not reach (a FILTER inside a
    UNION branch sees only its own group's variables).

    >>> in_expressions_only('SELECT ?s WHERE { { ?s ?p ?o FILTER(CONTAINS(STR(?o), ?text)) } }', "text")
    True
    >>> in_expressions_only('SELECT ?s WHERE { ?s ?p ?text }', "text")
    False
    """
    if not _VARNAME.match(name):
        return False
    blanked = _blank(text)
    depth, depths = 0, []
    for ch in blanked:
        depth += (ch == "(") - (ch == ")")
        depths.append(depth)
    brace = blanked.find("{")
    uses = [m.start() for m in re.finditer(rf"[?$]{name}(?![A-Za-z0-9_])", blanked) if m.start() > brace >= 0]
    return bool(uses) and all(depths[i] > 0 for i in uses)


def engine_for(name: str, graph: Graph) -> Engine:
    """An engine of that name over an rdflib graph (Oxigraph gets an in-memory copy)."""
    if name == "rdflib":
        return RdflibEngine(graph)
    if name == "oxigraph":
        return OxigraphEngine(graph)
    raise PolicygraphError.single(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}", EXIT_INPUT,
                                  field="--engine")
