"""Checklists generated from the catalog (never typed by hand): the exit plan's phases and
items (Ch 8.5), the disaster event types a BCP covers (Ch 8.3), and the drill result against
the RTO / RPO (Ch 8.4). Plain Python over ``fincloud.catalog``; no Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

from fincloud.catalog import Catalog, load_catalog
from fincloud.resilience.bia import minutes_text
from fincloud.rules.determination import Determination

# -- Ch 8.5 exit ----------------------------------------------------------------------------

EXIT_SECTION: Final = "ch8.5"
# The table's three phases: 事前評估 / 事中處理 / 事後確認 (the text also says 事後管理).
EXIT_PHASES: Final = ("ch8.5.pre", "ch8.5.during", "ch8.5.post")
# What to consider to end the relationship safely (Ch 8.5 guidance (a)-(g)).
TERMINATION_PREFIX: Final = "ch8.5.termination."
# How to delete (Ch 8.5 deletion (a)-(c)): method, result recorded, certificate from a service.
DELETION_PREFIX: Final = "ch8.5.deletion."
DELETION_METHOD: Final = "ch8.5.deletion.a"
DELETION_RESULT: Final = "ch8.5.deletion.b"
DELETION_CERTIFICATE: Final = "ch8.5.deletion.c"
EXIT_TARGETS: Final = "ch8.5.p2"  # another CSP or back in house
AFTER_USE_STAGE: Final = "a2.after"
AFTER_USE_DELETION: Final = "a2.after.1.1"
AFTER_USE_TRANSFER: Final = "a2.after.1.2"

Depth = Literal["full", "standard"]
Group = Literal["pre", "during", "post", "termination"]


@dataclass(frozen=True, slots=True)
class ExitItem:
    id: str
    group: Group
    parent_id: str  # the phase node, or ch8.5.guidance for the termination items
    text_zh: str
    text_en: str

    def text(self, lang: str) -> str:
        return self.text_en if lang.startswith("en") else self.text_zh


def _catalog(catalog: Catalog | None) -> Catalog:
    return catalog if catalog is not None else load_catalog()


def exit_phases(catalog: Catalog | None = None) -> tuple[tuple[str, str, str], ...]:
    """(id, text_zh, text_en) of the three phases, in the manual's order."""
    cat = _catalog(catalog)
    return tuple((p, cat.get(p).text_zh, cat.get(p).text_en) for p in EXIT_PHASES)


_EXIT_CACHE: dict[str, tuple[ExitItem, ...]] = {}
_EVENT_CACHE: dict[str, tuple[EventType, ...]] = {}


def _exit_items(catalog: Catalog) -> tuple[ExitItem, ...]:
    cached = _EXIT_CACHE.get(catalog.key)
    if cached is not None:
        return cached
    items: list[ExitItem] = []
    groups: dict[str, Group] = {
        "ch8.5.pre": "pre",
        "ch8.5.during": "during",
        "ch8.5.post": "post",
    }
    for phase, group in groups.items():
        for node in catalog.children(phase):
            items.append(ExitItem(node.id, group, phase, node.text_zh, node.text_en))
    for node in catalog.children(EXIT_SECTION):
        if node.id.startswith(TERMINATION_PREFIX):
            items.append(
                ExitItem(node.id, "termination", "ch8.5.guidance", node.text_zh, node.text_en)
            )
    _EXIT_CACHE[catalog.key] = result = tuple(items)
    return result


def exit_checklist(catalog: Catalog | None = None) -> tuple[ExitItem, ...]:
    """Every item of the exit plan: the phase items of the Ch 8.5 table, then the termination
    considerations (a)-(g). The deletion items (a)-(c) belong to the deletion record."""
    cat = _catalog(catalog)
    return _exit_items(cat)


def deletion_items(catalog: Catalog | None = None) -> tuple[tuple[str, str, str], ...]:
    cat = _catalog(catalog)
    return tuple(
        (n.id, n.text_zh, n.text_en)
        for n in cat.children(EXIT_SECTION)
        if n.id.startswith(DELETION_PREFIX)
    )


def exit_depth(*, material: bool | None, classification: int | None) -> Depth:
    """Ch 8.5 sets no materiality limit: every service has an exit plan, and its depth follows
    the risk. A material service, or one of classification 1 or 2, gets the full plan (every
    item carries a note saying how it will be done); the others a standard plan (every item
    answered, a note where useful)."""
    if material or (classification is not None and classification <= 2):
        return "full"
    return "standard"


@dataclass(frozen=True, slots=True)
class Answer:
    applicable: bool = True
    note: str = ""
    done: bool = False


def unanswered(
    items: tuple[ExitItem, ...], answers: Mapping[str, Answer], depth: Depth
) -> list[str]:
    """Ids of the items a plan of this depth has not covered yet: an item is covered when it
    carries a note (full depth) or is marked applicable or not (standard depth); an item marked
    not applicable always needs a note saying why."""
    missing: list[str] = []
    for item in items:
        answer = answers.get(item.id)
        if answer is None:
            missing.append(item.id)
        elif (not answer.applicable or depth == "full") and not answer.note.strip():
            missing.append(item.id)
    return missing


def not_done(items: tuple[ExitItem, ...], answers: Mapping[str, Answer]) -> list[str]:
    """Ids of the applicable items not yet carried out (for the execution of the exit)."""
    return [
        i.id for i in items if (a := answers.get(i.id)) is None or (a.applicable and not a.done)
    ]


