"""Take the README's screenshots from the demo, as a person trying didhub sees it.

    .venv/bin/python docs/screenshots/take.py        (or: make screenshots)

In a fresh SQLite data folder of its own: ``didhub migrate``, ``didhub demo`` (the full
demo, pointed at the port below), then ``didhub serve --with-worker``, so the demo's
platform links deliver to the receiver inside the server as under ``make run``. It waits
until Contoso's sync has settled, signs in with a login that ``didhub demo`` printed,
and saves, 1280 px wide, with Debian's Chromium (``DIDHUB_CHROMIUM`` to use another):

* ``numbers.png``: the numbers in use, as the master reseller sees them (users, company,
  VAR, state, activity and sync);
* ``number-detail.png``: an assigned Contoso number with calls, its sync and history;
* ``upload-preview.png``: a file with valid and invalid rows, before it is committed;
* ``dashboard.png``: the master reseller's dashboard.

The demo's platform receiver is on loopback, so the servers started here run with
``DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS=true``, as ``make run`` does; nothing else changes.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
DIDHUB = [sys.executable, "-m", "didhub.cli"]
CHROMIUM = os.environ.get("DIDHUB_CHROMIUM", "/usr/bin/chromium")
WIDTH, HEIGHT = 1280, 860
SIGN_IN_AS = "admin@northwind.example"
# A file a reseller might upload: four good rows, two the preview refuses with reasons.
UPLOAD_FILE = (
    "Country Code,Phone Number,Voice,SMS,Fax,Voice Route Type\n"
    "1,212 555 0200,TRUE,TRUE,FALSE,Direct Routing\n"
    "1,(212) 555-0201,TRUE,TRUE,FALSE,Direct Routing\n"
    "1,212.555.0202,TRUE,FALSE,FALSE,Direct Routing\n"
    "1,212-555-0203,TRUE,TRUE,FALSE,Operator Connect\n"
    "1,123,TRUE,FALSE,FALSE,Direct Routing\n"
    "1,2125550204,perhaps,FALSE,FALSE,Direct Routing\n"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def printed_password(output: str, email: str) -> str:
    """The password in the row of ``email`` of the table ``didhub demo`` prints."""
    for line in output.split("Sign in at", 1)[1].splitlines():
        cells = line.split()
        if cells and cells[0] == email:
            return cells[-1]
    raise SystemExit(f"didhub demo printed no login for {email}:\n{output}")


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")


def wait_for_sync(page, base: str) -> None:
    """Until Contoso's platform has taken or refused every message of its first sync."""
    page.goto(f"{base}/links/")
    page.get_by_role("link", name=re.compile("Contoso calling platform")).click()
    link_page = page.url
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        pending = page.get_by_test_id("state-pending").inner_text().strip()
        ready = page.get_by_test_id("state-ready").inner_text().strip()
        if pending == "0" and ready != "0":
            return
        time.sleep(2)
        page.goto(link_page)
    raise SystemExit("Contoso's sync did not settle within 3 minutes")


def take(page, base: str, password: str, tmp: Path) -> None:
    sign_in(page, base, SIGN_IN_AS, password)
    wait_for_sync(page, base)

    page.goto(f"{base}/")
    expect(page.get_by_test_id("activity-active")).to_be_visible()
    page.screenshot(path=str(OUT / "dashboard.png"), full_page=True)

    page.goto(f"{base}/numbers/?view=used")
    expect(page.locator("#numbers-table")).to_be_visible()
    page.screenshot(path=str(OUT / "numbers.png"))

    # An assigned Contoso number that has had calls and that its platform holds.
    page.goto(f"{base}/numbers/?activity=active&sync_state=ready&state=assigned")
    page.locator("#numbers-table").get_by_role("link", name="Details").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.screenshot(path=str(OUT / "number-detail.png"))

    upload = tmp / "numbers.csv"
    upload.write_text(UPLOAD_FILE)
    page.goto(f"{base}/")
    page.get_by_role("link", name="Phone Numbers").first.click()
    page.get_by_role("link", name="Upload Phone Numbers").first.click()
    page.get_by_label("Upload Phone Numbers").set_input_files(str(upload))
    page.get_by_label("Enterprises and Resellers").select_option(
        label="Northwind Telecom (Reseller)"
    )
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_test_id("valid-count")).to_have_text("4")
    expect(page.get_by_test_id("invalid-count")).to_have_text("2")
    page.screenshot(path=str(OUT / "upload-preview.png"), full_page=True)


def main() -> None:
    if not Path(CHROMIUM).exists():
        raise SystemExit(
            f"No Chromium at {CHROMIUM}: install Debian's chromium, or set DIDHUB_CHROMIUM"
        )
    tmp = Path(tempfile.mkdtemp(prefix="didhub-screenshots-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DIDHUB_DATA_DIR": str(tmp / "var"),
        "DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS": "true",
    }
    env.pop("DIDHUB_DATABASE_URL", None)  # always a fresh SQLite file
    server = None
    try:
        subprocess.run([*DIDHUB, "migrate", "--no-input", "-v", "0"], env=env, cwd=ROOT, check=True)
        demo = subprocess.run(
            [*DIDHUB, "demo", "--url", base],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        print(demo.stdout)
        password = printed_password(demo.stdout, SIGN_IN_AS)
        server = subprocess.Popen(
            [*DIDHUB, "serve", "--with-worker", f"127.0.0.1:{port}"], env=env, cwd=ROOT
        )
        wait_for(f"{base}/healthz")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.set_default_timeout(30_000)
            take(page, base, password, tmp)
            browser.close()
        print(f"Saved dashboard, numbers, number-detail and upload-preview to {OUT}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
