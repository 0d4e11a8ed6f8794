"""Atomic output: a set of files appears whole or not at all, never half-written.

Only regular files (or symlinks, replaced as links are) are ever replaced: a device, a FIFO, a socket
or a folder at the target is refused with exit 2, and so is a target that cannot be written (a
read-only or full file system), with nothing left behind.
"""
from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from policygraph.errors import EXIT_INPUT, PolicygraphError

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"))


def check_target(target: Path) -> None:
    """Refuse (exit 2) a target that exists and is neither a regular file nor a symlink."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise PolicygraphError.single(f"cannot write here: {exc.strerror}", EXIT_INPUT, file=target) from exc
    if stat.S_ISREG(mode) or stat.S_ISLNK(mode):
        return
    what = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    raise PolicygraphError.single(f"the output path is {what}; only a regular file is ever replaced "
                                  "(give a file name)", EXIT_INPUT, file=target)


def write_atomically(files: dict[Path, bytes]) -> None:
    """Write every file to a temporary sibling first, then move each into place.

    If anything fails before the moves, no target is touched and no temporary file is left. The
    moves are os.replace calls, each atomic on POSIX, so a reader sees either the old or the new
    version of every file. A failure to write is a PolicygraphError (exit 2) naming the file.
    """
    for target in files:
        check_target(target)
    staged: list[tuple[Path, Path]] = []
    target = None
    try:
        for target, content in files.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            staged.append((Path(tmp), target))  # on the clean-up list before the first byte is written
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o666 & ~_umask())
        for tmp, target in staged:
            os.replace(tmp, target)
    except BaseException as exc:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise PolicygraphError.single(f"cannot write the file: {exc.strerror or exc}", EXIT_INPUT,
                                          file=target) from exc
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def cache_home() -> Path:
    """policygraph's folder of kept things that can be made again: $XDG_CACHE_HOME/policygraph (default
    ~/.cache/policygraph): kept query verdicts (`store.safety`), local copies of remote builds
    (`store.dated.remote_copy`)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")) / "policygraph"


def process_alive(pid: int) -> bool:
    """Whether a process `pid` exists (another user's too): what names a leftover file or folder by the pid
    of its writer uses to tell a killed writer's leftovers from a running one's work."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
