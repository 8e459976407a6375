"""The small part of iCalendar (RFC 5545) the calendar export needs, written and read back.

Why not a library: the export holds only all-day events (VEVENT with DTSTART;VALUE=DATE), so the
subset is a few dozen lines: content lines ending in CRLF (§3.1), folded at 75 octets without
splitting a UTF-8 character (§3.1), TEXT values escaped (§3.3.11), DTSTAMP in UTC (§3.8.7.2), a
stable UID per item (§3.8.4.7). ``read`` parses it back strictly (unfolding, unescaping,
parameters) so the tests can check a round trip. Plain Python: no Django here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

CRLF: Final = "\r\n"
MAX_OCTETS: Final = 75  # RFC 5545 §3.1: lines SHOULD NOT be longer than 75 octets
PRODID: Final = "-//fincloud//Due calendar//EN"


@dataclass(frozen=True)
class Event:
    uid: str
    day: dt.date  # an all-day event on this date
    summary: str
    description: str = ""
    url: str = ""
    categories: tuple[str, ...] = ()


def escape_text(value: str) -> str:
    """RFC 5545 §3.3.11: backslash, semicolon, comma and newline are escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def unescape_text(value: str) -> str:
    out: list[str] = []
    chars = iter(value)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        nxt = next(chars, "")
        if nxt in ("n", "N"):
            out.append("\n")
        elif nxt in ("\\", ";", ","):
            out.append(nxt)
        else:
            raise ValueError(f"bad escape \\{nxt} in TEXT value {value!r}")
    return "".join(out)


def fold(line: str) -> str:
    """Split a content line into pieces of at most 75 octets, never inside a UTF-8 character;
    each continuation starts with one space (which counts toward its 75 octets)."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    limit = MAX_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, MAX_OCTETS - 1
        current.append(char)
        size += width
    pieces.append("".join(current))
    return (CRLF + " ").join(pieces)


def _utc_stamp(moment: dt.datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("DTSTAMP needs an aware datetime")
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def write(
    events: Iterable[Event],
    *,
    name: str,
    stamp: dt.datetime,
    timezone_name: str = "Asia/Taipei",
) -> str:
    """A VCALENDAR of all-day VEVENTs; a repeated UID is written once (the first wins)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        f"X-WR-TIMEZONE:{escape_text(timezone_name)}",
    ]
    stamp_text = _utc_stamp(stamp)
    seen: set[str] = set()
    for event in events:
        if event.uid in seen:
            continue
        seen.add(event.uid)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{escape_text(event.uid)}",
            f"DTSTAMP:{stamp_text}",
            f"DTSTART;VALUE=DATE:{event.day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{event.day + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{escape_text(event.summary)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        if event.url:
            # URI values are not TEXT: no escaping (RFC 5545 §3.3.13); our URLs hold no CR/LF.
            lines.append(f"URL:{event.url}")
        if event.categories:
            lines.append("CATEGORIES:" + ",".join(escape_text(c) for c in event.categories))
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)


# --- reading back (strict; used by the tests and by anyone checking an export) -------------


@dataclass
class Component:
    name: str
    properties: list[tuple[str, dict[str, str], str]] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)

    def get(self, name: str) -> str:
        values = [v for n, _, v in self.properties if n == name]
        if len(values) != 1:
            raise KeyError(f"{self.name} has {len(values)} {name} properties")
        return values[0]

    def params(self, name: str) -> dict[str, str]:
        for n, params, _ in self.properties:
            if n == name:
                return params
        raise KeyError(name)


def unfold(text: str) -> list[str]:
    if text and not text.endswith(CRLF):
        raise ValueError("the last content line does not end with CRLF")
    raw = text.split(CRLF)[:-1]
    lines: list[str] = []
    for number, line in enumerate(raw, 1):
        if "\n" in line or "\r" in line:
            raise ValueError(f"line {number}: a bare CR or LF inside a content line")
        if len(line.encode("utf-8")) > MAX_OCTETS:
            raise ValueError(f"line {number}: longer than {MAX_OCTETS} octets")
        if line.startswith((" ", "\t")):
            if not lines:
                raise ValueError("a continuation line before any content line")
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def _split_content_line(line: str) -> tuple[str, dict[str, str], str]:
    """name *(";" param) ":" value; a quoted parameter value may hold ':' and ';'."""
    in_quotes = False
    for index, char in enumerate(line):
        if char == '"':
            in_quotes = not in_quotes
        elif char == ":" and not in_quotes:
            head, value = line[:index], line[index + 1 :]
            break
    else:
        raise ValueError(f"no ':' in content line {line!r}")
    parts = head.split(";")
    name = parts[0].upper()
    if not name or not all(c.isalnum() or c == "-" for c in name):
        raise ValueError(f"bad property name {parts[0]!r}")
    params: dict[str, str] = {}
    for part in parts[1:]:
        key, sep, val = part.partition("=")
        if not sep:
            raise ValueError(f"bad parameter {part!r}")
        params[key.upper()] = val.strip('"')
    return name, params, value


def read(text: str) -> Component:
    """Parse an iCalendar stream into nested components; raises ValueError on any fault."""
    stack: list[Component] = []
    root: Component | None = None
    for line in unfold(text):
        name, params, value = _split_content_line(line)
        if name == "BEGIN":
            component = Component(value.upper())
            if stack:
                stack[-1].components.append(component)
            elif root is not None:
                raise ValueError("more than one top-level component")
            else:
                root = component
            stack.append(component)
        elif name == "END":
            if not stack or stack[-1].name != value.upper():
                raise ValueError(f"END:{value} does not close the open component")
            stack.pop()
        else:
            if not stack:
                raise ValueError(f"property {name} outside any component")
            stack[-1].properties.append((name, params, value))
    if stack or root is None:
        raise ValueError("unterminated or empty calendar")
    return root
