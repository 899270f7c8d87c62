"""Throttles an attacker cannot dodge nor turn against someone else.

Failed token guesses count per client address, and the address is the connecting one
unless ``DIDHUB_TRUSTED_PROXIES`` says how many proxies in front of didhub append to
``X-Forwarded-For``; counts live in a cache every process shares; the portal's sign-in
locks an email address and a client address after repeated failures.
"""

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from didhub.accounts import services
from didhub.config.cache_url import cache_from_url

PASSWORD = "correct horse 42"  # didhub.accounts.testing.build_tree
ATTACKER, VICTIM, PROXY = "203.0.113.66", "198.51.100.5", "10.0.0.1"


@pytest.fixture(autouse=True)
def no_counts_yet(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def auth_rate_3():
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {**original, "auth": "3/min"}
    yield
    SimpleRateThrottle.THROTTLE_RATES = original


def guess(client: APIClient, *, remote: str, forwarded: str | None = None, key="dh_wrong"):
    headers = {"REMOTE_ADDR": remote, "HTTP_AUTHORIZATION": f"Token {key}"}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.get("/api/v1/accounts/", **headers).status_code


# API tokens.


def test_rotating_x_forwarded_for_does_not_escape_the_throttle(db, auth_rate_3):
    client = APIClient()
    statuses = [guess(client, remote=ATTACKER, forwarded=f"192.0.2.{n}") for n in range(5)]
    assert statuses == [401, 401, 401, 429, 429]


def test_a_spoofed_victim_address_does_not_lock_the_victim(tree, auth_rate_3):
    client = APIClient()
    statuses = [guess(client, remote=ATTACKER, forwarded=VICTIM) for _ in range(4)]
    assert statuses == [401, 401, 401, 429]

    _, key = services.token_create(actor=tree.acme_admin, name="victim's script")
    assert guess(client, remote=VICTIM, key=key) == 200
    assert guess(client, remote=VICTIM) == 401  # a typo of the victim: counted, not locked


def test_behind_a_trusted_proxy_each_client_is_counted_apart(db, auth_rate_3, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = APIClient()
    # The proxy appends the address it saw; what the client wrote before it is ignored.
    statuses = [guess(client, remote=PROXY, forwarded=f"192.0.2.{n}, {ATTACKER}") for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert guess(client, remote=PROXY, forwarded=VICTIM) == 401


def test_two_processes_share_the_counts(tmp_path):
    """Two didhub processes on one database: the second sees the first one's failures."""
    child = Path(__file__).with_name("throttle_child.py")
    root = Path(__file__).resolve().parents[3]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DIDHUB_") and key != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        DIDHUB_DATA_DIR=str(tmp_path),
        DIDHUB_THROTTLE_AUTH="3/min",
        DIDHUB_SECRET_KEY="test",
        PYTHONPATH=str(root),
    )

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, str(child), *args],
            env=env,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip().splitlines()[-1]

    assert run("--migrate", "3") == "401 401 401"
    assert run("1") == "429"


# The portal's sign-in.


def sign_in(email: str, password: str, *, remote: str = VICTIM, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    client = Client()
    response = client.post("/login/", {"username": email, "password": password}, **headers)
    return response, client


@pytest.fixture
def three_failures(settings):
    settings.DIDHUB_LOGIN_FAILURES = 3
    settings.DIDHUB_LOGIN_WINDOW_MINUTES = 15


def test_sign_in_locks_after_failures_even_with_the_right_password(tree, three_failures):
    email = tree.acme_admin.email
    for n in range(3):
        # From three different addresses: the count is per email address too.
        response, _ = sign_in(email, "wrong", remote=f"192.0.2.{n}")
        assert "Please enter a correct email and password" in response.content.decode()

    response, client = sign_in(email, PASSWORD, remote="192.0.2.99")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in page and "try again in 15 minutes" in page
    assert client.get("/").status_code == 302  # not signed in
    # Another person is not locked out by it.
    assert sign_in(tree.master_admin.email, PASSWORD, remote="192.0.2.99")[0].status_code == 302


def test_sign_in_opens_again_once_the_window_has_passed(tree, three_failures, monkeypatch):
    for _ in range(3):
        sign_in(tree.acme_admin.email, "wrong")
    assert sign_in(tree.acme_admin.email, PASSWORD)[0].status_code == 200
    later = time.time() + 15 * 60 + 1
    monkeypatch.setattr("didhub.accounts.signin.time.time", lambda: later)
    assert sign_in(tree.acme_admin.email, PASSWORD)[0].status_code == 302


def test_sign_in_locks_an_address_that_tries_many_people(tree, three_failures):
    for n in range(3):
        # Rotating X-Forwarded-For changes nothing: didhub trusts no proxy by default.
        sign_in(f"guess{n}@acme.test", "wrong", remote=ATTACKER, forwarded=f"192.0.2.{n}")

    locked, _ = sign_in(tree.master_admin.email, PASSWORD, remote=ATTACKER, forwarded=VICTIM)
    assert "Too many failed sign-in attempts" in locked.content.decode()
    # The address the attacker claimed is not locked.
    assert sign_in(tree.master_admin.email, PASSWORD, remote=VICTIM)[0].status_code == 302


def test_a_successful_sign_in_forgets_the_persons_earlier_typos(tree, three_failures):
    email = tree.acme_admin.email
    for address in ("192.0.2.1", "192.0.2.2"):
        sign_in(email, "wrong", remote=address)
    assert sign_in(email, PASSWORD, remote="192.0.2.3")[0].status_code == 302
    for address in ("192.0.2.4", "192.0.2.5"):
        sign_in(email, "wrong", remote=address)
    assert sign_in(email, PASSWORD, remote="192.0.2.6")[0].status_code == 302


# Redis, when DIDHUB_CACHE_URL names one.


def test_cache_url_selects_the_database_or_redis():
    assert cache_from_url("")["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    redis = cache_from_url("redis://cache.internal:6379/2")
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert redis["LOCATION"] == "redis://cache.internal:6379/2"
    with pytest.raises(Exception, match="unsupported scheme 'memcached'"):
        cache_from_url("memcached://cache.internal:11211")


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    pytest.importorskip("redis")
    if server is None:
        pytest.skip("redis-server is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import redis

        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_throttle_counts_in_redis(db, auth_rate_3, redis_url):
    import redis

    client = APIClient()
    with override_settings(CACHES={"default": cache_from_url(redis_url)}):
        statuses = [guess(client, remote=ATTACKER) for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    keys = [key.decode() for key in redis.Redis.from_url(redis_url).keys("*")]
    assert any(f"throttle_auth_{ATTACKER}" in key for key in keys), keys


@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs requests that really run at once (PostgreSQL; SQLite takes one writer)",
)
@pytest.mark.django_db(transaction=True)
def test_guesses_sent_at_once_get_no_more_tries_than_guesses_sent_one_by_one(tree, settings):
    """Twenty wrong passwords at the same moment, as an attacker with many connections
    sends them: no more of them are checked than the limit, the rest are refused."""
    settings.DIDHUB_LOGIN_FAILURES = 5
    settings.DIDHUB_LOGIN_WINDOW_MINUTES = 15
    start = threading.Barrier(20)
    answers = []

    def guess_once(n: int) -> None:
        try:
            start.wait(timeout=30)
            response, _ = sign_in(tree.acme_admin.email, f"wrong {n}", remote=f"192.0.2.{n}")
            answers.append(response.content.decode())
        finally:
            connection.close()

    threads = [threading.Thread(target=guess_once, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    checked = [page for page in answers if "Please enter a correct email and password" in page]
    locked = [page for page in answers if "Too many failed sign-in attempts" in page]
    assert (len(checked), len(locked)) == (5, 15)
    assert (
        "Too many failed sign-in attempts"
        in sign_in(tree.acme_admin.email, PASSWORD)[0].content.decode()
    )
