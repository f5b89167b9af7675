"""Changes to the working calendar. Each one recomputes the clocks that depend on it."""

from __future__ import annotations

import importlib.metadata
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import audit
from accountability.services import require_permission_or_system
from deadlines.models import CalendarDay, CalendarYear
from deadlines.services.clocks import clocks_recompute

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# chinesecalendar names holidays in English; the interface shows the Chinese names.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def _save_and_recompute(
    *,
    actor: User | None,
    action: str,
    row: CalendarDay | CalendarYear,
    before: dict[str, Any] | None,
    days: tuple[date, date],
    reason: str,
) -> None:
    """Save a calendar change, recompute the clocks that depend on those days, audit both."""
    row.changed_at = timezone.now()
    row.full_clean()
    row.save()
    moved = clocks_recompute(first_day=days[0], last_day=days[1])
    audit.record(
        actor=actor,
        action=action,
        obj=row,
        before=before,
        after={**audit.snapshot(row), "clocks_recomputed": moved},
        reason=reason,
    )


@transaction.atomic
def calendar_day_set(
    *,
    actor: User | None,
    day: date,
    is_working_day: bool,
    kind: str,
    name: str = "",
    source: str = "",
    reason: str = "",
) -> CalendarDay:
    """Enter or correct one day (a holiday, a make-up working day, a correction)."""
    require_permission_or_system(actor, "deadlines.change_calendarday")
    row = CalendarDay.objects.select_for_update().filter(date=day).first()
    before = audit.snapshot(row) if row is not None else None
    row = row or CalendarDay(date=day)
    row.is_working_day = is_working_day
    row.kind = kind
    row.name = name
    row.source = source
    _save_and_recompute(
        actor=actor,
        action="calendar.day_set",
        row=row,
        before=before,
        days=(day, day),
        reason=reason,
    )
    return row


@transaction.atomic
def calendar_day_clear(*, actor: User | None, row: CalendarDay, reason: str = "") -> int:
    """Remove an entry: the day follows the weekday rule again. Returns clocks moved."""
    require_permission_or_system(actor, "deadlines.delete_calendarday")
    before = audit.snapshot(row)
    day = row.date
    # The audit row must point at an existing object, so write it before deleting.
    audit.record(actor=actor, action="calendar.day_clear", obj=row, before=before, reason=reason)
    row.delete()
    return clocks_recompute(first_day=day, last_day=day)


@transaction.atomic
def calendar_year_publish(
    *, actor: User | None, year: int, source: str, reason: str = ""
) -> CalendarYear:
    """Mark a year's official schedule as entered: its deadlines stop being provisional."""
    require_permission_or_system(actor, "deadlines.change_calendaryear")
    row, _created = CalendarYear.objects.select_for_update().get_or_create(year=year)
    if row.published:
        raise ValidationError(
            _("The schedule of %(year)s is already marked as published.") % {"year": year}
        )
    before = audit.snapshot(row)
    row.published = True
    row.source = source
    _save_and_recompute(
        actor=actor,
        action="calendar.year_publish",
        row=row,
        before=before,
        days=(date(year, 1, 1), date(year, 12, 31)),
        reason=reason,
    )
    return row


@transaction.atomic
def calendar_seed_from_library(*, actor: User | None = None) -> list[int]:
    """Enter every year that chinesecalendar knows and the database does not yet have.

    Holidays (including those that fall on a weekend, for their names) become rest
    days, make-up working days (调休) working days; each year is then marked published.
    Years already present are left alone: an administrator's entries win.
    """
    import chinese_calendar

    require_permission_or_system(actor, "deadlines.change_calendarday")
    source = f"chinesecalendar {importlib.metadata.version('chinesecalendar')}"
    known = set(CalendarYear.objects.filter(published=True).values_list("year", flat=True))
    years = sorted({day.year for day in chinese_calendar.holidays} - known)
    if not years:
        return []
    now = timezone.now()
    # Holidays (weekend ones too, for their names) are rest days; make-up days worked.
    entries = [
        (day, name, False, CalendarDay.Kind.HOLIDAY)
        for day, name in chinese_calendar.holidays.items()
    ] + [
        (day, name, True, CalendarDay.Kind.MAKEUP)
        for day, name in chinese_calendar.workdays.items()
        if day.weekday() >= 5
    ]
    rows = [
        CalendarDay(
            date=day,
            is_working_day=working,
            kind=kind,
            name=HOLIDAY_NAMES.get(str(name), str(name)),
            source=source,
            changed_at=now,
        )
        for day, name, working, kind in entries
        if day.year in years
    ]
    CalendarDay.objects.bulk_create(rows, ignore_conflicts=True)
    for year in years:
        row, _created = CalendarYear.objects.get_or_create(year=year)
        row.published, row.source, row.changed_at = True, source, now
        row.save()
    moved = clocks_recompute(first_day=date(years[0], 1, 1), last_day=date(years[-1], 12, 31))
    audit.record(
        actor=actor,
        action="calendar.load",  # users see action names in the audit log
        obj=CalendarYear.objects.get(year=years[-1]),
        after={"years": years, "days": len(rows), "clocks_recomputed": moved, "source": source},
    )
    return years
