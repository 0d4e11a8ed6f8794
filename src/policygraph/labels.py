"""The web app's wording in Japanese and English: one (Japanese, English) pair per heading, value kind,
status, column and error message, so the pages, their error bodies and the tests read the same text.

The pages print a pair with the `bi` template function: the Japanese, then the English marked
`lang="en"` (the pages are `lang="ja"`). Attainment statuses keep their source of truth in
`graph.attainment.LABELS`; gap titles theirs in each gap query's `# title_ja:` / `# title:` lines.

    >>> bi_text(HEADINGS["gaps"])
    '欠落 · Coverage gaps'
    >>> message("no_record", id="'kpi-x'"), message("no_record", id="'kpi-x'").ja
    ("no record 'kpi-x'", "レコード 'kpi-x' はありません")
"""
from __future__ import annotations

from policygraph.graph.attainment import LABELS as STATUSES

Pair = tuple[str, str]

#: Page titles (the <h1>) and section headings.
HEADINGS: dict[str, Pair] = {
    "overview": ("概要", "Overview"),
    "kpis": ("KPI 状況", "KPI status board"),
    "gaps": ("欠落", "Coverage gaps"),
    "diff": ("版の比較", "Edition diff"),
    "queries": ("名前付きクエリ", "Named queries"),
    "editor": ("SPARQL エディタ", "query editor"),
    "search": ("検索", "Search"),
    "explore": ("探索", "Explore"),
    "coverage_map": ("網羅図", "Coverage map"),
    "classes": ("記録", "Records by class"),
    "sources": ("出典", "Sources and verified quotes"),
    "gaps_by_kind": ("欠落", "Gaps by kind"),
    "attainment": ("KPI 達成状況", "Attainment"),
    "by_status": ("状況別", "By status"),
    "by_body": ("担当別", "By responsible body"),
    "by_document": ("文書別", "By document"),
    "by_kind": ("種類別", "By kind"),
    "every_gap": ("一覧", "Every gap"),
    "evidence": ("根拠", "Evidence"),
    "chart": ("推移", "Observations against baseline and target"),
    "values": ("値", "Values and grades"),
    "properties": ("属性", "Properties"),
    "links_in": ("参照元", "Links in"),
    "facet_class": ("分類", "Class"),
    "facet_document": ("文書", "Source document"),
    "queries_link": ("クエリ", "Queries"),
}

#: The kinds of a KPI's values (views.viz_model.STATEMENT_PROPS), an observation's status (the notations of
#: pg:ObservationStatusScheme) and a projection's own word (pg:statusText: 見込み, 予定).
VALUE_KINDS: dict[str, Pair] = {
    "baseline": ("基準値", "baseline"), "target": ("目標", "target"), "observation": ("実績", "observation"),
    "projection": ("見込み", "projection"), "assessment": ("評価", "assessment"),
    "final": ("確報値", "final"), "preliminary": ("速報値", "preliminary"), "unstated": ("記載なし", "unstated"),
    "見込み": ("見込み", "projection"), "予定": ("予定", "plan"),
}

