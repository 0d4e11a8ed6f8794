"""The pipeline: runs the stages in order — records → graph → store → derive → checks → build/.

`build` writes a new generation of build/ (the embedded store and the exports) atomically;
`validate` runs the same checks and writes nothing; `open_graph` is the one way a reading command
opens the graph: the embedded store, read-only (or a graph file, or rdflib for cross-checks).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import shutil
import tempfile
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from policygraph import __version__
from policygraph.errors import EXIT_INPUT, PolicygraphError
from policygraph.project import Project
from policygraph.store import embedded
from policygraph.store.embedded import count_classes
from policygraph.store.engines import Engine, OxigraphEngine, RdflibEngine
from policygraph.timing import Stages, untimed

# The stages that build and check are imported where they run: a reading command that finds its
# store opens it without importing the record models, the converter or the checks.
if TYPE_CHECKING:
    from rdflib import Graph

    from policygraph.checks.validate import ValidationReport
    from policygraph.records.corpus import Corpus
    from policygraph.store.remote import RemoteStore

#: The exports written beside the store: file name → format.
EXPORT_FILES = {"policygraph.ttl": "Turtle", "policygraph.nt": "N-Triples", "policygraph.jsonld": "JSON-LD"}


@dataclass
class BuildResult:
    corpus: Corpus
    #: The built pyoxigraph Store in memory; None once it is written to `generation` (the build lets it go
    #: before loading the store on disk, which is then opened read-only where asked for).
    store: object | None
    files: list[Path]
    #: One-line notes for the user, e.g. that OWL checks fell back to owlrl for want of Java.
    notes: tuple[str, ...] = ()
    #: The generation folder written (store + exports).
    generation: Path | None = None
    #: Seconds per stage (read records, check records, graph, store, derive, checks, exports, write store).
    seconds: dict[str, float] = field(default_factory=dict)
    #: The remote store and named graph written (`build --store URL`), instead of files.
    remote: str | None = None

    #: Instances per class and the number of triples, counted before the store in memory was let go.
    counts: dict[str, int] | None = None
    triple_count: int | None = None

    @property
    def triples(self) -> int:
        return self.triple_count if self.triple_count is not None else len(self.store)

    @cached_property
    def graph(self) -> Graph:
        """The built graph as an rdflib Graph, made from the store when first asked for."""
        import pyoxigraph as ox

        from policygraph.store.engines import OxigraphEngine
        store = self.store if self.store is not None else ox.Store.read_only(str(self.generation / embedded.STORE))
        return OxigraphEngine(store=store).rdflib_graph()

    @property
    def class_counts(self) -> dict[str, int]:
        return self.counts if self.counts is not None else count_classes(self.store)


def _derive_stages():
    """Stages that add derived facts on the Oxigraph store, in order: (name, function(store))."""
    from policygraph.store.derive import STAGES
    return list(STAGES)


def _build(project: Project, stage=untimed, rdflib_graph: bool | None = None):
    """(corpus, rdflib graph or None, in-memory store): records → triples → store → derived facts, no
    checks. `stage` (a `policygraph.timing.Stages`) times each step.

    The store is loaded from the builder's triples as N-Triples; an rdflib graph of the same triples
    (which HermiT, pySHACL and the small-graph checks read) is made only when `rdflib_graph` is true
    or, by default, when the graph is small enough for HermiT (at a million triples rdflib's indexes
    cost ~25 s and ~1.5 GB; every check of a large graph runs on the store)."""
    import pyoxigraph as ox
    from rdflib import Graph

    from policygraph.graph.convert import build_triples, load_ontology, ntriples_of
    from policygraph.graph.namespaces import PREFIXES
    from policygraph.graph.reason import HERMIT_MAX_TRIPLES
    from policygraph.records.corpus import load_corpus
    from policygraph.store.derive import DERIVED
    from policygraph.store.embedded import PieceLoader
    from policygraph.store.engines import from_oxigraph
    with collector_paused():
        corpus = load_corpus(project, stage=stage)
        # The store is loaded while the graph is made: each batch of triples the builder adds goes to the
        # store as N-Triples in a second thread (Oxigraph parses without the GIL). "store" times the
        # wait for the last batch.
        store = ox.Store()
        loader = PieceLoader(store)
        try:
            with stage("graph"):
                ontology = load_ontology(project.ontology)
                triples = build_triples(corpus, ontology, on_batch=lambda part: loader.add(ntriples_of(part)))
            with stage("store"):
                loader.close()
        except BaseException:
            loader.abort()
            raise
        graph = None
        if rdflib_graph or (rdflib_graph is None and len(triples) <= HERMIT_MAX_TRIPLES):
            with stage("graph"):
                graph = Graph()
                for prefix, ns in (*PREFIXES.items(), *ontology.namespaces()):
                    if prefix and prefix not in dict(graph.namespaces()):
                        graph.bind(prefix, ns)
                for triple in triples:
                    graph.add(triple)
        del triples  # ~1 GB of Python objects at a million triples: the store holds them now
        release_freed_memory()
        with stage("derive"):
            for _name, derive in _derive_stages():
                derive(store)
            # The checks and the exports read the derived facts too.
            if graph is not None:
                for prop in DERIVED:
                    for q in store.quads_for_pattern(None, ox.NamedNode(str(prop)), None, ox.DefaultGraph()):
                        graph.add((from_oxigraph(q.subject), from_oxigraph(q.predicate), from_oxigraph(q.object)))
    return corpus, graph, store


@contextlib.contextmanager
def collector_paused():
    """Python's cyclic garbage collector paused for the block. Reading the records, making the triples and
    deriving make millions of objects that live on and almost no reference cycles, and each full
    collection walks every object there is: at a million triples it cost 6.6 s of reading the records
    (10.4 -> 3.8 s) and 3 s of the graph stage (5.3 -> 2.2 s), for the same peak memory. Reference
    counting still frees everything else at once; the cycles left (a caught exception's traceback) are
    collected when the block ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build_in_memory(project: Project) -> tuple[Corpus, Graph]:
    """Load, check, convert and derive; raise PolicygraphError on any problem. Writes nothing."""
    corpus, graph, _store = _build(project, rdflib_graph=True)
    return corpus, graph


def build(project: Project, out_dir: Path | None = None, stages: Stages | None = None,
          remote: RemoteStore | None = None) -> BuildResult:
    """Build the graph and write a new generation of `out_dir` (default build/): the embedded store
    (build/store) and Turtle, N-Triples and JSON-LD exports.

    Every check runs before anything is written; the generation is then swapped in atomically, and
    a second build writing the same folder at the same time stops with exit 2. `stages` (optional)
    times each stage and may report which is running; the result carries the times in `seconds`.
    With `remote` (`policygraph.store.remote.configured`), the graph goes to that store instead, into a
    new named graph that replaces the current one once it is whole; build/ is not written.
    """
    from policygraph.checks.validate import check_graph, raise_for_problems
    stages = stages or Stages()
    start = time.perf_counter()
    out = out_dir or project.build_dir
    stats = input_stats(project)  # before reading: an edit made during the build makes the store stale
    corpus, graph, _store = _build(project, stages)
    # The exports are made in memory while the checks run (Oxigraph's queries release the GIL; 1M
    # triples: ~8 s saved); nothing is written unless every check passes. "exports" times the wait.
    # The reports every reader asks for (kpi-status, the gap report, the overview: `query.reports`) are
    # computed beside them, into a folder the generation takes over.
    reports = None if remote is not None else Path(tempfile.mkdtemp(prefix="policygraph-reports-"))
    # The N-Triples are the exports' first step: once the checks pass, the store on disk is loaded from
    # them while the other exports (Turtle, JSON-LD, the search index) are still being made.
    ntriples: Future = Future()
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        # Paused here too (the exports' and reports' threads make lists of a million lines and rows): 1M
        # triples, ~4 s of CPU less, the same peak memory.
        with collector_paused():
            box = [_store]  # taken out by the exports' thread: it alone holds the store then (see exports_of)
            exporting = pool.submit(lambda: exports_of(box.pop(), search_index=remote is None, ntriples=ntriples))
            reporting = pool.submit(write_reports, _store, project, reports) if reports is not None else None
            with stages("checks"):
                checks = check_graph(project, corpus, graph, store=_store)  # SHACL and OWL, as `validate` runs them
            with stages("reports"):
                failed = reporting.result() if reporting is not None else None
            raise_for_problems(checks)
            if failed:
                checks.extra_notes.append(failed)
            held = [_store]  # _published lets it go before the store on disk is loaded (the exports may hold it)
            del _store

            def exports() -> dict[str, bytes]:
                with stages("exports"):  # the wait, once the store is loaded
                    return exporting.result()
            return _published(project, out, remote, corpus, held, checks, exports, ntriples, stats, stages, start,
                              reports)
    finally:
        pool.shutdown(wait=True)
        if reports is not None:
            shutil.rmtree(reports, ignore_errors=True)


def write_reports(store, project: Project, folder: Path) -> str | None:
    """Compute the reports readers ask for (`policygraph.query.reports`) on the built store, into `folder`
    (the generation's `reports/` once published): kpi-status, the gap report and the overview's figures.
    A query of the project's own that fails here is not the build's failure (readers compute the report
    then, and say why): a note saying so, else None."""
    from policygraph.query.gaps import gap_report
    from policygraph.query.sparql import QueryLibrary
    from policygraph.query.reports import plain_result
    from policygraph.serve.overview import overview_page
    engine = OxigraphEngine(store=store, where="build", folder=folder)  # its reports go to folder/reports
    library = QueryLibrary(project.query_dirs)
    try:
        if "kpi-status" in library.names():
            plain_result(engine, library.get("kpi-status"))
        gap_report(engine, library)
        overview_page(engine, library.folders)
    except PolicygraphError as exc:
        return f"the reports were not computed at build time ({exc.problems[0]}); readers compute them"
    return None


def _published(project, out, remote, corpus, held, checks, exports, ntriples, stats, stages, start, reports):
    """The build's last step: the graph uploaded to `remote`, or a new generation of `out` published.
    `held` holds the store in memory, its only reference here, taken out; `exports()` waits for the
    exports, `ntriples` (a Future) gives the N-Triples first."""
    _store = held.pop()
    notes = tuple(checks.notes)
    if remote is None:
        from policygraph.views.fulltext import unavailable
        notes += tuple(n for n in [unavailable()] if n)
    info = embedded.BuildInfo(__version__, str(project.root), input_digest(project), stats,
                              dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), len(_store))
    if remote is not None:
        made = exports()
        with stages("upload"):
            graph = remote.publish(made["policygraph.nt"], info.to_json(), len(_store))
        seconds = {**stages.seconds, **{f"checks: {k}": v for k, v in checks.seconds.items()},
                   "total": time.perf_counter() - start}
        return BuildResult(corpus, _store, [], tuple(checks.notes), None, seconds, f"{remote.where} <{graph}>")
    # What the result reports of the store in memory is counted first; the exports' thread lets it go
    # once the search index is made (at a million triples the store in memory and the one on disk being
    # loaded take ~0.4-0.8 GB each).
    counts, triples = count_classes(_store), len(_store)
    del _store
    release_freed_memory()
    nt = ntriples.result()  # (an export that failed before stops the build here)
    # A build whose checks fail has written nothing, not even the lock file; the lock serialises the writing.
    with stages("write store"), embedded.build_lock(out):
        generation = embedded.publish(out, nt, exports, info,
                                      reports=reports / "reports" if reports else None)
    seconds = {**stages.seconds, **{f"checks: {k}": v for k, v in checks.seconds.items()},
               "total": time.perf_counter() - start}
    seconds["write store"] -= seconds.get("exports", 0.0)  # the wait for the exports is timed on its own
    from policygraph.views.fulltext import FILE as SEARCH_INDEX
    files = [out / name for name in (embedded.STORE, *EXPORT_FILES, SEARCH_INDEX) if (generation / name).exists()]
    return BuildResult(corpus, None, sorted(files), notes, generation, seconds, counts=counts, triple_count=triples)


