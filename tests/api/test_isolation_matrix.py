"""Tenant isolation: every endpoint and method of /api/v1/, every role, own and foreign.

The routes come from the URL resolver, so an endpoint that is not in ``MATRIX`` fails
``test_every_api_route_is_in_the_matrix``. For each route and method the matrix gives
the expected status for a platform viewer, a reseller admin (Master), an enterprise
admin (Acme) and an enterprise viewer (Acme, read token), first on an object inside
all their subtrees (Acme's) and then on the same kind of object of the foreign tenant
(Initech's). A foreign object is never 403 and never found: 404 (or, for references
in a body, a 400 that does not say whether the object exists). Without credentials
every route is 401.

The data is built once for the module; every request runs in a savepoint that is
rolled back, so each answer is measured on the same state.
"""

from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from .world import build_world

ROLES = ("platform_viewer", "master_admin", "acme_admin", "acme_viewer")
METHODS = ("get", "post", "put", "patch", "delete")
NOW = datetime(2030, 1, 1, tzinfo=UTC).isoformat()

# (route, METHOD) -> (request, own statuses per ROLES, foreign statuses per ROLES).
# A request is (path, body or query) with {placeholders} filled from the objects.
MATRIX = {}


def expect(route, method, path, data, own, foreign):
    MATRIX[(route, method)] = ((path, data), own, foreign)


# fmt: off
N = "numbers/{number}/"
expect("numbers/", "GET", "numbers/", {}, "200 200 200 200", None)
# Unassigning an unassigned number is a conflict: the request reached the service.
expect("numbers/bulk/", "POST", "numbers/bulk/", {"action": "unassign", "numbers": ["{number}"]},
       "403 409 409 403", "403 404 404 403")
expect("numbers/at/", "GET", "numbers/at/", {"e164": "{number}", "when": NOW},
       "200 200 200 200", "200 404 404 404")
expect("numbers/<str:e164>/", "GET", N, {}, "200 200 200 200", "200 404 404 404")
expect("numbers/<str:e164>/", "PATCH", N, {"service_info": "x"},
       "403 200 403 403", "403 404 404 403")
expect("numbers/<str:e164>/", "DELETE", N, None, "403 403 403 403", "403 404 404 403")
expect("numbers/<str:e164>/assign/", "POST", N + "assign/", {"target": "{target}"},
       "403 200 200 403", "403 404 404 403")
expect("numbers/<str:e164>/unassign/", "POST", N + "unassign/", {},
       "403 409 409 403", "403 404 404 403")
expect("numbers/<str:e164>/release/", "POST", N + "release/", {},
       "403 200 200 403", "403 404 404 403")
expect("numbers/<str:e164>/reserve/", "POST", N + "reserve/", {"until": NOW},
       "403 200 200 403", "403 404 404 403")
# Acme holds the number, Master uploaded it: only Master (or above) decides a port, and
# the number is not porting in.
for step in ("complete", "cancel"):
    expect(f"numbers/<str:e164>/port/{step}/", "POST", N + f"port/{step}/", None,
           "403 409 403 403", "403 404 404 403")
expect("numbers/<str:e164>/history/", "GET", N + "history/", {},
       "200 200 200 200", "200 404 404 404")
for fmt in ("csv", "xlsx", "pdf"):
    expect(f"numbers/export.{fmt}", "GET", f"numbers/export.{fmt}", {},
           "200 200 200 200", None)
expect("imports/", "GET", "imports/", {}, "200 200 200 200", None)
expect("imports/", "POST", "imports/", {"account": "{account}", "numbers": ["+12125550177"]},
       "403 201 403 403", "403 404 404 403")
expect("imports/template.csv", "GET", "imports/template.csv", {}, "200 200 200 200", None)
expect("imports/template.xlsx", "GET", "imports/template.xlsx", {}, "200 200 200 200", None)
expect("imports/<int:pk>/", "GET", "imports/{import}/", {}, "200 200 200 200", "200 404 404 404")
expect("imports/<int:pk>/commit/", "POST", "imports/{import}/commit/", {},
       "403 200 403 403", "403 404 404 403")
expect("imports/<int:pk>/errors.csv", "GET", "imports/{import}/errors.csv", {},
       "200 200 200 200", "200 404 404 404")
