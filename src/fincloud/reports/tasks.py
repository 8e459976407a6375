"""The background run of a report (django-tasks; the database backend in settings.TASKS, run
by `fincloud manage db_worker`; the tests use the immediate backend)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def run_report(code: str) -> dict[str, Any]:
    from fincloud.reports.services import report_execute
    from fincloud.web.context import RequestContext, bound, new_request_id

    with bound(RequestContext(request_id=new_request_id(), channel="task")):
        run, _data = report_execute(code=code)
    return {"status": run.status, "sha256": run.sha256}
