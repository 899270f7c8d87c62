"""Platform sync benchmark: delivery rate and lag, and what linking costs an upload.

    python bench/sync.py [--changes 100000] [--runs 3] [--upload-rows 1000000]
                         [--upload-runs 3] [--skip-delivery] [--skip-upload]

**Delivery.** An enterprise holds ``--changes`` numbers; a webhook link to a receiver
on loopback (a separate process) is created, which queues every number (one change
each). ``didhub worker`` (a separate process, already running, default settings:
batches of 1,000, 0.2 s poll) delivers the backlog: changes per second from the commit
to the last receipt. Then, with the worker running, the same number of attribute changes
is committed in transactions of 1,000 at a steady ``--pace`` (changes/s); the lag of
each change is its first receipt after its commit. Baseline in the same run: the
receiver's own rate for the same bodies posted back to back without a database.

**Linking cost.** ``--upload-rows`` numbers uploaded through the upload engine
(``import_create`` + ``import_commit``) for an enterprise without a link and for one
with an integrated link; each upload in a fresh process and a fresh database; the
ratio of the two rates.

PostgreSQL uses the database ``bench_sync`` on 127.0.0.1 (dropped and created again);
SQLite a file in /tmp. Medians of ``--runs``.
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_DB = "bench_sync"
SQLITE_PATH = Path("/tmp/didhub-bench-sync.sqlite3")

RECEIVER = r"""
import json, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
records, lock = [], threading.Lock()
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def reply(self, status, body=b""):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        now = time.time()
        items = [i["e164"] for i in json.loads(body)["data"]["numbers"]]
        with lock:
            records.append((now, items))
        self.reply(200)
    def do_GET(self):
        with lock:
            if self.path == "/count":
                body = str(sum(len(items) for _, items in records)).encode()
            else:
                body = json.dumps(records).encode()
                if self.path == "/take":
                    records.clear()
        self.reply(200, body)
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def median(values):
    return statistics.median(values)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def start_receiver() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    port = int(process.stdout.readline())
    return process, f"http://127.0.0.1:{port}"


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as answer:
        return answer.read()


