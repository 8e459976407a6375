"""Outages from files: our CSV, and CSP status feeds saved to disk (RSS, Atom, JSON)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from fincloud.oversight import feeds

UTC = dt.UTC


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# -- CSV ----------------------------------------------------------------------------------


def test_csv_rows_with_a_byte_order_mark_taipei_times_and_an_ongoing_outage() -> None:
    data = (
        "\ufeffstart,end,services,planned,cause,csp_reference,title\r\n"
        "2026-01-05T10:00,2026-01-05T10:45,CIB;EDOC,false,LB fault,NIM-1,Time-outs\r\n"
        "2026-01-06T02:00Z,2026-01-06T03:00Z,CIB,true,,,Maintenance\r\n"
        ",,,,,,\r\n"
        "2026-01-07 09:00,,CRM,,,,\r\n"
    ).encode()
    parsed = feeds.read_csv(data, "o.csv")
    assert parsed.format == "csv"
    first, second, third = parsed.rows
    # A time without an offset is Asia/Taipei (UTC+8), as `fincloud sla` reads it.
    assert first.start == utc(2026, 1, 5, 2, 0)
    assert first.end == utc(2026, 1, 5, 2, 45)
    assert first.services == ("CIB", "EDOC")
    assert (first.planned, first.cause, first.reference, first.title) == (
        False,
        "LB fault",
        "NIM-1",
        "Time-outs",
    )
    assert second.planned is True and second.start == utc(2026, 1, 6, 2, 0)
    assert third.end is None and third.planned is False
    assert third.where == "o.csv line 5"


def test_csv_an_outage_ending_before_it_starts_names_the_line_and_column() -> None:
    data = b"start,end,services\n2026-01-05T10:00,2026-01-05T09:00,CIB\n"
    with pytest.raises(feeds.FeedError) as caught:
        feeds.read_csv(data, "o.csv")
    assert caught.value.where == "o.csv line 2, column end"
    assert "before it starts" in caught.value.rule_en
    assert "早於開始時間" in caught.value.rule_zh


@pytest.mark.parametrize(
    ("data", "where", "rule"),
    [
        (b"start,end\n", "o.csv line 1", "missing services"),
        (b"start,end,services,colour\n", "o.csv line 1", "unknown columns colour"),
        (b"start,end,services\nyesterday,,CIB\n", "o.csv line 2, column start", "ISO 8601"),
        (
            b"start,end,services,planned\n2026-01-01T00:00,,CIB,maybe\n",
            "o.csv line 2, column planned",
            "true or false",
        ),
        (
            b"start,end,services\n2026-01-01T00:00,,\n",
            "o.csv line 2, column services",
            "at least one",
        ),
        (b"start,end,services\n,2026-01-01T00:00,CIB\n", "o.csv line 2, column start", "required"),
        (b"start,end,services\n2026-01-01T00:00,,CIB,extra\n", "o.csv line 2", "more cells"),
        (b"start,end,services\n\xff\xfe", "o.csv", "UTF-8"),
    ],
)
def test_csv_faults_name_where_and_the_rule(data: bytes, where: str, rule: str) -> None:
    with pytest.raises(feeds.FeedError) as caught:
        feeds.read_csv(data, "o.csv")
    assert caught.value.where == where
    assert rule in caught.value.rule_en


def test_csv_limits_field_lengths() -> None:
    data = ("start,end,services,cause\n2026-01-01T00:00,,CIB," + "x" * 2001 + "\n").encode()
    with pytest.raises(feeds.FeedError) as caught:
        feeds.read_csv(data, "o.csv")
    assert caught.value.where == "o.csv line 2, column cause"
    assert "at most 2000" in caught.value.rule_en


# -- RSS / Atom ---------------------------------------------------------------------------

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Nimbus status</title>
<item><title>Investigating: elevated API errors</title><guid>inc-42</guid>
  <pubDate>Mon, 05 Jan 2026 10:00:00 +0800</pubDate><category>Compute (Tokyo)</category>
  <description>We are investigating.</description></item>
<item><title>Resolved: elevated API errors</title><guid>inc-42</guid>
  <pubDate>Mon, 05 Jan 2026 11:30:00 +0800</pubDate>
  <description>The issue has been resolved. Root cause: a faulty deployment.</description></item>
<item><title>Scheduled maintenance: storage</title><guid>mnt-7</guid>
  <pubDate>Tue, 06 Jan 2026 01:00:00 GMT</pubDate><category>Storage</category></item>
</channel></rss>"""


