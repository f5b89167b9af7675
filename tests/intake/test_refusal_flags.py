"""Refusal phrases (推诿用语, issue 19 line 4; DOMAIN §5): a phrase counts only as an
expression of its own, never inside an ordinary sentence; a flag is for the head of the
staff member's department, who is told of it, sees it on their list and looks at it."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from accountability.models import AuditEntry
from accountability.roles import Role
from deadlines.services.cases import case_name_accused
from intake.models import (
    REFUSAL_CLAUSE_MARKS,
    REFUSAL_LEAD_FILLERS,
    REFUSAL_PHRASES,
    REFUSAL_TAIL_FILLERS,
    RefusalFlag,
    RefusalFlagNotification,
    refusal_phrases_in,
)
from intake.services.registration import Contact, Disposition, registration_submit
from tests.deadlines.conftest import Cast, _staff
from tests.factories import PASSWORD

URL = reverse("intake:refusal_flags")

# -- whole expressions, not substrings -------------------------------------------------

REFUSALS = [
    ("不知道", ["不知道"]),
    ("不知道。", ["不知道"]),
    ("不清楚!", ["不清楚"]),
    ("这个我不清楚的。", ["不清楚"]),
    ("这事不归我管", ["不归我管"]),
    ("这个不归我管,你去问别的部门。", ["不归我管"]),
    ("你找别人吧!", ["找别人"]),
    ("找别人去吧", ["找别人"]),
    ("没办法了，你去找别人", ["找别人", "没办法"]),
    ("我们也没办法", ["没办法"]),
    ("不关我的事！", ["不关我的事"]),
    ("这个不是我们管的啦~", ["不是我们管"]),
    ("回复：不清楚", ["不清楚"]),
    ("他说“不知道”就挂了", ["不知道"]),
    ("已告知用户\n不知道\n请回访", ["不知道"]),
    ("嗯，我真不知道啊", ["不知道"]),
    ("不清楚…", ["不清楚"]),
    ("不知道 找别人去", ["不知道", "找别人"]),  # a space between two expressions
    ("不归我 管", ["不归我管"]),  # a space inside one
    ("ＯＫ，不清楚。", ["不清楚"]),  # full-width forms
]

ORDINARY = [
    "我不知道您是否方便明天上午在家",
    "水压不清楚的原因已经查明",
    "这不归我管辖区域的用户也可以办",
    "您好，我不知道具体情况，帮您转给管网所",  # a clause with more than the phrase
    "用户说不清楚表号，已约定上门核对",
    "不知道怎么办理的，可以拨打96777咨询",
    "暂时没办法确定停水时间，恢复后第一时间通知",
    "如果不清楚流程，请到一楼窗口",
    "已转营业所，不归我管的业务也登记了",
    "找别人代办需携带委托书",
    "用户不知道阀门位置，已上门关阀",
    "不清楚的地方请随时来电",
    "",
]


@pytest.mark.parametrize(("text", "phrases"), REFUSALS)
def test_it_flags_a_phrase_standing_as_an_expression_of_its_own(
    text: str, phrases: list[str]
) -> None:
    assert refusal_phrases_in(text) == phrases


@pytest.mark.parametrize("text", ORDINARY)
def test_it_never_flags_a_phrase_inside_an_ordinary_sentence(text: str) -> None:
    assert refusal_phrases_in(text) == []


# Characters of ordinary sentences that are neither fillers nor part of any phrase.
PLAIN = "水表压力用户区域原因查明天上午家方便维修费缴纳停已经供热线路阀门营业所窗口"
assert not set(PLAIN) & set("".join(REFUSAL_PHRASES + REFUSAL_LEAD_FILLERS + REFUSAL_TAIL_FILLERS))
plain = st.text(alphabet=PLAIN, min_size=1, max_size=12)
phrase = st.sampled_from(REFUSAL_PHRASES)
lead = st.lists(st.sampled_from(REFUSAL_LEAD_FILLERS), max_size=3).map("".join)
tail = st.lists(st.sampled_from(REFUSAL_TAIL_FILLERS), max_size=3).map("".join)
mark = st.sampled_from([*REFUSAL_CLAUSE_MARKS, "\n", "\r\n"])


@given(
    before=st.lists(st.tuples(plain, mark), max_size=3),
    lead=lead,
    phrase=phrase,
    tail=tail,
    after=st.lists(st.tuples(mark, plain), max_size=3),
)
def test_it_finds_the_phrase_as_a_clause_among_any_others(
    before: list[tuple[str, str]],
    lead: str,
    phrase: str,
    tail: str,
    after: list[tuple[str, str]],
) -> None:
    text = (
        "".join(a + b for a, b in before) + lead + phrase + tail + "".join(a + b for a, b in after)
    )
    assert refusal_phrases_in(text) == [phrase]


@given(
    prefix=st.text(alphabet=PLAIN, max_size=8),
    lead=lead,
    phrase=phrase,
    tail=tail,
    suffix=st.text(alphabet=PLAIN, max_size=8),
    others=st.lists(st.tuples(mark, plain), max_size=2),
)
def test_it_never_finds_the_phrase_inside_ordinary_words(
    prefix: str, lead: str, phrase: str, tail: str, suffix: str, others: list[Any]
) -> None:
    if not prefix and not suffix:
        prefix = "水表"
    text = prefix + lead + phrase + tail + suffix + "".join(a + b for a, b in others)
    assert refusal_phrases_in(text) == []


@given(st.text(max_size=40))
def test_it_finds_only_phrases_the_text_holds(text: str) -> None:
    squeezed = "".join(unicodedata.normalize("NFKC", text).split())
    found = refusal_phrases_in(text)
    assert all(p in squeezed for p in found)
    assert found == [p for p in REFUSAL_PHRASES if p in found]  # the list's order, once


# -- the flag is for the department head ------------------------------------------------


def _contact() -> Contact:
    return Contact(
        channel="phone",
        matter_kind="consultation",
        urgency="normal",
        subject="水费咨询",
        content="用户询问本月水费为何偏高。",
        citizen_name="李四",
        citizen_phone="13911112222",
    )


def answered(user: Any, answer: str = "这个我不清楚，你找别人吧。") -> Any:
    return registration_submit(
        actor=user, contact=_contact(), disposition=Disposition.ANSWER, answer=answer
    )


def signed_in(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.django_db
def test_it_flags_for_the_head_of_the_staff_members_department_and_tells_them(
    cast: Cast,
) -> None:
    case = answered(cast.desk)
    flags = list(RefusalFlag.objects.filter(case=case).order_by("phrase"))
    assert [(f.phrase, f.staff, f.department) for f in flags] == [
        ("不清楚", cast.desk, cast.service),
        ("找别人", cast.desk, cast.service),
    ]
    assert {(n.recipient, n.flag_id) for n in RefusalFlagNotification.objects.all()} == {
        (cast.head, flag.pk) for flag in flags
    }
    # An ordinary answer flags nothing.
    answered(cast.desk, answer="我不知道您是否方便明天上午在家，已约定回电。")
    assert RefusalFlag.objects.count() == 2


@pytest.mark.django_db
def test_it_rings_the_heads_bell_and_opens_the_flags_from_it(cast: Cast) -> None:
    answered(cast.desk)
    client = signed_in(cast.head)
    home = client.get(reverse("deadlines:notifications"))
    assert home.context["unread_notifications"] == 2
    html = home.content.decode()
    assert "找别人" not in html  # the bell names the staff member and case, not the words
    notification = RefusalFlagNotification.objects.filter(recipient=cast.head).first()
    assert notification is not None
    opened = client.post(reverse("intake:refusal_flag_notification_open", args=[notification.pk]))
    assert opened["Location"] == URL
    assert RefusalFlagNotification.objects.get(pk=notification.pk).read_at is not None
    assert (
        signed_in(cast.desk)
        .post(reverse("intake:refusal_flag_notification_open", args=[notification.pk]))
        .status_code
        == 404
    )  # not theirs
    client.post(reverse("deadlines:notifications_read"))
    assert not RefusalFlagNotification.objects.filter(read_at__isnull=True).exists()


@pytest.mark.django_db
def test_it_tells_the_leader_of_a_heads_own_phrase(cast: Cast) -> None:
    cast.service.supervising_leader = cast.leader
    cast.service.save()
    case = answered(cast.head, answer="不归我管。")
    flag = RefusalFlag.objects.get(case=case)
    assert RefusalFlagNotification.objects.get(flag=flag).recipient == cast.leader
    # The leader sees it on their list and looks at it; the head never sees their own.
    assert flag.text in signed_in(cast.leader).get(URL).content.decode()
    assert flag.text not in signed_in(cast.head).get(URL).content.decode()
    response = signed_in(cast.leader).post(
        reverse("intake:refusal_flag_close", args=[flag.pk]), {"note": "已与陈主任谈话。"}
    )
    assert response.status_code == 302
    assert RefusalFlag.objects.get(pk=flag.pk).closed_by == cast.leader


@pytest.mark.django_db
def test_it_shows_the_head_their_departments_open_flags_and_no_one_elses(cast: Cast) -> None:
    mine = RefusalFlag.objects.get(case=answered(cast.desk, answer="没办法。"))
    theirs = RefusalFlag.objects.get(case=answered(cast.network_handler, answer="不知道。"))
    page = signed_in(cast.head).get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert mine.case.number in text
    assert theirs.case.number not in text
    assert "新" in text  # unread
    other = signed_in(cast.network_head).get(URL).content.decode()
    assert theirs.case.number in other
    assert mine.case.number not in other


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["desk", "handler", "network_handler", "inspector"])
def test_it_refuses_the_list_to_anyone_but_heads_and_leadership(cast: Cast, who: str) -> None:
    flag = RefusalFlag.objects.get(case=answered(cast.desk, answer="没办法。"))
    client = signed_in(getattr(cast, who))
    assert client.get(URL).status_code == 403
    close = reverse("intake:refusal_flag_close", args=[flag.pk])
    assert client.post(close, {"note": "看过了"}).status_code == 403
    assert RefusalFlag.objects.get(pk=flag.pk).is_open


@pytest.mark.django_db
def test_it_refuses_closing_another_departments_flag(cast: Cast) -> None:
    flag = RefusalFlag.objects.get(case=answered(cast.desk, answer="没办法。"))
    response = signed_in(cast.network_head).post(
        reverse("intake:refusal_flag_close", args=[flag.pk]), {"note": "看过了"}
    )
    assert response.status_code == 403
    assert RefusalFlag.objects.get(pk=flag.pk).is_open


@pytest.mark.django_db
def test_it_closes_a_flag_with_the_heads_note_and_explains_a_missing_one(cast: Cast) -> None:
    flag = RefusalFlag.objects.get(case=answered(cast.desk, answer="不关我事。"))
    client = signed_in(cast.head)
    url = reverse("intake:refusal_flag_close", args=[flag.pk])
    missing = client.post(url, {"note": " "})
    assert missing.status_code == 400
    assert "请写明您了解到的情况或采取的措施。" in missing.content.decode()
    assert client.post(url, {"note": "调听录音，已批评教育。"}).status_code == 302
    flag.refresh_from_db()
    assert (flag.closed_by, flag.head_note) == (cast.head, "调听录音，已批评教育。")
    assert RefusalFlagNotification.objects.get(flag=flag).read_at is not None
    assert AuditEntry.objects.filter(action="refusal_flag.close", object_id=str(flag.pk)).exists()
    # Looked at: off the open list, on the full one.
    assert flag.case.number not in client.get(URL).content.decode()
    assert "调听录音" in client.get(URL, {"show": "all"}).content.decode()
    assert client.post(url, {"note": "再看一次"}).status_code == 400


@pytest.mark.django_db
def test_it_hides_the_text_of_a_flag_on_a_complaint_about_staff(cast: Cast) -> None:
    case = registration_submit(
        actor=cast.desk,
        contact=Contact(
            channel="phone",
            matter_kind="complaint",
            urgency="normal",
            subject="投诉",
            content="投诉抄表员。",
            citizen_name="王五",
            citizen_phone="13900001111",
        ),
        disposition=Disposition.ANSWER,
        answer="这个不归我管，找抄表员王五去",
    )
    case_name_accused(actor=cast.inspector, case=case, accused=[cast.handler], reason="态度")
    page = signed_in(cast.head).get(URL).content.decode()
    assert case.number in page
    assert "找抄表员王五去" not in page


@pytest.mark.django_db
def test_it_lists_flags_in_a_fixed_number_of_queries(
    cast: Cast, django_assert_num_queries: Any
) -> None:
    client = signed_in(cast.head)
    answered(cast.desk, answer="没办法。")
    client.get(URL)  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for _ in range(4):
        answered(cast.desk, answer="不知道。")
    answered(_staff("desk3", cast.service, Role.FRONT_DESK), answer="不清楚。")
    # Session, user, roles, the count and the page of flags with their cases, staff and
    # departments, and the header's own reads: the same for one flag or six.
    assert len(one.captured_queries) <= 10
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(URL).content.decode()
    assert page.count('class="unread"') == 6
