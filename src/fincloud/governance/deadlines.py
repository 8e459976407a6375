"""What 日常執行與控管 puts on the dashboard and the calendar (fincloud.web.due providers).

Each provider filters by the query's window in the database and returns DueItems: the yearly
policy review (Ch 1.3), a pending policy update, strategy documents' reviews, the next committee
meeting (Ch 1.4 (c)), the committee's open actions, the review dates of accepted
segregation-of-duties exceptions, open training needs, certificates about to expire (the
reminder before expiry) and training gap actions (Ch 4.2 (e)).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fincloud.web.due import DueItem, DueQuery


def _in(day: dt.date | None, query: DueQuery) -> bool:
    if day is None:
        return False
    if query.start is not None and day < query.start:
        return False
    return query.end is None or day <= query.end


def _window(query: DueQuery, field: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if query.start is not None:
        out[f"{field}__gte"] = query.start
    if query.end is not None:
        out[f"{field}__lte"] = query.end
    return out


def policy_items(query: DueQuery) -> Iterable[DueItem]:
    from fincloud.governance import selectors

    if query.service_code:
        return []
    status = selectors.policy_status()
    policy = status.policy
    if policy is None:
        return []
    url = reverse("governance:policy_detail", kwargs={"code": policy.code})
    items = []
    if _in(status.review.due_on, query) and status.review.due_on is not None:
        items.append(
            DueItem(
                kind="policy_review",
                label=_("Yearly review of the cloud service management policy"),
                title=str(policy),
                due=status.review.due_on,
                url=url,
                unit_id=policy.unit_id,
            )
        )
    if status.update.pending and status.update.due_on and _in(status.update.due_on, query):
        items.append(
            DueItem(
                kind="policy_update",
                label=_("Policy update found needed by the review"),
                title=str(policy),
                due=status.update.due_on,
                url=url,
                unit_id=policy.unit_id,
            )
        )
    if query.user is not None:
        items = [i for i in items if policy.prepared_by_id == query.user.pk]
    if query.unit_id is not None:
        items = [i for i in items if i.unit_id == query.unit_id]
    return items


def strategy_items(query: DueQuery) -> Iterable[DueItem]:
    """Strategy documents whose owner set a next review date."""
    from fincloud.governance.models import StrategyDocument

    if query.service_code:
        return []
    docs = StrategyDocument.objects.filter(
        next_review_on__isnull=False, **_window(query, "next_review_on")
    ).select_related("owner")
    if query.user is not None:
        docs = docs.filter(owner=query.user)
    if query.unit_id is not None:
        docs = docs.filter(owner__unit_id=query.unit_id)
    return [
        DueItem(
            kind="strategy_review",
            label=_("Review of a strategy document"),
            title=doc.title,
            due=doc.next_review_on,  # type: ignore[arg-type]
            url=reverse("governance:strategy_detail", kwargs={"code": doc.code}),
            unit_id=doc.owner.unit_id,
            owner_id=doc.owner_id,
        )
        for doc in docs.order_by("next_review_on")[: query.limit]
    ]


def committee_items(query: DueQuery) -> Iterable[DueItem]:
    from fincloud.governance import selectors
    from fincloud.governance.models import ActionItem

    if query.service_code:
        return []
    items: list[DueItem] = []
    actions = ActionItem.objects.filter(
        status=ActionItem.Status.OPEN, **_window(query, "due_on")
    ).select_related("owner", "meeting")
    if query.user is not None:
        actions = actions.filter(owner=query.user)
    if query.unit_id is not None:
        actions = actions.filter(owner__unit_id=query.unit_id)
    for action in actions.order_by("due_on")[: query.limit]:
        items.append(
            DueItem(
                kind="committee_action",
                label=_("Committee follow-up action"),
                title=action.title,
                due=action.due_on,
                url=reverse("governance:meeting_detail", kwargs={"code": action.meeting.code}),
                unit_id=action.owner.unit_id,
                owner_id=action.owner_id,
            )
        )
    if query.user is None and query.unit_id is None:
        committee = selectors.committee()
        due = selectors.next_meeting_due(committee)
        if committee is not None and due is not None and _in(due, query):
            items.append(
                DueItem(
                    kind="committee_meeting",
                    label=_("Governance committee meeting"),
                    title=committee.name,
                    due=due,
                    url=reverse("governance:committee"),
                )
            )
    return items


def sod_items(query: DueQuery) -> Iterable[DueItem]:
    from fincloud.governance.models import DutyAssignment

    rows = DutyAssignment.objects.filter(
        exception__isnull=False, **_window(query, "exception__review_by")
    ).select_related("exception", "person")
    rows = rows.exclude(ends_on__lt=query.start) if query.start else rows
    if query.service_code:
        rows = rows.filter(service__code=query.service_code)
    if query.unit_id is not None:
        rows = rows.filter(person__unit_id=query.unit_id)
    if query.user is not None:
        rows = rows.filter(exception__prepared_by=query.user)
    return [
        DueItem(
            kind="sod_exception_review",
            label=_("Review of an accepted segregation-of-duties conflict"),
            title=str(a),
            due=a.exception.review_by,  # type: ignore[union-attr]
            url=reverse("governance:sod_exception_detail", kwargs={"code": a.exception.code}),  # type: ignore[union-attr]
            service_code=str(a.service.code) if a.service else None,
            unit_id=a.person.unit_id,
            owner_id=a.person_id,
        )
        for a in rows.select_related("service")[: query.limit]
    ]


def training_items(query: DueQuery) -> Iterable[DueItem]:
    from fincloud.governance.labels import topic_label
    from fincloud.governance.models import Attendance, GapAction, TrainingNeed

    if query.service_code:
        return []
    items: list[DueItem] = []
    needs = TrainingNeed.objects.filter(
        status=TrainingNeed.Status.OPEN, **_window(query, "due_on")
    ).select_related("person")
    certs = Attendance.objects.filter(
        valid_until__isnull=False, **_window(query, "valid_until")
    ).select_related("person", "session__course")
    gaps = GapAction.objects.filter(
        status=GapAction.Status.OPEN, **_window(query, "due_on")
    ).select_related("owner")
    if query.user is not None:
        needs = needs.filter(person=query.user)
        certs = certs.filter(person=query.user)
        gaps = gaps.filter(owner=query.user)
    if query.unit_id is not None:
        needs = needs.filter(person__unit_id=query.unit_id)
        certs = certs.filter(person__unit_id=query.unit_id)
        gaps = gaps.filter(owner__unit_id=query.unit_id)
    for need in needs[: query.limit]:
        items.append(
            DueItem(
                kind="training_need",
                label=_("Training needed"),
                title=f"{need.person}: {topic_label(need.topic)}",
                due=need.due_on,
                url=reverse("governance:person_training", kwargs={"code": need.person.code}),
                unit_id=need.person.unit_id,
                owner_id=need.person_id,
            )
        )
    # The reminder before expiry: a certificate shows from the start of the window up to its
    # expiry; one renewed by a later completion of the same course is left out.
    renewed = _renewed(certs)
    for att in certs[: query.limit]:
        if att.pk in renewed:
            continue
        items.append(
            DueItem(
                kind="certificate_expiry",
                label=_("Training certificate expires"),
                title=f"{att.person}: {att.session.course}",
                due=att.valid_until,  # type: ignore[arg-type]
                url=reverse("governance:person_training", kwargs={"code": att.person.code}),
                unit_id=att.person.unit_id,
                owner_id=att.person_id,
            )
        )
    for gap in gaps[: query.limit]:
        items.append(
            DueItem(
                kind="training_gap_action",
                label=_("Action on a training gap"),
                title=gap.description[:80],
                due=gap.due_on,
                url=reverse("governance:training_gaps"),
                unit_id=gap.owner.unit_id,
                owner_id=gap.owner_id,
            )
        )
    return items


def _renewed(certs: Any) -> set[int]:
    """Certificates a later completion of the same course by the same person replaces."""
    from fincloud.governance.models import Attendance

    rows = list(certs)
    if not rows:
        return set()
    later = Attendance.objects.filter(
        person_id__in={a.person_id for a in rows},
        session__course_id__in={a.session.course_id for a in rows},
        valid_until__isnull=False,
    ).values_list("person_id", "session__course_id", "valid_until")
    best: dict[tuple[int, int], dt.date] = {}
    for person, course, until in later:
        key = (person, course)
        if until is not None and (key not in best or until > best[key]):
            best[key] = until
    return {
        a.pk
        for a in rows
        if a.valid_until is not None
        and best.get((a.person_id, a.session.course_id), a.valid_until) > a.valid_until
    }


def register_all() -> None:
    from fincloud.web import due

    due.register("governance.policy", policy_items)
    due.register("governance.strategy", strategy_items)
    due.register("governance.committee", committee_items)
    due.register("governance.sod", sod_items)
    due.register("governance.training", training_items)
