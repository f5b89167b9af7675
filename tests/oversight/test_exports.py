"""Exports of cases, violations and sanctions (issue 8, line 4): who may export what, a
small export sent at once, a large one run as a job with progress and a download for its
requester only, and the complainant's identity kept protected in the case export."""

from __future__ import annotations

from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext
from openpyxl import load_workbook

from accountability.celery import app as celery_app
from accountability.roles import Role
from deadlines.models import Case
from deadlines.services.cases import case_accept, case_name_accused
from oversight.models import ExportJob, ExportKind, ExportState
from oversight.selectors import exports
from oversight.selectors.exports import ExportFilters, export_register
from oversight.services import exports as export_files
from oversight.services.exports import export_run, export_write
from tests.deadlines.conftest import _staff
from tests.oversight.conftest import Cast, open_case
from tests.sanctions.conftest import SanctionsCast, at, confirm, decide, raise_finding, sc

pytestmark = [pytest.mark.django_db]

__all__ = ["sc"]


@pytest.fixture(autouse=True)
def export_dir(settings: Any, tmp_path: Path) -> Path:
    settings.OVERSIGHT_EXPORT_DIR = tmp_path / "exports"
    return settings.OVERSIGHT_EXPORT_DIR


@pytest.fixture
def records(cast: Cast, sc: SanctionsCast) -> dict[str, Any]:
    """Service department: a plain complaint and a complaint about a meter reader (its
    complainant protected); network department: a complaint. A confirmed violation with
    an approved sanction, and a violation still raised."""
    plain = open_case(cast, subject="水表漏水")
    about = case_accept(actor=cast.head, case=open_case(cast), handler=cast.handler)
    reader = _staff("meter_reader", cast.service, Role.HANDLER)
    about = case_name_accused(actor=cast.desk, case=about, accused=[reader], reason="态度恶劣")
    network = open_case(cast, department=cast.network, subject="管道破裂")
    confirmed = confirm(
        sc, raise_finding(sc, "breach-overdue", sc.handler, at(2026, 3, 5)), at(2026, 3, 6)
    )
    decision = decide(sc, confirmed, at(2026, 3, 10))
    pending = raise_finding(sc, "breach-overdue", sc.handler2, at(2026, 3, 12))
    return {
        "plain": plain,
        "about": about,
        "network": network,
        "confirmed": confirmed,
        "pending": pending,
        "decision": decision,
    }


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# The headers the tests read rows by (the files carry Chinese headers, issue 22).
NUMBER, NAME, PHONE, CONTENT = "办件编号", "服务对象姓名", "服务对象电话", "内容"
VIOLATION_NUMBER, DECISION_NUMBER = "违规记录编号", "处理决定编号"


def _sheet(content: bytes) -> list[dict[str, Any]]:
    """The data rows by header: the filter lines on top (one cell each) are skipped, the
    header row is the first with more than one cell."""
    rows = list(load_workbook(BytesIO(content)).active.iter_rows(values_only=True))
    header = next(i for i, row in enumerate(rows) if sum(v is not None for v in row) > 1)
    return [dict(zip(rows[header], row, strict=True)) for row in rows[header + 1 :]]


def _post(user: Any, **data: Any) -> Any:
    return _client(user).post(reverse("oversight:export_start"), data)


# -- who may export what -------------------------------------------------------------------------


def test_it_refuses_exports_to_whom_may_not(cast: Cast, records: dict[str, Any]) -> None:
    handler = _client(cast.handler)
    assert handler.get(reverse("oversight:exports")).status_code == 403
    assert handler.post(reverse("oversight:export_start"), {"kind": "cases"}).status_code == 403
    for kind in (ExportKind.VIOLATIONS, ExportKind.SANCTIONS):
        assert _post(cast.head, kind=kind).status_code == 403
        with pytest.raises(PermissionDenied):
            export_register(user=cast.head, kind=kind, filters=ExportFilters())
    # A head exports their own department's cases, never another's.
    with pytest.raises(PermissionDenied):
        export_register(user=cast.head, kind="cases", filters=ExportFilters(department="network"))


