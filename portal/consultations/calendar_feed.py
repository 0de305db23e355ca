"""Opportunities as iCalendar (RFC 5545): the feed of upcoming ones and one event to download.

Times are written in UTC (a "Z" suffix), which every calendar program turns into the reader's
own zone, so no VTIMEZONE needs to be carried. Text is escaped (backslash, semicolon, comma,
new lines) and lines are folded at 75 octets, never inside a UTF-8 character.
"""

from collections.abc import Iterable
from datetime import datetime, timezone

from portal.consultations import take_part_models as t

PRODUCT = "-//Together We CAN//Ways to take part//EN"
LINE_OCTETS = 75


def escape_text(value: str) -> str:
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """The content line split into lines of at most 75 octets, each after the first starting
    with a space."""
    pieces, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        limit = LINE_OCTETS if not pieces else LINE_OCTETS - 1
        if size + width > limit:
            pieces.append(current)
            current, size = "", 0
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _event(opportunity: t.Opportunity, link: str, host: str) -> list[str]:
    where = "Online" if opportunity.is_online else opportunity.place
    description = opportunity.description
    if opportunity.accessibility:
        description += f"\n\nAccessibility: {opportunity.accessibility}"
    description += f"\n\n{link}"
    lines = [
        "BEGIN:VEVENT",
        f"UID:opportunity-{opportunity.id}@{host}",
        f"DTSTAMP:{utc_stamp(opportunity.updated_at)}",
        f"DTSTART:{utc_stamp(opportunity.starts_at)}",
        f"DTEND:{utc_stamp(opportunity.ends_at)}",
        f"SUMMARY:{escape_text(opportunity.title)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"LOCATION:{escape_text(where)}",
        f"URL:{link}",
        f"CATEGORIES:{escape_text(opportunity.kind_label)}",
        "STATUS:CANCELLED" if opportunity.status == t.CANCELLED else "STATUS:CONFIRMED",
        "END:VEVENT",
    ]
    return lines


def calendar(events: Iterable[tuple[t.Opportunity, str]], *, host: str, name: str) -> str:
    """A VCALENDAR of (opportunity, public link) pairs, with CRLF line ends as RFC 5545 asks."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODUCT}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for opportunity, link in events:
        lines += _event(opportunity, link, host)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
