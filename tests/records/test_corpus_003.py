"""Source 003, the draft ten guidelines: every guideline, its expected actions, its current state and
issues (＜現状と課題＞), its two empty （Ｐ） boxes, and the final 2014 version that revises the draft."""
import re
import unicodedata

import pytest
from rdflib import RDF, Literal

from policygraph.graph.convert import PG, PGR
from policygraph.records.sources import normalize

DRAFT = PGR["doc-ten-guidelines-draft"]
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
#: Expected actions ①… per guideline, counted by hand in data/sources/003 (＜…期待される指針実行のための取組み＞).
ACTIONS_IN_SOURCE = {1: 4, 2: 5, 3: 4, 4: 4, 5: 4, 6: 4, 7: 5, 8: 3, 9: 3, 10: 4}


def number(n: int) -> str:
    return f"【指針{str(n).translate(FULLWIDTH)}】"


def _directives_of_draft(graph):
    return set(graph.objects(DRAFT, PG.hasDirective))


@pytest.fixture(scope="module")
def guidelines(graph) -> dict[int, object]:
    """Guideline number (1–10) → node, for the draft's top-level guideline directives."""
    found = {}
    for d in _directives_of_draft(graph):
        if graph.value(d, PG.partOf) is None:
            printed = str(graph.value(d, PG.number))
            m = re.fullmatch(r"【指針([０-９]+)】", printed)
            assert m, f"{d} has a number not of the form 【指針N】: {printed!r}"
            n = int(unicodedata.normalize("NFKC", m.group(1)))
            assert n not in found, f"two guidelines numbered {printed}"
            found[n] = d
    return found


def _evidence(graph, node) -> list[tuple[str, str]]:
    """(locator, quote) of a node's evidence, in the order the record lists it (…/evidence/1, /2, …)."""
    items = sorted(graph.objects(node, PG.hasEvidence), key=lambda e: int(str(e).rsplit("/", 1)[-1]))
    return [(str(graph.value(e, PG.locator)), str(graph.value(e, PG.quote))) for e in items]


def test_exactly_ten_guidelines_numbered_1_to_10(graph, guidelines):
    assert sorted(guidelines) == list(range(1, 11))
    for n, d in guidelines.items():
        assert str(graph.value(d, PG.number)) == number(n)
        assert (d, PG.directiveKind, PG.Guideline) in graph
        assert graph.value(d, PG.statedIn) == DRAFT
        assert graph.value(d, PG.text) is not None, f"{number(n)} has no box text"
        heading = [q for loc, q in _evidence(graph, d) if loc == f"{number(n)} 見出し"]
        assert heading and normalize(heading[0]).startswith(normalize(number(n))), (n, heading)


def test_action_counts_per_guideline_match_the_source(graph, guidelines):
    by_guideline = {n: [a for a in graph.subjects(PG.partOf, d)] for n, d in guidelines.items()}
    assert {n: len(actions) for n, actions in by_guideline.items()} == ACTIONS_IN_SOURCE
    for n, actions in by_guideline.items():
        numbers = sorted(str(graph.value(a, PG.number)) for a in actions)
        assert numbers == [number(n) + CIRCLED[i] for i in range(ACTIONS_IN_SOURCE[n])]
        for a in actions:
            assert (a, PG.directiveKind, PG.Guideline) in graph
            assert graph.value(a, PG.statedIn) == DRAFT
            assert graph.value(a, PG.text) is not None


def test_action_counts_agree_with_the_circled_numbers_printed_in_the_source(project):
    """Independent recount: the circled numbers that open an action heading (a circled number, then a
    space; body lines such as 「②③のオープン化…」 have none), between each guideline's
    ＜…期待される指針実行のための取組み＞ and its ＜総務省における…施策＞ box."""
    text = (project.sources_dir / "003_615202ecd8516396.txt").read_text()
    blocks = re.findall(r"期待される指針実行のための取組み＞(.*?)＜総務省における", text, flags=re.DOTALL)
    assert len(blocks) == 10
    counted = {}
    for n, block in enumerate(blocks, start=1):
        openers = re.findall(rf"^[ \u3000]*([{CIRCLED}])[ \u3000]+\S", block, flags=re.MULTILINE)
        counted[n] = len(openers)
        assert openers == list(CIRCLED[:len(openers)]), (n, openers)
    assert counted == ACTIONS_IN_SOURCE


