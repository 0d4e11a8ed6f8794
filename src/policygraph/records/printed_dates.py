"""Dates as the sources print them: 平成28年4月1日, H28.4.1, 令和元年8月, 2017年４月 — read so a
record's typed date can be checked against the date it quotes.

    >>> printed_date("H28.4.1時点")
    PrintedDate(text='H28.4.1', year=2016, month=4, day=1)
    >>> printed_date("令和元年8月（政策評価実施時期）")
    PrintedDate(text='令和元年8月', year=2019, month=8, day=None)
    >>> printed_date("2017年４月速報値")
    PrintedDate(text='2017年4月', year=2017, month=4, day=None)
    >>> printed_date("2016年度末") is None   # a fiscal year is not a month or a day
    True
    >>> [str(expected_when(t)) for t in ("(2016年度)", "28年度", "2016年度末", "2017年４月速報値", "2016年3月末",
    ...                                  "H28.4.1時点", "2017年中", "2021年度までを目途に")]
    ['FY2016', 'FY2016', '2017-03-31', '2017-04', '2016-03-31', '2016-04-01', 'CY2017', 'FY2021']
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

#: First year of each era (the year the era's 元年 falls in).
ERAS = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019,
        "M": 1868, "T": 1912, "S": 1926, "H": 1989, "R": 2019}
_KANJI = re.compile(r"(明治|大正|昭和|平成|令和)(元|\d{1,2})年(\d{1,2})月(?:(\d{1,2})日)?")
_DOTTED = re.compile(r"(?<![A-Za-z])([MTSHR])(\d{1,2})\.(\d{1,2})(?:\.(\d{1,2}))?(?!\d)")
_WESTERN = re.compile(r"(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?")


@dataclass(frozen=True)
class PrintedDate:
    text: str
    year: int
    month: int
    day: int | None


def printed_date(text: str) -> PrintedDate | None:
    """The first year-month (and day) printed in `text`, era dates converted; None when there is none."""
    dates = printed_dates(text)
    return dates[0] if dates else None


def printed_dates(text: str) -> list[PrintedDate]:
    """Every year-month (and day) printed in `text`, in order (平成25年6月14日(平成26年6月24日 改定): two)."""
    text = unicodedata.normalize("NFKC", text)
    found = []
    for m in _KANJI.finditer(text):
        year = ERAS[m.group(1)] + (0 if m.group(2) == "元" else int(m.group(2)) - 1)
        found.append((m.start(), PrintedDate(m.group(0), year, int(m.group(3)), _int(m.group(4)))))
    for m in _DOTTED.finditer(text):
        year = ERAS[m.group(1)] + int(m.group(2)) - 1
        found.append((m.start(), PrintedDate(m.group(0), year, int(m.group(3)), _int(m.group(4)))))
    for m in _WESTERN.finditer(text):
        found.append((m.start(), PrintedDate(m.group(0), int(m.group(1)), int(m.group(2)), _int(m.group(3)))))
    return [d for _start, d in sorted(found, key=lambda f: f[0])]


def _int(text: str | None) -> int | None:
    return int(text) if text else None


# 2016年度, 平成28年度, 28年度 (a two-digit year in these sources is 平成: 33年度 = 2021), and 年度末.
_FISCAL = re.compile(r"(?:(平成|令和|H|R)?(元|\d{1,2})|(\d{4}))年度(末)?")
_CALENDAR_YEAR = re.compile(r"(\d{4})年中")
_MONTH_END = re.compile(r"(\d{4})年(\d{1,2})月末")


def expected_when(text: str):
    """The `When` a printed date stands for, at its precision; None when the text prints no date.

    A fiscal year (2016年度 → FY2016), its end (2016年度末 → 2017-03-31), a calendar year (2017年中 →
    CY2017), a month's end (2016年3月末 → 2016-03-31), a month (2017年４月 → 2017-04) or a day."""
    from policygraph.records.when import When
    norm = unicodedata.normalize("NFKC", text)
    if m := _FISCAL.search(norm):
        if m.group(3):
            year = int(m.group(3))
        else:
            era = ERAS[m.group(1) or "平成"]
            year = era + (0 if m.group(2) == "元" else int(m.group(2)) - 1)
        return When.day(dt.date(year + 1, 3, 31)) if m.group(4) else When.fiscal_year(year)
    if m := _CALENDAR_YEAR.search(norm):
        return When.parse(f"CY{m.group(1)}")
    if m := _MONTH_END.search(norm):
        year, month = int(m.group(1)), int(m.group(2))
        return When.day(dt.date(year, month, calendar.monthrange(year, month)[1]))
    first = printed_date(norm)
    if first is None:
        return None
    if first.day is None:
        return When.parse(f"{first.year}-{first.month:02d}")
    return When.day(dt.date(first.year, first.month, first.day))
