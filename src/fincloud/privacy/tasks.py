"""The background run of a de-identification job (django-tasks; the database backend in
settings.TASKS, run by `fincloud manage db_worker`; the tests use the immediate backend)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def run_deid_job(code: str) -> dict[str, Any]:
    from fincloud.privacy.services import job_execute
    from fincloud.web.context import RequestContext, bound, new_request_id

    with bound(RequestContext(request_id=new_request_id(), channel="task")):
        return job_execute(code=code)
