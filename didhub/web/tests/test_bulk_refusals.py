"""The set-based checks of bulk actions say what the per-number predicates say.

For every role on every kind of account (``users``) and a number in every state and
place (``states``, the fixtures of test_number_actions.py), each action's ``SetCheck``
(asked once per combination of the columns its predicate reads, as a bulk action asks
it) refuses exactly the numbers its predicate refuses, with the same code and message.
"""

import pytest
from django.db import transaction

from didhub.numbers.models import Number
from didhub.numbers.services.actions import PREDICATES, SET_CHECKS
from didhub.numbers.services.bulk_checks import choose, refusals
from didhub.numbers.services.common import NumberFacts
from didhub.web.tests.test_number_actions import states, users  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def set_answers(user, numbers: list[Number], action: str) -> dict[str, tuple[str, str]]:
    """E.164 -> (code, message) of every number the set-based check refuses."""
    with transaction.atomic():
        missing = choose(user, [number.e164 for number in numbers])
        found = refusals(user, [SET_CHECKS[action]], missing=missing)
    assert found.total == len(found.items)
    return {item.row: (item.code, item.message) for _, item in found.items}


def predicate_answers(user, numbers: list[Number], action: str) -> dict[str, tuple[str, str]]:
    facts = NumberFacts.of(numbers)
    answers = {}
    for number in numbers:
        error = PREDICATES[action](user, number, facts)
        if error is None:
            continue
        if error.code == "not_found":
            # Outside the actor's subtree: a bulk action does not disclose it either.
            answers[number.e164] = ("not_found", f"{number.e164} is not in your inventory.")
        else:
            answers[number.e164] = (error.code, error.message)
    return answers


def test_every_set_based_check_equals_its_predicate(users, states):  # noqa: F811
    numbers = list(Number.objects.filter(pk__in=[n.pk for n in states.values()]))
    numbers = list(
        Number.objects.select_related("owner", "uploaded_by").filter(pk__in=[n.pk for n in numbers])
    )
    wrong = []
    refused_somewhere, accepted_somewhere = set(), set()
    for who, user in users.items():
        for action in SET_CHECKS:
            expected = predicate_answers(user, numbers, action)
            got = set_answers(user, numbers, action)
            if got != expected:
                wrong.append(f"{who} / {action}: set {got} != predicate {expected}")
            if expected:
                refused_somewhere.add(action)
            if len(expected) < len(numbers):
                accepted_somewhere.add(action)
    assert wrong == []
    # Every check both refuses and accepts somewhere, so none is compared vacuously.
    assert refused_somewhere == accepted_somewhere == set(SET_CHECKS)
