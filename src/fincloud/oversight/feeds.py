"""Outage records from files: a CSV of our own columns, or a CSP status feed saved to disk
(RSS 2.0, Atom 1.0, or JSON in the Statuspage or Google Cloud incidents shape). No network.

Plain Python: no Django. The web layer checks the upload's size and type first (through
fincloud.evidence) and maps the rows' service names to register entries.

Every fault names where it is (line and column of a CSV, entry of a feed) and the rule, in
zh-TW and English, like fincloud.sla's errors. A file is taken whole or not at all: the first
fault refuses it.
"""

from __future__ import annotations

import csv
import email.utils
import io
import json
import pyexpat
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final
from xml.etree.ElementTree import Element, TreeBuilder

from fincloud.sla.attainment import TAIPEI, parse_time
from fincloud.sla.downtime import SlaError

MAX_ROWS: Final = 50_000
MAX_CAUSE: Final = 2000
MAX_REFERENCE: Final = 200
MAX_TITLE: Final = 300
MAX_SERVICES_PER_ROW: Final = 50
CSV_REQUIRED: Final = ("start", "end", "services")
CSV_OPTIONAL: Final = ("planned", "cause", "csp_reference", "title")
ATOM: Final = "{http://www.w3.org/2005/Atom}"
# A status post saying the incident is over; English and Chinese status pages.
RESOLVED: Final = re.compile(
    r"\b(resolved|completed|restored|recovered|mitigated)\b|已解決|已恢復|已修復|已排除|已完成",
    re.IGNORECASE,
)
PLANNED: Final = re.compile(r"\b(maintenance|scheduled)\b|維護|維修|預定", re.IGNORECASE)


class FeedError(SlaError):
    """A fault in an imported file; ``where`` names the line/column or entry and field."""


@dataclass(frozen=True)
class OutageRow:
    where: str  # "line 3" or "entry 2": for messages after parsing
    start: datetime  # aware, UTC
    end: datetime | None  # None: still going on when the file was saved
    planned: bool
    reference: str = ""  # the CSP's own incident reference
    title: str = ""
    cause: str = ""
    services: tuple[str, ...] = ()  # CSV: our service identifiers; feeds: the CSP's components


@dataclass(frozen=True)
class Parsed:
    format: str  # csv | rss | atom | json-statuspage | json-google | json-fincloud
    rows: tuple[OutageRow, ...]
    skipped: int = 0  # feed entries that are not outages (e.g. maintenance not yet started)


def _fault(where: str, en: str, zh: str) -> FeedError:
    return FeedError(where, en, zh)


def _local(moment: datetime) -> str:
    return moment.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M")


def _check_order(row: OutageRow, end_field: str = "end") -> OutageRow:
    if row.end is not None and row.end < row.start:
        raise _fault(
            f"{row.where}, {end_field}",
            f"the outage ends ({_local(row.end)}) before it starts ({_local(row.start)}, "
            "Asia/Taipei): the end must not be before the start",
            f"停機結束時間（{_local(row.end)}）早於開始時間（{_local(row.start)}，臺北時間）："
            "結束不得早於開始",
        )
    return row


def _limit(value: str, limit: int, where: str) -> str:
    value = value.strip()
    if len(value) > limit:
        raise _fault(
            where,
            f"at most {limit} characters, got {len(value)}",
            f"最多 {limit} 個字元，收到 {len(value)} 個",
        )
    return value


def _too_many(where: str) -> FeedError:
    return _fault(
        where,
        f"more than {MAX_ROWS} outages in one file; split it",
        f"單一檔案超過 {MAX_ROWS} 筆停機紀錄；請分檔匯入",
    )


def _split_services(text: str, where: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(s.strip() for s in re.split(r"[;\n]", text) if s.strip()))
    if len(names) > MAX_SERVICES_PER_ROW:
        raise _fault(
            where,
            f"at most {MAX_SERVICES_PER_ROW} services per outage",
            f"每筆停機最多 {MAX_SERVICES_PER_ROW} 個服務",
        )
    return names


