"""The public status page: number plus receipt secret, no sign-in, no staff details."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from deadlines.models import Suspension
from deadlines.selectors.public import case_public_get
from deadlines.services.cases import (
    case_accept,
    case_assign,
    case_close,
    case_rate,
    case_resolve,
    case_start_work,
    case_suspend,
    case_transfer,
)
from intake.views.public import MAX_FAILURES
from tests.deadlines.conftest import Cast, open_case

pytestmark = pytest.mark.django_db

URL = reverse("intake:public_status")


@pytest.fixture(autouse=True)
def fresh_counts() -> None:
    cache.clear()


def test_it_shows_the_state_deadlines_and_public_timeline_without_staff_names(
    cast: Cast, client: Client
) -> None:
    case = open_case(cast)
    secret = case.lookup_secret
    case = case_accept(actor=cast.handler, case=case)
    case = case_assign(actor=cast.head, case=case, handler=cast.handler, reason="内部分工")
    case_transfer(
        actor=cast.handler, case=case, to_department=cast.network, handover_note="管网问题"
    )
    response = client.post(URL, {"number": case.number, "secret": secret.lower()})
    assert response.status_code == 200
    page = response.content.decode()
    assert "待转办受理" in page  # the state
    assert "管网所" in page  # the department handling it now
    assert "已转办" in page  # a public step
    assert "已分派承办人" not in page  # an internal one
    assert "内部分工" not in page
    for person in (cast.desk, cast.handler, cast.head):
        assert person.first_name  # factory names such as 员工3
        assert person.first_name not in page
    assert "办理结果" in page  # the result deadline


def test_a_wrong_secret_answers_like_an_unknown_number(cast: Cast, client: Client) -> None:
    case = open_case(cast)
    wrong = client.post(URL, {"number": case.number, "secret": "AAAA-AAAA"})
    unknown = client.post(URL, {"number": "2026-999999", "secret": case.lookup_secret})
    assert wrong.status_code == unknown.status_code == 404
    assert case.subject not in wrong.content.decode()
    message = "没有与此编号和查询码相符的办件"
    assert message in wrong.content.decode()
    assert message in unknown.content.decode()


def test_it_slows_guessing_down(cast: Cast, client: Client) -> None:
    case = open_case(cast)
    for _ in range(MAX_FAILURES):
        assert client.post(URL, {"number": case.number, "secret": "AAAA-AAAA"}).status_code == 404
    # Past the limit even the right secret waits, from this address, for any case.
    limited = client.post(URL, {"number": case.number, "secret": case.lookup_secret})
    assert limited.status_code == 429
    assert "尝试次数过多" in limited.content.decode()
    other = open_case(cast)
    assert client.post(
        URL, {"number": other.number, "secret": other.lookup_secret}
    ).status_code == (429)
    # The case's owner, elsewhere, is not locked out by the guesses: answered at once, and
    # only a second try on the much-guessed number waits (tests/accountability/
    # test_signin_throttle.py, the status page's part).
    elsewhere = Client(REMOTE_ADDR="10.0.0.9")
    assert (
        elsewhere.post(URL, {"number": case.number, "secret": case.lookup_secret}).status_code
        == 200
    )
    assert (
        elsewhere.post(URL, {"number": case.number, "secret": case.lookup_secret}).status_code
        == 429
    )


def test_it_explains_a_missing_field(client: Client) -> None:
    response = client.post(URL, {"number": "2026-000001"})
    assert response.status_code == 200
    assert "这个字段是必填项" in response.content.decode()


def _stages(page: str) -> tuple[list[str], str]:
    """The steps shown and the one marked current (aria-current), from the page."""
    strip = re.search(r'<ol class="stages".*?</ol>', page, re.S)
    assert strip is not None
    items = re.findall(r"<li([^>]*)>([^<]+)", strip.group(0))
    current = [label for attributes, label in items if 'aria-current="step"' in attributes]
    return [label for _, label in items], current[0]


def test_it_shows_where_the_matter_stands_from_registration_to_rating(
    cast: Cast, client: Client
) -> None:
    case = open_case(cast)
    secret = case.lookup_secret

    def current() -> str:
        page = client.post(URL, {"number": case.number, "secret": secret}).content.decode()
        labels, now = _stages(page)
        assert labels == ["已登记", "已受理", "办理中", "已答复", "已办结", "已评价"]
        return now

    assert current() == "已登记"
    case = case_accept(actor=cast.handler, case=case)
    assert current() == "已受理"
    case = case_start_work(actor=cast.handler, case=case)
    assert current() == "办理中"
    case = case_resolve(actor=cast.handler, case=case, resolution="已更换水表")
    assert current() == "已答复"
    case = case_close(actor=cast.head, case=case)
    assert current() == "已办结"
    case_rate(actor=cast.desk, case=case, rating=5, caused_by_unit=False)
    assert current() == "已评价"


def test_the_link_in_a_message_opens_the_case_and_a_wrong_one_is_counted(
    cast: Cast, client: Client
) -> None:
    case = open_case(cast)
    link = reverse("intake:public_status_link", args=[case.number, case.lookup_secret])
    opened = client.get(link)
    assert opened.status_code == 200
    assert case.subject in opened.content.decode()
    assert opened["Cache-Control"].startswith("max-age=0")

    wrong = reverse("intake:public_status_link", args=[case.number, "AAAA-AAAA"])
    for _ in range(MAX_FAILURES):
        assert client.get(wrong).status_code == 404
    assert client.get(link).status_code == 429  # the address is slowed like typed tries


def test_it_lists_the_messages_sent_and_offers_the_rating_once_the_case_is_closed(
    cast: Cast, client: Client, settings: Any, tmp_path: Any
) -> None:
    settings.MESSAGES_BACKEND = "file"
    settings.MESSAGES_DIR = str(tmp_path)
    case = open_case(cast)
    secret = case.lookup_secret
    lookup = {"number": case.number, "secret": secret}

    page = client.post(URL, lookup).content.decode()
    assert "我们发给您的消息" in page
    assert "回执 · 短信 · " in page  # the receipt, by text message
    assert secret not in page.split("我们发给您的消息", 1)[1]  # the message's text is not shown
    assert "评价本次服务" not in page  # nothing to rate yet
    assert client.post(reverse("intake:public_rate"), lookup).status_code == 409

    case = case_accept(actor=cast.handler, case=case)
    case = case_start_work(actor=cast.handler, case=case)
    case = case_resolve(actor=cast.handler, case=case, resolution="已更换水表")
    case_close(actor=cast.head, case=case)
    page = client.post(URL, lookup).content.decode()
    assert "评价本次服务" in page
    opened = client.post(reverse("intake:public_rate"), lookup)
    assert opened.status_code == 302
    rating_page = client.get(opened["Location"])
    assert rating_page.status_code == 200
    assert client.post(opened["Location"], {"grade": "4"}).status_code == 200
    case.refresh_from_db()
    assert case.rating == 4
    page = client.post(URL, lookup).content.decode()
    assert "评价本次服务" not in page  # rated: offered no more
    assert _stages(page)[1] == "已评价"


def test_it_tells_the_status_the_api_tells_and_promises_no_paused_deadline(
    cast: Cast, client: Client
) -> None:
    case = open_case(cast)
    secret = case.lookup_secret
    case = case_start_work(actor=cast.handler, case=case_accept(actor=cast.handler, case=case))
    running = client.post(URL, {"number": case.number, "secret": secret}).content.decode()
    told = case_public_get(number=case.number, now=timezone.now())
    assert told.clocks
    assert told.events
    assert told.state_display in running
    for clock in told.clocks:
        assert f"<dt>{clock.kind_display}</dt>" in running
    for event in told.events:
        assert event.action_display in running
    case_suspend(
        actor=cast.handler,
        case=case,
        kind=Suspension.Kind.TESTING,
        expected_end=timezone.now() + timedelta(days=2),
        place="化验室",
        citizen_notice="检测期间不计时",
    )
    paused = client.post(URL, {"number": case.number, "secret": secret}).content.decode()
    told = case_public_get(number=case.number, now=timezone.now())
    assert told.clocks
    assert all(clock.due_at is None for clock in told.clocks)
    for clock in told.clocks:  # the API says it is paused; the page promises no moment
        assert f"<dt>{clock.kind_display}</dt>" not in paused
    assert told.state_display in paused
