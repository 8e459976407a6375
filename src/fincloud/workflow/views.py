"""One view helper for workflow transitions, used by every app's approvable records."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from fincloud.workflow.models import ApprovableRecord
from fincloud.workflow.services import (
    WorkflowError,
    record_approve,
    record_reject,
    record_reopen,
    record_submit,
)

ACTIONS = ("submit", "approve", "reject", "reopen")


def transition(
    request: HttpRequest, record: ApprovableRecord, action: str, *, success_url: str
) -> HttpResponse:
    """Run a transition from a POST; a refusal comes back as a message naming the rule."""
    user: Any = request.user
    comment = request.POST.get("comment", "")
    if action in {"approve", "reject"} and not user.can("workflow.approve"):
        raise PermissionDenied("workflow.approve")
    try:
        if action == "submit":
            record_submit(record=record, actor=user)
            messages.success(request, _("Submitted for approval."))
        elif action == "approve":
            record_approve(record=record, actor=user, comment=comment)
            messages.success(request, _("Approved."))
        elif action == "reject":
            record_reject(record=record, actor=user, comment=comment)
            messages.success(request, _("Rejected and returned to the preparer."))
        elif action == "reopen":
            record_reopen(record=record, actor=user)
            messages.success(request, _("Reopened as a draft."))
        else:
            raise PermissionDenied(action)
    except WorkflowError as exc:
        messages.error(request, exc.messages[0])
    return redirect(success_url)
