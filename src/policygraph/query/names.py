"""Finding one record by what a user types: its id, a name, or part of a name."""
from __future__ import annotations

import unicodedata
from collections.abc import Callable

from policygraph.errors import EXIT_INPUT, PolicygraphError


def fold(text: str) -> str:
    """The form names are compared in: NFKC, case-folded, without spaces (２０１７ = 2017)."""
    return unicodedata.normalize("NFKC", text).casefold().replace(" ", "")


def pick(text: str, names: dict[str, list[str]], *, one: str, many: str, field: str,
         show: Callable[[str], str]) -> str:
    """The id in `names` (id → its names) that `text` designates.

    Tried in order, the first tier with hits decides: the exact id; a name equal to the text; a name or
    id containing it. Nothing, or several hits in the deciding tier, raise PolicygraphError (exit 2);
    several hits are listed with `show(id)` so the user can give one id. `one`/`many` name the kind of
    record in the messages ("directive or document" / "directives or documents").
    """
    needle = fold(text)
    if not needle:
        raise PolicygraphError.single(f"{field} is empty", EXIT_INPUT, field=field)
    folded = {rid: [fold(n) for n in ns] for rid, ns in names.items()}
    tiers = (
        lambda rid: rid == text.strip(),
        lambda rid: needle in folded[rid],
        lambda rid: any(needle in n for n in folded[rid]) or needle in rid,
    )
    for tier in tiers:
        hits = sorted(rid for rid in names if tier(rid))
        if len(hits) == 1:
            return hits[0]
        if hits:
            listing = "\n".join(f"  {show(rid)}" for rid in hits)
            raise PolicygraphError.single(f"{text!r} matches {len(hits)} {many}; give one id:\n{listing}",
                                          EXIT_INPUT, field=field)
    raise PolicygraphError.single(f"no {one} matches {text!r} (by id, label or alias)", EXIT_INPUT, field=field)
