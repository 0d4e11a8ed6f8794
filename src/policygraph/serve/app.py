"""The web app of `policygraph serve` (Starlette): a read-only SPARQL 1.1 Protocol endpoint, a page per
named query, and the audit pages, over one built store.

Every query runs in a query worker (`serve.workers`), never on the event loop, so a slow query
holds one worker and the rest of the app keeps answering. Pages are rendered with the views'
autoescaping Jinja2 templates; a Content-Security-Policy forbids any request leaving the origin.

Example (a sketch; tests/serve runs it for real)::

    with TestClient(create_app(Settings(project, store_dir))) as client:
        client.get("/sparql", params={"query": "ASK {}"}).json()  # {'head': {}, 'boolean': True}
"""
from __future__ import annotations

import collections
import contextlib
import dataclasses
import functools
import json
import math
import os
import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl, urlencode
from urllib.parse import quote as url_quote

import anyio
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from policygraph import __version__
from policygraph.errors import PolicygraphError
from policygraph.graph.namespaces import curie
from policygraph.labels import HEADINGS, HTTP_STATUS, Said, hint, message
from policygraph.project import Project
from policygraph.query.sparql import RECORD_ID
from policygraph.serve import board as kpi_board
from policygraph.serve import pages, protocol, sqltables
from policygraph.views.render import COMPARATOR, STATUS as VALUE_STATUS
from policygraph.views.viz_model import ATTAINMENT_STYLE
from policygraph.serve.workers import MemoryLimitHit, QueryWorkers, TimeLimitHit, WorkerFailed, WorkersBusy

#: Longest query text accepted (bytes): the named queries are under 5 KB.
MAX_QUERY_BYTES = 100_000
#: Most fields a POSTed form may have (query, format and a few more are all the protocol uses).
MAX_FORM_FIELDS = 50
#: Pages forbid every request leaving the origin, inline scripts and plug-ins.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")

_META_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')

#: The editor's page: YASGUI's CodeMirror sets style attributes and injects <style>, so styles may be
#: inline there; scripts still come only from this origin and every request stays on it.
EDITOR_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")


@dataclass
class Settings:
    """What the server serves and its limits (`policygraph serve --help` documents each)."""

    project: Project
    store_dir: Path
    time_limit: float = 10.0
    #: The pages run the tool's own queries (a project's named queries too): a longer limit.
    page_time_limit: float = 30.0
    max_rows: int = 10_000
    workers: int = 2
    #: Bytes of finished results kept in memory (0: none); a result is at most an eighth of it.
    cache_bytes: int = 64 * 1024 * 1024
    hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "[::1]", "::1")
    #: Requests that may wait for a busy /sparql worker; one more gets 503 with Retry-After at once.
    queue: int = 8
    #: Bytes of address space a query worker may use (0: unlimited); a query past it gets 503.
    worker_memory: int = 2048 * 2**20


#: Bytes of rendered pages the server keeps (`page_cached`); a page over a sixteenth of it is not kept.
RENDERED_BYTES = 64 * 2**20

#: Rows of each list on the overview (sources, bodies, documents): the largest first, then a count of the rest.
OVERVIEW_ROWS = 30

#: Requests that may wait for a busy page worker (pages are cached and quick; beyond this, 503).
PAGE_QUEUE = 32


