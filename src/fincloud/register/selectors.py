"""Reads of the register that pages (and other apps) share, with their related rows fetched
up front so that no page runs a query per row."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Prefetch, Q, QuerySet
from django.http import Http404

from fincloud.register.models import (
    Certification,
    Classification,
    CloudService,
    CloudServiceProvider,
    Document,
    Institution,
    ServiceDependency,
    ServiceLocation,
    Stage,
    SubProcessor,
)
from fincloud.web import due

DEFAULT_ALERT_WINDOW_DAYS = 90

SERVICE_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "csp": ("csp__name", "name", "pk"),
    "-csp": ("-csp__name", "name", "pk"),
    "classification": ("classification", "name", "pk"),
    "-classification": ("-classification", "name", "pk"),
    "stage": ("stage", "name", "pk"),
    "-stage": ("-stage", "name", "pk"),
    "unit": ("unit__short_name", "name", "pk"),
    "-unit": ("-unit__short_name", "name", "pk"),
    "updated": ("updated_at", "pk"),
    "-updated": ("-updated_at", "-pk"),
}
UNCLASSIFIED = "unclassified"
STALE = "stale"


def alert_window_days() -> int:
    institution = Institution.objects.filter(singleton=1).only("alert_window_days").first()
    return institution.alert_window_days if institution else DEFAULT_ALERT_WINDOW_DAYS


# -- services --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceFilters:
    csp: str = ""  # CSP code
    classification: str = ""  # a Classification value, "unclassified" or "stale"
    stage: str = ""
    unit: str = ""  # BusinessUnit short name
    material: str = ""  # "yes" / "no"
    overdue: bool = False
    q: str = ""
    sort: str = "name"

    def active(self) -> bool:
        return any(
            [self.csp, self.classification, self.stage, self.unit, self.material, self.overdue]
        ) or bool(self.q)


def overdue_service_ids(today: dt.date) -> set[int]:
    """Services with something overdue, from every app's deadlines (fincloud.web.due): items
    naming the service; the register's documents by the services they cover (or, covering
    none, by their CSP); CSP-wide items (an expired certificate) for the CSP's services."""
    items = due.collect(due.DueQuery(end=today - dt.timedelta(days=1), limit=1_000_000))
    service_codes: set[str] = set()
    document_codes: set[str] = set()
    csp_codes: set[str] = set()
    for item in items:
        if item.service_code:
            service_codes.add(item.service_code)
        elif item.extra.get("document_code") and item.extra.get("service_count"):
            document_codes.add(item.extra["document_code"])
        elif item.extra.get("csp_code"):
            csp_codes.add(item.extra["csp_code"])
    if not (service_codes or document_codes or csp_codes):
        return set()
    return set(
        CloudService.objects.filter(
            Q(code__in=service_codes)
            | Q(documents__code__in=document_codes)
            | Q(csp__code__in=csp_codes)
        ).values_list("pk", flat=True)
    )


def service_list(filters: ServiceFilters, *, today: dt.date) -> QuerySet[CloudService]:
    qs = CloudService.objects.select_related("csp", "unit")
    if filters.csp:
        qs = qs.filter(csp__code=filters.csp)
    if filters.classification == UNCLASSIFIED:
        qs = qs.filter(classification="")
    elif filters.classification == STALE:
        qs = qs.filter(classification_stale=True)
    elif filters.classification:
        qs = qs.filter(classification=filters.classification)
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.unit:
        qs = qs.filter(unit__short_name=filters.unit)
    if filters.material == "yes":
        qs = qs.filter(material=True)
    elif filters.material == "no":
        qs = qs.filter(material=False)
    if filters.q:
        term = filters.q.strip()
        qs = qs.filter(
            Q(name__icontains=term)
            | Q(business_process__icontains=term)
            | Q(information_system__icontains=term)
            | Q(csp__name__icontains=term)
        )
    if filters.overdue:
        qs = qs.filter(pk__in=overdue_service_ids(today))
    return qs.order_by(*SERVICE_SORTS.get(filters.sort, SERVICE_SORTS["name"]))


