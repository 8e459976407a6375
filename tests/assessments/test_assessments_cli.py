"""`fincloud assessments rescan`."""

from __future__ import annotations

import json

import pytest
from factories_assessments import csp, institution, judged, service
from typer.testing import CliRunner

from fincloud.assessments import services as svc
from fincloud.cli import app
from fincloud.register.models import CloudService

pytestmark = pytest.mark.django_db


def test_rescan_flags_growth_made_behind_the_services_back(personas):
    institution()
    provider = csp()
    srv = service(provider, personas["governance_officer"].unit, data_records=100)
    judged(
        svc.assessment_start(actor=personas["governance_officer"], service=srv),
        personas,
        material=False,
    )
    runner = CliRunner()
    result = runner.invoke(app, ["assessments", "rescan", "--format", "json"])
    assert result.exit_code == 0 and json.loads(result.stdout) == {"flagged": []}
    # e.g. a bulk import that sends no signals
    CloudService.objects.filter(pk=srv.pk).update(data_records=500)
    result = runner.invoke(app, ["assessments", "rescan", "--format", "json"])
    assert result.exit_code == 1
    flagged = json.loads(result.stdout)["flagged"]
    assert [f["reason"] for f in flagged] == ["exposure"]
    assert flagged[0]["details"] == [{"kind": "data_volume", "before": "100", "after": "500"}]
    again = runner.invoke(app, ["assessments", "rescan"])
    assert again.exit_code == 0 and "0 newly flagged" in again.stdout


def test_rescan_refuses_an_unknown_format():
    result = CliRunner().invoke(app, ["assessments", "rescan", "--format", "xml"])
    assert result.exit_code == 2
    assert "--format: must be text or json" in result.stderr