def release_freed_memory() -> None:
    """Give the memory the C heap holds free back to the system. glibc's malloc keeps what is freed
    (the store in memory, ~0.3 GB at a million triples, all but 30 MB of it after `del`) and the
    loader's threads then take new memory beside it; elsewhere (no `malloc_trim`) this does nothing."""
    import ctypes
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def exports_of(store, search_index: bool = False, ntriples: Future | None = None) -> dict[str, bytes]:
    """The exports of a built store, by file name: N-Triples (sorted), Turtle and compact JSON-LD with
    the project's prefixes (`policygraph.store.serialize`), and with `search_index` the web app's
    full-text index (`views.fulltext`: an SQLite file published in the same generation as the store).
    `ntriples` (a Future) is given the N-Triples as soon as they are made (or what stopped them). What
    reads the store comes first: this function then holds it no longer (the build lets it go then)."""
    from rdflib.namespace import OWL, RDF, TIME

    from policygraph.graph.namespaces import PREFIXES
    from policygraph.store import serialize
    try:
        prefixes = {p: str(ns) for p, ns in {**PREFIXES, "owl": OWL, "rdf": RDF, "time": TIME}.items()}
        nt = serialize.ntriples(store)
        if ntriples is not None:
            ntriples.set_result(nt)
        out = {"policygraph.nt": nt}
        if search_index:
            from policygraph.views import fulltext
            if fulltext.unavailable() is None:
                out[fulltext.FILE] = fulltext.index_bytes(store)
        del store
        out["policygraph.ttl"], out["policygraph.jsonld"] = serialize.turtle_and_jsonld(nt, prefixes)
        return out
    except BaseException as exc:
        if ntriples is not None and not ntriples.done():
            ntriples.set_exception(exc)
        raise


