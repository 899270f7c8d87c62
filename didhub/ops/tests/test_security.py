"""Production security settings, as a deployment check and a browser see them."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]

# The production environment docs/operations.md describes, behind a TLS proxy.
PRODUCTION = {
    "DIDHUB_DATABASE_URL": "postgresql://didhub@db.example.com:5432/didhub",
    "DIDHUB_SECRET_KEY": secrets.token_urlsafe(50),
    "DIDHUB_ALLOWED_HOSTS": "didhub.example.com",
    "DIDHUB_CSRF_TRUSTED_ORIGINS": "https://didhub.example.com",
    "DIDHUB_TRUSTED_PROXIES": "1",
    "DIDHUB_SSL_REDIRECT": "1",
    "DIDHUB_HSTS_SECONDS": "31536000",
    "DIDHUB_HSTS_INCLUDE_SUBDOMAINS": "1",
    "DIDHUB_HSTS_PRELOAD": "1",
}


def test_the_deployment_check_is_clean_in_the_production_environment(tmp_path):
    env = {**os.environ, **PRODUCTION, "DIDHUB_DATA_DIR": str(tmp_path)}
    for inherited in ("DIDHUB_DEBUG", "DIDHUB_SECURE_COOKIES", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(inherited, None)
    checked = subprocess.run(
        [sys.executable, "-m", "didhub.cli", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "no issues" in checked.stdout


@pytest.mark.django_db
def test_every_page_carries_a_policy_without_inline_scripts(client, tree):
    client.force_login(tree.master_admin)
    for path in ("/", "/numbers/", "/api/docs/", "/login/"):
        policy = client.get(path)["Content-Security-Policy"]
        directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
        assert directives["script-src"] == "'self'", (path, policy)
        assert directives["frame-ancestors"] == "'none'"


def test_probes_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/login/").status_code == 301
