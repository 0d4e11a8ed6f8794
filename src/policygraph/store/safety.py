"""No query reaches the network: the check every query passes before an engine sees it, and the
barriers that hold should a spelling ever slip past it.

SERVICE sends a query (on rdflib, with the rows matched so far) to any endpoint; FROM makes rdflib
fetch a graph. pyoxigraph 0.5 runs SERVICE with its own HTTP client in Rust — not through Python's
socket module, and with no hook to refuse it — so the decision is made before the text reaches it,
on the query as the grammar reads it, twice:

1. A tokenizer of the SPARQL 1.1 grammar (`tokens`): IRIs, the four string forms with their escapes,
   comments, variables, prefixed names with PN_LOCAL escapes (`pgr:p\\#`, `pgr:p\\'`) and `%hh`, blank
   nodes, numbers, language tags and keywords. It runs on the text as written (Oxigraph reads it so)
   and with `\\u`/`\\U` code-point escapes expanded first (the grammar and rdflib read it so). Any word
   that holds SERVICE — `SERVICE`, `service`, `.SERVICE`, `trueSERVICE` (Oxigraph needs no space after a
   keyword) — is refused; no word of valid SPARQL holds it but the keyword.
2. The query parsed by rdflib (`prepareQuery`), its algebra walked for a ServiceGraphPattern (in
   subqueries, OPTIONAL, UNION, MINUS, FILTER EXISTS …) and its dataset clause read. A text rdflib
   cannot parse is run by nothing: if Oxigraph cannot parse it either it is a syntax error (Oxigraph's
   message, located; Oxigraph reads it with a suffix that makes any text invalid, so it runs nothing); if
   Oxigraph can, the two parsers disagree and it is refused.

Before parsing, the nesting of brackets is bounded (`MAX_DEPTH`): a deeply nested query overflowed
Oxigraph's stack (a segfault) and rdflib's recursion.

Barriers behind the check: rdflib's SERVICE evaluation is replaced by a refusal and sockets other than
Unix ones are refused while rdflib evaluates (`rdflib_guard`); the server's query workers drop their
network at start (`deny_network`: a network namespace of their own, as root or where the system allows
unprivileged user namespaces; elsewhere the check above is the barrier), so even a missed spelling
finds no network there.

    >>> check("SELECT ?service WHERE { ?s <urn:SERVICE> 'SERVICE' } # SERVICE").dataset
    ()
    >>> check("SELECT * WHERE { BIND(1 AS ?z) .SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }")
    Traceback (most recent call last):
    ...
    policygraph.store.safety.Refused: SERVICE (a query sent to another endpoint) is refused: policygraph never sends queries or graph data over the network; query the store itself
"""
from __future__ import annotations

import contextlib
import functools
import re
import socket
import threading
from dataclasses import dataclass
from pathlib import Path

from policygraph.errors import EXIT_INPUT, PolicygraphError

#: Deepest nesting of ( [ { accepted: the named queries nest 6 deep; Oxigraph's stack overflowed near 2,000.
MAX_DEPTH = 64

_PN_CHARS_BASE = ("A-Za-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D"
                  "\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\U00010000-\U000EFFFF")
_PN_CHARS_U = _PN_CHARS_BASE + "_"
_PN_CHARS = _PN_CHARS_U + r"\-0-9\u00B7\u0300-\u036F\u203F-\u2040"
_PLX = r"%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%]"
_PN_PREFIX = rf"[{_PN_CHARS_BASE}](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"
_PN_LOCAL = (rf"(?:[{_PN_CHARS_U}:0-9]|{_PLX})"
             rf"(?:(?:[{_PN_CHARS}.:]|{_PLX})*(?:[{_PN_CHARS}:]|{_PLX}))?")

#: One token of the SPARQL 1.1 grammar (section 19.8), by kind; the first alternative that matches wins.
_TOKEN = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in (
    ("space", r"\s+"),
    ("comment", r"#[^\n\r]*"),
    ("iri", r'<[^<>"{}|^`\\\x00-\x20]*>'),
    ("string", r"'''(?:(?:'|'')?(?:[^'\\]|\\[\s\S]))*'''"
               r'|"""(?:(?:"|"")?(?:[^"\\]|\\[\s\S]))*"""'
               r"|'(?:[^'\\\n\r]|\\[\s\S])*'"
               r'|"(?:[^"\\\n\r]|\\[\s\S])*"'),
    ("var", rf"[?$][{_PN_CHARS_U}0-9][{_PN_CHARS_U}0-9\u00B7\u0300-\u036F\u203F-\u2040]*"),
    ("blank", rf"_:[{_PN_CHARS_U}0-9](?:[{_PN_CHARS}.]*[{_PN_CHARS}])?"),
    ("pname", rf"(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?"),
    ("langtag", r"@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*"),
    ("number", r"[0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?"),
    ("word", r"\w+"),
    ("other", r"[\s\S]"),  # punctuation, and a quote that opens no complete string (read on as code)
)))

