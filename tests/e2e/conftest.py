"""End-to-end fixtures: a real fincloud server and Debian's Chromium driven by Playwright.

The server is the real thing: `fincloud manage migrate`, `fincloud demo`, then
`fincloud manage runserver` in a subprocess, on its own database (a fresh SQLite file, or a
fresh PostgreSQL database when DATABASE_URL points at PostgreSQL), with DEBUG off. Screenshots
of every page the tests look at go to test-results/e2e/ (look at them).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from paths import REPO_ROOT

CHROMIUM = os.environ.get("FINCLOUD_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = REPO_ROOT / "test-results" / "e2e"
FINCLOUD = str(Path(sys.executable).with_name("fincloud"))

pytestmark = pytest.mark.e2e


@dataclass
class Site:
    url: str
    logins: dict[str, str]
    env: dict[str, str]

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [FINCLOUD, "manage", *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO_ROOT,
        )
        return result.stdout


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_database(base_url: str, name: str) -> str:
    """Create a fresh database beside the one DATABASE_URL names; return its URL."""
    import psycopg

    parts = urlsplit(base_url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[Site]:
    var = tmp_path_factory.mktemp("e2e-var")
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG"}}
    env.update(
        {"FINCLOUD_VAR_DIR": str(var), "FINCLOUD_HTTPS": "0", "DEBUG": "0", "PYTHONUNBUFFERED": "1"}
    )
    base_db = os.environ.get("DATABASE_URL", "")
    if base_db.startswith(("postgres://", "postgresql://")):
        env["DATABASE_URL"] = _postgres_database(base_db, f"fincloud_e2e_{worker_id}")
    else:
        env["DATABASE_URL"] = f"sqlite:///{var}/e2e.sqlite3"
    for args in (
        ["manage", "migrate", "--noinput", "-v0"],
        ["manage", "collectstatic", "--noinput", "-v0"],
        ["demo", "--quiet"],
    ):
        subprocess.run([FINCLOUD, *args], env=env, check=True, cwd=REPO_ROOT)
    port = _free_port()
    log = open(var / "server.log", "w")
    server = subprocess.Popen(
        [FINCLOUD, "manage", "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
        env=env,
        cwd=REPO_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                log.close()
                raise RuntimeError((var / "server.log").read_text()) from None
            time.sleep(0.3)
    logins = json.loads((var / "demo-logins.json").read_text())
    yield Site(url=url, logins=logins, env=env)
    server.terminate()
    server.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield browser
        browser.close()


class Shots:
    """Save a full-page screenshot per step under test-results/e2e/<test>/."""

    def __init__(self, name: str) -> None:
        self.folder = SCREENSHOTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def __call__(self, page: object, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(request.node.name.replace("[", "-").replace("]", ""))


@pytest.fixture
def new_page(browser: object, site: Site) -> Iterator[object]:
    """A fresh browser context (no cookies) per call, in 繁體中文 by default."""
    contexts = []

    def make(locale: str = "zh-TW") -> object:
        context = browser.new_context(  # type: ignore[attr-defined]
            base_url=site.url, locale=locale, viewport={"width": 1280, "height": 860}
        )
        # The language cookie wins over a person's saved language, which another test may have
        # switched: every page starts in the language the test asks for.
        context.add_cookies(
            [
                {
                    "name": "fincloud_language",
                    "value": "en" if locale.startswith("en") else "zh-hant",
                    "url": site.url,
                }
            ]
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in(page: object, site: Site, username: str, password: str | None = None) -> None:
    page.goto("/people/sign-in")  # type: ignore[attr-defined]
    page.fill("#id_username", username)  # type: ignore[attr-defined]
    page.fill("#id_password", password or site.logins[username])  # type: ignore[attr-defined]
    page.click("main button[type=submit]")  # type: ignore[attr-defined]


def choose_language(page: object, language: str) -> None:
    """Switch the language with the header's selector and wait until the page is in it: the
    switch posts and reloads, and acting before it lands races with it."""
    from playwright.sync_api import expect

    page.select_option("#lang-select", language)  # type: ignore[attr-defined]
    lang = "en" if language == "en" else "zh-Hant-TW"
    expect(page.locator("html")).to_have_attribute("lang", lang)  # type: ignore[attr-defined]
