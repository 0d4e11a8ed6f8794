"""Source texts and quote matching: NFKC normalisation, white space removed, offsets kept."""
from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from policygraph.errors import EXIT_INPUT, PolicygraphError


#: White space as `str.isspace` reads it (the `re` module's `\s` for str patterns is the same test:
#: tests/records/test_quotes_normalize.py checks every code point).
_SPACE = re.compile(r"\s+")
_NEWLINE = re.compile("\n")


def normalize(text: str) -> str:
    """NFKC, then every white-space character removed: the form quotes are compared in."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text))


class _CharMap(dict):
    """Code point → what `normalize_with_offsets` makes of that one character (NFKC, case-folded with
    `fold`, white space removed), computed on first use: a table for `str.translate`."""

    def __init__(self, fold: bool):
        super().__init__()
        self.fold = fold

    def __missing__(self, code: int) -> str:
        out = unicodedata.normalize("NFKC", chr(code))
        out = "".join(c for c in (out.casefold() if self.fold else out) if not c.isspace())
        self[code] = out
        return out


_CHARS = {False: _CharMap(False), True: _CharMap(True)}


def normalize_chars(text: str, fold: bool = False) -> str:
    """`normalize_with_offsets(text, fold)[0]` without the offsets (one `str.translate`).

    >>> normalize_chars("Ａ Ｂ㍻", fold=True)
    'ab平成'
    """
    return text.translate(_CHARS[fold])


def normalize_with_offsets(text: str, fold: bool = False) -> tuple[str, list[int]]:
    """`normalize(text)` (case-folded too with `fold`) and, for each of its characters, the offset in
    `text` of the character it came from: a match in the normalised form maps back to the original.

    >>> normalize_with_offsets("Ａ Ｂ㍻", fold=True)
    ('ab平成', [0, 2, 3, 3])
    """
    # NFKC may change length per character (e.g. ㍻ → 平成), so normalise character by
    # character and remember which original offset produced each normalised character.
    chars = _CHARS[fold]
    return text.translate(chars), [i for i, ch in enumerate(text) for _ in chars[ord(ch)]]


class _LengthMap(dict):
    """Code point → "1" if `_CharMap` makes one character of it, else "0" (none, or several)."""

    def __init__(self, fold: bool):
        super().__init__()
        self.fold = fold

    def __missing__(self, code: int) -> str:
        self[code] = out = "1" if len(_CHARS[self.fold][code]) == 1 else "0"
        return out


_LENGTHS = {False: _LengthMap(False), True: _LengthMap(True)}
_NOT_ONE = re.compile(r"[^1]")


class OffsetMap:
    """What `normalize_with_offsets` gives as a list — for each character of the normalised text, the
    offset of the original character it came from — kept as the few places where a character does not
    become exactly one (white space, ㍻ → 平成): the 1,786 sources of a 1M synth project (9 MB) in
    0.5 s instead of 0.9 s.

    >>> norm, where = normalize_with_offset_map("Ａ Ｂ㍻x")
    >>> norm, [where[i] for i in range(len(norm))]
    ('AB平成x', [0, 2, 3, 3, 4])
    """

    def __init__(self, text: str, fold: bool = False):
        # A segment from each place a character is not one: (normalised start, original start, linear?).
        self._norm = [0]
        self._orig = [0]
        self._linear = [True]
        lengths = text.translate(_LENGTHS[fold])
        shift = 0  # normalised index minus original index, in the segment being read
        for m in _NOT_ONE.finditer(lengths):
            at = m.start()
            n = len(_CHARS[fold][ord(text[at])])
            if n > 1:  # its n characters all come from `at`
                self._norm.append(at + shift)
                self._orig.append(at)
                self._linear.append(False)
            shift += n - 1
            self._norm.append(at + 1 + shift)
            self._orig.append(at + 1)
            self._linear.append(True)

    def __getitem__(self, index: int) -> int:
        k = bisect.bisect_right(self._norm, index) - 1
        return self._orig[k] + (index - self._norm[k] if self._linear[k] else 0)


def normalize_with_offset_map(text: str, fold: bool = False) -> tuple[str, OffsetMap]:
    """`normalize_with_offsets`, with the offsets as an `OffsetMap` (indexed the same way)."""
    return text.translate(_CHARS[fold]), OffsetMap(text, fold)


@dataclass(frozen=True)
class Match:
    line: int  # 1-based line of the source where the quote begins
    end_line: int
    start: int  # offsets into the original text
    end: int


#: A quote shorter than this (after NFKC and without white space) must occur once in its source:
#: "842" alone could be any 842. Longer quotes identify their place by length.
MIN_UNIQUE_QUOTE = 8


class SourceIndex:
    """A source text with its normalised form and a map back to original lines."""

    def __init__(self, path: Path):
        self.path = path
        self.raw = path.read_bytes()

    @cached_property
    def text(self) -> str:
        try:
            return self.raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = self.raw.count(b"\n", 0, exc.start) + 1
            raise PolicygraphError.single(f"the source file is not valid UTF-8 (byte {exc.start}: {exc.reason})",
                                          EXIT_INPUT, file=self.path, line=line) from exc

    @cached_property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()

    @cached_property
    def _normalized(self) -> tuple[str, OffsetMap]:
        return normalize_with_offset_map(self.text)

    @property
    def normalized(self) -> str:
        return self._normalized[0]

    @cached_property
    def _line_starts(self) -> list[int]:
        return [0, *(m.end() for m in _NEWLINE.finditer(self.text))]

    def line_of_offset(self, offset: int) -> int:
        return bisect.bisect_right(self._line_starts, offset)

    def find_all(self, quote: str, limit: int = 20, normalized: str | None = None) -> list[Match]:
        """Every place the quote occurs (normalised comparison), first `limit` of them (`normalized`:
        the quote's `normalize`d form, where the caller has it already)."""
        needle = normalize(quote) if normalized is None else normalized
        if not needle:
            return []
        norm, offsets = self._normalized
        found: list[Match] = []
        pos = norm.find(needle)
        while pos != -1 and len(found) < limit:
            start, end = offsets[pos], offsets[pos + len(needle) - 1] + 1
            found.append(Match(self.line_of_offset(start), self.line_of_offset(end - 1), start, end))
            pos = norm.find(needle, pos + 1)
        return found

    def find(self, quote: str) -> Match | None:
        hits = self.find_all(quote, limit=1)
        return hits[0] if hits else None
