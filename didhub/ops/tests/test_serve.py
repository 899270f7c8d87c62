"""`didhub serve` as an operator runs it: gunicorn answers, assets cache, SIGTERM is graceful."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} never answered")


def test_serve_runs_gunicorn_serves_hashed_assets_and_stops_gracefully(tmp_path):
    env = {
        **os.environ,
        "DIDHUB_DATA_DIR": str(tmp_path),
        "DIDHUB_WEB_CONCURRENCY": "2",
        "DIDHUB_WEB_THREADS": "2",
        "DIDHUB_METRICS": "1",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.pop("DIDHUB_DATABASE_URL", None)
    cli = [sys.executable, "-m", "didhub.cli"]
    subprocess.run([*cli, "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    port = free_port()
    server = subprocess.Popen(
        [*cli, "serve", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz")
        login = urllib.request.urlopen(base + "/login/").read().decode()
        asset = re.search(r'href="(/static/[^"]+\.css)"', login).group(1)
        assert re.fullmatch(r"/static/.+\.[0-9a-f]{12}\.css", asset), asset
        headers = urllib.request.urlopen(base + asset).headers
        assert "immutable" in headers["Cache-Control"]
        # The gunicorn master and its two workers (the second may still be starting).
        children = []
        for _ in range(100):
            children = subprocess.run(
                ["pgrep", "-P", str(server.pid)], capture_output=True, text=True
            ).stdout.split()
            if len(children) == 2:
                break
            time.sleep(0.3)
        assert len(children) == 2, children

        # Requests answered by either process are added up in one scrape.
        before = healthz_count(base)
        for _ in range(20):
            urllib.request.urlopen(base + "/healthz").read()
        assert healthz_count(base) == before + 20
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0]
    assert server.returncode == 0, output
    assert "Traceback" not in output, output


def healthz_count(base: str) -> float:
    text = urllib.request.urlopen(base + "/metrics").read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (
                sample.name == "didhub_http_request_duration_seconds_count"
                and sample.labels["route"] == "/healthz"
            ):
                return sample.value
    return 0.0
