"""The serve command: the web app over the built store."""
from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer

from policygraph.cli.options import AsOfOption, PublishedByOption, RootOption, StoreOption, open_project, parse_as_of
from policygraph.errors import EXIT_INPUT, PolicygraphError

LOOPBACK = "127.0.0.1"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def snapshot_store(project, store: str | None, as_of: str | None, published_by: str | None) -> Path:
    """A temporary on-disk store the workers can open read-only, holding what the reading commands
    would read: the graph as of a date or as published by a date (`policygraph.store.derive.restrict`),
    or a remote store's current build (a snapshot taken now). The caller removes its folder."""
    import tempfile

    import pyoxigraph as ox

    from policygraph.pipeline import open_graph
    engine = open_graph(project, store, as_of=parse_as_of(as_of), published_by=parse_as_of(published_by,
                                                                                           "--published-by"))
    if getattr(engine, "note", None):
        typer.echo(f"policygraph: {engine.note}", err=True)
    folder = Path(tempfile.mkdtemp(prefix="policygraph-serve-"))
    disk = ox.Store(str(folder / "store"))
    source = getattr(engine, "store", None)
    if isinstance(source, ox.Store):
        disk.bulk_extend(source.quads_for_pattern(None, None, None))
    else:  # a remote store: its current build as N-Triples
        disk.bulk_load(engine.ntriples(), format=ox.RdfFormat.N_TRIPLES)
    disk.flush()
    del disk
    _index_later(folder / "store")
    return folder / "store"


def _index_later(store_dir: Path) -> None:
    """Write the snapshot's search index beside it in a thread: the server answers at once (/search looks
    up labels on the store, with a note, until the index is there)."""
    import threading

    from policygraph.views import fulltext
    if fulltext.unavailable():
        return

    def write():
        import pyoxigraph as ox
        try:
            fulltext.write_atomic(ox.Store.read_only(str(store_dir)), fulltext.index_of(store_dir))
        except Exception:  # noqa: BLE001 - the folder removed at exit, or no index: the label search remains
            pass
    threading.Thread(target=write, name="search-index", daemon=True).start()


def current_store(project, store: str | Path | None) -> Path:
    """The store folder to serve; exit 2 when it is missing or older than the data (the server never
    builds in memory: it serves exactly what `policygraph build` wrote)."""
    from policygraph.pipeline import store_state
    from policygraph.store.embedded import STORE
    path = Path(store) if store else project.build_dir / STORE
    why = store_state(project, path)
    if why is not None:
        raise PolicygraphError.single(f"the store is {why}; run `policygraph build` first, then serve", EXIT_INPUT,
                                      file=path)
    return path


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on. Default 127.0.0.1 (this machine "
                                      "only); any other address is reachable from the network and is "
                                      "announced with a warning.")] = LOOPBACK,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port (0: any free port).")] = 8000,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.1, help="Seconds a query may run; past it "
                          "the query's worker is stopped and the client gets 503.")] = 10.0,
    max_rows: Annotated[int, typer.Option("--max-rows", min=1, help="Most rows (or triples) one answer holds; a "
                        "larger result gets 413 (add LIMIT).")] = 10_000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=32, help="Query worker processes per pool "
                       "(one pool runs /sparql, one the pages; a slow query holds one worker, the others keep "
                       "answering).")] = 2,
    as_of: AsOfOption = None,
    published_by: PublishedByOption = None,
    store: StoreOption = None,
    root: RootOption = None,
):
    """Serve the store over HTTP: a SPARQL endpoint (/sparql), a page per named query (/queries) and the
    audit pages, read-only. Stops cleanly on Ctrl-C or SIGTERM. With --as-of or --published-by every
    page and query answers as of that date; a remote store (--store URL) is served from a snapshot of
    its current build taken at start-up.

    Example: policygraph serve --port 8000   (then open http://127.0.0.1:8000/)
    """
    import uvicorn

    from policygraph.serve.app import Settings, create_app
    import shutil

    from policygraph.store.remote import configured
    project = open_project(root)
    snapshot = as_of is not None or published_by is not None or configured(project, store) is not None
    # --as-of/--published-by (and a remote store) are served from a snapshot the workers open read-only.
    store_dir = snapshot_store(project, store, as_of, published_by) if snapshot else current_store(project, store)
    hosts = ("127.0.0.1", "localhost", "[::1]", "::1")
    if not is_loopback(host):
        typer.echo(f"policygraph: warning: serving on {host}, reachable from other machines; the endpoint has "
                   "no authentication (read-only, time- and row-limited)", err=True)
        hosts = ("*",)
    settings = Settings(project, store_dir, time_limit=time_limit, max_rows=max_rows, workers=workers, hosts=hosts)
    typer.echo(f"policygraph: serving {store_dir} on http://{host}:{port}/ (SPARQL: /sparql; Ctrl-C stops)", err=True)
    try:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=True,
                    timeout_graceful_shutdown=5)
    finally:
        if snapshot:
            shutil.rmtree(store_dir.parent, ignore_errors=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("serve")(serve)
