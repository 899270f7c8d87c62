"""Which names a viewer may read: the accounts on its own line of the tree.

An account sees its own subtree (it manages it) and the accounts above it (its
providers, whose carriers and profiles it uses); never a sibling's or a cousin's. The
same line decides which carriers and profiles it sees: those owned by an account on it.

A number can still carry a reference from elsewhere. Its uploader stays what it was
when the number is reclaimed and delegated sideways (Blue Harbor uploaded it, its parent
reclaimed it and gave it to Blue Harbor's sibling R2), and a carrier set before such a
move stayed with the number until moves cleared them (``didhub.numbers.placement``).
Such a reference is never rendered to the viewer: the API answers null, the portal and
the exports leave the cell empty, and a filter by it finds nothing, exactly as for an
id that does not exist. The platform sees every name.

:class:`References` answers for one viewer and remembers what it looked up, so a page
or an export costs a query per account it has not met yet, not one per row.
"""

from django.db.models import Q

from didhub.accounts.models import Account


def in_lineage(account: Account, path: str) -> bool:
    """True when the account at ``path`` is ``account``, above it or below it."""
    return path.startswith(account.path) or account.path.startswith(path)


def lineage_q(account: Account, field: str = "owner") -> Q:
    """Rows whose account ``field`` is on ``account``'s line: it, above it or below it."""
    return Q(**{f"{field}__path__startswith": account.path}) | Q(
        **{f"{field}_id__in": account.ancestor_ids()}
    )


class References:
    """The references of numbers that one viewer may read."""

    def __init__(self, user):
        account = getattr(user, "account", None)
        if not getattr(user, "is_authenticated", False):
            account = None
        self.viewer = account
        self.sees_all = account is not None and account.is_platform
        self.paths: dict[int, str | None] = {}
        # The viewer and the accounts above it, known without a query.
        self.ancestors = set(account.ancestor_ids()) if account is not None else set()

    @property
    def viewer_path(self) -> str:
        """The viewer's path; an anonymous viewer's matches no account."""
        return self.viewer.path if self.viewer is not None else "-"

    def sees_path(self, path: str | None) -> bool:
        if self.viewer is None or path is None:
            return False
        return self.sees_all or in_lineage(self.viewer, path)

    def learn(self, account_ids) -> None:
        """Look up the paths of accounts not met yet, in one query."""
        missing = {pk for pk in account_ids if pk is not None} - self.paths.keys()
        if missing and self.viewer is not None and not self.sees_all:
            found = dict(Account.objects.filter(pk__in=missing).values_list("pk", "path"))
            for pk in missing:
                self.paths[pk] = found.get(pk)

    def sees_account_id(self, pk) -> bool:
        if self.viewer is None or pk is None:
            return False
        if self.sees_all or pk in self.ancestors:
            return True
        self.learn([pk])
        return self.sees_path(self.paths.get(pk))

    def sees_entry(self, owner_id, owner_path: str | None) -> bool:
        """Whether the viewer may read a carrier or profile owned by ``owner_id``, whose
        path the caller read with it (remembered, so no query looks it up again)."""
        if owner_id is not None and owner_id not in self.paths:
            self.paths[owner_id] = owner_path
        return self.sees_account_id(owner_id)

    def account(self, account: Account | None) -> Account | None:
        """``account`` when the viewer may read its name, else None."""
        if account is None or not self.sees_path(account.path):
            return None
        return account

    def entry(self, entry):
        """A carrier or profile when the viewer may read it, else None."""
        if entry is None:
            return None
        owner = entry._state.fields_cache.get("owner")
        if owner is not None:
            return entry if self.sees_path(owner.path) else None
        return entry if self.sees_account_id(entry.owner_id) else None

    def of(self, number) -> "Shown":
        """What of ``number``'s references the viewer may read (see ``Shown``)."""
        return Shown(
            uploaded_by=self.account(number.uploaded_by),
            voice_carrier=self.entry(number.voice_carrier),
            sms_profile=self.entry(number.sms_profile),
            calling_profile=self.entry(number.calling_profile),
        )


class Shown:
    """A number's references as one viewer may read them; None where it may not."""

    __slots__ = ("calling_profile", "sms_profile", "uploaded_by", "voice_carrier")

    def __init__(self, *, uploaded_by, voice_carrier, sms_profile, calling_profile):
        self.uploaded_by = uploaded_by
        self.voice_carrier = voice_carrier
        self.sms_profile = sms_profile
        self.calling_profile = calling_profile
