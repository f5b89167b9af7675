"""Issue 21, item 8: failed sign-ins are throttled by account and by address, with a
Chinese message; an administrator with the permission unlocks (audited). The public
status page throttles per address and only slows the per-number path down, so a stranger
cannot lock a case's owner out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from accountability.models import AuditEntry
from accountability.signin import sign_in_unlock
from intake.views.public import MAX_FAILURES, NUMBER_PACE_S
from tests.deadlines.conftest import Cast, cast, open_case
from tests.factories import PASSWORD, StaffFactory

pytestmark = pytest.mark.django_db

__all__ = ["cast"]  # a fixture

LOGIN = reverse("login")
LOCKED = "登录失败次数过多"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def alice() -> Any:
    return StaffFactory(user__username="alice").user


def _sign_in(username: str, password: str, address: str = "10.0.0.1", path: str = LOGIN) -> Any:
    return Client(REMOTE_ADDR=address).post(path, {"username": username, "password": password})


def _signed_in(response: Any) -> bool:
    return response.status_code == 302


def test_it_locks_an_account_after_five_wrong_passwords(settings: Any, alice: Any) -> None:
    assert settings.SIGN_IN_FAILURE_LIMIT == 5
    answers = [_sign_in("alice", "wrong").status_code for _ in range(5)]
    assert answers == [200, 200, 200, 200, 429]
    # Locked: even the right password is refused, with the reason, in Chinese.
    refused = _sign_in("alice", PASSWORD)
    assert refused.status_code == 429
    assert LOCKED in refused.content.decode()
    assert "15 分钟" in refused.content.decode()
    assert refused["Retry-After"] == str(15 * 60)


def test_it_locks_an_account_whatever_address_the_guesses_come_from(alice: Any) -> None:
    for n in range(5):
        _sign_in("alice", "wrong", address=f"10.0.1.{n}")
    assert _sign_in("alice", PASSWORD, address="10.0.2.1").status_code == 429


def test_it_locks_an_address_whatever_accounts_it_tries(alice: Any) -> None:
    for n in range(5):
        _sign_in(f"someone{n}", "wrong", address="10.0.3.1")
    assert _sign_in("alice", PASSWORD, address="10.0.3.1").status_code == 429
    assert _signed_in(_sign_in("alice", PASSWORD, address="10.0.3.2"))


def test_it_throttles_the_admin_sign_in_too(alice: Any) -> None:
    admin_login = reverse("admin:login")
    for _ in range(5):
        _sign_in("alice", "wrong", path=admin_login)
    refused = _sign_in("alice", PASSWORD, path=admin_login)
    assert refused.status_code == 429
    assert LOCKED in refused.content.decode()


def test_it_lets_the_account_in_again_once_the_lock_time_has_passed(
    alice: Any, frozen: time_machine.Traveller
) -> None:
    for _ in range(5):
        _sign_in("alice", "wrong")
    assert _sign_in("alice", PASSWORD).status_code == 429
    frozen.shift(timedelta(minutes=16))
    assert _signed_in(_sign_in("alice", PASSWORD))


def _admin(username: str = "root") -> Any:
    return get_user_model().objects.create_superuser(username, f"{username}@example.com", "x")


def _unlock(user: Any, action: str, *rows: AccessAttempt) -> Any:
    client = Client()
    client.force_login(user)
    return client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": action, "_selected_action": [row.pk for row in rows]},
    )


def test_an_administrator_unlocks_an_account_and_it_is_audited(alice: Any) -> None:
    for n in range(5):
        _sign_in("alice", "wrong", address=f"10.0.4.{n}")
    assert _sign_in("alice", PASSWORD).status_code == 429
    root = _admin()
    listed = Client()
    listed.force_login(root)
    page = listed.get(reverse("admin:axes_accessattempt_changelist")).content.decode()
    assert "登录失败记录" in page
    assert "解除所选记录中账户的登录锁定" in page

    addresses = AccessAttempt.objects.filter(username="alice").count()
    assert addresses == 6  # the five guessing addresses and the owner's
    response = _unlock(root, "unlock_accounts", AccessAttempt.objects.first())
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="alice").exists()
    entries = AuditEntry.objects.filter(action="sign_in.unlock")
    assert entries.count() == addresses  # one per record forgotten
    entry = entries.first()
    assert entry is not None
    assert entry.actor == root
    assert entry.before is not None
    assert entry.before["username"] == "alice"
    assert _signed_in(_sign_in("alice", PASSWORD))


def test_an_administrator_unlocks_an_address(alice: Any) -> None:
    for n in range(5):
        _sign_in(f"someone{n}", "wrong", address="10.0.5.1")
    row = AccessAttempt.objects.first()
    assert row is not None
    _unlock(_admin(), "unlock_addresses", row)
    assert not AccessAttempt.objects.filter(ip_address="10.0.5.1").exists()
    assert AuditEntry.objects.filter(action="sign_in.unlock").count() == 5
    assert _signed_in(_sign_in("alice", PASSWORD, address="10.0.5.1"))


def test_only_who_holds_the_permission_may_unlock(alice: Any) -> None:
    for _ in range(5):
        _sign_in("alice", "wrong")
    clerk = StaffFactory(user__username="clerk").user
    clerk.is_staff = True
    clerk.save()
    clerk.user_permissions.add(Permission.objects.get(codename="view_accessattempt"))
    with pytest.raises(PermissionDenied):
        sign_in_unlock(actor=clerk, username="alice")
    response = _unlock(clerk, "unlock_accounts", *AccessAttempt.objects.all())
    assert response.status_code == 200  # the action is not offered: nothing done
    assert AccessAttempt.objects.filter(username="alice").exists()
    assert not AuditEntry.objects.filter(action="sign_in.unlock").exists()
    clerk.user_permissions.add(Permission.objects.get(codename="delete_accessattempt"))
    clerk = get_user_model().objects.get(pk=clerk.pk)  # permissions read afresh
    assert sign_in_unlock(actor=clerk, username="alice") == 1


# -- the public status page ---------------------------------------------------------------------

STATUS = reverse("intake:public_status")


@pytest.fixture
def in_process_cache(settings: Any) -> None:
    """Counters that follow the frozen clock (Redis expires keys by its own)."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    caches["default"].clear()  # in-process caches outlive a test


