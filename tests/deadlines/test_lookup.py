"""The receipt's lookup secret: only a keyed digest is stored, and a new one retires the old."""

from __future__ import annotations

import pytest

from deadlines import lookup
from deadlines.models import Case, CaseEvent
from deadlines.services.cases import case_new_lookup_secret
from tests.deadlines.conftest import Cast, open_case

pytestmark = pytest.mark.django_db


def test_it_gives_the_receipt_a_secret_and_keeps_only_its_digest(cast: Cast) -> None:
    case = open_case(cast)
    secret = case.lookup_secret
    assert len(lookup.normalise(secret)) == lookup.LENGTH
    stored = Case.objects.get(pk=case.pk)
    assert stored.lookup_secret == ""
    assert secret not in stored.lookup_digest
    assert lookup.matches(case.number, secret, stored.lookup_digest)
    # Typed by hand: lower case, no dash, spaces.
    assert lookup.matches(case.number, f" {secret.lower().replace('-', '')} ", stored.lookup_digest)
    assert not lookup.matches(case.number, "AAAA-AAAA", stored.lookup_digest)
    other = open_case(cast)
    assert not lookup.matches(other.number, secret, stored.lookup_digest)


def test_a_new_secret_retires_the_old_one(cast: Cast) -> None:
    case = open_case(cast)
    old = case.lookup_secret
    new = case_new_lookup_secret(actor=cast.desk, case=case)
    case.refresh_from_db()
    assert lookup.matches(case.number, new, case.lookup_digest)
    assert not lookup.matches(case.number, old, case.lookup_digest)
    assert CaseEvent.objects.filter(case=case, action="new_lookup_secret").count() == 1


def test_secrets_avoid_characters_that_are_misread_on_paper() -> None:
    secrets = {lookup.new_secret() for _ in range(200)}
    assert len(secrets) == 200
    assert not any(ch in s for s in secrets for ch in "0O1IL")
