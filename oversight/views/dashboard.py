"""The supervisor's dashboard and the case lists behind its figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from operator import attrgetter
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accountability.models import Department, StaffProfile
from accountability.rules import may
from deadlines.models import MatterKind
from deadlines.selectors.clocks import case_colour
from intake.models import ServiceItem
from oversight import charts
from oversight.forms import DashboardFilterForm, FigureListForm
from oversight.rules import sees_all
from oversight.selectors.dashboard import (
    FEEDBACK_TARGET,
    NO_SERVICE_ITEM,
    Counts,
    Dashboard,
    DashboardFilters,
    Figure,
    case_list_for_figure,
    dashboard_callback_figures,
    dashboard_figures,
)

PAGE_SIZE = 25
TOP_SERVICE_ITEMS = 12  # bars drawn; the table lists them all

FIGURE_TITLES: dict[str, str | Promise] = {
    Figure.OPEN: _("Open cases"),
    Figure.YELLOW: _("At risk (yellow card)"),
    Figure.RED: _("Overdue (red card)"),
    Figure.OPENED: _("Registered in the period"),
    Figure.COMPLETED: _("Completed in the period"),
    Figure.ON_TIME: _("Completed on time"),
    Figure.LATE: _("Completed late"),
    Figure.RATED: _("Completed and rated"),
    Figure.FEEDBACK: _("Feedback due or given in the period"),
    Figure.FEEDBACK_LATE: _("Feedback late"),
    Figure.CALLBACK_DUE: _("Callbacks owed after closing in the period"),
    Figure.CALLED_BACK: _("Called back"),
    Figure.NOT_CALLED_BACK: _("Not called back"),
    Figure.CALLBACK_RATED: _("Rated at the callback"),
    Figure.REWORKED: _("Reopened for rework after a poor rating"),
}


class Scope:
    """What the viewer may see: every department, or their own."""

    def __init__(self, request: HttpRequest) -> None:
        user = request.user
        if not may(user, "oversight.view_dashboard"):
            raise PermissionDenied(_("The dashboard is for department heads and leadership."))
        self.departments: list[Department] | None = None
        self.own: Department | None = None
        if sees_all(user):
            self.departments = list(Department.objects.order_by("code"))
            self.names = {d.pk: d.name for d in self.departments}
            self.codes = {d.pk: d.code for d in self.departments}
        else:
            profile = StaffProfile.objects.select_related("department").filter(user=user.pk).first()
            self.own = profile.department if profile is not None else None
            self.names = {self.own.pk: self.own.name} if self.own else {}
            self.codes = {self.own.pk: self.own.code} if self.own else {}

    @property
    def problem(self) -> str | Promise | None:
        if self.departments is None and self.own is None:
            return _("Your account belongs to no department. Ask an administrator.")
        return None

    @property
    def department_ids(self) -> list[int]:
        if self.departments is not None:
            return [d.pk for d in self.departments]
        return [self.own.pk] if self.own is not None else []

    @property
    def own_id(self) -> int | None:
        return self.own.pk if self.own is not None else None


def _query(filters: DashboardFilters, scope: Scope, **extra: Any) -> str:
    params: dict[str, Any] = {"start": filters.start.isoformat(), "end": filters.end.isoformat()}
    if filters.department_id is not None and scope.departments is not None:
        params["department"] = scope.codes.get(filters.department_id, "")
    if filters.matter_kind:
        params["matter_kind"] = filters.matter_kind
    params.update({k: v for k, v in extra.items() if v is not None})
    return urlencode(params)


class Links:
    """The drill-down link of every figure on the page."""

    def __init__(self, filters: DashboardFilters, scope: Scope) -> None:
        self.filters, self.scope = filters, scope
        self.base = reverse("oversight:cases")

    def __call__(self, figure: str, **where: Any) -> str:
        return f"{self.base}?figure={figure}&{self.query(**where)}"

    def query(
        self,
        *,
        department_id: int | None = None,
        service_item: str | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> str:
        """The filters of one slice, encoded (without the figure)."""
        filters = self.filters
        if department_id is not None:
            filters = DashboardFilters(
                start=filters.start,
                end=filters.end,
                department_id=department_id,
                matter_kind=filters.matter_kind,
            )
        if start is not None and end is not None:
            filters = DashboardFilters(
                start=max(start, filters.start),
                end=min(end, filters.end),
                department_id=filters.department_id,
                matter_kind=filters.matter_kind,
            )
        extra: dict[str, Any] = {}
        if service_item is not None:
            extra["service_item"] = service_item or NO_SERVICE_ITEM
        return _query(filters, self.scope, **extra)


def _figures(counts: Counts, link: Links, **where: Any) -> dict[str, Any]:
    """One slice's figures with the link behind each."""
    query = link.query(**where)
    return {
        "counts": counts,
        "links": {figure: f"{link.base}?figure={figure}&{query}" for figure in Figure.ALL},
    }


