"""didhub over real HTTP under 50 concurrent clients: throughput, p50/p99, errors.

    .venv/bin/python -m bench.http_load [--numbers 100000] [--clients 50] [--seconds 15] [--runs 3]
                                   [--reuse] [--sqlite]

Loads the inventory of ``bench.api`` (the test tree, ``--numbers`` numbers shaped like
a provider's, about 45 % of the enterprise numbers assigned) into its own database
(PostgreSQL ``bench_http``, or with ``--sqlite`` a file under var/), starts
``didhub serve`` (gunicorn, as production runs it, with its default processes and
threads) and drives it from ``--clients`` threads, each on its own keep-alive
connection, for ``--seconds`` per route and run:

* ``/healthz``: the baseline, measured in the same run: the server's own ceiling
  (routing, middleware, no database);
* ``/api/v1/numbers/?limit=50`` as a platform admin (token);
* the portal's Phone Numbers page ``/numbers/`` as the same user (session cookie).

The same routes are then driven, in the same run, against what ``didhub serve`` ran
before: Django's threaded development server (``runserver``).

Each figure is the median over ``--runs``. A connection error is a refused, reset or
timed-out connection; an error is any answer other than 200. The target: no
connection error at 50 clients.
"""

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench import api as api_bench

api_bench.PG_DB = "bench_http"
api_bench.SQLITE_PATH = Path("var/bench_http.sqlite3").resolve()
ROOT = Path(__file__).resolve().parents[1]
EMAIL = "admin@platform.test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def credentials() -> tuple[str, str]:
    """A read token and a portal session of the platform admin."""
    from django.conf import settings
    from django.test import Client

    from didhub.accounts import services
    from didhub.accounts.models import User

    user = User.objects.get(email=EMAIL)
    _, key = services.token_create(actor=user, name="bench-http", scope="read")
    browser = Client()
    browser.force_login(user)
    return key, browser.cookies[settings.SESSION_COOKIE_NAME].value


SERVERS = {
    "didhub serve": lambda port: ["serve", f"127.0.0.1:{port}"],
    # What `didhub serve` ran before: Django's development server, threaded.
    "runserver": lambda port: ["runserver", f"127.0.0.1:{port}", "--noreload"],
}


def start_server(port: int, server_name: str = "didhub serve") -> subprocess.Popen:
    # One machine, one data folder: the bench and the server share the generated key.
    env = {
        **os.environ,
        "DIDHUB_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DIDHUB_ALLOW_GENERATED_SECRET_KEY": "1",
    }
    # Its log (a line per request) goes to a file: a pipe nobody reads would fill and
    # stall the server.
    log = open(ROOT / "var" / "bench_http_server.log", "w")  # noqa: SIM115 - lives with it
    server = subprocess.Popen(
        [sys.executable, "-m", "didhub.cli", *SERVERS[server_name](port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit(f"didhub serve did not answer within 120 s; see {log.name}")


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors = 0
        self.connection_errors = 0


def client(port: int, path: str, headers: dict, until: float, tally: Tally) -> None:
    connection = None
    latencies, errors, connection_errors = [], 0, 0
    while time.monotonic() < until:
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            connection_errors += 1
            connection.close()
            connection = None
            continue
        latencies.append(time.perf_counter() - started)
        if response.status != 200:
            errors += 1
        if response.getheader("Connection", "").lower() == "close":
            connection.close()
            connection = None
    with tally.lock:
        tally.latencies += latencies
        tally.errors += errors
        tally.connection_errors += connection_errors


def drive(port: int, path: str, headers: dict, clients: int, seconds: float) -> dict:
    tally = Tally()
    until = time.monotonic() + seconds
    threads = [
        threading.Thread(target=client, args=(port, path, headers, until, tally))
        for _ in range(clients)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    latencies = sorted(tally.latencies)
    return {
        "rps": len(latencies) / elapsed,
        "p50": 1000 * latencies[len(latencies) // 2] if latencies else float("nan"),
        "p99": 1000 * latencies[int(len(latencies) * 0.99)] if latencies else float("nan"),
        "requests": len(latencies),
        "errors": tally.errors,
        "connection_errors": tally.connection_errors,
    }


def measure(server_name: str, routes: dict, args) -> dict[str, list[dict]]:
    """Every route, ``args.runs`` times, against a fresh server of that kind."""
    port = free_port()
    server = start_server(port, server_name)
    results = {name: [] for name in routes}
    try:
        for _ in range(args.runs):
            for name, (path, headers) in routes.items():
                results[name].append(drive(port, path, headers, args.clients, args.seconds))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep a loaded database")
    parser.add_argument("--sqlite", action="store_true", help="SQLite instead of PostgreSQL")
    args = parser.parse_args(argv)
    if not args.reuse:
        api_bench.fresh_database(args.sqlite)
    api_bench.django_setup(args.sqlite)
    from django.db import connection

    from didhub.numbers.models import Number

    if not args.reuse or not Number.objects.exists():
        api_bench.load(args.numbers)
    count = Number.objects.count()
    token, session = credentials()
    connection.close()

    routes = {
        "/healthz (baseline)": ("/healthz", {}),
        "API /numbers/ first page": (
            "/api/v1/numbers/?limit=50",
            {"Authorization": f"Token {token}"},
        ),
        "portal /numbers/": ("/numbers/", {"Cookie": f"sessionid={session}"}),
    }
    from django.conf import settings

    print(
        f"{connection.vendor}, {count:,} numbers, {args.clients} clients, "
        f"{args.seconds:g} s per route, median of {args.runs} runs; didhub serve is "
        f"{settings.DIDHUB_WEB_CONCURRENCY} processes x {settings.DIDHUB_WEB_THREADS} threads"
    )
    clean = True
    for server_name in SERVERS:
        results = measure(server_name, routes, args)
        print(f"\n{server_name}")
        print(
            f"{'route':28} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'conn err':>9}"
        )
        baseline = None
        for name, runs in results.items():
            figure = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
            errors = sum(run["errors"] for run in runs)
            connection_errors = sum(run["connection_errors"] for run in runs)
            if server_name == "didhub serve":
                clean = clean and errors == 0 and connection_errors == 0
            baseline = baseline or figure["rps"] or 1.0
            print(
                f"{name:28} {figure['rps']:8.0f} {figure['p50']:8.1f} {figure['p99']:8.1f} "
                f"{errors:7d} {connection_errors:9d}   ({figure['rps'] / baseline:.2f} of /healthz)"
            )
    print("\ntarget, didhub serve: 0 connection errors and 0 errors:", "met" if clean else "MISSED")
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(main())