#: Column headings of the tables the app lays out (gaps, overview, a KPI's values) and of the named queries'
#: columns (their SPARQL variables: tests/test_labels.py checks every one of the library's has a heading);
#: a column of a project's own query not named here is shown as it is, marked English.
COLUMNS: dict[str, Pair] = {
    "kind": ("種類", "kind"), "title": ("題名", "title"), "node": ("対象", "node"), "label": ("名称", "label"),
    "document": ("文書", "document"), "quote": ("引用", "quote"), "locator": ("位置", "locator"),
    "file": ("ファイル", "file"), "line": ("行", "line"), "acknowledged": ("承認済み", "acknowledged"),
    "ackReason": ("承認の理由", "acknowledgement reason"), "ackBy": ("承認者", "acknowledged by"),
    "ackUntil": ("承認の期限", "acknowledged until"), "class": ("分類", "class"), "count": ("件数", "count"),
    "source": ("出典", "source"), "quotes": ("引用数", "quotes"), "verified": ("検証済み", "verified"),
    "value": ("値", "value"), "date": ("日付", "date"), "status": ("状況", "status"), "grade": ("評価", "grade"),
    "tier": ("階層", "tier"), "body": ("担当", "responsible body"),
    "trend": ("推移", "trend"), "name": ("名前", "name"), "parameters": ("パラメータ", "parameters"),
    "description": ("説明", "description"),
    # The named queries' own columns (queries/*.rq), so their pages show every heading in both languages.
    "achieved": ("達成", "achieved"), "ack": ("承認", "acknowledgement"), "announcement": ("公表予定", "announcement"),
    "asOf": ("判定日", "as of"), "attainment": ("達成状況", "attainment"),
    "attainmentAsOf": ("達成状況の判定日", "attainment as of"), "attainmentBasis": ("判定の根拠", "attainment basis"),
    "band": ("帯", "band"), "behind": ("遅れ", "behind"), "bodyEn": ("担当 (英)", "body (English)"),
    "bodyJa": ("担当", "body (Japanese)"), "bodyLabel": ("担当", "body"), "box": ("枠", "box"),
    "boxJa": ("枠の名称", "box (Japanese)"), "boxLabel": ("枠の名称", "box label"), "by": ("承認者", "by"),
    "cls": ("分類", "class"), "comparator": ("比較", "comparator"), "dateText": ("日付 (原文)", "date as printed"),
    "deadline": ("期限", "deadline"), "deadlineFyEnd": ("期限の年度末", "deadline fiscal-year end"),
    "deadlineText": ("期限 (原文)", "deadline as printed"), "direction": ("向き", "direction"),
    "directive": ("指示", "directive"), "directiveEn": ("指示 (英)", "directive (English)"),
    "directiveJa": ("指示", "directive (Japanese)"), "directiveKind": ("指示の種類", "directive kind"),
    "directiveLabel": ("指示の名称", "directive label"), "directiveNumber": ("指示の番号", "directive number"),
    "documentEn": ("文書 (英)", "document (English)"), "documentJa": ("文書", "document (Japanese)"),
    "documentLabel": ("文書名", "document title"), "elapsedShare": ("経過期間の割合", "share of time elapsed"),
    "evidenceAgeDays": ("根拠の経過日数", "evidence age (days)"), "excerpt": ("抜粋", "excerpt"),
    "factor": ("倍率", "factor"), "fiscalYear": ("年度", "fiscal year"), "from": ("元", "from"),
    "fyEnd": ("年度末", "fiscal-year end"), "gap": ("欠落", "gap"), "gradeDate": ("評価日", "grade date"),
    "gradeDocument": ("評価の文書", "grade document"), "gradeLabel": ("評価", "grade label"), "id": ("ID", "id"),
    "item": ("改革項目", "reform item"), "itemEn": ("改革項目 (英)", "reform item (English)"),
    "itemJa": ("改革項目", "reform item (Japanese)"), "itemNumber": ("改革項目の番号", "reform item number"),
    "items": ("改革項目数", "reform items"), "kpi": ("KPI", "KPI"), "kpiEn": ("KPI (英)", "KPI (English)"),
    "kpiJa": ("KPI", "KPI (Japanese)"), "kpiLabel": ("KPI", "KPI label"), "kpis": ("KPI数", "KPIs"),
    "labelEn": ("名称 (英)", "label (English)"), "labelJa": ("名称", "label (Japanese)"),
    "lastObservation": ("最後の実績", "last observation"), "latest": ("最新値", "latest"),
    "latestDate": ("最新値の日付", "latest value's date"), "latestLevel": ("最新値の確度", "latest value's level"),
    "latestSeries": ("最新値の系列", "latest value's series"), "latestStatus": ("最新値の区分", "latest value's status"),
    "latestText": ("最新値 (原文)", "latest value as printed"), "latestUnit": ("最新値の単位", "latest value's unit"),
    "latestValue": ("最新値", "latest value"), "latestWhen": ("最新値の時点", "latest value's period"),
    "level": ("確度", "level"), "matched": ("一致した箇所", "matched"), "missed": ("未達成", "missed"),
    "n": ("件数", "count"), "nextMeasurement": ("次回測定", "next measurement"),
    "nextMeasurementText": ("次回測定 (原文)", "next measurement as printed"),
    "nextSteps": ("今後の取組", "next steps"), "noTargetOrData": ("目標・実績なし", "no target or data"),
    "nodeJa": ("対象", "node (Japanese)"), "notYetDue": ("期限前", "not yet due"), "number": ("番号", "number"),
    "notation": ("表記", "notation"), "o": ("目的語", "object"), "observation": ("実績", "observation"), "observationQuote": ("実績の引用", "observation quote"),
    "onTrack": ("順調", "on track"), "other": ("相手", "other"), "otherDocument": ("他の文書", "other document"),
    "otherDocumentLabel": ("他の文書名", "other document title"), "otherValue": ("他の文書の値", "other value"),
    "owner": ("所有者", "owner"), "p": ("述語", "predicate"), "parent": ("上位", "parent"),
    "parentJa": ("上位組織", "parent body"), "parentLabel": ("上位組織", "parent body"), "parts": ("内訳", "parts"),
    "period": ("期間", "period"), "placeholder": ("空欄の表記", "placeholder"),
    "progressShare": ("進捗の割合", "share of progress"), "projection": ("見込み", "projection"),
    "projectionLevel": ("見込みの確度", "projection level"), "projectionWhen": ("見込みの時点", "projection period"),
    "quoted": ("引用", "quoted"), "reading": ("読み", "reading"), "reason": ("理由", "reason"),
    "referenceDate": ("基準日", "reference date"), "relation": ("関係", "relation"), "renamedFrom": ("旧名称", "renamed from"),
    "replacedBy": ("後継", "replaced by"), "report": ("進捗報告", "progress report"),
    "reportDocument": ("報告の文書", "report document"), "reportDocumentJa": ("報告の文書", "report document (Japanese)"),
    "reportText": ("報告 (原文)", "report text"), "root": ("起点", "root"), "rule": ("規則", "rule"),
    "ruleGrade": ("規則による評価", "grade by the rule"), "ruleNote": ("規則の注記", "rule note"),
    "series": ("系列", "series"), "sourceLabel": ("出典", "source label"), "statement": ("記載", "statement"),
    "statusAtGrade": ("評価時の状況", "status at the grade"), "statusLabel": ("状況", "status label"),
    "step": ("工程", "schedule step"), "stepJa": ("工程", "schedule step (Japanese)"), "subject": ("主語", "subject"),
    "targetText": ("目標 (原文)", "target as printed"), "targets": ("目標", "targets"), "threshold": ("基準", "threshold"),
    "to": ("先", "to"), "unit": ("単位", "unit"), "until": ("期限", "until"), "unverified": ("未検証", "unverified"),
    "up": ("上位", "up"), "upJa": ("上位", "up (Japanese)"), "valueText": ("値 (原文)", "value as printed"),
    "when": ("時点", "period"), "why": ("理由", "why"),
}

