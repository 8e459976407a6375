"""`fincloud audits plan`: the plan regenerated from the command line; bad input in one line."""

from __future__ import annotations

import json

import pytest
from factories_audits import classified
from typer.testing import CliRunner

from fincloud.audits.models import AuditPlanEntry
from fincloud.cli import app

pytestmark = pytest.mark.django_db


def test_plan_command_regenerates_and_reports_json():
    service = classified("material_offshore")
    result = CliRunner().invoke(
        app, ["audits", "plan", "--as-of", "2026-11-25", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["planned"] == 1 and stats["written"] == 1
    assert AuditPlanEntry.objects.get(service=service).interval_months == 12
    again = CliRunner().invoke(app, ["audits", "plan", "--as-of", "2026-11-25"])
    assert "0 written" in again.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--as-of", "25/11/2026"], "--as-of: must be a date YYYY-MM-DD"),
        (["--format", "xml"], "--format: must be json or text"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, words):
    result = CliRunner().invoke(app, ["audits", "plan", *args])
    assert result.exit_code == 2
    assert words in result.stderr
    assert "Traceback" not in result.output
