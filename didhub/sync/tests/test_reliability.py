"""Nothing lost: a flaky, slow, throttling receiver and a worker killed twice mid-batch.

The worker runs as a real ``didhub worker`` process against the test database (on
SQLite, a file copy of it, since the test database lives in memory). Afterwards every
change has reached the receiver, in order per number, every signature verifies,
duplicates carry the same ``webhook-id``, and nothing was sent for a rolled-back change.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from standardwebhooks.webhooks import Webhook

from didhub.accounts.testing import build_tree
from didhub.numbers import services as number_services
from didhub.numbers.choices import TargetKind
from didhub.sync import crypto
from didhub.sync.documents import documents
from didhub.sync.tests.conftest import add_range, webhook_link

ROOT = Path(settings.BASE_DIR).parent
ROLLED_BACK = "+12125559000"


def receiver_behaviour(n, method, path, body):
    """Slow always; every third request fails, every fifth is throttled."""
    if n % 5 == 0:
        return 429, {"Retry-After": "1"}, 0.3
    if n % 3 == 0:
        return 500, {}, 0.3
    return 200, {}, 0.3


class Database:
    """Where the worker process finds the test data, and how the test reads it back."""

    def __init__(self, tmp_path):
        self.vendor = connection.vendor
        if self.vendor == "sqlite":
            self.path = tmp_path / "worker.sqlite3"
            target = sqlite3.connect(self.path)
            connection.ensure_connection()
            connection.connection.backup(target)
            target.close()
            self.url = f"sqlite:///{self.path}"
        else:
            data = connection.settings_dict
            password = f":{data['PASSWORD']}" if data["PASSWORD"] else ""
            self.url = (
                f"postgresql://{data['USER']}{password}@{data['HOST'] or '127.0.0.1'}:"
                f"{data['PORT'] or 5432}/{data['NAME']}"
            )

    def scalar(self, sql: str):
        if self.vendor == "sqlite":
            with sqlite3.connect(self.path, timeout=20) as reader:
                return reader.execute(sql).fetchone()[0]
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]


def start_worker(database: Database, tmp_path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DIDHUB_DATABASE_URL": database.url,
        "DIDHUB_DATA_DIR": str(tmp_path),
        "DIDHUB_SECRET_KEY": "worker-test-key",
        # The worker decrypts the links' secrets with the key this process stored them with.
        "DIDHUB_SECRETS_KEY": ",".join(key.decode() for key in crypto.configured_keys()),
        "DIDHUB_SYNC_BATCH": "10",
        "DIDHUB_SYNC_LEASE": "2",
        "DIDHUB_SYNC_TIMEOUT": "2",
        "DIDHUB_SYNC_BACKOFF_BASE": "0.05",
        "DIDHUB_SYNC_BACKOFF_CAP": "0.3",
        "DIDHUB_SYNC_MAX_ATTEMPTS": "100",
        "DIDHUB_SYNC_POLL": "0.05",
        "DIDHUB_LOG_LEVEL": "ERROR",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "didhub.cli", "worker", "--no-tasks", "--no-expiry"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def kill_mid_request(worker, receiver, after: int) -> None:
    """SIGKILL the worker while the receiver is answering a request it will accept."""
    deadline = time.time() + 60
    while time.time() < deadline:
        with receiver.lock:
            last = receiver.requests[-1] if len(receiver.requests) > after else None
        if last is not None and last.status == 200 and time.time() - last.at < 0.15:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            return
        time.sleep(0.005)
    pytest.fail(f"the worker never got past request {after}")


def make_changes(tree, url):
    _, secret = webhook_link(tree, url)
    numbers = add_range(tree, tree.acme, "+12125550100", 60, voice=True, route="direct_routing")
    target = number_services.target_create(
        actor=tree.acme_admin, enterprise=tree.acme, kind=TargetKind.PBX_USER, name="Ann"
    )
    for number in numbers[:10]:
        number_services.number_assign(actor=tree.acme_admin, number=number, target=target)
    for number in numbers[5:10]:
        number_services.number_unassign(actor=tree.acme_admin, number=number)
    for number in numbers[10:15]:
        number_services.number_update(actor=tree.master_admin, number=number, service_info="x")
    number_services.numbers_reclaim(actor=tree.sub_admin, numbers=numbers[55:])
    moved = add_range(tree, tree.sub, "+12125550300", 20)
    number_services.numbers_delegate(actor=tree.sub_admin, numbers=moved, to_account=tree.acme)

    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), transaction.atomic():
        add_range(tree, tree.acme, ROLLED_BACK, 10)
        raise RolledBack
    return secret


@pytest.mark.django_db(transaction=True)
def test_every_change_arrives_in_order_despite_failures_and_kills(
    history_cleanup, receiver, tmp_path
):
    tree = build_tree()
    receiver.behaviour = receiver_behaviour
    secret = make_changes(tree, receiver.url)
    expected = documents(enterprise_id=tree.acme.pk)
    removed = {f"+121255501{55 + i}" for i in range(5)}
    database = Database(tmp_path)

    worker = start_worker(database, tmp_path)
    kill_mid_request(worker, receiver, after=2)
    worker = start_worker(database, tmp_path)
    kill_mid_request(worker, receiver, after=len(receiver.requests) + 2)
    worker = start_worker(database, tmp_path)
    deadline = time.time() + 120
    while time.time() < deadline:
        left = database.scalar("SELECT COUNT(*) FROM sync_syncchange")
        undelivered = database.scalar(
            "SELECT COUNT(*) FROM sync_outboxmessage WHERE state <> 'delivered'"
        )
        if left == 0 and undelivered == 0:
            break
        time.sleep(0.2)
    worker.send_signal(signal.SIGTERM)
    output = worker.communicate(timeout=30)[0].decode()
    assert worker.returncode == 0, output
    assert (left, undelivered) == (0, 0)

    verifier = Webhook(secret)
    bodies_by_id = defaultdict(set)
    for request in receiver.requests:
        verifier.verify(request.body, request.headers)
        bodies_by_id[request.headers["webhook-id"]].add(request.body)
    # A retry is the same message: one body per webhook-id.
    assert all(len(bodies) == 1 for bodies in bodies_by_id.values())
    accepted_ids = [r.headers["webhook-id"] for r in receiver.accepted()]
    assert len(accepted_ids) > len(set(accepted_ids)), "no duplicate: the kills missed"
    assert {r.status for r in receiver.requests} >= {200, 429, 500}

    latest, seen = {}, set()
    for request in receiver.accepted():
        if request.headers["webhook-id"] in seen:
            continue  # what a receiver does with a duplicate
        seen.add(request.headers["webhook-id"])
        for item in request.json()["data"]["numbers"]:
            previous = latest.get(item["e164"])
            assert previous is None or previous["seq"] < item["seq"], item["e164"]
            latest[item["e164"]] = item
    assert not any(e164.startswith("+121255590") for e164 in latest)
    assert ROLLED_BACK not in str([r.body for r in receiver.requests])
    assert set(latest) == set(expected) | removed
    for e164, doc in expected.items():
        assert latest[e164]["op"] in ("add", "update")
        assert latest[e164]["number"] == doc
    for e164 in removed:
        assert latest[e164]["op"] == "remove"
