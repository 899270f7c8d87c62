"""File names and the words that say what an export holds."""

import re

DEFAULT_STEM = "PhoneNumbers"
UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
MAX_NAME = 100
# Query parameters of the export itself, not filters of the number list.
EXPORT_PARAMETERS = frozenset({"filename", "numbers", "format"})


def export_filename(requested: str | None, extension: str) -> str:
    """A safe download name ending in ``extension``; ``PhoneNumbers.csv`` by default.

    Only letters, digits, spaces, dots, dashes and underscores are kept, so that the
    name can neither leave the download folder nor break the Content-Disposition header.
    """
    name = (requested or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = UNSAFE.sub("_", name).strip(" ._")
    if name.lower().endswith(extension):
        name = name[: -len(extension)].rstrip(" ._")
    name = name[: MAX_NAME - len(extension)].rstrip(" ._")
    return f"{name or DEFAULT_STEM}{extension}"


def describe(filters, selected: list[str] | None = None, *, viewer: str = "") -> str:
    """What the export holds, in words, for the PDF header and the command's summary."""
    parts = []
    if selected is not None:
        shown = ", ".join(selected[:5])
        more = f" and {len(selected) - 5:,} more" if len(selected) > 5 else ""
        parts.append(f"the selected numbers {shown}{more}")
    terms = [
        f"{key} = {value}"
        for key, value in _items(filters)
        if key not in EXPORT_PARAMETERS and value not in ("", None)
    ]
    if terms:
        parts.append("filter " + ", ".join(terms))
    scope = f" visible to {viewer}" if viewer else ""
    if not parts:
        return f"All numbers{scope}"
    return f"Numbers{scope} matching " + "; ".join(parts)


def _items(filters):
    if not filters:
        return []
    if hasattr(filters, "lists"):
        return [(key, ",".join(values)) for key, values in filters.lists()]
    return list(filters.items())
