"""Terminal rendering of trace results (rich), readable with Japanese text."""
from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from policygraph.controls import printable
from policygraph.graph.attainment import LABELS

KIND_JA = {"baselines": "基準値 baseline", "targets": "目標 target", "observations": "実績 observation",
           "projections": "見込み projection", "assessments": "区分 grade"}
STATUS = {"preliminary": "速報値", "final": "確報値", "unstated": "—"}
COMPARATOR = {"ge": "≥", "le": "≤", "approx": "≈", "eq": "=", "rank_le": "順位≤"}


def T(text, style: str = "") -> Text:
    """Data as Rich text: never markup or emoji codes, control characters shown escaped."""
    return Text(printable(str(text)), style=style)


def _quote(evidence: list[dict], limit: int = 1) -> Text:
    text = Text(overflow="fold")
    for ev in evidence[:limit]:
        text.append(printable(f"「{ev['quote']}」"), style="italic")
        text.append(printable(f" [{ev['file'][:3]}:{ev.get('line') or '?'} {ev['locator']}]"), style="dim")
        if ev.get("reading"):
            text.append(printable(f" (読み: {ev['reading']})"), style="yellow")
    if len(evidence) > limit:
        text.append(f" (+{len(evidence) - limit} more)", style="dim")
    return text


def _clip(label: str, width: int = 20) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def _value(fact: dict) -> str:
    parts = []
    if fact.get("comparator"):
        parts.append(COMPARATOR.get(fact["comparator"], fact["comparator"]))
    if fact.get("value") is not None:
        v = fact["value"]
        parts.append(f"{v:,}" if isinstance(v, int) else str(v))
        parts.append(fact.get("unit") or "")
    if fact.get("relative_factor") is not None:
        parts.append(f"(×{fact['relative_factor']} of base)")
    if fact.get("grade"):
        parts.append(fact["grade"])
    shown = " ".join(p for p in parts if p)
    if fact.get("level") is not None:  # printed as a cut: the level it leaves
        shown = f"{fact.get('value_text') or shown} → {fact['level']:,} {fact.get('unit') or ''}".strip()
    if fact.get("value_text") and fact.get("value") is None:
        shown = f"{shown} {fact['value_text']}".strip()
    return shown


def _when(fact: dict) -> str:
    if fact.get("deadline"):
        return f"by {fact['deadline']}"
    if fact.get("date"):
        return fact["date"] + (f" ({fact['date_text']})" if fact.get("date_text") else "")
    return fact.get("deadline_text") or fact.get("fiscal_year") or fact.get("date_text") or ""


