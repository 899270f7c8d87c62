"""Every page for every role of the tree: rendered, refused as the policy says, or 404."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ROLES = [
    "platform_admin",
    "platform_viewer",
    "master_admin",
    "sub_admin",
    "acme_admin",
    "acme_viewer",
    "globex_admin",
    "foreign_admin",
    "initech_admin",
]

LIST_PAGES = [
    "web:dashboard",
    "web:number_list",
    "web:import_list",
    "web:account_list",
    "web:target_list",
    "web:link_list",
    "web:catalog",
    "web:event_list",
    "web:token_list",
    "web:account_switch",
    "web:password_change",
]


def expect(table: str) -> dict[str, int]:
    """``"200 403 ..."`` in the order of ROLES."""
    return dict(zip(ROLES, (int(code) for code in table.split()), strict=True))


UPLOAD = expect("200 403 200 200 403 403 200 200 403")
TARGET = expect("200 200 200 200 200 200 404 404 404")
ACCOUNT_EDIT = expect("200 403 200 200 403 403 404 404 404")
LINK_CREATE = expect("200 403 200 200 403 403 403 200 403")
LINK_PAGES = {
    # Acme's link, made by Sub Reseller: resellers above Acme manage it, Acme reads it.
    "web:link_detail": expect("200 200 200 200 200 200 404 404 404"),
    "web:link_edit": expect("200 403 200 200 403 403 404 404 404"),
    "web:link_disable": expect("200 403 200 200 403 403 404 404 404"),
}
NUMBER_PAGES = {
    # Acme's assigned number +12125550100 (uploaded by Master); indexes into the range.
    ("web:number_detail", 0): expect("200 200 200 200 200 200 404 404 404"),
    ("web:number_assign", 0): expect("200 403 200 200 200 403 404 404 404"),
    ("web:number_edit", 0): expect("200 403 200 200 403 403 404 404 404"),
    ("web:number_release", 0): expect("200 403 200 200 200 403 404 404 404"),
    ("web:number_unassign", 0): expect("200 403 200 200 200 403 404 404 404"),
    # +12125550105: Master's own, unused, and Master has an account below it.
    ("web:number_delegate", 5): expect("200 403 200 404 404 404 404 404 404"),
    # +12125550109: Master's own, unused; only Master (the uploader) may delete it.
    ("web:number_delete", 9): expect("403 403 200 404 404 404 404 404 404"),
    ("web:number_reserve", 4): expect("200 403 200 200 200 403 404 404 404"),
}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_every_role(client, tree, inventory, acme_link, role):
    """One tree per role; every page answers as the policy says (200, 403 or 404)."""
    client.force_login(getattr(tree, role))
    answers = {}
    for page in LIST_PAGES:
        answers[page] = (client.get(reverse(page)).status_code, 200)
    answers["web:upload"] = (client.get(reverse("web:upload")).status_code, UPLOAD[role])
    for (page, index), expected in NUMBER_PAGES.items():
        url = reverse(page, args=[inventory.master_numbers[index].e164])
        answers[page] = (client.get(url).status_code, expected[role])
    url = reverse("web:target_detail", args=[inventory.alice.pk])
    answers["web:target_detail"] = (client.get(url).status_code, TARGET[role])
    url = reverse("web:account_edit", args=[tree.acme.pk])
    answers["web:account_edit"] = (client.get(url).status_code, ACCOUNT_EDIT[role])
    url = reverse("web:link_create")
    answers["web:link_create"] = (client.get(url).status_code, LINK_CREATE[role])
    for page, expected in LINK_PAGES.items():
        url = reverse(page, args=[acme_link.pk])
        answers[page] = (client.get(url).status_code, expected[role])
    wrong = {page: got for page, (got, wanted) in answers.items() if got != wanted}
    assert wrong == {}, {page: (got, answers[page][1]) for page, got in wrong.items()}


def test_a_refusal_says_why(client, tree):
    client.force_login(tree.acme_viewer)
    response = client.get(reverse("web:upload"))
    assert response.status_code == 403
    assert b"read-only" in response.content


def test_signed_out_visitors_go_to_the_login_page(client):
    response = client.get(reverse("web:number_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("web:login"))


def test_login_page_signs_in_with_email_and_password(client, tree):
    page = client.get(reverse("web:login"))
    assert b"csrfmiddlewaretoken" in page.content
    response = client.post(
        reverse("web:login"), {"username": "admin@acme.test", "password": "correct horse 42"}
    )
    assert response.status_code == 302
    assert client.get(reverse("web:dashboard")).status_code == 200


def test_login_with_a_wrong_password_says_so(client, tree):
    response = client.post(
        reverse("web:login"), {"username": "admin@acme.test", "password": "wrong"}
    )
    assert response.status_code == 200
    assert b"enter a correct" in response.content.lower()


def test_logout_is_a_post(client, tree):
    client.force_login(tree.acme_admin)
    response = client.post(reverse("web:logout"))
    assert response.status_code == 302
    assert client.get(reverse("web:dashboard")).status_code == 302
