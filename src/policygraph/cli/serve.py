"""The serve command: the web app over the built store."""
from __future__ import annotations

import ipaddress
import os
import re
import socket
from pathlib import Path
from typing import Annotated

import typer

from policygraph.cli.options import AsOfOption, PublishedByOption, RootOption, StoreOption, open_project, parse_as_of
from policygraph.errors import EXIT_INPUT, PolicygraphError

#: Ctrl-C (SIGINT) ends the server with 128 + 2, as a shell reports it (README's exit-code table).
EXIT_INTERRUPTED = 130

LOOPBACK = "127.0.0.1"
#: Host names a loopback server answers to (the Host check refuses every other: DNS rebinding).
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]", "::1")
#: A snapshot's temporary folder: policygraph-serve-<pid of the server>-<random>.
SNAPSHOT_PREFIX = "policygraph-serve-"
#: Megabytes: below this a worker cannot open the store (its address space is about 470 MB at rest).
MIN_WORKER_MEMORY = 512


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def snapshot_store(project, store: str | None, as_of: str | None, published_by: str | None) -> Path:
    """A temporary on-disk store the workers can open read-only, holding a remote store's current build
    (a snapshot taken now), as of a date or as published by a date if asked
    (`policygraph.store.derive.restrict`), with a build record (/health's
    `built_at`: the source build's time, or the snapshot's). The folder is named with this process's
    pid (`remove_stale_snapshots` removes it once the process is gone); the caller removes it on exit,
    and it is removed here when the snapshot fails or is interrupted."""
    import datetime as dt
    import shutil
    import tempfile

    import pyoxigraph as ox

    from policygraph import __version__
    from policygraph.pipeline import open_graph
    from policygraph.store.embedded import INFO, BuildInfo, read_info
    engine = open_graph(project, store, as_of=parse_as_of(as_of), published_by=parse_as_of(published_by,
                                                                                           "--published-by"))
    if getattr(engine, "note", None):
        typer.echo(f"policygraph: {engine.note}", err=True)
    folder = Path(tempfile.mkdtemp(prefix=f"{SNAPSHOT_PREFIX}{os.getpid()}-"))
    try:
        disk = ox.Store(str(folder / "store"))
        source = getattr(engine, "store", None)
        if isinstance(source, ox.Store):
            disk.bulk_extend(source.quads_for_pattern(None, None, None))
            origin = read_info(Path(engine.where)) if getattr(engine, "where", None) else None
            built_at = origin.built_at if origin else None
        else:  # a remote store: its current build as N-Triples
            engine.load_into(disk)
            current = getattr(engine, "current", None)
            built_at = (getattr(current, "info", None) or {}).get("built_at")
        disk.flush()
        triples = len(disk)
        del disk
        built_at = built_at or dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        (folder / "store" / INFO).write_text(BuildInfo(__version__, str(project.root), "", [], str(built_at),
                                                       triples).to_json(), encoding="utf-8")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _index_later(folder / "store")
    return folder / "store"


def dated_store(store_dir: Path, as_of: str | None, published_by: str | None) -> Path:
    """The store as of a date (`policygraph.store.dated`: made once beside the built store, then read as
    it is), with the note on the documents left out; its search index is written in a thread when it has
    none yet."""
    from policygraph.pipeline import left_out
    from policygraph.store.dated import materialised
    from policygraph.views import fulltext
    folder, dropped = materialised(store_dir, parse_as_of(as_of), parse_as_of(published_by, "--published-by"))
    note = left_out(published_by, dropped)
    if note:
        typer.echo(f"policygraph: {note}", err=True)
    if not fulltext.index_of(folder).exists():
        _index_later(folder)
    return folder


def remove_stale_snapshots() -> list[Path]:
    """Remove the snapshot folders of servers that are gone (killed, so their own clean-up never ran):
    those whose name carries the pid of a process that no longer exists. Returns the folders removed."""
    import shutil
    import tempfile

    from policygraph.output import process_alive
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{SNAPSHOT_PREFIX}*"):
        m = re.match(rf"{SNAPSHOT_PREFIX}(\d+)-", folder.name)
        if m is None or not folder.is_dir() or process_alive(int(m.group(1))):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, made before anything else starts; exit 2 with one line when the host
    does not resolve or the address is taken."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise PolicygraphError.single(f"cannot resolve --host {host!r}: {getattr(exc, 'strerror', None) or exc}",
                                      EXIT_INPUT, field="--host") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: a restart reuses the port
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise PolicygraphError.single(f"cannot listen on {host} port {port}: {exc.strerror or exc} (another server "
                                      f"there? choose another --port)", EXIT_INPUT, field="--port") from None
    sock.set_inheritable(True)
    return sock


