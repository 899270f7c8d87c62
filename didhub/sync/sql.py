"""The sync app's SQL: the outbox, the platform's confirmations, documents and calls.

Platform sync is set-based (an import of a million numbers queues one row; a rename
queues every referring number with one ``INSERT ... SELECT``), so its statements are
written by hand, here, each naming its tables by their models. Lists of ids or E.164
texts go through ``didhub.core.db.sql.member_of`` (one parameter on PostgreSQL).
``sync/tests/test_sql.py`` runs each on both databases.
"""

from collections.abc import Sequence

from django.db import connection

from didhub.core.db import is_postgresql
from didhub.core.db.sql import (
    execute,
    fetch_all,
    fetch_value,
    joined,
    literal,
    member_of,
    table,
    values_table,
)
from didhub.numbers.choices import Activity, SyncState
from didhub.numbers.models import Assignment, CallingProfile, Carrier, Number, SmsProfile, Target
from didhub.sync.choices import LinkStatus, OutboxState
from didhub.sync.models import OutboxMessage, PlatformLink, SyncChange, SyncedNumber

# Rows upserted by one statement: SQLite lists four parameters a row.
CONFIRM_CHUNK = {True: 5000, False: 500}


def stamp(moment):
    """A moment as the connection stores it, for statements that write one."""
    return connection.ops.adapt_datetimefield_value(moment)


# The outbox ---------------------------------------------------------------------------


def insert_changes_select(*, link_id: int, action: str, where_sql: str, params: list, now) -> int:
    """``INSERT INTO`` the changes ``... SELECT`` over the numbers ``n`` matching
    ``where_sql`` (with its ``params``); returns how many were queued."""
    return execute(
        f"INSERT INTO {table(SyncChange)} (link_id, number_id, e164, action, created_at) "
        f"SELECT %s, n.id, n.e164, %s, %s FROM {table(Number)} n WHERE {where_sql} ORDER BY n.id",
        [link_id, action, stamp(now), *params],
    )


def last_change_id(link_id: int) -> int:
    """The highest id among the link's queued changes (0 when none)."""
    return fetch_value(
        f"SELECT COALESCE(MAX(id), 0) FROM {table(SyncChange)} WHERE link_id = %s", [link_id]
    )


def requeue_changes(*, link_id: int, after: int, before: int) -> int:
    """Queue again, at the end and in their order, the link's unsent changes of numbers
    with ids between ``after`` and ``before`` (both excluded); returns how many."""
    changes = table(SyncChange)
    return execute(
        f"INSERT INTO {changes} (link_id, number_id, e164, action, created_at, size) "
        f"SELECT link_id, number_id, e164, action, created_at, size FROM {changes} "
        "WHERE link_id = %s AND id > %s AND id < %s AND message_id IS NULL "
        "AND import_id IS NULL ORDER BY id",
        [link_id, after, before],
    )


def drop_unsent_changes(*, link_id: int, first: int, last: int) -> int:
    """Delete the link's unsent changes with ids from ``first`` to ``last``."""
    return execute(
        f"DELETE FROM {table(SyncChange)} "
        "WHERE link_id = %s AND id >= %s AND id <= %s AND message_id IS NULL",
        [link_id, first, last],
    )


def held_by_dead_message_sql(alias: str) -> str:
    """A dead message of the link of its owner carries the number ``alias``, in SQL."""
    return (
        f"EXISTS (SELECT 1 FROM {table(SyncChange)} dc "
        f"JOIN {table(OutboxMessage)} dm ON dm.id = dc.message_id "
        f"JOIN {table(PlatformLink)} dl ON dl.id = dc.link_id "
        f"WHERE dc.e164 = {alias}.e164 AND dl.enterprise_id = {alias}.owner_id "
        f"AND dm.state = {literal(OutboxState.DEAD.value)})"
    )


def sending_links_sql() -> str:
    """Links that send (consented, not disabled), as a join condition on ``l``."""
    return f"l.consented_at IS NOT NULL AND l.status <> {literal(LinkStatus.DISABLED.value)}"


def referring_sql(model) -> str:
    """The numbers ``n`` referring to an object of ``model`` whose fields their documents
    show, with the object's id as the one parameter (each column has its own index)."""
    return {
        Carrier: "n.voice_carrier_id = %s",
        SmsProfile: "n.sms_profile_id = %s",
        CallingProfile: "n.calling_profile_id = %s",
        Target: f"n.id IN (SELECT a.number_id FROM {table(Assignment)} a WHERE a.target_id = %s)",
    }[model]


