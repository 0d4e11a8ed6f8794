"""`sources.OffsetMap` maps a normalised index back to its original offset exactly as the list of
`normalize_with_offsets` does (the quote check's line numbers and the pages' highlights rest on it)."""
from hypothesis import given, settings
from hypothesis import strategies as st

from policygraph.records.sources import SourceIndex, normalize_with_offset_map, normalize_with_offsets

# White space of every kind, characters NFKC widens (㍻ → 平成, ﷺ → 18 characters) or drops, full-width forms.
SPECIAL = " \t\n\r\u3000\u00a0\u2028㍻㌔ﷺＡｂ①½ﬁ\u0301\u200b"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.one_of(st.sampled_from(SPECIAL), st.characters()), max_size=60), st.booleans())
def test_the_map_gives_the_offsets_of_the_list(text, fold):
    norm, offsets = normalize_with_offsets(text, fold)
    same, where = normalize_with_offset_map(text, fold)
    assert same == norm
    assert [where[i] for i in range(len(norm))] == offsets


def test_quotes_of_the_real_sources_are_placed_as_before(project):
    """Every line of every source, found again: the line and offsets from the map equal the list's."""
    for path in sorted(project.sources_dir.glob("*.txt")):
        index = SourceIndex(path)
        norm, offsets = normalize_with_offsets(index.text)
        assert [index._normalized[1][i] for i in range(len(norm))] == offsets, path.name
        lines = [line for line in index.text.splitlines() if len(line.strip()) > 12][:40]
        assert lines, path.name
        for line in lines:
            hit = index.find(line)
            assert hit is not None and index.text[hit.start:hit.end].strip() == line.strip(), (path.name, line)
