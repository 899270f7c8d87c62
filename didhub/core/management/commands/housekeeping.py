"""``didhub housekeeping``: run the periodic jobs now (cron-friendly).

``didhub worker`` runs the same jobs on its own schedule; running them by hand as well
is safe, because each job runs in one process at a time across all nodes.
"""

from django.core.management.base import BaseCommand, CommandError

from didhub.core import housekeeping


class Command(BaseCommand):
    help = "Run the housekeeping jobs (expiry, abandoned imports and tasks, pruning) once."

    def add_arguments(self, parser):
        parser.add_argument(
            "--job",
            action="append",
            dest="only",
            metavar="NAME",
            help="Run only this job (repeatable); see --list.",
        )
        parser.add_argument(
            "--list", action="store_true", dest="list_jobs", help="List the jobs and stop."
        )

    def handle(self, *args, only, list_jobs, **options):
        known = {job.name: job for job in housekeeping.jobs()}
        if list_jobs:
            for job in known.values():
                self.stdout.write(f"{job.name:20} {job.description}")
            return
        unknown = sorted(set(only or ()) - set(known))
        if unknown:
            raise CommandError(
                f"No housekeeping job named {', '.join(unknown)}; the jobs are: {', '.join(known)}."
            )
        failed = False
        for outcome in housekeeping.run(only=set(only) if only else None):
            if not outcome.ran:
                self.stdout.write(f"{outcome.job}: skipped (another process is running it)")
            elif outcome.error:
                failed = True
                self.stderr.write(f"{outcome.job}: failed: {outcome.error}")
            else:
                done = ", ".join(f"{key} {value}" for key, value in outcome.result.items())
                self.stdout.write(f"{outcome.job}: {done or 'nothing to do'}")
        if failed:
            raise CommandError("At least one housekeeping job failed (see above).")
