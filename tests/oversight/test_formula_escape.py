"""Issue 21, item 4: no file the portal writes carries a live formula. A citizen, a staff
member or a department named ``=HYPERLINK("http://x","y")`` comes out as text (a leading
apostrophe) through every export path: the oversight exports (sent at once and as a job),
the kept reports, the sanction register (CSV and Excel) and the admin's export buttons."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import tablib
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accountability.resources import DepartmentResource
from accountability.spreadsheets import escape_formula, unescape_formula
from deadlines.models import CalendarDay
from intake.models import ServiceItem
from oversight.models import ExportJob, PeriodicReport, ReportKind
from oversight.selectors import exports
from oversight.services import exports as export_files
from oversight.tasks import produce_reports
from tests.oversight.conftest import Cast, open_case
from tests.oversight.test_dashboard import at, finish, opened
from tests.sanctions.conftest import SanctionsCast, confirm, decide, raise_finding, sc

pytestmark = [pytest.mark.django_db]

__all__ = ["sc"]

FORMULA = '=HYPERLINK("http://x","y")'
ESCAPED = "'" + FORMULA


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (FORMULA, ESCAPED),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("＝HYPERLINK(1)", "'＝HYPERLINK(1)"),
        ("＋1", "'＋1"),
        ("－1＋1", "'－1＋1"),
        ("＠A1", "'＠A1"),
        # Plain numbers compute nothing and stay numbers; other values pass unchanged.
        ("-5", "-5"),
        ("+86", "+86"),
        ("3.5", "3.5"),
        ("张三", "张三"),
        ("a=b", "a=b"),
        (-5, -5),
        (None, None),
        ("", ""),
    ],
)
def test_it_escapes_what_a_spreadsheet_would_run(value: Any, expected: Any) -> None:
    assert escape_formula(value) == expected
    assert unescape_formula(escape_formula(value)) == value


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _xlsx_cells(content: bytes) -> list[Any]:
    """Every cell of every sheet; none may be a formula."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    return [cell.value for cell in cells]


def _no_formula_in(values: list[Any]) -> None:
    """The formula is in the file, escaped, and nowhere as a formula."""
    texts = [str(value) for value in values if value is not None]
    assert ESCAPED in texts
    assert FORMULA not in texts


# -- oversight exports ----------------------------------------------------------------------


@pytest.fixture(autouse=True)
def export_dir(settings: Any, tmp_path: Path) -> Path:
    settings.OVERSIGHT_EXPORT_DIR = tmp_path / "exports"
    return settings.OVERSIGHT_EXPORT_DIR


def test_it_escapes_the_citizen_in_the_case_export_sent_at_once(cast: Cast) -> None:
    open_case(cast, citizen_name=FORMULA, subject="-1+1")
    response = _client(cast.leader).post(reverse("oversight:export_start"), {"kind": "cases"})
    assert response.status_code == 200
    values = _xlsx_cells(response.content)
    _no_formula_in(values)
    assert "'-1+1" in values


def test_it_escapes_the_citizen_in_an_export_job(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "STREAM_LIMIT", 0)
    open_case(cast, citizen_name=FORMULA)
    _client(cast.leader).post(reverse("oversight:export_start"), {"kind": "cases"})
    job = ExportJob.objects.get()
    export_files.export_run(job_id=job.pk)
    job.refresh_from_db()
    _no_formula_in(_xlsx_cells(job.file.read()))


def test_it_escapes_violation_and_sanction_exports(cast: Cast, sc: SanctionsCast) -> None:
    cast.service.name = FORMULA
    cast.service.save()
    violation = confirm(sc, raise_finding(sc, "breach-overdue", sc.handler, at(5)), at(6))
    decide(sc, violation, at(10))
    for kind in ("violations", "sanctions"):
        response = _client(cast.inspector).post(reverse("oversight:export_start"), {"kind": kind})
        assert response.status_code == 200, kind
        _no_formula_in(_xlsx_cells(response.content))


