"""Turn ``DIDHUB_DATABASE_URL`` into a Django ``DATABASES`` entry.

Only the two engines didhub supports are accepted, so a typo fails at start-up with a
clear message instead of a confusing driver error later.
"""

from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}


def database_from_url(url: str) -> dict:
    """``postgresql://user:pass@host:5432/name`` or ``sqlite:///path/to/db.sqlite3``."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    options = dict(parse_qsl(parts.query))
    if scheme == "sqlite":
        path = unquote(parts.path)
        # sqlite:////abs/path -> "//abs/path"; sqlite:///rel/path -> "/rel/path"
        name = path[1:] if path.startswith("//") else path.lstrip("/") or ":memory:"
        return sqlite_database(Path(name) if name != ":memory:" else name, options)
    if scheme in POSTGRES_SCHEMES:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": int(options.pop("conn_max_age", 60)),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": options,
        }
    raise ImproperlyConfigured(
        f"DIDHUB_DATABASE_URL: unsupported scheme {scheme!r}; use postgresql:// or sqlite:///"
    )


def replica_from_url(url: str, primary: dict) -> dict:
    """``DIDHUB_DATABASE_REPLICA_URL``: a PostgreSQL streaming replica of a PostgreSQL primary.

    A replica that does not answer within two seconds is bypassed, not waited for
    (``connect_timeout``, unless the URL sets it); a test run reads the primary's test
    database through it (``MIRROR``), as there is no replica to create one on.
    """
    database = database_from_url(url)
    postgres = "django.db.backends.postgresql"
    if database["ENGINE"] != postgres or primary["ENGINE"] != postgres:
        raise ImproperlyConfigured(
            "DIDHUB_DATABASE_REPLICA_URL: a replica is a PostgreSQL streaming replica of the "
            "PostgreSQL database DIDHUB_DATABASE_URL names"
        )
    database["OPTIONS"].setdefault("connect_timeout", 2)
    database["TEST"] = {"MIRROR": "default"}
    return database


def sqlite_database(path, options: dict | None = None) -> dict:
    """SQLite tuned for a small server: WAL so readers never wait for the writer.

    Temporary storage stays in files (SQLite's default; the operating system caches
    them): held in memory, the sort behind an upload's commit of a million rows took
    200 MB more and ran slower (docs/performance.md).
    """
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA temp_store=FILE; PRAGMA cache_size=-65536; PRAGMA mmap_size=268435456;"
            ),
            **(options or {}),
        },
    }