def test_every_guideline_has_exactly_two_empty_boxes(graph, guidelines):
    for n, d in guidelines.items():
        boxes = {}
        for ph in graph.subjects(PG.placeholderFor, d):
            assert (ph, RDF.type, PG.EmptyPlaceholder) in graph
            assert graph.value(ph, PG.reportedIn) == DRAFT
            box = graph.value(ph, PG.box)
            assert box not in boxes, f"{number(n)} has two {box} placeholders"
            boxes[box] = ph
        assert set(boxes) == {PG.MeasuresBox, PG.KPIExamplesBox}, number(n)
        heading = {PG.MeasuresBox: "＜総務省における地方公共団体の取組みを促進する施策＞",
                   PG.KPIExamplesBox: "＜考えられるＫＰＩの例＞"}
        for box, ph in boxes.items():
            quotes = [normalize(q) for _, q in _evidence(graph, ph)]
            assert any(normalize(heading[box] + "（Ｐ）") in q for q in quotes), (number(n), box, quotes)


def test_gap_query_lists_all_ten_guidelines_with_an_empty_kpi_box(graph):
    rows = graph.query("""
        PREFIX pg: <https://w3id.org/policygraph/ontology#>
        SELECT DISTINCT ?number WHERE {
          ?ph pg:placeholderFor ?g ; pg:box pg:KPIExamplesBox .
          ?g pg:number ?number .
          FILTER NOT EXISTS { ?g pg:partOf ?parent }
        }""")
    assert sorted(str(r.number) for r in rows) == sorted(number(n) for n in range(1, 11))


def test_current_state_and_issues_of_each_guideline_is_quoted_in_full(graph, guidelines, project):
    """Each ＜現状と課題＞ section (it precedes its guideline in the extracted text) is covered,
    in order, by the evidence of the guideline it belongs to."""
    text = (project.sources_dir / "003_615202ecd8516396.txt").read_text()
    sections = re.findall(r"＜現状と課題＞(.*?)＜地方公共団体", text, flags=re.DOTALL)
    assert len(sections) == 10
    for n, section in enumerate(sections, start=1):
        quotes = [q for loc, q in _evidence(graph, guidelines[n]) if loc == f"{number(n)} ＜現状と課題＞"]
        assert quotes, f"{number(n)} has no ＜現状と課題＞ evidence"
        assert normalize("".join(quotes)) == normalize(section), number(n)


def test_a_known_current_state_sentence_is_on_its_guideline(graph, guidelines):
    quotes = {normalize(q) for _, q in _evidence(graph, guidelines[3])}
    assert normalize("自治体クラウドの導入について支援等を行っているのは５割程度に留まる。") in "".join(quotes)


def test_guideline_3_is_addressed_to_prefectures(graph, guidelines):
    locators = {loc for loc, _ in _evidence(graph, guidelines[3])}
    assert "【指針３】 ＜地方公共団体（都道府県）に期待される指針実行のための取組み＞" in locators
    for a in graph.subjects(PG.partOf, guidelines[3]):
        assert all("（都道府県）" in loc for loc, _ in _evidence(graph, a))


def test_guidelines_are_carried_by_no_reform_item(graph):
    for d in _directives_of_draft(graph):
        assert graph.value(d, PG.isCarriedBy) is None, d


def test_final_2014_version_revises_the_draft(graph):
    from rdflib.namespace import (  # imported here: pytest probes module globals, which these reject
        DCTERMS,
        PROV,
        XSD,
    )
    final = PGR["doc-ten-guidelines-2014"]
    assert (final, RDF.type, PG.PolicyDocument) in graph
    assert graph.value(final, PG.revisionOf) == DRAFT
    assert graph.value(final, PG.documentKind) == PG.GuidelineDocument
    assert Literal("2014-03-24", datatype=XSD.date) in set(graph.objects(final, DCTERMS.issued))
    sources = {graph.value(e, PROV.wasQuotedFrom)
               for e in graph.objects(final, PG.hasEvidence)}
    assert sources == {PGR["src-004"]}
