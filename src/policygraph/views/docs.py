"""The ontology reference: one self-contained HTML page of classes, properties, axioms, code lists
and SHACL rules, with Japanese and English labels and definitions.

pyLODE 3.4.1 was the first choice; its wheel fails at import (it reads a pyproject.toml that the
wheel does not ship) and it shows one language per term, so this is a small Jinja2 generator
(autoescaped: labels and definitions are data).

    >>> write_docs(Project.locate())
    PosixPath('.../build/ontology.html')
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, select_autoescape
from rdflib import OWL, RDF, RDFS, BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, SH, SKOS, TIME

from policygraph.checks.validate import PGSH, load_shapes
from policygraph.graph.convert import PG, load_ontology
from policygraph.graph.namespaces import PREFIXES, curie
from policygraph.output import write_atomically
from policygraph.project import Project

#: The vocabulary page names terms of these namespaces prefix:name (the queries' prefixes, and time: and owl:).
_PREFIXES = {**PREFIXES, "time": TIME, "owl": OWL}


@dataclass
class Term:
    iri: str
    name: str
    label: dict[str, str]
    definition: dict[str, str]
    facts: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)  # (heading, [(text, anchor)])


def _curie(term) -> str:
    return curie(str(term), _PREFIXES)


def _anchor(term) -> str:
    return _curie(term).replace(":", "-") if str(term).startswith(str(PG)) else ""


def _texts(g: Graph, node, prop) -> dict[str, str]:
    out: dict[str, str] = {}
    for o in g.objects(node, prop):
        lang = getattr(o, "language", None) or "-"
        out.setdefault(lang, str(o))
    return out


def _refs(g: Graph, items) -> list[tuple[str, str]]:
    out = []
    for o in sorted(items, key=str):
        if isinstance(o, URIRef):
            out.append((_curie(o), _anchor(o)))
        elif isinstance(o, BNode) and (o, OWL.unionOf, None) in g:
            members = Collection(g, g.value(o, OWL.unionOf))
            out.append((" or ".join(_curie(m) for m in members), ""))
    return out


def _term(g: Graph, node: URIRef, facts: list[tuple[str, list]]) -> Term:
    return Term(str(node), _curie(node), _texts(g, node, RDFS.label), _texts(g, node, SKOS.definition),
                [(h, v) for h, v in facts if v])


def _disjoint_with(g: Graph, cls) -> list:
    out = set(g.objects(cls, OWL.disjointWith)) | set(g.subjects(OWL.disjointWith, cls))
    for axiom in g.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(Collection(g, g.value(axiom, OWL.members)))
        if cls in members:
            out |= {m for m in members if m != cls}
    return list(out)


def reference(ontology: Graph, shapes: Graph) -> dict:
    """The content of the reference page, as plain data (also what tests read)."""
    g = ontology
    ours = lambda n: isinstance(n, URIRef) and str(n).startswith(str(PG))
    classes = [_term(g, c, [
        ("subclass of", _refs(g, g.objects(c, RDFS.subClassOf))),
        ("superclass of", _refs(g, g.subjects(RDFS.subClassOf, c))),
        ("disjoint with", _refs(g, _disjoint_with(g, c))),
    ]) for c in sorted(filter(ours, g.subjects(RDF.type, OWL.Class)), key=str)]

    def prop_facts(p):
        kinds = [k for k, t in (("transitive", OWL.TransitiveProperty), ("asymmetric", OWL.AsymmetricProperty),
                                ("functional", OWL.FunctionalProperty)) if (p, RDF.type, t) in g]
        return [
            ("characteristics", [(k, "") for k in kinds]),
            ("domain", _refs(g, g.objects(p, RDFS.domain))),
            ("range", _refs(g, g.objects(p, RDFS.range))),
            ("sub-property of", _refs(g, g.objects(p, RDFS.subPropertyOf))),
            ("super-property of", _refs(g, g.subjects(RDFS.subPropertyOf, p))),
            ("inverse of", _refs(g, set(g.objects(p, OWL.inverseOf)) | set(g.subjects(OWL.inverseOf, p)))),
        ]

    object_props = [_term(g, p, prop_facts(p))
                    for p in sorted(filter(ours, g.subjects(RDF.type, OWL.ObjectProperty)), key=str)]
    data_props = [_term(g, p, prop_facts(p))
                  for p in sorted(filter(ours, g.subjects(RDF.type, OWL.DatatypeProperty)), key=str)]
    schemes = []
    for scheme in sorted(filter(ours, g.subjects(RDF.type, SKOS.ConceptScheme)), key=str):
        concepts = sorted(g.subjects(SKOS.inScheme, scheme), key=lambda c: str(g.value(c, SKOS.notation) or c))
        schemes.append((_term(g, scheme, [("source", _refs(g, g.objects(scheme, DCTERMS.source)))]),
                        [(str(g.value(c, SKOS.notation) or ""), _term(g, c, [])) for c in concepts]))
    rules = []
    for shape in sorted(set(shapes.subjects(SH.message, None)), key=str):
        if isinstance(shape, URIRef):
            path = shapes.value(shape, SH.path)
            rules.append((str(shape).removeprefix(PGSH),
                          _curie(path) if isinstance(path, URIRef) else "", str(shapes.value(shape, SH.message))))
    onto = next(iter(g.subjects(RDF.type, OWL.Ontology)), None)
    return {
        "title": _texts(g, onto, DCTERMS.title), "description": _texts(g, onto, DCTERMS.description),
        "version": str(g.value(onto, OWL.versionInfo) or ""), "iri": str(onto or ""),
        "classes": classes, "object_properties": object_props, "datatype_properties": data_props,
        "schemes": schemes, "rules": rules,
    }


_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ r.title.get('en', 'policygraph ontology') }} — reference</title>
<style>
body{font-family:system-ui,'Noto Sans JP',sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
h2{border-bottom:2px solid #446;margin-top:2.5rem}.term{border-left:4px solid #99b;padding:.2rem 1rem;margin:1rem 0}
.term h3{margin:.2rem 0;font-family:monospace}.ja{color:#333}.iri{color:#777;font-size:.85em}
dl{display:grid;grid-template-columns:10rem 1fr;gap:.1rem 1rem;margin:.4rem 0}dt{font-weight:600;color:#446}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccd;padding:.25rem .5rem;text-align:left;vertical-align:top}
nav a{margin-right:1rem}pre{white-space:pre-wrap}
</style></head><body>
<h1>{{ r.title.get('en', '') }} <span class="ja" lang="ja">{{ r.title.get('ja', '') }}</span></h1>
<p class="iri">{{ r.iri }}{% if r.version %} — version {{ r.version }}{% endif %}</p>
<pre>{{ r.description.get('en', '') }}</pre>
<nav><a href="#classes">Classes</a><a href="#object-properties">Object properties</a>
<a href="#datatype-properties">Datatype properties</a><a href="#schemes">Code lists</a><a href="#rules">SHACL rules</a></nav>
{% macro term(t) -%}
<div class="term" id="{{ t.name|replace(':', '-') }}">
<h3>{{ t.name }}</h3>
<div><b>{{ t.label.get('en', '') }}</b> · <span class="ja" lang="ja">{{ t.label.get('ja', '') }}</span></div>
<p>{{ t.definition.get('en', '') }}<br><span class="ja" lang="ja">{{ t.definition.get('ja', '') }}</span></p>
<p class="iri">{{ t.iri }}</p>
{% if t.facts %}<dl>{% for heading, refs in t.facts %}<dt>{{ heading }}</dt><dd>
{%- for text, anchor in refs %}{% if anchor %}<a href="#{{ anchor }}">{{ text }}</a>{% else %}{{ text }}{% endif %}{% if not loop.last %}, {% endif %}{% endfor -%}
</dd>{% endfor %}</dl>{% endif %}
</div>
{%- endmacro %}
<h2 id="classes">Classes ({{ r.classes|length }})</h2>
{% for t in r.classes %}{{ term(t) }}{% endfor %}
<h2 id="object-properties">Object properties ({{ r.object_properties|length }})</h2>
{% for t in r.object_properties %}{{ term(t) }}{% endfor %}
<h2 id="datatype-properties">Datatype properties ({{ r.datatype_properties|length }})</h2>
{% for t in r.datatype_properties %}{{ term(t) }}{% endfor %}
<h2 id="schemes">Code lists (SKOS concept schemes, {{ r.schemes|length }})</h2>
{% for scheme, concepts in r.schemes %}{{ term(scheme) }}
<table><tr><th>notation</th><th>concept</th><th>English</th><th lang="ja">日本語</th></tr>
{% for notation, c in concepts %}<tr id="{{ c.name|replace(':', '-') }}"><td>{{ notation }}</td><td>{{ c.name }}</td>
<td>{{ c.label.get('en', '') }}<br><small>{{ c.definition.get('en', '') }}</small></td>
<td lang="ja">{{ c.label.get('ja', '') }}<br><small>{{ c.definition.get('ja', '') }}</small></td></tr>
{% endfor %}</table>{% endfor %}
<h2 id="rules">SHACL rules ({{ r.rules|length }}, ontology/shapes.ttl)</h2>
<table><tr><th>rule</th><th>path</th><th>what it requires</th></tr>
{% for name, path, message in r.rules %}<tr><td>{{ name }}</td><td>{{ path }}</td><td>{{ message }}</td></tr>
{% endfor %}</table>
</body></html>
"""


def render_docs(ontology: Graph, shapes: Graph) -> str:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    return env.from_string(_TEMPLATE).render(r=reference(ontology, shapes))


def write_docs(project: Project, out: Path | None = None) -> Path:
    """Write the ontology reference (default build/ontology.html); returns its path."""
    path = out or project.build_dir / "ontology.html"
    html = render_docs(load_ontology(project.ontology), load_shapes(project))
    write_atomically({path: html.encode("utf-8")})
    return path