expect("accounts/", "GET", "accounts/", {}, "200 200 200 200", None)
expect("accounts/", "POST", "accounts/",
       {"parent": "{account}", "name": "New", "kind": "enterprise"},
       "403 403 403 403", "403 400 400 403")
expect("accounts/<int:pk>/", "GET", "accounts/{account}/", {}, "200 200 200 200",
       "200 404 404 404")
expect("accounts/<int:pk>/", "PATCH", "accounts/{account}/", {"name": "Renamed"},
       "403 200 200 403", "403 404 404 403")
expect("accounts/<int:pk>/", "DELETE", "accounts/{account}/", None,
       "403 409 403 403", "403 404 404 403")
expect("accounts/<int:pk>/inventory/", "GET", "accounts/{account}/inventory/", {},
       "200 200 200 200", "200 404 404 404")
expect("users/", "GET", "users/", {}, "200 200 200 200", None)
# The user acted on is Acme's professional (nobody in ROLES acts on themselves).
expect("users/<int:pk>/", "GET", "users/{user}/", {}, "200 200 200 200", "200 404 404 404")
expect("users/<int:pk>/", "PATCH", "users/{user}/", {"is_active": False},
       "403 200 200 403", "403 404 404 403")
expect("users/<int:pk>/", "DELETE", "users/{user}/", None, "403 204 204 403",
       "403 404 404 403")
expect("tokens/", "GET", "tokens/", {}, "200 200 200 200", None)
expect("tokens/", "POST", "tokens/", {"name": "more"}, "403 201 201 403", None)
expect("tokens/<int:pk>/", "DELETE", "tokens/{token}/", None, "403 204 204 403",
       "403 404 404 403")
expect("targets/", "GET", "targets/", {}, "200 200 200 200", None)
expect("targets/", "POST", "targets/",
       {"enterprise": "{account}", "kind": "pbx_user", "name": "New"},
       "403 201 201 403", "403 400 400 403")
expect("targets/<int:pk>/", "GET", "targets/{target}/", {}, "200 200 200 200",
       "200 404 404 404")
expect("targets/<int:pk>/", "PATCH", "targets/{target}/", {"name": "Renamed"},
       "403 200 200 403", "403 404 404 403")
# Acme's user holds a number: deleting it is a conflict once the request is allowed.
expect("targets/<int:pk>/", "DELETE", "targets/{target}/", None, "403 409 409 403",
       "403 404 404 403")
for route, key, body, deleted in (
    # Acme's numbers use the carrier: deleting it is a conflict.
    ("carriers", "carrier", {"name": "New"}, "403 409 404 403"),
    ("sms-profiles", "sms_profile", {"carrier_name": "Sinch", "name": "New"}, "403 204 404 403"),
    ("calling-profiles", "calling_profile", {"name": "New"}, "403 204 404 403"),
):
    expect(f"{route}/", "GET", f"{route}/", {}, "200 200 200 200", None)
    expect(f"{route}/", "POST", f"{route}/", {**body, "owner": "{account}"},
           "403 201 403 403", "403 400 400 403")
    expect(f"{route}/<int:pk>/", "GET", f"{route}/{{{key}}}/", {}, "200 200 200 200",
           "200 404 404 404")
    expect(f"{route}/<int:pk>/", "PATCH", f"{route}/{{{key}}}/", {"name": "Renamed"},
           "403 200 404 403", "403 404 404 403")
    expect(f"{route}/<int:pk>/", "DELETE", f"{route}/{{{key}}}/", None, deleted,
           "403 404 404 403")
L = "platform-links/{link}/"
expect("platform-links/", "GET", "platform-links/", {}, "200 200 200 200", None)
expect("platform-links/", "POST", "platform-links/",
       {"enterprise": "{account}", "connector": "webhook", "mode": "non_integrated",
        "endpoint": "http://127.0.0.1:9/hook"},
       "403 409 403 403", "403 400 400 403")
expect("platform-links/<int:pk>/", "GET", L, {}, "200 200 200 200", "200 404 404 404")
expect("platform-links/<int:pk>/", "PATCH", L, {"name": "Renamed"},
       "403 200 403 403", "403 404 404 403")
expect("platform-links/<int:pk>/", "DELETE", L, None, "403 204 403 403", "403 404 404 403")
# The integrated link is consented already; consent is also open to consent links.
expect("platform-links/<int:pk>/consent/", "POST", L + "consent/", {},
       "403 409 409 403", "403 404 404 404")
