"""The demo's platform links, each sending to the receiver inside ``didhub serve``.

Two enterprises are linked, as a reseller links them (``didhub.sync.services``), by
integrated webhook links whose endpoint is this didhub's own ``/demo/platform/<name>/``:

* Contoso Ltd's platform is live and has a location in the United States only: its US
  numbers read Ready, and the messages carrying its Canadian and British numbers are
  refused, so those read Failed (with the platform's status, as any refusal).
* Fabrikam Inc's platform is in maintenance (503, retry in an hour): the link backs off
  and its numbers read Pending, and the link's page says when the next probe goes.

A lasting Pending needs a platform that is down: per link, didhub sends nothing but one
probe while its platform does not answer (docs/sync.md), so a platform that answers
settles every change within seconds. Hence two platforms rather than one.

The receiver is on loopback, where webhooks may go only with
``DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS`` on (``make run`` sets it for the servers it starts;
the production default stays off). Without it the links are not created, and
``didhub demo`` says how to add them.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.db import transaction

from didhub.accounts.models import Account, User
from didhub.demo.models import DemoPlatform, PlatformBehaviour
from didhub.sync import services as sync_services
from didhub.sync.choices import Connector, LinkMode, LinkStatus
from didhub.sync.models import PlatformLink
from didhub.sync.targets import UnsafeTarget, check

DEFAULT_SERVER_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class PlatformPlan:
    name: str  # the receiver's URL: /demo/platform/<name>/
    enterprise: str
    reseller_admin: str  # who links it
    behaviour: str
    regions: str = ""
    link_name: str = ""


PLATFORMS = [
    PlatformPlan(
        name="contoso",
        enterprise="Contoso Ltd",
        reseller_admin="admin@northwind.example",
        behaviour=PlatformBehaviour.LIVE,
        regions="US",
        link_name="Contoso calling platform (US location)",
    ),
    PlatformPlan(
        name="fabrikam",
        enterprise="Fabrikam Inc",
        reseller_admin="admin@blueharbor.example",
        behaviour=PlatformBehaviour.MAINTENANCE,
        link_name="Fabrikam calling platform (in maintenance)",
    ),
]


# A server listening on every address (make run HOST=0.0.0.0) is reached on loopback.
EVERY_ADDRESS = {"0.0.0.0": "127.0.0.1", "[::]": "[::1]"}


def reachable(server_url: str) -> str:
    """``server_url`` as the worker can reach it: no wildcard address, no trailing slash."""
    parts = urlsplit(server_url.rstrip("/"))
    host, _, port = parts.netloc.rpartition(":") if parts.port else (parts.netloc, "", "")
    host = EVERY_ADDRESS.get(host, host)
    return urlunsplit(parts._replace(netloc=f"{host}:{port}" if port else host))


def endpoint_for(server_url: str, name: str) -> str:
    return f"{reachable(server_url)}/demo/platform/{name}/"


@dataclass
class LinkReport:
    enterprise: str
    endpoint: str
    description: str
    status: str  # "created", "moved", "unchanged"


def ensure_platform_links(server_url: str = DEFAULT_SERVER_URL) -> list[LinkReport]:
    """Link each planned enterprise once; point the links at ``server_url`` if it moved.

    Raises ``UnsafeTarget`` when webhooks may not go to ``server_url`` (loopback
    without ``DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS``): nothing is created then.
    """
    check(endpoint_for(server_url, "check"))
    reports = []
    for plan in PLATFORMS:
        enterprise = Account.objects.filter(name=plan.enterprise).first()
        actor = User.objects.filter(email=plan.reseller_admin).first()
        if enterprise is None or actor is None:
            continue  # a demo built from a shorter plan (tests)
        reports.append(ensure_link(plan, enterprise, actor, endpoint_for(server_url, plan.name)))
    return reports


def described(plan: PlatformPlan) -> str:
    """What the platform does, and what the portal shows for it, in a sentence."""
    if plan.behaviour == PlatformBehaviour.MAINTENANCE:
        return (
            "Its platform is in maintenance (503, retry in an hour): the link backs off "
            "and the numbers read Pending."
        )
    return (
        f"Its platform has a location in {plan.regions} only: it takes those numbers "
        "(Ready) and refuses a message carrying any other country's (Failed, 422)."
    )


def ensure_link(plan: PlatformPlan, enterprise: Account, actor: User, endpoint: str):
    label = described(plan)
    with transaction.atomic():
        demo = DemoPlatform.objects.select_related("link").filter(name=plan.name).first()
        if demo is not None and demo.link.status != LinkStatus.DISABLED:
            if demo.link.endpoint == endpoint:
                return LinkReport(plan.enterprise, endpoint, label, "unchanged")
            sync_services.link_update(actor=actor, link=demo.link, endpoint=endpoint)
            return LinkReport(plan.enterprise, endpoint, label, "moved")
        if (
            PlatformLink.objects.filter(enterprise=enterprise)
            .exclude(status=LinkStatus.DISABLED)
            .exists()
        ):
            # Linked by someone trying the demo: theirs stays.
            return LinkReport(plan.enterprise, endpoint, label, "kept the enterprise's own link")
        link, _ = sync_services.link_create(
            actor=actor,
            enterprise=enterprise,
            connector=Connector.WEBHOOK,
            mode=LinkMode.INTEGRATED,
            name=plan.link_name,
            organization_id=f"demo-{plan.name}",
            endpoint=endpoint,
        )
        DemoPlatform.objects.update_or_create(
            name=plan.name,
            defaults={"link": link, "behaviour": plan.behaviour, "regions": plan.regions},
        )
        return LinkReport(plan.enterprise, endpoint, label, "created")


__all__ = ["DEFAULT_SERVER_URL", "PLATFORMS", "UnsafeTarget", "ensure_platform_links"]
