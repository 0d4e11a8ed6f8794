"""A remote store: an existing triple store (Virtuoso, Oxigraph server, Fuseki, GraphDB …) reached
through the SPARQL 1.1 protocol, as an `Engine` like the embedded store.

`build --store URL` uploads the graph into a new named graph (Graph Store Protocol: one PUT, then
POSTs of a few MB), checks that the store holds every triple, then switches a pointer in a small
meta graph (`META`) and drops the graphs it replaced. Readers resolve the pointer once and send
every query with `default-graph-uri` set to that graph (SPARQL 1.1 protocol), so they see one whole
build, never a half-loaded one, and user queries need no FROM (which `refuse_remote` refuses).

Credentials come from the environment or a file (`policygraph.settings`), never from the command
line; they are sent only to the configured endpoints and never printed. Every failure of the store —
down, slow, refusing the credentials, answering something that is not SPARQL results — is a
`PolicygraphError` with one line and exit 2.

Example (a server must be running):
    >>> remote = RemoteStore(Endpoints.derive("http://127.0.0.1:7878/query"))   # doctest: +SKIP
    >>> engine = remote.engine()                                                 # doctest: +SKIP
    >>> engine.run(library.get("kpi-status")).columns[:2]                        # doctest: +SKIP
    ['kpi', 'label']
"""
from __future__ import annotations

import datetime as dt
import json
import re
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef

from policygraph.errors import EXIT_INPUT, PolicygraphError
from policygraph.store.engines import (
    _NOT_SELECT,
    Query,
    Rows,
    inline_parameters,
    refuse_remote,
    select_columns,
    with_prefixes,
    with_values,
)

#: The graph holding the pointer to the current build and the record of each build's graph.
META = "https://w3id.org/policygraph/store/meta"
_S = "https://w3id.org/policygraph/store#"
#: Build graphs are named GRAPH_PREFIX + time + random part.
GRAPH_PREFIX = "https://w3id.org/policygraph/store/graph/"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: Bytes per upload request: large enough to be fast, small enough for a store's request limit.
CHUNK_BYTES = 8 * 1024 * 1024
DEFAULT_TIMEOUT = 60.0
#: Terms per VALUES list sent in one query (see `RemoteEngine.run`).
VALUES_BATCH = 1000


def is_url(value: str | Path | None) -> bool:
    """True for an http(s) URL (a remote store), False for a folder.

    >>> is_url("http://127.0.0.1:8890/sparql"), is_url("build/store"), is_url(None)
    (True, False, False)
    """
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


@dataclass(frozen=True)
class Endpoints:
    """The three endpoints of a store and how to reach them. `password` never appears in a repr.

    >>> Endpoints.derive("http://h:7878/query").update, Endpoints.derive("http://h:7878/query").graph_store
    ('http://h:7878/update', 'http://h:7878/store')
    >>> e = Endpoints.derive("http://h:8890/sparql", user="dba", password="secret")
    >>> e.update, e.graph_store, "secret" in repr(e)
    ('http://h:8890/sparql-auth', 'http://h:8890/sparql-graph-crud-auth', False)
    """

    query: str
    update: str
    graph_store: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def derive(cls, query: str, update: str | None = None, graph_store: str | None = None, user: str | None = None,
               password: str | None = None, timeout: float | None = None) -> Endpoints:
        """The update and Graph Store Protocol endpoints from the query endpoint, where not given:
        `…/query` → `…/update`, `…/store` (Oxigraph server; Fuseki's `/ds/query` also answers GSP at
        `/ds`, give it); `…/sparql` → Virtuoso's `…/sparql-auth` and `…/sparql-graph-crud-auth` with
        credentials, `…/sparql` and `…/sparql-graph-crud` without; anything else: the same URL."""
        for name, url in (("store URL", query), ("update URL", update), ("graph store URL", graph_store)):
            if url is not None:
                _check_url(url, name)
        base, _, last = query.rstrip("/").rpartition("/")
        if last == "query":
            derived = (f"{base}/update", f"{base}/store")
        elif last == "sparql":
            auth = "-auth" if user else ""
            derived = (f"{base}/sparql{auth}", f"{base}/sparql-graph-crud{auth}")
        else:
            derived = (query, query)
        return cls(query, update or derived[0], graph_store or derived[1], user, password,
                   timeout if timeout is not None else DEFAULT_TIMEOUT)


