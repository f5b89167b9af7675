"""Alibaba Cloud SMS (阿里云短信服务, API 2017-05-25) through its SDK
``alibabacloud-dysmsapi20170525``, imported when a message is sent, so that a portal
without the SDK fails only when this backend is chosen.

Settings: ALIBABA_SMS_ACCESS_KEY_ID, ALIBABA_SMS_ACCESS_KEY_SECRET, ALIBABA_SMS_ENDPOINT
(and ALIBABA_SMS_PROTOCOL, "http" only for the fake provider of the tests), the
signature MESSAGES_SIGN_NAME and each template's ``alibaba_code``.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings

from deadlines.messaging.base import (
    Accepted,
    Backend,
    Outgoing,
    PermanentError,
    Receipt,
    TransientError,
    json_list,
    local_moment,
)

# Codes that mean "try again later"; every other refusal is final.
TRANSIENT_CODES = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",
        "Throttling.User",
        "isp.SYSTEM_ERROR",
        "isp.RAM_PERMISSION_DENY",
        "ServiceUnavailable",
        "InternalError",
    }
)


class AlibabaBackend(Backend):
    name = "alibaba"

    def _client(self) -> Any:
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi import utils_models

        config = utils_models.Config(
            access_key_id=settings.ALIBABA_SMS_ACCESS_KEY_ID,
            access_key_secret=settings.ALIBABA_SMS_ACCESS_KEY_SECRET,
            endpoint=settings.ALIBABA_SMS_ENDPOINT,
            protocol=settings.ALIBABA_SMS_PROTOCOL,
            connect_timeout=5000,
            read_timeout=10000,
        )
        return Client(config)

    def send_sms(self, outgoing: Outgoing) -> Accepted:
        from alibabacloud_dysmsapi20170525 import models
        from darabonba.runtime import RuntimeOptions

        if not outgoing.alibaba_code:
            raise PermanentError(f"template {outgoing.template_code} has no Alibaba code")
        request = models.SendSmsRequest(
            phone_numbers=outgoing.to,
            sign_name=settings.MESSAGES_SIGN_NAME,
            template_code=outgoing.alibaba_code,
            template_param=json.dumps(
                {name: str(outgoing.params.get(name, "")) for name in outgoing.param_names},
                ensure_ascii=False,
            ),
            out_id=str(outgoing.message_id),
        )
        try:
            response = self._client().send_sms_with_options(
                request, RuntimeOptions(autoretry=False)
            )
        except Exception as error:  # network, or a refusal the SDK raises
            code = str(getattr(error, "code", "") or "")
            if code and code not in TRANSIENT_CODES and not code.startswith("5"):
                raise PermanentError(f"{code}: {getattr(error, 'message', error)}") from error
            raise TransientError(str(error)) from error
        body = response.body
        if body.code == "OK":
            return Accepted(provider_ref=str(body.biz_id))
        if body.code in TRANSIENT_CODES:
            raise TransientError(f"{body.code}: {body.message}")
        raise PermanentError(f"{body.code}: {body.message}")

    def parse_receipts(self, body: bytes) -> list[Receipt]:
        """The SmsReport push: ``[{"biz_id", "success", "err_code", "err_msg",
        "report_time", …}]``."""
        receipts = []
        for item in json_list(body):
            success = item.get("success")
            delivered = success is True or str(success).lower() == "true"
            receipts.append(
                Receipt(
                    provider_ref=str(item["biz_id"]),
                    delivered=delivered,
                    at=local_moment(item.get("report_time")),
                    detail=f"{item.get('err_code', '')} {item.get('err_msg', '')}".strip()[:500],
                )
            )
        return receipts
