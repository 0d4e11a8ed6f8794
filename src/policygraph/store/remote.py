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
import http.client
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef

from policygraph.controls import printable
from policygraph.errors import EXIT_INPUT, PolicygraphError
from policygraph.store.engines import (
    _NOT_SELECT,
    Query,
    Rows,
    in_expressions_only,
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
#: The largest answer read from a store, in MB (`[store] max_response_mb`): a broken or hostile store
#: cannot make a command read gigabytes into memory. A 1M-triple build is about 150 MB as N-Triples.
DEFAULT_MAX_RESPONSE_MB = 1024
#: Bytes read from the socket at a time.
READ_BYTES = 1 << 20
#: Terms per VALUES list sent in one query (see `RemoteEngine.run`).
VALUES_BATCH = 1000


def is_url(value: str | Path | None) -> bool:
    """True for a URL (a remote store: `Endpoints.derive` accepts http(s) only and refuses any other
    scheme), False for a folder.

    >>> is_url("http://127.0.0.1:8890/sparql"), is_url("ftp://h/x"), is_url("build/store"), is_url(None)
    (True, True, False, False)
    """
    return isinstance(value, str) and _SCHEME.match(value) is not None


#: A URL's scheme and `//`: `ftp://…`, `file://…` are URLs (refused), `build/store` or `C:\\x` are not.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


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
    #: Seconds for a whole request (connecting, sending, the answer read to its end), not per socket read.
    timeout: float = DEFAULT_TIMEOUT
    #: The largest answer read, in bytes.
    max_bytes: int = DEFAULT_MAX_RESPONSE_MB << 20

    @classmethod
    def derive(cls, query: str, update: str | None = None, graph_store: str | None = None, user: str | None = None,
               password: str | None = None, timeout: float | None = None,
               max_bytes: int | None = None) -> Endpoints:
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
                   timeout if timeout is not None else DEFAULT_TIMEOUT,
                   max_bytes if max_bytes is not None else DEFAULT_MAX_RESPONSE_MB << 20)


