"""Who may do what at the front desk. One predicate per permission, shared by the
services, the pages and the admin (loaded by rules' autodiscovery).

The case's department and its head are read from the case, so callers load the case
with ``select_related("department")`` where they can. The appointment predicates read
``appointment.routed_to.staff.department``, so callers load appointments with
``select_related("routed_to__staff__department")``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import rules

from accountability.rules import (
    heads_department_of,
    is_department_head,
    is_front_desk,
    is_handler,
    is_inspection_office,
    is_leadership,
    may,
)
from deadlines.rules import (
    department_desk,
    heads_case_department,
    is_case_accused,
    is_case_first_responder,
    is_case_handler,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@rules.predicate
def may_view_case(user: User | AnonymousUser, case: Any) -> bool:
    # One definition of who sees a case: deadlines' own rule.
    return case is not None and bool(may(user, "deadlines.view_case", case))


# The one-time notice and later requests for materials (一次性告知, seed 002 附件6 §3):
# the front desk, handlers and head of the case's department take materials in, and the
# first responder keeps the contact they registered wherever the case went since.
works_at_case_desk = department_desk | is_case_first_responder

# Nobody acts at the desk on a complaint about themselves (recusal, seed 002 附件10 §5–6):
# the pages refuse them, and so do the services, through these permissions.
not_accused = ~is_case_accused

rules.add_perm("intake.issue_notice", may_view_case & works_at_case_desk & not_accused)

# -- pledges (容缺受理) and rejection filings (否定备案) --

# A pledge accepts the case, so it is taken by whoever may accept it: the handling
# department's desk, handlers and head; once accepted, the case's handler too.
takes_pledge = department_desk | heads_case_department | is_case_handler

rules.add_perm("intake.take_pledge", takes_pledge & not_accused)
rules.add_perm("intake.keep_pledge", takes_pledge & not_accused)
# A refusal is the case's first responder's or the handling department's, as is rejecting
# the case (deadlines.reject_case).
rules.add_perm("intake.file_rejection", (is_case_first_responder | department_desk) & not_accused)
# The register: the inspection office and leadership see every department, a head only
# the departments they head (the page narrows the rows).
rules.add_perm(
    "intake.view_rejection_register", is_inspection_office | is_leadership | is_department_head
)


# -- appointments (预约, seed 002 附件3; seed 004 办事预约制) --


@rules.predicate
def is_routed_to(user: User | AnonymousUser, appointment: Any) -> bool:
    return appointment is not None and user.pk is not None and appointment.routed_to_id == user.pk


@rules.predicate
def heads_routed_department(user: User | AnonymousUser, appointment: Any) -> bool:
    """The user heads the department of the person the appointment is routed to."""
    return (
        appointment is not None
        and user.pk is not None
        and heads_department_of(user, appointment.routed_to)
    )


@rules.predicate
def booked_it(user: User | AnonymousUser, appointment: Any) -> bool:
    return appointment is not None and user.pk is not None and appointment.booked_by_id == user.pk


@rules.predicate
def accused_in_its_case(user: User | AnonymousUser, appointment: Any) -> bool:
    return appointment is not None and bool(is_case_accused.test(user, appointment.case))


# Staff who receive citizens (front desk, handlers, heads) and may see the case.
receives_citizens = is_front_desk | is_handler | is_department_head
answers_it = (is_routed_to | heads_routed_department) & ~accused_in_its_case

rules.add_perm("intake.book_appointment", receives_citizens & may_view_case & not_accused)
rules.add_perm("intake.call_back_appointment", answers_it)
rules.add_perm("intake.keep_appointment", answers_it)
# The desk that booked it may cancel it too: the citizen calls the number on the slip.
rules.add_perm("intake.cancel_appointment", answers_it | (booked_it & ~accused_in_its_case))

# -- refusal-phrase flags (推诿用语) --


@rules.predicate
def answers_for_flag(user: User | AnonymousUser, flag: Any) -> bool:
    """The head of the department the flag belongs to, or, for the head's own phrase, the
    leader who was told of it; never the staff member who used the phrase. The flag's
    department is read from it: load flags with ``select_related("department")``."""
    if flag is None or user.pk is None or flag.staff_id == user.pk:
        return False
    head_id = flag.department.head_id
    if head_id == user.pk:
        return True
    return bool(
        head_id == flag.staff_id and flag.notifications.filter(recipient_id=user.pk).exists()
    )


rules.add_perm("intake.view_refusal_flags", is_department_head | is_leadership)
rules.add_perm("intake.close_refusal_flag", answers_for_flag)


# -- callback and rating after closing (回访, 好差评) --


@rules.predicate
def may_rate_case(user: User | AnonymousUser, case: Any) -> bool:
    # Whoever may put the citizen's grade on the case (deadlines' own rule): the first
    # responder, who owes the callback, and the handling department's staff.
    return case is not None and bool(may(user, "deadlines.rate_case", case))


# Records the callback call, issues a new rating link, records a correction (误评) the
# citizen asked for.
rules.add_perm("intake.record_callback", may_rate_case & not_accused)
# Whether a poor grade is the unit's fault is the handling department's head's finding.
rules.add_perm("intake.review_rating", heads_case_department & not_accused)


# -- evidence files on notices and pledges (accountability.attachments) --------------------
# The scanned notice or pledge the citizen signed, photos of materials. Seen by whom may
# see the case, never by a person the complaint is about (they open none of its intake
# papers); added by whom issues notices or takes and keeps pledges on the case. Every file
# is taken as the complainant's material unless the person adding it says otherwise.


def _register_attachments() -> None:
    from django.urls import reverse

    from accountability.attachments.registry import Attachable, attachable_register
    from deadlines.rules import sees_complainant
    from intake.models import OneTimeNotice, Pledge

    def sees_papers(user: User | AnonymousUser, case: Any) -> bool:
        return bool(may_view_case.test(user, case) and not_accused.test(user, case))

    attachable_register(
        Attachable(
            model=OneTimeNotice,
            may_view=lambda user, notice: sees_papers(user, notice.case),
            may_add=lambda user, notice: may(user, "intake.issue_notice", notice.case),
            sees_complainant=lambda user, notice: sees_complainant(user, notice.case),
            url=lambda notice: reverse("intake:notice", args=[notice.number]),
            load=lambda pk: (
                OneTimeNotice.objects.select_related("case__department")
                .prefetch_related("case__accused")
                .get(pk=pk)
            ),
        )
    )
    attachable_register(
        Attachable(
            model=Pledge,
            may_view=lambda user, pledge: sees_papers(user, pledge.case),
            may_add=lambda user, pledge: bool(
                may(user, "intake.take_pledge", pledge.case)
                or may(user, "intake.keep_pledge", pledge.case)
            ),
            sees_complainant=lambda user, pledge: sees_complainant(user, pledge.case),
            url=lambda pledge: reverse("intake:pledge", args=[pledge.pk]),
            load=lambda pk: (
                Pledge.objects.select_related("case__department")
                .prefetch_related("case__accused")
                .get(pk=pk)
            ),
        )
    )


_register_attachments()
