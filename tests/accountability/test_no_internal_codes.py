"""Nothing a user sees says "seed" (issue 19, line 6; DOMAIN: regulations are shown as
《title》 and the article, never by the developers' shorthand).

One test builds the demo at a fixed moment and renders, for every demo role, every staff
page it can reach: each non-parameterised page of the URLconf, the pages and printed
papers of every demo object, the admin, the public pages, the exports and the API. A page
that answers 403, 404 or 405 for a role is fine; a 500 fails, and so does any "seed".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from io import BytesIO, StringIO
from typing import Any
from zipfile import BadZipFile

import openpyxl
import pytest
import time_machine
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accountability.models import ApiScope, AuditEntry, Regulation
from accountability.services import api_client_create
from deadlines import lookup
from deadlines.models import Case, Reminder
from intake.models import OneTimeNotice, Pledge, RefusalFlag, RejectionFiling
from outages.models import OutageEvent
from oversight.models import ExportKind, PeriodicReport
from sanctions.models import Responsibility, SanctionDecision, Violation

pytestmark = pytest.mark.django_db

# A Wednesday morning, a working day, in the demo's year.
FROZEN_AT = "2026-11-18 10:00:00+08:00"
PASSWORD = "demo-2026"
ROLES = ("desk", "handler", "service_head", "leader", "inspector", "admin")
DEMO_COMMANDS = (
    "load_defaults",
    "demo_seed",
    "load_catalogue",
    "demo_cases",
    "demo_front_desk",
    "demo_callbacks",
    "demo_outages",
    "demo_sanctions",
)
SEED = re.compile(rb"\bseed\b", re.IGNORECASE)
# Pages that change something on GET or end the session.
SKIPPED_NAMES = {"logout", "set_language", "notifications_read"}
# 401: an API route asked without a token; 409: a form for a step the case is past.
FINE = {200, 301, 302, 400, 401, 403, 404, 405, 409}
SECRET = "K7XP-3M9Q"
FIXTURES = settings.BASE_DIR / "fixtures"
POLICIES = FIXTURES / "time_limit_policies.json"
RULEBOOK = FIXTURES / "rulebook.json"
VIOLATION_TYPES = FIXTURES / "violation_types.json"
REGULATIONS = FIXTURES / "regulations.json"


def _plain_paths(resolver: URLResolver, prefix: str = "", namespace: str = "") -> Iterator[str]:
    """Every URL of the URLconf without a parameter, reversed by name."""
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            if entry.pattern.regex.groups or entry.pattern.converters:
                continue
            if str(entry.pattern).startswith("admin/"):
                continue  # the admin is walked through its registry
            yield from _plain_paths(entry, prefix + str(entry.pattern), inner.strip(":"))
        elif isinstance(entry, URLPattern):
            if entry.pattern.regex.groups or entry.pattern.converters or not entry.name:
                continue
            if entry.name in SKIPPED_NAMES:
                continue
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield reverse(name)


def _object_paths() -> list[str]:
    """The pages and printed papers of every demo object."""
    paths: list[str] = []
    for number in Case.objects.order_by("id").values_list("number", flat=True):
        paths += [
            reverse("deadlines:case_detail", args=[number]),
            reverse("intake:receipt", args=[number]),
            reverse("intake:notice_new", args=[number]),
            reverse("intake:material_request", args=[number]),
            reverse("intake:pledge_new", args=[number]),
            reverse("intake:rejection_new", args=[number]),
            reverse("intake:appointment_new", args=[number]),
        ]
    paths += [
        reverse("intake:notice", args=[number])
        for number in OneTimeNotice.objects.values_list("number", flat=True)
    ]
    paths += [
        reverse("intake:pledge", args=[pk]) for pk in Pledge.objects.values_list("pk", flat=True)
    ]
    paths += [
        reverse("intake:rejection", args=[filing.case.number])
        for filing in RejectionFiling.objects.select_related("case")
    ]
    paths += [
        reverse("intake:refusal_flag_close", args=[pk])
        for pk in RefusalFlag.objects.values_list("pk", flat=True)
    ]
    paths += [
        reverse("deadlines:reminder_detail", args=[pk])
        for pk in Reminder.objects.values_list("pk", flat=True)
    ]
    paths += [
        reverse("outages:detail", args=[pk])
        for pk in OutageEvent.objects.values_list("pk", flat=True)
    ]
    paths += [
        reverse("sanctions:violation", args=[pk])
        for pk in Violation.objects.values_list("pk", flat=True)
    ]
    paths += [
        reverse("sanctions:propose", args=[violation_id, pk])
        for pk, violation_id in Responsibility.objects.values_list("pk", "violation_id")
    ]
    for pk in SanctionDecision.objects.values_list("pk", flat=True):
        paths += [
            reverse("sanctions:decision", args=[pk]),
            reverse("sanctions:warning_notice", args=[pk]),
        ]
    paths += [
        reverse("oversight:report", args=[pk])
        for pk in PeriodicReport.objects.values_list("pk", flat=True)
    ]
    paths.append(reverse("sanctions:register_export", args=["csv"]))
    paths.append(reverse("sanctions:register_export", args=["xlsx"]))
    return paths


def _admin_paths() -> list[str]:
    """Every changelist of the admin, and the change page of one row of each."""
    paths = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        paths.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            paths.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[first]))
    return paths


def _body(response: Any) -> bytes:
    raw = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    if raw[:2] == b"PK":  # a spreadsheet: read what its cells say
        try:
            book = openpyxl.load_workbook(BytesIO(raw), read_only=True)
        except (BadZipFile, OSError, KeyError):
            return raw
        cells = (
            str(value)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
        return "\n".join(cells).encode()
    return raw


class Walk:
    def __init__(self) -> None:
        self.failures: list[str] = []
        self.pages = 0
        self.shown: dict[str, int] = {}  # pages answered 200, by who asked

    def check(self, who: str, method: str, path: str, response: Any) -> None:
        self.pages += 1
        if response.status_code == 200:
            self.shown[who] = self.shown.get(who, 0) + 1
        if response.status_code not in FINE:
            self.failures.append(f"{who} {method} {path}: HTTP {response.status_code}")
            return
        body = _body(response)
        for match in SEED.finditer(body):
            around = body[max(0, match.start() - 80) : match.end() + 80]
            self.failures.append(f"{who} {method} {path}: …{around.decode('utf-8', 'replace')}…")
            break

    def get(self, who: str, client: Client, path: str, **kwargs: Any) -> int:
        try:
            response = client.get(path, **kwargs)
        except Exception as error:  # a 500: recorded with the others, not the first only
            self.failures.append(f"{who} GET {path}: {type(error).__name__}: {error}")
            return 500
        self.check(who, "GET", path, response)
        return int(response.status_code)

    def post(self, who: str, client: Client, path: str, data: dict[str, Any]) -> None:
        try:
            response = client.post(path, data)
        except Exception as error:
            self.failures.append(f"{who} POST {path}: {type(error).__name__}: {error}")
            return
        self.check(who, "POST", path, response)


def _build_demo() -> None:
    for command in DEMO_COMMANDS:
        call_command(command, stdout=StringIO())
    # A known lookup secret on every case, for the public status page.
    for case in Case.objects.all():
        Case.objects.filter(pk=case.pk).update(lookup_digest=lookup.digest(case.number, SECRET))


def test_it_shows_no_internal_regulation_code_on_any_page_paper_export_or_api_answer() -> None:
    walk = Walk()
    with time_machine.travel(FROZEN_AT, tick=False):
        _build_demo()
        plain = sorted(set(_plain_paths(get_resolver())))
        objects = _object_paths()
        admin_pages = _admin_paths()
        anonymous = Client()
        for path in (reverse("login"), reverse("intake:public_status"), reverse("outages:public")):
            walk.get("anonymous", anonymous, path)
        for number in Case.objects.values_list("number", flat=True):
            walk.post(
                "anonymous",
                anonymous,
                reverse("intake:public_status"),
                {"number": number, "secret": SECRET},
            )
        users = get_user_model().objects.filter(username__in=ROLES)
        assert sorted(user.username for user in users) == sorted(ROLES)
        for user in users:
            client = Client()
            assert client.login(username=user.username, password=PASSWORD)
            for path in [*plain, *objects]:
                walk.get(user.username, client, path)
            for kind in ExportKind.values:
                walk.post(user.username, client, reverse("oversight:export_start"), {"kind": kind})
            if user.username == "admin":
                for path in admin_pages:
                    walk.get(user.username, client, path)
        _, token = api_client_create(
            actor=users.get(username="admin"),
            name="no-internal-codes",
            scopes=[scope.value for scope in ApiScope],
        )
        bearer = {"headers": {"Authorization": f"Bearer {token}"}}
        api = Client()
        numbers = list(Case.objects.values_list("number", flat=True))
        for path in [
            reverse("api-cases"),
            reverse("api-service-items"),
            reverse("api-departments"),
            reverse("api-outages"),
            reverse("open311-services"),
            reverse("open311-requests"),
            reverse("api-schema"),
            *(reverse("api-case", args=[number]) for number in numbers),
            *(reverse("open311-request", args=[number]) for number in numbers),
        ]:
            if walk.get("api", api, path, **bearer) != 200:
                walk.failures.append(f"api GET {path}: not answered with the token")

    # The walk reached the pages, not only a login form.
    assert walk.pages > 500, walk.pages
    assert all(walk.shown.get(who, 0) > 20 for who in ROLES), walk.shown
    assert not walk.failures, "\n".join(walk.failures)


def test_it_shows_a_regulation_as_its_title_and_article_on_a_policy_page() -> None:
    """The register's row, as the administrator keeps it, is what every page shows."""
    call_command("load_defaults", stdout=StringIO())
    regulation = Regulation.objects.get(code="water-supply-service-rules")
    regulation.title = "供水服务规范"
    regulation.save()
    user = get_user_model().objects.create_superuser("root", password=PASSWORD)
    client = Client()
    client.force_login(user)
    page = client.get(
        reverse("admin:deadlines_timelimitpolicy_changelist"),
        {"state": "current", "q": "consultation-first-feedback"},
    ).content.decode()
    assert "《供水服务规范》投诉反馈制度 (1)" in page
    assert "water-supply-service-rules" not in page


