"""Load and check records: YAML → pydantic models → references and quotes checked.

Every problem is collected (not just the first) and names its file, line and field.
"""
from __future__ import annotations

import functools
import pickle
import re

from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from pathlib import Path

from pydantic import ValidationError

from policygraph.controls import CONTROL, printable
from policygraph.errors import EXIT_INPUT, EXIT_VIOLATIONS, PolicygraphError, Problem
from policygraph.project import Project
from policygraph.records.models import (
    EDITION_REFERENCES,
    MODELS,
    REFERENCES,
    EvidencedRecord,
    Record,
    SourceText,
)
from policygraph.records.sources import MIN_UNIQUE_QUOTE, Match, SourceIndex, normalize
from policygraph.records.yamlload import LineDict, LineList, line_of, load_yaml
from policygraph.timing import untimed


@dataclass(frozen=True)
class Located:
    """A record with the place it was read from."""

    record: Record
    file: Path
    line: int
    #: The record as read, with the line of every key (`raw`): kept while the records are checked.
    kept: LineDict | None = field(default=None, repr=False, compare=False)
    #: Its place in its file's list `records`, where `raw` finds it again once `kept` is let go.
    index: int = 0

    @property
    def raw(self) -> LineDict:
        """The record as read, with the line of every key. `load_corpus` lets the records as read go once
        they are checked (at a million triples they hold ~250 MB the later stages need), so a problem found
        later (the graph's checks) reads the file again to name its line; a file changed since, or no
        longer readable, names the record's first line."""
        if self.kept is not None:
            return self.kept
        try:
            raw = _reread(self.file)["records"][self.index]
        except (PolicygraphError, KeyError, IndexError, TypeError):
            raw = None
        if isinstance(raw, LineDict) and raw.get("id") == self.record.id:
            return raw
        first = LineDict()
        first.line, first.key_lines = self.line, {}
        return first

    def line_of(self, *loc) -> int:
        return line_of(self.raw, loc) or self.line

    def problem(self, message: str, *loc, value=None) -> Problem:
        return Problem(message, file=self.file, line=self.line_of(*loc),
                       field=dotted(loc) or None, record=self.record.id, value=value)


@dataclass(frozen=True)
class EvidenceMatch:
    source: str  # SourceText id
    match: Match


@dataclass
class Corpus:
    project: Project
    records: dict[str, Located] = field(default_factory=dict)
    #: (record id, evidence index) → where the quote was found
    matches: dict[tuple[str, int], EvidenceMatch] = field(default_factory=dict)
    default_sources: dict[Path, str] = field(default_factory=dict)
    #: Set when a source file cannot be decoded (the load then exits 2).
    unreadable: bool = False

    def of_type(self, *types: str) -> list[Record]:
        return [loc.record for loc in self.records.values() if loc.record.type in types]

    def get(self, record_id: str) -> Record:
        return self.records[record_id].record

    @cached_property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for loc in self.records.values():
            counts[loc.record.type] += 1
        return dict(sorted(counts.items()))

    def evidence_source(self, located: Located, index: int) -> str | None:
        ev = located.record.evidence[index]  # type: ignore[attr-defined]
        return ev.source or self.default_sources.get(located.file)


