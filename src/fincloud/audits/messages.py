"""The audits app's messages, as constants (tests and the API match them exactly). Each names
the rule; the field is the key of the ValidationError."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

NO_PERMISSION = _("You do not have the permission “%(capability)s”.")

# The plan and the policy (Ch 7.1 (a)).
POLICY_MONTHS_RANGE = _(
    "must be between %(low)s and %(high)s months (Ch 7.1 (a): every two years, or as the "
    "institution's resources decide)."
)

# Auditors (Ch 7.2).
NOT_QUALIFIED = _(
    "%(auditor)s cannot be assigned: on %(date)s they hold none of the Ch 7.2 (a) certifications "
    "(ISO 27001, ISO 27017, CCSP, CCSK, CISSP, AWS CCP, Azure AZ-900, GCP Cloud Digital Leader, "
    "AWS Certified Security Specialty, Azure AZ-500, GCP Professional Cloud Security Engineer) "
    "in validity, and no documented cloud-security audit experience (Ch 7.2 (b))."
)
NOT_QUALIFIED_EXPIRED = _("Not valid on that date: %(names)s.")
NOT_INDEPENDENT = _(
    "%(auditor)s cannot be assigned: not independent of %(what)s (Ch 7.2 (c): the auditor is "
    "independent of the unit that outsources or runs the cloud service; RULES.md §8)."
)
CONFLICT_TEXT = {
    "owning_unit": _("the unit that owns the service (%(unit)s)"),
    "running_unit": _("the unit that runs the service (%(unit)s)"),
    "service_owner": _("the service, of which they are the owner"),
}
AUDITOR_INACTIVE = _("%(auditor)s is no longer an active auditor.")
ALREADY_ASSIGNED = _("%(auditor)s is already on this audit.")
ONE_LEAD = _("This audit already has a lead auditor (%(auditor)s).")
CERT_UNKNOWN = _(
    "“%(value)s” is not one of the certifications Ch 7.2 (a) names; record it as another "
    "certificate (it is kept, but does not qualify by itself)."
)
VALID_ORDER = _("must not be before the start of validity.")
EXPERIENCE_UNDOCUMENTED = _(
    "required: the engagement and a reference that documents it (Ch 7.2 (b))."
)
INTERNAL_NEEDS_UNIT = _("An internal auditor belongs to a business unit (for Ch 7.2 (c)).")
EXTERNAL_NEEDS_FIRM = _("An independent third party is named by its firm.")

# Audits (Ch 7.1).
CONTACT_REQUIRED = _(
    "required: one designated contact for the institution, the CSP and the auditors (Ch 7.1 (d))."
)
THIRD_PARTY_REQUIRED = _(
    "required for an audit by an independent third party, alone or jointly (Ch 7.1 (c))."
)
JOINT_NEEDS_PARTICIPANTS = _("A joint audit lists the other institutions taking part (Ch 7.1 (c)).")
PLANNED_ORDER = _("must not be before the planned start.")
SERVICE_NOT_PLANNABLE = _(
    "The service has no audit cadence: it is not classified, or out of scope (Ch 7.1 (a))."
)
AUDIT_CLOSED = _("This audit is %(status)s and can no longer be changed.")
FIELDWORK_NEEDS_LEAD = _(
    "Fieldwork needs a lead auditor who is qualified and independent (Ch 7.2)."
)
STATUS_ORDER = _("An audit moves planned → fieldwork → reporting; it is “%(status)s”.")
PROGRAMME_RESULT_NEEDS_CONCLUSION = _(
    "required for an exception or an item not tested: what was found, or why it was not tested."
)
TAILORING_UNKNOWN_DOMAIN = _("“%(value)s” is not a domain of the Ch 7.3 table.")
TAILORING_NEEDS_REASON = _(
    "required: the manual maps no domain to a service model, so leaving one out needs the "
    "institution's reason (Ch 7.3)."
)

# Findings (Ch 7.1 (e)).
FINDING_NOT_OPEN = _("Only an open finding takes the CSP's response; this one is “%(status)s”.")
FINDING_NOT_REMEDIABLE = _(
    "Only an open or answered finding can be marked remediated; this one is “%(status)s”."
)
FINDING_NOT_REMEDIATED = _("Only a remediated finding can be verified; this one is “%(status)s”.")
VERIFIER_IS_REMEDIATOR = _(
    "Segregation of duties: whoever remediated a finding cannot verify it (RULES.md §8, "
    "Ch 1.4); ask another person."
)
RESPONSE_REQUIRED = _("required: what the CSP answered.")
REMEDIATION_REQUIRED = _("required: what was done to remediate.")
VERIFICATION_REQUIRED = _("required: how the remediation was verified.")
DUE_BEFORE_RAISED = _("must not be before the day the finding is raised.")
RESPONSE_IN_FUTURE = _("must not be in the future.")

# Reports.
REPORT_OPEN_VERSION = _("A version of the report is already being prepared; finish that one.")
REPORT_PROGRAMME_INCOMPLETE = _(
    "Programme items without a result: %(ids)s. Record a result (or “not tested” with the "
    "reason) before the report."
)
REPORT_AUDIT_STATUS = _("A report is written in the reporting stage; the audit is “%(status)s”.")

# Security testing (Ch 7.1 (b)).
TEST_DONE_NEEDS_RESULT = _("required when the test is recorded as performed.")
