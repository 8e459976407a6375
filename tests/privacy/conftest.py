"""Fixtures of the de-identification job tests: private folders for sources, outputs and keys,
and a slice of the Taiwan credit data with generated identities beside each record."""

from __future__ import annotations

import io
from pathlib import Path

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fincloud.deid import fake
from fincloud.deid.keys import generate_key

CREDIT_ROWS = 3000  # a slice of the 30,000 card holders: enough classes for k=5, quick to run


@pytest.fixture
def deid_env(tmp_path: Path, settings: object) -> dict[str, Path]:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    work = tmp_path / "work"
    keys = tmp_path / "deid.keys"
    keys.write_text(f"main={generate_key()}\n")
    keys.chmod(0o600)
    settings.FINCLOUD_DEID_ALLOWED_DIRS = [str(inbox)]  # type: ignore[attr-defined]
    settings.FINCLOUD_DEID_KEY_FILE = str(keys)  # type: ignore[attr-defined]
    settings.FINCLOUD_DEID_WORK_DIR = str(work)  # type: ignore[attr-defined]
    settings.MEDIA_ROOT = str(tmp_path / "media")  # type: ignore[attr-defined]
    return {"inbox": inbox, "work": work, "keys": keys, "tmp": tmp_path}


@pytest.fixture(scope="session")
def credit_frame(shared_data: Path) -> pl.DataFrame:
    """The first CREDIT_ROWS card holders, with a generated name, national ID, mobile and
    e-mail each (the real data carries none; the checks of fincloud.deid.fake make them valid)."""
    credit = pl.read_csv(
        shared_data / "taiwan-credit-default" / "UCI_Credit_Card.csv",
        infer_schema=False,
        n_rows=CREDIT_ROWS,
    )
    people = fake.generate(credit.height, seed=7).select("name", "id_number", "mobile", "email")
    return pl.concat([people, credit], how="horizontal")


def csv_bytes(frame: pl.DataFrame, separator: str = ",") -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer, separator=separator)
    return buffer.getvalue()


@pytest.fixture
def credit_upload(credit_frame: pl.DataFrame):  # type: ignore[no-untyped-def]
    def make(name: str = "credit.csv") -> SimpleUploadedFile:
        return SimpleUploadedFile(name, csv_bytes(credit_frame), content_type="text/csv")

    return make


@pytest.fixture(autouse=True)
def english() -> object:
    """Service messages in English (the source strings) so tests can quote them; the pages
    are requested in each language by the view and end-to-end tests."""
    from django.utils import translation

    with translation.override("en"):
        yield
