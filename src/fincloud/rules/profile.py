"""The input of `evaluate`: a service profile, validated at the edge.

Validation is hand-written rather than a pydantic model: every error must name the field and the
rule in both languages (the CLI prints one line), and parsing runs for every line of a batch of
100,000 profiles, so it stays a few dictionary lookups.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias, TypeVar

from fincloud.rules.countries import ISO_3166_ALPHA2
from fincloud.rules.determination import JsonValue, Lang

InstitutionType: TypeAlias = Literal[
    "domestic_bank",
    "foreign_bank_branch",
    "credit_cooperative",
    "bills_finance_company",
    "credit_card_institution",
    "other",
]
Exclusion: TypeAlias = Literal[
    "none",
    "market_information_platform",
    "no_customer_data_environment",
    "non_identifying_marketing",
    "video_conferencing",
    "internal_collaboration",
]
ServiceModel: TypeAlias = Literal["IaaS", "PaaS", "SaaS"]
Level: TypeAlias = Literal["low", "medium", "high"]

INSTITUTION_TYPES: Final[tuple[InstitutionType, ...]] = (
    "domestic_bank",
    "foreign_bank_branch",
    "credit_cooperative",
    "bills_finance_company",
    "credit_card_institution",
    "other",
)
EXCLUSIONS: Final[tuple[Exclusion, ...]] = (
    "none",
    "market_information_platform",
    "no_customer_data_environment",
    "non_identifying_marketing",
    "video_conferencing",
    "internal_collaboration",
)
SERVICE_MODELS: Final[tuple[ServiceModel, ...]] = ("IaaS", "PaaS", "SaaS")
LEVELS: Final[tuple[Level, ...]] = ("low", "medium", "high")
FACTOR_KEYS: Final = ("a", "b", "c", "d", "e", "f", "g")

REQUIRED_KEYS: Final = (
    "institution_type",
    "license_business_or_customer_data",
    "csp_processes_or_stores_data",
    "service_model",
    "locations",
    "material",
)
OPTIONAL_KEYS: Final = ("exclusion", "consumer_finance_system", "materiality_factors")
ALLOWED_KEYS: Final = frozenset(REQUIRED_KEYS + OPTIONAL_KEYS)
_SORTED_ALLOWED: Final = ", ".join(REQUIRED_KEYS + OPTIONAL_KEYS)


_PLAIN_NAME: Final = re.compile(r"[A-Za-z0-9_]+")


def _key_name(key: object) -> str:
    """A key as it can appear in a one-line message: plain names as is, others quoted."""
    text = str(key)
    return text if _PLAIN_NAME.fullmatch(text) else repr(text)


class ProfileError(ValueError):
    """A profile breaks a rule; `field` names where (e.g. "locations[1]")."""

    def __init__(self, field: str, rule_en: str, rule_zh: str) -> None:
        super().__init__(f"{field}: {rule_en}")
        self.field = field
        self.rule_en = rule_en
        self.rule_zh = rule_zh

    def message(self, lang: Lang = "zh-TW") -> str:
        if lang == "zh-TW":
            return f"{self.field}：{self.rule_zh}"
        return f"{self.field}: {self.rule_en}"


@dataclass(frozen=True, slots=True)
class MaterialityFactor:
    level: Level
    note: str


@dataclass(frozen=True, slots=True)
class Profile:
    institution_type: InstitutionType
    license_business_or_customer_data: bool
    csp_processes_or_stores_data: bool
    service_model: ServiceModel
    locations: tuple[str, ...]
    material: bool
    exclusion: Exclusion = "none"
    consumer_finance_system: bool = False
    # The seven Ch 2.2 factors in order (a)-(g), or None when the profile gives none.
    materiality_factors: tuple[MaterialityFactor, ...] | None = None

    def to_json(self) -> dict[str, JsonValue]:
        """The profile as the JSON object it was read from (defaults filled in)."""
        out: dict[str, JsonValue] = {
            "institution_type": self.institution_type,
            "license_business_or_customer_data": self.license_business_or_customer_data,
            "csp_processes_or_stores_data": self.csp_processes_or_stores_data,
            "exclusion": self.exclusion,
            "service_model": self.service_model,
            "locations": list(self.locations),
            "consumer_finance_system": self.consumer_finance_system,
            "material": self.material,
        }
        if self.materiality_factors is not None:
            out["materiality_factors"] = {
                key: {"level": f.level, "note": f.note}
                for key, f in zip(FACTOR_KEYS, self.materiality_factors, strict=True)
            }
        return out


_TYPE_NAMES: Final[tuple[tuple[type | tuple[type, ...], str], ...]] = (
    (type(None), "null"),
    (bool, "boolean"),
    ((int, float), "number"),
    (str, "string"),
    ((list, tuple), "list"),
    (Mapping, "object"),
)


def _type_name(value: object) -> str:
    """The JSON name of a value's type, for error messages."""
    for types, name in _TYPE_NAMES:
        if isinstance(value, types):
            return name
    return type(value).__name__


