"""The pages' templates and static files: the same template folders as `policygraph viz` (a project's
viz/templates/ first, then the shipped ones) and the same vendored front-end files."""
from __future__ import annotations

import mimetypes
import re
from pathlib import Path

from policygraph.project import Project

#: Static files served from the template folders: page styles and scripts, nothing else.
_STATIC = re.compile(r"^[a-z0-9][a-z0-9._-]*\.(css|js)$")
#: Vendored front-end files: vendor/<package>-<version>/<file>.
_VENDOR = re.compile(r"^vendor/([A-Za-z0-9@._-]+)/([A-Za-z0-9._-]+\.(?:js|css|map|woff2?))$")
#: The SPARQL editor at /query, vendored from npm by viz/vendor_yasgui.sh.
YASGUI_VERSION = "4.6.2"
_MEDIA = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def environment(project: Project):
    """An autoescaping Jinja2 environment over the project's template folders."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape
    env = Environment(loader=FileSystemLoader([str(d) for d in project.template_dirs]),
                      autoescape=select_autoescape(default=True, default_for_string=True))
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "ensure_ascii": False}
    env.filters["zip"] = lambda first, *rest: list(zip(first, *rest))
    from policygraph import labels
    env.globals.update(labels.template_globals())  # bi(pair), column(name), value_kind, status_pair
    env.filters["bi_text"] = labels.bi_text
    from policygraph.views.palette import PALETTE
    env.globals["palette"] = PALETTE  # status → fill, text colour, mark: the one attainment palette
    return env


def static_file(project: Project, path: str) -> tuple[bytes, str] | None:
    """(bytes, media type) of a static file by its URL path, or None. Only names matching the patterns
    above are looked up, so no path leaves the template and vendor folders."""
    if _STATIC.match(path):
        for folder in project.template_dirs:
            candidate = folder / path
            if candidate.is_file():
                return candidate.read_bytes(), _media(candidate)
        return None
    m = _VENDOR.match(path)
    if m and ".." not in path:
        candidate = project.vendor_dir / m.group(1) / m.group(2)
        if candidate.is_file():
            return _checked(candidate), _media(candidate)
    return None


def _checked(path: Path) -> bytes:
    """A vendored file's bytes, refused when its folder's SHA256SUMS does not list this content."""
    import hashlib

    from policygraph.errors import EXIT_INPUT, PolicygraphError
    data = path.read_bytes()
    sums_file = path.parent / "SHA256SUMS"
    sums = dict(line.split()[::-1] for line in sums_file.read_text().splitlines() if line.strip()) \
        if sums_file.is_file() else {}
    if sums.get(path.name) != hashlib.sha256(data).hexdigest():
        raise PolicygraphError.single("vendored file does not match its SHA256SUMS (see viz/vendor_*.sh)", EXIT_INPUT,
                                      file=path)
    return data


def _media(path: Path) -> str:
    return _MEDIA.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
