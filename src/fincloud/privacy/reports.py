"""What the job page shows of the stored scan and risk report: rows with translated labels.

The numbers are fincloud.deid's (``scan`` and ``privacy.assess``), formatted here; nothing is
computed again. The scan shows identifier types and counts per column, never values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

IDENTIFIER_LABELS: dict[str, Promise] = {
    "tw_national_id": _("National ID number"),
    "tw_resident_certificate": _("Resident certificate number"),
    "tw_business_number": _("Unified business number"),
    "tw_mobile_phone": _("Mobile phone number"),
    "tw_landline_phone": _("Landline phone number"),
    "email": _("E-mail address"),
    "payment_card": _("Payment card number"),
    "bank_account": _("Bank account number"),
}


def share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f} %"


def prob(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def number(value: float | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


@dataclass(frozen=True)
class Finding:
    label: Promise | str
    valid: int
    invalid: int
    rows: list[int]


@dataclass(frozen=True)
class ScanRow:
    column: str
    before: list[Finding] | None  # None: not in the source
    after: list[Finding] | None  # None: not in the output (dropped or moved out)


def _findings(items: list[dict[str, Any]]) -> list[Finding]:
    return [
        Finding(
            IDENTIFIER_LABELS.get(i["type"], i["type"]),
            int(i["valid"]),
            int(i["invalid"]),
            list(i.get("rows", [])),
        )
        for i in items
    ]


@dataclass(frozen=True)
class ScanView:
    rows_before: int
    rows_after: int | None
    rows: list[ScanRow]
    found_before: int  # columns with any identifier
    found_after: int


def scan_view(before: dict[str, Any] | None, after: dict[str, Any] | None) -> ScanView | None:
    if before is None:
        return None
    cols_before: dict[str, Any] = before.get("columns", {})
    cols_after: dict[str, Any] = (after or {}).get("columns", {})
    names = list(cols_before) + [c for c in cols_after if c not in cols_before]
    rows = [
        ScanRow(
            name,
            _findings(cols_before[name]) if name in cols_before else None,
            _findings(cols_after[name]) if name in cols_after else None,
        )
        for name in names
    ]
    return ScanView(
        rows_before=int(before.get("rows", 0)),
        rows_after=None if after is None else int(after.get("rows", 0)),
        rows=rows,
        found_before=sum(1 for r in rows if r.before),
        found_after=sum(1 for r in rows if r.after),
    )


@dataclass(frozen=True)
class Line:
    label: Promise | str
    before: str
    after: str
    meter_after: float | None = None  # 0..1, drawn as a <meter>


@dataclass
class Test:
    """One of the manual's three questions (Ch 9.3 (a)-(c)), answered by measurements."""

    key: str
    catalog_id: str
    question: Promise | str
    possible: bool | None
    lines: list[Line] = field(default_factory=list)


@dataclass
class RiskView:
    quasi_identifiers: list[str]
    threshold: float
    threshold_class: int  # records at risk are in classes smaller than this
    general: list[Line]
    attackers: list[Line]
    tests: list[Test]
    excluded_columns: list[str]


