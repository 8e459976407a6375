"""The shared apps' answers to "where is this manual item used"."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fincloud.determinations.models import Determination
from fincloud.evidence.models import EvidenceFile
from fincloud.manual.usage import UsageRef


def determinations_citing(node_id: str, limit: int) -> Iterable[UsageRef]:
    # JSON lists are searched as text: '"id"' with its quotes cannot match a longer id.
    rows = (
        Determination.objects.filter(current=True, citations__icontains=f'"{node_id}"')
        .select_related("subject_type")
        .order_by("-computed_at")[:limit]
    )
    for det in rows:
        subject = det.subject
        yield UsageRef(
            label=_("Determination"),
            title=f"{det.kind}: {det.effective_outcome} ({subject or det.subject_id})",
        )


def evidence_for_node(node_id: str, limit: int) -> Iterable[UsageRef]:
    rows = EvidenceFile.objects.filter(catalog_ids__icontains=f'"{node_id}"').order_by(
        "-uploaded_at"
    )[:limit]
    for ev in rows:
        yield UsageRef(
            label=_("Evidence file"),
            title=str(ev),
            url=reverse("evidence:download", kwargs={"code": ev.code}),
        )
