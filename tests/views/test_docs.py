"""policygraph docs: an HTML reference of the ontology with Japanese and English labels and definitions."""
from markupsafe import escape
from rdflib import OWL, RDF, RDFS
from rdflib.namespace import SKOS

from policygraph.cli.app import app
from policygraph.graph.convert import PG, load_ontology


def test_docs_lists_every_term_in_both_languages(runner, project, tmp_path):
    out = tmp_path / "ontology.html"
    result = runner.invoke(app, ["docs", "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    onto = load_ontology(project.ontology)
    terms = [t for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
             for t in onto.subjects(RDF.type, kind) if str(t).startswith(str(PG))]
    assert len(terms) > 50
    for term in terms:
        anchor = "pg-" + str(term)[len(str(PG)):]
        assert f'id="{anchor}"' in page, term
        for prop in (RDFS.label, SKOS.definition):
            for lang in ("ja", "en"):
                text = next(str(o) for o in onto.objects(term, prop) if o.language == lang)
                assert str(escape(text)) in page, (term, prop, lang)
    # Axioms and rules show: reaches is transitive with its sub-properties; shapes are listed.
    reaches = page[page.index('id="pg-reaches"'):]
    assert "transitive" in reaches[:3000] and "pg:isCarriedBy" in reaches[:3000]
    assert "a grade belongs to the legend (grade scheme) of the document that gives it" in page
    assert "イ" in page and "目標達成" in page  # the evaluation grade legend


def test_docs_default_goes_to_build_and_escapes_labels(runner, project_copy):
    onto = project_copy.ontology
    onto.write_text(onto.read_text(encoding="utf-8") + """
pg:Hostile a owl:Class ; rdfs:label "<script>alert(1)</script>"@en , "悪意"@ja ;
    skos:definition "x & y"@en , "定義"@ja .
""", encoding="utf-8")
    result = runner.invoke(app, ["docs", "--root", str(project_copy.root)])
    assert result.exit_code == 0, result.output
    page = (project_copy.build_dir / "ontology.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "x &amp; y" in page