expect("platform-links/<int:pk>/consent-link/", "POST", L + "consent-link/", {},
       "403 409 403 403", "403 404 404 403")
expect("platform-links/<int:pk>/resync/", "POST", L + "resync/", {},
       "403 202 202 403", "403 404 404 403")
# No message is dead here: replaying them all is a conflict where it is allowed.
expect("platform-links/<int:pk>/replay/", "POST", L + "replay/", {},
       "403 409 409 403", "403 404 404 403")
expect("platform-links/<int:pk>/messages/", "GET", L + "messages/", {},
       "200 200 200 200", "200 404 404 404")
# The links' outbox is empty here (no delivery ran), so a message is 404 on both sides.
expect("platform-links/<int:pk>/messages/<int:mid>/", "GET", L + "messages/{message}/", {},
       "404 404 404 404", "404 404 404 404")
expect("platform-links/<int:pk>/messages/<int:mid>/replay/", "POST",
       L + "messages/{message}/replay/", {}, "403 404 404 403", "403 404 404 403")
expect("call-events/", "POST", "call-events/", {"e164": "{number}", "at": NOW},
       "403 200 403 403", "403 200 403 403")
expect("events/", "GET", "events/", {}, "200 200 200 200", None)
# Everyone signed in reads the status; its figures are filtered (didhub/ops/status.py).
expect("status/", "GET", "status/", {}, "200 200 200 200", None)
# fmt: on


def api_routes() -> set[tuple[str, str]]:
    """Every (route, METHOD) under /api/v1/, from the URL resolver."""
    found = set()

    def walk(patterns, prefix):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                if not route.startswith("api/v1/"):
                    continue
                view = getattr(entry.callback, "cls", None) or getattr(
                    entry.callback, "view_class", None
                )
                for method in METHODS:
                    if view is None or hasattr(view, method):
                        found.add((route.removeprefix("api/v1/"), method.upper()))

    walk(get_resolver().url_patterns, "")
    return found


def test_every_api_route_is_in_the_matrix():
    routes = api_routes()
    assert routes - set(MATRIX) == set(), "new endpoints: add them to MATRIX"
    assert set(MATRIX) - routes == set(), "MATRIX lists endpoints that no longer exist"


@pytest.fixture(scope="module")
def world_once(django_db_setup, django_db_blocker):
    """The tree with numbers, targets, catalog, imports and links on both sides."""
    from didhub.accounts import services as account_services
    from didhub.accounts.testing import build_tree
    from didhub.imports import services as import_services
    from didhub.numbers import services as number_services
    from didhub.sync import services as sync_services
    from didhub.sync.models import OutboxMessage

    with django_db_blocker.unblock(), transaction.atomic():
        tree = build_tree()
        world = build_world(tree)
        links, imports, profiles, callings = {}, {}, {}, {}
        for side, enterprise, reseller in (
            ("own", tree.acme, tree.master_admin),
            ("foreign", tree.initech, tree.foreign_admin),
        ):
            links[side], _ = sync_services.link_create(
                actor=reseller,
                enterprise=enterprise,
                connector="webhook",
                mode="integrated",
                endpoint="http://127.0.0.1:9/hook",
            )
            # A change after linking gives the link an outbox message.
            number_services.number_update(
                actor=reseller,
                number=world.ours[2] if side == "own" else world.theirs[1],
                service_info="synced",
            )
            imports[side] = import_services.import_create(
                actor=reseller,
                account=enterprise,
                entries=["+12125550160" if side == "own" else "+12125550161"],
                inline=True,
            )
            profiles[side] = number_services.sms_profile_create(
                actor=reseller, owner=reseller.account, carrier_name="Bandwidth", name=side
            )
            callings[side] = number_services.calling_profile_create(
                actor=reseller, owner=reseller.account, name=side
            )
        users = tree.users()
        keys = {}
        for name in (*ROLES, "acme_pro", "initech_admin"):
            scope = "read" if name.endswith("viewer") else "write"
            token, keys[name] = account_services.token_create(
                actor=users[name], name="matrix", scope=scope
            )
            keys[f"{name}_token"] = token.pk
        objects = {
            side: {
                "number": world.ours[1].e164 if side == "own" else world.theirs[1].e164,
                "account": (tree.acme if side == "own" else tree.initech).pk,
                "target": (world.acme_user if side == "own" else world.initech_user).pk,
                "carrier": (world.carrier if side == "own" else world.foreign_carrier).pk,
                "sms_profile": profiles[side].pk,
                "calling_profile": callings[side].pk,
                "import": imports[side].pk,
                "link": links[side].pk,
                "user": (tree.acme_pro if side == "own" else tree.initech_admin).pk,
                "colleague": tree.acme_viewer.pk,
                "message": OutboxMessage.objects.filter(link=links[side])
                .values_list("pk", flat=True)
                .first()
                or 0,
            }
            for side in ("own", "foreign")
        }
        objects["moved"] = build_moved(tree, keys)
        yield keys, objects
        transaction.set_rollback(True)


