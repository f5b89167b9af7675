"""The intake app's models, one module per topic as in intake.services: the service
catalogue, refusal phrases, one-time notices, pledges, rejection filings, appointments,
and the callback and rating after closing."""

from intake.models.appointment import Appointment
from intake.models.callback import (
    SATISFIED_GRADE,
    CallbackCall,
    CallbackOutcome,
    Grade,
    Rating,
    RatingLink,
    RatingReview,
    RatingSource,
)
from intake.models.catalogue import (
    ItemKind,
    ServiceItem,
    ServiceItemMaterial,
    material_errors,
)
from intake.models.notice import (
    TO_SUPPLY,
    MaterialRequest,
    MaterialStatus,
    NoticeBreach,
    NoticeBreachKind,
    OneTimeNotice,
)
from intake.models.pledge import Pledge
from intake.models.refusal import (
    REFUSAL_CLAUSE_MARKS,
    REFUSAL_LEAD_FILLERS,
    REFUSAL_PHRASES,
    REFUSAL_TAIL_FILLERS,
    RefusalFlag,
    RefusalFlagNotification,
    refusal_phrases_in,
)
from intake.models.rejection import MaterialsReturn, RejectionFiling

__all__ = [
    "REFUSAL_CLAUSE_MARKS",
    "REFUSAL_LEAD_FILLERS",
    "REFUSAL_PHRASES",
    "REFUSAL_TAIL_FILLERS",
    "SATISFIED_GRADE",
    "TO_SUPPLY",
    "Appointment",
    "CallbackCall",
    "CallbackOutcome",
    "Grade",
    "ItemKind",
    "MaterialRequest",
    "MaterialStatus",
    "MaterialsReturn",
    "NoticeBreach",
    "NoticeBreachKind",
    "OneTimeNotice",
    "Pledge",
    "Rating",
    "RatingLink",
    "RatingReview",
    "RatingSource",
    "RefusalFlag",
    "RefusalFlagNotification",
    "RejectionFiling",
    "ServiceItem",
    "ServiceItemMaterial",
    "material_errors",
    "refusal_phrases_in",
]