def test_rss_posts_about_one_incident_become_one_outage_ending_when_resolved() -> None:
    parsed = feeds.read_feed(RSS, "status.xml")
    assert parsed.format == "rss"
    incident, maintenance = parsed.rows
    assert incident.reference == "inc-42"
    assert incident.start == utc(2026, 1, 5, 2, 0)
    assert incident.end == utc(2026, 1, 5, 3, 30)
    assert incident.services == ("Compute (Tokyo)",)
    assert "faulty deployment" in incident.cause
    assert incident.planned is False
    # No post says it is over: still going on.
    assert maintenance.end is None and maintenance.planned is True


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Formosa status</title>
<entry><id>tag:formosa,2026:inc-9</id><title>台北區域運算服務中斷（已恢復）</title>
  <published>2026-01-10T08:00:00+08:00</published><updated>2026-01-10T09:15:00+08:00</updated>
  <category term="Compute Taipei"/><summary>服務已恢復正常。</summary></entry>
<entry><id>tag:formosa,2026:inc-10</id><title>Degraded object storage</title>
  <updated>2026-01-11T00:00:00Z</updated></entry>
</feed>""".encode()


def test_atom_entries_with_chinese_resolution_words() -> None:
    parsed = feeds.read_feed(ATOM, "status.xml")
    assert parsed.format == "atom"
    done, ongoing = parsed.rows
    assert done.start == utc(2026, 1, 10, 0, 0)
    assert done.end == utc(2026, 1, 10, 1, 15)
    assert done.services == ("Compute Taipei",)
    assert ongoing.start == utc(2026, 1, 11) and ongoing.end is None


def test_a_doctype_is_refused_so_no_entity_can_expand() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>
<rss><channel><item><title>&lol2;</title></item></channel></rss>"""
    with pytest.raises(feeds.FeedError) as caught:
        feeds.read_feed(bomb, "bad.xml")
    assert "DOCTYPE" in caught.value.rule_en


def test_malformed_xml_names_line_and_column() -> None:
    with pytest.raises(feeds.FeedError) as caught:
        feeds.read_feed(b"<rss>\n<channel>\n</rss>", "bad.xml")
    assert caught.value.where == "bad.xml line 3, column 3"
    assert "not well-formed" in caught.value.rule_en


def test_an_unknown_root_and_a_missing_date_are_named() -> None:
    with pytest.raises(feeds.FeedError, match="root element is <html>"):
        feeds.read_feed(b"<html/>", "x.xml")
    with pytest.raises(feeds.FeedError) as caught:
        feeds.read_feed(b"<rss><channel><item><title>t</title></item></channel></rss>", "x.xml")
    assert caught.value.where == "x.xml item 1, pubDate"


def test_a_resolved_post_dated_first_gives_a_zero_length_outage() -> None:
    data = b"""<rss><channel>
<item><guid>a</guid><title>Problem</title><pubDate>Mon, 05 Jan 2026 10:00:00 +0000</pubDate></item>
<item><guid>a</guid><title>Resolved</title><pubDate>Mon, 05 Jan 2026 09:00:00 +0000</pubDate></item>
</channel></rss>"""
    # Sorted by post time, the "resolved" post is the first: start and end coincide.
    (row,) = feeds.read_feed(data, "x.xml").rows
    assert row.start == row.end == utc(2026, 1, 5, 9, 0)


