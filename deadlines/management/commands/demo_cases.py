"""Open a handful of demo cases through the services, one in each part of the machine.

Run after demo_seed (bin/demo does). Does nothing when cases exist already.
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
from deadlines.models import Case, Channel, MatterKind, Urgency
from deadlines.services import cases as services


class Command(BaseCommand):
    help = "Open demo cases in several states (needs demo_seed first; idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if Case.objects.exists():
            self.stdout.write("Cases exist already; no demo cases added.")
            return
        users = {user.username: user for user in get_user_model().objects.all()}
        departments = {department.code: department for department in Department.objects.all()}
        if "desk" not in users or "secondary" not in departments:
            raise CommandError("Run `manage.py demo_seed` first.")
        with transaction.atomic():
            opened = self._cases(users, departments)
        self.stdout.write(self.style.SUCCESS(f"Opened {opened} demo cases."))

    def _cases(self, u: dict[str, Any], d: dict[str, Department]) -> int:
        def open_case(actor: str, department: str, **fields: Any) -> Case:
            values = {
                "channel": Channel.PHONE,
                "matter_kind": MatterKind.COMPLAINT,
                "citizen_phone": "13905310000",
                **fields,
            }
            return services.case_open(actor=u[actor], department=d[department], **values)

        # A complaint being worked by the secondary-supply company.
        odour = open_case(
            "desk",
            "secondary",
            subject="二次供水水箱清洗后自来水有异味",
            content="幸福小区 3 号楼住户反映水箱清洗后龙头出水有漂白粉味。",
            citizen_name="赵女士",
            citizen_address="幸福小区 3 号楼 2 单元 501",
        )
        odour = services.case_accept(actor=u["handler"], case=odour)
        services.case_start_work(actor=u["handler"], case=odour)

        # Urgent help, sent on to the network department, waiting for its head.
        no_water = open_case(
            "desk",
            "service",
            matter_kind=MatterKind.HELP_REQUEST,
            urgency=Urgency.URGENT,
            subject="独居老人家中停水",
            content="和平路 18 号独居老人家中无水,邻居代为来电。",
            citizen_name="钱先生",
            citizen_address="和平路 18 号",
        )
        services.case_transfer(
            actor=u["desk"],
            case=no_water,
            to_department=d["network"],
            handover_note="疑似入户管漏损,请管网维护部派员上门。已告知来电人 1 小时内回电。",
        )

        # A consultation answered and waiting for the head's sign-off.
        bill = open_case(
            "desk",
            "billing",
            matter_kind=MatterKind.CONSULTATION,
            subject="阶梯水价如何计算",
            content="用户询问家庭人口 5 人时阶梯水量如何核增。",
            citizen_name="孙先生",
            citizen_account="1002003004",
        )
        bill = services.case_accept(actor=u["billing_clerk"], case=bill)
        services.case_log_feedback(
            actor=u["billing_clerk"],
            case=bill,
            audience="citizen",
            channel="phone",
            content="已电话说明核增所需的户口簿材料和办理窗口。",
        )
        bill.refresh_from_db()
        services.case_resolve(
            actor=u["billing_clerk"], case=bill, resolution="已解答,用户将携户口簿到营业厅办理。"
        )

        # A petition escalated to leadership.
        petition = open_case(
            "hotline",
            "secondary",
            channel=Channel.HOTLINE,
            matter_kind=MatterKind.PETITION,
            subject="12345 转办:高层住户长期水压不足",
            content="锦绣花园 18 层以上住户反映夏季用水高峰水压不足已三年。",
            citizen_name="周先生",
            citizen_address="锦绣花园 9 号楼",
        )
        petition = services.case_accept(
            actor=u["secondary_head"], case=petition, handler=u["handler"]
        )
        services.case_escalate(
            actor=u["secondary_head"],
            case=petition,
            leader=u["leader2"],
            reason="涉及加压泵站改造,需集团决策。",
        )

        # A complaint closed and rated.
        meter = open_case(
            "desk",
            "network",
            subject="维修后路面未恢复",
            content="解放路维修后路面坑洼未回填。",
            citizen_name="吴先生",
        )
        meter = services.case_accept(
            actor=u["network_head"], case=meter, handler=u["network_fitter"]
        )
        meter = services.case_resolve(
            actor=u["network_fitter"], case=meter, resolution="已回填并恢复路面。"
        )
        services.case_log_feedback(
            actor=u["network_fitter"],
            case=meter,
            audience="citizen",
            channel="phone",
            content="已电话告知路面恢复情况。",
        )
        meter.refresh_from_db()
        meter = services.case_close(actor=u["network_head"], case=meter)
        # Its callback and rating come from intake's demo_callbacks.

        # A water-quality complaint suspended while a sample is tested.
        sample = open_case(
            "desk",
            "quality",
            subject="自来水发黄",
            content="新村路 6 号早晨放水发黄,持续约 5 分钟。",
            citizen_name="郑女士",
        )
        sample = services.case_accept(actor=u["quality_analyst"], case=sample)
        services.case_suspend(
            actor=u["quality_analyst"],
            case=sample,
            kind="testing",
            expected_end=timezone.now() + timedelta(days=3),
            place="水质检测中心实验室",
            citizen_notice="水样送检约 3 天,检测期间不计入办理时限,已电话告知用户。",
        )
        # Evidence on file: the citizen's photos of the water, the sampling point, and the
        # reference of the call's recording (the audio stays in the recording system).
        evidence = [
            ("用户拍摄-放水发黄.png", water_photo((196, 160, 70)), "用户微信发来的照片", True),
            ("取样点-新村路6号.png", water_photo((150, 170, 190)), "取样时拍摄", False),
        ]
        for name, data, note, protected in evidence:
            attachment_add(
                actor=u["quality_analyst"],
                obj=sample,
                file=SimpleUploadedFile(name, data),
                note=note,
                protected=protected,
            )
        attachment_add(
            actor=u["quality_analyst"],
            obj=sample,
            reference="呼叫中心录音系统 · 坐席 8012 · 来电当日 08:10",
            note="用户来电录音",
        )
        return Case.objects.count()
