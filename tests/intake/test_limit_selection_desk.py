"""Limits chosen at the desk: every accepted application runs its catalogue item's
promised limit from its acceptance, every kind of matter that needs a clock gets one
whatever its channel, and the circumstances the first responder records select the
narrower limits (DOMAIN §3, §4).

Calendar facts used (2026): Tue 29 and Wed 30 September working; Thu 1 – Wed 7 October
the National Day holiday; Sat 10 October a make-up working day.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from deadlines.models import Case, Channel, Clock, ClockKind, MatterKind, TimeLimitPolicy
from deadlines.services.cases import case_accept
from intake.models import ServiceItem
from intake.services.catalogue import catalogue_load, service_item_revise
from intake.services.registration import Contact, Disposition, registration_submit
from tests.deadlines.conftest import Cast
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
CATALOGUE = Path(settings.BASE_DIR) / "fixtures" / "service_catalogue.json"
URL = reverse("intake:registration")


def local(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def catalogue(cast: Cast) -> None:
    catalogue_load(actor=None, path=CATALOGUE)


def contact(**fields: Any) -> Contact:
    values: dict[str, Any] = {
        "channel": Channel.VISIT,
        "matter_kind": MatterKind.APPLICATION,
        "urgency": "normal",
        "subject": "新装用水",
        "content": "申请为新建厂房装表供水。",
        "citizen_name": "李四",
        "citizen_phone": "13911112222",
        "service_item_code": "new-connection",
    }
    values.update(fields)
    return Contact(**values)


def closure(case: Case) -> Clock:
    return Clock.objects.select_related("policy").get(case=case, kind=ClockKind.CLOSURE)


def test_an_application_accepted_before_national_day_runs_its_promised_15_working_days(
    cast: Cast, catalogue: None
) -> None:
    with time_machine.travel(local(9, 29, 10), tick=False):
        case = registration_submit(
            actor=cast.desk, contact=contact(), disposition=Disposition.ACCEPT
        )
    clock = closure(case)
    # Wed 30 Sep (1), the holiday week skipped, Thu 8 (2), Fri 9 (3), the make-up
    # Saturday 10 (4), Mon 12 … Fri 16 (9), Mon 19 … Fri 23 (14), Mon 26 October (15).
    assert clock.policy.code == "promised-new-connection"
    assert (clock.policy.amount, clock.policy.unit) == (15, "working_days")
    assert (clock.started_at, clock.due_at) == (local(9, 29, 10), local(10, 27))
    assert clock.policy.citation.endswith("附件7 第一条;附件9 第三条3")


def test_an_application_registered_for_review_runs_its_limit_from_acceptance(
    cast: Cast, catalogue: None
) -> None:
    with time_machine.travel(local(6, 1, 9), tick=False):
        case = registration_submit(
            actor=cast.desk,
            contact=contact(service_item_code="meter-repair"),
            disposition=Disposition.REVIEW,
        )
    assert not Clock.objects.filter(case=case).exists()  # not accepted yet
    with time_machine.travel(local(6, 2, 15), tick=False):
        case_accept(actor=cast.desk, case=case, handler=cast.handler)
    clock = closure(case)
    assert (clock.policy.code, clock.started_at) == ("promised-meter-repair", local(6, 2, 15))
    assert clock.due_at == local(6, 5)  # 2 working days: Wed 3 and Thu 4 June, 24:00


KINDS_WITH_A_LIMIT = [kind for kind in MatterKind if kind != MatterKind.SUGGESTION]


@pytest.mark.parametrize("channel", list(Channel))
@pytest.mark.parametrize("kind", KINDS_WITH_A_LIMIT)
def test_every_kind_that_needs_a_clock_gets_one_on_every_channel(
    cast: Cast, catalogue: None, kind: str, channel: str
) -> None:
    with time_machine.travel(local(6, 1, 9), tick=False):
        case = registration_submit(
            actor=cast.desk,
            contact=contact(
                channel=channel,
                matter_kind=kind,
                service_item_code="new-connection" if kind == MatterKind.APPLICATION else "",
            ),
            disposition=Disposition.ACCEPT,
        )
    running = Clock.objects.filter(case=case, stopped_at__isnull=True, due_at__isnull=False)
    assert running.exists(), f"{kind} by {channel} runs no clock"


def test_a_revised_promised_limit_is_a_new_policy_version_and_running_clocks_keep_theirs(
    cast: Cast, catalogue: None
) -> None:
    with time_machine.travel(local(6, 1, 9), tick=False):
        before = registration_submit(
            actor=cast.desk,
            contact=contact(service_item_code="account-transfer"),
            disposition=Disposition.ACCEPT,
        )
    item = ServiceItem.objects.get(code="account-transfer", retired_at__isnull=True)
    service_item_revise(
        actor=None, item=item, changes={"promised_limit_amount": 2}, reason="承诺提速"
    )
    versions = TimeLimitPolicy.objects.filter(code="promised-account-transfer").order_by("version")
    assert [(p.version, p.amount, p.retired_at is None) for p in versions] == [
        (1, 3, False),
        (2, 2, True),
    ]
    with time_machine.travel(local(6, 1, 10), tick=False):
        after = registration_submit(
            actor=cast.desk,
            contact=contact(service_item_code="account-transfer"),
            disposition=Disposition.ACCEPT,
        )
    assert (closure(before).policy.amount, closure(before).due_at) == (3, local(6, 5))
    assert (closure(after).policy.amount, closure(after).due_at) == (2, local(6, 4))


def test_an_item_done_on_the_spot_retires_its_promised_limit_and_the_department_rule_applies(
    cast: Cast, catalogue: None
) -> None:
    item = ServiceItem.objects.get(code="meter-repair", retired_at__isnull=True)
    service_item_revise(
        actor=None,
        item=item,
        changes={"kind": "on_the_spot", "promised_limit_amount": None, "promised_limit_unit": ""},
        reason="改为即办件",
    )
    assert not TimeLimitPolicy.objects.filter(
        code="promised-meter-repair", retired_at__isnull=True
    ).exists()
    with time_machine.travel(local(6, 1, 9), tick=False):
        case = registration_submit(
            actor=cast.desk,
            contact=contact(service_item_code="meter-repair"),
            disposition=Disposition.ACCEPT,
        )
    assert closure(case).policy.code == "application-closure"


def _signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _form(**fields: str) -> dict[str, str]:
    return {
        "channel": "letter",
        "matter_kind": "report",
        "urgency": "normal",
        "citizen_name": "王五",
        "citizen_phone": "13700001111",
        "subject": "抄表员多收费",
        "content": "实名举报抄表员上门多收费用。",
        "disposition": "accept",
        **fields,
    }


def test_the_desk_records_a_simple_real_name_report_and_it_gets_its_30_days(
    cast: Cast,
) -> None:
    client = _signed_in(cast.desk)
    with time_machine.travel(local(6, 1, 9), tick=False):
        response = client.post(URL, _form(circumstance="real_name"))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.variant == "real_name"
    assert (closure(case).policy.code, closure(case).due_at) == (
        "report-closure-real-name",
        local(7, 2),
    )


def test_a_circumstance_of_another_kind_is_refused_with_its_reason(cast: Cast) -> None:
    client = _signed_in(cast.desk)
    response = client.post(URL, _form(matter_kind="complaint", circumstance="real_name"))
    assert response.status_code == 400
    assert response.context["form"].errors["circumstance"] == [
        "“内容单一、情节简单的实名举报”只适用于“举报”类事项。"
    ]
    assert not Case.objects.exists()


def test_the_receipt_states_the_promise_and_never_a_state_where_the_promise_belongs(
    cast: Cast, catalogue: None
) -> None:
    client = _signed_in(cast.desk)

    def promised_by(number: str) -> str:
        page = client.get(reverse("intake:receipt", args=[number])).content.decode()
        return (
            page.split("承诺办结时间", 1)[1].split("</dd>", 1)[0]
            if "承诺办结时间" in page
            else page
        )

    with time_machine.travel(local(6, 1, 9), tick=False):
        accepted = registration_submit(
            actor=cast.desk,
            contact=contact(service_item_code="meter-repair"),
            disposition=Disposition.ACCEPT,
        )
        review = registration_submit(
            actor=cast.desk,
            contact=contact(service_item_code="meter-repair"),
            disposition=Disposition.REVIEW,
        )
        answered = registration_submit(
            actor=cast.desk,
            contact=contact(matter_kind=MatterKind.CONSULTATION, service_item_code=""),
            disposition=Disposition.ANSWER,
            answer="已当场解答。",
        )
        assert "2026-06-03 24:00" in promised_by(accepted.number)
        assert "自受理之日起 2 工作日（水表报修：承诺时限）" in promised_by(review.number)
        no_item = registration_submit(
            actor=cast.desk,
            contact=contact(service_item_code=""),
            disposition=Disposition.REVIEW,
        )
        # Without an item, the department rule acceptance will start (application-closure).
        assert "自受理之日起 3 工作日（申请(无服务目录承诺时限):办结）" in promised_by(
            no_item.number
        )
        assert "无：登记时已当场办结。" in promised_by(answered.number)
        assert "已关闭" not in promised_by(answered.number)
