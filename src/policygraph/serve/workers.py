"""Query workers: processes that each hold the store open read-only and run one call at a time.

Oxigraph evaluates a query in Rust and cannot be interrupted from Python, so a query that runs past
the time limit is stopped the only sure way — its worker process is ended and a fresh one started —
while the other workers go on answering. The web app never runs a query on its own event loop.

Example (a sketch; tests/serve runs it for real)::

    with QueryWorkers(store_dir, size=2, time_limit=10) as workers:
        answer = workers.call(protocol.execute, "ASK { ?s ?p ?o }", "text/csv")
    answer.body  # b'boolean\\ntrue\\n'
"""
from __future__ import annotations

import multiprocessing
import queue
import threading
from dataclasses import dataclass
from pathlib import Path


class TimeLimitHit(Exception):
    """The call ran longer than the time limit; its worker was ended."""


class WorkersBusy(Exception):
    """Every worker stayed busy for the whole time limit."""


class WorkerFailed(Exception):
    """A worker ended without answering (it crashed or was killed from outside)."""


_engine = None


def _worker(store_dir: str, conn, warm=None) -> None:
    """A worker's life: open the store read-only, run `warm(engine)` (e.g. build the record model the
    pages read), then answer calls until the pipe closes.

    Ctrl-C in a terminal signals the whole process group: a worker ignores SIGINT and lets the server
    end it (it closes the pipe, or ends the worker), so stopping the server prints no worker traceback."""
    import signal

    import pyoxigraph as ox

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    from policygraph.store.engines import OxigraphEngine
    global _engine
    _engine = OxigraphEngine(store=ox.Store.read_only(store_dir), where=store_dir)
    if warm is not None:
        warm(_engine)
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
    one of them, within `time_limit` seconds. Thread-safe; call it from a thread, not the event loop."""

    def __init__(self, store_dir: Path, size: int = 2, time_limit: float = 10.0, warm=None):
        self.store_dir = str(store_dir)
        self.warm = warm
        self.time_limit = time_limit
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

    def __enter__(self) -> QueryWorkers:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _start(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker, args=(self.store_dir, child, self.warm), daemon=True,
                                    name="policygraph-query-worker")
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._all.add(worker)
        threading.Thread(target=self._await_ready, args=(worker,), daemon=True,
                         name="policygraph-worker-start").start()
        return worker

    def _await_ready(self, worker: _Worker) -> None:
        """Hand the worker calls once it says it is ready (after its warm-up, however long)."""
        try:
            worker.conn.recv()
        except (EOFError, OSError):  # it died while starting (or the pool closed): not restarted in a loop
            with self._lock:
                self._all.discard(worker)
            return
        with self._lock:
            if self._closed:
                return
            self._ready.add(worker)
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
        TimeLimitHit past the time limit, WorkersBusy when no worker came free within it."""
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
            self._replace(worker)
            raise WorkerFailed(f"a query worker ended without answering: {exc or type(exc).__name__}") from exc
        self._idle.put(worker)
        if not ok:
            raise value
        return value

    def _replace(self, worker: _Worker) -> None:
        self._end(worker)
        if not self._closed:
            self._start()

    def close(self) -> None:
        """End every worker (on shutdown)."""
        self._closed = True
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
