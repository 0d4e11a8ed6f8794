"""The embedded store: an Oxigraph database on disk that every reading command opens read-only.

`policygraph build` writes one *generation* — the store and the Turtle / N-Triples / JSON-LD exports
— into a new hidden folder of the build folder, then swaps the symlink ``current`` to it with one
``rename(2)``. A reader therefore sees the old or the new generation, never a mix, and a build that
fails or is killed leaves the previous one untouched (its half-written folder is removed by the next
build). The stable names ``build/store`` and ``build/policygraph.ttl`` … are symlinks through
``current``. A lock file serialises builds: a second build while one runs stops with exit 2.

Every reader holds the generation it reads: `policygraph serve` with `pinned` for as long as it runs,
every other reading command through `open_store` until its process ends — a shared `flock` on the
generation's ``.readers.lock``. A build removes every generation but the new one unless a reader holds
its lock, so the build folder keeps one previous generation only while a reader may still use it.

Each store records what built it in ``policygraph-build.json`` inside the store folder (RocksDB
ignores the extra file): the policygraph version, the project folder, a SHA-256 digest of the
inputs and their sizes and modification times, the build time and the number of triples.

>>> import tempfile, pyoxigraph as ox
>>> with tempfile.TemporaryDirectory() as tmp:
...     folder = Path(tmp)
...     gen = publish(folder, b'<http://a> <http://b> "c" .\\n', {}, BuildInfo("0", "/p", "d", [], "now", 1))
...     store = open_store(folder / STORE)
...     [s["o"].value for s in store.query("SELECT ?o WHERE { ?s ?p ?o }")], read_info(folder / STORE).digest
(['c'], 'd')
"""
from __future__ import annotations

import contextlib
import fcntl
import io
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import BinaryIO
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox

from policygraph.errors import EXIT_INPUT, PolicygraphError

#: Names inside a build folder.
CURRENT = "current"  # symlink to the live generation
STORE = "store"  # symlink to current/store: what reading commands open
INFO = "policygraph-build.json"  # inside a store folder
LOCK = ".build.lock"
READERS = ".readers.lock"  # inside a generation: readers hold it shared, a build deletes only if it is free
_GEN_PREFIX = ".gen-"


@dataclass
class BuildInfo:
    """What built a store, so that a stale store or one from another project is named."""

    version: str
    project: str
    digest: str  # SHA-256 over the inputs' names and contents
    #: [relative path, size, mtime_ns] of each input: a cheap first check before the digest.
    inputs: list = field(default_factory=list)
    built_at: str = ""
    triples: int = 0

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=1)


def read_info(store_dir: Path) -> BuildInfo | None:
    """The build record of a store folder, or None when it has none (not written by policygraph)."""
    try:
        data = json.loads((store_dir / INFO).read_text(encoding="utf-8"))
        return BuildInfo(**data)
    except (OSError, ValueError, TypeError):
        return None


#: Lock files of the generations this process has opened, held shared until it exits (`open_store`).
_held: dict[Path, int] = {}


def count_classes(store) -> dict[str, int]:
    """Instances per policygraph class, in the built store (not in the records)."""
    from policygraph.graph.convert import CLASSES
    counts = {str(r["c"].value): int(r["n"].value)
              for r in store.query("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c")}
    return {name: counts[str(cls)] for name, cls in CLASSES.items() if counts.get(str(cls))}


def open_store(store_dir: Path) -> ox.Store:
    """Open a store folder read-only, holding its generation for the rest of this process (a build
    meanwhile keeps it: RocksDB opens its files as it reads them); exit 2 with a located message when it
    cannot be opened."""
    return open_resolved(store_dir)[0]


def reports_home(resolved: Path) -> Path | None:
    """The folder whose `reports/` keeps the reports of the store at `resolved` (`policygraph.query.reports`):
    its generation, or the folder of a store as of a date inside one; None for a store elsewhere."""
    parent = resolved.parent
    if parent.name.startswith(_GEN_PREFIX) or any(p.name.startswith(_GEN_PREFIX) for p in parent.parents):
        return parent
    return None


def open_resolved(store_dir: Path) -> tuple[ox.Store, Path]:
    """`open_store`, and the store folder it opened (`store_dir` resolved once: build/store is a link that a
    build moves to the next generation)."""
    resolved, fd = _hold(Path(store_dir))
    if fd is not None and resolved.parent not in _held:
        _held[resolved.parent] = fd
    elif fd is not None:
        os.close(fd)  # this process holds it already
    try:
        return ox.Store.read_only(str(resolved)), resolved
    except OSError as exc:
        raise PolicygraphError.single(f"cannot open the store: {exc}", EXIT_INPUT, file=store_dir) from exc


