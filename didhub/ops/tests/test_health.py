"""/healthz, /readyz, `didhub health` and /api/v1/status/ as a probe or an operator meets them."""

import uuid
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from didhub.core import workers
from didhub.ops import checks
from didhub.sync.choices import Connector, LinkMode, LinkStatus
from didhub.sync.models import PlatformLink, SyncChange


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def old_ready_task(minutes: int) -> None:
    when = timezone.now() - timedelta(minutes=minutes)
    DBTaskResult.objects.create(
        id=uuid.uuid4(),
        status=TaskResultStatus.READY,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="didhub.exports.tasks.export_numbers",
        queue_name="default",
        backend_name="default",
        run_after=when,
        exception_class_path="",
        traceback="",
    )
    DBTaskResult.objects.update(enqueued_at=when)


def link_with_old_change(tree, *, consented: bool, minutes: int) -> PlatformLink:
    link = PlatformLink.objects.create(
        enterprise=tree.acme,
        connector=Connector.WEBHOOK,
        mode=LinkMode.INTEGRATED,
        status=LinkStatus.SYNCING if consented else LinkStatus.PENDING_CONSENT,
        consented_at=timezone.now() if consented else None,
    )
    SyncChange.objects.create(
        link=link,
        e164="+12125550100",
        action="number.updated",
        created_at=timezone.now() - timedelta(minutes=minutes),
    )
    return link


@pytest.mark.django_db
def test_healthz_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_503_without_a_worker_and_says_what_to_start(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["migrations"]["ok"] is True
    assert body["checks"]["worker"] == {
        "ok": False,
        "detail": "No worker heartbeat in the last 60 s; start `didhub worker`.",
        "seconds": body["checks"]["worker"]["seconds"],
    }


@pytest.mark.django_db
def test_readyz_is_200_with_a_fresh_worker(client):
    workers.beat("worker-1")
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ready"


@pytest.mark.django_db
def test_a_silent_worker_makes_the_node_not_ready(client, settings):
    workers.beat("worker-1", now=timezone.now() - timedelta(seconds=61))
    assert client.get("/readyz").json()["checks"]["worker"]["ok"] is False


@pytest.mark.django_db
def test_a_task_waiting_too_long_makes_the_node_not_ready(client, settings):
    workers.beat("worker-1")
    settings.DIDHUB_READY_TASK_AGE = 300
    old_ready_task(minutes=2)
    assert client.get("/readyz").status_code == 200
    old_ready_task(minutes=10)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "The oldest waiting task is" in response.json()["checks"]["tasks"]["detail"]


@pytest.mark.django_db
def test_a_sync_change_waiting_too_long_makes_the_node_not_ready(client, tree, settings):
    workers.beat("worker-1")
    settings.DIDHUB_READY_OUTBOX_AGE = 300
    link_with_old_change(tree, consented=False, minutes=60)
    assert client.get("/readyz").status_code == 200, "changes waiting for consent wait for a person"
    PlatformLink.objects.update(consented_at=timezone.now(), status=LinkStatus.SYNCING)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "sync change" in response.json()["checks"]["outbox"]["detail"]


@pytest.mark.django_db
def test_unapplied_migrations_make_the_node_not_ready(client, monkeypatch):
    workers.beat("worker-1")
    monkeypatch.setattr(checks, "_migrated", False)
    monkeypatch.setattr(
        checks.MigrationExecutor, "migration_plan", lambda self, targets: [("numbers", "9999")]
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"]["detail"] == (
        "1 migration(s) not applied; run `didhub migrate`."
    )


@pytest.mark.django_db
def test_didhub_health_prints_the_report_and_fails_when_not_ready(capsys):
    with pytest.raises(CommandError) as failure:
        call_command("health")
    assert failure.value.returncode == 1
    out = capsys.readouterr().out
    assert "FAIL worker" in out
    assert out.strip().endswith("not ready")

    workers.beat("worker-1")
    call_command("health", as_json=True)
    assert '"status": "ready"' in capsys.readouterr().out


@pytest.mark.django_db
def test_status_needs_a_login(client):
    response = client.get("/api/v1/status/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_status_shows_workers_and_queues_to_the_platform_only(tree):
    workers.beat("worker-1")
    old_ready_task(minutes=1)
    link_with_old_change(tree, consented=True, minutes=1)

    platform = client_for(tree.platform_admin).get("/api/v1/status/").json()
    assert platform["ready"] is True
    assert platform["versions"]["django"].startswith("5.2")
    assert [worker["id"] for worker in platform["workers"]] == ["worker-1"]
    assert platform["workers"][0]["alive"] is True
    assert platform["task_queues"] == [
        {
            "queue": "default",
            "waiting": 1,
            "running": 0,
            "oldest_waiting_at": platform["task_queues"][0]["oldest_waiting_at"],
        }
    ]
    assert [link["waiting_changes"] for link in platform["links"]] == [1]

    reseller = client_for(tree.sub_admin).get("/api/v1/status/").json()
    assert "workers" not in reseller and "task_queues" not in reseller
    assert [link["waiting_changes"] for link in reseller["links"]] == [1]

    foreign = client_for(tree.foreign_admin).get("/api/v1/status/").json()
    assert foreign["links"] == [], "another tenant's links are not shown"


@pytest.mark.django_db
def test_changes_waiting_for_a_down_platform_do_not_make_the_node_unready(client, tree, settings):
    """The platform's outage shows on its link and in the metrics; the node is fine."""
    workers.beat("worker-1")
    settings.DIDHUB_READY_OUTBOX_AGE = 300
    link_with_old_change(tree, consented=True, minutes=60)
    assert client.get("/readyz").status_code == 503
    PlatformLink.objects.update(failures=3, retry_at=timezone.now() + timedelta(minutes=5))
    assert client.get("/readyz").status_code == 200
