"""The SPARQL 1.1 Protocol, read-only: which query a request carries, what it is refused for, and its
results in the negotiated format, within a row limit.

The web layer (`policygraph.serve.app`) reads the request; `execute` runs in a query worker
(`policygraph.serve.workers`) on the store and returns a finished `Answer` — status, media type and
bytes — so a worker never sends a half-made response, and a query past the time limit is stopped by
ending its worker.

Example:
    >>> answer = execute(engine, "SELECT ?s WHERE { ?s a pg:KPI } LIMIT 1", "text/csv", max_rows=10)
    >>> answer.status, answer.media_type, answer.body.splitlines()[0]
    (200, 'text/csv; charset=utf-8', b's')
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pyoxigraph as ox

from policygraph.controls import spreadsheet_safe
from policygraph.errors import PolicygraphError
from policygraph.store import safety
from policygraph.store.engines import _OX_PREFIXES, _blank

# The query check parses with rdflib (a second to import): done once here, in the workers' forkserver (which
# preloads this module), so every worker it forks starts with the parser warm.
safety.check("ASK { ?s ?p ?o }")

#: Result formats of SELECT and ASK: name → (media type sent, media types accepted).
RESULT_FORMATS = {
    "json": ("application/sparql-results+json", ("application/sparql-results+json", "application/json")),
    "xml": ("application/sparql-results+xml", ("application/sparql-results+xml", "application/xml", "text/xml")),
    "csv": ("text/csv; charset=utf-8", ("text/csv",)),
    "tsv": ("text/tab-separated-values; charset=utf-8", ("text/tab-separated-values",)),
}
#: Graph formats of CONSTRUCT and DESCRIBE.
GRAPH_FORMATS = {
    "turtle": ("text/turtle; charset=utf-8", ("text/turtle", "application/x-turtle"), ox.RdfFormat.TURTLE),
    "ntriples": ("application/n-triples", ("application/n-triples", "text/plain"), ox.RdfFormat.N_TRIPLES),
    "jsonld": ("application/ld+json", ("application/ld+json",), ox.RdfFormat.JSON_LD),
    "rdfxml": ("application/rdf+xml", ("application/rdf+xml",), ox.RdfFormat.RDF_XML),
}
#: `format=` / `output=` values some clients add to the URL (SPARQLWrapper does), as Fuseki reads them.
FORMAT_ALIASES = {"json": "json", "srj": "json", "xml": "xml", "srx": "xml", "csv": "csv", "tsv": "tsv",
                  "turtle": "turtle", "ttl": "turtle", "n-triples": "ntriples", "nt": "ntriples",
                  "ntriples": "ntriples", "json-ld": "jsonld", "jsonld": "jsonld", "rdf+xml": "rdfxml",
                  "rdfxml": "rdfxml"}

#: SPARQL Update operations: refused whatever way they arrive (this endpoint is read-only).
# The prologue is skipped one declaration at a time (no nested quantifier: a regex with one
# backtracked for seconds on a few PREFIX lines). IRIs are blanked before, so a declaration is a keyword,
# a prefix name and spaces.
_PROLOGUE = re.compile(r"\s*(?:PREFIX\s+[\w.-]*:|BASE\b)", re.IGNORECASE)
_UPDATE = re.compile(r"\s*(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|WITH)\b", re.IGNORECASE)
_ERROR_AT = re.compile(r"error at (\d+):(\d+): ?(.*)", re.DOTALL)


@dataclass(frozen=True)
class Answer:
    """A finished HTTP answer: status, media type, body."""

    status: int
    media_type: str
    body: bytes

    @classmethod
    def error(cls, status: int, message: str) -> Answer:
        return cls(status, "text/plain; charset=utf-8", (message.rstrip() + "\n").encode())


def refusal(text: str) -> Answer | None:
    """Why a query text is refused before it runs (403 for an update or a query that would reach the
    network, 400 for one nested too deep or that the parsers do not read alike), or None. FROM and FROM
    NAMED pass: they name graphs of the store (`execute` resolves them).

    >>> refusal("PREFIX x: <urn:x>\\nLOAD <http://example.org/data.ttl>").status
    403
    >>> refusal('SELECT * WHERE { ?s ?p "LOAD" }') is None
    True
    """
    blanked, pos = _blank(text), 0
    while (m := _PROLOGUE.match(blanked, pos)) is not None:
        pos = m.end()
    m = _UPDATE.match(blanked, pos)
    if m:
        return Answer.error(403, f"SPARQL Update ({m.group(1).upper()}) is refused: this endpoint is read-only")
    try:
        _checked(text)
    except safety.Refused as exc:
        return Answer.error(403, str(exc.problems[0]))
    except PolicygraphError as exc:
        return Answer.error(400, _located(exc))
    return None


def _checked(text: str) -> safety.Checked:
    return safety.check(text, allow_from=True)


def _located(exc: PolicygraphError) -> str:
    problem = exc.problems[0]
    m = _ERROR_AT.search(problem.message)
    if m:
        return f"SPARQL syntax error at line {m.group(1)}, column {m.group(2)}: {m.group(3)}"
    return f"line {problem.line}: {problem.message}" if problem.line else problem.message


def syntax_error(exc: SyntaxError) -> Answer:
    """400 with the parser's message, line and column.

    >>> syntax_error(SyntaxError("error at 2:9: expected one of LATERAL")).body
    b'SPARQL syntax error at line 2, column 9: expected one of LATERAL\\n'
    """
    m = _ERROR_AT.match(str(exc))
    if m:
        return Answer.error(400, f"SPARQL syntax error at line {m.group(1)}, column {m.group(2)}: {m.group(3)}")
    return Answer.error(400, f"SPARQL syntax error: {exc}")


def accepted(accept: str) -> list[str]:
    """Media types of an Accept header, best first (q=0 dropped; ties keep their order).

    >>> accepted("text/csv;q=0.5, application/sparql-results+json, */*;q=0.1")
    ['application/sparql-results+json', 'text/csv', '*/*']
    """
    ranked = []
    for i, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        q = 1.0
        for p in params:
            key, _, value = p.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media and q > 0:
            ranked.append((-q, i, media.lower()))
    return [m for _, _, m in sorted(ranked)]


def choose(formats: dict, accept: str, forced: str | None, default: str) -> str:
    """The format name to answer in: a `format=` choice when it fits this kind of result, else the
    best match of Accept, else `default` (a client asking only for HTML or `*/*` still gets data)."""
    if forced in formats:
        return forced
    for media in accepted(accept):
        for name, (_, types, *_rest) in formats.items():
            if media in types:
                return name
    return default


def execute(engine, text: str, accept: str = "", forced: str | None = None, max_rows: int = 10_000,
            default_graphs: tuple[str, ...] = (), named_graphs: tuple[str, ...] = (),
            base_iri: str | None = None) -> Answer:
    """Run one query on the engine's store and serialise its result (runs inside a query worker).

    The dataset is the store's default graph, unless the request names one: `default_graphs` /
    `named_graphs` (the protocol's default-graph-uri / named-graph-uri, which win over the query's own)
    or the query's FROM / FROM NAMED. Every graph named must be one the store holds (400 otherwise);
    nothing is ever fetched. Relative IRIs resolve against `base_iri` (the endpoint's URL)."""
    refused = refusal(text)
    if refused:
        return refused
    checked = _checked(text)
    if not (default_graphs or named_graphs) and checked.dataset:
        default_graphs = tuple(iri for kind, iri in checked.dataset if kind == "default")
        named_graphs = tuple(iri for kind, iri in checked.dataset if kind == "named")
    kwargs: dict = {}
    if default_graphs or named_graphs:
        missing = [iri for iri in dict.fromkeys((*default_graphs, *named_graphs))
                   if not _holds(engine.store, iri)]
        if missing:
            return Answer.error(400, "the store holds no graph " + ", ".join(f"<{iri}>" for iri in missing)
                                + " (a dataset names graphs of the store; nothing is loaded from an IRI)")
        kwargs["default_graph"] = [ox.NamedNode(iri) for iri in default_graphs]  # only named ones: empty
        kwargs["named_graphs"] = [ox.NamedNode(iri) for iri in named_graphs]
    try:
        result = engine.store.query(text, prefixes=_OX_PREFIXES, base_iri=base_iri, **kwargs)
        if isinstance(result, ox.QueryBoolean):
            name = choose(RESULT_FORMATS, accept, forced, "json")
            return _boolean(bool(result), name)
        if isinstance(result, ox.QuerySolutions):
            name = choose(RESULT_FORMATS, accept, forced, "json")
            columns = [v.value for v in result.variables]
            rows = _bounded(result, max_rows)
            if rows is None:
                return _too_many(max_rows, "rows")
            return _solutions(columns, rows, name)
        name = choose(GRAPH_FORMATS, accept, forced, "turtle")
        triples = _bounded(result, max_rows)
        if triples is None:
            return _too_many(max_rows, "triples")
        media, _, fmt = GRAPH_FORMATS[name]
        return Answer(200, media, ox.serialize(triples, format=fmt, prefixes=_OX_PREFIXES)
                      if fmt is not ox.RdfFormat.N_TRIPLES else ox.serialize(triples, format=fmt))
    except SyntaxError as exc:
        return syntax_error(exc)
    except (OSError, ValueError, TypeError) as exc:  # evaluation errors Oxigraph reports (e.g. a bad regex)
        return Answer.error(400, f"the query failed: {exc}")


def _holds(store, iri: str) -> bool:
    try:
        return store.contains_named_graph(ox.NamedNode(iri))
    except ValueError:  # not an IRI
        return False


def _bounded(results, limit: int) -> list | None:
    out = []
    for item in results:
        if len(out) == limit:
            return None
        out.append(item)
    return out


def _too_many(limit: int, what: str) -> Answer:
    return Answer.error(413, f"the result has more than {limit:,} {what} (the server's --max-rows); add LIMIT to "
                             f"the query, or page through it with LIMIT and OFFSET")


def _term_json(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": str(term)}  # RDF 1.2 triple terms: not in the corpus


def _solutions(columns: list[str], rows: list, name: str) -> Answer:
    """SELECT rows in the chosen format: JSON written here; XML, CSV and TSV by Oxigraph's own
    serialisers, read back from that JSON (so every format holds the same, bounded rows)."""
    data = json.dumps({"head": {"vars": columns},
                       "results": {"bindings": [{c: _term_json(row[c]) for c in columns if row[c] is not None}
                                                for row in rows]}}, ensure_ascii=False).encode()
    media = RESULT_FORMATS[name][0]
    if name == "json":
        return Answer(200, media, data)
    if name == "csv":
        return Answer(200, media, _csv(columns, rows))
    try:
        parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
        body = parsed.serialize(format=_RESULTS_FORMAT[name])
    except MemoryError:  # Oxigraph's results reader holds one value in a 16 MB buffer at most
        return Answer.error(413, f"a value of the result is longer than Oxigraph's {name.upper()} writer takes "
                                 "(16 MB): ask for JSON (Accept: application/sparql-results+json) or CSV, or "
                                 "shorten it (SUBSTR)")
    return Answer(200, media, _guard_tsv(body) if name == "tsv" else body)


def _csv(columns: list[str], rows: list) -> bytes:
    """SPARQL 1.1 CSV results (IRIs and literals as their text, blank nodes as _:label, CRLF), each cell a
    spreadsheet would run as a formula guarded with a leading apostrophe, as every CSV the tool writes
    (`controls.spreadsheet_safe`); a number is a number, never guarded.

    >>> _csv(["v"], [{"v": ox.Literal("=HYPERLINK(1)")}, {"v": ox.Literal("-5", datatype=ox.NamedNode(_XSD + "integer"))}])
    b"v\\r\\n'=HYPERLINK(1)\\r\\n-5\\r\\n"
    """
    import csv
    import io
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(row[c]) for c in columns])
    return buf.getvalue().encode()


_XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMBERS = {_XSD + t for t in ("integer", "decimal", "double", "float", "long", "int", "short", "byte",
                                "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
                                "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte")}
_NUMERIC = re.compile(r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$")


def _csv_cell(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    value = term.value
    if isinstance(term, ox.Literal) and _NUMERIC.match(value) and term.datatype.value in _NUMBERS:
        return value
    return spreadsheet_safe(value)


def _guard_tsv(body: bytes) -> bytes:
    """Oxigraph's SPARQL TSV writes strings quoted and IRIs in <>; a bare cell (a number, a boolean) that
    a spreadsheet would run as a formula is guarded as in CSV."""
    lines = body.decode().split("\n")
    for i, line in enumerate(lines[1:], 1):
        cells = line.split("\t")
        lines[i] = "\t".join(c if not c.startswith(("=", "+", "-", "@")) or _NUMERIC.match(c) else "'" + c
                             for c in cells)
    return "\n".join(lines).encode()


def _boolean(value: bool, name: str) -> Answer:
    if name in ("csv", "tsv"):  # no standard form: the one-cell table Jena and Oxigraph write
        return Answer(200, RESULT_FORMATS[name][0], f"boolean\n{str(value).lower()}\n".encode())
    data = json.dumps({"head": {}, "boolean": value}).encode()
    if name == "json":
        return Answer(200, RESULT_FORMATS[name][0], data)
    parsed = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    return Answer(200, RESULT_FORMATS[name][0], parsed.serialize(format=ox.QueryResultsFormat.XML))


_RESULTS_FORMAT = {"xml": ox.QueryResultsFormat.XML, "csv": ox.QueryResultsFormat.CSV,
                   "tsv": ox.QueryResultsFormat.TSV}


_SD = "http://www.w3.org/ns/sparql-service-description#"
_FORMATS = "http://www.w3.org/ns/formats/"
#: The result formats this endpoint writes, as the W3C's format IRIs.
_FORMAT_IRIS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                "Turtle", "N-Triples", "JSON-LD", "RDF_XML")
#: Limits of the server, beside the Service Description terms (no standard term says them).
LIMITS = "https://w3id.org/policygraph/ontology/service#"


def service_description(engine, endpoint: str, accept: str = "", forced: str | None = None,
                        time_limit: float = 10.0, max_rows: int = 10_000) -> Answer:
    """The SPARQL 1.1 Service Description of the endpoint (`GET /sparql` without a query), in the graph
    format the client accepts (Turtle by default): the endpoint, SPARQL 1.1 Query, the result formats,
    the read-only feature set in words, the time and row limits, and the graphs the store holds.

    >>> import pyoxigraph as ox
    >>> class E: store = ox.Store()
    >>> b"sd:SPARQL11Query" in service_description(E, "http://127.0.0.1:8000/sparql").body
    True
    """
    from policygraph import __version__
    node = ox.NamedNode(endpoint)
    sd = lambda name: ox.NamedNode(_SD + name)  # noqa: E731
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    xsd = "http://www.w3.org/2001/XMLSchema#"
    dataset, default = ox.BlankNode(), ox.BlankNode()
    triples = [
        ox.Triple(node, rdf_type, sd("Service")),
        ox.Triple(node, sd("endpoint"), node),
        ox.Triple(node, sd("supportedLanguage"), sd("SPARQL11Query")),
        *(ox.Triple(node, sd("resultFormat"), ox.NamedNode(_FORMATS + f)) for f in _FORMAT_IRIS),
        ox.Triple(node, ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#comment"), ox.Literal(
            f"policygraph {__version__}: read-only. SELECT, ASK, CONSTRUCT and DESCRIBE; SPARQL Update, LOAD and "
            f"SERVICE are refused, and FROM / FROM NAMED / default-graph-uri / named-graph-uri name graphs the "
            f"store holds (nothing is loaded from an IRI). A query runs at most {time_limit:g} s and returns at "
            f"most {max_rows:,} rows or triples.", language="en")),
        ox.Triple(node, ox.NamedNode(LIMITS + "timeLimit"), ox.Literal(f"{time_limit:g}", datatype=ox.NamedNode(xsd + "decimal"))),
        ox.Triple(node, ox.NamedNode(LIMITS + "maxRows"), ox.Literal(str(max_rows), datatype=ox.NamedNode(xsd + "integer"))),
        ox.Triple(node, sd("defaultDataset"), dataset),
        ox.Triple(dataset, rdf_type, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, rdf_type, sd("Graph")),
    ]
    for graph in sorted(engine.store.named_graphs(), key=str):
        named = ox.BlankNode()
        triples += [ox.Triple(dataset, sd("namedGraph"), named), ox.Triple(named, rdf_type, sd("NamedGraph")),
                    ox.Triple(named, sd("name"), graph)]
    name = choose(GRAPH_FORMATS, accept, forced, "turtle")
    media, _, fmt = GRAPH_FORMATS[name]
    prefixes = {"sd": _SD, "formats": _FORMATS, "rdfs": "http://www.w3.org/2000/01/rdf-schema#", "pgsd": LIMITS}
    body = (ox.serialize(triples, format=fmt) if fmt is ox.RdfFormat.N_TRIPLES
            else ox.serialize(triples, format=fmt, prefixes=prefixes))
    return Answer(200, media, body)
