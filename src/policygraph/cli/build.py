"""The build command: records → checked graph → files in build/."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from policygraph.cli.options import RootOption, console, open_project


def build(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (default: build/).",
                                                file_okay=False)] = None,
    root: RootOption = None,
):
    """Validate the records and write the graph as Turtle, N-Triples and JSON-LD.

    Every record is checked (types, references, dates, quotes against the sources), then the graph
    (SHACL shapes, OWL consistency), as `policygraph validate` does, before anything is written; the
    files are then replaced atomically.

    Example: policygraph build --out build/
    """
    from policygraph.pipeline import build as do_build
    out_console = console()
    proj = open_project(root)
    with out_console.status("building graph…"):
        result = do_build(proj, out)
    for note in result.notes:
        typer.echo(f"policygraph: {note}", err=True)
    out_console.print(f"built {len(result.graph):,} triples from {len(result.corpus.records)} records")
    for name, count in result.class_counts.items():
        out_console.print(f"  {name:16} {count:6,}")
    for path in result.files:
        out_console.print(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("build")(build)
