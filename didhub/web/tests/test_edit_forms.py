"""Every form of the portal, posted back exactly as it was shown, changes nothing.

A person who opens a page and presses its button without touching anything must not
lose data: no row of any table changes and no event is written. The pages come from the
URL conf, so a new page with a form is covered as soon as it is routed; a page whose
URL takes an object needs a sample below, and the test says so when one is missing.

The form is read from the rendered HTML (``html.parser``) the way a browser would
submit it: text and hidden inputs with their values, checked boxes, selected options
(every selected option of a multiple select), textareas. Confirmation pages (a form
carrying ``confirmed``) are excluded: pressing them is the action they ask about.
"""

import io
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.urls import get_resolver, reverse

from didhub.accounts import services as account_services
from didhub.core.models import Event
from didhub.imports import services as import_services
from didhub.numbers import services
from didhub.numbers.models import Number
from didhub.sync.choices import OutboxState
from didhub.sync.models import OutboxMessage

pytestmark = pytest.mark.django_db

# Tables whose rows a request may touch without changing any data a person sees.
VOLATILE = {"sessions.session", "admin.logentry"}
# Pages that only sign in or out (their forms act on the session, not on data).
SESSION_PAGES = {"web:login", "web:logout", "web:account_close"}


class Form:
    def __init__(self, attrs: dict):
        self.method = (attrs.get("method") or "get").lower()
        self.action = attrs.get("action")
        self.fields: list[tuple[str, str]] = []
        self.names: set[str] = set()


class FormReader(HTMLParser):
    """The forms of a page, with what a browser submits for each of them unchanged."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: tuple[str, bool, list, list] | None = None  # name, multiple, options, chosen
        self.option: dict | None = None
        self.textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: value if value is not None else "" for key, value in attrs}
        if tag == "form":
            self.form = Form(attrs)
            self.forms.append(self.form)
            return
        if self.form is None:
            return
        name = attrs.get("name")
        if tag == "input" and name and "disabled" not in attrs:
            self.form.names.add(name)
            kind = attrs.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.form.fields.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "reset", "image", "file"):
                self.form.fields.append((name, attrs.get("value", "")))
        elif tag == "select" and name and "disabled" not in attrs:
            self.form.names.add(name)
            self.select = (name, "multiple" in attrs, [], [])
        elif tag == "option" and self.select is not None:
            self.option = attrs
            self.option_text: list[str] = []
        elif tag == "textarea" and name:
            self.form.names.add(name)
            self.textarea = (name, [])

    def handle_data(self, data):
        if self.option is not None:
            self.option_text.append(data)
        if self.textarea is not None:
            self.textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "option" and self.option is not None:
            self.close_option()
        elif tag == "select" and self.select is not None:
            if self.option is not None:
                self.close_option()
            name, multiple, options, chosen = self.select
            if not multiple:
                # A single select submits its last selected option, else its first.
                chosen = chosen[-1:] or options[:1]
            self.form.fields.extend((name, value) for value in chosen)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.form.fields.append((name, "".join(text).removeprefix("\n")))
            self.textarea = None
        elif tag == "form":
            self.form = None

    def close_option(self):
        attrs, self.option = self.option, None
        if "disabled" in attrs:
            return
        value = attrs.get("value", "".join(self.option_text).strip())
        self.select[2].append(value)
        if "selected" in attrs:
            self.select[3].append(value)


def forms_of(html: str) -> list[Form]:
    reader = FormReader()
    reader.feed(html)
    return reader.forms


def snapshot() -> dict[str, list[dict]]:
    """Every row of every table of didhub, in primary-key order."""
    rows = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in VOLATILE or model._meta.app_label in ("contenttypes", "auth"):
            continue
        rows[label] = list(model.objects.order_by("pk").values())
    return rows


def routes() -> list[tuple[str, str, tuple[str, ...]]]:
    """``(url name, route, argument names)`` of every page of the portal."""
    found = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                walk(pattern.url_patterns, prefix + str(pattern.pattern), pattern.namespace)
            elif namespace == "web" and pattern.name:
                route = prefix + str(pattern.pattern)
                names = tuple(pattern.pattern.converters)
                found.append((f"web:{pattern.name}", route, names))

    walk(get_resolver().url_patterns, "", None)
    return found


@pytest.fixture
def samples(tree, inventory, catalog, acme_link):
    """Objects to open each page with, by the route's first segment.

    Alice (a PBX user) holds two voice numbers: a target holds as many numbers per
    channel as it needs, and its page must keep them all.
    """
    services.number_assign(
        actor=tree.acme_admin, number=inventory.acme_numbers[2], target=inventory.alice
    )
    block = services.block_create(
        actor=tree.master_admin, owner=tree.master, start="+12125550100", end="+12125550109"
    )
    message = OutboxMessage.objects.create(
        link=acme_link, message_id="msg_dead", body="{}", state=OutboxState.DEAD
    )
    token, _ = account_services.token_create(actor=tree.acme_admin, name="CI")
    upload = import_services.import_create(
        actor=tree.master_admin,
        account=tree.master,
        file=io.BytesIO(
            b"Country Code,Phone Number,Voice,SMS,Fax,Voice Route Type\n"
            b"1,2125550190,FALSE,TRUE,FALSE,\n"
        ),
        file_name="one.csv",
        inline=True,
    )
    numbers = [inventory.acme_numbers[0], inventory.acme_numbers[3], inventory.master_numbers[9]]
    return {
        "numbers": [{"e164": number.e164} for number in numbers],
        "blocks": [{"pk": block.pk}],
        "imports": [{"pk": upload.pk}],
        "accounts": [{"pk": tree.acme.pk}, {"pk": tree.sub.pk}],
        "users": [{"pk": tree.acme_viewer.pk}],
        "switch": [{"pk": tree.acme.pk}],
        "targets": [{"pk": target.pk} for target in (inventory.alice, inventory.sales)],
        "links": [{"pk": acme_link.pk}, {"pk": acme_link.pk, "mid": message.pk}],
        "catalog": [
            *({"slug": slug} for slug in ("carriers", "sms-profiles", "calling-profiles")),
            {"slug": "carriers", "pk": catalog.carrier.pk},
            {"slug": "sms-profiles", "pk": catalog.profile.pk},
            {"slug": "calling-profiles", "pk": catalog.calling.pk},
        ],
        "tokens": [{"pk": token.pk}],
    }


def pages(samples) -> tuple[list[tuple[str, str]], list[str]]:
    """Every routed page as ``(url name, url)``; and the routes no sample opens."""
    urls, missing = [], []
    for name, route, arguments in routes():
        if not arguments:
            urls.append((name, reverse(name)))
            continue
        segment = route.split("/", 1)[0]
        fitting = [kw for kw in samples.get(segment, []) if set(kw) == set(arguments)]
        if not fitting:
            missing.append(f"{name} ({route})")
        urls.extend((name, reverse(name, kwargs=kwargs)) for kwargs in fitting)
    return urls, missing


def own_post_forms(html: str, url: str) -> list[Form]:
    """The page's own POST forms: posting to itself, and not confirming an action."""
    return [
        form
        for form in forms_of(html)
        if form.method == "post"
        and form.action in (None, "", url)
        and "confirmed" not in form.names
    ]


