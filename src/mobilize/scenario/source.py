"""Reading a scenario file into plain data, remembering the line of every field.

YAML is read with PyYAML's node API so that each value keeps its line; JSON is read with the
standard parser (for exact JSON errors) and indexed through YAML, of which it is a subset.
Dates stay text here: the schema parses them, so that a malformed date is reported as such
instead of crashing the YAML constructor.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mobilize.core.errors import Problem

FieldPath = tuple[str | int, ...]

_YamlLoaderBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"


class _ScenarioLoader(_YamlLoaderBase):  # type: ignore[valid-type,misc]
    """Safe YAML without implicit timestamps (the schema parses dates and reports bad ones)."""


_ScenarioLoader.yaml_implicit_resolvers = {
    first_char: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP_TAG]
    for first_char, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass
class ParsedDocument:
    """The file's data, where each field stands, and what was wrong with the syntax."""

    source: str
    data: Any = None
    lines: dict[FieldPath, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def line_of(self, path: FieldPath) -> int | None:
        """The line of `path`, or of its nearest enclosing field (for a missing field)."""
        for length in range(len(path), -1, -1):
            line = self.lines.get(path[:length])
            if line is not None:
                return line
        return None

    def problem(self, path: FieldPath, message: str) -> Problem:
        return Problem(self.source, self.line_of(path), format_path(path), message)


def format_path(path: FieldPath) -> str:
    """`('units', 3, 'location')` -> `units[3].location`."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def read_document(path: Path) -> ParsedDocument:
    """Read and parse `path`; problems are collected, never raised."""
    document = ParsedDocument(source=str(path))
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        document.problems.append(Problem(str(path), None, "", "no such file"))
        return document
    except IsADirectoryError:
        document.problems.append(Problem(str(path), None, "", "is a directory, not a file"))
        return document
    except PermissionError:
        document.problems.append(Problem(str(path), None, "", "permission denied"))
        return document
    except UnicodeDecodeError as error:
        message = f"not a text file (invalid UTF-8 at byte {error.start})"
        document.problems.append(Problem(str(path), None, "", message))
        return document
    as_json = path.suffix.lower() == ".json"
    return parse_text(text, source=str(path), as_json=as_json)


def parse_text(text: str, source: str, as_json: bool = False) -> ParsedDocument:
    document = ParsedDocument(source=source)
    if not text.strip():
        document.problems.append(Problem(source, None, "", "the file is empty"))
        return document
    if as_json:
        _parse_json(text, document)
    else:
        _parse_yaml(text, document)
    if not document.problems and document.data is None:
        document.problems.append(Problem(source, None, "", "the file holds no data"))
    return document


def _parse_json(text: str, document: ParsedDocument) -> None:
    try:
        document.data = json.loads(text)
    except json.JSONDecodeError as error:
        message = f"not valid JSON: {error.msg} (column {error.colno})"
        document.problems.append(Problem(document.source, error.lineno, "", message))
        return
    try:
        _load_yaml(text, document, construct=False)
    except yaml.YAMLError:
        document.lines = {}  # valid JSON that PyYAML cannot read: no line numbers, still checked


def _parse_yaml(text: str, document: ParsedDocument) -> None:
    try:
        document.data = _load_yaml(text, document, construct=True)
    except yaml.YAMLError as error:
        document.problems.append(_yaml_problem(error, document.source))


def _yaml_problem(error: yaml.YAMLError, source: str) -> Problem:
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    reason = getattr(error, "problem", None) or str(error).splitlines()[0]
    return Problem(source, line, "", f"not valid YAML or JSON: {reason}")


def _load_yaml(text: str, document: ParsedDocument, construct: bool) -> Any:
    """Index the lines of every field; also build the data when `construct` is set."""
    loader = _ScenarioLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _index_node(node, (), document)
        return loader.construct_document(node) if construct else None
    finally:
        loader.dispose()


def _index_node(node: yaml.Node, path: FieldPath, document: ParsedDocument) -> None:
    document.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            line = key_node.start_mark.line + 1
            if key in first_seen:
                message = f"duplicate key {key!r} (first on line {first_seen[key]})"
                document.problems.append(Problem(document.source, line, format_path(path), message))
                continue
            first_seen[key] = line
            document.lines[(*path, key)] = line
            _index_node(value_node, (*path, key), document)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _index_node(item, (*path, index), document)