def _check_url(url: str, name: str) -> None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PolicygraphError.single(f"the {name} must be an http(s) URL", EXIT_INPUT, field="--store",
                                      value=_safe(url))
    if parts.username or parts.password:
        # The value is not shown: it holds a password.
        raise PolicygraphError.single(f"the {name} holds credentials; give them in POLICYGRAPH_STORE_USER and "
                                      "POLICYGRAPH_STORE_PASSWORD (or POLICYGRAPH_STORE_PASSWORD_FILE), never in "
                                      "the URL", EXIT_INPUT, field="--store")


def _safe(url: str) -> str:
    """A URL without user information, for messages."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


@dataclass(frozen=True)
class Current:
    """The build a store serves: its named graph and the build record (embedded.BuildInfo as a dict)."""

    graph: str
    info: dict


class RemoteStore:
    """A triple store reached over HTTP: query, update and the Graph Store Protocol."""

    def __init__(self, endpoints: Endpoints):
        self.endpoints = endpoints
        self.where = _safe(endpoints.query)
        handlers = []
        self._digest: _Digest | None = None
        if endpoints.user is not None:
            passwords = urllib.request.HTTPPasswordMgrWithPriorAuth()
            for url in {endpoints.query, endpoints.update, endpoints.graph_store}:
                passwords.add_password(None, url, endpoints.user, endpoints.password or "")
            # Basic for most stores, Digest for Virtuoso's *-auth endpoints: whichever the store asks for.
            self._digest = _Digest(passwords)
            handlers += [urllib.request.HTTPBasicAuthHandler(passwords), self._digest]
        # No proxy from the environment: the store is named explicitly, and credentials go only to it.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), *handlers)

    # ------------------------------------------------------------------------------ the protocol
    def _request(self, url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None,
                 params: dict | None = None) -> tuple[bytes, dict]:
        """(body, headers) of one HTTP request; every failure as one line, exit 2."""
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
        if self._digest is not None:
            self._digest.preempt(request)
        shown = _safe(url)
        try:
            with self._opener.open(request, timeout=self.endpoints.timeout) as response:
                return response.read(), dict(response.headers.items())
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                hint = ("set POLICYGRAPH_STORE_USER and POLICYGRAPH_STORE_PASSWORD (or _PASSWORD_FILE)"
                        if self.endpoints.user is None else "check POLICYGRAPH_STORE_USER and the password")
                raise _error(f"the store refused the credentials (HTTP {exc.code}) at {shown}; {hint}") from None
            raise _error(f"the store answered HTTP {exc.code} at {shown}: {_first_line(exc)}") from None
        except (TimeoutError, socket.timeout):
            raise _error(f"the store at {shown} did not answer within {self.endpoints.timeout:g} s") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout)):
                raise _error(f"the store at {shown} did not answer within {self.endpoints.timeout:g} s") from None
            raise _error(f"cannot reach the store at {shown}: {_reason(exc.reason)}") from None
        except (OSError, ValueError) as exc:  # connection reset mid-answer, a malformed HTTP answer …
            raise _error(f"the connection to the store at {shown} failed: {_reason(exc)}") from None

    def select(self, text: str, graph: str | None = None) -> tuple[list[str], list[dict]]:
        """(variables, bindings) of a SELECT query; with `graph`, that named graph is the default graph."""
        params = {"query": text}
        if graph:
            params["default-graph-uri"] = graph
        body, headers = self._request(self.endpoints.query, urllib.parse.urlencode(params).encode(),
                                      {"Accept": "application/sparql-results+json",
                                       "Content-Type": "application/x-www-form-urlencoded"})
        if _cut_at(headers):  # Virtuoso's ResultSetMaxRows cuts a result silently, but for this header
            raise _error(f"the store at {self.where} cut the answer at {_cut_at(headers)} rows (its own result limit, "
                         "e.g. Virtuoso's [SPARQL] ResultSetMaxRows); raise it on the server")
        try:
            data = json.loads(body)
            return list(data["head"].get("vars", [])), list(data["results"]["bindings"])
        except (ValueError, KeyError, TypeError, AttributeError):
            kind = headers.get("Content-Type") or headers.get("content-type") or "no content type"
            raise _error(f"the store at {self.where} answered something that is not SPARQL JSON results "
                         f"({kind}: {_printable(body[:60])})") from None

    def update(self, text: str) -> None:
        self._request(self.endpoints.update, urllib.parse.urlencode({"update": text}).encode(),
                      {"Content-Type": "application/x-www-form-urlencoded"})

    def construct_ntriples(self, graph: str) -> Graph:
        """The whole named graph as an rdflib graph (CONSTRUCT, so only the query endpoint is needed)."""
        params = {"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "default-graph-uri": graph}
        body, headers = self._request(self.endpoints.query, urllib.parse.urlencode(params).encode(),
                                      {"Accept": "application/n-triples, text/turtle;q=0.5",
                                       "Content-Type": "application/x-www-form-urlencoded"})
        kind = (headers.get("Content-Type") or headers.get("content-type") or "").split(";")[0].strip()
        try:
            return Graph().parse(data=body, format="turtle" if kind == "text/turtle" else "nt")
        except Exception as exc:  # rdflib's parsers raise many types
            raise _error(f"the store at {self.where} answered a graph that does not parse ({kind}): "
                         f"{_reason(exc)}") from None

    # -------------------------------------------------------------------------------- reading
    def current(self) -> Current | None:
        """The build the store serves, or None when it holds none. Two pointers exist for a moment
        during a switch: the later build wins."""
        _vars, rows = self.select(
            f"SELECT ?g ?info WHERE {{ GRAPH <{META}> {{ <{META}> <{_S}current> ?g . ?g <{_S}info> ?info . "
            f"?g <{_S}builtAt> ?at }} }} ORDER BY DESC(?at) LIMIT 1")
        if not rows:
            return None
        try:
            return Current(rows[0]["g"]["value"], json.loads(rows[0]["info"]["value"]))
        except (KeyError, ValueError, TypeError):
            raise _error(f"the store at {self.where} holds a malformed build record in <{META}>") from None

    def engine(self, current: Current | None = None) -> RemoteEngine:
        current = current or self.current()
        if current is None:
            raise _error(f"the store at {self.where} holds no policygraph graph; run "
                         f"`policygraph build --store {self.where}` first")
        return RemoteEngine(self, current)

    # -------------------------------------------------------------------------------- writing
    def publish(self, ntriples: bytes, info_json: str, triples: int) -> str:
        """Upload a build into a new named graph, check it arrived whole, make it the current one and
        drop the graphs it replaces (and any a failed build left). Returns the new graph's IRI."""
        stamp = dt.datetime.now(dt.timezone.utc)
        graph = f"{GRAPH_PREFIX}{stamp:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
        # Recorded before the upload, so the next build removes it should this one be killed.
        self.update(f"INSERT DATA {{ GRAPH <{META}> {{ <{META}> <{_S}generation> <{graph}> }} }}")
        try:
            self.upload(graph, ntriples)
            _vars, rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
            held = int(rows[0]["n"]["value"]) if rows else 0
            if held != triples:
                raise _error(f"the store at {self.where} holds {held:,} of the {triples:,} triples uploaded; "
                             "the previous build stays current")
        except PolicygraphError:
            self._drop([graph], quiet=True)
            raise
        info = Literal(info_json).n3()
        self.update(f"INSERT DATA {{ GRAPH <{META}> {{ <{META}> <{_S}current> <{graph}> . <{graph}> <{_S}info> {info} . "
                    f"<{graph}> <{_S}builtAt> \"{stamp.isoformat()}\"^^<http://www.w3.org/2001/XMLSchema#dateTime> }} }}")
        _vars, rows = self.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH <{META}> {{ <{META}> ?p ?g }} }}")
        self._drop([r["g"]["value"] for r in rows if r["g"]["value"] != graph and r["g"]["type"] == "uri"])
        return graph

    def upload(self, graph: str, ntriples: bytes) -> None:
        """N-Triples into a named graph (replacing it), by the Graph Store Protocol: PUT, then POSTs."""
        for i, chunk in enumerate(_chunks(ntriples)):
            self._request(self.endpoints.graph_store, chunk, {"Content-Type": "application/n-triples"},
                          method="PUT" if i == 0 else "POST", params={"graph": graph})

    def _drop(self, graphs: list[str], quiet: bool = False) -> None:
        """Drop build graphs and their records (after the switch: readers no longer ask for them)."""
        for g in graphs:
            if not g.startswith(GRAPH_PREFIX) or not _IRI.match(g):
                continue
            try:
                self.update(f"DROP SILENT GRAPH <{g}> ; DELETE WHERE {{ GRAPH <{META}> {{ <{META}> ?p <{g}> }} }} ; "
                            f"DELETE WHERE {{ GRAPH <{META}> {{ <{g}> ?q ?o }} }}")
            except PolicygraphError:
                if not quiet:
                    raise


