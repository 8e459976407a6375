"""The daily reminder e-mails: what is due for each person, through Django's e-mail backend
(the console backend unless EMAIL_BACKEND says otherwise).

Idempotent per day: each (day, person) is a ``ReminderDelivery`` row inserted in the same
transaction as the sending, under a unique constraint; a second run, a second worker or a
restart finds the row and sends nothing again. A failed send rolls the row back, so the next
run tries that person again.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event
from fincloud.oversight.models import ReminderDelivery
from fincloud.web import due

HORIZON_DAYS = 7
MAX_ITEMS = 100


@dataclass(frozen=True)
class ReminderSummary:
    day: dt.date
    sent: int
    already_sent: int
    nothing_due: int


def base_url() -> str:
    return str(
        getattr(settings, "FINCLOUD_BASE_URL", "") or os.environ.get("FINCLOUD_BASE_URL", "")
    ).rstrip("/")


def recipients() -> Any:
    from fincloud.people.models import User

    return (
        User.objects.filter(is_active=True, groups__isnull=False)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def _message(user: Any, items: list[due.DueItem], day: dt.date, connection: Any) -> EmailMessage:
    language = "en" if str(user.language).startswith("en") else "zh-hant"
    with translation.override(language):
        overdue = sum(1 for i in items if i.overdue(day))
        subject = ngettext(
            "[fincloud] %(count)d item due or overdue (%(day)s)",
            "[fincloud] %(count)d items due or overdue (%(day)s)",
            len(items),
        ) % {"count": len(items), "day": day.isoformat()}
        lines = [
            _("Hello %(name)s,") % {"name": user},
            "",
            _("These deadlines are yours (overdue: %(overdue)d; due within %(days)d days):")
            % {"overdue": overdue, "days": HORIZON_DAYS},
            "",
        ]
        root = base_url()
        for item in items:
            mark = _("OVERDUE") + " " if item.overdue(day) else ""
            lines.append(f"- {item.due.isoformat()} {mark}{item.label}: {item.title}")
            lines.append(f"  {root}{item.url}")
        lines += ["", _("The calendar: %(url)s") % {"url": f"{root}/oversight/calendar/"}]
    return EmailMessage(
        subject=subject,
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[user.email],
        connection=connection,
    )


def send_daily_reminders(day: dt.date | None = None) -> ReminderSummary:
    day = day or timezone.localdate()
    sent = already = nothing = 0
    done = set(ReminderDelivery.objects.filter(day=day).values_list("user_id", flat=True))
    connection = get_connection()
    for user in recipients():
        if user.pk in done:
            already += 1
            continue
        items = due.collect(
            due.DueQuery(
                start=None,
                end=day + dt.timedelta(days=HORIZON_DAYS),
                user=user,
                limit=MAX_ITEMS,
            )
        )
        if not items:
            nothing += 1
            continue
        with transaction.atomic():
            _row, created = ReminderDelivery.objects.get_or_create(
                day=day, user=user, defaults={"items": len(items), "sent_at": timezone.now()}
            )
            if not created:  # another worker got there first
                already += 1
                continue
            _message(user, items, day, connection).send()
        sent += 1
    if sent:
        record_event(
            actor=None,
            action=Action.CREATE,
            object_type="oversight.reminderdelivery",
            object_id=day.isoformat(),
            object_repr=f"Reminder e-mails {day.isoformat()}",
            changes={"sent": [None, sent], "day": [None, day.isoformat()]},
        )
    return ReminderSummary(day, sent, already, nothing)
