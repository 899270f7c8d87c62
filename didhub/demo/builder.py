"""A believable demo inventory, built through the same services as real work (its
numbers through uploads, as a reseller adds them).

A platform, a master reseller with a sub-reseller, enterprises large and small (one
with a location country, one allowed to upload its own numbers), carriers, SMS carrier
profiles, calling profiles, targets of every kind, and more than 10,000 numbers in
contiguous blocks across a dozen countries, in every state of the lifecycle.

It is built once (``build_inventory``); ``didhub.demo.loader`` adds the calls and the
platform links, and gives the logins their passwords (``didhub.demo.logins``).
"""

from dataclasses import dataclass, field
from datetime import timedelta

import phonenumbers
from django.utils import timezone

from didhub.accounts import services as account_services
from didhub.accounts.choices import AccountKind, Role
from didhub.accounts.models import Account, User
from didhub.demo.logins import demo_password
from didhub.imports import adding
from didhub.numbers import e164
from didhub.numbers import services as number_services
from didhub.numbers.choices import Route, TargetKind, Usage
from didhub.numbers.models import Number

MASTER_NAME = "Northwind Telecom"
SUB_NAME = "Blue Harbor Networks"
# The platform's admin and viewer; the master's and the sub-reseller's admins.
PLATFORM_LOGINS = ["admin@didhub.example", "viewer@didhub.example"]
RESELLER_LOGINS = ["admin@northwind.example", "admin@blueharbor.example"]


@dataclass
class EnterprisePlan:
    name: str
    parent: str  # "master" or "sub"
    numbers: list[tuple[str, int]]  # (region, how many)
    stations: int | None = None
    allow_external: bool = False
    location_country: str = ""
    admin: str = ""
    viewer: str = ""
    professional: str = ""  # numbers and assignments, no user management
    people: list[str] = field(default_factory=list)


FIRST = [
    "Ava",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Kira",
    "Liam",
    "Maya",
    "Noor",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
]
LAST = [
    "Anders",
    "Brooks",
    "Costa",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ito",
    "Jones",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Patel",
]

PLANS = [
    EnterprisePlan(
        "Contoso Ltd",
        "master",
        # Its British and Canadian numbers first: the demo's platform of Contoso has a
        # US location only, and refuses the first message of its sync, which carries
        # exactly these 1,000 numbers (didhub.demo.platforms).
        [("GB", 500), ("CA", 500), ("US", 3000)],
        stations=3000,
        allow_external=True,
        admin="admin@contoso.example",
        viewer="viewer@contoso.example",
        professional="pro@contoso.example",
    ),
    EnterprisePlan(
        "Fabrikam Inc",
        "sub",
        [("US", 1500), ("AU", 400), ("NL", 300)],
        stations=1500,
        admin="admin@fabrikam.example",
    ),
    EnterprisePlan(
        "Adatum GmbH",
        "master",
        [("DE", 600), ("FR", 200)],
        stations=500,
        admin="admin@adatum.example",
    ),
    EnterprisePlan(
        "Tailspin Italia",
        "sub",
        [("IT", 200)],
        location_country="IT",
        stations=150,
        admin="admin@tailspin.example",
    ),
    EnterprisePlan(
        "Woodgrove Legal", "master", [("ES", 20)], stations=5, admin="admin@woodgrove.example"
    ),
]
# What each reseller keeps in stock, undelegated.
STOCK = {
    "master": [("US", 1500), ("BR", 200), ("MX", 200), ("JP", 100)],
    "sub": [("US", 600), ("IN", 200)],
}


class NumberSource:
    """Valid numbers in runs of 100, as carriers hand them out; never the same block twice."""

    def __init__(self):
        self.next_block: dict[str, int] = {}

    def take(self, region: str, count: int) -> list[str]:
        example = phonenumbers.example_number_for_type(
            region, phonenumbers.PhoneNumberType.FIXED_LINE
        )
        cc, national = example.country_code, phonenumbers.national_significant_number(example)
        found: list[str] = []
        while len(found) < count:
            block = self.next_block.get(region, 0)
            self.next_block[region] = block + 1
            if block > 5000:
                raise RuntimeError(f"demo: not enough valid {region} numbers near {national}")
            head = national[:-2]
            stem = str(int(head) + block * 7 + 1).zfill(len(head))
            for last in range(100):
                candidate = f"+{cc}{stem}{last:02d}"
                if e164.is_valid(candidate):
                    found.append(candidate)
                    if len(found) == count:
                        break
        return found