def create_app(settings: Settings) -> Starlette:
    """The app over `settings.store_dir` (a current store: `policygraph serve` checks it first)."""
    from policygraph.query.sparql import QueryLibrary

    library = QueryLibrary(settings.project.query_dirs)
    state: dict = {}

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        from policygraph.store.embedded import pinned
        # One generation per server: build/store is resolved once, and the generation held (a build
        # never deletes it while the server runs), so every worker — a respawned one too —, the result
        # cache and /health read the same store.
        with pinned(settings.store_dir) as store_dir:
            state["store_dir"] = store_dir
            # The tables' SQLite files: beside this generation's store, named by the build they come from.
            state["tables"] = sqltables.cache_dir(store_dir)
            info = read_info(store_dir)
            state["stamp"] = f"{info.built_at}/{info.triples}" if info else str(store_dir)
            # Two pools: ad-hoc SPARQL apart from the pages, so a client running queries into the time
            # limit (whose workers are ended and started again) never holds up a page.
            # Each has its own threads and a bounded queue.
            state["sparql"] = QueryWorkers(store_dir, settings.workers, settings.time_limit,
                                           memory=settings.worker_memory)
            state["pages"] = QueryWorkers(store_dir, settings.workers, settings.page_time_limit,
                                          memory=settings.worker_memory)
            capacity = {"sparql": settings.workers + settings.queue, "pages": settings.workers + PAGE_QUEUE}
            state["capacity"] = capacity
            state["limiters"] = {name: anyio.CapacityLimiter(n) for name, n in capacity.items()}
            state["pending"] = dict.fromkeys(capacity, 0)
            _app.state.pools = {"sparql": state["sparql"], "pages": state["pages"]}  # for tests
            _app.state.pending = state["pending"]
            try:
                yield
            finally:
                state["sparql"].close()
                state["pages"].close()

    from policygraph.store.embedded import read_info
    from policygraph.views import fulltext
    # The search index of the store's own generation (resolved once: a later build does not change it).
    index_path = fulltext.index_of(settings.store_dir)
    built = read_info(settings.store_dir)
    index = {"problem": fulltext.state(index_path, built.triples if built else None)}

    def index_problem() -> str | None:
        """Why the index cannot be read, or None; looked at again while there is a reason (a snapshot's
        index is written after the server starts: `cli.serve`)."""
        if index["problem"] is not None:
            index["problem"] = fulltext.state(index_path, built.triples if built else None)
        return index["problem"]

    cache = ResultCache(settings.cache_bytes)
    #: Calls under way, by key: a second caller of the same call waits for the first one's answer
    #: instead of running it again (the overview's figures are asked for by every first visitor).
    running: dict = {}
    #: Table files written again after `sqltables.prune` removed them, by path (a new key for `call`).
    rewrites: dict = {}

    async def call(func, *args, pool: str = "pages", **kwargs):
        """`func(engine, …)` in a query worker (or its remembered result: the store is read-only and does
        not change while the server runs); its failures as HTTP errors. A second caller of a call under
        way waits for the first one's answer. A pool's queue is bounded: past it, 503 with Retry-After
        at once (so /sparql load never takes the pages' threads)."""
        import asyncio
        key = _frozen((func.__module__, func.__qualname__, args, kwargs))
        found = cache.get(key)
        if found is not None:
            return found
        try:
            hash(key)
        except TypeError:
            return await _call(key, func, *args, pool=pool, **kwargs)
        if key in running:
            return await asyncio.shield(running[key])
        task = asyncio.ensure_future(_call(key, func, *args, pool=pool, **kwargs))
        running[key] = task
        try:
            return await asyncio.shield(task)
        finally:
            if task.done():
                running.pop(key, None)
            else:
                task.add_done_callback(lambda _t: running.pop(key, None))

    async def _call(key, func, *args, pool: str = "pages", **kwargs):
        if state["pending"][pool] >= state["capacity"][pool]:
            raise HTTPException(503, message("busy", count=state["capacity"][pool], pool=pool),
                                headers={"Retry-After": str(max(1, math.ceil(state[pool].time_limit / 2)))})
        state["pending"][pool] += 1
        try:
            result = await anyio.to_thread.run_sync(functools.partial(state[pool].call, func, *args, **kwargs),
                                                    limiter=state["limiters"][pool])
            cache.put(key, result)
            return result
        except (TimeLimitHit, MemoryLimitHit) as exc:
            raise HTTPException(503, str(exc)) from exc
        except WorkersBusy as exc:
            raise HTTPException(503, f"{exc}; try again shortly") from exc
        except WorkerFailed as exc:
            raise HTTPException(500, str(exc)) from exc
        except PolicygraphError as exc:
            raise HTTPException(400, str(exc)) from exc
        finally:
            state["pending"][pool] -= 1

    # ---------------------------------------------------------------- SPARQL 1.1 Protocol
    async def sparql(request: Request) -> Response:
        cross = _cross_site(request)
        if cross:
            return _text(403, cross)
        query, forced, dataset = await _query_of(request)
        endpoint = _endpoint(request)
        if query is None:
            accept = request.headers.get("accept", "")
            if "text/html" in accept and not _wants_rdf(accept) and forced not in protocol.GRAPH_FORMATS:
                return RedirectResponse("/query", 303)
            if request.method == "GET" and not dataset:
                # SPARQL 1.1 Service Description: what this endpoint is, by content negotiation.
                answer = await call(protocol.service_description, endpoint, accept, forced,
                                    settings.time_limit, settings.max_rows, pool="sparql")
                return _answer(answer)
            return _text(400, "no query: give one as `query=` (GET or a POSTed form) or POST it as "
                              "application/sparql-query")
        # Refusals (update, LOAD, SERVICE, a FROM the store does not hold) are checked by `execute` in the
        # worker: no parse of the query text runs on the event loop, and the time limit bounds it too.
        answer = await call(protocol.execute, query, request.headers.get("accept", ""), forced, settings.max_rows,
                            *(dataset or ((), ())), endpoint, pool="sparql")
        return _answer(answer)

    # ---------------------------------------------------------------- named queries
    async def query_list(request: Request) -> Response:
        queries = [library.get(n) for n in library.names()]
        return _html(request, "serve-queries.html.j2", title=HEADINGS["queries"], queries=queries)

    async def named_query(request: Request) -> Response:
        name, fmt = _split_format(request.path_params["name"])
        if name not in library.names():
            from policygraph.query.names import did_you_mean
            raise HTTPException(404, message("no_query", name=repr(name), **hint(did_you_mean(name, library.names()))))
        query = library.get(name)
        # The query's own parameters bind it (each set of values is a table of its own); other names are
        # filters on its columns, and `_size`, `_sort` … (a leading underscore, as Datasette's) the page's.
        params = {k: v for k, v in request.query_params.items() if v != "" and k in query.params}
        args = (tuple(str(f) for f in library.folders), name, tuple(sorted(params.items())))
        title = (query.title_ja, query.title or name)  # the English one marked lang="en" on the page
        return await serve_table(request, "query", args, fmt, name=name, title=title, reserved=tuple(query.params),
                                 template="serve-query.html.j2", takes=query.params,
                                 context={"query": query, "params": params})

    async def materialised(kind: str, args: tuple, project: bool = False):
        """(path, Meta) of table `kind` with `args`: written once per store generation by a page worker
        (concurrent first callers share the call; `sqltables.materialise`), then read from its file."""
        # A table is its store generation's: the statuses in it are those the build judged (as of its
        # `pg:attainmentAsOf`, shown on the board), so it never changes while the server runs.
        path = state["tables"] / sqltables.file_name(kind, args, state["stamp"])
        extra = {"project": settings.project} if project else {}
        meta = await call(sqltables.materialise, kind, args, str(path), **extra)
        try:
            os.utime(path)  # used now: the last to be pruned (`sqltables.prune`)
        except FileNotFoundError:  # pruned since its Meta was remembered: written again (a new call's key)
            rewrites[path] = rewrites.get(path, 0) + 1
            meta = await call(sqltables.materialise, kind, args, str(path), rewrite=rewrites[path], **extra)
        return path, meta

    async def serve_table(request: Request, kind: str, args: tuple, fmt: str | None, *, name: str, title: str,
                          template: str, reserved: tuple = (), takes: dict | None = None, context: dict | None = None,
                          project: bool = False, page_hook=None, other_columns: tuple = (),
                          made: tuple | None = None) -> Response:
        """A table of the web app with Datasette's URL conventions (`serve.sqltables`): its HTML page, or
        `.json` (a page: rows, columns, counts, next, facets; `?_shape=array` every row as a list),
        `.jsonl`, `.csv` and `.xlsx` (every row the filters keep: no cap). `made`: the caller's own
        (path, Meta) of the table, when it read the Meta first."""
        path, meta = made or await materialised(kind, args, project)
        try:
            q = sqltables.parse(list(request.query_params.multi_items()), meta, reserved,
                                default_facets=fmt is None or fmt == "json", other_columns=other_columns)
        except sqltables.BadRequest as exc:
            said = exc.args[0]
            if takes is not None and str(said).startswith("unknown parameter"):
                said = message("unknown_params_columns", name=name, unknown=str(said).split(") ", 1)[1],
                               known=", ".join(takes) or "none", columns=", ".join(meta.columns))
            raise HTTPException(400, said) from None
        if fmt in ("csv", "jsonl", "xlsx") or (fmt == "json" and request.query_params.get("_shape") == "array"):
            return await _table_file(fmt, name, path, q, title, call, meta)
        # A page whose template draws its own columns (the board's cells use several kpi-status columns each)
        # reads every column; .json and the downloads keep the URL's choice.
        shown = dataclasses.replace(q, columns=None) if other_columns and fmt is None else q
        page = await run_in_threadpool(sqltables.select, path, shown, meta)
        view = _view(request, page, q, meta)
        if fmt == "json":
            return JSONResponse(_json_page(request, page, q, view))
        extra = await page_hook(page) if page_hook else {}
        return _html(request, template, title=title, result=page, view=view, meta=meta, pager=view["pager"],
                     links=view["downloads"], **(context or {}), **extra)

    # ---------------------------------------------------------------- audit pages
    async def node_page(request: Request) -> Response:
        rid = request.path_params["rid"]
        if not RECORD_ID.match(rid):
            raise HTTPException(404, message("not_record_id"))
        forced = protocol.FORMAT_ALIASES.get(request.query_params.get("format", "").lower())
        if forced in protocol.GRAPH_FORMATS or _wants_rdf(request.headers.get("accept", "")):
            answer = await call(pages.node_graph, rid, request.headers.get("accept", ""), forced)
            if answer.status == 200 and answer.body.strip() in (b"", b"[]"):
                raise HTTPException(404, message("no_record", id=repr(rid)))
            return _answer(answer)
        details = await call(pages.node, library.folders, rid, *_link_options(request))
        if details is None:
            raise HTTPException(404, message("no_record", id=repr(rid)))
        # ?fragment=1: the page's body alone, the explorer's side panel (one template for both).
        template = "serve-node-body.html.j2" if request.query_params.get("fragment") == "1" else "serve-node.html.j2"
        response = _html(request, template, title=details["label_ja"], node=details,
                         iri=details["iri"], styles=ATTAINMENT_STYLE, query=dict(request.query_params))
        response.headers["Vary"] = "Accept"  # the same URL gives Turtle or JSON-LD to other clients
        return response

    async def node_api(request: Request) -> Response:
        """`GET /api/node/<id>`: the node and its links grouped by property and direction, each group
        counted and paged (`views.records.node_links`), as JSON."""
        rid = request.path_params["rid"]
        if not RECORD_ID.match(rid):
            return _json_error(message("not_record_id"), 404, id=rid)
        found = await call(pages.node_api, library.folders, rid, *_link_options(request))
        if found is None:
            return _json_error(message("no_record", id=repr(rid)), 404, id=rid)
        return JSONResponse(found, headers={"X-Content-Type-Options": "nosniff"})

    async def explore_page(request: Request) -> Response:
        """`/explore[?focus=<id>…]`: the graph explorer (the page reads the rest of its state from the URL)."""
        from policygraph.views.explore import render_explorer
        if "explorer" not in state:
            state["explorer"] = await run_in_threadpool(render_explorer, settings.project, HEADINGS["explore"], None, True)
        # Its own policy (vis-network and explore.js pinned by hash, fetch to this origin) in the header
        # too: without it SecurityHeaders sends the app's CSP, which blocks both inline scripts.
        csp = unescape(_META_CSP.search(state["explorer"]).group(1))
        return HTMLResponse(state["explorer"], headers={"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff"})

    async def search_api(request: Request) -> Response:
        """`GET /api/search?q=`: the explorer's search (ids, labels, aliases and quotes): records (id, label,
        label_en, cls), at most 50, as JSON."""
        text = request.query_params.get("q", "")[:200]
        if not text.strip():
            return JSONResponse([])
        if index_problem() is None:  # the build's full-text index, as /search reads it: a record per hit
            hits = (await run_in_threadpool(fulltext.search, index_path, text, None, None, 0, 500)).hits
            found = list({h.node: {"id": h.node, "label": h.label or h.node, "label_en": h.label_en or "",
                                   "cls": h.cls} for h in hits}.values())[:50]
        else:  # no current index: ids, labels, aliases and quotes scanned on the store
            found = await call(pages.search, library.folders, text, 50, True)
        return JSONResponse(found)

    async def path_api(request: Request) -> Response:
        """`GET /api/path?from=<id>&to=<id>&max=6&k=5`: the shortest paths between two records
        (`views.explore.paths`), as JSON; 404 naming the ids that are no record."""
        from policygraph.views import explore
        args = request.query_params
        ends = [args.get("from", ""), args.get("to", "")]
        bad = [e for e in ends if not RECORD_ID.match(e)]
        if bad:
            return _json_error(message("path_ids"), 404, unknown=bad)
        try:
            max_links = int(args.get("max") or explore.DEFAULT_MAX_LINKS)
            k = int(args.get("k") or explore.DEFAULT_PATHS)
        except ValueError:
            raise HTTPException(400, message("path_number")) from None
        if not 1 <= max_links <= explore.MAX_LINKS or not 1 <= k <= explore.MAX_PATHS:
            raise HTTPException(400, message("path_range", links=explore.MAX_LINKS, paths=explore.MAX_PATHS))
        found = await call(explore.path_api, library.folders, *ends, max_links, k)
        if "unknown" in found:
            return _json_error(message("no_record", id=", ".join(map(repr, found["unknown"]))), 404,
                               unknown=found["unknown"])
        return JSONResponse(found, headers={"X-Content-Type-Options": "nosniff"})

    async def trace_page(request: Request) -> Response:
        target, fmt = _split_format(request.path_params["target"])
        if fmt:  # the trace's rows, as every table: filters, sort and columns of the URL
            return await serve_table(request, "trace", (target,), fmt, name=f"trace-{target}",
                                     title=f"トレース · trace {target}", template="serve-query.html.j2",
                                     project=True)
        view = await call(pages.trace_page, settings.project, target)
        # The graph of the same chain is the explorer's (its own script and policy): a link, not a second view.
        chain = {"focus": view["root"]["id"], "expand": ",".join(view["expand"]), "layout": "chain"}
        explore = "/explore?" + urlencode({k: v for k, v in chain.items() if v})
        return _html(request, "serve-trace.html.j2", title=(f"追跡 {view['root']['label']}", "Trace"), view=view,
                     styles=ATTAINMENT_STYLE, explore=explore, rows=f"/trace/{url_quote(view['root']['id'])}/rows",
                     links={f: f"/trace/{url_quote(view['root']['id'])}.{f}" for f in TABLE_FORMATS})

    async def trace_rows(request: Request) -> Response:
        """`/trace/<id>/rows`: the trace's rows as a flat table with the conventions of every table (filters,
        sort, facets, pages, columns); /trace/<id> shows them as the chain and links here."""
        target = request.path_params["target"]
        return await serve_table(request, "trace", (target,), None, name=f"trace-{target}",
                                 title=(f"追跡 {target}: 行の表", f"Trace {target}: rows"), template="serve-query.html.j2",
                                 project=True, context={"back": f"/trace/{url_quote(target)}", "back_label": ("追跡", "the trace")})

    async def kpis(request: Request) -> Response:
        """The KPI board: kpi-status as a table (`?status=missed`, facets, sort, pages, downloads) in the
        board's curated columns (`serve.board`: `_col` / `_nocol` choose them on the page; names that are
        kpi-status columns choose the columns of .json and the downloads), with a sparkline and the
        responsible bodies of each KPI of the page."""
        columns = kpi_board.chosen(_names(request, "_col"), _names(request, "_nocol"))

        async def extras(page):
            spark, bodies = await call(pages.kpi_extras, library.folders, [r.get("kpi") for r in page.rows])
            return {"spark": spark, "bodies": bodies}
        return await serve_table(request, "kpis", (tuple(str(f) for f in library.folders),), _table_format(request),
                                 name="kpi-status", title=HEADINGS["kpis"], template="serve-kpis.html.j2",
                                 context={"styles": ATTAINMENT_STYLE, "columns": columns,
                                          "all_columns": list(kpi_board.COLUMNS.values()), "comparators": COMPARATOR,
                                          "value_status": VALUE_STATUS},
                                 page_hook=extras, other_columns=tuple(kpi_board.COLUMNS))

    async def gaps(request: Request) -> Response:
        path_args = (tuple(str(f) for f in library.folders),)
        made = await materialised("gaps", path_args)
        kinds = made[1].extra.get("kinds", [])
        titles = {k["name"]: (k.get("title_ja") or "", k["title"]) for k in kinds}

        async def bilingual(page):  # the page shows each gap's title in both languages (downloads: English)
            for row in page.rows:
                row["title"] = titles.get(row.get("kind"), row.get("title"))
            return {}
        return await serve_table(request, "gaps", path_args, _table_format(request), name="gaps",
                                 title=HEADINGS["gaps"], template="serve-gaps.html.j2",
                                 context={"kinds": kinds}, page_hook=bilingual, made=made)

    async def diff_page(request: Request) -> Response:
        a, b = request.query_params.get("a", "")[:200], request.query_params.get("b", "")[:200]
        docs = await call(pages.documents, library.folders)
        result, sections = None, []
        if a and b:
            try:
                result, sections = await call(pages.diff_tables, library.folders, a, b)
            except PolicygraphError as exc:
                return _text(404, str(exc.problems[0]))
            if request.path_params.get("fmt") == "json":
                return JSONResponse({"a": result["a"], "b": result["b"],
                                     **{s["name"]: s["table"].rows for s in sections}})
        return _html(request, "serve-diff.html.j2", title=HEADINGS["diff"], docs=docs,
                     chosen={"a": a, "b": b}, result=result, sections=sections)

    async def diff_section(request: Request) -> Response:
        """`/diff/<section>?a=DOC&b=DOC`: one section of the edition diff as a table (filters, sort, facets,
        pages, downloads); /diff shows every section and links here."""
        from policygraph.query.diff import SECTIONS
        section, fmt = _split_format(request.path_params["section"])
        if section not in SECTIONS:
            raise HTTPException(404, f"no diff section {section!r}; the sections are {', '.join(SECTIONS)}")
        a, b = request.query_params.get("a", "")[:200], request.query_params.get("b", "")[:200]
        if not (a and b):
            raise HTTPException(400, "give the two documents as a= and b=")
        ja, en = SECTIONS[section]
        return await serve_table(request, "diff", (tuple(str(f) for f in library.folders), a, b, section), fmt,
                                 name=f"diff-{section}", title=f"{ja} · {en}: {a} → {b}",
                                 template="serve-query.html.j2", reserved=("a", "b"),
                                 context={"back": _href("/diff", [("a", a), ("b", b)])})

    async def home(request: Request) -> Response:
        # Both aggregated on the store in a page worker, once (concurrent first visitors share the
        # call), then kept: the store does not change while the server runs.
        if "overview" not in state:  # written by the build beside the store (`serve.overview`)
            from policygraph.serve.overview import overview_page
            state["overview"] = await call(overview_page, library.folders)
        data, sources, cov = state["overview"]
        # A national corpus has thousands of documents: the page shows the OVERVIEW_ROWS largest of each
        # list and says how many more there are, with where to see them all (a 1M-triple project's page
        # was 1 MB of HTML).
        bodies, documents = list(data["by_body"].items()), list(data["by_document"].items())
        shown = {**data, "by_body": dict(bodies[:OVERVIEW_ROWS]), "by_document": dict(documents[:OVERVIEW_ROWS])}
        more = {"sources": max(0, len(sources) - OVERVIEW_ROWS), "bodies": max(0, len(bodies) - OVERVIEW_ROWS),
                "documents": max(0, len(documents) - OVERVIEW_ROWS)}
        ranked = sorted(sources, key=lambda s: -s["quotes"])[:OVERVIEW_ROWS] if more["sources"] else sources
        return _html(request, "serve-overview.html.j2", title=("policygraph " + HEADINGS["overview"][0],
                                                                HEADINGS["overview"][1]), data=shown,
                     sources=ranked, more=more, styles=ATTAINMENT_STYLE, coverage_map=cov)

    async def search(request: Request) -> Response:
        """`/search?q=`: the full-text index of the store's build (ids, labels, aliases, quotes), with
        facets by class (`cls=`) and source document (`doc=`), a total and pages (`_size`, `_next`); an
        exact record id opens its page. Without a current index: labels and ids on the store, with a note."""
        args = request.query_params
        text = args.get("q", "")[:200]
        cls, doc = args.get("cls", "")[:100] or None, args.get("doc", "")[:100] or None
        offset, size = _paging(request)
        sort, desc = _search_sort(request)
        fmt = request.path_params.get("fmt")
        if fmt is not None and fmt not in ("json", "csv", "jsonl", "xlsx"):
            raise HTTPException(404, message("no_format", fmt=repr(fmt), choices="json, csv, jsonl, xlsx"))
        columns = _search_columns(request)
        note = None
        if fmt in ("csv", "jsonl", "xlsx") and text.strip() and index_problem() is None:  # every hit
            if fmt == "xlsx":  # built in a thread, not on the event loop
                return await run_in_threadpool(_search_workbook, index_path, text, cls, doc, sort, desc, columns)
            return _search_download(fmt, index_path, text, cls, doc, sort, desc, columns=columns)
        if not text.strip():
            found = fulltext.Found([], 0, 0)
        elif (problem := index_problem()) is None:
            found = await run_in_threadpool(fulltext.search, index_path, text, cls, doc, offset, size, sort, desc)
        else:
            note = f"{problem}: searching ids and labels on the store only (run `policygraph build`)"
            found = fulltext.found_of(await call(pages.search, library.folders, text), text, cls, offset, size)
        if fmt is not None and fmt != "json":  # no index: the download is what the page shows
            return _search_download("csv" if fmt == "xlsx" else fmt, None, text, cls, doc, sort, desc, found, columns)
        if fmt == "json":  # the hits, in the tables' JSON shape
            return JSONResponse(_search_json(request, found, size, cls, doc, note))
        if found.exact and offset == 0 and not cls and not doc:
            return RedirectResponse(f"/id/{found.exact}", 303)
        base = request.url.remove_query_params("_next")

        def toggled(key: str, value: str, chosen: str | None) -> str:  # a facet link: on, or off again
            url = base.remove_query_params(key) if value == chosen else base.include_query_params(**{key: value})
            return f"{url.path}?{url.query}"
        facets = {"classes": [{"name": c, "count": n, "chosen": c == cls, "url": toggled("cls", c, cls)}
                              for c, n in found.classes],
                  "documents": [{"id": d, "label": label, "count": n, "chosen": d == doc, "url": toggled("doc", d, doc)}
                                for d, label, n in found.documents]}
        pager = _pager(request, _Page(found.hits, found.total, found.offset), size) if found.total else None
        unsorted = [(k, v) for k, v in request.query_params.multi_items() if k not in ("_next", "_sort", "_sort_desc")]
        sorts = [{"label": label, "current": (sort, desc) == key,
                  "url": _href(request.url.path, [*unsorted, *([("_sort_desc" if key[1] else "_sort", key[0])]
                                                               if key[0] else [])])}
                 for label, key in ((("関連順", "relevance"), (None, False)), (("名称順", "label"), ("label", False)),
                                    (("分類順", "class"), ("cls", False)), (("出典順", "source and line"), ("file", False)))]
        kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("_next", "_size")]
        downloads = {f: _href(f"/search.{f}", kept) for f in ("csv", "jsonl", "xlsx", "json")}
        return _html(request, "serve-search.html.j2", title=(f"検索「{text}」", f"Search: {text}"), found=found, search_text=text,
                     note=note, facets=facets, pager=pager, chosen={"cls": cls, "doc": doc}, sorts=sorts,
                     downloads=downloads)

    async def source_page(request: Request) -> Response:
        """`/source/<source id or file>`: a source text the project declares, with line anchors (#L12) and
        the places of `?quote=` (an evidence excerpt's id, or a text) marked."""
        doc = request.path_params["doc"]
        if not (RECORD_ID.match(doc) or SOURCE_FILE.match(doc)):
            raise HTTPException(404, message("not_source"))
        quote = request.query_params.get("quote", "")[:5000]
        view = await call(pages.source_view, library.folders, str(settings.project.sources_dir), doc, quote)
        if view is None:
            raise HTTPException(404, message("no_source", doc=repr(doc)))
        return _html(request, "serve-source.html.j2", title=f"{view['label'] or view['id']} · {view['file']}",
                     view=view)

    async def editor(request: Request) -> Response:
        from policygraph.graph.namespaces import PREFIXES
        from policygraph.serve.templates import YASGUI_VERSION
        examples = [{"name": n, "title": library.get(n).title, "text": library.get(n).text} for n in library.names()]
        chosen = request.query_params.get("example", "")
        return _html(request, "serve-editor.html.j2", title=HEADINGS["editor"], examples=examples,
                     chosen=chosen if chosen in library.names() else "kpi-status", yasgui=f"yasgui-{YASGUI_VERSION}",
                     prefixes={name: str(iri) for name, iri in PREFIXES.items()}, csp=EDITOR_CSP)

    async def health(_request: Request) -> Response:
        from policygraph.store.embedded import read_info
        store_dir = state["store_dir"]
        info = read_info(store_dir)
        pools = {name: state[name] for name in ("sparql", "pages")}
        states = {pool.state for pool in pools.values()}
        # 503 unless every pool has a ready worker: "starting" while they warm up, "degraded" when a
        # pool has none and its last start failed (it keeps retrying: see `errors`).
        status = "degraded" if "degraded" in states else "starting" if "starting" in states else "ok"
        body = {"status": status, "version": __version__,
                "store": {"built_at": info.built_at if info else None, "triples": info.triples if info else None,
                          "generation": next((p.name for p in Path(store_dir).parents if p.name.startswith(".gen-")), None)},
                "workers": {"size": settings.workers, "sparql": pools["sparql"].ready,
                            "pages": pools["pages"].ready}}
        errors = {name: pool.last_error for name, pool in pools.items() if pool.last_error}
        if errors:
            body["errors"] = errors
        return JSONResponse(body, 200 if status == "ok" else 503)

    async def http_error(request: Request, exc: HTTPException) -> Response:
        # A page's error in both languages: the message's own Japanese when it has one (labels.MESSAGES),
        # else the status in Japanese above the English detail. /sparql answers as the protocol does.
        page = not request.url.path.startswith("/sparql")
        heading = HTTP_STATUS.get(exc.status_code, ("エラー", "Error"))
        ja = getattr(exc.detail, "ja", None) or heading[0]
        if page and "text/html" in request.headers.get("accept", ""):
            response = _html(request, "serve-error.html.j2", status_code=exc.status_code,
                             title=(f"{exc.status_code} {heading[0]}", heading[1]), message=exc.detail, message_ja=ja)
        elif page:
            response = _text(exc.status_code, f"{ja}\n{exc.detail}")
        else:
            response = _text(exc.status_code, exc.detail)
        for name, value in (exc.headers or {}).items():  # Allow of a 405, as Starlette sets it
            response.headers[name] = value
        return response

    def _html(request: Request, template: str, status_code: int = 200, csp: str = CSP, **context) -> HTMLResponse:
        body = env.get_template(template).render(request_path=request.url.path, version=__version__, **context)
        return HTMLResponse(body, status_code, headers={"Content-Security-Policy": csp,
                                                        "X-Content-Type-Options": "nosniff"})

    from policygraph.serve.templates import environment
    env = environment(settings.project)

    # Rendered pages, by URL: a page of the server's one generation is the same every time it is asked
    # for (its data comes from the store or the tables written beside it), so a page asked for again is
    # sent as it was rendered, not rendered again on the event loop (~5–60 ms each for the board, a
    # named query's page of 100 rows or a node page). Least recently used first out, past RENDERED_BYTES.
    rendered: collections.OrderedDict = collections.OrderedDict()
    kept = {"bytes": 0}

    def page_cached(handler):
        @functools.wraps(handler)
        async def cached(request: Request) -> Response:
            if request.method != "GET":
                return await handler(request)
            accept = request.headers.get("accept", "")
            key = (str(request.url.path), str(request.url.query), _wants_rdf(accept))
            hit = rendered.get(key)
            if hit is not None:
                rendered.move_to_end(key)
                return HTMLResponse(hit[0], headers=hit[1])
            response = await handler(request)
            if (type(response) is HTMLResponse and response.status_code == 200
                    and len(response.body) <= RENDERED_BYTES // 16):
                headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")}
                rendered[key] = (response.body, headers)
                kept["bytes"] += len(response.body)
                while kept["bytes"] > RENDERED_BYTES and rendered:
                    _, (body, _) = rendered.popitem(last=False)
                    kept["bytes"] -= len(body)
            return response
        return cached

    home, node_page, trace_page, kpis, gaps, named_query = (  # noqa: F811 — the same handlers, kept
        page_cached(h) for h in (home, node_page, trace_page, kpis, gaps, named_query))
    routes = [
        Route("/health", health),
        Route("/sparql", sparql, methods=["GET", "POST"]),
        Route("/sparql/", sparql, methods=["GET", "POST"]),  # as the W3C protocol tests address it
        Route("/queries", query_list),
        Route("/queries/{name}", named_query),
        Route("/", home),
        Route("/id/{rid}", node_page),
        Route("/api/node/{rid}", node_api),
        Route("/api/path", path_api),
        Route("/api/search", search_api),
        Route("/explore", explore_page),
        Route("/trace/{target}", trace_page),
        Route("/trace/{target}/rows", trace_rows),
        Route("/kpis", kpis),
        Route("/kpis.{fmt:str}", kpis),
        Route("/gaps", gaps),
        Route("/gaps.{fmt:str}", gaps),
        Route("/search", search),
        Route("/search.{fmt:str}", search),
        Route("/source/{doc}", source_page),
        Route("/diff", diff_page),
        Route("/diff.{fmt:str}", diff_page),
        Route("/diff/{section}", diff_section),
        Route("/query", editor),
        Route("/favicon.ico", lambda _request: Response(status_code=204)),
        *static_routes(settings.project),
    ]
    app = _App(routes=routes, lifespan=lifespan, exception_handlers={HTTPException: http_error},
               middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(settings.hosts))])
    app.state.settings = settings
    return app


