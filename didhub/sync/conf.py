"""Delivery knobs, read from the settings (each from its environment variable there).

``DIDHUB_SYNC_TIMEOUT``       seconds a platform has to answer one request (10)
``DIDHUB_SYNC_LEASE``         seconds a worker holds a message it is sending (60); a
                              worker killed mid-request leaves it to expire
``DIDHUB_SYNC_MAX_ATTEMPTS``  attempts before a message is dead (40; while its link is down
                              only the probe makes attempts: about two hours of outage)
``DIDHUB_SYNC_BACKOFF_BASE``  first delay in seconds before a link that failed is tried
                              again, doubled per failure in a row (2)
``DIDHUB_SYNC_BACKOFF_CAP``   longest such delay in seconds (300): a link that is down is
                              probed at least this often
``DIDHUB_SYNC_BATCH``         most numbers per message (1000; Webex: at most 500)
``DIDHUB_SYNC_POLL``          seconds the worker waits when there is nothing to send (0.2)
``DIDHUB_SYNC_SENDERS``       delivery threads of one worker (0: 2 on PostgreSQL, where one
                              packs the next message while another waits for the platform
                              or writes the outcome; 1 on SQLite, which has one writer)
"""

from django.conf import settings

from didhub.core.db import is_postgresql


def get(name: str):
    """The setting's value now (tests and sites change settings; nothing is cached)."""
    return getattr(settings, name)


def senders() -> int:
    """How many delivery threads a worker runs (``DIDHUB_SYNC_SENDERS``, 0 = automatic)."""
    configured = get("DIDHUB_SYNC_SENDERS")
    if configured > 0:
        return configured
    return 2 if is_postgresql() else 1
