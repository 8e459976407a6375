"""Field checks shared by the register's models, forms and services.

The rules come from the core packages (``fincloud.identifiers`` for the business number,
``fincloud.rules.countries`` for ISO 3166-1); nothing is re-implemented here.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fincloud.identifiers import IdentifierError, validate_business_number
from fincloud.rules.countries import ISO_3166_ALPHA2

NOT_A_COUNTRY = _(
    "“%(value)s” is not an ISO 3166-1 alpha-2 country code (two capital letters, e.g. TW, JP, US)."
)
COUNTRY_LOWER_CASE = _(
    "“%(value)s” is not an ISO 3166-1 alpha-2 country code: codes are capital letters "
    "(did you mean %(upper)s?)."
)


def validate_country(value: str) -> None:
    """An ISO 3166-1 alpha-2 code, upper case, from the rules engine's table."""
    if value in ISO_3166_ALPHA2:
        return
    upper = (value or "").strip().upper()
    if upper in ISO_3166_ALPHA2:
        raise ValidationError(
            COUNTRY_LOWER_CASE, code="country_case", params={"value": value, "upper": upper}
        )
    raise ValidationError(NOT_A_COUNTRY, code="country", params={"value": value})


def validate_tw_business_number(value: str) -> None:
    """The unified business number (統一編號) under the rule in force since 2023-04-01, checked
    by ``fincloud.identifiers``; the message is the identifier module's, in the user's language."""
    try:
        validate_business_number(value)
    except IdentifierError as exc:
        lang = "en" if (get_language() or "").startswith("en") else "zh-TW"
        raise ValidationError(exc.message(lang), code=f"business_number_{exc.reason}") from None
