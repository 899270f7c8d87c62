"""didhub.numbers.sql, the account reports' statements, on this database (the suite
runs on SQLite and PostgreSQL; ``test_inventory.py`` reads them through the selectors
with numbers in every state)."""

import pytest

from didhub.accounts.models import Account
from didhub.numbers import sql

pytestmark = pytest.mark.django_db


def test_every_child_is_listed_with_zeros_when_it_holds_no_numbers(tree):
    rows = sql.children_utilization(tree.master.pk)
    children = Account.objects.filter(parent=tree.master).order_by("name", "id")
    assert [tuple(row) for row in rows] == [
        (child.pk, child.name, child.kind, 0, 0, 0) for child in children
    ]
    assert sql.children_utilization(tree.acme.pk) == []  # an enterprise has no children


def test_only_the_direct_children_are_listed(tree):
    rows = {row[0] for row in sql.children_utilization(tree.root.pk)}
    assert rows == set(Account.objects.filter(parent=tree.root).values_list("id", flat=True))
    assert tree.master.pk in rows and tree.acme.pk not in rows
