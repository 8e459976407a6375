"""Pages of the pre-use assessment: decorators, one access helper, one service call, render.

Reading pages need ``assessments.view``; each form posts to a view that needs the capability
of the role that owns the section (prepare / risk / legal / security / configure / compare).
"""

from __future__ import annotations

from typing import Any, Literal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fincloud.assessments import checklist, forms, selectors, services
from fincloud.assessments.matrix import heat_map, rating_label
from fincloud.assessments.models import (
    AlternativeMeasure,
    Assessment,
    ChecklistAnswer,
    ComparisonVendor,
    ContractRowCheck,
    DueDiligenceAnswer,
    FilingItem,
    InstitutionFilingItem,
    LocationReview,
    ReevaluationFlag,
    Risk,
    VendorComparison,
)
from fincloud.assessments.readiness import blockers_by_section, contract_row_states, readiness
from fincloud.catalog import load_a4_example, load_catalog
from fincloud.determinations.services import current_determinations
from fincloud.evidence.forms import EvidenceUploadForm
from fincloud.people.access import require
from fincloud.web.forms import attach_errors, flash_errors
from fincloud.workflow import views as workflow_views
from fincloud.workflow.models import State
from fincloud.workflow.services import check_can_decide

# -- helpers ---------------------------------------------------------------------------------


def _lang() -> Literal["zh", "en"]:
    return "en" if (get_language() or "").startswith("en") else "zh"


def get_assessment_for_user(request: HttpRequest, code: Any) -> Assessment:
    try:
        return selectors.assessment_queryset().get(code=code)
    except (Assessment.DoesNotExist, ValidationError):
        raise Http404 from None


def _child(model: Any, assessment: Assessment, code: Any, **extra: Any) -> Any:
    try:
        return model.objects.get(code=code, assessment=assessment, **extra)
    except (model.DoesNotExist, ValidationError):
        raise Http404 from None


def _can(request: HttpRequest, capability: str) -> bool:
    return bool(request.user.can(capability))  # type: ignore[union-attr]


def _editable(assessment: Assessment) -> bool:
    return assessment.state in {State.DRAFT, State.REJECTED}


TABS = [
    ("detail", gettext_lazy("Overview")),
    ("suitability", gettext_lazy("Suitability")),
    ("scope", gettext_lazy("Scope and classification")),
    ("materiality", gettext_lazy("Materiality")),
    ("risks", gettext_lazy("Risk assessment")),
    ("locations", gettext_lazy("Locations")),
    ("due_diligence", gettext_lazy("Due diligence")),
    ("contract", gettext_lazy("Contract checklist")),
    ("filing", gettext_lazy("Regulator filing")),
]


def _base(request: HttpRequest, assessment: Assessment, tab: str, **extra: Any) -> dict[str, Any]:
    tabs = [
        (name, str(label), reverse(f"assessments:{name}", kwargs={"code": assessment.code}))
        for name, label in TABS
    ]
    label = dict(TABS)[tab]
    crumbs: list[tuple[str, str | None]] = [
        (_("Pre-use assessments"), reverse("assessments:list")),
        (str(assessment), reverse("assessments:detail", kwargs={"code": assessment.code})),
    ]
    if tab != "detail":
        crumbs.append((str(label), None))
    else:
        crumbs[-1] = (str(assessment), None)
    return {
        "assessment": assessment,
        "service": assessment.service,
        "tab": tab,
        "tabs": tabs,
        "crumbs": crumbs,
        "editable": _editable(assessment),
        "lang": _lang(),
        "unit_name": assessment.service.unit.display_name(get_language() or "zh-hant"),
        **extra,
    }


def _go(assessment: Assessment, tab: str, anchor: str = "") -> HttpResponse:
    url = reverse(f"assessments:{tab}", kwargs={"code": assessment.code})
    return redirect(url + (f"#{anchor}" if anchor else ""))


# -- list and start ----------------------------------------------------------------------------


@require_GET
@require("assessments.view")
def assessment_list(request: HttpRequest) -> HttpResponse:
    from fincloud.register.models import Classification, CloudServiceProvider

    state = request.GET.get("state", "")
    classification = request.GET.get("classification", "")
    csp = request.GET.get("csp", "")
    q = request.GET.get("q", "").strip()[:100]
    if state not in State.values:
        state = ""
    if classification not in Classification.values:
        classification = ""
    rows = selectors.assessment_list(state=state, classification=classification, csp=csp, q=q)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/list.html",
        {
            "page": page,
            "states": State.choices,
            "classifications": Classification.choices,
            "csps": CloudServiceProvider.objects.order_by("name").only("code", "name"),
            "filters": {"state": state, "classification": classification, "csp": csp, "q": q},
            "crumbs": [(_("Pre-use assessments"), None)],
        },
    )


def _startable_services() -> Any:
    from fincloud.register.models import CloudService, ServiceStatus

    return (
        CloudService.objects.exclude(status__in=[ServiceStatus.CANCELLED, ServiceStatus.TERMINATED])
        .exclude(assessments__state__in=[*services.OPEN_STATES, State.APPROVED])
        .select_related("csp")
        .order_by("name")
    )


