"""How fast the set-based services are, against a floor measured in the same run.

Run with ``DIDHUB_BENCH=1 pytest didhub/numbers/tests/test_services_performance.py -s``
(on SQLite by default, or PostgreSQL with ``DIDHUB_DATABASE_URL``). Each figure is the
median of several runs; the baseline is the bare ORM doing the same writes without
validation, policy or history, so the ratio says what the service adds.
"""

import os
import statistics
import time

import pytest
from django.db import connection, transaction

from didhub.core.models import Event
from didhub.numbers import services
from didhub.numbers.models import Number

pytestmark = pytest.mark.skipif(
    os.environ.get("DIDHUB_BENCH") != "1", reason="benchmarks run with DIDHUB_BENCH=1"
)
RUNS = 3


def entries(start: int, count: int) -> list[dict]:
    return [
        {"e164": f"+1212{start + i:07d}", "voice": True, "route": "direct_routing", "sms": True}
        for i in range(count)
    ]


class Rollback(Exception):
    """Undo a measured run so that every run starts from the same state."""


def timed(work) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one rolled-back run.

    The CPU figure is what the run costs when the machine is shared: wall time then
    also counts the time spent waiting for a core.
    """
    started, cpu = time.perf_counter(), time.process_time()
    try:
        with transaction.atomic():
            work()
            raise Rollback
    except Rollback:
        pass
    return time.perf_counter() - started, time.process_time() - cpu


def report(name: str, service: list, floor: list) -> float:
    """Print the figures; returns the ratio to the floor (absolute times drift with load)."""
    median, base = (statistics.median(t[0] for t in runs) for runs in (service, floor))
    cpu, base_cpu = (statistics.median(t[1] for t in runs) for runs in (service, floor))
    print(
        f"\n{name} [{connection.vendor}]: service {median:.3f} s wall, {cpu:.3f} s CPU "
        f"(runs {', '.join(f'{t[0]:.3f}' for t in service)}); bare ORM {base:.3f} s wall, "
        f"{base_cpu:.3f} s CPU; ratio {median / base:.1f}x wall, {cpu / base_cpu:.1f}x CPU"
    )
    return median / base


def test_numbers_add_10000(tree):
    batch = entries(5550000, 10_000)

    def bare():
        rows = [
            Number(
                e164=item["e164"],
                country_code=1,
                owner=tree.master,
                uploaded_by=tree.master,
                voice=True,
                sms=True,
                route="direct_routing",
            )
            for item in batch
        ]
        Number.objects.bulk_create(rows, batch_size=2000)

    def service():
        services.numbers_add(actor=tree.master_admin, account=tree.master, entries=batch)

    floor = [timed(bare) for _ in range(RUNS)]
    measured = [timed(service) for _ in range(RUNS)]
    # Parsing, validation, policy and one event per number cost at most a few bulk inserts.
    assert report("numbers_add 10,000", measured, floor) < 4


def test_numbers_delegate_100000(tree):
    services.numbers_add_range(
        actor=tree.master_admin,
        account=tree.master,
        start="+12122000000",
        end="+12122099999",
        voice=True,
        route="direct_routing",
    )
    selection = Number.objects.filter(owner=tree.master)
    assert selection.count() == 100_000

    def bare():
        Number.objects.filter(owner=tree.master).update(owner=tree.acme)
        Event.objects.bulk_create(
            [Event(action="x", actor_label="bench", object_type="number") for _ in range(100_000)],
            batch_size=5000,
        )

    def service():
        moved = services.numbers_delegate(
            actor=tree.master_admin, numbers=selection, to_account=tree.acme
        )
        assert moved == 100_000

    floor = [timed(bare) for _ in range(RUNS)]
    measured = [timed(service) for _ in range(RUNS)]
    assert report("numbers_delegate 100,000", measured, floor) < 4
