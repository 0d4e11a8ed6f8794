"""The web app's pages draw attainment in the one palette (views.palette)."""
from __future__ import annotations

import re

from policygraph.views import palette
from policygraph.views.palette import PALETTE


def test_the_overview_bars_and_their_legend_agree(client):
    """The overview's stacked bars are filled from the palette, so "no target" is the colour its legend
    chip shows (it was orange under a grey legend), and every segment's status is also in text."""
    text = client.get("/").text
    bars = re.findall(r'<rect class="pg-bar pg-bar-([a-z_]+)"[^>]* fill="(#[0-9a-f]{6})"', text)
    assert bars and {s: f for s, f in bars} == {s: PALETTE[s].fill for s, _ in bars}
    assert "no_target" in {s for s, _ in bars}
    counts = re.findall(r'<span class="pg-bar-counts">([^<]*)</span>', text)
    assert counts and all(any(w.mark in c for w in PALETTE.values()) for c in counts)
    css = client.get("/static/site.css").text
    assert palette.css() in css  # the chips' colours: the same definition
