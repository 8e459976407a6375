"""Reading inputs in batches and writing outputs atomically.

Inputs: CSV (UTF-8; Big5/CP950 is recognised and refused with a hint, or transcoded when the
caller says `encoding="cp950"`), Parquet and XLSX (first sheet, via openpyxl in read-only mode).
CSV columns are read as text so that leading zeros and the exact written form survive; a
technique that needs numbers casts its own column and names the row that is not a number.

Outputs are written to a temporary file beside the target and renamed over it only when
complete, so a reader never sees half a file and a failed run leaves nothing behind. The source
is only ever opened for reading.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import BinaryIO, Literal

import polars as pl

from fincloud.deid.errors import EncodingError, InputFileError

InputFormat = Literal["csv", "parquet", "xlsx"]
OutputFormat = Literal["csv", "parquet"]
_SNIFF_BYTES = 1 << 20
BATCH_ROWS = 250_000


def input_format(path: Path) -> InputFormat:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".xlsx", ".xlsm"):
        return "xlsx"
    raise InputFileError(f"{path}: unknown input format {suffix!r}; use .csv, .parquet or .xlsx")


def output_format(path: Path) -> OutputFormat:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    raise InputFileError(f"-o {path}: unknown output format {suffix!r}; use .csv or .parquet")


def _looks_like_big5(sample: bytes) -> bool:
    """True when the bytes decode as CP950 and hold Chinese characters (lead bytes 0xA4-0xF9
    are the Big5 range of common and less common hanzi)."""
    try:
        text = sample.decode("cp950")
    except UnicodeDecodeError:
        # The sample may end in the middle of a two-byte character.
        try:
            text = sample[:-1].decode("cp950")
        except UnicodeDecodeError:
            return False
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def check_utf8(path: Path, *, whole: bool = True) -> None:
    """Raise `EncodingError` if the file is not UTF-8, naming Big5/CP950 when it looks so.

    Reads the file once in 1 MiB blocks with an incremental decoder (about a second per GiB).
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    first_block = b""
    try:
        with path.open("rb") as handle:
            while block := handle.read(_SNIFF_BYTES):
                if not first_block:
                    first_block = block
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    bad = offset + exc.start
                    sample = block[max(0, exc.start - 4096) : exc.start + 4096]
                    detected = "Big5/CP950" if _looks_like_big5(sample) else None
                    raise EncodingError(str(path), detected, bad) from None
                offset += len(block)
                if not whole:
                    break
            if whole:
                decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise EncodingError(str(path), None, offset) from None
    except OSError as exc:
        raise InputFileError(f"{path}: {exc.strerror or exc}") from exc


def transcode_to_utf8(path: Path, encoding: str, directory: Path | None = None) -> Path:
    """Copy a CP950/Big5 (or other) text file to a temporary UTF-8 file (in `directory`, or
    the system's temporary folder); the caller deletes it."""
    fd, tmp = tempfile.mkstemp(prefix=".fincloud-utf8-", suffix=".csv", dir=directory)
    try:
        with (
            path.open("r", encoding=encoding, newline="") as src,
            os.fdopen(fd, "w", encoding="utf-8", newline="") as dst,
        ):
            while chunk := src.read(_SNIFF_BYTES):
                dst.write(chunk)
    except UnicodeDecodeError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputFileError(f"{path} is not valid {encoding} either (byte {exc.start})") from exc
    return Path(tmp)


def count_csv_rows(path: Path) -> int:
    """Data rows of a CSV file, by counting line ends (quoted line breaks are rare in exports;
    the count only drives the progress bar)."""
    lines = 0
    last = b"\n"
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            lines += block.count(b"\n")
            last = block[-1:]
    if last != b"\n":
        lines += 1
    return max(0, lines - 1)