def test_it_escapes_department_names_in_the_kept_report(cast: Cast) -> None:
    cast.service.name = FORMULA
    cast.service.save()
    finish(cast, opened(cast, at(2)), resolved=at(3, 9), closed=at(3, 15), rating=5)
    with time_machine.travel(at(1, 1, 0, month=4), tick=False):
        produce_reports()
    kept = PeriodicReport.objects.get(kind=ReportKind.MONTH)
    response = _client(cast.leader).get(reverse("oversight:report_xlsx", args=[kept.pk]))
    assert response.status_code == 200
    _no_formula_in(_xlsx_cells(response.content))


# -- the sanction register --------------------------------------------------------------------


def test_it_escapes_the_person_in_the_sanction_register(cast: Cast, sc: SanctionsCast) -> None:
    sc.handler.first_name = FORMULA
    sc.handler.save()
    now = timezone.now()
    decide(sc, confirm(sc, raise_finding(sc, "breach-overdue", sc.handler, now), now), now)
    client = _client(cast.inspector)
    url = "sanctions:register_export"
    csv_file = client.get(reverse(url, args=["csv"]), {"year": timezone.localdate().year})
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    _no_formula_in([value for row in rows for value in row])
    xlsx = client.get(reverse(url, args=["xlsx"]), {"year": timezone.localdate().year})
    _no_formula_in(_xlsx_cells(xlsx.content))


# -- the admin's export buttons -----------------------------------------------------------------


def _case(cast: Cast) -> None:
    open_case(cast, citizen_name=FORMULA)


def _department(cast: Cast) -> None:
    cast.network.name = FORMULA
    cast.network.save()


def _staff(cast: Cast) -> None:
    cast.handler.first_name = FORMULA
    cast.handler.save()


def _calendar_day(cast: Cast) -> None:
    first = CalendarDay.objects.order_by("date")[:1].get()
    CalendarDay.objects.filter(pk=first.pk).update(name=FORMULA)


def _service_item(cast: Cast) -> None:
    ServiceItem.objects.create(
        code="formula-item",
        name=FORMULA,
        kind="on_the_spot",
        legal_basis="《供水条例》",
        conditions="-",
        procedure="@受理",
        refusal_reasons="—",
    )


@pytest.mark.parametrize(
    ("model", "prepare"),
    [
        ("deadlines_case", _case),
        ("accountability_department", _department),
        ("accountability_staffprofile", _staff),
        ("deadlines_calendarday", _calendar_day),
        ("intake_serviceitem", _service_item),
    ],
)
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_it_escapes_formulae_in_the_admin_exports(
    cast: Cast, model: str, prepare: Callable[[Cast], None], file_format: str
) -> None:
    prepare(cast)
    root = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    client = _client(root)
    url = reverse(f"admin:{model}_export")
    form = client.get(url).context["form"]
    formats = {label: value for value, label in form.fields["format"].choices}
    # Every column ticked, as the export page offers them.
    columns = {name: "on" for name in form.fields if "resource_" in name}
    response = client.post(url, {"resource": "0", "format": formats[file_format], **columns})
    assert response.status_code == 200
    if file_format == "csv":
        text = response.content.decode("utf-8-sig")
        _no_formula_in([value for row in csv.reader(io.StringIO(text)) for value in row])
    else:
        _no_formula_in(_xlsx_cells(response.content))


def test_it_imports_an_exported_file_back_without_the_apostrophe(cast: Cast) -> None:
    _department(cast)
    exported = DepartmentResource().export()
    assert ESCAPED in exported["name"]
    root = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    result = DepartmentResource().import_data(
        tablib.Dataset().load(exported.export("csv"), format="csv"), user=root
    )
    assert not result.has_errors()
    assert not result.has_validation_errors()
    cast.network.refresh_from_db()
    assert cast.network.name == FORMULA
