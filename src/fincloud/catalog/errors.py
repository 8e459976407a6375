"""Exceptions of the catalog. Each one's message is a single line the CLI can print as is."""

from __future__ import annotations


class CatalogError(Exception):
    """Base class: anything the catalog refuses."""


class UnknownEditionError(CatalogError, LookupError):
    def __init__(self, edition: str, known: tuple[str, ...]) -> None:
        self.edition = edition
        self.known = known
        shown = ", ".join(known) or "none"
        super().__init__(f"unknown catalog edition {edition!r} (known: {shown})")


class UnknownNodeError(CatalogError, KeyError):
    def __init__(self, node_id: str, edition: str) -> None:
        self.node_id = node_id
        self.edition = edition
        super().__init__(node_id)

    def __str__(self) -> str:
        return f"unknown catalog id {self.node_id!r} in edition {self.edition}"


class CatalogFormatError(CatalogError, ValueError):
    """A malformed data file: names the file, the line and the field."""

    def __init__(self, file: str, line: int, field: str | None, message: str) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.message = message
        where = f"{file}:{line}" if line else file
        what = f"field '{field}': " if field else ""
        super().__init__(f"{where}: {what}{message}")
