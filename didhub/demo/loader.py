"""``load_demo``: the whole demo, each part built once, so running it again changes nothing.

The parts, in order: the inventory (``builder``), its call activity (``activity``), the
platform links to the receiver inside ``didhub serve`` (``platforms``), and the logins
(``logins``). Each part checks whether it is there before it builds, so a data folder
made by an older didhub gets only what it lacks.
"""

from dataclasses import dataclass, field

from django.db import transaction

from didhub.demo import activity, builder, logins, platforms
from didhub.numbers.models import Number


@dataclass
class DemoReport:
    built: bool  # the inventory was built by this run
    numbers: int
    numbers_called: int
    logins: list[logins.Login]
    links: list[platforms.LinkReport] = field(default_factory=list)
    # Why the platform links could not be created, when they could not.
    links_refused: str = ""


def load_demo(*, scale: float = 1.0, server_url: str = platforms.DEFAULT_SERVER_URL):
    """Build what is missing of the demo; return what a person needs to try it."""
    with transaction.atomic():
        built = builder.build_inventory(scale=scale)
        root = builder.demo_root()
        called = activity.ensure_call_activity(root)
    links, refused = [], ""
    try:
        links = platforms.ensure_platform_links(server_url)
    except platforms.UnsafeTarget as error:
        refused = str(error)
    with transaction.atomic():
        people = logins.ensure_logins(builder.demo_emails())
    return DemoReport(
        built=built,
        numbers=Number.objects.filter(owner__path__startswith=root.path).count(),
        numbers_called=called,
        logins=people,
        links=links,
        links_refused=refused,
    )
