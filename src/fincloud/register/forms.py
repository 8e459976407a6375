"""Forms of the register. They parse and check input at the edge; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fincloud.evidence.forms import EvidenceUploadForm, upload_help
from fincloud.people.models import BusinessUnit, User
from fincloud.register.models import (
    Certification,
    Classification,
    CloudService,
    CloudServiceProvider,
    Document,
    HeadOfficeReliance,
    Institution,
    ProviderContact,
    ServiceDependency,
    ServiceLocation,
    ServiceStatus,
    Stage,
    SubProcessor,
    TerminationEvent,
)
from fincloud.register.selectors import SERVICE_SORTS, STALE, UNCLASSIFIED
from fincloud.register.services import RESELLER_NEEDS_ADDENDUM

ADDENDUM_HELP = _("Required when buying through a partner or reseller (Ch 3.3). %(limits)s")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Above this many services a dependency is chosen by code, not from a list.
SELECT_LIMIT = 300
LOCATIONS_HELP = _(
    "One location a line: the ISO 3166-1 alpha-2 country code, then the region or data "
    "centre, e.g. “TW Changhua” or “JP Tokyo”."
)
# Ch 7.2: the certifications that qualify a cloud auditor.
AUDITOR_CERTIFICATIONS = [
    ("ISO 27001", "ISO 27001"),
    ("ISO 27017", "ISO 27017"),
    ("CCSP", "CCSP"),
    ("CCSK", "CCSK"),
    ("CISSP", "CISSP"),
    ("AWS CCP", "AWS Certified Cloud Practitioner"),
    ("AZ-900", "Microsoft AZ-900"),
    ("GCP CDL", "Google Cloud Digital Leader"),
    ("AWS Security Specialty", "AWS Certified Security – Specialty"),
    ("AZ-500", "Microsoft AZ-500"),
    ("GCP PCSE", "Google Professional Cloud Security Engineer"),
]


class UnitChoiceField(forms.ModelChoiceField):
    """Business units named in the user's language."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name(get_language() or ""))


class InstitutionForm(forms.ModelForm):
    class Meta:
        model = Institution
        fields = [
            "institution_type",
            "name_zh",
            "name_en",
            "business_number",
            "head_office_name",
            "head_office_country",
            "alert_window_days",
        ]
        help_texts = {
            "head_office_country": _("ISO 3166-1 alpha-2 code, e.g. SG."),
            "alert_window_days": _(
                "How many days before a renewal, notice, trial end or expiry the register warns."
            ),
        }


class CSPForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    status_page_url = forms.URLField(label=_("Status page"), required=False, assume_scheme="https")

    class Meta:
        model = CloudServiceProvider
        fields = [
            "name",
            "country",
            "channel",
            "partner_name",
            "website",
            "status_page_url",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"country": _("ISO 3166-1 alpha-2 code of the CSP's home country, e.g. US.")}