def entries_for(numbers: list[str], region: str) -> list[dict]:
    """Upload entries as a reseller would send them: mostly voice, some SMS and fax."""
    entries = []
    for index, number in enumerate(numbers):
        route = Route.DIRECT_ROUTING
        if index % 10 == 7:
            route = Route.EXTERNAL_TRUNK
        elif index % 10 == 8:
            route = Route.OPERATOR_CONNECT
        usage = Usage.USER
        cac = None
        if index % 25 == 3:
            usage, cac = Usage.SERVICE, 4
        elif index % 25 == 4:
            usage, cac = Usage.CONTACT_CENTER, 8
        entries.append(
            {
                "e164": number,
                "voice": True,
                "sms": index % 5 == 0,
                "fax": index % 40 == 1,
                "route": route,
                "usage": usage,
                "cac_limit": cac,
                "tags": ["demo", region.lower()],
            }
        )
    return entries


class DemoBuilder:
    def __init__(self, scale: float = 1.0):
        self.scale = scale
        self.source = NumberSource()

    def entries(self, region: str, count: int) -> list[dict]:
        count = max(5, round(count * self.scale))
        return entries_for(self.source.take(region, count), region)

    def user(self, account: Account, email: str, role: str) -> User:
        return account_services.user_create(
            actor=None, account=account, email=email, role=role, password=demo_password(email)
        )

    def build(self) -> None:
        root = Account.objects.filter(kind=AccountKind.PLATFORM).first()
        if root is None:
            root = account_services.platform_root_create(name="didhub")
        admin = self.user(root, PLATFORM_LOGINS[0], Role.PLATFORM_ADMIN)
        self.user(root, PLATFORM_LOGINS[1], Role.PLATFORM_VIEWER)

        master = account_services.account_create(
            actor=admin, parent=root, name=MASTER_NAME, kind=AccountKind.RESELLER
        )
        master_admin = self.user(master, RESELLER_LOGINS[0], Role.RESELLER_ADMIN)
        sub = account_services.account_create(
            actor=master_admin,
            parent=master,
            name=SUB_NAME,
            kind=AccountKind.RESELLER,
        )
        sub_admin = self.user(sub, RESELLER_LOGINS[1], Role.RESELLER_ADMIN)
        resellers = {"master": (master, master_admin), "sub": (sub, sub_admin)}

        teammate = number_services.carrier_create(actor=master_admin, owner=master, name="TeamMate")
        number_services.carrier_create(actor=master_admin, owner=master, name="Lumen")
        harbor_voice = number_services.carrier_create(
            actor=sub_admin, owner=sub, name="Harbor Voice"
        )
        bandwidth = number_services.sms_profile_create(
            actor=master_admin, owner=master, carrier_name="Bandwidth", name="BW for Testing"
        )
        twilio = number_services.sms_profile_create(
            actor=sub_admin, owner=sub, carrier_name="Twilio", name="Harbor SMS"
        )
        for name, device in (("SBC New York", "sbc-nyc-01"), ("SBC Frankfurt", "sbc-fra-01")):
            number_services.calling_profile_create(
                actor=master_admin, owner=master, name=name, sbc_device=device
            )
        account_services.account_update(
            actor=master_admin,
            account=master,
            default_voice_carrier=teammate,
            default_sms_profile=bandwidth,
        )
        account_services.account_update(
            actor=sub_admin,
            account=sub,
            default_voice_carrier=harbor_voice,
            default_sms_profile=twilio,
        )

        for side, stock in STOCK.items():
            account, actor = resellers[side]
            for region, count in stock:
                adding.numbers_add(
                    actor=actor, account=account, entries=self.entries(region, count)
                )
        # Uploaded before their port completes.
        adding.numbers_add(
            actor=master_admin, account=master, entries=self.entries("US", 40), porting=True
        )
        for plan in PLANS:
            self.build_enterprise(plan, resellers)

    def build_enterprise(self, plan: EnterprisePlan, resellers) -> None:
        parent, parent_admin = resellers[plan.parent]
        enterprise = account_services.account_create(
            actor=parent_admin,
            parent=parent,
            name=plan.name,
            kind=AccountKind.ENTERPRISE,
            stations_purchased=plan.stations,
            allow_external_numbers=plan.allow_external,
            location_country=plan.location_country,
        )
        admin = self.user(enterprise, plan.admin, Role.ENTERPRISE_ADMIN)
        if plan.viewer:
            self.user(enterprise, plan.viewer, Role.ENTERPRISE_VIEWER)
        if plan.professional:
            self.user(enterprise, plan.professional, Role.PROFESSIONAL)
        added: list[str] = []
        for region, count in plan.numbers:
            entries = self.entries(region, count)
            adding.numbers_add(actor=parent_admin, account=parent, entries=entries)
            added.extend(entry["e164"] for entry in entries)
        number_services.numbers_delegate(
            actor=parent_admin,
            numbers=Number.objects.filter(e164__in=added),
            to_account=enterprise,
        )
        self.populate(enterprise, admin, added)

    def populate(self, enterprise: Account, admin: User, e164s: list[str]) -> None:
        """Targets of every kind, about half of the numbers assigned, every state present."""
        targets = {
            kind: [
                number_services.target_create(
                    actor=admin, enterprise=enterprise, kind=kind, name=name
                )
                for name in names
            ]
            for kind, names in target_names(enterprise.name, len(e164s)).items()
        }
        numbers = list(Number.objects.filter(e164__in=e164s).order_by("e164"))
        station_budget = enterprise.stations_purchased or 0
        cursor = {kind: 0 for kind in targets}

        def next_target(kind):
            pool = targets[kind]
            target = pool[cursor[kind] % len(pool)]
            cursor[kind] += 1
            return target

        for index, number in enumerate(numbers):
            # A third of each enterprise's numbers, up to 500, keeps `make run` quick.
            if index % 3 or index >= 1500:
                continue
            kind = kind_for(number, index)
            if kind is None:
                continue
            if kind in STATION_KINDS:
                if station_budget <= 0:
                    continue
                station_budget -= 1
            number_services.number_assign(actor=admin, number=number, target=next_target(kind))
            if number.sms and index % 3 == 0:
                number_services.number_assign(
                    actor=admin, number=number, target=next_target(TargetKind.SMS_GROUP)
                )
        # The newest free numbers (the last region of the plan) are reserved and released.
        free = list(Number.objects.filter(e164__in=e164s, state="available").order_by("-id"))
        now = timezone.now()
        for number in free[:5]:
            number_services.number_reserve(
                actor=admin, number=number, until=now + timedelta(days=14)
            )
        for number in free[5:8]:
            number_services.number_release(actor=admin, number=number)


