"""Forms of 日常執行與控管. Catalog-driven forms (the review factors, the mechanisms' items, the
responsibility matrix) build their fields from the catalog; limits come from the models."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from fincloud.evidence.forms import EvidenceUploadForm, upload_help
from fincloud.governance import labels, manual
from fincloud.governance.models import (
    NOTE_MAX,
    TEXT_MAX,
    ActionItem,
    AdoptionStage,
    Attendance,
    ChecklistAnswer,
    Committee,
    CommitteeMember,
    Course,
    DeliveryMode,
    StrategyDocument,
    UnitProfile,
)
from fincloud.governance.services import (
    DELETION_METHOD_CHOICES,
    answer_field,
    factor_field,
    mechanism_items,
)
from fincloud.people.models import BusinessUnit, User
from fincloud.register.models import CloudService

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def _choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def people() -> Any:
    return User.objects.filter(is_active=True).select_related("unit").order_by("username")


class PersonField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=people(), to_field_name="code", **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.username})"


class PeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj} ({obj.username})"


def textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Adoption stage"), choices=AdoptionStage.choices)
    decided_on = forms.DateField(label=_("Date"), widget=DATE)
    rationale = forms.CharField(label=_("Rationale"), widget=textarea(), max_length=NOTE_MAX)


class StrategyDocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=StrategyDocument.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"), widget=textarea(), max_length=NOTE_MAX, required=False
    )
    owner = PersonField(label=_("Owner"))
    next_review_on = forms.DateField(label=_("Next review"), widget=DATE, required=False)
    file = forms.FileField(label=_("Document file"), required=False)
    effective_date = forms.DateField(label=_("Effective date"), widget=DATE, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people()  # type: ignore[attr-defined]
        self.fields["file"].help_text = upload_help()
        if editing:
            for name in ("kind", "file", "effective_date"):
                del self.fields[name]


class UploadForm(EvidenceUploadForm):
    """A new revision of a document (the title is the document's own)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["title"]
        del self.fields["expiry_date"]


class PolicyForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Main points"), widget=textarea(8), max_length=TEXT_MAX)
    effective_date = forms.DateField(label=_("Effective date"), widget=DATE, required=False)


class PolicyReviewForm(forms.Form):
    """One pair of fields per Ch 1.3 factor, from the catalog."""

    reviewed_on = forms.DateField(label=_("Review date"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.factor_rows = []
        for node in manual.review_factors():
            name = factor_field(node.id)
            letter = labels.item_letter(node.id)
            self.fields[name] = forms.ChoiceField(
                label=_("%(letter)s affects the policy?") % {"letter": letter},
                choices=YES_NO,
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[name + "_note"] = forms.CharField(
                label=_("%(letter)s finding") % {"letter": letter},
                widget=textarea(2),
                max_length=NOTE_MAX,
                required=False,
            )
            self.factor_rows.append((node, self[name], self[name + "_note"]))
        self.fields["update_needed"] = forms.ChoiceField(
            label=_("Update needed"), choices=YES_NO, widget=forms.RadioSelect
        )
        self.fields["update_due"] = forms.DateField(
            label=_("Update due by"), widget=DATE, required=False
        )
        self.fields["conclusion"] = forms.CharField(
            label=_("Conclusion"), widget=textarea(3), max_length=NOTE_MAX
        )


class UnitProfileForm(forms.Form):
    cloud_role = forms.ChoiceField(
        label=_("Role in cloud governance"), choices=UnitProfile.CloudRole.choices
    )
    mandate = forms.CharField(
        label=_("Responsibilities"), widget=textarea(), max_length=NOTE_MAX, required=False
    )
    contact = PersonField(label=_("Contact person"), required=False)


class CommitteeForm(forms.ModelForm):
    class Meta:
        model = Committee
        fields = ["name", "mandate", "established_on", "meeting_interval_months"]
        widgets = {"established_on": DATE, "mandate": textarea()}


class MemberForm(forms.Form):
    person = PersonField(label=_("Person"))
    role = forms.ChoiceField(label=_("Role on the committee"), choices=CommitteeMember.Role.choices)
    joined_on = forms.DateField(label=_("Member since"), widget=DATE)


class EndForm(forms.Form):
    on = forms.DateField(label=_("Date"), widget=DATE)


class MeetingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    agenda = forms.CharField(label=_("Agenda"), widget=textarea(5), max_length=TEXT_MAX)
    minutes = forms.CharField(
        label=_("Minutes"), widget=textarea(6), max_length=TEXT_MAX, required=False
    )
    attendees = PeopleField(
        label=_("Attendees"),
        queryset=User.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = people()  # type: ignore[attr-defined]


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), widget=textarea(3), max_length=NOTE_MAX)


class ActionForm(forms.Form):
    title = forms.CharField(label=_("Follow-up action"), max_length=300)
    owner = PersonField(label=_("Owner"))
    due_on = forms.DateField(label=_("Due date"), widget=DATE)
    decision = forms.ChoiceField(label=_("Decision"), required=False)

    def __init__(self, *args: Any, meeting: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—")]
        if meeting is not None:
            choices += [(str(d.code), str(d)) for d in meeting.decisions.all()]
        _choice_field(self, "decision").choices = choices


class ActionCloseForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (ActionItem.Status.DONE, ActionItem.Status.DONE.label),
            (ActionItem.Status.CANCELLED, ActionItem.Status.CANCELLED.label),
        ],
    )
    closed_on = forms.DateField(label=_("Closed on"), widget=DATE)
    closing_note = forms.CharField(
        label=_("Closing note"), widget=textarea(2), max_length=NOTE_MAX, required=False
    )


class MatrixForm(forms.Form):
    """One choice per (duty, unit): the rows are the catalog's duties (a)-(i)."""

    title = forms.CharField(label=_("Title"), max_length=200)
    note = forms.CharField(label=_("Note"), widget=textarea(2), max_length=NOTE_MAX, required=False)

    def __init__(self, *args: Any, cells: dict[str, dict[str, str]] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        from fincloud.governance.models import ResponsibilityMatrix

        self.units = list(BusinessUnit.objects.order_by("short_name"))
        self.rows = []
        cells = cells or {}
        for duty in manual.duties():
            row = []
            for unit in self.units:
                name = self.cell_name(duty.id, str(unit.code))
                self.fields[name] = forms.ChoiceField(
                    label=f"{labels.short_duty(duty)} · {unit}",
                    choices=ResponsibilityMatrix.LETTERS,
                    required=False,
                    initial=(cells.get(duty.id) or {}).get(str(unit.code), ""),
                )
                row.append((unit, self[name]))
            self.rows.append((duty, row))

    @staticmethod
    def cell_name(duty_id: str, unit_code: str) -> str:
        return f"cell__{duty_id.replace('.', '_')}__{unit_code}"

    def cells(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for duty, row in self.rows:
            for unit, bound in row:
                value = self.cleaned_data.get(bound.name) or ""
                if value:
                    out.setdefault(duty.id, {})[str(unit.code)] = value
        return out


class AssignmentForm(forms.Form):
    person = PersonField(label=_("Person"))
    activity = forms.ChoiceField(label=_("Activity"))
    service = forms.ModelChoiceField(
        label=_("Cloud service"),
        queryset=CloudService.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("All cloud services"),
    )
    duty_id = forms.ChoiceField(label=_("Duty (Ch 1.4)"), required=False)
    starts_on = forms.DateField(label=_("From"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = CloudService.objects.order_by("name")  # type: ignore[attr-defined]
        _choice_field(self, "activity").choices = labels.activity_choices()
        _choice_field(self, "duty_id").choices = [("", "—"), *labels.duty_choices()]


class ExceptionForm(AssignmentForm):
    reason = forms.CharField(label=_("Reason"), widget=textarea(3), max_length=NOTE_MAX)
    mitigating_control = forms.CharField(
        label=_("Mitigating control"), widget=textarea(3), max_length=NOTE_MAX
    )
    review_by = forms.DateField(label=_("Review by"), widget=DATE)


class MechanismForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"), widget=textarea(4), max_length=TEXT_MAX, required=False
    )
    review_months = forms.IntegerField(label=_("Review every (months)"), min_value=1, max_value=36)
    effective_date = forms.DateField(label=_("Effective date"), widget=DATE, required=False)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind == "risk":
            self.fields["likelihood_levels"] = forms.CharField(
                label=_("Likelihood levels"),
                widget=textarea(5),
                help_text=_("One level per line, lowest first (2 to 10 levels)."),
            )
            self.fields["impact_levels"] = forms.CharField(
                label=_("Impact levels"),
                widget=textarea(5),
                help_text=_("One level per line, lowest first (2 to 10 levels)."),
            )
            self.fields["acceptance_threshold"] = forms.IntegerField(
                label=_("Acceptable up to score"),
                min_value=1,
                help_text=_("Score = likelihood level × impact level (Ch 2.2 (a))."),
            )
            self.fields["covered_items"] = forms.MultipleChoiceField(
                label=_("Risk items assessed (Ch 2.2)"),
                choices=[
                    (n.id, f"{labels.item_letter(n.id)} {labels.node_text(n)}")
                    for n in manual.risk_assessment_items()
                ],
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )
        if kind == "monitoring":
            self.fields["reports_to"] = forms.CharField(label=_("Reports to"), max_length=200)
        if kind == "exit":
            self.fields["deletion_methods"] = forms.MultipleChoiceField(
                label=_("Accepted deletion methods"),
                choices=DELETION_METHOD_CHOICES,
                widget=forms.CheckboxSelectMultiple,
            )
        self.answer_rows = []
        for node in mechanism_items(kind):
            name = answer_field(node.id)
            self.fields[name] = forms.CharField(
                label=f"{node.id}", widget=textarea(2), max_length=NOTE_MAX, required=False
            )
            self.answer_rows.append((node, self[name]))

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        out: dict[str, Any] = {
            "title": data["title"],
            "summary": data.get("summary") or "",
            "review_months": data["review_months"],
            "effective_date": data.get("effective_date"),
            "answers": {
                node.id: data.get(answer_field(node.id)) or ""
                for node in mechanism_items(self.kind)
            },
        }
        if self.kind == "risk":
            out["likelihood_levels"] = data["likelihood_levels"].splitlines()
            out["impact_levels"] = data["impact_levels"].splitlines()
            out["acceptance_threshold"] = data["acceptance_threshold"]
            out["covered_items"] = data.get("covered_items") or []
        if self.kind == "monitoring":
            out["reports_to"] = data["reports_to"]
        if self.kind == "exit":
            out["deletion_methods"] = data["deletion_methods"]
        return out

    @classmethod
    def initial_from(cls, record: Any) -> dict[str, Any]:
        initial = {
            "title": record.title,
            "summary": record.summary,
            "review_months": record.review_months,
            "effective_date": record.effective_date,
        }
        for key, value in (record.answers or {}).items():
            initial[answer_field(key)] = value
        for key in ("likelihood_levels", "impact_levels"):
            if hasattr(record, key):
                initial[key] = "\n".join(getattr(record, key))
        for key in ("acceptance_threshold", "covered_items", "reports_to", "deletion_methods"):
            if hasattr(record, key):
                initial[key] = getattr(record, key)
        return initial


class TrainingProfileForm(forms.Form):
    group = forms.ChoiceField(label=_("Training group"), required=False)
    board_member = forms.BooleanField(label=_("Board member (Ch 4.1 (a))"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "group").choices = [("", _("Not mapped")), *labels.group_choices()]


class CourseForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Course.Kind.choices)
    provider = forms.CharField(label=_("Offered by"), max_length=200, required=False)
    delivery_mode = forms.ChoiceField(label=_("Delivery mode"), choices=DeliveryMode.choices)
    hours = forms.DecimalField(label=_("Hours"), min_value=0.5, max_digits=5, decimal_places=1)
    topics = forms.MultipleChoiceField(
        label=_("Topics covered"), widget=forms.CheckboxSelectMultiple, required=False
    )
    validity_months = forms.IntegerField(
        label=_("Valid for (months)"),
        min_value=1,
        max_value=120,
        required=False,
        help_text=_("Empty: the training does not expire."),
    )
    pass_score = forms.IntegerField(
        label=_("Pass score"),
        min_value=0,
        max_value=100,
        required=False,
        help_text=_("Ch 4.2 (f): the effectiveness test's pass mark; empty if not tested."),
    )
    active = forms.BooleanField(label=_("Offered"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "topics").choices = labels.topic_choices()


class SessionForm(forms.Form):
    starts_on = forms.DateField(label=_("Date"), widget=DATE)
    delivery_mode = forms.ChoiceField(
        label=_("Delivery mode"),
        choices=[("", _("As the course")), *DeliveryMode.choices],
        required=False,
    )
    trainer = forms.CharField(label=_("Trainer or place"), max_length=200, required=False)
    hours = forms.DecimalField(
        label=_("Hours"), min_value=0.5, max_digits=5, decimal_places=1, required=False
    )


class AttendanceForm(forms.Form):
    person = PersonField(label=_("Person"))
    status = forms.ChoiceField(label=_("Attendance"), choices=Attendance.Status.choices)
    hours = forms.DecimalField(
        label=_("Hours attended"), min_value=0, max_digits=5, decimal_places=1, required=False
    )
    test_score = forms.IntegerField(
        label=_("Test score"), min_value=0, max_value=100, required=False
    )
    certificate_number = forms.CharField(
        label=_("Certificate number"), max_length=100, required=False
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        widget=DATE,
        required=False,
        help_text=_("Empty: computed from the course's validity."),
    )


class GapActionForm(forms.Form):
    person = PersonField(label=_("Person"), required=False)
    topic = forms.ChoiceField(label=_("Topic"))
    description = forms.CharField(label=_("Action taken"), widget=textarea(3), max_length=NOTE_MAX)
    owner = PersonField(label=_("Owner"))
    due_on = forms.DateField(label=_("Due date"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice_field(self, "topic").choices = labels.topic_choices()


class ChecklistAnswerForm(forms.Form):
    answer = forms.ChoiceField(
        label=_("Answer"),
        choices=ChecklistAnswer.Answer.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), widget=textarea(3), max_length=NOTE_MAX, required=False)
    file = forms.FileField(label=_("Evidence file"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = upload_help()
