"""Reading an export: keyset chunks, a bounded number of queries per chunk."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from didhub.core.errors import ValidationFailed
from didhub.exports import selectors
from didhub.exports.columns import HEADERS
from didhub.exports.tests.conftest import ACME_NUMBERS, GLOBEX_NUMBER, INITECH_NUMBER
from didhub.imports import adding

EVERY_NUMBER = sorted([*ACME_NUMBERS, GLOBEX_NUMBER, INITECH_NUMBER])
NUMBER = HEADERS.index("Number")
ASSIGNED_TO = HEADERS.index("Assigned To")


def test_chunks_walk_every_number_once_in_e164_order(tree, inventory):
    viewer = tree.platform_admin
    queryset = selectors.export_queryset(user=viewer)
    small = [
        row
        for chunk in selectors.export_chunks(queryset, viewer=viewer, chunk_size=2)
        for row in chunk
    ]
    whole = [row for chunk in selectors.export_chunks(queryset, viewer=viewer) for row in chunk]

    assert [row[NUMBER] for row in small] == EVERY_NUMBER
    assert small == whole


def test_queries_per_chunk_do_not_grow_with_the_chunk(tree, inventory):
    queryset = selectors.export_queryset(user=tree.platform_admin)
    chunks = selectors.export_chunks(queryset, viewer=tree.platform_admin, chunk_size=3)
    counts = []
    while True:
        with CaptureQueriesContext(connection) as queries:
            chunk = next(chunks, None)
        if chunk is None:
            break
        counts.append((len(chunk), len(queries)))

    assert [size for size, _ in counts] == [3, 3, 1]
    # The page itself, then at most: accounts, carriers, SMS profiles, calling profiles
    # and assignments -- never one per row.
    assert all(count <= 6 for _, count in counts)
    # Names already known are not asked for again.
    assert counts[-1][1] <= 2


def test_assignments_show_per_channel(tree, inventory):
    queryset = selectors.export_queryset(user=tree.acme_admin)
    rows = next(selectors.export_chunks(queryset, viewer=tree.acme_admin))
    assert rows[0][ASSIGNED_TO].startswith("Alice (Voice); ")
    assert rows[0][ASSIGNED_TO].endswith(" (SMS)")


def test_selection_is_limited():
    too_many = ",".join(f"+1212555{i:04d}" for i in range(selectors.MAX_SELECTED + 1))
    with pytest.raises(ValidationFailed) as error:
        selectors.parse_selection(too_many)
    assert error.value.code == "too_many"


def test_selection_accepts_separators_and_a_lost_plus():
    assert selectors.parse_selection(" 1 (212) 555-0100, +1.212.555.0101,,") == [
        "+12125550100",
        "+12125550101",
    ]


def test_rows_read_while_numbers_change_are_neither_skipped_nor_repeated(tree, inventory):
    queryset = selectors.export_queryset(user=tree.acme_admin)
    chunks = selectors.export_chunks(queryset, viewer=tree.acme_admin, chunk_size=2)
    seen = [row[NUMBER] for row in next(chunks)]
    # A number added before the cursor and one after it, while the export runs.
    adding.number_add(actor=tree.sub_admin, account=tree.acme, e164="+12125550098")
    adding.number_add(actor=tree.sub_admin, account=tree.acme, e164="+12125550150")
    seen += [row[NUMBER] for chunk in chunks for row in chunk]

    assert seen == [*ACME_NUMBERS, "+12125550150"]
