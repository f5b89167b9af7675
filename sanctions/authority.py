"""Who decides a sanction (DOMAIN §1; seed 000 §11(4), §13; seed 004 告诫程序 1–3, 失职追究):
the one place that maps each sanction kind to its deciding authority and names the people
who may decide a proposed decision.

- oral and written warnings (效能告诫): the efficiency leading group (效能建设领导小组);
  any member decides (审定). The written notice is signed by its principal leader.
- criticism and education, order to correct, written self-criticism, public apology,
  circulated criticism, admonishment talk: the head of the inspection office, that is
  the inspection-office member who heads their own department (监察室主任).
- organisational handling, dismissal (解除劳动合同), pay cut, bonus stopped: leadership
  within cadre-management authority (干部管理权限): the leader who supervises the person's
  unit (Department.leader()); for a department head (a middle-level cadre) or a leader,
  the group's leadership, that is the leading group's principal leader. A unit with no
  supervising leader goes to the principal leader too.
- party or state discipline (警告、严重警告、记过、记大过) and referral: referred out; the
  portal records the referral and its outcome and approves nothing. A decision with any
  of these kinds is referred as a whole.

A decision whose kinds need several authorities is decided by the highest of them:
leadership, then the leading group, then the inspection office head (a higher body may
decide what a lower one could).

Nobody decides a matter they proposed or are named in (maker-checker and recusal, also
database constraints). When the designated decider is so excluded, the decision goes one
step up: the inspection office head's to the leader who supervises the inspection office,
a supervising leader's to the principal leader. Award ineligibility follows from
decisions (rules 11, 12); proposed on its own against a unit and its head (rule 16), it
is decided by leadership like other organisational handling.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accountability.models import Department, LeadingGroup
from accountability.roles import Role
from sanctions.models.kinds import SanctionKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


class Authority:
    INSPECTION_HEAD: Final = "inspection_head"
    LEADING_GROUP: Final = "leading_group"
    LEADERSHIP: Final = "leadership"
    REFERRED: Final = "referred"


A = Authority
K = SanctionKind

AUTHORITY: Final[dict[str, str]] = {
    **dict.fromkeys((K.ORAL_WARNING, K.WRITTEN_WARNING), A.LEADING_GROUP),
    **dict.fromkeys(
        (
            K.CRITICISM_EDUCATION,
            K.ORDER_TO_CORRECT,
            K.WRITTEN_SELF_CRITICISM,
            K.PUBLIC_APOLOGY,
            K.CIRCULATED_CRITICISM,
            K.ADMONISHMENT_TALK,
        ),
        A.INSPECTION_HEAD,
    ),
    **dict.fromkeys(
        (
            K.SUSPENSION_FROM_POST,
            K.STUDY_LEAVE,
            K.REASSIGNMENT,
            K.SUSPENSION_FOR_INVESTIGATION,
            K.DEMOTION,
            K.REMOVAL,
            K.RESIGNATION_ORDERED,
            K.DISMISSAL,
            K.PAY_CUT,
            K.BONUS_STOPPED,
        ),
        A.LEADERSHIP,
    ),
    **dict.fromkeys(
        (K.DISCIPLINARY_WARNING, K.SERIOUS_WARNING, K.DEMERIT, K.MAJOR_DEMERIT, K.REFERRAL),
        A.REFERRED,
    ),
    # A consequence of rules 11 and 12, and what rule 16 proposes on its own for a unit
    # and its head (一票否决): a measure against a unit is decided by the leader who
    # supervises it, as organisational handling is.
    K.AWARD_INELIGIBILITY: A.LEADERSHIP,
}
# Highest first: a decision is decided by the highest authority its kinds need.
RANK: Final = (A.REFERRED, A.LEADERSHIP, A.LEADING_GROUP, A.INSPECTION_HEAD)

AUTHORITY_LABELS: Final = {
    A.INSPECTION_HEAD: gettext_lazy("the head of the inspection office"),
    A.LEADING_GROUP: gettext_lazy("the efficiency leading group"),
    A.LEADERSHIP: gettext_lazy("leadership within cadre-management authority"),
    A.REFERRED: gettext_lazy("referred out"),
}


def authority_for(kinds: list[str] | tuple[str, ...]) -> str | None:
    """The authority that decides these kinds together; None for none."""
    needed = {AUTHORITY[kind] for kind in kinds if kind in AUTHORITY}
    return next((authority for authority in RANK if authority in needed), None)


@dataclass
class DecidingContext:
    """What naming deciders needs, read once: the leading group, the departments (for
    heads and supervising leaders), the inspection office heads and the leaders. A page
    that asks about many decisions loads it once (a fixed number of queries)."""

    group: LeadingGroup | None
    member_ids: tuple[int, ...]
    departments: dict[int, Department]
    head_ids: frozenset[int]
    inspection_head_ids: tuple[int, ...]
    leader_ids: frozenset[int]
    names: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> DecidingContext:
        User = get_user_model()
        group = LeadingGroup.objects.order_by("pk").first()
        members: tuple[int, ...] = ()
        if group is not None:
            ids = list(
                group.members.filter(is_active=True)
                .order_by("username")
                .values_list("pk", flat=True)
            )
            principal = group.principal_leader_id
            members = tuple(sorted(ids, key=lambda pk: (pk != principal, ids.index(pk))))
        departments = {
            d.pk: d
            for d in Department.objects.only("pk", "parent_id", "head_id", "supervising_leader_id")
        }
        inspection_heads = tuple(
            User.objects.filter(
                is_active=True,
                groups__name=Role.INSPECTION_OFFICE.value,
                staff__department__head=F("pk"),
            )
            .order_by("username")
            .values_list("pk", flat=True)
        )
        leaders = frozenset(
            User.objects.filter(groups__name=Role.LEADERSHIP.value).values_list("pk", flat=True)
        )
        return cls(
            group=group,
            member_ids=members,
            departments=departments,
            head_ids=frozenset(d.head_id for d in departments.values() if d.head_id),
            inspection_head_ids=inspection_heads,
            leader_ids=leaders,
        )

    @property
    def principal_id(self) -> int | None:
        return self.group.principal_leader_id if self.group is not None else None

    def leader_of(self, department_id: int | None) -> int | None:
        """Department.leader() from the loaded tree: the nearest supervising leader."""
        seen: set[int] = set()
        while department_id is not None and department_id not in seen:
            seen.add(department_id)
            department = self.departments.get(department_id)
            if department is None:
                return None
            if department.supervising_leader_id is not None:
                return department.supervising_leader_id
            department_id = department.parent_id
        return None

    def office_department_of(self, user_id: int) -> int | None:
        return next((d.pk for d in self.departments.values() if d.head_id == user_id), None)


@dataclass(frozen=True)
class Deciders:
    """Who may decide a proposed decision now (ids, the first the designated one) and
    under which authority; empty for a referred decision or when everyone is excluded."""

    authority: str | None
    ids: tuple[int, ...]


def _person_unit(decision: Any) -> int | None:
    """The person's own unit (their staff department), else the violation's department."""
    try:
        profile = decision.person.staff
    except ObjectDoesNotExist:  # no staff profile
        profile = None
    return profile.department_id if profile is not None else decision.department_id


def _excluded(decision: Any) -> frozenset[int]:
    from sanctions.rules import accused_ids  # the rules import this module

    ids = set(accused_ids(decision.violation))
    ids.update({decision.person_id, decision.proposed_by_id})
    return frozenset(ids)


def _first_free(candidates: list[int | None], excluded: frozenset[int]) -> tuple[int, ...]:
    for candidate in candidates:
        if candidate is not None and candidate not in excluded:
            return (candidate,)
    return ()


def decider_ids(decision: Any, context: DecidingContext | None = None) -> Deciders:
    """The people who may decide `decision` under the authority its chosen kinds need."""
    authority = authority_for(decision.chosen_kinds)
    if authority is None or authority == A.REFERRED:
        return Deciders(authority, ())
    context = context or context_for(decision)
    excluded = _excluded(decision)
    if authority == A.LEADING_GROUP:
        return Deciders(authority, tuple(pk for pk in context.member_ids if pk not in excluded))
    if authority == A.INSPECTION_HEAD:
        heads = [pk for pk in context.inspection_head_ids if pk not in excluded]
        if heads:
            return Deciders(authority, tuple(heads))
        # The office head is recused: the leader who supervises the office decides.
        offices = [context.office_department_of(pk) for pk in context.inspection_head_ids]
        leaders = [context.leader_of(office) for office in offices]
        return Deciders(authority, _first_free([*leaders, context.principal_id], excluded))
    person = decision.person_id
    if person in context.head_ids or person in context.leader_ids:
        candidates = [context.principal_id]
    else:
        candidates = [context.leader_of(_person_unit(decision)), context.principal_id]
    return Deciders(authority, _first_free(candidates, excluded))


def context_for(decision: Any) -> DecidingContext:
    """The context, kept on the decision object: a page asks several times."""
    context = getattr(decision, "_deciding_context", None)
    if context is None:
        context = DecidingContext.load()
        decision._deciding_context = context
    return context


def deciders_for(decision: Any) -> list[User]:
    """The users who may decide `decision` now, the designated one first."""
    ids = decider_ids(decision).ids
    users = get_user_model().objects.in_bulk(ids)
    return [users[pk] for pk in ids if pk in users]


def may_decide(user: User | AnonymousUser, decision: Any) -> bool:
    """The user may approve or refuse the proposed decision."""
    if decision is None or user is None or not user.is_authenticated:
        return False
    return user.pk in decider_ids(decision).ids


def who_decides(decision: Any) -> str:
    """The refusal message for anyone else: who decides this decision (in Chinese by
    default, e.g. 此处理由效能建设领导小组审定。)."""
    deciders = decider_ids(decision)
    authority = deciders.authority
    if authority == A.REFERRED:
        return _(
            "This sanction is referred to the discipline inspection body or the judiciary: "
            "the portal records the referral and its outcome and approves nothing."
        )
    if authority is None:
        return _("Choose the sanctions first.")
    if not deciders.ids:
        return _(
            "Nobody can decide this sanction now: everyone who could proposed it or is "
            "named in it. Ask the administrator to complete the deciding body."
        )
    if authority == A.LEADING_GROUP:
        return _("This sanction is decided by the efficiency leading group.")
    names = "、".join(_name(user) for user in deciders_for(decision))
    if authority == A.INSPECTION_HEAD:
        return _("This sanction is decided by the head of the inspection office (%(who)s).") % {
            "who": names
        }
    return _(
        "This sanction is decided by leadership within cadre-management authority (%(who)s)."
    ) % {"who": names}


def _name(user: User) -> str:
    return str(user.get_full_name() or user.get_username())


def principal_leader() -> User | None:
    """The leading group's principal leader, who signs written warning notices; None
    until the group is named."""
    group = LeadingGroup.objects.select_related("principal_leader").order_by("pk").first()
    return group.principal_leader if group is not None else None
