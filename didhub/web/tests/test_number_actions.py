"""The actions a number offers are exactly the ones its services accept.

For every role on every kind of account, and a number in every state (available,
reserved, assigned, aging after a release, porting in; delegated or not; an
enterprise's own external number), each action ``number_actions`` offers is accepted
by its service with valid parameters, and each action it does not offer is refused
by the service whatever the parameters. The portal's detail page and list rows, and
the API's ``actions`` field, show that same answer.
"""

import io
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from didhub.accounts import services as account_services
from didhub.accounts.choices import ROLES_BY_ACCOUNT_KIND, Role
from didhub.accounts.models import Account
from didhub.core.errors import DomainError
from didhub.core.models import Event
from didhub.imports import services as import_services
from didhub.numbers import services
from didhub.numbers.models import Number, Target
from didhub.numbers.services.actions import NUMBER_ACTIONS, number_actions

pytestmark = pytest.mark.django_db

HEADER = b"Country Code,Phone Number,Voice,SMS,Fax,Voice Route Type\n"


def upload(actor, account, rows: bytes, *, porting: bool = False) -> list[Number]:
    """Numbers brought in as production brings them: an upload, committed."""
    run = import_services.import_create(
        actor=actor,
        account=account,
        file=io.BytesIO(HEADER + rows),
        file_name="numbers.csv",
        porting=porting,
        inline=True,
    )
    run = import_services.import_commit(actor=actor, import_run=run, inline=True)
    return list(Number.objects.filter(source_import=run).order_by("e164"))


@pytest.fixture
def states(tree, inventory):
    """One number in each state and place, by label."""
    acme = inventory.acme_numbers
    services.number_reserve(
        actor=tree.acme_admin, number=acme[3], until=timezone.now() + timedelta(days=3)
    )
    services.number_release(actor=tree.acme_admin, number=acme[4])
    services.numbers_delegate(
        actor=tree.master_admin, numbers=[inventory.master_numbers[5]], to_account=tree.sub
    )
    porting = upload(
        tree.master_admin,
        tree.master,
        b"1,2125550180,TRUE,FALSE,FALSE,Direct Routing\n"
        b"1,2125550181,TRUE,FALSE,FALSE,Direct Routing\n",
        porting=True,
    )
    services.numbers_delegate(actor=tree.master_admin, numbers=[porting[1]], to_account=tree.acme)
    (external,) = upload(tree.globex_admin, tree.globex, b"1,2125550170,FALSE,TRUE,FALSE,\n")
    services.target_create(
        actor=tree.globex_admin, enterprise=tree.globex, kind="sms_group", name="Globex SMS"
    )
    labels = {
        "acme assigned (voice), sms free": acme[0],
        "acme assigned (sms)": acme[1],
        "acme available": acme[2],
        "acme reserved": acme[3],
        "aging after acme's release": acme[4],
        "sub available": inventory.master_numbers[5],
        "master available": inventory.master_numbers[9],
        "master porting in": porting[0],
        "acme porting in, uploaded by master": porting[1],
        "globex external": external,
        "foreign": inventory.foreign_number,
    }
    return {label: Number.objects.get(pk=number.pk) for label, number in labels.items()}


@pytest.fixture
def users(tree):
    """A user of every role on every account that may hold it, the foreign tenant included."""
    people = {}
    for account in Account.objects.order_by("path"):
        for role in sorted(ROLES_BY_ACCOUNT_KIND[account.kind]):
            people[f"{role} of {account.name}"] = account_services.user_create(
                actor=None,
                account=account,
                email=f"{role}.{account.pk}@roles.test",
                role=role,
                password="correct horse 42",
            )
    assert {user.role for user in people.values()} == set(Role.values)
    return people


class Rollback(Exception):
    def __init__(self, result):
        self.result = result


def tried(call) -> bool:
    """Whether the service accepts the call and changes something; never kept."""
    try:
        with transaction.atomic():
            raise Rollback(call())
    except Rollback as done:
        return done.result != 0
    except DomainError:
        return False


def accepted(action: str, user, number: Number) -> bool:
    """Whether ``action``'s service accepts it for some valid parameters."""
    number = Number.objects.get(pk=number.pk)
    if action == "assign":
        targets = Target.objects.filter(enterprise_id=number.owner_id)
        return any(
            tried(lambda t=target: services.number_assign(actor=user, number=number, target=t))
            for target in targets
        )
    if action == "delegate":
        below = Account.objects.filter(path__startswith=number.owner.path).exclude(
            pk=number.owner_id
        )
        return any(
            tried(
                lambda a=account: services.numbers_delegate(
                    actor=user, numbers=[number], to_account=a
                )
            )
            for account in below
        )
    calls = {
        "unassign": lambda: services.number_unassign(actor=user, number=number),
        "reclaim": lambda: services.numbers_reclaim(actor=user, numbers=[number]),
        "reserve": lambda: services.number_reserve(
            actor=user, number=number, until=timezone.now() + timedelta(days=1)
        ),
        "unreserve": lambda: services.number_unreserve(actor=user, number=number),
        "update": lambda: services.number_update(actor=user, number=number, service_info="x"),
        "restore": lambda: services.number_restore(actor=user, number=number),
        "release": lambda: services.number_release(actor=user, number=number),
        "port_complete": lambda: services.number_port_complete(actor=user, number=number),
        "port_cancel": lambda: services.number_port_cancel(actor=user, number=number),
        "delete": lambda: services.number_delete(actor=user, number=number),
    }
    return tried(calls[action])