class RemoteEngine:
    """Queries over one build held by a remote store (`Engine`): each query is sent with the build's
    named graph as its default graph; parameters are written in as constants (`inline_parameters`) or,
    where that is not safe or the value is a literal, as a one-row VALUES list — the SPARQL protocol has
    no bindings."""

    name = "remote"
    note: str | None = None

    def __init__(self, store: RemoteStore, current: Current):
        self.store = store
        self.current = current
        self.where = f"{store.where} <{current.graph}>"
        self._graph: Graph | None = None

    def run(self, query: Query, values: dict[str, Iterable] | None = None, **params) -> Rows:
        if values and len(values) == 1:
            # Virtuoso refuses a long VALUES list in some shapes ("Too many arguments for standard
            # built-in function": evidence for the 9,068 gap rows at a million triples): a batch at a
            # time, rows in batch order (as rdflib gives them per value).
            [(var, terms)] = values.items()
            terms = list(terms)
            if len(terms) > VALUES_BATCH:
                out = Rows()
                for i in range(0, len(terms), VALUES_BATCH):
                    rows = self._run(query, {var: terms[i:i + VALUES_BATCH]}, params)
                    out.extend(rows)
                    out.columns = rows.columns
                return out
            values = {var: terms}
        return self._run(query, values, params)

    def _run(self, query: Query, values: dict[str, Iterable] | None, params: dict) -> Rows:
        terms = query.bind(params)
        text = with_values(query.text, values) if values else query.text
        # IRIs as constants; literals in a VALUES row: Virtuoso refuses a literal as the subject of a
        # property path (`"x" pg:reaches+ ?k`) where the other engines find no rows.
        text, inlined = inline_parameters(text, {k: v for k, v in terms.items() if isinstance(v, URIRef)})
        rest = {k: [v] for k, v in terms.items() if k not in inlined}
        if rest:
            text = with_values(text, rest)
        refuse_remote(text, query.path)
        columns = select_columns(text, query.path)  # syntax errors located here, before anything is sent
        if columns is None:
            raise PolicygraphError.single(_NOT_SELECT, EXIT_INPUT, file=query.path)
        _vars, bindings = self.store.select(with_prefixes(text), self.current.graph)
        return Rows(({c: _term(b.get(c)) for c in columns} for b in bindings), columns)

    def rdflib_graph(self) -> Graph:
        if self._graph is None:
            from policygraph.graph.namespaces import PREFIXES
            self._graph = self.store.construct_ntriples(self.current.graph)
            for prefix, ns in PREFIXES.items():
                self._graph.bind(prefix, ns)
        return self._graph

    def ntriples(self) -> bytes:
        """The build's triples as N-Triples (for an in-memory copy, e.g. attainment `--as-of`)."""
        return self.rdflib_graph().serialize(format="nt", encoding="utf-8")


