"""The controls app's part of `fincloud demo`.

On the register's demo services (looked up by their information-system code): an approved
control assessment of the card authorisation core (IaaS), with the hard figures entered, a few
gaps and one evidence file that expires soon; a draft assessment of the CRM (SaaS) half done;
an asset inventory imported from a CSV; the threat-intelligence sources of Ch 5.6 with two
advisories, one acted on. Idempotent: everything is looked up by its natural key first.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from fincloud.controls import services
from fincloud.controls.models import (
    Advisory,
    AssetImport,
    ControlAssessment,
    ControlItem,
    IntelSource,
)
from fincloud.people.models import User
from fincloud.register.models import CloudService
from fincloud.workflow.services import record_approve

SOURCES = {
    "TWCERT/CC 台灣電腦網路危機處理暨協調中心": ("national_cert", "https://www.twcert.org.tw/"),
    "F-ISAC 金融資安資訊分享與分析中心": ("isac", "https://www.fisac.tw/"),
    "金融監督管理委員會 資安警訊": ("regulator", "https://www.fsc.gov.tw/"),
    "Nimbus Cloud Security Bulletins": ("supplier", ""),
}

# What the security officer records for the card authorisation core (IaaS). Advanced items:
# adopted with the reason, or not adopted with the reason (RULES.md §7).
ADVANCED = {
    "ch5.1.advanced.a": (True, "持卡人資料屬高敏感：採自行管理金鑰（BYOK）。"),
    "ch5.1.advanced.b": (True, "金鑰存放於 FIPS 140-2 Level 3 之 HSM（雲端金鑰管理服務）。"),
    "ch5.1.advanced.c": (False, "金鑰管理服務已限制存取來源；另建隔離網段之成本與風險效益不符。"),
    "ch5.2.advanced.a": (True, "測試環境一律使用去識別化資料。"),
    "ch5.2.advanced.b": (True, "每季查核雲端資料存取紀錄。"),
    "ch5.2.advanced.c": (False, "無地端批次上傳作業，不適用。"),
    "ch5.4.advanced.a": (True, "稽核軌跡集中至行內 SIEM。"),
    "ch5.6.advanced.a": (True, "邊界防火牆與東西向流量監控。"),
    "ch5.6.advanced.b": (False, "一般威脅防護已足，APT 防禦列入明年度評估。"),
    "ch5.6.advanced.c": (True, "帳號與網段依服務隔離。"),
    "ch6.1.advanced.a": (True, "以雲端組態服務每日自動盤點。"),
    "ch6.2.advanced.a": (True, "CI/CD 自動部署。"),
    "ch6.2.advanced.b": (True, "雲原生監控告警。"),
    "ch6.3.advanced.a": (True, "基礎架構即程式碼，變更經審核。"),
    "ch6.3.advanced.b": (True, "變更皆有回復計畫。"),
    "ch6.5.advanced.a": (False, "資源監控已由基本項目 (b)(c) 涵蓋，暫不另建自動化系統。"),
}
GAPS = {
    "ch5.3.basic.d": ("partial", "服務帳號金鑰輪替尚未自動化。", 45),
    "ch6.4.basic.g": ("not_implemented", "DevSecOps 掃描工具導入中。", 120),
}
FIGURES: dict[str, dict[str, object]] = {
    "ch5.1.basic.a": {"tls_min_version": "TLS 1.2"},
    "ch5.1.basic.b": {"encryption_algorithm": "AES-256-GCM"},
    "ch5.1.basic.d": {"encryption_algorithm": "AES-256-GCM"},
    "ch5.2.basic.d": {"tls_min_version": "TLS 1.2", "encryption_algorithm": "AES-256-GCM"},
    "ch5.4.basic.a": {"retention_months": 13},
    "ch5.1.advanced.b": {"hsm_fips_standard": "140-2", "hsm_fips_level": 3},
}
RESPONSIBILITY = {"ch5.5": "institution", "ch6.4": "institution", "ch5.1": "shared"}

ASSETS_CSV = """id,name,category,type,region,owner,custodian,classification,tags
arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0a1b2c3d4e5f60718,card-auth-app-1,compute,AWS::EC2::Instance,ap-northeast-1,it.ops,it.ops,機密,env=prod;app=card-auth
arn:aws:ec2:ap-northeast-1:123456789012:instance/i-0a1b2c3d4e5f60719,card-auth-app-2,compute,AWS::EC2::Instance,ap-northeast-1,it.ops,it.ops,機密,env=prod;app=card-auth
arn:aws:rds:ap-northeast-1:123456789012:db:card-auth-db,card-auth-db,storage,AWS::RDS::DBInstance,ap-northeast-1,it.ops,it.ops,機密,env=prod
arn:aws:ec2:ap-northeast-1:123456789012:vpc/vpc-0123456789abcdef0,card-vpc,network,AWS::EC2::VPC,ap-northeast-1,it.ops,it.ops,內部使用,env=prod
arn:aws:kms:ap-northeast-1:123456789012:key/1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6,card-cmk,software,AWS::KMS::Key,ap-northeast-1,sec.officer,sec.officer,機密,env=prod
arn:aws:cloudtrail:ap-northeast-1:123456789012:trail/org-trail,org-trail,derived_data,AWS::CloudTrail::Trail,ap-northeast-1,sec.officer,it.ops,限閱,
arn:aws:s3:::card-auth-stats,card-auth-stats,derived_data,AWS::S3::Bucket,ap-northeast-1,,it.ops,,env=prod
"""


def _pdf(title: str) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n% fincloud demo evidence: " + title.encode("utf-8") + b"\n%%EOF\n"
    return SimpleUploadedFile("evidence.pdf", body, content_type="application/pdf")


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _service(system: str) -> CloudService | None:
    return CloudService.objects.filter(information_system=system).first()


def load_controls_demo() -> None:
    security = _user("sec.officer")
    approver = _user("approver")
    admin = _user("admin")
    if security is None:
        return
    with transaction.atomic():
        services.seed_intel_sources(actor=security, sources=SOURCES)
        card = _service("CARD-AUTH")
        if card is not None and not ControlAssessment.objects.filter(service=card).exists():
            _card_assessment(card, security, approver)
        if (
            card is not None
            and admin is not None
            and not AssetImport.objects.filter(service=card).exists()
        ):
            upload = SimpleUploadedFile("card-auth-assets.csv", ASSETS_CSV.encode("utf-8"))
            services.asset_import(actor=admin, service=card, upload=upload)
        crm = _service("CRM")
        if crm is not None and not ControlAssessment.objects.filter(service=crm).exists():
            _crm_draft(crm, security)
        _advisories(security, card)


def _card_assessment(card: CloudService, security: User, approver: User | None) -> None:
    today = timezone.localdate()
    assessment = services.assessment_start(
        actor=security,
        service=card,
        as_of=today - dt.timedelta(days=30),
        scope_note="依第5章、第6章逐項評估；共同責任模型依 CSP 之責任分工表。",
    )
    for item in assessment.items.order_by("order"):
        fields: dict[str, object] = dict(FIGURES.get(item.catalog_id, {}))
        responsibility = RESPONSIBILITY.get(item.section_id, "shared")
        if item.strength == "advanced":
            adopted, reason = ADVANCED.get(item.catalog_id, (False, "風險評估後暫不採行。"))
            fields["decision"] = "adopted" if adopted else "not_adopted"
            fields["decision_reason"] = reason
            if adopted:
                fields.update(status="implemented", responsibility=responsibility)
        elif item.catalog_id in GAPS:
            status, note, days = GAPS[item.catalog_id]
            fields.update(
                status=status,
                status_note=note,
                responsibility="institution",
                target_date=today + dt.timedelta(days=days),
            )
        else:
            fields.update(status="implemented", responsibility=responsibility)
        services.item_update(actor=security, item=item, **fields)
    retention = ControlItem.objects.get(assessment=assessment, catalog_id="ch5.4.basic.a")
    services.control_evidence_attach(
        actor=security,
        item=retention,
        upload=_pdf("CloudTrail retention 13 months"),
        title="稽核軌跡保存設定截圖",
        effective_date=today - dt.timedelta(days=300),
        expiry_date=today + dt.timedelta(days=20),
    )
    services.assessment_submit(actor=security, assessment=assessment)
    if approver is not None and approver.may_approve_for(assessment.unit):
        record_approve(record=assessment, actor=approver, comment="同意。")


def _crm_draft(crm: CloudService, security: User) -> None:
    assessment = services.assessment_start(actor=security, service=crm)
    for item in assessment.items.filter(section_id="ch5.3").order_by("order"):
        services.item_update(
            actor=security, item=item, status="implemented", responsibility="shared"
        )
    mfa = ControlItem.objects.get(assessment=assessment, catalog_id="ch5.3.basic.a")
    services.control_evidence_attach(
        actor=security,
        item=mfa,
        upload=_pdf("MFA policy"),
        title="管理者多因子驗證設定",
        effective_date=timezone.localdate() - dt.timedelta(days=10),
    )


def _advisories(security: User, card: CloudService | None) -> None:
    today = timezone.localdate()
    fisac = IntelSource.objects.filter(name__startswith="F-ISAC").first()
    twcert = IntelSource.objects.filter(name__startswith="TWCERT").first()
    if fisac and not Advisory.objects.filter(reference="FISAC-DEMO-0107").exists():
        services.advisory_save(
            actor=security,
            services=[card] if card else [],
            source=fisac,
            reference="FISAC-DEMO-0107",
            title="雲端主控台帳號遭撞庫攻擊之情資",
            published_on=today - dt.timedelta(days=40),
            received_on=today - dt.timedelta(days=40),
            severity="high",
            impact="本行雲端管理帳號均已啟用多因子驗證；另檢視近30日登入紀錄。",
            action="檢視登入紀錄無異常；停用兩個閒置帳號。",
            state="acted",
            acted_on=today - dt.timedelta(days=37),
            handled_by=security,
        )
    if twcert and not Advisory.objects.filter(reference="TWCERT-DEMO-2291").exists():
        services.advisory_save(
            actor=security,
            services=[card] if card else [],
            source=twcert,
            reference="TWCERT-DEMO-2291",
            title="虛擬機映像檔元件高風險漏洞",
            published_on=today - dt.timedelta(days=2),
            received_on=today - dt.timedelta(days=1),
            severity="critical",
            respond_by=today + dt.timedelta(days=6),
            handled_by=security,
        )