def dotted(loc: tuple) -> str:
    """A field location as written in messages: evidence[0].quote."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def record_files(project: Project) -> list[Path]:
    files = sorted(p for p in project.records_dir.glob("*.yaml") if not p.name.startswith("."))
    if not files:
        raise PolicygraphError.single("no record files (*.yaml) found", EXIT_INPUT, file=project.records_dir)
    return files


def load_corpus(project: Project, files: list[Path] | None = None, stage=untimed) -> Corpus:
    """Read every data file, validate every record, resolve every reference and verify every quote.

    Raises PolicygraphError listing all problems: exit 2 for unreadable or malformed files,
    exit 1 for records that break a rule. `stage` (a `policygraph.timing.Stages`) times the two halves.
    """
    corpus = Corpus(project)
    with stage("read records"):
        problems, text_problems = _read_records(corpus, files or record_files(project))
    with stage("check records"):
        problems += _check_references(corpus)
        problems += _check_quotes(corpus)
        problems += _check_values(corpus)
        problems += text_problems  # checked as the files were read, on the records as read
        problems += _check_printed_dates(corpus)
        problems += _check_announcements(corpus)
        problems += _check_acknowledgements(corpus)
        problems += _check_dates_in_text(corpus)
        problems += _check_readings(corpus)
    if problems:  # a source that cannot be read is an input error (exit 2), like malformed YAML
        raise PolicygraphError(problems, EXIT_INPUT if corpus.unreadable else EXIT_VIOLATIONS)
    _reread.cache_clear()
    for rid, located in corpus.records.items():  # checked: the records as read go (see Located.raw)
        corpus.records[rid] = replace(located, kept=None)
    return corpus


#: From this many record files on, the second half (by size) is read in a second process while this one
#: reads the first (a million triples: 1,787 files, the read stage ~8 s -> ~5 s on 2 cores); fewer are
#: read here, where a fork costs more than it saves.
PARALLEL_FILES = 200


def _read_records(corpus: Corpus, files: list[Path]) -> tuple[list[Problem], list[Problem]]:
    """Read every file into `corpus`, in order: (problems of the records as read, problems of their text).

    With PARALLEL_FILES or more files and two CPUs, a forked process reads the second half and sends its
    records back pickled (without the records as read: `Located.raw` reads the file again where a later
    problem needs a line). The records keep the order of a reading in one process; an id of the first
    half defined again in the second is the same problem; an error that stops the reading (malformed
    YAML) stops it here too, and an error in the first half stops the other process at once."""
    import multiprocessing
    import os
    cut = _halfway(files)
    if cut is None or (os.cpu_count() or 1) < 2 or multiprocessing.current_process().daemon:  # it may not start one
        return _read_part(corpus, files)
    # Forked, not spawned: a spawned process imports the caller's main module again (a script without the
    # `if __name__ == "__main__"` idiom would build again) and pays the imports. The child only parses,
    # pickles and writes to its pipe: it takes no lock another thread (a progress display) may hold.
    ctx = multiprocessing.get_context("fork")
    receiving, sending = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_read_in_child, args=(corpus.project, files[cut:], sending))
    child.start()
    sending.close()
    received = False
    try:
        problems, text_problems = _read_part(corpus, files[:cut])
        try:
            kind, *payload = pickle.loads(receiving.recv_bytes())
            received = True
        except EOFError:  # the process died (killed, out of memory): read the half here instead
            kind, payload = "lost", []
    finally:
        receiving.close()
        if received:  # it has sent everything and ends
            child.join(timeout=10)
        if child.is_alive():  # stopped at once (an error here): it would only write to a closed pipe
            child.kill()
        child.join()
    if kind == "error":
        raise payload[0]
    if kind == "lost":
        more, more_text = _read_part(corpus, files[cut:])
        return problems + more, text_problems + more_text
    records, id_lines, defaults, more, more_text = payload
    corpus.default_sources.update(defaults)
    for rid, located in records.items():
        if rid in corpus.records:
            first = corpus.records[rid]
            more.append(_duplicate(first, located.file, id_lines.get(rid, located.line), rid))
            continue
        corpus.records[rid] = located
    return problems + more, text_problems + more_text


def _duplicate(first: Located, file: Path, line: int, rid: str) -> Problem:
    """A record id defined again, at `file`:`line`, after `first`."""
    return Problem(f"duplicate id (first defined at {first.file}:{first.line})", file=file, line=line, field="id",
                   record=rid)


def _halfway(files: list[Path]) -> int | None:
    """Where the files split in two halves of about the same size, or None below PARALLEL_FILES."""
    if len(files) < PARALLEL_FILES:
        return None
    sizes = [p.stat().st_size if p.is_file() else 0 for p in files]
    total, running = sum(sizes), 0
    for i, size in enumerate(sizes):
        running += size
        if running * 2 >= total:
            return min(max(i + 1, 1), len(files) - 1)
    return len(files) // 2


def _read_part(corpus: Corpus, files: list[Path]) -> tuple[list[Problem], list[Problem]]:
    """Read `files` into `corpus`: (problems of the records as read, problems of their text)."""
    problems: list[Problem] = []
    first = set(corpus.records)
    for path in files:
        data = load_yaml(path)  # malformed YAML stops here, exit 2
        if not isinstance(data, LineDict) or not isinstance(data.get("records"), LineList):
            raise PolicygraphError.single("a data file is a mapping with a list `records` (and optionally "
                                          "`source`)", EXIT_INPUT, file=path, line=getattr(data, "line", 1))
        problems += _read_file(corpus, path, data)
    return problems, _check_text(corpus, skip=first)


def _read_in_child(project: Project, files: list[Path], sending) -> None:
    """The second process's part of `_read_records`: its records, pickled, or the error that stopped it."""
    import warnings
    warnings.simplefilter("ignore")  # nothing written to the terminal from here (see `_read_records`)
    part = Corpus(project)
    try:
        problems, text_problems = _read_part(part, files)
        id_lines = {rid: (loc.kept.key_lines.get("id", loc.line) if loc.kept is not None else loc.line)
                    for rid, loc in part.records.items()}
        records = {rid: replace(loc, kept=None) for rid, loc in part.records.items()}
        message = ("ok", records, id_lines, part.default_sources, problems, text_problems)
    except PolicygraphError as exc:
        message = ("error", exc)
    except Exception as exc:  # noqa: BLE001 - raised again in the reading process
        message = ("error", PolicygraphError.single(f"reading the record files failed: {exc!r}", EXIT_INPUT,
                                                    file=files[0] if files else None))
    try:
        sending.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))
        sending.close()
    except OSError:  # the reading process stopped first (an error in its half) and closed the pipe
        pass


