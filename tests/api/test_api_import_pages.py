"""The import pages (a dry run, then the checked file imported) and `fincloud import`."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from typer.testing import CliRunner

from fincloud.api import imports
from fincloud.auditlog.models import AuditEvent
from fincloud.cli import app
from fincloud.register.models import CloudServiceProvider

CSV = "name,country,channel\nNimbus Cloud,US,direct\n星雲雲端,TW,direct\n"


@pytest.fixture(autouse=True)
def _english(client, settings):
    # The pages in English: the language cookie (as the language switch sets it) for the
    # requests, the override for what the test itself renders.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def _upload(text: str, name: str = "csps.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def test_dry_run_then_import_the_checked_file(client, personas):
    client.force_login(personas["governance_officer"])
    page = client.post("/imports/csps/", {"file": _upload(CSV)})
    assert page.status_code == 200
    report = page.context["report"]
    assert report["dry_run"] and not report["applied"]
    assert (report["rows"], report["created"], report["errors"]) == (2, 2, [])
    assert b"Import these 2 rows" in page.content
    assert not CloudServiceProvider.objects.exists()
    # The import takes the file that was checked (kept by its SHA-256), nothing else.
    done = client.post("/imports/csps/", {"staged": report["sha256"], "file_name": "csps.csv"})
    assert done.status_code == 200
    assert done.context["report"]["applied"]
    assert set(CloudServiceProvider.objects.values_list("name", flat=True)) == {
        "Nimbus Cloud",
        "星雲雲端",
    }
    event = AuditEvent.objects.get(object_type="api.import")
    assert event.object_id == report["sha256"] and event.channel == "web"
    # The staged copy is gone once imported.
    again = client.post("/imports/csps/", {"staged": report["sha256"], "file_name": "x"})
    assert again.status_code == 302


def test_a_file_with_errors_shows_them_all_and_cannot_be_imported(client, personas):
    client.force_login(personas["governance_officer"])
    page = client.post("/imports/csps/", {"file": _upload("name,country\nA,ZZ\nB,=1+2\nC,TW\n")})
    report = page.context["report"]
    assert [(e["row"], e["column"], e["rule"]) for e in report["errors"]] == [
        (2, "country", "country"),
        (3, "country", "formula"),
    ]
    assert b"Import these" not in page.content
    assert b'name="staged"' not in page.content
    assert not CloudServiceProvider.objects.exists()


def test_a_100_mb_upload_is_refused_before_it_is_read(client, personas):
    class Unread(io.BytesIO):
        def read(self, *args: object) -> bytes:
            raise AssertionError("the body was read")

        readline = read

    client.force_login(personas["governance_officer"])
    response = client.post(
        "/imports/csps/",
        data=b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(100 * 1024 * 1024),
        **{"wsgi.input": Unread()},
    )
    assert response.status_code == 413
    assert "100.0 MB" in response.content.decode()
    assert f"at most {imports.max_bytes() // (1024 * 1024)} MB" in response.content.decode()


def test_the_pages_need_the_capability(client, personas):
    client.force_login(personas["legal"])
    assert client.get("/imports/").status_code == 403
    assert client.post("/imports/csps/", {"file": _upload(CSV)}).status_code == 403
    assert not CloudServiceProvider.objects.exists()


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_templates_download_in_both_languages(client, personas, lang):
    client.force_login(personas["governance_officer"])
    xlsx = client.get(f"/imports/services/template.xlsx?lang={lang}")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    first = [c.value for c in book.worksheets[0][1]]
    assert first[1] == ("服務名稱" if lang == "zh-TW" else "Service name")
    csv = client.get(f"/imports/outages/template.csv?lang={lang}")
    assert csv.content.startswith("\ufeff".encode())
    assert csv.content.decode("utf-8-sig").startswith("開始時間" if lang == "zh-TW" else "Start")


# -- the command line ------------------------------------------------------------------------


def test_cli_dry_run_then_import(tmp_path, personas):
    path = tmp_path / "csps.csv"
    path.write_text(CSV, encoding="utf-8")
    runner = CliRunner()
    dry = runner.invoke(app, ["import", "csps", str(path), "--dry-run", "--format", "json"])
    assert dry.exit_code == 0, dry.output
    body = json.loads(dry.stdout)
    assert (body["created"], body["applied"], body["errors"]) == (2, False, [])
    assert not CloudServiceProvider.objects.exists()
    done = runner.invoke(
        app, ["import", "csps", str(path), "--user", "governance_officer", "--lang", "en"]
    )
    assert done.exit_code == 0, done.output
    assert "imported; 2 rows, 2 created" in done.stdout
    assert CloudServiceProvider.objects.count() == 2
    event = AuditEvent.objects.get(object_type="api.import")
    assert event.channel == "cli" and event.actor_label == "governance_officer"


def test_cli_row_errors_exit_1_and_list_each(tmp_path, db):
    path = tmp_path / "csps.csv"
    path.write_text("name,country\nA,ZZ\nB,TW\nC,=cmd|' /C calc'!A0\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["import", "csps", str(path), "--lang", "en"])
    assert result.exit_code == 1
    assert "row 2, column country:" in result.stdout
    assert "row 4, column country:" in result.stdout and "[formula]" in result.stdout
    assert not CloudServiceProvider.objects.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("名稱,國家\n星雲,TW\n".encode("cp950"), "Big5"),
        (b"name,colour\nA,blue\n", "unknown column"),
    ],
)
def test_cli_bad_files_exit_2_with_one_line(tmp_path, db, content, expected):
    path = tmp_path / "csps.csv"
    path.write_bytes(content)
    result = CliRunner().invoke(app, ["import", "csps", str(path), "--lang", "en"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert expected in result.stderr and result.stderr.count("\n") == 1


def test_cli_refuses_a_large_file_from_its_size(tmp_path, db, settings):
    settings.FINCLOUD_IMPORT_FILE_MAX_BYTES = 10
    path = tmp_path / "big.csv"
    path.write_text("name,country\n" + "A,TW\n" * 10, encoding="utf-8")
    result = CliRunner().invoke(app, ["import", "csps", str(path), "--lang", "en"])
    assert result.exit_code == 2
    assert "may be at most" in result.stderr


def test_cli_outages_need_a_person(tmp_path, db):
    path = tmp_path / "outages.csv"
    path.write_text("start,end,services\n2026-01-01T10:00,,x\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["import", "outages", str(path)])
    assert result.exit_code == 2 and "--user" in result.stderr
