"""Sanction decisions and their procedure (seed 004 告诫程序 1–3; DOMAIN §7):

propose (the inspection office, from the rulebook's proposal, or departing from it with
a recorded reason; whoever must decide is notified) → approve or refuse (by the deciding
authority of sanctions.authority, never the proposer) → serve (a written warning's
numbered notice signed by the leading group's principal leader; the unit head told) →
written self-criticism within 7 days, countersigned by the unit head → completed.
Disciplinary kinds are referred out instead: the referral and, later, its outcome are
recorded. Appeals and reviews are recorded against a decision.

Nobody named in the matter (the violation's staff member or anyone responsible for it)
acts on it; the checks are sanctions.rules predicates, and the maker-checker and
self-approval rules are database constraints too.

The services are grouped by step; import them from this package, which re-exports
every one:

- ``proposing``: the rulebook's proposal, proposing a sanction, telling the deciders;
- ``deciding``: approval, refusal, referral and the referral's outcome;
- ``serving``: serving, the written self-criticism and its due moment, completion;
- ``appeals``: appeals and reviews;
- ``_common``: what they share (the audit snapshot, the state move, the kinds check);
  private.
"""

from sanctions.services.decisions.appeals import appeal_record, review_record
from sanctions.services.decisions.deciding import (
    referral_outcome_record,
    sanction_approve,
    sanction_refer,
    sanction_refuse,
)
from sanctions.services.decisions.proposing import (
    deciders_notify,
    sanction_proposal,
    sanction_propose,
)
from sanctions.services.decisions.serving import (
    SELF_CRITICISM_DAYS,
    sanction_complete,
    sanction_serve,
    self_criticism_due,
    self_criticism_record,
    unit_head_of,
)

__all__ = [
    "SELF_CRITICISM_DAYS",
    "appeal_record",
    "deciders_notify",
    "referral_outcome_record",
    "review_record",
    "sanction_approve",
    "sanction_complete",
    "sanction_proposal",
    "sanction_propose",
    "sanction_refer",
    "sanction_refuse",
    "sanction_serve",
    "self_criticism_due",
    "self_criticism_record",
    "unit_head_of",
]