class CSPCreateForm(CSPForm):
    """A CSP bought through a partner comes with its FSI addendum or commitment letter."""

    addendum_file = forms.FileField(
        label=_("FSI addendum or commitment letter (file)"),
        required=False,
    )
    addendum_kind = forms.ChoiceField(
        label=_("Kind of that document"),
        choices=[
            (Document.Kind.FSI_ADDENDUM.value, Document.Kind.FSI_ADDENDUM.label),
            (Document.Kind.COMMITMENT_LETTER.value, Document.Kind.COMMITMENT_LETTER.label),
        ],
        required=False,
    )
    addendum_effective = forms.DateField(label=_("Its effective date"), required=False, widget=DATE)
    addendum_expiry = forms.DateField(label=_("Its expiry date"), required=False, widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["addendum_file"].help_text = str(ADDENDUM_HELP) % {"limits": upload_help()}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("channel") == CloudServiceProvider.Channel.PARTNER and not data.get(
            "addendum_file"
        ):
            self.add_error("addendum_file", RESELLER_NEEDS_ADDENDUM)
        return data


class ContactForm(forms.ModelForm):
    class Meta:
        model = ProviderContact
        fields = ["kind", "name", "title", "email", "phone", "note"]


class CertificationForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = [
            "standard",
            "standard_other",
            "number",
            "scope",
            "issuer",
            "issued_on",
            "expiry_date",
        ]
        widgets = {
            "issued_on": DATE,
            "expiry_date": DATE,
            "scope": forms.Textarea(attrs={"rows": 3}),
        }


class CertificationCreateForm(CertificationForm):
    file = forms.FileField(label=_("Certificate (file)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = upload_help()


class TerminationEventForm(forms.ModelForm):
    class Meta:
        model = TerminationEvent
        fields = ["kind", "occurred_on", "learned_on", "description", "action_taken"]
        widgets = {
            "occurred_on": DATE,
            "learned_on": DATE,
            "description": forms.Textarea(attrs={"rows": 3}),
            "action_taken": forms.Textarea(attrs={"rows": 3}),
        }


class ServiceForm(forms.ModelForm):
    csp = forms.ModelChoiceField(
        label=_("Cloud service provider"),
        queryset=CloudServiceProvider.objects.order_by("name"),
        to_field_name="code",
    )
    unit = UnitChoiceField(
        label=_("Business unit"),
        queryset=BusinessUnit.objects.order_by("short_name"),
        to_field_name="short_name",
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        to_field_name="username",
        required=False,
    )

    class Meta:
        model = CloudService
        fields = [
            "name",
            "csp",
            "description",
            "service_model",
            "deployment_model",
            "business_process",
            "information_system",
            "unit",
            "owner",
            "involves_license_business",
            "customer_data",
            "personal_data",
            "consumer_finance_system",
            "csp_processes_or_stores_data",
            "exclusion",
            "availability_target",
            "rto_minutes",
            "rpo_minutes",
            "planned_start",
            "annual_spend_twd",
            "data_records",
        ]
        widgets = {"planned_start": DATE, "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "involves_license_business": _("Ch 9.2 (b): items on the business licence."),
            "customer_data": _("Ch 9.2 (b): customer information."),
            "consumer_finance_system": _(
                "A consumer-finance information system (Ch 7.1 classification 1, row 18.II.6)."
            ),
            "csp_processes_or_stores_data": _(
                "Ch 9.2 (c): the CSP processes or stores the data, also when a contractor "
                "sub-outsources to it."
            ),
            "exclusion": _("Ch 9.2: the cases the manual puts out of scope."),
            "availability_target": _("Per cent, e.g. 99.95."),
        }


class ServiceCreateForm(ServiceForm):
    locations = forms.CharField(
        label=_("Processing and storage locations"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=LOCATIONS_HELP,
    )


class LocationForm(forms.ModelForm):
    sub_processor = forms.ModelChoiceField(
        label=_("Sub-processor"),
        queryset=SubProcessor.objects.none(),
        to_field_name="code",
        required=False,
        help_text=_("Empty when the CSP itself processes or stores the data there."),
    )

    class Meta:
        model = ServiceLocation
        fields = ["country", "region", "role", "sub_processor"]
        help_texts = {"country": _("ISO 3166-1 alpha-2 code, e.g. TW, JP, SG.")}

    def __init__(self, *args: Any, service: CloudService, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sub_processor"].queryset = service.sub_processors.order_by("name")  # type: ignore[attr-defined]


class SubProcessorForm(forms.ModelForm):
    parent = forms.ModelChoiceField(
        label=_("Sub-contracted by"),
        queryset=SubProcessor.objects.none(),
        to_field_name="code",
        required=False,
        help_text=_("Empty when the CSP itself sub-contracts; else the sub-processor above."),
    )
    consent_document = forms.ModelChoiceField(
        label=_("Written consent"),
        queryset=Document.objects.none(),
        to_field_name="code",
        required=False,
        help_text=_("委外辦法 §10 II: sub-outsourcing needs the institution's written consent."),
    )
    locations = forms.CharField(
        label=_("Its processing and storage locations"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=LOCATIONS_HELP,
    )

    class Meta:
        model = SubProcessor
        fields = ["name", "country", "function", "parent", "consent_document", "note"]

    def __init__(self, *args: Any, service: CloudService, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = service.sub_processors.order_by("name")  # type: ignore[attr-defined]
        self.fields["consent_document"].queryset = Document.objects.filter(  # type: ignore[attr-defined]
            services=service
        ).order_by("title")


class DependencyForm(forms.Form):
    depends_on = forms.ModelChoiceField(
        label=_("Depends on"),
        queryset=CloudService.objects.none(),
        to_field_name="code",
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ServiceDependency.Kind.choices)
    redundancy_group = forms.CharField(
        label=_("Redundancy group"),
        max_length=60,
        required=False,
        help_text=_(
            "For redundant alternatives: the same name for the services that back each other up."
        ),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, service: CloudService, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        candidates = CloudService.objects.exclude(pk=service.pk).order_by("name")
        field = self.fields["depends_on"]
        field.queryset = candidates  # type: ignore[attr-defined]
        if candidates.count() > SELECT_LIMIT:
            field.widget = forms.TextInput()
            field.help_text = _("The other service's code (shown on its page).")


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ServiceStatus.choices)
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class RelianceForm(forms.ModelForm):
    branch_contact = forms.ModelChoiceField(
        label=_("Branch contact"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        to_field_name="username",
    )
    head_office_contract = forms.ModelChoiceField(
        label=_("Head office's contract with the CSP (sub-outsourcing)"),
        queryset=Document.objects.filter(sub_outsourcing=True).order_by("title"),
        to_field_name="code",
        required=False,
        help_text=_(
            "Register it first as a contract marked “sub-outsourcing”; it is checked against "
            "Annex 3 like any other contract."
        ),
    )
    auditor_qualifications = forms.MultipleChoiceField(
        label=_("Auditor certifications (Ch 7.2)"),
        choices=AUDITOR_CERTIFICATIONS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = HeadOfficeReliance
        fields = [
            "responsible_kind",
            "responsible_name",
            "branch_contact",
            "relies_due_diligence",
            "relies_reviews",
            "relies_contracts",
            "relies_audits",
            "head_office_contract",
            "auditor_name",
            "auditor_independent",
            "auditor_qualifications",
            "auditor_experience",
            "auditor_assessment",
        ]
        widgets = {
            "auditor_independent": forms.NullBooleanSelect,
            "auditor_experience": forms.Textarea(attrs={"rows": 2}),
            "auditor_assessment": forms.Textarea(attrs={"rows": 3}),
        }


class DocumentForm(forms.ModelForm):
    csp = forms.ModelChoiceField(
        label=_("Cloud service provider"),
        queryset=CloudServiceProvider.objects.order_by("name"),
        to_field_name="code",
        required=False,
    )
    services = forms.ModelMultipleChoiceField(
        label=_("Services covered"),
        queryset=CloudService.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None: the document covers every service of the CSP (e.g. an FSI addendum)."),
    )

    class Meta:
        model = Document
        fields = [
            "kind",
            "title",
            "reference",
            "csp",
            "services",
            "parties",
            "issuer",
            "sub_outsourcing",
            "signed_on",
            "effective_date",
            "expiry_date",
            "auto_renewal",
            "renewal_term_months",
            "notice_period_days",
            "free_trial_end",
            "note",
        ]
        widgets = {
            "signed_on": DATE,
            "effective_date": DATE,
            "expiry_date": DATE,
            "free_trial_end": DATE,
            "note": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "sub_outsourcing": _(
                "A contract between the head office (or a contractor) and the CSP: 複委託."
            ),
            "notice_period_days": _(
                "Days before the end of the term by which notice must be given."
            ),
        }

    def __init__(self, *args: Any, csp_code: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        code = csp_code or (self.data.get("csp") if self.is_bound else None)
        if code is None and self.instance.pk and self.instance.csp_id:
            code = str(self.instance.csp.code)  # type: ignore[union-attr]
        services = CloudService.objects.select_related("csp").order_by("name")
        if code:
            services = services.filter(csp__code=code)
        self.fields["services"].queryset = services  # type: ignore[attr-defined]


class DocumentCreateForm(DocumentForm):
    file = forms.FileField(label=_("File"), required=False)
    file_title = forms.CharField(label=_("Title of the file"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = upload_help()


class RelianceUploadForm(EvidenceUploadForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            ("due_diligence", _("Head office due diligence report")),
            ("review", _("Head office periodic review")),
            ("audit_report", _("Head office or third-party audit report")),
            ("other", _("Other")),
        ],
    )


class ServiceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    csp = forms.ChoiceField(label=_("Cloud service provider"), required=False)
    classification = forms.ChoiceField(label=_("Classification"), required=False)
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("Any")), *Stage.choices]
    )
    unit = forms.ChoiceField(label=_("Business unit"), required=False)
    material = forms.ChoiceField(
        label=_("Material"),
        required=False,
        choices=[("", _("Any")), ("yes", _("Material")), ("no", _("Not material"))],
    )
    overdue = forms.BooleanField(label=_("Something overdue"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Service name")),
            ("csp", _("CSP")),
            ("classification", _("Classification")),
            ("stage", _("Stage")),
            ("unit", _("Unit")),
            ("-updated", _("Recently updated")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["csp"].choices = [("", _("Any"))] + [  # type: ignore[attr-defined]
            (str(code), name)
            for code, name in CloudServiceProvider.objects.order_by("name").values_list(
                "code", "name"
            )
        ]
        self.fields["classification"].choices = [  # type: ignore[attr-defined]
            ("", _("Any")),
            *Classification.choices,
            (UNCLASSIFIED, _("Not yet classified")),
            (STALE, _("Classification stale")),
        ]
        language = get_language() or ""
        self.fields["unit"].choices = [("", _("Any"))] + [  # type: ignore[attr-defined]
            (unit.short_name, unit.display_name(language))
            for unit in BusinessUnit.objects.order_by("short_name").only(
                "short_name", "name_zh", "name_en"
            )
        ]
        # Sorting links in the table headers may ask for any known order.
        known = dict(self.fields["sort"].choices)  # type: ignore[attr-defined]
        self.fields["sort"].choices = [  # type: ignore[attr-defined]
            *known.items(),
            *[(k, k) for k in SERVICE_SORTS if k not in known],
        ]


class DocumentFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any")), *Document.Kind.choices]
    )
    csp = forms.ChoiceField(label=_("Cloud service provider"), required=False)
    due = forms.ChoiceField(
        label=_("Deadlines"),
        required=False,
        choices=[("", _("Any")), ("overdue", _("Overdue")), ("soon", _("Within the alert window"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["csp"].choices = [("", _("Any"))] + [  # type: ignore[attr-defined]
            (str(code), name)
            for code, name in CloudServiceProvider.objects.order_by("name").values_list(
                "code", "name"
            )
        ]
