"""Query workers: processes that each hold the store open read-only and run one call at a time.

Oxigraph evaluates a query in Rust and cannot be interrupted from Python, so a query that runs past
the time limit is stopped the only sure way — its worker process is ended and a fresh one started —
while the other workers go on answering. The web app never runs a query on its own event loop.

A worker's address space is limited (`memory`, RLIMIT_AS): a query that needs more ends its worker and
the caller gets MemoryLimitHit. A worker that fails to start (the store briefly unreadable, no memory)
is started again after a back-off that doubles up to 30 s; `state` says whether the pool is "ok",
"starting" or "degraded" (no ready worker, and the last start failed). A worker dies with the server:
it asks the kernel for SIGKILL when its parent (the forkserver, which ends with the server) dies.

Example (a sketch; tests/serve runs it for real)::

    with QueryWorkers(store_dir, size=2, time_limit=10) as workers:
        answer = workers.call(protocol.execute, "ASK { ?s ?p ?o }", "text/csv")
    answer.body  # b'boolean\\ntrue\\n'
"""
from __future__ import annotations

import multiprocessing
import os
import queue
import sys
import threading
from dataclasses import dataclass
from pathlib import Path


class TimeLimitHit(Exception):
    """The call ran longer than the time limit; its worker was ended."""


class WorkersBusy(Exception):
    """Every worker stayed busy for the whole time limit."""


class WorkerFailed(Exception):
    """A worker ended without answering (it crashed or was killed from outside)."""


class MemoryLimitHit(Exception):
    """The call needed more memory than a worker may use; its worker was ended."""


#: Seconds before a failed worker start is tried again: doubled after each failure, up to the last.
BACKOFF = (0.5, 30.0)

_engine = None


