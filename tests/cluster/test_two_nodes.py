"""Two web nodes and two workers on one PostgreSQL database: nothing lives on one node.

The cluster is real processes: ``didhub serve`` on 127.0.0.2 and on 127.0.0.3, two
``didhub worker``, each of the four with a ``DIDHUB_DATA_DIR`` of its own, against a
database this test creates (``didhub migrate`` once) and drops at the end. The test
drives it from outside, over HTTP with a reseller's API token, as an integration does:

1. Both workers start at once over reservations that ended an hour ago. The test holds
   one of those numbers, so the first worker to take the ``numbers.expire`` job waits
   inside it, holding the job's lock: the other worker keeps running its housekeeping
   and never enters the job. Released, each number is expired exactly once.
2. A file too large to validate in the request is uploaded through node A; a worker
   validates it from the database copy; it is previewed and committed through node B.
   The worker holding the commit is SIGKILLed after its INSERT ran, before its
   transaction ended (the test holds the table of events, which the commit writes
   next). The other worker's housekeeping fails the import and the task, with their
   reasons; nothing was imported and nothing was sent to the platform.
3. The same file is uploaded again through A, previewed and committed through B: every
   number arrives once.
4. Acme's webhook receives the numbers; the worker sending one slow request is
   SIGKILLed mid-request. The message goes again, with the same ``webhook-id`` and the
   same bytes, once its lease expires: every change is delivered, every number's latest
   state is what the platform holds, and the only duplicates are those redeliveries.
5. The export through node A holds exactly the numbers in the database.

A session signed in through node A is used on node B: sessions and the secret key are
shared too.
"""

import csv
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from standardwebhooks.webhooks import Webhook

from didhub.ops.tests.databases import ServerDatabase
from didhub.sync.tests.receiver import Receiver

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
        reason="several nodes share one PostgreSQL database (advisory locks, uploads kept "
        "in the database, SKIP LOCKED); run the suite with DIDHUB_DATABASE_URL on PostgreSQL",
    ),
]

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("cluster_child.py")
NODE_A, NODE_B = "127.0.0.2", "127.0.0.3"
# Over DIDHUB_IMPORT_INLINE_ROWS (its default): validated and committed by a task.
INLINE_ROWS = 20_000
UPLOAD_ROWS = 20_500
UPLOAD_FROM = 2125500000
TOUCHED = 20  # numbers changed through the API after the import, half through each node
SLOW_REQUEST = 3  # the webhook request during which its sender is killed
SLOW_SECONDS = 4.0
HOUSEKEEPING_LOCK_CLASS = 0x4B45  # didhub.core.housekeeping.LOCK_CLASS
IMPORT_LOCK_CLASS = 0x1D1D  # didhub.imports.locks.LOCK_CLASS
WAIT = 120  # seconds any one step may take on a loaded machine


