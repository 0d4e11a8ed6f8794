"""Trace: from any node — a directive, a document, a reform item, a KPI or a body — to what it
reaches and what reaches it, with evidence.

- A directive or a document: down to every KPI it reaches (directives → reform items → steps and
  progress → KPIs → values), with each directive's own progress reports (a finding's responses, with
  their typed dates). A document also lists the reform items it reports that none of its directives
  carries (`reform_items`: 000 reports ⑪–⑭ and their KPIs although it states no directive).
- A reform item: the directives carrying it, and the item down to its KPIs (`reform_items`), with
  what mandates and reports it (`upward`).
- A KPI: upward — the directives, reform items and documents that mandate it and the documents that
  report it (`upward`) — and the KPI itself with every value (`kpis`).
- A body: everything it (or a sub-unit) is responsible for (`responsible_for`), the KPIs in full.

All graph access goes through the named queries in queries/ (trace-roots, trace-links,
trace-empty-boxes, trace-items, trace-item-kpis, trace-step-reports, trace-reports, trace-kpi,
trace-directive-reports, trace-document-items, trace-upward, trace-responsible-for, trace-kpi-info,
responsible,
evidence), run on an engine (the embedded store by default): a fixed number of queries whatever the
number of directives, items, steps and KPIs reached — the nodes of one level go to the next query as
a VALUES list. This module resolves the target and assembles rows.
"""
from __future__ import annotations

from dataclasses import dataclass

from rdflib import Literal, URIRef

from policygraph.graph.namespaces import PG, PGR
from policygraph.graph.terms import plain as _py
from policygraph.query.names import pick
from policygraph.query.sparql import RECORD_ID, QueryLibrary
from policygraph.store.engines import Engine


@dataclass(frozen=True)
class Candidate:
    node: URIRef
    id: str
    kind: str  # "Directive", "PolicyDocument", "ReformItem", "KPI" or "Body"
    label: str
    label_is_lang: bool = True  # a language-tagged label, not a bare number such as 【指針１】


def resolve_target(engine: Engine, queries: QueryLibrary, target: str,
                   field: str = "the node to trace from") -> Candidate:
    """A node a trace can start from (a directive, document, reform item, KPI or body) by id, exact
    label, or label substring (NFKC, case-insensitive).

    Raises PolicygraphError (exit 2) when nothing or more than one thing matches, listing candidates.
    """
    rows = []
    text = target.strip()
    if RECORD_ID.match(text):
        # An id is the first thing `pick` tries: ask for that node alone (a million-triple graph
        # has ~36k root labels to list), and list them all only when it is not one.
        rows = engine.run(queries.get("trace-roots"), values={"node": [PGR[text]]})
    if not rows and text:
        # Then a label, alias or number written exactly as the graph writes it (Japanese, English or
        # untagged): the nodes that carry it, with all their labels (1M: 2.1 s less than listing them all).
        # A text that is no label as written — another width or case, a part of one — lists them all.
        found = engine.run(queries.get("trace-roots"),
                           values={"label": [Literal(text, lang="ja"), Literal(text, lang="en"), Literal(text)]})
        if found:
            rows = engine.run(queries.get("trace-roots"), values={"node": sorted({r["node"] for r in found})})
    if not rows:
        rows = engine.run(queries.get("trace-roots"))
    by_node: dict[URIRef, Candidate] = {}
    languages: dict[URIRef, str | None] = {}
    labels: dict[URIRef, list[str]] = {}
    for r in rows:
        node = r["node"]
        labels.setdefault(node, []).append(str(r["label"]))
        # The display label: a Japanese rdfs:label/altLabel rather than an English one or a bare number,
        # the first by code point among equals. Chosen by rank, not by row order: engines order
        # literals of different languages differently (Virtuoso, Oxigraph).
        candidate = Candidate(node, str(r["id"]), str(r["class"]).rsplit("#", 1)[-1], str(r["label"]),
                              r["label"].language is not None)
        if node not in by_node or _label_rank(candidate, r["label"].language) < _label_rank(
                by_node[node], languages[node]):
            by_node[node], languages[node] = candidate, r["label"].language
    by_id = {c.id: c for c in by_node.values()}
    chosen = pick(target, {c.id: labels[c.node] for c in by_node.values()}, one="node to trace from",
                  many="nodes to trace from (directives, documents, reform items, KPIs, bodies)", field=field,
                  show=lambda rid: f"{rid:45} {by_id[rid].kind:15} {by_id[rid].label}")
    return by_id[chosen]


