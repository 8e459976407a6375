"""Source files of de-identification jobs: uploads and paths in the allowed directories.

Uploads go through fincloud.evidence's size limit and type check (the first bytes must match
the extension). They are not stored as evidence: evidence is content-addressed and never
deleted, while a job's source holds personal data and is deleted after the job. One exception
to the type check: a CSV that is text but not UTF-8 is let through to fincloud.deid, whose
message says whether it looks like Big5/CP950 (the evidence check would only call it "not an
accepted type").
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from fincloud.evidence.filetypes import ALLOWED_LABEL, REFUSED, sniff
from fincloud.evidence.services import EMPTY, TOO_LARGE, max_bytes
from fincloud.privacy import conf

CHUNK = 1024 * 1024
# Extensions both the evidence type check and fincloud.deid's readers know.
FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".parquet": "parquet"}
TEXT_FORMATS = {".csv", ".txt"}

NOT_A_DATA_FILE = _(
    "%(name)s: a source is a CSV, XLSX or Parquet file (.csv, .txt, .xlsx, .parquet)."
)
NO_ALLOWED_DIRS = _(
    "Path: no directory is allowed for sources on this server "
    "(setting FINCLOUD_DEID_ALLOWED_DIRS); upload the file instead."
)
OUTSIDE_ALLOWED = _(
    "Path: %(path)s is outside the allowed directories (%(dirs)s); links are followed "
    "before the check."
)
NOT_A_FILE = _("Path: %(path)s is not a file in the allowed directories.")
SOURCE_CHANGED = _(
    "The source file %(name)s changed since the job was created (SHA-256 differs); "
    "create a new job for the new file."
)


@dataclass(frozen=True)
class StagedSource:
    """A source file ready for a job: where it is, what it was called, what it holds."""

    path: Path
    name: str
    size: int
    sha256: str
    format: str
    temporary: bool  # an upload staged in the incoming folder (ours to move or delete)


def field_error(field: str, message: Any, code: str, **params: Any) -> ValidationError:
    """A ValidationError on one field whose message has its parameters filled in (a dict
    given to ValidationError directly would leave "%(name)s" in the message)."""
    return ValidationError({field: ValidationError(message, code=code, params=params or None)})


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def _check_type(name: str, head: bytes, field: str) -> str:
    ext = PurePath(name).suffix.lower()
    fmt = FORMATS.get(ext)
    if fmt is None:
        raise field_error(field, NOT_A_DATA_FILE, "file_type", name=name)
    try:
        sniff(name, head)
    except ValidationError:
        # Text that is not UTF-8 goes on to fincloud.deid, which recognises Big5/CP950.
        if not (ext in TEXT_FORMATS and b"\x00" not in head):
            raise field_error(
                field, REFUSED, "file_type", name=name, allowed=ALLOWED_LABEL
            ) from None
    return fmt


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def stage_upload(upload: Any, *, field: str = "source_file") -> StagedSource:
    """Check an uploaded source (size, type) and write it, hashed, to the incoming folder."""
    name = PurePath(getattr(upload, "name", "") or "upload.csv").name
    limit = max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise field_error(
            field, TOO_LARGE, "too_large", name=name, size=_mb(size), limit=_mb(limit)
        )
    stream: IO[bytes] = upload.open("rb") if hasattr(upload, "open") else upload
    stream.seek(0)
    head = stream.read(8192)
    stream.seek(0)
    if not head:
        raise field_error(field, EMPTY, "empty", name=name)
    fmt = _check_type(name, head, field)
    fd, tmp_name = tempfile.mkstemp(
        dir=conf.incoming_dir(), prefix=".upload-", suffix=PurePath(name).suffix.lower()
    )
    digest = hashlib.sha256()
    written = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in iter(lambda: stream.read(CHUNK), b""):
                written += len(chunk)
                if written > limit:
                    raise field_error(
                        field, TOO_LARGE, "too_large", name=name, size=_mb(written),
                        limit=_mb(limit),
                    )  # fmt: skip
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return StagedSource(Path(tmp_name), name, written, digest.hexdigest(), fmt, True)


def resolve_allowed(raw: str, *, field: str = "source_path") -> Path:
    """The resolved path of ``raw`` if it lies in an allowed directory; links are followed
    first, so a link that leads out of the directories is refused."""
    dirs = conf.allowed_dirs()
    if not dirs:
        raise ValidationError({field: NO_ALLOWED_DIRS}, code="no_dirs")
    given = Path(raw.strip()).expanduser()
    candidate = given if given.is_absolute() else dirs[0] / given
    try:
        resolved = candidate.resolve()
    except (OSError, RuntimeError):  # a loop of links
        resolved = None
    if resolved is None or not any(resolved.is_relative_to(d) for d in dirs):
        raise field_error(
            field, OUTSIDE_ALLOWED, "outside", path=raw.strip(),
            dirs=", ".join(str(d) for d in dirs),
        )  # fmt: skip
    if not resolved.is_file():
        raise field_error(field, NOT_A_FILE, "not_file", path=raw.strip())
    return resolved


def stage_path(raw: str, *, field: str = "source_path") -> StagedSource:
    path = resolve_allowed(raw, field=field)
    with path.open("rb") as handle:
        head = handle.read(8192)
    if not head:
        raise field_error(field, EMPTY, "empty", name=path.name)
    fmt = _check_type(path.name, head, field)
    return StagedSource(path, str(path), path.stat().st_size, sha256_file(path), fmt, False)


def check_unchanged(path: Path, sha256: str, name: str) -> None:
    if sha256_file(path) != sha256:
        raise ValidationError(SOURCE_CHANGED, code="source_changed", params={"name": name})


def delete_file(path: Path) -> str:
    """Delete a file; return "" or the reason it could not be deleted."""
    try:
        path.unlink()
    except FileNotFoundError:
        return ""
    except OSError as exc:
        return f"{exc.strerror or exc}"[:500]
    return ""
