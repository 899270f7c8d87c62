"""didhub.core.db: the raw SQL helpers every app's ``sql.py`` builds on, on this database.

The suite runs on SQLite and on PostgreSQL (DIDHUB_DATABASE_URL), so each test here
holds on both; the few that only PostgreSQL can run say so.
"""

import threading

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from didhub.core.db import copy, is_postgresql, is_sqlite, locks, sql

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(not is_postgresql(), reason="PostgreSQL's own")

# Texts a quoting or escaping mistake would break.
AWKWARD = ["it's", "100%", "a\\b", "tab\there", "line\nbreak", "cr\rhere", "Zoë ☎", "%s", ""]


@pytest.fixture
def scratch():
    """A table of this test's own (dropped at the end of the test's transaction)."""
    sql.execute("CREATE TEMPORARY TABLE scratch (id integer, label text, flag boolean)")
    yield sql.quote("scratch")
    sql.execute("DROP TABLE scratch")


def test_the_vendor_is_named_in_one_place():
    engine = settings.DATABASES["default"]["ENGINE"]
    assert is_postgresql() is engine.endswith("postgresql")
    assert is_sqlite() is engine.endswith("sqlite3")
    assert is_postgresql("default") is is_postgresql(connection)


def test_a_table_is_named_by_its_model_and_quoted():
    assert sql.table(ContentType) == connection.ops.quote_name("django_content_type")
    assert sql.columns(["app_label", "model"]) == ", ".join(
        connection.ops.quote_name(name) for name in ("app_label", "model")
    )
    count = sql.fetch_value(f"SELECT count(*) FROM {sql.table(ContentType)}")
    assert count == ContentType.objects.count()


@pytest.mark.parametrize("text", AWKWARD)
def test_a_text_literal_reads_back_as_itself(text):
    assert sql.fetch_value(f"SELECT {sql.literal(text)}", []) == text


def test_literals_of_other_constants():
    assert sql.literal(None) == "NULL"
    assert sql.literal(True) == "TRUE"
    assert sql.literal(False) == "FALSE"
    assert sql.literal(42) == "42"
    assert sql.fetch_value(f"SELECT {sql.literal(-7)} + 1", []) == -6


def test_a_literal_refuses_what_sql_text_cannot_hold():
    with pytest.raises(ValueError, match="NUL"):
        sql.literal("a\x00b")


@postgresql_only
def test_a_json_literal_is_a_jsonb_lookup_table():
    table = sql.json_literal({"a": "it's 100%", "b": "two"})
    assert sql.fetch_value(f"SELECT {table} ->> %s", ["a"]) == "it's 100%"


@pytest.mark.parametrize("kind", ["ids", "texts"])
def test_member_of_finds_exactly_the_listed_values(kind):
    rows = list(ContentType.objects.order_by("id").values_list("id", "model"))
    chosen = rows[::3]
    column, values = ("id", [pk for pk, _ in chosen]) if kind == "ids" else ("model", None)
    if values is None:
        values = [model for _, model in chosen]
    where, params = sql.member_of(column, values)
    found = sql.fetch_all(
        f"SELECT id FROM {sql.table(ContentType)} WHERE {where} ORDER BY id", params
    )
    expected = ContentType.objects.filter(**{f"{column}__in": values}).order_by("id")
    assert [row[0] for row in found] == list(expected.values_list("id", flat=True))


def test_member_of_sends_one_parameter_on_postgresql_and_one_each_on_sqlite():
    where, params = sql.member_of("id", [1, 2, 3])
    if is_postgresql():
        assert (where, params) == ("id = ANY(string_to_array(%s, ',')::bigint[])", ["1,2,3"])
    else:
        assert (where, params) == ("id IN (%s, %s, %s)", [1, 2, 3])


def test_member_of_refuses_an_empty_list_and_values_with_commas():
    with pytest.raises(ValueError, match="at least one"):
        sql.member_of("id", [])
    with pytest.raises(ValueError, match="commas"):
        sql.joined(["+1,2"])


