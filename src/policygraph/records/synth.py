"""Synthetic projects: a deterministic generator of records and source texts shaped like the real corpus.

``synthesize(out, triples=N)`` writes a project folder that ``policygraph build --root out`` builds
clean (every quote found in its source text, every SHA-256 right, every reference resolved, SHACL
shapes and OWL axioms satisfied), with about N triples in the built graph:

* ``data/sources/*.txt``: one synthetic source text (Japanese-looking, a few KB) per document;
* ``data/records/*.yaml``: one data file per document, in the format of the real data files, plus
  ``data/records/sources.yaml`` listing every SourceText with the SHA-256 of its file.

The project uses the ontology, shapes and queries shipped in the package (nothing is written to
``out/ontology`` or ``out/queries``).

Shape. ~50 bodies (ministries, bureaus, divisions, councils, a party body) quoted from an
organisation chart, then one *policy area* after another, each with seven documents:

1. a cabinet decision, party proposal or council finding (its directives, each carried by a reform
   item; one carried by nothing, one by an item no KPI measures);
2. a roadmap (2015) and 3. its revision (2016, ``revision_of``): reform items, schedule steps,
   KPIs of both tiers, baselines and targets of every comparator (ge, le, approx, eq, rank_le), relative
   targets (倍増, ３割圧縮) and a qualitative one;
4. a progress report (end 2016) and 5. its next edition (2017): progress reports on steps, KPIs and a
   directive, preliminary/final/unstated observations, an observation recorded as a cut
   (``reduction_from``), projections (見込み, 予定), A/B/N/F grades;
6. a policy evaluation (2019, イ/ロ/ハ/一 grades): 施策目標 (policy_goal) and 施策手段 (policy_means) with
   yearly targets, final values that disagree with the progress report's, budget lines, measures;
7. a guideline draft: guidelines with expected actions (``part_of``) and empty （Ｐ） boxes (Placeholders).

Every gap kind of the shipped ``*-gap.rq`` queries gets rows, by construction: directives reaching no
KPI, items with no KPI, KPIs with no target / no observation / no responsible body, deadlines passed
with no observation, targets not met, preliminary-only values, two documents disagreeing, empty
guideline boxes, and an observation whose date is printed with 目途 (projection-as-observation: the
shapes forbid 見込/予定 on an observation, not 目途 or 見通し, which the gap query also reports).

Size. The built graph has about ``TRIPLES_BASE + TRIPLES_PER_AREA·areas + TRIPLES_PER_ITEM·items``
triples (`estimate`); `plan` picks the layout whose estimate is closest to N. The constants were
fitted (least squares) to `policygraph build` counts of ten layouts, 1 to 20 areas, each within
±0.3%; to recalibrate after changing the generator or the ontology, build a few layouts written by
`synthesize_areas` and fit again. The smallest project (one area of three items) has ~4,000 triples;
every gap kind has rows from ~5,000 triples up (the KPI archetypes are taken in turn, and the
last of them needs 11 roadmap KPIs). Generation is linear and writes YAML text directly (1M triples
in about a second).

Determinism. The same (triples, seed) gives the same bytes; a different seed gives other names and
values with the same structure.

Example:
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     result = synthesize(Path(tmp) / "synth", triples=10_000, seed=1)
    >>> result.records["KPI"] > 0
    True
"""
from __future__ import annotations

import datetime as dt
import hashlib
import random
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from pathlib import Path

from policygraph.errors import EXIT_INPUT, PolicygraphError
from policygraph.records.sources import MIN_UNIQUE_QUOTE, normalize
from policygraph.records.printed_dates import expected_when
from policygraph.records.when import When

# ---------------------------------------------------------------------------------- size model
#: Triples of a project with no policy area: the shipped ontology, the ~50 bodies and their
#: organisation chart, fiscal-year nodes. Fitted to built graphs (see the module doc; checked by
#: tests/records/test_synth.py).
TRIPLES_BASE = 2_000
#: Triples per policy area, over and above its reform items (documents, evaluation, guidelines, budget).
TRIPLES_PER_AREA = 687
#: Triples per roadmap reform item (its steps, progress reports, directive, three KPIs and their values).
TRIPLES_PER_ITEM = 541
#: Reform items per policy area (the last area may have fewer, never fewer than MIN_ITEMS).
ITEMS_PER_AREA = 6
#: An area needs three items: one with bodies, one without (KPIs with no body), one with no KPI.
MIN_ITEMS = 3


@dataclass
class SynthResult:
    """What `synthesize` wrote."""

    out: Path
    seed: int
    #: Records per type (SourceText included), in type-name order.
    records: dict[str, int]
    #: Every file written (data files and source texts), relative to `out`.
    files: list[Path] = field(default_factory=list)
    #: Size of the built graph predicted by the calibrated model.
    estimated_triples: int = 0
    areas: int = 0
    items: int = 0

    @property
    def total_records(self) -> int:
        return sum(self.records.values())


