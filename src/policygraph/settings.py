"""The environment variables policygraph reads, all in one place (read when asked, not at import).

=========================== ===================================================================
``POLICYGRAPH_ROOT``        the project folder when ``--root`` is not given (before the current
                            folder and, in a checkout, the checkout itself)
``POLICYGRAPH_CHROMIUM``    the Chromium binary for screenshots and browser tests
                            (default ``/usr/bin/chromium``, Debian's package; never downloaded)
``POLICYGRAPH_SKIP_BROWSER`` ``1`` skips the browser tests explicitly (the test suite only; CI never
                            sets it)
``POLICYGRAPH_STORE_USER``  the user name for a remote store (``--store URL``)
``POLICYGRAPH_STORE_PASSWORD`` its password (never given on the command line, never printed)
``POLICYGRAPH_STORE_PASSWORD_FILE`` a file holding the password instead (its first line)
=========================== ===================================================================

>>> import os
>>> os.environ["POLICYGRAPH_CHROMIUM"] = "/opt/chromium/chrome"
>>> chromium_path()
'/opt/chromium/chrome'
>>> del os.environ["POLICYGRAPH_CHROMIUM"]
>>> chromium_path()
'/usr/bin/chromium'
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = "POLICYGRAPH_ROOT"
CHROMIUM = "POLICYGRAPH_CHROMIUM"
SKIP_BROWSER = "POLICYGRAPH_SKIP_BROWSER"
STORE_USER = "POLICYGRAPH_STORE_USER"
STORE_PASSWORD = "POLICYGRAPH_STORE_PASSWORD"
STORE_PASSWORD_FILE = "POLICYGRAPH_STORE_PASSWORD_FILE"

DEFAULT_CHROMIUM = "/usr/bin/chromium"


def project_root() -> Path | None:
    """$POLICYGRAPH_ROOT as a path, or None when unset or empty."""
    value = os.environ.get(ROOT)
    return Path(value) if value else None


def chromium_path() -> str:
    """The Chromium binary: $POLICYGRAPH_CHROMIUM, else Debian's /usr/bin/chromium."""
    return os.environ.get(CHROMIUM) or DEFAULT_CHROMIUM


def skip_browser() -> bool:
    """True only when POLICYGRAPH_SKIP_BROWSER=1 is set explicitly."""
    return os.environ.get(SKIP_BROWSER) == "1"


def store_credentials(password_file: str | Path | None = None) -> tuple[str | None, str | None]:
    """(user, password) for a remote store: $POLICYGRAPH_STORE_USER and $POLICYGRAPH_STORE_PASSWORD, or
    the first line of $POLICYGRAPH_STORE_PASSWORD_FILE (else `password_file`, from the project's
    policygraph.toml). An unreadable password file is an error (exit 2) naming the file, never its content,
    and so is one that is not a regular file (a FIFO would block, /dev/zero never ends) or whose first
    line is longer than PASSWORD_BYTES.
    """
    user = os.environ.get(STORE_USER) or None
    password = os.environ.get(STORE_PASSWORD)
    file = os.environ.get(STORE_PASSWORD_FILE) or password_file
    if password is None and file:
        password = _first_line(Path(file))
    return user, password


#: The most bytes of a password file read (its first line must end within them).
PASSWORD_BYTES = 4096


def _first_line(path: Path) -> str:
    """The first line of a regular file, read without blocking and without reading more than PASSWORD_BYTES."""
    import stat

    from policygraph.errors import EXIT_INPUT, PolicygraphError

    def refuse(why: str) -> PolicygraphError:
        return PolicygraphError.single(f"cannot read the store password file: {why}", EXIT_INPUT, file=path)

    try:
        # O_NONBLOCK: opening a FIFO returns at once (it is refused below) instead of waiting for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise refuse(type(exc).__name__) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise refuse("not a regular file (a FIFO, device or folder is never read)")
        data = os.read(fd, PASSWORD_BYTES + 1)
    except OSError as exc:
        raise refuse(type(exc).__name__) from None
    finally:
        os.close(fd)
    line, newline, _rest = data.partition(b"\n")
    if not newline and len(data) > PASSWORD_BYTES:
        raise refuse(f"its first line is longer than {PASSWORD_BYTES} bytes")
    try:
        return line.rstrip(b"\r").decode("utf-8")
    except UnicodeDecodeError:
        raise refuse("UnicodeDecodeError") from None


__all__ = ["CHROMIUM", "DEFAULT_CHROMIUM", "ROOT", "SKIP_BROWSER", "STORE_PASSWORD", "STORE_PASSWORD_FILE", "STORE_USER",
           "chromium_path", "project_root", "skip_browser", "store_credentials"]
