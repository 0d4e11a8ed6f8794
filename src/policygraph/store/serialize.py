"""The exports of a store: N-Triples, Turtle and compact JSON-LD, written from Oxigraph's own dump.

Oxigraph writes N-Triples at millions of triples a second but in no stable order, so the lines are
sorted (the same graph gives the same bytes, blank-node labels aside); Turtle and JSON-LD are written
from the sorted lines, grouped by subject, with the project's prefixes — no rdflib graph is built,
which is what makes the exports affordable at a million triples.

>>> import pyoxigraph as ox
>>> store = ox.Store()
>>> store.load(b'<https://w3id.org/policygraph/id/a> <http://www.w3.org/2000/01/rdf-schema#label> "x"@ja .',
...            format=ox.RdfFormat.N_TRIPLES)
>>> print(turtle(ntriples(store), {"pgr": "https://w3id.org/policygraph/id/",
...                                "rdfs": "http://www.w3.org/2000/01/rdf-schema#"}).decode())
@prefix pgr: <https://w3id.org/policygraph/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<BLANKLINE>
pgr:a rdfs:label "x"@ja .
<BLANKLINE>
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pyoxigraph as ox

#: A prefixed name's local part that needs no escaping in Turtle (a strict subset of PN_LOCAL).
_LOCAL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
_RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"


_BLANK_LINE = re.compile(rb"^_:|\s_:\S+\s*\.\s*$")


def ntriples(store: ox.Store) -> bytes:
    """The store's default graph as N-Triples, lines sorted, blank nodes labelled canonically: the
    same graph gives the same bytes, build after build (Oxigraph's labels are random)."""
    data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    lines, blank = [], []
    for line in data.split(b"\n"):
        if line:
            (blank if _BLANK_LINE.search(line) else lines).append(line)
    lines += _canonical_blank_lines(blank)
    lines.sort()
    return b"\n".join(lines) + b"\n" if lines else b""


def _canonical_blank_lines(lines: list[bytes]) -> list[bytes]:
    """The triples that hold blank nodes (the ontology's restrictions and lists: a few dozen), with
    labels from rdflib's canonicalisation (RGDA1), which depend on the graph and not on the parse.

    >>> a = _canonical_blank_lines([b'_:x <urn:p> <urn:o> .', b'<urn:s> <urn:q> _:x .'])
    >>> a == _canonical_blank_lines([b'_:other <urn:p> <urn:o> .', b'<urn:s> <urn:q> _:other .'])
    True
    """
    if not lines:
        return []
    from rdflib import Graph
    from rdflib.compare import to_canonical_graph
    canonical = to_canonical_graph(Graph().parse(data=b"\n".join(lines).decode("utf-8"), format="nt"))
    out = canonical.serialize(format="nt", encoding="utf-8")
    return sorted(line for line in out.split(b"\n") if line.strip())  # the serialiser's order follows hashing


def _split(nt: bytes) -> Iterator[tuple[str, str, str]]:
    """(subject, predicate, object) of each N-Triples line, as N-Triples text (IRIs and blank nodes hold
    no space, so the first two spaces end the subject and the predicate)."""
    for line in nt.decode("utf-8").splitlines():
        if not line:
            continue
        s, p, rest = line.split(" ", 2)
        yield s, p, rest[:-2] if rest.endswith(" .") else rest


class _Names:
    """IRIs written as prefixed names where the local part allows it."""

    def __init__(self, prefixes: dict[str, str]):
        # Longest namespace first, so pgr: wins over a shorter namespace it starts with.
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
        self.cache: dict[str, str] = {}

    def __call__(self, term: str) -> str:
        if term.startswith('"') and "^^" not in term:
            return term
        named = self.cache.get(term)
        if named is None:
            named = self.cache[term] = self._name(term) if len(self.cache) < 1_000_000 else term
        return named

    def _name(self, term: str) -> str:
        if term.startswith('"') and term.endswith(">") and '"^^<' in term:  # a typed literal's datatype
            value, _, datatype = term.rpartition("^^")
            return f"{value}^^{self._name(datatype)}"
        if not term.startswith("<"):
            return term
        iri = term[1:-1]
        for prefix, ns in self.prefixes:
            if iri.startswith(ns) and _LOCAL.match(iri[len(ns):]):
                return f"{prefix}:{iri[len(ns):]}"
        return term


def turtle(nt: bytes, prefixes: dict[str, str]) -> bytes:
    """Turtle from sorted N-Triples: one block per subject, `a` for rdf:type, prefixed names."""
    name = _Names(prefixes)
    out = [f"@prefix {p}: <{ns}> ." for p, ns in sorted(prefixes.items())]
    out.append("")
    subject = None
    block: list[str] = []

    def flush():
        if block:
            out.append(f"{name(subject)} " + " ;\n    ".join(block) + " .\n")

    for s, p, o in _split(nt):
        if s != subject:
            flush()
            subject, block = s, []
        block.append(f"{'a' if p == _RDF_TYPE else name(p)} {name(o)}")
    flush()
    return "\n".join(out).encode("utf-8")


def _jsonld_value(o: str, name: _Names):
    if o.startswith("<"):
        return {"@id": name(o)[1:-1] if name(o).startswith("<") else name(o)}
    if o.startswith("_:"):
        return {"@id": o}
    end = o.rindex('"')
    value = json.loads(o[:end + 1])
    suffix = o[end + 1:]
    if suffix.startswith("@"):
        return {"@value": value, "@language": suffix[1:]}
    if suffix.startswith("^^"):
        dt = name(suffix[2:])
        return {"@value": value, "@type": dt[1:-1] if dt.startswith("<") else dt}
    return {"@value": value}


def jsonld(nt: bytes, prefixes: dict[str, str]) -> bytes:
    """Compact JSON-LD from sorted N-Triples: an @context of the prefixes and one node object per
    subject, its keys prefixed names (pg:hasTarget) and rdf:type as @type."""
    name = _Names(prefixes)
    nodes: list[dict] = []
    node: dict | None = None
    for s, p, o in _split(nt):
        sid = s if s.startswith("_:") else (name(s)[1:-1] if name(s).startswith("<") else name(s))
        if node is None or node["@id"] != sid:
            node = {"@id": sid}
            nodes.append(node)
        if p == _RDF_TYPE and not o.startswith("_:"):
            node.setdefault("@type", []).append(_jsonld_value(o, name)["@id"])
            continue
        key = name(p)
        key = key[1:-1] if key.startswith("<") else key
        node.setdefault(key, []).append(_jsonld_value(o, name))
    # One node per line, written by the C encoder (indent would fall back to the slow Python one).
    context = json.dumps(dict(sorted(prefixes.items())), ensure_ascii=False, indent=1)
    body = ",\n".join(json.dumps(n, ensure_ascii=False, separators=(",", ":")) for n in nodes)
    return f'{{"@context": {context},\n"@graph": [\n{body}\n]}}\n'.encode()


__all__ = ["jsonld", "ntriples", "turtle"]