# -- Ch 8.3 disaster event types ---------------------------------------------------------------

EVENTS_PREFIX: Final = "ch8.3.events."


@dataclass(frozen=True, slots=True)
class EventType:
    key: str
    catalog_id: str
    text_zh: str
    text_en: str
    # For a scenario named inside a paragraph: the words of the paragraph it rests on.
    quote: str = ""

    def text(self, lang: str) -> str:
        return self.text_en if lang.startswith("en") else self.text_zh


# Scenarios the Ch 8.3 paragraphs name beside the list (a)-(f): single-point and regional
# connectivity failures (p2), and the CSP not restoring its service in time (p4). Their labels
# are ours; ``quote`` is the manual's wording, checked against the catalog by a test.
SCENARIOS: Final = (
    EventType(
        "single_point",
        "ch8.3.p2",
        "單點雲端服務連線異常",
        "Single-point failure of the cloud service connection",
        quote="單點及區域性等雲端服務連線異常",
    ),
    EventType(
        "region_loss",
        "ch8.3.p2",
        "區域性雲端服務連線異常（區域失效）",
        "Regional failure of the cloud service (region loss)",
        quote="單點及區域性等雲端服務連線異常",
    ),
    EventType(
        "csp_failure",
        "ch8.3.p4",
        "雲端服務業者未能及時回復雲端服務功能",
        "The cloud service provider fails to restore its service in time",
        quote="雲端服務業者未能及時回復雲端服務功能",
    ),
)


def _event_types(catalog: Catalog) -> tuple[EventType, ...]:
    cached = _EVENT_CACHE.get(catalog.key)
    if cached is not None:
        return cached
    listed = tuple(
        EventType(n.id, n.id, n.text_zh, n.text_en)
        for n in catalog.children("ch8.3")
        if n.id.startswith(EVENTS_PREFIX)
    )
    _EVENT_CACHE[catalog.key] = result = (*listed, *SCENARIOS)
    return result


def bcp_event_types(catalog: Catalog | None = None) -> tuple[EventType, ...]:
    """The events a BCP answers: Ch 8.3 (a)-(f) in the manual's words, then the scenarios of
    its paragraphs (single point, region, CSP failure)."""
    cat = _catalog(catalog)
    return _event_types(cat)


@dataclass(frozen=True, slots=True)
class Scenario:
    response: str = ""
    not_applicable_reason: str = ""


def uncovered_events(events: tuple[EventType, ...], scenarios: Mapping[str, Scenario]) -> list[str]:
    """Keys of the event types a plan neither answers nor sets aside with a reason."""
    return [
        e.key
        for e in events
        if not (
            (s := scenarios.get(e.key)) is not None
            and (s.response.strip() or s.not_applicable_reason.strip())
        )
    ]


# -- Ch 8.4 drill results ---------------------------------------------------------------------

DRILL_VERIFY: Final = "ch8.4.a"
DRILL_JOINT: Final = "ch8.4.b"
DRILL_SCENARIOS: Final = "ch8.4.d"
BCP_APPROVED: Final = "ch8.3.plan.c"


def drill_result(
    *,
    rto_minutes: int | None,
    rpo_minutes: int | None,
    recovery_minutes: int | None,
    data_loss_minutes: int | None,
) -> Determination:
    """Did the drill recover within the RTO and lose no more than the RPO?"""
    zh: list[str] = []
    en: list[str] = []
    met: list[bool] = []
    for label_zh, label_en, objective, achieved in (
        ("復原時間", "recovery time", rto_minutes, recovery_minutes),
        ("資料遺失", "data loss", rpo_minutes, data_loss_minutes),
    ):
        name = "RTO" if label_en == "recovery time" else "RPO"
        if objective is None or achieved is None:
            zh.append(f"{label_zh}或 {name} 未記錄，無法比較。")
            en.append(f"The {label_en} or the {name} is not recorded; no comparison.")
            continue
        ok = achieved <= objective
        met.append(ok)
        verdict_zh = "符合" if ok else "未達"
        verdict_en = "within" if ok else "beyond"
        zh.append(
            f"演練{label_zh} {minutes_text(achieved)}，{name} {minutes_text(objective)}："
            f"{verdict_zh}。"
        )
        en.append(
            f"The drill's {label_en} was {minutes_text(achieved, 'en')}, {verdict_en} the "
            f"{name} of {minutes_text(objective, 'en')}."
        )
    return Determination(
        kind="drill_result",
        inputs={
            "rto_minutes": rto_minutes,
            "rpo_minutes": rpo_minutes,
            "recovery_minutes": recovery_minutes,
            "data_loss_minutes": data_loss_minutes,
        },
        outcome={"met": all(met) if met else None},
        citations=(DRILL_VERIFY, "ch8.1.b"),
        explanation_zh=tuple(zh),
        explanation_en=tuple(en),
    )


CITED_IDS: Final = (
    EXIT_SECTION,
    *EXIT_PHASES,
    DELETION_METHOD,
    DELETION_RESULT,
    DELETION_CERTIFICATE,
    EXIT_TARGETS,
    AFTER_USE_STAGE,
    AFTER_USE_DELETION,
    AFTER_USE_TRANSFER,
    DRILL_VERIFY,
    DRILL_JOINT,
    DRILL_SCENARIOS,
    BCP_APPROVED,
)