@functools.lru_cache(maxsize=8)
def _reread(path: Path):
    """A data file read again, to locate a problem found after its records were let go (`Located.raw`)."""
    return load_yaml(path)


def _read_file(corpus: Corpus, path: Path, data: LineDict) -> list[Problem]:
    unknown = set(data) - {"source", "records"}
    problems = [Problem(f"unknown top-level key {k!r}", file=path, line=data.key_lines[k], field=k)
                for k in sorted(unknown, key=str)]
    if data.get("source") is not None:
        corpus.default_sources[path] = str(data["source"])
    for i, raw in enumerate(data["records"]):
        line = data["records"].item_lines[i]
        if not isinstance(raw, LineDict):
            problems.append(Problem("a record is a mapping", file=path, line=line, field=f"records[{i}]"))
            continue
        rtype = raw.get("type")
        model = MODELS.get(rtype) if isinstance(rtype, str) else None
        if model is None:
            problems.append(Problem(f"unknown record type; expected one of {', '.join(MODELS)}",
                                    file=path, line=raw.key_lines.get("type", raw.line), field="type",
                                    record=raw.get("id") if isinstance(raw.get("id"), str) else None,
                                    value=rtype))
            continue
        try:
            record = model.model_validate(dict(raw))
        except ValidationError as exc:
            rid = raw.get("id") if isinstance(raw.get("id"), str) else None
            for err in exc.errors():
                loc = tuple(err["loc"])
                problems.append(Problem(err["msg"], file=path, line=line_of(raw, loc) or raw.line,
                                        field=dotted(loc) or None, record=rid,
                                        value=err.get("input") if loc else None))
            continue
        if record.id in corpus.records:
            first = corpus.records[record.id]
            problems.append(_duplicate(first, path, raw.key_lines.get("id", raw.line), record.id))
            continue
        corpus.records[record.id] = Located(record, path, raw.line, raw, i)
    return problems


def _check_printed_dates(corpus: Corpus) -> list[Problem]:
    """A date the record quotes as printed (date_text: 平成28年4月1日, H28.4.1, 2016年4月, 2016年度) agrees
    with its typed date, at the printed precision (see `printed_dates.expected_when`): a fiscal year
    (2016年度, 28年度) is FY2016, its end (2016年度末) the day 2017-03-31, a month (2017年４月速報値) the
    month 2017-04, a month's end (2016年3月末) its last day, a day that day. For issued / as_of (plain
    days), one of the printed dates is that day, or that month where only a month is printed (a
    revised document prints its first date and each revision's)."""
    from policygraph.records.printed_dates import expected_when, printed_dates
    from policygraph.records.when import When
    problems = []
    for located in corpus.records.values():
        rec = located.record
        text = getattr(rec, "date_text", None)
        if not text:
            continue
        typed = getattr(rec, "date", None)
        if rec.type == "Observation" and expected_when(text) is None and not printed_dates(text) \
                and "年度" not in text:
            problems.append(located.problem(
                "date_text prints no date: a date read from context is typed as inferred — drop date_text and "
                "write date_inferred: <why this date>", "date_text", value=text))
            continue
        if isinstance(typed, When):
            expected = expected_when(text)
            if expected is not None and expected != typed:
                problems.append(located.problem(
                    f"the printed date {text} reads as {expected} ({expected.precision.replace('_', ' ')}), but date "
                    f"is {typed}: write date: {expected} (or correct date_text, if it quotes another date)",
                    "date", value=str(typed)))
            continue
        if "年度" in text:
            continue
        printed = printed_dates(text)
        if not printed:
            continue
        for name in ("date", "issued", "as_of"):
            typed = getattr(rec, name, None)
            if typed is None or any((typed.year, typed.month) == (p.year, p.month) and p.day in (None, typed.day)
                                    for p in printed):
                continue
            first = printed[0]
            shown = f"{first.year}-{first.month:02d}" + (f"-{first.day:02d}" if first.day else "")
            problems.append(located.problem(
                f"the printed date {first.text} is {shown}, but {name} is {typed.isoformat()}: correct the typed "
                f"date (or date_text, if it quotes another date)", "date_text", value=text))
    return problems


