"""Every URL of the portal's own apps × every role (issue 21, closing line): nobody sees
or acts where they must not, and a change in who may see what fails here first.

The organisation is the demo utility (every kind of record, made through the services
by the demo commands), built once, in the one test, at a fixed moment. Each URL pattern is
filled from those records and fetched with GET as each role. EXPECTED below is the
specification: the status each role gets on each page. A URL pattern missing from it
fails the test, so a new page must be added to the table, deciding who may see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Model, QuerySet
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accountability.models import Attachment
from deadlines import lookup
from deadlines.models import Case, Notification, Reminder
from deadlines.tasks import scan_breaches, scan_reminders, scan_warnings
from deadlines.views.cases import ACTIONS as CASE_ACTIONS
from intake.models import Appointment, OneTimeNotice, Pledge, RefusalFlag, RejectionFiling
from intake.views.appointments import APPOINTMENT_ACTIONS
from outages.models import OutageEvent
from outages.views import ACTIONS as OUTAGE_ACTIONS
from oversight.models import ExportJob, PeriodicReport
from sanctions.models import Responsibility, SanctionDecision
from sanctions.views.decisions import DECISION_ACTIONS
from sanctions.views.violations import VIOLATION_ACTIONS

pytestmark = [pytest.mark.postgres]

M = TypeVar("M", bound=Model)

# A Wednesday morning in Beijing (10:00), in a year the working calendar knows.
NOW = datetime(2026, 3, 4, 2, 0, tzinfo=UTC)
SECRET = "K7XP-3M9Q"

USERNAMES = {
    "desk": "desk",
    "handler": "handler",
    "head": "service_head",
    "leader": "leader",
    "inspector": "inspector",
    "admin": "admin",
}
ROLES = ("anonymous", "desk", "handler", "head", "leader", "inspector", "admin", "accused")


@dataclass
class World:
    users: dict[str, Any]
    kwargs: dict[str, dict[str, Any]]  # URL name -> its path arguments
    about: Case  # the founded complaint about the accused


# The specification: the status of a GET on each page, per role, in the order of ROLES.
# 302 for anonymous is the way to sign-in; 405 is a page that only takes a POST; 404 a
# record that does not exist yet in the demo at this moment (a warning notice not served,
# an export not finished). API calls need a client's token (401 for a signed-in session),
# except Open311's reads, which are public.
EXPECTED: dict[str, tuple[int, ...]] = {
    "api-cases": (401, 401, 401, 401, 401, 401, 401, 401),
    "api-case": (401, 401, 401, 401, 401, 401, 401, 401),
    "api-service-items": (401, 401, 401, 401, 401, 401, 401, 401),
    "api-departments": (401, 401, 401, 401, 401, 401, 401, 401),
    "api-outages": (401, 401, 401, 401, 401, 401, 401, 401),
    # Open311's reads are public, as GeoReport v2 makes them (no protected identity).
    "open311-services": (200, 200, 200, 200, 200, 200, 200, 200),
    "open311-requests": (200, 200, 200, 200, 200, 200, 200, 200),
    "open311-request": (200, 200, 200, 200, 200, 200, 200, 200),
    "api-schema": (200, 200, 200, 200, 200, 200, 200, 200),
    "api-docs": (200, 200, 200, 200, 200, 200, 200, 200),
    "home": (302, 302, 302, 302, 302, 302, 200, 302),
    "healthz": (200, 200, 200, 200, 200, 200, 200, 200),
    "login": (200, 200, 200, 200, 200, 200, 200, 200),
    "logout": (405, 405, 405, 405, 405, 405, 405, 405),
    "password_change": (302, 200, 200, 200, 200, 200, 200, 200),
    "password_change_done": (302, 200, 200, 200, 200, 200, 200, 200),
    "set_language": (302, 302, 302, 302, 302, 302, 302, 302),
    # The complainant's file on the founded complaint: the inspection office only (the
    # leader sees the violation, not the complainant of a complaint about staff).
    "attachment": (302, 403, 403, 403, 403, 200, 403, 403),
    "attachment_supersede": (302, 405, 405, 405, 405, 405, 405, 405),
    "attachment_add": (302, 405, 405, 405, 405, 405, 405, 405),
    "intake:registration": (302, 200, 200, 200, 200, 200, 403, 200),
    "intake:history": (302, 200, 200, 200, 200, 200, 403, 200),
    "intake:receipt": (302, 200, 403, 403, 200, 200, 403, 403),
    "intake:receipt_new_secret": (302, 405, 405, 405, 405, 405, 405, 405),
    "intake:public_status": (200, 200, 200, 200, 200, 200, 200, 200),
    "intake:public_status_link": (200, 200, 200, 200, 200, 200, 200, 200),
    "intake:public_rate": (405, 405, 405, 405, 405, 405, 405, 405),
    "intake:pledge_new": (302, 403, 403, 403, 403, 403, 403, 403),
    "intake:pledge": (302, 200, 403, 200, 200, 200, 403, 403),
    "intake:pledge_keep": (302, 405, 405, 405, 405, 405, 405, 405),
    "intake:rejection_new": (302, 200, 403, 403, 403, 403, 403, 403),
    "intake:rejection_register": (302, 403, 403, 200, 200, 200, 403, 403),
    "intake:rejection": (302, 200, 403, 200, 200, 200, 403, 403),
    "intake:rejection_delivered": (302, 405, 405, 405, 405, 405, 405, 405),
    "intake:rejection_materials_returned": (302, 405, 405, 405, 405, 405, 405, 405),
    "intake:notice_new": (302, 200, 403, 403, 403, 403, 403, 403),
    "intake:notice": (302, 200, 403, 200, 200, 200, 403, 403),
    "intake:material_request": (302, 200, 403, 403, 403, 403, 403, 403),
    "intake:refusal_flags": (302, 403, 403, 200, 200, 403, 403, 403),
    "intake:refusal_flag_notification_open": (302, 405, 405, 405, 405, 405, 405, 405),
    "intake:refusal_flag_close": (302, 405, 405, 405, 405, 405, 405, 405),
    "intake:appointment_new": (302, 200, 403, 403, 403, 403, 403, 403),
    "intake:appointments": (302, 200, 200, 200, 200, 200, 403, 200),
    "intake:appointment_act": (302, 405, 405, 405, 405, 405, 405, 405),
    # The citizen's one-time rating link: no sign-in; an unknown token is refused (410).
    "intake:rate": (410, 410, 410, 410, 410, 410, 410, 410),
    "intake:callback_record": (302, 405, 405, 405, 405, 405, 405, 405),
    "intake:rating_link": (302, 405, 405, 405, 405, 405, 405, 405),
    "intake:rating_review": (302, 405, 405, 405, 405, 405, 405, 405),
    "intake:rating_correct": (302, 405, 405, 405, 405, 405, 405, 405),
    "deadlines:my_cases": (302, 200, 200, 200, 200, 200, 200, 200),
    "deadlines:department_cases": (302, 200, 200, 200, 200, 200, 200, 200),
    "deadlines:search": (302, 200, 200, 200, 200, 200, 200, 200),
    "deadlines:notifications": (302, 200, 200, 200, 200, 200, 200, 200),
    "deadlines:notifications_read": (302, 405, 405, 405, 405, 405, 405, 405),
    "deadlines:notification_open": (302, 405, 405, 405, 405, 405, 405, 405),
    "deadlines:reminder_detail": (302, 200, 403, 403, 200, 200, 403, 200),
    "deadlines:case_detail": (302, 200, 403, 403, 200, 200, 403, 200),
    "deadlines:case_act": (302, 405, 405, 405, 405, 405, 405, 405),
    # Delivery receipts pushed by the SMS providers: POST only, no sign-in (signed).
    "deadlines:message_receipts": (405, 405, 405, 405, 405, 405, 405, 405),
    "sanctions:queue": (302, 403, 403, 403, 200, 200, 403, 403),
    "sanctions:complaint_new": (302, 403, 403, 403, 403, 200, 403, 403),
    "sanctions:finding_new": (302, 403, 403, 403, 403, 200, 403, 403),
    "sanctions:violation": (302, 403, 403, 403, 200, 200, 403, 403),
    "sanctions:propose": (302, 403, 403, 403, 403, 200, 403, 403),
    "sanctions:violation_act": (302, 405, 405, 405, 405, 405, 405, 405),
    "sanctions:decision": (302, 403, 403, 403, 200, 200, 403, 403),
    "sanctions:warning_notice": (302, 403, 403, 403, 404, 404, 403, 403),
    "sanctions:decision_act": (302, 405, 405, 405, 405, 405, 405, 405),
    "sanctions:awaiting": (302, 200, 200, 200, 200, 200, 200, 200),
    "sanctions:notification_open": (302, 405, 405, 405, 405, 405, 405, 405),
    "sanctions:register": (302, 403, 403, 403, 200, 200, 403, 403),
    "sanctions:eligibility": (302, 403, 403, 403, 200, 200, 403, 403),
    "sanctions:register_export": (302, 403, 403, 403, 200, 200, 403, 403),
    "outages:list": (302, 200, 200, 200, 200, 200, 200, 200),
    "outages:new": (302, 403, 200, 200, 403, 403, 403, 200),
    "outages:public": (200, 200, 200, 200, 200, 200, 200, 200),
    "outages:offered": (302, 200, 200, 200, 403, 403, 403, 200),
    "outages:detail": (302, 200, 200, 200, 200, 200, 200, 200),
    "outages:action": (302, 405, 405, 405, 405, 405, 405, 405),
    "oversight:dashboard": (302, 403, 403, 200, 200, 200, 403, 403),
    "oversight:cases": (302, 403, 403, 400, 400, 400, 403, 403),
    "oversight:reports": (302, 403, 403, 200, 200, 200, 403, 403),
    "oversight:reports_produce": (302, 405, 405, 405, 405, 405, 405, 405),
    "oversight:report": (302, 403, 403, 200, 200, 200, 403, 403),
    "oversight:report_xlsx": (302, 403, 403, 200, 200, 200, 403, 403),
    "oversight:exports": (302, 403, 403, 200, 200, 200, 403, 403),
    "oversight:export_start": (302, 405, 405, 405, 405, 405, 405, 405),
    "oversight:export_job": (302, 403, 403, 403, 200, 403, 403, 403),
    "oversight:export_job_status": (302, 403, 403, 403, 200, 403, 403, 403),
    "oversight:export_download": (302, 403, 403, 403, 404, 403, 403, 403),
}

# Pages open to anyone (the rest send an anonymous visitor to sign-in, or answer 401/403
# under the API).
PUBLIC = {
    "api-schema",
    "api-docs",
    "open311-services",
    "open311-requests",
    "open311-request",
    "healthz",
    "login",
    "logout",
    "set_language",
    "intake:public_status",
    "intake:public_status_link",
    "intake:public_rate",
    "intake:rate",
    "outages:public",
    "deadlines:message_receipts",
}
# Pages of sanctions and oversight the administrator must never get (administering is
# not acting: business permissions come from accountability.rules.may only). The
# "awaiting decision" list is every signed-in person's own (empty for an administrator).
ADMIN_NEVER_PREFIXES = ("sanctions:", "oversight:")
ADMIN_ALLOWED_THERE = {"sanctions:awaiting"}


def url_patterns() -> list[tuple[str, URLPattern]]:
    """The named URL patterns of the project's own apps (the admin only by its index)."""
    found: list[tuple[str, URLPattern]] = []

    def walk(resolver: URLResolver, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                if pattern.app_name == "admin":
                    continue
                inner = pattern.namespace or ""
                walk(pattern, f"{namespace}:{inner}" if namespace and inner else inner or namespace)
            elif pattern.name:
                found.append(
                    (f"{namespace}:{pattern.name}" if namespace else pattern.name, pattern)
                )

    walk(get_resolver(), "")
    return found


def _first(queryset: QuerySet[M]) -> M:
    record = queryset.order_by("pk").first()
    assert record is not None, f"the demo has no {queryset.model._meta.verbose_name}"
    return record


def _build() -> World:
    call_command("load_defaults", verbosity=0)
    call_command("demo_seed", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    call_command("demo_cases", verbosity=0)
    call_command("demo_front_desk", verbosity=0)
    call_command("demo_callbacks", verbosity=0)
    call_command("demo_outages", verbosity=0)
    call_command("demo_sanctions", verbosity=0)
    call_command("oversight_produce_report", "--kind=half_month", "--date=2026-02-20", verbosity=0)
    # A week on, the demo's open clocks have warned, breached and been reminded of.
    with time_machine.travel(NOW + timedelta(days=7), tick=False):
        scan_warnings()
        scan_breaches()
        scan_reminders()
    users = {role: get_user_model().objects.get(username=name) for role, name in USERNAMES.items()}
    # The complaint about a named staff member, founded: the accused is its staff member.
    about = _first(Case.objects.filter(accused__isnull=False))
    users["accused"] = _first(about.accused.all())
    responsibility = _first(Responsibility.objects.select_related("violation"))
    violation = responsibility.violation
    decision = _first(SanctionDecision.objects.all())
    outage = _first(OutageEvent.objects.all())
    pledge = _first(Pledge.objects.all())
    rejection = _first(RejectionFiling.objects.select_related("case"))
    notice = _first(OneTimeNotice.objects.all())
    appointment = _first(Appointment.objects.all())
    flag = _first(RefusalFlag.objects.all())
    notification = _first(Notification.objects.all())
    reminder = Reminder.objects.order_by("pk").first()
    report = PeriodicReport.objects.order_by("pk").first()
    job = ExportJob.objects.create(requested_by=users["leader"], kind="cases")
    evidence = _first(Attachment.objects.filter(content_type__model="violation", protected=True))
    case = {"number": about.number}
    # Only a digest of a receipt's secret is kept: the citizen's link needs a known one.
    Case.objects.filter(pk=about.pk).update(lookup_digest=lookup.digest(about.number, SECRET))
    kwargs: dict[str, dict[str, Any]] = {
        "api-case": case,
        "attachment": {"pk": evidence.pk},
        "attachment_supersede": {"pk": evidence.pk},
        "attachment_add": {"label": "deadlines.case", "object_id": about.pk},
        "open311-request": case,
        "intake:receipt": case,
        "intake:public_status_link": {**case, "secret": SECRET},
        "intake:receipt_new_secret": case,
        "intake:pledge_new": case,
        "intake:pledge": {"pk": pledge.pk},
        "intake:pledge_keep": {"pk": pledge.pk},
        "intake:rejection_new": case,
        "intake:rejection": {"number": rejection.case.number},
        "intake:rejection_delivered": {"number": rejection.case.number},
        "intake:rejection_materials_returned": {"number": rejection.case.number},
        "intake:notice_new": case,
        "intake:notice": {"number": notice.number},
        "intake:material_request": case,
        "intake:refusal_flag_notification_open": {"pk": flag.pk},
        "intake:refusal_flag_close": {"pk": flag.pk},
        "intake:appointment_new": case,
        "intake:appointment_act": {"pk": appointment.pk, "action": next(iter(APPOINTMENT_ACTIONS))},
        "intake:rate": {"token": "not-a-rating-link"},
        "deadlines:message_receipts": {"provider": "file"},
        "intake:callback_record": case,
        "intake:rating_link": case,
        "intake:rating_review": {**case, "pk": 1},
        "intake:rating_correct": {**case, "pk": 1},
        "deadlines:notification_open": {"pk": notification.pk},
        # The demo has no reminder notice at this moment: a page of none (404) for all.
        "deadlines:reminder_detail": {"pk": reminder.pk if reminder else 0},
        "deadlines:case_detail": case,
        "deadlines:case_act": {**case, "action": next(iter(CASE_ACTIONS))},
        "sanctions:violation": {"pk": violation.pk},
        "sanctions:propose": {"pk": violation.pk, "responsibility": responsibility.pk},
        "sanctions:violation_act": {"pk": violation.pk, "step": next(iter(VIOLATION_ACTIONS))},
        "sanctions:decision": {"pk": decision.pk},
        "sanctions:warning_notice": {"pk": decision.pk},
        "sanctions:decision_act": {"pk": decision.pk, "step": next(iter(DECISION_ACTIONS))},
        "sanctions:notification_open": {"pk": notification.pk},
        "sanctions:register_export": {"fmt": "xlsx"},
        "outages:detail": {"pk": outage.pk},
        "outages:action": {"pk": outage.pk, "action": next(iter(OUTAGE_ACTIONS))},
        "oversight:report": {"pk": report.pk if report else 0},
        "oversight:report_xlsx": {"pk": report.pk if report else 0},
        "oversight:export_job": {"pk": job.pk},
        "oversight:export_job_status": {"pk": job.pk},
        "oversight:export_download": {"pk": job.pk},
    }
    return World(users=users, kwargs=kwargs, about=about)


def _fetch(world: World, role: str) -> dict[str, Any]:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return {
        name: client.get(reverse(name, kwargs=world.kwargs.get(name, {})))
        for name, _pattern in url_patterns()
    }


@pytest.mark.django_db
def test_it_answers_every_page_to_every_role_as_the_table_says() -> None:
    with time_machine.travel(NOW, tick=False):
        world = _build()
        responses = {role: _fetch(world, role) for role in ROLES}
    names = [name for name, _pattern in url_patterns()]
    assert sorted(set(names) - set(EXPECTED)) == [], "pages missing from EXPECTED"
    assert sorted(set(EXPECTED) - set(names)) == [], "EXPECTED names pages that are gone"

    errors = [
        (role, name)
        for role, seen in responses.items()
        for name, response in seen.items()
        if response.status_code >= 500
    ]
    assert errors == []

    login = reverse("login")
    for name, response in responses["anonymous"].items():
        if name in PUBLIC:
            continue
        if name.startswith(("api-", "open311-")):
            assert response.status_code in (401, 403), name
            assert response["Content-Type"].startswith("application/json"), name
        else:
            assert response.status_code == 302, name
            assert response["Location"].startswith(login), name

    # The accused never acts on the case about them nor sees its complainant: the case
    # page opens (their own record), without the complainant's name or phone.
    about = world.kwargs["deadlines:case_detail"]["number"]
    on_their_case = [
        name
        for name, kw in world.kwargs.items()
        if kw.get("number") == about and name not in PUBLIC
    ]
    for name in on_their_case:
        response = responses["accused"][name]
        if name == "deadlines:case_detail":
            page = response.content.decode()
            assert world.about.citizen_name not in page
            assert not world.about.citizen_phone or world.about.citizen_phone not in page
        else:
            assert response.status_code != 200, name

    # The administrator (a superuser with no role) acts on no case, reads no one's export,
    # no sanction and no dashboard.
    for name, response in responses["admin"].items():
        if name in on_their_case or (
            name.startswith(ADMIN_NEVER_PREFIXES) and name not in ADMIN_ALLOWED_THERE
        ):
            assert response.status_code != 200, name

    seen = {name: tuple(responses[role][name].status_code for role in ROLES) for name in names}
    changed = {name: (EXPECTED[name], seen[name]) for name in names if seen[name] != EXPECTED[name]}
    assert changed == {}, f"(expected, now) in the order {ROLES}"
