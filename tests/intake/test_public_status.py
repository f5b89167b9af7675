"""The public status page: number plus receipt secret, no sign-in, no staff details."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from deadlines.services.cases import case_accept, case_assign, case_transfer
from intake.views_public import MAX_FAILURES
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
