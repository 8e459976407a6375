"""Forms of the assessment pages. Errors name the field and the rule in the user's language;
the services check the rules again (forms are only the edge)."""

from __future__ import annotations

from typing import Any, Literal, cast

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fincloud.assessments import checklist
from fincloud.assessments.matrix import LEVELS, RATINGS, rating_label
from fincloud.assessments.models import (
    AlternativeMeasure,
    Assessment,
    AssessmentSettings,
    ChecklistAnswer,
    ContractRowCheck,
    DueDiligenceAnswer,
    DueDiligenceDepth,
    MaterialityRating,
    MigrationPath,
    Risk,
)
from fincloud.people.models import User

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
AREA = forms.Textarea(attrs={"rows": 3})
YES_NO = [("", "—"), ("yes", _("Yes")), ("no", _("No"))]


def _lang() -> Literal["zh", "en"]:
    return "en" if (get_language() or "").startswith("en") else "zh"


def _choices(field: Any) -> forms.ChoiceField:
    return cast(forms.ChoiceField, field)


def _bool(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _level_choices(blank: bool = True) -> list[tuple[Any, Any]]:
    choices: list[tuple[Any, Any]] = [("", "—")] if blank else []
    return choices + [(str(n), str(n)) for n in LEVELS]


class StartForm(forms.Form):
    service: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Cloud service"),
        queryset=None,  # type: ignore[arg-type]
        empty_label="—",
    )
    planned_start = forms.DateField(label=_("Planned start of use"), required=False, widget=DATE)

    def __init__(self, *args: Any, services: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services  # type: ignore[attr-defined]


class SuitabilityForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = [
            "planned_start",
            "suitability_business",
            "suitability_technical",
            "suitability_financial",
            "suitability_csp",
            "migration_path",
            "migration_reason",
            "multi_cloud",
            "portability",
        ]
        widgets = {
            "planned_start": DATE,
            "suitability_business": AREA,
            "suitability_technical": AREA,
            "suitability_financial": AREA,
            "suitability_csp": AREA,
            "migration_reason": AREA,
            "multi_cloud": AREA,
            "portability": AREA,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The item texts of Ch 1.2 (a)-(d) are the help of the four fields.
        items = checklist.suitability_items()
        lang = _lang()
        for name, node in zip(
            [
                "suitability_business",
                "suitability_technical",
                "suitability_financial",
                "suitability_csp",
            ],
            items,
            strict=True,
        ):
            self.fields[name].help_text = node.text(lang)
        _choices(self.fields["migration_path"]).choices = [("", "—"), *MigrationPath.choices]


class LocationTermsForm(forms.Form):
    designation_right = forms.ChoiceField(
        label=_("The institution may designate the processing and storage locations"),
        choices=YES_NO,
        required=False,
    )
    designation_note = forms.CharField(
        label=_("How it is secured (document, clause)"), required=False, widget=AREA
    )
    disclosure_notice = forms.ChoiceField(
        label=_("The CSP notifies the institution when local law compels disclosure"),
        choices=YES_NO,
        required=False,
    )
    disclosure_note = forms.CharField(
        label=_("Where it is agreed (document, clause)"), required=False, widget=AREA
    )

    @classmethod
    def for_assessment(cls, assessment: Assessment) -> LocationTermsForm:
        return cls(
            initial={
                "designation_right": _yes_no(assessment.designation_right),
                "designation_note": assessment.designation_note,
                "disclosure_notice": _yes_no(assessment.disclosure_notice),
                "disclosure_note": assessment.disclosure_note,
            }
        )

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "designation_right": _bool(d["designation_right"]),
            "designation_note": d["designation_note"],
            "disclosure_notice": _bool(d["disclosure_notice"]),
            "disclosure_note": d["disclosure_note"],
        }


class LocationReviewForm(forms.Form):
    data_protection_assessment = forms.CharField(
        label=_("Assessment of the local data-protection law"), required=False, widget=AREA
    )
    stability_assessment = forms.CharField(
        label=_("Legal, political and economic stability"), required=False, widget=AREA
    )


class MaterialityFactorsForm(forms.Form):
    """Seven rows: rating and note per factor (a)-(g)."""

    def __init__(
        self, *args: Any, ratings: list[MaterialityRating], lang: Literal["zh", "en"], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        nodes = {checklist.node_letter(n): n for n in checklist.materiality_factors()}
        for r in ratings:
            node = nodes[r.factor]
            self.fields[f"level_{r.factor}"] = forms.ChoiceField(
                label=f"({r.factor}) {node.text(lang)}",
                choices=[("", "—"), *MaterialityRating.Level.choices],
                required=False,
                initial=r.level,
            )
            self.fields[f"note_{r.factor}"] = forms.CharField(
                label=_("Note on (%(factor)s)") % {"factor": r.factor},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=r.note,
            )

    def ratings(self) -> dict[str, tuple[str, str]]:
        out = {}
        for name, value in self.cleaned_data.items():
            if name.startswith("level_"):
                factor = name.removeprefix("level_")
                out[factor] = (value, self.cleaned_data.get(f"note_{factor}", ""))
        return out

    def pairs(self) -> list[tuple[Any, Any]]:
        return [
            (self[f"level_{f}"], self[f"note_{f}"])
            for f in "abcdefg"
            if f"level_{f}" in self.fields
        ]


class JudgementForm(forms.Form):
    material = forms.ChoiceField(
        label=_("Judgement"),
        choices=[("", "—"), ("yes", _("Material")), ("no", _("Not material"))],
    )
    reason = forms.CharField(label=_("Reason for the judgement"), widget=AREA)

    def value(self) -> bool | None:
        return _bool(self.cleaned_data["material"])


class RiskForm(forms.ModelForm):
    likelihood = forms.TypedChoiceField(
        label=_("Likelihood"),
        choices=_level_choices(),
        coerce=int,
        empty_value=None,
        required=False,
    )
    impact = forms.TypedChoiceField(
        label=_("Impact"), choices=_level_choices(), coerce=int, empty_value=None, required=False
    )
    residual_likelihood = forms.TypedChoiceField(
        label=_("Residual likelihood"),
        choices=_level_choices(),
        coerce=int,
        empty_value=None,
        required=False,
    )
    residual_impact = forms.TypedChoiceField(
        label=_("Residual impact"),
        choices=_level_choices(),
        coerce=int,
        empty_value=None,
        required=False,
    )

    class Meta:
        model = Risk
        fields = [
            "title",
            "cause",
            "consequence",
            "existing_controls",
            "likelihood",
            "impact",
            "treatment",
            "treatment_plan",
            "residual_likelihood",
            "residual_impact",
            "owner",
            "due_date",
        ]
        widgets = {
            "cause": AREA,
            "consequence": AREA,
            "existing_controls": AREA,
            "treatment_plan": AREA,
            "due_date": DATE,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True).order_by("username")  # type: ignore[attr-defined]
        _choices(self.fields["treatment"]).choices = [("", "—"), *Risk.Treatment.choices]
        if self.instance and self.instance.catalog_id:
            self.fields["title"].disabled = True

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.fields["title"].disabled:
            data.pop("title", None)
        return data


class DepthForm(forms.Form):
    depth = forms.ChoiceField(
        label=_("Due-diligence depth"), choices=[("", "—"), *DueDiligenceDepth.choices]
    )
    reason = forms.CharField(label=_("Why this depth"), widget=AREA)


class DueDiligenceForm(forms.Form):
    result = forms.ChoiceField(label=_("Result"), choices=DueDiligenceAnswer.Result.choices)
    answer = forms.CharField(
        label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    from_head_office = forms.BooleanField(label=_("Taken from the head office"), required=False)


class NoIncidentForm(forms.Form):
    document: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Declaration of no incidents in the last three years"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        empty_label="—",
    )
    note = forms.CharField(label=_("Note"), required=False, widget=AREA)

    def __init__(self, *args: Any, documents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document"].queryset = documents  # type: ignore[attr-defined]


class ContractRowForm(forms.Form):
    judgement = forms.ChoiceField(
        label=_("Judgement"), choices=[("", "—"), *ContractRowCheck.Judgement.choices]
    )
    na_reason = forms.CharField(label=_("Why not applicable"), required=False, widget=AREA)
    documents: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Covering documents"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    clauses = forms.CharField(label=_("Clauses (document, article)"), required=False, widget=AREA)
    remarks = forms.CharField(label=_("Remarks"), required=False, widget=AREA)
    tailored = forms.BooleanField(
        label=_("Tailored to the service model and split of duties (Annex 3 footnote 1)"),
        required=False,
    )
    tailoring_reason = forms.CharField(label=_("How and why tailored"), required=False, widget=AREA)
    impact_assessment = forms.CharField(
        label=_("Ch 3.3 assessment: impact on customer rights or operations"),
        required=False,
        widget=AREA,
    )
    significant_impact = forms.ChoiceField(
        label=_("Significant impact"), choices=YES_NO, required=False
    )

    def __init__(self, *args: Any, documents: Any, cooperation: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = documents  # type: ignore[attr-defined]
        if not cooperation:
            del self.fields["tailored"]
            del self.fields["tailoring_reason"]

    @classmethod
    def initial_for(cls, row: ContractRowCheck) -> dict[str, Any]:
        return {
            "judgement": row.judgement,
            "na_reason": row.na_reason,
            "documents": [d.pk for d in row.documents.all()],
            "clauses": row.clauses,
            "remarks": row.remarks,
            "tailored": row.tailored,
            "tailoring_reason": row.tailoring_reason,
            "impact_assessment": row.impact_assessment,
            "significant_impact": _yes_no(row.significant_impact),
        }

    def values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "judgement": d["judgement"],
            "na_reason": d["na_reason"],
            "documents": list(d["documents"]),
            "clauses": d["clauses"],
            "remarks": d["remarks"],
            "tailored": d.get("tailored", False),
            "tailoring_reason": d.get("tailoring_reason", ""),
            "impact_assessment": d["impact_assessment"],
            "significant_impact": _bool(d["significant_impact"]),
        }


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label=_("Measure"), choices=AlternativeMeasure.Kind.choices)
    description = forms.CharField(label=_("What will be done"), widget=AREA)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=User.objects.none(), empty_label="—")
    due_date = forms.DateField(label=_("Due date"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(is_active=True).order_by("username")  # type: ignore[attr-defined]


class ChecklistAnswerForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ChecklistAnswer.Status.choices)
    answer = forms.CharField(
        label=_("Answer"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )


class FilingItemForm(forms.Form):
    documents: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Documents"),
        queryset=None,  # type: ignore[arg-type]
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note"), required=False, widget=AREA)

    def __init__(self, *args: Any, documents: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["documents"].queryset = documents  # type: ignore[attr-defined]


class FilingAddForm(forms.Form):
    title = forms.CharField(label=_("Document"), max_length=300)


class FiledForm(forms.Form):
    filed_on = forms.DateField(label=_("Filed with the regulator on"), widget=DATE)


class RegulatorApprovalForm(forms.Form):
    approved_on = forms.DateField(label=_("Regulator approved on"), widget=DATE)
    reference = forms.CharField(label=_("Regulator reference"), max_length=120)


class ThresholdsForm(forms.ModelForm):
    faq_countries_text = forms.CharField(
        label=_("FAQ-10 countries (ISO codes, separated by spaces)"),
        required=False,
        help_text=_("Empty: the manual's list of Ch 1.2 (c)."),
    )

    class Meta:
        model = AssessmentSettings
        fields = [
            "services_increase",
            "data_growth_percent",
            "spend_growth_percent",
            "reevaluation_due_days",
            "certificate_warning_days",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.pk:
            self.fields["faq_countries_text"].initial = " ".join(self.instance.faq_countries)

    def countries(self) -> list[str]:
        text = self.cleaned_data.get("faq_countries_text", "")
        return [c for c in text.replace(",", " ").replace("、", " ").split() if c]


class MatrixForm(forms.Form):
    """25 cells, the acceptance level and the reason for the change."""

    accept_up_to = forms.ChoiceField(label=_("Accepted without treatment up to"), choices=[])
    reason = forms.CharField(label=_("Reason for the change"), widget=AREA)

    def __init__(self, *args: Any, matrix: Any, lang: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(r, rating_label(r, lang)) for r in RATINGS]
        _choices(self.fields["accept_up_to"]).choices = choices
        self.fields["accept_up_to"].initial = matrix.accept_up_to
        for li in LEVELS:
            for im in LEVELS:
                self.fields[f"c{li}{im}"] = forms.ChoiceField(
                    label=_("Likelihood %(l)s × impact %(i)s") % {"l": li, "i": im},
                    choices=choices,
                    initial=matrix.rating(li, im),
                )

    def data_for(self, matrix: Any) -> dict[str, Any]:
        data = matrix.to_json()
        data["accept_up_to"] = self.cleaned_data["accept_up_to"]
        data["cells"] = [[self.cleaned_data[f"c{li}{im}"] for im in LEVELS] for li in LEVELS]
        return data

    def grid(self) -> list[tuple[int, list[Any]]]:
        return [(li, [self[f"c{li}{im}"] for im in LEVELS]) for li in reversed(LEVELS)]


class InstitutionFilingItemForm(forms.Form):
    title = forms.CharField(label=_("Document"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False, widget=AREA)


class ComparisonForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Purpose"), required=False, widget=AREA)
    vendors = forms.CharField(
        label=_("Candidate vendors, one a line"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("At least two. A name that matches a CSP in the register is linked to it."),
    )
    rows = forms.MultipleChoiceField(
        label=_("Annex 3 rows"), widget=forms.CheckboxSelectMultiple, choices=[]
    )

    def __init__(self, *args: Any, lang: Literal["zh", "en"], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from fincloud.catalog import load_catalog
        from fincloud.rules.citations import CONTRACT_ROWS

        catalog = load_catalog()
        _choices(self.fields["rows"]).choices = [
            (r, f"{r} {catalog.get('a3.' + r).text(lang)[:60]}") for r in CONTRACT_ROWS
        ]
        if not self.is_bound:
            self.fields["rows"].initial = list(CONTRACT_ROWS)

    def vendor_labels(self) -> list[str]:
        return [v.strip() for v in self.cleaned_data["vendors"].splitlines() if v.strip()]


class VendorForm(forms.Form):
    label = forms.CharField(label=_("Vendor"), max_length=120)


class CellForm(forms.Form):
    judgement = forms.ChoiceField(
        label=_("Judgement"),
        choices=[("", "—"), *ContractRowCheck.Judgement.choices],
        required=False,
    )
    documents = forms.CharField(label=_("Covering documents"), required=False, max_length=2000)
    remarks = forms.CharField(label=_("Remarks"), required=False, widget=AREA)


class DueDiligenceBulkForm(forms.Form):
    """Several items answered alike, with one report as the evidence of each."""

    items = forms.MultipleChoiceField(
        label=_("Items"), widget=forms.CheckboxSelectMultiple, choices=[]
    )
    result = forms.ChoiceField(
        label=_("Result"),
        choices=[c for c in DueDiligenceAnswer.Result.choices if c[0] != "open"],
    )
    answer = forms.CharField(
        label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    from_head_office = forms.BooleanField(label=_("Taken from the head office"), required=False)
    file = forms.FileField(label=_("Evidence (one file for every item chosen)"), required=False)
    title = forms.CharField(label=_("Title of the file"), max_length=200, required=False)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["items"]).choices = choices
        from fincloud.evidence.forms import upload_help

        self.fields["file"].help_text = upload_help()


class ContractBulkForm(forms.Form):
    rows = forms.MultipleChoiceField(
        label=_("Rows"), widget=forms.CheckboxSelectMultiple, choices=[]
    )
    documents: forms.ModelMultipleChoiceField[Any] = forms.ModelMultipleChoiceField(
        label=_("Covering documents"),
        queryset=None,  # type: ignore[arg-type]
        widget=forms.CheckboxSelectMultiple,
    )
    clauses = forms.CharField(label=_("Clauses (document, article)"), required=False)
    remarks = forms.CharField(label=_("Remarks"), required=False)

    def __init__(
        self, *args: Any, choices: list[tuple[str, str]], documents: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        _choices(self.fields["rows"]).choices = choices
        self.fields["documents"].queryset = documents  # type: ignore[attr-defined]
