"""Callback and rating after closing (回访, 好差评; DOMAIN §10).

A closing starts the callback clock (deadlines' ``case-callback`` policy, 1 working day).
The scheduled task (intake.tasks.send_callback_requests) then issues a one-time rating
link and hands it to ``callback_request_send``, the one place the callback-request
message is sent. The citizen rates through the link (no sign-in; it works once and
expires after RATING_LINK_DAYS), or staff record the grade, or that the citizen declined
or was not reached, from the callback call. A grade or a call that reached the citizen
stops the clock.

A poor grade (1–2) waits for the handling department's head: the unit's fault, with the
reason, reopens the case for rework within 15 working days (deadlines' ``rework``
policy); its next closing owes a second callback. A citizen may have a mistaken grade
corrected (误评) once per case: a second request is refused with the reason.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta
from hashlib import sha256
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability import audit
from accountability.services import require_permission
from deadlines.models import Case, CaseState, Clock, MessageKind
from deadlines.services.cases import (
    CaseConflict,
    case_callback_log,
    case_rating_record,
    case_rework,
)
from deadlines.services.messages import case_message_send
from intake.models import (
    CallbackCall,
    CallbackOutcome,
    Grade,
    Rating,
    RatingLink,
    RatingReview,
    RatingSource,
)
from intake.selectors.callback import callback_clock_of, callback_clocks

if TYPE_CHECKING:
    from django.contrib.auth.models import User

COMMENT_MAX = 1000
LINK_FIELDS = ["case", "clock", "issued_at", "expires_at", "used_at", "issued_by"]


class RatingLinkInvalid(Exception):
    """The link does not work (unknown, used or expired); the message says which."""


# -- the link -----------------------------------------------------------------------------


def _digest(token: str) -> str:
    """A keyed digest of the token: the database alone cannot turn it back into a link."""
    message = f"rating-link:{token}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, sha256).hexdigest()


def rating_link_url(token: str) -> str:
    """The link the citizen opens (absolute when PORTAL_URL is set)."""
    path = reverse("intake:rate", args=[token])
    return f"{getattr(settings, 'PORTAL_URL', '').rstrip('/')}{path}"


def _lock_case(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("department").get(pk=case.pk)


def _rated_since_close(case: Case) -> bool:
    return bool(
        case.rated_at is not None and case.closed_at is not None and case.rated_at >= case.closed_at
    )


def _rating_due(case: Case) -> None:
    if case.state != CaseState.CLOSED:
        raise CaseConflict(
            _("The citizen rates a case once it is closed; case %(number)s is “%(state)s”.")
            % {"number": case.number, "state": case.get_state_display()}
        )
    if _rated_since_close(case):
        raise CaseConflict(
            _("Case %(number)s has been rated since it was closed.") % {"number": case.number}
        )


@transaction.atomic
def rating_link_issue(
    *, actor: User | None, case: Case, now: datetime | None = None
) -> tuple[RatingLink, str]:
    """A new one-time rating link for the closed case, and its token (shown once, never
    stored). An earlier link of the case that was not used stops working. ``actor`` None
    is the system (the scheduled callback request)."""
    case = _lock_case(case)
    if actor is not None:
        require_permission(actor, "intake.record_callback", case)
    _rating_due(case)
    now = now or timezone.now()
    RatingLink.objects.filter(
        case=case, used_at__isnull=True, expires_at__gt=now, issued_at__lt=now
    ).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    link = RatingLink(
        case=case,
        clock=callback_clock_of(case),
        token_digest=_digest(token),
        issued_at=now,
        expires_at=now + timedelta(days=settings.RATING_LINK_DAYS),
        issued_by=actor,
    )
    link.full_clean()
    link.save()
    audit.record(
        actor=actor,
        action="intake.rating_link_issue",
        obj=link,
        after=audit.snapshot(link, LINK_FIELDS),
    )
    return link, token


def callback_request_send(*, case: Case, link: RatingLink, url: str) -> None:
    """Send the callback request (回访请求: "please rate our service: <url>") to the
    citizen, once per link, in the transaction that issued the link. The url carries the
    link's token, so it travels sealed like a receipt's secret (never stored in clear)."""
    case_message_send(
        actor=None,
        case=case,
        kind=MessageKind.CALLBACK,
        key=f"callback:{link.pk}",
        params={},
        secret_params={"link": url},
        clock=link.clock,
    )


def callback_requests_send_due(*, now: datetime | None = None) -> int:
    """Issue a rating link and send the callback request for every callback owed that has
    none yet; returns how many. Safe to run twice or at once: each case is locked and
    checked again."""
    now = now or timezone.now()
    owed = (
        callback_clocks()
        .filter(stopped_at__isnull=True, case__state=CaseState.CLOSED)
        .filter(~Exists(RatingLink.objects.filter(clock=OuterRef("pk"))))
        .values_list("pk", "case_id")
    )
    sent = 0
    for clock_id, case_id in list(owed):
        with transaction.atomic():
            case = Case.objects.select_for_update().get(pk=case_id)
            if (
                RatingLink.objects.filter(clock_id=clock_id).exists()
                or callback_clock_of(case) is None
                or callback_clock_of(case).pk != clock_id  # type: ignore[union-attr]
                or case.state != CaseState.CLOSED
                or _rated_since_close(case)
            ):
                continue
            link, token = rating_link_issue(actor=None, case=case, now=now)
            callback_request_send(case=case, link=link, url=rating_link_url(token))
            sent += 1
    return sent


def rating_link_check(token: str, *, now: datetime | None = None) -> RatingLink:
    """The link behind the token, if it still works; RatingLinkInvalid otherwise."""
    now = now or timezone.now()
    link = (
        RatingLink.objects.select_related("case__department")
        .filter(token_digest=_digest(token))
        .first()
    )
    if link is None:
        raise RatingLinkInvalid(_("This rating link is not valid. Check that it was copied whole."))
    if link.used_at is not None:
        raise RatingLinkInvalid(_("This rating link has been used already. Thank you for rating."))
    if link.expires_at <= now:
        raise RatingLinkInvalid(
            _("This rating link has expired. Call us if you would still like to rate the service.")
        )
    case = link.case
    if case.state != CaseState.CLOSED or _rated_since_close(case):
        raise RatingLinkInvalid(_("This case has been rated already or is being worked again."))
    return link


def _grade(grade: Any) -> int:
    try:
        value = int(grade)
    except (TypeError, ValueError):
        value = 0
    if value not in Grade.values:
        raise ValidationError({"grade": _("Choose one of the five grades.")})
    return value


def _comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError(
            {"comment": _("Keep the comment within %(n)s characters.") % {"n": COMMENT_MAX}}
        )
    return comment


@transaction.atomic
def rating_submit_by_link(*, token: str, grade: int, comment: str = "") -> Rating:
    """The citizen rates through the link: the link is used up, the grade goes on the
    case and the callback clock stops. RatingLinkInvalid when the link does not work."""
    grade, comment = _grade(grade), _comment(comment)
    now = timezone.now()
    found = rating_link_check(token, now=now)
    # Lock the case, then the link; check again under the locks (a second submission
    # waits here and then finds the link used).
    case = _lock_case(found.case)
    link = RatingLink.objects.select_for_update().get(pk=found.pk)
    if link.used_at is not None:
        raise RatingLinkInvalid(_("This rating link has been used already. Thank you for rating."))
    if link.expires_at <= now:
        raise RatingLinkInvalid(
            _("This rating link has expired. Call us if you would still like to rate the service.")
        )
    try:
        case = case_rating_record(
            actor=None,
            case=case,
            rating=grade,
            note=comment,
            by_citizen=True,
            rating_link=link.pk,
        )
    except CaseConflict as conflict:
        raise RatingLinkInvalid(
            _("This case has been rated already or is being worked again.")
        ) from conflict
    link.used_at = now
    link.save(update_fields=["used_at"])
    rating = Rating.objects.create(
        case=case,
        clock=link.clock,
        grade=grade,
        source=RatingSource.LINK,
        comment=comment,
        link=link,
        at=now,
    )
    audit.record(
        actor=None,
        action="intake.rating_by_link",
        obj=rating,
        after=audit.snapshot(rating, ["case", "clock", "grade", "source", "link"]),
    )
    return rating


# -- staff: the callback call -------------------------------------------------------------


@transaction.atomic
def callback_record(
    *,
    actor: User,
    case: Case,
    outcome: str,
    grade: int | None = None,
    comment: str = "",
    note: str = "",
) -> CallbackCall:
    """Record a callback call after closing: the grade the citizen gave on the phone, or
    that they declined to rate (both stop the callback clock), or that they were not
    reached (the clock runs on)."""
    case = _lock_case(case)
    require_permission(actor, "intake.record_callback", case)
    if outcome not in CallbackOutcome.values:
        raise ValidationError({"outcome": _("Choose how the call went.")})
    comment, note = _comment(comment), (note or "").strip()
    clock: Clock | None = callback_clock_of(case)
    rating = None
    if outcome == CallbackOutcome.RATED:
        value = _grade(grade)
        _rating_due(case)
        case = case_rating_record(
            actor=actor, case=case, rating=value, note=note or comment, source="call"
        )
        rating = Rating.objects.create(
            case=case,
            clock=clock,
            grade=value,
            source=RatingSource.CALL,
            comment=comment,
            recorded_by=actor,
        )
    else:
        if not note:
            raise ValidationError({"note": _("Write down what came of the call.")})
        case = case_callback_log(
            actor=actor,
            case=case,
            reached=outcome == CallbackOutcome.DECLINED,
            note=note,
            outcome=outcome,
        )
    call = CallbackCall.objects.create(
        case=case, clock=clock, outcome=outcome, rating=rating, note=note, by=actor
    )
    audit.record(
        actor=actor,
        action="intake.callback_record",
        obj=call,
        after=audit.snapshot(call, ["case", "clock", "outcome", "rating", "note"]),
    )
    return call


# -- the head's review of a poor grade, and corrections -----------------------------------


def _latest(case: Case) -> Rating | None:
    return Rating.objects.filter(case=case, correction__isnull=True).order_by("-at", "-id").first()


@transaction.atomic
def rating_review(*, actor: User, rating: Rating, unit_at_fault: bool, reason: str) -> RatingReview:
    """The head's finding on a poor grade, with the reason. The unit's fault reopens the
    case for rework within 15 working days; its next closing owes a second callback."""
    case = _lock_case(rating.case)
    require_permission(actor, "intake.review_rating", case)
    rating = Rating.objects.get(pk=rating.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why, for the record.")})
    if not rating.is_poor:
        raise ValidationError(_("Only a poor grade (1 or 2) is reviewed."))
    if RatingReview.objects.filter(rating=rating).exists():
        raise CaseConflict(_("This grade has been reviewed already."))
    latest = _latest(case)
    if latest is None or latest.pk != rating.pk:
        raise CaseConflict(_("This grade has been corrected or followed by a later one."))
    if unit_at_fault:
        case_rework(actor=actor, case=case, reason=reason, rating_id=rating.pk)
    review = RatingReview.objects.create(
        rating=rating, unit_at_fault=unit_at_fault, reason=reason, by=actor
    )
    audit.record(
        actor=actor,
        action="intake.rating_review",
        obj=review,
        after=audit.snapshot(review, ["rating", "unit_at_fault"]),
        reason=reason,
    )
    return review


@transaction.atomic
def rating_correct(*, actor: User, rating: Rating, grade: int, reason: str) -> Rating:
    """误评: the citizen asks to correct a mistaken grade; staff record it. Once per case:
    a second request is refused with the reason. Only the case's current grade, before
    the head has reviewed it, and while the case is closed."""
    case = _lock_case(rating.case)
    require_permission(actor, "intake.record_callback", case)
    rating = Rating.objects.get(pk=rating.pk)
    value = _grade(grade)
    reason = (reason or "").strip()
    if Rating.objects.filter(case=case, corrects__isnull=False).exists():
        raise CaseConflict(
            _(
                "A grade on case %(number)s has been corrected once already; a citizen may "
                "have a mistaken grade corrected only once."
            )
            % {"number": case.number}
        )
    if not reason:
        raise ValidationError(
            {"reason": _("Write down why the citizen says the grade was a mistake.")}
        )
    latest = _latest(case)
    if latest is None or latest.pk != rating.pk:
        raise CaseConflict(_("Only the case's current grade can be corrected."))
    if RatingReview.objects.filter(rating=rating).exists():
        raise CaseConflict(
            _("The head has already reviewed this grade; it can no longer be corrected.")
        )
    if value == rating.grade:
        raise ValidationError({"grade": _("The corrected grade is the same as the one given.")})
    case = case_rating_record(
        actor=actor, case=case, rating=value, note=reason, correction=True, corrects=rating.pk
    )
    corrected = Rating(
        case=case,
        clock=rating.clock,
        grade=value,
        source=RatingSource.CORRECTION,
        comment=rating.comment,
        recorded_by=actor,
        corrects=rating,
        correction_reason=reason,
    )
    corrected.full_clean()
    corrected.save()
    audit.record(
        actor=actor,
        action="intake.rating_correct",
        obj=corrected,
        before=audit.snapshot(rating, ["grade"]),
        after=audit.snapshot(corrected, ["case", "grade", "corrects"]),
        reason=reason,
    )
    return corrected
