"""The roles of DOMAIN §1, kept as auth groups (created by a data migration).

The group name is a stable code; the interface shows the translated label.
"""

from __future__ import annotations

from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class Role(StrEnum):
    FRONT_DESK = "front_desk"
    HANDLER = "handler"
    DEPARTMENT_HEAD = "department_head"
    LEADERSHIP = "leadership"
    INSPECTION_OFFICE = "inspection_office"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.FRONT_DESK: _("Front desk"),
    Role.HANDLER: _("Handler"),
    Role.DEPARTMENT_HEAD: _("Department head"),
    Role.LEADERSHIP: _("Leadership"),
    Role.INSPECTION_OFFICE: _("Inspection office"),
}