def _check_dates_in_text(corpus: Corpus) -> list[Problem]:
    """A result stated in words that names when it happened (平成29年12月にシステムの構築が完了: a printed
    month or day followed by に) is typed to that date, not to a whole fiscal year. (A date followed by
    より, from, is where a year's work began: the year stays.)"""
    from policygraph.records.printed_dates import printed_dates
    problems = []
    for located in corpus.records.values():
        rec = located.record
        if rec.type == "Observation" and rec.value_text and rec.date.precision == "fiscal_year":
            months = [p for p in printed_dates(rec.value_text) if p.month and f"{p.text}に" in rec.value_text]
            if months:
                shown = f"{months[0].year}-{months[0].month:02d}"
                problems.append(located.problem(
                    f"the value text prints {months[0].text}: type the date to it (date: {shown}{'-%02d' % months[0].day if months[0].day else ''}), "
                    "not to its fiscal year", "date", value=str(rec.date)))
    return problems


#: An evidence locator that quotes an announced next measurement (次回の把握時期, 把握時期).
ANNOUNCEMENT = "次回の把握時期"
#: A printed announcement, in normalized text: a month or a year's end, then 把握/公表/集計 (2018年3月頃に公表,
#: 翌年度末に把握, 2017年度末に集計), or 把握時期は and a month.
ANNOUNCED = re.compile(r"(?:\d{4}年\d{1,2}月|\d{4}年度末|翌年度末)(?:頃)?に?(?:把握|公表|集計)|把握時期は\d{4}年\d{1,2}月")


def _check_announcements(corpus: Corpus) -> list[Problem]:
    """A KPI (not replaced) whose evidence quotes an announcement (locator naming 次回の把握時期, quote printing
    one) has an Announcement record from the document holding that source: every edition's announcement is
    recorded, not only the latest (the graph derives the latest)."""
    announced = {(a.kpi, a.document) for a in corpus.of_type("Announcement")}
    problems = []
    for located in corpus.records.values():
        rec = located.record
        if rec.type != "KPI" or rec.replaced_by:  # a replaced KPI is no longer measured
            continue
        for i, ev in enumerate(rec.evidence):
            if ANNOUNCEMENT not in ev.locator or not ANNOUNCED.search(normalize(ev.quote)):
                continue
            source = corpus.evidence_source(located, i)
            docs = [d for d in rec.documents if d in corpus.records
                    and source in getattr(corpus.get(d), "source_texts", [])]
            missing = [d for d in docs if (rec.id, d) not in announced]
            if missing:
                problems.append(located.problem(
                    f"an announced next measurement is quoted ({ANNOUNCEMENT}) but not recorded: add an "
                    f"Announcement record (kpi: {rec.id}, document: {missing[0]}, when, text, evidence)",
                    "evidence", i, "quote", value=ev.quote))
    return problems


def _check_acknowledgements(corpus: Corpus) -> list[Problem]:
    """An acknowledgement names a gap kind the project has (a *-gap query) and a record that exists, once
    per gap kind and node."""
    from policygraph.query.sparql import QueryLibrary
    acks = [corpus.records[a.id] for a in corpus.of_type("Acknowledgement")]
    if not acks:
        return []
    kinds = {n for n in QueryLibrary(corpus.project.query_dirs).names() if n.endswith("-gap")}
    problems = []
    first: dict[tuple[str, str], str] = {}
    for located in acks:
        rec = located.record
        if (rec.gap, rec.node) in first:
            problems.append(located.problem(f"a second acknowledgement of {rec.gap} on {rec.node} (the first is "
                                            f"{first[rec.gap, rec.node]}): one per gap kind and node", "node",
                                            value=rec.node))
        first.setdefault((rec.gap, rec.node), rec.id)
        if rec.gap not in kinds:
            problems.append(located.problem(f"unknown gap kind; the project's are {', '.join(sorted(kinds))}",
                                            "gap", value=rec.gap))
        if rec.node not in corpus.records:
            problems.append(located.problem("unknown id: the node must be a record's id", "node", value=rec.node))
    return problems