@contextlib.contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    """Hold the build folder's lock; a second holder gets exit 2 at once, naming the first's pid."""
    build_dir.mkdir(parents=True, exist_ok=True)
    path = build_dir / LOCK
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise PolicygraphError.single(f"another build is writing this folder (pid {other}); wait for it to "
                                          "finish and run again", EXIT_INPUT, file=build_dir) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def publish(build_dir: Path, ntriples: bytes, exports: dict[str, bytes] | Callable[[], dict[str, bytes]],
            info: BuildInfo, reports: Path | None = None) -> Path:
    """Write a new generation (the store loaded from `ntriples`, the exports, and the folder of `reports`
    computed on the same graph: `policygraph.query.reports`) and swap it in atomically; returns its folder.

    `exports` (file name → bytes) may be a function giving them: it is called once the store is loaded,
    so the build loads the store while its other exports are still being made (1M triples: ~7 s less).
    The caller holds `build_lock`. Nothing the readers use changes until the final rename.
    """
    build_dir.mkdir(parents=True, exist_ok=True)
    _remove_unfinished(build_dir)
    gen = Path(tempfile.mkdtemp(dir=build_dir, prefix=f"{_GEN_PREFIX}{time.strftime('%Y%m%dT%H%M%S')}-"))
    names: list[str] = []
    try:
        os.chmod(gen, 0o777 & ~_umask())  # mkdtemp makes it private; readers may be other users
        store_dir = gen / STORE
        store = ox.Store(str(store_dir))
        bulk_load_ntriples(store, io.BytesIO(ntriples))
        store.optimize()
        store.flush()
        del store  # close RocksDB before the folder is published
        made = exports() if callable(exports) else exports
        for name in list(made):  # each payload let go once written
            names.append(name)
            (gen / name).write_bytes(made.pop(name))
        (store_dir / INFO).write_text(info.to_json(), encoding="utf-8")
        if reports is not None and reports.is_dir():
            shutil.copytree(reports, gen / reports.name)
        (gen / READERS).touch()
        _fsync_tree(gen)
        (gen / ".complete").touch()
    except BaseException:
        shutil.rmtree(gen, ignore_errors=True)
        raise
    _replace_symlink(build_dir / CURRENT, gen.name)
    for name in (STORE, *names):
        _replace_symlink(build_dir / name, f"{CURRENT}/{name}")
    # Drop every older generation, the one just replaced too, unless a reader (a server, a reading
    # command) holds it: that one stays until a build after the reader ends.
    for old in build_dir.glob(f"{_GEN_PREFIX}*"):
        if old.name != gen.name:
            _remove_unless_pinned(old)
    return gen


#: N-Triples bulk-loaded per piece of about this size: Oxigraph's bulk loader holds what it is given and
#: more (a million triples in one call: ~0.9 GB; in pieces of 32 MB: ~0.25 GB, in the same time).
LOAD_PIECE = 32 * 1024 * 1024
_BLANK_LINES = re.compile(rb"^[^\n]*_:[^\n]*\n?", re.MULTILINE)


def bulk_load_ntriples(store: ox.Store, nt: BinaryIO, piece: int = LOAD_PIECE) -> None:
    r"""Load N-Triples from `nt` into `store` with Oxigraph's bulk loader, a piece of whole lines at a
    time. A blank node's label names the same node only within one load, so every line that may hold
    one (any line with "_:") is kept back and loaded in a last piece of its own.

    >>> store = ox.Store()
    >>> nt = b'<urn:a> <urn:p> _:x .\n<urn:b> <urn:p> "1" .\n_:x <urn:q> "2" .\n'
    >>> bulk_load_ntriples(store, io.BytesIO(nt), piece=10)  # pieces of one line: _:x is one node all the same
    >>> len(store), ([q.object for q in store.quads_for_pattern(ox.NamedNode("urn:a"), None, None)]
    ...              == [q.subject for q in store.quads_for_pattern(None, ox.NamedNode("urn:q"), None)])
    (3, True)
    """
    blank: list[bytes] = []
    while True:
        data = nt.read(piece)
        if not data:
            break
        data += nt.readline()  # up to the end of the line
        store.bulk_load(_keep_blank_lines(data, blank), format=ox.RdfFormat.N_TRIPLES)
    if blank:
        store.bulk_load(_lines(blank), format=ox.RdfFormat.N_TRIPLES)


def _keep_blank_lines(data: bytes, blank: list[bytes]) -> bytes:
    """`data` without the lines that may hold a blank node, which go to `blank` (loaded last, in one piece)."""
    if b"_:" not in data:
        return data
    blank += _BLANK_LINES.findall(data)
    return _BLANK_LINES.sub(b"", data)


def _lines(lines: list[bytes]) -> bytes:
    return b"".join(line if line.endswith(b"\n") else line + b"\n" for line in lines)


