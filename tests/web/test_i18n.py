"""Every marked string is translated in both catalogues, and the compiled files are current."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import polib
import pytest

from paths import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "scripts"))
import messages as catalogue_tools

LOCALE = REPO_ROOT / "src" / "fincloud" / "locale"
LANGS = ["zh_Hant", "en"]


@pytest.fixture(scope="module")
def fresh_catalogues(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Re-extract the strings of today's code into copies of the committed catalogues."""
    if shutil.which("xgettext") is None:
        pytest.fail("GNU gettext (xgettext) is needed to extract strings: apt-get install gettext")
    locale = tmp_path_factory.mktemp("locale")
    for lang in LANGS:
        target = locale / lang / "LC_MESSAGES"
        target.mkdir(parents=True)
        shutil.copy(LOCALE / lang / "LC_MESSAGES" / "django.po", target / "django.po")
    catalogue_tools.run_makemessages(REPO_ROOT / "src" / "fincloud", locale)
    return locale


@pytest.mark.parametrize("lang", LANGS)
def test_every_string_is_translated(fresh_catalogues: Path, lang: str) -> None:
    po = polib.pofile(str(fresh_catalogues / lang / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in po if not e.translated() or "fuzzy" in e.flags]
    assert untranslated == [], (
        f"{len(untranslated)} untranslated {lang} strings (run `make messages` and translate): "
        f"{untranslated[:20]}"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_compiled_catalogue_matches_source(lang: str) -> None:
    po = polib.pofile(str(LOCALE / lang / "LC_MESSAGES" / "django.po"))
    mo = polib.mofile(str(LOCALE / lang / "LC_MESSAGES" / "django.mo"))
    assert {e.msgid: (e.msgstr, dict(e.msgstr_plural)) for e in po if e.translated()} == {
        e.msgid: (e.msgstr, dict(e.msgstr_plural)) for e in mo
    }, "the .mo file is stale: run `make messages`"


def test_chinese_is_the_default_and_english_works(client, db) -> None:
    zh = client.get("/people/sign-in")
    assert zh.status_code == 200 and "登入" in zh.content.decode()
    assert zh["Content-Language"] == "zh-hant"
    client.post("/language", {"language": "en", "next": "/people/sign-in"})
    en = client.get("/people/sign-in")
    assert "Sign in" in en.content.decode() and "登入" not in en.content.decode()