def _get(data: dict[str, Any] | None, *path: str) -> Any:
    value: Any = data
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def risk_view(assessment: dict[str, Any] | None) -> RiskView | None:
    if not assessment:
        return None
    before = assessment.get("before")
    after = assessment["after"]

    def line(label: Promise, fmt: Any, *path: str, meter: bool = False) -> Line:
        value_after = _get(after, *path)
        return Line(
            label,
            fmt(_get(before, *path)) if before else "—",
            fmt(value_after),
            float(value_after) if meter and value_after is not None else None,
        )

    general = [
        line(_("Records"), count, "records"),
        line(_("Equivalence classes (same quasi-identifiers)"), count, "classes"),
        line(_("Smallest class"), count, "smallest_class"),
    ]
    threshold = float(after.get("threshold", 0.2))
    attackers = [
        line(_("Prosecutor: highest risk of a record"), prob, "prosecutor", "highest", meter=True),
        line(_("Prosecutor: average risk"), prob, "prosecutor", "average"),
        line(_("Prosecutor: records above the threshold"), share, "prosecutor", "records_at_risk"),
        line(_("Journalist: highest risk of a record"), prob, "journalist", "highest", meter=True),
        line(_("Journalist: average risk"), prob, "journalist", "average"),
        line(_("Marketer: expected share of records re-identified"), share, "marketer"),
    ]
    singling = Test(
        "a",
        "ch9.3.a",
        _("(a) Can a person still be identified (singled out)?"),
        bool(_get(after, "singling_out", "possible")),
        [
            line(
                _("Records unique on the quasi-identifiers"),
                count,
                "singling_out",
                "sample_unique_records",
            ),
            line(_("Share of unique records"), share, "singling_out", "sample_unique_share"),
            line(
                _("Unique also in the original population"),
                count,
                "singling_out",
                "population_unique_records",
            ),
        ],
    )
    link = after.get("linkability")
    linking = Test(
        "b",
        "ch9.3.b",
        _("(b) Can the data still be linked with other personal data?"),
        None if link is None else bool(link["possible"]),
    )
    excluded: list[str] = []
    if link is not None:
        qi, shared = link["quasi_identifiers"], link["shared_columns"]
        excluded = list(link.get("excluded_columns", []))
        linking.lines = [
            Line(
                _("Expected correct links on the quasi-identifiers"),
                "—",
                share(qi["expected_correct_links"]),
            ),
            Line(_("Records linked with certainty on them"), "—", count(qi["unique_links"])),
            Line(
                _("Expected correct links on every column shared unchanged"),
                "—",
                share(shared["expected_correct_links"]),
            ),
            Line(
                _("Records linked with certainty on those columns"),
                "—",
                count(shared["unique_links"]),
            ),
            Line(_("Random guess (baseline)"), "—", share(qi["baseline"])),
        ]
    inference = Test(
        "c",
        "ch9.3.c",
        _("(c) Can something still be inferred about a person?"),
        None,
    )
    prior = {i["attribute"]: i for i in (before or {}).get("inference", [])}
    for item in after.get("inference", []):
        name = item["attribute"]
        earlier = prior.get(name)
        inference.possible = bool(inference.possible) or bool(item["possible"])
        inference.lines += [
            Line(
                _("%(a)s: majority value of the class is right") % {"a": name},
                share(earlier["success_rate"]) if earlier else "—",
                share(item["success_rate"]),
            ),
            Line(
                _("%(a)s: guessing the overall majority (baseline)") % {"a": name},
                share(earlier["baseline"]) if earlier else "—",
                share(item["baseline"]),
            ),
            Line(
                _("%(a)s: records whose value is certain") % {"a": name},
                count(earlier["certain_records"]) if earlier else "—",
                count(item["certain_records"]),
            ),
        ]
    return RiskView(
        quasi_identifiers=list(assessment.get("quasi_identifiers", [])),
        threshold=threshold,
        threshold_class=round(1 / threshold) if threshold > 0 else 0,
        general=general,
        attackers=attackers,
        tests=[singling, linking, inference],
        excluded_columns=excluded,
    )


@dataclass(frozen=True)
class ColumnUtility:
    column: str
    changed: str
    loss: str
    mean: str
    std: str
    distance: str


@dataclass(frozen=True)
class UtilityView:
    records_before: str
    records_after: str
    records_dropped: str
    records_suppressed: str
    records_lost: str
    lost_share: str
    columns: list[ColumnUtility]
    model: dict[str, str] | None


def utility_view(assessment: dict[str, Any] | None) -> UtilityView | None:
    utility = (assessment or {}).get("utility")
    if not utility:
        return None
    columns = [
        ColumnUtility(
            column=c["column"],
            changed=share(c["changed_share"]),
            loss=prob(c["generalisation_loss"]),
            mean=(
                f"{number(c['mean_before'])} → {number(c['mean_after'])}"
                if c["mean_before"] is not None
                else "—"
            ),
            std=(
                f"{number(c['std_before'])} → {number(c['std_after'])}"
                if c["std_before"] is not None
                else "—"
            ),
            distance=prob(c["distribution_distance"]),
        )
        for c in utility["columns"]
    ]
    model = utility.get("model")
    before = max(int(utility["records_before"]), 1)
    return UtilityView(
        records_before=count(utility["records_before"]),
        records_after=count(utility["records_after"]),
        records_dropped=count(utility["records_dropped"]),
        records_suppressed=count(utility["records_suppressed"]),
        records_lost=count(utility["records_lost"]),
        lost_share=share(int(utility["records_lost"]) / before),
        columns=columns,
        model=None
        if model is None
        else {
            "target": str(model["target"]),
            "positive": str(model["positive"]),
            "auc_before": prob(model["auc_before"]),
            "auc_after": prob(model["auc_after"]),
            "accuracy_before": share(model["accuracy_before"]),
            "accuracy_after": share(model["accuracy_after"]),
        },
    )
