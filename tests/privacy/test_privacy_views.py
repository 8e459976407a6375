"""The job pages: creating with bad input shows fincloud.deid's message and keeps nothing, the
run with its progress endpoint, the reports, approval before download, the marketing deletion
with the CSP as a due item, the list's queries, and the demo job."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from conftest import csv_bytes
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from fincloud.privacy import services
from fincloud.privacy.demo import CREDIT_POLICY, MARKETING_POLICY
from fincloud.privacy.models import DeidJob, MarketingDeletion, RunStatus
from fincloud.register.models import CloudService, CloudServiceProvider
from fincloud.web import due
from fincloud.workflow.models import State

pytestmark = pytest.mark.django_db


def _form(upload, policy: str = CREDIT_POLICY, **extra):  # type: ignore[no-untyped-def]
    data = {
        "title": "Credit default model",
        "source_file": upload,
        "source_path": "",
        "separator": ",",
        "encoding": "utf-8",
        "policy_text": policy,
        "quasi_identifiers": "",
        "sensitive": "Y",
        "target": "Y",
        "output_format": "csv",
        "cloud_service": "",
    }
    data.update(extra)
    return data


def _messages(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m) for m in response.context["messages"]]


def test_bad_input_is_shown_on_the_form_and_nothing_is_kept(
    client, personas, deid_env, credit_upload
):
    client.force_login(personas["governance_officer"])
    policy = CREDIT_POLICY.replace(
        "  X5: {technique: interval, width: 5}", "  gender: {technique: drop}"
    )
    response = client.post(reverse("privacy:job_create"), _form(credit_upload(), policy))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "'gender' is not in the input" in " ".join(errors["policy_text"])
    assert "column &#x27;gender&#x27; is not in the input" in response.content.decode()
    assert DeidJob.objects.count() == 0
    # Both a file and a path, or neither: refused on the form itself.
    response = client.post(
        reverse("privacy:job_create"), _form(credit_upload(), source_path="x.csv")
    )
    assert str(services.ONE_SOURCE) in " ".join(response.context["form"].errors["source_file"])


def test_create_run_approve_download(client, personas, deid_env, credit_upload):
    officer, approver = personas["governance_officer"], personas["approver"]
    client.force_login(officer)
    response = client.post(reverse("privacy:job_create"), _form(credit_upload()))
    assert response.status_code == 302
    job = DeidJob.objects.get()
    detail = reverse("privacy:job_detail", kwargs={"code": job.code})
    assert response.url == detail

    # Submitting before the run is refused with the reason.
    response = client.post(detail + "submit", follow=True)
    assert str(services.RUN_BEFORE_SUBMIT) in _messages(response)

    response = client.post(reverse("privacy:job_run", kwargs={"code": job.code}), follow=True)
    job.refresh_from_db()
    assert job.run_status == RunStatus.DONE
    page = response.content.decode()
    assert job.output_sha256 in page
    assert 'data-testid="scan"' in page and 'data-testid="risk-report"' in page
    assert 'data-testid="utility-report"' in page and 'data-testid="test-c"' in page

    # The progress endpoint tells a page that was polling to reload once the run is over.
    progress = reverse("privacy:job_progress", kwargs={"code": job.code})
    assert client.get(progress + "?was=running")["HX-Refresh"] == "true"
    assert "HX-Refresh" not in client.get(progress + "?was=done")

    download = reverse("privacy:job_download", kwargs={"code": job.code})
    response = client.get(download, follow=True)
    assert str(services.NOT_APPROVED) in _messages(response)
    assert response.redirect_chain[-1][0] == detail

    client.post(detail + "submit")
    client.force_login(approver)
    response = client.post(detail + "approve", {"comment": "residual risk accepted"})
    job.refresh_from_db()
    assert job.state == State.APPROVED and job.decided_by == approver

    client.force_login(officer)
    response = client.get(download)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == job.output_sha256 == response["X-Content-SHA256"]
    assert f'filename="{job.output_name}"' in response["Content-Disposition"]


def test_progress_is_polled_while_queued(client, personas, deid_env, credit_upload):
    officer = personas["governance_officer"]
    job = services.job_create(
        actor=officer, title="", policy_text=CREDIT_POLICY, upload=credit_upload()
    )
    DeidJob.objects.filter(pk=job.pk).update(
        run_status=RunStatus.RUNNING, progress=42, progress_phase="apply"
    )
    client.force_login(personas["examiner"])
    response = client.get(reverse("privacy:job_progress", kwargs={"code": job.code}))
    page = response.content.decode()
    assert 'hx-trigger="every 1s"' in page and 'value="42"' in page
    assert "HX-Refresh" not in response


def test_the_policy_is_shown_escaped(client, personas, deid_env, credit_upload):
    officer = personas["governance_officer"]
    policy = CREDIT_POLICY.replace("description: >-\n", "description: >-\n  <script>x</script>\n")
    job = services.job_create(actor=officer, title="", policy_text=policy, upload=credit_upload())
    client.force_login(officer)
    page = client.get(reverse("privacy:job_detail", kwargs={"code": job.code})).content.decode()
    assert "<script>x</script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


def _service() -> CloudService:
    from factories import UnitFactory

    csp = CloudServiceProvider.objects.create(name="Nimbus Ads", country="US")
    return CloudService.objects.create(
        name="Digital advertising",
        csp=csp,
        service_model="SaaS",
        business_process="Advertising",
        unit=UnitFactory(short_name="retail"),
    )


def test_marketing_data_is_due_for_deletion_with_the_csp(client, personas, deid_env, credit_frame):
    from fincloud.deid import fake

    officer = personas["governance_officer"]
    delete_by = timezone.localdate() + dt.timedelta(days=30)
    policy = MARKETING_POLICY.format(delete_by=delete_by.isoformat())
    upload = SimpleUploadedFile("campaign.csv", csv_bytes(fake.generate(800, seed=3)), "text/csv")
    with pytest.raises(Exception) as refused:  # a marketing job names its CSP
        services.job_create(actor=officer, title="", policy_text=policy, upload=upload)
    assert str(services.MARKETING_NEEDS_SERVICE) in str(refused.value)
    service = _service()
    upload = SimpleUploadedFile("campaign.csv", csv_bytes(fake.generate(800, seed=3)), "text/csv")
    job = services.job_create(
        actor=officer, title="Campaign", policy_text=policy, upload=upload, cloud_service=service
    )
    assert job.delete_by == delete_by
    job = services.job_run(actor=officer, job=job)
    assert job.run_status == RunStatus.DONE, job.run_error

    window = due.DueQuery(start=timezone.localdate(), end=delete_by)
    items = [i for i in due.collect(window) if i.kind == "marketing_deletion"]
    assert [(i.due, i.title) for i in items] == [(delete_by, "Campaign · Nimbus Ads")]
    assert not [
        i
        for i in due.collect(due.DueQuery(end=delete_by - dt.timedelta(days=1)))
        if i.kind == "marketing_deletion"
    ]

    client.force_login(officer)
    url = reverse("privacy:deletion_create", kwargs={"code": job.code})
    assert client.get(url).status_code == 200
    today = timezone.localdate()
    response = client.post(
        url,
        {
            "reason": "campaign_ended",
            "institution_deleted_on": today.isoformat(),
            "csp_deleted_on": (today - dt.timedelta(days=400)).isoformat(),
            "csp_reference": "DEL-2026-0042",
            "note": "",
        },
    )
    assert "csp_deleted_on" in response.context["form"].errors  # before the data was sent
    certificate = SimpleUploadedFile(
        "deletion.pdf", b"%PDF-1.4\nNimbus deletion certificate\n%%EOF\n", "application/pdf"
    )
    response = client.post(
        url,
        {
            "reason": "campaign_ended",
            "institution_deleted_on": today.isoformat(),
            "csp_deleted_on": today.isoformat(),
            "csp_reference": "DEL-2026-0042",
            "note": "Campaign closed",
            "confirmation": certificate,
        },
    )
    assert response.status_code == 302
    record = MarketingDeletion.objects.get()
    from fincloud.evidence.services import evidence_for

    assert [f.original_name for f in evidence_for(record)] == ["deletion.pdf"]
    job.refresh_from_db()
    assert job.output_deleted_at is not None and not Path(job.output_path).exists()
    assert not [i for i in due.collect(window) if i.kind == "marketing_deletion"]


def test_deletion_is_for_marketing_jobs_only(client, personas, deid_env, credit_upload):
    officer = personas["governance_officer"]
    job = services.job_create(
        actor=officer, title="", policy_text=CREDIT_POLICY, upload=credit_upload()
    )
    client.force_login(officer)
    assert (
        client.get(reverse("privacy:deletion_create", kwargs={"code": job.code})).status_code == 404
    )


def test_the_list_reads_in_a_fixed_number_of_queries(
    client, personas, deid_env, credit_upload, django_assert_num_queries
):
    officer = personas["governance_officer"]
    client.force_login(officer)
    url = reverse("privacy:job_list")
    client.get(url)  # warm the session and the caches of the first request

    def queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    services.job_create(actor=officer, title="a", policy_text=CREDIT_POLICY, upload=credit_upload())
    one = queries()
    for title in ("b", "c", "d"):
        services.job_create(
            actor=officer, title=title, policy_text=CREDIT_POLICY, upload=credit_upload()
        )
    assert queries() == one


def test_selector_queries_are_pinned(personas, deid_env, credit_upload, django_assert_num_queries):
    from fincloud.privacy import selectors

    officer = personas["governance_officer"]
    for title in ("a", "b", "c"):
        services.job_create(
            actor=officer, title=title, policy_text=CREDIT_POLICY, upload=credit_upload()
        )
    with django_assert_num_queries(1):
        rows = [(j.title, j.unit.short_name, j.prepared_by.username) for j in selectors.jobs()]
    assert len(rows) == 3


@pytest.mark.slow
def test_the_demo_job_awaits_approval_and_loading_twice_changes_nothing(
    personas, deid_env, settings
):
    from fincloud.privacy import demo
    from fincloud.web.demo import load_people

    settings.FINCLOUD_DEID_KEY_FILE = None
    settings.VAR_DIR = deid_env["tmp"]
    load_people()
    demo.load()
    demo.load()
    job = DeidJob.objects.get(title=demo.CREDIT_TITLE)
    assert job.state == State.SUBMITTED and job.run_status == RunStatus.DONE
    assert job.prepared_by.username == "gov.officer"
    assert job.scan_before["rows"] == 30_000
    assessment = job.assessment
    assert assessment["after"]["prosecutor"]["highest"] <= 0.2
    model = assessment["utility"]["model"]
    assert model["auc_before"] > 0.7 and abs(model["auc_before"] - model["auc_after"]) < 0.02
    assert (deid_env["tmp"] / "deid.keys").stat().st_mode & 0o777 == 0o600
    assert DeidJob.objects.count() == 1  # no advertising service in the register here
