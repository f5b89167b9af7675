"""Who decides a sanction (issue 19, line 1; DOMAIN §1): the efficiency leading group
decides warnings and its principal leader signs the written notice; the inspection
office head decides circulated criticism, admonishment and the other admonitions;
leadership within cadre authority decides organisational and economic measures;
disciplinary kinds are referred out and only recorded. Everyone else is refused with a
Chinese message saying who decides; whoever decides finds it waiting, and is told."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accountability.models import AuditEntry, LeadingGroup
from accountability.roles import Role
from accountability.services import leading_group_save
from deadlines.services.cases import case_name_accused
from deadlines.services.notifications import notifications_email_pending
from sanctions.authority import AUTHORITY, Authority, deciders_for
from sanctions.models import (
    DecisionState,
    SanctionDecision,
    SanctionKind,
    SanctionNotification,
    SanctionNotificationKind,
)
from sanctions.services import (
    referral_outcome_record,
    sanction_approve,
    sanction_propose,
    sanction_refer,
    sanction_refuse,
    sanction_serve,
    violation_confirm,
    violation_raise_complaint,
    violation_review,
)
from tests.deadlines.conftest import open_case
from tests.factories import PASSWORD, DepartmentFactory, StaffFactory, UserFactory
from tests.sanctions.conftest import SanctionsCast, at, confirmed_finding, direct, vtype

pytestmark = pytest.mark.django_db

K = SanctionKind
A = Authority
WHEN = at(2026, 3, 2, 10)

GROUP_DECIDES = "此处理由效能建设领导小组审定。"
REFERRED = "此处理移送纪检监察机关或司法机关处理:本系统只记录移送情况及处理结果,不作审批。"


@pytest.fixture(autouse=True)
def chinese() -> Iterator[None]:
    with translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def frozen() -> Iterator[None]:
    with time_machine.travel(WHEN, tick=False):
        yield


@dataclass
class People:
    sc: SanctionsCast
    member: Any  # a leading-group member who is neither a leader nor in the office
    inspector3: Any  # an inspection office member who is not its head
    leader2: Any  # a leader who supervises another unit
    root: Any  # an administrator (superuser)

    @property
    def principal(self) -> Any:
        return self.sc.leader

    @property
    def office_head(self) -> Any:
        return self.sc.inspector2


def _user(username: str, department: Any, *roles: Role) -> Any:
    return StaffFactory(
        user=UserFactory(username=username, roles=list(roles)), department=department
    ).user


@pytest.fixture
def people(sc: SanctionsCast) -> People:
    member = sc.c.network_head
    LeadingGroup.objects.get().members.add(member)
    leader2 = _user("leader2", sc.leader.staff.department, Role.LEADERSHIP)
    sc.c.network.supervising_leader = leader2
    sc.c.network.save()
    inspector3 = _user("inspector3", sc.inspector.staff.department, Role.INSPECTION_OFFICE)
    root = UserFactory(username="root")
    root.is_superuser = root.is_staff = True
    root.save()
    return People(sc=sc, member=member, inspector3=inspector3, leader2=leader2, root=root)


def propose(
    sc: SanctionsCast, kinds: list[str], person: Any = None, proposer: Any = None
) -> SanctionDecision:
    """A confirmed one-time-notice breach by `person` (the handler), proposed with
    `kinds` (a departure from the rulebook where need be, with its reason)."""
    violation = confirmed_finding(sc, "one-time-notice-breach", person or sc.handler, WHEN)
    return sanction_propose(
        actor=proposer or sc.inspector,
        responsibility=direct(sc, violation),
        chosen_kinds=kinds,
        departure_reason="按调查情况选择",
    )


def refused_message(user: Any, decision: SanctionDecision) -> str:
    with pytest.raises(PermissionDenied) as refused:
        sanction_approve(actor=user, decision=decision)
    message = str(refused.value)
    with pytest.raises(PermissionDenied) as refused_too:
        sanction_refuse(actor=user, decision=decision, reason="不同意")
    assert str(refused_too.value) == message
    return message


def right_and_wrong(people: People, authority: str) -> tuple[Any, list[Any], str]:
    """The right decider of a decision about the handler, everyone who must be refused,
    and the message they get (besides the proposer's and the person's own)."""
    sc = people.sc
    office_head_name = sc.inspector2.get_full_name()
    if authority == A.LEADING_GROUP:
        return (
            people.member,
            [people.inspector3, people.leader2, people.root],
            GROUP_DECIDES,
        )
    if authority == A.INSPECTION_HEAD:
        return (
            people.office_head,
            [people.inspector3, people.leader2, people.member, people.root, sc.leader],
            f"此处理由监察室主任({office_head_name})决定。",
        )
    return (
        sc.leader,  # supervises the service department, the handler's unit
        [people.inspector3, people.leader2, people.member, people.root, people.office_head],
        f"此处理由具有干部管理权限的领导({sc.leader.get_full_name()})决定。",
    )


INTERNAL = sorted(kind for kind, authority in AUTHORITY.items() if authority != A.REFERRED)
OUT = sorted(kind for kind, authority in AUTHORITY.items() if authority == A.REFERRED)


def test_it_maps_every_sanction_kind_to_an_authority() -> None:
    assert set(AUTHORITY) == set(K.values)
    assert AUTHORITY[K.ORAL_WARNING] == AUTHORITY[K.WRITTEN_WARNING] == A.LEADING_GROUP
    assert AUTHORITY[K.CIRCULATED_CRITICISM] == AUTHORITY[K.ADMONISHMENT_TALK] == A.INSPECTION_HEAD
    assert AUTHORITY[K.DEMOTION] == AUTHORITY[K.PAY_CUT] == A.LEADERSHIP
    assert AUTHORITY[K.DEMERIT] == AUTHORITY[K.REFERRAL] == A.REFERRED


@pytest.mark.parametrize("kind", INTERNAL)
def test_it_lets_only_the_deciding_authority_decide_each_kind(people: People, kind: str) -> None:
    sc = people.sc
    right, wrong, message = right_and_wrong(people, AUTHORITY[kind])
    decision = propose(sc, [kind])
    assert right in deciders_for(decision)

    assert refused_message(sc.inspector, decision) == gettext(
        "You proposed this sanction, so someone else must decide on it."
    )
    assert refused_message(sc.handler, decision) == gettext(
        "You are named in this matter, so you cannot act on it (recusal)."
    )
    assert refused_message(sc.inspector, decision) == "本处理由您提出,须由他人审批。"
    for user in wrong:
        assert refused_message(user, decision) == message, user.username

    refused = sanction_refuse(actor=right, decision=decision, reason="证据不足")
    assert refused.state == DecisionState.REFUSED
    assert refused.decided_by == right
    again = sanction_propose(
        actor=sc.inspector,
        responsibility=decision.responsibility,
        chosen_kinds=[kind],
        departure_reason="补充证据后重新提出",
    )
    approved = sanction_approve(actor=right, decision=again)
    assert approved.state == DecisionState.APPROVED
    assert approved.decided_by == right


@pytest.mark.parametrize("kind", OUT)
def test_it_approves_no_disciplinary_kind_and_records_the_referral(
    people: People, kind: str
) -> None:
    sc = people.sc
    decision = propose(sc, [kind])
    assert deciders_for(decision) == []
    for user in (people.principal, people.office_head, people.member, people.root):
        assert refused_message(user, decision) == REFERRED
    with pytest.raises(PermissionDenied):  # the person never records their own referral
        sanction_refer(actor=sc.handler, decision=decision, referred_to="纪委")
    decision = sanction_refer(
        actor=sc.inspector, decision=decision, referred_to="集团纪委", referred_at=WHEN
    )
    assert (decision.state, decision.referred_to, decision.referred_at) == (
        DecisionState.REFERRED,
        "集团纪委",
        WHEN,
    )
    later = at(2026, 4, 1, 9)
    decision = referral_outcome_record(
        actor=sc.inspector,
        decision=decision,
        sanctioned=True,
        outcome="给予记过处分",
        received_at=later,
    )
    assert decision.state == DecisionState.COMPLETED
    assert decision.decided_at == later
    assert decision.decided_by is None  # decided elsewhere
    assert AuditEntry.objects.filter(action="sanction.referral_outcome").count() == 1


def test_it_lets_a_new_proposal_follow_a_referral_that_ended_without_sanction(
    people: People,
) -> None:
    sc = people.sc
    decision = sanction_refer(
        actor=sc.inspector, decision=propose(sc, [K.REFERRAL]), referred_to="检察院"
    )
    decision = referral_outcome_record(
        actor=sc.inspector, decision=decision, sanctioned=False, outcome="不予立案"
    )
    assert decision.state == DecisionState.REFUSED
    again = sanction_propose(
        actor=sc.inspector,
        responsibility=decision.responsibility,
        chosen_kinds=[K.CIRCULATED_CRITICISM],
        departure_reason="移送未予处分,内部通报批评",
    )
    assert sanction_approve(actor=people.office_head, decision=again).state == "approved"


def test_it_lets_the_highest_authority_decide_mixed_kinds(people: People) -> None:
    sc = people.sc
    # A warning with circulated criticism: the leading group.
    decision = propose(sc, [K.WRITTEN_WARNING, K.CIRCULATED_CRITICISM])
    assert refused_message(people.inspector3, decision) == GROUP_DECIDES
    assert sanction_approve(actor=people.member, decision=decision).decided_by == people.member
    # A pay cut with circulated criticism and a warning: the supervising leader.
    decision = propose(sc, [K.PAY_CUT, K.CIRCULATED_CRITICISM, K.ORAL_WARNING], sc.handler2)
    message = right_and_wrong(people, A.LEADERSHIP)[2]
    assert refused_message(people.member, decision) == message
    assert refused_message(people.office_head, decision) == message
    assert sanction_approve(actor=sc.leader, decision=decision).decided_by == sc.leader


def test_it_never_lets_the_proposer_decide_even_as_a_member(people: People) -> None:
    sc = people.sc
    decision = propose(sc, [K.ORAL_WARNING], proposer=sc.inspector2)  # the head is a member
    assert sc.inspector2 not in deciders_for(decision)
    assert refused_message(sc.inspector2, decision) == gettext(
        "You proposed this sanction, so someone else must decide on it."
    )
    assert sanction_approve(actor=sc.leader, decision=decision).decided_by == sc.leader


def test_it_sends_a_recused_office_head_s_decision_up_to_the_leaders(people: People) -> None:
    sc = people.sc
    decision = propose(sc, [K.ADMONISHMENT_TALK], proposer=sc.inspector2)
    # Nobody supervises the inspection office in this cast: the principal leader decides.
    assert deciders_for(decision) == [sc.leader]
    assert refused_message(people.inspector3, decision).startswith("此处理由监察室主任")
    assert sanction_approve(actor=sc.leader, decision=decision).decided_by == sc.leader


def test_it_gives_a_head_s_organisational_measure_to_the_principal_leader(
    people: People,
) -> None:
    sc = people.sc
    # leader2 supervises the service department from now on; its head is a cadre whom
    # the group's leadership decides about, its staff their supervising leader.
    sc.c.service.supervising_leader = people.leader2
    sc.c.service.save()
    staff_measure = propose(sc, [K.REASSIGNMENT])
    assert deciders_for(staff_measure) == [people.leader2]
    head_measure = propose(sc, [K.REASSIGNMENT], person=sc.head)
    assert deciders_for(head_measure) == [sc.leader]
    assert refused_message(people.leader2, head_measure) == (
        f"此处理由具有干部管理权限的领导({sc.leader.get_full_name()})决定。"
    )
    assert sanction_approve(actor=sc.leader, decision=head_measure).decided_by == sc.leader
    assert sanction_approve(actor=people.leader2, decision=staff_measure).state == "approved"


# -- the written warning notice ----------------------------------------------------------


def test_it_has_the_principal_leader_sign_the_written_warning_notice(
    people: People, client: Client
) -> None:
    sc = people.sc
    decision = sanction_approve(actor=people.member, decision=propose(sc, [K.WRITTEN_WARNING]))
    for signer in (people.member, people.leader2, people.office_head, None):
        with pytest.raises(ValidationError) as refused:
            sanction_serve(actor=sc.inspector, decision=decision, signed_by=signer)
        assert refused.value.message_dict["signed_by"] == [
            f"书面告诫通知书由效能建设领导小组主要领导{sc.leader.get_full_name()}签发。"
        ]
    served = sanction_serve(actor=sc.inspector, decision=decision, signed_by=sc.leader)
    assert served.signed_by == sc.leader
    assert served.notice_number
    assert client.login(username=sc.inspector.username, password=PASSWORD)
    page = client.get(reverse("sanctions:warning_notice", args=[served.pk])).content.decode()
    assert f"效能建设领导小组主要领导：{sc.leader.get_full_name()}" in page


def test_it_signs_other_decisions_by_their_decider_by_default(people: People) -> None:
    sc = people.sc
    decision = sanction_approve(
        actor=people.office_head, decision=propose(sc, [K.CIRCULATED_CRITICISM])
    )
    served = sanction_serve(actor=sc.inspector, decision=decision, signed_by=None)
    assert served.signed_by == people.office_head


# -- the leading group as data -------------------------------------------------------------


def test_it_keeps_the_principal_leader_among_the_members_and_one_group(people: People) -> None:
    sc = people.sc
    group = LeadingGroup.objects.get()
    group.principal_leader = people.leader2
    with pytest.raises(ValidationError) as refused:
        leading_group_save(actor=people.root, group=group, members=[sc.leader])
    assert refused.value.message_dict["members"] == ["主要领导须为领导小组成员。"]
    saved = leading_group_save(
        actor=people.root, group=group, members=[sc.leader, people.leader2], reason="调整"
    )
    assert set(saved.members.all()) == {sc.leader, people.leader2}
    entry = AuditEntry.objects.get(action="leading_group.change")
    assert entry.after is not None
    assert entry.after["principal_leader_id"] == people.leader2.pk
    with pytest.raises(ValidationError) as second:
        leading_group_save(
            actor=people.root, group=LeadingGroup(principal_leader=sc.leader), members=[sc.leader]
        )
    assert "只设一个效能建设领导小组" in second.value.messages[0]
    with pytest.raises(PermissionDenied):
        leading_group_save(actor=sc.inspector, group=group, members=[people.leader2])


def test_it_maintains_the_group_in_the_admin_with_an_audit_row(
    people: People, client: Client
) -> None:
    sc = people.sc
    group = LeadingGroup.objects.get()
    client.force_login(people.root)
    url = reverse("admin:accountability_leadinggroup_change", args=[group.pk])
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        {"name": group.name, "principal_leader": people.leader2.pk, "members": [sc.leader.pk]},
    )
    assert bad.status_code == 200
    assert "主要领导须为领导小组成员。" in bad.content.decode()
    good = client.post(
        url,
        {
            "name": group.name,
            "principal_leader": sc.leader.pk,
            "members": [sc.leader.pk, people.leader2.pk],
        },
    )
    assert good.status_code == 302
    assert set(group.members.all()) == {sc.leader, people.leader2}
    assert AuditEntry.objects.filter(action="leading_group.change", actor=people.root).exists()


# -- awaiting my decision -------------------------------------------------------------------


def _awaiting_rows(client: Client) -> list[int]:
    response = client.get(reverse("sanctions:awaiting"))
    assert response.status_code == 200
    return [decision.pk for decision, _labels, _authority in response.context["rows"]]


def test_it_lists_exactly_what_the_user_may_decide_oldest_first(
    people: People, client: Client
) -> None:
    sc = people.sc
    with time_machine.travel(at(2026, 3, 3, 9), tick=False):
        warning = propose(sc, [K.ORAL_WARNING])
    with time_machine.travel(at(2026, 3, 4, 9), tick=False):
        talk = propose(sc, [K.ADMONISHMENT_TALK], sc.handler2)
    with time_machine.travel(at(2026, 3, 5, 9), tick=False):
        cut = propose(sc, [K.PAY_CUT], sc.c.desk)
        own = propose(sc, [K.ORAL_WARNING], sc.c.desk, proposer=sc.inspector2)
    expected = {
        sc.leader: [warning.pk, cut.pk, own.pk],
        people.office_head: [warning.pk, talk.pk],
        people.member: [warning.pk, own.pk],
        people.leader2: [],
        sc.inspector: [],
        people.root: [],
    }
    for user, rows in expected.items():
        client.force_login(user)
        assert _awaiting_rows(client) == rows, user.username
    sanction_approve(actor=people.member, decision=warning)
    client.force_login(sc.leader)
    assert _awaiting_rows(client) == [cut.pk, own.pk]
    page = client.get(reverse("sanctions:awaiting")).content.decode()
    # Decided: gone. Not followed by a digit: 员工3 is not 员工31 (the factory numbers people).
    assert re.search(rf"{re.escape(sc.handler.get_full_name())}(?!\d)", page) is None
    assert "待我决定" in page
    assert f'href="{reverse("sanctions:awaiting")}"' in page  # the header links it


@pytest.mark.parametrize("count", [2, 20])
def test_it_lists_the_awaiting_decisions_in_a_fixed_number_of_queries(
    people: People, client: Client, count: int, django_assert_num_queries: Any
) -> None:
    sc = people.sc
    clerks = DepartmentFactory(code="clerks", supervising_leader=sc.leader)
    for index in range(count):
        propose(sc, [K.PAY_CUT], person=_user(f"clerk{index}", clerks))
    client.force_login(sc.leader)
    # Session, user, the roles for the navigation, the bell's counts; the leading group,
    # its members, the departments, the office heads, the leaders; the proposed decisions
    # and their responsibilities.
    with django_assert_num_queries(11):
        response = client.get(reverse("sanctions:awaiting"))
    assert len(response.context["rows"]) == count


def test_it_tells_each_decider_once_and_never_names_a_protected_complainant(
    people: People, client: Client
) -> None:
    sc = people.sc
    case = open_case(sc.c, citizen_name="秘密投诉人", citizen_phone="13911112222")
    case_name_accused(actor=sc.c.desk, case=case, accused=[sc.handler], reason="态度生硬")
    violation = violation_raise_complaint(
        actor=sc.inspector, case=case, staff=sc.handler, type=vtype("complaint-attitude")
    )
    violation = violation_confirm(
        actor=sc.inspector, violation=violation_review(actor=sc.inspector, violation=violation)
    )
    decision = sanction_propose(
        actor=sc.inspector,
        responsibility=direct(sc, violation),
        chosen_kinds=[K.WRITTEN_WARNING],
        departure_reason="情节较重",
    )
    told = SanctionNotification.objects.filter(
        decision=decision, kind=SanctionNotificationKind.DECISION_AWAITING
    )
    assert sorted(n.recipient.username for n in told) == sorted(
        u.username for u in (sc.leader, people.office_head, people.member)
    )
    from sanctions.services import deciders_notify

    deciders_notify(decision=decision)  # again: nobody is told twice
    assert told.count() == 3

    client.force_login(people.member)
    page = client.get(reverse("deadlines:notifications")).content.decode()
    assert "待您决定" in page
    assert "秘密投诉人" not in page
    assert "13911112222" not in page
    notification = told.get(recipient=people.member)
    opened = client.post(reverse("sanctions:notification_open", args=[notification.pk]))
    assert opened.status_code == 302
    assert opened["Location"] == reverse("sanctions:decision", args=[decision.pk])
    decision_page = client.get(opened["Location"]).content.decode()
    assert "秘密投诉人" not in decision_page
    assert GROUP_DECIDES in decision_page

    sanction_approve(actor=people.member, decision=decision)
    assert not told.filter(read_at__isnull=True).exists()  # nothing waits any more


def test_it_records_a_referral_and_its_outcome_through_the_decision_page(
    people: People, client: Client
) -> None:
    sc = people.sc
    decision = propose(sc, [K.DEMERIT])
    client.force_login(sc.inspector)
    url = reverse("sanctions:decision", args=[decision.pk])
    page = client.get(url).content.decode()
    assert REFERRED in page
    assert reverse("sanctions:decision_act", args=[decision.pk, "approve"]) not in page
    referred = client.post(
        reverse("sanctions:decision_act", args=[decision.pk, "refer"]),
        {"version": decision.version, "referred_to": "集团纪委", "note": "涉嫌违纪"},
    )
    assert referred.status_code == 302
    decision.refresh_from_db()
    assert decision.state == DecisionState.REFERRED
    recorded = client.post(
        reverse("sanctions:decision_act", args=[decision.pk, "referral_outcome"]),
        {"version": decision.version, "sanctioned": "yes", "outcome": "给予记过处分"},
    )
    assert recorded.status_code == 302
    decision.refresh_from_db()
    assert decision.state == DecisionState.COMPLETED
    page = client.get(url).content.decode()
    assert "集团纪委" in page
    assert "给予记过处分" in page


def _told_of(decision: SanctionDecision) -> set[Any]:
    return {
        n.recipient
        for n in SanctionNotification.objects.filter(
            decision=decision, kind=SanctionNotificationKind.DECISION_AWAITING
        ).select_related("recipient")
    }


def test_it_tells_the_deciders_but_never_the_proposer_or_the_person_named(
    people: People,
) -> None:
    """Issue 22: a proposal awaiting its decider tells the people sanctions.authority lets
    decide it; the proposer (a member here) and the person it is about (a member too) are
    not told, and a refused proposal tells nobody."""
    sc = people.sc
    by_the_office_head = propose(sc, [K.WRITTEN_WARNING], proposer=sc.inspector2)
    assert _told_of(by_the_office_head) == {sc.leader, people.member}

    about_a_member = propose(sc, [K.WRITTEN_WARNING], person=people.member)
    assert _told_of(about_a_member) == {sc.leader, people.office_head}

    violation = confirmed_finding(sc, "one-time-notice-breach", sc.handler, WHEN)
    with pytest.raises(PermissionDenied):
        sanction_propose(
            actor=sc.handler,
            responsibility=direct(sc, violation),
            chosen_kinds=[K.WRITTEN_WARNING],
            departure_reason="按调查情况选择",
        )
    assert SanctionNotification.objects.count() == 4


def test_it_emails_each_decider_the_decision_awaiting_them_once(
    people: People, settings: Any
) -> None:
    """Every hand-over notifies its new owner by email where configured (issue 22): a
    proposal awaiting a decision goes out with the case notifications' email."""
    sc = people.sc
    for decider, address in ((sc.leader, "leader@example.cn"), (people.member, "")):
        decider.email = address
        decider.save()
    settings.EMAIL_HOST = "smtp.example.cn"
    settings.PORTAL_URL = "https://portal.example.cn"
    decision = propose(sc, [K.WRITTEN_WARNING])

    assert notifications_email_pending(now=WHEN + timedelta(seconds=1)) == 1
    (message,) = mail.outbox
    assert message.to == ["leader@example.cn"]
    assert "待您决定" in message.body
    link = reverse("sanctions:decision", args=[decision.pk])
    assert f"https://portal.example.cn{link}" in message.body
    told = SanctionNotification.objects.filter(decision=decision)
    assert not told.filter(emailed_at__isnull=True).exists()  # the addressless marked too
    assert notifications_email_pending(now=WHEN + timedelta(seconds=2)) == 0
    assert len(mail.outbox) == 1