def test_a_values_table_names_its_columns_on_both_databases():
    source, (number, label) = sql.values_table("v", ["number", "label"], 2)
    rows = sql.fetch_all(
        f"SELECT {number}, {label} FROM {source} ORDER BY {number}", [2, "two", 1, "one"]
    )
    assert [tuple(row) for row in rows] == [(1, "one"), (2, "two")]


def test_count_of_counts_the_rows_of_a_query():
    sql_text = f"SELECT id FROM {sql.table(ContentType)} WHERE id > %s"
    assert sql.count_of(sql_text, [0]) == ContentType.objects.count()
    assert sql.count_of(sql_text, [10**9]) == 0


def test_execute_reports_the_rows_a_statement_changed(scratch):
    written = sql.execute_many(
        f"INSERT INTO {scratch} (id, label, flag) VALUES (%s, %s, %s)",
        [(1, "a", True), (2, "b", False), (3, "c", True)],
    )
    assert written == 3
    assert sql.execute(f"UPDATE {scratch} SET label = %s WHERE flag = %s", ["x", True]) == 2
    assert sql.fetch_all(f"SELECT id, label FROM {scratch} ORDER BY id") == [
        (1, "x"),
        (2, "b"),
        (3, "x"),
    ]
    assert sql.fetch_value(f"SELECT id FROM {scratch} WHERE id = %s", [9]) is None


def test_write_rows_keeps_every_awkward_value(scratch):
    rows = [(index, text, index % 2 == 0) for index, text in enumerate(AWKWARD)]
    rows.append((len(AWKWARD), None, None))
    assert copy.write_rows(scratch, ["id", "label", "flag"], iter(rows)) == len(rows)
    assert copy.write_rows(scratch, ["id", "label", "flag"], []) == 0
    stored = sql.fetch_all(f"SELECT id, label, flag FROM {scratch} ORDER BY id")
    assert [tuple(row) for row in stored] == rows


@postgresql_only
def test_copy_lines_take_values_in_copy_text_format(scratch):
    rows = [(index, text, bool(index % 2)) for index, text in enumerate(AWKWARD)]
    rows.append((len(AWKWARD), None, None))
    lines = ("\t".join(map(copy.copy_text, row)) + "\n" for row in rows)
    connection.ensure_connection()
    with connection.cursor() as cursor:
        sent = copy.copy_lines(cursor.cursor, scratch, ["id", "label", "flag"], lines)
    assert sent == len(rows)
    stored = sql.fetch_all(f"SELECT id, label, flag FROM {scratch} ORDER BY id")
    assert [tuple(row) for row in stored] == rows


def test_copy_text_escapes_what_copy_reads_as_structure():
    assert copy.copy_text(None) == "\\N"
    assert copy.copy_text(True) == "t"
    assert copy.copy_text(False) == "f"
    assert copy.copy_text("a\tb\nc\\d\re") == "a\\tb\\nc\\\\d\\re"
    assert copy.copy_text(12) == "12"


@postgresql_only
def test_the_planner_estimates_without_running_the_query():
    estimate = sql.planner_rows(f"SELECT id FROM {sql.table(ContentType)}", [])
    assert estimate >= 1


def test_the_server_version_is_read():
    version = sql.server_version()
    assert version and version[0].isdigit()


def other_thread(function):
    """``function()``'s result, run on a thread with its own database connection."""
    result = []

    def run():
        try:
            result.append(function())
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    return result[0]


def attempt(lock_class: int, key: int) -> bool:
    """Take the lock from the database or the kernel, as another process would: past
    ``held``, which only knows this process's locks."""
    with locks._acquire(lock_class, key, wait=False) as acquired:
        return acquired


@pytest.mark.django_db(transaction=True)
def test_a_held_lock_is_refused_elsewhere_and_free_once_released():
    with locks.hold(0x7E57, 1):
        assert locks.held(0x7E57, 1)
        assert other_thread(lambda: attempt(0x7E57, 1)) is False
        assert other_thread(lambda: attempt(0x7E57, 2)) is True
        with locks.try_hold(0x7E57, 1) as again:
            assert again is False  # this process's own lock: held, not taken twice
    assert not locks.held(0x7E57, 1)
    assert other_thread(lambda: attempt(0x7E57, 1)) is True
