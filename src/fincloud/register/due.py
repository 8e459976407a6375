"""The register's deadlines for ``fincloud.web.due``: certificate expiries, document expiries,
contract renewals and notice deadlines, and the end of free trials (Ch 3.3 subscription terms:
automatic renewal unless the institution acts; a trial or reduced price that ends)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fincloud.register.models import Certification, CloudService, Document
from fincloud.web.due import DueItem, DueQuery

CERTIFICATE_EXPIRES = _("Certificate expires")
DOCUMENT_EXPIRES = _("Document expires")
CONTRACT_RENEWS = _("Contract renews automatically")
NOTICE_DEADLINE = _("Last day to give notice")
TRIAL_ENDS = _("Free trial or reduced price ends")

KINDS = {
    "certificate_expiry": CERTIFICATE_EXPIRES,
    "document_expiry": DOCUMENT_EXPIRES,
    "contract_renewal": CONTRACT_RENEWS,
    "contract_notice": NOTICE_DEADLINE,
    "trial_end": TRIAL_ENDS,
}


def _range(field: str, query: DueQuery) -> Q:
    q = Q(**{f"{field}__isnull": False})
    if query.start is not None:
        q &= Q(**{f"{field}__gte": query.start})
    if query.end is not None:
        q &= Q(**{f"{field}__lte": query.end})
    return q


def _in(date: dt.date | None, query: DueQuery) -> bool:
    if date is None:
        return False
    if query.start is not None and date < query.start:
        return False
    return not (query.end is not None and date > query.end)


def _service_scope(query: DueQuery) -> Q | None:
    """The services a query is about (one service, a unit, the services a person owns)."""
    q = Q()
    if query.service_code:
        q &= Q(code=query.service_code)
    if query.unit_id is not None:
        q &= Q(unit_id=query.unit_id)
    if query.user is not None and getattr(query.user, "pk", None):
        q &= Q(owner_id=query.user.pk)
    return q if q else None


def certificate_expiries(query: DueQuery) -> Iterator[DueItem]:
    certs: QuerySet[Certification] = Certification.objects.filter(
        _range("expiry_date", query)
    ).select_related("csp")
    scope = _service_scope(query)
    if scope is not None:
        # A certificate is the CSP's: it concerns every service of that CSP.
        csp_ids = CloudService.objects.filter(scope).values("csp_id")
        certs = certs.filter(csp_id__in=csp_ids)
    for cert in certs.order_by("expiry_date", "pk")[: query.limit]:
        assert cert.expiry_date is not None  # noqa: S101 - filtered above
        yield DueItem(
            kind="certificate_expiry",
            label=CERTIFICATE_EXPIRES,
            title=f"{cert.standard_label} · {cert.csp.name}",
            due=cert.expiry_date,
            url=reverse("register:csp_detail", kwargs={"code": cert.csp.code})
            + f"#cert-{cert.code}",
            extra={"csp_code": str(cert.csp.code), "certification_code": str(cert.code)},
        )


def document_deadlines(query: DueQuery) -> Iterator[DueItem]:
    docs: QuerySet[Document] = Document.objects.filter(
        _range("expiry_date", query)
        | _range("notice_deadline", query)
        | _range("free_trial_end", query)
    ).select_related("csp")
    scope = _service_scope(query)
    if scope is not None:
        service_ids = CloudService.objects.filter(scope).values("pk")
        csp_ids = CloudService.objects.filter(scope).values("csp_id")
        # Documents covering those services, and CSP-wide ones (an FSI addendum) of their CSPs.
        docs = docs.filter(
            Q(services__in=service_ids) | Q(services__isnull=True, csp_id__in=csp_ids)
        ).distinct()
    rows = list(docs.order_by("pk")[: query.limit])
    coverage = _coverage([d.pk for d in rows])
    for doc in rows:
        yield from _document_items(doc, query, coverage.get(doc.pk))


@dataclass(frozen=True)
class _Coverage:
    count: int
    service_code: str | None  # when the document covers exactly one service
    unit_id: int | None  # when all the services covered belong to one unit


def _coverage(doc_ids: list[int]) -> dict[int, _Coverage]:
    """How many services each document covers, counted in the database: a master agreement
    may cover thousands, and the deadline needs only the count (and the one service, if one)."""
    if not doc_ids:
        return {}
    through = Document.services.through
    counted = (
        through.objects.filter(document_id__in=doc_ids)
        .values("document_id")
        .annotate(
            n=Count("pk"),
            first=Min("cloudservice_id"),
            unit_lo=Min("cloudservice__unit_id"),
            unit_hi=Max("cloudservice__unit_id"),
        )
        .order_by()
    )
    stats = {row["document_id"]: row for row in counted}
    singles = {row["first"] for row in stats.values() if row["n"] == 1}
    codes = (
        dict(CloudService.objects.filter(pk__in=singles).values_list("pk", "code"))
        if singles
        else {}
    )
    return {
        doc_id: _Coverage(
            count=row["n"],
            service_code=str(codes[row["first"]]) if row["n"] == 1 else None,
            unit_id=row["unit_lo"] if row["unit_lo"] == row["unit_hi"] else None,
        )
        for doc_id, row in stats.items()
    }


def _document_items(doc: Document, query: DueQuery, cover: _Coverage | None) -> Iterator[DueItem]:
    extra: dict[str, Any] = {
        "document_code": str(doc.code),
        "service_count": cover.count if cover else 0,
    }
    if doc.csp is not None:
        extra["csp_code"] = str(doc.csp.code)
    url = reverse("register:document_detail", kwargs={"code": doc.code})

    def item(kind: str, date: dt.date) -> DueItem:
        return DueItem(
            kind=kind,
            label=KINDS[kind],
            title=doc.title,
            due=date,
            url=url,
            service_code=cover.service_code if cover else None,
            unit_id=cover.unit_id if cover else None,
            extra=extra,
        )

    if doc.expiry_date is not None and _in(doc.expiry_date, query):
        yield item("contract_renewal" if doc.auto_renewal else "document_expiry", doc.expiry_date)
    if doc.notice_deadline is not None and _in(doc.notice_deadline, query):
        yield item("contract_notice", doc.notice_deadline)
    if doc.free_trial_end is not None and _in(doc.free_trial_end, query):
        yield item("trial_end", doc.free_trial_end)
