"""The back-office screens: every sanctions table visible, none writable."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.test import Client
from django.urls import reverse

from sanctions.models import (
    AggregateFiring,
    DecisionEvent,
    Rule,
    RulebookVersion,
    SanctionDecision,
    SanctionNotification,
    Violation,
    ViolationEvent,
    ViolationType,
)
from sanctions.services import rulebook_current
from tests.factories import PASSWORD, UserFactory
from tests.sanctions.conftest import SanctionsCast, at, confirmed_finding, decide

pytestmark = pytest.mark.django_db

MODELS = [
    ViolationType,
    Violation,
    ViolationEvent,
    RulebookVersion,
    Rule,
    SanctionDecision,
    DecisionEvent,
    AggregateFiring,
    SanctionNotification,
]


def test_the_admin_shows_the_record_and_the_rulebook_read_only(sc: SanctionsCast) -> None:
    violation = confirmed_finding(sc, "breach-overdue", sc.handler, at(2026, 3, 2, 10))
    decision = decide(sc, violation, at(2026, 3, 3, 10))
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    assert client.login(username=admin.username, password=PASSWORD)
    for model in MODELS:
        name = f"admin:sanctions_{model._meta.model_name}"
        assert client.get(reverse(f"{name}_changelist")).status_code == 200
        model_admin = site._registry[model]
        request = client.get(reverse(f"{name}_changelist")).wsgi_request
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_delete_permission(request)
    for model, pk in (
        (Violation, violation.pk),
        (SanctionDecision, decision.pk),
        (RulebookVersion, rulebook_current().pk),
    ):
        page = client.get(reverse(f"admin:sanctions_{model._meta.model_name}_change", args=[pk]))
        assert page.status_code == 200
    rulebook = client.get(
        reverse("admin:sanctions_rulebookversion_change", args=[rulebook_current().pk])
    ).content.decode()
    # The rules and their regulations are shown as 《title》article, never as a code.
    assert "《济南水务集团损害营商环境行为追责问责办法》第十二条" in rulebook
    assert "seed" not in rulebook.lower()