def fill(value, objects: dict):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return objects[value[1:-1]]
    if isinstance(value, str):
        return value.format(**objects)
    if isinstance(value, list):
        return [fill(item, objects) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, objects) for key, item in value.items()}
    return value


def call(key: str | None, method: str, path: str, data):
    cache.clear()  # throttles count per test run, not across the matrix
    client = APIClient()
    if key:
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    url = f"/api/v1/{path}"
    with transaction.atomic():
        if method == "GET":
            response = client.get(url, data)
        else:
            response = getattr(client, method.lower())(url, data, format="json")
        transaction.set_rollback(True)
    return response


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "method"), sorted(MATRIX))
def test_isolation(route, method, world_once):
    keys, objects = world_once
    (path, data), own, foreign = MATRIX[(route, method)]
    if True:
        got_own, got_foreign = [], []
        for role in ROLES:
            own_objects = {**objects["own"], "token": keys[f"{role}_token"]}
            foreign_objects = {**objects["foreign"], "token": keys["initech_admin_token"]}
            response = call(keys[role], method, fill(path, own_objects), fill(data, own_objects))
            got_own.append(str(response.status_code))
            if foreign is not None:
                response = call(
                    keys[role], method, fill(path, foreign_objects), fill(data, foreign_objects)
                )
                got_foreign.append(str(response.status_code))
                if role != "platform_viewer":
                    # A foreign tenant's object is never disclosed by its name or number.
                    assert b"Initech" not in body_of(response)
            elif role != "platform_viewer" and method == "GET":
                body = body_of(response)
                assert b"Initech" not in body and objects["foreign"]["number"].encode() not in body
        own_objects = {**objects["own"], "token": keys["master_admin_token"]}
        anonymous = call(None, method, fill(path, own_objects), fill(data, own_objects))
    got = (" ".join(got_own), " ".join(got_foreign) or None)
    assert got == (own, foreign), f"{method} {route}: got {got}"
    assert anonymous.status_code == 401


# A number that moved sideways. Blue Harbor Networks, a reseller below Master, uploads
# numbers and gives them its own carrier and profiles; Master reclaims them and
# delegates them to Blue Harbor's sibling R2. R2 must read nothing of Blue Harbor on any
# surface: not the uploader, not the carrier or profiles (cleared by the move, and
# hidden where older data still holds them), not through a filter by their ids.
MOVED = ("+12125550180", "+12125550181", "+12125550182", "+12125550183")
SIBLING_NAMES = (b"Blue Harbor", b"Harbor Voice", b"Harbor SMS", b"Harbor Calling")


