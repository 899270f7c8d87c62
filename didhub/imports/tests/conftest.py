"""Fixtures of the imports app: uploads built through the services."""

import io
from types import SimpleNamespace

import pytest

from didhub.imports import services
from didhub.numbers import services as number_services

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


@pytest.fixture
def catalog(tree):
    """Master's carriers and profiles; Master's defaults are its first carrier and profile."""
    from didhub.accounts import services as account_services

    master = tree.master_admin
    carrier = number_services.carrier_create(actor=master, owner=tree.master, name="TeamMate")
    other = number_services.carrier_create(actor=master, owner=tree.master, name="Lumen")
    profile = number_services.sms_profile_create(
        actor=master, owner=tree.master, carrier_name="Bandwidth", name="BW for Testing"
    )
    calling = number_services.calling_profile_create(
        actor=master, owner=tree.master, name="Contact Centre", sbc_device="sbc-1"
    )
    foreign_carrier = number_services.carrier_create(
        actor=tree.foreign_admin, owner=tree.foreign, name="Foreign Carrier"
    )
    account_services.account_update(
        actor=tree.platform_admin,
        account=tree.master,
        default_voice_carrier=carrier,
        default_sms_profile=profile,
    )
    return SimpleNamespace(
        carrier=carrier, other=other, profile=profile, calling=calling, foreign=foreign_carrier
    )
