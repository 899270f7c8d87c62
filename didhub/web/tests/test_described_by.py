"""Every ``aria-describedby`` of the portal names an element on the same page.

Django's widgets point at ``<id>_helptext`` and ``<id>_error``; the field partial must
give the help text and the errors exactly those ids, or a screen reader reads nothing.
"""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from didhub.web.tests.test_pages import LINK_PAGES, LIST_PAGES, NUMBER_PAGES

pytestmark = pytest.mark.django_db


class Described(HTMLParser):
    """The ids of a page, and what each ``aria-describedby`` refers to."""

    def __init__(self, html: str):
        super().__init__()
        self.ids: dict[str, str] = {}
        self.references: list[tuple[str, str]] = []
        self.texts: dict[str, list[str]] = {}
        self.open: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids[attrs["id"]] = tag
            self.texts[attrs["id"]] = []
            self.open.append(attrs["id"])
        else:
            self.open.append("")
        for target in (attrs.get("aria-describedby") or "").split():
            self.references.append((attrs.get("name") or attrs.get("id") or tag, target))
        if tag in ("input", "br", "meta", "link", "img", "hr"):
            self.open.pop()

    def handle_endtag(self, tag):
        if self.open:
            self.open.pop()

    def handle_data(self, data):
        for element in self.open:
            if element:
                self.texts[element].append(data)

    def missing(self) -> list[tuple[str, str]]:
        return [(field, target) for field, target in self.references if target not in self.ids]

    def text(self, element_id: str) -> str:
        return " ".join("".join(self.texts[element_id]).split())


def described(response) -> Described:
    assert response.status_code == 200
    return Described(response.content.decode())


def test_every_reference_on_every_page_exists(client, tree, inventory, acme_link):
    client.force_login(tree.platform_admin)
    urls = [reverse(page) for page in LIST_PAGES]
    urls.append(reverse("web:upload"))
    urls += [
        reverse(page, args=[inventory.master_numbers[index].e164])
        for page, index in NUMBER_PAGES
        if page != "web:number_delete"
    ]
    urls += [reverse(page, args=[acme_link.pk]) for page in LINK_PAGES]
    urls += [
        reverse("web:target_detail", args=[inventory.alice.pk]),
        reverse("web:account_edit", args=[tree.acme.pk]),
        reverse("web:link_create"),
    ]
    missing = {}
    helped = 0
    for url in urls:
        page = described(client.get(url))
        if page.missing():
            missing[url] = page.missing()
        helped += sum(target.endswith("_helptext") for _, target in page.references)
    assert missing == {}
    # The check has something to check: these pages have fields with help text.
    assert helped >= 5


def test_help_text_and_errors_are_what_the_field_is_described_by(client, tree):
    client.force_login(tree.sub_admin)
    response = client.post(
        reverse("web:link_create"),
        {
            "enterprise": tree.acme.pk,
            "connector": "webhook",
            "mode": "integrated",
            "endpoint": "ftp://x",
        },
    )
    page = described(response)
    assert page.missing() == []
    references = dict(page.references)
    assert references["credentials"] == "id_credentials_helptext"
    assert page.text("id_credentials_helptext").startswith("Webhook: whsec_ and the base64")
    endpoint = [target for field, target in page.references if field == "endpoint"]
    assert endpoint == ["id_endpoint_helptext", "id_endpoint_error"]
    assert page.text("id_endpoint_helptext") == "Webhook: the URL."
    assert "http(s) endpoint" in page.text("id_endpoint_error")
    # One element per id, however many errors a field has.
    html = response.content.decode()
    assert html.count('id="id_endpoint_error"') == 1
