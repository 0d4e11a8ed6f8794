"""Record models: what a curator writes in data/records/*.yaml.

Each record has a stable id (it becomes the IRI https://w3id.org/policygraph/id/<id>), a type,
cross-references by id, and evidence: source text, locator and verbatim quote.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)

from policygraph.records.when import When, WhenField

RecordId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*[a-z0-9]$", max_length=120)]
NonEmpty = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
FiscalYearNumber = Annotated[int, Field(ge=1868, le=2100)]


def _unquoted_number(value):
    """Numbers are written as YAML numbers: "550" in quotes is text, and a curator who quotes a number
    may have meant the printed text (value_text) — say so instead of converting it silently."""
    if isinstance(value, str):
        raise ValueError("a number is written without quotes (put the text as printed in value_text)")
    if isinstance(value, bool):
        raise ValueError("a number, not true/false")
    return value


#: A decimal number given as a YAML number (int or float), never as a quoted string.
Number = Annotated[Decimal, BeforeValidator(_unquoted_number), WithJsonSchema({"type": "number"})]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class Label(_Strict):
    ja: NonEmpty
    en: NonEmpty


class Evidence(_Strict):
    """A source passage: which source text, where in it, and the verbatim quote."""

    source: RecordId | None = Field(None, description="SourceText id; defaults to the file's `source`.")
    locator: NonEmpty = Field(description="Where the quote stands, as the document shows it.")
    quote: NonEmpty = Field(description="Verbatim text of the source (compared after NFKC and without white space).")
    reading: NonEmpty | None = Field(
        None, description="Corrected reading where the source misprints (OCR); the quote stays as printed."
    )


class Record(_Strict):
    id: RecordId
    note: str | None = Field(None, description="Curation note (why a link or a reading was chosen).")


class EvidencedRecord(Record):
    evidence: Annotated[list[Evidence], Field(min_length=1)]


class SourceText(Record):
    type: Literal["SourceText"]
    label: Label
    file: NonEmpty
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class Body(EvidencedRecord):
    type: Literal["Body"]
    label: Label
    aliases: list[NonEmpty] = []
    parent: RecordId | None = Field(None, description="Body this one is a sub-unit of (org:subOrganizationOf).")


DocumentKind = Literal[
    "cabinet_decision", "party_proposal", "council_finding", "guideline",
    "roadmap", "progress_report", "policy_evaluation", "briefing",
]


class PolicyDocument(EvidencedRecord):
    type: Literal["PolicyDocument"]
    label: Label
    aliases: list[NonEmpty] = []
    kind: DocumentKind
    issued: dt.date | None = None
    issued_month: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = Field(
        None, description="YYYY-MM, where the source prints only a month (令和元年8月 → 2019-08).")
    date_text: NonEmpty | None = Field(None, description="The date as printed, or what is known of it.")
    issued_between: tuple[dt.date, dt.date] | None = Field(
        None, description="Where no day or month is printed: the first and last day the document can have been "
                          "issued on (2017年秋, its latest figure 2017-10-31 → [2017-10-31, 2017-11-30]); say why in a "
                          "note. --published-by counts a document from its last possible day.")
    publisher: RecordId | None = None
    source_texts: list[RecordId] = Field(default_factory=list, description="SourceText ids holding this document.")
    cites: list[RecordId] = []
    revision_of: RecordId | None = None
    grade_scheme: Literal["roadmap", "evaluation"] | None = None

    @model_validator(mode="after")
    def _month_agrees(self):
        if self.issued and self.issued_month and self.issued.isoformat()[:7] != self.issued_month:
            raise ValueError(f"issued_month {self.issued_month} is not the month of issued {self.issued}")
        if self.issued_between:
            first, last = self.issued_between
            if first > last:
                raise ValueError(f"issued_between: {first} is after {last}")
            if self.issued or self.issued_month:
                raise ValueError("issued_between is for a document with no printed day or month")
        return self

    @property
    def issued_by(self) -> dt.date | None:
        """The last day the document can have been issued on: issued, the month's end, or issued_between's end."""
        if self.issued:
            return self.issued
        if self.issued_month:
            return When.parse(self.issued_month).end
        return self.issued_between[1] if self.issued_between else None


DirectiveKind = Literal["cabinet_decision", "party_proposal", "council_finding", "guideline", "policy_goal"]


class Directive(EvidencedRecord):
    type: Literal["Directive"]
    label: Label
    document: RecordId
    kind: DirectiveKind = Field(description="policy_goal is a 施策目標 of a policy evaluation.")
    number: NonEmpty | None = None
    text: NonEmpty | None = None
    carried_by: list[RecordId] = []
    part_of: RecordId | None = Field(None, description="Enclosing directive, e.g. a guideline's expected action ①–⑤.")


class ReformItem(EvidencedRecord):
    type: Literal["ReformItem"]
    label: Label
    kind: Literal["reform_item", "policy_means"] = Field(
        "reform_item", description="A roadmap 改革項目, or a 施策手段 of a policy evaluation.")
    number: NonEmpty | None = None
    documents: Annotated[list[RecordId], Field(min_length=1)]
    responsible: list[RecordId] = []


class ScheduleStep(EvidencedRecord):
    type: Literal["ScheduleStep"]
    label: Label
    reform_item: RecordId
    document: RecordId
    period: NonEmpty = Field(description="As printed: ～2016年度, 2017年度, 2018年度～2019年度, 2020年度～.")
    first_fy: FiscalYearNumber | None = None
    last_fy: FiscalYearNumber | None = None
    row: int | None = Field(None, ge=1, description="Row of the roadmap table, counted from the item's first row.")
    text: NonEmpty
    responsible: list[RecordId] = []

    @model_validator(mode="after")
    def _fy_order(self):
        if self.first_fy and self.last_fy and self.first_fy > self.last_fy:
            raise ValueError("first_fy is after last_fy")
        return self


class ProgressReport(EvidencedRecord):
    """What a document reports on a step, a directive, or a KPI (e.g. 次回の把握時期と今後の方針)."""

    type: Literal["ProgressReport"]
    reports_on: RecordId
    document: RecordId
    as_of: dt.date | None = None
    date_text: NonEmpty | None = None
    status: NonEmpty | None = Field(None, description="As printed without brackets, e.g. 順調.")
    text: NonEmpty
    next_steps: NonEmpty | None = None
    responsible: list[RecordId] = []


class Placeholder(EvidencedRecord):
    """A box the source leaves empty (003's "（Ｐ）"): recorded absence, evidence of a gap."""

    type: Literal["Placeholder"]
    of: RecordId = Field(description="The directive whose box is empty.")
    document: RecordId
    box: Literal["measures", "kpi_examples"] = Field(
        description="measures: ＜総務省における…施策＞; kpi_examples: ＜考えられるＫＰＩの例＞.")


class BudgetLine(EvidencedRecord):
    """One cell of a budget table: a category and fiscal year with its amount."""

    type: Literal["BudgetLine"]
    document: RecordId
    category: NonEmpty = Field(description="As printed: 当初予算(a), 補正予算(b), 繰越し等(c), 合計(a+b+c), 執行額.")
    fiscal_year: FiscalYearNumber
    value: Number
    unit: NonEmpty


class Measure(EvidencedRecord):
    type: Literal["Measure"]
    label: Label
    document: RecordId
    implements: list[RecordId] = []
    text: NonEmpty
    responsible: list[RecordId] = []
    value: Number | None = None
    unit: NonEmpty | None = None


class Edition(_Strict):
    """How one document presents a KPI it shares with others: its tier, number, whether it is a main
    indicator (主要な測定指標), and the units it names as responsible."""

    document: RecordId
    tier: Literal[1, 2] | None = None
    number: NonEmpty | None = None
    main: bool | None = Field(None, description="A 主要な測定指標 (004 circles its number: ⑤).")
    responsible: list[RecordId] = []
    evidence: Annotated[list[Evidence], Field(min_length=1)]


class KPI(EvidencedRecord):
    type: Literal["KPI"]
    label: Label
    aliases: list[NonEmpty] = []
    tier: Literal[1, 2] | None = None
    number: NonEmpty | None = None
    reform_items: list[RecordId] = []
    documents: Annotated[list[RecordId], Field(min_length=1)]
    responsible: list[RecordId] = []
    editions: list[Edition] = Field(default_factory=list, description="Per-document attributes of a shared KPI.")
    sub_indicator_of: RecordId | None = Field(None, description="The KPI this one is a part of.")
    replaced_by: RecordId | None = Field(None, description="The KPI a later edition measures instead.")
    renamed_from: NonEmpty | None = Field(None, description="The KPI's earlier name, as printed "
                                                            "(資産老朽化比率 → 有形固定資産減価償却率).")

    @model_validator(mode="after")
    def _one_edition_per_document(self):
        documents = [e.document for e in self.editions]
        if len(documents) != len(set(documents)):
            raise ValueError("editions: one edition per document (an edition is the KPI as one document shows it)")
        return self


class _Statement(EvidencedRecord):
    kpi: RecordId
    document: RecordId
    value: Number | None = None
    unit: NonEmpty | None = None
    value_text: NonEmpty | None = Field(None, description="The value as printed: 約1,000団体, 3割圧縮.")
    reduction_from: RecordId | None = Field(
        None, description="Baseline the value is a cut from (2013年度と比べて257億円の削減): the level is base − value "
                          "(a cut in % of a baseline in another unit: base × (1 − value/100)).")
    approximate: bool = Field(False, description="The source prints 約 (about) before the value.")
    series: NonEmpty | None = Field(
        None, description="Sub-series of the KPI the value belongs to, as printed (下水道, 自治体クラウド): a "
                          "dimension of the observation (Data Cube style).")

    @model_validator(mode="after")
    def _unit_with_value(self):
        if self.value is not None and self.unit is None:
            raise ValueError("a value needs a unit")
        return self


class Baseline(_Statement):
    type: Literal["Baseline"]
    fiscal_year: FiscalYearNumber | None = None
    date: dt.date | None = None
    date_text: NonEmpty | None = None


Comparator = Literal["ge", "le", "approx", "eq", "rank_le"]


class Target(_Statement):
    type: Literal["Target"]
    comparator: Comparator | None = None
    relative_factor: Number | None = Field(None, gt=0, description="倍増 2, 半減 0.5, 3割圧縮 0.7.")
    relative_to: RecordId | None = Field(None, description="Baseline id a relative target is computed from.")
    deadline_fy: FiscalYearNumber | None = Field(None, description="Fiscal year by whose end the target is due.")
    deadline: dt.date | None = Field(None, description="Defaults to the last day of deadline_fy.")
    deadline_text: NonEmpty | None = None
    fiscal_year: FiscalYearNumber | None = Field(None, description="For a yearly target: the year it is set for.")

    @model_validator(mode="after")
    def _consistent(self):
        # A purely qualitative target (増加、進捗検証) is kept as printed in value_text.
        if self.value is None and self.relative_factor is None and self.value_text is None:
            raise ValueError("a target needs a value, a relative_factor or a value_text")
        if self.deadline and self.deadline_fy and self.deadline != fiscal_year_end(self.deadline_fy):
            raise ValueError(f"deadline {self.deadline} is not the end of FY{self.deadline_fy}")
        return self

    @property
    def due(self) -> dt.date | None:
        return self.deadline or (fiscal_year_end(self.deadline_fy) if self.deadline_fy else None)


class Observation(_Statement):
    """A measured value, or a result the source states in words (value_text without value)."""

    type: Literal["Observation"]
    date: WhenField = Field(description="What the value refers to, at the printed precision: H28.4.1 → 2016-04-01, "
                                        "2017年４月 → 2017-04, (2016年度) → FY2016, 2017年中 → CY2017.")
    date_text: NonEmpty | None = None
    date_inferred: NonEmpty | None = Field(
        None, description="The source prints no date for the value: why the date is inferred from context. Such a "
                          "value is never taken as measured at or after a deadline; date_text is then not allowed.")
    status: Literal["preliminary", "final", "unstated"]

    @model_validator(mode="after")
    def _value_or_text(self):
        if self.value is None and self.value_text is None:
            raise ValueError("an observation needs a value, or value_text for a result stated in words")
        if self.date_inferred and self.date_text:
            raise ValueError("date_inferred: the date is inferred, so no printed date_text can be given")
        return self


class Projection(_Statement):
    """An expected value (見込み, 予定): a level, or a cut from a baseline (reduction_from), by a horizon."""

    type: Literal["Projection"]
    kind: Literal["見込み", "予定"]
    date: WhenField | None = Field(None, description="Horizon: 2018年度までに → FY2018 (reached by its last day), "
                                                     "2017年度末 → 2018-03-31.")
    date_text: NonEmpty | None = None
    estimated_as_of: WhenField | None = Field(
        None, description="When the estimate was made, where printed (2016年度末時点 → 2017-03-31).")


class Announcement(EvidencedRecord):
    """One 次回の把握時期 a document prints for a KPI: when the next value is to be known. Every printed
    announcement is recorded, each with its document; the latest edition's is the KPI's next measurement."""

    type: Literal["Announcement"]
    kpi: RecordId
    document: RecordId
    when: WhenField = Field(description="When the source says the next value is known (2017年度の実績は2017年10月に把握 → "
                                        "2017-10; 確報値は2018年３月頃に公表 → 2018-03; 翌年度末に把握 → its day).")
    text: NonEmpty = Field(description="The announcement as printed.")


def _strict_date(value):
    """A day written YYYY-MM-DD (YAML reads it as a date); nothing else is taken for one."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("not a date (YYYY-MM-DD)")


#: A date written YYYY-MM-DD and nothing else (no number read as a timestamp, no month).
StrictDate = Annotated[dt.date, BeforeValidator(_strict_date), WithJsonSchema({"type": "string", "format": "date"})]


class Acknowledgement(EvidencedRecord):
    """A curator's acceptance of one gap: which gap kind on which node, why, by whom, until when. Kept out
    of `gaps --fail-on-gaps` until `until` (as of the attainment date); expired, or left on a gap that
    no longer fires, it is itself reported (acknowledgement-expired-gap, acknowledgement-dangling-gap)."""

    type: Literal["Acknowledgement"]
    gap: RecordId = Field(description="The gap kind: a *-gap query's name (kpi-no-observation-gap).")
    node: RecordId = Field(description="Id of the record the gap row names.")
    reason: NonEmpty = Field(description="Why the gap is accepted.")
    by: NonEmpty = Field(description="Who accepts it (a name or a role).")
    until: StrictDate = Field(description="The last day the acceptance holds (YYYY-MM-DD).")
    evidence: list[Evidence] = Field(
        default_factory=list, description="Where the reason is stated in a source: its quote (optional otherwise).")


class Assessment(EvidencedRecord):
    type: Literal["Assessment"]
    kpi: RecordId
    document: RecordId
    grade: NonEmpty = Field(description="Grade as printed (A, B, N, F; イ, ロ, ハ, 一).")
    as_of: dt.date | None = None
    date_text: NonEmpty | None = None


MODELS: dict[str, type[Record]] = {
    m.model_fields["type"].annotation.__args__[0]: m  # type: ignore[union-attr]
    for m in (SourceText, Body, PolicyDocument, Directive, ReformItem, ScheduleStep, ProgressReport,
              Measure, KPI, Baseline, Target, Observation, Projection, Assessment, Placeholder, BudgetLine,
              Announcement, Acknowledgement)
}

#: For each type, the fields that hold references and the types they may point to.
REFERENCES: dict[str, dict[str, tuple[str, ...]]] = {
    "Body": {"parent": ("Body",)},
    "PolicyDocument": {"publisher": ("Body",), "source_texts": ("SourceText",), "cites": ("PolicyDocument",),
                       "revision_of": ("PolicyDocument",)},
    "Directive": {"document": ("PolicyDocument",), "carried_by": ("ReformItem",), "part_of": ("Directive",)},
    "ReformItem": {"documents": ("PolicyDocument",), "responsible": ("Body",)},
    "ScheduleStep": {"reform_item": ("ReformItem",), "document": ("PolicyDocument",), "responsible": ("Body",)},
    "ProgressReport": {"reports_on": ("ScheduleStep", "Directive", "KPI"), "document": ("PolicyDocument",),
                       "responsible": ("Body",)},
    "Measure": {"document": ("PolicyDocument",), "implements": ("ReformItem", "Directive"), "responsible": ("Body",)},
    "KPI": {"reform_items": ("ReformItem",), "documents": ("PolicyDocument",), "responsible": ("Body",),
            "sub_indicator_of": ("KPI",), "replaced_by": ("KPI",)},
    "Baseline": {"kpi": ("KPI",), "document": ("PolicyDocument",), "reduction_from": ("Baseline",)},
    "Target": {"kpi": ("KPI",), "document": ("PolicyDocument",), "relative_to": ("Baseline",),
               "reduction_from": ("Baseline",)},
    "Observation": {"kpi": ("KPI",), "document": ("PolicyDocument",), "reduction_from": ("Baseline",)},
    "Projection": {"kpi": ("KPI",), "document": ("PolicyDocument",), "reduction_from": ("Baseline",)},
    "Assessment": {"kpi": ("KPI",), "document": ("PolicyDocument",)},
    "Announcement": {"kpi": ("KPI",), "document": ("PolicyDocument",)},
    "Placeholder": {"of": ("Directive",), "document": ("PolicyDocument",)},
    "BudgetLine": {"document": ("PolicyDocument",)},
}


#: The references of a KPI's edition (`Edition`) and the types they may point to.
EDITION_REFERENCES: dict[str, tuple[str, ...]] = {"document": ("PolicyDocument",), "responsible": ("Body",)}


def fiscal_year_end(year: int) -> dt.date:
    """Last day of a Japanese fiscal year: FY2017 ends 2018-03-31."""
    return dt.date(year + 1, 3, 31)


def fiscal_year_start(year: int) -> dt.date:
    return dt.date(year, 4, 1)


class RecordFile(_Strict):
    """The top level of a data file."""

    source: RecordId | None = Field(None, description="Default SourceText id for the evidence in this file.")
    records: list[dict]