def _check_url(url: str, name: str) -> None:
    """Refuse (exit 2) anything but an http(s) URL with a host and a valid port, and any URL holding
    credentials; the message never shows user information.

    >>> _check_url("http://127.0.0.1:99999/sparql", "store URL")
    Traceback (most recent call last):
    policygraph.errors.PolicygraphError: option --store: the store URL has an invalid port (0 to 65535) (value: 'http://127.0.0.1:99999/sparql')
    """
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range or not a number
    except ValueError:
        shown = printable(re.sub(r"//[^/@]*@", "//", url))
        raise PolicygraphError.single(f"the {name} has an invalid port (0 to 65535)", EXIT_INPUT, field="--store",
                                      value=shown) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
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
    return printable(urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", "")))


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
        # The HTTP handlers open connections that hold the request's deadline (`_Deadline`).
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _HTTPHandler(), _HTTPSHandler(),
                                                   *handlers)

    # ------------------------------------------------------------------------------ the protocol
    def _request(self, url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None,
                 params: dict | None = None, sink=None) -> tuple[bytes, dict]:
        """(body, headers) of one HTTP request; every failure as one line, exit 2.

        `endpoints.timeout` bounds the whole request — connecting, sending, the status line, the headers
        and the body read to its end — not each socket read: a store that answers one byte a second is
        cut off at the deadline (`_Deadline` shuts the socket down). The answer is read in pieces up to
        `endpoints.max_bytes`; a longer one, or one shorter than its Content-Length, is refused. With `sink`
        (a binary file), the body is written there as it comes, not held in memory (b"" is returned)."""
        if params:
            url = f"{url}{'&' if '?' in url else '?'}{urllib.parse.urlencode(params)}"
        request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
        if self._digest is not None:
            self._digest.preempt(request)
        shown = _safe(url)
        timeout = self.endpoints.timeout
        deadline = _Deadline(timeout)
        _local.deadline = deadline
        try:
            with self._opener.open(request, timeout=timeout) as response:
                return self._read(response, shown, deadline, sink), dict(response.headers.items())
        except urllib.error.HTTPError as exc:
            if exc.code in (401, 403):
                hint = ("set POLICYGRAPH_STORE_USER and POLICYGRAPH_STORE_PASSWORD (or _PASSWORD_FILE)"
                        if self.endpoints.user is None else "check POLICYGRAPH_STORE_USER and the password")
                raise _error(f"the store refused the credentials (HTTP {exc.code}) at {shown}; {hint}") from None
            raise _error(f"the store answered HTTP {exc.code} at {shown}: {_first_line(exc)}") from None
        except PolicygraphError:
            raise
        except Exception as exc:  # noqa: BLE001 - whatever the socket, http.client or urllib raise: one line
            if deadline.expired or _is_timeout(exc):
                raise _error(f"the store at {shown} did not answer within {timeout:g} s (the whole request, "
                             "[store] timeout)") from None
            if isinstance(exc, urllib.error.URLError):
                raise _error(f"cannot reach the store at {shown}: {_reason(exc.reason)}") from None
            if isinstance(exc, http.client.IncompleteRead):  # a chunked answer cut short
                raise _error(f"the store at {shown} cut its answer short ({len(exc.partial):,} bytes read)") from None
            # connection reset mid-answer, a malformed status line or headers …
            raise _error(f"the connection to the store at {shown} failed: {_reason(exc)}") from None
        finally:
            deadline.cancel()
            _local.deadline = None

    def _read(self, response, shown: str, deadline: _Deadline, sink=None) -> bytes:
        """The whole body, in pieces, bounded by `max_bytes` and checked against its Content-Length (written
        to `sink` as it comes, when given)."""
        limit = self.endpoints.max_bytes
        too_long = (f"the store at {shown} answered more than {_megabytes(limit)} (the most read, [store] "
                    "max_response_mb in policygraph.toml); narrow the query or raise the limit")
        declared = response.headers.get("Content-Length")
        try:
            expected = int(declared) if declared is not None else None
        except ValueError:
            raise _error(f"the store at {shown} answered a malformed Content-Length "
                         f"({printable(declared[:40])})") from None
        if expected is not None and expected > limit:
            raise _error(too_long)
        pieces, size = [], 0
        while True:
            piece = response.read(READ_BYTES)
            if not piece:
                break
            size += len(piece)
            if size > limit:
                raise _error(too_long)
            if sink is not None:
                sink.write(piece)
            else:
                pieces.append(piece)
        if deadline.expired:
            raise TimeoutError
        if expected is not None and size < expected:
            raise _error(f"the store at {shown} cut its answer short: {size:,} of the {expected:,} bytes it "
                         "announced (Content-Length)")
        return b"".join(pieces)

    def select(self, text: str, graph: str | None = None) -> tuple[list[str], list[dict]]:
        """(variables, bindings) of a SELECT query; with `graph`, that named graph is the default graph."""
        params = {"query": text}
        if graph:
            params["default-graph-uri"] = graph
        body, headers = self._request(self.endpoints.query, urllib.parse.urlencode(params).encode(),
                                      {"Accept": "application/sparql-results+json",
                                       "Content-Type": "application/x-www-form-urlencoded"})
        if _cut_at(headers):  # Virtuoso's ResultSetMaxRows cuts a result silently, but for this header
            cut = printable(_cut_at(headers)[:40])
            raise _error(f"the store at {self.where} cut the answer at {cut} rows (its own result limit, "
                         "e.g. Virtuoso's [SPARQL] ResultSetMaxRows); raise it on the server")
        try:
            return _results(json.loads(body))
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
            kind = headers.get("Content-Type") or headers.get("content-type") or "no content type"
            raise _error(f"the store at {self.where} answered something that is not SPARQL JSON results "
                         f"({_printable(kind.encode('utf-8', 'replace')[:80])}: {_printable(body[:60])})") from None

    def update(self, text: str) -> None:
        self._request(self.endpoints.update, urllib.parse.urlencode({"update": text}).encode(),
                      {"Content-Type": "application/x-www-form-urlencoded"})

    def construct(self, graph: str, sink=None) -> tuple[bytes, str]:
        """The whole named graph as the store writes it (CONSTRUCT, so only the query endpoint is needed):
        (the body, its media type: N-Triples, or Turtle from a store that writes only that). With `sink`,
        the body goes there (`_request`)."""
        params = {"query": "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "default-graph-uri": graph}
        body, headers = self._request(self.endpoints.query, urllib.parse.urlencode(params).encode(),
                                      {"Accept": "application/n-triples, text/turtle;q=0.5",
                                       "Content-Type": "application/x-www-form-urlencoded"}, sink=sink)
        kind = printable((headers.get("Content-Type") or headers.get("content-type") or "").split(";")[0].strip()[:80])
        return body, kind

    def construct_ntriples(self, graph: str) -> Graph:
        """The whole named graph as an rdflib graph."""
        body, kind = self.construct(graph)
        try:
            return Graph().parse(data=body, format="turtle" if kind == "text/turtle" else "nt")
        except Exception as exc:  # rdflib's parsers raise many types
            raise _error(f"the store at {self.where} answered a graph that does not parse ({kind}): "
                         f"{_reason(exc)}") from None

    def load_into(self, graph: str, store) -> None:
        """Bulk-load the named graph's triples into an Oxigraph store's default graph, parsed by Oxigraph
        on the way (no rdflib graph of them: at a million triples that copy took over a GB)."""
        import tempfile

        import pyoxigraph as ox

        from policygraph.store.embedded import bulk_load_ntriples
        # The answer goes to a temporary file as it comes, and is loaded from it in pieces: at a million
        # triples, 1.1 GB in memory when held whole and loaded at once; ~0.3 GB so.
        with tempfile.TemporaryFile() as body:
            _nothing, kind = self.construct(graph, sink=body)
            body.seek(0)
            try:
                if kind == "text/turtle":
                    store.bulk_load(body, format=ox.RdfFormat.TURTLE)
                else:
                    bulk_load_ntriples(store, body)
            except (SyntaxError, ValueError) as exc:  # pyoxigraph's parse errors
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
            graph, info = rows[0]["g"], json.loads(rows[0]["info"]["value"])
            if graph["type"] != "uri" or not _IRI.match(graph["value"]) or not isinstance(info, dict):
                raise TypeError
            return Current(graph["value"], info)
        except (KeyError, ValueError, TypeError, RecursionError):
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
            try:
                held = int(rows[0]["n"]["value"]) if rows else 0
            except (KeyError, ValueError):
                raise _error(f"the store at {self.where} answered a count that is not a number") from None
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
        # property path (`"x" pg:reaches+ ?k`) where the other engines find no rows. A literal used only
        # in expressions is a constant too: a FILTER inside a UNION branch (record-search) sees no VALUES
        # row of the outer group.
        text, inlined = inline_parameters(text, {k: v for k, v in terms.items()
                                                 if isinstance(v, URIRef) or in_expressions_only(text, k)})
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

    def load_into(self, store) -> None:
        """Bulk-load the build's triples into an Oxigraph store (a copy: `serve`'s snapshot, the local copy
        `--as-of` restricts — `policygraph.store.dated.remote_copy`)."""
        self.store.load_into(self.current.graph, store)


class _Deadline:
    """One request's deadline: when it passes, every socket the request opened is shut down, so a read
    blocked on a store that drips its answer returns at once (a socket timeout alone bounds each read,
    not the request). Each socket's own timeout is the time left."""

    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self.expire)
        self._timer.daemon = True
        self._timer.start()

    def attach(self, sock: socket.socket) -> socket.socket:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)
        sock.settimeout(max(0.001, self.at - time.monotonic()))
        return sock

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed, or detached by TLS (the TLS socket is attached too)
        pass


