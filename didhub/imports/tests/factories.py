"""The factory of numbers: each one comes in through an upload, as in production.

``NumberFactory`` calls ``didhub.imports.adding``, so a number it makes carries what an
upload gives it (the import it came from, the default carriers, the starting sync state)
and the history an upload writes (``import.created``, ``import.committed``), nothing
more. ``create_batch`` makes the whole batch one upload: a hundred numbers cost one
import, as a file of a hundred rows does.

    number = NumberFactory(actor=tree.master_admin, account=tree.master)
    sms = NumberFactory(actor=..., account=..., voice=False, sms=True)
    batch = NumberFactory.create_batch(100, actor=..., account=..., porting=True)
"""

import factory
from django.db import models

from didhub.accounts.tests.factories import ServiceFactory
from didhub.imports import adding
from didhub.numbers.choices import Route
from didhub.numbers.models import Number

# The fields that are the uploader and the destination, not columns of the upload.
WHO = ("actor", "account")


class NumberFactory(ServiceFactory):
    """A voice+SMS number on direct routing (no route without voice), uploaded by
    ``actor`` into ``account``. Any other keyword is an upload column default
    (``usage``, ``cac_limit``, ``tags``, ``calling_profile`` by name, ...) or one of the
    upload's choices (``adding.UPLOAD_OPTIONS``: carriers, porting)."""

    class Meta:
        model = Number

    _service = staticmethod(adding.number_add)
    account = None
    # +1 646 555 0000 on: New York numbers the suite's fixed ones (+1 212 ...) never meet.
    e164 = factory.Sequence(lambda n: f"+1646555{n % 10_000:04d}")
    voice = True
    sms = True
    route = factory.LazyAttribute(lambda number: Route.DIRECT_ROUTING if number.voice else "")

    @classmethod
    def create_batch(cls, size: int, **fields) -> list[Number]:
        """``size`` numbers in one upload, all or none, in E.164 order. The uploader,
        the destination and the upload's choices are one for the batch."""
        rows = [vars(stub) for stub in cls.stub_batch(size, **fields)]
        skipped = {*WHO, *adding.UPLOAD_OPTIONS}
        shared = {key: value for key, value in rows[0].items() if key in WHO}
        options = {key: value for key, value in rows[0].items() if key in adding.UPLOAD_OPTIONS}
        columns = [
            {key: cell(value) for key, value in row.items() if key not in skipped} for row in rows
        ]
        return adding.numbers_add(entries=columns, **shared, **options)


def cell(value):
    """A value as an upload's JSON entry holds it: a catalog entry by its name."""
    return str(value) if isinstance(value, models.Model) else value
