"""/metrics as a Prometheus scraper meets it: off by default, guarded, and telling."""

import pytest
from django.core.management import call_command
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families
from rest_framework.test import APIClient

from didhub.core import workers
from didhub.imports import services
from didhub.imports.tests.conftest import upload
from didhub.numbers.models import Number


def scrape(**headers) -> tuple[int, dict]:
    response = Client(**headers).get("/metrics")
    if response.status_code != 200:
        return response.status_code, {}
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return 200, samples


def value(samples: dict, name: str, **labels) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


@pytest.fixture
def metrics_on(settings):
    settings.DIDHUB_METRICS = True
    settings.DIDHUB_METRICS_TOKEN = "scrape-token-42"
    return settings


@pytest.mark.django_db
def test_metrics_are_off_by_default(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.django_db
def test_only_an_allowed_network_or_the_token_reads_them(metrics_on):
    assert scrape()[0] == 200, "the test client connects from 127.0.0.1"
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert scrape(**outside)[0] == 403
    assert scrape(**outside, HTTP_AUTHORIZATION="Bearer scrape-token-42")[0] == 200
    assert scrape(**outside, HTTP_AUTHORIZATION="Bearer wrong")[0] == 403


@pytest.mark.django_db
def test_requests_are_counted_by_route_and_status(metrics_on, tree):
    before = scrape()[1].get(
        (
            "didhub_http_request_duration_seconds_count",
            (("method", "GET"), ("route", "/api/v1/numbers/"), ("status", "200")),
        ),
        0,
    )
    api = APIClient()
    api.force_authenticate(tree.master_admin)
    for _ in range(3):
        assert api.get("/api/v1/numbers/").status_code == 200
    samples = scrape()[1]
    count = value(
        samples,
        "didhub_http_request_duration_seconds_count",
        route="/api/v1/numbers/",
        method="GET",
        status="200",
    )
    assert count == before + 3
    assert (
        value(samples, "didhub_http_request_database_seconds_count", route="/api/v1/numbers/") >= 3
    )


@pytest.mark.django_db
def test_the_shared_state_comes_from_the_database(metrics_on, tree, tmp_path):
    metrics_on.MEDIA_ROOT = tmp_path
    metrics_on.DATA_DIR = tmp_path
    workers.beat("worker-1")
    run = upload(tree.master_admin, tree.sub, "1,2125550100,,,,\n1,2125550101,,,,\nxx,yy,,,,\n")
    services.import_commit(actor=tree.master_admin, import_run=run)
    call_command("housekeeping")
    samples = scrape()[1]
    assert value(samples, "didhub_imports", state="done") == 1
    assert value(samples, "didhub_import_rows_total", outcome="committed") == 2
    assert value(samples, "didhub_import_rows_total", outcome="rejected") == 1
    assert value(samples, "didhub_workers_alive") == 1
    assert value(samples, "didhub_housekeeping_last_run_timestamp_seconds", job="numbers.expire")
    # The inventory is the housekeeping's snapshot, not a count per scrape.
    assert value(samples, "didhub_numbers", state="available") == 2
    for capability in ("voice", "sms", "fax"):
        held = Number.objects.filter(**{capability: True}).count()
        assert value(samples, "didhub_numbers_capable", capability=capability) == held


@pytest.mark.django_db
def test_the_sample_dashboard_reads_only_metrics_didhub_exposes(metrics_on, tree):
    import json
    import re
    from pathlib import Path

    from didhub.ops.inventory import take_snapshot
    from didhub.sync.choices import Connector, LinkMode, LinkStatus
    from didhub.sync.models import PlatformLink

    PlatformLink.objects.create(
        enterprise=tree.acme,
        connector=Connector.WEBHOOK,
        mode=LinkMode.INTEGRATED,
        status=LinkStatus.READY,
    )
    take_snapshot()
    call_command("housekeeping")
    Client().get("/healthz")
    # Every family the scrape declares (a gauge with no series yet is declared all the same)
    # and every series it holds.
    text = Client().get("/metrics").content.decode()
    exposed = set(re.findall(r"^# TYPE (didhub_[a-z_]+)", text, re.MULTILINE))
    exposed |= {name for name, _ in scrape()[1]}
    board = json.loads((Path(__file__).parents[3] / "deploy/grafana-dashboard.json").read_text())
    wanted = {
        name
        for panel in board["panels"]
        for target in panel["targets"]
        for name in re.findall(r"didhub_[a-z_]+", target["expr"])
    }
    assert wanted and wanted <= exposed, wanted - exposed