def django_setup(database_url: str) -> None:
    os.environ["DIDHUB_DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "didhub.config.settings")
    os.environ["DIDHUB_TASKS_IMMEDIATE"] = "1"
    import django

    django.setup()


def fresh(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        conn.execute(f"CREATE DATABASE {PG_DB}")


def migrate_and_tree():
    from django.core.management import call_command

    from didhub.accounts.testing import build_tree

    call_command("migrate", verbosity=0, skip_checks=True)
    return build_tree()


def numbers_for(tree, count: int) -> list[int]:
    """``count`` numbers of Acme, written directly: setting up, not measured."""
    from didhub.numbers.models import Number

    Number.objects.bulk_create(
        (
            Number(
                e164=f"+1212{2000000 + i:07d}",
                country_code=1,
                region="US",
                number_type="fixed_line_or_mobile",
                voice=True,
                route="direct_routing",
                owner=tree.acme,
                uploaded_by=tree.master,
            )
            for i in range(count)
        ),
        batch_size=5000,
    )
    return list(Number.objects.order_by("id").values_list("id", flat=True))


def wait_for(receiver_url: str, total: int, timeout: float = 600) -> None:
    deadline = time.time() + timeout
    while int(get(f"{receiver_url}/count")) < total:
        if time.time() > deadline:
            raise RuntimeError(f"only {int(get(receiver_url + '/count')):,} of {total:,} arrived")
        time.sleep(0.05)


def raw_http_rate(receiver_url: str, body: bytes, size: int, requests: int = 50) -> float:
    """The receiver's own rate: the same body posted back to back, no database."""
    started = time.perf_counter()
    for _ in range(requests):
        request = urllib.request.Request(
            f"{receiver_url}/hook", data=body, headers={"Content-Type": "application/json"}
        )
        urllib.request.urlopen(request, timeout=60).read()
    return requests * size / (time.perf_counter() - started)


def one_delivery(database_url: str, changes: int, pace: float) -> dict:
    django_setup(database_url)
    from django.db import transaction

    from didhub.core import audit
    from didhub.numbers.models import Number
    from didhub.sync import services
    from didhub.sync.models import OutboxMessage

    tree = migrate_and_tree()
    ids = numbers_for(tree, changes)
    receiver, receiver_url = start_receiver()
    worker = None
    try:
        env = {
            **os.environ,
            "DIDHUB_DATABASE_URL": database_url,
            "DIDHUB_LOG_LEVEL": "ERROR",
            # One machine, one data folder: the bench and its worker share the generated key.
            "DIDHUB_ALLOW_GENERATED_SECRET_KEY": "1",
        }
        worker = subprocess.Popen(
            [sys.executable, "-m", "didhub.cli", "worker", "--no-tasks", "--no-expiry"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        worker.stdout.readline()  # "didhub worker running": started and polling
        started = time.perf_counter()
        link, _ = services.link_create(
            actor=tree.sub_admin,
            enterprise=tree.acme,
            connector="webhook",
            mode="integrated",
            endpoint=f"{receiver_url}/hook",
        )
        committed_at = time.time()
        enqueue_seconds = time.perf_counter() - started
        wait_for(receiver_url, changes)
        backlog = json.loads(get(f"{receiver_url}/take"))
        drain_seconds = backlog[-1][0] - committed_at
        sample = OutboxMessage.objects.filter(link=link).order_by("id").first()
        messages = OutboxMessage.objects.filter(link=link).count()

        committed: dict[str, float] = {}
        e164s = dict(Number.objects.values_list("id", "e164"))
        per_transaction = 1000
        interval = per_transaction / pace
        paced_start = time.time()
        for index, start in enumerate(range(0, changes, per_transaction)):
            chunk = ids[start : start + per_transaction]
            due = paced_start + index * interval
            if (delay := due - time.time()) > 0:
                time.sleep(delay)
            with transaction.atomic():
                Number.objects.filter(pk__in=chunk).update(service_info=f"bench {index}")
                audit.numbers_changed(action="updated", number_ids=chunk)
            now = time.time()
            for pk in chunk:
                committed[e164s[pk]] = now
        wait_for(receiver_url, changes)
        lags = []
        arrived = set()
        for at, items in json.loads(get(f"{receiver_url}/take")):
            for e164 in items:
                if e164 in committed and e164 not in arrived and at >= committed[e164]:
                    arrived.add(e164)
                    lags.append(at - committed[e164])
        raw_rate = raw_http_rate(receiver_url, sample.body.encode(), sample.size)
    finally:
        if worker is not None:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=60)
        receiver.terminate()
    return {
        "changes": changes,
        "enqueue_seconds": enqueue_seconds,
        "drain_seconds": drain_seconds,
        "rate": changes / drain_seconds,
        "messages": messages,
        "lag_median": median(lags),
        "lag_p99": percentile(lags, 0.99),
        "lagged": len(lags),
        "raw_rate": raw_rate,
        "pace": pace,
    }


def one_upload(database_url: str, path: Path, linked: bool) -> dict:
    django_setup(database_url)
    from didhub.imports import services as imports
    from didhub.sync import services

    tree = migrate_and_tree()
    if linked:
        services.link_create(
            actor=tree.sub_admin,
            enterprise=tree.acme,
            connector="webhook",
            mode="integrated",
            endpoint="http://127.0.0.1:9/hook",
        )
    started = time.perf_counter()
    with open(path, "rb") as stream:
        run = imports.import_create(actor=tree.master_admin, account=tree.acme, file=stream)
    validated = time.perf_counter()
    run = imports.import_commit(actor=tree.master_admin, import_run=run)
    finished = time.perf_counter()
    assert run.state == "done", (run.state, run.error)
    from django.db.models import Sum

    from didhub.sync.models import SyncChange

    return {
        "committed": run.committed,
        "total": finished - started,
        "commit": finished - validated,
        "queued": SyncChange.objects.aggregate(numbers=Sum("size"))["numbers"] or 0,
    }


def child(kind: str, database_url: str, *args) -> dict:
    fresh(database_url)
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--database-url", database_url, *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def report_delivery(label: str, runs: list[dict]) -> None:
    first = runs[0]
    rates = [r["rate"] for r in runs]
    print(f"\n{label}: {first['changes']:,} changes of a linked enterprise to a webhook")
    print(
        f"  queued at link creation (one INSERT ... SELECT): "
        f"{median([r['enqueue_seconds'] for r in runs]):.2f} s"
    )
    print(
        f"  delivered: {median(rates):,.0f} changes/s in {first['messages']} messages "
        f"[runs: {', '.join(f'{rate:,.0f}' for rate in rates)}]"
    )
    print(
        f"  lag commit -> receipt at {first['pace']:,.0f} changes/s: median "
        f"{median([r['lag_median'] for r in runs]) * 1000:.0f} ms, p99 "
        f"{median([r['lag_p99'] for r in runs]) * 1000:.0f} ms"
    )
    raw = median([r["raw_rate"] for r in runs])
    print(
        f"  baseline: the receiver alone takes {raw:,.0f} changes/s (same bodies, no "
        f"database); delivered/baseline = {median(rates) / raw:.2f}"
    )


def report_upload(label: str, plain: list[dict], linked: list[dict]) -> None:
    rows = plain[0]["committed"]
    rate_plain = rows / median([r["total"] for r in plain])
    rate_linked = rows / median([r["total"] for r in linked])
    commit_plain = median([r["commit"] for r in plain])
    commit_linked = median([r["commit"] for r in linked])
    print(f"\n{label}: upload of {rows:,} numbers (validate + commit), linked vs not")
    print(f"  unlinked enterprise: {rate_plain:,.0f} numbers/s (commit {commit_plain:.2f} s)")
    print(
        f"  linked enterprise:   {rate_linked:,.0f} numbers/s (commit {commit_linked:.2f} s, "
        f"{linked[0]['queued']:,} changes queued)"
    )
    print(f"  linked/unlinked rate = {rate_linked / rate_plain:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--pace", type=float, default=2_000.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--upload-rows", type=int, default=1_000_000)
    parser.add_argument("--upload-runs", type=int, default=3)
    parser.add_argument("--skip-delivery", action="store_true")
    parser.add_argument("--skip-upload", action="store_true")
    parser.add_argument("--only", choices=["postgresql", "sqlite"])
    parser.add_argument("--child")
    parser.add_argument("--database-url")
    parser.add_argument("--linked", action="store_true")
    parser.add_argument("--path")
    args = parser.parse_args()
    if args.child == "delivery":
        result = one_delivery(args.database_url, args.changes, args.pace)
        print(json.dumps(result))
        return
    if args.child == "upload":
        print(json.dumps(one_upload(args.database_url, Path(args.path), args.linked)))
        return

    databases = [("PostgreSQL", f"{PG_SERVER}/{PG_DB}"), ("SQLite", f"sqlite:///{SQLITE_PATH}")]
    if args.only:
        databases = [d for d in databases if d[0].lower() == args.only]
    if not args.skip_delivery:
        for label, url in databases:
            runs = [
                child("delivery", url, "--changes", str(args.changes), "--pace", str(args.pace))
                for _ in range(args.runs)
            ]
            report_delivery(label, runs)
    if not args.skip_upload:
        from bench.upload import generate

        path = Path(f"/tmp/didhub-bench-upload-{args.upload_rows}.csv")
        if not path.exists():
            generate(path, args.upload_rows)
        for label, url in databases:
            plain, linked = [], []
            for _ in range(args.upload_runs):
                plain.append(child("upload", url, "--path", str(path)))
                linked.append(child("upload", url, "--path", str(path), "--linked"))
            report_upload(label, plain, linked)


if __name__ == "__main__":
    main()
