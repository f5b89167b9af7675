"""Sign-in, sign-out, password change and each role's landing page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accountability.roles import Role
from tests.factories import PASSWORD, StaffFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_it_shows_the_sign_in_page_in_chinese(client: Client) -> None:
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    page = response.content.decode()
    assert '<html lang="zh-hans">' in page
    assert "登录" in page
    assert "用户名" in page


def test_it_speaks_chinese_to_an_english_language_browser(client: Client) -> None:
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    page = response.content.decode()
    assert "登录" in page
    assert "Sign in" not in page
    # The language follows the switch's cookie, never the browser's: caches key on that.
    assert "Cookie" in response["Vary"]
    assert "Accept-Language" not in response["Vary"]


def test_it_offers_english(client: Client) -> None:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    response = client.get(reverse("login"))
    assert response["Content-Language"] == "en"
    page = response.content.decode()
    assert "Sign in" in page
    assert "登录" not in page


def test_it_sends_anonymous_visitors_to_sign_in(client: Client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_refuses_a_wrong_password_with_a_clear_message(client: Client) -> None:
    StaffFactory(user__username="alice")
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


@pytest.mark.parametrize(
    ("roles", "landing"),
    [
        ([Role.FRONT_DESK], "intake:registration"),
        ([Role.HANDLER], "deadlines:my_cases"),
        ([Role.DEPARTMENT_HEAD, Role.HANDLER], "deadlines:department_cases"),
        ([Role.LEADERSHIP], "oversight:dashboard"),
        ([Role.INSPECTION_OFFICE, Role.DEPARTMENT_HEAD], "sanctions:queue"),
    ],
)
def test_it_lands_each_role_on_its_page(client: Client, roles: list[Role], landing: str) -> None:
    StaffFactory(user__username="alice", roles=roles)
    response = client.post(
        reverse("login"), {"username": "alice", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse(landing)
    page = response.content.decode()
    assert 'aria-current="page"' in page


def test_it_tells_a_user_without_a_role_what_to_do(client: Client) -> None:
    UserFactory(username="bob")
    client.login(username="bob", password=PASSWORD)
    page = client.get(reverse("home")).content.decode()
    assert "还没有角色" in page


def test_it_shows_only_the_navigation_of_the_users_roles(client: Client) -> None:
    StaffFactory(user__username="alice", roles=[Role.FRONT_DESK])
    client.login(username="alice", password=PASSWORD)
    page = client.get(reverse("intake:registration")).content.decode()
    assert reverse("intake:registration") in page
    assert reverse("sanctions:queue") not in page


def test_it_signs_out(client: Client) -> None:
    StaffFactory(user__username="alice", roles=[Role.HANDLER])
    client.login(username="alice", password=PASSWORD)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_it_changes_the_password(client: Client) -> None:
    staff = StaffFactory(user__username="alice", roles=[Role.HANDLER])
    client.login(username="alice", password=PASSWORD)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a much better passphrase 2026",
            "new_password2": "a much better passphrase 2026",
        },
    )
    assert response.status_code == 302
    staff.user.refresh_from_db()
    assert staff.user.check_password("a much better passphrase 2026")