def _look_up(address: str, number: str, secret: str) -> Any:
    return Client(REMOTE_ADDR=address).post(STATUS, {"number": number, "secret": secret})


def test_strangers_guessing_do_not_lock_the_owner_out(cast: Cast, in_process_cache: None) -> None:
    case = open_case(cast)
    for n in range(3 * MAX_FAILURES):
        _look_up(f"10.1.0.{n}", case.number, "AAAA-AAAA")
    # The owner, from their own address, is answered at once.
    assert _look_up("10.9.9.9", case.number, case.lookup_secret).status_code == 200


def test_an_address_that_guesses_too_often_is_refused_every_number(
    cast: Cast, in_process_cache: None
) -> None:
    case, other = open_case(cast), open_case(cast)
    for _ in range(MAX_FAILURES):
        assert _look_up("10.1.1.1", case.number, "AAAA-AAAA").status_code == 404
    refused = _look_up("10.1.1.1", other.number, other.lookup_secret)
    assert refused.status_code == 429
    assert "尝试次数过多" in refused.content.decode()


def test_a_much_guessed_number_is_slowed_down_per_address(
    cast: Cast, in_process_cache: None, frozen: time_machine.Traveller
) -> None:
    case = open_case(cast)
    for n in range(MAX_FAILURES):
        _look_up(f"10.2.0.{n}", case.number, "AAAA-AAAA")
    # One try at once; the next from the same address waits its turn.
    assert _look_up("10.2.1.1", case.number, "BBBB-BBBB").status_code == 404
    slowed = _look_up("10.2.1.1", case.number, case.lookup_secret)
    assert slowed.status_code == 429
    assert slowed["Retry-After"] == str(NUMBER_PACE_S)
    assert "请等一分钟后再试" in slowed.content.decode()
    frozen.shift(timedelta(seconds=NUMBER_PACE_S + 1))
    assert _look_up("10.2.1.1", case.number, case.lookup_secret).status_code == 200


def test_it_counts_the_address_behind_trusted_proxies(
    cast: Cast, in_process_cache: None, settings: Any
) -> None:
    """Behind one proxy, each citizen is their own address, not the proxy's; what the
    client put further left in X-Forwarded-For is not believed."""
    settings.TRUSTED_PROXIES = 1
    case = open_case(cast)

    def via_proxy(client_address: str, forged: str = "") -> Any:
        forwarded = f"{forged}, {client_address}" if forged else client_address
        return Client(REMOTE_ADDR="172.16.0.1", HTTP_X_FORWARDED_FOR=forwarded).post(
            STATUS, {"number": case.number, "secret": "AAAA-AAAA"}
        )

    for n in range(MAX_FAILURES):
        assert via_proxy("203.0.113.7", forged=f"198.51.100.{n}").status_code == 404
    assert via_proxy("203.0.113.7").status_code == 429
    assert via_proxy("203.0.113.8").status_code == 404  # another citizen behind the proxy
