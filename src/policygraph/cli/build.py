"""The build command: records → checked graph → files in build/."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from policygraph.cli.options import RootOption, console, open_project


def build(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (default: build/).",
                                                file_okay=False)] = None,
    timings: Annotated[bool, typer.Option("--timings", help="Print how long each stage took.")] = False,
    root: RootOption = None,
):
    """Validate the records and write the store (build/store) and the graph as Turtle, N-Triples and JSON-LD.

    Every record is checked (types, references, dates, quotes against the sources), then the graph
    (SHACL shapes, OWL consistency), as `policygraph validate` does, before anything is written; the
    store and the exports are then swapped in together, atomically. Reading commands open the store.

    Example: policygraph build --out build/
    """
    from policygraph.pipeline import build as do_build
    from policygraph.timing import Stages
    out_console = console()
    proj = open_project(root)
    with console(stderr=True).status("building graph…") as status:
        result = do_build(proj, out, Stages(lambda name: status.update(f"building graph: {name}…")))
    for note in result.notes:
        typer.echo(f"policygraph: {note}", err=True)
    out_console.print(f"built {result.triples:,} triples from {len(result.corpus.records)} records")
    for name, count in result.class_counts.items():
        out_console.print(f"  {name:16} {count:6,}")
    for path in result.files:
        out_console.print(f"wrote {path}", highlight=False, markup=False)
    if timings:
        for name, seconds in result.seconds.items():
            out_console.print(f"  {name:24} {seconds:8.2f} s", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("build")(build)
