"""One exception type for everything a user can get wrong, and the exit codes the CLI uses."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

#: Exit codes, stable and documented in README.md (pySHACL's convention).
EXIT_OK = 0
EXIT_VIOLATIONS = 1  # records, quotes, shapes or gaps found wanting
EXIT_INPUT = 2  # cannot read or parse an input (file, YAML, SPARQL, argument)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as we can."""

    message: str
    file: Path | None = None
    line: int | None = None
    field: str | None = None
    record: str | None = None
    value: object = None

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        parts = []
        if self.record:
            parts.append(f"record {self.record}")
        if self.field:  # a command-line option is named as one, not as a record's field
            parts.append(f"option {self.field}" if self.field.startswith("--") else f"field {self.field}")
        head = f"{where}{', '.join(parts)}: " if parts else where
        text = f"{head}{self.message}"
        if self.value is not None:
            shown = _bounded_repr(self.value)
            if len(shown) > 120:
                shown = shown[:117] + "..."
            text += f" (value: {shown})"
        return text


def _bounded_repr(value) -> str:
    """A repr that never builds more than a few hundred characters, however large the value (a YAML
    alias bomb expands to gigabytes): strings are cut before repr, containers shown a few levels deep.

    >>> _bounded_repr("x" * 10**6)[:5], len(_bounded_repr("x" * 10**6)) < 300
    ("'xxxx", True)
    >>> _bounded_repr([[list(range(100))] * 100] * 100)
    '[[[...], [...], [...], ...], [[...], [...], [...], ...], [[...], [...], [...], ...], ...]'
    """
    import reprlib
    if isinstance(value, str):
        return repr(value[:200])
    bounded = reprlib.Repr()
    bounded.maxlevel, bounded.maxlist, bounded.maxtuple, bounded.maxdict, bounded.maxset = 2, 3, 3, 3, 3
    bounded.maxstring = bounded.maxother = 80
    return bounded.repr(value)


@dataclass
class PolicygraphError(Exception):
    """A user-facing error: one or more problems and the exit code they deserve."""

    problems: list[Problem] = field(default_factory=list)
    exit_code: int = EXIT_INPUT

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    def __reduce__(self):
        # Pickled whole (a query worker sends it to the web app); Exception's default keeps only args.
        return (type(self), (self.problems, self.exit_code))

    @classmethod
    def single(cls, message: str, exit_code: int = EXIT_INPUT, **where) -> PolicygraphError:
        return cls([Problem(message, **where)], exit_code)
