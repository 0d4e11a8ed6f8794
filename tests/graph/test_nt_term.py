"""`convert.nt_term` writes the builder's terms as N-Triples that parse back to the same terms (the store
is loaded from them)."""
import datetime as dt
from decimal import Decimal

from rdflib import XSD, BNode, Graph, Literal, URIRef

from policygraph.graph.convert import nt_term

TERMS = [
    Literal("平成29年度"), Literal("a \"b\"\n\\c\r", lang="ja"), Literal("x", lang="en"),
    Literal(Decimal("5.0")), Literal(dt.date(2019, 8, 1)), Literal(True), Literal(3), Literal("2017-04", datatype=XSD.gYearMonth),
    Literal("", lang="ja"), URIRef("https://w3id.org/policygraph/id/kpi-x"),
]


class Sub(Literal):
    pass


def test_every_term_parses_back_to_itself():
    subject, predicate = URIRef("urn:s"), URIRef("urn:p")
    for term in TERMS:
        g = Graph().parse(data=f"{nt_term(subject)} {nt_term(predicate)} {nt_term(term)} .\n", format="nt")
        assert list(g.objects(subject, predicate)) == [term], term
    assert nt_term(BNode("b1")) == "_:b1"
    # A subclass of Literal takes the general path, with the same text.
    assert nt_term(Sub("a\"b", lang="ja")) == nt_term(Literal("a\"b", lang="ja")) == '"a\\"b"@ja'