@require_http_methods(["GET", "POST"])
@require("assessments.prepare")
def assessment_start(request: HttpRequest) -> HttpResponse:
    candidates = _startable_services()
    initial = {}
    wanted = request.GET.get("service")
    if wanted:
        found = candidates.filter(code=wanted).first() if _is_uuid(wanted) else None
        if found is not None:
            initial["service"] = found.pk
            initial["planned_start"] = found.planned_start
    form = forms.StartForm(request.POST or None, services=candidates, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = services.assessment_start(
                actor=request.user,
                service=form.cleaned_data["service"],
                planned_start=form.cleaned_data["planned_start"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Assessment started: version %(v)s.") % {"v": 1})
            return redirect("assessments:detail", code=assessment.code)
    return render(
        request,
        "assessments/form.html",
        {
            "form": form,
            "title": _("Start a pre-use assessment"),
            "intro": _(
                "One assessment per service and version. Choose a registered service that "
                "has none yet."
            ),
            "crumbs": [
                (_("Pre-use assessments"), reverse("assessments:list")),
                (_("Start"), None),
            ],
        },
    )


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


# -- overview and workflow -------------------------------------------------------------------


@require_GET
@require("assessments.view")
def assessment_detail(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    report = readiness(assessment)
    user: Any = request.user
    can_approve = user.can("workflow.approve")
    versions = list(
        Assessment.objects.filter(service=assessment.service)
        .only("code", "version", "state", "prepared_at")
        .order_by("-version")
    )
    dets = report.determinations
    return render(
        request,
        "assessments/detail.html",
        _base(
            request,
            assessment,
            "detail",
            report=report,
            by_section=blockers_by_section(report),
            record=assessment,
            can_approve=can_approve,
            decide_refusal=check_can_decide(assessment, user) if can_approve else None,
            transition_url=reverse("assessments:detail", kwargs={"code": assessment.code}) + "do/",
            versions=versions,
            classification=dets.get("classification"),
            can_prepare=_can(request, "assessments.prepare"),
            can_compare=_can(request, "assessments.compare"),
            flags=selectors.open_flags(assessment),
        ),
    )


@require_POST
@require("web.view")
def assessment_transition(request: HttpRequest, code: Any, action: str) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    user: Any = request.user
    back = reverse("assessments:detail", kwargs={"code": assessment.code})
    if action not in workflow_views.ACTIONS:
        raise Http404
    if action in {"submit", "reopen"} and not user.can("assessments.prepare"):
        raise PermissionDenied("assessments.prepare")
    if action in {"approve", "reject"} and not user.can("workflow.approve"):
        raise PermissionDenied("workflow.approve")
    if action == "submit":
        try:
            services.assessment_submit(actor=user, assessment=assessment)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Submitted for approval."))
        return redirect(back)
    if action == "approve":
        try:
            services.assessment_approve(
                actor=user, assessment=assessment, comment=request.POST.get("comment", "")
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Approved."))
        return redirect(back)
    return workflow_views.transition(request, assessment, action, success_url=back)


@require_POST
@require("assessments.prepare")
def assessment_new_version(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    try:
        new = services.assessment_new_version(actor=request.user, assessment=assessment)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("assessments:detail", code=assessment.code)
    messages.success(
        request,
        _("Version %(v)s started; it supersedes this one once approved.") % {"v": new.version},
    )
    return redirect("assessments:detail", code=new.code)


# -- suitability (Ch 1.2) --------------------------------------------------------------------


@require_GET
@require("assessments.view")
def suitability(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    return render(
        request,
        "assessments/suitability.html",
        _base(
            request,
            assessment,
            "suitability",
            pairs=list(
                zip(
                    checklist.suitability_items(),
                    [
                        assessment.suitability_business,
                        assessment.suitability_technical,
                        assessment.suitability_financial,
                        assessment.suitability_csp,
                    ],
                    strict=True,
                )
            ),
            can_edit=_can(request, "assessments.prepare"),
        ),
    )


@require_http_methods(["GET", "POST"])
@require("assessments.prepare")
def suitability_edit(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    form = forms.SuitabilityForm(request.POST or None, instance=assessment)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            assessment.refresh_from_db()
            services.assessment_update_suitability(
                actor=request.user, assessment=assessment, **values
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Suitability saved."))
            return _go(assessment, "suitability")
    return render(
        request,
        "assessments/section_form.html",
        _base(request, assessment, "suitability", form=form, title=_("Suitability (Ch 1.2)")),
    )


# -- scope and classification ---------------------------------------------------------------

DET_ORDER = (
    "scope",
    "locations",
    "classification",
    "regulator_approval",
    "audit_cadence",
    "contract_rows",
    "materiality",
)
DET_TITLES = {
    "scope": gettext_lazy("Scope (Ch 9.2)"),
    "locations": gettext_lazy("Offshore and locations (Ch 1.2)"),
    "classification": gettext_lazy("Classification (Ch 7.1)"),
    "regulator_approval": gettext_lazy("Regulator's approval (委外辦法 §18 I)"),
    "audit_cadence": gettext_lazy("Audit cadence (Ch 7.1)"),
    "contract_rows": gettext_lazy("Annex 3 rows that apply"),
    "materiality": gettext_lazy("Materiality proposal and judgement (Ch 2.2)"),
}


@require_GET
@require("assessments.view")
def scope(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    dets = current_determinations(assessment)
    cards = [(str(DET_TITLES[k]), dets[k]) for k in DET_ORDER if k in dets]
    return render(
        request,
        "assessments/scope.html",
        _base(
            request,
            assessment,
            "scope",
            cards=cards,
            can_edit=_can(request, "assessments.prepare"),
            service_stale=assessment.service.classification_stale,
        ),
    )


@require_POST
@require("assessments.prepare")
def evaluate(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    try:
        outcome = services.assessment_evaluate(actor=request.user, assessment=assessment)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        if outcome.classification is None:
            messages.warning(request, str(services.NEEDS_MATERIALITY))
        else:
            messages.success(request, _("Scope and classification computed."))
    return _go(assessment, "scope")


# -- materiality (Ch 2.2) --------------------------------------------------------------------


def _materiality_page(
    request: HttpRequest,
    assessment: Assessment,
    factors_form: Any = None,
    judgement_form: Any = None,
) -> HttpResponse:
    ratings = list(assessment.materiality_ratings.order_by("factor"))
    factors_form = factors_form or forms.MaterialityFactorsForm(ratings=ratings, lang=_lang())
    judgement_form = judgement_form or forms.JudgementForm(
        initial={
            "material": ""
            if assessment.material is None
            else ("yes" if assessment.material else "no"),
            "reason": assessment.materiality_reason,
        }
    )
    proposal = services.materiality_proposal(assessment)
    dets = current_determinations(assessment)
    flags = list(
        ReevaluationFlag.objects.filter(assessment__service_id=assessment.service_id)
        .select_related("assessment", "resolved_by")
        .order_by("-detected_on")[:20]
    )
    return render(
        request,
        "assessments/materiality.html",
        _base(
            request,
            assessment,
            "materiality",
            factor_rows=[
                (
                    r,
                    {checklist.node_letter(n): n for n in checklist.materiality_factors()}[
                        r.factor
                    ],
                )
                for r in ratings
            ],
            factors_form=factors_form,
            judgement_form=judgement_form,
            proposal=proposal,
            reasons=(proposal.reasons_en if _lang() == "en" else proposal.reasons_zh)
            if proposal
            else (),
            det=dets.get("materiality"),
            can_edit=_can(request, "assessments.risk"),
            flags=flags,
            exposure=assessment.exposure_snapshot,
        ),
    )


@require_GET
@require("assessments.view")
def materiality(request: HttpRequest, code: Any) -> HttpResponse:
    return _materiality_page(request, get_assessment_for_user(request, code))


@require_POST
@require("assessments.risk")
def materiality_factors(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    ratings = list(assessment.materiality_ratings.order_by("factor"))
    form = forms.MaterialityFactorsForm(request.POST, ratings=ratings, lang=_lang())
    if form.is_valid():
        try:
            services.materiality_save_factors(
                actor=request.user, assessment=assessment, ratings=form.ratings()
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Factors saved."))
            return _go(assessment, "materiality")
    return _materiality_page(request, assessment, factors_form=form)


@require_POST
@require("assessments.risk")
def materiality_judge(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    form = forms.JudgementForm(request.POST)
    if form.is_valid():
        try:
            services.materiality_judge(
                actor=request.user,
                assessment=assessment,
                material=form.value(),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request,
                _("Judgement recorded. Compute the classification again on the scope page."),
            )
            return _go(assessment, "materiality")
    return _materiality_page(request, assessment, judgement_form=form)


# -- risks (Ch 2.2) ----------------------------------------------------------------------------


@require_GET
@require("assessments.view")
def risks(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    matrix = assessment.matrix.matrix()
    lang = _lang()
    rows: list[dict[str, Any]] = []
    for risk in assessment.risks.select_related("owner"):
        inherent = (
            matrix.rating(risk.likelihood, risk.impact) if risk.likelihood and risk.impact else None
        )
        residual = (
            matrix.rating(risk.residual_likelihood, risk.residual_impact)
            if risk.residual_likelihood and risk.residual_impact
            else None
        )
        # An accepted (or not yet treated) risk remains what it is: its residual rating is the
        # inherent one until a treatment says otherwise.
        residual_point = (
            (risk.residual_likelihood, risk.residual_impact)
            if residual
            else (risk.likelihood, risk.impact)
            if inherent and risk.treatment in {"", Risk.Treatment.ACCEPT}
            else None
        )
        rows.append(
            {
                "risk": risk,
                "inherent": inherent,
                "residual": residual,
                "residual_point": residual_point,
                "title": risk.display_title(lang),
                "inherent_label": rating_label(inherent, lang) if inherent else "",
                "residual_label": rating_label(residual, lang) if residual else "",
            }
        )
    # Ch 2.2 mechanism (d): the treatment priority follows the rating, most severe first.
    from fincloud.assessments.matrix import RATINGS

    def order(r: dict[str, Any]) -> tuple[int, int]:
        rating = r["residual"] or r["inherent"]
        return (-(RATINGS.index(rating) if rating else -1), r["risk"].order)

    rows.sort(key=order)
    inherent_map = heat_map(
        matrix,
        [(r["risk"].likelihood, r["risk"].impact) for r in rows if r["inherent"]],
        lang,
    )
    residual_map = heat_map(
        matrix,
        [r["residual_point"] for r in rows if r["residual_point"]],
        lang,
    )
    return render(
        request,
        "assessments/risks.html",
        _base(
            request,
            assessment,
            "risks",
            rows=rows,
            matrix=matrix,
            accept_label=rating_label(matrix.accept_up_to, lang),
            inherent_map=inherent_map,
            residual_map=residual_map,
            mechanism=[(checklist.node_letter(n), n) for n in checklist.risk_mechanism()],
            annex2=[i for i in checklist.before_use_items() if i.domain_id == "a2.before.1"],
            can_edit=_can(request, "assessments.risk"),
        ),
    )


def _risk_form_page(
    request: HttpRequest, assessment: Assessment, form: Any, risk: Risk | None
) -> HttpResponse:
    node = None
    if risk is not None and risk.catalog_id:
        node = load_catalog().find(risk.catalog_id)
    title = _("New risk") if risk is None else risk.display_title(_lang())
    return render(
        request,
        "assessments/risk_form.html",
        _base(request, assessment, "risks", form=form, risk=risk, node=node, title=title),
    )


@require_http_methods(["GET", "POST"])
@require("assessments.risk")
def risk_add(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    form = forms.RiskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_add(actor=request.user, assessment=assessment, **form.values())
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Risk added."))
            return _go(assessment, "risks")
    return _risk_form_page(request, assessment, form, None)


@require_http_methods(["GET", "POST"])
@require("assessments.risk")
def risk_edit(request: HttpRequest, code: Any, risk: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    obj = _child(Risk, assessment, risk)
    form = forms.RiskForm(request.POST or None, instance=obj)
    if request.method == "POST" and form.is_valid():
        try:
            obj.refresh_from_db()
            services.risk_update(actor=request.user, risk=obj, **form.values())
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Risk saved."))
            return _go(assessment, "risks")
    return _risk_form_page(request, assessment, form, obj)


@require_POST
@require("assessments.risk")
def risk_remove(request: HttpRequest, code: Any, risk: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    obj = _child(Risk, assessment, risk)
    try:
        services.risk_remove(actor=request.user, risk=obj)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Risk removed."))
    return _go(assessment, "risks")


# -- locations (Ch 1.2) ----------------------------------------------------------------------


def _locations_page(
    request: HttpRequest,
    assessment: Assessment,
    terms_form: Any = None,
    bound: dict[Any, Any] | None = None,
) -> HttpResponse:
    from fincloud.rules.countries import DOMESTIC

    dets = current_determinations(assessment)
    locs = dets.get("locations")
    needing = set((locs.outcome or {}).get("locations_needing_assessment") or ()) if locs else set()
    cls = dets.get("classification")
    class_1 = bool(cls and cls.outcome == "material_consumer_finance_offshore")
    faq = services.faq_countries()
    reviews = []
    for review in assessment.location_reviews.filter(present=True):
        form = (bound or {}).get(review.pk) or forms.LocationReviewForm(
            initial={
                "data_protection_assessment": review.data_protection_assessment,
                "stability_assessment": review.stability_assessment,
            },
            prefix=str(review.code),
        )
        reviews.append(
            {
                "review": review,
                "offshore": review.country != DOMESTIC,
                "on_faq": review.country in faq,
                "needs_dp": review.country in needing,
                "needs_stability": class_1,
                "form": form,
            }
        )
    return render(
        request,
        "assessments/locations.html",
        _base(
            request,
            assessment,
            "locations",
            reviews=reviews,
            evaluated=locs is not None,
            class_1=class_1,
            faq=sorted(faq),
            items=checklist.location_items(),
            terms_form=terms_form or forms.LocationTermsForm.for_assessment(assessment),
            can_edit=_can(request, "assessments.prepare"),
        ),
    )


@require_GET
@require("assessments.view")
def locations(request: HttpRequest, code: Any) -> HttpResponse:
    return _locations_page(request, get_assessment_for_user(request, code))


@require_POST
@require("assessments.prepare")
def location_terms(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    form = forms.LocationTermsForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_update_location_terms(
                actor=request.user, assessment=assessment, **form.values()
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Location terms saved."))
            return _go(assessment, "locations")
    return _locations_page(request, assessment, terms_form=form)


@require_POST
@require("assessments.prepare")
def location_review(request: HttpRequest, code: Any, review: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    obj = _child(LocationReview, assessment, review)
    form = forms.LocationReviewForm(request.POST, prefix=str(obj.code))
    if form.is_valid():
        try:
            services.location_review_save(actor=request.user, review=obj, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Location %(c)s saved.") % {"c": obj.country})
            return _go(assessment, "locations", f"loc-{obj.country}")
    return _locations_page(request, assessment, bound={obj.pk: form})


# -- due diligence (Ch 3.1) ------------------------------------------------------------------


def _dd_choices(request: HttpRequest, answers: list[DueDiligenceAnswer]) -> list[tuple[str, str]]:
    nodes = {n.id: n for n in checklist.due_diligence_items()}
    lang = _lang()
    return [
        (str(a.code), f"({checklist.letter_of(a.item_id)}) {nodes[a.item_id].text(lang)}")  # type: ignore[arg-type]
        for a in answers
        if _can(request, services.due_diligence_capability(a.item_id))
    ]


def _dd_page(
    request: HttpRequest,
    assessment: Assessment,
    depth_form: Any = None,
    incident_form: Any = None,
    bulk_form: Any = None,
) -> HttpResponse:
    from fincloud.assessments.checks import certificate_status
    from fincloud.register.models import Document

    answers = list(assessment.due_diligence_answers.select_related("updated_by"))
    files = selectors.evidence_by_owner(DueDiligenceAnswer, [a.pk for a in answers])
    nodes = {n.id: n for n in checklist.due_diligence_items()}
    rows = [
        {
            "answer": a,
            "node": nodes.get(a.item_id),
            "letter": checklist.letter_of(a.item_id),
            "files": files.get(str(a.pk), []),
            "security": a.item_id in checklist.SECURITY_DUE_DILIGENCE,
        }
        for a in answers
    ]
    settings_row = services.settings_get()
    from django.utils import timezone

    today = timezone.localdate()
    certs = []
    for cert in assessment.service.csp.certifications.all():
        status = (
            certificate_status(
                cert.expiry_date,
                planned_start=assessment.planned_start,
                today=today,
                warn_days=settings_row.certificate_warning_days,
            )
            if assessment.planned_start
            else None
        )
        certs.append({"cert": cert, "status": status})
    dets = current_determinations(assessment)
    cls = dets.get("classification")
    class_1 = bool(cls and cls.outcome == "material_consumer_finance_offshore")
    declarations = services.documents_for(assessment).filter(
        kind=Document.Kind.NO_INCIDENT_DECLARATION
    )
    reliance = _reliance(assessment.service)
    return render(
        request,
        "assessments/due_diligence.html",
        _base(
            request,
            assessment,
            "due_diligence",
            rows=rows,
            certs=certs,
            class_1=class_1,
            reliance=reliance,
            depth_form=depth_form
            or forms.DepthForm(
                initial={
                    "depth": assessment.due_diligence_depth,
                    "reason": assessment.due_diligence_depth_reason,
                }
            ),
            incident_form=incident_form
            or forms.NoIncidentForm(
                documents=declarations,
                initial={
                    "document": assessment.no_incident_document_id,
                    "note": assessment.no_incident_note,
                },
            ),
            can_prepare=_can(request, "assessments.prepare"),
            can_security=_can(request, "assessments.security"),
            warning_days=settings_row.certificate_warning_days,
            bulk_form=bulk_form
            or forms.DueDiligenceBulkForm(choices=_dd_choices(request, answers)),
        ),
    )


def _reliance(service: Any) -> Any:
    try:
        return service.head_office_reliance
    except Exception:
        return None


@require_GET
@require("assessments.view")
def due_diligence(request: HttpRequest, code: Any) -> HttpResponse:
    return _dd_page(request, get_assessment_for_user(request, code))


@require_POST
@require("assessments.prepare")
def due_diligence_depth(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    form = forms.DepthForm(request.POST)
    if form.is_valid():
        try:
            services.due_diligence_depth_save(
                actor=request.user,
                assessment=assessment,
                depth=form.cleaned_data["depth"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Depth saved."))
            return _go(assessment, "due_diligence")
    return _dd_page(request, assessment, depth_form=form)


@require_POST
@require("assessments.view")
def due_diligence_bulk(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    answers = list(assessment.due_diligence_answers.all())
    choices = _dd_choices(request, answers)
    if not choices:
        raise PermissionDenied("assessments.prepare")
    form = forms.DueDiligenceBulkForm(request.POST, request.FILES, choices=choices)
    if form.is_valid():
        chosen = set(form.cleaned_data["items"])
        d = form.cleaned_data
        try:
            n = services.due_diligence_answer_many(
                actor=request.user,
                answers=[a for a in answers if str(a.code) in chosen],
                result=d["result"],
                answer_text=d["answer"],
                from_head_office=d["from_head_office"],
                upload=d["file"],
                title=d["title"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("%(n)s items answered.") % {"n": n})
            return _go(assessment, "due_diligence")
    return _dd_page(request, assessment, bulk_form=form)


@require_POST
@require("assessments.prepare")
def no_incident(request: HttpRequest, code: Any) -> HttpResponse:
    from fincloud.register.models import Document

    assessment = get_assessment_for_user(request, code)
    declarations = services.documents_for(assessment).filter(
        kind=Document.Kind.NO_INCIDENT_DECLARATION
    )
    form = forms.NoIncidentForm(request.POST, documents=declarations)
    if form.is_valid():
        try:
            services.no_incident_save(
                actor=request.user,
                assessment=assessment,
                document=form.cleaned_data["document"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Declaration saved."))
            return _go(assessment, "due_diligence")
    return _dd_page(request, assessment, incident_form=form)


def _dd_item_page(
    request: HttpRequest, assessment: Assessment, answer: DueDiligenceAnswer, form: Any, upload: Any
) -> HttpResponse:
    node = load_catalog().get(answer.item_id)
    files = selectors.evidence_by_owner(DueDiligenceAnswer, [answer.pk]).get(str(answer.pk), [])
    capability = services.due_diligence_capability(answer.item_id)
    reliance = _reliance(assessment.service)
    return render(
        request,
        "assessments/dd_item.html",
        _base(
            request,
            assessment,
            "due_diligence",
            answer=answer,
            node=node,
            letter=checklist.letter_of(answer.item_id),
            form=form,
            upload_form=upload,
            files=files,
            can_edit=_can(request, capability),
            reliance=reliance,
        ),
    )


@require_http_methods(["GET", "POST"])
@require("assessments.view")
def due_diligence_item(request: HttpRequest, code: Any, answer: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    obj = _child(DueDiligenceAnswer, assessment, answer)
    if request.method == "POST" and not _can(
        request, services.due_diligence_capability(obj.item_id)
    ):
        raise PermissionDenied(services.due_diligence_capability(obj.item_id))
    form = forms.DueDiligenceForm(
        request.POST or None,
        initial={
            "result": obj.result,
            "answer": obj.answer,
            "from_head_office": obj.from_head_office,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.due_diligence_answer_save(
                actor=request.user,
                answer=obj,
                result=form.cleaned_data["result"],
                answer_text=form.cleaned_data["answer"],
                from_head_office=form.cleaned_data["from_head_office"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Answer saved."))
            return redirect("assessments:due_diligence_item", code=assessment.code, answer=obj.code)
    return _dd_item_page(request, assessment, obj, form, EvidenceUploadForm())


@require_POST
@require("assessments.view")
def due_diligence_upload(request: HttpRequest, code: Any, answer: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    obj = _child(DueDiligenceAnswer, assessment, answer)
    if not _can(request, services.due_diligence_capability(obj.item_id)):
        raise PermissionDenied(services.due_diligence_capability(obj.item_id))
    upload = EvidenceUploadForm(request.POST, request.FILES)
    if upload.is_valid():
        d = upload.cleaned_data
        try:
            services.due_diligence_evidence_attach(
                actor=request.user,
                answer=obj,
                upload=d["file"],
                title=d["title"],
                kind="head_office_report" if obj.from_head_office else "due_diligence",
                effective_date=d["effective_date"],
                expiry_date=d["expiry_date"],
                note=d["note"],
            )
        except ValidationError as exc:
            attach_errors(upload, exc)
        else:
            messages.success(request, _("File attached."))
            return redirect("assessments:due_diligence_item", code=assessment.code, answer=obj.code)
    form = forms.DueDiligenceForm(
        initial={
            "result": obj.result,
            "answer": obj.answer,
            "from_head_office": obj.from_head_office,
        }
    )
    return _dd_item_page(request, assessment, obj, form, upload)


# -- contract checklist (Annex 3, Ch 3.3) -----------------------------------------------------


@require_GET
@require("assessments.view")
def contract(request: HttpRequest, code: Any) -> HttpResponse:
    return _contract_page(request, get_assessment_for_user(request, code))


def _contract_page(
    request: HttpRequest, assessment: Assessment, bulk_form: Any = None
) -> HttpResponse:
    rows = selectors.contract_rows(assessment)
    states = contract_row_states(rows)
    catalog = load_catalog(assessment.catalog_edition)
    reliance = _reliance(assessment.service)
    dets = current_determinations(assessment)
    return render(
        request,
        "assessments/contract.html",
        _base(
            request,
            assessment,
            "contract",
            rows=[
                {
                    "row": r,
                    "node": catalog.get(r.catalog_id),
                    "problems": states[r.row],
                    "cooperation": checklist.is_cooperation_row(r.row, catalog),
                }
                for r in rows
            ],
            rows_det=dets.get("contract_rows"),
            reliance=reliance,
            footnote=catalog.get(checklist.COOPERATION_FOOTNOTE),
            measures_help=checklist.alternative_measures(catalog),
            can_edit=_can(request, "assessments.legal"),
            can_compare=_can(request, "assessments.compare"),
            bulk_form=bulk_form
            or forms.ContractBulkForm(
                choices=_row_choices(rows, catalog), documents=services.documents_for(assessment)
            ),
        ),
    )


def _row_choices(rows: list[ContractRowCheck], catalog: Any) -> list[tuple[str, str]]:
    lang = _lang()
    return [(str(r.code), f"{r.row} {catalog.get(r.catalog_id).text(lang)[:50]}") for r in rows]


@require_POST
@require("assessments.legal")
def contract_bulk(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    rows = selectors.contract_rows(assessment)
    catalog = load_catalog(assessment.catalog_edition)
    form = forms.ContractBulkForm(
        request.POST,
        choices=_row_choices(rows, catalog),
        documents=services.documents_for(assessment),
    )
    if form.is_valid():
        chosen = set(form.cleaned_data["rows"])
        try:
            n = services.contract_rows_judge_compliant(
                actor=request.user,
                rows=[r for r in rows if str(r.code) in chosen],
                documents=list(form.cleaned_data["documents"]),
                clauses=form.cleaned_data["clauses"],
                remarks=form.cleaned_data["remarks"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("%(n)s rows judged 符合.") % {"n": n})
            return _go(assessment, "contract")
    return _contract_page(request, assessment, bulk_form=form)


def _row_page(
    request: HttpRequest,
    assessment: Assessment,
    row: ContractRowCheck,
    form: Any,
    measure_form: Any,
) -> HttpResponse:
    catalog = load_catalog(assessment.catalog_edition)
    node = catalog.get(row.catalog_id)
    sub = [n for n in catalog.children(row.catalog_id)]
    example = load_a4_example(assessment.catalog_edition).row(row.catalog_id)
    measures = list(row.measures.select_related("owner"))
    problems = contract_row_states([_prefetched(row)])[row.row]
    return render(
        request,
        "assessments/contract_row.html",
        _base(
            request,
            assessment,
            "contract",
            row=row,
            node=node,
            sub=sub,
            form=form,
            measure_form=measure_form,
            measures=measures,
            problems=problems,
            example=example,
            disclaimer=_a4_disclaimer(assessment.catalog_edition),
            alternatives=checklist.alternative_measures(catalog),
            cooperation=checklist.is_cooperation_row(row.row, catalog),
            footnote=catalog.get(checklist.COOPERATION_FOOTNOTE),
            reliance=_reliance(assessment.service),
            can_edit=_can(request, "assessments.legal"),
        ),
    )


def _prefetched(row: ContractRowCheck) -> ContractRowCheck:
    return (
        ContractRowCheck.objects.filter(pk=row.pk).prefetch_related("documents", "measures").get()
    )


def _a4_disclaimer(edition: str) -> str:
    example = load_a4_example(edition)
    return example.disclaimer_en if _lang() == "en" else example.disclaimer_zh


@require_http_methods(["GET", "POST"])
@require("assessments.legal")
def contract_row(request: HttpRequest, code: Any, row: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    obj = _child(ContractRowCheck, assessment, row, applicable=True)
    documents = services.documents_for(assessment)
    cooperation = checklist.is_cooperation_row(obj.row)
    form = forms.ContractRowForm(
        request.POST or None,
        documents=documents,
        cooperation=cooperation,
        initial=forms.ContractRowForm.initial_for(obj),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_row_save(actor=request.user, row=obj, **form.values())
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Row %(row)s saved.") % {"row": obj.row})
            return redirect("assessments:contract_row", code=assessment.code, row=obj.code)
    return _row_page(request, assessment, obj, form, forms.MeasureForm())


@require_POST
@require("assessments.legal")
def measure_add(request: HttpRequest, code: Any, row: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    obj = _child(ContractRowCheck, assessment, row, applicable=True)
    measure_form = forms.MeasureForm(request.POST)
    if measure_form.is_valid():
        try:
            services.measure_add(actor=request.user, row=obj, **measure_form.cleaned_data)
        except ValidationError as exc:
            attach_errors(measure_form, exc)
        else:
            messages.success(request, _("Alternative measure added."))
            return redirect("assessments:contract_row", code=assessment.code, row=obj.code)
    form = forms.ContractRowForm(
        documents=services.documents_for(assessment),
        cooperation=checklist.is_cooperation_row(obj.row),
        initial=forms.ContractRowForm.initial_for(obj),
    )
    return _row_page(request, assessment, obj, form, measure_form)


@require_POST
@require("assessments.legal")
def measure_remove(request: HttpRequest, code: Any, measure: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    try:
        obj = AlternativeMeasure.objects.select_related("row").get(
            code=measure, row__assessment=assessment
        )
    except (AlternativeMeasure.DoesNotExist, ValidationError):
        raise Http404 from None
    try:
        services.measure_remove(actor=request.user, measure=obj)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Alternative measure removed."))
    return redirect("assessments:contract_row", code=assessment.code, row=obj.row.code)


# -- the Annex 2 backbone -------------------------------------------------------------------


def _answer_page(
    request: HttpRequest, assessment: Assessment, answer: ChecklistAnswer, form: Any, upload: Any
) -> HttpResponse:
    item = next(i for i in checklist.before_use_items() if i.id == answer.item_id)
    files = selectors.evidence_by_owner(ChecklistAnswer, [answer.pk]).get(str(answer.pk), [])
    return render(
        request,
        "assessments/checklist_item.html",
        _base(
            request,
            assessment,
            "detail",
            answer=answer,
            item=item,
            node=load_catalog().get(item.id),
            form=form,
            upload_form=upload,
            files=files,
            section_url=None
            if item.section == "answer"
            else reverse(f"assessments:{item.section}", kwargs={"code": assessment.code}),
        ),
    )


def _answer_form(answer: ChecklistAnswer, data: Any) -> forms.ChecklistAnswerForm:
    form = forms.ChecklistAnswerForm(
        data, initial={"status": answer.status, "answer": answer.answer}
    )
    item = next(i for i in checklist.before_use_items() if i.id == answer.item_id)
    if item.section != "answer":
        # Answered by its own section: only notes here, the status follows the section.
        del form.fields["status"]
    return form


@require_http_methods(["GET", "POST"])
@require("assessments.prepare")
def checklist_item(request: HttpRequest, code: Any, answer: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    obj = _child(ChecklistAnswer, assessment, answer)
    form = _answer_form(obj, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.checklist_answer_save(
                actor=request.user,
                answer=obj,
                status=form.cleaned_data.get("status", ChecklistAnswer.Status.OPEN),
                answer_text=form.cleaned_data["answer"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Answer saved."))
            return redirect("assessments:checklist_item", code=assessment.code, answer=obj.code)
    return _answer_page(request, assessment, obj, form, EvidenceUploadForm())


@require_POST
@require("assessments.prepare")
def checklist_upload(request: HttpRequest, code: Any, answer: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    obj = _child(ChecklistAnswer, assessment, answer)
    upload = EvidenceUploadForm(request.POST, request.FILES)
    if upload.is_valid():
        d = upload.cleaned_data
        try:
            services.checklist_evidence_attach(
                actor=request.user,
                answer=obj,
                upload=d["file"],
                title=d["title"],
                kind="checklist",
                effective_date=d["effective_date"],
                expiry_date=d["expiry_date"],
                note=d["note"],
            )
        except ValidationError as exc:
            attach_errors(upload, exc)
        else:
            messages.success(request, _("File attached."))
            return redirect("assessments:checklist_item", code=assessment.code, answer=obj.code)
    return _answer_page(request, assessment, obj, _answer_form(obj, None), upload)


# -- regulator filing -------------------------------------------------------------------------


def _filing_page(request: HttpRequest, assessment: Assessment, **forms_: Any) -> HttpResponse:
    items = list(
        assessment.filing_items.filter(active=True)
        .prefetch_related("documents")
        .select_related("institution_item")
    )
    files = selectors.evidence_by_owner(FilingItem, [i.pk for i in items])
    documents = services.documents_for(assessment)
    rows: list[dict[str, Any]] = []
    for item in items:
        rows.append(
            {
                "item": item,
                "files": files.get(str(item.pk), []),
                "complete": bool(item.documents.all()) or bool(files.get(str(item.pk))),
                "form": forms_.get(f"item_{item.pk}")
                or forms.FilingItemForm(
                    documents=documents,
                    prefix=str(item.code),
                    initial={"documents": [d.pk for d in item.documents.all()], "note": item.note},
                ),
            }
        )
    missing = [r["item"].title for r in rows if not r["complete"]]
    class_1 = services._is_class_1(assessment)
    return render(
        request,
        "assessments/filing.html",
        _base(
            request,
            assessment,
            "filing",
            rows=rows,
            missing=missing,
            class_1=class_1,
            add_form=forms_.get("add") or forms.FilingAddForm(),
            filed_form=forms_.get("filed") or forms.FiledForm(),
            approval_form=forms_.get("approval") or forms.RegulatorApprovalForm(),
            upload_form=EvidenceUploadForm(),
            can_edit=_can(request, "assessments.prepare") and assessment.state != State.SUPERSEDED,
        ),
    )


@require_GET
@require("assessments.view")
def filing(request: HttpRequest, code: Any) -> HttpResponse:
    return _filing_page(request, get_assessment_for_user(request, code))


@require_POST
@require("assessments.prepare")
def filing_item(request: HttpRequest, code: Any, item: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    obj = _child(FilingItem, assessment, item, active=True)
    form = forms.FilingItemForm(
        request.POST, documents=services.documents_for(assessment), prefix=str(obj.code)
    )
    if form.is_valid():
        try:
            services.filing_item_save(
                actor=request.user,
                item=obj,
                documents=list(form.cleaned_data["documents"]),
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Filing item saved."))
            return _go(assessment, "filing")
    return _filing_page(request, assessment, **{f"item_{obj.pk}": form})


@require_POST
@require("assessments.prepare")
def filing_upload(request: HttpRequest, code: Any, item: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    obj = _child(FilingItem, assessment, item, active=True)
    upload = EvidenceUploadForm(request.POST, request.FILES)
    if upload.is_valid():
        d = upload.cleaned_data
        try:
            services.filing_evidence_attach(
                actor=request.user,
                item=obj,
                upload=d["file"],
                title=d["title"],
                kind="filing",
                effective_date=d["effective_date"],
                expiry_date=d["expiry_date"],
                note=d["note"],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("File attached."))
    else:
        for field, errors in upload.errors.items():
            label = upload.fields[field].label if field in upload.fields else ""
            for e in errors:
                messages.error(request, f"{label}: {e}" if label else str(e))
    return _go(assessment, "filing")


@require_POST
@require("assessments.prepare")
def filing_add(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    form = forms.FilingAddForm(request.POST)
    if form.is_valid():
        try:
            services.filing_item_add(
                actor=request.user, assessment=assessment, title=form.cleaned_data["title"]
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Filing item added."))
            return _go(assessment, "filing")
    return _filing_page(request, assessment, add=form)


@require_POST
@require("assessments.prepare")
def filing_ready(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    try:
        services.filing_mark_ready(actor=request.user, assessment=assessment)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("The filing checklist is complete and marked ready to file."))
    return _go(assessment, "filing")


@require_POST
@require("assessments.prepare")
def filing_filed(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    form = forms.FiledForm(request.POST)
    if form.is_valid():
        try:
            services.filing_record_filed(
                actor=request.user, assessment=assessment, filed_on=form.cleaned_data["filed_on"]
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Filing date recorded."))
            return _go(assessment, "filing")
    return _filing_page(request, assessment, filed=form)


@require_POST
@require("assessments.prepare")
def filing_approved(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    form = forms.RegulatorApprovalForm(request.POST)
    if form.is_valid():
        try:
            services.filing_record_regulator_approval(
                actor=request.user,
                assessment=assessment,
                approved_on=form.cleaned_data["approved_on"],
                reference=form.cleaned_data["reference"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Regulator's approval recorded; the service is in use."))
            return _go(assessment, "filing")
    return _filing_page(request, assessment, approval=form)


# -- settings ---------------------------------------------------------------------------------


@require_GET
@require("assessments.view")
def settings_page(request: HttpRequest) -> HttpResponse:
    matrix_row = services.current_matrix()
    matrix = matrix_row.matrix()
    lang = _lang()
    grid = [
        (
            li,
            matrix.likelihood_label(li, lang),
            [
                (im, matrix.rating(li, im), rating_label(matrix.rating(li, im), lang))
                for im in range(1, 6)
            ],
        )
        for li in range(5, 0, -1)
    ]
    return render(
        request,
        "assessments/settings.html",
        {
            "matrix_row": matrix_row,
            "matrix": matrix,
            "grid": grid,
            "impacts": [(im, matrix.impact_label(im, lang)) for im in range(1, 6)],
            "accept_label": rating_label(matrix.accept_up_to, lang),
            "settings_row": services.settings_get(),
            "threshold_facts": _threshold_facts(services.settings_get()),
            "faq": sorted(services.faq_countries()),
            "mechanism": checklist.risk_mechanism(),
            "filing_items": InstitutionFilingItem.objects.filter(active=True),
            "filing_form": forms.InstitutionFilingItemForm(),
            "can_configure": _can(request, "assessments.configure"),
            "can_prepare": _can(request, "assessments.prepare"),
            "lang": lang,
            "crumbs": [(_("Risk matrix and thresholds"), None)],
        },
    )


def _threshold_facts(row: Any) -> list[tuple[Any, Any]]:
    names = [
        ("services_increase", "+"),
        ("data_growth_percent", "%"),
        ("spend_growth_percent", "%"),
        ("reevaluation_due_days", ""),
        ("certificate_warning_days", ""),
    ]
    out = []
    for name, unit in names:
        value = getattr(row, name)
        text = f"+{value}" if unit == "+" else f"{value}{unit}"
        out.append((row._meta.get_field(name).verbose_name, text))
    return out


@require_http_methods(["GET", "POST"])
@require("assessments.configure")
def matrix_edit(request: HttpRequest) -> HttpResponse:
    matrix = services.current_matrix().matrix()
    form = forms.MatrixForm(request.POST or None, matrix=matrix, lang=_lang())
    if request.method == "POST" and form.is_valid():
        try:
            services.risk_matrix_save(
                actor=request.user, data=form.data_for(matrix), reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("A new version of the risk matrix is in force."))
            return redirect("assessments:settings")
    lang = _lang()
    return render(
        request,
        "assessments/matrix_form.html",
        {
            "form": form,
            "matrix": matrix,
            "likelihoods": {li: matrix.likelihood_label(li, lang) for li in range(1, 6)},
            "impacts": [(im, matrix.impact_label(im, lang)) for im in range(1, 6)],
            "crumbs": [
                (_("Risk matrix and thresholds"), reverse("assessments:settings")),
                (_("Change the risk matrix"), None),
            ],
        },
    )


@require_http_methods(["GET", "POST"])
@require("assessments.configure")
def thresholds_edit(request: HttpRequest) -> HttpResponse:
    row = services.settings_get()
    form = forms.ThresholdsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.Meta.fields}
        values["faq_countries"] = form.countries()
        try:
            services.settings_save(actor=request.user, **values)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("assessments:settings")
    return render(
        request,
        "assessments/form.html",
        {
            "form": form,
            "title": _("Re-evaluation thresholds and lists"),
            "intro": _(
                "Ch 2.2: a materiality judgement is re-evaluated when the outsourcing to the same "
                "CSP grows (more services, more customer records, more spend than at the "
                "judgement) or the nature of the work changes."
            ),
            "crumbs": [
                (_("Risk matrix and thresholds"), reverse("assessments:settings")),
                (_("Thresholds"), None),
            ],
        },
    )


@require_POST
@require("assessments.prepare")
def institution_filing_add(request: HttpRequest) -> HttpResponse:
    form = forms.InstitutionFilingItemForm(request.POST)
    if form.is_valid():
        try:
            services.institution_filing_item_add(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Added to the institution's filing list."))
    else:
        for field, errors in form.errors.items():
            for e in errors:
                messages.error(request, f"{form.fields[field].label}: {e}")
    return redirect("assessments:settings")


@require_POST
@require("assessments.prepare")
def institution_filing_retire(request: HttpRequest, item: Any) -> HttpResponse:
    try:
        obj = InstitutionFilingItem.objects.get(code=item)
    except (InstitutionFilingItem.DoesNotExist, ValidationError):
        raise Http404 from None
    services.institution_filing_item_retire(actor=request.user, item=obj)
    messages.success(request, _("Removed from the institution's filing list."))
    return redirect("assessments:settings")


# -- vendor comparison (Annex 4) ---------------------------------------------------------------


def get_comparison_for_user(request: HttpRequest, code: Any) -> VendorComparison:
    try:
        return VendorComparison.objects.select_related("service").get(code=code)
    except (VendorComparison.DoesNotExist, ValidationError):
        raise Http404 from None


@require_GET
@require("assessments.view")
def comparison_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.comparison_list(), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/comparison_list.html",
        {
            "page": page,
            "can_compare": _can(request, "assessments.compare"),
            "disclaimer": _a4_disclaimer("2025"),
            "crumbs": [(_("Vendor comparison"), None)],
        },
    )


@require_http_methods(["GET", "POST"])
@require("assessments.compare")
def comparison_create(request: HttpRequest) -> HttpResponse:
    from fincloud.register.models import CloudServiceProvider

    form = forms.ComparisonForm(request.POST or None, lang=_lang())
    if request.method == "POST" and form.is_valid():
        labels = form.vendor_labels()
        by_name = {c.name: c for c in CloudServiceProvider.objects.filter(name__in=labels)}
        try:
            comparison = services.comparison_create(
                actor=request.user,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                rows=form.cleaned_data["rows"],
                vendors=[(label, by_name.get(label)) for label in labels],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Comparison created."))
            return redirect("assessments:comparison_detail", code=comparison.code)
    return render(
        request,
        "assessments/form.html",
        {
            "form": form,
            "title": _("New vendor comparison"),
            "intro": _(
                "The contract checklist across candidate CSPs side by side, in the layout of "
                "Annex 4: rows × vendors, covering documents and remarks per cell."
            ),
            "crumbs": [
                (_("Vendor comparison"), reverse("assessments:comparison_list")),
                (_("New"), None),
            ],
        },
    )


@require_POST
@require("assessments.compare")
def comparison_from_assessment(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    try:
        comparison = services.comparison_from_assessment(
            actor=request.user,
            assessment=assessment,
            title=_("Candidates for %(service)s") % {"service": assessment.service.name},
        )
    except ValidationError as exc:
        flash_errors(request, exc)
        return _go(assessment, "contract")
    messages.success(request, _("Comparison started from the contract checklist."))
    return redirect("assessments:comparison_detail", code=comparison.code)


@require_GET
@require("assessments.view")
def comparison_detail(request: HttpRequest, code: Any) -> HttpResponse:
    comparison = get_comparison_for_user(request, code)
    vendors = selectors.comparison_detail(comparison)
    catalog = load_catalog(comparison.catalog_edition)
    lang = _lang()
    cells = {(c.vendor_id, c.row): c for v in vendors for c in v.cells.all()}
    table = []
    part = None
    for row in comparison.rows:
        node = catalog.get("a3." + row)
        this_part = "part2" if checklist.is_cooperation_row(row, catalog) else "part1"
        table.append(
            {
                "row": row,
                "node": node,
                "new_part": this_part if this_part != part else None,
                "cells": [(v, cells.get((v.pk, row))) for v in vendors],
            }
        )
        part = this_part
    example = load_a4_example(comparison.catalog_edition) if comparison.is_example else None
    return render(
        request,
        "assessments/comparison_detail.html",
        {
            "comparison": comparison,
            "vendors": vendors,
            "table": table,
            "example": example,
            "disclaimer": _a4_disclaimer(comparison.catalog_edition),
            "lang": lang,
            "can_edit": _can(request, "assessments.compare") and not comparison.is_example,
            "vendor_form": forms.VendorForm(),
            "crumbs": [
                (_("Vendor comparison"), reverse("assessments:comparison_list")),
                (comparison.title, None),
            ],
        },
    )


@require_POST
@require("assessments.compare")
def comparison_vendor_add(request: HttpRequest, code: Any) -> HttpResponse:
    from fincloud.register.models import CloudServiceProvider

    comparison = get_comparison_for_user(request, code)
    form = forms.VendorForm(request.POST)
    if form.is_valid():
        label = form.cleaned_data["label"]
        try:
            services.comparison_vendor_add(
                actor=request.user,
                comparison=comparison,
                label=label,
                csp=CloudServiceProvider.objects.filter(name=label.strip()).first(),
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Vendor added."))
    else:
        messages.error(request, _("Vendor: required."))
    return redirect("assessments:comparison_detail", code=comparison.code)


@require_http_methods(["GET", "POST"])
@require("assessments.compare")
def comparison_cell(request: HttpRequest, code: Any, vendor: Any, row: str) -> HttpResponse:
    comparison = get_comparison_for_user(request, code)
    try:
        obj = ComparisonVendor.objects.prefetch_related(Prefetch("cells")).get(
            code=vendor, comparison=comparison
        )
    except (ComparisonVendor.DoesNotExist, ValidationError):
        raise Http404 from None
    if row not in comparison.rows:
        raise Http404
    if comparison.is_example:
        raise PermissionDenied("example")
    cell = next((c for c in obj.cells.all() if c.row == row), None)
    form = forms.CellForm(
        request.POST or None,
        initial={
            "judgement": cell.judgement if cell else "",
            "documents": cell.documents if cell else "",
            "remarks": cell.remarks if cell else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.comparison_cell_save(
                actor=request.user, vendor=obj, row=row, **form.cleaned_data
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Cell saved."))
            return redirect(
                reverse("assessments:comparison_detail", kwargs={"code": comparison.code})
                + f"#row-{row}"
            )
    node = load_catalog(comparison.catalog_edition).get("a3." + row)
    return render(
        request,
        "assessments/form.html",
        {
            "form": form,
            "title": f"{obj.label} · {row}",
            "intro": node.text(_lang()),
            "crumbs": [
                (_("Vendor comparison"), reverse("assessments:comparison_list")),
                (
                    comparison.title,
                    reverse("assessments:comparison_detail", kwargs={"code": comparison.code}),
                ),
                (f"{obj.label} · {row}", None),
            ],
        },
    )