def enqueue_referring(*, action: str, model, pk: int, now) -> int:
    """Queue every number of a sending link referring to the object; align their states.

    One ``INSERT ... SELECT`` joined to the sending links, and, when it queued anything,
    one ``UPDATE`` of those numbers' sync state (a number a dead message holds stays
    failed). Returns how many were queued.
    """
    referring = referring_sql(model)
    numbers, links = table(Number), table(PlatformLink)
    queued = execute(
        f"INSERT INTO {table(SyncChange)} (link_id, number_id, e164, action, created_at) "
        f"SELECT l.id, n.id, n.e164, %s, %s FROM {numbers} n "
        f"JOIN {links} l ON l.enterprise_id = n.owner_id "
        f"WHERE {sending_links_sql()} AND {referring} ORDER BY n.id",
        [action, stamp(now), pk],
    )
    if queued:
        execute(
            f"UPDATE {numbers} SET sync_state = %s, sync_error = '' "
            f"WHERE sync_state <> %s AND id IN (SELECT n.id FROM {numbers} n "
            f"JOIN {links} l ON l.enterprise_id = n.owner_id "
            f"WHERE {sending_links_sql()} AND {referring} "
            f"AND NOT (n.sync_state = %s AND {held_by_dead_message_sql('n')}))",
            [SyncState.PENDING, SyncState.PENDING, pk, SyncState.FAILED],
        )
    return queued


def enqueue_selected(*, action: str, selection: str, left_selection: str | None, now) -> int:
    """Queue the numbers of sending links that ``selection`` (SQL selecting ids) names,
    leaving out those ``left_selection`` names; returns how many were queued."""
    not_left = (
        f"AND n.id NOT IN (SELECT number_id FROM ({left_selection}) gone)" if left_selection else ""
    )
    return execute(
        f"INSERT INTO {table(SyncChange)} (link_id, number_id, e164, action, created_at) "
        f"SELECT l.id, n.id, n.e164, %s, %s FROM {table(Number)} n "
        f"JOIN {table(PlatformLink)} l ON l.enterprise_id = n.owner_id "
        f"WHERE {sending_links_sql()} AND n.id IN ({selection}) {not_left} "
        "ORDER BY n.id",
        [action, stamp(now)],
    )


def enqueue_left(*, action: str, left_selection: str, now) -> int:
    """Queue as gone the numbers ``left_selection`` names (``number_id``, ``e164``,
    ``owner_id`` before they left), to the sending link of the enterprise they left."""
    return execute(
        f"INSERT INTO {table(SyncChange)} (link_id, number_id, e164, action, created_at) "
        f"SELECT l.id, gone.number_id, gone.e164, %s, %s FROM ({left_selection}) gone "
        f"JOIN {table(PlatformLink)} l ON l.enterprise_id = gone.owner_id "
        f"WHERE {sending_links_sql()} ORDER BY gone.number_id",
        [action, stamp(now)],
    )


# Packing and delivering -----------------------------------------------------------------


def waiting_changes(link_id: int, limit: int) -> list[tuple[int, str, str]]:
    """``(id, e164, action)`` of the link's oldest unsent changes, at most ``limit``.

    Numbers with a message outstanding wait for it (in order per number).
    """
    changes = table(SyncChange)
    return fetch_all(
        f"SELECT c.id, c.e164, c.action FROM {changes} c "
        "WHERE c.link_id = %s AND c.message_id IS NULL AND c.import_id IS NULL "
        "AND NOT EXISTS "
        f"(SELECT 1 FROM {changes} o WHERE o.link_id = c.link_id "
        "AND o.e164 = c.e164 AND o.message_id IS NOT NULL) ORDER BY c.id LIMIT %s",
        [link_id, limit],
    )


def claim_changes(message_id: int, change_ids: Sequence[int]) -> int:
    """The changes become the message's."""
    where, params = member_of("id", change_ids)
    return execute(
        f"UPDATE {table(SyncChange)} SET message_id = %s WHERE {where}", [message_id, *params]
    )


def drop_changes(message_id: int) -> int:
    """A delivered message's changes are done."""
    return execute(f"DELETE FROM {table(SyncChange)} WHERE message_id = %s", [message_id])


def synced_among(link_id: int, e164s: Sequence[str]) -> set[str]:
    """Which of ``e164s`` the platform of the link holds (as last confirmed)."""
    among, params = member_of("e164", e164s)
    rows = fetch_all(
        f"SELECT e164 FROM {table(SyncedNumber)} WHERE link_id = %s AND {among}",
        [link_id, *params],
    )
    return {row[0] for row in rows}