def plan(triples: int) -> list[int]:
    """Reform items per policy area for a graph of about `triples` triples."""
    per_item_amortised = TRIPLES_PER_ITEM + TRIPLES_PER_AREA / ITEMS_PER_AREA
    guess = max(MIN_ITEMS, round((triples - TRIPLES_BASE) / per_item_amortised))
    # Whole areas and items make the size move in steps: of the layouts near the guess (full areas, or
    # one area more), take the one whose estimate is closest, preferring fewer areas.
    candidates = []
    for items in range(max(MIN_ITEMS, guess - 3), guess + 4):
        fewest = -(-items // ITEMS_PER_AREA)
        for areas in (fewest, fewest + 1):
            if areas * MIN_ITEMS <= items:
                layout = _split(items, areas)
                candidates.append((abs(estimate(layout) - triples), areas, items, layout))
    return min(candidates)[3]


def _split(items: int, areas: int) -> list[int]:
    base, extra = divmod(items, areas)
    return [base + (1 if a < extra else 0) for a in range(areas)]


def estimate(areas: list[int]) -> int:
    """Predicted triples of the built graph for these areas (items per area)."""
    return round(TRIPLES_BASE + TRIPLES_PER_AREA * len(areas) + TRIPLES_PER_ITEM * sum(areas))


# ---------------------------------------------------------------------------------- vocabulary
#: Policy topics (ja, en).
TOPICS = [
    ("自治体クラウド", "municipal cloud"), ("窓口業務", "counter services"), ("民間委託", "outsourcing"),
    ("情報システム", "information systems"), ("業務改革", "business process reform"),
    ("マイナンバーカード", "My Number cards"), ("電子申請", "online applications"),
    ("公共施設", "public facilities"), ("地方税", "local taxes"), ("広域連携", "wide-area cooperation"),
    ("定住自立圏", "self-sustaining settlement areas"), ("連携中枢都市圏", "metropolitan cooperation areas"),
    ("行政サービス", "administrative services"), ("オープンデータ", "open data"),
    ("キャッシュレス決済", "cashless payment"), ("テレワーク", "telework"), ("遠隔医療", "telemedicine"),
    ("子育て支援", "childcare support"), ("介護人材", "care workers"), ("再生可能エネルギー", "renewable energy"),
    ("防災情報", "disaster information"), ("インフラ点検", "infrastructure inspection"),
    ("農地集約", "farmland consolidation"), ("観光振興", "tourism promotion"),
    ("中小企業支援", "support for SMEs"), ("学校ICT", "school ICT"), ("公文書管理", "records management"),
    ("統計改革", "statistics reform"), ("規制改革", "regulatory reform"), ("行政手続", "administrative procedures"),
    ("公営企業", "public enterprises"), ("下水道事業", "sewerage services"),
    ("地域公共交通", "local public transport"), ("空き家対策", "vacant houses"), ("健康診断", "health checks"),
    ("データ連携", "data linkage"), ("標準仕様", "standard specifications"), ("庶務業務", "back-office work"),
    ("総合窓口", "one-stop counters"), ("電子入札", "e-procurement"), ("公会計", "public accounting"),
    ("水道事業", "water supply"), ("消防広域化", "wider-area fire services"), ("地籍調査", "cadastral surveys"),
]
#: Actions (ja suffix, en prefix).
ACTIONS = [
    ("の推進", "Promote"), ("の導入促進", "Encourage the introduction of"), ("の見直し", "Review"),
    ("の標準化", "Standardise"), ("の共同化", "Pool"), ("の効率化", "Streamline"), ("の拡充", "Expand"),
    ("の普及", "Spread"), ("の高度化", "Upgrade"), ("の適正化", "Rationalise"), ("の加速", "Accelerate"),
    ("の重点化", "Focus"),
]
#: Progress cells, with the status printed after them.
PROGRESS = [
    ("{t}に関する調査を実施し、先進事例を取りまとめて地方公共団体に情報提供した。", "順調"),
    ("{t}について、関係府省と連携し、ガイドラインを改定した。", "順調"),
    ("{t}の取組状況をフォローアップし、ヒアリングを通じて助言を行った。", "順調"),
    ("{t}に係るモデル事業を実施中であり、その結果を検証している。", "順調"),
    ("{t}について、実施方法を検討中。", "遅れ"),
]
NEXT_STEPS = [
    "引き続き、取組状況を調査し、必要な助言を行う。",
    "調査・研究の結果を具体的に分かりやすく提供する。",
    "モデル事業の成果を踏まえ、全国展開を図る。",
    "左記取組を引き続き実施する。",
]
ZEN = str.maketrans("0123456789", "０１２３４５６７８９")
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
KANJI_NUMBERS = "一二三四五六七八九十"

# ---------------------------------------------------------------------------------- bodies
#: (id, ja, en, parent, aliases)
TOP_BODIES = [
    ("body-cabinet", "内閣", "Cabinet", None, []),
    ("body-cabinet-office", "内閣府", "Cabinet Office", "body-cabinet", ["CAO"]),
    ("body-cefp", "経済財政諮問会議", "Council on Economic and Fiscal Policy", "body-cabinet-office", ["諮問会議"]),
    ("body-cefp-committee", "経済・財政一体改革推進委員会", "Committee for Promoting Integrated Economic and Fiscal Reform",
     "body-cefp", ["推進委員会"]),
    ("body-cas", "内閣官房", "Cabinet Secretariat", "body-cabinet", []),
    ("body-cas-it", "内閣官房情報通信技術（IT）総合戦略室", "Cabinet Secretariat, IT Strategy Office", "body-cas",
     ["IT室"]),
    ("body-cas-number-office", "内閣官房番号制度推進室", "Cabinet Secretariat, Number System Promotion Office",
     "body-cas", ["番号室"]),
    ("body-reform-council", "行政改革推進会議", "Administrative Reform Promotion Council", "body-cabinet", []),
    ("body-ldp", "自由民主党", "Liberal Democratic Party", None, ["LDP"]),
    ("body-ldp-reform", "自由民主党行政改革推進本部", "LDP Headquarters for the Promotion of Administrative Reform",
     "body-ldp", ["行革本部"]),
]
#: (key, ja, en, alias, policy bureau ja, policy bureau en)
MINISTRIES = [
    ("mic", "総務省", "Ministry of Internal Affairs and Communications", "MIC", "自治行政局", "Local Administration Bureau"),
    ("mof", "財務省", "Ministry of Finance", "MOF", "主計局", "Budget Bureau"),
    ("mhlw", "厚生労働省", "Ministry of Health, Labour and Welfare", "MHLW", "社会・援護局", "Social Welfare Bureau"),
    ("meti", "経済産業省", "Ministry of Economy, Trade and Industry", "METI", "商務情報政策局",
     "Commerce and Information Policy Bureau"),
    ("mlit", "国土交通省", "Ministry of Land, Infrastructure, Transport and Tourism", "MLIT", "総合政策局", "Policy Bureau"),
    ("mext", "文部科学省", "Ministry of Education, Culture, Sports, Science and Technology", "MEXT", "初等中等教育局",
     "Elementary and Secondary Education Bureau"),
    ("maff", "農林水産省", "Ministry of Agriculture, Forestry and Fisheries", "MAFF", "経営局",
     "Management Improvement Bureau"),
    ("env", "環境省", "Ministry of the Environment", "MOE", "総合環境政策局", "Environmental Policy Bureau"),
]

# Documents of an area: (number, key, short tag used in ids)
DOCS = [(1, "decision", "dec"), (2, "roadmap-2015", "rm2015"), (3, "roadmap-2016", "rm2016"),
        (4, "progress-2016", "pr2016"), (5, "progress-2017", "pr2017"), (6, "evaluation-2019", "ev2019"),
        (7, "guideline", "gl")]

#: Roadmap KPI archetypes, taken in turn (a global cycle, so every area mixes them).
ARCHETYPES = ["ge_future", "ge_missed", "relative_cut", "approx", "eq_percent", "rank", "no_target",
              "no_observation", "preliminary_only", "disagreement", "projection_dated", "le_absolute",
              "relative_double"]


# ---------------------------------------------------------------------------------- YAML text
def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON string syntax, non-ASCII kept)."""
    return encode_basestring(text)


def ids(values: list[str]) -> str:
    return "[" + ", ".join(values) + "]"


def label(ja: str, en: str) -> str:
    return f"{{ja: {q(ja)}, en: {q(en)}}}"


def num(value) -> str:
    return str(value)


def comma(n: int) -> str:
    return f"{n:,}"


def zen(value) -> str:
    return str(value).translate(ZEN)


class _Doc:
    """One synthetic document: its source text (lines) and its data file (YAML lines)."""

    def __init__(self, area: str, number: int, key: str, title: str):
        self.stem = f"{area}-{number}-{key}"
        self.src = f"src-{area}-{number}"
        self.id = f"doc-{area}-{key}"
        self.title = title
        self.lines: list[str] = []
        self.yaml: list[str] = []

    def row(self, *pieces: str) -> None:
        """A line of the source: pieces separated by an ideographic space (ignored by quote matching)."""
        self.lines.append("\u3000".join(p for p in pieces if p))


def _ev(locator: str, quote: str, source: str | None = None) -> str:
    if source:
        return f"{{source: {source}, locator: {q(locator)}, quote: {q(quote)}}}"
    return f"{{locator: {q(locator)}, quote: {q(quote)}}}"


class _Writer:
    """Appends records to a document's data file and counts them."""

    def __init__(self):
        self.counts: Counter[str] = Counter()

    def record(self, doc: _Doc, rid: str, rtype: str, fields: list[tuple[str, str | None]], evidence: list[str]):
        out = doc.yaml
        out.append(f"  - id: {rid}\n    type: {rtype}\n")
        for key, value in fields:
            if value is not None:
                out.append(f"    {key}: {value}\n")
        if evidence:  # (an acknowledgement may have none)
            out.append("    evidence:\n")
        for ev in evidence:
            out.append(f"      - {ev}\n")
        self.counts[rtype] += 1


# ---------------------------------------------------------------------------------- bodies
def _bodies() -> list[tuple[str, str, str, str | None, list[str]]]:
    out = list(TOP_BODIES)
    for key, ja, en, alias, bureau_ja, bureau_en in MINISTRIES:
        mid = f"body-{key}"
        out.append((mid, ja, en, None, [alias]))
        out.append((f"{mid}-secretariat", f"{ja}大臣官房", f"{en}, Minister's Secretariat", mid, []))
        out.append((f"{mid}-secretariat-evaluation", f"{ja}大臣官房政策評価室",
                    f"{en}, Minister's Secretariat, Policy Evaluation Office", f"{mid}-secretariat", []))
        out.append((f"{mid}-bureau", f"{ja}{bureau_ja}", f"{en}, {bureau_en}", mid, []))
        out.append((f"{mid}-bureau-planning", f"{ja}{bureau_ja}企画課", f"{en}, {bureau_en}, Planning Division",
                    f"{mid}-bureau", []))
    return out


def _organisation(writer: _Writer) -> _Doc:
    doc = _Doc("org", 0, "chart", "行政機構図（抄）")
    doc.stem, doc.src, doc.id = "0000-organisation", "src-organisation", "doc-organisation-chart"
    doc.row("行政機構図（抄）")
    doc.row("（合成データ：policygraph synth が生成した架空の資料）")
    writer.record(doc, doc.id, "PolicyDocument", [
        ("label", label("行政機構図（抄）", "Organisation chart (excerpt)")),
        ("kind", "briefing"), ("date_text", q("日付の記載なし")), ("source_texts", ids([doc.src])),
    ], [_ev("表題", "行政機構図（抄）")])
    for bid, ja, en, parent, aliases in _bodies():
        # The name with its English one: a name alone (総務省) also stands inside its sub-units' names.
        doc.row("■" if parent is None else "\u3000", f"{ja}（{en}）")
        writer.record(doc, bid, "Body", [
            ("label", label(ja, en)), ("aliases", ids([q(a) for a in aliases]) if aliases else None),
            ("parent", parent),
        ], [_ev("機構図", f"{ja}（{en}）")])
    return doc


