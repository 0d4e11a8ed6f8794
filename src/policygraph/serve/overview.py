"""The overview page's data, computed once per store generation: `pages.overview`'s figures, the
`pages.sources` table and the coverage map (`views.explore.coverage_map`). `policygraph build` computes
it while its checks run and keeps it in the generation's reports folder (`policygraph.query.reports`);
the web app's page workers read it back from there."""
from __future__ import annotations

from pathlib import Path

from policygraph.serve import pages


def overview_page(engine, folders: list[Path]) -> tuple[dict, list[dict], dict]:
    """(figures, sources, coverage map) of the overview page: read from the store's reports folder, or
    computed and kept there."""
    from policygraph.query import reports
    from policygraph.query.sparql import QueryLibrary
    from policygraph.views import explore, records
    home = reports.folder_of(engine)
    path = None
    if home is not None:
        library = QueryLibrary(folders)
        path = home / reports.key("overview", [library.get(n).text for n in library.names()],
                                  code=(__file__, pages.__file__, explore.__file__, records.__file__))
        found = reports.read(path)
        if found is not None:
            return found["overview"], found["sources"], found["coverage_map"]
    answer = (pages.overview(engine, folders), pages.sources(engine, folders), explore.coverage_map(engine, folders))
    if path is not None:
        reports.write(path, {"overview": answer[0], "sources": answer[1], "coverage_map": answer[2]})
    return answer
