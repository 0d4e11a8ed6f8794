"""`sources.normalize` removes white space with a regular expression: the same characters `str.isspace`
names, on every code point, and the same text as the character-by-character form on real quotes."""
import sys
import unicodedata

from policygraph.records.sources import _SPACE, normalize


def test_the_pattern_removes_exactly_what_isspace_names():
    differ = [hex(c) for c in range(sys.maxunicode + 1) if chr(c).isspace() != bool(_SPACE.fullmatch(chr(c)))]
    assert differ == []


def test_normalize_is_nfkc_without_white_space(built_all):
    corpus = built_all[0]
    quotes = [ev.quote for located in corpus.records.values() for ev in getattr(located.record, "evidence", None) or []]
    assert len(quotes) > 100
    for text in [*quotes, "Ａ　Ｂ\u3000c\u00a0d\te\u2028f", "ｶﾞ ﾊﾟ", "㍻ 28 年"]:
        assert normalize(text) == "".join(ch for ch in unicodedata.normalize("NFKC", text) if not ch.isspace())