_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int


def tokens(text: str) -> list[Token]:
    """The query's tokens, whitespace left out.

    >>> [(t.kind, t.text) for t in tokens("SELECT * { ?s pgr:p\\\\# 'x' } # c")]  # doctest: +NORMALIZE_WHITESPACE
    [('word', 'SELECT'), ('other', '*'), ('other', '{'), ('var', '?s'), ('pname', 'pgr:p\\\\#'),
     ('string', "'x'"), ('other', '}'), ('comment', '# c')]
    """
    return [Token(m.lastgroup, m.group(0), m.start()) for m in _TOKEN.finditer(text) if m.lastgroup != "space"]


def expand_codepoints(text: str) -> str:
    """`\\uXXXX` and `\\UXXXXXXXX` replaced by their characters, as the grammar asks before parsing.

    >>> expand_codepoints("\\\\u0053ERVICE")
    'SERVICE'
    """
    def one(m: re.Match) -> str:
        try:
            return chr(int(m.group(1) or m.group(2), 16))
        except (ValueError, OverflowError):
            return m.group(0)
    return _CODEPOINT.sub(one, text)


def blank(text: str) -> str:
    """The query with strings, IRIs and comments blanked out (same length, lines kept), so keywords
    and variables can be found by position without reading inside them."""
    out = list(text)
    for tok in tokens(text):
        if tok.kind in ("string", "iri", "comment"):
            for i in range(tok.start, tok.start + len(tok.text)):
                if out[i] != "\n":
                    out[i] = " "
    return "".join(out)


_REFUSED = {
    "SERVICE": "SERVICE (a query sent to another endpoint)",
    "FROM": "FROM / FROM NAMED (a graph loaded from an IRI)",
}


class Refused(PolicygraphError):
    """The query would reach the network (the server answers 403)."""


class TooDeep(PolicygraphError):
    """The query nests brackets deeper than MAX_DEPTH (the server answers 400)."""


def _refuse(word: str, line: int | None, path: Path | None) -> None:
    raise Refused.single(f"{_REFUSED[word]} is refused: policygraph never sends queries or graph data over "
                                  f"the network; query the store itself", EXIT_INPUT, file=path, line=line)


def _scan(text: str, allow_from: bool, path: Path | None = None) -> tuple[str, int] | None:
    """(the refused keyword, its line) of the first refused word, or None; raises on too deep nesting."""
    depth, deepest_at = 0, None
    for tok in tokens(text):
        if tok.kind == "word":
            upper = tok.text.upper()
            if "SERVICE" in upper:
                return "SERVICE", text.count("\n", 0, tok.start) + 1
            if upper == "FROM" and not allow_from:
                return "FROM", text.count("\n", 0, tok.start) + 1
        elif tok.kind == "other":
            if tok.text in "([{":
                depth += 1
                if depth > MAX_DEPTH and deepest_at is None:
                    deepest_at = text.count("\n", 0, tok.start) + 1
            elif tok.text in ")]}":
                depth -= 1
    if deepest_at is not None:
        raise TooDeep.single(f"the query nests brackets more than {MAX_DEPTH} deep; it is refused before parsing "
                             f"(a deeper one overflows the parsers)", EXIT_INPUT, file=path, line=deepest_at)
    return None


#: rdflib's SPARQL parser (pyparsing) is not thread-safe: every parse in the process holds this lock.
PARSE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Checked:
    """What the check learnt of a query: the graphs its FROM / FROM NAMED clauses name (IRIs, in order,
    as ("default" | "named", iri)) and rdflib's prepared query (None when the text was not parsed)."""

    dataset: tuple[tuple[str, str], ...] = ()
    prepared: object = None


def check(text: str, path: Path | None = None, allow_from: bool = False, prefixes: dict | None = None) -> Checked:
    """Refuse a query that could reach the network (exit 2, located), or that nests too deep; see the
    module's comment. `allow_from`: FROM / FROM NAMED are read into `Checked.dataset` for the caller to
    resolve against the graphs it holds (the server does; nothing ever loads them)."""
    return _check(text, path, allow_from, tuple(sorted((prefixes or {}).items())))


