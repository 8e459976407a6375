"""De-identification jobs, service by service: the life of a job on the Taiwan credit data,
approval before download, segregation of duties, the source deleted unless kept, allowed
directories, and the bad inputs of issue 10 (each refused with fincloud.deid's message and
nothing kept)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl
import pytest
from conftest import CREDIT_ROWS, csv_bytes
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from fincloud.auditlog.models import AuditEvent
from fincloud.deid.policy import parse_policy
from fincloud.evidence.filetypes import ALLOWED_LABEL, REFUSED
from fincloud.privacy import services
from fincloud.privacy.demo import CREDIT_POLICY
from fincloud.privacy.models import DeidJob, RunStatus
from fincloud.privacy.policies import parse_policy_text
from fincloud.workflow.models import State
from fincloud.workflow.services import (
    SOD_PREPARER_CANNOT_DECIDE,
    WorkflowError,
    record_approve,
)

pytestmark = pytest.mark.django_db


def _create(actor, upload, policy: str = CREDIT_POLICY, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("sensitive", "Y")
    kw.setdefault("target", "Y")
    return services.job_create(actor=actor, title="", policy_text=policy, upload=upload, **kw)


def _events(job: DeidJob) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type="privacy.deidjob", object_id=str(job.code)).order_by(
            "seq"
        )
    )


def _error_text(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(str(m) for m in exc.value.messages)


def test_job_lifecycle_on_the_credit_data(personas, deid_env, credit_upload, credit_frame):
    officer = personas["governance_officer"]
    job = _create(officer, credit_upload())
    assert job.state == State.DRAFT and job.run_status == RunStatus.READY
    source = Path(job.source_path)
    assert source.is_file() and source.is_relative_to(deid_env["work"])
    assert job.source_sha256 == hashlib.sha256(csv_bytes(credit_frame)).hexdigest()
    # The policy, its hash (canonical form: fincloud.deid's own) and the measured columns.
    assert job.policy_sha256 == parse_policy_text(CREDIT_POLICY).sha256()
    assert job.quasi_identifiers == ["X1", "X2", "X3", "X4", "X5"]

    job = services.job_run(actor=officer, job=job)  # the immediate task backend in tests
    assert job.run_status == RunStatus.DONE, job.run_error
    assert job.progress == 100
    # Scan before: the generated national IDs, mobiles and e-mails; after: none of them.
    before = job.scan_before["columns"]
    assert {f["type"] for f in before["id_number"]} <= {"tw_national_id", "tw_resident_certificate"}
    assert sum(f["valid"] for f in before["id_number"]) == CREDIT_ROWS
    assert before["mobile"][0]["type"] == "tw_mobile_phone"
    assert all(findings == [] for findings in job.scan_after["columns"].values())
    assert "name" not in job.scan_after["columns"]
    # The run record: policy, hash, tool version and key fingerprints, never the key.
    record = job.run_record
    assert record["policy_sha256"] == job.policy_sha256
    assert record["tool_version"].startswith("fincloud ")
    key_hex = deid_env["keys"].read_text().split("=")[1].strip()
    assert set(record["key_fingerprints"]) == {"main"}
    assert key_hex not in str(record)
    # The output's SHA-256 is the file's.
    output = Path(job.output_path)
    assert hashlib.sha256(output.read_bytes()).hexdigest() == job.output_sha256
    assert job.output_rows == pl.read_csv(output, infer_schema=False).height
    # The risk report: the prosecutor's highest risk falls to at most 1/k.
    assessment = job.assessment
    assert assessment["before"]["prosecutor"]["highest"] == 1.0
    assert assessment["after"]["prosecutor"]["highest"] <= 0.2
    assert assessment["after"]["singling_out"]["population_unique_records"] == 0
    assert assessment["utility"]["model"]["target"] == "Y"
    # Not kept by any decision: the source is gone, and that is on the audit trail.
    assert not source.exists() and job.source_deleted_at is not None
    actions = [e.action for e in _events(job)]
    assert actions == ["create", "update", "update", "update", "delete"]


def test_no_download_before_approval_and_the_download_is_logged(personas, deid_env, credit_upload):
    officer, approver = personas["governance_officer"], personas["approver"]
    job = services.job_run(actor=officer, job=_create(officer, credit_upload()))
    with pytest.raises(ValidationError) as refused:
        services.job_download(actor=officer, job=job)
    assert refused.value.messages == [str(services.NOT_APPROVED)]
    job = services.job_submit(actor=officer, job=job)
    with pytest.raises(ValidationError):
        services.job_download(actor=officer, job=job)  # submitted is not approved
    job = record_approve(record=job, actor=approver, comment="risk acceptable")
    path = services.job_download(actor=officer, job=job)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == job.output_sha256
    actions = [e.action for e in _events(job)]
    assert actions.count("denied") == 2 and actions[-1] == "export"


def test_submit_needs_a_finished_run(personas, deid_env, credit_upload):
    officer = personas["governance_officer"]
    job = _create(officer, credit_upload())
    with pytest.raises(ValidationError) as refused:
        services.job_submit(actor=officer, job=job)
    assert refused.value.messages == [str(services.RUN_BEFORE_SUBMIT)]


def test_the_preparer_cannot_approve_their_own_job(personas, deid_env, credit_upload):
    from fincloud.people.roles import Role

    from factories import UserFactory

    officer = personas["governance_officer"]
    both = UserFactory(
        username="officer_and_approver",
        unit=officer.unit,
        roles=[Role.GOVERNANCE_OFFICER, Role.APPROVER],
        approves_for=[officer.unit],
    )
    job = services.job_run(actor=both, job=_create(both, credit_upload()))
    job = services.job_submit(actor=both, job=job)
    with pytest.raises(WorkflowError) as refused:
        record_approve(record=job, actor=both)
    assert refused.value.messages == [str(SOD_PREPARER_CANNOT_DECIDE)]
    job.refresh_from_db()
    assert job.state == State.SUBMITTED
    with pytest.raises(ValidationError):
        services.job_download(actor=both, job=job)


def test_the_source_is_kept_only_by_a_recorded_decision(personas, deid_env, credit_upload):
    officer = personas["governance_officer"]
    with pytest.raises(ValidationError) as refused:
        _create(officer, credit_upload(), keep_source=True, keep_reason="  ")
    assert refused.value.message_dict == {"keep_reason": [str(services.KEEP_NEEDS_REASON)]}
    job = _create(
        officer, credit_upload(), keep_source=True, keep_reason="Reconciliation with finance"
    )
    assert job.keep_decided_by == officer and job.keep_decided_at is not None
    job = services.job_run(actor=officer, job=job)
    assert job.run_status == RunStatus.DONE
    assert Path(job.source_path).is_file() and job.source_deleted_at is None
    # A decision is taken before the run; afterwards the kept source can only be deleted.
    with pytest.raises(ValidationError):
        services.job_decide_source(actor=officer, job=job, keep=False, reason="")
    job = services.job_delete_source(actor=officer, job=job)
    assert not Path(job.source_path).exists() and job.source_deleted_at is not None


def test_a_path_source_must_be_inside_the_allowed_directories(personas, deid_env, credit_frame):
    officer = personas["governance_officer"]
    outside = deid_env["tmp"] / "elsewhere.csv"
    outside.write_bytes(csv_bytes(credit_frame))
    link = deid_env["inbox"] / "link.csv"
    link.symlink_to(outside)
    for given in (str(outside), str(link), "../elsewhere.csv"):
        with pytest.raises(ValidationError) as refused:
            services.job_create(actor=officer, title="", policy_text=CREDIT_POLICY, path=given)
        assert "source_path" in refused.value.message_dict, given
        assert "outside the allowed directories" in _error_text(refused)
    assert DeidJob.objects.count() == 0

    inside = deid_env["inbox"] / "credit.csv"
    inside.write_bytes(csv_bytes(credit_frame))
    digest = hashlib.sha256(inside.read_bytes()).hexdigest()
    job = services.job_create(actor=officer, title="", policy_text=CREDIT_POLICY, path="credit.csv")
    assert job.source_kind == "path" and job.source_path == str(inside.resolve())
    # If the file is swapped for a link out of the directory before the run, the run refuses.
    inside.unlink()
    inside.symlink_to(outside)
    job = services.job_run(actor=officer, job=job)
    assert job.run_status == RunStatus.FAILED
    assert "outside the allowed directories" in job.run_error
    assert outside.read_bytes() == csv_bytes(credit_frame)  # never modified
    inside.unlink()
    inside.write_bytes(csv_bytes(credit_frame))
    assert hashlib.sha256(inside.read_bytes()).hexdigest() == digest
    job = services.job_run(actor=officer, job=job)
    assert job.run_status == RunStatus.DONE
    assert not inside.exists()  # deleted after the job: no decision kept it


def test_a_changed_path_source_is_refused(personas, deid_env, credit_frame):
    officer = personas["governance_officer"]
    inside = deid_env["inbox"] / "credit.csv"
    inside.write_bytes(csv_bytes(credit_frame))
    job = services.job_create(actor=officer, title="", policy_text=CREDIT_POLICY, path="credit.csv")
    inside.write_bytes(csv_bytes(credit_frame.head(100)))
    job = services.job_run(actor=officer, job=job)
    assert (
        job.run_status == RunStatus.FAILED and "changed since the job was created" in job.run_error
    )


def _nothing_kept(deid_env: dict[str, Path]) -> None:
    assert DeidJob.objects.count() == 0
    assert not AuditEvent.objects.filter(object_type="privacy.deidjob").exists()
    incoming = deid_env["work"] / "incoming"
    assert not incoming.exists() or list(incoming.iterdir()) == []
    jobs = deid_env["work"] / "jobs"
    assert not jobs.exists() or list(jobs.rglob("*.*")) == []


def test_a_policy_naming_a_missing_column(personas, deid_env, credit_upload):
    policy = CREDIT_POLICY.replace(
        "  X5: {technique: interval, width: 5}", "  gender: {technique: drop}"
    )
    with pytest.raises(ValidationError) as refused:
        _create(personas["governance_officer"], credit_upload(), policy=policy)
    assert set(refused.value.message_dict) == {"policy"}
    message = _error_text(refused)
    assert "columns.gender" in message and "'gender' is not in the input" in message
    _nothing_kept(deid_env)


def test_a_hierarchy_that_does_not_cover_a_value(personas, deid_env, credit_upload):
    # X3 (education) takes 0-6 in the data; a hierarchy for 1-4 only, in the allowed folder.
    (deid_env["inbox"] / "education.csv").write_text(
        "1;graduate;*\n2;university;*\n3;high;*\n4;other;*\n"
    )
    head, table = CREDIT_POLICY.split("table:\n")
    policy = head + "  X3: {technique: hierarchy, file: education.csv, level: 1}\ntable:\n" + table
    with pytest.raises(ValidationError) as refused:
        _create(personas["governance_officer"], credit_upload(), policy=policy)
    message = _error_text(refused)
    assert "columns.X3" in message and "not covered by the hierarchy education.csv" in message
    assert "'X3'" in message
    _nothing_kept(deid_env)


def test_a_hierarchy_file_outside_the_allowed_directories(personas, deid_env, credit_upload):
    (deid_env["tmp"] / "education.csv").write_text("1;a;*\n")
    head, table = CREDIT_POLICY.split("table:\n")
    policy = (
        head + "  X3: {technique: hierarchy, file: ../education.csv, level: 1}\ntable:\n" + table
    )
    with pytest.raises(ValidationError) as refused:
        _create(personas["governance_officer"], credit_upload(), policy=policy)
    assert "columns.X3" in _error_text(refused) and "outside the allowed" in _error_text(refused)
    _nothing_kept(deid_env)


def test_a_missing_key(personas, deid_env, credit_upload):
    policy = CREDIT_POLICY.replace("key: main", "key: campaign")
    with pytest.raises(ValidationError) as refused:
        _create(personas["governance_officer"], credit_upload(), policy=policy)
    message = _error_text(refused)
    assert "'campaign'" in message and "FINCLOUD_DEID_KEY_CAMPAIGN" in message
    assert "never from the policy" in message
    _nothing_kept(deid_env)


def test_key_material_in_a_policy_is_refused(personas, deid_env, credit_upload):
    policy = CREDIT_POLICY.replace("context: credit-model", f"context: {'ab' * 32}")
    with pytest.raises(ValidationError) as refused:
        _create(personas["governance_officer"], credit_upload(), policy=policy)
    assert "looks like key material" in _error_text(refused)
    _nothing_kept(deid_env)


def test_a_big5_file_is_named_and_can_be_read_as_cp950(personas, deid_env, credit_frame):
    officer = personas["governance_officer"]
    frame = credit_frame.with_columns(pl.lit("臺北市大安區").alias("branch"))
    big5 = csv_bytes(frame).decode().encode("cp950")
    with pytest.raises(ValidationError) as refused:
        _create(officer, SimpleUploadedFile("big5.csv", big5, "text/csv"))
    message = _error_text(refused)
    assert set(refused.value.message_dict) == {"source_file"}
    assert "big5.csv is not UTF-8" in message and "Big5/CP950" in message
    assert str(deid_env["work"]) not in message  # the server's path is not shown
    _nothing_kept(deid_env)
    job = _create(officer, SimpleUploadedFile("big5.csv", big5, "text/csv"), encoding="cp950")
    job = services.job_run(actor=officer, job=job)
    assert job.run_status == RunStatus.DONE, job.run_error
    assert pl.read_csv(job.output_path, infer_schema=False)["branch"][0] == "臺北市大安區"


def test_bad_policy_syntax_and_format(personas, deid_env, credit_upload):
    officer = personas["governance_officer"]
    cases = {
        "fincloud_deid_policy: 1\nname: [unclosed\n": "not valid YAML or JSON (line",
        "fincloud_deid_policy: 1\nname: x\npurpose: marketing\nother_columns: keep\n": "delete_by",
        "fincloud_deid_policy: 1\nname: x\npurpose: analytics\nother_columns: keep\n"
        "columns:\n  X1: {technique: round}\n": "columns.X1",
        "a: &x [1]\nb: *x\n": "anchors and aliases",
    }
    for text, expected in cases.items():
        with pytest.raises(ValidationError) as refused:
            _create(officer, credit_upload(), policy=text)
        assert expected in _error_text(refused), (text, _error_text(refused))
    _nothing_kept(deid_env)


def test_a_value_a_technique_cannot_take_fails_the_run_and_keeps_nothing(
    personas, deid_env, credit_frame
):
    officer = personas["governance_officer"]
    frame = credit_frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 41)
        .then(pl.lit("unknown"))
        .otherwise(pl.col("X5"))
        .alias("X5")
    )
    job = _create(officer, SimpleUploadedFile("credit.csv", csv_bytes(frame), "text/csv"))
    job = services.job_run(actor=officer, job=job)
    assert job.run_status == RunStatus.FAILED
    assert "column 'X5' row 42: not a number" in job.run_error
    assert job.output_path == "" and job.assessment is None
    assert not (deid_env["work"] / "jobs" / str(job.code) / "output").exists()
    # The source stays for a corrected policy; the correction is checked the same way.
    assert Path(job.source_path).is_file()
    fixed = CREDIT_POLICY.replace(
        "X5: {technique: interval, width: 5}", "X5: {technique: suppress, when: rare, min_count: 5}"
    )
    job = services.job_update_policy(actor=officer, job=job, policy_text=fixed, sensitive="Y")
    assert job.run_status == RunStatus.READY
    job = services.job_run(actor=officer, job=job)
    assert job.run_status == RunStatus.DONE, job.run_error


def test_only_the_preparer_runs_the_job(personas, deid_env, credit_upload):
    job = _create(personas["governance_officer"], credit_upload())
    with pytest.raises(ValidationError) as refused:
        services.job_run(actor=personas["security"], job=job)
    assert refused.value.messages == [str(services.NOT_PREPARER)]


def test_parquet_sources(personas, deid_env, credit_frame, tmp_path):
    officer = personas["governance_officer"]
    path = tmp_path / "credit.parquet"
    credit_frame.write_parquet(path)
    job = _create(officer, SimpleUploadedFile("credit.parquet", path.read_bytes()))
    job = services.job_run(actor=officer, job=job)
    assert job.run_status == RunStatus.DONE and job.source_format == "parquet"
    with pytest.raises(ValidationError) as refused:
        _create(officer, SimpleUploadedFile("fake.parquet", b"not parquet at all"))
    assert refused.value.messages == [
        str(REFUSED) % {"name": "fake.parquet", "allowed": ALLOWED_LABEL}
    ]


def test_the_policy_hash_is_the_library_hash_of_what_the_policy_says(
    personas, deid_env, credit_upload
):
    # The same policy written as JSON has the same hash (canonical form).
    import json

    import yaml

    officer = personas["governance_officer"]
    as_json = json.dumps(yaml.safe_load(CREDIT_POLICY), default=str)
    job = _create(officer, credit_upload(), policy=as_json)
    assert job.policy_sha256 == parse_policy(yaml.safe_load(CREDIT_POLICY)).sha256()


def test_xlsx_sources(personas, deid_env, credit_frame, tmp_path):
    from openpyxl import Workbook

    officer = personas["governance_officer"]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(credit_frame.columns)
    for row in credit_frame.head(600).iter_rows():
        sheet.append([int(v) if v.lstrip("-").isdigit() else v for v in row])
    path = tmp_path / "credit.xlsx"
    book.save(path)
    job = _create(officer, SimpleUploadedFile("credit.xlsx", path.read_bytes()))
    assert job.source_format == "xlsx" and job.source_columns == credit_frame.columns
    job = services.job_run(actor=officer, job=job)
    assert job.run_status == RunStatus.DONE, job.run_error
    assert job.scan_before["rows"] == 600


def test_the_run_reports_its_progress_phase_by_phase(personas, deid_env, credit_upload):
    from fincloud.privacy import runner

    officer = personas["governance_officer"]
    job = _create(officer, credit_upload())
    seen: list[tuple[str, int]] = []
    result = runner.execute(
        services._run_input(job), lambda phase, value: seen.append((phase, value))
    )
    phases = [p for p, _ in seen]
    assert phases[0] == "scan_before" and phases[-1] == "assess"
    assert [p for p in dict.fromkeys(phases)] == ["scan_before", "apply", "scan_after", "assess"]
    values = [v for _, v in seen]
    assert values == sorted(values) and values[-1] == 100
    assert any(p == "apply" and 20 < v <= 70 for p, v in seen)  # the engine's own callback
    assert result.output_path.is_file()
