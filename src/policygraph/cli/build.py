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
    if_stale: Annotated[bool, typer.Option("--if-stale", help="Build only when the store is missing or older than "
                                           "the data (its build record's input digest differs, or another "
                                           "policygraph version built it); otherwise say it is current and "
                                           "exit 0. `make serve` uses it.")] = False,
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

    Example: policygraph build --out build/   (or: policygraph build --if-stale; policygraph build --store URL)
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
    if if_stale and remote is None and _current(proj, out):
        return
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


def _current(project, out: Path | None) -> bool:
    """True (and a line saying so) when the store in `out` (default build/) holds the current data."""
    from policygraph.pipeline import store_state
    from policygraph.store.embedded import STORE, read_info
    from policygraph.errors import PolicygraphError
    store_dir = (out or project.build_dir) / STORE
    try:
        if store_state(project, store_dir) is not None:
            return False
    except PolicygraphError:  # another project's store, or not a store: the build itself decides
        return False
    info = read_info(store_dir)
    typer.echo(f"policygraph: {store_dir} is current (built {info.built_at} from the same data); not rebuilt",
               err=True)
    return True


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("build")(build)
