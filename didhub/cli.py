"""The ``didhub`` command: Django's management commands under one friendly name.

``didhub serve``, ``didhub worker``, ``didhub migrate``, ``didhub demo``,
``didhub users add``, ``didhub numbers check|import``, ``didhub calls import``,
``didhub export``, ``didhub health``, ``didhub housekeeping`` and every other
``manage.py`` command (``didhub numbers check`` is Django's system check).
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "didhub.config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["didhub", *args])


if __name__ == "__main__":
    main()
