"""factory_boy factories of the numbers' catalog and targets, created through the
numbers services (policy check, validation, events), never ``Model.save``.

``actor`` is the user acting and must be allowed to manage the owner's catalog or the
enterprise's targets. Numbers come in through an upload only: their factory is
``didhub.imports.tests.factories.NumberFactory``.

    carrier = CarrierFactory(actor=tree.master_admin, owner=tree.master, name="TeamMate")
    alice = TargetFactory(actor=tree.acme_admin, enterprise=tree.acme, name="Alice")
"""

import factory

from didhub.accounts.tests.factories import ServiceFactory
from didhub.numbers import services
from didhub.numbers.choices import TargetKind
from didhub.numbers.models import CallingProfile, Carrier, SmsProfile, Target


class CarrierFactory(ServiceFactory):
    """A voice carrier of ``owner``'s catalog."""

    class Meta:
        model = Carrier

    _service = staticmethod(services.carrier_create)
    owner = None
    name = factory.Sequence(lambda n: f"Carrier {n}")


class SmsProfileFactory(ServiceFactory):
    """An SMS carrier profile of ``owner``'s catalog."""

    class Meta:
        model = SmsProfile

    _service = staticmethod(services.sms_profile_create)
    owner = None
    carrier_name = "Bandwidth"
    name = factory.Sequence(lambda n: f"SMS profile {n}")


class CallingProfileFactory(ServiceFactory):
    """A calling profile (an SBC device) of ``owner``'s catalog."""

    class Meta:
        model = CallingProfile

    _service = staticmethod(services.calling_profile_create)
    owner = None
    name = factory.Sequence(lambda n: f"Calling profile {n}")
    sbc_device = factory.Sequence(lambda n: f"sbc-{n}")


class TargetFactory(ServiceFactory):
    """A target of ``enterprise``: a PBX user unless ``kind`` says."""

    class Meta:
        model = Target

    _service = staticmethod(services.target_create)
    enterprise = None
    kind = TargetKind.PBX_USER
    name = factory.Sequence(lambda n: f"Target {n}")