_APPROX = re.compile(r"約\s*[\d０-９]")
_CUT = re.compile(r"(削減|の減|%減|％減|割減|圧縮)")


def _check_readings(corpus: Corpus) -> list[Problem]:
    """How a value is read must agree with how it is printed, for observations and projections:
    a value printed with 約 (約29％) has approximate: true, and approximate: true needs a 約; a value
    printed as a cut (894システムの減, 257億円の削減, 29％減) names the baseline it is cut from
    (reduction_from), and reduction_from needs a cut in the printed value."""
    problems = []
    for located in corpus.records.values():
        rec = located.record
        if rec.type not in ("Observation", "Projection") or getattr(rec, "value", None) is None:
            continue
        if rec.value_text:
            printed = normalize(rec.value_text)
            approx = bool(_APPROX.search(printed))
        else:  # the quote prints the value: is it preceded by 約?
            printed = "".join(normalize(ev.quote) for ev in rec.evidence).replace(",", "")
            approx = any(f"約{form}" in printed for form in _printed_forms(Decimal(rec.value)))
        if approx != rec.approximate:
            problems.append(located.problem(
                "the value is printed with 約 (about): set approximate: true" if not rec.approximate else
                "approximate: true, but the printed value has no 約", "approximate", value=printed[:60]))
        if bool(_CUT.search(printed)) != (rec.reduction_from is not None):
            problems.append(located.problem(
                "the value is printed as a cut (減, 削減, 圧縮): name the baseline it is cut from in reduction_from"
                if rec.reduction_from is None else "reduction_from is set, but the printed value is not a cut",
                "reduction_from", value=printed[:60]))
    return problems


def _check_text(corpus: Corpus, skip: set[str] = frozenset()) -> list[Problem]:
    """No record text holds a control character (located at the field that does); the records of `skip`
    (ids) are not checked (read before)."""
    problems = []

    def walk(located: Located, value, loc: tuple) -> None:
        if isinstance(value, str):
            m = CONTROL.search(value)
            if m:
                problems.append(located.problem(
                    f"a control character ({ord(m.group(0)):#04x}) in the text: records hold printable text "
                    f"only (tabs and line breaks allowed)", *loc, value=printable(value[:80])))
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(located, v, (*loc, k))
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(located, v, (*loc, i))

    for rid, located in corpus.records.items():
        if rid not in skip:
            walk(located, located.raw, ())
    return problems


def _check_references(corpus: Corpus) -> list[Problem]:
    problems = []
    for located in corpus.records.values():
        rec = located.record
        # The record's own references, then those of its parts (a KPI's editions).
        owners = [((), rec, REFERENCES.get(rec.type, {}))]
        owners += [(("editions", k), ed, EDITION_REFERENCES) for k, ed in enumerate(getattr(rec, "editions", ()))]
        for at, owner, fields in owners:
            for fname, allowed in fields.items():
                value = getattr(owner, fname)
                targets = value if isinstance(value, list) else ([value] if value else [])
                for j, target in enumerate(targets):
                    loc = (*at, fname, j) if isinstance(value, list) else (*at, fname)
                    if target not in corpus.records:
                        problems.append(located.problem("unknown id", *loc, value=target))
                    elif corpus.get(target).type not in allowed:
                        problems.append(located.problem(f"refers to a {corpus.get(target).type}; expected "
                                                        f"{' or '.join(allowed)}", *loc, value=target))
        for fname in ("relative_to", "reduction_from"):
            base_id = getattr(rec, fname, None)
            if base_id and base_id in corpus.records and getattr(corpus.get(base_id), "kpi", None) != rec.kpi:
                problems.append(located.problem(f"{fname} names a baseline of another KPI", fname, value=base_id))
    return problems


