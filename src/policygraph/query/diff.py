"""Edition diff: what changed between two documents (e.g. the 2016 and 2017 progress reports).

Both documents are read with one named query (queries/edition-statements.rq) and compared in
Python, so the diff runs on any engine:

- the scope of each document: the reform items it covers (reported in it, or measured by a KPI it
  reports: queries/trace-document-items.rq);
- KPIs added (reported in B, not A) and dropped (in A, not B) only inside the common scope: a KPI
  is dropped when B covers its reform item and leaves it out (added: A covers its item and lacks it);
  the rest are "not covered by A" / "not covered by B" (000 and 002 are excerpts covering different
  reform items: a difference of scope is not a change); replaced (a dropped KPI with pg:replacedBy
  naming one B reports) and renamed (pg:renamedFrom, reported by either);
- targets changed (a KPI both report whose targets differ in value, unit, comparator or deadline);
- new values (observations B prints that A did not, beside A's latest: 278 → 301 for
  窓口業務のアウトソーシング);
- grade moves (a KPI graded in both, with another grade);
- reports whose printed status changed (a schedule step or KPI both report on, where both editions
  print a status: 002 prints none, so its blank is not a change to 順調).

    >>> result = diff(engine, library, "doc-progress-2016", "doc-progress-2017")
    >>> [c["kpi"] for c in result["new_values"]][:1]
    ['kpi-11-back-office-consolidation']
"""
from __future__ import annotations

from policygraph.errors import EXIT_INPUT, PolicygraphError
from policygraph.graph.namespaces import PGR, record_id
from policygraph.graph.terms import plain
from policygraph.query.sparql import QueryLibrary
from policygraph.store.engines import Engine

#: The sections of a diff, in the order they are shown, with their Japanese and English titles.
SECTIONS = {
    "added": ("追加されたKPI", "KPIs added"),
    "dropped": ("削除されたKPI", "KPIs dropped"),
    "not_covered_by_a": ("Aの対象外の改革項目のKPI", "KPIs of reform items A does not cover"),
    "not_covered_by_b": ("Bの対象外の改革項目のKPI", "KPIs of reform items B does not cover"),
    "replaced": ("置き換えられたKPI", "KPIs replaced"),
    "renamed": ("名称が変わったKPI", "KPIs renamed"),
    "targets_changed": ("変更された目標", "Targets changed"),
    "new_values": ("新しい実績値", "New values"),
    "grade_moves": ("区分の変化", "Grade moves"),
    "status_changes": ("進捗状況の変化", "Progress status changes"),
}


def _rows(engine: Engine, library: QueryLibrary, document: str) -> list[dict]:
    rows = engine.run(library.get("edition-statements"), document=PGR[document])
    return [{k: plain(v) if k not in ("subject", "statement", "replacedBy") else (record_id(v) if v else None)
             for k, v in r.items()} for r in rows]


def _document(engine: Engine, library: QueryLibrary, target: str, field: str) -> dict:
    """A document by id, label or alias (as trace finds its roots); exit 2 for anything else."""
    from policygraph.query.trace import resolve_target
    found = resolve_target(engine, library, target, field)
    if found.kind != "PolicyDocument":
        raise PolicygraphError.single(f"{field}: {found.id} is a {found.kind}, not a policy document", EXIT_INPUT,
                                      value=target)
    return {"id": found.id, "label": found.label}


def _target_key(r: dict) -> tuple:
    return (r["value"], r["unit"], r["comparator"], r["when"], r["valueText"] if r["value"] is None else None)


def _shown(r: dict) -> str:
    value = r["valueText"] or ("" if r["value"] is None else f"{r['value']}{r['unit'] or ''}")
    return f"{value} ({r['when']})" if r.get("when") else str(value)


