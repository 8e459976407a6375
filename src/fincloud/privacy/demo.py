"""Demo de-identification jobs (`fincloud demo`), idempotent by title.

1. The Taiwan credit-card default data (30,000 card holders, ../shared/data or FINCLOUD_SHARED),
   with generated customer identities beside each record (names, national IDs, mobiles,
   e-mails from ``fincloud.deid.fake``; the real data carries none), de-identified for a default
   model built on a cloud analytics service: run, and submitted, awaiting the approver.
   Without the shared data, generated customers stand in (``fincloud deid fake``).
2. A marketing campaign extract (generated customers) for the digital advertising service,
   approved, with its delete-by date on the calendar until the deletion with the CSP is
   recorded (Ch 9.2 (e)).

The keyed pseudonyms need a key: without a configured key file, a demo key file is written once
to ``$FINCLOUD_VAR_DIR/deid.keys`` (mode 0600), like the demo passwords.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

logger = logging.getLogger(__name__)

CREDIT_TITLE = "信用卡違約預測模型資料（2005年4月至9月）"
MARKETING_TITLE = "理財商品行銷名單（示範活動）"

CREDIT_POLICY = """\
# 信用卡客戶違約預測：送交雲端分析服務建模用（Ch 9.3）
fincloud_deid_policy: 1
name: 信用卡違約資料－違約預測模型分析用
purpose: analytics
description: >-
  直接識別資料移除或假名化；額度與年齡概化；僅保留最近一期帳單與繳款金額並分級
  （Ch 9.2 (a)(3) 僅蒐集、處理與利用必要之資料）；以額度、性別、教育、婚姻、年齡為準識別
  欄位，未達 5 筆之組合整筆抑制。
other_columns: keep
columns:
  ID: {technique: drop}
  name: {technique: drop}
  id_number: {technique: pseudonymise, key: main, normalise: upper, context: credit-model}
  mobile: {technique: drop}
  email: {technique: drop}
  X1: [{technique: top_bottom, top_quantile: 0.99}, {technique: interval, width: 50000}]
  X5: {technique: interval, width: 5}
  X12: [{technique: top_bottom, top_quantile: 0.99, bottom: 0}, {technique: interval, width: 50000}]
  X13: {technique: drop}
  X14: {technique: drop}
  X15: {technique: drop}
  X16: {technique: drop}
  X17: {technique: drop}
  X18: [{technique: top_bottom, top_quantile: 0.99}, {technique: interval, width: 10000}]
  X19: {technique: drop}
  X20: {technique: drop}
  X21: {technique: drop}
  X22: {technique: drop}
  X23: {technique: drop}
table:
  - {technique: suppress_records, quasi_identifiers: [X1, X2, X3, X4, X5], k: 5}
"""

# Used when the credit data is not beside the checkout: the same kind of job on generated
# customers (fincloud deid fake).
FAKE_POLICY = """\
fincloud_deid_policy: 1
name: 客戶資料－分析用（產生之示範資料）
purpose: analytics
other_columns: drop
columns:
  customer_no: {technique: pseudonymise, key: main, context: analytics}
  gender: {technique: keep}
  birth_date: {technique: truncate_date, to: year}
  address: {technique: tw_admin_area, level: city}
  occupation: {technique: keep}
  annual_income: [{technique: top_bottom, top_quantile: 0.99}, {technique: interval, width: 500000}]
  credit_limit: {technique: round, base: 50000}
table:
  - technique: suppress_records
    quasi_identifiers: [gender, birth_date, address, occupation]
    k: 5
"""

MARKETING_POLICY = """\
# 理財商品行銷活動：以假名化名單交付廣告投放服務（Ch 9.2 (b)(e)）
fincloud_deid_policy: 1
name: 理財商品行銷名單
purpose: marketing
delete_by: {delete_by}
other_columns: drop
columns:
  customer_no: {{technique: pseudonymise, key: main, context: campaign-wealth, prefix: "W-"}}
  gender: {{technique: keep}}
  birth_date: {{technique: truncate_date, to: year}}
  address: {{technique: tw_admin_area, level: city}}
  annual_income:
    - {{technique: top_bottom, top_quantile: 0.99}}
    - {{technique: interval, width: 500000}}
