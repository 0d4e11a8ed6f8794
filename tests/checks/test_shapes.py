"""SHACL shapes (ontology/shapes.ttl): one failing fixture per rule, pySHACL-style.

tests/fixtures/shapes/base.ttl is a small graph every shape accepts. Each <rule>.ru next to it
is a SPARQL UPDATE that breaks that rule; its first line says which rule must fire, on which
node, with which words in its message.
"""
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SH

from policygraph.checks.validate import PGSH, load_shapes, shacl
from policygraph.graph.convert import load_ontology
from policygraph.graph.reason import materialise

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "shapes"
PREFIXES = """
PREFIX pg:      <https://w3id.org/policygraph/ontology#>
PREFIX pgr:     <https://w3id.org/policygraph/id/>
PREFIX pgev:    <https://w3id.org/policygraph/id/src/evidence/>
PREFIX xsd:     <http://www.w3.org/2001/XMLSchema#>
PREFIX rdfs:    <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov:    <http://www.w3.org/ns/prov#>
PREFIX org:     <http://www.w3.org/ns/org#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
CASES = sorted(FIXTURES.glob("*.ru"))


def _expect(path: Path) -> tuple[str, str, str]:
    head = path.read_text(encoding="utf-8").splitlines()[0]
    assert head.startswith("# expect:"), path
    rule, node, words = (part.strip() for part in head[len("# expect:"):].split("|"))
    return rule, node, words


@pytest.fixture(scope="module")
def shapes(project):
    return load_shapes(project)


@pytest.fixture(scope="module")
def ontology(project):
    return load_ontology(project.ontology)


def _graph(ontology, update: str | None = None) -> Graph:
    g = Graph()
    g += ontology
    g.parse(FIXTURES / "base.ttl", format="turtle")
    if update:
        g.update(PREFIXES + update)
    materialise(None, g)  # the derived links, as the build adds them before validating
    return g


def test_base_fixture_is_clean(ontology, shapes):
    assert shacl(_graph(ontology), shapes) == []


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_each_rule_fails_its_fixture_with_a_clear_message(case, ontology, shapes):
    rule, node, words = _expect(case)
    problems = shacl(_graph(ontology, case.read_text(encoding="utf-8")), shapes)
    fired = [p for p in problems if p.message.endswith(f"[shape {rule}]")]
    assert fired, f"{rule} did not fire; got: {[str(p) for p in problems]}"
    assert any(p.record == node for p in fired), [str(p) for p in fired]
    assert all(words in p.message for p in fired), [p.message for p in fired]


def test_every_rule_has_a_fixture(shapes):
    rules = {str(s)[len(PGSH):] for s in shapes.subjects(SH.message, None)
             if isinstance(s, URIRef) and str(s).startswith(PGSH)}
    covered = {_expect(c)[0] for c in CASES}
    assert rules, "no named rules in shapes.ttl"
    assert rules - covered == set(), f"rules without a failing fixture: {sorted(rules - covered)}"
    assert covered - rules == set(), f"fixtures for unknown rules: {sorted(covered - rules)}"


def test_every_rule_says_what_it_requires_in_plain_words(shapes):
    for shape, message in shapes.subject_objects(SH.message):
        assert len(str(message).split()) >= 4, f"{shape}: message too terse: {message!r}"


def test_real_corpus_conforms(built, shapes):
    corpus, graph = built
    problems = shacl(graph, shapes, corpus)
    assert problems == [], "\n".join(str(p) for p in problems)


def test_violation_is_located_at_the_record_file_line_and_field(project_copy):
    """A real record broken in its YAML: the problem names the file, the line of the field, and the value."""
    from policygraph.pipeline import build_in_memory
    path = project_copy.records_dir / "001-cloud-briefing.yaml"
    text = path.read_text(encoding="utf-8")
    # Give the briefing an issue date before the observations it reports (a day it does not print).
    anchor = '    date_text: "2017年半ば（日付の記載なし）"\n    issued_between: [2017-06-09, 2017-09-30]\n'
    assert anchor in text
    path.write_text(text.replace(anchor, '    date_text: "2017年半ば（日付の記載なし）"\n    issued: 2015-01-01\n', 1),
                    encoding="utf-8")
    corpus, graph = build_in_memory(project_copy)
    problems = [p for p in shacl(graph, load_shapes(project_copy), corpus)
                if p.message.endswith("[shape observation-before-document]")]
    obs = next(p for p in problems if p.record == "obs-cloud-municipalities-2015-04-01-briefing")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert obs.file == path and obs.field == "date" and obs.value == "2015-04-01"
    assert lines[obs.line - 1].strip() == "date: 2015-04-01"
    assert "does not start after the issue date of the document" in str(obs)
