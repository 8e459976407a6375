"""Reading YAML with line numbers: the loaders validate the composed node tree, so that every
error can name the file, the line and the field."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from fincloud.catalog.errors import CatalogFormatError

try:  # libyaml makes the cold load several times faster; fall back to pure Python.
    _Loader: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


class YamlDoc:
    """One parsed file: its root node plus a constructor for the values of sub-nodes."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self._loader = _Loader(text)
        try:
            self.root: yaml.Node | None = self._loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 0
            problem = exc.problem or exc.context or "invalid YAML"
            raise CatalogFormatError(name, line, None, f"invalid YAML: {problem}") from None
        except yaml.YAMLError as exc:
            raise CatalogFormatError(name, 0, None, f"invalid YAML: {exc}") from None

    def close(self) -> None:
        self._loader.dispose()

    def error(self, node: yaml.Node | None, field: str | None, message: str) -> CatalogFormatError:
        line = node.start_mark.line + 1 if node is not None else 0
        return CatalogFormatError(self.name, line, field, message)

    def value(self, node: yaml.Node) -> Any:
        return self._loader.construct_object(node, deep=True)

    def mapping(self, node: yaml.Node, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        """The pairs of a mapping node by key (key node, value node); refuses duplicate keys,
        which PyYAML would otherwise silently resolve to the last one."""
        if not isinstance(node, yaml.MappingNode):
            raise self.error(node, None, f"{what} must be a mapping")
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.error(key_node, None, f"{what}: keys must be plain names")
            key = str(key_node.value)
            if key in out:
                raise self.error(key_node, key, "duplicate key")
            out[key] = (key_node, value_node)
        return out

    def sequence(self, node: yaml.Node, field: str) -> Iterator[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.error(node, field, "must be a list")
        yield from node.value

    def string(self, node: yaml.Node, field: str, *, allow_null: bool = False) -> str | None:
        value = self.value(node)
        if value is None and allow_null:
            return None
        if not isinstance(value, str):
            raise self.error(node, field, f"must be a string, not {type(value).__name__}")
        text = value.strip()
        if not text:
            raise self.error(node, field, "must not be empty")
        return text

    def strings(self, node: yaml.Node, field: str) -> tuple[tuple[str, yaml.Node], ...]:
        out: list[tuple[str, yaml.Node]] = []
        for item in self.sequence(node, field):
            text = self.string(item, field)
            assert text is not None  # noqa: S101 - allow_null is False
            out.append((text, item))
        return tuple(out)