@pytest.mark.parametrize("role", ["platform_admin", "master_admin", "acme_admin"])
def test_every_form_posted_back_unchanged_changes_nothing(client, tree, samples, role):
    client.force_login(getattr(tree, role))
    urls, missing = pages(samples)
    assert missing == [], f"add a sample to open these pages with: {missing}"
    posted = []
    for name, url in urls:
        if name in SESSION_PAGES:
            continue
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        for form in own_post_forms(response.content.decode(), url):
            before, events = snapshot(), Event.objects.count()
            answer = client.post(url, _data(form.fields))
            assert answer.status_code < 500, (name, url)
            assert Event.objects.count() == events, f"{name} {url} wrote an event"
            after = snapshot()
            changed = [table for table in before if before[table] != after[table]]
            assert changed == [], f"{name} {url} posted unchanged changed {changed}"
            posted.append(name)
    # The pages this test exists for were reached, with their forms.
    expected = {"web:target_detail", "web:target_edit"}
    if role != "acme_admin":
        expected |= {"web:number_edit", "web:account_edit", "web:catalog_edit", "web:link_edit"}
    assert expected <= set(posted), sorted(set(posted))


def _data(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return data


def test_a_target_keeps_every_number_it_holds_on_save(client, tree, inventory, samples):
    """The demo's case: a PBX user with two voice numbers, Save Settings untouched."""
    client.force_login(tree.acme_admin)
    url = reverse("web:target_detail", args=[inventory.alice.pk])
    page = client.get(url).content.decode()
    held = {inventory.acme_numbers[0].e164, inventory.acme_numbers[2].e164}
    (form,) = own_post_forms(page, url)
    assert set(_data(form.fields)["assigned"]) == held
    response = client.post(url, _data(form.fields), follow=True)
    assert "Nothing changed." in response.content.decode()
    kept = Number.objects.filter(assignments__target=inventory.alice)
    assert set(kept.values_list("e164", flat=True)) == held


def test_taking_a_number_from_a_target_asks_first_naming_it(client, tree, inventory, samples):
    client.force_login(tree.acme_admin)
    url = reverse("web:target_detail", args=[inventory.alice.pk])
    keep, drop = inventory.acme_numbers[0].e164, inventory.acme_numbers[2].e164
    confirm = client.post(url, {"assigned": [keep]})
    assert confirm.status_code == 200
    details = confirm.content.decode()
    assert f"Unassigned from Alice Adams: {drop}" in details
    assert Number.objects.filter(assignments__target=inventory.alice).count() == 2
    (form,) = [f for f in forms_of(details) if {"confirmed", "assigned"} <= f.names]
    response = client.post(url, _data(form.fields), follow=True)
    assert f"unassigned {drop}" in response.content.decode()
    kept = Number.objects.filter(assignments__target=inventory.alice)
    assert list(kept.values_list("e164", flat=True)) == [keep]
