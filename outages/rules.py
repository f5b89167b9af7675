"""Who may do what with outages. One predicate per permission, shared by the services,
the pages, the API and the admin (loaded by rules' autodiscovery).

Dispatch (生产调度部, ``Department.is_dispatch``) is the hub of outage reporting: its
staff record any event, every report and the public notices. The unit responsible for
an event records it, changes its figures and reports to dispatch. Callers load events
with their department.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import rules
from django.utils import timezone

from accountability.rules import (
    is_administrator,
    is_department_head,
    is_front_desk,
    is_handler,
    is_inspection_office,
    is_leadership,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from outages.models import OutageEvent


def _department(user: User | AnonymousUser) -> Any:
    profile = getattr(user, "staff", None) if user.is_authenticated else None
    return profile.department if profile is not None else None


@rules.predicate
def at_dispatch(user: User | AnonymousUser) -> bool:
    department = _department(user)
    return department is not None and department.is_dispatch


@rules.predicate
def in_event_department(user: User | AnonymousUser, event: Any) -> bool:
    department = _department(user)
    return event is not None and department is not None and department.pk == event.department_id


is_staff_member = (
    is_front_desk | is_handler | is_department_head | is_leadership | is_inspection_office
)
# Handlers and heads of the responsible unit; anyone at dispatch.
works_event = at_dispatch | (in_event_department & (is_handler | is_department_head))

rules.add_perm("outages.view_event", is_staff_member | at_dispatch | is_administrator)
# Recording a new event: dispatch, or handlers and heads of any unit (for their own unit:
# the service checks the department).
rules.add_perm("outages.record_event", at_dispatch | is_handler | is_department_head)
rules.add_perm("outages.change_event", works_event)
rules.add_perm("outages.record_report", works_event)
rules.add_perm("outages.record_notice", at_dispatch)
# Staff who receive citizens link their contacts to a running outage.
rules.add_perm("outages.link_contact", is_front_desk | is_handler | is_department_head)


# -- what the event page offers (accountability.actions) ----------------------------------
# Changing an event and calling it off share one permission (outages.change_event); what
# the event itself must be for each is said here; a post is checked again by the service.


@rules.predicate
def is_event_changeable(user: User | AnonymousUser, event: OutageEvent | None) -> bool:
    """The water is not back and the works were not called off: after either, the
    figures are history and stay as they were."""
    return event is not None and event.is_changeable


@rules.predicate
def is_event_cancellable(user: User | AnonymousUser, event: OutageEvent | None) -> bool:
    """Planned works not yet started and not already called off: once the water is off,
    the event is an outage to restore, not works to call off."""
    return event is not None and event.is_cancellable(timezone.now())
