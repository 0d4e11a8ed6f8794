"""Finding one record by what a user types: its id, a name, or part of a name — and, when what was
typed names nothing, saying so with the nearest names (did you mean …?) instead of an empty answer."""
from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Callable, Iterable

from policygraph.errors import EXIT_INPUT, PolicygraphError


def fold(text: str) -> str:
    """The form names are compared in: NFKC, case-folded, without spaces (２０１７ = 2017)."""
    return unicodedata.normalize("NFKC", text).casefold().replace(" ", "")


def did_you_mean(text: str, choices: Iterable[str], n: int = 3) -> str:
    """"; did you mean X?" (or "X or Y") for the choices closest to `text`, or "" when none is close.

    >>> did_you_mean("kpi-stauts", ["kpi-status", "kpi-history", "evidence"])
    '; did you mean kpi-status?'
    """
    close = difflib.get_close_matches(text.strip(), list(choices), n=n, cutoff=0.75)
    return f"; did you mean {' or '.join(close)}?" if close else ""


def pick(text: str, names: dict[str, list[str]], *, one: str, many: str, field: str,
         show: Callable[[str], str]) -> str:
    """The id in `names` (id → its names) that `text` designates.

    Tried in order, the first tier with hits decides: the exact id; a name equal to the text; a name or
    id containing it. Nothing, or several hits in the deciding tier, raise PolicygraphError (exit 2);
    several hits are listed with `show(id)` so the user can give one id. `one`/`many` name the kind of
    record in the messages ("directive or document" / "directives or documents"); `field` says in words
    what was asked for ("the directive or document to trace"), as the user knows it, and starts each message.
    """
    needle = fold(text)
    if not needle:
        raise PolicygraphError.single(f"{field}: nothing given", EXIT_INPUT)
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
            raise PolicygraphError.single(f"{field}: {text!r} matches {len(hits)} {many}; give one id:\n{listing}",
                                          EXIT_INPUT)
    raise PolicygraphError.single(f"{field}: no {one} matches {text!r} (by id, label or alias)"
                                  f"{did_you_mean(text, names)}", EXIT_INPUT)


#: The nodes among a VALUES list that the graph holds (as subject or object).
_PRESENT = ("SELECT DISTINCT ?node WHERE { { ?node ?p ?o } UNION { ?s ?p ?node } }")
#: Every record id, for suggestions (read only when a parameter names nothing).
_IDS = "SELECT ?id WHERE { ?node <https://w3id.org/policygraph/ontology#identifier> ?id }"


def unmatched_parameters(engine, params: dict) -> dict[str, str]:
    """The parameters whose value is an IRI that no triple of the graph holds (a mistyped id gives an
    empty answer, not an error): name → a note in plain words, with the nearest record ids.

    One query for all the IRIs (bound as a VALUES list, never pasted); the ids for suggestions are read
    only when something is missing."""
    from rdflib import URIRef

    from policygraph.graph.namespaces import record_id
    from policygraph.labels import hint, message
    from policygraph.store.engines import TextQuery
    iris = {k: v for k, v in params.items() if isinstance(v, URIRef)}
    if not iris:
        return {}
    found = {r["node"] for r in engine.run(TextQuery("nodes-present", _PRESENT),
                                           values={"node": list(dict.fromkeys(iris.values()))})}
    missing = {k: v for k, v in iris.items() if v not in found}
    if not missing:
        return {}
    ids = [str(r["id"]) for r in engine.run(TextQuery("record-ids", _IDS))]
    notes = {}
    for name, iri in missing.items():
        typed = record_id(iri)
        same_kind = [i for i in ids if i.split("-", 1)[0] == typed.split("-", 1)[0]] or ids
        # in both languages: the str is the English the CLI prints, `.ja` the web page's Japanese
        notes[name] = message("no_match", name=name, typed=typed, **hint(did_you_mean(typed, same_kind)))
    return notes