# ---------------------------------------------------------------------------------- one policy area
class _Area:
    """The seven documents of one policy area and all their records."""

    def __init__(self, writer: _Writer, number: int, items: int, seed: int, kpi_counter: list[int]):
        self.w = writer
        self.n = number
        self.code = f"a{number:04d}"
        self.items = items
        self.rng = random.Random(f"policygraph-synth:{seed}:{number}")
        self.kpi_counter = kpi_counter
        rng = self.rng
        self.topics = rng.sample(TOPICS, min(len(TOPICS), items + 6))
        self.theme = self.topics[0]
        m = MINISTRIES[number % len(MINISTRIES)]
        self.ministry = f"body-{m[0]}"
        self.ministry_ja = m[1]
        self.bureau = f"body-{m[0]}-bureau"
        self.division = f"body-{m[0]}-bureau-planning"
        theme_ja, theme_en = self.theme
        kind = ("cabinet_decision", "party_proposal", "council_finding")[number % 3]
        self.directive_kind = kind
        decision_title = {
            "cabinet_decision": f"経済財政運営と改革の基本方針（{theme_ja}関係抜粋・第{zen(number)}分冊）",
            "party_proposal": f"行政改革推進本部提言「{theme_ja}改革の加速に向けて」（第{zen(number)}号）",
            "council_finding": f"行政改革推進会議 秋のレビュー指摘事項（{theme_ja}・第{zen(number)}号）",
        }[kind]
        self.docs = {key: _Doc(self.code, i, key, "") for i, key, _tag in DOCS}
        d = self.docs
        d["decision"].title = decision_title
        d["roadmap-2015"].title = f"経済・財政再生計画 改革工程表（{theme_ja}・平成27年12月24日）"
        d["roadmap-2016"].title = f"経済・財政再生計画 改革工程表 2016改定版（{theme_ja}・平成28年12月21日）"
        d["progress-2016"].title = f"改革工程の進捗状況（{theme_ja}・2016年末時点）"
        d["progress-2017"].title = f"改革工程の進捗状況・KPIの状況（{theme_ja}・2017年）"
        d["evaluation-2019"].title = f"主要な政策に係る評価書（平成30年度実施政策）政策{zen(number)}：{theme_ja}の推進"
        d["guideline"].title = f"「{theme_ja}の取組みを加速するための指針」（案）"
        self.tag = {key: tag for _i, key, tag in DOCS}
        self.theme_en = theme_en

    # -- helpers ----------------------------------------------------------------
    def did(self, key: str) -> str:
        return self.docs[key].id

    def src(self, key: str) -> str:
        return self.docs[key].src

    def record(self, key: str, rid: str, rtype: str, fields, evidence):
        self.w.record(self.docs[key], rid, rtype, fields, evidence)

    # -- documents ----------------------------------------------------------------
    def documents(self):
        d, en, kind = self.docs, self.theme_en, self.directive_kind
        decision_en, decision_issued, decision_date, decision_publisher = {
            "cabinet_decision": (f"Basic Policy on Economic and Fiscal Management ({en}, part {self.n})",
                                 dt.date(2017, 6, 9), "平成29年6月9日閣議決定", "body-cabinet"),
            "party_proposal": (f"LDP reform headquarters proposal on {en} (no. {self.n})",
                               dt.date(2016, 5, 18), "平成28年5月18日", "body-ldp-reform"),
            "council_finding": (f"Administrative Reform Council autumn review findings on {en} (no. {self.n})",
                                dt.date(2016, 11, 14), "平成28年11月14日", "body-reform-council"),
        }[kind]
        meta = {
            "decision": {"kind": kind, "en": decision_en, "issued": decision_issued, "date_text": decision_date,
                         "publisher": decision_publisher},
            "roadmap-2015": {"kind": "roadmap", "en": f"Reform roadmap ({en}, 2015-12-24)",
                             "issued": dt.date(2015, 12, 24), "date_text": "平成27年12月24日",
                             "publisher": "body-cefp", "aliases": ["改革工程表2015"]},
            "roadmap-2016": {"kind": "roadmap", "en": f"Reform roadmap, 2016 revision ({en}, 2016-12-21)",
                             "issued": dt.date(2016, 12, 21), "date_text": "平成28年12月21日",
                             "publisher": "body-cefp", "revision_of": self.did("roadmap-2015"),
                             "aliases": ["改革工程表2016"]},
            "progress-2016": {"kind": "progress_report", "en": f"Progress of the reform roadmap ({en}, end 2016)",
                              "date_text": "2016年末時点（日付の記載なし）", "publisher": "body-cefp-committee",
                              "cites": [self.did("roadmap-2016")], "grade_scheme": "roadmap"},
            "progress-2017": {"kind": "progress_report",
                              "en": f"Progress of the reform roadmap and status of KPIs ({en}, 2017)",
                              "issued_month": "2017-12", "date_text": "2017年12月", "publisher": "body-cefp-committee",
                              "cites": [self.did("roadmap-2016"), self.did("roadmap-2015")],
                              "revision_of": self.did("progress-2016"), "grade_scheme": "roadmap"},
            "evaluation-2019": {"kind": "policy_evaluation",
                                "en": f"Evaluation of major policies (FY2018): promotion of {en}",
                                "issued_month": "2019-08", "date_text": "令和元年8月", "publisher": self.ministry,
                                "cites": [self.did("decision")], "grade_scheme": "evaluation"},
            "guideline": {"kind": "guideline", "en": f"Guidelines to accelerate {en} (draft)",
                          "issued": dt.date(2014, 3, 24), "date_text": "平成26年3月24日", "publisher": self.ministry},
        }
        for key, doc in d.items():
            m = meta[key]
            doc.row(doc.title)
            doc.row(f"（{m['date_text']}）")
            doc.row("（合成データ：policygraph synth が生成した架空の資料）")
            issued = m.get("issued")
            self.record(key, doc.id, "PolicyDocument", [
                ("label", label(doc.title, m["en"])),
                ("aliases", ids([q(a) for a in m["aliases"]]) if m.get("aliases") else None),
                ("kind", m["kind"]),
                ("issued", issued.isoformat() if issued else None),
                ("issued_month", q(m["issued_month"]) if m.get("issued_month") else None),
                ("date_text", q(m["date_text"])),
                ("publisher", m["publisher"]),
                ("source_texts", ids([doc.src])),
                ("cites", ids(m["cites"]) if m.get("cites") else None),
                ("revision_of", m.get("revision_of")),
                ("grade_scheme", m.get("grade_scheme")),
            ], [_ev("表題", doc.title), _ev("日付", f"（{m['date_text']}）")])

    # -- the roadmap chain ----------------------------------------------------------
    def generate(self):
        self.documents()
        d = self.docs
        n = self.items
        d["roadmap-2016"].row(f"重要課題：{self.theme[0]}をはじめとした制度の改革")
        d["progress-2017"].row("ＫＰＩの状況", f"重要課題：{self.theme[0]}をはじめとした制度の改革")
        for j in range(n):
            self.item(j, n)
        self.uncarried_directive()
        self.evaluation()
        self.guidelines()
        return [d[key] for _i, key, _t in DOCS]

    def item(self, j: int, n: int):
        rng, code = self.rng, self.code
        topic_ja, topic_en = self.topics[(j + 1) % len(self.topics)]
        act_ja, act_en = ACTIONS[(self.n + j) % len(ACTIONS)]
        rid = f"ri-{code}-{j + 1}"
        number = CIRCLED[j % len(CIRCLED)]
        item_ja, item_en = f"{topic_ja}{act_ja}", f"{act_en} {topic_en}"
        no_body = j == n - 2  # its KPIs have no responsible body at all
        no_kpi = j == n - 1  # an item no KPI measures
        responsible = [] if no_body else ([self.bureau, "body-cas-it"] if j == 0 else [self.bureau])
        tag = "" if no_body else f"【{self.ministry_ja}】"
        rm, pr16, pr17 = self.docs["roadmap-2016"], self.docs["progress-2016"], self.docs["progress-2017"]
        heading = f"改革項目：{number}{item_ja}"
        rm.row(heading)
        pr16.row(f"改革項目: {item_ja}", "改革工程の進捗状況(2016年末時点)")
        pr17.row(heading, "改革工程の進捗状況")
        self.record("roadmap-2016", rid, "ReformItem", [
            ("label", label(item_ja, item_en)), ("number", q(number)),
            ("documents", ids([self.did("roadmap-2016"), self.did("roadmap-2015"), self.did("progress-2016"),
                               self.did("progress-2017")])),
            ("responsible", ids(responsible) if responsible else None),
        ], [_ev(f"改革項目{number} 見出し", heading),
            _ev(f"改革項目 {item_ja} 見出し", f"改革項目: {item_ja}", self.src("progress-2016")),
            _ev(f"改革項目{number} 改革工程の進捗 見出し", f"{heading} 改革工程の進捗状況", self.src("progress-2017"))])
        self.docs["roadmap-2015"].row(f"改革項目：{item_ja}")
        # schedule steps and their progress reports
        periods = [("2016年度", 2016, 2016), ("2017年度", 2017, 2017), ("2018年度～2019年度", 2018, 2019)]
        if j == 0:
            periods.append(("2020年度～", 2020, None))
        for s, (period, first, last) in enumerate(periods, start=1):
            sid = f"step-{code}-{j + 1}-{s}"
            verb_ja = ("調査・ヒアリングを実施し、助言", "標準仕様書（案）を作成し、モデル団体で試行",
                       "全国展開し、取組状況をフォローアップ", "成果を検証し、必要に応じて制度を見直し")[s - 1]
            text = f"{self.ministry_ja}において、{topic_ja}について、{verb_ja}"
            rm.row(f"{number} 改革工程 {s}", period, text)
            self.record("roadmap-2016", sid, "ScheduleStep", [
                ("label", label(f"{topic_ja}：{verb_ja}", f"{topic_en}: step {s}")),
                ("reform_item", rid), ("document", self.did("roadmap-2016")), ("period", q(period)),
                ("first_fy", num(first)), ("last_fy", num(last) if last else None), ("row", num(s)),
                ("text", q(text)), ("responsible", ids(responsible[:1]) if responsible else None),
            ], [_ev(f"改革項目{number} 改革工程 {s}", text)])
            if first <= 2016:
                cell = PROGRESS[rng.randrange(len(PROGRESS))][0].format(t=topic_ja)
                nxt = NEXT_STEPS[rng.randrange(len(NEXT_STEPS))]
                pr16.row(f"{item_ja} 改革工程 {s}", cell, nxt)
                self.record("progress-2016", f"pr-{code}-{j + 1}-{s}-pr2016", "ProgressReport", [
                    ("reports_on", sid), ("document", self.did("progress-2016")), ("text", q(cell)),
                    ("next_steps", q(nxt)),
                ], [_ev(f"{item_ja} 改革工程 {s} 進捗状況・今後の進展について", f"{cell} {nxt}")])
            if first <= 2018:
                template, status = PROGRESS[rng.randrange(len(PROGRESS))]
                cell = template.format(t=topic_ja)
                nxt = NEXT_STEPS[rng.randrange(len(NEXT_STEPS))]
                if first == 2018:
                    cell, status = f"{topic_ja}について、2018年度からの実施に向けて準備中。", None
                printed = f"{tag}{cell}" + (f"（{status}）" if status else "")
                pr17.row(f"{number} 改革工程の進捗 {s}", printed, f"{tag}{nxt}")
                self.record("progress-2017", f"pr-{code}-{j + 1}-{s}-pr2017", "ProgressReport", [
                    ("reports_on", sid), ("document", self.did("progress-2017")),
                    ("status", q(status) if status else None), ("text", q(cell)), ("next_steps", q(nxt)),
                    ("responsible", ids(responsible[:1]) if responsible else None),
                ], [_ev(f"改革項目{number} 改革工程の進捗 {s} 計画期間中の進捗", printed),
                    _ev(f"改革項目{number} 改革工程の進捗 {s} 今後の進展について", f"{tag}{nxt}")])
        # the directive this item carries
        self.directive(j, rid, topic_ja, topic_en, act_ja, act_en)
        if no_kpi:
            return
        for k in range(3):
            arch = ARCHETYPES[self.kpi_counter[0] % len(ARCHETYPES)]
            self.kpi_counter[0] += 1
            self.kpi(j, k, rid, number, arch, [] if no_body else ([self.division] if k == 0 else []))

    def directive(self, j: int, rid: str, topic_ja: str, topic_en: str, act_ja: str, act_en: str):
        dec = self.docs["decision"]
        did = f"dir-{self.code}-{j + 1}"
        number = f"（{zen(j + 1)}）"
        head = f"{topic_ja}{act_ja}"
        text = (f"{topic_ja}について、地方公共団体の取組状況を把握し、先進事例の横展開を図るとともに、"
                f"{self.theme[0]}と一体的に{act_ja[1:]}を進める。")
        dec.row(f"{number}{head}")
        dec.row(text)
        carried = [rid] if j != 1 else [rid, f"ri-{self.code}-1"]
        self.record("decision", did, "Directive", [
            ("label", label(head, f"{act_en} {topic_en}")), ("document", self.did("decision")),
            ("kind", self.directive_kind), ("number", q(number)), ("text", q(text)), ("carried_by", ids(carried)),
        ], [_ev(f"{number} 見出し", f"{number}{head}"), _ev(f"{number} 本文", text)])
        if j == 0:  # the progress report also reports on the directive itself
            cell = f"{head}に基づき、{self.ministry_ja}において取組を進めている。"
            self.docs["progress-2017"].row("指示事項の進捗", cell)
            self.record("progress-2017", f"pr-{self.code}-dir-1-pr2017", "ProgressReport", [
                ("reports_on", did), ("document", self.did("progress-2017")), ("text", q(cell)),
                ("responsible", ids([self.ministry])),
            ], [_ev("指示事項の進捗", cell)])

    def uncarried_directive(self):
        dec = self.docs["decision"]
        did = f"dir-{self.code}-{self.items + 1}"
        number = f"（{zen(self.items + 1)}）"
        topic_ja, topic_en = self.topics[(self.items + 1) % len(self.topics)]
        head = f"{topic_ja}に係る制度の在り方の検討"
        text = f"{topic_ja}に係る制度の在り方について、関係府省において検討を行い、必要な措置を講ずる。"
        dec.row(f"{number}{head}")
        dec.row(text)
        self.record("decision", did, "Directive", [
            ("label", label(head, f"Examine the framework for {topic_en}")), ("document", self.did("decision")),
            ("kind", self.directive_kind), ("number", q(number)), ("text", q(text)),
        ], [_ev(f"{number} 見出し", f"{number}{head}"), _ev(f"{number} 本文", text)])

    # -- KPIs -----------------------------------------------------------------------
    def kpi(self, j: int, k: int, rid: str, item_number: str, arch: str, responsible: list[str]):
        rng, code = self.rng, self.code
        topic_ja, topic_en = self.topics[(j + k) % len(self.topics)]
        kid = f"kpi-{code}-{j + 1}-{k + 1}"
        base = kid[4:]
        tier = 1 if k == 0 else 2
        tier_ja = "第一階層" if tier == 1 else "第二階層"
        number = f"{item_number}－{zen(k + 1)}"
        unit, ja, en = {
            "ge_future": ("団体", f"{topic_ja}に取り組む市町村数", f"Municipalities working on {topic_en}"),
            "ge_missed": ("グループ", f"{topic_ja}に取り組むグループ数", f"Groups working on {topic_en}"),
            "relative_cut": ("億円", f"{topic_ja}に係る運用コスト", f"Operating cost of {topic_en}"),
            "approx": ("団体", f"{topic_ja}を導入した団体数", f"Local governments that introduced {topic_en}"),
            "eq_percent": ("%", f"{topic_ja}の実施率", f"Share implementing {topic_en}"),
            "rank": ("位", f"{topic_ja}に関する国際ランキング", f"International ranking in {topic_en}"),
            "no_target": ("件", f"{topic_ja}の取扱件数", f"Cases handled in {topic_en}"),
            "no_observation": ("人", f"{topic_ja}の利用者数", f"Users of {topic_en}"),
            "preliminary_only": ("団体", f"{topic_ja}を実施する市町村数", f"Municipalities implementing {topic_en}"),
            "disagreement": ("千件", f"{topic_ja}のオンライン利用件数", f"Online uses of {topic_en}"),
            "projection_dated": ("システム", f"{topic_ja}に係る情報システム数", f"Information systems for {topic_en}"),
            "le_absolute": ("時間", f"{topic_ja}に係る平均処理時間", f"Average processing time of {topic_en}"),
            "relative_double": ("団体", f"{topic_ja}で連携する団体数", f"Local governments cooperating on {topic_en}"),
        }[arch]
        rows: dict[str, list[str]] = {key: [] for key in ("roadmap-2015", "roadmap-2016", "progress-2016",
                                                          "progress-2017", "evaluation-2019")}
        records: list[tuple] = []  # (doc key, id, type, fields, evidence) written after the KPI

        def piece(key: str, text: str) -> str:
            if len(normalize(text)) < MIN_UNIQUE_QUOTE and not text.startswith(number):
                text = f"{number} {text}"  # a short cell is quoted with its row (policygraph requires it)
            rows[key].append(text)
            return text

        def loc(key: str, what: str) -> str:
            return f"{item_number} KPIの状況 {tier_ja} {number} {what}" if key != "evaluation-2019" \
                else f"測定指標 {ja} {what}"

        def target(key, value, text, comparator, deadline_fy=None, unit_=unit, factor=None, relative_to=None,
                   deadline_text=None, fiscal_year=None, suffix=""):
            records.append((key, f"tg-{base}-{self.tag[key]}{suffix}", "Target", [
                ("kpi", kid), ("document", self.did(key)),
                ("value", num(value) if value is not None else None),
                ("unit", q(unit_) if unit_ else None), ("value_text", q(text)),
                ("comparator", comparator), ("relative_factor", num(factor) if factor is not None else None),
                ("relative_to", relative_to),
                ("deadline_fy", num(deadline_fy) if deadline_fy else None),
                ("deadline_text", q(deadline_text) if deadline_text else None),
                ("fiscal_year", num(fiscal_year) if fiscal_year else None),
            ], [_ev(loc(key, "目標値"), piece(key, text))]))

        def baseline(key, value, fy, text):
            bid = f"bl-{base}-fy{fy}-{self.tag[key]}"
            records.append((key, bid, "Baseline", [
                ("kpi", kid), ("document", self.did(key)), ("value", num(value)), ("unit", q(unit)),
                ("value_text", q(text)), ("fiscal_year", num(fy)),
            ], [_ev(loc(key, "基準値"), piece(key, f"（{text}）"))]))
            return bid

        def when(date, date_text) -> str:
            """The date at the precision date_text prints it (2016年4月 → 2016-04; 28年度 → FY2016)."""
            return str(expected_when(date_text) or When.day(date))

        def obs(key, value, date, date_text, status, printed, unit_=unit, reduction_from=None, value_text=None):
            records.append((key, f"obs-{base}-{date.isoformat()}-{self.tag[key]}", "Observation", [
                ("kpi", kid), ("document", self.did(key)), ("value", num(value)), ("unit", q(unit_)),
                ("value_text", q(value_text) if value_text else None), ("reduction_from", reduction_from),
                ("date", when(date, date_text)), ("date_text", q(date_text)), ("status", status),
            ], [_ev(loc(key, "実績値"), piece(key, printed))]))

        def projection(key, kind, value, fy, date, date_text, printed):
            records.append((key, f"proj-{base}-fy{fy}-{self.tag[key]}", "Projection", [
                ("kpi", kid), ("document", self.did(key)), ("kind", q(kind)), ("value", num(value)),
                ("unit", q(unit)), ("date", when(date, date_text)), ("date_text", q(date_text)),
            ], [_ev(loc(key, "次回の把握時期と今後の方針"), piece(key, printed))]))

        def grade(key, g):
            records.append((key, f"as-{base}-{self.tag[key]}", "Assessment", [
                ("kpi", kid), ("document", self.did(key)), ("grade", q(g)),
            ], [_ev(loc(key, "区分" if key != "evaluation-2019" else "達成"), piece(key, f"区分 {g}"
                    if key != "evaluation-2019" else f"達成 {g}"))]))  # a short cell: piece adds its row

        def report(key, text):
            records.append((key, f"pr-{self.tag[key][2:]}-kpi-{base}", "ProgressReport", [
                ("reports_on", kid), ("document", self.did(key)), ("text", q(text)),
            ], [_ev(loc(key, "次回の把握時期と今後の方針"), piece(key, text))]))

        r = rng.randint
        announced = None  # the next measurement the 2017 report announces (次回の把握時期), if any
        if arch == "ge_future":
            v0 = r(15, 40) * 10
            t = v0 * 2 + r(0, 9) * 10
            baseline("roadmap-2016", v0, 2014, f"2014年度：{v0}団体")
            target("roadmap-2016", t, f"2030年度までに{comma(t)}団体", "ge", 2030, deadline_text="2030年度までに")
            target("roadmap-2015", t, f"2030年度までに{comma(t)}団体", "ge", 2030, deadline_text="2030年度までに")
            v1 = v0 + r(10, 60)
            v1f = v1 + r(0, 5)
            v2 = v1f + r(10, 60)
            v2f = v2 + r(1, 5)
            obs("progress-2016", v1, dt.date(2016, 4, 1), "2016年4月速報値", "preliminary", f"{v1}団体 (2016年4月速報値)")
            obs("progress-2017", v1f, dt.date(2016, 4, 1), "2016年４月確報値", "final", f"{v1f}団体（2016年４月確報値）")
            obs("progress-2017", v2, dt.date(2017, 4, 1), "2017年４月速報値", "preliminary", f"{v2}団体（2017年４月速報値）")
            obs("evaluation-2019", v2f, dt.date(2017, 4, 1), "H29.4.1時点", "final", f"{v2f}団体 (H29.4.1時点)")
            grade("progress-2017", "B")
            report("progress-2017", "2017年４月確報値は、2018年３月頃に公表。")
        elif arch == "ge_missed":
            t = r(30, 60) * 10
            target("roadmap-2016", t, f"2018年度末までに{comma(t)}グループ", "ge", 2018, deadline_text="2018年度末までに")
            a = r(5, 12) * 10
            obs("progress-2016", a, dt.date(2016, 4, 1), "2016年4月1日時点", "final", f"{a}グループ（2016年4月1日時点）")
            b = a + r(5, 30)
            obs("progress-2017", b, dt.date(2017, 4, 1), "2017年4月1日時点", "final", f"{b}グループ（2017年4月1日時点）")
            c = b + r(5, 30)
            obs("evaluation-2019", c, dt.date(2018, 4, 1), "H30.4.1時点", "final", f"{c}グループ (H30.4.1時点)")
            grade("progress-2017", "F")
            grade("evaluation-2019", "ハ")
        elif arch == "relative_cut":
            v0 = r(20, 50) * 100
            bl = baseline("roadmap-2016", v0, 2013, f"2013年度：{comma(v0)}億円")
            target("roadmap-2016", None, "2013年度から2021年度めどに３割圧縮", "le", 2021, unit_="割合", factor="0.7",
                   relative_to=bl, deadline_text="2021年度めど")
            cut = r(100, 400)
            obs("progress-2017", cut, dt.date(2017, 3, 31), "2016年度", "unstated",
                f"2016年度 2013年度と比べて{cut}億円の削減", reduction_from=bl,
                value_text=f"2013年度と比べて{cut}億円の削減")
            proj = v0 - cut - r(1, 5) * 100
            projection("progress-2017", "見込み", proj, 2018, dt.date(2019, 3, 31), "2018年度末見込み",
                       f"{comma(proj)}億円（2018年度末見込み）")
            grade("progress-2017", "N")
        elif arch == "approx":
            t = r(8, 15) * 100
            target("roadmap-2016", t, f"2020年度までに約{comma(t)}団体", "approx", 2020, deadline_text="2020年度までに")
            target("roadmap-2015", t, f"2020年度までに約{comma(t)}団体", "approx", 2020, deadline_text="2020年度までに")
            a = t - r(100, 300)
            b = t - r(0, 60)
            obs("progress-2016", a, dt.date(2016, 4, 1), "H28.4.1", "final", f"{comma(a)}団体 (H28.4.1)")
            obs("progress-2017", b, dt.date(2017, 4, 1), "H29.4.1", "final", f"{comma(b)}団体（H29.4.1）")
            grade("progress-2017", "A")
        elif arch == "eq_percent":
            target("roadmap-2016", 100, "2019年度までに100%", "eq", 2019, deadline_text="2019年度までに")
            a = f"{r(600, 850) / 10:.1f}"
            b = f"{r(860, 990) / 10:.1f}"
            obs("progress-2016", a, dt.date(2016, 3, 31), "2015年度末", "unstated", f"{a}%（2015年度末）")
            obs("progress-2017", b, dt.date(2017, 3, 31), "2016年度末", "unstated", f"{b}%（2016年度末）")
            obs("evaluation-2019", 100, dt.date(2019, 3, 31), "30年度", "final", "100% 【30年度】")
            grade("progress-2017", "B")
            grade("evaluation-2019", "イ")
        elif arch == "rank":
            target("roadmap-2016", 4, "2020年までに世界4位以上", "rank_le", 2020, deadline_text="2020年まで")
            a, b = r(6, 12), r(3, 6)
            obs("progress-2017", a, dt.date(2017, 1, 1), "2017年1月時点", "unstated", f"世界{a}位（2017年1月時点）")
            obs("evaluation-2019", b, dt.date(2019, 1, 1), "2019年1月時点", "unstated", f"世界{b}位 (2019年1月時点)")
            grade("progress-2017", "B")
            grade("evaluation-2019", "ロ")
        elif arch == "no_target":
            piece("roadmap-2016", "2018年度中に設定")
            a = r(100, 900) * 10
            b = a + r(10, 900)
            obs("progress-2016", a, dt.date(2016, 3, 31), "2015年度", "unstated", f"{comma(a)}件（2015年度）")
            obs("progress-2017", b, dt.date(2017, 3, 31), "2016年度", "unstated", f"{comma(b)}件（2016年度）")
            report("progress-2017", "目標値については、2018年度中に設定する。")
        elif arch == "no_observation":
            t = r(10, 90) * 1000
            target("roadmap-2016", t, f"2030年度までに{comma(t)}人", "ge", 2030, deadline_text="2030年度までに")
            p = t // 4
            projection("progress-2017", "予定", p, 2018, dt.date(2019, 3, 31), "2018年度末予定",
                       f"{comma(p)}人（2018年度末予定）")
            report("progress-2017", "2018年度から実績を把握する予定。")
            grade("progress-2017", "N")
        elif arch == "preliminary_only":
            t = r(40, 90) * 10
            target("roadmap-2016", t, f"2030年度までに{t}団体", "ge", 2030, deadline_text="2030年度までに")
            a = r(100, 250)
            b = a + r(10, 80)
            obs("progress-2016", a, dt.date(2016, 4, 1), "2016年4月速報値", "preliminary", f"{a}団体 (2016年4月速報値)")
            obs("progress-2017", b, dt.date(2017, 4, 1), "2017年４月速報値", "preliminary", f"{b}団体（2017年４月速報値）")
            grade("progress-2017", "B")
            report("progress-2017", "2017年４月確報値は、2018年３月頃に公表。")
            announced = "2017年４月確報値は、2018年３月頃に公表。"  # and no later document prints it
        elif arch == "disagreement":
            t = r(50, 90) * 100
            target("roadmap-2016", t, f"2030年度までに{comma(t)}千件", "ge", 2030, deadline_text="2030年度までに")
            x = r(10, 40) * 100 + r(1, 99)
            y = x + r(1, 60)
            z = y + r(100, 500)
            obs("progress-2017", x, dt.date(2017, 3, 31), "2016年度実績", "final", f"{comma(x)}千件（2016年度実績）")
            obs("evaluation-2019", y, dt.date(2017, 3, 31), "28年度", "final", f"{comma(y)}千件 【28年度】")
            obs("evaluation-2019", z, dt.date(2018, 3, 31), "29年度", "final", f"{comma(z)}千件 【29年度】")
            grade("progress-2017", "A")
            grade("evaluation-2019", "ロ")
        elif arch == "projection_dated":
            t = r(5, 15) * 100
            target("roadmap-2016", t, f"2030年度までに{comma(t)}システム以下", "le", 2030, deadline_text="2030年度までに")
            a = t + r(300, 900)
            b = a - r(50, 200)
            obs("progress-2016", a, dt.date(2016, 3, 31), "2015年度末", "final", f"{comma(a)}システム（2015年度末）")
            obs("progress-2017", b, dt.date(2017, 10, 1), "2017年10月目途", "unstated",
                f"{comma(b)}システム（2017年10月目途）")
            grade("progress-2017", "B")
        elif arch == "le_absolute":
            target("roadmap-2016", 32, "2017年度までに32時間以内", "le", 2017, deadline_text="2017年度までに")
            target("roadmap-2015", 40, "2017年度までに40時間以内", "le", 2017, deadline_text="2017年度までに")
            a, b = r(36, 48), r(24, 31)
            obs("progress-2016", a, dt.date(2016, 3, 31), "2015年度", "unstated", f"{a}時間（2015年度）")
            obs("progress-2017", b, dt.date(2017, 3, 31), "2016年度", "unstated", f"{b}時間（2016年度）")
            grade("progress-2017", "A")
        elif arch == "relative_double":
            v0 = r(10, 30) * 10
            bl = baseline("roadmap-2016", v0, 2015, f"2015年度：{v0}団体")
            target("roadmap-2016", None, "2020年度までに2015年度比倍増", "ge", 2020, unit_="割合", factor=2,
                   relative_to=bl, deadline_text="2020年度までに")
            target("roadmap-2015", None, "増加", None, unit_=None)
            a = v0 + r(5, v0 // 2)
            obs("progress-2017", a, dt.date(2017, 4, 1), "2017年4月1日時点", "unstated", f"{a}団体（2017年4月1日時点）")
            grade("progress-2017", "F")
        else:  # pragma: no cover
            raise AssertionError(arch)

        # the KPI row of each document, then the KPI record (quoted from the roadmap and the 2017 report)
        documents = [key for key in ("roadmap-2016", "roadmap-2015", "progress-2016", "progress-2017",
                                     "evaluation-2019") if rows[key] or key in ("roadmap-2016", "progress-2017")]
        for key in documents:
            lead = [tier_ja, number, ja] if key != "evaluation-2019" else ["測定指標", ja]
            self.docs[key].row(*lead, *rows[key])
        self.w.record(self.docs["roadmap-2016"], kid, "KPI", [
            ("label", label(ja, en)), ("tier", num(tier)), ("number", q(number)), ("reform_items", ids([rid])),
            ("documents", ids([self.did(key) for key in documents])),
            ("responsible", ids(responsible) if responsible else None),
        ], [_ev(f"改革項目{item_number} KPI {tier_ja} {number}", f"{tier_ja} {number} {ja}"),
            _ev(f"改革項目{item_number} KPIの状況 {tier_ja} {number}", f"{tier_ja} {number} {ja}",
                self.src("progress-2017"))]
            + ([_ev(f"改革項目{item_number} KPIの状況 {tier_ja} {number} 次回の把握時期と今後の方針", announced,
                    self.src("progress-2017"))] if announced else []))
        if announced:  # the announcement itself, a record of its own (the latest edition's wins)
            records.append(("progress-2017", f"ann-{base}-{self.tag['progress-2017']}", "Announcement", [
                ("kpi", kid), ("document", self.did("progress-2017")), ("when", "2018-03"), ("text", q(announced)),
            ], [_ev(f"改革項目{item_number} KPIの状況 {tier_ja} {number} 次回の把握時期と今後の方針", announced)]))
            # a curator's acknowledgements: of the passed announcement (expired by now), and of a gap the KPI
            # does not have (it has a target: dangling)
            for suffix, gap, until in (("passed", "next-measurement-passed-gap", "2018-06-30"),
                                       ("stale", "kpi-no-target-gap", "2099-12-31")):
                records.append(("progress-2017", f"ack-{base}-{suffix}", "Acknowledgement", [
                    ("gap", gap), ("node", kid), ("reason", q("確報値の公表を待つ")), ("by", q("synth curator")),
                    ("until", until)], []))
        for key, rid_, rtype, fields, evidence in records:
            self.record(key, rid_, rtype, fields, evidence)

    # -- the evaluation -----------------------------------------------------------------
    def evaluation(self):
        ev, key, code, rng = self.docs["evaluation-2019"], "evaluation-2019", self.code, self.rng
        r = rng.randint
        ev.row("担当部局課室名", self.ministry_ja)
        for g in (1, 2):
            topic_ja, topic_en = self.topics[(g + 2) % len(self.topics)]
            gid = f"dir-{code}-goal-{g}"
            mid = f"ri-{code}-means-{g}"
            kid = f"kpi-{code}-eval-{g}"
            goal_text = f"{topic_ja}の推進により、国民の利便性向上と行政運営の効率化を実現する。"
            ev.row(f"施策目標{g}", goal_text)
            carried = [mid] if g == 1 else [mid, f"ri-{code}-1"]
            self.record(key, gid, "Directive", [
                ("label", label(goal_text[:-1], f"Policy goal {g}: {topic_en}")), ("document", self.did(key)),
                ("kind", "policy_goal"), ("number", q(f"施策目標{g}")), ("text", q(goal_text)),
                ("carried_by", ids(carried)),
            ], [_ev(f"施策目標{g}", f"施策目標{g} {goal_text}")])
            means_ja = f"{topic_ja}に係る支援事業"
            ev.row(f"施策手段{zen(g)}", means_ja)
            self.record(key, mid, "ReformItem", [
                ("label", label(means_ja, f"Support programme for {topic_en}")), ("kind", "policy_means"),
                ("number", q(f"施策手段{g}")), ("documents", ids([self.did(key)])),
                ("responsible", ids([self.bureau])),
            ], [_ev(f"施策目標{g} 施策手段", f"施策手段{zen(g)} {means_ja}")])
            kpi_ja = f"{topic_ja}に係る支援件数" if g == 1 else f"{topic_ja}に取り組む圏域数"
            unit = "件" if g == 1 else "圏域"
            row = ["測定指標", f"{CIRCLED[g - 1]}{kpi_ja}"]
            records = []
            if g == 1:  # yearly targets, final values
                for fy, wareki in ((2017, "29"), (2018, "30")):
                    t = r(20, 60) * 10
                    v = t + r(-40, 40)
                    grade_ = "イ" if v >= t else "ロ"
                    row += [f"{wareki}年度 目標 {t}件", f"{wareki}年度 実績 {v}件"]
                    records.append(("Target", f"tg-{kid[4:]}-ev2019-fy{fy}", [
                        ("kpi", kid), ("document", self.did(key)), ("value", num(t)), ("unit", q(unit)),
                        ("value_text", q(f"{t}件")), ("comparator", "ge"), ("fiscal_year", num(fy)),
                    ], [_ev(f"施策目標{g} 測定指標{CIRCLED[g - 1]} {wareki}年度 目標", f"{wareki}年度 目標 {t}件")]))
                    records.append(("Observation", f"obs-{kid[4:]}-{fy + 1}-03-31-ev2019", [
                        ("kpi", kid), ("document", self.did(key)), ("value", num(v)), ("unit", q(unit)),
                        ("date", f"FY{fy}"), ("date_text", q(f"{wareki}年度")),
                        ("status", "final"),
                    ], [_ev(f"施策目標{g} 測定指標{CIRCLED[g - 1]} {wareki}年度 実績", f"{wareki}年度 実績 {v}件")]))
                row.append(f"測定指標{CIRCLED[g - 1]} 達成 {grade_}")
                records.append(("Assessment", f"as-{kid[4:]}-ev2019", [
                    ("kpi", kid), ("document", self.did(key)), ("grade", q(grade_)),
                ], [_ev(f"施策目標{g} 測定指標{CIRCLED[g - 1]} 達成", f"測定指標{CIRCLED[g - 1]} 達成 {grade_}")]))
            else:  # a long-term target whose period has not ended (一)
                v0 = r(50, 90)
                t = v0 + r(30, 60)
                v = v0 + r(5, 25)
                row += [f"基準 {v0}圏域 【28年度】", f"目標 令和6年度までに{t}圏域", f"実績 {v}圏域 (H31.4.1時点)", f"測定指標{CIRCLED[g - 1]} 達成 一"]
                bl = f"bl-{kid[4:]}-fy2016-ev2019"
                records += [
                    ("Baseline", bl, [("kpi", kid), ("document", self.did(key)), ("value", num(v0)),
                                      ("unit", q(unit)), ("fiscal_year", "2016")],
                     [_ev(f"施策目標{g} 測定指標{CIRCLED[g - 1]} 基準(値)", f"基準 {v0}圏域 【28年度】")]),
                    ("Target", f"tg-{kid[4:]}-ev2019", [
                        ("kpi", kid), ("document", self.did(key)), ("value", num(t)), ("unit", q(unit)),
                        ("value_text", q(f"令和6年度までに{t}圏域")), ("comparator", "ge"), ("deadline_fy", "2024"),
                        ("deadline_text", q("令和6年度までに"))],
                     [_ev(f"施策目標{g} 測定指標{CIRCLED[g - 1]} 目標(値)", f"目標 令和6年度までに{t}圏域")]),
                    ("Observation", f"obs-{kid[4:]}-2019-04-01-ev2019", [
                        ("kpi", kid), ("document", self.did(key)), ("value", num(v)), ("unit", q(unit)),
                        ("date", "2019-04-01"), ("date_text", q("H31.4.1時点")), ("status", "final")],
                     [_ev(f"施策目標{g} 測定指標{CIRCLED[g - 1]} 実績(値)", f"実績 {v}圏域 (H31.4.1時点)")]),
                    ("Assessment", f"as-{kid[4:]}-ev2019", [
                        ("kpi", kid), ("document", self.did(key)), ("grade", q("一"))],
                     [_ev(f"施策目標{g} 測定指標{CIRCLED[g - 1]} 達成", f"測定指標{CIRCLED[g - 1]} 達成 一")]),
                ]
            ev.row(*row)
            self.record(key, kid, "KPI", [
                ("label", label(kpi_ja, f"Indicator {g} of {topic_en}")), ("number", q(f"測定指標{CIRCLED[g - 1]}")),
                ("reform_items", ids([mid])), ("documents", ids([self.did(key)])),
            ], [_ev(f"施策目標{g} 測定指標{CIRCLED[g - 1]}", f"測定指標 {CIRCLED[g - 1]}{kpi_ja}")])
            for rtype, rid, fields, evidence in records:
                self.record(key, rid, rtype, fields, evidence)
        # the policy's budget (百万円) for one fiscal year, and two measures
        fy = 2016 + self.n % 3
        wareki = fy - 1988
        a, b, c = r(20000, 80000), r(0, 9000), r(0, 3000)
        cells = [("当初予算(a)", "initial", a), ("補正予算(b)", "supplementary", b), ("繰越し等(c)", "carryover", c),
                 ("合計(a+b+c)", "total", a + b + c), ("執行額", "executed", a + b + c - r(0, 5000))]
        ev.row("政策の予算額・執行額等", "(百万円)", f"{wareki}年度")
        for category, slug, value in cells:
            printed = f"{category} {comma(value)}"
            ev.row(category, comma(value))
            self.record(key, f"budget-{code}-{slug}-fy{fy}", "BudgetLine", [
                ("document", self.did(key)), ("category", q(category)), ("fiscal_year", num(fy)),
                ("value", num(value)), ("unit", q("百万円")),
            ], [_ev(f"政策の予算額・執行額等 (百万円) {category} {wareki}年度", printed)])
        amount = r(5, 30) * 100
        topic_ja, topic_en = self.topics[1]
        text = f"平成29年地方財政計画において「{topic_ja}推進事業」として{comma(amount)}億円を計上。"
        ev.row("主な取組", text)
        self.record(key, f"ms-{code}-finance-plan", "Measure", [
            ("label", label(f"「{topic_ja}推進事業」{comma(amount)}億円", f"{topic_en} programme, {amount} oku yen")),
            ("document", self.did(key)), ("implements", ids([f"ri-{code}-1", f"dir-{code}-1"])),
            ("text", q(text)), ("responsible", ids([self.ministry])), ("value", num(amount)), ("unit", q("億円")),
        ], [_ev("主な取組 地方財政計画", text)])
        text = f"{topic_ja}の導入に深く関与した職員を「導入サポート員」として一覧化し、地方公共団体に共有。"
        ev.row("主な取組", text)
        self.record(key, f"ms-{code}-support-staff", "Measure", [
            ("label", label("「導入サポート員」の一覧化・共有", f"List and share support staff for {topic_en}")),
            ("document", self.did(key)), ("implements", ids([f"ri-{code}-means-1"])), ("text", q(text)),
            ("responsible", ids([self.bureau])),
        ], [_ev("主な取組 サポート員", text)])

    # -- the guideline draft ------------------------------------------------------------
    def guidelines(self):
        gl, key, code = self.docs["guideline"], "guideline", self.code
        for g in (1, 2):
            topic_ja, topic_en = self.topics[(g + 3) % len(self.topics)]
            gid = f"dir-{code}-guideline-{g}"
            number = f"【指針{zen(g)}】"
            head = f"{topic_ja}の取組みを計画的に推進"
            text = f"地方公共団体においては、{topic_ja}の取組みを計画的に推進し、関係経費の節減とセキュリティ強化等を図ること。"
            gl.row(f"{number}{head}")
            gl.row(text)
            self.record(key, gid, "Directive", [
                ("label", label(head, f"Guideline {g}: pursue {topic_en} systematically")), ("document", self.did(key)),
                ("kind", "guideline"), ("number", q(number)), ("text", q(text)),
            ], [_ev(f"{number} 見出し", f"{number}{head}"), _ev(f"{number} 本文", text)])
            gl.row("＜地方公共団体に期待される指針実行のための取組み＞")
            last = ""
            for a, (act_ja, act_en) in enumerate(ACTIONS[g:g + 3], start=1):
                aid = f"{gid}-action-{a}"
                ahead = f"{topic_ja}{act_ja}"
                atext = f"{topic_ja}{act_ja}に向けて、{('業務フローを見直す', '費用対効果を試算する', '導入スケジュールを設定する')[a - 1]}こと。"
                gl.row(f"{CIRCLED[a - 1]}{ahead}")
                gl.row(atext)
                last = atext
                carried = [f"ri-{code}-1"] if g == 1 and a == 1 else []
                self.record(key, aid, "Directive", [
                    ("label", label(ahead, f"{act_en} {topic_en}")), ("document", self.did(key)), ("kind", "guideline"),
                    ("number", q(f"{number}{CIRCLED[a - 1]}")), ("text", q(atext)),
                    ("carried_by", ids(carried) if carried else None), ("part_of", gid),
                ], [_ev(f"{number} 取組み {CIRCLED[a - 1]} 見出し", f"{CIRCLED[a - 1]}{ahead}"),
                    _ev(f"{number} 取組み {CIRCLED[a - 1]}", atext)])
            measures = "＜総務省における地方公共団体の取組みを促進する施策＞"
            examples = "＜考えられるＫＰＩの例＞"
            gl.row(measures)
            gl.row("（Ｐ）")
            gl.row(examples)
            gl.row("（Ｐ）")
            for box, printed in (("measures", f"{last}{measures}（Ｐ）"),
                                 ("kpi_examples", f"{last}{measures}（Ｐ）{examples}（Ｐ）")):
                self.record(key, f"ph-{code}-guideline-{g}-{box.replace('_', '-')}", "Placeholder", [
                    ("of", gid), ("document", self.did(key)), ("box", box),
                ], [_ev(f"{number} {measures if box == 'measures' else examples}", printed)])


# ---------------------------------------------------------------------------------- files
#: The largest project `synth` writes (about 3.6 GB on disk); the size model is calibrated up to 1M triples,
#: and a larger one would be built on one machine only to be projected (docs/scale.md).
MAX_TRIPLES = 100_000_000
#: Bytes on disk per built triple (YAML records and source texts; 30 at 20k triples, 36 at 100M with the
#: file system's blocks).
BYTES_PER_TRIPLE = 36


def _check_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise PolicygraphError.single("the output exists and is not a folder", EXIT_INPUT, file=out, field="--out")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise PolicygraphError.single("the output folder exists and is not empty (pass --force to write into it; "
                                      "data/records/ and data/sources/ are then replaced)", EXIT_INPUT,
                                      file=out, field="--out")
    # --force replaces data/records/ and data/sources/: only real folders inside `out`, never what a
    # link points to (it may be another project's data) or a file in their place.
    for folder in (out / "data", out / "data" / "records", out / "data" / "sources"):
        if folder.is_symlink():
            raise PolicygraphError.single("is a symbolic link; synth writes only into real folders of --out "
                                          "(remove the link, or choose another --out)", EXIT_INPUT, file=folder,
                                          field="--out")
        if folder.exists() and not folder.is_dir():
            raise PolicygraphError.single("exists and is not a folder; synth --force replaces only folders",
                                          EXIT_INPUT, file=folder, field="--out")


def _check_space(out: Path, triples: int) -> None:
    """Refuse (exit 2) when the file system of `out` has less free space than the project needs."""
    need = triples * BYTES_PER_TRIPLE
    where = out
    while not where.exists() and where != where.parent:
        where = where.parent
    try:
        free = shutil.disk_usage(where).free
    except OSError:
        return  # nothing to measure: writing will say what is wrong
    if need > free:
        raise PolicygraphError.single(f"about {_size(need)} are needed for {triples:,} triples and {_size(free)} "
                                      "are free there", EXIT_INPUT, file=out, field="--out")


def _size(n: int) -> str:
    """
    >>> _size(180_000), _size(3_600_000_000)
    ('0.2 MB', '3.6 GB')
    """
    return f"{n / 1e9:.1f} GB" if n >= 1e9 else f"{n / 1e6:.1f} MB"


def _source_text(doc: _Doc, seed: int) -> bytes:
    head = f"[synthetic source {doc.src}: {doc.title}; policygraph synth, seed {seed}]\n"
    return (head + "\n".join(doc.lines) + "\n").encode("utf-8")


def _data_file(doc: _Doc, seed: int) -> bytes:
    head = (f"# Synthetic data file (policygraph synth, seed {seed}): {doc.title}\n"
            f"source: {doc.src}\nrecords:\n")
    return (head + "".join(doc.yaml)).encode("utf-8")


def synthesize(out: Path, triples: int, seed: int = 0, progress: Callable[[int, int], None] | None = None,
               force: bool = False) -> SynthResult:
    """Write a synthetic project of about `triples` built triples into `out` (see the module doc).

    `progress(done, total)` is called after each policy area. Refuses (PolicygraphError, exit 2) an
    existing non-empty folder unless `force`, which replaces its data/records/ and data/sources/ (real
    folders only: a symbolic link there is refused), more than MAX_TRIPLES, and a size the file system
    has no room for.
    """
    if triples <= 0:
        raise PolicygraphError.single("the number of triples must be positive", EXIT_INPUT, field="--triples",
                                      value=triples)
    if triples > MAX_TRIPLES:
        raise PolicygraphError.single(f"at most {MAX_TRIPLES:,} triples", EXIT_INPUT, field="--triples", value=triples)
    _check_out(Path(out), force)
    _check_space(Path(out), triples)
    return synthesize_areas(Path(out), plan(triples), seed, progress, force)


def synthesize_areas(out: Path, areas: list[int], seed: int = 0,
                     progress: Callable[[int, int], None] | None = None, force: bool = False) -> SynthResult:
    """`synthesize` with the layout given: reform items per policy area (each at least MIN_ITEMS).

    Used to calibrate the size model; `synthesize` derives the layout from a triple count with `plan`.
    """
    if not areas or min(areas) < MIN_ITEMS:
        raise PolicygraphError.single(f"every policy area needs at least {MIN_ITEMS} reform items", EXIT_INPUT,
                                      value=areas)
    _check_out(out, force)
    records_dir, sources_dir = out / "data" / "records", out / "data" / "sources"
    for folder in (records_dir, sources_dir):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)

    writer = _Writer()
    result = SynthResult(out, seed, {}, [], estimate(areas), len(areas), sum(areas))
    sources: list[str] = []

    def emit(doc: _Doc) -> None:
        text = _source_text(doc, seed)
        src_file = f"{doc.stem}.txt"
        (sources_dir / src_file).write_bytes(text)
        (records_dir / f"{doc.stem}.yaml").write_bytes(_data_file(doc, seed))
        result.files += [Path("data/sources") / src_file, Path("data/records") / f"{doc.stem}.yaml"]
        sources.append(f"  - id: {doc.src}\n    type: SourceText\n"
                       f"    label: {label(doc.title, f'Synthetic source text {doc.src}')}\n"
                       f"    file: {src_file}\n    sha256: {hashlib.sha256(text).hexdigest()}\n")
        writer.counts["SourceText"] += 1

    emit(_organisation(writer))
    kpi_counter = [0]
    for number, items in enumerate(areas, start=1):
        for doc in _Area(writer, number, items, seed, kpi_counter).generate():
            emit(doc)
        if progress is not None:
            progress(number, len(areas))
    listing = (f"# Every synthetic source text, pinned by SHA-256 (policygraph synth, seed {seed}).\nrecords:\n"
               + "".join(sources)).encode("utf-8")
    (records_dir / "sources.yaml").write_bytes(listing)
    result.files.append(Path("data/records/sources.yaml"))
    result.records = dict(sorted(writer.counts.items()))
    return result


__all__ = ["SynthResult", "estimate", "plan", "synthesize", "synthesize_areas"]
