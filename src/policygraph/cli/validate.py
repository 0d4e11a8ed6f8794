"""Validation commands: validate, docs."""
from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from policygraph.cli.options import RootOption, console, file_path, open_project, signals_end


class ShaclEngine(str, Enum):
    auto = "auto"
    sparql = "sparql"
    pyshacl = "pyshacl"


class Reasoner(str, Enum):
    auto = "auto"
    hermit = "hermit"
    owlrl = "owlrl"


def validate(
    reasoner: Annotated[Reasoner, typer.Option(
        "--reasoner", help="OWL reasoner: auto (HermiT if Java is on the PATH, else owlrl), hermit, "
                           "or owlrl.")] = Reasoner.auto,
    shacl: Annotated[ShaclEngine, typer.Option(
        "--shacl", help="SHACL engine: auto (the shapes as SPARQL queries on the Oxigraph store; pySHACL for "
                        "shapes that use a feature not translated), sparql, or pyshacl (the reference, slower: "
                        "for cross-checks).")] = ShaclEngine.auto,
    root: RootOption = None,
):
    """Check records, SHACL shapes and OWL consistency in one run; write nothing.

    Records are checked with pydantic (types, dates), references and quotes; the built graph
    with the shapes in ontology/shapes.ttl (run as SPARQL on the store, or by pySHACL) and with the
    OWL axioms of the ontology (HermiT, or owlrl without Java; SPARQL clash queries above 50,000 triples). Each violation names its file, line, record, field, the
    rule in plain words and the offending value. Exit codes: 0 valid, 1 violations, 2 input error.

    Example: policygraph validate --reasoner hermit
    """
    from policygraph.checks.validate import raise_for_problems
    from policygraph.pipeline import validate as do_validate
    with signals_end("validate's checks"):
        report = do_validate(open_project(root), reasoner.value, shacl.value)
    for note in report.notes:
        typer.echo(f"policygraph: {note}", err=True)
    raise_for_problems(report)
    owl = report.owl
    console().print(
        f"valid: {report.records} records, {report.triples:,} triples; {report.shapes} SHACL rules "
        f"({report.shacl_engine}, {report.seconds['shacl']:.1f} s); OWL consistent ({owl.reasoner}, {owl.seconds:.1f} s)"
        + (f", {len(owl.reaches):,} reaches links" if owl.reasoner != "SPARQL" else ""))


def docs(
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Output HTML file (default: build/ontology.html).", parser=file_path, metavar="FILE")] = None,
    root: RootOption = None,
):
    """Write an HTML reference of the ontology: classes, properties, shapes and code lists, in Japanese and English.

    Example: policygraph docs --out build/ontology.html
    """
    from policygraph.views.docs import write_docs
    project = open_project(root)
    path = write_docs(project, out)
    console().print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command('validate')(validate)
    app.command('docs')(docs)
