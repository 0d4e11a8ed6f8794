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


__all__ = ["PG", "PGR", "PREFIXES", "record_id"]
