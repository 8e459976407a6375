"""What every report builder shares: the institution's name, the frame's words, how people,
times and files are written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from fincloud.reports.document import Block, Labels, ReportDocument

TAIPEI = ZoneInfo("Asia/Taipei")
Lang = Literal["zh", "en"]
Progress = Callable[[str, int], None]
DASH = "—"


def no_progress(phase: str, value: int) -> None:
    """The default progress callback: nobody is watching."""


def lang_key(language: str) -> Lang:
    return "en" if language.lower().startswith("en") else "zh"


def institution_name(lang: Lang) -> str:
    """The register's institution profile (Institution, one row); blank until it is set."""
    from fincloud.register.models import Institution

    row = Institution.objects.filter(singleton=1).only("name_zh", "name_en").first()
    if row is None:
        return _("(institution profile not recorded)")
    if lang == "en":
        return row.name_en or row.name_zh
    return row.name_zh or row.name_en


def labels() -> Labels:
    return Labels(
        generated=_("Generated"),
        page=_("Page {page} of {pages}"),
        sha_note=_("The SHA-256 of this file is recorded in fincloud's audit trail."),
    )


def document(
    *,
    title: str,
    lang: Lang,
    blocks: list[Block],
    subtitle: str = "",
    landscape: bool = False,
    now: dt.datetime | None = None,
    sheet: str = "",
) -> ReportDocument:
    return ReportDocument(
        title=title,
        subtitle=subtitle,
        institution=institution_name(lang),
        generated_at=(now or timezone.now()).astimezone(TAIPEI),
        lang=lang,
        labels=labels(),
        blocks=tuple(blocks),
        landscape=landscape,
        meta={"sheet": sheet} if sheet else {},
    )


def person(user: Any) -> str:
    if user is None:
        return DASH
    name = user.get_username() if hasattr(user, "get_username") else str(user)
    full = getattr(user, "display_name", "") or (
        user.get_full_name() if hasattr(user, "get_full_name") else ""
    )
    return f"{full} ({name})" if full and full != name else str(name)


def when(moment: dt.datetime | None) -> str:
    if moment is None:
        return DASH
    return moment.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M")


def day(value: dt.date | None) -> str:
    return value.isoformat() if value else DASH


def yes_no(value: bool | None) -> str:
    if value is None:
        return DASH
    return _("yes") if value else _("no")


def evidence_ref(f: Any) -> str:
    """An evidence file as a reference an examiner can find again: title, revision, file name,
    the start of its SHA-256."""
    sha = getattr(getattr(f, "blob", None), "sha256", "") or ""
    title = f.title or f.original_name
    return f"{title} r{f.revision} ({f.original_name}, SHA-256 {sha[:12]})"


def document_ref(d: Any) -> str:
    """A register document: title and reference, with its current file's revision."""
    text = d.title
    if getattr(d, "reference", ""):
        text += f"（{d.reference}）"
    current = getattr(d, "current_file", None)
    if current is not None:
        text += f" r{current.revision}"
    return text


def render(doc: ReportDocument, fmt: str) -> bytes:
    if fmt == "pdf":
        from fincloud.reports.render import pdf

        return pdf.render(doc)
    if fmt == "docx":
        from fincloud.reports.render import docx

        return docx.render(doc)
    if fmt == "xlsx":
        from fincloud.reports.render import xlsx

        return xlsx.render(doc)
    raise ValueError(f"no renderer for {fmt!r}")
