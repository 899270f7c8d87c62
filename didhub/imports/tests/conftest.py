"""Fixtures of the imports app: uploads built through the services."""

import io

import pytest

from didhub.imports import services

HEADER = "Country Code,Phone Number,Voice,SMS,Fax,Voice Route Type\n"


def csv_file(text: str | bytes, name: str = "numbers.csv") -> io.BytesIO:
    stream = io.BytesIO(text.encode() if isinstance(text, str) else text)
    stream.name = name
    return stream


def upload(actor, account, text: str | bytes, name: str = "numbers.csv", **options):
    """Validate a CSV (text after the standard header unless it has its own) into account."""
    if isinstance(text, str) and not text.lower().startswith(("country", "phone", "number")):
        text = HEADER + text
    return services.import_create(
        actor=actor, account=account, file=csv_file(text, name), **options
    )


@pytest.fixture
def immediate_tasks(settings):
    """Background tasks run inline (the Django Tasks immediate backend)."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "imports", "sync"],
        }
    }


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    """Uploads and lock files of a test go to its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR = tmp_path
