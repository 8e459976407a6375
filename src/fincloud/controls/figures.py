"""The hard figures of Ch 5, checked where an assessment enters them (RULES.md §7).

Plain Python (no Django). The manual is advisory almost everywhere, but a few sentences carry a
number, and an assessment that records a figure below it is wrong on its face:

- audit trails kept at least six months (Ch 5.4 basic (a); the number is the catalog's
  ``min_retention_months`` of that node, not typed here);
- HTTPS with TLS 1.2 or higher (Ch 5.1 basic (a) and its AWS/Azure/GCP practices; Ch 5.2 basic
  (d) asks to avoid known-insecure protocols and versions);
- industry-recognised, publicly validated algorithms "such as AES 256 or above" (Ch 5.1 basic (d));
- keys in an HSM certified FIPS 140-2 Level 3 or above (Ch 5.1 advanced (b)).

``check_figures`` returns one ``FigureViolation`` per figure below its floor (or not
understood), naming the field, the rule and the catalog item; the web app turns each into a
message for that field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Final

from fincloud.catalog import Catalog

RETENTION_NODE: Final = "ch5.4.basic.a"
TLS_NODE: Final = "ch5.1.basic.a"
ALGORITHM_NODE: Final = "ch5.1.basic.d"
HSM_NODE: Final = "ch5.1.advanced.b"

FIGURE_FIELDS: Final = (
    "retention_months",
    "tls_min_version",
    "encryption_algorithm",
    "hsm_fips_standard",
    "hsm_fips_level",
)

# TLS 1.2 or higher (Ch 5.1 basic (a)).
TLS_FLOOR: Final = (1, 2)
TLS_VERSIONS: Final = ("SSL 3.0", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3")

# AES 256 or above (Ch 5.1 basic (d)): a block cipher's key length must reach 256 bits.
ALGORITHM_FLOOR_BITS: Final = 256
# Families recognised with a stated key length.
_KEYED_FAMILIES: Final = frozenset({"AES", "CAMELLIA", "ARIA"})
# Stream ciphers whose only key length is 256 bits (RFC 8439): as strong as AES-256.
_FIXED_256: Final = frozenset({"CHACHA20", "XCHACHA20"})
# Ciphers that never reach AES-256 strength (64-bit blocks, broken, or 128-bit keys only).
_WEAK: Final = frozenset(
    {"DES", "3DES", "TDES", "TRIPLEDES", "DESEDE", "RC2", "RC4", "ARC4", "BLOWFISH", "IDEA"}
    | {"CAST5", "CAST128", "SEED", "SM4"}
)
_MODES: Final = frozenset({"GCM", "CBC", "CTR", "CCM", "XTS", "OCB", "SIV", "ECB", "CFB", "OFB"})

# FIPS 140-2 Level 3 or above (Ch 5.1 advanced (b)). FIPS 140-3 replaced 140-2 for new
# validations (NIST CMVP, 2021); its Level 3 meets at least the same requirements, so a 140-3
# Level 3 or 4 module counts as "above". Levels run from 1 to 4 in both.
FIPS_STANDARDS: Final = ("140-2", "140-3")
FIPS_LEVEL_FLOOR: Final = 3
FIPS_LEVELS: Final = (1, 2, 3, 4)


@dataclass(frozen=True, slots=True)
class FigureViolation:
    field: str  # the form/model field, e.g. "retention_months"
    code: str  # the rule, e.g. "retention_below_minimum"
    catalog_id: str
    params: Mapping[str, object] = dc_field(default_factory=dict)


def minimum_retention_months(catalog: Catalog) -> int:
    """The floor in months, read from the catalog node's data (six, Ch 5.4 basic (a))."""
    return int(catalog.get(RETENTION_NODE).data["min_retention_months"])


def parse_tls(value: str) -> tuple[int, int] | None:
    """'TLS 1.2', 'TLSv1.3', '1.2' -> (1, 2); 'SSL 3.0' -> (0, 3) (below every TLS)."""
    text = value.strip().upper().replace("V", " ").replace("_", " ")
    match = re.fullmatch(r"(TLS|SSL)?\s*(\d)\s*\.\s*(\d)", text)
    if not match:
        return None
    proto, major, minor = match.group(1) or "TLS", int(match.group(2)), int(match.group(3))
    if proto == "SSL":
        return (0, major)
    return (major, minor)