# --- CSV ---------------------------------------------------------------------------------


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fault(
            name,
            f"not UTF-8 text (byte {exc.start}); save the file as UTF-8",
            f"不是 UTF-8 文字（第 {exc.start} 位元組）；請以 UTF-8 儲存",
        ) from None


def read_csv(data: bytes, name: str = "CSV") -> Parsed:
    """Header: start,end,services (required), planned,cause,csp_reference,title (optional).

    Times are ISO 8601, a time without an offset is Asia/Taipei (as `fincloud sla`); an empty
    end means the outage is still going on; planned is true/false (empty: false); services
    are our service identifiers separated by ';'."""
    reader = csv.DictReader(io.StringIO(_decode(data, name), newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise _fault(
            f"{name} line 1",
            f"the header needs the columns {', '.join(CSV_REQUIRED)}; missing {', '.join(missing)}",
            f"標題列須有 {', '.join(CSV_REQUIRED)} 欄位；缺少 {', '.join(missing)}",
        )
    unknown = [h for h in header if h not in CSV_REQUIRED + CSV_OPTIONAL]
    if unknown:
        raise _fault(
            f"{name} line 1",
            f"unknown columns {', '.join(unknown)} (known: "
            f"{', '.join(CSV_REQUIRED + CSV_OPTIONAL)})",
            f"未知的欄位 {', '.join(unknown)}（可用：{', '.join(CSV_REQUIRED + CSV_OPTIONAL)}）",
        )
    reader.fieldnames = header
    rows: list[OutageRow] = []
    for record in reader:
        line = reader.line_num
        if None in record:
            raise _fault(
                f"{name} line {line}",
                "more cells than header columns",
                "儲存格數多於標題欄位數",
            )
        cells = {k: (v or "").strip() for k, v in record.items()}
        if not any(cells.values()):
            continue
        if len(rows) >= MAX_ROWS:
            raise _too_many(f"{name} line {line}")
        where = f"{name} line {line}"
        rows.append(_csv_row(cells, where))
    return Parsed("csv", tuple(rows))


def _csv_row(cells: dict[str, str], where: str, end_field: str = "column end") -> OutageRow:
    def time(column: str) -> datetime:
        try:
            return parse_time(cells[column], f"{where}, column {column}")
        except SlaError as exc:
            raise FeedError(exc.where, exc.rule_en, exc.rule_zh) from None

    if not cells["start"]:
        raise _fault(f"{where}, column start", "required", "必填")
    start = time("start")
    end = time("end") if cells["end"] else None
    planned_text = cells.get("planned", "").lower()
    if planned_text not in ("", "true", "false"):
        raise _fault(
            f"{where}, column planned",
            f"must be true or false, got {cells['planned']!r}",
            f"須為 true 或 false，收到 {cells['planned']!r}",
        )
    services = _split_services(cells["services"], f"{where}, column services")
    if not services:
        raise _fault(
            f"{where}, column services",
            "name at least one affected service",
            "至少須填一個受影響之服務",
        )
    return _check_order(
        OutageRow(
            where=where,
            start=start,
            end=end,
            planned=planned_text == "true",
            reference=_limit(
                cells.get("csp_reference", ""), MAX_REFERENCE, f"{where}, column csp_reference"
            ),
            title=_limit(cells.get("title", ""), MAX_TITLE, f"{where}, column title"),
            cause=_limit(cells.get("cause", ""), MAX_CAUSE, f"{where}, column cause"),
            services=services,
        ),
        end_field,
    )


# --- XML (RSS 2.0, Atom 1.0) ---------------------------------------------------------------


def _parse_xml(data: bytes, name: str) -> Element:
    """Parse with expat, refusing any DOCTYPE (and so every entity declaration): a status feed
    needs none, and this closes the entity-expansion and external-entity attacks."""
    builder = TreeBuilder()
    parser = pyexpat.ParserCreate(namespace_separator="}")

    def refuse_doctype(*_: Any) -> None:
        raise _fault(
            name,
            "a DOCTYPE or entity declaration is not accepted in a feed file",
            "訂閱檔不接受 DOCTYPE 或實體宣告",
        )

    def start(tag: str, attrs: dict[str, str]) -> None:
        builder.start(_qualified(tag), {_qualified(k): v for k, v in attrs.items()})

    def end(tag: str) -> None:
        builder.end(_qualified(tag))

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
    except pyexpat.ExpatError as exc:
        raise _fault(
            f"{name} line {exc.lineno}, column {exc.offset + 1}",
            f"not well-formed XML ({pyexpat.ErrorString(exc.code)})",
            f"XML 格式錯誤（{pyexpat.ErrorString(exc.code)}）",
        ) from None
    root: Element = builder.close()
    return root


def _qualified(tag: str) -> str:
    return "{" + tag if "}" in tag else tag


def _text(element: Element | None) -> str:
    return "".join(element.itertext()).strip() if element is not None else ""


def _rfc822(text: str, where: str) -> datetime:
    try:
        value = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        value = None
    if value is None:
        raise _fault(
            where,
            f"not an RFC 822 date: {text!r} (e.g. Mon, 05 Jan 2026 10:00:00 +0800)",
            f"不是 RFC 822 日期：{text!r}（如 Mon, 05 Jan 2026 10:00:00 +0800）",
        )
    if value.tzinfo is None:  # "-0000" means UTC with no known local offset (RFC 5322)
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _iso(text: str, where: str) -> datetime:
    try:
        return parse_time(text, where)
    except SlaError as exc:
        raise FeedError(exc.where, exc.rule_en, exc.rule_zh) from None


@dataclass
class _Post:
    key: str
    title: str
    body: str
    categories: tuple[str, ...]
    posted: datetime
    updated: datetime
    where: str


def _fold_posts(posts: Iterable[_Post], fmt: str) -> Parsed:
    """Posts about the same incident (same guid/id) become one outage: it starts at the first
    post and ends at the update of the first post that says it is resolved; none: ongoing."""
    incidents: dict[str, list[_Post]] = {}
    for post in posts:
        incidents.setdefault(post.key, []).append(post)
    rows: list[OutageRow] = []
    for key, group in incidents.items():
        group.sort(key=lambda p: p.posted)
        first = group[0]
        resolved = [
            p for p in group if RESOLVED.search(f"{p.title} {p.body} {' '.join(p.categories)}")
        ]
        end = min(p.updated for p in resolved) if resolved else None
        planned = any(PLANNED.search(f"{p.title} {' '.join(p.categories)}") for p in group)
        if len(rows) >= MAX_ROWS:
            raise _too_many(first.where)
        rows.append(
            _check_order(
                OutageRow(
                    where=first.where,
                    start=first.posted,
                    end=end,
                    planned=planned,
                    reference=_limit(key, MAX_REFERENCE, f"{first.where}, id"),
                    title=first.title[:MAX_TITLE],
                    cause=(resolved[0].body if resolved else first.body)[:MAX_CAUSE],
                    services=tuple(c[:200] for c in first.categories[:MAX_SERVICES_PER_ROW]),
                )
            )
        )
    return Parsed(fmt, tuple(rows))


def _rss(root: Element, name: str) -> Parsed:
    posts: list[_Post] = []
    for index, item in enumerate(root.iter("item"), 1):
        where = f"{name} item {index}"
        date_text = _text(item.find("pubDate"))
        if not date_text:
            raise _fault(f"{where}, pubDate", "required", "必填")
        when = _rfc822(date_text, f"{where}, pubDate")
        title = _text(item.find("title"))
        key = _text(item.find("guid")) or _text(item.find("link")) or title
        if not key:
            raise _fault(
                where, "an item needs a guid, link or title", "項目須有 guid、link 或 title"
            )
        posts.append(
            _Post(
                key=key,
                title=title,
                body=_text(item.find("description")),
                categories=tuple(_text(c) for c in item.findall("category") if _text(c)),
                posted=when,
                updated=when,
                where=where,
            )
        )
    return _fold_posts(posts, "rss")


def _atom(root: Element, name: str) -> Parsed:
    posts: list[_Post] = []
    for index, entry in enumerate(root.iter(f"{ATOM}entry"), 1):
        where = f"{name} entry {index}"
        updated_text = _text(entry.find(f"{ATOM}updated"))
        published_text = _text(entry.find(f"{ATOM}published")) or updated_text
        if not published_text:
            raise _fault(f"{where}, published", "required (or updated)", "必填（或 updated）")
        posted = _iso(published_text, f"{where}, published")
        updated = _iso(updated_text, f"{where}, updated") if updated_text else posted
        key = _text(entry.find(f"{ATOM}id")) or _text(entry.find(f"{ATOM}title"))
        if not key:
            raise _fault(where, "an entry needs an id or title", "項目須有 id 或 title")
        body = _text(entry.find(f"{ATOM}content")) or _text(entry.find(f"{ATOM}summary"))
        categories = tuple(
            c.get("term", "").strip() for c in entry.findall(f"{ATOM}category") if c.get("term")
        )
        posts.append(
            _Post(key, _text(entry.find(f"{ATOM}title")), body, categories, posted, updated, where)
        )
    return _fold_posts(posts, "atom")


# --- JSON --------------------------------------------------------------------------------


def _str(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _statuspage(doc: dict[str, Any], name: str) -> Parsed:
    """Statuspage's incidents.json / scheduled_maintenances.json (or both in one object)."""
    rows: list[OutageRow] = []
    skipped = 0
    for key, planned in (("incidents", False), ("scheduled_maintenances", True)):
        items = doc.get(key) or []
        if not isinstance(items, list):
            raise _fault(f"{name} {key}", "must be a list", "須為陣列")
        for index, item in enumerate(items, 1):
            where = f"{name} {key}[{index - 1}]"
            if not isinstance(item, dict):
                raise _fault(where, "must be an object", "須為物件")
            status = _str(item.get("status")).lower()
            start_text = _str(item.get("started_at")) or (
                "" if planned else _str(item.get("created_at"))
            )
            if planned and (status == "scheduled" or not start_text):
                skipped += 1  # announced maintenance that has not started is not downtime yet
                continue
            if not start_text:
                raise _fault(f"{where}.created_at", "required", "必填")
            start = _iso(start_text, f"{where}.started_at")
            end_text = _str(item.get("resolved_at")) or _str(item.get("completed_at"))
            end = _iso(end_text, f"{where}.resolved_at") if end_text else None
            components = item.get("components") or []
            names = tuple(
                _str(c.get("name"))[:200]
                for c in components
                if isinstance(c, dict) and _str(c.get("name"))
            )
            updates = item.get("incident_updates") or []
            last = updates[0] if updates and isinstance(updates[0], dict) else {}
            if len(rows) >= MAX_ROWS:
                raise _too_many(where)
            rows.append(
                _check_order(
                    OutageRow(
                        where=where,
                        start=start,
                        end=end,
                        planned=planned,
                        reference=_limit(_str(item.get("id")), MAX_REFERENCE, f"{where}.id"),
                        title=_str(item.get("name"))[:MAX_TITLE],
                        cause=_str(last.get("body"))[:MAX_CAUSE],
                        services=names[:MAX_SERVICES_PER_ROW],
                    )
                )
            )
    return Parsed("json-statuspage", tuple(rows), skipped)


def _google(items: list[Any], name: str) -> Parsed:
    """Google Cloud's incidents.json: a list of {id, begin, end, external_desc, ...}."""
    rows: list[OutageRow] = []
    for index, item in enumerate(items):
        where = f"{name} [{index}]"
        if not isinstance(item, dict):
            raise _fault(where, "must be an object", "須為物件")
        if not _str(item.get("begin")):
            raise _fault(f"{where}.begin", "required", "必填")
        start = _iso(_str(item["begin"]), f"{where}.begin")
        end = _iso(_str(item["end"]), f"{where}.end") if _str(item.get("end")) else None
        products = item.get("affected_products") or []
        names = tuple(
            _str(p.get("title"))[:200] for p in products if isinstance(p, dict) and p.get("title")
        ) or ((_str(item.get("service_name"))[:200],) if _str(item.get("service_name")) else ())
        update = item.get("most_recent_update") or {}
        if len(rows) >= MAX_ROWS:
            raise _too_many(where)
        rows.append(
            _check_order(
                OutageRow(
                    where=where,
                    start=start,
                    end=end,
                    planned=False,
                    reference=_limit(_str(item.get("id")), MAX_REFERENCE, f"{where}.id"),
                    title=_str(item.get("external_desc"))[:MAX_TITLE],
                    cause=_str(update.get("text") if isinstance(update, dict) else "")[:MAX_CAUSE],
                    services=names[:MAX_SERVICES_PER_ROW],
                )
            )
        )
    return Parsed("json-google", tuple(rows))


def _fincloud_json(items: list[Any], name: str) -> Parsed:
    """Our own shape: {"outages": [{start, end, planned, services, csp_reference, cause, title}]}
    with the CSV's meaning for each key."""
    rows: list[OutageRow] = []
    for index, item in enumerate(items):
        where = f"{name} outages[{index}]"
        if not isinstance(item, dict):
            raise _fault(where, "must be an object", "須為物件")
        unknown = sorted(set(item) - set(CSV_REQUIRED + CSV_OPTIONAL))
        if unknown:
            raise _fault(
                where, f"unknown keys {', '.join(unknown)}", f"未知的鍵 {', '.join(unknown)}"
            )
        planned = item.get("planned", False)
        if not isinstance(planned, bool):
            raise _fault(f"{where}.planned", "must be true or false", "須為 true 或 false")
        services = item.get("services")
        if isinstance(services, str):
            services = [services]
        if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
            raise _fault(f"{where}.services", "a list of service identifiers", "須為服務識別碼陣列")
        cells = {
            "start": _str(item.get("start")),
            "end": _str(item.get("end")),
            "planned": "true" if planned else "false",
            "services": ";".join(services),
            "csp_reference": _str(item.get("csp_reference")),
            "cause": _str(item.get("cause")),
            "title": _str(item.get("title")),
        }
        if len(rows) >= MAX_ROWS:
            raise _too_many(where)
        rows.append(_csv_row(cells, where, "end"))
    return Parsed("json-fincloud", tuple(rows))


def _json(data: bytes, name: str) -> Parsed:
    try:
        doc = json.loads(_decode(data, name))
    except json.JSONDecodeError as exc:
        raise _fault(
            f"{name} line {exc.lineno}, column {exc.colno}",
            f"not valid JSON ({exc.msg})",
            f"JSON 格式錯誤（{exc.msg}）",
        ) from None
    except RecursionError:
        raise _fault(name, "nested too deeply", "巢狀層數過深") from None
    if isinstance(doc, list):
        return _google(doc, name)
    if isinstance(doc, dict) and isinstance(doc.get("outages"), list):
        return _fincloud_json(doc["outages"], name)
    if isinstance(doc, dict) and ("incidents" in doc or "scheduled_maintenances" in doc):
        return _statuspage(doc, name)
    raise _fault(
        name,
        'unknown JSON shape: expected {"outages": [...]}, Statuspage\'s {"incidents": [...]} '
        "or Google Cloud's incidents list",
        '無法辨識之 JSON 結構：須為 {"outages": [...]}、Statuspage 之 {"incidents": [...]} '
        "或 Google Cloud 之事件陣列",
    )


def read_feed(data: bytes, name: str = "FEED") -> Parsed:
    """A status feed: JSON when it starts with '{' or '[', else RSS 2.0 or Atom 1.0 XML."""
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if head in (b"{", b"["):
        return _json(data, name)
    root = _parse_xml(data, name)
    if root.tag == "rss":
        return _rss(root, name)
    if root.tag == f"{ATOM}feed":
        return _atom(root, name)
    raise _fault(
        name,
        f"unknown feed: the root element is <{root.tag}>, expected <rss> or Atom's <feed>",
        f"無法辨識之訂閱檔：根元素為 <{root.tag}>，須為 <rss> 或 Atom 之 <feed>",
    )
