"""The action framework every app's staff pages share.

An action names the service it calls and the form it posts; whether a page offers it
comes from the object's state machine (``has_transition_perm`` on the transition it
fires) and the rules (``may`` on its permission), never from a list of states in a view.
One runner takes a posted form to the service: invalid entries, a refusal or a
conflict re-show the page with the form as the user filled it in and the reason; success
says so and redirects.

A view keeps what is its own: fetching and guarding the object, rendering the page
(``reshow``) and where success leads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django_fsm import has_transition_perm
from rules import Predicate

from accountability.rules import may

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def no_arguments(data: Mapping[str, Any]) -> dict[str, Any]:
    return {}


def fields(*names: str) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
    """The service's keywords are the form's fields of the same names."""
    return lambda data: {name: data[name] for name in names}


@dataclass(frozen=True)
class Action:
    """One thing a person may do to an object from its page.

    Offered when every condition given holds: the object's FSM ``transition`` may fire
    for the user (its source state, conditions and permission), the rules grant
    ``perm`` on the object, and ``applies`` holds of the user and the object: a rules
    predicate from the app's rules.py for what neither says (a model property, a
    selector), or any callable ``(user, obj) -> bool``."""

    name: str
    label: str | Promise
    service: Callable[..., Any]
    form: type[forms.Form]
    done: str | Promise
    arguments: Callable[[Mapping[str, Any]], dict[str, Any]] = no_arguments
    transition: str = ""
    perm: str = ""
    applies: Predicate | Callable[[User | AnonymousUser, Any], bool] | None = None
    # What a blank form starts from, read off the object (the figures it changes).
    initial: Callable[[Any], dict[str, Any]] | None = None

    def available(self, user: User | AnonymousUser, obj: Any) -> bool:
        # The object's own condition first: when it fails, the rules (which may query)
        # are not asked.
        if self.applies is not None and not _holds(self.applies, user, obj):
            return False
        if self.transition and not has_transition_perm(getattr(obj, self.transition), user):
            return False
        return not self.perm or may(user, self.perm, obj)

    def permitted(self, user: User | AnonymousUser, obj: Any) -> bool:
        """Whether the rules let the user do this to the object at all, whatever its
        state: a page that refuses a post outright asks this before the form."""
        return not self.perm or may(user, self.perm, obj)


def _holds(
    condition: Predicate | Callable[[User | AnonymousUser, Any], bool],
    user: User | AnonymousUser,
    obj: Any,
) -> bool:
    """A predicate is asked as the rules ask it (``test``: whatever arguments it takes,
    in its own invocation context); a plain callable is called."""
    if isinstance(condition, Predicate):
        return condition.test(user, obj)
    return bool(condition(user, obj))


def ids_by_name(action: Action, obj: Any) -> dict[str, Any]:
    """Element ids unique on a page that carries a form per action."""
    return {"auto_id": f"id_{action.name}_%s"}


# (the action, its form, whether it is the one posted and shown open)
Offer = tuple[Action, forms.Form, bool]


@dataclass(frozen=True)
class Actions:
    """The actions one kind of object offers, by name.

    ``target`` is the service's keyword for the object (``case``, ``violation``...);
    ``form_kwargs`` what each form is built with besides the posted data; ``conflicts``
    the services' "someone acted first" errors, shown as a message above the page."""

    target: str
    actions: tuple[Action, ...]
    form_kwargs: Callable[[Action, Any], dict[str, Any]] = ids_by_name
    conflicts: tuple[type[Exception], ...] = ()
    by_name: dict[str, Action] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {action.name: action for action in self.actions})

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_name)

    def __getitem__(self, name: str) -> Action:
        return self.by_name[name]

    def get(self, name: str) -> Action:
        """The action of this name, or a page not found."""
        try:
            return self.by_name[name]
        except KeyError:
            raise Http404(_("No such action.")) from None

    def form(self, action: Action, obj: Any, data: Any = None) -> forms.Form:
        kwargs = self.form_kwargs(action, obj)
        if data is None and action.initial is not None:
            kwargs["initial"] = {**kwargs.get("initial", {}), **action.initial(obj)}
        return action.form(data, **kwargs)

    def offers(
        self, user: User | AnonymousUser, obj: Any, *, bound: tuple[str, forms.Form] | None = None
    ) -> list[Offer]:
        """The actions the user may take on the object, each with its blank form; the
        posted one (``bound``) keeps the user's entries and is shown open."""
        shown: list[Offer] = []
        for action in self.actions:
            if bound is not None and bound[0] == action.name:
                shown.append((action, bound[1], True))
            elif action.available(user, obj):
                shown.append((action, self.form(action, obj), False))
        return shown

    def run(
        self,
        request: HttpRequest,
        action: Action,
        obj: Any,
        form: forms.Form,
        *,
        reshow: Callable[[int, bool], HttpResponse],
        success: str,
    ) -> HttpResponse:
        """Validate the posted form and call the action's service with the actor, the
        object and the form's entries. ``reshow(status, fresh)`` renders the page again
        with the form as posted, the object read afresh when the service was called (it
        may have touched the object in memory); ``success`` is where a success leads."""
        if not form.is_valid():
            return reshow(400, False)
        if "version" in form.cleaned_data:
            # The version the user looked at: the service refuses if it moved since.
            obj.version = form.cleaned_data["version"]
        try:
            action.service(
                actor=request.user, **{self.target: obj}, **action.arguments(form.cleaned_data)
            )
        except self.conflicts as conflict:
            messages.error(request, str(conflict))
            return reshow(409, True)
        except PermissionDenied as refusal:
            form.add_error(None, str(refusal) or _("You are not allowed to do this."))
            return reshow(403, True)
        except ValidationError as error:
            add_errors(form, error)
            return reshow(400, True)
        messages.success(request, str(action.done))
        return redirect(success)


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's message goes to the field it names, or above the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)
