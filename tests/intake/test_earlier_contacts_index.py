"""A citizen's earlier contacts are read from the phone and account indexes, latest first
(issue 24, line 2): the registration page asks as the clerk types, so a lookup must touch
the citizen's cases only, not every case."""

from __future__ import annotations

import re

import pytest
from django.db import connection

from intake.selectors.registration import earlier_contacts_query
from tests.deadlines.conftest import Cast, open_case

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

PHONE = "13911112222"
ACCOUNT = "WA-00012345"


def _plan(phone: str = "", account: str = "") -> str:
    query = earlier_contacts_query(phone=phone, account=account)[:10]
    with connection.cursor() as cursor:
        # A table this small is cheaper to read whole; forbid that to see the index serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def contacts(cast: Cast) -> None:
    for n in range(3):
        open_case(cast, citizen_phone=PHONE, citizen_account=ACCOUNT, subject=f"第{n}次")
        open_case(cast, citizen_phone=f"1380000000{n}", citizen_account=f"WA-0000000{n}")


def test_a_phone_is_looked_up_latest_first_in_its_index_without_a_sort(contacts: None) -> None:
    plan = _plan(phone=PHONE)
    assert "case_citizen_phone_latest" in plan, plan
    # The index holds the phone's cases in "latest first" order: nothing to sort.
    assert "Sort" not in plan, plan


def test_an_account_is_looked_up_latest_first_in_its_index_without_a_sort(
    contacts: None,
) -> None:
    plan = _plan(account=ACCOUNT)
    assert "case_citizen_account_latest" in plan, plan
    assert "Sort" not in plan, plan


def test_a_phone_and_an_account_read_both_indexes(contacts: None) -> None:
    plan = _plan(phone=PHONE, account=ACCOUNT)
    # Either phone index and either account index serves (the latest-first ones or
    # migration 0015's prefix ones: which is cheaper follows the table's statistics),
    # and no part of the table is read whole.
    assert re.search(r"case_citizen_phone_(latest|prefix)", plan), plan
    assert re.search(r"case_citizen_account_(latest|prefix)", plan), plan
    assert "Seq Scan" not in plan, plan
