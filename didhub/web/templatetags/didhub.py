"""Template helpers of the portal: policy questions, icons, number display."""

import phonenumbers
from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from didhub.accounts.policy import Action, allows

register = template.Library()

# Feather-style strokes, drawn inline so that no icon font or CDN is needed.
ICONS = {
    "home": '<path d="M3 10.5 12 3l9 7.5V21h-6v-6H9v6H3z"/>',
    "phone": '<path d="M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6'
    "A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1 1 .4 1.9.7 2.8a2 2 0 0 1-.5 2.1"
    'L8 9.9a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.8.7a2 2 0 0 1 1.7 2z"/>',
    "upload": '<path d="M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4"/><path d="m17 8-5-5-5 5"/>'
    '<path d="M12 3v12"/>',
    "list": '<path d="M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01"/>',
    "tree": '<rect x="9" y="2" width="6" height="5" rx="1"/><rect x="2" y="17" width="6" '
    'height="5" rx="1"/><rect x="16" y="17" width="6" height="5" rx="1"/>'
    '<path d="M12 7v5M5 17v-3h14v3"/>',
    "user": '<circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/>',
    "tag": '<path d="M20.6 13.4 13.4 20.6a2 2 0 0 1-2.8 0L3 13V3h10l7.6 7.6a2 2 0 0 1 0 2.8z"/>'
    '<circle cx="7.5" cy="7.5" r="1.5"/>',
    "clock": '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 3"/>',
    "key": '<circle cx="7.5" cy="15.5" r="4.5"/><path d="m10.7 12.3 9.8-9.8M17 6l3 3M15 8l2 2"/>',
    "voice": '<path d="M12 2a3 3 0 0 0-3 3v7a3 3 0 0 0 6 0V5a3 3 0 0 0-3-3z"/>'
    '<path d="M19 10v2a7 7 0 0 1-14 0v-2M12 19v3"/>',
    "sms": '<path d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"/>',
    "fax": '<path d="M6 9V2h12v7"/><rect x="3" y="9" width="18" height="9" rx="2"/>'
    '<path d="M6 14h12v8H6z"/>',
    "search": '<circle cx="11" cy="11" r="7"/><path d="m21 21-4.3-4.3"/>',
    "download": '<path d="M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4"/><path d="m7 10 5 5 5-5"/>'
    '<path d="M12 15V3"/>',
    "more": '<circle cx="12" cy="5" r="1"/><circle cx="12" cy="12" r="1"/>'
    '<circle cx="12" cy="19" r="1"/>',
    "warning": '<path d="M10.3 3.9 1.8 18a2 2 0 0 0 1.7 3h17a2 2 0 0 0 1.7-3L13.7 3.9'
    'a2 2 0 0 0-3.4 0z"/>'
    '<path d="M12 9v4M12 17h.01"/>',
    "logout": '<path d="M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4M16 17l5-5-5-5M21 12H9"/>',
    "link": '<path d="M10 13a5 5 0 0 0 7.5.5l3-3a5 5 0 0 0-7-7l-1.7 1.7"/>'
    '<path d="M14 11a5 5 0 0 0-7.5-.5l-3 3a5 5 0 0 0 7 7l1.7-1.7"/>',
    "switch": '<path d="m16 3 4 4-4 4M20 7H4M8 21l-4-4 4-4M4 17h16"/>',
    "blocks": '<rect x="3" y="3" width="7" height="7" rx="1"/><rect x="14" y="3" width="7" '
    'height="7" rx="1"/><rect x="3" y="14" width="7" height="7" rx="1"/><rect x="14" y="14" '
    'width="7" height="7" rx="1"/>',
    "history": '<path d="M3 12a9 9 0 1 0 3-6.7L3 8"/><path d="M3 3v5h5M12 7v5l4 2"/>',
}


@register.simple_tag
def icon(name: str, label: str = "", size: int = 18):
    """An inline SVG icon; with a label it is announced, without it is decoration."""
    paths = ICONS.get(name, ICONS["more"])
    aria = format_html('role="img" aria-label="{}"', label) if label else 'aria-hidden="true"'
    return format_html(
        '<svg class="icon" width="{}" height="{}" viewBox="0 0 24 24" fill="none" '
        'stroke="currentColor" stroke-width="2" stroke-linecap="round" '
        'stroke-linejoin="round" focusable="false" {}>{}</svg>',
        size,
        size,
        mark_safe(aria),
        mark_safe(paths),
    )


@register.simple_tag(takes_context=True)
def allowed(context, action: str, obj=None) -> bool:
    """``{% allowed "number.delete" number as can_delete %}``: the policy's answer."""
    actor = context.get("actor")
    return actor is not None and allows(actor, Action(action), obj)


@register.filter
def tel(e164: str) -> str:
    """A ``tel:`` URI: the E.164 text as it is."""
    return f"tel:{e164}"


@register.filter
def pretty(e164: str) -> str:
    """``+1 212-555-0100`` style, falling back to the stored text."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def label_of(value: str, choices) -> str:
    """The display label of a choice value (``choices`` a TextChoices class)."""
    try:
        return choices(value).label
    except ValueError:
        return value or "—"


@register.filter
def percent(part, whole) -> int:
    return round(100 * part / whole) if whole else 0