@dataclass(frozen=True, slots=True)
class Algorithm:
    family: str
    bits: int | None


def parse_algorithm(value: str) -> Algorithm | None:
    """'AES-256-GCM', 'aes256', 'AES_128_CBC', 'ChaCha20-Poly1305', '3DES' -> family and key
    length; None when no known cipher family is named."""
    tokens = [t for t in re.split(r"[\s_\-/()]+", value.strip().upper()) if t]
    expanded: list[str] = []
    for token in tokens:
        fused = re.fullmatch(r"([A-Z][A-Z0-9]*?[A-Z])(\d{3})", token)
        if fused and fused.group(1) in _KEYED_FAMILIES:
            expanded.extend([fused.group(1), fused.group(2)])
        else:
            expanded.append(token)
    for i, token in enumerate(expanded):
        if token in _KEYED_FAMILIES:
            bits = next((int(t) for t in expanded[i + 1 :] if t.isdigit()), None)
            return Algorithm(token, bits)
        if token in _FIXED_256:
            return Algorithm(token, 256)
        if token in _WEAK:
            return Algorithm(token, None)
    return None


def check_algorithm(value: str) -> FigureViolation | None:
    algo = parse_algorithm(value)
    if algo is None:
        return FigureViolation(
            "encryption_algorithm", "algorithm_unknown", ALGORITHM_NODE, {"value": value}
        )
    if algo.family in _WEAK:
        return FigureViolation(
            "encryption_algorithm", "algorithm_weak", ALGORITHM_NODE, {"value": value}
        )
    if algo.bits is None:
        return FigureViolation(
            "encryption_algorithm", "algorithm_no_key_length", ALGORITHM_NODE, {"value": value}
        )
    if algo.bits < ALGORITHM_FLOOR_BITS:
        return FigureViolation(
            "encryption_algorithm",
            "algorithm_key_too_short",
            ALGORITHM_NODE,
            {"value": value, "bits": algo.bits},
        )
    return None


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_figures(values: Mapping[str, object], catalog: Catalog) -> list[FigureViolation]:
    """Check the figures that were entered (blank ones are not checked)."""
    out: list[FigureViolation] = []
    retention = values.get("retention_months")
    if not _blank(retention):
        floor = minimum_retention_months(catalog)
        try:
            months = int(str(retention))
        except ValueError:
            months = -1
        if months < floor:
            out.append(
                FigureViolation(
                    "retention_months",
                    "retention_below_minimum",
                    RETENTION_NODE,
                    {"value": retention, "minimum": floor},
                )
            )
    tls = values.get("tls_min_version")
    if not _blank(tls):
        version = parse_tls(str(tls))
        if version is None:
            out.append(FigureViolation("tls_min_version", "tls_unknown", TLS_NODE, {"value": tls}))
        elif version < TLS_FLOOR:
            out.append(
                FigureViolation("tls_min_version", "tls_below_minimum", TLS_NODE, {"value": tls})
            )
    algorithm = values.get("encryption_algorithm")
    if not _blank(algorithm):
        violation = check_algorithm(str(algorithm))
        if violation is not None:
            out.append(violation)
    out.extend(_check_hsm(values.get("hsm_fips_standard"), values.get("hsm_fips_level")))
    return out


def _check_hsm(standard: object, level: object) -> list[FigureViolation]:
    if _blank(standard) and _blank(level):
        return []
    if _blank(standard) or str(standard) not in FIPS_STANDARDS:
        return [
            FigureViolation(
                "hsm_fips_standard", "hsm_standard_unknown", HSM_NODE, {"value": standard}
            )
        ]
    if _blank(level):
        return [FigureViolation("hsm_fips_level", "hsm_level_missing", HSM_NODE)]
    try:
        number = int(str(level))
    except ValueError:
        number = 0
    if number not in FIPS_LEVELS:
        return [FigureViolation("hsm_fips_level", "hsm_level_unknown", HSM_NODE, {"value": level})]
    if number < FIPS_LEVEL_FLOOR:
        return [
            FigureViolation(
                "hsm_fips_level",
                "hsm_level_below_minimum",
                HSM_NODE,
                {"value": number, "standard": standard},
            )
        ]
    return []
