"""A kept report as tables: the same rows for the printable page and the Excel file
(Chinese labels through the translations)."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font

from accountability.spreadsheets import escape_row
from outages.models import BreachKind
from sanctions.selectors import sanction_kind_labels

Label = str | Promise
SHANGHAI = ZoneInfo("Asia/Shanghai")

# (key in the snapshot, column label, suffix)
FIGURE_COLUMNS: tuple[tuple[str, Label, str], ...] = (
    ("opened", _("Registered"), ""),
    ("completed", _("Completed"), ""),
    ("on_time_rate", _("On-time completion"), "%"),
    ("feedback_rate", _("Feedback timeliness"), "%"),
    ("handling_days", _("Average handling time (working days)"), ""),
    ("rating", _("Satisfaction (out of 5)"), ""),
    ("rated", _("Rated"), ""),
    ("open", _("Open at report time"), ""),
    ("red", _("Overdue at report time"), ""),
)
VIOLATION_COLUMNS: tuple[tuple[str, Label], ...] = (
    ("raised", _("Violations raised")),
    ("confirmed", _("Confirmed")),
    ("dismissed", _("Dismissed")),
)
OUTAGE_ROWS: tuple[tuple[str, Label], ...] = (
    ("planned", _("Planned outages")),
    ("faults", _("Fault outages")),
    ("households", _("Households affected")),
    ("outage_hours", _("Outage hours")),
    ("large", _("Large outages (≥1000 households, ≥8 hours)")),
    ("contacts", _("Citizens' contacts about outages")),
    ("obligations_due", _("Reports and notices due")),
    ("met_in_time", _("Met in time")),
    ("met_late", _("Met late")),
    ("missed", _("Not met")),
    ("notices", _("Public notices published")),
)


def _value(row: dict[str, Any], key: str) -> Any:
    value = row.get(key)
    return "—" if value is None else value


def report_tables(view: dict[str, Any]) -> dict[str, Any]:
    """Rows ready to print: headers and cells, labels resolved."""
    headers = [_("Department"), *(label for _k, label, _s in FIGURE_COLUMNS)]
    rows = [
        [d["name"], *(_value(d, key) for key, _l, _s in FIGURE_COLUMNS)]
        for d in view["departments"]
    ]
    total = None
    if view.get("total") is not None:
        total = [_("All departments"), *(_value(view["total"], k) for k, _l, _s in FIGURE_COLUMNS)]
    violations = view["violations"]
    violation_rows = [
        [d["name"] or "—", *(d[key] for key, _l in VIOLATION_COLUMNS)]
        for d in violations["by_department"]
    ]
    sanctions = view["sanctions"]
    kinds = sanction_kind_labels()
    outages = view.get("outages")
    outage_rows = []
    if outages is not None:
        outage_rows = [[label, outages.get(key)] for key, label in OUTAGE_ROWS]
        breach_labels = dict(BreachKind.choices)
        outage_rows += [
            [breach_labels.get(kind, kind), n]
            for kind, n in (outages.get("breaches") or {}).items()
        ]
    return {
        "headers": headers,
        "rows": rows,
        "total": total,
        "violation_headers": [_("Department"), *(label for _k, label in VIOLATION_COLUMNS)],
        "violation_rows": violation_rows,
        "violation_total": [
            _("In all"),
            *(violations[key] for key, _l in VIOLATION_COLUMNS),
        ],
        "sanction_kinds": [[kinds.get(k, k), n] for k, n in sanctions["by_kind"].items()],
        "sanction_departments": [
            [d["name"] or "—", d["approved"]] for d in sanctions["by_department"]
        ],
        "sanctions": sanctions,
        "outage_rows": outage_rows,
    }


def report_lines(*, view: dict[str, Any], department: str | None) -> list[str]:
    """The lines under a sheet's title: the period, whose rows (``department``: a head's
    own department; None: every department) and when the figures were taken."""
    as_of = timezone.localtime(datetime.fromisoformat(view["as_of"]), SHANGHAI)
    period = gettext("%(start)s to %(end)s") % {"start": view["start"], "end": view["end"]}
    return [
        gettext("%(label)s: %(value)s") % {"label": gettext("Period"), "value": period},
        gettext("%(label)s: %(value)s")
        % {"label": gettext("Department"), "value": department or gettext("All departments")},
        gettext("%(label)s: %(value)s")
        % {"label": gettext("Generated at"), "value": f"{as_of:%Y-%m-%d %H:%M}"},
    ]


def report_workbook(
    *, title: str, view: dict[str, Any], tables: dict[str, Any], department: str | None = None
) -> bytes:
    """The report as an Excel file: one sheet per part, each with the title and the
    report's period and scope on top (report_lines), then its header row and rows."""
    book = Workbook()
    bold = Font(bold=True)
    lines = report_lines(view=view, department=department)

    def sheet(name: Label, heading: list[Any], rows: list[list[Any]]) -> None:
        if book.active is not None and book.active.title == "Sheet":
            ws = book.active
            ws.title = str(name)
        else:
            ws = book.create_sheet(str(name))
        ws.append(escape_row([title]))
        ws["A1"].font = bold
        for line in lines:
            ws.append(escape_row([line]))  # a head's department name, typed by administrators
        ws.append(escape_row(heading))
        for cell in ws[ws.max_row]:
            cell.font = bold
        for row in rows:
            ws.append(escape_row(row))  # department names are typed in by administrators

    rows = list(tables["rows"])
    if tables["total"] is not None:
        rows.append(tables["total"])
    sheet(_("Figures by department"), tables["headers"], rows)
    sheet(
        _("Violations"),
        tables["violation_headers"],
        [*tables["violation_rows"], tables["violation_total"]],
    )
    sanctions = tables["sanctions"]
    sanction_rows: list[list[Any]] = [[_("Approved"), sanctions["approved"]]]
    if sanctions.get("refused") is not None:
        sanction_rows.append([_("Refused"), sanctions["refused"]])
    sanction_rows += tables["sanction_kinds"] + tables["sanction_departments"]
    sheet(_("Sanctions"), [_("Item"), _("Number")], sanction_rows)
    if view.get("outages") is not None:
        sheet(_("Outages"), [_("Item"), _("Number")], tables["outage_rows"])
    out = BytesIO()
    book.save(out)
    return out.getvalue()
