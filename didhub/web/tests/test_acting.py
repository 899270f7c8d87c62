"""The account switcher: open an account below, scoped pages, audited, read-only viewers."""

import pytest
from django.urls import reverse

from didhub.core.models import Event
from didhub.web.acting import SESSION_KEY

pytestmark = pytest.mark.django_db


def test_opening_an_account_scopes_every_page_and_is_audited(client, tree, inventory):
    client.force_login(tree.master_admin)
    response = client.post(reverse("web:account_open", args=[tree.acme.pk]))
    assert response.status_code == 302
    event = Event.objects.get(action="portal.account_opened")
    assert (event.actor_label, event.account_id) == ("admin@master.test", tree.acme.pk)
    page = client.get(reverse("web:number_list")).content.decode()
    assert 'data-testid="account-name">Acme Corp<' in page
    assert "Back to Master Reseller" in page
    assert "+12125550105" not in page and "+12125550100" in page


def test_actions_while_acting_name_the_real_user(client, tree, inventory):
    client.force_login(tree.master_admin)
    client.post(reverse("web:account_open", args=[tree.acme.pk]))
    number = inventory.acme_numbers[3]
    client.post(reverse("web:number_assign", args=[number.e164]), {"target": inventory.trunk.pk})
    event = Event.objects.filter(number_e164=number.e164).order_by("-id").first()
    assert event.actor_label == "admin@master.test"


def test_platform_viewer_stays_read_only_in_an_opened_account(client, tree, inventory):
    client.force_login(tree.platform_viewer)
    client.post(reverse("web:account_open", args=[tree.acme.pk]))
    page = client.get(reverse("web:number_list")).content.decode()
    assert "read-only" in page
    assert 'data-testid="row-actions"' not in page
    number = inventory.acme_numbers[3]
    response = client.get(reverse("web:number_assign", args=[number.e164]))
    assert response.status_code == 403


def test_an_account_outside_the_subtree_cannot_be_opened(client, tree):
    client.force_login(tree.sub_admin)
    response = client.post(reverse("web:account_open", args=[tree.globex.pk]))
    assert response.status_code == 404
    assert SESSION_KEY not in client.session
    assert not Event.objects.filter(action="portal.account_opened").exists()


def test_back_to_the_own_account(client, tree):
    client.force_login(tree.master_admin)
    client.post(reverse("web:account_open", args=[tree.acme.pk]))
    client.post(reverse("web:account_close"))
    page = client.get(reverse("web:dashboard")).content.decode()
    assert 'data-testid="account-name">Master Reseller<' in page


def test_switching_needs_a_post(client, tree):
    client.force_login(tree.master_admin)
    assert client.get(reverse("web:account_open", args=[tree.acme.pk])).status_code == 405
