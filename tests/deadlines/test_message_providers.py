"""The Alibaba Cloud and Tencent Cloud SMS adapters, each against a fake provider served
on loopback: what the SDK sends (signature, template code, parameters, our message id)
and how an answer becomes sent, retried or failed; and their receipt formats."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django.urls import reverse

from deadlines.messaging import Outgoing, PermanentError, TransientError, backend_get
from deadlines.messaging.receipts import signed_headers


class FakeProvider(BaseHTTPRequestHandler):
    # Set per test: the answer (status, JSON) and the requests seen.
    answer: tuple[int, dict[str, Any]] = (200, {})
    seen: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        url = urlparse(self.path)
        form = {k: v[0] for k, v in parse_qs(body).items()} if "=" in body else {}
        FakeProvider.seen.append(
            {
                "query": {k: v[0] for k, v in parse_qs(url.query).items()},
                "form": form,
                "json": json.loads(body) if body.startswith("{") else None,
                "headers": dict(self.headers),
            }
        )
        status, payload = FakeProvider.answer
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
    FakeProvider.seen, FakeProvider.answer = [], (200, {})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def outgoing(**fields: Any) -> Outgoing:
    values: dict[str, Any] = {
        "message_id": 42,
        "channel": "sms",
        "to": "13800000000",
        "body": "您的诉求2026-000001已办结。",
        "subject": "",
        "template_code": "result",
        "alibaba_code": "SMS_123456789",
        "tencent_id": "1234567",
        "param_names": ["number", "result"],
        "params": {"number": "2026-000001", "result": "已修复"},
    }
    values.update(fields)
    return Outgoing(**values)


@pytest.fixture
def alibaba(settings: Any, provider: str) -> Any:
    settings.ALIBABA_SMS_ACCESS_KEY_ID = "test-key-id"
    settings.ALIBABA_SMS_ACCESS_KEY_SECRET = "test-key-secret"
    settings.ALIBABA_SMS_ENDPOINT = provider
    settings.ALIBABA_SMS_PROTOCOL = "http"
    settings.MESSAGES_SIGN_NAME = "某市供水"
    return backend_get("alibaba")


@pytest.fixture
def tencent(settings: Any, provider: str) -> Any:
    settings.TENCENT_SMS_SECRET_ID = "test-secret-id"
    settings.TENCENT_SMS_SECRET_KEY = "test-secret-key"
    settings.TENCENT_SMS_APP_ID = "1400000000"
    settings.TENCENT_SMS_ENDPOINT = provider
    settings.TENCENT_SMS_PROTOCOL = "http"
    settings.MESSAGES_SIGN_NAME = "某市供水"
    return backend_get("tencent")


def test_alibaba_sends_the_registered_template_with_its_signature(alibaba: Any) -> None:
    FakeProvider.answer = (
        200,
        {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "r1"},
    )
    accepted = alibaba.send(outgoing())
    assert accepted.provider_ref == "900619746936498440^0"
    assert not accepted.delivered
    (request,) = FakeProvider.seen
    sent, headers = {**request["query"], **request["form"]}, request["headers"]
    assert (headers["x-acs-action"], headers["x-acs-version"]) == ("SendSms", "2017-05-25")
    # Signed with the access key (V3 signature).
    assert headers["Authorization"].startswith("ACS3-HMAC-SHA256 Credential=test-key-id,")
    assert (sent["PhoneNumbers"], sent["SignName"], sent["TemplateCode"], sent["OutId"]) == (
        "13800000000",
        "某市供水",
        "SMS_123456789",
        "42",
    )
    assert json.loads(sent["TemplateParam"]) == {"number": "2026-000001", "result": "已修复"}


def test_alibaba_refusals_are_final_or_retried(alibaba: Any) -> None:
    FakeProvider.answer = (200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"})
    with pytest.raises(PermanentError, match="MOBILE_NUMBER_ILLEGAL"):
        alibaba.send(outgoing())
    FakeProvider.answer = (200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "流控"})
    with pytest.raises(TransientError):
        alibaba.send(outgoing())


def test_alibaba_unreachable_is_retried(settings: Any, alibaba: Any) -> None:
    settings.ALIBABA_SMS_ENDPOINT = "127.0.0.1:9"  # nothing listens
    with pytest.raises(TransientError):
        alibaba.send(outgoing())


def test_tencent_sends_the_registered_template_with_its_signature(tencent: Any) -> None:
    FakeProvider.answer = (
        200,
        {
            "Response": {
                "SendStatusSet": [
                    {
                        "SerialNo": "5000:104571066915705365784949619",
                        "PhoneNumber": "+8613800000000",
                        "Fee": 1,
                        "SessionContext": "42",
                        "Code": "Ok",
                        "Message": "send success",
                        "IsoCode": "CN",
                    }
                ],
                "RequestId": "r2",
            }
        },
    )
    accepted = tencent.send(outgoing())
    assert accepted.provider_ref == "5000:104571066915705365784949619"
    (request,) = FakeProvider.seen
    assert request["headers"]["X-TC-Action"] == "SendSms"
    assert "TC3-HMAC-SHA256" in request["headers"]["Authorization"]
    assert request["json"] == {
        "PhoneNumberSet": ["+8613800000000"],
        "SmsSdkAppId": "1400000000",
        "SignName": "某市供水",
        "TemplateId": "1234567",
        "TemplateParamSet": ["2026-000001", "已修复"],
        "SessionContext": "42",
    }


def test_tencent_refusals_are_final_or_retried(tencent: Any) -> None:
    def status(code: str) -> dict[str, Any]:
        return {
            "Response": {
                "SendStatusSet": [{"SerialNo": "", "Code": code, "Message": code}],
                "RequestId": "r",
            }
        }

    FakeProvider.answer = (200, status("InvalidParameterValue.IncorrectPhoneNumber"))
    with pytest.raises(PermanentError):
        tencent.send(outgoing())
    FakeProvider.answer = (200, status("LimitExceeded.PhoneNumberThirtySecondLimit"))
    with pytest.raises(TransientError):
        tencent.send(outgoing())
    FakeProvider.answer = (
        200,
        {
            "Response": {
                "Error": {"Code": "AuthFailure.SecretIdNotFound", "Message": "x"},
                "RequestId": "r",
            }
        },
    )
    with pytest.raises(PermanentError, match="AuthFailure"):
        tencent.send(outgoing())


def test_a_template_without_a_provider_code_is_refused(alibaba: Any, tencent: Any) -> None:
    with pytest.raises(PermanentError):
        alibaba.send(outgoing(alibaba_code=""))
    with pytest.raises(PermanentError):
        tencent.send(outgoing(tencent_id=""))
    assert FakeProvider.seen == []


def test_each_provider_reads_its_own_receipt_format() -> None:
    alibaba = backend_get("alibaba").parse_receipts(
        json.dumps(
            [
                {
                    "phone_number": "13800000000",
                    "success": True,
                    "biz_id": "9006^0",
                    "err_code": "DELIVERED",
                    "err_msg": "用户接收成功",
                    "report_time": "2026-06-01 09:00:05",
                    "out_id": "42",
                },
                {"biz_id": "9007^0", "success": False, "err_code": "MK:0001"},
            ]
        ).encode()
    )
    assert [(r.provider_ref, r.delivered) for r in alibaba] == [("9006^0", True), ("9007^0", False)]
    assert alibaba[0].at is not None
    assert alibaba[0].at.utcoffset() == timedelta(hours=8)
    tencent = backend_get("tencent").parse_receipts(
        json.dumps(
            [
                {
                    "sid": "5000:1",
                    "report_status": "SUCCESS",
                    "user_receive_time": "2026-06-01 09:00:05",
                },
                {"sid": "5000:2", "report_status": "FAIL", "errmsg": "E:ID", "description": "空号"},
            ]
        ).encode()
    )
    assert [(r.provider_ref, r.delivered, r.detail) for r in tencent] == [
        ("5000:1", True, ""),
        ("5000:2", False, "E:ID 空号"),
    ]


@pytest.mark.django_db
def test_the_endpoint_refuses_an_unsigned_provider_push(settings: Any, client: Client) -> None:
    settings.MESSAGES_RECEIPT_SECRETS = {"alibaba": "a-secret", "tencent": "t-secret"}
    body = json.dumps([{"biz_id": "x", "success": True}]).encode()
    url = reverse("deadlines:message_receipts", args=["alibaba"])
    assert client.post(url, data=body, content_type="application/json").status_code == 403
    # Signed with the other provider's secret.
    settings.MESSAGES_RECEIPT_SECRETS = {"alibaba": "a-secret", "tencent": "a-secret2"}
    wrong = signed_headers("tencent", body)
    assert (
        client.post(url, data=body, content_type="application/json", headers=wrong).status_code
        == 403
    )
    ok = signed_headers("alibaba", body)
    answer = client.post(url, data=body, content_type="application/json", headers=ok)
    assert answer.status_code == 200
    assert answer.json()["recorded"] == 0
    unknown = reverse("deadlines:message_receipts", args=["nobody"])
    assert client.post(unknown, data=body, content_type="application/json").status_code == 404


def test_a_missing_sdk_fails_only_when_its_backend_sends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sys

    sdks = ("alibabacloud_dysmsapi20170525", "tencentcloud")
    for module in [name for name in sys.modules if name.startswith(sdks)] + list(sdks):
        monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    receipts = backend_get("alibaba").parse_receipts(b'[{"biz_id": "1", "success": true}]')
    assert receipts[0].delivered
    with pytest.raises(ImportError):
        backend_get("alibaba").send(outgoing())
    with pytest.raises(ImportError):
        backend_get("tencent").send(outgoing())
    assert backend_get("file").name == "file"
