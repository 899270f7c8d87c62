"""The replica's configuration, and reads without one (the streaming tests are in
tests/cluster/test_replica.py)."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS

from didhub.core.database_url import database_from_url, replica_from_url
from didhub.core.db import replica

PRIMARY = database_from_url("postgresql://didhub@db:5432/didhub")


def test_a_replica_url_becomes_a_mirror_that_gives_up_quickly():
    database = replica_from_url("postgresql://didhub:secret@replica:5433/didhub", PRIMARY)
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("replica", "5433", "didhub")
    assert database["OPTIONS"]["connect_timeout"] == 2
    assert database["TEST"] == {"MIRROR": "default"}
    slower = replica_from_url("postgresql://replica/didhub?connect_timeout=9", PRIMARY)
    assert slower["OPTIONS"]["connect_timeout"] == "9"


@pytest.mark.parametrize(
    ("url", "primary"),
    [
        ("sqlite:///var/replica.sqlite3", PRIMARY),
        ("postgresql://replica/didhub", database_from_url("sqlite:///var/didhub.sqlite3")),
    ],
)
def test_only_a_postgresql_replica_of_a_postgresql_primary_is_accepted(url, primary):
    with pytest.raises(ImproperlyConfigured, match="DIDHUB_DATABASE_REPLICA_URL"):
        replica_from_url(url, primary)


@pytest.mark.django_db
def test_without_a_replica_every_read_is_the_primarys():
    assert replica.replica_state() is None
    assert replica.replica_or_primary() == DEFAULT_DB_ALIAS
    with replica.reading() as alias:
        assert alias == DEFAULT_DB_ALIAS
        assert replica.read_alias() == DEFAULT_DB_ALIAS
    with replica.reading(alias=replica.ALIAS):
        # Even told to, a read inside a transaction on the primary stays there.
        assert replica.read_alias() == DEFAULT_DB_ALIAS
