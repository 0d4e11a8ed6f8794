"""Dates with their precision: a day, a month, a Japanese fiscal year (年度) or a calendar year.

The sources print "H28.4.1" (a day), "2017年４月速報値" (a month), "(2016年度)" (a fiscal year,
1 April – 31 March) and "2017年中" (a calendar year). A record writes the date at the precision
the source prints it, and every comparison uses the interval:

- a value "(2016年度)" is not known before that year ends: its reference date, the one every
  "latest value", "as of" and chart uses, is the *last* day of the interval (2017-03-31);
- a deadline "2017年度までに" is passed on the day after the interval (2018-04-01);
- "an observation is not after its document" compares the *first* day (a 2016年度 value may be
  printed during 2016年度).

In a data file: ``2016-04-01`` (day), ``2016-04`` (month), ``FY2016`` (fiscal year), ``CY2016``
(calendar year). A bare number is refused: 2016 could be either year.

    >>> w = When.parse("FY2016"); (w.precision, w.start.isoformat(), w.end.isoformat(), str(w))
    ('fiscal_year', '2016-04-01', '2017-03-31', 'FY2016')
    >>> w = When.parse("2017-04"); (w.precision, w.end.isoformat(), w.xsd)
    ('month', '2017-04-30', ('2017-04', 'gYearMonth'))
    >>> When.parse(__import__("datetime").date(2016, 4, 1)).precision
    'day'
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

Precision = Literal["day", "month", "fiscal_year", "year"]
PATTERN = r"^(\d{4}-\d{2}-\d{2}|\d{4}-(0[1-9]|1[0-2])|FY\d{4}|CY\d{4})$"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(FY|CY)(\d{4})$")


@dataclass(frozen=True, order=True)
class When:
    """An interval of days [start, end] and the precision it was printed at."""

    end: dt.date  # first field: ordering by the day the value is known
    start: dt.date
    precision: Precision

    @classmethod
    def day(cls, day: dt.date) -> When:
        return cls(day, day, "day")

    @classmethod
    def fiscal_year(cls, year: int) -> When:
        return cls(dt.date(year + 1, 3, 31), dt.date(year, 4, 1), "fiscal_year")

    @classmethod
    def parse(cls, value) -> When:
        """A When from a data file's value (see the module docstring); ValueError saying what is accepted."""
        if isinstance(value, When):
            return value
        if isinstance(value, dt.datetime):
            raise ValueError("a date, not a date and time")
        if isinstance(value, dt.date):
            return cls.day(value)
        if isinstance(value, bool) or isinstance(value, int):
            raise ValueError(f"write FY{value} for a fiscal year (年度) or CY{value} for a calendar year")
        if not isinstance(value, str):
            raise ValueError("a date: YYYY-MM-DD, YYYY-MM, FYYYYY (fiscal year) or CYYYYY (calendar year)")
        text = value.strip()
        if m := _YEAR.match(text):
            year = int(m.group(2))
            _check_year(year)
            if m.group(1) == "FY":
                return cls.fiscal_year(year)
            return cls(dt.date(year, 12, 31), dt.date(year, 1, 1), "year")
        if m := _MONTH.match(text):
            year, month = int(m.group(1)), int(m.group(2))
            _check_year(year)
            if not 1 <= month <= 12:
                raise ValueError(f"no month {month}")
            last = calendar.monthrange(year, month)[1]
            return cls(dt.date(year, month, last), dt.date(year, month, 1), "month")
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError("not a date: write YYYY-MM-DD, YYYY-MM, FYYYYY (fiscal year, 年度) or CYYYYY "
                             "(calendar year); a day must exist (2017-02-30 does not)") from None
        _check_year(day.year)
        return cls.day(day)

    def __str__(self) -> str:
        if self.precision == "day":
            return self.start.isoformat()
        if self.precision == "month":
            return self.start.isoformat()[:7]
        return f"{'FY' if self.precision == 'fiscal_year' else 'CY'}{self.start.year}"

    @property
    def xsd(self) -> tuple[str, str]:
        """(lexical form, XSD datatype name) of the printed precision: xsd:date, gYearMonth or gYear;
        a fiscal year is an interval (its node carries the days), shown as the year it starts."""
        if self.precision == "day":
            return self.start.isoformat(), "date"
        if self.precision == "month":
            return self.start.isoformat()[:7], "gYearMonth"
        return str(self.start.year), "gYear"

    @property
    def fiscal_year_number(self) -> int | None:
        return self.start.year if self.precision == "fiscal_year" else None

    def passed_on(self, day: dt.date) -> bool:
        """Has a deadline "by this interval" passed on `day`?"""
        return day > self.end


def _check_year(year: int) -> None:
    if not 1868 <= year <= 2100:
        raise ValueError(f"year {year} is outside 1868–2100")


#: A When as a record field: parsed from the YAML value, written back in the same form.
WhenField = Annotated[When, BeforeValidator(When.parse), PlainSerializer(str, return_type=str),
                      WithJsonSchema({"type": "string", "pattern": PATTERN,
                                      "description": "YYYY-MM-DD, YYYY-MM, FYYYYY (年度) or CYYYYY"})]