def test_it_refuses_a_policy_file_that_names_an_unknown_regulation(tmp_path: Any) -> None:
    from deadlines.services.policies import policies_load

    entries = json.loads(POLICIES.read_text(encoding="utf-8"))
    entries[0]["regulation"] = "no-such-regulation"
    target = tmp_path / "policies.json"
    target.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValidationError) as refused:
        policies_load(actor=None, path=target)
    message = " ".join(refused.value.messages)
    assert "no-such-regulation" in message
    assert "accountability-measures" in message  # the codes the register has


def test_it_refuses_a_rulebook_or_violation_types_naming_an_unknown_regulation(
    tmp_path: Any,
) -> None:
    from sanctions.services.rulebook import rulebook_create, violation_types_load

    rulebook = json.loads(RULEBOOK.read_text(encoding="utf-8"))
    rulebook["rules"][0]["regulation"] = "no-such-regulation"
    with pytest.raises(ValidationError) as refused:
        rulebook_create(actor=None, data=rulebook)
    message = " ".join(refused.value.messages)
    assert f"Rule {rulebook['rules'][0]['number']}: unknown regulation" in message
    assert "no-such-regulation" in message

    types = json.loads(VIOLATION_TYPES.read_text(encoding="utf-8"))
    types[0]["regulation"] = "no-such-regulation"
    target = tmp_path / "types.json"
    target.write_text(json.dumps(types, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValidationError) as refused:
        violation_types_load(actor=None, path=target)
    assert "no-such-regulation" in " ".join(refused.value.messages)


def test_it_loads_the_register_once_and_keeps_an_administrators_corrections() -> None:
    from accountability.services.regulations import regulations_load

    regulation = Regulation.objects.get(code="efficiency-discipline")
    regulation.issuing_body = "某局"
    regulation.save()
    report = regulations_load(actor=None)
    assert report.created == []
    assert sorted(report.kept) == sorted(
        row["code"] for row in json.loads(REGULATIONS.read_text(encoding="utf-8"))
    )
    assert Regulation.objects.get(code="efficiency-discipline").issuing_body == "某局"


def test_it_records_an_administrators_change_to_the_register_in_the_audit_log() -> None:
    user = get_user_model().objects.create_superuser("root", password=PASSWORD)
    client = Client()
    client.force_login(user)
    regulation = Regulation.objects.get(code="window-service-rules")
    response = client.post(
        reverse("admin:accountability_regulation_change", args=[regulation.pk]),
        {
            "title": regulation.title,
            "issuing_body": regulation.issuing_body,
            "document_number": "阜民发〔2023〕1号",
            "issued_on": "2023-01-29",
            "articles": regulation.articles,
            "note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AuditEntry.objects.get(action="regulation.change")
    assert entry.actor == user
    assert entry.after is not None
    assert entry.after["document_number"] == "阜民发〔2023〕1号"
    listing = client.get(
        reverse("admin:accountability_regulation_changelist"), {"q": "阜新"}
    ).content.decode()
    assert "《阜新市民政局优化营商环境规范化建设工作制度》" in listing