def service_detail(code: Any) -> CloudService:
    """One service with everything its page shows (locations, the sub-outsourcing chain,
    dependencies both ways, documents and their current files, the CSP's certifications,
    contacts and termination events, the reliance on head office)."""
    try:
        return (
            CloudService.objects.select_related(
                "csp",
                "unit",
                "owner",
                "created_by",
                "classified_by",
                "classification_determination",
                "classification_determination__confirmed_by",
                "use_approval_type",
                "head_office_reliance",
                "head_office_reliance__branch_contact",
                "head_office_reliance__head_office_contract",
                "head_office_reliance__auditor_assessed_by",
            )
            .prefetch_related(
                Prefetch(
                    "locations",
                    queryset=ServiceLocation.objects.select_related("sub_processor").order_by(
                        "sub_processor_id", "country", "region"
                    ),
                ),
                Prefetch(
                    "sub_processors",
                    queryset=SubProcessor.objects.select_related(
                        "parent", "consent_document"
                    ).order_by("name"),
                ),
                Prefetch(
                    "dependencies",
                    queryset=ServiceDependency.objects.select_related("depends_on__csp"),
                ),
                Prefetch(
                    "dependents",
                    queryset=ServiceDependency.objects.select_related("service__csp"),
                ),
                Prefetch(
                    "documents",
                    queryset=Document.objects.select_related("current_file__blob").order_by(
                        "kind", "title"
                    ),
                ),
                Prefetch(
                    "csp__certifications",
                    queryset=Certification.objects.order_by("standard", "-expiry_date"),
                ),
                "csp__contacts",
                "csp__termination_events",
            )
            .get(code=code)
        )
    except (CloudService.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


def csp_wide_documents(service: CloudService) -> list[Document]:
    """The CSP's documents that cover no particular service (an FSI addendum, a commitment
    letter, an audit report): they apply to every service of the CSP."""
    return list(
        Document.objects.filter(csp_id=service.csp_id, services__isnull=True)
        .select_related("current_file__blob")
        .order_by("kind", "title")
    )


def documents_for_service(service: CloudService) -> list[Document]:
    """Every document that covers the service: its own and its CSP's CSP-wide ones."""
    own = list(
        Document.objects.filter(services=service)
        .select_related("current_file__blob", "csp")
        .order_by("kind", "title")
    )
    return own + [d for d in csp_wide_documents(service) if d not in own]


@dataclass
class LocationRow:
    code: Any
    country: str
    region: str
    role: str
    by: str  # "" for the CSP itself, else the sub-processor's name
    offshore: bool
    faq10: bool


def location_rows(service: CloudService) -> list[LocationRow]:
    """The service's locations (prefetched), with offshore and the FAQ-10 list (Ch 1.2 (c))."""
    from fincloud.rules.countries import DOMESTIC, FAQ10_ASSESSED

    rows = []
    for loc in service.locations.all():
        rows.append(
            LocationRow(
                code=loc.code,
                country=loc.country,
                region=loc.region,
                role=loc.get_role_display(),
                by=loc.sub_processor.name if loc.sub_processor else "",
                offshore=loc.country != DOMESTIC,
                faq10=loc.country in FAQ10_ASSESSED,
            )
        )
    return rows


def sub_processor_tree(service: CloudService) -> list[tuple[int, SubProcessor]]:
    """The chain in order, each with its depth (the CSP's direct sub-processors at 0)."""
    subs = list(service.sub_processors.all())
    children: dict[int | None, list[SubProcessor]] = {}
    for sub in subs:
        children.setdefault(sub.parent_id, []).append(sub)
    out: list[tuple[int, SubProcessor]] = []

    def walk(parent: int | None, depth: int) -> None:
        for sub in children.get(parent, []):
            out.append((depth, sub))
            walk(sub.pk, depth + 1)

    walk(None, 0)
    return out


# -- CSPs and documents ----------------------------------------------------------------------


def csp_list() -> QuerySet[CloudServiceProvider]:
    return CloudServiceProvider.objects.annotate(
        service_count=Count("services", distinct=True),
        material_count=Count("services", filter=Q(services__material=True), distinct=True),
        next_expiry=Min("certifications__expiry_date"),
    ).order_by("name")


def csp_detail(code: Any) -> CloudServiceProvider:
    try:
        return CloudServiceProvider.objects.prefetch_related(
            "contacts",
            Prefetch(
                "certifications",
                queryset=Certification.objects.order_by("standard", "-expiry_date"),
            ),
            "termination_events__recorded_by",
            Prefetch(
                "documents",
                queryset=Document.objects.select_related("current_file__blob")
                .prefetch_related("services")
                .order_by("kind", "title"),
            ),
            Prefetch(
                "services", queryset=CloudService.objects.select_related("unit").order_by("name")
            ),
        ).get(code=code)
    except (CloudServiceProvider.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


@dataclass(frozen=True)
class DocumentFilters:
    kind: str = ""
    csp: str = ""
    due: str = ""  # "overdue" | "soon"
    q: str = ""


def document_list(
    filters: DocumentFilters, *, today: dt.date, window_days: int
) -> QuerySet[Document]:
    qs = Document.objects.select_related("csp", "current_file").annotate(
        service_count=Count("services")
    )
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.csp:
        qs = qs.filter(csp__code=filters.csp)
    if filters.q:
        term = filters.q.strip()
        qs = qs.filter(
            Q(title__icontains=term) | Q(reference__icontains=term) | Q(parties__icontains=term)
        )
    if filters.due == "overdue":
        qs = qs.filter(
            Q(expiry_date__lt=today) | Q(notice_deadline__lt=today) | Q(free_trial_end__lt=today)
        )
    elif filters.due == "soon":
        end = today + dt.timedelta(days=window_days)
        qs = qs.filter(
            Q(expiry_date__range=(today, end))
            | Q(notice_deadline__range=(today, end))
            | Q(free_trial_end__range=(today, end))
        )
    return qs.order_by("kind", "title", "pk")


def document_detail(code: Any) -> Document:
    try:
        return (
            Document.objects.select_related("csp", "current_file__blob", "created_by")
            .prefetch_related(
                Prefetch("services", queryset=CloudService.objects.select_related("csp", "unit"))
            )
            .get(code=code)
        )
    except (Document.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


# -- the dashboard ---------------------------------------------------------------------------


@dataclass
class ConcentrationRow:
    csp_code: str
    csp_name: str
    count: int
    material: int
    share: float  # of all services, 0..1


@dataclass
class Dashboard:
    total: int
    by_classification_stage: dict[str, dict[str, int]]
    classification_totals: dict[str, int]
    stage_totals: dict[str, int]
    unclassified: int
    stale: int
    concentration: list[ConcentrationRow]
    material_total: int
    overdue: list[due.DueItem] = field(default_factory=list)
    upcoming: list[due.DueItem] = field(default_factory=list)
    overdue_count: int = 0
    upcoming_count: int = 0
    overdue_by_kind: dict[str, int] = field(default_factory=dict)
    upcoming_by_kind: dict[str, int] = field(default_factory=dict)
    kind_labels: dict[str, str] = field(default_factory=dict)
    window_days: int = DEFAULT_ALERT_WINDOW_DAYS


def dashboard(*, today: dt.date, window_days: int, item_limit: int = 20) -> Dashboard:
    rows = CloudService.objects.values("classification", "stage").annotate(n=Count("pk"))
    grid: dict[str, dict[str, int]] = {
        c: {s: 0 for s in Stage.values} for c in [*Classification.values, ""]
    }
    for row in rows.order_by():
        grid.setdefault(row["classification"], {s: 0 for s in Stage.values})[row["stage"]] = row[
            "n"
        ]
    classification_totals = {c: sum(grid[c].values()) for c in grid}
    stage_totals = {s: sum(grid[c][s] for c in grid) for s in Stage.values}
    total = sum(classification_totals.values())
    stale = CloudService.objects.filter(classification_stale=True).count()

    # Grouped by the CSP's id (an index scan), the names joined afterwards (a few rows).
    per_csp = (
        CloudService.objects.values("csp_id")
        .annotate(n=Count("pk"), m=Count("pk", filter=Q(material=True)))
        .order_by()
    )
    names = dict(
        (pk, (code, name))
        for pk, code, name in CloudServiceProvider.objects.values_list("pk", "code", "name")
    )
    concentration = sorted(
        (
            ConcentrationRow(
                csp_code=str(names[r["csp_id"]][0]),
                csp_name=names[r["csp_id"]][1],
                count=r["n"],
                material=r["m"],
                share=(r["n"] / total) if total else 0.0,
            )
            for r in per_csp
        ),
        key=lambda row: (-row.count, row.csp_name),
    )
    end = today + dt.timedelta(days=window_days)
    items = due.collect(due.DueQuery(end=end, limit=100_000))
    overdue = [i for i in items if i.due < today]
    upcoming = [i for i in items if i.due >= today]
    return Dashboard(
        total=total,
        by_classification_stage={c: grid[c] for c in [*Classification.values, ""]},
        classification_totals=classification_totals,
        stage_totals=stage_totals,
        unclassified=classification_totals.get("", 0),
        stale=stale,
        concentration=concentration,
        material_total=sum(r.material for r in concentration),
        overdue=overdue[-item_limit:][::-1],
        upcoming=upcoming[:item_limit],
        overdue_count=len(overdue),
        upcoming_count=len(upcoming),
        overdue_by_kind=dict(Counter(i.kind for i in overdue)),
        upcoming_by_kind=dict(Counter(i.kind for i in upcoming)),
        # Each provider names its own kinds (a translated label per item).
        kind_labels={i.kind: str(i.label) for i in reversed(items)},
        window_days=window_days,
    )