class _App(Starlette):
    """Starlette with SecurityHeaders outside everything, its own error middleware included: a 500 and the
    Host check's 400 carry the headers too."""

    def build_middleware_stack(self):
        return SecurityHeaders(super().build_middleware_stack())


class SecurityHeaders:
    """Every response carries a Content-Security-Policy (the app's CSP unless the handler set its own;
    `frame-ancestors 'none'` in each, so no page can be framed) and `X-Content-Type-Options: nosniff`,
    whatever produced it: a page, a download, /sparql, an error, a redirect."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def sending(message):
            if message["type"] == "http.response.start":
                from starlette.datastructures import MutableHeaders
                headers = MutableHeaders(scope=message)
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = CSP
                elif "frame-ancestors" not in headers["content-security-policy"]:
                    headers["Content-Security-Policy"] = headers["content-security-policy"] + "; frame-ancestors 'none'"
                headers["X-Content-Type-Options"] = "nosniff"
            await send(message)

        await self.app(scope, receive, sending)
#: A source text's file name, as the records give it (no folder, no leading dot).
SOURCE_FILE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


@dataclass
class _Page:
    """What `_pager` reads of a page of rows."""

    rows: list
    total: int
    offset: int


def _frozen(value):
    """A hashable form of call arguments (lists and dicts of plain values), for the cache key."""
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, Project):
        return str(value.root)
    return value


class ResultCache:
    """Results of worker calls, least recently used first out, within a byte budget (measured pickled).
    Sound because the server reads one store, read-only, that no one changes under it: `policygraph
    build` writes a new generation, and a server started before it keeps serving the old one."""

    def __init__(self, budget: int):
        import collections
        import threading
        self.budget = budget
        self.used = 0
        self.entries: collections.OrderedDict = collections.OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        try:
            hash(key)
        except TypeError:
            return None
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            self.entries.move_to_end(key)
            return entry[0]

    def put(self, key, value) -> None:
        import pickle
        if self.budget <= 0 or value is None:
            return
        try:
            hash(key)
            size = len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        except (TypeError, pickle.PicklingError):
            return
        if size > self.budget // 8 or (isinstance(value, protocol.Answer) and value.status != 200):
            return
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = (value, size)
            self.used += size
            while self.used > self.budget:
                _, (_, dropped) = self.entries.popitem(last=False)
                self.used -= dropped


def static_routes(project: Project) -> list[Route]:
    from policygraph.serve.templates import static_file
    async def static(request: Request) -> Response:
        try:
            found = static_file(project, request.path_params["path"])
        except OSError:  # a name too long for the file system, and the like: nothing is served under it
            found = None
        if found is None:
            raise HTTPException(404, message("not_found"))
        body, media = found
        return Response(body, media_type=media, headers={"Cache-Control": "public, max-age=3600",
                                                         "X-Content-Type-Options": "nosniff"})
    return [Route("/static/{path:path}", static)]


async def _query_of(request: Request) -> tuple[str | None, str | None, tuple]:
    """(query text or None, a `format=` choice, (default-graph-uri values, named-graph-uri values)) of a
    protocol request; refusals as HTTP errors."""
    args = request.query_params
    form: list[tuple[str, str]] = []
    query = None
    if request.method == "POST":
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media == "application/sparql-update":
            raise HTTPException(403, "SPARQL Update is refused: this endpoint is read-only")
        if media not in ("application/sparql-query", "application/x-www-form-urlencoded"):
            raise HTTPException(415, "POST a query as application/sparql-query or a form "
                                     "(application/x-www-form-urlencoded)")
        body = await _bounded_body(request)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise HTTPException(400, "the request body is not UTF-8") from None
        if media == "application/sparql-query":
            query = text
        else:
            try:
                form = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
            except ValueError:
                raise HTTPException(400, f"the form has more than {MAX_FORM_FIELDS} fields") from None
    fields = list(args.multi_items()) + form
    names = [k for k, _ in fields]
    if "update" in names:
        raise HTTPException(403, "SPARQL Update (update=) is refused: this endpoint is read-only")
    dataset = (tuple(v for k, v in fields if k == "default-graph-uri"),
               tuple(v for k, v in fields if k == "named-graph-uri"))
    given = [v for k, v in fields if k == "query"]
    if query is not None and given:
        raise HTTPException(400, "give the query once: in the body or as query=, not both")
    if len(given) > 1:
        raise HTTPException(400, "give one query= parameter, not several")
    if given:
        query = given[0]
    if query is not None and len(query.encode("utf-8", "surrogatepass")) > MAX_QUERY_BYTES:
        raise HTTPException(413, f"the query is longer than {MAX_QUERY_BYTES:,} bytes")
    forced = next((protocol.FORMAT_ALIASES.get(str(v).lower()) for k, v in fields if k in ("format", "output")), None)
    return query, forced, dataset if any(dataset) else ()


def _endpoint(request: Request) -> str:
    """The endpoint's own URL (no query string): the base of relative IRIs and the service's name."""
    return str(request.url.replace(query="", fragment=""))


def _cross_site(request: Request) -> str | None:
    """Why a request to /sparql comes from another site (a page elsewhere making the auditor's browser
    send a query), or None. A browser says so in Sec-Fetch-Site and, for POST and fetch, Origin; clients
    that are not browsers send neither."""
    site = request.headers.get("sec-fetch-site", "").lower()
    if site in ("cross-site", "same-site"):
        return f"a {site} request to /sparql is refused (Sec-Fetch-Site: {site}); query from this server's pages"
    origin = request.headers.get("origin")
    if origin is not None:
        own = f"{request.url.scheme}://{request.headers.get('host', '')}".lower()
        if origin.lower().rstrip("/") != own:
            return "a request to /sparql from another origin is refused (Origin is not this server)"
    return None


async def _bounded_body(request: Request) -> bytes:
    """The request body, refused (413) past MAX_QUERY_BYTES without reading more of it."""
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_QUERY_BYTES:
                raise HTTPException(413, f"the query is longer than {MAX_QUERY_BYTES:,} bytes")
    except ClientDisconnect:  # the client went away mid-body: no one to answer, nothing to log as an error
        raise HTTPException(400, "the client disconnected before sending the whole body") from None
    return bytes(body)


def _wants_rdf(accept: str) -> bool:
    """True when the client's first choice is an RDF format (a browser asks for HTML first)."""
    first = next(iter(protocol.accepted(accept)), "")
    return any(first in types for _, types, _ in protocol.GRAPH_FORMATS.values())


