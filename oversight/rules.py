"""Who sees the dashboard, and how much of it: a department head their own department;
leadership and the inspection office every department."""

from __future__ import annotations

from typing import TYPE_CHECKING

import rules

from accountability.rules import (
    is_department_head,
    is_inspection_office,
    is_leadership,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

# Administering the system is not acting in it: an administrator's superuser flag opens
# no dashboard, report or export (they carry cases and their people).
sees_every_department = is_leadership | is_inspection_office

rules.add_perm("oversight.view_dashboard", sees_every_department | is_department_head)


def sees_all(user: User | AnonymousUser) -> bool:
    return bool(sees_every_department(user))


# Periodic reports (issue 8, line 3): leadership and the inspection office read them
# whole; a department head reads their own department's rows.
rules.add_perm("oversight.view_reports", sees_every_department | is_department_head)

# Exports (issue 8, line 4): a head exports their own department's cases (the scope is
# applied by oversight.selectors.exports); violations and sanctions, the inspection office and
# leadership.
rules.add_perm("oversight.export_cases", sees_every_department | is_department_head)
rules.add_perm("oversight.export_violations", is_inspection_office | is_leadership)
rules.add_perm("oversight.export_sanctions", is_inspection_office | is_leadership)

# Producing the due reports on request, before the schedule does (issue 22): leadership,
# who reads them whole and answers for them; the inspection office and heads wait for the
# schedule.
rules.add_perm("oversight.produce_reports", is_leadership)
