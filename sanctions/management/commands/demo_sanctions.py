"""Add the inspection office's demo records through the services, on top of the demo
utility: violations raised from the demo breaches and refusal flags, a founded
complaint about attitude taken to a served written warning (self-criticism due), a
one-time-notice breach with its sanction awaiting approval, a violation under review and
a dismissed one.

Run after demo_seed, load_catalogue, demo_cases and demo_front_desk. Loads the violation
types and the rulebook if needed. Does nothing when the office's records exist already.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accountability.models import Department
from deadlines.models import Channel, MatterKind
from deadlines.services.cases import case_open
from sanctions.models import DismissalReason, ResponsibilityKind, Violation, ViolationType
from sanctions.services import (
    responsibility_assign,
    rulebook_load,
    sanction_approve,
    sanction_proposal,
    sanction_propose,
    sanction_serve,
    violation_confirm,
    violation_dismiss,
    violation_raise_complaint,
    violation_raise_finding,
    violation_review,
    violation_types_load,
    violations_raise_from_sources,
)


class Command(BaseCommand):
    help = "Add demo violations and sanction decisions for the inspection office (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        violation_types_load(actor=None)
        rulebook_load(actor=None)
        raised = violations_raise_from_sources()
        self.stdout.write(f"Violations raised from breaches and flags: {raised.total}.")
        if Violation.objects.filter(raised_by__isnull=False).exists():
            self.stdout.write("The inspection office's demo records exist already; none added.")
            return
        users = {user.username: user for user in get_user_model().objects.all()}
        needed = {"inspector", "inspection_head", "leader", "desk", "desk2", "service_head"}
        if not needed <= set(users):
            raise CommandError("Run `manage.py demo_seed` first.")
        with transaction.atomic():
            self._records(users, Department.objects.get(code="service"))
        self.stdout.write(self.style.SUCCESS("Added the inspection office's demo records."))

    def _records(self, u: dict[str, Any], service: Department) -> None:
        office, checker = u["inspector"], u["inspection_head"]
        now = timezone.now()

        def kind(code: str) -> ViolationType:
            return ViolationType.objects.get(code=code)

        def confirmed(violation: Violation) -> Violation:
            violation = violation_review(actor=office, violation=violation)
            return violation_confirm(actor=office, violation=violation)

        # A founded complaint about attitude: written warning served, self-criticism due.
        complaint_case = case_open(
            actor=u["desk"],
            department=service,
            channel=Channel.PHONE,
            matter_kind=MatterKind.COMPLAINT,
            subject="投诉窗口人员态度生硬",
            content="市民反映办理过户时窗口人员态度生硬、不耐烦。",
            citizen_name="赵女士",
            citizen_phone="13905310000",
        )
        attitude = confirmed(
            violation_raise_complaint(
                actor=office,
                case=complaint_case,
                staff=u["desk2"],
                type=kind("complaint-attitude"),
                occurred_at=now - timedelta(days=6),
                summary="经回访核实,投诉属实。",
            )
        )
        responsibility = responsibility_assign(
            actor=office, violation=attitude, person=u["desk2"], kind=ResponsibilityKind.DIRECT
        )
        proposal = sanction_proposal(responsibility=responsibility)
        assert proposal is not None
        decision = sanction_propose(
            actor=office, responsibility=responsibility, chosen_kinds=list(proposal.kinds)
        )
        decision = sanction_approve(actor=checker, decision=decision)
        sanction_serve(
            actor=office,
            decision=decision,
            signed_by=u["leader"],
            served_at=now - timedelta(days=2),
        )

        # An inspection finding: a one-time-notice breach, its oral warning awaiting approval.
        notice = confirmed(
            violation_raise_finding(
                actor=office,
                type=kind("one-time-notice-breach"),
                finding="抽查一次性告知书:未列明户口本,事后要求补交。",
                staff=u["desk"],
                occurred_at=now - timedelta(days=3),
            )
        )
        responsibility = responsibility_assign(
            actor=office, violation=notice, person=u["desk"], kind=ResponsibilityKind.DIRECT
        )
        sanction_propose(actor=office, responsibility=responsibility, chosen_kinds=["oral_warning"])

        # Under review: a refusal phrase heard on a recorded call.
        violation_review(
            actor=office,
            violation=violation_raise_finding(
                actor=office,
                type=kind("refusal-phrase"),
                finding="电话录音抽查:回复市民“这事不归我管”。",
                staff=u["desk2"],
                occurred_at=now - timedelta(days=1),
            ),
        )

        # Dismissed: the delay was the citizen's own.
        violation_dismiss(
            actor=office,
            violation=violation_raise_finding(
                actor=office,
                type=kind("breach-overdue"),
                finding="新装用水超出承诺时限一天。",
                staff=u["desk"],
                occurred_at=now - timedelta(days=10),
            ),
            reason=DismissalReason.CITIZEN_DELAY,
            note="市民自行推迟现场勘查。",
        )
