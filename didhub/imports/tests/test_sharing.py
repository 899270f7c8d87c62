"""A large CSV validated by several processes ends exactly as one process would end it."""

import io
import random
import threading
from types import SimpleNamespace

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from didhub.imports import samples, services, sharing
from didhub.imports.models import Import, ImportRow
from didhub.imports.readers import open_table
from didhub.imports.tests.conftest import upload

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="files are shared out on PostgreSQL only"
)
HEADER = "Country Code,Phone Number,Range End,Voice,Voice Route Type\n"


@pytest.fixture
def shared(settings, monkeypatch):
    """Every upload shared out to three processes in chunks of two rows.

    ``parts`` lists, for each shared upload, how many processes' parts were
    settled: proof that the file was shared and not validated by one process.
    """
    settings.DIDHUB_IMPORT_SHARE_ROWS = 0
    settings.DIDHUB_IMPORT_PROCESSES = 3
    monkeypatch.setattr(sharing, "CHUNK_ROWS", 2)
    parts: list[int] = []
    real_settle = sharing.settle

    def settle(import_id, settled, *reread):
        parts.append(len(settled))
        return real_settle(import_id, settled, *reread)

    monkeypatch.setattr(sharing, "settle", settle)
    return SimpleNamespace(settings=settings, parts=parts)


def outcome(run) -> tuple:
    """Everything validation leaves behind: counts, refused rows in order, staged rows."""
    run.refresh_from_db()
    errors = list(
        run.row_errors.order_by("line", "id").values_list(
            "line", "column", "value", "code", "message"
        )
    )
    staged = sorted(ImportRow.objects.filter(import_run=run).values_list("line", "e164"))
    counts = (run.state, run.total_rows, run.valid, run.invalid, run.duplicate, run.present)
    return counts, run.progress_done, errors, staged


def both_ways(tree, shared, text: str) -> tuple[tuple, tuple]:
    shared.settings.DIDHUB_IMPORT_PROCESSES = 1
    alone = outcome(upload(tree.master_admin, tree.acme, text))
    shared.settings.DIDHUB_IMPORT_PROCESSES = 3
    together = outcome(upload(tree.master_admin, tree.acme, text))
    assert shared.parts.pop() > 1
    return alone, together