def _bar_rows(
    slices: list[tuple[str, Counts, dict[str, str]]],
) -> list[tuple[str, str, list[tuple[int, str, str, str]]]]:
    on_track, at_risk, overdue = _("On track"), _("At risk"), _("Overdue")
    return [
        (
            label,
            links[Figure.OPEN],
            [
                (c.open - c.yellow - c.red, "on-track", links[Figure.OPEN], f"{label} {on_track}"),
                (c.yellow, "yellow", links[Figure.YELLOW], f"{label} {at_risk} {c.yellow}"),
                (c.red, "red", links[Figure.RED], f"{label} {overdue} {c.red}"),
            ],
        )
        for label, c, links in slices
    ]


def _trend_charts(board: Dashboard, link: Links) -> dict[str, charts.LineChart]:
    weeks = list(board.by_week.items())
    week_end = [(w, w.fromordinal(w.toordinal() + 6)) for w, _c in weeks]
    months = list(board.by_month.items())
    month_end = [
        (m, (months[i + 1][0] if i + 1 < len(months) else board.filters.end))
        for i, (m, _c) in enumerate(months)
    ]
    # A month's link runs to the day before the next month (the list clips to the period).
    month_end = [
        (m, e if e == board.filters.end else e.fromordinal(e.toordinal() - 1)) for m, e in month_end
    ]
    # One point a period: its label, its figures and the days its link lists.
    weekly = [(f"{w:%m-%d}", c, s, e) for (w, c), (s, e) in zip(weeks, week_end, strict=True)]
    monthly = [(f"{m:%Y-%m}", c, s, e) for (m, c), (s, e) in zip(months, month_end, strict=True)]

    def series(
        name: Promise,
        css: str,
        figure: str,
        value: Callable[[Counts], float | None],
        periods: list[tuple[str, Counts, date, date]],
        unit: str = "",
    ) -> tuple[Promise, str, list[tuple[float | None, str, str]]]:
        return (
            name,
            css,
            [
                (value(c), link(figure, start=s, end=e), f"{label} {name} {value(c)}{unit}")
                for label, c, s, e in periods
            ],
        )

    registered, completed = _("Registered"), _("Completed")
    on_time, feedback = _("On-time completion"), _("Feedback on time")
    return {
        "weekly": charts.lines(
            [label for label, *_ in weekly],
            [
                series(registered, "opened", Figure.OPENED, attrgetter("opened"), weekly),
                series(completed, "completed", Figure.COMPLETED, attrgetter("completed"), weekly),
            ],
        ),
        "monthly": charts.lines(
            [label for label, *_ in monthly],
            [
                series(on_time, "on-time", Figure.LATE, attrgetter("on_time_rate"), monthly, "%"),
                series(
                    feedback,
                    "feedback",
                    Figure.FEEDBACK_LATE,
                    attrgetter("feedback_rate"),
                    monthly,
                    "%",
                ),
            ],
            percent=True,
            target=FEEDBACK_TARGET,
        ),
    }


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Open, at-risk and overdue cases now; completions, handling time, satisfaction and
    feedback timeliness over the period; their trends by week and month."""
    scope = Scope(request)
    if scope.problem:
        return render(request, "oversight/dashboard.html", {"problem": scope.problem})
    now = timezone.now()
    form = DashboardFilterForm(
        request.GET or None, today=timezone.localdate(now), departments=scope.departments
    )
    filters = form.filters(department_id=scope.own_id)
    board = dashboard_figures(filters=filters, now=now, department_ids=scope.department_ids)
    items = dict(ServiceItem.objects.filter(retired_at__isnull=True).values_list("code", "name"))
    link = Links(filters, scope)

    departments = sorted(
        board.by_department.items(),
        key=lambda kv: (-kv[1].red, -kv[1].yellow, -kv[1].open, scope.names.get(kv[0], "")),
    )
    by_department = [
        (scope.names.get(pk, str(pk)), _figures(c, link, department_id=pk)) for pk, c in departments
    ]
    service_items = sorted(
        board.by_service_item.items(),
        key=lambda kv: (-kv[1].red, -kv[1].yellow, -kv[1].open, kv[0]),
    )
    no_item = _("(no service item)")
    by_service_item = [
        (items.get(code, code) if code else no_item, _figures(c, link, service_item=code))
        for code, c in service_items
    ]

    callbacks = dashboard_callback_figures(filters=filters, department_ids=scope.department_ids)
    callback_by_department = [
        (scope.names.get(pk, str(pk)), _figures(c, link, department_id=pk))  # type: ignore[arg-type]
        for pk, c in sorted(
            callbacks.by_department.items(), key=lambda kv: scope.names.get(kv[0], "")
        )
    ]
    callback_by_service_item = [
        (items.get(code, code) if code else no_item, _figures(c, link, service_item=code))  # type: ignore[arg-type]
        for code, c in sorted(callbacks.by_service_item.items(), key=lambda kv: (-kv[1].due, kv[0]))
    ]

    def bars(rows: list[tuple[Any, dict[str, Any]]]) -> charts.BarChart:
        return charts.stacked_bars(
            _bar_rows(
                [(str(label), f["counts"], f["links"]) for label, f in rows if f["counts"].open]
            )
        )

    return render(
        request,
        "oversight/dashboard.html",
        {
            "form": form,
            "filters": filters,
            "board": board,
            "scope_name": scope.names.get(filters.department_id, "")
            if filters.department_id is not None
            else _("All departments"),
            "total": _figures(board.total, link),
            "callback_total": _figures(callbacks.total, link),  # type: ignore[arg-type]
            "callback_by_department": callback_by_department,
            "callback_by_service_item": callback_by_service_item,
            "by_department": by_department,
            "by_service_item": by_service_item,
            "department_bars": bars(by_department),
            "service_item_bars": bars(by_service_item[:TOP_SERVICE_ITEMS]),
            "trends": _trend_charts(board, link),
            "feedback_target": FEEDBACK_TARGET,
            "kind_label": MatterKind(filters.matter_kind).label if filters.matter_kind else "",
            "now": now,
        },
    )


@login_required
@require_GET
def cases(request: HttpRequest) -> HttpResponse:
    """The cases behind one figure of the dashboard, with the same filters."""
    scope = Scope(request)
    if scope.problem:
        return render(request, "oversight/case_list.html", {"problem": scope.problem})
    now = timezone.now()
    form = FigureListForm(request.GET, today=timezone.localdate(now), departments=scope.departments)
    if not form.is_valid():
        return render(
            request,
            "oversight/case_list.html",
            {"form": form, "title": _("Cases"), "invalid": True},
            status=400,
        )
    figure = form.cleaned_data["figure"]
    filters = form.filters(department_id=scope.own_id)
    rows: Any = case_list_for_figure(  # a queryset, or the open lists' CaseList
        figure=figure, filters=filters, now=now, department_ids=scope.department_ids
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    back = request.GET.copy()
    for key in ("page", "figure", "service_item"):
        back.pop(key, None)
    return render(
        request,
        "oversight/case_list.html",
        {
            "form": form,
            "title": FIGURE_TITLES[figure],
            "filters": filters,
            "scope_name": scope.names.get(filters.department_id, "")
            if filters.department_id is not None
            else _("All departments"),
            "service_item": form.cleaned_data.get("service_item") or "",
            "page": page,
            "rows": [(case, case_colour(case, now)) for case in page],
            "query": query.urlencode(),
            "back": f"{reverse('oversight:dashboard')}?{back.urlencode()}",
        },
    )