@dataclass(frozen=True)
class Source:
    """An input file and how to read it."""

    path: Path
    format: InputFormat
    separator: str = ","

    def columns(self) -> list[str]:
        if self.format == "csv":
            return list(
                pl.scan_csv(self.path, separator=self.separator, infer_schema=False)
                .collect_schema()
                .names()
            )
        if self.format == "parquet":
            return list(pl.scan_parquet(self.path).collect_schema().names())
        return list(_xlsx_header(self.path))

    def row_count(self) -> int:
        if self.format == "csv":
            return count_csv_rows(self.path)
        if self.format == "parquet":
            return int(pl.scan_parquet(self.path).select(pl.len()).collect().item())
        from openpyxl import load_workbook

        wb = load_workbook(self.path, read_only=True)
        try:
            ws = wb.worksheets[0]
            return max(0, (ws.max_row or 1) - 1)
        finally:
            wb.close()

    def batches(self, rows: int = BATCH_ROWS) -> Iterator[pl.DataFrame]:
        try:
            if self.format == "csv":
                lf = pl.scan_csv(self.path, separator=self.separator, infer_schema=False)
                yield from lf.collect_batches(chunk_size=rows)
            elif self.format == "parquet":
                yield from pl.scan_parquet(self.path).collect_batches(chunk_size=rows)
            else:
                yield from _xlsx_batches(self.path, rows)
        except pl.exceptions.ComputeError as exc:
            if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
                check_utf8(self.path)
            raise InputFileError(f"{self.path}: {str(exc).splitlines()[0]}") from exc

    def read_all(self) -> pl.DataFrame:
        frames = list(self.batches())
        if not frames:
            return pl.DataFrame(schema=dict.fromkeys(self.columns(), pl.String))
        return pl.concat(frames, how="vertical")


def open_source(path: Path, separator: str = ",") -> Source:
    if not path.is_file():
        raise InputFileError(f"{path}: no such file")
    fmt = input_format(path)
    if fmt == "csv":
        if len(separator) != 1:
            raise InputFileError(f"--sep {separator!r}: the separator is one character")
        check_utf8(path)
    return Source(path, fmt, separator)


def _xlsx_header(path: Path) -> list[str]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        ws = wb.worksheets[0]
        header = next(ws.iter_rows(max_row=1, values_only=True), ())
        return [str(h) if h is not None else f"column_{i + 1}" for i, h in enumerate(header)]
    finally:
        wb.close()


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _xlsx_batches(path: Path, rows: int) -> Iterator[pl.DataFrame]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header_row = next(it, None)
        if header_row is None:
            return
        header = [str(h) if h is not None else f"column_{i + 1}" for i, h in enumerate(header_row)]
        width = len(header)
        buffer: list[list[str | None]] = [[] for _ in header]
        count = 0
        for row in it:
            for i in range(width):
                buffer[i].append(_cell_text(row[i]) if i < len(row) else None)
            count += 1
            if count == rows:
                yield pl.DataFrame(
                    dict(zip(header, buffer, strict=True)), schema=dict.fromkeys(header, pl.String)
                )
                buffer = [[] for _ in header]
                count = 0
        if count:
            yield pl.DataFrame(
                dict(zip(header, buffer, strict=True)), schema=dict.fromkeys(header, pl.String)
            )
    finally:
        wb.close()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed over it when the block ends without error
    and removed otherwise."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes_atomic(target: Path, data: bytes, mode: int | None = None) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
        if mode is not None:
            tmp.chmod(mode)


class BatchWriter:
    """Writes frames one after another to a CSV or Parquet file.

    CSV is appended batch by batch. Parquet batches go to part files in a temporary folder
    beside the target and are joined at the end by Polars' streaming sink, so memory holds one
    batch at a time either way.
    """

    def __init__(self, path: Path, fmt: OutputFormat) -> None:
        self.path = path
        self.format = fmt
        self._handle: BinaryIO | None = None
        self._parts: list[Path] = []
        self._part_dir: Path | None = None
        self._schema: pl.Schema | None = None
        self.rows = 0

    def write(self, frame: pl.DataFrame) -> None:
        self.rows += frame.height
        if self._schema is None:
            self._schema = frame.schema
        if self.format == "csv":
            if self._handle is None:
                self._handle = self.path.open("wb")
                frame.write_csv(self._handle, include_header=True)
            elif frame.height:
                frame.write_csv(self._handle, include_header=False)
            return
        if self._part_dir is None:
            self._part_dir = Path(
                tempfile.mkdtemp(prefix=f".{self.path.name}.parts-", dir=self.path.parent)
            )
        if frame.height or not self._parts:
            part = self._part_dir / f"{len(self._parts):06d}.parquet"
            frame.write_parquet(part)
            self._parts.append(part)

    def close(self) -> None:
        if self.format == "csv":
            if self._handle is None:
                self.path.write_bytes(b"")
            else:
                self._handle.close()
            return
        try:
            if self._parts:
                pl.scan_parquet(self._parts).sink_parquet(self.path)
            else:
                pl.DataFrame().write_parquet(self.path)
        finally:
            self.discard()

    def discard(self) -> None:
        if self._handle is not None and not self._handle.closed:
            self._handle.close()
        if self._part_dir is not None:
            for part in self._parts:
                part.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                self._part_dir.rmdir()
            self._part_dir = None
            self._parts = []