class _Digest(urllib.request.HTTPDigestAuthHandler):
    """Digest authentication that, once challenged, answers the next requests' challenge before it is
    made: a store that refuses a large upload with 401 before reading it closes the connection, and
    urllib would fail with a broken pipe instead of retrying (Virtuoso's graph store endpoint does)."""

    challenge: dict | None = None

    def __init__(self, passwords):
        super().__init__(passwords)
        self._lock = threading.Lock()  # the nonce count is shared: a server (serve) sends from many threads

    def get_authorization(self, req, chal):
        with self._lock:
            return super().get_authorization(req, chal)

    def retry_http_digest_auth(self, req, auth):
        _token, challenge = auth.split(" ", 1)
        self.challenge = urllib.request.parse_keqv_list(filter(None, urllib.request.parse_http_list(challenge)))
        return super().retry_http_digest_auth(req, auth)

    def preempt(self, req) -> None:
        if self.challenge is not None:
            auth = self.get_authorization(req, self.challenge)
            if auth:
                req.add_unredirected_header(self.auth_header, f"Digest {auth}")


def _term(value: dict | None):
    """A SPARQL JSON results term as an rdflib term, as `from_oxigraph` gives them (xsd:string plain)."""
    if value is None:
        return None
    kind, text = value.get("type"), value.get("value", "")
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(text)
    if kind in ("literal", "typed-literal"):  # typed-literal: SPARQL 1.0 JSON, which Virtuoso still writes
        if value.get("xml:lang"):
            return Literal(text, lang=value["xml:lang"])
        datatype = value.get("datatype")
        return Literal(text, datatype=None if datatype in (None, _XSD_STRING) else datatype)
    raise _error(f"the store answered a term of unknown type {kind!r}")