def _bool(data: Mapping[str, object], key: str, default: bool | None = None) -> bool:
    value = data.get(key, default)
    if value is True or value is False:
        return value
    if value is None:
        raise ProfileError(key, "is required (true or false)", "為必填（true 或 false）")
    got = _type_name(value)
    raise ProfileError(
        key,
        f"must be true or false, got a {got} ({value!r})",
        f"須為 true 或 false，收到 {got}（{value!r}）",
    )


_Choice = TypeVar("_Choice", bound=str)


def _choice(
    data: Mapping[str, object],
    key: str,
    choices: tuple[_Choice, ...],
    default: _Choice | None = None,
) -> _Choice:
    value = data.get(key, default)
    if value is None:
        raise ProfileError(
            key,
            f"is required (one of {', '.join(choices)})",
            f"為必填（{'、'.join(choices)} 之一）",
        )
    if not isinstance(value, str):
        got = _type_name(value)
        raise ProfileError(
            key,
            f"must be a string, one of {', '.join(choices)}, got a {got}",
            f"須為字串（{'、'.join(choices)} 之一），收到 {got}",
        )
    if value not in choices:
        raise ProfileError(
            key,
            f"unknown value {value!r}: must be one of {', '.join(choices)}",
            f"未知的值 {value!r}：須為 {'、'.join(choices)} 之一",
        )
    return value


def parse_country(value: object, field: str) -> str:
    """An ISO 3166-1 alpha-2 code, upper case only ("tw" is refused with a hint)."""
    if not isinstance(value, str):
        got = _type_name(value)
        raise ProfileError(
            field,
            f"must be an ISO 3166-1 alpha-2 country code (a string), got a {got}",
            f"須為 ISO 3166-1 alpha-2 國家代碼（字串），收到 {got}",
        )
    if value in ISO_3166_ALPHA2:
        return value
    if value.upper() in ISO_3166_ALPHA2:
        upper = value.upper()
        raise ProfileError(
            field,
            f"{value!r} is not an ISO 3166-1 alpha-2 country code: codes are upper case "
            f"(did you mean {upper!r}?)",
            f"{value!r} 不是 ISO 3166-1 alpha-2 國家代碼：代碼須為大寫（是否為 {upper!r}？）",
        )
    raise ProfileError(
        field,
        f"{value!r} is not an ISO 3166-1 alpha-2 country code (two upper-case letters, "
        "e.g. TW, JP, US)",
        f"{value!r} 不是 ISO 3166-1 alpha-2 國家代碼（兩個大寫英文字母，如 TW、JP、US）",
    )


def _locations(data: Mapping[str, object]) -> tuple[str, ...]:
    value = data.get("locations")
    if value is None:
        raise ProfileError(
            "locations",
            "is required (a non-empty list of ISO 3166-1 alpha-2 codes)",
            "為必填（ISO 3166-1 alpha-2 國家代碼之非空清單）",
        )
    if not isinstance(value, list | tuple):
        got = _type_name(value)
        raise ProfileError(
            "locations",
            f"must be a list of ISO 3166-1 alpha-2 codes, got a {got}",
            f"須為 ISO 3166-1 alpha-2 國家代碼之清單，收到 {got}",
        )
    if not value:
        raise ProfileError(
            "locations",
            "must not be empty: name every place where the CSP processes or stores the data",
            "不得為空：須列出雲端服務業者處理或儲存資料之每一地點",
        )
    codes: dict[str, None] = {}
    for i, item in enumerate(value):
        if isinstance(item, str) and item in ISO_3166_ALPHA2:
            codes[item] = None
        else:
            parse_country(item, f"locations[{i}]")
    return tuple(codes)


