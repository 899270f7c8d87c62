"""A process that is killed in the middle of an upload (used by test_crash.py).

    python -m didhub.imports.tests.crash_child setup          -> prints the import id
    python -m didhub.imports.tests.crash_child commit ID      -> prints "inserted", waits
    python -m didhub.imports.tests.crash_child validate ACCOUNT USER
        -> validates a file shared out to helpers, prints the import id and the
           helpers' pids once they have staged their rows, waits
    python -m didhub.imports.tests.crash_child inspect ID     -> prints state, error, numbers

The database is the one ``DIDHUB_DATABASE_URL`` names.
"""

import io
import json
import multiprocessing
import os
import sys
import time


def main(mode: str, *args: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "didhub.config.settings")
    import django

    django.setup()
    from didhub.imports import selectors, services, staging
    from didhub.imports.models import Import
    from didhub.numbers.models import Number

    if mode == "setup":
        from django.core.management import call_command

        from didhub.accounts.testing import build_tree

        call_command("migrate", verbosity=0, skip_checks=True)
        tree = build_tree()
        stream = io.BytesIO(
            ("Phone Number\n" + "".join(f"+121255501{n:02d}\n" for n in range(100))).encode()
        )
        stream.name = "crash.csv"
        run = services.import_create(actor=tree.master_admin, account=tree.sub, file=stream)
        print(run.pk, flush=True)
    elif mode == "commit":
        run = Import.objects.get(pk=args[0])
        real = staging.insert_numbers

        def insert_then_stall(*args, **kwargs):
            inserted = real(*args, **kwargs)
            print("inserted", inserted, flush=True)
            time.sleep(120)
            return inserted

        staging.insert_numbers = insert_then_stall
        services.import_commit(actor=run.user, import_run=run, inline=True)
    elif mode == "validate":
        from django.conf import settings

        from didhub.accounts.models import Account, User
        from didhub.imports import sharing

        account_id, user_id = args
        settings.DIDHUB_IMPORT_SHARE_ROWS = 0
        settings.DIDHUB_IMPORT_PROCESSES = 3
        sharing.CHUNK_ROWS = 10
        real_result = sharing._result

        def result_then_stall(process, pipe):
            found = real_result(process, pipe)
            if isinstance(found, sharing.Outcome) and process.name.endswith("-2"):
                pids = [child.pid for child in multiprocessing.active_children()]
                run = Import.objects.latest("pk")
                print("validated", run.pk, *pids, flush=True)
                time.sleep(120)
            return found

        sharing._result = result_then_stall
        stream = io.BytesIO(
            ("Phone Number\n" + "".join(f"+121255501{n:02d}\n" for n in range(100))).encode()
        )
        stream.name = "crash.csv"
        services.import_create(
            actor=User.objects.get(pk=user_id),
            account=Account.objects.get(pk=account_id),
            file=stream,
            inline=True,
        )
    else:
        run = Import.objects.get(pk=args[0])
        run = selectors.import_get(user=run.user, pk=run.pk)
        print(
            json.dumps({"state": run.state, "error": run.error, "numbers": Number.objects.count()}),
            flush=True,
        )


if __name__ == "__main__":
    main(*sys.argv[1:])