#: The deadline of the request this thread is sending (a server sends from many threads).
_local = threading.local()


class _DeadlineConnection:
    """An HTTP(S) connection whose sockets join the current request's deadline."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        deadline = getattr(_local, "deadline", None)
        if deadline is not None:
            create = self._create_connection
            self._create_connection = lambda *a, **k: deadline.attach(create(*a, **k))
        self._deadline = deadline

    def connect(self):
        super().connect()
        if self._deadline is not None:  # the TLS socket (HTTPS) wraps the one attached above
            self._deadline.attach(self.sock)


class _HTTPConnection(_DeadlineConnection, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_DeadlineConnection, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_HTTPSConnection, req, context=self._context, check_hostname=self._check_hostname)


def _is_timeout(exc: BaseException) -> bool:
    reason = getattr(exc, "reason", None)
    return isinstance(exc, (TimeoutError, socket.timeout)) or isinstance(reason, (TimeoutError, socket.timeout))


def _megabytes(n: int) -> str:
    return f"{n / (1 << 20):g} MB"


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


def _results(data) -> tuple[list[str], list[dict]]:
    """(variables, bindings) of a SPARQL JSON results document, checked: variables are names, every
    binding maps names to terms with a text `type` and `value` (TypeError or KeyError otherwise)."""
    variables, bindings = data["head"].get("vars", []), data["results"]["bindings"]
    if not isinstance(variables, list) or not isinstance(bindings, list):
        raise TypeError
    for name in variables:
        if not isinstance(name, str):
            raise TypeError
    for binding in bindings:
        for name, term in binding.items():
            if not all(isinstance(term.get(key, ""), str) for key in ("type", "value", "xml:lang", "datatype")) \
                    or "type" not in term:
                raise TypeError
    return list(variables), list(bindings)


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
    return printable(text[:160])


def configured(project, store: str | Path | None = None) -> RemoteStore | None:
    """The remote store a command uses: `store` when it is a URL (`--store URL`), else the project's
    policygraph.toml `[store] url`; None for the embedded store (no URL, or `store` names a folder).
    A URL of another scheme than http(s) (`ftp://…`) is refused (exit 2), never taken for a folder.
    The update and graph store endpoints, the timeout and the answer limit of the settings file apply
    to its own URL."""
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
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or not 0 < timeout < 1e9:
        raise PolicygraphError.single("[store] timeout must be a number of seconds", EXIT_INPUT, file=project.config_file)
    most = table.get("max_response_mb", DEFAULT_MAX_RESPONSE_MB)
    if not isinstance(most, (int, float)) or isinstance(most, bool) or not 0 < most < 1 << 30:
        raise PolicygraphError.single("[store] max_response_mb must be a positive number of megabytes", EXIT_INPUT,
                                      file=project.config_file)
    Endpoints.derive(url)  # the URL is checked before any password file is read
    from policygraph import settings
    user, password = settings.store_credentials(table.get("password_file"))
    return RemoteStore(Endpoints.derive(url, table.get("update") if own else None,
                                        table.get("graph_store") if own else None, user, password, float(timeout),
                                        int(most * (1 << 20))))