def _label_rank(candidate: Candidate, language: str | None) -> tuple:
    """Japanese first, then another language, then an untagged label (a number such as 【指針１】③)."""
    return (0 if language == "ja" else 1 if candidate.label_is_lang else 2, candidate.label)


def _unique(nodes) -> list[URIRef]:
    """Nodes in first-seen order, without None and repeats."""
    return list(dict.fromkeys(n for n in nodes if n is not None))


class Tracer:
    """Assembles one trace from a fixed number of batched queries."""

    def __init__(self, engine: Engine, queries: QueryLibrary):
        self.engine = engine
        self.queries = queries

    def batch(self, name: str, var: str, nodes: list[URIRef]) -> dict[URIRef, list[dict]]:
        """Rows of query `name` for every node at once (a VALUES list of ?var), grouped by node."""
        grouped: dict[URIRef, list[dict]] = {}
        if nodes:
            for r in self.engine.run(self.queries.get(name), values={var: nodes}):
                grouped.setdefault(r[var], []).append(r)
        return grouped

    def trace(self, root: Candidate) -> dict:
        # Each query is plain patterns and one-pattern OPTIONALs over a bound root or VALUES list:
        # Oxigraph evaluates a larger OPTIONAL part over the whole graph first (`trace` and
        # `trace-steps` join the same rows in one query each; at a million triples they take ~1 s).
        kind = root.kind
        rows, boxes, extra_items, upward, responsible = [], [], [], {}, []
        if kind in ("Directive", "PolicyDocument"):
            rows = self.engine.run(self.queries.get("trace-links"), root=root.node)
            boxes = self.engine.run(self.queries.get("trace-empty-boxes"), root=root.node)
        if kind == "PolicyDocument":
            carried = {r["item"] for r in rows}
            extra_items = _unique(r["item"] for r in self.engine.run(self.queries.get("trace-document-items"),
                                                                      root=root.node) if r["item"] not in carried)
        if kind == "ReformItem":
            extra_items = [root.node]
        if kind in ("ReformItem", "KPI"):
            upward = self.batch("trace-upward", "node", [root.node])
            if kind == "ReformItem":  # the directives carrying the item, each shown with this item only
                carriers = [r["up"] for r in upward.get(root.node, []) if str(r["relation"]) == "directive"]
                rows = [r for r in self.engine.run(self.queries.get("trace-links"), values={"root": carriers})
                        if r["item"] == root.node] if carriers else []
        if kind == "Body":
            responsible = self.engine.run(self.queries.get("trace-responsible-for"), body=root.node)
        items = _unique([*(r["item"] for r in rows), *extra_items])
        item_info = {item: rs[0] for item, rs in self.batch("trace-items", "item", items).items()}
        item_kpis = self.batch("trace-item-kpis", "item", items)
        kpis = _unique(r["kpi"] for item in items for r in item_kpis.get(item, []))
        own_kpis = []
        if kind == "KPI":
            own_kpis = [root.node]
        elif kind == "Body":
            own_kpis = _unique(r["node"] for r in responsible if str(r["class"]).endswith("#KPI"))
        kpi_rows = {}
        if own_kpis:
            kpi_rows = {r["kpi"]: r for r in self.engine.run(self.queries.get("trace-kpi-info"),
                                                             values={"kpi": own_kpis})}
        kpis = _unique([*kpis, *own_kpis])
        steps = self.batch("trace-step-reports", "item", items)
        directive_ids = _unique(r["directive"] for r in rows)
        directive_reports = self.batch("trace-directive-reports", "directive", directive_ids)
        reports = _unique([*(r["report"] for rs in steps.values() for r in rs),
                           *(r["report"] for rs in directive_reports.values() for r in rs)])
        self._reports = {report: rs[0] for report, rs in self.batch("trace-reports", "report", reports).items()}
        values = self.batch("trace-kpi", "kpi", kpis)
        bodies = self.batch("responsible", "node", _unique([*items, *kpis, *reports]))
        self._bodies = {n: [{"id": _py(r["body"]), "label": _py(r["bodyJa"]), "label_en": _py(r["bodyEn"]),
                             "part_of": _py(r["parentJa"])} for r in rs] for n, rs in bodies.items()}
        evidence = self.batch("evidence", "node", _unique([
            *(r["directive"] for r in rows), *items, *kpis, *reports,
            *(r["step"] for rs in steps.values() for r in rs),
            *(r["statement"] for rs in values.values() for r in rs),
            *(r["placeholder"] for r in boxes)]))
        self._evidence = {n: [{"source": _py(r["source"]), "file": _py(r["file"]), "line": _py(r["line"]),
                               "locator": _py(r["locator"]), "quote": _py(r["quote"]),
                               **({"reading": _py(r["reading"])} if r["reading"] is not None else {})}
                              for r in rs] for n, rs in evidence.items()}
        steps_of = {item: self._steps(rs) for item, rs in steps.items()}
        kpi_of: dict[URIRef, dict] = {}
        item_of: dict[URIRef, dict] = {}

        def item_dict(item: URIRef) -> dict:
            if item not in item_of:
                info = item_info[item]
                item_of[item] = {"id": _py(item), "number": _py(info["itemNumber"]), "label": _py(info["itemJa"]),
                                 "label_en": _py(info["itemEn"]), "bodies": self.bodies(item),
                                 "evidence": self.evidence(item), "steps": steps_of.get(item, []), "kpis": []}
                for k in item_kpis.get(item, []):
                    if k["kpi"] not in kpi_of:
                        kpi_of[k["kpi"]] = self.kpi(k["kpi"], k, values.get(k["kpi"], []))
                    item_of[item]["kpis"].append(kpi_of[k["kpi"]])
            return item_of[item]

        directives: dict[URIRef, dict] = {}
        carried: set[tuple] = set()
        for r in rows:
            d = directives.setdefault(r["directive"], {
                "id": _py(r["directive"]), "label": _py(r["directiveJa"]), "label_en": _py(r["directiveEn"]),
                "kind": _py(r["directiveKind"]), "number": _py(r["directiveNumber"]),
                "part_of": _py(r["parent"]), "empty_boxes": [], "document": _py(r["document"]),
                "document_label": _py(r["documentJa"]), "evidence": self.evidence(r["directive"]),
                "progress": self._progress(directive_reports.get(r["directive"], [])),
                "reform_items": []})
            if r["item"] is None or r["item"] not in item_info:  # an item without labels is not shown
                continue
            key = (r["directive"], r["item"])
            if key in carried:
                continue
            carried.add(key)
            d["reform_items"].append(item_dict(r["item"]))
        for r in boxes:
            if r["directive"] in directives:
                directives[r["directive"]]["empty_boxes"].append(
                    {"id": _py(r["placeholder"]), "box": _py(r["box"]), "label": _py(r["boxJa"]),
                     "evidence": self.evidence(r["placeholder"])})
        out = {"root": {"id": root.id, "type": root.kind, "label": root.label},
               "directives": list(directives.values())}
        if kind in ("PolicyDocument", "ReformItem"):
            out["reform_items"] = [item_dict(i) for i in extra_items if i in item_info]
        if kind in ("ReformItem", "KPI"):
            out["upward"] = {relation: [{"id": _py(r["up"]), "label": _py(r["upJa"])}
                                        for r in upward.get(root.node, []) if str(r["relation"]) == relation]
                             for relation in ("directive", "reform_item", "mandated_in", "reported_in")}
        if own_kpis:
            out["kpis"] = [kpi_of.get(k) or self.kpi(k, kpi_rows[k], values.get(k, []))
                           for k in own_kpis if k in kpi_rows]
        if kind == "Body":
            out["responsible_for"] = {
                name: [{"id": _py(r["node"]), "label": _py(r["nodeJa"])} for r in responsible
                       if str(r["class"]).endswith(f"#{cls}")]
                for name, cls in (("reform_items", "ReformItem"), ("kpis", "KPI"), ("steps", "ScheduleStep"),
                                  ("progress_reports", "ProgressReport"), ("measures", "Measure"))}
        return out

    def _progress(self, rows: list[dict]) -> list[dict]:
        """A directive's own progress reports (a finding's responses), with their typed dates."""
        out = []
        for r in rows:
            report = self._reports.get(r["report"])
            if report is not None:
                out.append({"id": _py(r["report"]), "as_of": _py(report["asOf"]), "status": _py(report["status"]),
                            "text": _py(report["reportText"]), "next_steps": _py(report["nextSteps"]),
                            "document": _py(report["reportDocument"]),
                            "document_label": _py(report["reportDocumentJa"]), "bodies": self.bodies(r["report"]),
                            "evidence": self.evidence(r["report"])})
        return out

    def evidence(self, node: URIRef) -> list[dict]:
        return self._evidence.get(node, [])

    def bodies(self, node: URIRef) -> list[dict]:
        return self._bodies.get(node, [])

    def _steps(self, rows: list[dict]) -> list[dict]:
        steps: dict[URIRef, dict] = {}
        for r in rows:
            step = steps.setdefault(r["step"], {
                "id": _py(r["step"]), "label": _py(r["stepJa"]), "period": _py(r["period"]),
                "evidence": self.evidence(r["step"]), "progress": []})
            report = self._reports.get(r["report"]) if r["report"] is not None else None
            if report is not None:  # a report without text or document is not shown
                step["progress"].append({
                    "id": _py(r["report"]), "status": _py(report["status"]), "text": _py(report["reportText"]),
                    "next_steps": _py(report["nextSteps"]), "document": _py(report["reportDocument"]),
                    "document_label": _py(report["reportDocumentJa"]), "bodies": self.bodies(r["report"]),
                    "evidence": self.evidence(r["report"])})
        return list(steps.values())

    def kpi(self, kpi: URIRef, row: dict, statements: list[dict]) -> dict:
        out = {"id": _py(kpi), "label": _py(row["kpiJa"]), "label_en": _py(row["kpiEn"]),
               "tier": int(row["tier"]) if row["tier"] is not None else None,
               "attainment": {"status": _py(row["attainment"]), "as_of": _py(row["attainmentAsOf"]),
                              "target": _py(row["attainmentBasis"])},
               "bodies": self.bodies(kpi), "evidence": self.evidence(kpi),
               "baselines": [], "targets": [], "observations": [], "projections": [], "assessments": []}
        for r in statements:
            fact = {"id": _py(r["statement"]), "document": _py(r["document"]),
                    "document_label": _py(r["documentJa"])}
            for key in ("value", "unit", "valueText", "date", "dateText", "fiscalYear", "deadline",
                        "deadlineText", "comparator", "factor", "status", "gradeLabel", "level"):
                if r[key] is not None:
                    fact[_SNAKE.get(key, key)] = _py(r[key])
            fact["evidence"] = self.evidence(r["statement"])
            out[f"{_py(r['kind'])}s"].append(fact)
        graded = sorted(out["assessments"], key=lambda a: a.get("date") or "")
        out["latest_grade"] = graded[-1] if graded else None
        return out


