"""Every change to a case: open, accept, transfer, suspend, extend, resolve, close, ….

Each service locks the case row, refuses a stale copy (someone else acted first), checks
the actor's permission, moves the state, records a case event and starts, stops, pauses
or extends the clocks, all in one transaction. The case event is the case's audit row.

Pages pass the case as they showed it (with its ``version``); a service that finds a
newer version raises CaseConflict, and the page shows the message with the user's
entries kept.

The services are grouped by the stage of the case's life they belong to; import them
from this package, which re-exports every one:

- ``opening``: registering a matter (case_open), a new receipt secret, the first
  responder's answer on the spot, whom a complaint is about (and the log of who saw the
  complainant), and the clocks a changed limit selection calls for on open cases;
- ``transfers``: who handles the case: accepting and (re)assigning it, a transfer to
  another department and its acceptance or return, supervision, escalation to a leader
  and the leader's instruction;
- ``working``: the case in hand: starting work, suspending and resuming, extensions,
  logged contacts, marking a complaint complex, recording an agreement, and the steps
  other apps record on an open case;
- ``finishing``: resolving, sending back and closing; the callback, rating, review and
  rework after closing; rejecting, terminating, withdrawing and a lapsed pledge;
- ``_common``: what they share (the row lock, the state move, the event, the clock
  helpers); private, but for CaseConflict and case_lock, re-exported here.
"""

from deadlines.services.cases._common import (
    ACCEPTED,
    AGREED,
    TO_CITIZEN,
    TO_LEADER,
    CaseConflict,
    case_lock,
)
from deadlines.services.cases.finishing import (
    AFTER_CLOSE,
    POOR_RATING,
    case_callback_log,
    case_close,
    case_lapse,
    case_rate,
    case_rating_record,
    case_reject,
    case_request_review,
    case_resolve,
    case_rework,
    case_send_back,
    case_terminate,
    case_withdraw,
)
from deadlines.services.cases.opening import (
    ABOUT_STAFF_KINDS,
    case_answer,
    case_identity_shown,
    case_log_complainant_view,
    case_name_accused,
    case_new_lookup_secret,
    case_open,
    clocks_start_missing,
)
from deadlines.services.cases.transfers import (
    case_accept,
    case_accept_transfer,
    case_assign,
    case_escalate,
    case_instruct,
    case_return_transfer,
    case_supervise,
    case_transfer,
)
from deadlines.services.cases.working import (
    COMPLEX,
    case_decide_extension,
    case_log_feedback,
    case_log_step,
    case_mark_complex,
    case_record_agreement,
    case_request_extension,
    case_resume,
    case_start_work,
    case_suspend,
)

__all__ = [
    "ABOUT_STAFF_KINDS",
    "ACCEPTED",
    "AFTER_CLOSE",
    "AGREED",
    "COMPLEX",
    "POOR_RATING",
    "TO_CITIZEN",
    "TO_LEADER",
    "CaseConflict",
    "case_accept",
    "case_accept_transfer",
    "case_answer",
    "case_assign",
    "case_callback_log",
    "case_close",
    "case_decide_extension",
    "case_escalate",
    "case_identity_shown",
    "case_instruct",
    "case_lapse",
    "case_lock",
    "case_log_complainant_view",
    "case_log_feedback",
    "case_log_step",
    "case_mark_complex",
    "case_name_accused",
    "case_new_lookup_secret",
    "case_open",
    "case_rate",
    "case_rating_record",
    "case_record_agreement",
    "case_reject",
    "case_request_extension",
    "case_request_review",
    "case_resolve",
    "case_resume",
    "case_return_transfer",
    "case_rework",
    "case_send_back",
    "case_start_work",
    "case_supervise",
    "case_suspend",
    "case_terminate",
    "case_transfer",
    "case_withdraw",
    "clocks_start_missing",
]
