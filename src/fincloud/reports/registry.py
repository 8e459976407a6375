"""The reports fincloud writes: name, the capability of its family, formats, what it is about.

    fincloud report annex3 --service CODE --format pdf -o annex3.pdf

Every report is generated the same way (fincloud.reports.services): from the web (a button
where its data is shown, or the reports pages), the CLI and the API.
"""

from __future__ import annotations

import importlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from fincloud.reports.errors import (
    BAD_QUARTER,
    NEEDS_SUBJECT,
    NO_SUBJECT,
    UNKNOWN_REPORT,
    UNKNOWN_SUBJECT,
    WRONG_FORMAT,
    ReportRefused,
)

# Capabilities, one per family of reports (declared in apps.py; all read-only, so the examiner
# holds each: generating a report changes nothing in the records it reads).
CAP_VIEW = "reports.view"
CAP_CHECKLIST = "reports.checklist"  # Annex 2
CAP_CONTRACT = "reports.contract"  # Annex 3, Annex 4, the regulator filing pack
CAP_AUDIT = "reports.audit"  # the audit report (Ch 7)
CAP_REGISTER = "reports.register"  # the register export
CAP_BOARD = "reports.board"  # the board summary

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
}
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True)
class ReportSpec:
    name: str
    capability: str
    formats: tuple[str, ...]
    title: Promise
    description: Promise
    # What the report is about: "" (the institution), "service", "audit" or "comparison".
    subject: str = ""
    subject_optional: bool = False
    params: tuple[str, ...] = ()
    producer: str = ""  # "module:function" taking (subject, fmt, lang, progress, params)
    condition: Callable[[Any], bool] | None = field(default=None, compare=False)

    def produce(
        self, subject: Any, fmt: str, lang: str, progress: Any, params: dict[str, Any]
    ) -> bytes:
        module, _sep, name = self.producer.partition(":")
        func = getattr(importlib.import_module(module), name)
        return func(subject, fmt, lang, progress, params)  # type: ignore[no-any-return]


def _class_1(service: Any) -> bool:
    return bool(
        service is not None and service.classification == "material_consumer_finance_offshore"
    )


REPORTS: dict[str, ReportSpec] = {
    spec.name: spec
    for spec in (
        ReportSpec(
            "annex2",
            CAP_CHECKLIST,
            ("xlsx", "pdf"),
            _("Recommended checklist (Annex 2)"),
            _(
                "The institution-level 日常執行與控管 part and, for one service, its 使用前評估, "
                "使用中評估 and 使用後 parts: every item, its status, evidence, who confirmed it "
                "and when."
            ),
            subject="service",
            subject_optional=True,
            producer="fincloud.reports.builders.annex2:produce",
        ),
        ReportSpec(
            "annex3",
            CAP_CONTRACT,
            ("xlsx", "docx", "pdf"),
            _("CSP contract checklist (Annex 3)"),
            _(
                "The service's contract checklist in the manual's layout: citations, wording, "
                "符合/未符合, covering documents, remarks and alternative measures."
            ),
            subject="service",
            producer="fincloud.reports.builders.annex3:produce",
        ),
        ReportSpec(
            "annex4",
            CAP_CONTRACT,
            ("xlsx", "docx"),
            _("Vendor comparison (Annex 4)"),
            _("The contract checklist rows against each candidate vendor, as in Annex 4."),
            subject="comparison",
            producer="fincloud.reports.builders.annex4:produce",
        ),
        ReportSpec(
            "filing",
            CAP_CONTRACT,
            ("docx", "xlsx"),
            _("Regulator filing pack"),
            _(
                "For a classification-1 service: the application's documents (委外辦法 §18 I) "
                "and the list of attachments."
            ),
            subject="service",
            producer="fincloud.reports.builders.filing:produce",
            condition=_class_1,
        ),
        ReportSpec(
            "audit",
            CAP_AUDIT,
            ("docx", "pdf"),
            _("Audit report"),
            _("Scope, programme, findings with severity and status, and sign-off (Ch 7)."),
            subject="audit",
            producer="fincloud.reports.builders.audit:produce",
        ),
        ReportSpec(
            "register",
            CAP_REGISTER,
            ("xlsx", "csv"),
            _("Register export"),
            _(
                "Every cloud service with its classification, locations, CSP, sub-outsourcing, "
                "SLA, RTO/RPO and stage, in the columns the bulk import reads back."
            ),
            producer="fincloud.reports.builders.register:produce",
        ),
        ReportSpec(
            "board",
            CAP_BOARD,
            ("pdf",),
            _("Board summary"),
            _(
                "Classification counts, concentration by CSP, overdue items, incidents and SLA "
                "breaches of the quarter."
            ),
            params=("quarter",),
            producer="fincloud.reports.builders.board:produce",
        ),
    )
}

SUBJECT_FIELDS = {"service": "service", "audit": "audit", "comparison": "comparison"}


def spec_for(name: str) -> ReportSpec:
    try:
        return REPORTS[name]
    except KeyError:
        raise ReportRefused(
            "report",
            "unknown_report",
            str(UNKNOWN_REPORT % {"name": name, "known": ", ".join(REPORTS)}),
        ) from None


def check_format(spec: ReportSpec, fmt: str) -> str:
    fmt = fmt.lower()
    if fmt not in spec.formats:
        raise ReportRefused(
            "format",
            "format",
            str(WRONG_FORMAT % {"name": spec.name, "formats": "/".join(spec.formats), "fmt": fmt}),
        )
    return fmt


def resolve_subject(spec: ReportSpec, code: Any) -> Any:
    """The record the report is about, by its code (a refusal names the field)."""
    field_name = SUBJECT_FIELDS.get(spec.subject, "subject")
    if code in (None, ""):
        if spec.subject and not spec.subject_optional:
            raise ReportRefused(
                field_name,
                "required",
                str(NEEDS_SUBJECT % {"field": field_name, "name": spec.name}),
            )
        return None
    if not spec.subject:
        raise ReportRefused(
            "subject", "not_allowed", str(NO_SUBJECT % {"field": "service", "name": spec.name})
        )
    unknown = ReportRefused(
        field_name, "not_found", str(UNKNOWN_SUBJECT % {"field": field_name, "code": code})
    )
    try:
        key = uuid.UUID(str(code))
    except ValueError:
        raise unknown from None
    found = _lookup(spec.subject, key)
    if found is None:
        raise unknown
    return found


def _lookup(kind: str, code: uuid.UUID) -> Any:
    if kind == "service":
        from fincloud.register.models import CloudService

        return CloudService.objects.select_related("csp", "unit", "owner").filter(code=code).first()
    if kind == "audit":
        from fincloud.audits import selectors
        from fincloud.audits.models import Audit

        try:
            return selectors.audit_detail(code)
        except Audit.DoesNotExist:
            return None
    if kind == "comparison":
        from fincloud.assessments.models import VendorComparison

        return VendorComparison.objects.select_related("service").filter(code=code).first()
    return None


def clean_params(spec: ReportSpec, params: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (params or {}).items():
        if key not in spec.params or value in (None, ""):
            continue
        if key == "quarter":
            if not QUARTER.match(str(value)):
                raise ReportRefused("quarter", "quarter", str(BAD_QUARTER % {"value": value}))
            out[key] = str(value)
    return out


def available_for(subject_kind: str, subject: Any = None) -> list[ReportSpec]:
    """The reports about a kind of record (for the buttons on its page)."""
    return [
        s
        for s in REPORTS.values()
        if s.subject == subject_kind and (s.condition is None or s.condition(subject))
    ]
