"""The demo utility for tests/e2e/test_every_page.py: built once per module by the demo
commands, committed so that a live server of its own serves it, and every page's address
filled from its records; plus the checks that a page's text is Chinese and free of
internal codes.

Why not the package's `live_server`: pytest-django makes every test that uses it a
transactional one, flushed at its end, so six tests could not share data that takes tens
of seconds to build. Here the module fixture builds the data outside any test
transaction, starts a server thread of its own and, when the module is done, flushes the
database and brings back what the migrations made (the serialised contents, as a
`serialized_rollback` test would).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connections
from django.db.models import QuerySet
from django.urls import URLPattern, reverse

from tests.test_permission_matrix import url_patterns

# A Wednesday morning in Beijing (10:00), in a year the working calendar knows: the
# demo's clocks, warnings and breaches are the same whatever the real date.
NOW = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)

# The six roles of issue 22 and their demo logins (README "Demo logins").
LOGINS = {
    "front_desk": "desk",
    "handler": "handler",
    "department_head": "service_head",
    "leadership": "leader",
    "inspection_office": "inspector",
    "administrator": "admin",
}
PASSWORD = "demo-2026"

# Named URLs that are not pages of the portal: the API, Open311 and their schema and
# documentation (machine interfaces, in English by their standards), the health check
# (JSON), the language switch and sign-out (POST forms), and files and their status
# (spreadsheets, a JSON progress answer).
NOT_PAGES_PREFIXES = ("api-", "open311-")
NOT_PAGES = {
    "healthz",
    "logout",
    "set_language",
    "oversight:report_xlsx",
    "sanctions:register_export",
    "oversight:export_download",
    "oversight:export_job_status",
}


def is_page_name(name: str) -> bool:
    return not name.startswith(NOT_PAGES_PREFIXES) and name not in NOT_PAGES


def post_only(pattern: URLPattern) -> bool:
    """A view that takes only POST: `require_POST` (its method list sits in the
    decorator's closure, somewhere down the chain of wrappers) or a class-based view with
    `post` and no `get`."""
    view: Any = pattern.callback
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return hasattr(view_class, "post") and not hasattr(view_class, "get")
    while view is not None:
        for cell in getattr(view, "__closure__", None) or ():
            try:
                value = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            if (
                isinstance(value, list | tuple)
                and value
                and all(isinstance(method, str) and method.isupper() for method in value)
            ):
                return set(value) == {"POST"}
        view = getattr(view, "__wrapped__", None)
    return False


@dataclass
class Demo:
    users: dict[str, Any]  # role -> the demo login's user
    pages: dict[str, list[str]]  # URL name -> addresses filled from demo records
    policy_codes: set[str]
    enum_values: set[str]  # raw values of the models' choices (snake_case, kebab-case)
    usernames: set[str]


def build_demo() -> None:
    """The demo as bin/demo and .ci/run make it, at NOW, then a week of clock scans (the
    warnings, breaches and reminders that the beat would have made) and a report."""
    from deadlines.tasks import scan_breaches, scan_reminders, scan_warnings

    for command in (
        "load_defaults",
        "load_catalogue",
        "start_missing_clocks",
        "load_rulebook",
        "demo_seed",
        "demo_cases",
        "demo_front_desk",
        "demo_callbacks",
        "demo_outages",
        "demo_sanctions",
    ):
        call_command(command, verbosity=0)
    call_command("oversight_produce_report", "--kind=half_month", "--date=2026-02-20", verbosity=0)
    call_command("oversight_refresh_figures", verbosity=0)
    with time_machine.travel(NOW + timedelta(days=7), tick=False):
        scan_warnings()
        scan_breaches()
        scan_reminders()


def _several(queryset: QuerySet[Any], count: int = 3) -> list[Any]:
    return list(queryset.order_by("pk")[:count])


def demo_addresses() -> dict[str, list[str]]:
    """Every page's address, its path arguments taken from demo records: a few records
    of each kind (records in different states show different parts of a page)."""
    from deadlines.models import Case, Reminder
    from intake.models import OneTimeNotice, Pledge, RejectionFiling
    from outages.models import OutageEvent
    from oversight.models import ExportJob, PeriodicReport
    from sanctions.models import Responsibility, SanctionDecision, Violation

    cases = _several(Case.objects.all(), 12)
    case_args = [{"number": case.number} for case in cases]
    missing = {"number": "2020-999999"}  # no such case: the 404 page
    responsibilities = _several(Responsibility.objects.select_related("violation"), 3)
    by_name: dict[str, list[dict[str, Any]]] = {
        "deadlines:case_detail": [case_args[0], missing, *case_args[1:]],
        "intake:receipt": case_args[:4],
        "intake:pledge_new": case_args[:2],
        "intake:rejection_new": case_args[:2],
        "intake:notice_new": case_args[:2],
        "intake:material_request": case_args[:2],
        "intake:appointment_new": case_args[:2],
        "intake:pledge": [{"pk": p.pk} for p in _several(Pledge.objects.all())],
        "intake:rejection": [
            {"number": r.case.number}
            for r in _several(RejectionFiling.objects.select_related("case"))
        ],
        "intake:notice": [{"number": n.number} for n in _several(OneTimeNotice.objects.all())],
        "deadlines:reminder_detail": [{"pk": r.pk} for r in _several(Reminder.objects.all())],
        "sanctions:violation": [{"pk": v.pk} for v in _several(Violation.objects.all(), 8)],
        "sanctions:propose": [
            {"pk": r.violation.pk, "responsibility": r.pk} for r in responsibilities
        ],
        "sanctions:decision": [{"pk": d.pk} for d in _several(SanctionDecision.objects.all(), 6)],
        "sanctions:warning_notice": [
            {"pk": d.pk} for d in _several(SanctionDecision.objects.all(), 6)
        ],
        "outages:detail": [{"pk": o.pk} for o in _several(OutageEvent.objects.all())],
        "oversight:report": [{"pk": r.pk} for r in _several(PeriodicReport.objects.all())],
        "oversight:export_job": [{"pk": j.pk} for j in _several(ExportJob.objects.all())],
    }
    addresses: dict[str, list[str]] = {}
    for name, pattern in url_patterns():
        if not is_page_name(name) or post_only(pattern):
            continue
        if not pattern.pattern.converters:
            addresses[name] = [reverse(name)]
        elif by_name.get(name):
            addresses[name] = [reverse(name, kwargs=kwargs) for kwargs in by_name[name]]
        else:
            addresses[name] = []  # no such record in the demo
    return addresses


def enum_values() -> set[str]:
    """The stored values of the project's choices that are codes, not words: with an
    underscore or a hyphen (`front_desk`, `in_progress`, `half_month`)."""
    from accountability.roles import Role

    values = {role.value for role in Role}
    for model in apps.get_models():
        if not model.__module__.startswith(
            ("accountability", "deadlines", "intake", "outages", "sanctions", "oversight")
        ):
            continue
        for model_field in model._meta.get_fields():
            for value, _label in getattr(model_field, "flatchoices", None) or ():
                if isinstance(value, str) and re.search(r"[_-]", value):
                    values.add(value)
    return values


def make_demo() -> Demo:
    from deadlines.models import TimeLimitPolicy

    build_demo()
    user_model = get_user_model()
    return Demo(
        users={role: user_model.objects.get(username=name) for role, name in LOGINS.items()},
        pages=demo_addresses(),
        policy_codes=set(TimeLimitPolicy.objects.values_list("code", flat=True)),
        enum_values=enum_values(),
        usernames=set(user_model.objects.values_list("username", flat=True)),
    )


def as_migrated() -> bool:
    """The database holds what the migrations made and nothing else: every role's group,
    and no department yet. Not so when --reuse-db keeps a database that a transactional
    test emptied last (the session then serialises the empty one), or after a run was
    killed half-way."""
    from django.contrib.auth.models import Group

    from accountability.models import Department
    from accountability.roles import Role

    roles = Group.objects.filter(name__in=[role.value for role in Role]).count()
    return roles == len(Role) and not Department.objects.exists()


def restore_database() -> None:
    """Empty the database and bring back what the migrations made, as the next
    `serialized_rollback` test would: the tests after this module find it as they
    expect."""
    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        call_command(
            "flush",
            database=alias,
            interactive=False,
            inhibit_post_migrate=contents is not None,
            # As Django's own flush after a transactional test: the rows restored below
            # keep their ids, so the sequences must go on past them.
            reset_sequences=False,
            verbosity=0,
        )
        if contents is not None:
            connection.creation.deserialize_db_from_string(contents)


# ----------------------------------------------------------------------------- checks

# Latin text a Chinese page may legitimately show, each with its reason.
ALLOWED_WORDS = {
    "API",  # the portal's interface for client systems, named so in Chinese documents too
    "Open311",  # the standard's name
    "GeoReport",  # Open311 GeoReport v2, the standard's name
    "Excel",  # the spreadsheet program the exports open in
    "xlsx",  # the exported file's type
    "PDF",
    "ID",
    "English",  # the language switch names each language in that language
    "GB",  # national standards are cited by their code (GB 5749, GB/T 14848)
    "GB/T",
    "CJ/T",  # industry standards of urban construction (CJ/T 206)
    "JPEG",  # the file types an attachment may have
    "PNG",
    "CSV",  # the exports' other format
}
# Units and short forms written in Latin letters in Chinese text.
UNITS = {"m", "km", "h", "min", "mg", "L", "NTU", "pH", "MPa", "kPa", "CFU", "mL", "KB", "MB"}

# Whole matches removed before looking for Latin words: addresses, numbers and names
# that are Latin by nature.
_REMOVED = [
    re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"),  # email addresses
    re.compile(r"https?://\S+|\bwww\.[\w.-]+"),  # web addresses
    re.compile(r"\b[0-9a-f]{12,}\b|\b[0-9a-f]{8,}\.\.\."),  # digests of files and recordings
    re.compile(r"(?<=\S)\.(png|jpe?g|pdf|xlsx|csv|docx?|mp3|wav)\b", re.IGNORECASE),  # file names
    # A regulation's item under an article, lettered as the regulation letters it:
    # 投诉工作程序 (2)e, 责任追究制度 (二)7 i.
    re.compile(r"(?<=[)）\d])\s?[a-z](?![A-Za-z])"),
    re.compile(r"\b\d{4}-\d{6}\b"),  # case numbers
    re.compile(r"\b[2-9A-Z]{4}-[2-9A-Z]{4}\b"),  # lookup secrets
    re.compile(r"\b[A-Z]{1,4}-?\d[\w-]*\b"),  # reference numbers (notice, account, meter)
]
LATIN_RUN = re.compile(r"[A-Za-z][\w'’.&/-]*(?:[ ,]+[A-Za-z][\w'’.&/-]*)*", re.ASCII)
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
RAW = [
    ("a field path", re.compile(r"[A-Za-z0-9]__[A-Za-z]")),
    ("the word seed", re.compile(r"\bseed\b", re.IGNORECASE)),
    ("a Python value", re.compile(r"\b(None|True|False)\b")),
    ("a Python repr", re.compile(r"<bound method|object at 0x|<function |<class '")),
    ("a script value", re.compile(r"\[object Object\]|\bundefined\b|\bNaN\b")),
    ("a template tag", re.compile(r"\{\{|\}\}|\{%|%\}")),
    ("an unformatted message", re.compile(r"%\(\w+\)[sd]|%s\b")),
]


def _context(text: str, start: int, end: int) -> str:
    return text[max(0, start - 20) : end + 20].replace("\n", " ⏎ ")


def codes_in(text: str, demo: Demo) -> list[str]:
    """Internal codes shown to the user: policy codes, raw choice values, snake_case
    tokens, field paths, the word seed, Python and script reprs."""
    found: list[str] = []
    usernames = demo.usernames
    for code in sorted(demo.policy_codes):
        for match in re.finditer(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text):
            found.append(f"policy code {code!r}: …{_context(text, *match.span())}…")
    for value in sorted(demo.enum_values - usernames):
        for match in re.finditer(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text):
            found.append(f"raw value {value!r}: …{_context(text, *match.span())}…")
    for match in SNAKE.finditer(_strip_removed(text)):
        if match.group() not in usernames and match.group() not in demo.enum_values:
            found.append(f"snake_case {match.group()!r}")
    for what, pattern in RAW:
        for match in pattern.finditer(text):
            found.append(f"{what} {match.group()!r}: …{_context(text, *match.span())}…")
    return found


def _strip_removed(text: str) -> str:
    for pattern in _REMOVED:
        text = pattern.sub(" ", text)
    return text


def english_in(text: str, demo: Demo) -> list[str]:
    """Runs of Latin words that are not on the allow-list (ALLOWED_WORDS, UNITS, the
    demo staff's user names)."""
    allowed = ALLOWED_WORDS | UNITS | demo.usernames
    runs: list[str] = []
    stripped = _strip_removed(text)
    for match in LATIN_RUN.finditer(stripped):
        words = [w.strip(".'’/&-") for w in re.split(r"[ ,]+", match.group())]
        if all(not w or w in allowed for w in words):
            continue
        runs.append(f"{match.group()!r}: …{_context(stripped, *match.span())}…")
    return runs


def problems_in(texts: Iterable[str], demo: Demo) -> list[str]:
    text = "\n".join(texts)
    english = sorted(set(english_in(text, demo)))
    return [f"English {run}" for run in english] + codes_in(text, demo)
