"""Every write to the organisation, by topic: permissions (the check every service makes
first), organisation (departments, staff, absences, the leading group, the profile),
api_clients (the REST API's client systems) and regulations (the register). The names
are re-exported here: ``from accountability.services import department_save``."""

from accountability.services.api_clients import (
    TOKEN_PREFIX,
    api_client_change,
    api_client_create,
    api_client_revoke,
)
from accountability.services.organisation import (
    absence_record,
    department_delete,
    department_save,
    leading_group_check,
    leading_group_save,
    organisation_profile_save,
    staff_profile_delete,
    staff_profile_save,
)
from accountability.services.permissions import require_permission, require_permission_or_system
from accountability.services.regulations import (
    RegulationsLoadReport,
    parse_regulations,
    regulation_save,
    regulations_load,
)

__all__ = [
    "TOKEN_PREFIX",
    "RegulationsLoadReport",
    "absence_record",
    "api_client_change",
    "api_client_create",
    "api_client_revoke",
    "department_delete",
    "department_save",
    "leading_group_check",
    "leading_group_save",
    "organisation_profile_save",
    "parse_regulations",
    "regulation_save",
    "regulations_load",
    "require_permission",
    "require_permission_or_system",
    "staff_profile_delete",
    "staff_profile_save",
]
