"""Reads of the controls app: coverage per service and section, gaps, inventory, advisories.
Each returns its rows with the related objects already joined (no N+1)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from fincloud.catalog import load_catalog
from fincloud.controls.checklist import sections
from fincloud.controls.models import (
    Advisory,
    CloudAsset,
    ControlAssessment,
    ControlItem,
    Decision,
    Status,
)
from fincloud.register.models import CloudService

# Segments of the coverage bar, in drawing order.
SEGMENTS = ("implemented", "partial", "not_implemented", "not_assessed", "undecided")


@dataclass
class Coverage:
    """The items of one section (or of the whole assessment), counted by outcome."""

    implemented: int = 0
    partial: int = 0
    not_implemented: int = 0
    not_assessed: int = 0
    not_applicable: int = 0
    not_adopted: int = 0
    undecided: int = 0

    def add(self, decision: str, status: str, count: int) -> None:
        if decision == Decision.UNDECIDED:
            self.undecided += count
        elif decision == Decision.NOT_ADOPTED:
            self.not_adopted += count
        elif status == Status.IMPLEMENTED:
            self.implemented += count
        elif status == Status.PARTIAL:
            self.partial += count
        elif status == Status.NOT_IMPLEMENTED:
            self.not_implemented += count
        elif status == Status.NOT_APPLICABLE:
            self.not_applicable += count
        else:
            self.not_assessed += count

    @property
    def in_scope(self) -> int:
        """Adopted and applicable items, plus those still undecided."""
        return (
            self.implemented
            + self.partial
            + self.not_implemented
            + self.not_assessed
            + self.undecided
        )

    @property
    def gaps(self) -> int:
        return self.partial + self.not_implemented + self.not_assessed + self.undecided

    @property
    def percent(self) -> int | None:
        """Implemented share of the adopted, applicable items (None when there are none)."""
        if not self.in_scope:
            return None
        return round(100 * self.implemented / self.in_scope)

    def bar(self, width: float = 100.0) -> list[dict[str, Any]]:
        """Segments for the server-drawn SVG bar: class, x, width, count."""
        total = self.in_scope
        out: list[dict[str, Any]] = []
        done = 0
        for name in SEGMENTS:
            count = getattr(self, name)
            if not count or not total:
                continue
            # Edges from the running count, so the last segment ends exactly at ``width``.
            x = round(width * done / total, 3)
            end = round(width * (done + count) / total, 3)
            out.append({"name": name, "x": x, "width": round(end - x, 3), "count": count})
            done += count
        return out


@dataclass
class SectionRow:
    section_id: str
    title_zh: str
    title_en: str
    coverage: Coverage = field(default_factory=Coverage)


def coverage_by_assessment(
    assessment_ids: Iterable[int],
) -> dict[int, dict[str, Coverage]]:
    """{assessment id: {section id: Coverage}} in one grouped query."""
    ids = list(assessment_ids)
    out: dict[int, dict[str, Coverage]] = defaultdict(lambda: defaultdict(Coverage))
    if not ids:
        return {}
    rows = (
        ControlItem.objects.filter(assessment_id__in=ids)
        .values("assessment_id", "section_id", "decision", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        out[row["assessment_id"]][row["section_id"]].add(row["decision"], row["status"], row["n"])
    return {k: dict(v) for k, v in out.items()}


def section_rows(by_section: dict[str, Coverage]) -> list[SectionRow]:
    """One row per Ch 5/6 section in the manual's order (empty sections included)."""
    return [
        SectionRow(s.id, s.text_zh, s.text_en, by_section.get(s.id, Coverage()))
        for s in sections(load_catalog())
    ]


def total(by_section: dict[str, Coverage]) -> Coverage:
    out = Coverage()
    for cov in by_section.values():
        for name in (
            "implemented",
            "partial",
            "not_implemented",
            "not_assessed",
            "not_applicable",
            "not_adopted",
            "undecided",
        ):
            setattr(out, name, getattr(out, name) + getattr(cov, name))
    return out


def latest_assessment_ids(service_ids: Iterable[int]) -> dict[int, int]:
    """{service id: id of its newest assessment version} in one query."""
    newest = ControlAssessment.objects.filter(service_id=OuterRef("pk")).order_by("-version")
    rows = (
        CloudService.objects.filter(pk__in=list(service_ids))
        .annotate(latest=Subquery(newest.values("pk")[:1]))
        .values_list("pk", "latest")
    )
    return {pk: latest for pk, latest in rows if latest is not None}


def overview_services(
    *, query: str = "", stage: str = "", only_gaps: bool = False
) -> QuerySet[CloudService]:
    qs = CloudService.objects.select_related("csp", "unit").order_by("name", "pk")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(csp__name__icontains=query))
    if stage:
        qs = qs.filter(stage=stage)
    if only_gaps:
        gap = Q(decision=Decision.UNDECIDED) | Q(
            decision=Decision.ADOPTED,
            status__in=[Status.NOT_ASSESSED, Status.PARTIAL, Status.NOT_IMPLEMENTED],
        )
        newest = ControlAssessment.objects.filter(service_id=OuterRef("pk")).order_by("-version")
        qs = qs.annotate(latest=Subquery(newest.values("pk")[:1])).filter(
            Exists(ControlItem.objects.filter(gap, assessment_id=OuterRef("latest")))
        )
    return qs


def assessment_detail(code: Any) -> ControlAssessment:
    return ControlAssessment.objects.select_related(
        "service",
        "service__csp",
        "service__unit",
        "unit",
        "prepared_by",
        "submitted_by",
        "decided_by",
    ).get(code=code)


def items_of(assessment: ControlAssessment) -> QuerySet[ControlItem]:
    return assessment.items.select_related("control", "decided_by", "updated_by").order_by("order")


def gaps_of(assessment: ControlAssessment) -> list[ControlItem]:
    return [i for i in items_of(assessment) if i.is_gap]


def assets_of(service: CloudService) -> QuerySet[CloudAsset]:
    return (
        CloudAsset.objects.filter(service=service)
        .select_related("owner")
        .order_by("category", "name")
    )


def asset_summary(service: CloudService) -> dict[str, int]:
    qs = CloudAsset.objects.filter(service=service, retired_on__isnull=True)
    counts = qs.aggregate(
        total=Count("id"),
        unclassified=Count("id", filter=Q(classification="")),
        no_owner=Count("id", filter=Q(owner__isnull=True) & Q(owner_label="")),
    )
    return {k: int(v or 0) for k, v in counts.items()}


def advisories(*, state: str = "") -> QuerySet[Advisory]:
    qs = Advisory.objects.select_related("source", "handled_by").prefetch_related("services")
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-received_on", "-recorded_at")


def usage_for_node(node_id: str, limit: int) -> Any:
    """For the manual browser: the control items that assess this manual item."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    from fincloud.manual.usage import UsageRef

    rows = (
        ControlItem.objects.filter(catalog_id=node_id)
        .select_related("assessment", "assessment__service")
        .order_by("-assessment__prepared_at")[:limit]
    )
    for row in rows:
        yield UsageRef(
            label=_("Control assessment"),
            title=f"{row.assessment} · {row.get_decision_display()} · {row.get_status_display()}",
            url=reverse("controls:item", kwargs={"code": row.code}),
        )
