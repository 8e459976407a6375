"""The controls app's messages, kept as constants so tests and the API can match them exactly.
Each names the rule it enforces; the field is the key of the ValidationError (and the label the
form shows in front of the message)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

NO_PERMISSION = _("You do not have the permission “%(capability)s”.")
SERVICE_WITHOUT_MODEL = _("The service has no service model (IaaS/PaaS/SaaS) in the register.")
ASSESSMENT_EXISTS = _(
    "This service already has a control assessment; open it, or start a new version of the "
    "approved one."
)
OPEN_VERSION_EXISTS = _(
    "A newer version of this assessment is already being prepared; finish that one first."
)

# The risk-based decision (Ch 5, Ch 6 參考指引; RULES.md §7).
BASIC_CANNOT_BE_UNDECIDED = _(
    "A basic item is proposed by default: adopt it, or do not adopt it with a reason."
)
NOT_ADOPTED_NEEDS_REASON = _(
    "required when the item is not adopted: the manual leaves the choice to the institution's "
    "risk-based approach, so every item not adopted carries its reason (RULES.md §7)."
)
ADVANCED_NEEDS_REASON = _(
    "required to adopt an advanced item: record the risk-based decision that chose it "
    "(RULES.md §7)."
)
STATUS_ONLY_IF_ADOPTED = _("Only an adopted item has an implementation status.")
NOT_APPLICABLE_NEEDS_REASON = _("required when the status is “not applicable”: say why.")
GAP_NEEDS_TARGET = _(
    "required when the item is partially or not implemented: the date by which the gap is closed."
)

# The hard figures of the text (fincloud.controls.figures).
FIGURE_MESSAGES = {
    "retention_below_minimum": _(
        "%(value)s months is below the minimum of %(minimum)s months (Ch 5.4 basic (a): audit "
        "trails are kept at least six months)."
    ),
    "tls_below_minimum": _(
        "%(value)s is below TLS 1.2 (Ch 5.1 basic (a): HTTPS with TLS 1.2 or higher)."
    ),
    "tls_unknown": _("“%(value)s” is not a TLS version such as TLS 1.2 (Ch 5.1 basic (a))."),
    "algorithm_weak": _(
        "%(value)s is not a high-security algorithm (Ch 5.1 basic (d): AES 256 or stronger)."
    ),
    "algorithm_key_too_short": _(
        "%(value)s has a %(bits)s-bit key (Ch 5.1 basic (d): AES 256 or stronger)."
    ),
    "algorithm_no_key_length": _(
        "“%(value)s” does not state the key length; write e.g. AES-256-GCM (Ch 5.1 basic (d): "
        "AES 256 or stronger)."
    ),
    "algorithm_unknown": _(
        "“%(value)s” is not a recognised cipher; write e.g. AES-256-GCM (Ch 5.1 basic (d): "
        "AES 256 or stronger)."
    ),
    "hsm_standard_unknown": _(
        "choose FIPS 140-2 or FIPS 140-3 (Ch 5.1 advanced (b): FIPS 140-2 Level 3 or higher)."
    ),
    "hsm_level_missing": _(
        "required with the validation standard (Ch 5.1 advanced (b): FIPS 140-2 Level 3 or higher)."
    ),
    "hsm_level_unknown": _("%(value)s is not a FIPS security level (1 to 4)."),
    "hsm_level_below_minimum": _(
        "Level %(value)s is below Level 3 (Ch 5.1 advanced (b): FIPS 140-2 Level 3 or higher)."
    ),
}

SUBMIT_PROBLEMS = {
    "undecided": _(
        "Advanced items still await a risk-based decision (adopt, or not adopt with a reason): "
        "%(ids)s."
    ),
    "unassessed": _("Adopted items without a status: %(ids)s."),
    "unassigned": _(
        "Adopted items without a responsibility (institution, CSP or shared): %(ids)s."
    ),
    "invalid": _("Items with a figure or a reason that does not meet the rules: %(ids)s."),
}

# The inventory (Ch 6.1).
INVENTORY_TOO_LARGE = _("The file is larger than the upload limit.")
INVENTORY_EMPTY = _("The file lists no assets.")
INVENTORY_ERROR = _("%(where)s, field “%(field)s”: %(rule)s %(detail)s")
INVENTORY_RULES = {
    "missing": _("a value is required."),
    "unknown_column": _("unknown column; the columns are:"),
    "missing_column": _("the column is required."),
    "unknown_category": _("unknown category; use one of:"),
    "unknown_classification": _(
        "unknown classification; use public, internal, restricted or confidential "
        "(公開, 內部使用, 限閱, 機密):"
    ),
    "tag_not_key_value": _("tags are written key=value; separated by ';':"),
    "too_many_cells": _("the row has more cells than the header."),
    "too_many_assets": _("too many assets in one file; the limit is"),
    "too_many_tags": _("too many tags; the limit is"),
    "empty_file": _("the file is empty."),
    "not_a_list": _("a list is expected."),
    "not_an_object": _("an object is expected."),
    "bad_json": _("not valid JSON:"),
    "unknown_format": _(
        "not an AWS Config export (configurationItems, Results, resourceIdentifiers) or an "
        "Azure Resource Graph result (data)."
    ),
    "tags_not_object": _("tags must be an object or a list of key/value pairs."),
    "tag_not_object": _("each tag must be an object with a key and a value."),
    "tag_key_not_text": _("a tag key must be text."),
    "not_utf8": _("the file is not UTF-8 text:"),
    "unknown_extension": _("only .csv and .json files can be imported:"),
    "too_deep": _("the JSON is nested too deeply."),
}
ASSET_DUPLICATE = _("This service already has an asset with this identifier.")

# Threat intelligence (Ch 5.6 basic (a)(2)).
ADVISORY_ACTED_NEEDS_ACTION = _("required when the advisory is marked acted on: what was done.")
ADVISORY_ACTED_NEEDS_DATE = _("required when the advisory is marked acted on.")
ADVISORY_NA_NEEDS_REASON = _(
    "required when the advisory does not affect us: say why (the impact assessment)."
)
ADVISORY_ACTED_BEFORE_RECEIVED = _("must not be before the date the advisory was received.")
