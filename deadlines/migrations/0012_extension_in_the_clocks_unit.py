# Extensions count in the clock's own unit (issue 20, line 5): a petition's 30 calendar
# days are extended in calendar days, and the policy's bound (60 working days) is checked
# as a moment. Until now an extension counted in the unit of the policy's bound, so a
# clock extended that way holds a number in another unit. This converts it, in place, to
# the smallest number of the clock's own unit that reaches the same deadline (ten working
# days after 24:00 on Wed 1 July 2026 become 14 calendar days: 24:00 on Wed 15 July), and
# does the same for a request still waiting for a decision. The approval's notice to the
# citizen becomes a logged contact (`citizen_notice`); approvals recorded before keep
# only the moment. Written by hand so that it holds only these changes.

import django.db.models.deletion
from django.db import migrations, models


def _calendar(apps):
    from deadlines.worktime import WorkCalendar

    CalendarDay = apps.get_model("deadlines", "CalendarDay")
    CalendarYear = apps.get_model("deadlines", "CalendarYear")
    return WorkCalendar(
        overrides=dict(CalendarDay.objects.values_list("date", "is_working_day")),
        published_years=CalendarYear.objects.filter(published=True).values_list("year", flat=True),
    )


def _fewest(due, limit, base, target):
    """The fewest units after `limit + base` for which `due` reaches `target`."""
    n = 1
    while due(limit + base + n) < target:
        n *= 2
    low, high = n // 2, n
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if due(limit + base + middle) < target else (low, middle)
    return high


def convert_extensions(apps, schema_editor):
    from functools import partial

    from deadlines.worktime import BusinessHours, EndRule, Unit, compute_due

    Clock = apps.get_model("deadlines", "Clock")
    ExtensionRequest = apps.get_model("deadlines", "ExtensionRequest")
    pending = {
        request.clock_id: request
        for request in ExtensionRequest.objects.filter(decision="pending").exclude(unit="")
    }
    clocks = (
        Clock.objects.exclude(policy__max_extension_unit="")
        .filter(models.Q(extension_amount__gt=0) | models.Q(pk__in=list(pending)))
        .select_related("policy", "department")
        .prefetch_related("pauses")
    )
    calendar = None
    converted = {"clocks": 0, "requests": 0}
    for clock in clocks:
        policy, department = clock.policy, clock.department
        limit, unit = clock.amount or policy.amount, Unit(clock.unit or policy.unit)
        other = Unit(policy.max_extension_unit)
        request = pending.get(clock.pk)
        if other == unit and (request is None or Unit(request.unit) == unit):
            continue
        calendar = calendar or _calendar(apps)
        pauses = [(p.started_at, p.ended_at) for p in clock.pauses.all() if p.ended_at]
        rules = {
            "hours": BusinessHours(
                opens=department.opens_at,
                closes=department.closes_at,
                round_the_clock=department.round_the_clock,
            ),
            "end": EndRule(policy.end_rule),
            "roll_off_rest_days": policy.roll_off_rest_days,
        }
        count = partial(compute_due, calendar, **rules)

        def due(amount, count=count, clock=clock, unit=unit, pauses=pauses):
            return count(start=clock.started_at, amount=amount, unit=unit, pauses=pauses).at

        def after(moment, amount, unit, count=count, pauses=pauses):
            later = [(begin, end) for begin, end in pauses if end > moment]
            return count(start=moment, amount=amount, unit=Unit(unit), pauses=later).at

        if other != unit and clock.extension_amount:
            target = after(due(limit), clock.extension_amount, other)
            clock.extension_amount = _fewest(due, limit, 0, target)
            clock.save(update_fields=["extension_amount"])
            converted["clocks"] += 1
        if request is not None and Unit(request.unit) != unit:
            base = clock.extension_amount
            target = after(due(limit + base), request.amount, request.unit)
            request.amount, request.unit = _fewest(due, limit, base, target), unit.value
            request.save(update_fields=["amount", "unit"])
            converted["requests"] += 1
    if any(converted.values()):
        print(
            f"\n  Extensions now in the clock's own unit: {converted['clocks']} clocks and "
            f"{converted['requests']} pending requests converted, deadlines unchanged."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0011_policy_basis"),
    ]

    operations = [
        migrations.AddField(
            model_name="extensionrequest",
            name="citizen_notice",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="extension",
                to="deadlines.feedbackentry",
                verbose_name="notice to the citizen",
            ),
        ),
        migrations.AlterField(
            model_name="clock",
            name="extension_amount",
            field=models.PositiveIntegerField(
                default=0, help_text="In the clock's own unit.", verbose_name="approved extensions"
            ),
        ),
        migrations.RunPython(convert_extensions, migrations.RunPython.noop, elidable=False),
    ]
