"""The build stage: records → checked corpus → RDF graph → files in build/."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, TIME, Graph

from policygraph.graph.convert import CLASSES, PREFIXES, build_graph, load_ontology
from policygraph.output import write_atomically
from policygraph.project import Project
from policygraph.records.corpus import Corpus, load_corpus

#: Output formats: file name → rdflib serializer name.
FORMATS = {"policygraph.ttl": "turtle", "policygraph.nt": "nt", "policygraph.jsonld": "json-ld"}


@dataclass
class BuildResult:
    corpus: Corpus
    graph: Graph
    files: list[Path]
    #: One-line notes for the user, e.g. that OWL checks fell back to owlrl for want of Java.
    notes: tuple[str, ...] = ()

    @property
    def class_counts(self) -> dict[str, int]:
        return count_classes(self.graph)


def count_classes(graph: Graph) -> dict[str, int]:
    """Instances per policygraph class, in the graph (not in the records)."""
    counts = Counter()
    for name, cls in CLASSES.items():
        counts[name] = sum(1 for _ in graph.subjects(RDF.type, cls))
    return {k: v for k, v in counts.items() if v}


def _derive_stages():
    """Stages that add derived facts to the built graph, in order: (name, function(corpus, graph)).

    Each stage reads the graph and adds triples; none edits records. A stage raises
    PolicygraphError when the graph fails its checks.
    """
    from policygraph.graph import attainment  # attainment reads reasoned facts: keep it after any reasoning stage
    from policygraph.graph import reason
    return [("reasoning", reason.materialise), ("attainment", attainment.materialise)]


def build_in_memory(project: Project) -> tuple[Corpus, Graph]:
    """Load, check, convert and derive; raise PolicygraphError on any problem. Writes nothing."""
    corpus = load_corpus(project)
    ontology = load_ontology(project.ontology)
    graph = build_graph(corpus, ontology)
    for _name, stage in _derive_stages():
        stage(corpus, graph)
    return corpus, graph


def build(project: Project, out_dir: Path | None = None) -> BuildResult:
    """Build the graph and write Turtle, N-Triples and JSON-LD into `out_dir` (default build/).

    Every check runs before anything is written; the files are then written atomically.
    """
    from policygraph.checks.validate import check_graph, raise_for_problems
    corpus, graph = build_in_memory(project)
    checks = check_graph(project, corpus, graph)  # SHACL and OWL, as `policygraph validate` runs them
    raise_for_problems(checks)
    out = out_dir or project.build_dir
    payload = {out / name: _serialize(graph, fmt) for name, fmt in FORMATS.items()}
    write_atomically(payload)
    return BuildResult(corpus, graph, sorted(payload), tuple(checks.notes))


def _serialize(graph: Graph, fmt: str) -> bytes:
    if fmt == "json-ld":
        # Compact JSON-LD with our prefixes as @context, so keys read pg:hasTarget, not full IRIs.
        context = {prefix: str(ns) for prefix, ns in {**PREFIXES, "owl": OWL, "rdf": RDF, "time": TIME}.items()}
        return graph.serialize(format=fmt, context=context, auto_compact=True, encoding="utf-8")
    return graph.serialize(format=fmt, encoding="utf-8")


def latest_input_mtime(project: Project) -> float:
    paths = [project.ontology, *project.records_dir.glob("*.yaml"), *project.sources_dir.glob("*")]
    return max(p.stat().st_mtime for p in paths if p.exists())


def load_graph(project: Project, graph_file: Path | None = None) -> tuple[Graph, str]:
    """The built graph if it is up to date, else a fresh in-memory build. Returns (graph, where)."""
    path = graph_file or project.build_dir / "policygraph.nt"
    if path.is_file() and (graph_file or path.stat().st_mtime >= latest_input_mtime(project)):
        g = Graph()
        g.parse(path, format="nt" if path.suffix == ".nt" else None)
        from policygraph.graph import reason
        if (None, reason.PG.reaches, None) not in g:  # a file written before the reasoning stage existed
            reason.materialise(None, g)
        return g, str(path)
    _, g = build_in_memory(project)
    return g, "data/ (in memory; run `policygraph build` to write build/)"
