"""A query's final ORDER BY done in Python (`policygraph.store.ordering`) gives Oxigraph's own order, row
for row: on every named query over the corpus's store on disk and a synth project's, and on generated
values of every kind against Oxigraph's ORDER BY itself."""
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Literal, URIRef

from policygraph.query.sparql import QueryLibrary
from policygraph.store import ordering
from policygraph.store.engines import OxigraphEngine, TextQuery, term_sparql
from tests.conftest import built_synth
from tests.store.test_engines import RICHER, SAMPLE

QUERIES = Path(__file__).resolve().parents[2] / "queries"
NAMES = [n for n in QueryLibrary(QUERIES).names() if ordering.plan(QueryLibrary(QUERIES).get(n).text) is not None]


#: Named queries whose rows hold values ordering.py does not order, sorted by Oxigraph. node-triples was
#: one (STR(?o) of typed values, which rdflib writes in forms of its own) until the engine passed the
#: text Oxigraph holds for each.
SORTED_BY_OXIGRAPH: set[str] = set()


class Counting(OxigraphEngine):
    """An engine over a store on disk that counts the queries it runs on the store: one when the order is
    done in Python (or by Oxigraph from the start), two when Python gave it back to Oxigraph."""

    def __init__(self, store):
        super().__init__(store=store, sort_in_python=True)
        self.runs = 0

    def _solutions(self, *args, **kwargs):
        self.runs += 1
        return super()._solutions(*args, **kwargs)

    def ran(self, query, **params):
        self.runs = 0
        return self.run(query, **params), self.runs


@pytest.fixture(scope="module")
def disk_engines(store_dir):
    store = ox.Store.read_only(str(store_dir))
    return Counting(store), OxigraphEngine(store=store)


@pytest.fixture(scope="module")
def synth_engines(tmp_path_factory):
    _project, store_dir = built_synth(tmp_path_factory, "ordering", seed=5)
    store = ox.Store.read_only(str(store_dir))
    return Counting(store), OxigraphEngine(store=store)


def test_most_named_queries_end_in_an_order_done_in_python():
    assert len(NAMES) >= 40, NAMES


@pytest.mark.parametrize("name", NAMES)
def test_python_order_is_oxigraphs_on_the_corpus(name, disk_engines, project):
    python, native = disk_engines
    query = QueryLibrary(project.query_dirs).get(name)
    params = {**{p: SAMPLE[p] for p in query.params}, **RICHER.get(name, {})}
    expected = native.run(query, **params)
    got, runs = python.ran(query, **params)
    assert list(got) == list(expected) and got.columns == expected.columns
    if name in SORTED_BY_OXIGRAPH:
        assert runs == 2, f"{name} is now ordered in Python: take it out of SORTED_BY_OXIGRAPH"
        got, runs = python.ran(query, **params)
        assert list(got) == list(expected)
        assert runs == 1, "a query Oxigraph had to sort is sorted by Oxigraph from then on"
    else:
        assert runs == 1, "Oxigraph sorted it after Python (the rows hold values ordering.py does not order)"


@pytest.mark.parametrize("name", [n for n in NAMES if not QueryLibrary(QUERIES).get(n).params])
def test_python_order_is_oxigraphs_on_a_synth_project(name, synth_engines, project):
    """The listings of thousands of rows, with ties and every kind of value the generator makes."""
    python, native = synth_engines
    query = QueryLibrary(project.query_dirs).get(name)
    expected = native.run(query)
    assert len(expected) > 0 or name.endswith("-gap")
    got, runs = python.ran(query)
    assert list(got) == list(expected) and runs == 1


_XSD = "http://www.w3.org/2001/XMLSchema#"
#: Values of each kind ordering.py orders, with repeats (ties), shared prefixes and both languages.
_WORDS = st.sampled_from(["", "a", "ab", "b", "B", "ア", "あ", "データ", "データ連携", "z\u00e9", "10", "9"])
KINDS = {
    "iri": st.builds(lambda w: URIRef(f"https://w3id.org/policygraph/id/{w or 'x'}"), st.sampled_from(
        ["kpi-1", "kpi-10", "kpi-2", "ri-1", "dir-a", "dir-A"])),
    "text": st.one_of(st.builds(Literal, _WORDS),
                      st.builds(lambda w, lang: Literal(w, lang=lang), _WORDS, st.sampled_from(["ja", "en"]))),
    "number": st.one_of(st.builds(Literal, st.integers(-20, 20)),
                        st.builds(lambda n: Literal(f"{n / 4}", datatype=URIRef(_XSD + "decimal")), st.integers(-40, 40)),
                        st.builds(lambda n: Literal(f"{n / 2}E0", datatype=URIRef(_XSD + "double")), st.integers(-20, 20))),
    "date": st.builds(lambda y, m, d: Literal(f"{y}-{m:02d}-{d:02d}", datatype=URIRef(_XSD + "date")),
                      st.integers(2015, 2022), st.integers(1, 12), st.integers(1, 28)),
    "year": st.builds(lambda y: Literal(str(y), datatype=URIRef(_XSD + "gYear")), st.integers(2015, 2022)),
    "boolean": st.builds(Literal, st.booleans()),
}
_CONDITIONS = st.sampled_from(["?a", "?b", "DESC(?a)", "ASC(?b)", "STR(?a)", "DESC(STR(?b))", "LANG(?a)",
                               "STRLEN(STR(?b))", "DESC(STRLEN(STR(?a)))"])


