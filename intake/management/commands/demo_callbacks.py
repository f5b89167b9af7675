"""Add the demo's callbacks and ratings (回访, 好差评) through the services: the closed
road-repair complaint rated 5 on the callback call; a broken meter-pit cover complaint
closed, rated 1, found by the head to be the unit's fault and reopened for rework; and a
closed complaint awaiting its callback, whose one-time rating link is printed so the
citizen's page can be tried.

Run after demo_cases (bin/demo does). Does nothing when ratings exist already.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accountability.models import Department
from deadlines.models import Case, CaseState, Channel, MatterKind
from deadlines.services import cases as services
from intake.models import CallbackOutcome, Rating
from intake.services.callback import (
    callback_record,
    rating_link_issue,
    rating_link_url,
    rating_review,
)


class Command(BaseCommand):
    help = "Add a rated case, a reworked one and a rating link to the demo (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        if Rating.objects.exists():
            self.stdout.write("Ratings exist already; none added.")
            return
        users = {user.username: user for user in get_user_model().objects.all()}
        if "hotline" not in users or "network_head" not in users:
            raise CommandError("Run `manage.py demo_seed` and `manage.py demo_cases` first.")
        with transaction.atomic():
            url = self._records(users, Department.objects.get(code="network"))
        self.stdout.write(self.style.SUCCESS("Added the demo callbacks and ratings."))
        self.stdout.write(f"A citizen's one-time rating link: {url}")

    def _closed(self, u: dict[str, Any], network: Department, **fields: Any) -> Case:
        case = services.case_open(
            actor=u["hotline"],
            department=network,
            channel=Channel.HOTLINE,
            matter_kind=MatterKind.COMPLAINT,
            citizen_phone="13905310000",
            **fields,
        )
        case = services.case_accept(
            actor=u["network_head"], case=case, handler=u["network_fitter2"]
        )
        case = services.case_resolve(
            actor=u["network_fitter2"], case=case, resolution="已现场处理完毕。"
        )
        return services.case_close(actor=u["network_head"], case=case)

    def _records(self, u: dict[str, Any], network: Department) -> str:
        # The road-repair complaint demo_cases closed: called back, rated 5.
        road = Case.objects.filter(subject="维修后路面未恢复", state=CaseState.CLOSED).first()
        if road is not None and road.rating is None:
            callback_record(
                actor=road.first_responder,
                case=road,
                outcome=CallbackOutcome.RATED,
                grade=5,
                comment="路面已恢复,很满意。",
                note="电话回访。",
            )

        # Rated 1; the head finds it the unit's fault: reopened for rework (15 working
        # days), and its next closing owes a second callback.
        cover = self._closed(
            u,
            network,
            subject="水表井盖破损",
            content="小区 3 号楼前水表井盖破损,存在安全隐患。",
            citizen_name="钱先生",
        )
        poor = callback_record(
            actor=u["hotline"],
            case=cover,
            outcome=CallbackOutcome.RATED,
            grade=1,
            comment="井盖只是临时用木板盖上,没有更换。",
            note="电话回访。",
        )
        assert poor.rating is not None
        rating_review(
            actor=u["network_head"],
            rating=poor.rating,
            unit_at_fault=True,
            reason="现场只做了临时处理,未按要求更换井盖。",
        )

        # Closed, the callback owed: the link the callback message would carry.
        valve = self._closed(
            u,
            network,
            subject="阀门漏水",
            content="胜利街路口阀门井内漏水。",
            citizen_name="孙女士",
        )
        _link, token = rating_link_issue(actor=u["hotline"], case=valve)
        return rating_link_url(token)