def _check_quotes(corpus: Corpus) -> list[Problem]:
    problems = []
    indexes: dict[str, SourceIndex] = {}
    for st in corpus.of_type("SourceText"):
        assert isinstance(st, SourceText)
        located = corpus.records[st.id]
        path = corpus.project.sources_dir / st.file
        if not path.is_file():
            problems.append(located.problem("source file not found in data/sources/", "file", value=st.file))
            continue
        index = SourceIndex(path)
        if index.sha256 != st.sha256:  # checked on the bytes, before anything is decoded
            problems.append(located.problem("source file changed: its SHA-256 differs from the record "
                                            "(never edit a source; record misreadings in the data)",
                                            "sha256", value=index.sha256))
        try:
            index.text
        except PolicygraphError as exc:
            problems += exc.problems
            corpus.unreadable = True
            continue
        indexes[st.id] = index
    file, default = None, None  # the file's default source, looked up once per file (hashing a Path is slow)
    for located in corpus.records.values():
        rec = located.record
        if not isinstance(rec, EvidencedRecord):
            continue
        if located.file is not file:
            file, default = located.file, corpus.default_sources.get(located.file)
        for key, at, evidence in evidence_lists(rec):
            for i, ev in enumerate(evidence):
                source = ev.source or default
                if source is None:
                    problems.append(located.problem("evidence names no source (set `source` here or at file level)",
                                                    *at, i))
                    continue
                if source not in indexes:
                    if source not in corpus.records or corpus.get(source).type != "SourceText":
                        problems.append(located.problem("unknown source text id", *at, i, "source", value=source))
                    continue
                needle = normalize(ev.quote)
                short = len(needle) < MIN_UNIQUE_QUOTE
                hits = indexes[source].find_all(ev.quote, limit=2 if short else 1, normalized=needle)
                if not hits:
                    problems.append(located.problem(f"quote not found in source {source}",
                                                    *at, i, "quote", value=ev.quote))
                elif len(hits) > 1:
                    problems.append(located.problem(
                        f"quote too short to identify its place: it occurs more than once in source {source}; quote "
                        f"at least {MIN_UNIQUE_QUOTE} characters or a passage found once (for a table cell, with its "
                        f"row or column label)", *at, i, "quote", value=ev.quote))
                else:
                    corpus.matches[(key, i)] = EvidenceMatch(source, hits[0])
    return problems


def evidence_lists(rec) -> list[tuple[str, tuple, list]]:
    """Every evidence list of a record, with the key of its matches and its field path: the record's
    own (key: its id) and those of its parts that carry evidence (a KPI's editions: id/edition/DOC)."""
    lists = [(rec.id, ("evidence",), rec.evidence)]
    # (a field looked up on the class: getattr of a field a model lacks costs pydantic an exception)
    for k, edition in enumerate((rec.editions or []) if "editions" in type(rec).model_fields else []):
        lists.append((f"{rec.id}/edition/{edition.document}", ("editions", k, "evidence"), edition.evidence))
    return lists


# Japanese multipliers a source may print a number with (7,693万人 = 76,930,000).
_MULTIPLIERS = {"万": Decimal(10) ** 4, "億": Decimal(10) ** 8, "兆": Decimal(10) ** 12}


def _printed_forms(value: Decimal) -> set[str]:
    def plain(d: Decimal) -> str:
        s = format(d.normalize(), "f")
        return s.rstrip("0").rstrip(".") if "." in s else s
    forms = {plain(value)}
    for mark, factor in _MULTIPLIERS.items():
        if value >= factor:
            forms.add(plain(value / factor) + mark)
    return forms


def _check_values(corpus: Corpus) -> list[Problem]:
    """A stated number must be printed in its evidence: the quote holds the value (commas ignored,
    万/億/兆 understood), or the record keeps the printed form in value_text, quoted, with a note
    saying how it was read (全団体 → 100%)."""
    problems = []
    for located in corpus.records.values():
        rec = located.record
        value = getattr(rec, "value", None)
        if value is None or not isinstance(rec, EvidencedRecord):
            continue
        quoted = "".join(normalize(ev.quote) for ev in rec.evidence).replace(",", "")
        if any(form in quoted for form in _printed_forms(Decimal(value))):
            continue
        value_text = getattr(rec, "value_text", None)
        if value_text and normalize(value_text).replace(",", "") in quoted and rec.note:
            continue
        problems.append(located.problem(
            "the value is not printed in any of its quotes; quote the passage that prints it, or keep the "
            "printed form in value_text (quoted) and explain the reading in a note", "value", value=str(value)))
    return problems