def _factors(value: object) -> tuple[MaterialityFactor, ...]:
    field = "materiality_factors"
    if not isinstance(value, Mapping):
        got = _type_name(value)
        raise ProfileError(
            field,
            f"must be an object with the seven Ch 2.2 factors a-g, got a {got}",
            f"須為包含第2章二七項因素 a–g 之物件，收到 {got}",
        )
    unknown = sorted(_key_name(k) for k in set(value) - set(FACTOR_KEYS))
    if unknown:
        raise ProfileError(
            f"{field}.{unknown[0]}",
            "unknown factor: the Ch 2.2 factors are a, b, c, d, e, f, g",
            "未知的因素：第2章二之因素為 a、b、c、d、e、f、g",
        )
    factors: list[MaterialityFactor] = []
    for key in FACTOR_KEYS:
        where = f"{field}.{key}"
        item = value.get(key)
        if item is None:
            raise ProfileError(
                where,
                "is required: give all seven factors a-g, each with a level and a note",
                "為必填：七項因素 a–g 均須提供等級與說明",
            )
        if not isinstance(item, Mapping):
            raise ProfileError(
                where,
                f'must be an object {{"level": low|medium|high, "note": text}}, '
                f"got a {_type_name(item)}",
                f'須為物件 {{"level": low|medium|high, "note": 說明}}，收到 {_type_name(item)}',
            )
        extra = sorted(_key_name(k) for k in set(item) - {"level", "note"})
        if extra:
            raise ProfileError(
                f"{where}.{extra[0]}",
                "unknown key: a factor has only level and note",
                "未知的欄位：因素僅有 level 與 note",
            )
        try:
            level = _choice(item, "level", LEVELS)
        except ProfileError as exc:
            raise ProfileError(f"{where}.level", exc.rule_en, exc.rule_zh) from None
        note = item.get("note")
        if not isinstance(note, str) or not note.strip():
            raise ProfileError(
                f"{where}.note",
                "is required: a non-empty text giving the reason for the level",
                "為必填：須以文字說明評定等級之理由",
            )
        factors.append(MaterialityFactor(level=level, note=note.strip()))
    return tuple(factors)


def parse_profile(data: object) -> Profile:
    """Validate a profile read from JSON, YAML or a CSV row; ProfileError on the first fault."""
    if not isinstance(data, Mapping):
        got = _type_name(data)
        raise ProfileError(
            "profile",
            f"must be an object (a mapping of keys to values), got a {got}",
            f"須為物件（鍵值對應），收到 {got}",
        )
    if not ALLOWED_KEYS.issuperset(data):
        unknown = sorted(_key_name(k) for k in data if k not in ALLOWED_KEYS)[0]
        raise ProfileError(
            unknown,
            f"unknown key: allowed keys are {_SORTED_ALLOWED}",
            f"未知的欄位：可用欄位為 {_SORTED_ALLOWED}",
        )
    factors = data.get("materiality_factors")
    return Profile(
        institution_type=_choice(data, "institution_type", INSTITUTION_TYPES),
        license_business_or_customer_data=_bool(data, "license_business_or_customer_data"),
        csp_processes_or_stores_data=_bool(data, "csp_processes_or_stores_data"),
        exclusion=_choice(data, "exclusion", EXCLUSIONS, "none"),
        service_model=_choice(data, "service_model", SERVICE_MODELS),
        locations=_locations(data),
        consumer_finance_system=_bool(data, "consumer_finance_system", False),
        material=_bool(data, "material"),
        materiality_factors=None if factors is None else _factors(factors),
    )