def test_it_sends_a_small_export_at_once(cast: Cast, records: dict[str, Any]) -> None:
    response = _post(cast.leader, kind="cases")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    numbers = {row[NUMBER] for row in _sheet(response.content)}
    assert numbers == set(Case.objects.values_list("number", flat=True))
    network_only = _sheet(_post(cast.leader, kind="cases", department="network").content)
    assert [row[NUMBER] for row in network_only] == [records["network"].number]


def test_it_holds_a_head_to_their_own_department(cast: Cast, records: dict[str, Any]) -> None:
    rows = _sheet(_post(cast.head, kind="cases").content)
    numbers = {row[NUMBER] for row in rows}
    assert records["network"].number not in numbers
    assert {records["plain"].number, records["about"].number} <= numbers
    assert _post(cast.network_head, kind="cases", department="service").status_code == 200
    assert {row[NUMBER] for row in _sheet(_post(cast.network_head, kind="cases").content)} == {
        records["network"].number
    }


def test_it_keeps_the_complainant_protected_in_the_case_export(
    cast: Cast, records: dict[str, Any]
) -> None:
    protected = gettext("protected")
    by_number = {row[NUMBER]: row for row in _sheet(_post(cast.head, kind="cases").content)}
    about = by_number[records["about"].number]
    for column in (NAME, PHONE, CONTENT):
        assert about[column] == protected
    assert by_number[records["plain"].number][NAME] == "张三"
    # The inspection office may see it.
    rows = _sheet(_post(cast.inspector, kind="cases").content)
    assert {r[NUMBER]: r for r in rows}[records["about"].number][NAME] == "张三"


def test_it_exports_violations_and_sanctions_to_the_inspection_office(
    cast: Cast, records: dict[str, Any]
) -> None:
    violations = _sheet(_post(cast.inspector, kind="violations").content)
    assert {row[VIOLATION_NUMBER] for row in violations} == {
        records["confirmed"].pk,
        records["pending"].pk,
    }
    sanctions = _sheet(_post(cast.leader, kind="sanctions").content)
    assert [row[DECISION_NUMBER] for row in sanctions] == [records["decision"].pk]
    raised_on_the_12th = _sheet(
        _post(cast.inspector, kind="violations", start="2026-03-12", end="2026-03-12").content
    )
    assert [row[VIOLATION_NUMBER] for row in raised_on_the_12th] == [records["pending"].pk]