def until(condition, what: str, timeout: float = WAIT, every: float = 0.1):
    """Poll ``condition`` until it answers something true; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        answer = condition()
        if answer:
            return answer
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class Database(ServerDatabase):
    """The cluster's own database on the suite's PostgreSQL server, with one reader."""

    def __init__(self):
        super().__init__("cluster")
        self.reader = self.connect(autocommit=True)

    def rows(self, sql: str, params=()) -> list[tuple]:
        return self.reader.execute(sql, params).fetchall()

    def scalar(self, sql: str, params=()):
        return self.rows(sql, params)[0][0]

    def drop(self) -> None:
        self.reader.close()
        super().drop()


class Cluster:
    """The processes of the installation, their environment and their logs."""

    def __init__(self, database: Database, folder: Path):
        self.folder = folder
        self.processes: dict[str, subprocess.Popen] = {}
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("DIDHUB_")},
            "DIDHUB_DATABASE_URL": database.url,
            "DIDHUB_SECRET_KEY": f"cluster-{uuid.uuid4().hex}{uuid.uuid4().hex}",
            "DIDHUB_ALLOWED_HOSTS": f"{NODE_A},{NODE_B}",
            "DIDHUB_SECURE_COOKIES": "0",
            "DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS": "1",
            "DIDHUB_TASKS_IMMEDIATE": "0",
            "DIDHUB_LOG_LEVEL": "INFO",
            "DIDHUB_IMPORT_INLINE_ROWS": str(INLINE_ROWS),
            "DIDHUB_WEB_CONCURRENCY": "1",
            "DIDHUB_WEB_THREADS": "4",
            # Short periods, so that a killed worker is noticed within seconds.
            "DIDHUB_WORKER_HEARTBEAT": "1",
            "DIDHUB_WORKER_STALE_AFTER": "6",
            "DIDHUB_HOUSEKEEPING_INTERVAL": "1",
            "DIDHUB_SYNC_POLL": "0.1",
            "DIDHUB_SYNC_TIMEOUT": "10",
            "DIDHUB_SYNC_LEASE": "12",
            "PYTHONUNBUFFERED": "1",
        }

        self.phases: list[tuple[str, float]] = []

    def phase(self, name: str) -> None:
        """Mark the end of a step, for the timings printed at the end."""
        self.phases.append((name, time.monotonic()))

    def timings(self, started: float) -> str:
        lines, previous = [], started
        for name, at in self.phases:
            lines.append(f"  {name}: {at - previous:.1f}s")
            previous = at
        return f"two-node test: {time.monotonic() - started:.0f}s\n" + "\n".join(lines)

    def data_dir(self, name: str) -> Path:
        folder = self.folder / name
        folder.mkdir(exist_ok=True)
        return folder

    def run(self, *args, name: str) -> str:
        """A one-off command in the cluster's environment; its output."""
        env = {**self.env, "DIDHUB_DATA_DIR": str(self.data_dir(name))}
        done = subprocess.run(
            args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False
        )
        assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
        return done.stdout

    def didhub(self, *args, name: str) -> str:
        return self.run(sys.executable, "-m", "didhub.cli", *args, name=name)

    def start(self, name: str, *args, data_dir: str | None = None) -> subprocess.Popen:
        env = {**self.env, "DIDHUB_DATA_DIR": str(self.data_dir(data_dir or name))}
        log = open(self.folder / f"{name}.log", "ab")  # noqa: SIM115 (closed in stop)
        process = subprocess.Popen(
            [sys.executable, "-m", "didhub.cli", *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        process.log = log
        self.processes[name] = process
        return process

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def logs(self) -> str:
        return "\n".join(
            f"--- {name} (last lines) ---\n" + "\n".join(self.log(name).splitlines()[-40:])
            for name in sorted(self.processes)
        )

    def kill(self, name: str) -> None:
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            process.log.close()


class Node:
    """One web node, reached by its own address, with the reseller's token."""

    def __init__(self, host: str, port: int, token: str):
        self.base = f"http://{host}:{port}"
        self.token = token

    def request(self, method: str, path: str, *, body=None, headers=None, token=True):
        from http.client import HTTPConnection

        parts = urlsplit(self.base)
        connection = HTTPConnection(parts.hostname, parts.port, timeout=WAIT)
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Token {self.token}"
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        try:
            connection.request(method, path, body=body, headers=sent)
            answer = connection.getresponse()
            return answer.status, dict(answer.getheaders()), answer.read()
        finally:
            connection.close()

    def json(self, method: str, path: str, body=None, expect=(200,)) -> dict:
        status, _, content = self.request(method, path, body=body)
        assert status in expect, f"{method} {self.base}{path}: {status} {content[:500]!r}"
        return json.loads(content)

    def upload(self, text: str, account: int) -> dict:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="account"\r\n\r\n{account}\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="numbers.csv"\r\nContent-Type: text/csv\r\n\r\n{text}\r\n',
            f"--{boundary}--\r\n",
        ]
        status, _, content = self.request(
            "POST",
            "/api/v1/imports/",
            body="".join(parts).encode(),
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert status == 202, f"a large upload goes to a task: {status} {content[:500]!r}"
        return json.loads(content)

    def alive(self) -> bool:
        try:
            return self.request("GET", "/healthz", token=False)[0] == 200
        except OSError:
            return False


def upload_file() -> str:
    rows = (f"1,{UPLOAD_FROM + n},,,,\n" for n in range(UPLOAD_ROWS))
    return "Country Code,Phone Number,Voice,SMS,Fax,Voice Route Type\n" + "".join(rows)


def expected_numbers() -> set[str]:
    return {f"+1{UPLOAD_FROM + n}" for n in range(UPLOAD_ROWS)}


def sender_pid(client: tuple, pids: list[int]) -> int | None:
    """Which of ``pids`` owns the TCP connection from ``client`` (host, port)."""
    port = f":{client[1]:04X}"
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[1].endswith(port):
                inodes.add(f"socket:[{fields[9]}]")
    for pid in pids:
        try:
            descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        except FileNotFoundError:
            continue
        for descriptor in descriptors:
            try:
                if os.readlink(descriptor) in inodes:
                    return pid
            except OSError:
                continue
    return None


def worker_of_task(database: Database, task_id: str) -> int | None:
    """The process id of the worker that claimed the task (by its heartbeat)."""
    found = database.rows(
        "SELECT t.worker_ids, t.status FROM django_tasks_database_dbtaskresult t WHERE t.id = %s",
        [task_id],
    )
    if not found or found[0][1] != "RUNNING" or not found[0][0]:
        return None
    worker_id = found[0][0][-1]
    pid = database.rows("SELECT pid FROM core_workerheartbeat WHERE worker_id = %s", [worker_id])
    return pid[0][0] if pid else None


def commit_blocked_after_insert(database: Database, import_id: int) -> int | None:
    """The backend committing the import, once its INSERT ran and it waits for a lock."""
    rows = database.rows(
        """
        SELECT l.pid FROM pg_locks l
        WHERE l.locktype = 'advisory' AND l.classid = %s AND l.objid = %s AND l.granted
          AND EXISTS (SELECT 1 FROM pg_locks w WHERE w.pid = l.pid AND NOT w.granted
                      AND w.relation = 'core_event'::regclass)
          AND EXISTS (SELECT 1 FROM pg_locks i WHERE i.pid = l.pid AND i.granted
                      AND i.relation = 'numbers_number'::regclass
                      AND i.mode = 'RowExclusiveLock')
        """,
        [IMPORT_LOCK_CLASS, import_id],
    )
    return rows[0][0] if rows else None


@pytest.fixture
def cluster_database():
    database = Database()
    yield database
    database.drop()


@pytest.fixture
def receiver():
    def behaviour(n, method, path, body):
        return 200, {}, SLOW_SECONDS if n == SLOW_REQUEST else 0.05

    server = Receiver(behaviour=behaviour)
    yield server
    server.close()


def test_two_nodes_and_two_workers_lose_nothing_and_do_nothing_twice(
    cluster_database, receiver, tmp_path
):
    started = time.monotonic()
    database = cluster_database
    cluster = Cluster(database, tmp_path)
    try:
        run_the_cluster(cluster, database, receiver)
    except BaseException:
        print(cluster.logs())
        raise
    finally:
        cluster.stop()
        print(cluster.timings(started))


def run_the_cluster(cluster: Cluster, database: Database, receiver: Receiver) -> None:
    cluster.didhub("migrate", "--no-input", name="migrate")
    # The web nodes collect their static files while the data is set up.
    ports = {NODE_A: free_port(NODE_A), NODE_B: free_port(NODE_B)}
    for name, host in (("node-a", NODE_A), ("node-b", NODE_B)):
        cluster.start(name, "serve", f"{host}:{ports[host]}")
    world = json.loads(cluster.run(sys.executable, str(CHILD), "setup", receiver.url, name="setup"))
    cluster.phase("migrate and setup")
    node_a = Node(NODE_A, ports[NODE_A], world["token"])
    node_b = Node(NODE_B, ports[NODE_B], world["token"])

    housekeeping_runs_once(cluster, database, world)
    cluster.phase("housekeeping once")

    until(lambda: node_a.alive() and node_b.alive(), "both web nodes to answer /healthz")
    a_session_of_node_a_works_on_node_b(node_a, node_b, world)
    cluster.phase("nodes up, shared session")

    # -- A commit killed mid-way: failed with its reason, nothing imported or sent.
    text = upload_file()
    first = node_a.upload(text, world["acme"])
    ready = until(lambda: ready_through(node_b, first["id"]), "the upload to be validated")
    assert (ready["valid"], ready["invalid"], ready["errors"]) == (UPLOAD_ROWS, 0, []), ready[
        "errors"
    ][:3]
    holder = database.connect(autocommit=False)
    holder.execute("LOCK TABLE core_event IN SHARE MODE")
    committing = node_b.json("POST", f"/api/v1/imports/{first['id']}/commit/", expect=(202,))
    assert committing["state"] == "committing"
    task_id = database.scalar("SELECT task_id FROM imports_import WHERE id = %s", [first["id"]])
    until(
        lambda: commit_blocked_after_insert(database, first["id"]),
        "the commit to insert the numbers",
    )
    pid = until(lambda: worker_of_task(database, task_id), "the task's worker")
    killed = next(name for name, p in cluster.processes.items() if p.pid == pid)
    cluster.kill(killed)
    holder.rollback()
    holder.close()
    survivor = "worker-2" if killed == "worker-1" else "worker-1"

    # Nobody reads the import meanwhile (a read would notice the dead commit too): the
    # surviving worker's housekeeping fails it, in an event no request wrote.
    until(
        lambda: (
            database.scalar("SELECT state FROM imports_import WHERE id = %s", [first["id"]])
            == "failed"
        ),
        "the housekeeping to fail the abandoned import",
    )
    assert database.rows(
        "SELECT request_id FROM core_event WHERE action = 'import.failed' AND object_id = %s",
        [first["id"]],
    ) == [("",)]
    until(
        lambda: (
            database.scalar(
                "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = %s", [task_id]
            )
            == "FAILED"
        ),
        "the abandoned task to be failed",
    )
    assert database.rows(
        "SELECT exception_class_path, traceback LIKE '%%stopped before it finished%%' "
        "FROM django_tasks_database_dbtaskresult WHERE id = %s",
        [task_id],
    ) == [("didhub.core.workers.WorkerLost", True)]
    assert cluster.processes[survivor].poll() is None
    assert (
        database.scalar("SELECT COUNT(*) FROM numbers_number WHERE owner_id = %s", [world["acme"]])
        == 0
    )
    assert receiver.requests == [], "a rolled-back commit sends nothing"
    failed = node_a.json("GET", f"/api/v1/imports/{first['id']}/")
    assert failed["state"] == "failed"
    assert "commit stopped before it finished" in failed["error"]
    # The service manager starts the killed worker again.
    cluster.start(f"{killed}-again", "worker", data_dir=killed)
    cluster.phase("commit killed and failed")

    # -- The same file again: every number arrives once.
    pids = [cluster.processes[survivor].pid, cluster.processes[f"{killed}-again"].pid]
    watcher = DeliveryKiller(cluster, receiver, pids)
    watcher.start()
    second = node_a.upload(text, world["acme"])
    until(lambda: ready_through(node_b, second["id"]), "the second upload to be validated")
    node_b.json("POST", f"/api/v1/imports/{second['id']}/commit/", expect=(202,))
    done = until(lambda: done_through(node_b, second["id"]), "the commit to finish")
    assert done["committed"] == UPLOAD_ROWS
    numbers = database.rows("SELECT e164 FROM numbers_number WHERE owner_id = %s", [world["acme"]])
    assert len(numbers) == UPLOAD_ROWS
    assert {row[0] for row in numbers} == expected_numbers()
    # The killed commit left no event, the second one wrote its one (the set-up's own
    # upload, of the reserved numbers, has its event too).
    committed = database.scalar(
        "SELECT COUNT(*) FROM core_event "
        "WHERE action = 'import.committed' AND import_id IN (%s, %s)",
        [first["id"], second["id"]],
    )
    assert committed == 1
    cluster.phase("uploaded and committed again")

    # -- Changes through both nodes while the numbers are being delivered.
    touched = sorted(expected_numbers())[:TOUCHED]
    for index, e164 in enumerate(touched):
        node = node_a if index % 2 else node_b
        node.json("PATCH", f"/api/v1/numbers/{e164}/", {"service_info": f"desk {index}"})

    watcher.join(WAIT)
    assert watcher.killed_pid, f"no worker was killed mid-delivery: {watcher.problem}"
    every_change_is_delivered(database, receiver, world, touched, cluster)
    cluster.phase("delivery killed, every change delivered")

    # -- The export through node A holds exactly the numbers in the database.
    status, _, content = node_a.request("GET", "/api/v1/numbers/export.csv")
    assert status == 200, content[:500]
    table = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    column = table[0].index("Number")
    exported = [row[column] for row in table[1:]]
    in_database = {row[0] for row in database.rows("SELECT e164 FROM numbers_number")}
    assert len(exported) == len(set(exported)) == len(in_database)
    assert set(exported) == in_database
    cluster.phase("export")

    # -- No node keeps an upload: each node read its copy and let it go; the database
    # copy went with the end of each import (the killed one's with its failure).
    assert database.scalar("SELECT COUNT(*) FROM imports_uploadchunk") == 0
    assert not list(cluster.folder.glob("*/media/imports/*/*"))

    # -- No housekeeping job ran twice over the same work.
    assert (
        database.scalar(
            "SELECT COUNT(*) FROM core_event WHERE action = 'import.failed' AND object_id = %s",
            [first["id"]],
        )
        == 1
    )


def housekeeping_runs_once(cluster: Cluster, database: Database, world: dict) -> None:
    """Both workers start at once over expired reservations; the job runs in one."""
    reserved = world["reserved"]
    holder = database.connect(autocommit=False)
    holder.execute("SELECT id FROM numbers_number WHERE e164 = %s FOR UPDATE", [reserved[0]])
    holder_pid = holder.info.backend_pid
    cluster.start("worker-1", "worker")
    cluster.start("worker-2", "worker")
    until(
        lambda: database.scalar("SELECT COUNT(*) FROM core_workerheartbeat") == 2,
        "both workers' heartbeats",
    )

    def waiting_for_the_held_number() -> list[int]:
        return [
            row[0]
            for row in database.rows(
                "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                [holder_pid],
            )
        ]

    blocked = until(waiting_for_the_held_number, "a worker to enter numbers.expire")
    expire_lock = zlib_key("numbers.expire")
    # Several housekeeping rounds of the other worker pass meanwhile: it skips the job.
    deadline = time.monotonic() + 4 * float(cluster.env["DIDHUB_HOUSEKEEPING_INTERVAL"])
    while time.monotonic() < deadline:
        assert waiting_for_the_held_number() == blocked, "both workers ran numbers.expire"
        holders = database.rows(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
            "AND objid = %s AND granted",
            [HOUSEKEEPING_LOCK_CLASS, expire_lock],
        )
        assert holders == [(blocked[0],)]
        time.sleep(0.2)
    holder.rollback()
    holder.close()
    until(
        lambda: (
            database.scalar(
                "SELECT COUNT(*) FROM numbers_number WHERE e164 = ANY(%s) AND state = 'available'",
                [reserved],
            )
            == len(reserved)
        ),
        "the reservations to expire",
    )
    events = database.rows(
        "SELECT number_e164, COUNT(*) FROM core_event WHERE action = 'number.reservation_expired' "
        "GROUP BY number_e164"
    )
    assert dict(events) == dict.fromkeys(reserved, 1)
    said = [
        name
        for name in ("worker-1", "worker-2")
        if f"housekeeping numbers.expire: reservation_expired {len(reserved)}," in cluster.log(name)
    ]
    assert len(said) == 1, cluster.logs()


def zlib_key(name: str) -> int:
    """The lock key of a housekeeping job (``didhub.core.housekeeping.Job.lock_key``)."""
    import zlib

    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def a_session_of_node_a_works_on_node_b(node_a: Node, node_b: Node, world: dict) -> None:
    status, headers, _ = node_a.request("GET", "/login/", token=False)
    assert status == 200
    csrf = re.search(r"csrftoken=([^;]+)", headers.get("Set-Cookie", "")).group(1)
    form = (
        f"csrfmiddlewaretoken={csrf}&username={world['master_admin']}"
        f"&password={world['password'].replace(' ', '+')}"
    )
    status, headers, content = node_a.request(
        "POST",
        "/login/",
        body=form.encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf}",
            "Referer": f"{node_a.base}/login/",
        },
        token=False,
    )
    assert status == 302, content[:500]
    session = re.search(r"sessionid=([^;]+)", headers.get("Set-Cookie", "")).group(1)
    status, headers, content = node_b.request(
        "GET", "/", headers={"Cookie": f"sessionid={session}"}, token=False
    )
    assert status == 200, f"node B did not know node A's session: {status} {headers}"
    assert world["master_admin"].encode() in content or b"Master Reseller" in content