#: The heading of an error page (and the Japanese line of a text error) by HTTP status.
HTTP_STATUS: dict[int, Pair] = {
    400: ("リクエストに誤りがあります", "Bad request"), 403: ("拒否されました", "Forbidden"),
    404: ("見つかりません", "Not found"), 405: ("この方法では使えません", "Method not allowed"),
    413: ("大きすぎます", "Too large"), 415: ("受け付けない形式です", "Unsupported media type"),
    500: ("サーバの内部エラー", "Internal server error"), 503: ("混み合っています", "Service unavailable"),
}

#: The page handlers' messages, in the user's words ({…} filled by `message`).
MESSAGES: dict[str, Pair] = {
    "not_record_id": ("レコード ID ではありません", "not a record id"),
    "no_record": ("レコード {id} はありません", "no record {id}"),
    "no_query": ("{name} という名前のクエリはありません{hint_ja}", "no query named {name}{hint}"),
    "unknown_params": ("クエリ {name} にないパラメータ: {unknown}（使えるのは {known}）",
                       "unknown parameter(s) {unknown} for query {name}; it takes {known}"),
    "unknown_params_columns": ("クエリ {name} にないパラメータ: {unknown}（使えるのは {known}。列 {columns} で行を絞り込めます）",
                               "unknown parameter(s) {unknown} for query {name}; it takes {known}, and its columns "
                               "filter the rows: {columns}"),
    "table_unknown": ("この表にないパラメータ: {unknown}", "unknown parameter(s) {unknown}"),
    "table_column": ("{option}={value} という列はありません（列: {columns}）",
                     "{option}={value} names no column; the columns are {columns}"),
    "table_size": ("_size は行数（1 から {most}、または max）です", "_size is a number of rows from 1 to {most} (or max)"),
    "table_next": ("_next は「次へ」リンクの値です", "_next is the token of a next-page link"),
    "not_source": ("出典テキストではありません", "not a source text"),
    "no_source": ("出典テキスト {doc} はありません", "no source text {doc}"),
    "no_format": ("ダウンロード形式 {fmt} はありません（{choices} から選んでください）",
                  "no download format {fmt}; choose {choices}"),
    "size_number": ("_size は行数（または max）、_next は「次へ」リンクの値です",
                    "_size is a number of rows (or max) and _next the token of a next-page link"),
    "size_range": ("_size は 1 から {most} まで、_next は 0 以上です",
                   "_size is between 1 and {most} and _next not negative"),
    "limit_number": ("limit と offset は整数です", "limit and offset are whole numbers"),
    "limit_range": ("limit は 0 から {most} まで、offset は 0 以上です",
                    "limit is between 0 and {most}, offset not negative"),
    "path_ids": ("from= と to= にはレコード ID を指定してください", "from= and to= are record ids"),
    "path_number": ("max と k は整数です", "max and k are whole numbers"),
    "path_range": ("max は 1 から {links} まで、k は 1 から {paths} までです",
                   "max is between 1 and {links}, k between 1 and {paths}"),
    "not_found": ("見つかりません", "not found"),
    "no_match": ("{name}={typed} はグラフのどのノードにも一致しません{hint_ja}",
                 "{name}={typed} matches no node in the graph{hint}"),
    "not_an_iri": ("{name}={typed} は IRI ではありません。レコード ID（kpi-cloud-municipalities）、接頭辞付きの名前（pg:KPI）"
                   "または http(s) の IRI を入力してください",
                   "{name}={typed} is not an IRI: give a record id (kpi-cloud-municipalities), a prefixed name (pg:KPI) "
                   "or an http(s) IRI"),
    "busy": ("サーバが混み合っています（{count} 件が {pool} ワーカーで実行中または待機中）。しばらくしてから再度お試しください",
             "the server is busy ({count} requests running or waiting for a {pool} worker); try again shortly"),
}


