"""A didhub installation outside the test process (used by test_transfer.py and test_backup.py).

    python -m didhub.ops.tests.transfer_child populate   -> JSON: token, import id, login
    python -m didhub.ops.tests.transfer_child answers TOKEN IMPORT   -> JSON: what the API says
    python -m didhub.ops.tests.transfer_child commit TOKEN IMPORT    -> JSON: the commit's answer

The database is the one ``DIDHUB_DATABASE_URL`` names (SQLite in ``DIDHUB_DATA_DIR``
when unset). ``populate`` builds what a grown ``make run`` installation holds: the demo
(numbers in every state, assignments, history, platform links with encrypted secrets,
sync changes), a user with a password and a write token, and an upload validated but
not committed (its rows staged, its file on disk).
"""

import hashlib
import io
import json
import os
import sys

LOGIN = "ops@transfer.test"
PASSWORD = "correct horse 42"
WAITING_DIGITS = "121255501"
WAITING = [f"+{WAITING_DIGITS}{n:02d}" for n in range(40)]


def main(mode: str, *args: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "didhub.config.settings")
    import django

    django.setup()
    if mode == "populate":
        result = populate()
    elif mode == "answers":
        result = answers(*args)
    elif mode == "commit":
        result = commit(*args)
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(result), flush=True)


def populate() -> dict:
    from django.core.management import call_command

    from didhub.accounts import services as account_services
    from didhub.accounts.choices import Role
    from didhub.accounts.models import Account
    from didhub.imports import services as import_services

    call_command("migrate", verbosity=0, skip_checks=True)
    call_command("demo", scale=0.05, stdout=io.StringIO())
    root = Account.objects.get(parent=None)
    user = account_services.user_create(
        actor=None, account=root, email=LOGIN, role=Role.PLATFORM_ADMIN, password=PASSWORD
    )
    _, key = account_services.token_create(actor=user, name="transfer", scope="write")
    reseller = Account.objects.filter(kind="reseller").order_by("pk").first()
    stream = io.BytesIO(("Phone Number\n" + "".join(f"{e164}\n" for e164 in WAITING)).encode())
    stream.name = "waiting.csv"
    run = import_services.import_create(actor=user, account=reseller, file=stream, inline=True)
    assert run.state == "ready", (run.state, run.error)
    return {"token": key, "import": run.pk}


def api(token: str):
    from rest_framework.test import APIClient

    client = APIClient(SERVER_NAME="localhost")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def every_page(client, path: str, **params) -> list:
    results, response = [], client.get(path, {**params, "page_size": 500})
    while True:
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        body = response.json()
        results += body["results"]
        if not body.get("next"):
            return results
        response = client.get(body["next"])


def answers(token: str, import_id: str) -> dict:
    from didhub.sync.models import PlatformLink

    client = api(token)
    numbers = every_page(client, "/api/v1/numbers/")
    busy = sorted((n for n in numbers if n["state"] != "available"), key=lambda n: n["e164"])[:5]
    links = PlatformLink.objects.order_by("pk")
    return {
        "status": client.get("/api/v1/users/").status_code,
        "numbers": numbers,
        "histories": {
            n["e164"]: every_page(client, f"/api/v1/numbers/{n['e164']}/history/") for n in busy
        },
        "events": every_page(client, "/api/v1/events/"),
        "accounts": every_page(client, "/api/v1/accounts/"),
        "users": every_page(client, "/api/v1/users/"),
        "links": every_page(client, "/api/v1/platform-links/"),
        "import": client.get(f"/api/v1/imports/{import_id}/").json(),
        # The stored webhook secrets still decrypt, to the same values.
        "secrets": [hashlib.sha256(link.credentials.encode()).hexdigest() for link in links],
    }


def commit(token: str, import_id: str) -> dict:
    """Commit the waiting upload (new ids from the sequences), then sign in by password."""
    from django.test import Client

    client = api(token)
    response = client.post(f"/api/v1/imports/{import_id}/commit/")
    numbers = every_page(client, "/api/v1/numbers/", q=WAITING_DIGITS)
    return {
        "status": response.status_code,
        "body": response.json(),
        "found": sorted(n["e164"] for n in numbers),
        "password_login": Client().login(email=LOGIN, password=PASSWORD),
    }


if __name__ == "__main__":
    main(*sys.argv[1:])