def build_moved(tree, keys: dict) -> dict:
    """The moved numbers (see ``MOVED``), built through the services; R2's token in keys.

    ``…0180`` and ``…0181`` move as the services move them now: the reclaim clears
    what Master may not use. ``…0182`` still carries Blue Harbor's carrier when Master
    delegates it (data from before moves cleared them): the delegation clears it.
    ``…0183`` still carries all three in R2's hands: only the rendering hides them.
    """
    from didhub.accounts import services as account_services
    from didhub.accounts.choices import AccountKind, Role
    from didhub.imports import services as import_services
    from didhub.numbers import services as number_services
    from didhub.numbers.models import Number

    def reseller(name, email):
        account = account_services.account_create(
            actor=tree.master_admin, parent=tree.master, name=name, kind=AccountKind.RESELLER
        )
        admin = account_services.user_create(
            actor=None, account=account, email=email, role=Role.RESELLER_ADMIN
        )
        return account, admin

    blue, blue_admin = reseller("Blue Harbor Networks", "admin@blueharbor.test")
    r2, r2_admin = reseller("R2 Communications", "admin@r2.test")
    _, keys["r2_admin"] = account_services.token_create(actor=r2_admin, name="matrix")
    carrier = number_services.carrier_create(actor=blue_admin, owner=blue, name="Harbor Voice")
    sms = number_services.sms_profile_create(
        actor=blue_admin, owner=blue, carrier_name="Harbor", name="Harbor SMS"
    )
    calling = number_services.calling_profile_create(
        actor=blue_admin, owner=blue, name="Harbor Calling"
    )
    upload = import_services.import_create(
        actor=blue_admin, account=blue, entries=list(MOVED), inline=True
    )
    import_services.import_commit(actor=blue_admin, import_run=upload, inline=True)
    references = {"voice_carrier": carrier, "sms_profile": sms, "calling_profile": calling}
    for text in MOVED:
        number_services.number_update(
            actor=blue_admin,
            number=Number.objects.get(e164=text),
            voice=True,
            sms=True,
            route="direct_routing",
            **references,
        )
    number_services.numbers_reclaim(actor=tree.master_admin, numbers=list(MOVED))
    Number.objects.filter(e164=MOVED[2]).update(voice_carrier=carrier)
    number_services.numbers_delegate(actor=tree.master_admin, numbers=list(MOVED), to_account=r2)
    Number.objects.filter(e164=MOVED[3]).update(**references)
    return {
        "blue": blue.pk,
        "r2": r2.pk,
        "r2_user": r2_admin,
        "master_user": tree.master_admin,
        "carrier": carrier.pk,
        "sms_profile": sms.pk,
        "calling_profile": calling.pk,
    }


def readable_text(response) -> bytes:
    """What a person reads in an answer: an XLSX's cells and a PDF's text unpacked."""
    import io

    from openpyxl import load_workbook

    from didhub.exports.tests.conftest import pdf_text

    body = body_of(response)
    if body.startswith(b"PK"):
        book = load_workbook(io.BytesIO(body))
        cells = [
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        ]
        return "\n".join(cells).encode()
    if body.startswith(b"%PDF-"):
        return pdf_text(body).encode("latin-1")
    return body


# (path, query) of every surface that renders a number of R2, for R2.
MOVED_SURFACES = [
    ("numbers/", {}),
    ("numbers/", {"q": "555018"}),
    *[(f"numbers/{text}/", {}) for text in MOVED],
    *[(f"numbers/{text}/history/", {}) for text in MOVED],
    ("events/", {}),
    *[(f"numbers/export.{fmt}", {}) for fmt in ("csv", "xlsx", "pdf")],
]
# Filters by a reference R2 may not read: nothing, as for an id that does not exist.
MOVED_FILTERS = ("uploaded_by", "voice_carrier", "sms_profile")


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "query"), MOVED_SURFACES)
def test_a_moved_number_shows_nothing_of_the_siblings_tree(path, query, world_once):
    keys, _ = world_once
    response = call(keys["r2_admin"], "GET", path, query)
    assert response.status_code == 200, (path, response.status_code)
    text = readable_text(response)
    for name in SIBLING_NAMES:
        assert name not in text, (path, name)
    if path.startswith("numbers/+") and path.count("/") == 2:
        number = response.json()
        fields = ("uploaded_by", "voice_carrier", "sms_profile", "calling_profile")
        assert {field: number[field] for field in fields} == dict.fromkeys(fields)


@pytest.mark.django_db
@pytest.mark.parametrize("name", MOVED_FILTERS)
@pytest.mark.parametrize("path", ["numbers/", "numbers/export.csv"])
def test_a_filter_by_a_siblings_reference_finds_nothing(name, path, world_once):
    keys, objects = world_once
    moved = objects["moved"]
    value = moved[{"uploaded_by": "blue", "voice_carrier": "carrier"}.get(name, name)]
    response = call(keys["r2_admin"], "GET", path, {name: value})
    assert response.status_code == 200
    body = body_of(response)
    assert not any(text.encode() in body for text in MOVED), (path, name)
    # Without the filter R2 has them all: the filter is what finds nothing.
    everything = body_of(call(keys["r2_admin"], "GET", path, {}))
    assert all(text.encode() in everything for text in MOVED)


