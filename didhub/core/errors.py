"""Domain errors: what went wrong, in words a user can act on.

Services raise these; the one exception handler of the API (and the portal's forms)
turn them into answers: validation -> 400, policy -> 403, not visible -> 404,
conflict -> 409. Nothing else should decide a status code.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ErrorItem:
    """One problem of a request: a field or a row, a machine code, a sentence."""

    code: str
    message: str
    field: str | None = None
    row: int | str | None = None

    def as_dict(self) -> dict:
        item = {"code": self.code, "message": self.message}
        if self.field is not None:
            item["field"] = self.field
        if self.row is not None:
            item["row"] = self.row
        return item


@dataclass
class DomainError(Exception):
    message: str
    code: str = "error"
    errors: list[ErrorItem] = field(default_factory=list)

    status = 400
    title = "Bad request"

    def __post_init__(self):
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class ValidationFailed(DomainError):
    """The input breaks a rule (400)."""

    status = 400
    title = "Invalid input"


class PolicyDenied(DomainError):
    """The actor may see the object but not do this to it (403)."""

    status = 403
    title = "Not allowed"


class NotVisible(DomainError):
    """Not found, or outside the actor's subtree: the same answer either way (404)."""

    status = 404
    title = "Not found"


class Conflict(DomainError):
    """The object changed under the request, or is already taken (409)."""

    status = 409
    title = "Conflict"


def invalid(message: str, *, field: str | None = None, code: str = "invalid", row=None):
    """A ValidationFailed with one field- or row-keyed item."""
    return ValidationFailed(
        message=message,
        code=code,
        errors=[ErrorItem(code=code, message=message, field=field, row=row)],
    )
