from django.db import models


class ImportState(models.TextChoices):
    VALIDATING = "validating", "Validating"
    READY = "ready", "Ready"
    COMMITTING = "committing", "Committing"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportSource(models.TextChoices):
    FILE = "file", "File"
    LIST = "list", "List"
    RANGE = "range", "Range"
    SINGLE = "single", "Single number"
