"""Add demo outages through the services: a fault running now, reported to dispatch in
time, that grows past 1,000 households (12319 told, 12345 still due); planned works in
three and a half days, reported, with their first notice; and last week's fault whose
report never came (the scan records the breach).

Run after demo_seed, load_catalogue and demo_cases. Does nothing when outages exist.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accountability.models import Department
from outages.models import NoticeChannel, OutageEvent, OutageKind, ReportMethod, ReportRecipient
from outages.services import (
    notice_record,
    obligations_breach_due,
    outage_change,
    outage_record,
    report_record,
)


class Command(BaseCommand):
    help = "Add demo outages, reports and a notice (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if OutageEvent.objects.exists():
            self.stdout.write("Outages exist already; none added.")
            return
        users = {user.username: user for user in get_user_model().objects.all()}
        if not {"network_head", "dispatcher"} <= set(users):
            raise CommandError("Run `manage.py demo_seed` first.")
        network = Department.objects.get(code="network")
        with transaction.atomic():
            self._records(users, network)
        self.stdout.write(self.style.SUCCESS("Added the demo outages."))

    def _records(self, u: dict[str, Any], network: Department) -> None:
        now = timezone.now().replace(second=0, microsecond=0)

        # Last week: a fault nobody reported to dispatch; the scan records the breach.
        week_ago = now - timedelta(days=7)
        old = outage_record(
            actor=u["network_head"],
            kind=OutageKind.FAULT,
            title="DN200 支管漏水抢修",
            area="花园路\n祥和小区",
            households=650,
            starts_at=week_ago,
            expected_restoration_at=week_ago + timedelta(hours=4),
            cause="支管锈蚀漏水",
            department=network,
        )
        outage_change(
            actor=u["network_head"],
            event=old,
            households=old.households,
            expected_restoration_at=old.expected_restoration_at,
            area=old.area,
            restored_at=week_ago + timedelta(hours=4, minutes=30),
            reason="抢修完毕,恢复供水",
        )

        # Now: a main burst two hours ago, reported to dispatch in 12 minutes, growing
        # past 1,000 households now: dispatch's 20 minutes to 12345 and 12319 start.
        burst = now - timedelta(hours=2)
        running = outage_record(
            actor=u["dispatcher"],
            kind=OutageKind.FAULT,
            title="经十路 DN600 主管爆管",
            area="经十路\n历山路\n燕子山小区",
            households=800,
            starts_at=burst,
            expected_restoration_at=burst + timedelta(hours=10),
            cause="主管老化爆裂",
            department=network,
        )
        report_record(
            actor=u["network_head"],
            event=running,
            recipient=ReportRecipient.DISPATCH,
            method=ReportMethod.PHONE,
            reported_at=burst + timedelta(minutes=12),
            received_by="孙丽",
        )
        outage_change(
            actor=u["dispatcher"],
            event=running,
            households=1400,
            expected_restoration_at=running.expected_restoration_at,
            area=running.area + "\n山大路",
            reason="爆管影响范围扩大至山大路",
        )
        report_record(
            actor=u["dispatcher"],
            event=running,
            recipient=ReportRecipient.LINE_12319,
            method=ReportMethod.PHONE,
            reported_at=now,
        )

        # In three and a half days: valve replacement, 1,200 households for 9 hours.
        works = (now + timedelta(days=3, hours=12)).replace(minute=0)
        planned = outage_record(
            actor=u["dispatcher"],
            kind=OutageKind.PLANNED,
            title="文化东路阀门更换",
            area="文化东路\n山师东路",
            households=1200,
            starts_at=works,
            expected_restoration_at=works + timedelta(hours=9),
            cause="设备维护:更换 DN400 阀门",
            department=network,
        )
        report_record(
            actor=u["network_head"],
            event=planned,
            recipient=ReportRecipient.DISPATCH,
            method=ReportMethod.WRITTEN,
            reported_at=now,
        )
        notice_record(
            actor=u["dispatcher"],
            event=planned,
            published_at=now,
            channels=[NoticeChannel.NEWSPAPER, NoticeChannel.RADIO, NoticeChannel.PORTAL],
            text="因设备维护,文化东路、山师东路停水 9 小时,请提前储水。",
        )
        obligations_breach_due(now=timezone.now())
