"""Curation aids: corpus statistics, quote finding with a suggested locator, and the JSON Schema
of the data files. These read records leniently so they help while data is still broken."""
from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Union

from pydantic import Field, TypeAdapter, ValidationError

from policygraph.errors import EXIT_INPUT, EXIT_VIOLATIONS, PolicygraphError
from policygraph.project import Project
from policygraph.records.corpus import record_files
from policygraph.records.models import MODELS, EvidencedRecord
from policygraph.records.sources import SourceIndex, normalize
from policygraph.records.yamlload import LineDict, load_yaml

# ------------------------------------------------------------------ sources


def source_catalog(project: Project) -> dict[str, Path]:
    """SourceText id → file, read from the SourceText records."""
    catalog = {}
    for path in record_files(project):
        data = load_yaml(path)
        for rec in (data or {}).get("records", []) if isinstance(data, dict) else []:
            if isinstance(rec, dict) and rec.get("type") == "SourceText" and "file" in rec:
                catalog[str(rec["id"])] = project.sources_dir / str(rec["file"])
    return catalog


def resolve_source(project: Project, name: str) -> tuple[str, Path]:
    """A source by id (src-001), short number (001), or file name."""
    catalog = source_catalog(project)
    for sid, path in catalog.items():
        if name in (sid, sid.removeprefix("src-"), path.name, path.stem):
            return sid, path
    known = ", ".join(f"{sid} ({p.name})" for sid, p in sorted(catalog.items()))
    raise PolicygraphError.single(f"no source text {name!r}; known: {known}", EXIT_INPUT)


# ------------------------------------------------------------------ stats


@dataclass
class SourceStats:
    source: str
    file: str
    records: Counter = field(default_factory=Counter)
    quotes: int = 0
    verified: int = 0

    @property
    def share(self) -> float:
        return self.verified / self.quotes if self.quotes else 1.0


def corpus_stats(project: Project) -> tuple[list[SourceStats], int]:
    """Per source text: records (by type) with evidence from it, quotes and verified quotes.

    Returns (stats, invalid) where invalid counts records that do not pass their model; they are
    left out of the figures. Does not stop at the first broken record.
    """
    catalog = source_catalog(project)
    stats = {sid: SourceStats(sid, path.name) for sid, path in sorted(catalog.items())}
    indexes = {sid: SourceIndex(path) for sid, path in catalog.items() if path.is_file()}
    invalid = 0
    for path in record_files(project):
        data = load_yaml(path)
        if not isinstance(data, LineDict):
            continue
        default = data.get("source")
        for raw in data.get("records") or []:
            model = MODELS.get(raw.get("type")) if isinstance(raw, dict) else None
            try:
                rec = model.model_validate(dict(raw)) if model else None
            except ValidationError:
                rec = None
            if rec is None:
                invalid += 1
                continue
            if not isinstance(rec, EvidencedRecord):
                continue
            seen = set()
            for ev in rec.evidence:
                sid = ev.source or default
                if sid not in stats:
                    continue
                stats[sid].quotes += 1
                if sid in indexes and indexes[sid].find(ev.quote):
                    stats[sid].verified += 1
                if sid not in seen:
                    stats[sid].records[rec.type] += 1
                    seen.add(sid)
    return list(stats.values()), invalid


# ------------------------------------------------------------------ find-quote

# Lines that head a section in one of the sources: markdown headings, ■ headings, reform items,
# guidelines, indicator rows and the bracketed box titles of 003.
_HEADING = re.compile(r"^\s*(#{1,6}\s|■|改革項目[:：]|【指針|＜|重要課題|施策目標|政策|\d+\s*[\.．]\s|[IVX]+\s*[\.．]?\s)")


@dataclass
class QuoteHit:
    line: int
    end_line: int
    excerpt: list[tuple[int, str]]
    locator: str


def find_quote(project: Project, doc: str, text: str, context: int = 1, limit: int = 10) -> tuple[str, list[QuoteHit]]:
    """Where `text` occurs in a source (normalised matching, as the quote test does).

    >>> source, hits = find_quote(project, "001", "728団体(H27.4.1)")
    >>> source, hits[0].line, hits[0].locator
    ('src-001', 103, '自治体クラウドの推進について / 1. クラウド化の進捗状況 (line 103)')
    """
    sid, path = resolve_source(project, doc)
    index = SourceIndex(path)
    lines = index.text.splitlines()
    hits = []
    for match in index.find_all(text, limit=limit):
        lo, hi = max(1, match.line - context), min(len(lines), match.end_line + context)
        excerpt = [(n, lines[n - 1]) for n in range(lo, hi + 1)]
        hits.append(QuoteHit(match.line, match.end_line, excerpt, suggest_locator(lines, match.line)))
    return sid, hits


def suggest_locator(lines: list[str], line: int) -> str:
    """The nearest headings above `line`, outermost first, as a locator suggestion."""
    found: list[str] = []
    for n in range(line - 1, -1, -1):
        raw = lines[n].strip()
        if raw and _HEADING.match(raw):
            head = re.sub(r"^#+\s*", "", raw)
            head = head if len(head) <= 40 else head[:39] + "…"
            if head not in found:
                found.append(head)
            if len(found) == 2:
                break
    trail = " / ".join(reversed(found))
    return f"{trail} (line {line})" if trail else f"line {line}"


def longest_prefix(project: Project, doc: str, text: str) -> tuple[str, int | None]:
    """The longest leading part of `text` that the source contains, and where: shows where a quote breaks."""
    _, path = resolve_source(project, doc)
    index = SourceIndex(path)
    norm = normalize(text)
    lo, hi = 0, len(norm)
    while lo < hi:  # binary search on prefix length: containment is monotone in it
        mid = (lo + hi + 1) // 2
        if norm[:mid] in index.normalized:
            lo = mid
        else:
            hi = mid - 1
    hit = index.find(norm[:lo]) if lo else None
    return norm[:lo], hit.line if hit else None


# ------------------------------------------------------------------ JSON Schema


def data_file_schema() -> dict:
    """JSON Schema (2020-12) of a data file: {source?, records: [record, ...]}, records by `type`."""
    union = Annotated[Union[tuple(MODELS.values())], Field(discriminator="type")]  # type: ignore[valid-type]  # noqa: UP007 (a Union of a tuple has no | form)
    record_schema = TypeAdapter(union).json_schema(ref_template="#/$defs/{model}")
    defs = record_schema.pop("$defs", {})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://w3id.org/policygraph/schema/records.schema.json",
        "title": "policygraph data file",
        "description": "A YAML file under data/records/: an optional default source text id and a list of records.",
        "type": "object",
        "additionalProperties": False,
        "required": ["records"],
        "properties": {
            "source": {"type": "string", "description": "Default SourceText id for evidence in this file."},
            "records": {"type": "array", "items": record_schema},
        },
        "$defs": defs,
    }


def schema_text() -> str:
    return json.dumps(data_file_schema(), ensure_ascii=False, indent=2) + "\n"


def require_hits(sid: str, hits: list, text: str, project: Project, doc: str) -> None:
    if hits:
        return
    prefix, line = longest_prefix(project, doc, text)
    detail = (f"; the longest matching start is {prefix!r} (line {line}), so the quote breaks right after it"
              if prefix else "; not even its first character matches")
    raise PolicygraphError.single(f"the text to find is not in {sid}{detail}", EXIT_VIOLATIONS)