def ready_through(node: Node, import_id: int) -> dict | None:
    run = node.json("GET", f"/api/v1/imports/{import_id}/", expect=(200, 202))
    assert run["state"] in ("validating", "ready"), run
    return run if run["state"] == "ready" else None


def done_through(node: Node, import_id: int) -> dict | None:
    run = node.json("GET", f"/api/v1/imports/{import_id}/", expect=(200, 202))
    assert run["state"] in ("committing", "done"), run
    return run if run["state"] == "done" else None


class DeliveryKiller(threading.Thread):
    """SIGKILL whichever worker sends the slow request, while the receiver holds it."""

    def __init__(self, cluster: Cluster, receiver: Receiver, pids: list[int]):
        super().__init__(daemon=True)
        self.cluster, self.receiver, self.pids = cluster, receiver, pids
        self.killed_pid = None
        self.slow_request = None
        self.problem = ""

    def run(self):
        deadline = time.monotonic() + 3 * WAIT
        while time.monotonic() < deadline:
            with self.receiver.lock:
                requests = list(self.receiver.requests)
            if len(requests) >= SLOW_REQUEST:
                self.slow_request = requests[SLOW_REQUEST - 1]
                if time.time() - self.slow_request.at > SLOW_SECONDS:
                    self.problem = "the slow request was answered before its sender was found"
                    return
                pid = sender_pid(self.slow_request.client, self.pids)
                if pid is None:
                    self.problem = f"no worker holds {self.slow_request.client}"
                    return
                name = next(n for n, p in self.cluster.processes.items() if p.pid == pid)
                self.cluster.kill(name)
                self.killed_pid = pid
                return
            time.sleep(0.02)
        self.problem = f"fewer than {SLOW_REQUEST} webhook requests arrived"


