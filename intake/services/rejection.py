"""Rejection filing (否定备案, seed 002 附件1): a refusal on the record with its reason and
legal basis, the written refusal owed to the citizen within 3 working days (§8) and the
materials returned on request (§9)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import audit
from accountability.regulations import cite_code
from accountability.services import require_permission
from deadlines.models import Case, CaseState, EventAction, FeedbackEntry
from deadlines.services.cases import CaseConflict, case_log_feedback, case_log_step, case_reject
from deadlines.templatetags.moments import deadline_text
from intake.models import MaterialsReturn, RejectionFiling
from intake.selectors.desk import rejection_notice_clock

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def rejection_file(*, actor: User, case: Case, reason: str, legal_basis: str) -> RejectionFiling:
    """Refuse a registered case and file the refusal: the case is rejected, the filing goes
    on the register (台账, §6) and the 3-working-day written-refusal clock starts for the
    actor (§8)."""
    require_permission(actor, "intake.file_rejection", case)
    reason, legal_basis = (reason or "").strip(), (legal_basis or "").strip()
    errors: dict[str, str] = {}
    if not reason:
        errors["reason"] = _("Give the reason for the refusal: what the application lacks.")
    if not legal_basis:
        errors["legal_basis"] = _(
            "Give the legal basis for the refusal: the law, regulation or rule and its article "
            "(%(regulation)s)."
        ) % {"regulation": cite_code("window-service-rules", "附件1 第四条")}
    if errors:
        raise ValidationError(errors)
    if case.state != CaseState.REGISTERED:
        raise CaseConflict(
            _(
                "Case %(number)s is “%(state)s”: only a registered case can be refused. A case "
                "already accepted ends by termination or withdrawal."
            )
            % {"number": case.number, "state": case.get_state_display()}
        )
    # The step is recorded while the case is still open; the refusal then ends it.
    case = case_log_step(
        actor=actor,
        case=case,
        action=EventAction.REJECTION_FILED,
        reason=reason,
        legal_basis=legal_basis,
    )
    if RejectionFiling.objects.filter(case=case).exists():
        raise CaseConflict(
            _("Case %(number)s has a rejection filing already.") % {"number": case.number}
        )
    case = case_reject(actor=actor, case=case, reason=reason)
    return RejectionFiling.objects.create(
        case=case,
        reason=reason,
        legal_basis=legal_basis,
        filed_by=actor,
        filed_at=timezone.now(),
    )


@transaction.atomic
def rejection_notice_delivered(
    *,
    actor: User,
    filing: RejectionFiling,
    channel: str = FeedbackEntry.Channel.WRITTEN,
    note: str = "",
) -> FeedbackEntry:
    """Log that the written refusal was handed over or sent: the contact goes on the case
    and stops the 3-working-day written-refusal clock (§8). The refusal is owed in
    writing, so no other channel satisfies it."""
    if channel != FeedbackEntry.Channel.WRITTEN:
        raise ValidationError(
            _(
                "The refusal is owed in writing (%(regulation)s): log a call or a visit on "
                "the case page as a contact."
            )
            % {"regulation": cite_code("window-service-rules", "附件1 第八条")}
        )
    clock = rejection_notice_clock(filing.case)
    if clock is not None and clock.stopped_at is not None:
        raise CaseConflict(
            _("The written refusal was recorded as handed over on %(at)s.")
            % {"at": deadline_text(clock.stopped_at)}
        )
    content = _("Written refusal notice for case %(number)s handed over.") % {
        "number": filing.case.number
    }
    if note.strip():
        content = f"{content} {note.strip()}"
    return case_log_feedback(
        actor=actor,
        case=filing.case,
        audience=FeedbackEntry.Audience.CITIZEN,
        channel=channel,
        content=content,
    )


@transaction.atomic
def rejection_record_materials_returned(*, actor: User, filing: RejectionFiling) -> RejectionFiling:
    """Record that the citizen asked for and got the application materials back (§9): a
    row of its own, once; the filing itself never changes."""
    filing = RejectionFiling.objects.select_related("case", "materials_return").get(pk=filing.pk)
    require_permission(actor, "intake.file_rejection", filing.case)

    def returned_already() -> CaseConflict:
        at = MaterialsReturn.objects.get(filing=filing).returned_at
        return CaseConflict(
            _("The materials were recorded as returned on %(at)s.") % {"at": deadline_text(at)}
        )

    if filing.materials_returned_at is not None:
        raise returned_already()
    # No row lock (the filing is history: the portal's role may not lock it for update);
    # of two people recording the return at once, the one-per-filing constraint keeps one.
    try:
        with transaction.atomic():
            filing.materials_return = MaterialsReturn.objects.create(
                filing=filing, returned_at=timezone.now(), returned_by=actor
            )
    except IntegrityError:
        raise returned_already() from None
    # The case has ended, so the step goes to the audit log rather than the case's events.
    audit.record(
        actor=actor,
        action="rejection_filing.materials_returned",
        obj=filing,
        after={"materials_returned_at": filing.materials_return.returned_at.isoformat()},
    )
    return filing
