"""Deletion of marketing data with the CSP, as due items (Ch 9.2 (e)): a marketing job whose
output exists and whose campaign-end deletion is not yet recorded is due on its delete-by date."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fincloud.privacy.models import DeidJob, MarketingDeletion, Purpose, RunStatus
from fincloud.web.due import DueItem, DueQuery


def marketing_deletions(query: DueQuery) -> Iterable[DueItem]:
    if query.service_code:
        qs = DeidJob.objects.filter(cloud_service__code=query.service_code)
    else:
        qs = DeidJob.objects.all()
    ended = MarketingDeletion.objects.filter(
        job=OuterRef("pk"), reason=MarketingDeletion.Reason.CAMPAIGN_ENDED
    )
    qs = (
        qs.filter(
            policy_purpose=Purpose.MARKETING,
            run_status=RunStatus.DONE,
            delete_by__isnull=False,
        )
        .exclude(Exists(ended))
        .select_related("cloud_service", "cloud_service__csp")
        .only(
            "code",
            "title",
            "delete_by",
            "unit_id",
            "prepared_by_id",
            "cloud_service__code",
            "cloud_service__name",
            "cloud_service__csp__name",
        )
    )
    if query.start is not None:
        qs = qs.filter(delete_by__gte=query.start)
    if query.end is not None:
        qs = qs.filter(delete_by__lte=query.end)
    if query.unit_id is not None:
        qs = qs.filter(unit_id=query.unit_id)
    if query.user is not None:
        qs = qs.filter(prepared_by=query.user)
    items = []
    for job in qs.order_by("delete_by")[: query.limit]:
        if job.delete_by is None:  # filtered above; for the type checker
            continue
        service = job.cloud_service
        items.append(
            DueItem(
                kind="marketing_deletion",
                label=_("Delete the marketing data with the CSP (Ch 9.2 (e))"),
                title=f"{job.title} · {service.csp.name}" if service else job.title,
                due=job.delete_by,
                url=reverse("privacy:job_detail", kwargs={"code": job.code}),
                service_code=str(service.code) if service else None,
                unit_id=job.unit_id,
                owner_id=job.prepared_by_id,
            )
        )
    return items