@pytest.mark.django_db
def test_the_siblings_carrier_itself_is_not_found(world_once):
    keys, objects = world_once
    moved = objects["moved"]
    for route, key in (
        ("carriers", "carrier"),
        ("sms-profiles", "sms_profile"),
        ("calling-profiles", "calling_profile"),
    ):
        assert call(keys["r2_admin"], "GET", f"{route}/{moved[key]}/", {}).status_code == 404
    assert call(keys["r2_admin"], "GET", f"accounts/{moved['blue']}/", {}).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["list", "filtered", *MOVED])
def test_the_portal_shows_nothing_of_the_siblings_tree(client, page, world_once):
    from django.urls import reverse

    from didhub.web import columns

    _, objects = world_once
    moved = objects["moved"]
    client.force_login(moved["r2_user"])
    if page == "list":
        # Every column of the chooser, the carrier and the accounts included.
        columns.save(moved["r2_user"], [column.key for column in columns.COLUMNS])
        response = client.get(reverse("web:number_list"))
    elif page == "filtered":
        response = client.get(reverse("web:number_list"), {"uploaded_by": moved["blue"]})
    else:
        response = client.get(reverse("web:number_detail", args=[page]))
    assert response.status_code == 200
    body = response.content
    for name in SIBLING_NAMES:
        assert name not in body, (page, name)
    if page == "filtered":
        assert not any(text.encode() in body for text in MOVED)
    elif page == "list":
        assert all(text.encode() in body for text in MOVED)
    else:
        assert page.encode() in body


@pytest.mark.django_db
def test_master_reads_what_the_moves_cleared_and_who_uploaded(world_once):
    """The clearing is on record where its names may be read: Blue Harbor's parent
    sees each cleared reference, and still sees that Blue Harbor uploaded the number."""
    from didhub.core.models import Event

    keys, objects = world_once
    moved = objects["moved"]
    cleared = Event.objects.filter(action="number.catalog_cleared").order_by("number_e164", "id")
    on_record = {(event.number_e164, event.account_id, *sorted(event.before)) for event in cleared}
    every = ("calling_profile", "sms_profile", "voice_carrier")
    assert on_record == {
        # Cleared by the reclaim to Master, recorded on Blue Harbor, which held them.
        *{(text, moved["blue"], *every) for text in MOVED},
        # Cleared by the delegation to R2, recorded on Master.
        (MOVED[2], moved["master_user"].account_id, "voice_carrier"),
    }
    assert all(
        event.before[key]["name"].startswith("Harbor") for event in cleared for key in event.before
    )
    response = call(keys["master_admin"], "GET", f"numbers/{MOVED[0]}/", {})
    assert response.json()["uploaded_by"] == {"id": moved["blue"], "name": "Blue Harbor Networks"}
    history = call(keys["master_admin"], "GET", f"numbers/{MOVED[2]}/history/", {})
    assert b"number.catalog_cleared" in body_of(history)
    r2_history = call(keys["r2_admin"], "GET", f"numbers/{MOVED[2]}/history/", {})
    assert b"number.catalog_cleared" not in body_of(r2_history)


# What a professional may do differs from its enterprise admin's only in managing users.
PROFESSIONAL_DIFFERS = {
    ("users/<int:pk>/", "PATCH"): "403",
    ("users/<int:pk>/", "DELETE"): "403",
}


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "method"), sorted(MATRIX))
def test_professional_acts_as_its_enterprise_admin_except_on_users(route, method, world_once):
    keys, objects = world_once
    (path, data), own, foreign = MATRIX[(route, method)]
    admin_own = own.split()[ROLES.index("acme_admin")]
    admin_foreign = foreign.split()[ROLES.index("acme_admin")] if foreign else None
    # The professional acts on its own token, and on a user who is not itself.
    own_objects = {
        **objects["own"],
        "token": keys["acme_pro_token"],
        "user": objects["own"]["colleague"],
    }
    response = call(keys["acme_pro"], method, fill(path, own_objects), fill(data, own_objects))
    assert str(response.status_code) == PROFESSIONAL_DIFFERS.get((route, method), admin_own)
    if foreign is not None:
        foreign_objects = {**objects["foreign"], "token": keys["initech_admin_token"]}
        response = call(
            keys["acme_pro"], method, fill(path, foreign_objects), fill(data, foreign_objects)
        )
        assert str(response.status_code) == admin_foreign
        assert b"Initech" not in body_of(response)