STATION_KINDS = {
    TargetKind.PBX_USER,
    TargetKind.CALLAPP_USER,
    TargetKind.TRUNK,
    TargetKind.CONTACT_CENTER_AGENT,
}


def kind_for(number: Number, index: int) -> str | None:
    """A target kind that fits the number's route and usage."""
    if number.usage == Usage.CONTACT_CENTER:
        return TargetKind.CONTACT_CENTER_AGENT
    if number.route == Route.EXTERNAL_TRUNK:
        return TargetKind.EXTERNAL_TRUNK
    if number.route == Route.OPERATOR_CONNECT:
        return TargetKind.OPERATOR_CONNECT_TRUNK
    if number.usage == Usage.SERVICE:
        return TargetKind.SERVICE
    if number.fax and index % 4 == 0:
        return TargetKind.FAX if not number.voice else TargetKind.PBX_USER
    return (TargetKind.PBX_USER, TargetKind.PBX_USER, TargetKind.CALLAPP_USER, TargetKind.TRUNK)[
        index % 4
    ]


def target_names(company: str, size: int) -> dict[str, list[str]]:
    """Names for the targets of a company holding ``size`` numbers."""
    short = company.split()[0]
    users = min(120, size // 20 + 2)
    people = [
        f"{first} {initial}. {last}" for initial in "AEJMR" for last in LAST for first in FIRST
    ]
    return {
        TargetKind.PBX_USER: people[:users],
        TargetKind.CALLAPP_USER: people[users : users + users // 3 + 1],
        TargetKind.TRUNK: [f"{short} SIP Trunk {n}" for n in range(1, 4)],
        TargetKind.EXTERNAL_TRUNK: [f"{short} External Trunk"],
        TargetKind.OPERATOR_CONNECT_TRUNK: [f"{short} Teams OC"],
        TargetKind.SMS_USER: people[2 * users : 2 * users + users // 6 + 1],
        TargetKind.SMS_GROUP: [f"{short} Support SMS", f"{short} Sales SMS"],
        TargetKind.SERVICE: [f"{short} Auto Attendant", f"{short} Virtual Receptionist"],
        TargetKind.GROUP: [f"{short} Hunt Group"],
        TargetKind.CONTACT_CENTER_AGENT: [f"{short} Agent {n}" for n in range(1, users // 6 + 2)],
        TargetKind.FAX: [f"{short} Fax Server"],
    }


def demo_emails() -> list[str]:
    """Every demo login, from the widest view to the narrowest."""
    emails = [*PLATFORM_LOGINS, *RESELLER_LOGINS]
    for plan in PLANS:
        emails += [email for email in (plan.admin, plan.professional, plan.viewer) if email]
    return emails


def demo_root() -> Account | None:
    """The demo's master reseller, once the inventory is built."""
    return Account.objects.filter(name=MASTER_NAME, kind=AccountKind.RESELLER).first()


def build_inventory(scale: float = 1.0) -> bool:
    """Build the inventory unless it exists; True when it was built now.

    ``scale`` shrinks the number counts (tests build the same shape, smaller).
    """
    if demo_root() is not None:
        return False
    DemoBuilder(scale).build()
    return True
