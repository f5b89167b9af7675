"""The accountability app's models, a module per topic: organisation (departments, staff,
the leading group, the organisation's details, absences), history (the append-only base,
history events, breaches, the audit log), regulations, api (REST clients and scopes) and
outbox. Every model is re-exported here: import them from accountability.models."""

from accountability.models.api import ApiClient, ApiScope
from accountability.models.history import (
    AppendOnlyModel,
    AuditEntry,
    AuditQuerySet,
    BreachRecord,
    HistoryEvent,
)
from accountability.models.organisation import (
    Absence,
    Department,
    LeadingGroup,
    OrganisationProfile,
    StaffProfile,
)
from accountability.models.outbox import OutboxMessage
from accountability.models.regulations import Regulation

__all__ = [
    "Absence",
    "ApiClient",
    "ApiScope",
    "AppendOnlyModel",
    "Attachment",
    "AuditEntry",
    "AuditQuerySet",
    "BreachRecord",
    "Department",
    "HistoryEvent",
    "LeadingGroup",
    "OrganisationProfile",
    "OutboxMessage",
    "Regulation",
    "StaffProfile",
]

# Evidence files (issue 23): defined in their own module, registered here with the app;
# imported last, since accountability.attachments.models builds on AppendOnlyModel.
from accountability.attachments.models import Attachment
