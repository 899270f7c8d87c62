"""Charts drawn on the server as inline SVG: no CDN, no script, readable by screen readers.

Each function takes plain numbers and returns safe markup with a ``<title>`` and a
``<desc>`` that says the figures in words, so the chart is never the only place the
information lives.
"""

import math

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

PALETTE = ["#1f5fd1", "#16a34a", "#f59e0b", "#9333ea", "#0891b2", "#dc2626", "#64748b"]
STATE_COLORS = {
    "available": "#16a34a",
    "assigned": "#1f5fd1",
    "reserved": "#9333ea",
    "aging": "#f59e0b",
    "porting_in": "#0891b2",
}


def svg(template: str, **values) -> SafeString:
    """``format_html`` with floats rounded to 0.01: short, stable SVG coordinates."""
    rounded = {k: f"{v:.2f}" if isinstance(v, float) else v for k, v in values.items()}
    return format_html(template, **rounded)


def _describe(items: list[tuple[str, int]]) -> str:
    return "; ".join(f"{label}: {value:,}" for label, value in items)


def donut(title: str, items: list[tuple[str, int]], colors: dict | None = None) -> SafeString:
    """A ring of shares (``items`` as ``(label, value)``), total in the middle."""
    total = sum(value for _, value in items)
    radius, width, center = 70, 26, 90
    circumference = 2 * math.pi * radius
    arcs = []
    offset = 0.0
    for index, (label, value) in enumerate(items):
        if not value:
            continue
        color = (colors or {}).get(label.lower().replace(" ", "_"), PALETTE[index % len(PALETTE)])
        length = circumference * value / total
        arcs.append(
            svg(
                '<circle cx="{c}" cy="{c}" r="{r}" fill="none" stroke="{color}" '
                'stroke-width="{w}" stroke-dasharray="{len} {rest}" '
                'stroke-dashoffset="{off}" transform="rotate(-90 {c} {c})">'
                "<title>{label}: {value}</title></circle>",
                c=center,
                r=radius,
                color=color,
                w=width,
                len=length,
                rest=circumference - length,
                off=-offset,
                label=label,
                value=f"{value:,}",
            )
        )
        offset += length
    if not arcs:
        arcs.append(
            svg(
                '<circle cx="{c}" cy="{c}" r="{r}" fill="none" stroke="#e6eaf0" '
                'stroke-width="{w}"/>',
                c=center,
                r=radius,
                w=width,
            )
        )
    ring = svg(
        '<svg viewBox="0 0 180 180" role="img" aria-labelledby="{id}-t {id}-d">'
        '<title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>{arcs}'
        '<text x="90" y="88" text-anchor="middle" font-size="24" font-weight="700" '
        'fill="#17202e">{total}</text>'
        '<text x="90" y="108" text-anchor="middle" font-size="11" fill="#556275">numbers</text>'
        "</svg>",
        id=_slug(title),
        title=title,
        desc=_describe(items) or "No numbers",
        arcs=mark_safe("".join(arcs)),
        total=f"{total:,}",
    )
    return ring + legend(items, colors)


def legend(items: list[tuple[str, int]], colors: dict | None = None) -> SafeString:
    entries = []
    for index, (label, value) in enumerate(items):
        color = (colors or {}).get(label.lower().replace(" ", "_"), PALETTE[index % len(PALETTE)])
        entries.append((color, label, f"{value:,}"))
    return format_html(
        '<ul class="legend">{}</ul>',
        format_html_join(
            "", '<li><i style="background:{}"></i>{} <strong>{}</strong></li>', entries
        ),
    )


def bars(title: str, items: list[tuple[str, int]], *, unit: str = "") -> SafeString:
    """Horizontal bars, one per item, longest item full width."""
    high = max([value for _, value in items] + [1])
    row, label_width, width = 34, 90, 400
    rows = []
    for index, (label, value) in enumerate(items):
        y = index * row
        length = (width - label_width - 70) * value / high
        rows.append(
            svg(
                '<text x="0" y="{ty}" font-size="14" fill="#556275">{label}</text>'
                '<rect x="{lx}" y="{y}" width="{len}" height="22" rx="4" fill="{color}">'
                "<title>{label}: {value}</title></rect>"
                '<text x="{vx}" y="{ty}" font-size="14" fill="#17202e">{value}{unit}</text>',
                ty=y + 16,
                y=y,
                lx=label_width,
                len=max(length, 1),
                color=PALETTE[index % len(PALETTE)],
                label=_clip(label, 18),
                value=f"{value:,}",
                unit=unit,
                vx=label_width + max(length, 1) + 6,
            )
        )
    height = max(row * len(items), row)
    return svg(
        '<svg viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t {id}-d">'
        '<title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>{rows}</svg>',
        w=width,
        h=height,
        id=_slug(title),
        title=title,
        desc=_describe(items) or "Nothing to show",
        rows=mark_safe("".join(rows)),
    )


