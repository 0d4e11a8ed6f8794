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

#: Column headings of the tables the app itself lays out (gaps, overview, a KPI's values); a query's own
#: columns (its SPARQL variables) not named here are shown as they are, marked English.
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
    """What the templates call: bi, column, value_kind, status_pair and the tables above."""
    return {"bi": bi, "column": column, "value_kind": value_kind, "status_pair": status,
            "HEADINGS": HEADINGS, "VALUE_KINDS": VALUE_KINDS}
