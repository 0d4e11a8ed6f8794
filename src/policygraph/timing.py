"""Named stages of a long job: how long each took, and a hook that shows which one is running.

>>> stages = Stages()
>>> with stages("read records"):
...     pass
>>> list(stages.seconds)
['read records']
"""
from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator


class Stages:
    """Times each named stage (seconds add up when a name recurs); `on_start(name)` is called as each
    begins, e.g. to update a progress line."""

    def __init__(self, on_start: Callable[[str], None] | None = None):
        self.seconds: dict[str, float] = {}
        self.on_start = on_start

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        if self.on_start is not None:
            self.on_start(name)
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - start


def untimed(_name: str) -> contextlib.AbstractContextManager:
    """A stand-in for `Stages` where nobody asks how long things took."""
    return contextlib.nullcontext()


__all__ = ["Stages", "untimed"]