def confirm_synced(link_id: int, present: Sequence[dict], now) -> None:
    """Upsert what the platform now holds: each item's E.164 and document digest."""
    synced = table(SyncedNumber)
    moment = stamp(now)
    upsert = (
        " ON CONFLICT (link_id, e164) DO UPDATE SET digest = EXCLUDED.digest, "
        "confirmed_at = EXCLUDED.confirmed_at"
    )
    size = CONFIRM_CHUNK[is_postgresql()]
    for start in range(0, len(present), size):
        chunk = present[start : start + size]
        if is_postgresql():
            execute(
                f"INSERT INTO {synced} (link_id, e164, digest, confirmed_at) "
                "SELECT %s, unnest(string_to_array(%s, ',')), unnest(string_to_array(%s, ',')), %s"
                + upsert,
                [
                    link_id,
                    joined([item["e164"] for item in chunk]),
                    joined([item["digest"] for item in chunk]),
                    moment,
                ],
            )
            continue
        params = []
        for item in chunk:
            params += [link_id, item["e164"], item["digest"], moment]
        execute(
            f"INSERT INTO {synced} (link_id, e164, digest, confirmed_at) VALUES "
            + ",".join(["(%s, %s, %s, %s)"] * len(chunk))
            + upsert,
            params,
        )


def forget_synced(link_id: int, e164s: Sequence[str]) -> int:
    """The platform no longer holds ``e164s``."""
    where, params = member_of("e164", e164s)
    return execute(
        f"DELETE FROM {table(SyncedNumber)} WHERE link_id = %s AND {where}", [link_id, *params]
    )


def mark_ready(link_id: int, enterprise_id: int, e164s: Sequence[str]) -> int:
    """Delivered numbers are ready, unless a newer change of theirs waits."""
    numbers = table(Number)
    where, params = member_of("e164", e164s)
    return execute(
        f"UPDATE {numbers} SET sync_state = %s, sync_error = '' "
        f"WHERE owner_id = %s AND {where} "
        f"AND NOT EXISTS (SELECT 1 FROM {table(SyncChange)} c "
        f"WHERE c.link_id = %s AND c.e164 = {numbers}.e164)",
        [SyncState.READY, enterprise_id, *params, link_id],
    )


# Documents --------------------------------------------------------------------------------


def number_rows(enterprise_id: int, e164s: Sequence[str] | None) -> list[tuple]:
    """The enterprise's numbers (all, or those named) with their catalog names, in
    E.164 order: the columns of ``documents.NUMBER_FIELDS``."""
    where, params = "n.owner_id = %s", [enterprise_id]
    if e164s is not None:
        among, values = member_of("n.e164", e164s)
        where += f" AND {among}"
        params += values
    return fetch_all(
        "SELECT n.id, n.e164, n.country_code, n.region, n.number_type, n.state, n.voice, "
        "n.sms, n.fax, n.route, n.usage, n.cac_limit, vc.name, sp.carrier_name, sp.name, "
        "cp.name, cp.sbc_device, n.sip_connection, n.service_info, n.tags, n.external "
        f"FROM {table(Number)} n "
        f"LEFT JOIN {table(Carrier)} vc ON vc.id = n.voice_carrier_id "
        f"LEFT JOIN {table(SmsProfile)} sp ON sp.id = n.sms_profile_id "
        f"LEFT JOIN {table(CallingProfile)} cp ON cp.id = n.calling_profile_id "
        f"WHERE {where} ORDER BY n.e164",
        params,
    )


def assignment_rows(number_ids: Sequence[int]) -> list[tuple]:
    """``(number_id, channel, target kind, target name, target external id)`` of the
    numbers' assignments, by number and channel."""
    where, params = member_of("a.number_id", number_ids)
    return fetch_all(
        "SELECT a.number_id, a.channel, t.kind, t.name, t.external_id "
        f"FROM {table(Assignment)} a "
        f"JOIN {table(Target)} t ON t.id = a.target_id "
        f"WHERE {where} ORDER BY a.number_id, a.channel",
        params,
    )


# Calls and credentials ------------------------------------------------------------------


def mark_active(calls: Sequence[tuple[int, object]]) -> int:
    """Numbers (id, moment of their latest call) are active, their last call moved
    forward; one ``UPDATE ... FROM (VALUES ...)``. Returns the rows changed."""
    numbers = table(Number)
    source, (key, at) = values_table("v", ["id", "at"], len(calls))
    params = []
    for number_id, moment in calls:
        params += [number_id, stamp(moment)]
    return execute(
        f"UPDATE {numbers} SET activity = %s, last_call_at = CASE "
        f"WHEN {numbers}.last_call_at IS NULL OR {numbers}.last_call_at < {at} THEN {at} "
        f"ELSE {numbers}.last_call_at END "
        f"FROM {source} WHERE {numbers}.id = {key} AND ({numbers}.last_call_at IS NULL "
        f"OR {numbers}.last_call_at < {at} OR {numbers}.activity <> %s)",
        [Activity.ACTIVE, *params, Activity.ACTIVE],
    )


def stored_credentials(link_id: int) -> str:
    """The link's credentials as stored (encrypted), past the model's decryption."""
    return fetch_value(f"SELECT credentials FROM {table(PlatformLink)} WHERE id = %s", [link_id])


def store_credentials(link_id: int, value: str) -> None:
    """Store the link's credentials as given (already encrypted)."""
    execute(f"UPDATE {table(PlatformLink)} SET credentials = %s WHERE id = %s", [value, link_id])
