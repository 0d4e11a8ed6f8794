"""The namespaces of policygraph's vocabulary and records, and the prefixes every query may use.

Light on purpose (rdflib's namespace module only): the store and query stages import it without
pulling in the record models.

>>> str(PGR["kpi-cloud-municipalities"])
'https://w3id.org/policygraph/id/kpi-cloud-municipalities'
"""
from __future__ import annotations

from rdflib.namespace import DCTERMS, ORG, PROV, RDFS, SKOS, XSD, Namespace



class _Namespace(Namespace):
    """An rdflib Namespace that makes each attribute's term once (rdflib makes a new URIRef on every
    `PG.hasTarget`: ~2.5 s of a million-triple build)."""

    def __getattr__(self, name: str):
        term = super().__getattr__(name)
        self.__dict__[name] = term
        return term


PG = _Namespace("https://w3id.org/policygraph/ontology#")
PGR = _Namespace("https://w3id.org/policygraph/id/")

PREFIXES = {"pg": PG, "pgr": PGR, "prov": PROV, "org": ORG, "skos": SKOS, "dcterms": DCTERMS,
            "xsd": XSD, "rdfs": RDFS}


def record_id(node) -> str:
    """A record IRI's id (https://w3id.org/policygraph/id/ri-15 → ri-15); any other IRI whole."""
    return str(node).removeprefix(str(PGR))


def curie(text: str, prefixes: dict | None = None) -> str:
    """An IRI in a namespace of `prefixes` (default PREFIXES) as prefix:name (the class column of a table,
    its facet and filter chips, the vocabulary page); any other text as it is.

    >>> curie("https://w3id.org/policygraph/ontology#KPI"), curie("urn:x"), curie("データ")
    ('pg:KPI', 'urn:x', 'データ')
    >>> curie("http://www.w3.org/2000/01/rdf-schema#label")
    'rdfs:label'
    """
    for prefix, ns in (PREFIXES if prefixes is None else prefixes).items():
        ns = str(ns)  # rdflib's DefinedNamespaces (RDFS, XSD …) have no len()
        if text.startswith(ns) and len(text) > len(ns):
            return f"{prefix}:{text[len(ns):]}"
    return text


__all__ = ["PG", "PGR", "PREFIXES", "curie", "record_id"]