def diff(engine: Engine, library: QueryLibrary, a: str, b: str) -> dict:
    """The diff of documents `a` and `b` (ids, labels or aliases), as plain data (JSON-ready). The same
    document named twice (by any names) is refused (exit 2): compared with itself it has no edition diff.
    """
    doc_a, doc_b = (_document(engine, library, a, "the earlier document"),
                    _document(engine, library, b, "the later document"))
    if doc_a["id"] == doc_b["id"]:
        raise PolicygraphError.single(f"the earlier and the later document both name {doc_a['id']}; give two "
                                      "different documents (two editions of a series)", EXIT_INPUT, value=b)
    a, b = doc_a["id"], doc_b["id"]
    rows = {a: _rows(engine, library, a), b: _rows(engine, library, b)}
    kpis = {d: {r["subject"]: r for r in rs if r["kind"] == "kpi"} for d, rs in rows.items()}
    label = {r["subject"]: r["label"] for rs in rows.values() for r in rs}

    def of(doc, kind):
        out: dict[str, list[dict]] = {}
        for r in rows[doc]:
            if r["kind"] == kind:
                out.setdefault(r["subject"], []).append(r)
        return out

    result: dict = {"a": doc_a, "b": doc_b}
    scope = {d: {record_id(r["item"]) for r in engine.run(library.get("trace-document-items"), root=PGR[d])}
             for d in (a, b)}
    result["scope"] = {"a": sorted(scope[a]), "b": sorted(scope[b]), "common": sorted(scope[a] & scope[b])}
    changed = sorted(set(kpis[a]) ^ set(kpis[b]))
    items_of: dict[str, set[str]] = {}
    if changed:
        for r in engine.run(library.get("trace-upward"), values={"node": [PGR[k] for k in changed]}):
            if str(r["relation"]) == "reform_item":
                items_of.setdefault(record_id(r["node"]), set()).add(record_id(r["up"]))
    # A KPI without a reform item is judged as in scope (nothing says otherwise).
    added, not_a = [], []
    for k in sorted(set(kpis[b]) - set(kpis[a])):
        (added if not items_of.get(k) or items_of[k] & scope[a] else not_a).append(k)
    dropped, not_b = [], []
    for k in sorted(set(kpis[a]) - set(kpis[b])):
        (dropped if not items_of.get(k) or items_of[k] & scope[b] else not_b).append(k)
    result["not_covered_by_a"] = [{"kpi": k, "label": label[k], "reform_items": sorted(items_of.get(k, ()))}
                                  for k in not_a]
    result["not_covered_by_b"] = [{"kpi": k, "label": label[k], "reform_items": sorted(items_of.get(k, ()))}
                                  for k in not_b]
    replaced = [{"kpi": k, "label": label[k], "replaced_by": kpis[a][k]["replacedBy"],
                 "replaced_by_label": label.get(kpis[a][k]["replacedBy"], "")}
                for k in dropped if kpis[a][k]["replacedBy"] in kpis[b]]
    gone = {r["kpi"] for r in replaced}
    result["added"] = [{"kpi": k, "label": label[k]} for k in added]
    result["dropped"] = [{"kpi": k, "label": label[k]} for k in dropped if k not in gone]
    result["replaced"] = replaced
    result["renamed"] = [{"kpi": k, "label": label[k], "renamed_from": r["renamedFrom"]}
                         for k, r in sorted({**kpis[a], **kpis[b]}.items()) if r["renamedFrom"]]
    both = sorted(set(kpis[a]) & set(kpis[b]))
    targets = {d: of(d, "target") for d in (a, b)}
    result["targets_changed"] = [
        {"kpi": k, "label": label[k], "a": [_shown(r) for r in targets[a].get(k, [])],
         "b": [_shown(r) for r in targets[b].get(k, [])]}
        for k in both
        if {_target_key(r) for r in targets[a].get(k, [])} != {_target_key(r) for r in targets[b].get(k, [])}]
    observed = {d: of(d, "observation") for d in (a, b)}
    new_values = []
    for k in both:
        seen = {(r["when"], r["value"], r["series"]) for r in observed[a].get(k, [])}
        fresh = [r for r in observed[b].get(k, []) if (r["when"], r["value"], r["series"]) not in seen]
        if fresh:
            latest_a = max(observed[a].get(k, []), key=lambda r: (r["date"] or "", r["statement"]), default=None)
            new_values.append({"kpi": k, "label": label[k], "a_latest": _shown(latest_a) if latest_a else None,
                               "b_new": [_shown(r) for r in sorted(fresh, key=lambda r: (r["date"] or "",
                                                                                         r["statement"]))]})
    result["new_values"] = new_values
    grades = {d: of(d, "grade") for d in (a, b)}
    result["grade_moves"] = [
        {"kpi": k, "label": label[k], "a": sorted({r["grade"] for r in grades[a][k]}),
         "b": sorted({r["grade"] for r in grades[b][k]})}
        for k in sorted(set(grades[a]) & set(grades[b]))
        if {r["grade"] for r in grades[a][k]} != {r["grade"] for r in grades[b][k]}]
    reports = {d: of(d, "report") for d in (a, b)}
    # A status change only where both editions print a status (002 prints none at all).
    printed = {d: any(r["status"] for rs in reports[d].values() for r in rs) for d in (a, b)}
    result["status_changes"] = [
        {"subject": s, "label": label[s], "a": sorted({r["status"] for r in reports[a][s] if r["status"]}),
         "b": sorted({r["status"] for r in reports[b][s] if r["status"]})}
        for s in sorted(set(reports[a]) & set(reports[b]))
        if printed[a] and printed[b]
        and {r["status"] for r in reports[a][s]} != {r["status"] for r in reports[b][s]}]
    result["counts"] = {name: len(result[name]) for name in SECTIONS}
    return result