def _column(kind):
    """Values of one kind, some unbound, or (one time in five) of any two kinds: Oxigraph orders the
    first kind, and ordering.py gives the second back to it."""
    return st.lists(st.one_of(st.none(), KINDS[kind], KINDS["iri"]), min_size=1, max_size=25)


@st.composite
def tables(draw):
    kinds = draw(st.tuples(st.sampled_from(sorted(KINDS)), st.sampled_from(sorted(KINDS))))
    a = draw(_column(kinds[0]))
    b = draw(st.lists(st.one_of(st.none(), KINDS[kinds[1]]), min_size=len(a), max_size=len(a)))
    if draw(st.integers(0, 4)) == 0:
        b[0] = draw(KINDS[draw(st.sampled_from(sorted(KINDS)))])
    conditions = draw(st.lists(_CONDITIONS, min_size=1, max_size=3))
    limit = draw(st.sampled_from(["", " LIMIT 5", " LIMIT 3 OFFSET 2", " OFFSET 4"]))
    return list(zip(a, b)), " ".join(conditions), limit


def _cell(term):
    return "UNDEF" if term is None else term_sparql(term)


_USED = {"python": 0, "oxigraph": 0}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_python_order_is_oxigraphs_on_generated_values(table):
    rows, conditions, limit = table
    values = " ".join(f"({_cell(a)} {_cell(b)} {i})" for i, (a, b) in enumerate(rows))
    text = f"SELECT ?a ?b ?i WHERE {{ VALUES (?a ?b ?i) {{ {values} }} }} ORDER BY {conditions}{limit}"
    store = ox.Store()
    native = OxigraphEngine(store=store).run(TextQuery("generated", text))
    plan = ordering.plan(text)
    assert plan is not None, text
    engine, lexical = OxigraphEngine(store=store), {}
    unordered = engine._solutions(*engine._prepared(plan.text, None, {}, None), lexical=lexical)
    got = plan.apply(unordered, unordered.columns, lexical)
    _USED["oxigraph" if got is None else "python"] += 1
    if got is not None:
        assert [r["i"] for r in got] == [r["i"] for r in native], text
    assert OxigraphEngine(store=store, sort_in_python=True).run(TextQuery("generated", text)) == native


def test_the_generated_values_were_mostly_ordered_in_python():
    """The property above compared something: most generated tables were ordered here, not by Oxigraph
    (two kinds in a column go to Oxigraph)."""
    if not sum(_USED.values()):
        test_python_order_is_oxigraphs_on_generated_values()
    assert _USED["python"] > _USED["oxigraph"], _USED


@pytest.mark.parametrize("text", [
    "SELECT ?a WHERE { ?a ?p ?b } ORDER BY DESC(COUNT(?b))",       # an aggregate
    "SELECT ?a WHERE { ?a ?p ?b } ORDER BY (?b + 1)",               # an expression
    "SELECT ?a WHERE { { SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?a LIMIT 1 } ?a ?q ?c }",  # a subquery's
    "SELECT ?a WHERE { ?a ?p ?b } ORDER BY ?a VALUES ?a { <urn:x> }",  # a trailing VALUES
    "SELECT ?a WHERE { ?a ?p ?b }",
])
def test_orders_ordering_py_does_not_take(text):
    assert ordering.plan(text) is None


def test_a_condition_over_a_variable_not_returned_is_left_to_oxigraph():
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("2")))
    store.add(ox.Quad(ox.NamedNode("urn:b"), ox.NamedNode("urn:p"), ox.Literal("1")))
    text = "SELECT ?s WHERE { ?s <urn:p> ?o } ORDER BY ?o"
    plan = ordering.plan(text)
    rows = OxigraphEngine(store=store).run(TextQuery("t", plan.text))
    assert plan.apply(rows, rows.columns) is None
    got = OxigraphEngine(store=store, sort_in_python=True).run(TextQuery("t", text))
    assert [str(r["s"]) for r in got] == ["urn:b", "urn:a"]


def test_comments_after_the_order_are_allowed():
    plan = ordering.plan("SELECT ?a WHERE { ?a ?p ?b }\nORDER BY ?a\n# the end\n  \n# more\n")
    assert plan is not None and plan.keys == (("a", "var", False),)