def kpi_table(kpi: dict) -> Table:
    tier = {1: "第一階層", 2: "第二階層"}.get(kpi["tier"], "階層なし")
    bodies = "、".join(b["label"] for b in kpi["bodies"]) or "担当なし (no responsible body)"
    status = kpi.get("attainment", {}).get("status")
    shown = f"{LABELS.get(status, (status,))[0]} {status}" if status else "達成状況なし (no attainment computed)"
    as_of = kpi.get("attainment", {}).get("as_of")
    title = (f"KPI {kpi['label']} ({kpi['label_en']}) — {tier} — {bodies}\n"
             f"attainment: {shown}{f' (as of {as_of})' if as_of else ''}")
    table = Table(title=T(title), title_justify="left", show_lines=True, expand=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("value", max_width=24)
    table.add_column("date / deadline", max_width=24)
    table.add_column("status", max_width=8)
    table.add_column("document", max_width=22)
    table.add_column("evidence", min_width=40, ratio=1)
    empty = []
    for key in ("baselines", "targets", "observations", "projections", "assessments"):
        if not kpi[key]:
            empty.append(KIND_JA[key].split()[1])
        for fact in kpi[key]:
            status = STATUS.get(fact.get("status"), fact.get("status") or "")
            table.add_row(T(KIND_JA[key]), T(_value(fact)), T(_when(fact)), T(status),
                          T(_clip(fact["document_label"])), _quote(fact["evidence"]))
    if empty:
        table.caption = T(f"none recorded: {', '.join(empty)}")
        table.caption_justify = "left"
    return table


def render_trace(result: dict, console: Console) -> None:
    root = result["root"]
    console.print(Panel(T(root["label"], "bold").append(printable(f"  ({root['type']} {root['id']})")),
                        title=T("trace")))
    items: dict[str, dict] = {}
    from policygraph.query.trace import directive_tree
    top, parts = directive_tree(result)

    def show(d: dict, indent: str) -> None:
        carried = ", ".join(f"{i['number'] or ''}{i['id']}" for i in d["reform_items"])
        number = f"{d['number']} " if d.get("number") else ""
        console.print(Text.assemble(indent, ("■ " if not indent else "└ ", "bold"),
                                    (printable(number + d["label"]), "bold"),
                                    printable(f"  [{d['kind']}] {d['document_label']}")))
        console.print(Text(indent + "   ").append(_quote(d["evidence"])))
        if carried:
            console.print(T(f"{indent}   → carried by: {carried}"))
        else:
            console.print(Text(f"{indent}   → carried by no reform item", style="red"))
        for box in d.get("empty_boxes", []):
            console.print(T(f"{indent}   empty box 空欄: {box['label']} ", "red").append(_quote(box["evidence"])))
        for p in d.get("progress", []):
            when = p.get("as_of") or "日付なし (no date)"
            console.print(T(f"{indent}   ↳ progress 対応 {when} {_clip(p['document_label'])}: {p['text']}"))
            console.print(Text(indent + "     ").append(_quote(p["evidence"])))
        for item in d["reform_items"]:
            items.setdefault(item["id"], item)
        for part in parts.get(d["id"], []):
            show(part, indent + "    ")

    for d in top:
        show(d, "")
    upward = result.get("upward")
    if upward:
        names = {"directive": "mandated by directives 指示", "reform_item": "reform items 改革項目",
                 "mandated_in": "mandated in documents", "reported_in": "reported in documents 報告"}
        for key, title in names.items():
            shown = "、".join(f"{u['label']} ({u['id']})" for u in upward.get(key, [])) or "—"
            console.print(T(f"{title}: {shown}"))
    for name, nodes in (result.get("responsible_for") or {}).items():
        console.print(T(f"responsible for {name} ({len(nodes)}): " + ("、".join(n["label"] for n in nodes) or "—")))
    for item in result.get("reform_items", []):
        items.setdefault(item["id"], item)
    for item in items.values():
        bodies = "、".join(b["label"] for b in item["bodies"]) or "—"
        console.print()
        console.print(Panel(Group(T(f"{item['number'] or ''} {item['label']}", "bold"),
                                  T(item["label_en"], "dim"), T(f"responsible: {bodies}"),
                                  _quote(item["evidence"])), title=T(f"reform item {item['id']}")))
        if item["steps"]:
            steps = Table(title="schedule steps 改革工程", title_justify="left", expand=True)
            steps.add_column("period", no_wrap=True)
            steps.add_column("step")
            steps.add_column("progress")
            for s in item["steps"]:
                prog = Text()
                for p in s["progress"]:
                    who = "、".join(b["label"] for b in p["bodies"])
                    prog.append(printable(f"【{who}】（{p['status'] or '—'}） {_clip(p['document_label'])}\n"))
                steps.add_row(T(s["period"]), T(s["label"]), prog or Text("—", style="dim"))
            console.print(steps)
        if not item["kpis"]:
            console.print(Text("no KPI measures this reform item", style="red"))
        for kpi in item["kpis"]:
            console.print(kpi_table(kpi))
    shown = {k["id"] for item in items.values() for k in item["kpis"]}
    for kpi in result.get("kpis", []):
        if kpi["id"] not in shown:
            console.print(kpi_table(kpi))
