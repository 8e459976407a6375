"""Which files we accept, told by their first bytes, not only by their name."""

from __future__ import annotations

from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

REFUSED = _(
    "File: %(name)s is not an accepted type (%(allowed)s); the content must match the extension."
)

# extension -> (content type, check on the first bytes)
_OFFICE = b"PK\x03\x04"
ACCEPTED: dict[str, tuple[str, bytes | None]] = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _OFFICE),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _OFFICE),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _OFFICE),
    ".zip": ("application/zip", _OFFICE),
    ".png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    # Data extracts for de-identification jobs (fincloud.privacy): Parquet files start "PAR1".
    ".parquet": ("application/vnd.apache.parquet", b"PAR1"),
    # Text formats: UTF-8 (or UTF-8 with BOM) text without NUL bytes.
    ".csv": ("text/csv", None),
    ".txt": ("text/plain", None),
    ".json": ("application/json", None),
    ".xml": ("application/xml", None),
    ".log": ("text/plain", None),
    ".yaml": ("application/yaml", None),
    ".yml": ("application/yaml", None),
}
ALLOWED_LABEL = ", ".join(sorted({ext.lstrip(".") for ext in ACCEPTED}))


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        return exc.start >= len(head) - 3
    return True


def sniff(name: str, head: bytes) -> str:
    ext = PurePath(name).suffix.lower()
    accepted = ACCEPTED.get(ext)
    ok = accepted is not None and (
        head.startswith(accepted[1]) if accepted[1] is not None else _is_text(head)
    )
    if not ok or accepted is None:
        raise ValidationError(
            {
                "file": ValidationError(
                    REFUSED, code="file_type", params={"name": name, "allowed": ALLOWED_LABEL}
                )
            }
        )
    return accepted[0]