def _die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux: PR_SET_PDEATHSIG), and watch
    the parent from a thread as well (other systems, and a parent gone before the request): a worker
    never outlives the server, even mid-query after a `kill -9` of it.

    The parent is the forkserver, which ends when the server's end of its "alive" pipe closes; every
    child it forks inherits a copy of that end, which would keep the forkserver (and so the worker)
    alive: the worker closes its copy first."""
    from multiprocessing import forkserver
    server = forkserver._forkserver  # noqa: SLF001 — the inherited fd has no public handle
    if getattr(server, "_forkserver_alive_fd", None) is not None:
        try:
            os.close(server._forkserver_alive_fd)
        except OSError:
            pass
        server._forkserver_alive_fd = None
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        import ctypes
        import signal
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1: PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass

    def watch() -> None:
        import time
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    if os.getppid() != parent:
        os._exit(1)
    threading.Thread(target=watch, daemon=True, name="policygraph-parent-watch").start()


def _limit_memory(limit: int) -> None:
    """Cap this process's address space at `limit` bytes (0: no cap)."""
    if limit > 0:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _worker(store_dir: str, conn, warm=None, memory: int = 0) -> None:
    """A worker's life: open the store read-only, run `warm(engine)` (e.g. build the record model the
    pages read), then answer calls until the pipe closes. A start that fails is reported, not raised.

    Ctrl-C in a terminal signals the whole process group: a worker ignores SIGINT and lets the server
    end it (it closes the pipe, or ends the worker), so stopping the server prints no worker traceback."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    try:
        _limit_memory(memory)
        import pyoxigraph as ox

        from policygraph.store.engines import OxigraphEngine
        from policygraph.store.safety import prepare_worker
        prepare_worker()  # no network in a query worker where the system allows it; the query check warmed
        global _engine
        from pathlib import Path

        from policygraph.store.embedded import reports_home
        # Its generation's reports (`query.reports`) are read from the generation's folder.
        _engine = OxigraphEngine(store=ox.Store.read_only(store_dir), where=store_dir,
                                 folder=reports_home(Path(store_dir)), sort_in_python=True)
        if warm is not None:
            warm(_engine)
    except BaseException as exc:  # noqa: BLE001 — the pool logs it, reports it in /health and retries
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))  # only now is the worker handed calls (a warm-up is not timed as one)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        func, args, kwargs = task
        try:
            conn.send((True, func(_engine, *args, **kwargs)))
        except MemoryError as exc:
            conn.send((False, MemoryLimitHit() if memory > 0 else exc))
        except BaseException as exc:  # noqa: BLE001 — sent back and raised in the app, never lost here
            try:
                conn.send((False, exc))
            except Exception:  # the exception itself does not pickle
                conn.send((False, RuntimeError(f"{type(exc).__name__}: {exc}")))


@dataclass(eq=False)  # compared and hashed by identity: kept in a set
class _Worker:
    process: multiprocessing.Process
    conn: object


class QueryWorkers:
    """A fixed set of worker processes over one store folder; `call` runs `func(engine, *args)` in
    one of them, within `time_limit` seconds and `memory` bytes of address space (0: unlimited).
    Thread-safe; call it from a thread, not the event loop."""

    def __init__(self, store_dir: Path, size: int = 2, time_limit: float = 10.0, warm=None, memory: int = 0):
        self.store_dir = str(store_dir)
        self.warm = warm
        self.time_limit = time_limit
        self.memory = memory
        #: Failed starts since a worker last became ready, and the last one's reason.
        self.failures = 0
        self.last_error: str | None = None
        self._stopping = threading.Event()
        # forkserver: a fresh worker starts in milliseconds from a clean server process, never a fork
        # of the web app's threads.
        self._ctx = multiprocessing.get_context("forkserver")
        self._ctx.set_forkserver_preload(["policygraph.serve.workers", "policygraph.serve.protocol",
                                          "policygraph.serve.pages"])
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._ready: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        for _ in range(size):
            self._start()

    @property
    def ready(self) -> int:
        """How many workers have opened the store (and warmed up) and take calls."""
        with self._lock:
            return len(self._ready)

    @property
    def state(self) -> str:
        """"ok" (a worker is ready), "starting" (none yet) or "degraded" (none, and the last start failed)."""
        with self._lock:
            if self._ready:
                return "ok"
            return "degraded" if self.failures else "starting"

    def __enter__(self) -> QueryWorkers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker, args=(self.store_dir, child, self.warm, self.memory),
                                    daemon=True, name="policygraph-query-worker")
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            closed = self._closed
            if not closed:
                self._all.add(worker)
        if closed:  # the pool closed while this one started (after a back-off or a time-limit hit)
            process.kill()
            process.join(2)
            parent.close()
            return worker
        threading.Thread(target=self._await_ready, args=(worker,), daemon=True,
                         name="policygraph-worker-start").start()
        return worker

    def _await_ready(self, worker: _Worker) -> None:
        """Hand the worker calls once it says it is ready (after its warm-up, however long)."""
        try:
            status, reason = worker.conn.recv()
        except (EOFError, OSError, TypeError, ValueError):  # it died while starting (or the pool closed)
            status, reason = "failed", None
        if status != "ready":
            worker.process.join(5)
            reason = (reason or f"the worker ended while starting (exit code {worker.process.exitcode})")[:300]
            with self._lock:
                self._all.discard(worker)
                self.failures += 1
                self.last_error = reason
                failures = self.failures
            worker.conn.close()
            if self._closed:
                return
            delay = min(BACKOFF[0] * 2 ** (failures - 1), BACKOFF[1])
            print(f"policygraph: a query worker could not start ({reason}); trying again in {delay:g} s",
                  file=sys.stderr, flush=True)
            if not self._stopping.wait(delay) and not self._closed:
                self._start()
            return
        with self._lock:
            if self._closed:
                return
            self._ready.add(worker)
            self.failures = 0
            self.last_error = None
        self._idle.put(worker)

    def _end(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
            self._ready.discard(worker)
        worker.process.kill()
        worker.process.join(5)
        worker.conn.close()

    def call(self, func, *args, **kwargs):
        """`func(engine, *args, **kwargs)` in a worker: its return value, or its exception raised here;
        TimeLimitHit past the time limit, MemoryLimitHit past the memory limit, WorkersBusy when no worker
        came free within the time limit (at once when none can start)."""
        if self.state == "degraded":
            raise WorkersBusy(f"no query worker could start ({self.last_error}); the server keeps trying")
        try:
            # a fresh worker may still be warming up: wait for one a little longer than a query may run
            worker = self._idle.get(timeout=self.time_limit + 5)
        except queue.Empty:
            raise WorkersBusy(f"no query worker came free within {self.time_limit + 5:g} s (busy, or still "
                              f"starting: see /health)") from None
        try:
            worker.conn.send((func, args, kwargs))
            if not worker.conn.poll(self.time_limit):
                raise TimeLimitHit(f"the query ran longer than the server's time limit ({self.time_limit:g} s, "
                                   f"--time-limit) and was stopped")
            ok, value = worker.conn.recv()
        except TimeLimitHit:
            self._replace(worker)
            raise
        except (EOFError, OSError) as exc:
            worker.process.join(2)
            code = worker.process.exitcode
            self._replace(worker)
            if self.memory and code is not None and code < 0 and -code in _ABORTS:
                raise MemoryLimitHit(self._memory_message()) from exc
            raise WorkerFailed(f"a query worker ended without answering: {exc or type(exc).__name__}") from exc
        if not ok and isinstance(value, MemoryLimitHit):
            self._replace(worker)  # a worker that ran out of memory may be in any state: a fresh one
            raise MemoryLimitHit(self._memory_message())
        self._idle.put(worker)
        if not ok:
            raise value
        return value

    def _memory_message(self) -> str:
        return (f"the query needed more memory than a query worker may use ({self.memory // 2**20:,} MB, "
                f"--worker-memory) and was stopped")

    def _replace(self, worker: _Worker) -> None:
        self._end(worker)
        if not self._closed:
            self._start()

    def close(self) -> None:
        """End every worker (on shutdown)."""
        self._closed = True
        self._stopping.set()
        with self._lock:
            workers = list(self._all)
        for worker in workers:
            try:
                worker.conn.send(None)
            except OSError:
                pass
        for worker in workers:
            worker.process.join(2)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join(2)
            worker.conn.close()
        with self._lock:
            self._all.clear()


#: How a worker dies when an allocation fails past its memory limit: Rust aborts (SIGABRT); a
#: segfault in a library that did not check its allocation (SIGSEGV, SIGBUS).
_ABORTS = (6, 7, 11)


def stop_helpers() -> None:
    """Stop multiprocessing's forkserver and resource tracker now (after every pool closed), not a second
    or more after the server exits: a stopped server leaves no process behind."""
    from multiprocessing import forkserver, resource_tracker
    for helper in (forkserver._forkserver, resource_tracker._resource_tracker):  # noqa: SLF001 — no public stop
        try:
            helper._stop()
        except (OSError, ChildProcessError, AttributeError):
            pass
