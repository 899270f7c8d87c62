"""Browser journeys: Playwright driving Debian's Chromium, headless, against live_server.

Skipped with a clear message when no Chromium is installed (``apt-get install
chromium``). Every journey saves screenshots of the pages it passes through to
``test-artifacts/screenshots/``, and one more when it fails.
"""

import importlib
import os
import shutil
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("DIDHUB_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "correct horse 42"


def chromium_path() -> str | None:
    if Path(CHROMIUM).exists():
        return CHROMIUM
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip(
            f"No Chromium at {CHROMIUM} (install Debian's `chromium` package, or set "
            "DIDHUB_CHROMIUM): browser journeys skipped."
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Every journey also checks the Content-Security-Policy: Chromium reports each
    # refused script, style or frame on the console.
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"FAILED-{request.node.name}.png"), full_page=True)
    context.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def shot():
    """``shot(page, "numbers")`` saves ``test-artifacts/screenshots/numbers.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def save(page, name: str, *, full_page: bool = False):
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)

    return save


@pytest.fixture
def login(live_server):
    def sign_in(page, email: str):
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/")

    return sign_in


@pytest.fixture(autouse=True)
def history_cleanup(request):
    """Let live_server's database flush pass the append-only trigger on SQLite.

    PostgreSQL flushes with TRUNCATE, which row triggers do not see; SQLite deletes
    row by row, so the events of the journey are removed here, with the trigger lifted
    for that statement only and put back at once.
    """
    if "transactional_db" not in request.fixturenames and "live_server" not in (
        request.fixturenames
    ):
        yield
        return
    request.getfixturevalue("transactional_db")
    yield
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    migration = importlib.import_module("didhub.core.migrations.0002_event_append_only")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS core_event_no_delete")
        cursor.execute("DELETE FROM core_event")
        cursor.execute(migration.SQLITE[1])


@pytest.fixture(autouse=True)
def private_data_dir(settings, tmp_path):
    """Uploads and their work locks in this test's own folder, not the shared ./var."""
    settings.DATA_DIR = tmp_path / "var"
    settings.MEDIA_ROOT = tmp_path / "var" / "media"
