"""Add the inspection office's demo records through the services, on top of the demo
utility: violations raised from the demo breaches; a missed appointment call-back taken
to a written warning decided by the efficiency leading group and served with the notice
signed by its principal leader (self-criticism due); something waiting for each deciding
body (DOMAIN §1): a one-time-notice breach's oral warning for the leading group, an
admonishment talk for the inspection office head, and a founded complaint about attitude
in billing whose economic measure waits for the leader who supervises billing; a founded
complaint about a refusal on the hotline under review (its refusal-phrase flag raised as
a violation with it) and a dismissed violation.

Run after demo_seed, load_catalogue, demo_cases and demo_front_desk. Loads the violation
types and the rulebook if needed. Does nothing when the office's records exist already.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accountability.attachments.samples import water_photo
from accountability.attachments.services import attachment_add
from accountability.models import Department
from deadlines.models import Channel, MatterKind, Urgency
from deadlines.services.cases import case_open
from intake.services.registration import Contact, Disposition, registration_submit
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
        needed = {
            "inspector",
            "inspection_head",
            "leader",
            "leader2",
            "desk",
            "desk2",
            "hotline",
            "service_head",
            "billing_clerk",
            "handler",
        }
        if not needed <= set(users):
            raise CommandError("Run `manage.py demo_seed` first.")
        with transaction.atomic():
            self._records(users, Department.objects.get(code="service"))
        self.stdout.write(self.style.SUCCESS("Added the inspection office's demo records."))

    def _records(self, u: dict[str, Any], service: Department) -> None:
        office = u["inspector"]
        now = timezone.now()

        def kind(code: str) -> ViolationType:
            return ViolationType.objects.get(code=code)

        def confirmed(violation: Violation) -> Violation:
            violation = violation_review(actor=office, violation=violation)
            return violation_confirm(actor=office, violation=violation)

        # A founded complaint about attitude in billing: its economic measure waits for
        # the leader who supervises billing (cadre authority).
        complaint_case = case_open(
            actor=u["desk"],
            department=Department.objects.get(code="billing"),
            channel=Channel.PHONE,
            matter_kind=MatterKind.COMPLAINT,
            subject="投诉收费窗口人员态度生硬",
            content="市民反映缴费时收费员态度生硬、不耐烦。",
            citizen_name="赵女士",
            citizen_phone="13905310000",
        )
        attitude = confirmed(
            violation_raise_complaint(
                actor=office,
                case=complaint_case,
                staff=u["billing_clerk"],
                type=kind("complaint-attitude"),
                occurred_at=now - timedelta(days=6),
                summary="经回访核实,投诉属实。",
            )
        )
        # The complainant's own evidence: shown to the office, never to the clerk.
        attachment_add(
            actor=office,
            obj=attitude,
            file=SimpleUploadedFile("投诉人提供-缴费小票.png", water_photo((230, 230, 230))),
            note="投诉人提供的缴费小票照片",
        )
        responsibility = responsibility_assign(
            actor=office,
            violation=attitude,
            person=u["billing_clerk"],
            kind=ResponsibilityKind.DIRECT,
        )
        proposal = sanction_proposal(responsibility=responsibility)
        assert proposal is not None
        sanction_propose(
            actor=office,
            responsibility=responsibility,
            chosen_kinds=list(proposal.kinds) if proposal.mode == "all" else [proposal.kinds[0]],
        )

        # A missed appointment call-back: a written warning decided by the leading group
        # (a member other than the proposer), served with the notice signed by its
        # principal leader; the written self-criticism is due.
        callback = confirmed(
            violation_raise_finding(
                actor=office,
                type=kind("appointment-callback-missed"),
                finding="抽查预约台账:约定回复时间已过,未回复市民,引起市民不满。",
                staff=u["desk2"],
                occurred_at=now - timedelta(days=6),
            )
        )
        responsibility = responsibility_assign(
            actor=office, violation=callback, person=u["desk2"], kind=ResponsibilityKind.DIRECT
        )
        decision = sanction_propose(
            actor=office,
            responsibility=responsibility,
            chosen_kinds=["written_warning"],
            departure_reason="已引起市民不满,造成不良影响,予以书面告诫。",
        )
        decision = sanction_approve(actor=u["leader2"], decision=decision)
        sanction_serve(
            actor=office,
            decision=decision,
            signed_by=u["leader"],
            served_at=now - timedelta(days=2),
        )

        # An inspection finding: a one-time-notice breach, its oral warning awaiting the
        # efficiency leading group.
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

        # Poor execution by a repair team leader: an admonishment talk awaiting the
        # inspection office head.
        execution = confirmed(
            violation_raise_finding(
                actor=office,
                type=kind("poor-execution"),
                finding="督办事项未按要求落实,经提醒仍未整改。",
                staff=u["handler"],
                occurred_at=now - timedelta(days=4),
            )
        )
        responsibility = responsibility_assign(
            actor=office, violation=execution, person=u["handler"], kind=ResponsibilityKind.DIRECT
        )
        sanction_propose(
            actor=office,
            responsibility=responsibility,
            chosen_kinds=["admonishment_talk"],
            departure_reason="情节较轻,予以诫勉谈话。",
        )

        # A refusal phrase that drew a complaint: the hotline answered "这事不归我管" (a flag
        # for the service head); the citizen complained, and the office recorded the founded
        # complaint, which made the flag a violation too (raised). The complaint is under
        # review.
        refused = registration_submit(
            actor=u["hotline"],
            contact=Contact(
                channel=Channel.PHONE,
                matter_kind=MatterKind.CONSULTATION,
                urgency=Urgency.NORMAL,
                subject="咨询水表到期更换",
                content="市民来电询问水表到期更换由哪个部门负责。",
                citizen_name="孙先生",
                citizen_phone="13905315555",
            ),
            disposition=Disposition.ANSWER,
            answer="这事不归我管。",
        )
        violation_review(
            actor=office,
            violation=violation_raise_complaint(
                actor=office,
                case=refused,
                staff=u["hotline"],
                type=kind("first-contact-failure"),
                evidence="市民来电投诉接线员推诿;调听录音属实:答复“这事不归我管”,未登记转办。",
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
