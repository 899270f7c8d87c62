"""``didhub health``: the readiness report on the command line; exit 1 when not ready."""

import json

from django.core.management.base import BaseCommand, CommandError

from didhub.ops.readiness import check_readiness


class Command(BaseCommand):
    help = "Check that this node can serve: database, migrations, worker, backlogs."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the report as JSON."
        )

    def handle(self, *args, as_json: bool = False, **options):
        report = check_readiness()
        if as_json:
            self.stdout.write(_dumps(report))
        else:
            for name, result in report["checks"].items():
                mark = "ok  " if result["ok"] else "FAIL"
                self.stdout.write(f"{mark} {name:12} {result['detail']}")
            self.stdout.write(report["status"])
        if report["status"] != "ready":
            raise CommandError("not ready", returncode=1)


def _dumps(report: dict) -> str:
    return json.dumps(report, indent=2)
