"""Ports: a number uploaded as ``porting_in`` is completed, cancelled, or activated by
its first call; through the API, the CLI and call events, audited and synced."""

import io

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from didhub.core.models import Event
from didhub.imports import services as import_services
from didhub.numbers import services
from didhub.numbers.models import Number

pytestmark = pytest.mark.django_db

HEADER = b"Country Code,Phone Number,Voice,SMS,Fax,Voice Route Type\n"


@pytest.fixture
def porting(tree):
    """Three numbers Master uploaded before their port completed; one delegated to Acme."""
    run = import_services.import_create(
        actor=tree.master_admin,
        account=tree.master,
        file=io.BytesIO(
            HEADER
            + b"".join(b"1,21255501%02d,TRUE,FALSE,FALSE,Direct Routing\n" % n for n in range(3))
        ),
        file_name="ports.csv",
        porting=True,
        inline=True,
    )
    import_services.import_commit(actor=tree.master_admin, import_run=run, inline=True)
    numbers = list(Number.objects.order_by("e164"))
    assert {n.state for n in numbers} == {"porting_in"}
    services.numbers_delegate(actor=tree.master_admin, numbers=numbers[2:], to_account=tree.sub)
    services.numbers_delegate(actor=tree.sub_admin, numbers=numbers[2:], to_account=tree.acme)
    return numbers


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_uploader_completes_a_port_over_the_api(tree, porting):
    number = porting[0]
    url = f"/api/v1/numbers/{number.e164}/port/complete/"
    assert api(tree.foreign_admin).post(url).status_code == 404
    assert api(tree.platform_viewer).post(url).status_code == 403
    answer = api(tree.master_admin).post(url)
    assert answer.status_code == 200
    assert answer.json()["state"] == "available"
    assert "port_complete" not in answer.json()["actions"]
    event = Event.objects.get(action="number.port_completed", number_e164=number.e164)
    assert (event.before, event.after) == ({"state": "porting_in"}, {"state": "available"})
    again = api(tree.master_admin).post(url)
    assert again.status_code == 409
    assert "not porting in" in again.json()["detail"]


def test_the_holder_below_the_uploader_may_not_decide_the_port(tree, porting):
    number = porting[2]  # held by Acme, uploaded by Master
    detail = api(tree.acme_admin).get(f"/api/v1/numbers/{number.e164}/").json()
    assert not {"port_complete", "port_cancel"} & set(detail["actions"])
    answer = api(tree.acme_admin).post(f"/api/v1/numbers/{number.e164}/port/cancel/")
    assert answer.status_code == 403
    assert Number.objects.filter(pk=number.pk).exists()


def test_a_cancelled_port_leaves_the_inventory_and_keeps_its_history(tree, porting):
    number = porting[2]
    answer = api(tree.master_admin).post(f"/api/v1/numbers/{number.e164}/port/cancel/")
    assert answer.status_code == 204
    assert not Number.objects.filter(pk=number.pk).exists()
    event = Event.objects.get(action="number.port_cancelled", number_e164=number.e164)
    assert event.before["owner"] == {"id": tree.acme.pk, "name": "Acme Corp"}
    history = api(tree.master_admin).get(f"/api/v1/events/?number={number.e164}").json()
    assert "number.port_cancelled" in {item["action"] for item in history["results"]}


def test_ports_in_bulk_are_all_or_nothing(tree, porting):
    services.number_port_complete(actor=tree.master_admin, number=porting[1])
    answer = api(tree.master_admin).post(
        "/api/v1/numbers/bulk/",
        {"action": "port_complete", "numbers": [porting[0].e164, porting[1].e164]},
        format="json",
    )
    assert answer.status_code == 409
    assert [item["row"] for item in answer.json()["errors"]] == [porting[1].e164]
    assert Number.objects.get(pk=porting[0].pk).state == "porting_in"


def test_the_first_call_completes_a_port(tree, porting):
    number = porting[2]
    answer = api(tree.master_admin).post(
        "/api/v1/call-events/",
        {"events": [{"e164": number.e164, "at": "2026-01-05T10:00:00Z"}]},
        format="json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["ports_completed"] == 1
    number.refresh_from_db()
    assert (number.state, number.activity) == ("available", "active")
    event = Event.objects.get(action="number.port_completed", number_e164=number.e164)
    assert event.after["state"] == "available" and event.after["first_call_at"]
    assert event.account_id == tree.acme.pk
    # A second call changes activity only.
    again = api(tree.master_admin).post(
        "/api/v1/call-events/",
        {"events": [{"e164": number.e164, "at": "2026-01-06T10:00:00Z"}]},
        format="json",
    )
    assert again.json()["ports_completed"] == 0


def test_every_way_a_port_ends_reaches_the_sync_outbox(tree, porting, outbox):
    services.number_port_complete(actor=tree.master_admin, number=porting[0])
    assert (outbox[-1]["action"], list(outbox[-1]["number_ids"])) == (
        "port_completed",
        [porting[0].pk],
    )
    services.numbers_port_complete_by_call(actor=None, calls={porting[1].pk: porting[1].created_at})
    assert (outbox[-1]["action"], list(outbox[-1]["number_ids"])) == (
        "port_completed",
        [porting[1].pk],
    )
    services.number_port_cancel(actor=tree.master_admin, number=porting[2])
    assert outbox[-1]["action"] == "port_cancelled"
    assert [entry["e164"] for entry in outbox[-1]["removed"]] == [porting[2].e164]


def test_the_cli_completes_and_cancels_ports(tree, porting, tmp_path, capsys):
    listed = tmp_path / "ports.txt"
    listed.write_text(f"{porting[1].e164}\n\n")
    call_command("port", "complete", porting[0].e164, "--file", str(listed))
    assert "2 ports completed." in capsys.readouterr().out
    assert {n.state for n in Number.objects.filter(pk__in=[porting[0].pk, porting[1].pk])} == {
        "available"
    }
    with pytest.raises(SystemExit) as exit_:
        call_command("port", "cancel", porting[0].e164, porting[2].e164)
    assert exit_.value.code == 1
    assert "is available, not porting in" in capsys.readouterr().err
    assert Number.objects.filter(pk=porting[2].pk).exists()  # all or nothing
    with pytest.raises(SystemExit):  # Sub holds it above Acme, but Master uploaded it
        call_command("port", "cancel", porting[2].e164, "--user", "admin@sub.test")
    assert "or an account above it decides its port" in capsys.readouterr().err
    call_command("port", "cancel", porting[2].e164, "--user", "admin@master.test")
    assert "1 port cancelled." in capsys.readouterr().out
    assert not Number.objects.filter(pk=porting[2].pk).exists()