def _answer(answer: protocol.Answer) -> Response:
    headers = {"Vary": "Accept", "X-Content-Type-Options": "nosniff"}
    return Response(answer.body, answer.status, headers=headers, media_type=answer.media_type)


def _text(status: int, message: str) -> Response:
    return PlainTextResponse(message.rstrip() + "\n", status, headers={"X-Content-Type-Options": "nosniff"})


def _json_error(said: Said, status: int, **more) -> JSONResponse:
    """An API error as JSON: `error` in English (as before), `error_ja` in Japanese, and `more`."""
    return JSONResponse({"error": str(said), "error_ja": said.ja, **more}, status)


#: The download formats of every table: suffix → media type.
TABLE_FORMATS = {"json": "application/json", "jsonl": "application/x-ndjson; charset=utf-8",
                 "csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _table_format(request: Request) -> str | None:
    fmt = request.path_params.get("fmt")
    if fmt is not None and fmt not in TABLE_FORMATS:
        raise HTTPException(404, message("no_format", fmt=repr(fmt), choices=", ".join(TABLE_FORMATS)))
    return fmt


def _split_format(name: str) -> tuple[str, str | None]:
    stem, dot, suffix = name.rpartition(".")
    if dot and suffix in TABLE_FORMATS:
        return stem, suffix
    return name, None


async def _table_file(fmt: str, name: str, path: Path, q: sqltables.Query, title: str, call,
                      meta: sqltables.Meta) -> Response:
    """Every row of a table that the URL's filters keep, in its sort and with its columns, as a download:
    CSV (UTF-8 with a BOM, for Excel), JSON lines, a JSON array (`.json?_shape=array`, as `policygraph
    query --format json`), read from the table's file and streamed a block of rows at a time; or an
    Excel workbook (`views.tables.xlsx_bytes`: dates typed, quotes verbatim), built in a page worker.
    No row cap: the page shows a page of rows, the download has them all."""
    from starlette.responses import StreamingResponse
    headers = {"X-Content-Type-Options": "nosniff"}
    if fmt != "json":
        headers["Content-Disposition"] = f'attachment; filename="{_safe_name(name)}.{fmt}"'
    if fmt == "xlsx":
        body = await call(sqltables.xlsx, str(path), q, name, title)
        return Response(body, media_type=TABLE_FORMATS[fmt], headers=headers)
    blocks = sqltables.stream(path, q)
    writer = {"csv": _csv_blocks, "jsonl": _jsonl_blocks, "json": _json_blocks}[fmt]
    # A sync generator: Starlette runs each step in a thread, so no block is read on the event loop.
    return StreamingResponse(writer(sqltables.shown_columns(meta, q), blocks), media_type=TABLE_FORMATS[fmt],
                             headers=headers)


def _json_blocks(_columns: list[str], blocks):
    """The rows as one JSON array (each row an object, as `policygraph query --format json`)."""
    first = True
    yield b"["
    for rows in blocks:
        text = ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
        yield (("\n" if first else ",\n") + text).encode()
        first = False
    yield b"\n]\n"


def _jsonl_blocks(_columns: list[str], blocks):
    for rows in blocks:
        yield "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def _csv_blocks(columns: list[str], blocks):
    from policygraph.views.tables import delimited
    yield delimited(columns, [], bom=True).encode()
    for rows in blocks:
        yield delimited(columns, rows).split("\n", 1)[1].encode()


def _href(path: str, items: list[tuple[str, str]]) -> str:
    return f"{path}?{urlencode(items)}" if items else path


def _view(request: Request, page: sqltables.Page, q: sqltables.Query, meta: sqltables.Meta) -> dict:
    """What a table page shows around its rows, as links that keep the rest of the URL: facets (each
    value toggles its filter), the filters as removable chips, sort links per column, the pager and the
    downloads (which carry the filters, sort and columns)."""
    path = request.url.path
    items = [(k, v) for k, v in request.query_params.multi_items() if k != "_next"]

    def without(*pairs, keys=()):
        return [(k, v) for k, v in items if (k, v) not in pairs and k not in keys]

    facets = []
    for col, found in page.facets.items():
        results = []
        for r in found["results"]:
            if r["null"]:
                pair = (f"{col}__isnull", "1")
            else:
                pair = (col, str(r["value"]))
            url = _href(path, without(pair) if r["selected"] else [*items, pair])
            if r["value"] == "":  # an empty text: no filter names it (an empty parameter is no filter)
                url = None
            label = "— なし none" if r["null"] else r.get("label", r["value"])
            results.append({**r, "label": curie(label) if isinstance(label, str) else label, "url": url})
        facets.append({"name": col, "results": results, "truncated": found["truncated"]})
    chips = [{"label": f.label, "url": _href(path, without((f.param, f.value)))} for f in q.filters]
    if q.search:
        chips.append({"label": f"“{q.search}”", "url": _href(path, without(keys=("_search",)))})
    sort_urls = {}
    for c in page.columns:
        desc = q.sort == c and not q.desc
        sort_urls[c] = _href(path, [*without(keys=("_sort", "_sort_desc")), ("_sort_desc" if desc else "_sort", c)])
    shown = len(page.rows)
    nxt = page.offset + shown if page.offset + shown < page.count else None
    prev = max(page.offset - q.size, 0) if page.offset > 0 else None
    pager = {"first": page.offset + 1 if shown else 0, "last": page.offset + shown, "total": page.count,
             "next": _href(path, [*items, ("_next", str(nxt))]) if nxt is not None else None,
             "prev": (_href(path, [*items, ("_next", str(prev))]) if prev else _href(path, items))
             if prev is not None else None,
             "next_token": str(nxt) if nxt is not None else None}
    keep = [(k, v) for k, v in items if k not in ("_size", "_facet", "_nofacet")]
    base = path.rsplit(".", 1)[0] if path.rsplit("/", 1)[-1].count(".") else path
    downloads = {fmt: _href(f"{base}.{fmt}", keep if fmt != "json" else items) for fmt in TABLE_FORMATS}
    hidden = [(k, v) for k, v in items if k != "_search"]
    keep_but_columns = [(k, v) for k, v in items if k not in ("_col", "_nocol")]
    columns = [{"name": c, "shown": c in page.columns,
                "url": _href(path, without(("_nocol", c))) if c not in page.columns and ("_nocol", c) in items
                else _href(path, [*items, ("_nocol", c)]) if c in page.columns
                else _href(path, [*items, ("_col", c)])} for c in meta.columns]
    return {"facets": facets, "chips": chips, "sort": q.sort, "desc": q.desc, "sort_urls": sort_urls,
            "pager": pager, "downloads": downloads, "hidden": hidden, "search": q.search, "path": path,
            "count": page.count, "total": page.total, "columns": columns, "keep_but_columns": keep_but_columns,
            "default_columns_url": _href(path, keep_but_columns)}


def _json_page(request: Request, page: sqltables.Page, q: sqltables.Query, view: dict) -> dict:
    """`.json` of a table, in Datasette's shape: a page of rows with what leads on."""
    nxt = view["pager"]["next"]
    return {"columns": page.columns, "rows": page.rows, "truncated": False, "count": page.count,
            "filtered_table_rows_count": page.count, "total": page.total, "offset": page.offset,
            "next": view["pager"]["next_token"],
            "next_url": str(request.url.replace(query="")) + nxt[nxt.index("?"):] if nxt else None,
            "sort": q.sort if not q.desc else None, "sort_desc": q.sort if q.desc else None,
            "filters": [{"column": f.column, "op": f.op, "value": f.value} for f in q.filters],
            "facet_results": {f["name"]: {"name": f["name"], "truncated": f["truncated"],
                                          "results": [{"value": r["value"], "label": r["label"], "count": r["count"],
                                                       "selected": r["selected"], "toggle_url": r["url"]}
                                                      for r in f["results"]]} for f in view["facets"]},
            "notes": page.notes}


def _search_sort(request: Request) -> tuple[str | None, bool]:
    """`_sort=` / `_sort_desc=` of a search: a column of its hits (`fulltext.SORTABLE`); 400 otherwise."""
    from policygraph.views import fulltext
    for option, desc in (("_sort", False), ("_sort_desc", True)):
        column = request.query_params.get(option, "")
        if column:
            if column not in fulltext.SORTABLE:
                raise HTTPException(400, message("table_column", option=option, value=repr(column[:100]),
                                                 columns=", ".join(fulltext.SORTABLE)))
            return column, desc
    return None, False


#: The columns of a search's downloads (a hit's fields but its display segments).
SEARCH_COLUMNS = ["node", "cls", "kind", "text", "label", "label_en", "excerpt", "source", "file", "locator", "line"]


def _search_columns(request: Request) -> list[str]:
    """The columns of a search's downloads: `_col=` keeps the named ones, `_nocol=` drops them (as every
    table's); 400 for a name that is no column."""
    chosen = [c for v in request.query_params.getlist("_col") for c in v.split(",") if c]
    dropped = [c for v in request.query_params.getlist("_nocol") for c in v.split(",") if c]
    for option, names in (("_col", chosen), ("_nocol", dropped)):
        bad = [c for c in names if c not in SEARCH_COLUMNS]
        if bad:
            raise HTTPException(400, message("table_column", option=option, value=repr(bad[0][:100]),
                                             columns=", ".join(SEARCH_COLUMNS)))
    return [c for c in SEARCH_COLUMNS if (not chosen or c in chosen) and c not in dropped]


def _search_hits(index, text: str, cls, doc, sort, desc, block: int = 2000):
    """Every hit of a search from the index, a block at a time."""
    from policygraph.views import fulltext
    offset = 0
    while True:
        page = fulltext.search(index, text, cls, doc, offset, block, sort, desc)
        if not page.hits:
            return
        yield page.hits
        offset += len(page.hits)
        if offset >= page.total:
            return


def _search_workbook(index, text: str, cls, doc, sort, desc, columns: list[str]) -> Response:
    """Every hit of a search as an Excel workbook (`views.tables.xlsx_bytes`: verbatim text, typed numbers)."""
    from dataclasses import asdict

    from policygraph.views.tables import Sheet, xlsx_bytes
    rows = [{c: asdict(h)[c] for c in columns} for hits in _search_hits(index, text, cls, doc, sort, desc) for h in hits]
    body = xlsx_bytes([Sheet("search", columns, rows, {}, f"検索 Search: {text}")])
    return Response(body, media_type=TABLE_FORMATS["xlsx"], headers={
        "X-Content-Type-Options": "nosniff", "Content-Disposition": 'attachment; filename="search.xlsx"'})


def _search_download(fmt: str, index, text: str, cls, doc, sort, desc, found=None,
                     columns: list[str] | None = None) -> Response:
    """Every hit of a search as CSV (with a BOM) or JSON lines, read from the index a block at a time
    (no cap); without an index, the hits found on the store (`found`); `columns` of SEARCH_COLUMNS."""
    import json as _json
    from dataclasses import asdict

    from starlette.responses import StreamingResponse

    from policygraph.views.tables import delimited_blocks
    columns = columns or SEARCH_COLUMNS

    def body():
        if fmt == "csv":
            yield b"\xef\xbb\xbf"
        header = fmt == "csv"
        for hits in ([found.hits] if found is not None else _search_hits(index, text, cls, doc, sort, desc)):
            rows = [{c: asdict(h)[c] for c in columns} for h in hits]
            if fmt == "csv":
                pieces = delimited_blocks(columns, rows)
                if not header:
                    next(pieces)  # the header, once
                for piece in pieces:
                    yield piece.encode()
                header = False
            else:
                yield "".join(_json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    media = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}[fmt]
    return StreamingResponse(body(), media_type=media, headers={
        "X-Content-Type-Options": "nosniff", "Content-Disposition": f'attachment; filename="search.{fmt}"'})


def _search_json(request: Request, found, size: int, cls: str | None, doc: str | None, note: str | None) -> dict:
    """`/search.json`: a page of hits as the tables give theirs (rows, count, next, next_url, facet_results
    by class `cls` and source document `doc`, each value's toggle_url)."""
    from dataclasses import asdict
    items = [(k, v) for k, v in request.query_params.multi_items() if k != "_next"]
    path = request.url.path

    def toggle(key: str, value: str, chosen: str | None) -> str:
        kept = [(k, v) for k, v in items if k != key]
        return _href(path, kept if value == chosen else [*kept, (key, value)])
    nxt = found.offset + len(found.hits) if found.offset + len(found.hits) < found.total else None
    rows = [{k: v for k, v in asdict(h).items() if k != "segments"} for h in found.hits]
    return {"columns": list(rows[0]) if rows else [], "rows": rows, "truncated": False, "count": found.total,
            "offset": found.offset, "next": str(nxt) if nxt is not None else None,
            "next_url": str(request.url.replace(query=urlencode([*items, ("_next", nxt)]))) if nxt is not None else None,
            "facet_results": {
                "cls": {"name": "cls", "truncated": False,
                        "results": [{"value": c, "label": c, "count": n, "selected": c == cls,
                                     "toggle_url": toggle("cls", c, cls)} for c, n in found.classes]},
                "doc": {"name": "doc", "truncated": False,
                        "results": [{"value": d, "label": label, "count": n, "selected": d == doc,
                                     "toggle_url": toggle("doc", d, doc)} for d, label, n in found.documents]}},
            "notes": [note] if note else []}


def _paging(request: Request) -> tuple[int, int]:
    """(offset, page size) of a page of search hits: `?_size=N` (or `max`) and `?_next=` (the token of
    the next page's link), as every table reads them (`sqltables.parse`); 400 for anything else."""
    try:
        return (sqltables._token(request.query_params.get("_next", "")),
                sqltables._size(request.query_params.get("_size", "")))
    except sqltables.BadRequest as exc:
        raise HTTPException(400, str(exc)) from None


def _pager(request: Request, table, size: int) -> dict:
    """What a page of search hits says under them: which rows, of how many, and the links on."""
    total = table.total if table.total is not None else len(table.rows)
    shown = len(table.rows)
    nxt = table.offset + shown if table.offset + shown < total else None
    prev = max(table.offset - size, 0) if table.offset > 0 else None
    return {"first": table.offset + 1 if shown else 0, "last": table.offset + shown, "total": total,
            "next": str(request.url.include_query_params(_next=nxt)) if nxt is not None else None,
            "prev": str(request.url.include_query_params(_next=prev)) if prev is not None else None}


def _link_options(request: Request) -> tuple[int, int, tuple[str, ...], tuple[str, ...]]:
    """(limit, offset, types, predicates) of a node page or /api/node/<id>: `?limit=` (links per
    group, default 25, at most 500), `?offset=`, `?types=KPI,Observation`, `?predicates=reportedIn,…`."""
    from policygraph.views.records import DEFAULT_LIMIT, MAX_LIMIT
    args = request.query_params
    try:
        limit = int(args.get("limit") or DEFAULT_LIMIT)
        offset = int(args.get("offset") or 0)
    except ValueError:
        raise HTTPException(400, message("limit_number")) from None
    if not 0 <= limit <= MAX_LIMIT or offset < 0:
        raise HTTPException(400, message("limit_range", most=MAX_LIMIT))

    def names(key: str) -> tuple[str, ...]:
        return tuple(sorted({n.strip()[:200] for v in args.getlist(key) for n in v.split(",") if n.strip()}))[:50]
    return limit, offset, names("types"), names("predicates")


def _names(request: Request, key: str) -> list[str]:
    """A repeatable name parameter (`?_col=a&_col=b`, or `?_col=a,b`), at most 50 short names."""
    return [n.strip()[:100] for v in request.query_params.getlist(key) for n in v.split(",") if n.strip()][:50]


def _safe_name(name: str) -> str:
    """A file name for Content-Disposition: letters, digits, '-', '_' and '.' only."""
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in name) or "table"
