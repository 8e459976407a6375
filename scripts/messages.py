"""Refresh the translation catalogues: `make messages`.

Usage: python scripts/messages.py

The Chinese translations live in src/fincloud/locale/zh_Hant.d/*.tsv, one file per area of the
code (``msgid<TAB>譯文`` per line, ``#`` comments allowed), so that people working on different
apps never edit the same file; the .po and .mo files are generated from them.

1. Django's makemessages extracts every marked string of the package into
   src/fincloud/locale/{zh_Hant,en}/LC_MESSAGES/django.po (existing translations are kept).
2. The source strings are English, so the English catalogue's entries are filled with their
   msgid (a translator may still override one).
3. zh_Hant entries are filled from the TSV files in zh_Hant.d/.
4. The .mo files Django reads at run time are compiled (with polib: no GNU gettext needed
   to run fincloud, only to extract strings).
New zh_Hant entries are left empty for a person to translate; the test
tests/web/test_i18n.py fails until every entry in both catalogues is translated.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "fincloud"
LOCALE = Path(os.environ.get("FINCLOUD_LOCALE_DIR", PACKAGE / "locale"))
IGNORE = ["catalog/data/*", "deid/*", "rules/*", "sla/*", "identifiers/*", "*/migrations/*"]


def run_makemessages(package_dir: Path, locale_dir: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fincloud.web.settings",
        "FINCLOUD_LOCALE_DIR": str(locale_dir),
    }
    args = [
        sys.executable,
        "-m",
        "django",
        "makemessages",
        "-l",
        "zh_Hant",
        "-l",
        "en",
        "--no-location",
        "--no-wrap",
        "--no-obsolete",
    ]
    for pattern in IGNORE:
        args += ["--ignore", pattern]
    # A fixed command line built here, no outside input.
    subprocess.run(args, cwd=package_dir, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603


def fill_english(locale_dir: Path) -> None:
    path = locale_dir / "en" / "LC_MESSAGES" / "django.po"
    catalogue = polib.pofile(str(path), wrapwidth=0)
    for entry in catalogue:
        if entry.msgid_plural:
            # English is the source language: the plural forms are the msgid and msgid_plural.
            # (A fuzzy match by msgmerge would otherwise leave another string's plurals here,
            # e.g. "%(n)s open point" shown as "%(n)s minutes".)
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        elif not entry.msgstr:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
            entry.msgstr = entry.msgid
    catalogue.save(str(path))


def compile_messages(locale_dir: Path) -> None:
    for po in locale_dir.glob("*/LC_MESSAGES/django.po"):
        polib.pofile(str(po)).save_as_mofile(str(po.with_suffix(".mo")))


def apply_translations(locale_dir: Path, tsv_files: list[str]) -> None:
    """Fill zh_Hant entries from tab-separated ``msgid<TAB>translation`` lines."""
    path = locale_dir / "zh_Hant" / "LC_MESSAGES" / "django.po"
    catalogue = polib.pofile(str(path), wrapwidth=0)
    table: dict[str, str] = {}
    for name in tsv_files:
        for line in Path(name).read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                msgid, text = line.split("\t")
                if msgid in table and table[msgid] != text:
                    raise SystemExit(f"{name}: {msgid!r} translated differently elsewhere")
                table[msgid] = text
    for entry in catalogue:
        if entry.msgid in table:
            if entry.msgid_plural:
                entry.msgstr_plural = {0: table[entry.msgid]}
            else:
                entry.msgstr = table[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    catalogue.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    catalogue.metadata["Language"] = "zh_Hant"
    catalogue.save(str(path))


def main() -> None:
    LOCALE.mkdir(parents=True, exist_ok=True)
    run_makemessages(PACKAGE, LOCALE)
    fill_english(LOCALE)
    apply_translations(LOCALE, sorted(str(p) for p in (LOCALE / "zh_Hant.d").glob("*.tsv")))
    compile_messages(LOCALE)
    zh = polib.pofile(str(LOCALE / "zh_Hant" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in zh if not e.translated()]
    print(f"zh_Hant: {len(zh)} entries, {len(missing)} untranslated")
    for msgid in missing:
        print(f"  untranslated: {msgid!r}")


if __name__ == "__main__":
    main()
