"""The one error type every identifier check raises.

Callers (the register's forms, the de-identification scanner, the CLI) show `message_zh` to
Traditional-Chinese readers first and `message_en` second; `str(error)` carries both.
"""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Why a value was refused; stable codes that forms and tests can match on."""

    EMPTY = "empty"
    LENGTH = "length"
    FORMAT = "format"
    CHECKSUM = "checksum"
    NUMBERING_PLAN = "numbering_plan"


class IdentifierError(ValueError):
    """A value is not a valid identifier of the named kind.

    `kind` is the scanner's TYPE name (`tw_business_number` ...), `reason` a `Reason`.
    The refused value itself is never part of the message: messages end up in logs.
    """

    def __init__(self, kind: str, reason: Reason, message_zh: str, message_en: str) -> None:
        self.kind = kind
        self.reason = reason
        self.message_zh = message_zh
        self.message_en = message_en
        super().__init__(f"{message_zh} / {message_en}")

    def message(self, lang: str = "zh-TW") -> str:
        return self.message_en if lang == "en" else self.message_zh
