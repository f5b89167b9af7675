"""Tencent Cloud SMS (腾讯云短信, API 2021-01-11) through its SDK
``tencentcloud-sdk-python-sms``, imported when a message is sent, so that a portal
without the SDK fails only when this backend is chosen.

Settings: TENCENT_SMS_SECRET_ID, TENCENT_SMS_SECRET_KEY, TENCENT_SMS_APP_ID (the
SmsSdkAppId), TENCENT_SMS_REGION, TENCENT_SMS_ENDPOINT (and TENCENT_SMS_PROTOCOL, "http"
only for the fake provider of the tests), the signature MESSAGES_SIGN_NAME and each
template's ``tencent_id``; the template's parameters go in its ``param_names`` order.
"""

from __future__ import annotations

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

TRANSIENT_CODES = frozenset(
    {
        "LimitExceeded.PhoneNumberDailyLimit",
        "LimitExceeded.PhoneNumberThirtySecondLimit",
        "LimitExceeded.PhoneNumberOneHourLimit",
        "InternalError.Timeout",
        "InternalError.OtherError",
        "InternalError.RequestTimeException",
        "RequestLimitExceeded",
    }
)


def _e164(phone: str) -> str:
    """Tencent wants +86… for mainland numbers."""
    return phone if phone.startswith("+") else f"+86{phone}"


class TencentBackend(Backend):
    name = "tencent"

    def _client(self) -> Any:
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        http = HttpProfile(
            protocol=settings.TENCENT_SMS_PROTOCOL,
            endpoint=settings.TENCENT_SMS_ENDPOINT,
            reqTimeout=10,
        )
        return sms_client.SmsClient(
            credential.Credential(settings.TENCENT_SMS_SECRET_ID, settings.TENCENT_SMS_SECRET_KEY),
            settings.TENCENT_SMS_REGION,
            ClientProfile(httpProfile=http),
        )

    def send_sms(self, outgoing: Outgoing) -> Accepted:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.sms.v20210111 import models

        if not outgoing.tencent_id:
            raise PermanentError(f"template {outgoing.template_code} has no Tencent ID")
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [_e164(outgoing.to)]
        request.SmsSdkAppId = settings.TENCENT_SMS_APP_ID
        request.SignName = settings.MESSAGES_SIGN_NAME
        request.TemplateId = outgoing.tencent_id
        request.TemplateParamSet = outgoing.ordered_params()
        request.SessionContext = str(outgoing.message_id)
        try:
            response = self._client().SendSms(request)
        except TencentCloudSDKException as error:
            code = str(error.code or "")
            if not code or code.startswith(("InternalError", "ClientNetworkError")):
                raise TransientError(str(error)) from error
            if code in TRANSIENT_CODES or code.startswith("RequestLimitExceeded"):
                raise TransientError(str(error)) from error
            raise PermanentError(str(error)) from error
        except OSError as error:
            raise TransientError(str(error)) from error
        (status,) = response.SendStatusSet
        if status.Code == "Ok":
            return Accepted(provider_ref=str(status.SerialNo))
        if status.Code in TRANSIENT_CODES:
            raise TransientError(f"{status.Code}: {status.Message}")
        raise PermanentError(f"{status.Code}: {status.Message}")

    def parse_receipts(self, body: bytes) -> list[Receipt]:
        """The status callback: ``[{"sid", "report_status": "SUCCESS"|"FAIL",
        "user_receive_time", "errmsg", "description", …}]``."""
        return [
            Receipt(
                provider_ref=str(item["sid"]),
                delivered=str(item.get("report_status", "")).upper() == "SUCCESS",
                at=local_moment(item.get("user_receive_time")),
                detail=f"{item.get('errmsg', '')} {item.get('description', '')}".strip()[:500],
            )
            for item in json_list(body)
        ]
