"""Call activity: numbers become active, last_call_at only moves forward."""

from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from didhub.core.models import Event
from didhub.numbers.choices import Activity
from didhub.numbers.models import Number
from didhub.sync.activity import calls_record
from didhub.sync.tests.conftest import add_range

pytestmark = pytest.mark.django_db


def at(day: int, hour: int = 0) -> str:
    return datetime(2026, 3, day, hour, tzinfo=UTC).isoformat()


def test_activity_never_moves_backwards(tree, django_assert_max_num_queries):
    add_range(tree, tree.acme, "+12125550100", 3)
    calls_record(actor=tree.sub_admin, events=[{"e164": "+12125550100", "at": at(5)}])
    with django_assert_max_num_queries(6):
        summary = calls_record(
            actor=tree.sub_admin,
            events=[
                {"e164": "+12125550100", "at": at(3)},
                {"e164": "+12125550101", "at": at(9)},
                {"e164": "+12125550101", "at": at(7)},
            ],
        )
    assert summary["numbers_updated"] == 1
    values = dict(Number.objects.values_list("e164", "last_call_at"))
    assert values["+12125550100"].day == 5
    assert values["+12125550101"].day == 9
    assert values["+12125550102"] is None
    assert Number.objects.get(e164="+12125550102").activity == Activity.PENDING
    event = Event.objects.filter(action="calls.recorded").first()
    assert event.after["applied"] == 3 and event.actor_label == "admin@sub.test"


# The test resets the number itself, so one tree serves every example.
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.integers(min_value=1, max_value=28), min_size=1, max_size=8))
def test_any_order_of_events_ends_at_the_latest_call(tree_once, days):
    Number.objects.update(last_call_at=None, activity=Activity.PENDING)
    for chunk in (days[: len(days) // 2], days[len(days) // 2 :]):
        calls_record(actor=None, events=[{"e164": "+12125550100", "at": at(d)} for d in chunk])
    number = Number.objects.get(e164="+12125550100")
    assert number.last_call_at.day == max(days)
    assert number.activity == Activity.ACTIVE


@pytest.fixture
def tree_once(tree):
    add_range(tree, tree.acme, "+12125550100", 1)
    return tree


def test_the_cli_reads_cdr_files_with_their_own_headers(tree, tmp_path, capsys):
    add_range(tree, tree.acme, "+12125550100", 2)
    cdr = tmp_path / "cdr.csv"
    cdr.write_text(
        "\ufeffCall ID;Called_Number;Start Time;Direction\n"
        "1;+1 (212) 555-0100;2026-03-01 10:00:00;in\n"
        "2;12125550101;1772359200;out\n"
        "\n"
        "3;+12125559999;2026-03-01 10:00:00;in\n"
        "4;+12125550100;not a time;in\n",
        encoding="utf-8",
    )
    call_command("calls", "import", str(cdr))
    out = capsys.readouterr().out
    assert "number='Called_Number', time='Start Time'" in out
    assert "4 call records: 2 applied, 1 for unknown numbers, 1 invalid; 2 numbers updated." in out
    assert "line 6: at must be a date and time." in out
    assert set(Number.objects.values_list("activity", flat=True)) == {Activity.ACTIVE}
    assert Event.objects.get(action="calls.recorded").actor_label == "system"


def test_the_cli_refuses_a_file_without_a_time_column(tree, tmp_path):
    cdr = tmp_path / "cdr.csv"
    cdr.write_text("number,duration\n+12125550100,30\n")
    with pytest.raises(CommandError, match="time column"):
        call_command("calls", "import", str(cdr))
