"""Background work of oversight on django-tasks (the database backend in settings.TASKS; the
worker is `fincloud manage db_worker`, which `make run` starts).

``daily_oversight`` runs once a day at 07:30 Asia/Taipei. It first enqueues its own next run
(so a failure later in the run never breaks the chain), then refreshes the review schedules,
recomputes the current month's and quarter's SLA attainment (ongoing outages grow), and sends
the reminder e-mails (idempotent per day). The queued run is a database row, so it survives
a restart of the worker or the machine; a worker that was down at 07:30 runs it when it
comes back, once. The chain is started by ``ensure_scheduled`` after every `migrate`
(and by `fincloud oversight schedule`).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.utils import timezone
from django_tasks import task

from fincloud.oversight.dates import TAIPEI, add_months, month_label, quarter_label

logger = logging.getLogger(__name__)
RUN_AT = dt.time(7, 30)


def next_run_time(now: dt.datetime | None = None) -> dt.datetime:
    """The next 07:30 in Asia/Taipei after ``now``."""
    local = (now or timezone.now()).astimezone(TAIPEI)
    candidate = dt.datetime.combine(local.date(), RUN_AT, tzinfo=TAIPEI)
    if candidate <= local:
        candidate += dt.timedelta(days=1)
    return candidate


def _pending_exists(backend_alias: str) -> bool:
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path=daily_oversight.module_path,
        backend_name=backend_alias,
        status=TaskResultStatus.READY,
    ).exists()


def ensure_scheduled(now: dt.datetime | None = None) -> Any:
    """Queue the next daily run unless one is queued already. Only the database backend can
    hold a run for later; with another backend (the tests' immediate one) nothing is queued."""
    from django_tasks_db.backend import DatabaseBackend

    backend = daily_oversight.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return None
    if _pending_exists(backend.alias):
        return None
    return daily_oversight.using(run_after=next_run_time(now)).enqueue()


def recompute_periods(today: dt.date) -> list[str]:
    """The current month and quarter; in the first five days also the month just ended (late
    corrections of its outages still count)."""
    labels = [month_label(today), quarter_label(today)]
    if today.day <= 5:
        previous = add_months(today.replace(day=1), -1)
        labels += [month_label(previous), quarter_label(previous)]
    return list(dict.fromkeys(labels))


@task()
def daily_oversight(day: str | None = None) -> dict[str, Any]:
    from fincloud.oversight.reminders import send_daily_reminders
    from fincloud.oversight.services import attainment_compute, review_schedule_refresh
    from fincloud.web.context import RequestContext, bound, new_request_id

    ensure_scheduled()
    today = dt.date.fromisoformat(day) if day else timezone.localdate()
    out: dict[str, Any] = {"day": today.isoformat()}
    with bound(RequestContext(request_id=new_request_id(), channel="task")):
        try:
            out["schedules"] = review_schedule_refresh(today=today)
        except Exception:  # one failing step must not stop the reminders
            logger.exception("review schedule refresh failed")
        for label in recompute_periods(today):
            try:
                out[label] = attainment_compute(period=label).breaches
            except Exception:
                logger.exception("attainment %s failed", label)
        summary = send_daily_reminders(today)
    out.update(sent=summary.sent, already_sent=summary.already_sent)
    return out


@task()
def recompute_attainment(period: str) -> dict[str, Any]:
    """Queued from the SLA overview: recompute one period for every service."""
    from fincloud.oversight.services import attainment_compute
    from fincloud.web.context import RequestContext, bound, new_request_id

    with bound(RequestContext(request_id=new_request_id(), channel="task")):
        summary = attainment_compute(period=period)
    return {"period": summary.period, "services": summary.services, "breaches": summary.breaches}
