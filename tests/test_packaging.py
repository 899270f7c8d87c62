"""didhub as an operator installs it: a wheel in a clean virtual environment, and the
systemd units of deploy/ as systemd reads them."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # Built from a copy of the source: pip builds in the tree it is given, and would
    # leave build/ and *.egg-info beside the checkout.
    source = tmp_path_factory.mktemp("source") / "didhub"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git", ".venv", "var", "build", "dist", "test-artifacts", "*.egg-info", "__pycache__"
        ),
    )
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("didhub-*.whl")
    return built


def test_the_wheel_holds_templates_static_files_and_migrations(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "didhub/web/templates/web/base.html" in names
    assert any(re.match(r"didhub/web/static/didhub/.+\.css$", name) for name in names)
    assert "didhub/core/migrations/0001_initial.py" in names
    assert not [name for name in names if "/tests/" in name and name.endswith(".pyc")]


def test_the_wheel_installs_into_a_clean_environment_and_serves(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)]
    subprocess.run(pip, check=True, capture_output=True)
    didhub = str(venv / "bin" / "didhub")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DIDHUB_", "DJANGO_", "PROMETHEUS_"))
    }
    env["DIDHUB_DATA_DIR"] = str(tmp_path / "data")
    # Run from a folder without the source tree, so only the installed package is found.
    run = {"cwd": tmp_path, "env": env, "capture_output": True, "text": True}

    migrated = subprocess.run([didhub, "migrate", "--no-input", "-v0"], **run)
    assert migrated.returncode == 0, migrated.stderr
    health = subprocess.run([didhub, "health", "--json"], **run)
    report = json.loads(health.stdout[: health.stdout.rindex("}") + 1])
    assert report["checks"]["database"]["ok"] and report["checks"]["migrations"]["ok"]
    assert health.returncode == 1, "no worker runs yet: not ready, and it says so"

    port = free_port()
    server = subprocess.Popen(
        [didhub, "serve", f"127.0.0.1:{port}"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                login = urllib.request.urlopen(base + "/login/", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(0.3)
        else:
            raise AssertionError("the installed didhub never answered")
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', login).group(1)
        assert urllib.request.urlopen(base + stylesheet).status == 200
        assert urllib.request.urlopen(base + "/api/docs/").status == 200
    finally:
        server.terminate()
        output = server.communicate(timeout=60)[0]
    assert "Traceback" not in output, output


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
@pytest.mark.parametrize("unit", ["didhub-web.service", "didhub-worker.service"])
def test_the_systemd_units_verify(unit, tmp_path):
    """``systemd-analyze verify`` wants the binary to exist: point it at one that does."""
    text = (ROOT / "deploy" / "systemd" / unit).read_text()
    assert "ExecStart=/opt/didhub/bin/didhub " in text
    (tmp_path / unit).write_text(text.replace("/opt/didhub/bin/didhub", "/bin/true"))
    verified = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / unit)], capture_output=True, text=True
    )
    # verify exits 0 even on lines it ignores: anything it says about the unit is a defect.
    assert verified.returncode == 0 and not verified.stderr.strip(), verified.stderr
