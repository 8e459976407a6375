"""The board summary (PDF): how many services in each classification, how concentrated they
are on each CSP (Ch 1.2: concentration), what is overdue (every app's deadlines through
fincloud.web.due), and the quarter's incidents (Ch 8.2) and SLA breaches (Ch 3.4). Charts are
drawn on the server with matplotlib as SVG (fincloud.reports.charts)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _

from fincloud.reports import charts
from fincloud.reports.builders.base import (
    DASH,
    Lang,
    Progress,
    document,
    no_progress,
    render,
    when,
)
from fincloud.reports.document import Chart, Facts, Heading, Paragraph, ReportDocument, Table

TAIPEI = ZoneInfo("Asia/Taipei")
TOP_CSPS = 12
OVERDUE_LISTED = 30


def quarter_bounds(label: str) -> tuple[dt.date, dt.date]:
    """ "2026-Q4" -> (2026-10-01, 2027-01-01): the first day and the day after the last."""
    year, q = int(label[:4]), int(label[-1])
    start = dt.date(year, 3 * (q - 1) + 1, 1)
    end = dt.date(year + (q == 4), (3 * q) % 12 + 1, 1)
    return start, end


def _aware(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=TAIPEI)


def _chart(title: str, svg: bytes) -> Chart:
    return Chart(title, charts.svg_text(svg))


def build(
    lang: Lang, quarter: str | None = None, progress: Progress = no_progress
) -> ReportDocument:
    from fincloud.oversight import selectors as oversight
    from fincloud.oversight.dates import month_label, quarter_label
    from fincloud.register import selectors as register
    from fincloud.register.models import Classification
    from fincloud.resilience import selectors as resilience
    from fincloud.resilience.models import Severity
    from fincloud.web import due

    today = timezone.localdate()
    quarter = quarter or quarter_label(today)
    start, end = quarter_bounds(quarter)
    dash = register.dashboard(today=today, window_days=register.alert_window_days(), item_limit=1)
    progress("collect", 20)

    # Classification counts.
    labels = dict(Classification.choices)
    classes = [*Classification.values, ""]
    class_rows = [
        (str(labels.get(c, _("Not classified yet"))), str(dash.classification_totals.get(c, 0)))
        for c in classes
    ]
    blocks: list[Any] = [
        Facts(
            (
                (
                    _("Quarter"),
                    f"{quarter} ({start.isoformat()} – {(end - dt.timedelta(days=1)).isoformat()})",
                ),
                (_("Cloud services"), str(dash.total)),
                (_("Material services"), str(dash.material_total)),
                (_("Classification to recompute"), str(dash.stale)),
                (_("Overdue items"), str(dash.overdue_count)),
            )
        ),
        Heading(_("Services by classification")),
        _chart(
            _("Services in each classification, all stages"),
            charts.bar_chart(
                [lbl.split(" · ")[0] if " · " in lbl else lbl for lbl, _n in class_rows],
                [int(n) for _l, n in class_rows],
                horizontal=False,
                xlabel=_("services"),
            ),
        ),
        Table(columns=(_("Classification"), _("Services")), rows=tuple(class_rows), widths=(5, 1)),
    ]
    # Concentration by CSP.
    top = dash.concentration[:TOP_CSPS]
    blocks += [
        Heading(_("Concentration by cloud service provider")),
        _chart(
            _("Services per CSP (material services in red)"),
            charts.bar_chart(
                [r.csp_name for r in top],
                [r.count for r in top],
                highlight=[r.material for r in top],
                legend=(_("services"), _("material")),
            ),
        ),
        Table(
            columns=(_("Cloud service provider"), _("Services"), _("Material"), _("Share")),
            rows=tuple(
                (r.csp_name, str(r.count), str(r.material), f"{r.share * 100:.1f} %")
                for r in dash.concentration[:TOP_CSPS]
            ),
            widths=(4, 1, 1, 1),
        ),
    ]
    if len(dash.concentration) > TOP_CSPS:
        blocks.append(
            Paragraph(
                _("%(n)s more CSPs hold the other services.")
                % {"n": len(dash.concentration) - TOP_CSPS},
                "note",
            )
        )
    progress("collect", 45)
    # Overdue items, oldest first.
    overdue = due.collect(due.DueQuery(end=today - dt.timedelta(days=1), limit=OVERDUE_LISTED))
    by_kind = sorted(dash.overdue_by_kind.items(), key=lambda kv: (-kv[1], kv[0]))
    blocks += [Heading(_("Overdue items"))]
    if not overdue:
        blocks.append(Paragraph(_("Nothing is overdue.")))
    else:
        blocks += [
            Table(
                columns=(_("Kind"), _("Overdue")),
                rows=tuple((dash.kind_labels.get(k, k), str(n)) for k, n in by_kind),
                widths=(5, 1),
            ),
            Table(
                columns=(_("Due"), _("Days overdue"), _("Kind"), _("What")),
                rows=tuple(
                    (i.due.isoformat(), str((today - i.due).days), str(i.label), i.title)
                    for i in overdue
                ),
                widths=(1.1, 0.9, 2.0, 4.5),
                caption=_("The %(n)s oldest of %(total)s overdue items")
                % {"n": len(overdue), "total": dash.overdue_count}
                if dash.overdue_count > len(overdue)
                else "",
            ),
        ]
    progress("collect", 60)
    # Incidents of the quarter (Ch 8.2).
    incidents = list(
        resilience.incidents()
        .filter(detected_at__gte=_aware(start), detected_at__lt=_aware(end))
        .order_by("detected_at")
    )
    severities = list(Severity)
    blocks += [
        Heading(_("Incidents of the quarter")),
        _chart(
            _("Incidents by severity"),
            charts.bar_chart(
                [str(s.label) for s in severities],
                [sum(1 for i in incidents if i.severity == s.value) for s in severities],
                horizontal=False,
                xlabel=_("incidents"),
            ),
        ),
        Table(
            columns=(
                _("Reference"),
                _("Detected"),
                _("Service"),
                _("Severity"),
                _("Status"),
                _("Title"),
            ),
            rows=tuple(
                (
                    i.reference,
                    when(i.detected_at),
                    i.service.name if i.service is not None else DASH,
                    i.get_severity_display(),
                    i.get_status_display(),
                    i.title,
                )
                for i in incidents
            ),
            # The reference (INC-2026-0001) fits on one line, so a search of the PDF finds it.
            widths=(1.6, 1.4, 2.0, 0.9, 1.2, 2.6),
        )
        if incidents
        else Paragraph(_("No incident was detected in the quarter.")),
    ]
    # SLA breaches of the quarter (Ch 3.4 (b)).
    months = [
        month_label(start),
        month_label(start.replace(month=start.month + 1)),
        month_label(start.replace(month=start.month + 2)),
    ]
    monthly = [oversight.attainment_counts(m) for m in months]
    quarterly = oversight.attainment_counts(quarter)
    breaches = list(oversight.attainments(quarter, breach_only=True)[:50])
    blocks += [
        Heading(_("SLA breaches of the quarter")),
        _chart(
            _("Services below their SLA, per month"),
            charts.bar_chart(
                months, [c["breaches"] for c in monthly], horizontal=False, xlabel=_("services")
            ),
        ),
        Paragraph(
            _(
                "%(breaches)s of %(total)s services with an attainment for %(quarter)s missed "
                "their SLA."
            )
            % {"breaches": quarterly["breaches"], "total": quarterly["total"], "quarter": quarter}
        ),
    ]
    if breaches:
        blocks.append(
            Table(
                columns=(
                    _("Service"),
                    _("Cloud service provider"),
                    _("Availability"),
                    _("Target"),
                    _("Downtime (minutes)"),
                ),
                rows=tuple(
                    (
                        r.service.name,
                        r.service.csp.name,
                        f"{r.availability_percent:.3f} %"
                        if r.availability_percent is not None
                        else DASH,
                        f"{r.target_percent.normalize():f} %",
                        f"{r.downtime_minutes:.1f}",
                    )
                    for r in breaches
                ),
                widths=(3, 2.2, 1.2, 1, 1.2),
            )
        )
    progress("render", 70)
    return document(title=_("Board summary"), subtitle=quarter, lang=lang, blocks=blocks)


def produce(
    subject: Any, fmt: str, lang: Lang, progress: Progress, params: dict[str, Any]
) -> bytes:
    return render(build(lang, params.get("quarter"), progress), fmt)
