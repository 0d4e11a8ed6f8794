"""The store as of a date (`--as-of`, `--published-by`), made once per date beside the store it comes from.

A built store is read-only. What an auditor knew on a date (`policygraph.store.derive.restrict`) differs
from it in few triples: the values, grades, estimates and documents after the date are left out, and
attainment (and, when a link it follows was removed, pg:reaches) is derived again. So instead of copying
the whole store into memory for every command, the first command asking for a date makes a *checkpoint*
of the store (RocksDB hard-links its immutable files: no triple is copied, no disk is used but for the
changes), applies `restrict` to it on disk, and publishes it under the generation's ``as-of/`` folder;
every later command (and every page worker of `policygraph serve`) opens that folder read-only, as fast
as the store itself. It goes with its generation: the build that removes the generation removes it.

Two commands making the same date at once each make their own and rename it into place; the second finds
the first's and drops its own. A generation folder the user cannot write to gets the dated store in a
temporary folder, removed at exit.
"""
from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox

from policygraph.errors import EXIT_INPUT, PolicygraphError

#: The folder of dated stores, inside the generation folder (beside `store`).
FOLDER = "as-of"
#: In a dated store's folder: what was left out, written last (its presence says the store is whole).
RECORD = "dated.json"


def name(as_of: dt.date | None, published_by: dt.date | None) -> str:
    """The folder name of a date's store; the version is in it, since the rules may change between
    versions.

    >>> name(dt.date(2017, 11, 30), None)[:17], name(None, dt.date(2017, 1, 31))[:25]
    ('as-of-2017-11-30-', 'published-by-2017-01-31-v')
    """
    from policygraph import __version__
    parts = [f"as-of-{as_of.isoformat()}" if as_of else "", f"published-by-{published_by.isoformat()}"
             if published_by else ""]
    return "-".join(p for p in parts if p) + f"-v{__version__}"


def materialised(source: Path, as_of: dt.date | None, published_by: dt.date | None) -> tuple[Path, list[str]]:
    """(the folder of the dated store, the IRIs of the documents left out) for a built store folder
    `source`, made now if it is not there yet (see the module's docstring). The folder holds the source's
    build record too (`policygraph.store.embedded.INFO`: /health shows its build time)."""
    from policygraph.store import derive, embedded
    source = Path(source).resolve()
    home = source.parent / FOLDER
    final = home / name(as_of, published_by)
    if (final / RECORD).is_file():
        return final / embedded.STORE, _dropped(final)
    try:
        home.mkdir(exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=home, prefix=".making-"))
    except OSError:  # a generation this user cannot write to: a temporary folder, removed at exit
        home = Path(tempfile.mkdtemp(prefix="policygraph-dated-"))
        atexit.register(shutil.rmtree, home, True)
        final, work = home / final.name, home / ".making"
        work.mkdir()
    try:
        os.chmod(work, 0o777 & ~embedded._umask())  # mkdtemp makes it private; other users read the store too
        # A checkpoint: hard links to the store's files (copied only across file systems).
        embedded.open_store(source).backup(str(work / embedded.STORE))
        store = ox.Store(str(work / embedded.STORE))
        dropped = derive.restrict(store, as_of, published_by, built=True)
        store.flush()
        del store  # closed before it is published
        info = source / embedded.INFO
        if info.is_file():
            shutil.copyfile(info, work / embedded.STORE / embedded.INFO)
        (work / RECORD).write_text(json.dumps({"as_of": as_of and as_of.isoformat(), "published_by":
                                               published_by and published_by.isoformat(), "dropped": dropped}),
                                   encoding="utf-8")
        try:
            os.rename(work, final)
        except OSError:  # another command made it meanwhile: use that one
            if not (final / RECORD).is_file():
                raise
            shutil.rmtree(work, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise PolicygraphError.single(f"cannot make the store as of the date: {exc}", EXIT_INPUT,
                                      file=final) from exc
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return final / embedded.STORE, _dropped(final)


#: Under `policygraph.output.cache_home()`: local copies of remote stores' builds (`remote_copy`).
REMOTE = "remote"
#: In a copy's folder: the build it copies, written last (its presence says the copy is whole).
COPIED = "copied.json"


def remote_copy(engine) -> Path:
    """The store folder of a local copy of a remote store's current build (`RemoteEngine`), made once per
    build: `--as-of` and `--published-by` on a remote store then restrict that copy on disk
    (`materialised`, beside it) as they do a built store, and every later command reads the dated store
    as it is, instead of reading the whole build into memory each time (at a million triples, over a GB
    and a minute per command). The copy is kept under $XDG_CACHE_HOME/policygraph/remote/ (private to the
    user: it holds the store's data), in a folder named by the endpoint and the build's named graph: a new
    build on the server gets a copy of its own, and making it removes the endpoint's earlier copies."""
    import hashlib

    from policygraph.output import cache_home
    from policygraph.store import embedded

    def digest(text: str) -> str:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    endpoint = cache_home() / REMOTE / digest(engine.store.where)
    final = endpoint / digest(engine.current.graph)
    if (final / COPIED).is_file():
        return final / embedded.STORE
    try:
        endpoint.mkdir(parents=True, exist_ok=True)
        for folder in (endpoint.parent, endpoint):
            os.chmod(folder, 0o700)
        work = Path(tempfile.mkdtemp(dir=endpoint, prefix=".making-"))
    except OSError as exc:
        raise PolicygraphError.single(f"cannot make a local copy of the remote store's build: {exc}", EXIT_INPUT,
                                      file=endpoint) from exc
    try:
        store = ox.Store(str(work / embedded.STORE))
        engine.load_into(store)
        store.flush()
        triples = len(store)
        del store  # closed before it is published
        info = dict(engine.current.info)
        (work / embedded.STORE / embedded.INFO).write_text(json.dumps(info), encoding="utf-8")
        (work / COPIED).write_text(json.dumps({"endpoint": engine.store.where, "graph": engine.current.graph,
                                               "triples": triples}), encoding="utf-8")
        try:
            os.rename(work, final)
        except OSError:  # another command made it meanwhile: use that one
            if not (final / COPIED).is_file():
                raise
            shutil.rmtree(work, ignore_errors=True)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        raise PolicygraphError.single(f"cannot make a local copy of the remote store's build: {exc}", EXIT_INPUT,
                                      file=final) from exc
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    for other in endpoint.iterdir():  # the copies of the endpoint's earlier builds
        if other != final and not other.name.startswith(".making-"):
            shutil.rmtree(other, ignore_errors=True)
    return final / embedded.STORE


def _dropped(folder: Path) -> list[str]:
    return list(json.loads((folder / RECORD).read_text(encoding="utf-8"))["dropped"])


__all__ = ["FOLDER", "materialised", "name", "remote_copy"]
