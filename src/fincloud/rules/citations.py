"""Every catalog id the rules and the SLA calculator cite, in one place.

The ids follow docs/catalog-format.md ("Anchor ids other code relies on"). The rules never load
the catalog at run time (they must evaluate tens of thousands of profiles a second); a test loads
the catalog and checks that each id below exists there.
"""

from __future__ import annotations

from typing import Final

# Ch 9.2 (二、雲端委外自律規範適用說明): the three scope tests and the five exclusions.
SCOPE_SECTION: Final = "ch9.2"
SCOPE_CRITERION_A: Final = "ch9.2.criteria.a"  # institution type
SCOPE_CRITERION_B: Final = "ch9.2.criteria.b"  # business-licence items or customer information
SCOPE_CRITERION_C: Final = "ch9.2.criteria.c"  # the CSP processes or stores the data
EXCLUSION_MARKET_INFORMATION: Final = "ch9.2.exclusion.a"
EXCLUSION_NO_CUSTOMER_DATA: Final = "ch9.2.exclusion.b"
EXCLUSION_MARKETING: Final = "ch9.2.exclusion.c"
EXCLUSION_VIDEO_CONFERENCING: Final = "ch9.2.exclusion.d"
EXCLUSION_INTERNAL_COLLABORATION: Final = "ch9.2.exclusion.e"
EXCLUSION_BY_NAME: Final = {
    "market_information_platform": EXCLUSION_MARKET_INFORMATION,
    "no_customer_data_environment": EXCLUSION_NO_CUSTOMER_DATA,
    "non_identifying_marketing": EXCLUSION_MARKETING,
    "video_conferencing": EXCLUSION_VIDEO_CONFERENCING,
    "internal_collaboration": EXCLUSION_INTERNAL_COLLABORATION,
}
PRIVACY_POINTS: Final = (
    "ch9.2.privacy.a",
    "ch9.2.privacy.b",
    "ch9.2.privacy.c",
    "ch9.2.privacy.d",
    "ch9.2.privacy.e",
)

# Ch 9.1 (一、外國銀行在臺分支機構之適用說明): what a branch may rely on its head office for.
FOREIGN_BRANCH_ITEMS: Final = (
    "ch9.1.a",
    "ch9.1.b",
    "ch9.1.c",
    "ch9.1.d",
    "ch9.1.e",
)

# Ch 1.2: location items; (a) stability of the location, (c) the FAQ-10 country list.
LOCATION_STABILITY: Final = "ch1.2.location.a"
LOCATION_FAQ_LIST: Final = "ch1.2.location.c"

# Ch 2.2: risk item (a) "is the outsourcing material", and the seven materiality factors.
RISK_ITEM_MATERIALITY: Final = "ch2.2.risk.a"
MATERIALITY_FACTORS: Final = {
    "a": "ch2.2.materiality.a",
    "b": "ch2.2.materiality.b",
    "c": "ch2.2.materiality.c",
    "d": "ch2.2.materiality.d",
    "e": "ch2.2.materiality.e",
    "f": "ch2.2.materiality.f",
    "g": "ch2.2.materiality.g",
}

# Ch 7.1 (a): the cadence table, one row per classification 1-4.
CADENCE_TABLE: Final = "ch7.1.cadence"
CADENCE_ROWS: Final = {
    1: "ch7.1.cadence.r1",
    2: "ch7.1.cadence.r2",
    3: "ch7.1.cadence.r3",
    4: "ch7.1.cadence.r4",
}
# Ch 7.3: the audit programme, tailored to the service model.
AUDIT_TABLE: Final = "ch7.3.table"
# Ch 7.3 focus items (a)-(f) for material services.
AUDIT_FOCUS: Final = (
    "ch7.3.focus.a",
    "ch7.3.focus.b",
    "ch7.3.focus.c",
    "ch7.3.focus.d",
    "ch7.3.focus.e",
    "ch7.3.focus.f",
)

# Ch 3.3 mandatory item 11: the consumer-finance migration clause (the 18.II.6 row).
MANDATORY_ITEM_11: Final = "ch3.3.mandatory.11"

# Annex 3 (CSP 合約檢核表): the 22 rows in the manual's order. Ids are the regulation's numbering.
CONTRACT_ROWS: Final = (
    "10.I.1",
    "10.I.2",
    "10.I.3",
    "10.I.4",
    "10.I.5",
    "10.I.6",
    "10.I.7",
    "10.I.8",
    "10.I.9",
    "10.I.10",
    "10.II",
    "18.II.6",
    "17.I.3",
    "17.I.5",
    "18.I.4.3.1",
    "18.I.4.3.2",
    "18.I.5",
    "18.I.6",
    "19.3",
    "19.4",
    "19.5",
    "19.6.1",
)


def contract_row_id(row: str) -> str:
    """The catalog id of an Annex 3 row: "10.I.1" -> "a3.10.I.1"."""
    return "a3." + row


# Ch 3.4: the SLA table and its five rows (99, 99.9, 99.95, 99.99, 99.999); review item (b),
# "審查雲端服務水準協議達成情形", is what attainment measures.
SLA_TABLE: Final = "ch3.4.sla_table"
SLA_TABLE_ROWS: Final = (
    "ch3.4.sla_table.r1",
    "ch3.4.sla_table.r2",
    "ch3.4.sla_table.r3",
    "ch3.4.sla_table.r4",
    "ch3.4.sla_table.r5",
)
SLA_REVIEW: Final = "ch3.4.b"
# Ch 5.4 basic (b): monitor key services against the SLA, incl. composite SLAs over tiers.
SLA_COMPOSITE: Final = "ch5.4.basic.b"


def all_cited_ids() -> tuple[str, ...]:
    """Every id above, for the test that checks them against the catalog."""
    ids: list[str] = [
        SCOPE_SECTION,
        SCOPE_CRITERION_A,
        SCOPE_CRITERION_B,
        SCOPE_CRITERION_C,
        EXCLUSION_MARKET_INFORMATION,
        EXCLUSION_NO_CUSTOMER_DATA,
        EXCLUSION_MARKETING,
        EXCLUSION_VIDEO_CONFERENCING,
        EXCLUSION_INTERNAL_COLLABORATION,
        *PRIVACY_POINTS,
        *FOREIGN_BRANCH_ITEMS,
        LOCATION_STABILITY,
        LOCATION_FAQ_LIST,
        RISK_ITEM_MATERIALITY,
        *MATERIALITY_FACTORS.values(),
        CADENCE_TABLE,
        *CADENCE_ROWS.values(),
        AUDIT_TABLE,
        *AUDIT_FOCUS,
        MANDATORY_ITEM_11,
        *(contract_row_id(row) for row in CONTRACT_ROWS),
        SLA_TABLE,
        *SLA_TABLE_ROWS,
        SLA_REVIEW,
        SLA_COMPOSITE,
    ]
    return tuple(dict.fromkeys(ids))
