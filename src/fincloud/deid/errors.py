"""Errors of the de-identification toolkit.

Each names what is wrong (the column, parameter, key name, file, row) and the rule, in one line
that the CLI prints as is and the web job shows to the data officer. Values from the data are
not put into messages, except where the value is itself the thing to fix (a hierarchy that
does not cover a value names the value, as ARX does).
"""

from __future__ import annotations


class DeidError(Exception):
    """Base class: the run cannot go on; nothing has been written."""


class PolicyError(DeidError):
    """The policy file is malformed or refers to something that does not exist."""


class MissingColumnError(PolicyError):
    def __init__(self, column: str, where: str, available: list[str]) -> None:
        self.column = column
        shown = ", ".join(available[:30]) + (" ..." if len(available) > 30 else "")
        super().__init__(f"{where}: column {column!r} is not in the input (its columns: {shown})")


class InputFileError(DeidError):
    """The input cannot be read (format, encoding, a value a technique cannot take)."""


class EncodingError(InputFileError):
    """The input is not UTF-8; `detected` names the encoding it looks like, if any."""

    def __init__(self, path: str, detected: str | None, offset: int) -> None:
        self.path = path
        self.detected = detected
        if detected:
            hint = (
                f"it looks like {detected} (Traditional Chinese, Big5 family); convert it "
                f"with `iconv -f CP950 -t UTF-8` or pass --encoding cp950"
            )
        else:
            hint = "save it as UTF-8"
        super().__init__(f"{path} is not UTF-8 (first bad byte at offset {offset}): {hint}")


class KeyMaterialError(DeidError):
    """A key the policy needs is missing or unusable."""
