"""Regenerate the README's pictures of `policygraph serve`'s tables: the KPI board at 1,280 px and at
400 px, a search for a phrase that stands only in a quote, and the trace page.

    python viz/make_serve_screenshots.py      # after `policygraph build`

Starts the web app on a free loopback port for the time it takes; uses Debian's /usr/bin/chromium
(install fonts-noto-cjk first or Japanese shows as boxes). Every request stays on the server.
"""
import socket
import threading
import time

SHOTS = [  # (path, file under docs/, viewport, full page)
    ("/kpis", "screenshot-serve-board.png", (1280, 900), False),
    ("/kpis", "screenshot-serve-board-narrow.png", (400, 860), False),
    ("/search?q=業務の共通化", "screenshot-serve-search-quote.png", (1280, 760), False),
    ("/trace/未来投資戦略2017", "screenshot-serve-trace-table.png", (1280, 900), False),
]


def main() -> None:
    import uvicorn

    from policygraph.project import Project
    from policygraph.serve.app import Settings, create_app
    from policygraph.views.viz_browser import chromium

    project = Project.locate()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(uvicorn.Config(create_app(Settings(project, project.build_dir / "store")),
                                           host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise SystemExit("the server did not start")
        time.sleep(0.05)
    try:
        with chromium() as browser:
            for path, name, (width, height), full in SHOTS:
                ctx = browser.new_context(viewport={"width": width, "height": height})
                page = ctx.new_page()
                foreign = []
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base + "/")
                           else (foreign.append(r.request.url), r.abort()))
                page.goto(base + path, wait_until="load")
                assert not foreign, foreign
                out = project.root / "docs" / name
                page.screenshot(path=str(out), full_page=full)
                ctx.close()
                print(f"wrote {out}")
    finally:
        server.should_exit = True
        thread.join(20)


if __name__ == "__main__":
    main()