# -- JSON ---------------------------------------------------------------------------------


def test_statuspage_incidents_and_maintenances() -> None:
    doc = {
        "incidents": [
            {
                "id": "p31zjtct2jer",
                "name": "Elevated error rates",
                "status": "resolved",
                "created_at": "2026-02-01T03:00:00.000Z",
                "resolved_at": "2026-02-01T04:10:00.000Z",
                "components": [{"name": "API"}, {"name": "Dashboard"}],
                "incident_updates": [{"body": "Resolved after a rollback."}],
            }
        ],
        "scheduled_maintenances": [
            {
                "id": "m1",
                "name": "DB upgrade",
                "status": "scheduled",
                "scheduled_for": "2026-03-01T00:00:00Z",
            },
            {
                "id": "m0",
                "name": "Network work",
                "status": "completed",
                "started_at": "2026-01-20T16:00:00Z",
                "resolved_at": "2026-01-20T17:00:00Z",
            },
        ],
    }
    parsed = feeds.read_feed(json.dumps(doc).encode(), "s.json")
    assert parsed.format == "json-statuspage"
    assert parsed.skipped == 1  # announced maintenance that has not started
    incident, maintenance = parsed.rows
    assert incident.start == utc(2026, 2, 1, 3) and incident.end == utc(2026, 2, 1, 4, 10)
    assert incident.services == ("API", "Dashboard")
    assert incident.cause == "Resolved after a rollback."
    assert maintenance.planned is True and maintenance.reference == "m0"


def test_google_cloud_incidents_list() -> None:
    doc = [
        {
            "id": "abc123",
            "begin": "2026-02-02T10:00:00+00:00",
            "end": "2026-02-02T12:00:00+00:00",
            "external_desc": "Multiple services in asia-east1",
            "affected_products": [{"title": "Compute Engine"}, {"title": "Cloud SQL"}],
            "most_recent_update": {"text": "Mitigated."},
        },
        {"id": "def", "begin": "2026-02-03T00:00:00+00:00", "service_name": "BigQuery"},
    ]
    parsed = feeds.read_feed(json.dumps(doc).encode(), "g.json")
    assert parsed.format == "json-google"
    first, second = parsed.rows
    assert first.services == ("Compute Engine", "Cloud SQL")
    assert first.end == utc(2026, 2, 2, 12)
    assert second.services == ("BigQuery",) and second.end is None


def test_our_own_json_shape_and_its_faults() -> None:
    doc = {
        "outages": [
            {
                "start": "2026-01-01T08:00",
                "end": "2026-01-01T09:00",
                "services": ["CIB"],
                "planned": True,
            }
        ]
    }
    (row,) = feeds.read_feed(json.dumps(doc).encode(), "o.json").rows
    assert row.start == utc(2026, 1, 1, 0) and row.planned is True and row.services == ("CIB",)
    bad = {
        "outages": [{"start": "2026-01-01T09:00", "end": "2026-01-01T08:00", "services": ["CIB"]}]
    }
    with pytest.raises(feeds.FeedError) as caught:
        feeds.read_feed(json.dumps(bad).encode(), "o.json")
    assert caught.value.where == "o.json outages[0], end"
    with pytest.raises(feeds.FeedError, match="unknown keys colour"):
        feeds.read_feed(json.dumps({"outages": [{"colour": 1}]}).encode(), "o.json")


def test_json_faults() -> None:
    with pytest.raises(feeds.FeedError) as caught:
        feeds.read_feed(b'{"incidents": [', "s.json")
    assert caught.value.where.startswith("s.json line 1, column")
    with pytest.raises(feeds.FeedError, match="unknown JSON shape"):
        feeds.read_feed(b'{"hello": 1}', "s.json")
    with pytest.raises(feeds.FeedError, match="nested too deeply"):
        feeds.read_feed(b"[" * 100_000, "s.json")
