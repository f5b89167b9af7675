"""The file backend: each message is a text file in MESSAGES_DIR (README "Messages to the
citizen"), named by its moment and id. Writing the file is delivery."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils import timezone

from deadlines.messaging.base import (
    Accepted,
    Backend,
    Outgoing,
    Receipt,
    TransientError,
    json_list,
)


class FileBackend(Backend):
    name = "file"

    def _write(self, outgoing: Outgoing) -> Accepted:
        folder = Path(settings.MESSAGES_DIR)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
            path = folder / f"{stamp}-{outgoing.message_id:06d}-{outgoing.channel}.txt"
            lines = [
                f"To: {outgoing.to}",
                f"Channel: {outgoing.channel}",
                f"Template: {outgoing.template_code}",
            ]
            if outgoing.channel == "email":
                lines.append(f"Subject: {outgoing.subject}")
            else:
                lines.append(f"Signature: 【{settings.MESSAGES_SIGN_NAME}】")
            path.write_text("\n".join([*lines, "", outgoing.body, ""]), encoding="utf-8")
        except OSError as error:
            raise TransientError(str(error)) from error
        return Accepted(provider_ref=f"file:{path.name}", delivered=True)

    def send_sms(self, outgoing: Outgoing) -> Accepted:
        return self._write(outgoing)

    def send_email(self, outgoing: Outgoing) -> Accepted:
        return self._write(outgoing)

    def parse_receipts(self, body: bytes) -> list[Receipt]:
        """``[{"ref": "...", "delivered": true, "detail": "..."}]``: lets the demo and the
        tests push a receipt the way a provider would."""
        return [
            Receipt(
                provider_ref=str(item["ref"]),
                delivered=bool(item.get("delivered")),
                detail=str(item.get("detail", ""))[:500],
            )
            for item in json_list(body)
        ]
