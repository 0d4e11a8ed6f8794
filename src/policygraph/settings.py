"""The environment variables policygraph reads, all in one place (read when asked, not at import).

=========================== ===================================================================
``POLICYGRAPH_ROOT``        the project folder when ``--root`` is not given (before the current
                            folder and, in a checkout, the checkout itself)
``POLICYGRAPH_CHROMIUM``    the Chromium binary for screenshots and browser tests
                            (default ``/usr/bin/chromium``, Debian's package; never downloaded)
``POLICYGRAPH_SKIP_BROWSER`` ``1`` skips the browser tests explicitly (the test suite only; CI never
                            sets it)
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


__all__ = ["CHROMIUM", "DEFAULT_CHROMIUM", "ROOT", "SKIP_BROWSER", "chromium_path", "project_root", "skip_browser"]
