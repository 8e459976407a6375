"""`fincloud oversight ...`: bad input is one line and exit 2; the jobs run on the database."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from factories_oversight import ServiceFactory
from typer.testing import CliRunner

from fincloud.cli import app
from fincloud.oversight.models import SlaTarget

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["oversight", "attainment"], "--period: required"),
        (["oversight", "attainment", "--period", "2026-10", "--format", "xml"], "--format"),
        (["oversight", "reminders", "--day", "tomorrow"], "--day: not a date"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, message):
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


@pytest.mark.django_db
def test_attainment_for_a_period(personas):
    service = ServiceFactory()
    SlaTarget.objects.create(service=service, target_percent=D("99.9"))
    result = runner.invoke(
        app, ["oversight", "attainment", "--period", "2025-06", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["period"] == "2025-06" and summary["services"] >= 1
    bad = runner.invoke(app, ["oversight", "attainment", "--period", "2025-13"])
    assert bad.exit_code == 2 and "--period" in bad.output


@pytest.mark.django_db
def test_reminders_run(personas):
    result = runner.invoke(app, ["oversight", "reminders", "--day", "2025-06-01"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("2025-06-01: ")
