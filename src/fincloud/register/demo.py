"""The register's part of `fincloud demo`: a small, realistic institution.

A domestic bank that is a foreign banking group's subsidiary in Taiwan (so one service can rely
on the head office, Ch 9.1), three CSPs (one bought through a reseller, with its commitment
letter on file), thirteen services covering every classification and every exclusion, their
locations, a sub-outsourcing chain, dependencies, contracts and documents with a few deadlines
close. Classifications are computed by ``fincloud.rules`` and stored as determinations, as the
pre-use assessment would; the materiality judgements are the demo's. Services stay "before
use": only an approved pre-use assessment brings one into use.

Idempotent: everything is looked up by its natural key first, and the whole load is one
transaction, so running ``fincloud demo`` twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from fincloud.determinations.services import determination_record
from fincloud.people.models import BusinessUnit, User
from fincloud.register import services as svc
from fincloud.register.models import (
    Certification,
    CloudService,
    CloudServiceProvider,
    Document,
    HeadOfficeReliance,
    Institution,
    ServiceDependency,
    SubProcessor,
    TerminationEvent,
)

# A number valid only under the rule in force since 2023-04-01 (divisible by 5, not by 10).
DEMO_BUSINESS_NUMBER = "86510007"
SENTINEL_CSP = "Nimbus Cloud Inc."


def demo_pdf(title: str) -> SimpleUploadedFile:
    """A small, valid-enough PDF standing in for a scanned contract."""
    body = (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% fincloud demo document: "
        + title.encode("utf-8")
        + b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    safe = "".join(ch if ch.isascii() and ch.isalnum() else "-" for ch in title)[:60] or "doc"
    return SimpleUploadedFile(f"{safe}.pdf", body, content_type="application/pdf")


@dataclass
class DemoService:
    name: str
    csp: str
    model: str
    process: str
    system: str
    unit: str
    locations: list[tuple[str, str]]
    material: bool
    license_business: bool = True
    customer_data: bool = True
    personal_data: bool = True
    consumer_finance: bool = False
    exclusion: str = "none"
    availability: str | None = "99.95"
    rto: int | None = 240
    rpo: int | None = 60
    spend: int | None = None
    records: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


CSPS = [
    # name, country, channel, partner, website, status page
    (
        "Nimbus Cloud Inc.",
        "US",
        "direct",
        "",
        "https://cloud.example.com",
        "https://status.cloud.example.com",
    ),
    (
        "Formosa Cloud Services Co., Ltd.",
        "TW",
        "direct",
        "",
        "https://formosa-cloud.example.tw",
        "https://status.formosa-cloud.example.tw",
    ),
    (
        "Sakura SaaS K.K.",
        "JP",
        "partner",
        "Taipei Cloud Reseller Co., Ltd.",
        "https://sakura-saas.example.jp",
        "https://status.sakura-saas.example.jp",
    ),
]

SERVICES = [
    DemoService(
        "信用卡授權核心系統 Card authorisation core",
        "Nimbus Cloud Inc.",
        "IaaS",
        "信用卡授權與清算",
        "CARD-AUTH",
        "retail",
        [("JP", "Tokyo"), ("SG", "Singapore")],
        material=True,
        consumer_finance=True,
        availability="99.99",
        rto=60,
        rpo=5,
        spend=48_000_000,
        records=2_300_000,
    ),
    DemoService(
        "企業網路銀行 Corporate internet banking",
        "Nimbus Cloud Inc.",
        "PaaS",
        "企業戶網路銀行交易",
        "CIB",
        "it-ops",
        [("SG", "Singapore"), ("US", "Oregon")],
        material=True,
        availability="99.95",
        rto=120,
        rpo=15,
        spend=22_000_000,
        records=180_000,
    ),
    DemoService(
        "集團洗錢防制監控 Group AML monitoring",
        "Nimbus Cloud Inc.",
        "SaaS",
        "洗錢防制交易監控",
        "AML-MON",
        "risk",
        [("SG", "Singapore"), ("VN", "Ho Chi Minh City")],
        material=True,
        spend=9_000_000,
        records=3_100_000,
    ),
    DemoService(
        "客戶關係管理 CRM",
        "Sakura SaaS K.K.",
        "SaaS",
        "理財客戶關係管理",
        "CRM",
        "retail",
        [("JP", "Osaka"), ("TH", "Bangkok")],
        material=False,
        availability="99.9",
        rto=480,
        rpo=240,
        spend=3_600_000,
        records=420_000,
    ),
    DemoService(
        "核心帳務異地備援 Core banking disaster recovery",
        "Formosa Cloud Services Co., Ltd.",
        "IaaS",
        "核心帳務系統災難復原",
        "CORE-DR",
        "it-ops",
        [("TW", "Changhua"), ("TW", "Taipei")],
        material=True,
        availability="99.99",
        rto=240,
        rpo=15,
        spend=15_000_000,
        records=5_000_000,
    ),
    DemoService(
        "消費者貸款線上申請 Consumer loan applications",
        "Formosa Cloud Services Co., Ltd.",
        "PaaS",
        "個人信用貸款線上申請與徵審",
        "LOAN-APPLY",
        "retail",
        [("TW", "Taipei")],
        material=True,
        consumer_finance=True,
        spend=6_500_000,
        records=260_000,
    ),
    DemoService(
        "電子文件保管 e-Document archive",
        "Formosa Cloud Services Co., Ltd.",
        "SaaS",
        "交易憑證電子保管",
        "EDOC",
        "it-ops",
        [("TW", "Changhua")],
        material=False,
        availability="99.9",
        spend=1_200_000,
        records=5_000_000,
    ),
    DemoService(
        "人力資源管理 HR management",
        "Sakura SaaS K.K.",
        "SaaS",
        "員工人事薪資作業",
        "HRM",
        "management",
        [("JP", "Tokyo")],
        material=False,
        license_business=False,
        customer_data=False,
        availability="99.5",
    ),
    DemoService(
        "數位行銷投放 Digital advertising",
        "Nimbus Cloud Inc.",
        "SaaS",
        "非個人化廣告投放",
        "ADS",
        "retail",
        [("US", "Virginia")],
        material=False,
        personal_data=False,
        exclusion="non_identifying_marketing",
        availability=None,
        rto=None,
        rpo=None,
    ),
    DemoService(
        "開發測試環境 Development and test",
        "Nimbus Cloud Inc.",
        "IaaS",
        "系統開發與測試（無客戶資料）",
        "DEVTEST",
        "it-ops",
        [("SG", "Singapore")],
        material=False,
        customer_data=False,
        personal_data=False,
        exclusion="no_customer_data_environment",
        availability="99.5",
        rto=None,
        rpo=None,
    ),
    DemoService(
        "視訊會議 Video conferencing",
        "Sakura SaaS K.K.",
        "SaaS",
        "內部與客戶視訊會議",
        "VIDEO",
        "management",
        [("JP", "Tokyo")],
        material=False,
        exclusion="video_conferencing",
        availability="99.9",
        rto=None,
        rpo=None,
    ),
    DemoService(
        "辦公協作與郵件 Office collaboration and mail",
        "Nimbus Cloud Inc.",
        "SaaS",
        "內部行政與文件協作",
        "OFFICE",
        "management",
        [("US", "Virginia"), ("SG", "Singapore")],
        material=False,
        license_business=False,
        exclusion="internal_collaboration",
        availability="99.9",
        rto=None,
        rpo=None,
    ),
    DemoService(
        "市場資訊終端 Market information platform",
        "Nimbus Cloud Inc.",
        "SaaS",
        "金融市場報價與資訊",
        "MKT-INFO",
        "it-ops",
        [("GB", "London")],
        material=False,
        customer_data=False,
        personal_data=False,
        exclusion="market_information_platform",
        availability="99.9",
        rto=None,
        rpo=None,
    ),
]


def _today() -> dt.date:
    return timezone.localdate()


def _days(n: int) -> dt.date:
    return _today() + dt.timedelta(days=n)


def load_register_demo() -> None:
    if CloudServiceProvider.objects.filter(name=SENTINEL_CSP).exists():
        return
    officer = User.objects.get(username="gov.officer")
    legal = User.objects.get(username="legal.counsel")
    units = {u.short_name: u for u in BusinessUnit.objects.all()}
    with transaction.atomic():
        _institution(officer)
        csps = _csps(officer)
        services = _services(officer, csps, units)
        _documents(legal, officer, csps, services)
        _chain_and_dependencies(officer, services)
        _reliance(officer, legal, csps, services)
        for service in services.values():
            _classify(officer, service)


def _institution(officer: User) -> None:
    if Institution.objects.exists():
        return
    svc.institution_save(
        actor=officer,
        institution_type="domestic_bank",
        name_zh="示範國際商業銀行股份有限公司",
        name_en="Demo International Commercial Bank",
        business_number=DEMO_BUSINESS_NUMBER,
        head_office_name="Demo Banking Group Ltd.",
        head_office_country="SG",
        alert_window_days=90,
    )


def _csps(officer: User) -> dict[str, CloudServiceProvider]:
    out: dict[str, CloudServiceProvider] = {}
    for name, country, channel, partner, website, status in CSPS:
        addendum = None
        if channel == "partner":
            addendum = svc.Upload(
                file=demo_pdf(f"{name} commitment letter"),
                title=f"{name} 承諾函 Commitment letter",
                effective_date=_days(-200),
            )
        out[name] = svc.csp_create(
            actor=officer,
            name=name,
            country=country,
            channel=channel,
            partner_name=partner,
            website=website,
            status_page_url=status,
            addendum=addendum,
            addendum_kind=Document.Kind.COMMITMENT_LETTER,
        )
    nimbus = out["Nimbus Cloud Inc."]
    formosa = out["Formosa Cloud Services Co., Ltd."]
    sakura = out["Sakura SaaS K.K."]
    certs: list[tuple[CloudServiceProvider, str, str, str, int, int]] = [
        # csp, standard, number, issuer, issued (days ago), expires (days from today)
        (nimbus, Certification.Standard.ISO27001, "IS 712345", "BSI", 700, 400),
        (nimbus, Certification.Standard.ISO27017, "CLOUD 712346", "BSI", 700, 400),
        (nimbus, Certification.Standard.ISO27018, "PII 712347", "BSI", 700, 400),
        (nimbus, Certification.Standard.ISO27701, "PIMS 712348", "BSI", 500, 600),
        (nimbus, Certification.Standard.ISO22301, "BCMS 712349", "BSI", 1050, 40),
        (nimbus, Certification.Standard.CSA_STAR, "STAR-L2-5521", "CSA / BSI", 300, 430),
        (nimbus, Certification.Standard.SOC2, "SOC2-T2-2025", "Example CPA LLP", 120, 245),
        (formosa, Certification.Standard.ISO27001, "TW-ISMS-0931", "SGS Taiwan", 1105, -10),
        (formosa, Certification.Standard.ISO27017, "TW-CLOUD-0932", "SGS Taiwan", 400, 700),
        (formosa, Certification.Standard.ISO22301, "TW-BCM-0933", "SGS Taiwan", 400, 700),
        (sakura, Certification.Standard.ISO27001, "JP-IS-44021", "JQA", 200, 900),
        (sakura, Certification.Standard.SOC2, "SOC2-T2-SAKURA", "Tokyo Audit Corp.", 90, 275),
    ]
    for csp, standard, number, issuer, issued, expires in certs:
        svc.certification_add(
            actor=officer,
            csp=csp,
            standard=standard,
            number=number,
            scope="Cloud infrastructure, platform and the operations supporting them"
            if csp is not sakura
            else "SaaS application and its hosting operations",
            issuer=issuer,
            issued_on=_days(-issued),
            expiry_date=_days(expires),
            upload=svc.Upload(file=demo_pdf(f"{csp.name} {number}")),
        )
    for csp, kind, name, title, email in [
        (nimbus, "account", "Grace Lin", "Account manager, Taiwan", "grace.lin@cloud.example.com"),
        (nimbus, "security", "Security Response Team", "", "security@cloud.example.com"),
        (formosa, "support", "24x7 Service Desk", "", "support@formosa-cloud.example.tw"),
        (sakura, "account", "Kenji Sato", "FSI account lead", "k.sato@sakura-saas.example.jp"),
    ]:
        svc.contact_add(actor=officer, csp=csp, kind=kind, name=name, title=title, email=email)
    if not TerminationEvent.objects.filter(csp=sakura).exists():
        svc.termination_event_record(
            actor=officer,
            csp=sakura,
            kind=TerminationEvent.Kind.CHANGE_OF_CONTROL,
            occurred_on=_days(-35),
            learned_on=_days(-30),
            description="Sakura SaaS K.K. announced its acquisition by Example Holdings plc.",
            action_taken="Asked for the new owner's commitment to the existing terms; "
            "re-assessment of the CSP scheduled.",
        )
    return out


def _services(
    officer: User, csps: dict[str, CloudServiceProvider], units: dict[str, BusinessUnit]
) -> dict[str, CloudService]:
    owner = officer
    out: dict[str, CloudService] = {}
    for d in SERVICES:
        existing = CloudService.objects.filter(name=d.name).first()
        if existing is not None:
            out[d.system] = existing
            continue
        out[d.system] = svc.service_create(
            actor=officer,
            name=d.name,
            csp=csps[d.csp],
            service_model=d.model,
            deployment_model="public",
            business_process=d.process,
            information_system=d.system,
            unit=units.get(d.unit) or units["cloud-gov"],
            owner=owner,
            involves_license_business=d.license_business,
            customer_data=d.customer_data,
            personal_data=d.personal_data,
            consumer_finance_system=d.consumer_finance,
            exclusion=d.exclusion,
            availability_target=d.availability,
            rto_minutes=d.rto,
            rpo_minutes=d.rpo,
            planned_start=_days(60),
            annual_spend_twd=d.spend,
            data_records=d.records,
            locations=[svc.LocationInput(country=c, region=r) for c, r in d.locations],
        )
    return out


def _doc(
    actor: User,
    title: str,
    kind: str,
    *,
    services: list[CloudService] = (),  # type: ignore[assignment]
    **fields: Any,
) -> Document:
    existing = Document.objects.filter(title=title).first()
    if existing is not None:
        return existing
    return svc.document_create(
        actor=actor,
        kind=kind,
        title=title,
        services=services,
        upload=svc.Upload(file=demo_pdf(title)),
        **fields,
    )


def _documents(
    legal: User,
    officer: User,
    csps: dict[str, CloudServiceProvider],
    services: dict[str, CloudService],
) -> None:
    nimbus = csps["Nimbus Cloud Inc."]
    formosa = csps["Formosa Cloud Services Co., Ltd."]
    sakura = csps["Sakura SaaS K.K."]
    nimbus_services = [s for s in services.values() if s.csp_id == nimbus.pk]
    formosa_services = [s for s in services.values() if s.csp_id == formosa.pk]
    sakura_services = [s for s in services.values() if s.csp_id == sakura.pk]
    bank = "示範國際商業銀行；"
    _doc(
        legal,
        "Nimbus 雲端服務主約 Master Cloud Agreement (MCA)",
        Document.Kind.MASTER_AGREEMENT,
        services=nimbus_services,
        csp=nimbus,
        reference="MCA-2023-0457",
        parties=bank + "Nimbus Cloud Inc.",
        signed_on=_days(-1020),
        effective_date=_days(-1020),
        expiry_date=_days(75),
        auto_renewal=True,
        renewal_term_months=36,
        notice_period_days=60,
    )
    _doc(
        legal,
        "Nimbus 金融服務附加條款 Financial Services Addendum",
        Document.Kind.FSI_ADDENDUM,
        csp=nimbus,
        reference="FSA-TW-2023",
        parties=bank + "Nimbus Cloud Inc.",
        issuer="Nimbus Cloud Inc.",
        effective_date=_days(-1020),
    )
    _doc(
        legal,
        "Nimbus 資料處理附約 Data Processing Addendum",
        Document.Kind.DPA,
        csp=nimbus,
        parties=bank + "Nimbus Cloud Inc.",
        effective_date=_days(-1020),
    )
    _doc(
        legal,
        "Nimbus 服務水準協議 Service Level Agreement",
        Document.Kind.SLA,
        services=nimbus_services,
        csp=nimbus,
        issuer="Nimbus Cloud Inc.",
        effective_date=_days(-400),
    )
    _doc(
        officer,
        "Nimbus SOC 2 Type II 報告 2024",
        Document.Kind.AUDIT_REPORT,
        csp=nimbus,
        issuer="Example CPA LLP",
        effective_date=_days(-335),
        expiry_date=_days(30),
    )
    _doc(
        legal,
        "Formosa 雲端服務契約 Cloud service contract",
        Document.Kind.MASTER_AGREEMENT,
        services=formosa_services,
        csp=formosa,
        reference="FCS-112-088",
        parties=bank + "Formosa Cloud Services Co., Ltd.",
        signed_on=_days(-530),
        effective_date=_days(-530),
        expiry_date=_days(200),
        notice_period_days=90,
    )
    _doc(
        legal,
        "Formosa 服務水準協議 SLA",
        Document.Kind.SLA,
        services=formosa_services,
        csp=formosa,
        effective_date=_days(-530),
        expiry_date=_days(200),
    )
    _doc(
        legal,
        "Sakura 訂閱協議 Subscription agreement",
        Document.Kind.SUBSCRIPTION,
        services=sakura_services,
        csp=sakura,
        parties=bank + "Taipei Cloud Reseller Co., Ltd.",
        effective_date=_days(-10),
        expiry_date=_days(355),
        auto_renewal=True,
        renewal_term_months=12,
        notice_period_days=30,
        free_trial_end=_days(20),
    )


def _chain_and_dependencies(officer: User, services: dict[str, CloudService]) -> None:
    card = services["CARD-AUTH"]
    crm = services["CRM"]
    if not SubProcessor.objects.filter(service=card).exists():
        consent = _doc(
            officer,
            "複委託同意書 Consent: Nimbus Support Services",
            Document.Kind.CONSENT,
            services=[card],
            csp=card.csp,
            effective_date=_days(-300),
        )
        support = svc.sub_processor_add(
            actor=officer,
            service=card,
            name="Nimbus Support Services Pte. Ltd.",
            country="SG",
            function="Second-line operations support",
            consent_document=consent,
            locations=[svc.LocationInput("SG", "Singapore", "processing")],
        )
        svc.sub_processor_add(
            actor=officer,
            service=card,
            name="Secure Backup Vault Ltd.",
            country="JP",
            function="Encrypted off-site backup",
            parent=support,
            locations=[svc.LocationInput("JP", "Osaka", "backup")],
        )
    if not SubProcessor.objects.filter(service=crm).exists():
        svc.sub_processor_add(
            actor=officer,
            service=crm,
            name="Global Mail Delivery Inc.",
            country="US",
            function="E-mail delivery of customer notices",
            locations=[svc.LocationInput("US", "Virginia", "processing")],
        )
    cib = services["CIB"]
    if not ServiceDependency.objects.filter(service=cib).exists():
        svc.dependency_add(actor=officer, service=cib, depends_on=services["EDOC"])
        svc.dependency_add(
            actor=officer,
            service=card,
            depends_on=services["CORE-DR"],
            kind=ServiceDependency.Kind.PARALLEL,
            redundancy_group="core-ledger",
        )


def _reliance(
    officer: User,
    legal: User,
    csps: dict[str, CloudServiceProvider],
    services: dict[str, CloudService],
) -> None:
    aml = services["AML-MON"]
    if HeadOfficeReliance.objects.filter(service=aml).exists():
        return
    contract = _doc(
        legal,
        "Demo Banking Group – Nimbus 集團雲端主約（複委託） Group cloud agreement",
        Document.Kind.MASTER_AGREEMENT,
        services=[aml],
        csp=csps["Nimbus Cloud Inc."],
        parties="Demo Banking Group Ltd.; Nimbus Cloud Inc.",
        sub_outsourcing=True,
        effective_date=_days(-900),
        expiry_date=_days(560),
        notice_period_days=180,
    )
    reliance = svc.reliance_save(
        actor=officer,
        service=aml,
        responsible_kind=HeadOfficeReliance.ResponsibleKind.REGIONAL_HQ,
        responsible_name="Demo Banking Group, Asia Pacific Cloud Office (Singapore)",
        branch_contact=officer,
        relies_due_diligence=True,
        relies_reviews=True,
        relies_contracts=True,
        relies_audits=True,
        head_office_contract=contract,
        auditor_name="Group Internal Audit, Technology Audit team",
        auditor_independent=True,
        auditor_qualifications=["CISSP", "CCSP", "ISO 27001"],
        auditor_experience="Five cloud-security audits of the group's IaaS and SaaS tenants.",
        auditor_assessment="Group Internal Audit reports to the group board audit committee, "
        "not to the technology unit that runs the service; the lead auditor holds CISSP and "
        "CCSP.",
    )
    svc.reliance_upload(
        actor=officer,
        reliance=reliance,
        upload=svc.Upload(
            file=demo_pdf("Group due diligence Nimbus 2025"),
            title="集團對 Nimbus 之盡職調查報告 2025",
            effective_date=_days(-60),
        ),
        kind="due_diligence",
    )


def _classify(officer: User, service: CloudService) -> None:
    """What the pre-use assessment does: compute with fincloud.rules, store the determination,
    record the outcome on the service."""
    if service.classification:
        return
    from fincloud.rules import evaluate_mapping

    demo = next(d for d in SERVICES if d.name == service.name)
    evaluation = evaluate_mapping(svc.service_rule_inputs(service, material=demo.material))
    det = determination_record(subject=service, result=evaluation, actor=officer)
    svc.service_record_classification(
        service=service,
        actor=officer,
        determination=det,
        in_scope=evaluation.in_scope,
        offshore=evaluation.offshore,
        material=demo.material,
        classification=evaluation.classification,
    )
