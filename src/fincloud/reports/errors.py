"""Refusals of the reports, each naming the field and the rule (the web, the API and the CLI
show the message; the CLI exits 2)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

UNKNOWN_REPORT = _("report: unknown report “%(name)s” (known: %(known)s)")
WRONG_FORMAT = _("format: the report “%(name)s” comes as %(formats)s, not “%(fmt)s”")
NEEDS_SUBJECT = _("%(field)s: the report “%(name)s” is about one %(field)s; name its code")
NO_SUBJECT = _("%(field)s: the report “%(name)s” takes no %(field)s")
UNKNOWN_SUBJECT = _("%(field)s: no %(field)s has the code “%(code)s”")
NO_ASSESSMENT = _(
    "service: “%(service)s” has no pre-use assessment yet (its Annex 3 rows come from it)"
)
NOT_CLASS_1 = _(
    "service: “%(service)s” is not classification 1 (a material consumer-finance system "
    "processed offshore); only such a service is filed with the regulator (委外辦法 §18 I)"
)
BAD_QUARTER = _("quarter: “%(value)s” is not a quarter such as 2026-Q4")
NO_PERMISSION = _("You do not have the permission “%(capability)s”.")
NOT_READY = _("The report is not ready (status: %(status)s).")
GENERIC_FAILURE = _("The report could not be generated; the error is in the server's log.")


class ReportRefused(Exception):
    """Bad input for a report: ``field`` and ``rule`` name what is wrong."""

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.rule = rule
        self.message = message

    def __str__(self) -> str:
        return self.message
