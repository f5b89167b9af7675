"""Rejection filing (否定备案, seed 002 附件1): reason and legal basis, the rejected case and
its 3-working-day written-refusal clock, the printable refusal with the right to review
or litigation, materials returned, and the register (台账) with its filters, pinned
query count and readers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext

from accountability.models import AuditEntry
from deadlines.models import (
    Case,
    CaseEvent,
    CaseState,
    Clock,
    ClockKind,
    EventAction,
    FeedbackEntry,
    MatterKind,
)
from deadlines.services.cases import CaseConflict, case_accept
from intake.models import MaterialsReturn, RejectionFiling
from intake.services.rejection import (
    rejection_file,
    rejection_notice_delivered,
    rejection_record_materials_returned,
)
from tests.deadlines.conftest import Cast, open_case
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 6, 1, 9, tzinfo=SHANGHAI)
REASON = "申请用水地址不在本公司供水管网覆盖范围内。"
BASIS = "《城市供水条例》第二十一条"
REGISTER = reverse("intake:rejection_register")
RIGHTS = (
    "If you disagree with this decision, you may apply to the competent administrative review "
    "body for administrative review within 60 days of receiving this notice, or bring an "
    "administrative lawsuit before the competent people's court within 6 months "
    "(%(regulation)s; Administrative Reconsideration Law art. 20; Administrative Litigation "
    "Law art. 46)."
)
WINDOW_RULES = "《阜新市民政局优化营商环境规范化建设工作制度》"


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def application(cast: Cast, **fields: Any) -> Case:
    values: dict[str, Any] = {
        "matter_kind": MatterKind.APPLICATION,
        "subject": "新装用水",
        "content": "申请为新建厂房装表供水。",
        **fields,
    }
    return open_case(cast, **values)


def filed(cast: Cast, case: Case | None = None, actor: Any = None) -> RejectionFiling:
    return rejection_file(
        actor=actor or cast.desk,
        case=case or application(cast),
        reason=REASON,
        legal_basis=BASIS,
    )


# -- filing -----------------------------------------------------------------------------


def test_it_needs_both_the_reason_and_the_legal_basis(cast: Cast) -> None:
    case = application(cast)
    with pytest.raises(ValidationError) as caught:
        rejection_file(actor=cast.desk, case=case, reason="  ", legal_basis="")
    assert set(caught.value.message_dict) == {"reason", "legal_basis"}
    with pytest.raises(ValidationError) as caught:
        rejection_file(actor=cast.desk, case=case, reason=REASON, legal_basis=" ")
    assert set(caught.value.message_dict) == {"legal_basis"}
    case.refresh_from_db()
    assert case.state == CaseState.REGISTERED
    assert not RejectionFiling.objects.exists()
    assert not Clock.objects.filter(case=case, kind=ClockKind.WRITTEN_NOTICE).exists()


def test_it_rejects_the_case_files_the_refusal_and_starts_the_written_notice_clock(
    cast: Cast,
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        case = application(cast)
        filing = filed(cast, case)
    case.refresh_from_db()
    assert case.state == CaseState.REJECTED
    assert (filing.reason, filing.legal_basis, filing.filed_by, filing.filed_at) == (
        REASON,
        BASIS,
        cast.desk,
        MONDAY,
    )
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions[-2:] == [EventAction.REJECTION_FILED, EventAction.REJECT]
    filed_event = CaseEvent.objects.get(case=case, action=EventAction.REJECTION_FILED)
    assert filed_event.data["legal_basis"] == BASIS
    clock = Clock.objects.get(case=case, kind=ClockKind.WRITTEN_NOTICE)
    # 3 working days after Monday: Tuesday 2 to Thursday 4 June, to 24:00 (附件1 §8).
    assert clock.policy.code == "rejection-written-notice"
    assert (clock.responsible, clock.due_at) == (cast.desk, datetime(2026, 6, 5, tzinfo=SHANGHAI))
    assert clock.stopped_at is None
    assert (
        not Clock.objects.filter(case=case, stopped_at__isnull=True).exclude(pk=clock.pk).exists()
    )


def test_it_refuses_only_a_registered_case_and_only_once(cast: Cast) -> None:
    accepted = case_accept(actor=cast.handler, case=application(cast))
    with pytest.raises(CaseConflict):
        filed(cast, accepted)
    assert Case.objects.get(pk=accepted.pk).state == CaseState.ACCEPTED
    first = filed(cast)
    with pytest.raises(CaseConflict):
        filed(cast, Case.objects.get(pk=first.case_id))
    assert RejectionFiling.objects.count() == 1


def test_it_lets_only_the_first_responder_or_the_case_department_refuse(cast: Cast) -> None:
    case = application(cast)
    with pytest.raises(PermissionDenied):
        filed(cast, case, actor=cast.outsider)
    assert Case.objects.get(pk=case.pk).state == CaseState.REGISTERED
    assert filed(cast, case, actor=cast.handler).filed_by == cast.handler


def test_it_stops_the_clock_when_the_written_notice_is_handed_over(cast: Cast) -> None:
    with time_machine.travel(MONDAY, tick=False):
        filing = filed(cast)
    with pytest.raises(ValidationError):
        rejection_notice_delivered(
            actor=cast.desk, filing=filing, channel=FeedbackEntry.Channel.PHONE
        )
    handed_over = MONDAY + timedelta(days=1)
    with time_machine.travel(handed_over, tick=False):
        entry = rejection_notice_delivered(actor=cast.desk, filing=filing, note="窗口当面交付")
    assert (entry.channel, entry.audience) == ("written", "citizen")
    assert "窗口当面交付" in entry.content
    clock = Clock.objects.get(case=filing.case, kind=ClockKind.WRITTEN_NOTICE)
    assert clock.stopped_at == handed_over
    with pytest.raises(CaseConflict):
        rejection_notice_delivered(actor=cast.desk, filing=filing)


def test_it_records_the_materials_returned_once(cast: Cast) -> None:
    filing = filed(cast)
    with time_machine.travel(MONDAY, tick=False):
        returned = rejection_record_materials_returned(actor=cast.desk, filing=filing)
    assert returned.materials_returned_at == MONDAY
    # A row of its own: the filing is history and never changes (DOMAIN: append-only).
    row = MaterialsReturn.objects.get(filing=filing)
    assert (row.returned_at, row.returned_by) == (MONDAY, cast.desk)
    with pytest.raises(PermissionError):
        RejectionFiling.objects.get(pk=filing.pk).save()
    audit = AuditEntry.objects.get(action="rejection_filing.materials_returned")
    assert audit.object_id == str(filing.pk)
    with pytest.raises(CaseConflict):
        rejection_record_materials_returned(actor=cast.desk, filing=returned)
    with pytest.raises(PermissionDenied):
        rejection_record_materials_returned(actor=cast.outsider, filing=returned)


# -- pages ------------------------------------------------------------------------------


def test_it_files_on_its_page_and_keeps_the_entries_when_something_is_missing(
    cast: Cast,
) -> None:
    case = application(cast)
    client = signed_in(cast.desk)
    url = reverse("intake:rejection_new", args=[case.number])
    assert client.get(url).status_code == 200
    blank = client.post(url, {"version": case.version, "reason": REASON, "legal_basis": ""})
    assert blank.status_code == 400
    assert set(blank.context["form"].errors) == {"legal_basis"}
    assert REASON in blank.content.decode()
    response = client.post(url, {"version": case.version, "reason": REASON, "legal_basis": BASIS})
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:rejection", args=[case.number])
    assert Case.objects.get(pk=case.pk).state == CaseState.REJECTED
    assert client.get(url)["Location"] == reverse("intake:rejection", args=[case.number])
    assert signed_in(cast.outsider).get(url).status_code == 403


def test_it_prints_the_written_refusal_with_the_right_to_review_or_litigation(
    cast: Cast,
) -> None:
    with time_machine.travel(MONDAY, tick=False):
        filing = filed(cast)
    client = signed_in(cast.desk)
    url = reverse("intake:rejection", args=[filing.case.number])
    page = client.get(url).content.decode()
    assert gettext("Notice of refusal (不予受理告知书)") in page
    assert gettext(RIGHTS) % {"regulation": WINDOW_RULES + "附件6 第六条"} in page
    assert REASON in page
    assert BASIS in page
    assert "2026-06-04 24:00" in page  # the written notice is owed by then
    delivered = reverse("intake:rejection_delivered", args=[filing.case.number])
    returned = reverse("intake:rejection_materials_returned", args=[filing.case.number])
    assert delivered in page
    assert returned in page

    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False):
        assert client.post(delivered, {"note": "当面交付"}).status_code == 302
        assert client.post(returned).status_code == 302
    clock = Clock.objects.get(case=filing.case, kind=ClockKind.WRITTEN_NOTICE)
    assert clock.stopped_at == MONDAY + timedelta(hours=2)
    filing.refresh_from_db()
    assert filing.materials_returned_at == MONDAY + timedelta(hours=2)
    page = client.get(url).content.decode()
    assert delivered not in page
    assert returned not in page
    assert signed_in(cast.outsider).get(url).status_code == 403


# -- the register -----------------------------------------------------------------------


def _network_case(cast: Cast) -> Case:
    return application(cast, actor=cast.network_handler, department=cast.network)


def test_it_lists_the_register_with_filters_by_department_and_date(cast: Cast) -> None:
    with time_machine.travel(MONDAY, tick=False):
        monday = filed(cast)
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):
        wednesday = filed(cast)
        network = filed(cast, _network_case(cast), actor=cast.network_handler)
    client = signed_in(cast.inspector)

    def listed(**params: str) -> set[int]:
        response = client.get(REGISTER, params)
        assert response.status_code == 200
        return {filing.pk for filing in response.context["page"]}

    assert listed() == {monday.pk, wednesday.pk, network.pk}
    assert listed(department="service") == {monday.pk, wednesday.pk}
    assert listed(department="network") == {network.pk}
    assert listed(filed_from="2026-06-02") == {wednesday.pk, network.pk}
    assert listed(filed_to="2026-06-01") == {monday.pk}
    assert listed(department="service", filed_from="2026-06-03", filed_to="2026-06-03") == {
        wednesday.pk
    }
    page = client.get(REGISTER).content.decode()
    assert REASON in page
    assert BASIS in page


def test_it_shows_the_register_in_a_fixed_number_of_queries(
    cast: Cast, django_assert_num_queries: Any
) -> None:
    # Session, user, roles, the departments of the filter, the row count, the header's
    # notification count and the rows: the same for one filing or five.
    filed(cast)
    client = signed_in(cast.inspector)
    with django_assert_num_queries(7):
        assert client.get(REGISTER).status_code == 200
    for _ in range(3):
        filed(cast)
    filed(cast, _network_case(cast), actor=cast.network_handler)
    with django_assert_num_queries(7):
        response = client.get(REGISTER)
    assert len(response.context["page"].object_list) == 5


def test_it_shows_the_register_to_the_inspection_office_leadership_and_heads(
    cast: Cast,
) -> None:
    service = filed(cast)
    network = filed(cast, _network_case(cast), actor=cast.network_handler)

    def listed(user: Any, **params: str) -> set[int]:
        response = signed_in(user).get(REGISTER, params)
        assert response.status_code == 200
        return {filing.pk for filing in response.context["page"]}

    assert listed(cast.inspector) == {service.pk, network.pk}
    assert listed(cast.leader) == {service.pk, network.pk}
    assert listed(cast.head) == {service.pk}
    assert listed(cast.network_head) == {network.pk}
    assert signed_in(cast.head).get(REGISTER, {"department": "network"}).status_code == 403
    for user in (cast.desk, cast.handler, cast.outsider):
        assert signed_in(user).get(REGISTER).status_code == 403
