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


def test_the_store_loaded_while_the_graph_is_made_holds_the_same_triples(project):
    """The build hands each batch of triples to a loader thread as the builder adds them."""
    import threading

    import pyoxigraph as ox

    from policygraph.graph.convert import build_triples, load_ontology, ntriples_of
    from policygraph.records.corpus import load_corpus
    from policygraph.store.embedded import PieceLoader
    corpus, ontology = load_corpus(project), load_ontology(project.ontology)
    batches: list[int] = []
    store = ox.Store()
    loader = PieceLoader(store)

    def piece(part):
        batches.append(len(part))
        loader.add(ntriples_of(part))
    from policygraph.graph import convert
    triples = convert._Builder(corpus, ontology, convert.TripleList(piece, batch=1000)).build()
    triples.extend(ontology)
    triples.flush()
    loader.close()
    assert len(batches) > 5 and sum(batches) == len(triples) and set(batches[:-1]) == {1000}
    whole = ox.Store()
    whole.load(build_triples(corpus, ontology).ntriples(), format=ox.RdfFormat.N_TRIPLES)
    assert len(store) == len(whole) and set(store) - {q for q in store if isinstance(q.subject, ox.BlankNode)
                                                      or isinstance(q.object, ox.BlankNode)} <= set(whole)
    # A failure while the graph is made: the piece being loaded is waited for, no thread is left.
    loader = PieceLoader(ox.Store())
    loader.add(ntriples_of(triples[:10]))
    loader.abort()
    assert not [t for t in threading.enumerate() if t.name.startswith("load")]