@functools.lru_cache(maxsize=256)  # the engines ask again for the same text (projection, then the run)
def _check(text: str, path: Path | None, allow_from: bool, prefixes: tuple) -> Checked:
    for variant in (text, expand_codepoints(text)):
        found = _scan(variant, allow_from, path)
        if found:
            _refuse(*found, path)
    # A query file's verdict, once rdflib's parse has passed it, is kept on disk: the same text is passed
    # again without the parse (30–60 ms a query, paid by every new process: each CLI command, each server
    # worker). Texts of no file (the /sparql endpoint's) are parsed every time.
    kept = _verdict_path(text, allow_from, prefixes) if path is not None else None
    if kept is not None and (dataset := _read_verdict(kept)) is not None:
        return Checked(dataset, None)
    prepared, error = _rdflib_parse(text, dict(prefixes))
    if prepared is None:
        _disagreement(text, path, error, dict(prefixes))
    if _has_service(prepared.algebra):
        _refuse("SERVICE", None, path)
    dataset = tuple(_dataset(prepared.algebra))
    if dataset and not allow_from:
        _refuse("FROM", None, path)
    if kept is not None:
        _write_verdict(kept, dataset)
    return Checked(dataset, prepared)


def passed_before(text: str, path: Path | None) -> bool:
    """Whether the query file's text has a kept verdict (rdflib parsed it and it passed: it has no syntax
    error either), so a caller may leave out a parse of its own."""
    kept = _verdict_path(text, False, ()) if path is not None else None
    return kept is not None and _read_verdict(kept) is not None


def verdict_folder() -> Path:
    """Where passed verdicts of query files are kept: $XDG_CACHE_HOME/policygraph/checked (~/.cache/…)."""
    from policygraph.output import cache_home
    return cache_home() / "checked"


@functools.lru_cache(maxsize=1)
def _code() -> bytes:
    """What a verdict depends on besides the text: this module's code, rdflib's version and the prefixes."""
    import hashlib

    import rdflib

    from policygraph.graph.namespaces import PREFIXES
    h = hashlib.sha256(Path(__file__).read_bytes())
    h.update(rdflib.__version__.encode())
    h.update(repr(sorted((k, str(v)) for k, v in PREFIXES.items())).encode())
    return h.digest()


def _verdict_path(text: str, allow_from: bool, prefixes: tuple) -> Path | None:
    import hashlib
    h = hashlib.sha256(_code())
    h.update(repr((text, allow_from, prefixes)).encode())
    try:
        return verdict_folder() / f"{h.hexdigest()}.json"
    except RuntimeError:  # no home folder
        return None


