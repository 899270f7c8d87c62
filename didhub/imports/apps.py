"""Two-phase bulk upload of numbers."""

from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "didhub.imports"
    label = "imports"
    verbose_name = "Imports"

    def ready(self):
        from didhub.imports import jobs  # noqa: F401  (registers the housekeeping jobs)
        from didhub.imports.selectors import upload_arrivals
        from didhub.numbers.selectors import history

        # A number's history begins with the upload that brought it in.
        history.answer_upload_arrivals(upload_arrivals)
