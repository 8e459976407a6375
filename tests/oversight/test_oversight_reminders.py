"""Daily reminder e-mails: through Django's e-mail backend, idempotent per day, sent by a
scheduled task on django-tasks' database backend that enqueues its next run and survives a
restart of the worker."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from factories_oversight import ServiceFactory, put_in_use

from fincloud.oversight import services as svc
from fincloud.oversight.models import ReminderDelivery
from fincloud.oversight.reminders import send_daily_reminders
from fincloud.oversight.tasks import daily_oversight, ensure_scheduled, next_run_time

pytestmark = pytest.mark.django_db
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def owners(personas):
    officer = personas["governance_officer"]
    for person in personas.values():
        person.email = f"{person.username}@bank.example"
        person.save(update_fields=["email"])
    today = timezone.localdate()
    service = put_in_use(
        ServiceFactory(owner=officer, unit=officer.unit),
        today.replace(year=today.year - 2),
        "domestic",
    )
    review = svc.review_start(actor=officer, service=service)
    svc.finding_add(
        actor=officer,
        review=review,
        description="Rotate the keys",
        severity="high",
        owner=personas["security"],
        due_date=today + dt.timedelta(days=2),
    )
    return personas


def test_one_mail_per_person_with_something_due_and_none_twice_a_day(owners):
    day = timezone.localdate()
    summary = send_daily_reminders(day)
    assert summary.sent == 2
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients == ["governance_officer@bank.example", "security@bank.example"]
    security = next(m for m in mail.outbox if m.to == ["security@bank.example"])
    assert "Rotate the keys" in security.body
    again = send_daily_reminders(day)
    assert again.sent == 0 and again.already_sent == 2
    assert len(mail.outbox) == 2
    assert send_daily_reminders(day + dt.timedelta(days=1)).sent == 2


def test_a_failed_send_is_tried_again_next_run(owners, monkeypatch):
    from django.core.mail import EmailMessage

    def broken(self, fail_silently=False):
        raise OSError("mail server down")

    monkeypatch.setattr(EmailMessage, "send", broken)
    with pytest.raises(OSError):
        send_daily_reminders(timezone.localdate())
    assert ReminderDelivery.objects.count() == 0
    monkeypatch.undo()
    assert send_daily_reminders(timezone.localdate()).sent == 2


def test_the_next_run_is_the_next_0730_in_taipei():
    before = dt.datetime(2026, 3, 1, 23, 0, tzinfo=dt.UTC)  # 07:00 in Taipei
    after = dt.datetime(2026, 3, 1, 23, 31, tzinfo=dt.UTC)  # 07:31 in Taipei
    assert next_run_time(before) == dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC)
    assert next_run_time(after) == dt.datetime(2026, 3, 2, 23, 30, tzinfo=dt.UTC)


@override_settings(TASKS=DB_TASKS)
def test_the_daily_run_is_queued_once_in_the_database():
    DBTaskResult.objects.all().delete()
    ensure_scheduled()
    ensure_scheduled()
    queued = DBTaskResult.objects.get(task_path=daily_oversight.module_path)
    assert queued.status == TaskResultStatus.READY
    assert queued.run_after == next_run_time()


@override_settings(TASKS=DB_TASKS, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
def test_a_restarted_worker_runs_the_missed_day_once_and_queues_the_next(owners, monkeypatch):
    # The worker closes "old" connections between tasks; inside the test's transaction that
    # would close the test's own connection, so it is kept open here.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    DBTaskResult.objects.all().delete()
    # The run that was due at 07:30 while the worker was down.
    missed = timezone.now() - dt.timedelta(hours=3)
    daily_oversight.using(run_after=missed).enqueue()
    call_command("db_worker", batch=True, startup_delay=False, queue_name="*", verbosity=0)
    done = DBTaskResult.objects.get(status=TaskResultStatus.SUCCESSFUL)
    assert done.return_value["sent"] == 2
    assert len(mail.outbox) == 2
    following = DBTaskResult.objects.get(status=TaskResultStatus.READY)
    assert following.run_after > timezone.now()
    # A second worker start today finds nothing due; running the day again sends nothing.
    call_command("db_worker", batch=True, startup_delay=False, queue_name="*", verbosity=0)
    assert DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == 1
    daily_oversight.using(run_after=missed).enqueue()
    call_command("db_worker", batch=True, startup_delay=False, queue_name="*", verbosity=0)
    assert len(mail.outbox) == 2
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1
