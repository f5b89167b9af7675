"""The sanction kinds of DOMAIN §7 and the family each belongs to (seed 000 §11; seed 003
(二)4–6; seed 004 失职追究 二). Plain choices: the rulebook names kinds by these codes."""

from __future__ import annotations

from typing import Final

from django.db import models
from django.utils.translation import gettext_lazy as _


class SanctionFamily(models.TextChoices):
    ADMONITION = "admonition", _("Admonition")
    ORGANISATIONAL = "organisational", _("Organisational handling")
    ECONOMIC = "economic", _("Economic")
    DISCIPLINARY = "disciplinary", _("Disciplinary")
    CONSEQUENCE = "consequence", _("Consequence")


class SanctionKind(models.TextChoices):
    # admonition (诫勉提醒类)
    CRITICISM_EDUCATION = "criticism_education", _("Criticism and education")
    ORDER_TO_CORRECT = "order_to_correct", _("Order to correct within a limit")
    WRITTEN_SELF_CRITICISM = "written_self_criticism", _("Written self-criticism")
    PUBLIC_APOLOGY = "public_apology", _("Public apology")
    CIRCULATED_CRITICISM = "circulated_criticism", _("Circulated criticism")
    ADMONISHMENT_TALK = "admonishment_talk", _("Admonishment talk")
    ORAL_WARNING = "oral_warning", _("Oral warning")
    WRITTEN_WARNING = "written_warning", _("Written warning")
    # organisational (组织处理类)
    SUSPENSION_FROM_POST = "suspension_from_post", _("Suspension from post (15 days)")
    STUDY_LEAVE = "study_leave", _("Study leave with exam")
    REASSIGNMENT = "reassignment", _("Reassignment")
    SUSPENSION_FOR_INVESTIGATION = "suspension_for_investigation", _("Suspension for investigation")
    DEMOTION = "demotion", _("Demotion")
    REMOVAL = "removal", _("Removal from office")
    RESIGNATION_ORDERED = "resignation_ordered", _("Resignation ordered")
    # economic
    PAY_CUT = "pay_cut", _("Pay cut (100 yuan for a year)")
    BONUS_STOPPED = "bonus_stopped", _("Performance bonus stopped")
    # disciplinary (纪律处分类)
    DISCIPLINARY_WARNING = "disciplinary_warning", _("Disciplinary warning")
    SERIOUS_WARNING = "serious_warning", _("Serious disciplinary warning")
    DEMERIT = "demerit", _("Demerit")
    MAJOR_DEMERIT = "major_demerit", _("Major demerit")
    DISMISSAL = "dismissal", _("Dismissal")
    REFERRAL = "referral", _("Referral to the discipline commission or judiciary")
    # consequence
    AWARD_INELIGIBILITY = "award_ineligibility", _("Loss of the year's award eligibility")


K = SanctionKind
F = SanctionFamily

FAMILY: Final[dict[str, str]] = {
    **dict.fromkeys(
        (
            K.CRITICISM_EDUCATION,
            K.ORDER_TO_CORRECT,
            K.WRITTEN_SELF_CRITICISM,
            K.PUBLIC_APOLOGY,
            K.CIRCULATED_CRITICISM,
            K.ADMONISHMENT_TALK,
            K.ORAL_WARNING,
            K.WRITTEN_WARNING,
        ),
        F.ADMONITION,
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
        ),
        F.ORGANISATIONAL,
    ),
    **dict.fromkeys((K.PAY_CUT, K.BONUS_STOPPED), F.ECONOMIC),
    **dict.fromkeys(
        (
            K.DISCIPLINARY_WARNING,
            K.SERIOUS_WARNING,
            K.DEMERIT,
            K.MAJOR_DEMERIT,
            K.DISMISSAL,
            K.REFERRAL,
        ),
        F.DISCIPLINARY,
    ),
    K.AWARD_INELIGIBILITY: F.CONSEQUENCE,
}

# The grave families (organisational, disciplinary). Who decides each kind is
# sanctions.authority's (DOMAIN §1), not the family's.
LEADERSHIP_FAMILIES: Final = frozenset({F.ORGANISATIONAL, F.DISCIPLINARY})
# The efficiency warnings (效能告诫) counted by rules 10 and 11 (seed 004 告诫程序 4, 四).
WARNING_KINDS: Final = frozenset({K.ORAL_WARNING, K.WRITTEN_WARNING})
# A served decision with one of these waits for the written self-criticism (seed 004
# 告诫程序 3: within 7 days of the warning notice, countersigned by the unit head).
SELF_CRITICISM_KINDS: Final = frozenset({K.WRITTEN_WARNING, K.WRITTEN_SELF_CRITICISM})


def family_of(kind: str) -> str:
    return FAMILY[kind]