class PieceLoader:
    r"""Loads pieces of N-Triples into `store` (`Store.load`), each in a second thread while the caller
    makes the next: Oxigraph parses without the GIL, so making triples and their N-Triples in Python and
    loading them overlap (the build's store in memory at 1M triples: ~2-3 s less). As in
    `bulk_load_ntriples`, every line that may hold a blank node is kept back and loaded last, in one
    piece (a label names one node only within one load). `close` waits for the last piece; `abort` (the
    caller failed) waits for the piece being loaded and loads nothing more.

    >>> store = ox.Store()
    >>> loader = PieceLoader(store)
    >>> for piece in [b'<urn:a> <urn:p> _:x .\n', b'<urn:b> <urn:p> "1" .\n', b'_:x <urn:q> "2" .\n']:
    ...     loader.add(piece)
    >>> loader.close()
    >>> len(store), ([q.object for q in store.quads_for_pattern(ox.NamedNode("urn:a"), None, None)]
    ...              == [q.subject for q in store.quads_for_pattern(None, ox.NamedNode("urn:q"), None)])
    (3, True)
    """

    def __init__(self, store: ox.Store):
        from concurrent.futures import ThreadPoolExecutor
        self.store = store
        self._blank: list[bytes] = []
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="load")
        self._loading = None

    def add(self, data: bytes) -> None:
        data = _keep_blank_lines(data, self._blank)
        self._wait()  # one piece in memory beside the one being made
        self._loading = self._pool.submit(self.store.load, data, format=ox.RdfFormat.N_TRIPLES)

    def _wait(self) -> None:
        loading, self._loading = self._loading, None
        if loading is not None:
            loading.result()

    def close(self) -> None:
        try:
            self._wait()
        finally:
            self._pool.shutdown(wait=True)
        if self._blank:
            blank, self._blank = self._blank, []
            self.store.load(_lines(blank), format=ox.RdfFormat.N_TRIPLES)

    def abort(self) -> None:
        try:
            self._wait()
        except Exception:  # noqa: BLE001 - the caller's own error is the one raised
            pass
        finally:
            self._pool.shutdown(wait=True)
            self._blank = []


@contextlib.contextmanager
def pinned(store_dir: Path) -> Iterator[Path]:
    """The store folder `store_dir` leads to now (``build/store`` → ``.gen-…/store``), resolved once and
    held for as long as the context lasts: a shared lock on its generation's ``.readers.lock`` keeps
    `publish` from deleting it; a store inside a generation (the store as of a date,
    `policygraph.store.dated`) holds its generation. A folder outside a generation (a snapshot, a store
    copied elsewhere) is only resolved."""
    resolved, fd = _hold(Path(store_dir))
    try:
        yield resolved
    finally:
        if fd is not None:
            os.close(fd)  # closing releases the lock


def _hold(store_dir: Path) -> tuple[Path, int | None]:
    """The store folder `store_dir` leads to now, resolved once, and an open descriptor of its
    generation's ``.readers.lock`` holding a shared lock (None outside a generation); closing it releases
    the lock."""
    for _ in range(10):
        resolved = store_dir.resolve()
        gen = next((p for p in resolved.parents if p.name.startswith(_GEN_PREFIX)), resolved.parent)
        if not gen.name.startswith(_GEN_PREFIX):
            return resolved, None
        try:
            fd = os.open(gen / READERS, os.O_RDONLY | os.O_CREAT, 0o644)
        except FileNotFoundError:  # deleted between resolving and opening: resolve again
            continue
        except OSError:  # a generation this user cannot write to and built before readers' locks
            return resolved, None
        fcntl.flock(fd, fcntl.LOCK_SH)
        if (gen / ".complete").exists():  # not deleted by a build while we were locking it
            return resolved, fd
        os.close(fd)
    raise PolicygraphError.single("the store's generation keeps changing; try again", EXIT_INPUT, file=store_dir)


def _remove_unless_pinned(gen: Path) -> None:
    """Remove a generation folder unless a reader holds its ``.readers.lock`` (then it stays for the
    next build to try again)."""
    try:
        fd = os.open(gen / READERS, os.O_RDONLY)
    except OSError:
        shutil.rmtree(gen, ignore_errors=True)  # built before readers' locks, or half-removed
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return
        shutil.rmtree(gen, ignore_errors=True)
    finally:
        os.close(fd)


def _remove_unfinished(build_dir: Path) -> None:
    """Folders of builds that were killed before they finished (no .complete marker)."""
    for gen in build_dir.glob(f"{_GEN_PREFIX}*"):
        if not (gen / ".complete").exists():
            shutil.rmtree(gen, ignore_errors=True)


def _replace_symlink(link: Path, target: str) -> None:
    """Point `link` at `target` atomically (a new symlink renamed over the old link or file)."""
    if link.exists() and not link.is_symlink() and link.is_dir():
        shutil.rmtree(link)  # a store folder of an older layout
    tmp = link.with_name(f".{link.name}.{os.getpid()}.link")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, link)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_tree(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["CURRENT", "INFO", "STORE", "BuildInfo", "build_lock", "bulk_load_ntriples", "open_store", "PieceLoader", "pinned", "publish", "read_info"]
