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
"""
from __future__ import annotations

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
