"""The action framework every staff page shares (accountability.actions): what a page
offers comes from the state machine and the rules, and one runner takes a posted form to
the service, showing a refusal, a conflict or invalid entries on the form."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import rules
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.test import RequestFactory

from accountability.actions import Action, Actions, fields
from sanctions.models import Violation, ViolationState

PERM = "tests.act_on_violation"


class Conflict(Exception):
    pass


class NoteForm(forms.Form):
    note = forms.CharField()


@pytest.fixture
def granted() -> Iterator[set[int]]:
    """A rules permission granted to the users whose ids the test puts in the set."""
    ids: set[int] = set()
    rules.add_perm(PERM, rules.predicate(lambda user, obj: user.pk in ids))
    yield ids
    rules.remove_perm(PERM)


def _user(pk: int) -> Any:
    return SimpleNamespace(pk=pk, is_active=True)


def _violation(state: str) -> Violation:
    return Violation(state=state)


def _set(service: Any) -> Actions:
    return Actions(
        target="violation",
        conflicts=(Conflict,),
        actions=(
            Action(
                "review",
                "Take up",
                service,
                NoteForm,
                "Taken up.",
                fields("note"),
                transition="start_review",
                perm=PERM,
            ),
        ),
    )


def test_it_offers_what_the_state_machine_and_the_rules_allow(granted: set[int]) -> None:
    actions = _set(lambda **kw: None)
    granted.add(1)
    assert [a.name for a, _, _ in actions.offers(_user(1), _violation(ViolationState.RAISED))] == [
        "review"
    ]
    # The transition cannot fire from this state, or the rules say no.
    assert actions.offers(_user(1), _violation(ViolationState.CONFIRMED)) == []
    assert actions.offers(_user(2), _violation(ViolationState.RAISED)) == []


def test_it_shows_the_posted_form_open_with_the_entries() -> None:
    actions = _set(lambda **kw: None)
    posted = NoteForm({"note": "x"})
    [(action, form, is_open)] = actions.offers(
        _user(2), _violation(ViolationState.CONFIRMED), bound=("review", posted)
    )
    assert (action.name, form, is_open) == ("review", posted, True)


def test_an_unknown_action_is_not_found() -> None:
    with pytest.raises(Http404):
        _set(lambda **kw: None).get("nonsense")


def _post(actions: Actions, data: dict[str, str]) -> tuple[HttpRequest, HttpResponse, Any]:
    request = RequestFactory().post("/", data)
    request.session = SessionBase()
    request.user = _user(1)
    request._messages = FallbackStorage(request)  # type: ignore[attr-defined]
    violation = _violation(ViolationState.RAISED)
    action = actions.get("review")
    form = actions.form(action, violation, request.POST)
    shown: dict[str, Any] = {}

    def reshow(status: int, fresh: bool) -> HttpResponse:
        shown.update(status=status, fresh=fresh)
        return HttpResponse(status=status)

    response = actions.run(request, action, violation, form, reshow=reshow, success="/done/")
    return request, response, (form, shown)


def test_it_calls_the_service_with_the_actor_the_object_and_the_entries() -> None:
    calls: list[dict[str, Any]] = []
    request, response, _ = _post(_set(lambda **kw: calls.append(kw)), {"note": "seen"})
    assert response.status_code == 302
    assert response["Location"] == "/done/"
    [call] = calls
    assert call["actor"] is request.user
    assert call["violation"].state == ViolationState.RAISED
    assert call["note"] == "seen"
    assert [str(m) for m in get_messages(request)] == ["Taken up."]


def test_invalid_entries_reshow_the_page_without_calling_the_service() -> None:
    calls: list[Any] = []
    _, response, (form, shown) = _post(_set(lambda **kw: calls.append(kw)), {})
    assert response.status_code == 400
    assert shown == {"status": 400, "fresh": False}
    assert "note" in form.errors
    assert calls == []


@pytest.mark.parametrize(
    ("error", "status", "field", "message"),
    [
        (ValidationError({"note": "Say more."}), 400, "note", "Say more."),
        (ValidationError("Not now."), 400, "__all__", "Not now."),
        (PermissionDenied("Not you."), 403, "__all__", "Not you."),
    ],
)
def test_a_refusal_shows_on_the_form(
    error: Exception, status: int, field: str, message: str
) -> None:
    def service(**kw: Any) -> None:
        raise error

    _, response, (form, shown) = _post(_set(service), {"note": "seen"})
    assert response.status_code == status
    assert shown == {"status": status, "fresh": True}
    assert form.errors == {field: [message]}


def test_a_conflict_says_so_above_the_page() -> None:
    def service(**kw: Any) -> None:
        raise Conflict("Someone acted first.")

    request, response, (form, shown) = _post(_set(service), {"note": "seen"})
    assert response.status_code == 409
    assert shown == {"status": 409, "fresh": True}
    assert [str(m) for m in get_messages(request)] == ["Someone acted first."]
    assert not form.errors


def _guarded(applies: Any) -> Action:
    return Action(
        "note",
        "Note",
        lambda **kw: None,
        NoteForm,
        "Noted.",
        perm=PERM,
        applies=applies,
    )


def test_it_offers_an_action_only_where_its_condition_holds(granted: set[int]) -> None:
    granted.add(1)
    raised = rules.predicate(lambda user, violation: violation.state == ViolationState.RAISED)
    # A rules predicate is asked as the rules ask it, whatever arguments it takes; a plain
    # callable (user, obj) is called.
    for applies in (
        raised,
        lambda user, violation: violation.state == ViolationState.RAISED,
    ):
        action = _guarded(applies)
        assert action.available(_user(1), _violation(ViolationState.RAISED))
        assert not action.available(_user(1), _violation(ViolationState.CONFIRMED))
        assert not action.available(_user(2), _violation(ViolationState.RAISED))
    signed_in = rules.predicate(lambda user: user.pk is not None)
    assert _guarded(signed_in).available(_user(1), _violation(ViolationState.CONFIRMED))
    assert _guarded(~signed_in).available(_user(1), _violation(ViolationState.RAISED)) is False