# ------------------------------------------------------------------------------------- inputs
def input_files(project: Project) -> list[Path]:
    """What the built graph depends on: ontology, shapes, records and source texts."""
    files = [project.ontology, project.shapes, *sorted(project.records_dir.glob("*.yaml")),
             *sorted(p for p in project.sources_dir.glob("*") if p.is_file())]
    return [p for p in files if p.is_file()]


def _name(project: Project, path: Path) -> str:
    try:
        return str(path.relative_to(project.root))
    except ValueError:
        return f"<policygraph>/{path.name}"  # shipped with the package


def input_stats(project: Project) -> list:
    """[name, size, mtime_ns] of every input: compared first, before reading any content."""
    out = []
    for path in input_files(project):
        st = path.stat()
        out.append([_name(project, path), st.st_size, st.st_mtime_ns])
    return out


def input_digest(project: Project) -> str:
    """SHA-256 over the names and contents of every input."""
    h = hashlib.sha256()
    for path in input_files(project):
        h.update(_name(project, path).encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def latest_input_mtime(project: Project) -> float:
    return max(p.stat().st_mtime for p in input_files(project))


def store_state(project: Project, store_dir: Path) -> str | None:
    """None when the store at `store_dir` holds this project's current data; otherwise why not, in a
    few words ("missing", "older than the data" …). A store of another project is an error (exit 2)."""
    if not store_dir.exists():
        return "missing"
    info = embedded.read_info(store_dir)
    if info is None:
        raise PolicygraphError.single("not a store written by `policygraph build` (no "
                                      f"{embedded.INFO})", EXIT_INPUT, file=store_dir)
    if info.version != __version__:
        return f"built by policygraph {info.version}, this is {__version__}"
    if info.inputs == input_stats(project):
        return None
    if info.digest == input_digest(project):
        return None  # the same content, touched
    if info.project != str(project.root):
        raise PolicygraphError.single(f"the store was built from another project ({info.project}), not "
                                      f"{project.root}", EXIT_INPUT, file=store_dir)
    return f"older than the data (built {info.built_at})"


# ------------------------------------------------------------------------------- reading side
def open_graph(project: Project, store_dir: Path | str | None = None, graph_file: Path | None = None,
               engine: str = "oxigraph", as_of: dt.date | None = None,
               published_by: dt.date | None = None) -> Engine:
    """The one way every reading command opens the graph: an engine to run queries on, with `.where`
    (where the graph came from) and `.note` (one line for the user, or None).

    * default: the embedded store (`store_dir`, default build/store), opened read-only;
    * when that store is missing or older than the data: an in-memory build of data/, with a note
      (run `policygraph build` to write the store); a store of another project is an error;
    * `graph_file`: that file (Turtle, N-Triples, JSON-LD …) instead; a file written before a derive
      stage existed gets that stage's triples (pg:reaches, attainment);
    * a remote store (`store_dir` an http(s) URL, or `[store] url` in policygraph.toml): the build it
      serves, queried over the SPARQL protocol (`policygraph.store.remote`); a note when it was built
      from other data than the project's (it is used all the same: the store may serve many readers);
    * `engine="rdflib"`: the same graph in rdflib (for cross-checks);
    * `as_of` D: what was known on D — values measured after D, grades and estimates given after D
      dropped, attainment judged as of D — read from the store as of D, made once beside the embedded
      store (`policygraph.store.dated`; the store stays as built), or beside a local copy of a remote
      store's build (`dated.remote_copy`, made once per build); a graph file or an in-memory build are
      restricted on a copy in memory;
    * `published_by` D: only what documents issued by D say (`policygraph.store.derive.restrict`),
      attainment judged as of D (or as of `as_of`, if earlier).
    """
    import pyoxigraph as ox

    from policygraph.graph.namespaces import PG
    from policygraph.store import derive
    from policygraph.store import remote
    note = None
    dropped: list[str] | None = None
    folder: Path | None = None  # where the store's reports are kept (`query.reports`): a generation's store only
    on_disk = False  # an embedded store on disk, where a final ORDER BY is done in Python (`store.ordering`)
    server = remote.configured(project, store_dir) if graph_file is None else None
    if server is not None:
        opened_remote = server.engine()
        note = _remote_note(project, opened_remote.current.info)
        if engine == "oxigraph" and as_of is None and published_by is None:
            opened_remote.note = note
            return opened_remote
        where = opened_remote.where
        if engine == "oxigraph":
            # --as-of, --published-by: a local copy of the build, made once (the remote store stays as it
            # is), restricted on disk as a built store is (`policygraph.store.dated`).
            from policygraph.store.dated import materialised, remote_copy
            path, dropped = materialised(remote_copy(opened_remote), as_of, published_by)
            store, resolved = embedded.open_resolved(path)
            folder = resolved.parent
            on_disk = True
        else:  # rdflib cross-checks read a copy in memory
            store = ox.Store()
            opened_remote.load_into(store)
    elif graph_file is not None:
        store, where = _load_file(graph_file), str(graph_file)
        # A file written before a derive stage existed: add that stage's triples.
        if not any(store.quads_for_pattern(None, ox.NamedNode(str(PG.reaches)), None)):
            derive.reaches(store)
        if as_of is None and not any(store.quads_for_pattern(None, ox.NamedNode(str(PG.attainmentAsOf)), None)):
            derive.attainment(store)
    else:
        path = Path(store_dir) if store_dir else project.build_dir / embedded.STORE
        why = store_state(project, path)
        if why is None:
            where = str(path)
            if as_of is not None or published_by is not None:
                # The store as of the date: made once beside the store, then opened as the store is.
                from policygraph.store.dated import materialised
                path, dropped = materialised(path, as_of, published_by)
            store, resolved = embedded.open_resolved(path)
            folder = embedded.reports_home(resolved)
            on_disk = True
        else:
            _, _, store = _build(project)
            where = "data/ (in memory)"
            note = f"{_shown(project, path)}: {why}; using an in-memory build of data/ (run `policygraph build`)"
    if (as_of is not None or published_by is not None) and dropped is None:
        # The rest (a remote store, a graph file, an in-memory build) is restricted in memory.
        dropped = derive.restrict(store, as_of, published_by)
    if engine == "rdflib":
        opened: Engine = RdflibEngine(OxigraphEngine(store=store).rdflib_graph(), where)
    elif engine == "oxigraph":
        opened = OxigraphEngine(store=store, where=where, folder=folder, sort_in_python=on_disk)
    else:
        raise PolicygraphError.single(f"unknown engine {engine!r}; choose rdflib or oxigraph", EXIT_INPUT,
                                      field="--engine")
    extra = left_out(published_by, dropped)
    if extra:
        note = f"{note}; {extra}" if note else extra
    opened.note = note
    return opened


def left_out(published_by: dt.date | str | None, dropped: list[str] | None) -> str | None:
    """The note naming the documents `--published-by` left out (None when it left out none)."""
    if not dropped:
        return None
    shown = ", ".join(d.rsplit("/", 1)[-1] for d in dropped)
    return f"published by {published_by}: left out {len(dropped)} documents issued later or undated ({shown})"


def _remote_note(project: Project, info: dict) -> str | None:
    """A note when a remote store's build is not of this project's current data (None when it is). What
    the store's build record says is shown with its control characters escaped: it reaches the terminal."""
    from policygraph.controls import printable
    if info.get("version") != __version__:
        version = printable(str(info.get("version"))[:80])
        return f"the store's graph was built by policygraph {version}, this is {__version__}"
    if info.get("inputs") != input_stats(project) and info.get("digest") != input_digest(project):  # stats first: cheap
        return (f"the store's graph was built from other data than {project.root} (built "
                f"{printable(str(info.get('built_at'))[:80])}); run `policygraph build --store URL` to replace it")
    return None


def _shown(project: Project, path: Path) -> str:
    try:
        return str(path.relative_to(project.root))
    except ValueError:
        return str(path)


def _load_file(path: Path):
    """A graph file into an in-memory Oxigraph store (format from the file name; exit 2 if unreadable)."""
    import pyoxigraph as ox
    if not path.is_file():
        raise PolicygraphError.single("graph file not found", EXIT_INPUT, file=path)
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) or ox.RdfFormat.N_TRIPLES
    store = ox.Store()
    try:
        store.load(path=str(path), format=fmt, to_graph=ox.DefaultGraph())
    except (SyntaxError, ValueError, OSError) as exc:
        if "remote context" in str(exc):  # Oxigraph has no loader for them: nothing is fetched
            raise PolicygraphError.single("a JSON-LD @context given by URL is refused: policygraph never fetches "
                                          "anything over the network; put the context in the file", EXIT_INPUT,
                                          file=path) from exc
        raise PolicygraphError.single(f"cannot read the graph file: {exc}", EXIT_INPUT, file=path) from exc
    return store


def validate(project: Project, reasoner: str = "auto", shacl_engine: str = "auto") -> ValidationReport:
    """Every check, in one run: records (pydantic, references, quotes), then SHACL and OWL on the graph.

    Raises PolicygraphError when the records cannot be loaded or break a record rule (the graph
    cannot be built then); returns the report, with its problems, otherwise.
    """
    from policygraph.checks.validate import check_graph, load_shapes
    from policygraph.graph.reason import java_available
    if reasoner == "hermit" and not java_available():  # say so before the long part
        raise PolicygraphError.single("HermiT needs Java, and no `java` is on the PATH", EXIT_INPUT,
                                      field="--reasoner")
    shapes = load_shapes(project)  # a broken shapes file is an input error: say so before the long part
    start = time.perf_counter()
    corpus, graph, store = _build(project)
    built = time.perf_counter() - start
    report = check_graph(project, corpus, graph, reasoner, shapes, store, shacl_engine)
    report.seconds["records"] = built
    return report
