"""The parts of the manual this app works from, read from the catalog (never typed by hand).

Plain Python (no Django): the duties (a)-(i) and the segregation-of-duties items (a)-(d) of
Ch 1.4, the review factors (a)-(e) of Ch 1.3, the mechanism items of Ch 2.2, Ch 3.4 and Ch 8.5,
the Ch 4.2 training table, and the 日常執行與控管 rows of Annex 2. Each function takes a
``Catalog`` (default: the current edition) and returns catalog ``Node``s or frozen dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from fincloud.catalog import Catalog, Node, load_catalog

# Ch 1.3: review the policy every year (the catalog keeps the interval as data).
POLICY_GUIDANCE_ID = "ch1.3.guidance"
TRAINING_TABLE_ID = "ch4.2.training"
DAILY_STAGE_ID = "a2.daily"


def catalog() -> Catalog:
    return load_catalog()


def _kids(cat: Catalog, parent: str, prefix: str) -> tuple[Node, ...]:
    return tuple(n for n in cat.children(parent) if n.id.startswith(prefix))


def duties(cat: Catalog | None = None) -> tuple[Node, ...]:
    """Ch 1.4 duties (a)-(i): service requests ... cost management."""
    return _kids(cat or catalog(), "ch1.4", "ch1.4.duties.")


def sod_items(cat: Catalog | None = None) -> tuple[Node, ...]:
    """Ch 1.4 segregation of duties (a)-(d); each node's data names subject and activities."""
    return _kids(cat or catalog(), "ch1.4", "ch1.4.sod.")


def review_factors(cat: Catalog | None = None) -> tuple[Node, ...]:
    """Ch 1.3 (a)-(e): what the yearly review of the policy looks at."""
    return tuple(n for n in (cat or catalog()).children("ch1.3") if n.kind == "item")


def review_interval_months(cat: Catalog | None = None) -> int:
    node = (cat or catalog()).get(POLICY_GUIDANCE_ID)
    return int(node.data.get("review_interval_months", 12))


def risk_mechanism_items(cat: Catalog | None = None) -> tuple[Node, ...]:
    """Ch 2.2 (a)-(d) of the risk-assessment mechanism."""
    return _kids(cat or catalog(), "ch2.2", "ch2.2.mechanism.")


def risk_assessment_items(cat: Catalog | None = None) -> tuple[Node, ...]:
    """Ch 2.2 risk-assessment items (a)-(k) ("包含但不限於": at least these)."""
    return _kids(cat or catalog(), "ch2.2", "ch2.2.risk.")


def monitoring_items(cat: Catalog | None = None) -> tuple[Node, ...]:
    """Ch 3.4 (a)-(g): the controls of periodic review and service oversight."""
    return tuple(n for n in (cat or catalog()).children("ch3.4") if n.kind == "item")


def exit_items(cat: Catalog | None = None) -> tuple[Node, ...]:
    """Ch 8.5: termination (a)-(g), deletion (a)-(c) and the three phases of an exit plan."""
    cat = cat or catalog()
    termination = _kids(cat, "ch8.5", "ch8.5.termination.")
    deletion = _kids(cat, "ch8.5", "ch8.5.deletion.")
    phases = tuple(cat.get(i) for i in ("ch8.5.pre", "ch8.5.during", "ch8.5.post"))
    return termination + deletion + phases


def daily_checklist(cat: Catalog | None = None) -> tuple[Node, ...]:
    """Every row of Annex 2 under 日常執行與控管: domains and their sub-domains, in order."""
    return (cat or catalog()).descendants(DAILY_STAGE_ID)


def governance_a(cat: Catalog | None = None) -> Node:
    return (cat or catalog()).get("ch1.4.governance.a")


# --- Ch 4.2 training table -------------------------------------------------------------


@dataclass(frozen=True)
class StageCell:
    """One recommended training focus: a group's content for one or more adoption stages."""

    id: str
    group_id: str
    stages: tuple[str, ...]  # keys: preparation / development / optimisation


@dataclass(frozen=True)
class TrainingGroup:
    id: str  # the table row's catalog id, e.g. ch4.2.training.r1
    focus_id: str  # the 培訓內容 cell
    cells: tuple[StageCell, ...]


@dataclass(frozen=True)
class TrainingTable:
    stages: tuple[str, ...]  # keys in the manual's order
    stages_zh: tuple[str, ...]
    groups: tuple[TrainingGroup, ...]

    def group(self, group_id: str) -> TrainingGroup | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def cells(self) -> tuple[StageCell, ...]:
        return tuple(c for g in self.groups for c in g.cells)


def _stage_key(en: str) -> str:
    return en.strip().lower()


@lru_cache(maxsize=4)
def _training_table(cat: Catalog) -> TrainingTable:
    table = cat.get(TRAINING_TABLE_ID)
    stages_zh = tuple(table.data["stages_zh"])
    stages = tuple(_stage_key(s) for s in table.data["stages_en"])
    by_zh = dict(zip(stages_zh, stages, strict=True))
    groups = []
    for row in cat.children(TRAINING_TABLE_ID):
        focus = ""
        cells = []
        for cell in cat.children(row.id):
            if cell.data.get("stages"):
                cells.append(
                    StageCell(cell.id, row.id, tuple(by_zh[s] for s in cell.data["stages"]))
                )
            else:
                focus = cell.id
        groups.append(TrainingGroup(row.id, focus, tuple(cells)))
    return TrainingTable(stages, stages_zh, tuple(groups))


def training_table(cat: Catalog | None = None) -> TrainingTable:
    return _training_table(cat or catalog())


def training_audiences(cat: Catalog | None = None) -> tuple[Node, ...]:
    """Ch 4.1 (a)-(d): the board, execution teams, units and staff involved, all staff."""
    return tuple(n for n in (cat or catalog()).children("ch4.1") if n.kind == "item")
