"""The pipeline: runs the stages in order — records → graph → derive → checks → files in build/.

`build` writes; `validate` runs the same checks and writes nothing; `load_graph` is the one way a
reading command opens the graph.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rdflib import OWL, RDF, TIME, Graph

from policygraph.checks.validate import (
    ValidationReport,
    check_graph,
    load_shapes,
    raise_for_problems,
)
from policygraph.errors import EXIT_INPUT, PolicygraphError
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
    from policygraph.graph import (
        attainment,  # attainment reads reasoned facts: keep it after any reasoning stage
        reason,
    )
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


def load_graph(project: Project, graph_file: Path | None = None, as_of=None) -> tuple[Graph, str]:
    """The one way every reading command opens the graph. Returns (graph, where it came from).

    `graph_file` if given (it must exist), else build/policygraph.nt when it is at least as new as the
    data, else a fresh in-memory build. A file written before a derivation stage existed gets that
    stage's triples added (pg:reaches, attainment), so an old export and a new one answer alike; with
    `as_of` (a date) attainment is judged again as of that date.
    """
    from policygraph.graph import attainment, reason
    from policygraph.graph.convert import PG
    if graph_file is not None and not graph_file.is_file():
        raise PolicygraphError.single("graph file not found", EXIT_INPUT, file=graph_file)
    path = graph_file or project.build_dir / "policygraph.nt"
    if path.is_file() and (graph_file or path.stat().st_mtime >= latest_input_mtime(project)):
        g = Graph()
        g.parse(path, format="nt" if path.suffix == ".nt" else None)
        where = str(path)
        if (None, PG.reaches, None) not in g:  # written before the reasoning stage existed
            reason.materialise(None, g)
    else:
        _, g = build_in_memory(project)
        where = "data/ (in memory; run `policygraph build` to write build/)"
    if as_of is not None or (None, PG.attainmentAsOf, None) not in g:
        attainment.materialise(None, g, as_of)
    return g, where


def validate(project: Project, reasoner: str = "auto") -> ValidationReport:
    """Every check, in one run: records (pydantic, references, quotes), then SHACL and OWL on the graph.

    Raises PolicygraphError when the records cannot be loaded or break a record rule (the graph
    cannot be built then); returns the report, with its problems, otherwise.
    """
    from policygraph.graph.reason import java_available
    if reasoner == "hermit" and not java_available():  # say so before the long part
        raise PolicygraphError.single("HermiT needs Java, and no `java` is on the PATH", EXIT_INPUT,
                                      field="--reasoner")
    shapes = load_shapes(project)  # a broken shapes file is an input error: say so before the long part
    start = time.perf_counter()
    corpus, graph = build_in_memory(project)
    built = time.perf_counter() - start
    report = check_graph(project, corpus, graph, reasoner, shapes)
    report.seconds["records"] = built
    return report
