"""The KPI board's columns (`/kpis`): which columns it shows, their Japanese and English headings, and
how each cell renders — one list, read by the page handler, the template and the tests.

The board is kpi-status's rows (one per KPI). Its default columns are curated: a cell may draw on
several kpi-status columns (the status cell shows the status with the rule it stands on, the latest
value cell its date and whether it is preliminary). Every other kpi-status column can be added with
the column chooser (`?_col=NAME`, repeatable, as Datasette names it: the page then shows exactly the
columns named; `?_nocol=NAME` hides one of the defaults). The label column is always shown.

`cell` names the template macro branch that draws the cell (serve-kpis.html.j2); the template holds
the layout, this module what goes where.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    #: The name in the URL (`_col`, `_nocol`) and the row key for a plain column.
    key: str
    ja: str
    en: str
    #: How the cell renders: "label", "status", "target", "deadline", "latest", "grade", "bodies",
    #: "spark" (curated) or "plain" (the kpi-status value as it is).
    cell: str = "plain"
    #: The kpi-status columns the cell shows (a chooser column is its own).
    sources: tuple[str, ...] = ()
    default: bool = False

    @property
    def shows(self) -> tuple[str, ...]:
        return self.sources or ((self.key,) if self.cell == "plain" else ())


#: The curated columns, in order; "label" is always shown.
CURATED = (
    Column("label", "指標", "KPI", "label", ("kpi", "label", "tier"), True),
    Column("status", "達成状況と根拠", "status and its basis", "status",
           ("status", "statusLabel", "rule", "asOf", "evidenceAgeDays", "progressShare", "elapsedShare",
            "projection", "projectionLevel", "parts"), True),
    Column("target", "目標", "target", "target", ("targetText", "comparator", "threshold"), True),
    Column("deadline", "期限", "deadline", "deadline", ("deadline",), True),
    Column("latest", "最新値と日付", "latest value and date", "latest",
           ("latestValue", "latestUnit", "latestText", "latestLevel", "latestDate", "latestWhen", "latestStatus",
            "latestSeries"), True),
    Column("grade", "公表評価と日付", "published grade and date", "grade",
           ("grade", "gradeDate", "gradeDocument"), True),
    Column("bodies", "担当", "responsible body", "bodies", (), True),
    Column("trend", "推移", "values over time", "spark", (), True),
)

#: kpi-status columns offered by the chooser (each shown as it is), with their headings.
EXTRA = (
    Column("kpi", "ID", "record id"),
    Column("tier", "階層", "tier"),
    Column("statusLabel", "状況（表示）", "status label"),
    Column("rule", "判定規則", "rule applied"),
    Column("asOf", "判定日", "as of"),
    Column("comparator", "比較", "comparator"),
    Column("threshold", "比較値", "number compared with"),
    Column("latestSeries", "系列", "series of the latest value"),
    Column("latestStatus", "速報・確報", "preliminary / final"),
    Column("latestLevel", "削減後の水準", "level left by a cut"),
    Column("gradeDocument", "評価の文書", "grading document"),
    Column("statusAtGrade", "評価日時点の状況", "status at the grade's date"),
    Column("ruleGrade", "規則による評価", "grade by the official rule"),
    Column("evidenceAgeDays", "根拠の古さ（日）", "evidence age (days)"),
    Column("progressShare", "進捗率", "progress share"),
    Column("elapsedShare", "経過率", "elapsed share"),
    Column("projection", "見込み", "the source's projection"),
    Column("projectionLevel", "見込みの水準", "projected level"),
    Column("projectionWhen", "見込みの時期", "projected when"),
    Column("parts", "部分ごとの状況", "status of each part"),
    Column("nextMeasurement", "次回把握", "next measurement"),
    Column("nextMeasurementText", "次回把握（原文）", "next measurement (as printed)"),
)

COLUMNS = {c.key: c for c in (*CURATED, *EXTRA)}
ALWAYS = "label"


def chosen(col: list[str], nocol: list[str]) -> list[Column]:
    """The columns a board URL asks for, in the board's order: `_col` names every column shown (the label
    column always), else the defaults without those `_nocol` names. Unknown names are ignored."""
    wanted = {c for c in col if c in COLUMNS}
    if wanted:
        return [c for c in COLUMNS.values() if c.key in wanted or c.key == ALWAYS]
    hidden = set(nocol) - {ALWAYS}
    return [c for c in CURATED if c.key not in hidden]
