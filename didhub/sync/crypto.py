"""Secrets at rest: link credentials encrypted with a key kept outside the database.

A webhook's ``whsec_`` secret or a partner's Webex token is stored as a Fernet token
(AES-128-CBC with HMAC-SHA256, from the ``cryptography`` package), so that a copy of the
database, a backup or an SQL console shows nothing usable.

The keys come from ``DIDHUB_SECRETS_KEY`` (a Django setting, else the environment): one
or more Fernet keys separated by commas. The first encrypts; every one of them decrypts
(``MultiFernet``), which is how a key is rotated: put the new key first, keep the old
ones after it, run ``didhub secrets rotate``, then drop the old ones. Without the setting
the key is derived from Django's ``SECRET_KEY`` (itself outside the database): enough for
the demo and a single machine. The derived key also decrypts when keys are set, so that
moving to a key of one's own is setting it and running ``didhub secrets rotate``
(docs/sync.md).

``EncryptedTextField`` does the work on every read and write, so the rest of the code
handles plain values. A value that no configured key can decrypt is read as an
``UnreadableSecret``: it counts as set, is never sent, and is written back unchanged.
"""

import base64
import hashlib
import logging
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

logger = logging.getLogger("didhub.sync")

SETTING = "DIDHUB_SECRETS_KEY"
# Separates the fallback derivation from every other use of SECRET_KEY.
FALLBACK_CONTEXT = b"didhub.sync.crypto secrets at rest v1:"


class UnreadableSecret(str):
    """A stored secret that no configured key decrypts (a key missing after a rotation).

    Its text is empty, so it can never be sent or shown; it is truthy, so pages say
    credentials are set; and saving the row writes the original ciphertext back.
    """

    def __new__(cls, ciphertext: str):
        value = super().__new__(cls, "")
        value.ciphertext = ciphertext
        return value

    def __bool__(self) -> bool:
        return True


def derived_key(secret_key: str) -> bytes:
    """The fallback Fernet key: SHA-256 of ``SECRET_KEY`` under its own context."""
    digest = hashlib.sha256(FALLBACK_CONTEXT + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def configured_keys() -> list[bytes]:
    value = getattr(settings, SETTING, None)
    if value is None:
        value = os.environ.get(SETTING, "")
    if isinstance(value, (list, tuple)):
        keys = [str(key).strip() for key in value]
    else:
        keys = [key.strip() for key in str(value).split(",")]
    keys = [key.encode() for key in keys if key]
    derived = derived_key(settings.SECRET_KEY)
    # The derived key always decrypts (last): a site that moves from it to its own key
    # sets DIDHUB_SECRETS_KEY and runs `didhub secrets rotate`, nothing else.
    return [*keys, derived] if derived not in keys else keys


def cipher() -> MultiFernet:
    """The configured keys, the first for encrypting; read on every use (tests override)."""
    try:
        return MultiFernet([Fernet(key) for key in configured_keys()])
    except ValueError as error:
        raise ImproperlyConfigured(
            f"{SETTING} must be Fernet keys (32 url-safe base64-encoded bytes) separated by "
            "commas; create one with `didhub secrets newkey`."
        ) from error


def encrypt(plain: str) -> str:
    return cipher().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    """The plain secret; ``InvalidToken`` when no configured key made it."""
    return cipher().decrypt(token.encode()).decode()


def is_encrypted(value: str) -> bool:
    """Whether a stored value is a Fernet token that the configured keys decrypt."""
    try:
        decrypt(value)
    except InvalidToken:
        return False
    return True


class EncryptedTextField(models.TextField):
    """A text column holding a Fernet token; the model attribute holds the plain text.

    Empty stays empty (no secret). Equality lookups cannot work on it (every encryption
    differs), and nothing needs them.
    """

    description = "Text encrypted with DIDHUB_SECRETS_KEY"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        try:
            return decrypt(value)
        except InvalidToken:
            logger.error(
                "A stored %s cannot be decrypted with the configured %s; was a key dropped "
                "before `didhub secrets rotate` ran?",
                self.model._meta.label if hasattr(self, "model") else "secret",
                SETTING,
            )
            return UnreadableSecret(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if isinstance(value, UnreadableSecret):
            return value.ciphertext
        if not value:
            return value
        return encrypt(value)


def rotate(token: str) -> str:
    """The same secret under the first configured key (``MultiFernet.rotate``)."""
    return cipher().rotate(token.encode()).decode()