def _chunks(ntriples: bytes) -> Iterator[bytes]:
    """N-Triples in pieces of about CHUNK_BYTES, whole lines each. Lines naming a blank node all go into
    the first piece: a label names the same node only within one request."""
    lines = ntriples.splitlines(keepends=True)
    blank = [ln for ln in lines if _BLANK.search(ln)]
    rest = [ln for ln in lines if not _BLANK.search(ln)] if blank else lines
    piece, size = list(blank), sum(map(len, blank))
    for line in rest:
        if size + len(line) > CHUNK_BYTES and piece:
            yield b"".join(piece)
            piece, size = [], 0
        piece.append(line)
        size += len(line)
    yield b"".join(piece)


_BLANK = re.compile(rb'^_:|> _:\S+ \.\s*$')
_IRI = re.compile(r'^[^\x00-\x20<>"{}|^`\\]+$')
_CUT = ("x-sparql-maxrows",)


def _cut_at(headers: dict) -> str | None:
    for k, v in headers.items():
        if k.lower() in _CUT:
            return v
    return None


def _error(message: str) -> PolicygraphError:
    return PolicygraphError.single(message, EXIT_INPUT)


def _printable(data: bytes) -> str:
    text = data.decode("utf-8", "replace")
    return re.sub(r"\s+", " ", "".join(c if c.isprintable() or c.isspace() else "?" for c in text)).strip() or "empty"


def _first_line(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read(2000)
    except Exception:  # the body may be gone
        body = b""
    text = _printable(re.sub(rb"<[^>]*>", b" ", body))
    return (text[:160] + "…") if len(text) > 160 else text


def _reason(reason) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused (is the server running?)"
    text = str(getattr(reason, "strerror", None) or reason)
    return text[:160]


def configured(project, store: str | Path | None = None) -> RemoteStore | None:
    """The remote store a command uses: `store` when it is a URL (`--store URL`), else the project's
    policygraph.toml `[store] url`; None for the embedded store (no URL, or `store` names a folder).
    The update and graph store endpoints and the timeout of the settings file apply to its own URL."""
    if store is not None and not is_url(store):
        return None
    table = project.config().get("store", {})
    if not isinstance(table, dict):
        raise PolicygraphError.single("[store] must be a table", EXIT_INPUT, file=project.config_file)
    url = store or table.get("url")
    if not url:
        return None
    own = url == table.get("url")
    for key in ("url", "update", "graph_store", "password_file"):
        if key in table and not isinstance(table[key], str):
            raise PolicygraphError.single(f"[store] {key} must be a string", EXIT_INPUT, file=project.config_file)
    timeout = table.get("timeout", DEFAULT_TIMEOUT)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        raise PolicygraphError.single("[store] timeout must be a number of seconds", EXIT_INPUT, file=project.config_file)
    from policygraph import settings
    user, password = settings.store_credentials(table.get("password_file"))
    return RemoteStore(Endpoints.derive(url, table.get("update") if own else None,
                                        table.get("graph_store") if own else None, user, password, float(timeout)))
