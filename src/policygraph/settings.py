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
    policygraph.toml). An unreadable password file is an error (exit 2) naming the file, never its content.
    """
    from policygraph.errors import EXIT_INPUT, PolicygraphError
    user = os.environ.get(STORE_USER) or None
    password = os.environ.get(STORE_PASSWORD)
    file = os.environ.get(STORE_PASSWORD_FILE) or password_file
    if password is None and file:
        try:
            lines = Path(file).read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicygraphError.single(f"cannot read the store password file: {type(exc).__name__}", EXIT_INPUT,
                                          file=Path(file)) from None
        password = lines[0] if lines else ""
    return user, password


__all__ = ["CHROMIUM", "DEFAULT_CHROMIUM", "ROOT", "SKIP_BROWSER", "STORE_PASSWORD", "STORE_PASSWORD_FILE", "STORE_USER",
           "chromium_path", "project_root", "skip_browser", "store_credentials"]
