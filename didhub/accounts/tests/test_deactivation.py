"""Switching people and accounts off, as the people involved meet it.

A deactivated user's tokens and portal session stop working and signing in is refused;
an account deactivated anywhere in the tree stops everyone in it and below it, while
the accounts above keep working on its numbers; reactivating restores access.
"""

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from didhub.accounts import services
from didhub.accounts.choices import READ_ONLY_ROLES
from didhub.accounts.models import ApiToken, User
from didhub.core.models import Event
from didhub.imports import adding
from didhub.numbers import services as number_services

PASSWORD = "correct horse 42"  # didhub.accounts.testing.build_tree


def token_client(user) -> APIClient:
    scope = "read" if user.role in READ_ONLY_ROLES else "write"
    _, key = services.token_create(actor=user, name="script", scope=scope)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def signed_in(user) -> Client:
    """A browser that signed in through the portal's own sign-in page."""
    browser = Client()
    response = browser.post("/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return browser


def sign_in_page(email: str, password: str = PASSWORD) -> str:
    response = Client().post("/login/", {"username": email, "password": password})
    assert response.status_code == 200, "the sign-in was accepted"
    return response.content.decode()


def flash(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# A deactivated user.


def test_a_deactivated_users_token_stops_working_and_is_revoked(tree):
    script = token_client(tree.acme_viewer)
    assert script.get("/api/v1/numbers/").status_code == 200
    admin = token_client(tree.acme_admin)

    response = admin.patch(
        f"/api/v1/users/{tree.acme_viewer.pk}/", {"is_active": False}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    refused = script.get("/api/v1/numbers/")
    assert refused.status_code == 401
    assert refused["Content-Type"].startswith("application/problem+json")
    assert not ApiToken.objects.usable().filter(user=tree.acme_viewer).exists()
    event = Event.objects.get(action="user.deactivated", object_id=tree.acme_viewer.pk)
    assert event.actor_label == tree.acme_admin.email
    assert event.after == {"is_active": False, "tokens_revoked": 1}

    # Reactivated, the person signs in again, but the revoked token stays revoked.
    admin.patch(f"/api/v1/users/{tree.acme_viewer.pk}/", {"is_active": True}, format="json")
    assert script.get("/api/v1/numbers/").status_code == 401
    signed_in(User.objects.get(pk=tree.acme_viewer.pk))
    assert Event.objects.filter(action="user.reactivated").count() == 1


def test_a_deactivated_users_portal_session_ends_at_the_next_request(tree):
    browser = signed_in(tree.acme_viewer)
    assert browser.get("/").status_code == 200

    services.user_update(actor=tree.acme_admin, user=tree.acme_viewer, is_active=False)

    response = browser.get("/numbers/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert flash(response) == [
        "You have been signed out. This user is deactivated. "
        "Ask your administrator to reactivate it."
    ]
    # The session is gone, not only refused: reactivating does not bring it back.
    services.user_update(actor=tree.acme_admin, user=tree.acme_viewer, is_active=True)
    assert browser.get("/").status_code == 302


def test_a_deactivated_users_api_session_is_a_401_problem_saying_why(tree):
    browser = signed_in(tree.acme_viewer)
    services.user_update(actor=tree.acme_admin, user=tree.acme_viewer, is_active=False)

    response = browser.get("/api/v1/numbers/")

    assert response.status_code == 401
    assert response.json()["code"] == "user_inactive"
    assert "deactivated" in response.json()["detail"]


def test_signing_in_as_a_deactivated_user_says_so_only_with_the_right_password(tree):
    services.user_update(actor=tree.acme_admin, user=tree.acme_viewer, is_active=False)

    wrong = sign_in_page(tree.acme_viewer.email, "not the password")
    unknown = sign_in_page("nobody@acme.test", "not the password")
    right = sign_in_page(tree.acme_viewer.email)

    assert "deactivated" not in wrong and "deactivated" not in unknown
    assert "Please enter a correct email and password" in wrong
    assert "Please enter a correct email and password" in unknown
    assert "This user is deactivated. Ask your administrator to reactivate it." in right


# A deactivated account, deep in the tree.


def test_an_account_deactivated_deep_in_the_tree_stops_everything_below_it(tree):
    acme_script = token_client(tree.acme_admin)
    acme_browser = signed_in(tree.acme_admin)
    globex_script = token_client(tree.globex_admin)
    master_script = token_client(tree.master_admin)
    numbers = adding.numbers_add(
        actor=tree.sub_admin,
        account=tree.sub,
        entries=[{"e164": "+12125550100", "voice": True, "route": "direct_routing"}],
    )
    number_services.numbers_delegate(actor=tree.sub_admin, numbers=numbers, to_account=tree.acme)

    # Master switches off Sub Reseller; Acme is an enterprise below Sub.
    response = master_script.patch(
        f"/api/v1/accounts/{tree.sub.pk}/", {"is_active": False}, format="json"
    )
    assert response.status_code == 200

    for script in (acme_script, token_client(tree.sub_admin)):
        refused = script.get("/api/v1/numbers/")
        assert refused.status_code == 401
        assert refused.json()["code"] == "account_inactive"
        # Acme is not told which account above it was switched off.
        assert "Sub Reseller" not in refused.content.decode()
    page = acme_browser.get("/numbers/")
    assert page.status_code == 302
    assert "This account is deactivated" in flash(page)[0]
    assert "This account is deactivated" in sign_in_page(tree.acme_admin.email)
    assert "Sub Reseller" not in sign_in_page(tree.acme_admin.email)

    # A sibling is untouched, and Master keeps working on the numbers below.
    assert globex_script.get("/api/v1/numbers/").status_code == 200
    held = master_script.get("/api/v1/numbers/+12125550100/")
    assert held.status_code == 200 and held.json()["owner"]["id"] == tree.acme.pk

    # Reactivating restores access, tokens included.
    master_script.patch(f"/api/v1/accounts/{tree.sub.pk}/", {"is_active": True}, format="json")
    assert acme_script.get("/api/v1/numbers/").status_code == 200
    signed_in(tree.acme_admin)


def test_an_account_cannot_switch_itself_off_nor_the_platform_root(tree):
    acme = token_client(tree.acme_admin)
    response = acme.patch(f"/api/v1/accounts/{tree.acme.pk}/", {"is_active": False}, format="json")
    assert response.status_code == 403
    platform = token_client(tree.platform_admin)
    response = platform.patch(
        f"/api/v1/accounts/{tree.root.pk}/", {"is_active": False}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "is_active"
    assert platform.get("/api/v1/accounts/").status_code == 200


# Who may switch a user off.


@pytest.mark.parametrize(
    ("actor", "subject", "status"),
    [
        ("master_admin", "acme_viewer", 200),  # from an account above
        ("acme_admin", "acme_admin", 403),  # never oneself
        ("acme_pro", "acme_viewer", 403),  # professionals manage no users
        ("acme_viewer", "acme_admin", 403),  # read-only
        ("acme_admin", "sub_admin", 404),  # a parent's users are not visible
        ("acme_admin", "globex_admin", 404),  # nor a sibling's
        ("initech_admin", "acme_viewer", 404),  # nor another tenant's
    ],
)
def test_who_may_deactivate_a_user(tree, actor, subject, status):
    users = tree.users()
    client = APIClient()
    client.force_authenticate(users[actor])
    response = client.patch(
        f"/api/v1/users/{users[subject].pk}/", {"is_active": False}, format="json"
    )
    assert response.status_code == status, response.content
    assert User.objects.get(pk=users[subject].pk).is_active is (status != 200)


def test_users_list_shows_the_subtree_and_filters(tree):
    client = token_client(tree.sub_admin)
    emails = {row["email"] for row in client.get("/api/v1/users/").json()["results"]}
    assert emails == {"admin@sub.test", "admin@acme.test", "viewer@acme.test", "pro@acme.test"}
    services.user_update(actor=tree.sub_admin, user=tree.acme_viewer, is_active=False)
    rows = client.get("/api/v1/users/", {"is_active": "false"}).json()["results"]
    assert [row["email"] for row in rows] == ["viewer@acme.test"]
    rows = client.get("/api/v1/users/", {"account": tree.acme.pk, "role": "professional"})
    assert [row["email"] for row in rows.json()["results"]] == ["pro@acme.test"]
    assert client.get("/api/v1/users/", {"is_active": "maybe"}).status_code == 400


def test_role_change_must_fit_the_account(tree):
    client = token_client(tree.acme_admin)
    url = f"/api/v1/users/{tree.acme_viewer.pk}/"
    response = client.patch(url, {"role": "reseller_admin"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "role"
    response = client.patch(url, {"role": "professional"}, format="json")
    assert response.status_code == 200 and response.json()["role"] == "professional"
    assert Event.objects.filter(action="user.updated", object_id=tree.acme_viewer.pk).exists()


def test_removing_a_user_keeps_its_history(tree):
    services.token_create(actor=tree.acme_viewer, name="script")
    client = token_client(tree.acme_admin)
    assert client.delete(f"/api/v1/users/{tree.acme_viewer.pk}/").status_code == 204
    assert not User.objects.filter(pk=tree.acme_viewer.pk).exists()
    assert not ApiToken.objects.filter(user_id=tree.acme_viewer.pk).exists()
    assert Event.objects.filter(action="user.removed", object_id=tree.acme_viewer.pk).exists()
    assert Event.objects.filter(action="user.created", object_id=tree.acme_viewer.pk).exists()


# The portal and the command line.


def test_portal_users_page_deactivates_and_reactivates(tree):
    browser = signed_in(tree.acme_admin)
    page = browser.get(f"/users/?account={tree.acme.pk}").content.decode()
    assert "viewer@acme.test" in page and "pro@acme.test" in page
    assert f"/users/{tree.acme_viewer.pk}/deactivate/" in page
    # No button to switch oneself off.
    assert f"/users/{tree.acme_admin.pk}/deactivate/" not in page

    confirm = browser.get(f"/users/{tree.acme_viewer.pk}/deactivate/").content.decode()
    assert "Deactivate viewer@acme.test" in confirm
    response = browser.post(f"/users/{tree.acme_viewer.pk}/deactivate/", {"confirmed": "1"})
    assert response.status_code == 302
    assert not User.objects.get(pk=tree.acme_viewer.pk).is_active
    page = browser.get(f"/users/?account={tree.acme.pk}").content.decode()
    assert "Deactivated" in page and f"/users/{tree.acme_viewer.pk}/reactivate/" in page

    browser.post(f"/users/{tree.acme_viewer.pk}/reactivate/", {"confirmed": "1"})
    assert User.objects.get(pk=tree.acme_viewer.pk).is_active


def test_portal_refuses_user_management_to_a_professional(tree):
    browser = signed_in(tree.acme_pro)
    page = browser.get("/users/").content.decode()
    assert "viewer@acme.test" in page and "/deactivate/" not in page
    response = browser.post(f"/users/{tree.acme_viewer.pk}/deactivate/", {"confirmed": "1"})
    assert response.status_code == 403
    assert User.objects.get(pk=tree.acme_viewer.pk).is_active


def test_portal_account_deactivation_switches_off_the_accounts_users(tree):
    browser = signed_in(tree.master_admin)
    acme_browser = signed_in(tree.acme_viewer)
    confirm = browser.get(f"/accounts/{tree.acme.pk}/deactivate/").content.decode()
    assert "Its numbers stay in the inventory" in confirm
    browser.post(f"/accounts/{tree.acme.pk}/deactivate/", {"confirmed": "1"})
    assert acme_browser.get("/").status_code == 302
    listing = browser.get("/accounts/").content.decode()
    assert "Deactivated" in listing and f"/accounts/{tree.acme.pk}/reactivate/" in listing


def test_cli_deactivates_and_reactivates_a_user(tree, capsys):
    script = token_client(tree.acme_admin)
    call_command("user", "deactivate", "ADMIN@acme.test")
    assert "Deactivated admin@acme.test" in capsys.readouterr().out
    assert script.get("/api/v1/numbers/").status_code == 401
    call_command("user", "reactivate", "admin@acme.test")
    signed_in(tree.acme_admin)
    assert Event.objects.filter(action="user.deactivated", actor_label="system").exists()


def test_command_line_work_as_a_switched_off_user_is_refused(tree, tmp_path):
    from django.core.management import CommandError

    services.account_update(actor=tree.master_admin, account=tree.sub, is_active=False)
    with pytest.raises(CommandError, match="This account is deactivated"):
        call_command("export", "-o", str(tmp_path / "n.csv"), "--as", tree.acme_admin.email)
    upload = tmp_path / "numbers.csv"
    upload.write_text("Phone Number\n+12125550100\n")
    with pytest.raises(CommandError, match="This account is deactivated"):
        call_command(
            "import", str(upload), "--account", str(tree.acme.pk), "--user", tree.acme_admin.email
        )
