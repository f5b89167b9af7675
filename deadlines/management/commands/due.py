"""`manage.py due`: when is this due? Prints the due moment, then whether it is provisional."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accountability.models import Department
from deadlines.selectors.calendar import calendar_snapshot, hours_for
from deadlines.worktime import DEFAULT_HOURS, LOCAL_TZ, EndRule, Unit, compute_due

UNITS = [unit.value for unit in Unit]
END_RULES = [rule.value for rule in EndRule]


class Command(BaseCommand):
    help = (
        "Print when a time limit started at --start falls due: the first line is the due "
        "moment (ISO 8601 with its offset), the second says whether it is provisional "
        "(computed on a year whose official holiday schedule is not entered yet)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        # Values are checked in handle() so that a bad one is explained in one line.
        parser.add_argument(
            "--start", required=True, help="ISO 8601; without an offset it is China time."
        )
        parser.add_argument("--amount", required=True, help="A whole number of units, at least 1.")
        parser.add_argument("--unit", required=True, help=f"One of {', '.join(UNITS)}.")
        parser.add_argument("--department", help="Department code, for its business hours.")
        parser.add_argument(
            "--end", default=EndRule.MIDNIGHT.value, help=f"One of {', '.join(END_RULES)}."
        )
        parser.add_argument(
            "--no-roll-off",
            action="store_true",
            help="A calendar-day period ending on a rest day stays there (no roll-off).",
        )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)

        def one_line_error(message: str) -> NoReturn:
            # A missing or unknown argument is explained in one line too, without the
            # usage block argparse prints.
            if parser.called_from_command_line:
                sys.stderr.write(f"CommandError: {message}. See --help.\n")
                sys.exit(2)
            raise CommandError(f"{message}. See --help.")

        parser.error = one_line_error  # type: ignore[method-assign]
        return parser

    def handle(self, *args: Any, **options: Any) -> None:
        start = _parse_start(options["start"])
        amount = _parse_amount(options["amount"])
        if options["unit"] not in UNITS:
            raise CommandError(f"--unit {options['unit']!r} is not one of {', '.join(UNITS)}.")
        if options["end"] not in END_RULES:
            raise CommandError(f"--end {options['end']!r} is not one of {', '.join(END_RULES)}.")
        hours = DEFAULT_HOURS
        if options["department"]:
            department = Department.objects.filter(code=options["department"]).first()
            if department is None:
                raise CommandError(
                    f"--department {options['department']!r}: no such department code."
                )
            hours = hours_for(department)
        try:
            due = compute_due(
                calendar_snapshot(),
                start=start,
                amount=amount,
                unit=Unit(options["unit"]),
                hours=hours,
                end=EndRule(options["end"]),
                roll_off_rest_days=not options["no_roll_off"],
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(due.at.isoformat())
        self.stdout.write(
            "provisional: the official schedule of a year it crosses is not entered yet"
            if due.provisional
            else "firm"
        )


def _parse_start(raw: str) -> datetime:
    try:
        start = datetime.fromisoformat(raw)
    except ValueError:
        raise CommandError(
            f"--start {raw!r} is not an ISO 8601 date-time, such as 2026-02-13T10:30+08:00."
        ) from None
    return start if start.tzinfo is not None else start.replace(tzinfo=LOCAL_TZ)


def _parse_amount(raw: str) -> int:
    try:
        amount = int(raw)
    except ValueError:
        amount = 0
    if amount < 1:
        raise CommandError(f"--amount {raw!r} must be a whole number of at least 1.")
    return amount
