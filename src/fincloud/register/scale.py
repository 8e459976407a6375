"""A large register for benchmarks: `fincloud demo --services 10000 --csps 50 --seed 7`.

Reproducible: the same seed gives the same CSPs, services, codes, locations, documents and
classifications. Fast: rows are bulk-inserted in one transaction. The classifications are
computed by ``fincloud.rules`` for every service and stored as determinations, as the pre-use
assessment would; the services stay "before use" (only an approved assessment brings one into
use). Bulk rows write no audit events: this is benchmark data, not a record of anyone's work.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from fincloud.determinations.models import Determination
from fincloud.evidence.models import EvidenceFile
from fincloud.evidence.services import blob_store
from fincloud.people.models import BusinessUnit, User
from fincloud.register.demo import DEMO_BUSINESS_NUMBER, demo_pdf
from fincloud.register.models import (
    Certification,
    CloudService,
    CloudServiceProvider,
    Document,
    Exclusion,
    Institution,
    ServiceDependency,
    ServiceLocation,
)

BATCH = 1000
COUNTRIES = ["TW", "TW", "TW", "JP", "SG", "US", "GB", "DE", "IE", "KR", "AU", "IN", "VN", "TH"]
REGIONS = {
    "TW": ["Changhua", "Taipei", "Taichung"],
    "JP": ["Tokyo", "Osaka"],
    "SG": ["Singapore"],
    "US": ["Virginia", "Oregon", "Ohio"],
    "GB": ["London"],
    "DE": ["Frankfurt"],
    "IE": ["Dublin"],
    "KR": ["Seoul"],
    "AU": ["Sydney"],
    "IN": ["Mumbai"],
    "VN": ["Hanoi"],
    "TH": ["Bangkok"],
}
PROCESSES = [
    ("存款帳務", "DEP"),
    ("授信徵審", "LOAN"),
    ("信用卡帳務", "CARD"),
    ("財富管理", "WM"),
    ("外匯交易", "FX"),
    ("客戶服務", "CS"),
    ("行銷活動", "MKT"),
    ("洗錢防制", "AML"),
    ("人力資源", "HR"),
    ("文件管理", "DOC"),
]
STANDARDS = [
    Certification.Standard.ISO27001,
    Certification.Standard.ISO27017,
    Certification.Standard.ISO27018,
    Certification.Standard.ISO27701,
    Certification.Standard.ISO22301,
    Certification.Standard.CSA_STAR,
    Certification.Standard.SOC2,
]


@dataclass(frozen=True)
class ScaleResult:
    csps: int
    services: int
    locations: int
    documents: int
    certifications: int
    created: bool


def _prefix(seed: int) -> str:
    return f"Scale {seed} "


def generate(*, services: int, csps: int, seed: int) -> ScaleResult:
    """Insert ``csps`` CSPs and ``services`` services (with locations, certifications,
    documents, dependencies and classifications). Running it again with the same seed
    changes nothing."""
    prefix = _prefix(seed)
    existing = CloudServiceProvider.objects.filter(name__startswith=prefix)
    if existing.exists():
        return ScaleResult(
            csps=existing.count(),
            services=CloudService.objects.filter(csp__in=existing).count(),
            locations=0,
            documents=0,
            certifications=0,
            created=False,
        )
    units = list(BusinessUnit.objects.order_by("short_name"))
    owner = (
        User.objects.filter(username="gov.officer").first() or User.objects.order_by("pk").first()
    )
    if not units or owner is None:
        raise RuntimeError("load the demo people first (fincloud demo)")
    with transaction.atomic():
        gen = _Generator(seed=seed, prefix=prefix, units=units, owner=owner)
        csp_list = gen.csps(csps)
        certs = gen.certifications(csp_list)
        service_rows, materials = gen.services(services, csp_list)
        locations = gen.locations(service_rows)
        gen.classify(service_rows, materials, locations)
        gen.dependencies(service_rows)
        documents = gen.documents(csp_list, service_rows)
    return ScaleResult(
        csps=len(csp_list),
        services=len(service_rows),
        locations=len(locations),
        documents=documents,
        certifications=certs,
        created=True,
    )


class _Generator:
    def __init__(self, *, seed: int, prefix: str, units: list[BusinessUnit], owner: User) -> None:
        # Reproducible test data, not secrets: a seeded PRNG is the point.
        self.rng = random.Random(seed)  # noqa: S311
        self.prefix = prefix
        self.units = units
        self.owner = owner
        self.today = timezone.localdate()
        self.now = timezone.now()
        institution = Institution.objects.filter(singleton=1).first()
        if institution is None:
            institution = Institution.objects.create(
                institution_type="domestic_bank",
                name_zh="規模測試銀行",
                name_en="Scale Test Bank",
                business_number=DEMO_BUSINESS_NUMBER,
            )
        self.institution = institution

    def code(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def csps(self, count: int) -> list[CloudServiceProvider]:
        rows = []
        for i in range(count):
            partner = self.rng.random() < 0.2
            rows.append(
                CloudServiceProvider(
                    code=self.code(),
                    name=f"{self.prefix}CSP {i + 1:03d}",
                    country=self.rng.choice(COUNTRIES),
                    channel="partner" if partner else "direct",
                    partner_name=f"Reseller {i + 1:03d}" if partner else "",
                    website=f"https://csp{i + 1}.example.com",
                    status_page_url=f"https://status.csp{i + 1}.example.com",
                )
            )
        CloudServiceProvider.objects.bulk_create(rows, batch_size=BATCH)
        return list(
            CloudServiceProvider.objects.filter(name__startswith=self.prefix).order_by("name")
        )

    def certifications(self, csp_list: list[CloudServiceProvider]) -> int:
        rng = self.rng
        certs = [
            Certification(
                code=self.code(),
                csp=csp,
                standard=standard,
                number=f"{standard.upper()}-{rng.randint(10000, 99999)}",
                scope="Cloud services and their operations",
                issuer=rng.choice(["BSI", "SGS", "TÜV", "JQA", "Example CPA"]),
                issued_on=self.today - dt.timedelta(days=rng.randint(300, 1000)),
                expiry_date=self.today + dt.timedelta(days=rng.randint(-60, 900)),
            )
            for csp in csp_list
            for standard in rng.sample(STANDARDS, rng.randint(3, 6))
        ]
        Certification.objects.bulk_create(certs, batch_size=BATCH)
        return len(certs)

    def services(
        self, count: int, csp_list: list[CloudServiceProvider]
    ) -> tuple[list[CloudService], list[bool]]:
        rng = self.rng
        # Biased towards a few big CSPs (concentration, Ch 2.2 (f)).
        weights = [1.0 / (i + 1) ** 0.8 for i in range(len(csp_list))]
        exclusions = [e for e in Exclusion.values if e != Exclusion.NONE]
        rows = []
        materials: list[bool] = []
        for i in range(count):
            process, system = rng.choice(PROCESSES)
            materials.append(rng.random() < 0.25)
            rows.append(
                CloudService(
                    code=self.code(),
                    name=f"{process} {system}-{i + 1:05d}",
                    csp=rng.choices(csp_list, weights=weights)[0],
                    service_model=rng.choice(["IaaS", "PaaS", "SaaS"]),
                    deployment_model="public",
                    business_process=process,
                    information_system=f"{system}-{i + 1:05d}",
                    unit=rng.choice(self.units),
                    owner=self.owner,
                    involves_license_business=rng.random() < 0.8,
                    customer_data=rng.random() < 0.8,
                    personal_data=rng.random() < 0.7,
                    consumer_finance_system=rng.random() < 0.1,
                    exclusion=rng.choice(exclusions) if rng.random() < 0.1 else Exclusion.NONE,
                    availability_target=rng.choice(["99.5", "99.9", "99.95", "99.99"]),
                    rto_minutes=rng.choice([30, 60, 240, 480]),
                    rpo_minutes=rng.choice([5, 15, 60, 240]),
                    planned_start=self.today + dt.timedelta(days=rng.randint(10, 200)),
                    annual_spend_twd=rng.randint(1, 500) * 100_000,
                    data_records=rng.randint(0, 5_000_000),
                    created_by=self.owner,
                )
            )
        # Primary keys are set by bulk_create on SQLite and PostgreSQL.
        CloudService.objects.bulk_create(rows, batch_size=BATCH)
        return rows, materials

    def locations(self, service_rows: list[CloudService]) -> list[ServiceLocation]:
        rng = self.rng
        rows = []
        for service in service_rows:
            chosen = {rng.choice(COUNTRIES) for _ in range(rng.randint(1, 3))}
            for country in sorted(chosen):
                rows.append(
                    ServiceLocation(
                        code=self.code(),
                        service=service,
                        country=country,
                        region=rng.choice(REGIONS[country]),
                        role=rng.choice(["processing", "storage", "both", "backup"]),
                    )
                )
        ServiceLocation.objects.bulk_create(rows, batch_size=BATCH)
        return rows

    def classify(
        self,
        service_rows: list[CloudService],
        materials: list[bool],
        locations: list[ServiceLocation],
    ) -> None:
        """What the pre-use assessment does, in bulk: evaluate with fincloud.rules, keep the
        result as a determination, record the outcome on the service."""
        from fincloud.rules import evaluate_mapping

        countries: dict[int, set[str]] = {}
        for loc in locations:
            countries.setdefault(loc.service_id, set()).add(loc.country)
        service_type = ContentType.objects.get_for_model(CloudService)
        determinations = []
        for service, material in zip(service_rows, materials, strict=True):
            evaluation = evaluate_mapping(
                {
                    "institution_type": self.institution.institution_type,
                    "license_business_or_customer_data": service.involves_license_business
                    or service.customer_data,
                    "csp_processes_or_stores_data": True,
                    "exclusion": service.exclusion,
                    "service_model": service.service_model,
                    "locations": sorted(countries[service.pk]),
                    "consumer_finance_system": service.consumer_finance_system,
                    "material": material,
                }
            )
            record = evaluation.to_record()
            determinations.append(
                Determination(
                    code=self.code(),
                    subject_type=service_type,
                    subject_id=str(service.pk),
                    kind=str(record["kind"]),
                    inputs=record["inputs"],
                    outcome=record["outcome"],
                    rule_version=str(record["rule_version"]),
                    citations=record["citations"],
                    explanation_zh=record["explanation_zh"],
                    explanation_en=record["explanation_en"],
                    computed_at=self.now,
                    computed_by=self.owner,
                )
            )
            service.in_scope = evaluation.in_scope
            service.offshore = evaluation.offshore
            service.material = material
            service.classification = evaluation.classification
            service.classified_at = self.now
            service.classified_by = self.owner
        Determination.objects.bulk_create(determinations, batch_size=BATCH)
        for service, det in zip(service_rows, determinations, strict=True):
            service.classification_determination = det
        CloudService.objects.bulk_update(
            service_rows,
            [
                "in_scope",
                "offshore",
                "material",
                "classification",
                "classification_determination",
                "classified_at",
                "classified_by",
            ],
            batch_size=BATCH,
        )

    def dependencies(self, service_rows: list[CloudService]) -> None:
        # On earlier services only: no cycles.
        deps = [
            ServiceDependency(
                code=self.code(),
                service=service,
                depends_on=service_rows[self.rng.randrange(0, i)],
                kind="series",
            )
            for i, service in enumerate(service_rows[1:], start=1)
            if self.rng.random() < 0.1
        ]
        ServiceDependency.objects.bulk_create(deps, batch_size=BATCH)

    def documents(
        self, csp_list: list[CloudServiceProvider], service_rows: list[CloudService]
    ) -> int:
        """Per CSP a master agreement covering its services and an SLA, and a partner CSP's
        commitment letter; each with a file (one stored blob, one revision row each)."""
        rng = self.rng
        by_csp: dict[int, list[CloudService]] = {}
        for service in service_rows:
            by_csp.setdefault(service.csp_id, []).append(service)
        documents: list[Document] = []
        covered: list[tuple[Document, list[CloudService]]] = []
        for csp in csp_list:
            expiry = self.today + dt.timedelta(days=rng.randint(-20, 900))
            notice = rng.choice([30, 60, 90])
            master = Document(
                code=self.code(),
                kind=Document.Kind.MASTER_AGREEMENT,
                title=f"{csp.name} master agreement",
                csp=csp,
                parties=f"{self.institution.name_zh}；{csp.name}",
                effective_date=expiry - dt.timedelta(days=1095),
                expiry_date=expiry,
                auto_renewal=rng.random() < 0.5,
                notice_period_days=notice,
                notice_deadline=expiry - dt.timedelta(days=notice),
                created_by=self.owner,
            )
            sla = Document(
                code=self.code(),
                kind=Document.Kind.SLA,
                title=f"{csp.name} SLA",
                csp=csp,
                effective_date=expiry - dt.timedelta(days=1095),
                created_by=self.owner,
            )
            documents += [master, sla]
            covered += [(master, by_csp.get(csp.pk, [])), (sla, by_csp.get(csp.pk, []))]
            if csp.channel == "partner":
                documents.append(
                    Document(
                        code=self.code(),
                        kind=Document.Kind.COMMITMENT_LETTER,
                        title=f"{csp.name} commitment letter",
                        csp=csp,
                        issuer=csp.name,
                        effective_date=self.today - dt.timedelta(days=rng.randint(10, 500)),
                        created_by=self.owner,
                    )
                )
        Document.objects.bulk_create(documents, batch_size=BATCH)
        blob = blob_store(demo_pdf("scale benchmark document"))
        doc_type = ContentType.objects.get_for_model(Document)
        files = [
            EvidenceFile(
                owner_type=doc_type,
                owner_id=str(doc.pk),
                title=doc.title,
                kind=doc.kind,
                blob=blob,
                original_name="scale.pdf",
                effective_date=doc.effective_date,
                expiry_date=doc.expiry_date,
                uploaded_by=self.owner,
                uploaded_at=self.now,
            )
            for doc in documents
        ]
        EvidenceFile.objects.bulk_create(files, batch_size=BATCH)
        for doc, file in zip(documents, files, strict=True):
            doc.current_file = file
        Document.objects.bulk_update(documents, ["current_file"], batch_size=BATCH)
        through = Document.services.through
        links = [
            through(document_id=doc.pk, cloudservice_id=service.pk)
            for doc, covered_services in covered
            for service in covered_services
        ]
        through.objects.bulk_create(links, batch_size=BATCH)
        return len(documents)
