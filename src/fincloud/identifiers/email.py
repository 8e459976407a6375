"""E-mail addresses: the common syntax of RFC 5321/5322 addresses, without quoted local parts.

Valid: a local part of letters, digits and ``._%+-`` (no leading, trailing or doubled dot, at
most 64 characters), ``@``, and a domain of at least two labels (letters, digits, hyphens; no
label starting or ending with a hyphen; at most 63 characters each) ending in an alphabetic
top-level domain of two or more letters; 254 characters at most in all.
"""

from __future__ import annotations

import re

from fincloud.identifiers.errors import IdentifierError, Reason

EMAIL = "email"

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_LOCAL = r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
# One pattern shared with the vectorised scanner (Rust regex accepts the same syntax).
EMAIL_VALID = rf"{_LOCAL}@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}"
_EMAIL_RE = re.compile(EMAIL_VALID, re.ASCII)


def validate_email(value: str) -> str:
    """Return the address (surrounding space removed) or raise `IdentifierError`."""
    address = value.strip()
    if not address:
        raise IdentifierError(
            EMAIL, Reason.EMPTY, "電子郵件地址為空白", "the e-mail address is empty"
        )
    local, _, _domain = address.rpartition("@")
    if len(address) > 254 or len(local) > 64:
        raise IdentifierError(
            EMAIL,
            Reason.LENGTH,
            "電子郵件地址過長（全長至多 254 字元，@ 前至多 64 字元）",
            "the e-mail address is too long (254 characters, 64 before the @)",
        )
    if not _EMAIL_RE.fullmatch(address):
        raise IdentifierError(
            EMAIL,
            Reason.FORMAT,
            "電子郵件地址格式不符",
            "the e-mail address is not well formed",
        )
    return address


def is_valid_email(value: str) -> bool:
    try:
        validate_email(value)
    except IdentifierError:
        return False
    return True