class Said(str):
    """A message in both languages: the string itself is the English text (what logs, scripts and the
    protocol read), `ja` the Japanese."""

    ja: str

    def __new__(cls, ja: str, en: str) -> "Said":
        said = super().__new__(cls, en)
        said.ja = ja
        return said

    def __reduce__(self):  # both languages survive the trip from a query worker
        return (Said, (self.ja, str(self)))


def message(key: str, **values) -> Said:
    """`MESSAGES[key]` with its {…} filled in both languages."""
    ja, en = MESSAGES[key]
    return Said(ja.format(**values), en.format(**values))


def hint(suggestion: str) -> dict[str, str]:
    """`query.names.did_you_mean`'s "; did you mean X?" as {hint, hint_ja} for `message`."""
    names = suggestion.removeprefix("; did you mean ").rstrip("?").replace(" or ", " または ")
    return {"hint": suggestion, "hint_ja": f"。もしかして {names}？" if suggestion else "。"}


def bi_text(pair: Pair | str) -> str:
    """A pair as plain text (a <title>, an aria-label): "日本語 · English"; anything else as it is."""
    return " · ".join(p for p in pair if p) if isinstance(pair, tuple) and len(pair) == 2 else pair


def bi(pair: Pair | str):
    """A pair as HTML: the Japanese, then the English in <span lang="en">; anything else (a string, a
    table cell's number) as it is."""
    from markupsafe import Markup, escape
    if not (isinstance(pair, tuple) and len(pair) == 2):
        return pair
    ja, en = pair
    if not en:
        return ja
    return Markup('{} <span lang="en">{}</span>').format(escape(ja), escape(en)) if ja \
        else Markup('<span lang="en">{}</span>').format(escape(en))


def column(name: str):
    """A table's column heading: its pair, or the column's own name marked English."""
    return bi(COLUMNS.get(name, ("", name)))


def value_kind(name: str | None):
    return bi(VALUE_KINDS.get(name or "", (name or "", "")))


def status(name: str | None):
    """An attainment status as its pair (graph.attainment.LABELS)."""
    return bi(STATUSES.get(name or "", (name or "", "")))


def template_globals() -> dict:
    """What the templates call: bi, column, curie, value_kind, status_pair and the tables above."""
    from policygraph.graph.namespaces import curie
    return {"bi": bi, "column": column, "curie": curie, "value_kind": value_kind, "status_pair": status,
            "HEADINGS": HEADINGS, "VALUE_KINDS": VALUE_KINDS}