def stacked(title: str, rows: list[dict]) -> SafeString:
    """Utilization per account: assigned and free as one bar of the account's numbers.

    ``rows``: ``{"label", "assigned", "available", "other"}``.
    """
    row, label_width, width = 34, 120, 440
    high = max([r["assigned"] + r["available"] + r.get("other", 0) for r in rows] + [1])
    parts = []
    for index, item in enumerate(rows):
        y = index * row
        x = label_width
        scale = (width - label_width - 60) / high
        parts.append(
            svg(
                '<text x="0" y="{ty}" font-size="14" fill="#556275">{label}</text>',
                ty=y + 16,
                label=_clip(item["label"], 20),
            )
        )
        for key, color in (("assigned", "#1f5fd1"), ("available", "#16a34a"), ("other", "#f59e0b")):
            value = item.get(key, 0)
            if value:
                parts.append(
                    svg(
                        '<rect x="{x}" y="{y}" width="{w}" height="22" fill="{color}">'
                        "<title>{label} {key}: {value}</title></rect>",
                        x=x,
                        y=y,
                        w=max(value * scale, 1),
                        color=color,
                        label=item["label"],
                        key=key,
                        value=f"{value:,}",
                    )
                )
                x += max(value * scale, 1)
        total = item["assigned"] + item["available"] + item.get("other", 0)
        share = round(100 * item["assigned"] / total) if total else 0
        parts.append(
            svg(
                '<text x="{x}" y="{ty}" font-size="14" fill="#17202e">{share}%</text>',
                x=x + 6,
                ty=y + 16,
                share=share,
            )
        )
    description = "; ".join(
        f"{r['label']}: {r['assigned']:,} assigned, {r['available']:,} available" for r in rows
    )
    return svg(
        '<svg viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t {id}-d">'
        '<title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>{parts}</svg>',
        w=width,
        h=max(row * len(rows), row),
        id=_slug(title),
        title=title,
        desc=description or "No accounts below this one",
        parts=mark_safe("".join(parts)),
    ) + mark_safe(
        '<ul class="legend"><li><i style="background:#1f5fd1"></i>Assigned</li>'
        '<li><i style="background:#16a34a"></i>Available</li>'
        '<li><i style="background:#f59e0b"></i>Reserved, aging or porting</li></ul>'
    )


def columns(title: str, items: list[tuple[str, int]]) -> SafeString:
    """Vertical columns over time (``items`` oldest first), labels under each column."""
    width, height, base = 460, 170, 140
    high = max([value for _, value in items] + [1])
    step = width / max(len(items), 1)
    parts = []
    for index, (label, value) in enumerate(items):
        bar_height = (base - 16) * value / high
        x = index * step + step * 0.2
        parts.append(
            svg(
                '<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="3" '
                'fill="#1f5fd1"><title>{label}: {value}</title></rect>'
                '<text x="{cx}" y="{ly}" font-size="12" text-anchor="middle" '
                'fill="#556275">{label}</text>',
                x=x,
                y=base - bar_height,
                w=step * 0.6,
                h=max(bar_height, 0.5),
                label=label,
                value=f"{value:,}",
                cx=x + step * 0.3,
                ly=base + 16,
            )
        )
    return svg(
        '<svg viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-t {id}-d">'
        '<title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>'
        '<line x1="0" x2="{w}" y1="{base}" y2="{base}" stroke="#dde3ec"/>{parts}</svg>',
        w=width,
        h=height,
        base=base,
        id=_slug(title),
        title=title,
        desc=_describe(items) or "Nothing yet",
        parts=mark_safe("".join(parts)),
    )


def _slug(text: str) -> str:
    return "chart-" + "".join(ch if ch.isalnum() else "-" for ch in text.lower())


def _clip(text: str, length: int) -> str:
    text = str(text)
    return text if len(text) <= length else text[: length - 1] + "…"
