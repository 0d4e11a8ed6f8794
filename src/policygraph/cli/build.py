"""The build command: records → checked graph → files in build/."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from policygraph.cli.options import RootOption, console, open_project, signals_end


def build(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (default: build/).",
                                                file_okay=False)] = None,
    timings: Annotated[bool, typer.Option("--timings", help="Print how long each stage took.")] = False,
    store: Annotated[str | None, typer.Option(
        "--store", help="Upload the graph to this SPARQL 1.1 store (the URL of its query endpoint; default: "
                        "[store] url in policygraph.toml) instead of writing build/: into a new named graph, "
                        "made current once it is whole. Credentials: $POLICYGRAPH_STORE_USER and "
                        "$POLICYGRAPH_STORE_PASSWORD (or _PASSWORD_FILE).")] = None,
    root: RootOption = None,
):
    """Validate the records and write the store (build/store) and the graph as Turtle, N-Triples and JSON-LD.

    Every record is checked (types, references, dates, quotes against the sources), then the graph
    (SHACL shapes, OWL consistency), as `policygraph validate` does, before anything is written; the
    store and the exports are then swapped in together, atomically. Reading commands open the store.

    Example: policygraph build --out build/   (or: policygraph build --store http://127.0.0.1:8890/sparql)
    """
    from policygraph.errors import EXIT_INPUT, PolicygraphError
    from policygraph.pipeline import build as do_build
    from policygraph.store.remote import configured, is_url
    from policygraph.timing import Stages
    out_console = console()
    proj = open_project(root)
    if store is not None and not is_url(store):
        raise PolicygraphError.single("build --store takes the URL of a SPARQL endpoint; --out names a folder",
                                      EXIT_INPUT, field="--store", value=store)
    if store is not None and out is not None:
        raise PolicygraphError.single("give --store (a remote store) or --out (a folder), not both", EXIT_INPUT,
                                      field="--store")
    remote = configured(proj, store) if out is None else None
    if remote is not None:
        remote.current()  # an unreachable store or refused credentials: say so before the long part
    with signals_end("the build"), console(stderr=True).status("building graph…") as status:
        result = do_build(proj, out, Stages(lambda name: status.update(f"building graph: {name}…")), remote)
    for note in result.notes:
        typer.echo(f"policygraph: {note}", err=True)
    out_console.print(f"built {result.triples:,} triples from {len(result.corpus.records)} records")
    for name, count in result.class_counts.items():
        out_console.print(f"  {name:16} {count:6,}")
    for path in result.files:
        out_console.print(f"wrote {path}", highlight=False, markup=False)
    if result.remote:
        out_console.print(f"wrote {result.remote}", highlight=False, markup=False)
    if timings:
        for name, seconds in result.seconds.items():
            out_console.print(f"  {name:24} {seconds:8.2f} s", highlight=False, markup=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("build")(build)
