"""Add the front desk's demo records through the services: a one-time notice with a
deficiency pledge, an appointment routed to a substitute, a filed refusal, and a call
answered with a refusal phrase (a flag waiting for the department head).

Run after demo_seed, load_catalogue and demo_cases (bin/demo does). Does nothing when
notices exist already.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accountability.attachments.samples import pdf
from accountability.attachments.services import attachment_add
from accountability.models import Department
from deadlines.models import Case, Channel, MatterKind, Urgency
from deadlines.services.cases import case_open
from intake.models import Appointment, MaterialStatus, OneTimeNotice, ServiceItem
from intake.services.appointment import appointment_book
from intake.services.notice import notice_issue
from intake.services.pledge import pledge_take
from intake.services.registration import Contact, Disposition, registration_submit
from intake.services.rejection import rejection_file


class Command(BaseCommand):
    help = "Add demo notices, a pledge, an appointment and a refusal (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if OneTimeNotice.objects.exists():
            self.stdout.write("Front-desk records exist already; none added.")
            return
        users = {user.username: user for user in get_user_model().objects.all()}
        if "desk" not in users or not ServiceItem.objects.filter(code="new-connection").exists():
            raise CommandError("Run `manage.py demo_seed` and `manage.py load_catalogue` first.")
        service = Department.objects.get(code="service")
        with transaction.atomic():
            self._records(users, service)
        self.stdout.write(self.style.SUCCESS("Added the front desk's demo records."))

    def _records(self, u: dict[str, Any], service: Department) -> None:
        def open_case(**fields: Any) -> Case:
            return case_open(
                actor=u["desk"],
                department=service,
                channel=Channel.VISIT,
                matter_kind=MatterKind.APPLICATION,
                **fields,
            )

        # A new connection accepted with the site sketch still to come (容缺受理).
        connection = open_case(
            service_item_code="new-connection",
            subject="新装用水申请",
            content="新建商铺申请新装用水,缺用水地址位置示意图。",
            citizen_name="郭先生",
            citizen_phone="13905318888",
            citizen_address="历山路 66 号底商",
        )
        item = ServiceItem.objects.get(code="new-connection", retired_at__isnull=True)
        statuses = {m.name: MaterialStatus.PRESENT.value for m in item.materials.all()}
        statuses["用水地址位置示意图"] = MaterialStatus.MISSING.value
        notice = notice_issue(
            actor=u["desk"], case=connection, item_code=item.code, statuses=statuses
        )
        connection.refresh_from_db()
        pledge = pledge_take(
            actor=u["desk"],
            case=connection,
            notice=notice,
            due_at=timezone.now() + timedelta(days=5),
        )
        # The pledge as the citizen signed it, scanned.
        attachment_add(
            actor=u["desk"],
            obj=pledge,
            file=SimpleUploadedFile("容缺受理承诺书-签字.pdf", pdf("Signed pledge (demo scan)")),
            note="签字后扫描",
        )

        # A citizen asking for a clerk on leave: the appointment goes to her substitute.
        transfer = open_case(
            service_item_code="account-transfer",
            subject="过户手续咨询,约杨洋办理",
            content="市民此前由杨洋接待,希望继续由其办理过户。",
            citizen_name="冯女士",
            citizen_phone="13905317777",
        )
        appointment_book(
            actor=u["hotline"],
            case=transfer,
            wanted=u["desk2"],
            reason=Appointment.Reason.AWAY,
            note="请回电约定办理时间。",
        )

        # A refusal on the register (否定备案).
        refused = open_case(
            service_item_code="usage-type-change",
            subject="居民用水改为经营用水",
            content="申请人非产权人,且未提供产权人同意书。",
            citizen_name="曹先生",
            citizen_phone="13905316666",
        )
        rejection_file(
            actor=u["desk"],
            case=refused,
            reason="申请人非房屋产权人,未提供产权人书面同意及租赁合同。",
            legal_basis="《城市供水条例》第二十九条;本公司《用水性质变更办理规定》第五条(演示)",
        )

        # A refusal phrase on a call (推诿用语): a flag waiting for the service head.
        registration_submit(
            actor=u["desk"],
            contact=Contact(
                channel=Channel.PHONE,
                matter_kind=MatterKind.CONSULTATION,
                urgency=Urgency.NORMAL,
                subject="咨询阶梯水价",
                content="市民来电询问阶梯水价第二档的起算用水量。",
                citizen_name="陶女士",
                citizen_phone="13905314444",
            ),
            disposition=Disposition.ANSWER,
            answer="不清楚，您问问营业所吧。",
        )