_SNAKE = {"valueText": "value_text", "dateText": "date_text", "fiscalYear": "fiscal_year",
          "deadlineText": "deadline_text", "gradeLabel": "grade", "factor": "relative_factor"}


def trace(engine: Engine, queries: QueryLibrary, target: str) -> dict:
    """Trace TARGET (id or label of a directive, document, reform item, KPI or body) on an engine. Example:

    >>> trace(engine, QueryLibrary(project.query_dirs), "未来投資戦略2017")["directives"][0]["reform_items"][0]["number"]
    '⑮'
    """
    root = resolve_target(engine, queries, target)
    return Tracer(engine, queries).trace(root)


def kpis_reached(result: dict) -> dict[str, dict]:
    """Every distinct KPI in a trace result, by id (under its directives, its own reform items, and the
    KPIs of a KPI or body trace)."""
    items = [i for d in result["directives"] for i in d["reform_items"]] + result.get("reform_items", [])
    found = {k["id"]: k for i in items for k in i["kpis"]}
    found.update({k["id"]: k for k in result.get("kpis", [])})
    return found


def directive_tree(result: dict) -> tuple[list[dict], dict[str, list[dict]]]:
    """A trace result's directives as a tree: (the top ones — no parent in the result — and each
    directive's parts by its id), in the result's order. The terminal trace and the trace page both walk it."""
    listed = {d["id"] for d in result["directives"]}
    parts: dict[str, list[dict]] = {}
    for d in result["directives"]:
        if d.get("part_of") in listed:
            parts.setdefault(d["part_of"], []).append(d)
    return [d for d in result["directives"] if d.get("part_of") not in listed], parts


__all__ = ["PG", "Candidate", "directive_tree", "kpis_reached", "resolve_target", "trace"]
