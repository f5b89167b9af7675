"""What an exported file holds (issue 22): the filters on top, Chinese headers, every code
by its label, numbers as numbers and moments as date cells in Beijing time."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from openpyxl.cell import Cell

from deadlines.models import Case
from oversight.models import ExportJob
from oversight.selectors import exports
from oversight.services import exports as export_files
from sanctions.models import SanctionKind
from tests.oversight.conftest import Cast, open_case
from tests.sanctions.conftest import SanctionsCast, confirm, decide, raise_finding, sc

pytestmark = [pytest.mark.django_db]

__all__ = ["sc"]

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADING_LINES = 6  # records, department, period, state, exported by, exported at


def at(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def export_dir(settings: Any, tmp_path: Path) -> Path:
    settings.OVERSIGHT_EXPORT_DIR = tmp_path / "exports"
    return settings.OVERSIGHT_EXPORT_DIR


@pytest.fixture
def march(cast: Cast, sc: SanctionsCast) -> dict[str, Any]:
    """Two complaints to the service department in March (one at 23:30 Beijing time, the
    previous day in UTC), one to the network department; a confirmed violation with an
    approved sanction."""
    with time_machine.travel(at(3, 23, 30), tick=False):
        late = open_case(cast, subject="夜间停水")
    with time_machine.travel(at(10), tick=False):
        plain = open_case(cast, subject="水表漏水")
        network = open_case(cast, department=cast.network, subject="管道破裂")
    violation = confirm(sc, raise_finding(sc, "breach-overdue", sc.handler, at(5)), at(6))
    decision = decide(sc, violation, at(10))
    return {
        "late": late,
        "plain": plain,
        "network": network,
        "violation": violation,
        "decision": decision,
    }


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _book(user: Any, **data: Any) -> Any:
    response = _client(user).post(reverse("oversight:export_start"), data)
    assert response.status_code == 200
    return load_workbook(BytesIO(response.content)).active


def _lines(sheet: Any) -> list[Any]:
    return [row[0].value for row in sheet.iter_rows(max_row=HEADING_LINES)]


def _table(sheet: Any) -> tuple[list[str], list[dict[str, Cell]]]:
    """The header row (right under the filter lines) and the data rows' cells by header."""
    rows = list(sheet.iter_rows(min_row=HEADING_LINES + 1))
    header = [cell.value for cell in rows[0]]
    return header, [dict(zip(header, row, strict=True)) for row in rows[1:]]


def _values(sheet: Any) -> list[Any]:
    return [cell.value for row in sheet.iter_rows() for cell in row if cell.value is not None]


def test_it_writes_the_filters_on_top_and_chinese_headers(
    cast: Cast, march: dict[str, Any]
) -> None:
    sheet = _book(
        cast.leader, kind="cases", department="service", start="2026-03-01", end="2026-03-31"
    )
    lines = _lines(sheet)
    assert lines[:4] == [
        "导出内容：办件",
        "部门：客户服务中心",
        "期间（登记时间）：2026-03-01 至 2026-03-31",
        "状态：全部",
    ]
    assert lines[4].startswith("导出人：")
    assert lines[5].startswith("导出时间：")
    header, rows = _table(sheet)
    assert header[:8] == [
        "办件编号",
        "登记时间",
        "渠道",
        "事项类型",
        "紧急程度",
        "状态",
        "承办部门",
        "承办人",
    ]
    assert not [h for h in header if "__" in h or h.isascii()]
    assert {row["办件编号"].value for row in rows} == {
        march["late"].number,
        march["plain"].number,
    }


def test_it_says_all_when_no_filter_is_given_and_a_heads_own_department(
    cast: Cast, march: dict[str, Any]
) -> None:
    everything = _lines(_book(cast.leader, kind="cases"))
    assert everything[1:4] == ["部门：全部部门", "期间（登记时间）：全部", "状态：全部"]
    # A head's case export holds their own department: the file says which.
    assert _lines(_book(cast.head, kind="cases"))[1] == "部门：客户服务中心"
    since = _lines(_book(cast.inspector, kind="violations", start="2026-03-05"))
    assert since[:3] == ["导出内容：违规记录", "部门：全部部门", "期间（生成时间）：2026-03-05 起"]


