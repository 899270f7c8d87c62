"""Turn ``DIDHUB_CACHE_URL`` into Django's ``CACHES["default"]``.

The cache holds throttle counts, which every process of an installation must share:
unset, it is a table of the database (``DatabaseCache``, created by ``didhub migrate``);
``redis://``, ``rediss://`` or ``unix://`` select Django's own Redis backend (the
``redis`` package, ``pip install "didhub[redis]"``). Anything else fails at start-up
with a clear message, never a cache private to one process.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

CACHE_TABLE = "didhub_cache"
REDIS_SCHEMES = {"redis", "rediss", "unix"}
# The table holds only live counters (they expire with their window); the cap is far above
# them so that culling never forgets the count of an address or user under attack.
MAX_ENTRIES = 100_000


def cache_from_url(url: str) -> dict:
    if not url:
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": CACHE_TABLE,
            "OPTIONS": {"MAX_ENTRIES": MAX_ENTRIES},
        }
    scheme = urlsplit(url).scheme.lower()
    if scheme in REDIS_SCHEMES:
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "didhub",
        }
    raise ImproperlyConfigured(
        f"DIDHUB_CACHE_URL: unsupported scheme {scheme!r}; use redis://, rediss:// or unix://, "
        "or leave it unset for the database."
    )
