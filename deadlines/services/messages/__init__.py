"""Messages to the citizen (README "Messages to the citizen", issue 23 part 1).

A step that owes the citizen a message calls ``message_queue`` (or, from another app,
``case_message_send``) inside its own transaction: the message is a row of that
transaction, keyed by the step (``suspension:12``), so owing it twice (a task run twice,
a retried request) writes nothing more, and the outbox (accountability.outbox) sends the
task after the commit. ``message_deliver`` (deadlines.tasks.send_citizen_message) claims
an attempt with an append-only event before it calls the backend, so two workers never
send the same attempt; an error is retried with backoff, up to MESSAGES_MAX_ATTEMPTS.
Delivery receipts (``message_receipts_record``) settle a message once.

An SMS owed during quiet hours (MESSAGES_QUIET_HOURS, 22:00–08:00 by default) waits for
their end, except outage messages; an address that opted out gets nothing.

The services are grouped by stage; import them from this package, which re-exports
every one:

- ``queueing``: owing a message (``message_queue``, ``case_message_send``), quiet hours
  and opt-outs;
- ``steps``: the messages the case steps and outages owe (``message_for_*``,
  ``messages_for_outage``);
- ``sending``: delivery, retries, the sweep and delivery receipts;
- ``status``: a message's status and ``messages_telling``.
"""

from deadlines.services.messages.queueing import (
    SEND_TASK,
    URGENT_KINDS,
    case_message_send,
    message_queue,
    opted_out,
    quiet_hours,
    quiet_until,
)
from deadlines.services.messages.sending import (
    FIRST_BACKOFF_S,
    MAX_BACKOFF_S,
    STALE_ATTEMPT,
    SWEEP_BATCH,
    SWEEP_LOOKBACK,
    Outcome,
    message_deliver,
    message_receipts_record,
    message_render,
    messages_send_due,
)
from deadlines.services.messages.status import Telling, message_status, messages_telling
from deadlines.services.messages.steps import (
    message_for_extension,
    message_for_receipt,
    message_for_result,
    message_for_suspension,
    messages_for_outage,
)

__all__ = [
    "FIRST_BACKOFF_S",
    "MAX_BACKOFF_S",
    "SEND_TASK",
    "STALE_ATTEMPT",
    "SWEEP_BATCH",
    "SWEEP_LOOKBACK",
    "URGENT_KINDS",
    "Outcome",
    "Telling",
    "case_message_send",
    "message_deliver",
    "message_for_extension",
    "message_for_receipt",
    "message_for_result",
    "message_for_suspension",
    "message_queue",
    "message_receipts_record",
    "message_render",
    "message_status",
    "messages_for_outage",
    "messages_send_due",
    "messages_telling",
    "opted_out",
    "quiet_hours",
    "quiet_until",
]
