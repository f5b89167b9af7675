"""A case as a staff page opens it: found by its number, or 404; allowed by the page's
permission, or 403 in the user's language; and, on every page of a case's paperwork and
every action on it, never opened by a person the complaint is about (recusal, seed 002
附件10 §5–6). Every app's case pages come here, so the three checks read the same
everywhere."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accountability.rules import may
from deadlines.models import Case
from deadlines.rules import is_case_accused

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

VIEW_CASE = "deadlines.view_case"


def refuse_the_accused(user: User | AnonymousUser, case: Case) -> None:
    """A person a complaint is about opens nothing of its paperwork and does nothing on
    it, whatever their role."""
    if is_case_accused(user, case):
        raise PermissionDenied(
            _(
                "You are named in the complaint on case %(number)s, so you cannot open or "
                "act on its papers (recusal)."
            )
            % {"number": case.number}
        )


def case_access_check(
    *, user: User | AnonymousUser, perm: str, case: Case, recuse: bool = True
) -> None:
    """Raise PermissionDenied unless `user` has `perm` on `case` and, with `recuse`, is
    not named in its complaint. The message says what was refused: seeing the case, or
    doing what `perm` names."""
    if not may(user, perm, case):
        if perm == VIEW_CASE:
            raise PermissionDenied(_("This case is not one you may see."))
        raise PermissionDenied(_("You are not allowed to do this."))
    if recuse:
        refuse_the_accused(user, case)


def case_get_for(
    *,
    user: User | AnonymousUser,
    number: str,
    perm: str,
    queryset: QuerySet[Case] | None = None,
    recuse: bool = True,
) -> Case:
    """The case numbered `number` from `queryset` (what the page loads with it; by default
    its department and the staff its complaint names, which the checks read), checked
    as case_access_check says. Raises Http404 when no case has the number.

    The case page itself passes ``recuse=False``: a person complained about sees the
    case (without the complainant, deadlines.rules.may_see_complainant) and no action,
    each action's permission refusing them."""
    cases = queryset if queryset is not None else case_default_load()
    try:
        case = cases.get(number=number)
    except Case.DoesNotExist:
        raise Http404(_("No case has this number.")) from None
    case_access_check(user=user, perm=perm, case=case, recuse=recuse)
    return case


def case_default_load() -> QuerySet[Case]:
    """What case_get_for reads with a case unless told: the department (which most
    permissions ask about) and the staff the complaint names (recusal)."""
    return Case.objects.select_related("department").prefetch_related("accused")