def every_change_is_delivered(database, receiver, world, touched, cluster) -> None:
    link = world["link"]

    def settled() -> bool:
        waiting = database.scalar("SELECT COUNT(*) FROM sync_syncchange WHERE link_id = %s", [link])
        open_messages = database.scalar(
            "SELECT COUNT(*) FROM sync_outboxmessage WHERE link_id = %s "
            "AND state IN ('pending', 'dead')",
            [link],
        )
        unsynced = database.scalar(
            "SELECT COUNT(*) FROM numbers_number WHERE owner_id = %s AND sync_state <> 'ready'",
            [world["acme"]],
        )
        return waiting == 0 and open_messages == 0 and unsynced == 0

    until(settled, "every change to be delivered", timeout=2 * WAIT, every=0.25)
    documents = json.loads(
        cluster.run(sys.executable, str(CHILD), "documents", str(world["acme"]), name="setup")
    )
    verifier = Webhook(world["secret"])
    bodies = defaultdict(set)
    for request in receiver.requests:
        verifier.verify(request.body, request.headers)
        bodies[request.headers["webhook-id"]].add(request.body)
    # A message sent again is the same message: the same webhook-id, the same bytes.
    assert all(len(versions) == 1 for versions in bodies.values())
    accepted = [request.headers["webhook-id"] for request in receiver.accepted()]
    slow_id = receiver.requests[SLOW_REQUEST - 1].headers["webhook-id"]
    assert accepted.count(slow_id) >= 2, "the killed worker's message was not sent again"

    latest, carried, seen = {}, defaultdict(int), set()
    for request in receiver.accepted():
        if request.headers["webhook-id"] in seen:
            continue  # a redelivery: the receiver drops it by its webhook-id
        seen.add(request.headers["webhook-id"])
        for item in request.json()["data"]["numbers"]:
            previous = latest.get(item["e164"])
            assert previous is None or previous["seq"] < item["seq"], item["e164"]
            latest[item["e164"]] = item
            carried[item["e164"]] += 1
    assert set(latest) == set(documents) == expected_numbers()
    for e164, document in documents.items():
        assert latest[e164]["number"] == document, e164
    # Each number went in one message, or two when it changed again after its first.
    assert {e164 for e164, count in carried.items() if count > 1} <= set(touched)
    assert all(carried[e164] in (1, 2) for e164 in touched)
