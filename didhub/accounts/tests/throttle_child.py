"""A separate didhub process for the shared-throttle test: ``python throttle_child.py
[--migrate] N`` makes N API requests with a wrong token and prints their statuses.

It runs with the environment it is given (``DIDHUB_DATA_DIR``, ``DIDHUB_THROTTLE_AUTH``),
so two of them on one database are two processes of one installation.
"""

import os
import sys


def main(argv: list[str]) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "didhub.config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    if argv[0] == "--migrate":
        call_command("migrate", verbosity=0, interactive=False)
        argv = argv[1:]
    client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION="Token dh_wrong")
    statuses = [client.get("/api/v1/accounts/").status_code for _ in range(int(argv[0]))]
    print(" ".join(str(status) for status in statuses))


if __name__ == "__main__":
    main(sys.argv[1:])