def test_every_offered_action_is_accepted_and_every_other_refused(users, states):
    wrong = []
    offered_somewhere = set()
    for who, user in users.items():
        for label, number in states.items():
            offered = set(number_actions(user, Number.objects.get(pk=number.pk)))
            offered_somewhere |= offered
            for action in NUMBER_ACTIONS:
                if (action in offered) != accepted(action, user, number):
                    state = "offered but refused" if action in offered else "accepted, not offered"
                    wrong.append(f"{who} / {label} / {action}: {state}")
    assert wrong == []
    # The fixture reaches every action at least once, so none is decided vacuously.
    assert offered_somewhere == set(NUMBER_ACTIONS)


def test_the_issues_buttons_are_gone(client, tree, states):
    """A reseller is not offered Reclaim or Release on its enterprise's own number,
    and the enterprise is offered Delete there, not Release."""
    external = states["globex external"]
    url = reverse("web:number_detail", args=[external.e164])
    client.force_login(tree.master_admin)
    buttons = client.get(url).context["can"]
    assert not {"reclaim", "release", "delete"} & set(buttons)
    client.force_login(tree.globex_admin)
    buttons = client.get(url).context["can"]
    assert "delete" in buttons and "release" not in buttons


def test_detail_page_and_list_rows_show_what_number_actions_says(client, tree, states):
    client.force_login(tree.master_admin)
    listed = client.get(reverse("web:number_list"), {"limit": 200}).context["page"].rows
    rows = {number.e164: number for number in listed}
    for number in states.values():
        expected = number_actions(tree.master_admin, Number.objects.get(pk=number.pk))
        if number.e164 not in rows:
            continue  # outside Master's subtree, or aging in Sub's hands
        assert rows[number.e164].actions == expected, number.e164
        page = client.get(reverse("web:number_detail", args=[number.e164]))
        assert sorted(page.context["can"]) == sorted(expected), number.e164


def test_the_api_says_which_actions_a_number_allows(tree, states):
    api = APIClient()
    api.force_authenticate(tree.acme_admin)
    number = states["acme assigned (voice), sms free"]
    body = api.get(f"/api/v1/numbers/{number.e164}/").json()
    assert body["actions"] == number_actions(tree.acme_admin, number)
    assert {"assign", "unassign", "release"} <= set(body["actions"])
    assert not {"reserve", "delete", "delegate", "update"} & set(body["actions"])
    schema = api.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    actions = components["NumberDetail"]["properties"]["actions"]
    assert actions["items"]["$ref"] == "#/components/schemas/NumberActionEnum"
    assert components["NumberActionEnum"]["enum"] == list(NUMBER_ACTIONS)


def test_release_confirmation_names_the_targets_it_unassigns(client, tree, inventory):
    number = inventory.acme_numbers[0]
    client.force_login(tree.acme_admin)
    page = client.get(reverse("web:number_release", args=[number.e164])).content.decode()
    assert "Unassigned from Alice Adams (PBX user, Voice channel)" in page
    detail = client.get(reverse("web:number_detail", args=[number.e164])).content.decode()
    assert "Alice Adams (PBX user, Voice channel)" in detail.split("data-confirm=")[-1] or (
        "Unassigned from Alice Adams" in detail
    )


def test_bulk_release_confirmation_lists_every_assignment_it_ends(client, tree, inventory):
    client.force_login(tree.acme_admin)
    chosen = [n.e164 for n in inventory.acme_numbers[:3]]
    page = client.post(reverse("web:number_bulk"), {"action": "release", "numbers": chosen})
    block = page.content.decode().split('data-testid="release-unassigns"')[1].split("</div>")[0]
    assert "unassigns 2 assignments" in block
    assert (
        f'Alice Adams <span class="muted">(PBX user)</span>: <span class="mono">{chosen[0]}'
        in block
    )
    assert (
        f'Sales SMS <span class="muted">(SMS group)</span>: <span class="mono">{chosen[1]}' in block
    )
    # Confirming releases them and ends those assignments.
    client.post(
        reverse("web:number_bulk"), {"action": "release", "numbers": chosen, "confirmed": "1"}
    )
    assert not Number.objects.filter(e164__in=chosen, assignments__isnull=False).exists()


def test_a_foreign_numbers_targets_are_not_named_in_a_bulk_confirmation(client, tree, inventory):
    services.number_assign(
        actor=tree.initech_admin, number=inventory.foreign_number, target=inventory.foreign_target
    )
    client.force_login(tree.acme_admin)
    page = client.post(
        reverse("web:number_bulk"),
        {"action": "release", "numbers": [inventory.foreign_number.e164]},
    ).content.decode()
    assert "Ivan" not in page


def test_a_port_is_completed_from_the_portal_and_cancelled_in_bulk(client, tree, states):
    porting, other = states["master porting in"], states["acme porting in, uploaded by master"]
    client.force_login(tree.master_admin)
    page = client.get(reverse("web:number_detail", args=[porting.e164])).content.decode()
    assert "Complete port" in page and "Cancel port" in page
    client.post(reverse("web:number_port_complete", args=[porting.e164]), {"confirmed": "1"})
    assert Number.objects.get(pk=porting.pk).state == "available"
    assert Event.objects.filter(action="number.port_completed", number_e164=porting.e164).exists()
    # Acme holds the other one, but only Master (the uploader) or above may say the port failed.
    client.force_login(tree.acme_admin)
    detail = client.get(reverse("web:number_detail", args=[other.e164])).context["can"]
    assert "port_cancel" not in detail and "port_complete" not in detail
    client.force_login(tree.master_admin)
    client.post(
        reverse("web:number_bulk"),
        {"action": "port_cancel", "numbers": [other.e164], "confirmed": "1"},
    )
    assert not Number.objects.filter(pk=other.pk).exists()
    event = Event.objects.get(action="number.port_cancelled", number_e164=other.e164)
    assert event.before["state"] == "porting_in"
