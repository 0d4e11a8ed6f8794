"""YAML loading that remembers where every key stands, so errors can name file and line."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from policygraph.errors import EXIT_INPUT, PolicygraphError


class LineDict(dict):
    """A mapping that knows its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict


class LineList(list):
    line: int = 0
    item_lines: list


# libyaml's parser (C) where PyYAML was built with it: about five times faster on large data files;
# its nodes carry the same marks (line numbers) and the safe constructors are the same.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):
    def construct_object(self, node, deep=False):
        # A node constructed a second time was reached through an alias (*name) or a merge key
        # (<<: *name). Aliases let a few lines expand to gigabytes (nine anchors of nine aliases
        # each), and data files have no need of them: every value is written where it is used.
        if node in self.constructed_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases (*name) and merge keys are not allowed in data files: write each "
                            "value where it is used (this node is anchored here and used again)", node.start_mark)
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, OverflowError) as exc:  # !!int abc, !!float abc, 2017-02-30, huge ints
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read the value {_clip(node)}: {exc}", node.start_mark) from exc


    def construct_document(self, node):
        # The data files' plain nodes (strings, mappings, lists) are made by one walk over the node tree
        # (PyYAML's general machinery costs ~3 s at a million triples); any other tag goes the general way.
        try:
            return self._walk(node, set())
        finally:
            self.constructed_objects = {}
            self.recursive_objects = {}

    def _walk(self, node, seen: set):
        if id(node) in seen or node in self.constructed_objects:
            raise yaml.constructor.ConstructorError(
                None, None, "YAML aliases (*name) and merge keys are not allowed in data files: write each "
                            "value where it is used (this node is anchored here and used again)", node.start_mark)
        tag = node.tag
        if tag == _STR:
            seen.add(id(node))
            return node.value if isinstance(node, yaml.ScalarNode) else self.construct_object(node, deep=True)
        if tag == _MAP and isinstance(node, yaml.MappingNode):
            seen.add(id(node))
            return _construct_mapping(self, node, lambda child: self._walk(child, seen))
        if tag == _SEQ and isinstance(node, yaml.SequenceNode):
            seen.add(id(node))
            return _construct_sequence(self, node, lambda child: self._walk(child, seen))
        value = self.construct_object(node, deep=True)
        seen.add(id(node))
        return value


_STR, _MAP, _SEQ = ("tag:yaml.org,2002:str", yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG)


def _clip(node) -> str:
    value = node.value if isinstance(node, yaml.ScalarNode) else f"<{node.id}>"
    return repr(value[:40] + "…" if len(value) > 40 else value) if isinstance(value, str) else value


# Dates stay strings here: pydantic parses them, so an impossible date such as 2017-02-30
# becomes a located field error instead of a crash inside the YAML library.
_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, construct=None) -> LineDict:
    construct = construct or (lambda child: loader.construct_object(child, deep=True))
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = construct(key_node)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be a plain value (a name), not a list or a mapping", key_node.start_mark)
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        result[key] = construct(value_node)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode, construct=None) -> LineList:
    construct = construct or (lambda child: loader.construct_object(child, deep=True))
    result = LineList([construct(child) for child in node.value])
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(path: Path) -> Any:
    """Parse a YAML file; malformed YAML raises PolicygraphError naming file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicygraphError.single(f"cannot read file: {exc}", EXIT_INPUT, file=path) from exc
    try:
        return yaml.load(text, Loader=_Loader)
    except RecursionError as exc:
        raise PolicygraphError.single("malformed YAML: nested too deeply (lists or mappings inside each other "
                                      "thousands of levels deep)", EXIT_INPUT, file=path) from exc
    except yaml.YAMLError as exc:
        problem_mark, context_mark = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        context = getattr(exc, "context", None)
        opened = context and context.startswith(("while scanning a quoted scalar", "while parsing a flow",
                                                  "while scanning a flow"))
        if opened and context_mark is not None and (problem_mark is None or context_mark.line < problem_mark.line):
            # An unterminated quote or bracket is found where the file ends: name the line it opens
            # on ("while scanning a quoted scalar"), where the fix is, and say where it was noticed.
            noticed = f" (noticed at line {problem_mark.line + 1})" if problem_mark is not None else ""
            raise PolicygraphError.single(f"malformed YAML: {context}: {problem}{noticed}", EXIT_INPUT, file=path,
                                          line=context_mark.line + 1) from exc
        line = problem_mark.line + 1 if problem_mark is not None else None
        raise PolicygraphError.single(f"malformed YAML: {problem}", EXIT_INPUT, file=path, line=line) from exc


def line_of(data: Any, loc: tuple) -> int | None:
    """The line of the value at `loc` (a pydantic error location) inside loaded YAML data.

    Falls back to the nearest enclosing node when the location does not exist (a missing field).
    """
    line = getattr(data, "line", None)
    node = data
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line