# -- large exports as jobs -----------------------------------------------------------------------


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every export is "large", and a page is two rows."""
    monkeypatch.setattr(exports, "STREAM_LIMIT", 0)
    monkeypatch.setattr(export_files, "CHUNK", 2)


def test_it_counts_progress_page_by_page(
    cast: Cast, records: dict[str, Any], small_limits: None
) -> None:
    heard: list[int] = []
    register = export_register(user=cast.leader, kind="cases", filters=ExportFilters())
    export_write(
        resource=register.resource,
        queryset=register.rows,
        out=BytesIO(),
        progress=heard.append,
    )
    assert heard == [2, 3]


def test_it_runs_a_large_export_as_a_job_through_to_the_download(
    cast: Cast, records: dict[str, Any], small_limits: None, export_dir: Path
) -> None:
    client = _client(cast.head)
    response = client.post(reverse("oversight:export_start"), {"kind": "cases"})
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("oversight:export_job", args=[job.pk])
    assert (job.requested_by, job.kind, job.state) == (cast.head, "cases", ExportState.QUEUED)
    page = client.get(response["Location"]).content.decode()
    assert "<progress" in page
    assert "oversight/export_progress.js" in page
    assert reverse("oversight:export_job_status", args=[job.pk]) in page
    status = client.get(reverse("oversight:export_job_status", args=[job.pk])).json()
    assert (status["state"], status["download"]) == ("queued", None)

    assert export_run(job_id=job.pk) == ExportState.DONE
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (ExportState.DONE, 2, 2)  # own department only
    assert Path(job.file.path).is_relative_to(export_dir)
    status = client.get(reverse("oversight:export_job_status", args=[job.pk])).json()
    assert status["percent"] == 100
    assert status["download"] == reverse("oversight:export_download", args=[job.pk])
    download = client.get(status["download"])
    assert download.status_code == 200
    rows = _sheet(b"".join(download.streaming_content))  # type: ignore[attr-defined]
    by_number = {row[NUMBER]: row for row in rows}
    assert set(by_number) == {records["plain"].number, records["about"].number}
    assert by_number[records["about"].number][NAME] == gettext("protected")
    assert export_run(job_id=job.pk) == ExportState.DONE  # delivered twice: left alone


def test_it_lets_only_the_requester_see_a_job_not_even_an_administrator(
    cast: Cast, records: dict[str, Any], small_limits: None
) -> None:
    job = ExportJob.objects.create(requested_by=cast.leader, kind="cases")
    export_run(job_id=job.pk)
    urls = [
        reverse(name, args=[job.pk])
        for name in (
            "oversight:export_job",
            "oversight:export_job_status",
            "oversight:export_download",
        )
    ]
    for user in (cast.inspector, cast.head):
        client = _client(user)
        assert [client.get(url).status_code for url in urls] == [403, 403, 403]
    # Administering the system is not reading its exports (protected identities in them).
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    assert [_client(admin).get(url).status_code for url in urls] == [403, 403, 403]
    refused = _client(admin).post(reverse("oversight:export_start"), {"kind": "cases"})
    assert refused.status_code == 403
    assert [_client(cast.leader).get(url).status_code for url in urls] == [200, 200, 200]


def test_it_fails_a_job_whose_requester_may_no_longer_export(
    cast: Cast, records: dict[str, Any]
) -> None:
    job = ExportJob.objects.create(requested_by=cast.head, kind="violations")
    assert export_run(job_id=job.pk) == ExportState.FAILED
    job.refresh_from_db()
    assert job.error == gettext("You may not export these records.")
    assert not job.file
    status = _client(cast.head).get(reverse("oversight:export_job_status", args=[job.pk])).json()
    assert (status["state"], status["download"]) == ("failed", None)


@pytest.fixture
def eager() -> Iterator[None]:
    celery_app.conf.task_always_eager = True
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = False


def test_it_sends_the_job_to_celery_once_committed(
    cast: Cast,
    records: dict[str, Any],
    small_limits: None,
    eager: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as sent:
        response = _post(cast.inspector, kind="violations")
    assert response.status_code == 302
    assert len(sent) == 1
    job = ExportJob.objects.get()
    assert (job.state, job.done, job.total) == (ExportState.DONE, 2, 2)
    assert len(_sheet(job.file.read())) == 2


def test_it_lists_the_jobs_in_a_fixed_number_of_queries(
    cast: Cast, records: dict[str, Any], django_assert_num_queries: Any
) -> None:
    client = _client(cast.leader)
    ExportJob.objects.create(requested_by=cast.leader, kind="cases")
    ExportJob.objects.create(requested_by=cast.inspector, kind="cases")  # not theirs
    client.get(reverse("oversight:exports"))
    with django_assert_num_queries(7):
        first = client.get(reverse("oversight:exports"))
    for kind in ("cases", "violations", "sanctions", "cases"):
        ExportJob.objects.create(requested_by=cast.leader, kind=kind)
    with django_assert_num_queries(7):
        more = client.get(reverse("oversight:exports"))
    assert len(first.context["page"].object_list) == 1
    assert len(more.context["page"].object_list) == 5