def test_it_writes_moments_as_date_cells_in_beijing_time_and_labels_for_codes(
    cast: Cast, march: dict[str, Any]
) -> None:
    sheet = _book(cast.leader, kind="cases", department="service")
    _header, rows = _table(sheet)
    late = next(row for row in rows if row["办件编号"].value == march["late"].number)
    opened = late["登记时间"]
    assert opened.is_date
    assert isinstance(opened.value, datetime)
    assert opened.value == at(3, 23, 30).replace(tzinfo=None)  # Beijing time, not UTC
    assert "yyyy-mm-dd" in opened.number_format
    case: Case = march["late"]
    assert late["渠道"].value == case.get_channel_display()
    assert late["事项类型"].value == case.get_matter_kind_display()
    assert late["紧急程度"].value == case.get_urgency_display()
    assert late["状态"].value == case.get_state_display()
    assert late["承办部门"].value == "客户服务中心"
    values = _values(sheet)
    for case in (march["late"], march["plain"]):
        for code in (case.channel, case.matter_kind, case.urgency, case.state):
            assert code not in values


def test_it_exports_violations_with_numbers_labels_and_regulation_titles(
    cast: Cast, march: dict[str, Any]
) -> None:
    sheet = _book(cast.inspector, kind="violations")
    header, rows = _table(sheet)
    assert header[:3] == ["违规记录编号", "违规情形", "规章制度"]
    (row,) = rows
    violation = march["violation"]
    number = row["违规记录编号"]
    assert (number.data_type, number.value) == ("n", violation.pk)
    assert row["生成时间"].is_date
    assert row["生成时间"].value == at(5).replace(tzinfo=None)
    assert row["违规情形"].value == violation.type.name
    assert row["规章制度"].value.startswith(f"《{violation.type.regulation.title}》")
    assert row["状态"].value == violation.get_state_display()
    values = _values(sheet)
    for code in (violation.state, violation.severity, violation.source_kind):
        assert code not in values
    for code in (violation.type.code, violation.type.regulation.code):
        assert not [v for v in values if code in str(v)]


def test_it_exports_sanctions_with_kinds_by_label(cast: Cast, march: dict[str, Any]) -> None:
    sheet = _book(cast.leader, kind="sanctions")
    _header, rows = _table(sheet)
    (row,) = rows
    decision = march["decision"]
    assert (row["处理决定编号"].data_type, row["处理决定编号"].value) == ("n", decision.pk)
    assert row["违规记录编号"].value == march["violation"].pk
    labels = dict(SanctionKind.choices)
    assert row["决定的处理方式"].value == "、".join(str(labels[k]) for k in decision.chosen_kinds)
    assert row["状态"].value == decision.get_state_display()
    assert row["提出时间"].is_date
    assert row["规章制度"].value.startswith(f"《{decision.rule.regulation.title}》")
    values = _values(sheet)
    for code in (*decision.chosen_kinds, decision.state):
        assert code not in values
    assert not [v for v in values if decision.rule.regulation.code in str(v)]


def test_it_writes_the_same_file_from_a_job(
    cast: Cast, march: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "STREAM_LIMIT", 0)
    _client(cast.leader).post(
        reverse("oversight:export_start"), {"kind": "cases", "department": "network"}
    )
    job = ExportJob.objects.get()
    export_files.export_run(job_id=job.pk)
    job.refresh_from_db()
    sheet = load_workbook(BytesIO(job.file.read())).active
    assert _lines(sheet)[1] == "部门：管网所"
    _header, rows = _table(sheet)
    assert [row["办件编号"].value for row in rows] == [march["network"].number]
    assert rows[0]["登记时间"].is_date


def test_it_labels_the_period_from_and_to_on_the_export_page(cast: Cast) -> None:
    html = _client(cast.leader).get(reverse("oversight:exports")).content.decode()
    assert '<label for="id_start">自' in html
    assert '<label for="id_end">至' in html
