import os

import pytest

from didhub.core.testing import build_tree

# Browser journeys start a live server; Django refuses that inside an event loop check.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests create many users; a deliberately slow password hash only slows them down."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def tree(db):
    """The shared account tree (see didhub/core/testing.py)."""
    return build_tree()
