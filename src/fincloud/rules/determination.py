"""The result every rule returns: a Determination (DESIGN.md, "Determinations").

A Determination carries its inputs, the outcome, the rule version, the catalog ids it rests on
and a short explanation in Traditional Chinese and English, one reason a line. The web app
stores it as is (`to_record()` is plain JSON) and adds who confirmed it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

# Bump when a rule changes its outcome for some input, so stored results can be re-checked.
RULE_VERSION: Final = "rules-2025.1"

Lang: TypeAlias = Literal["zh-TW", "en"]
LANGS: Final[tuple[Lang, ...]] = ("zh-TW", "en")

JsonScalar: TypeAlias = str | int | float | bool | None
JsonValue: TypeAlias = (
    JsonScalar | tuple["JsonValue", ...] | list["JsonValue"] | Mapping[str, "JsonValue"]
)


@dataclass(frozen=True, slots=True)
class Determination:
    kind: str
    inputs: Mapping[str, JsonValue]
    outcome: JsonValue
    citations: tuple[str, ...]
    explanation_zh: tuple[str, ...]
    explanation_en: tuple[str, ...]
    rule_version: str = RULE_VERSION

    def explanation(self, lang: Lang = "zh-TW") -> tuple[str, ...]:
        return self.explanation_zh if lang == "zh-TW" else self.explanation_en

    def to_record(self) -> dict[str, JsonValue]:
        """The JSON form the web app stores (json.dumps turns the tuples into lists)."""
        return {
            "kind": self.kind,
            "inputs": self.inputs,
            "outcome": self.outcome,
            "rule_version": self.rule_version,
            "citations": self.citations,
            "explanation_zh": self.explanation_zh,
            "explanation_en": self.explanation_en,
        }


def merge_citations(*groups: tuple[str, ...]) -> tuple[str, ...]:
    """Citations of several determinations, first occurrence kept, in order."""
    return tuple(dict.fromkeys(cid for group in groups for cid in group))
