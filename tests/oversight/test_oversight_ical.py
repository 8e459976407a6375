"""The iCalendar export (RFC 5545 subset) written and parsed back."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fincloud.oversight import ical

STAMP = dt.datetime(2026, 1, 5, 2, 30, tzinfo=dt.UTC)


def _events(calendar: ical.Component) -> list[ical.Component]:
    return [c for c in calendar.components if c.name == "VEVENT"]


def test_a_calendar_reads_back_with_its_events() -> None:
    events = [
        ical.Event(
            uid="a1@fincloud",
            day=dt.date(2026, 1, 31),
            summary="定期審查到期: 企業網路銀行 Corporate internet banking",
            description="第3章四 (a)–(g)\nhttps://example.test/oversight/reviews/x",
            url="https://example.test/oversight/reviews/x",
            categories=("periodic_review",),
        ),
        ical.Event(uid="b2@fincloud", day=dt.date(2026, 2, 1), summary="Certificate expires"),
    ]
    text = ical.write(events, name="fincloud: 待辦", stamp=STAMP)
    calendar = ical.read(text)
    assert calendar.name == "VCALENDAR"
    assert calendar.get("VERSION") == "2.0"
    assert calendar.get("PRODID") == ical.PRODID
    assert ical.unescape_text(calendar.get("X-WR-CALNAME")) == "fincloud: 待辦"
    first, second = _events(calendar)
    assert first.get("UID") == "a1@fincloud"
    assert first.get("DTSTART") == "20260131"
    assert first.params("DTSTART") == {"VALUE": "DATE"}
    # An all-day event ends the next day (exclusive), across a month boundary here.
    assert first.get("DTEND") == "20260201"
    assert first.get("DTSTAMP") == "20260105T023000Z"
    assert ical.unescape_text(first.get("SUMMARY")) == events[0].summary
    assert ical.unescape_text(first.get("DESCRIPTION")) == events[0].description
    assert first.get("URL") == events[0].url
    assert first.get("CATEGORIES") == "periodic_review"
    assert second.get("DTSTART") == "20260201"
    with pytest.raises(KeyError):
        second.get("DESCRIPTION")


def test_every_line_ends_in_crlf_and_is_at_most_75_octets_without_splitting_a_character() -> None:
    long_title = "雲端服務業者資訊安全國際標準認證報告之例外事項追蹤，" * 6
    text = ical.write(
        [ical.Event(uid="x@fincloud", day=dt.date(2026, 3, 1), summary=long_title)],
        name="n",
        stamp=STAMP,
    )
    raw = text.encode("utf-8")
    physical = raw.split(b"\r\n")
    assert physical[-1] == b""  # the stream ends with CRLF
    assert b"\n" not in raw.replace(b"\r\n", b"")
    for line in physical[:-1]:
        assert len(line) <= 75
        line.decode("utf-8")  # a folded line never ends inside a UTF-8 character
    continuation = [p for p in physical if p.startswith(b" ")]
    assert continuation, "a long summary is folded"
    (event,) = _events(ical.read(text))
    assert ical.unescape_text(event.get("SUMMARY")) == long_title


def test_text_values_are_escaped() -> None:
    assert ical.escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    assert ical.unescape_text("a\\,b\\;c\\\\d\\ne\\Nf") == "a,b;c\\d\ne\nf"
    with pytest.raises(ValueError, match="bad escape"):
        ical.unescape_text("a\\qb")


def test_a_repeated_uid_is_written_once() -> None:
    day = dt.date(2026, 1, 1)
    text = ical.write(
        [ical.Event("same", day, "first"), ical.Event("same", day, "second")], name="n", stamp=STAMP
    )
    (event,) = _events(ical.read(text))
    assert event.get("SUMMARY") == "first"


def test_the_stamp_must_be_aware() -> None:
    with pytest.raises(ValueError, match="aware"):
        ical.write([], name="n", stamp=dt.datetime(2026, 1, 1))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("BEGIN:VCALENDAR\r\nEND:VCALENDAR", "CRLF"),
        ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n", "does not close"),
        (" continued\r\n", "continuation"),
        ("BEGIN:VCALENDAR\r\nSUMMARY no colon\r\nEND:VCALENDAR\r\n", "no ':'"),
        ("BEGIN:VCALENDAR\r\n", "unterminated"),
        ("BEGIN:VCALENDAR\r\n" + "X:" + "a" * 80 + "\r\nEND:VCALENDAR\r\n", "75 octets"),
    ],
)
def test_the_reader_refuses_malformed_streams(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ical.read(text)


TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r")
    | st.sampled_from(["\n", ",", ";", "\\", "雲", "😀"]),
    max_size=200,
)


@settings(max_examples=200)
@given(summary=TEXT, description=TEXT, day=st.dates(dt.date(1900, 1, 1), dt.date(9998, 12, 30)))
def test_any_text_and_date_round_trip(summary: str, description: str, day: dt.date) -> None:
    text = ical.write(
        [ical.Event(uid="p@fincloud", day=day, summary=summary, description=description)],
        name="n",
        stamp=STAMP,
    )
    (event,) = _events(ical.read(text))
    assert ical.unescape_text(event.get("SUMMARY")) == summary
    if description:
        assert ical.unescape_text(event.get("DESCRIPTION")) == description
    assert dt.datetime.strptime(event.get("DTSTART"), "%Y%m%d").date() == day  # noqa: DTZ007
    for line in text.encode("utf-8").split(b"\r\n"):
        assert len(line) <= 75