def _read_verdict(path: Path) -> tuple | None:
    """The FROM graphs of a passed verdict, or None (none kept, or unreadable: parsed again)."""
    import json
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
        return tuple((str(kind), str(iri)) for kind, iri in found["dataset"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_verdict(path: Path, dataset: tuple) -> None:
    import json

    from policygraph.output import write_atomically
    try:
        write_atomically({path: json.dumps({"dataset": [list(d) for d in dataset]}).encode()})
    except PolicygraphError:  # a read-only home: parsed again next time
        pass


def _rdflib_parse(text: str, prefixes: dict):
    import logging

    from rdflib.plugins.sparql import prepareQuery

    from policygraph.graph.namespaces import PREFIXES
    logger = logging.getLogger("rdflib.term")  # "does not look like a valid URI" for every odd IRI
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with PARSE_LOCK:
            return prepareQuery(text, initNs={**PREFIXES, **prefixes}), None
    except RecursionError:
        return None, "nested too deeply for rdflib"
    except Exception as exc:  # pyparsing's and the algebra translation's errors
        return None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    finally:
        logger.setLevel(level)


_EMPTY = None
#: Appended to a text Oxigraph is asked only to read: invalid after any complete query and unable to complete
#: an incomplete one (no quote, bracket or IRI end; `@` alone is no language tag), so Oxigraph always stops
#: with a syntax error and never runs anything — where it stops says whether the text itself parses.
_NEVER_VALID = "\n@"


def _disagreement(text: str, path: Path | None, error: str, prefixes: dict) -> None:
    """rdflib could not parse the text: Oxigraph's syntax error when the text has one, else a refusal (the
    parsers do not read it alike). Oxigraph reads the text with `_NEVER_VALID` appended, so it runs nothing."""
    global _EMPTY
    import pyoxigraph as ox

    from policygraph.graph.namespaces import PREFIXES
    if _EMPTY is None:
        _EMPTY = ox.Store()
    try:
        _EMPTY.query(text + _NEVER_VALID, prefixes={**{k: str(v) for k, v in PREFIXES.items()}, **prefixes})
    except SyntaxError as exc:
        m = re.search(r"error at (\d+):(\d+): ?(.*)", str(exc), re.DOTALL)
        if m is None or int(m.group(1)) <= text.count("\n") + 1:  # stopped inside the text: its own error
            raise PolicygraphError.single(f"SPARQL syntax error: {exc}", EXIT_INPUT, file=path,
                                          line=int(m.group(1)) if m else None) from None
    else:  # cannot happen (see _NEVER_VALID); refused all the same
        pass
    raise PolicygraphError.single(f"the query is refused: rdflib cannot parse it ({error}), and a query the two "
                                  f"parsers do not read alike is not run", EXIT_INPUT, file=path)


def _walk(node):
    """Every value inside rdflib's algebra (CompValues are dicts; lists, tuples and sets hold more)."""
    stack, seen = [node], set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)


def _has_service(algebra) -> bool:
    return any(getattr(item, "name", None) == "ServiceGraphPattern" for item in _walk(algebra))


def _dataset(algebra):
    for clause in algebra.get("datasetClause") or []:
        if "default" in clause:
            yield "default", str(clause["default"])
        elif "named" in clause:
            yield "named", str(clause["named"])


# ---------------------------------------------------------------- barriers


def _refuse_service(*_args, **_kwargs):
    raise Refused.single("SERVICE is refused: policygraph never sends queries over the network", EXIT_INPUT)


_guarded = threading.local()
_original_connect = socket.socket.connect
_original_connect_ex = socket.socket.connect_ex


def _only_unix(method):
    def connect(self, address, *args):
        if getattr(_guarded, "on", False) and self.family not in (getattr(socket, "AF_UNIX", None),):
            raise PermissionError(f"no network during a query (refused a connection to {address!r})")
        return method(self, address, *args)
    return connect


@contextlib.contextmanager
def rdflib_guard():
    """While rdflib evaluates a query: its SERVICE evaluation refuses, graph loading is off, and this
    thread may open no socket but a Unix one."""
    import rdflib.plugins.sparql as rdflib_sparql
    import rdflib.plugins.sparql.evaluate as evaluate
    rdflib_sparql.SPARQL_LOAD_GRAPHS = False
    evaluate.evalServiceQuery = _refuse_service
    if socket.socket.connect is _original_connect:
        socket.socket.connect = _only_unix(_original_connect)
        socket.socket.connect_ex = _only_unix(_original_connect_ex)
    before = getattr(_guarded, "on", False)
    _guarded.on = True
    try:
        yield
    finally:
        _guarded.on = before


_CLONE_NEWUSER, _CLONE_NEWNET = 0x10000000, 0x40000000


def deny_network() -> bool:
    """Give this process a network namespace of its own (no interface but a loopback that is down), so
    nothing it runs — Oxigraph's Rust HTTP client included — can connect anywhere. Linux only, and
    only where the system allows it (as root, or unprivileged user namespaces); True when it held.
    Called first thing in each query worker of `policygraph serve` (single-threaded then)."""
    import ctypes
    import os
    import sys
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        uid, gid = os.getuid(), os.getgid()
        if libc.unshare(_CLONE_NEWNET) == 0:
            return True
        if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
            return False
        # Keep the same ids inside the new user namespace (files stay readable as before).
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with contextlib.suppress(OSError), open(f"/proc/self/{name}", "w") as f:
                f.write(text)
        return True
    except (OSError, AttributeError):
        return False


def prepare_worker() -> bool:
    """First thing in a query worker: drop the network (`deny_network`) and warm the check (rdflib's SPARQL
    parser takes a second to import), so the first query is not slow. True when the network is gone."""
    denied = deny_network()
    check("ASK { ?s ?p ?o }")
    return denied


def network_denied() -> bool:
    """True when this process cannot open a TCP connection to 127.0.0.1 (no route: the namespace holds)."""
    s = socket.socket()
    try:
        s.settimeout(0.5)
        s.connect(("127.0.0.1", 9))
    except OSError as exc:
        import errno
        return exc.errno in (errno.ENETUNREACH, errno.EADDRNOTAVAIL, errno.EHOSTUNREACH)
    finally:
        s.close()
    return False
