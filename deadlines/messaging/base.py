"""What every message backend offers: send one message, and read the delivery receipts
a provider pushes (after deadlines.messaging.receipts has checked their signature)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.mail import EmailMessage
from django.utils.dateparse import parse_datetime

from deadlines.worktime import LOCAL_TZ


class TransientError(Exception):
    """The provider did not answer or asked to try later: the message is retried."""


class PermanentError(Exception):
    """The provider refused the message for good (bad number, template not approved)."""


@dataclass(frozen=True)
class Outgoing:
    message_id: int
    channel: str  # "sms" or "email"
    to: str
    body: str
    subject: str
    template_code: str
    alibaba_code: str
    tencent_id: str
    param_names: list[str]
    params: dict[str, Any] = field(default_factory=dict)

    def ordered_params(self) -> list[str]:
        """The parameters in the order the provider's template numbers them ({1}, {2}…)."""
        return [str(self.params.get(name, "")) for name in self.param_names]


@dataclass(frozen=True)
class Accepted:
    provider_ref: str
    # True when sending is itself delivery (a file written, an email handed to SMTP):
    # no receipt will follow.
    delivered: bool = False


@dataclass(frozen=True)
class Receipt:
    provider_ref: str
    delivered: bool
    at: datetime | None = None
    detail: str = ""


class Backend:
    name = "base"

    def send(self, outgoing: Outgoing) -> Accepted:
        if outgoing.channel == "email":
            return self.send_email(outgoing)
        return self.send_sms(outgoing)

    def send_sms(self, outgoing: Outgoing) -> Accepted:
        raise NotImplementedError

    def send_email(self, outgoing: Outgoing) -> Accepted:
        """Email through Django's mail settings (EMAIL_HOST); SMTP taking it is delivery."""
        try:
            EmailMessage(subject=outgoing.subject, body=outgoing.body, to=[outgoing.to]).send()
        except OSError as error:
            raise TransientError(str(error)) from error
        return Accepted(provider_ref=f"email:{outgoing.message_id}", delivered=True)

    def parse_receipts(self, body: bytes) -> list[Receipt]:
        """The receipts in a pushed body, in this provider's format."""
        raise NotImplementedError


def json_list(body: bytes) -> list[dict[str, Any]]:
    data = json.loads(body.decode("utf-8"))
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise ValueError("expected a JSON list of objects")
    return data


def local_moment(text: Any) -> datetime | None:
    """A moment in a provider's receipt: both report Beijing time without a zone
    ("2026-06-01 09:00:05"); None when missing or not a moment."""
    if not text:
        return None
    moment = parse_datetime(str(text))
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)
