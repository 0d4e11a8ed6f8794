"""RDF terms as plain JSON-friendly Python values, the same way in every output."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rdflib import Literal, URIRef

from policygraph.graph.namespaces import record_id


def literal_value(value: Literal):
    """A literal's value: whole decimals as int, other decimals as float, dates ISO, else str."""
    v = value.toPython()
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v if isinstance(v, (int, float, bool)) else str(v)


def plain(value):
    """Any query value: None stays None, a record IRI becomes its id, other IRIs stay whole."""
    if value is None:
        return None
    if isinstance(value, URIRef):
        return record_id(value)
    if isinstance(value, Literal):
        return literal_value(value)
    if isinstance(value, (bool, int, float)):  # already plain (a report read back: `query.reports`)
        return value
    return str(value)