table:
  - {{technique: suppress_records, quasi_identifiers: [gender, birth_date, address], k: 5}}
"""


def _shared_dir() -> Path:
    configured = os.environ.get("FINCLOUD_SHARED")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3].parent / "shared"


def credit_source() -> tuple[bytes, str, str, str, str]:
    """(CSV bytes, file name, policy, sensitive, target) of the analytics demo job."""
    import polars as pl

    from fincloud.deid import fake

    path = _shared_dir() / "data" / "taiwan-credit-default" / "UCI_Credit_Card.csv"
    if path.is_file():
        credit = pl.read_csv(path, infer_schema=False)
        people = fake.generate(credit.height, seed=2005).select(
            "name", "id_number", "mobile", "email"
        )
        frame = pl.concat([people, credit], how="horizontal")
        return _csv(frame), "credit-card-customers-2005.csv", CREDIT_POLICY, "Y", "Y"
    logger.warning("credit data not found at %s; the demo job uses generated customers", path)
    frame = fake.generate(5000, seed=2005)
    return _csv(frame), "customers-generated.csv", FAKE_POLICY, "occupation", ""


def _csv(frame: object) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer)  # type: ignore[attr-defined]
    return buffer.getvalue()


def ensure_demo_key() -> None:
    """A demo key file, once, unless keys are configured (setting or environment)."""
    from fincloud.deid.io import write_bytes_atomic
    from fincloud.deid.keys import generate_key
    from fincloud.privacy import conf

    path, explicit = conf.configured_key_file()
    if explicit or path is not None or os.environ.get("FINCLOUD_DEID_KEY_MAIN"):
        return
    target = Path(settings.VAR_DIR) / "deid.keys"
    write_bytes_atomic(target, f"main={generate_key()}\n".encode(), mode=0o600)


def load() -> None:
    from fincloud.people.models import User
    from fincloud.privacy import services
    from fincloud.privacy.models import DeidJob
    from fincloud.register.models import CloudService
    from fincloud.workflow.services import record_approve

    officer = User.objects.filter(username="gov.officer").first()
    approver = User.objects.filter(username="approver").first()
    if officer is None or approver is None:
        return
    ensure_demo_key()

    if not DeidJob.objects.filter(title=CREDIT_TITLE, prepared_by=officer).exists():
        data, name, policy, sensitive, target = credit_source()
        job = services.job_create(
            actor=officer,
            title=CREDIT_TITLE,
            policy_text=policy,
            upload=SimpleUploadedFile(name, data, content_type="text/csv"),
            sensitive=sensitive,
            target=target,
        )
        job = services.job_run(actor=officer, job=job, background=False)
        if job.run_status == "done":
            services.job_submit(actor=officer, job=job)

    service = CloudService.objects.filter(name__startswith="數位行銷投放").first()
    if (
        service is not None
        and not DeidJob.objects.filter(title=MARKETING_TITLE, prepared_by=officer).exists()
    ):
        from fincloud.deid import fake

        delete_by = timezone.localdate() + dt.timedelta(days=45)
        job = services.job_create(
            actor=officer,
            title=MARKETING_TITLE,
            policy_text=MARKETING_POLICY.format(delete_by=delete_by.isoformat()),
            upload=SimpleUploadedFile(
                "wealth-campaign-list.csv", _csv(fake.generate(5000, seed=31)), "text/csv"
            ),
            cloud_service=service,
        )
        job = services.job_run(actor=officer, job=job, background=False)
        if job.run_status == "done":
            job = services.job_submit(actor=officer, job=job)
            record_approve(
                record=job,
                actor=approver,
                comment="示範：行銷名單已假名化，活動結束後與業者協同刪除。",
            )
