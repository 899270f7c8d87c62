"""schemathesis against the live schema, with every check it has.

Every operation of /api/schema/ is called with generated input, valid and invalid,
through Django's WSGI application, authenticated once as a reseller admin and once as
an enterprise admin, on the shared tree with numbers, targets and catalog entries in
both tenants. Every check runs: no server error, status codes, content types, headers
and bodies as documented, invalid input refused, valid input accepted, undocumented
methods refused, authentication not ignored. A few examples per operation and a fixed
seed keep the run short (about two minutes on two cores) and repeatable.
"""

import json

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from didhub.accounts import services as account_services
from didhub.imports.columns import FILE_ERROR_CODES

load_all_checks()
USERS = ("reseller", "enterprise")
# What no schema can say: which ids exist and are visible to the caller, and what state
# the objects they name are in (a number held by another account, a profile the
# destination cannot use). Valid-shaped input naming such a thing is refused with a 400
# whose every item carries one of these codes; any other 400 to schema-valid input is a
# disagreement between the schema and the server.
STATE_CODES = {"does_not_exist", "unknown", "wrong_direction", "not_found"}
# Nor that text never holds a NUL character (PostgreSQL cannot store one; the API's JSON
# parser refuses it anywhere in a body, docs/api.md), short of a pattern on every string.
STATE_CODES |= {"null_characters_not_allowed"}
# Nor what an uploaded file holds: a generated file is rarely a table of numbers, and is
# refused with the reason a person reads (docs/upload-format.md).
STATE_CODES |= set(FILE_ERROR_CODES)
# A valid cursor is only ever one a previous answer's links hold.
OPAQUE_FIELDS = {"cursor"}


def refused_for_state(response) -> bool:
    if response.status_code != 400:
        return False
    try:
        items = response.json().get("errors") or []
    except ValueError:
        return False
    return bool(items) and all(
        item.get("code") in STATE_CODES or item.get("field") in OPAQUE_FIELDS for item in items
    )


@schemathesis.check
def positive_data_accepted_unless_state_refuses_it(ctx, response, case):
    """``positive_data_acceptance``, except for refusals that depend on the data's state."""
    if refused_for_state(response):
        return True
    return positive_data_acceptance(ctx, response, case)


ALL_CHECKS = [check for check in CHECKS.get_all() if check is not positive_data_acceptance] + [
    positive_data_accepted_unless_state_refuses_it
]


@pytest.fixture(scope="module")
def tokens(django_db_setup, django_db_blocker):
    """The tree and its inventory, built once; a write token of a reseller admin and of
    an enterprise admin. Each operation's test rolls its own changes back."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections, transaction

    from didhub.accounts.testing import build_tree

    from .world import build_world

    # As Django's test client does: the WSGI app must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    with django_db_blocker.unblock(), transaction.atomic():
        tree = build_tree()
        build_world(tree)
        yield {
            name: account_services.token_create(actor=user, name="schemathesis", scope="write")[1]
            for name, user in zip(USERS, (tree.master_admin, tree.acme_admin), strict=True)
        }
        transaction.set_rollback(True)
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def served_schema() -> dict:
    """The document ``/api/schema/`` serves, made by the same generator and renderer.

    Read without a request: the module is collected before any test database exists,
    and a request would count against the anonymous throttle in the database cache.
    """
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiJsonRenderer

    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))


# The explicit examples and a few generated cases per operation, valid and invalid; the
# coverage phase (every boundary value of every parameter) would take many minutes.
schema = schemathesis.openapi.from_dict(
    served_schema(),
    config=SchemathesisConfig.from_dict(
        {"phases": {"coverage": {"enabled": False}}, "generation": {"mode": "all"}}
    ),
)
schema.app = get_wsgi_application()
schema.location = "/api/schema/"


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=4,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case, tokens):
    from django.core.cache import cache

    for user in USERS:
        cache.clear()  # generated traffic must not trip the throttles
        case.call_and_validate(
            headers={"Authorization": f"Token {tokens[user]}"}, checks=ALL_CHECKS
        )