# Lines 2-3 go to the first process, 4-5 to the second, 6-7 to the third, 8-9 to the
# first again, and so on.
ROWS = (
    "1,2125550100,,yes,Direct Routing\n"  # 2: first of +12125550100
    "1,2125550101,,yes,Direct Routing\n"  # 3
    "1,2125550101,,yes,Direct Routing\n"  # 4: repeats line 3, seen by another process
    "1,2125550102,,yes,\n"  # 5: refused, no route
    "1,2125550150,2125550160,no,\n"  # 6: a range holding line 12's number
    "1,1.21E+10,,no,\n"  # 7: refused
    "1,2125550100,,yes,Direct Routing\n"  # 8: repeats line 2 in the same process
    "1,2125550103,,yes,Direct Routing\n"  # 9
    ",+12125550103,,yes,Direct Routing\n"  # 10: repeats line 9 in another process
    "1,2125550104,,no,\n"  # 11
    "1,2125550155,,no,\n"  # 12: inside line 6's range, in another process
    "1,2125550104,,no,\n"  # 13: repeats line 11 in the same process
    "44,2079460000,,no,\n"  # 14
    "1,2125550199,,no,\n"  # 15: first of +12125550199 ...
    "1,2125550190,2125550199,no,\n"  # 16: ... which this later range repeats
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_shared_file_ends_as_one_process_ends_it(tree, shared):
    alone, together = both_ways(tree, shared, HEADER + ROWS)
    assert together == alone
    counts, _, errors, _ = together
    assert counts == ("ready", 34, 26, 2, 6, 0)
    duplicates = [
        (line, value, message) for line, _, value, code, message in errors if code == "duplicate"
    ]
    # As typed on their line; a range's numbers were not typed one by one.
    assert duplicates[0] == (4, "2125550101", "2125550101 is +12125550101, already on line 3.")
    assert (12, "2125550155", "2125550155 is +12125550155, already on line 6.") in duplicates
    assert (16, "+12125550199", "+12125550199 is already on line 15.") in duplicates


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_duplicate_names_the_first_line_of_the_whole_file(tree, shared):
    """Line 6 repeats line 3 inside one process; line 4, in another, came first."""
    text = HEADER + (
        "1,2125550100,,no,\n"  # 2
        "1,2125550199,,no,\n"  # 3: seen first by process one
        "1,2125550101,,no,\n"  # 4
        "1,2125550199,,no,\n"  # 5: process two
        "1,2125550102,,no,\n"  # 6
        "1,2125550103,,no,\n"  # 7
        "1,2125550104,,no,\n"  # 8
        "1,2125550199,,no,\n"  # 9: process one again
    )
    alone, together = both_ways(tree, shared, text)
    assert together == alone
    assert [error[-1] for error in together[2]] == [
        "2125550199 is +12125550199, already on line 3.",
        "2125550199 is +12125550199, already on line 3.",
    ]


@postgresql_only
@pytest.mark.django_db(transaction=True)
@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**32),
    rows=st.integers(8, 60),
    chunk=st.integers(1, 7),
)
def test_random_files_end_alike(tree, shared, monkeypatch, seed, rows, chunk):
    monkeypatch.setattr(sharing, "CHUNK_ROWS", chunk)
    rng = random.Random(seed)
    lines = []
    for _ in range(rows):
        start = 2125550100 + rng.randrange(40)
        if rng.random() < 0.15:
            lines.append(f"1,{start},{start + rng.randrange(6)},no,")
        elif rng.random() < 0.1:
            lines.append(f"1,{start}x,,no,")
        else:
            lines.append(f"1,{start},,no,")
    alone, together = both_ways(tree, shared, HEADER + "\n".join(lines) + "\n")
    assert together == alone


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_failing_helper_fails_the_import_and_stages_nothing(tree, shared, monkeypatch):
    opened = []
    real_open = services.open_stored

    def open_once(run, stream):
        opened.append(run.pk)  # a forked helper inherits the list with one entry in it
        if len(opened) > 1:
            raise OSError("the disk went away")
        return real_open(run, stream)

    monkeypatch.setattr(services, "open_stored", open_once)
    with pytest.raises(RuntimeError, match="the disk went away"):
        upload(tree.master_admin, tree.acme, HEADER + ROWS)
    run = Import.objects.get()
    assert run.state == "failed"
    assert "the disk went away" in run.error
    assert not ImportRow.objects.exists()


def test_one_process_unless_sharing_is_safe_and_pays_off(db, settings):
    settings.DIDHUB_IMPORT_SHARE_ROWS = 0
    csv_table = open_table(io.BytesIO((HEADER + ROWS).encode()))
    assert csv_table.rereadable
    assert not open_table(io.BytesIO(samples.template_xlsx()), "numbers.xlsx").rereadable
    # Inside a transaction (as this test runs) a helper could neither see nor undo what
    # it staged.
    assert sharing.process_count(csv_table) == 1


def test_share_deals_chunks_in_turn(monkeypatch):
    monkeypatch.setattr(sharing, "CHUNK_ROWS", 2)
    rows = range(11)
    assert [list(sharing.share(iter(rows), index, 3)) for index in range(3)] == [
        [0, 1, 6, 7],
        [2, 3, 8, 9],
        [4, 5, 10],
    ]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_the_parents_connections_outlive_the_helpers(tree, shared):
    """As in ``didhub worker``, another thread holds a connection while helpers fork."""
    ready, go, answers = threading.Event(), threading.Event(), []

    def sender():  # django.db.connection is this thread's own connection
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            answers.append(cursor.fetchone()[0])
            ready.set()
            go.wait(timeout=60)
            cursor.execute("SELECT pg_backend_pid()")
            answers.append(cursor.fetchone()[0])
        connection.close()

    thread = threading.Thread(target=sender)
    thread.start()
    ready.wait(timeout=60)
    run = upload(tree.master_admin, tree.acme, HEADER + ROWS)
    go.set()
    thread.join(timeout=60)
    assert shared.parts == [3]
    assert run.valid == 26
    assert len(answers) == 2 and answers[0] == answers[1]