def allowed_hosts(host: str, public: bool, extra: list[str]) -> tuple[str, ...]:
    """The Host header values the server answers to: loopback names, plus with --public the address it
    listens on (unless it is every address, 0.0.0.0 / ::) and each --allowed-host. Exit 2 for a
    non-loopback --host without --public."""
    if not is_loopback(host) and not public:
        raise PolicygraphError.single(f"--host {host} is reachable from other machines and the server has no "
                                      "authentication: add --public to serve there anyway (see README: a public "
                                      "endpoint needs a reverse proxy with authentication)", EXIT_INPUT,
                                      field="--host")
    hosts = list(LOOPBACK_NAMES)
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        address = None
    if not is_loopback(host) and not (address is not None and address.is_unspecified):
        hosts.append(f"[{address}]" if address is not None and address.version == 6 else host)
    hosts += [h.strip().lower() for h in extra if h.strip()]
    return tuple(dict.fromkeys(hosts))


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
                                      "only); any other address is reachable from the network and needs "
                                      "--public.")] = LOOPBACK,
    public: Annotated[bool, typer.Option("--public", help="Allow a --host other than loopback (the server has no "
                                         "authentication: put a reverse proxy with it in front).")] = False,
    allowed_host: Annotated[list[str] | None, typer.Option("--allowed-host", help="A Host header value to "
                            "answer besides 127.0.0.1 / localhost and the --host address (repeatable; "
                            "'*.example.org' allows its subdomains). Requests naming any other Host get 400.")] = None,
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="TCP port (0: any free port).")] = 8000,
    time_limit: Annotated[float, typer.Option("--time-limit", min=0.1, help="Seconds a query may run; past it "
                          "the query's worker is stopped and the client gets 503.")] = 10.0,
    max_rows: Annotated[int, typer.Option("--max-rows", min=1, help="Most rows (or triples) one /sparql answer "
                        "holds; a larger result gets 413 (add LIMIT). The pages' tables page and download whole.")] = 10_000,
    workers: Annotated[int, typer.Option("--workers", min=1, max=32, help="Query worker processes per pool "
                       "(one pool runs /sparql, one the pages; a slow query holds one worker, the others keep "
                       "answering).")] = 2,
    queue: Annotated[int, typer.Option("--queue", min=0, max=1000, help="Requests that may wait for a busy "
                     "/sparql worker; more get 503 with Retry-After at once (the pages have their own "
                     "workers and queue).")] = 8,
    worker_memory: Annotated[int, typer.Option("--worker-memory", min=0, help="Megabytes of address space a "
                             "query worker may use (0: no limit); a query that needs more is stopped and "
                             "gets 503, and its worker is replaced. A worker needs about 500 MB to open the "
                             "store: at least 512.")] = 2048,
    as_of: AsOfOption = None,
    published_by: PublishedByOption = None,
    store: StoreOption = None,
    root: RootOption = None,
):
    """Serve the store over HTTP: a SPARQL endpoint (/sparql), a page per named query (/queries) and the
    audit pages, read-only, from the one generation of the store it finds at start-up (a later build is
    served after a restart). Ctrl-C (exit 130) or SIGTERM (143) let the requests in flight finish. With --as-of or --published-by every
    page and query answers as of that date; a remote store (--store URL) is served from a snapshot of
    its current build taken at start-up.

    Example: policygraph serve --port 8000   (then open http://127.0.0.1:8000/)
    """
    import shutil

    import uvicorn

    from policygraph.serve.app import Settings, create_app
    from policygraph.serve.workers import stop_helpers
    from policygraph.store.remote import configured
    project = open_project(root)
    hosts = allowed_hosts(host, public, allowed_host or [])
    if 0 < worker_memory < MIN_WORKER_MEMORY:
        raise PolicygraphError.single(f"--worker-memory {worker_memory} is too small: a query worker needs about 500 MB "
                                      f"of address space to open the store; give 0 (no limit) or at least "
                                      f"{MIN_WORKER_MEMORY}", EXIT_INPUT, field="--worker-memory")
    remove_stale_snapshots()
    snapshot = configured(project, store) is not None
    dated = not snapshot and (as_of is not None or published_by is not None)
    store_dir = None if snapshot else current_store(project, store)
    # Then the address: a port in use or a host that does not resolve stops here, before any worker
    # starts (and before a snapshot is written).
    sock = listening_socket(host, port)
    try:
        # A remote store is served from a snapshot the workers open read-only; --as-of/--published-by from
        # the store as of the date, made once beside the built store.
        if snapshot:
            store_dir = snapshot_store(project, store, as_of, published_by)
        elif dated:
            store_dir = dated_store(store_dir, as_of, published_by)
        if not is_loopback(host):
            typer.echo(f"policygraph: warning: serving on {host}, reachable from other machines; the endpoint has "
                       "no authentication (read-only, time- and row-limited): put a reverse proxy with "
                       "authentication in front", err=True)
        settings = Settings(project, store_dir, time_limit=time_limit, max_rows=max_rows, workers=workers,
                            hosts=hosts, queue=queue, worker_memory=worker_memory * 2**20)
        bound = sock.getsockname()[1]
        typer.echo(f"policygraph: serving {store_dir.resolve()} on http://{host}:{bound}/ (SPARQL: /sparql; "
                   "Ctrl-C stops)", err=True)
        # SIGTERM / Ctrl-C: uvicorn stops accepting and lets the requests in flight finish — a query runs
        # at most its time limit — before the workers end.
        config = uvicorn.Config(create_app(settings), log_level="info", access_log=True,
                                timeout_graceful_shutdown=max(time_limit, settings.page_time_limit) + 5)
        uvicorn.Server(config).run(sockets=[sock])
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        sock.close()
        stop_helpers()  # the forkserver and resource tracker end with the server, not after it
        if snapshot and store_dir is not None:
            shutil.rmtree(store_dir.parent, ignore_errors=True)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main app."""
    app.command("serve")(serve)
