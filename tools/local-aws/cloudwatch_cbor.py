"""
CloudWatch over Smithy RPC v2 CBOR for moto 5.2.5, which speaks only CloudWatch's query protocol.

From aws-sdk-go-v2 service/cloudwatch v1.5x the AWS provider sends every CloudWatch call as
    POST /service/GraniteServiceVersion20100801/operation/<Operation>   (body: CBOR, header smithy-protocol: rpc-v2-cbor)
and moto answers 404, so no aws_cloudwatch_metric_alarm or aws_cloudwatch_dashboard can be
created. This bridge sits in front of moto's WSGI dispatcher: it decodes the CBOR input, serializes
the same parameters as a query request with botocore's own serializer (the member names are the
same in both protocols), lets moto's CloudWatch handle it, parses moto's XML answer with botocore's
query parser and returns it as CBOR. Errors keep their code and HTTP status (`__type` in the body).
The Authorization header passes through, so moto picks the same account from the access key.
Newer AWS SDKs for JavaScript send CloudWatch as AWS JSON 1.0 (`X-Amz-Target:
GraniteServiceVersion20100801.<Operation>`), which moto does not speak either; the same bridge
answers those in JSON.
"""

from __future__ import annotations

import io
import json
from typing import Any, Callable
from urllib.parse import urlencode

import cbor2
from botocore.parsers import QueryParser
from botocore.serialize import QuerySerializer
from botocore.session import get_session

PREFIX = "/service/GraniteServiceVersion20100801/operation/"
JSON_TARGET = "GraniteServiceVersion20100801."

_model = None


def _service_model() -> Any:
    global _model
    if _model is None:
        _model = get_session().get_service_model("cloudwatch")
    return _model


def _call_inner(app: Callable[..., Any], environ: dict[str, Any], body: bytes) -> tuple[int, dict[str, str], bytes]:
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        captured["status"] = int(status.split(" ", 1)[0])
        captured["headers"] = dict(headers)
        return lambda _data: None

    inner = dict(environ)
    inner.update(
        {
            "PATH_INFO": "/",
            "RAW_URI": "/",
            "REQUEST_URI": "/",
            "QUERY_STRING": "",
            "CONTENT_TYPE": "application/x-www-form-urlencoded; charset=utf-8",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
    )
    inner.pop("HTTP_SMITHY_PROTOCOL", None)
    chunks = app(inner, start_response)
    try:
        data = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return captured["status"], captured["headers"], data


def _json_default(value: Any) -> Any:
    if hasattr(value, "timestamp"):
        return value.timestamp()
    if isinstance(value, bytes):
        import base64

        return base64.b64encode(value).decode()
    raise TypeError(f"cannot encode {type(value).__name__}")


CBOR = {
    "decode": lambda raw: cbor2.loads(raw),
    "encode": lambda payload: cbor2.dumps(payload, datetime_as_timestamp=True, timezone=None),
    "headers": [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")],
}
JSON = {
    "decode": lambda raw: json.loads(raw),
    "encode": lambda payload: json.dumps(payload, default=_json_default).encode(),
    "headers": [("Content-Type", "application/x-amz-json-1.0")],
}


def handle(app: Callable[..., Any], environ: dict[str, Any], start_response: Any, operation_name: str, codec: dict[str, Any]) -> list[bytes]:
    """Answers one CloudWatch request (RPC v2 CBOR or AWS JSON 1.0) through moto's query API."""
    model = _service_model()

    def reply(status: int, payload: dict[str, Any]) -> list[bytes]:
        body = codec["encode"](payload)
        start_response(f"{status} {'OK' if status < 400 else 'ERROR'}", [*codec["headers"], ("Content-Length", str(len(body)))])
        return [body]

    try:
        operation = model.operation_model(operation_name)
    except Exception:
        return reply(400, {"__type": "UnknownOperationException", "message": f"unknown CloudWatch operation {operation_name}"})
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b""
    params = codec["decode"](raw) if raw else {}
    request = QuerySerializer().serialize_to_request(params or {}, operation)
    form = urlencode(request["body"]).encode("utf-8")
    status, headers, data = _call_inner(app, environ, form)
    parsed = QueryParser().parse({"status_code": status, "headers": headers, "body": data}, operation.output_shape)
    parsed.pop("ResponseMetadata", None)
    if status >= 300:
        error = parsed.get("Error", {})
        return reply(status, {"__type": error.get("Code", "InternalFailure"), "message": error.get("Message", "")})
    return reply(200, parsed)


def install() -> list[str]:
    """Wraps moto's WSGI dispatcher (idempotent). Returns what was added."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    if getattr(DomainDispatcherApplication, "_local_aws_cbor_installed", False):
        return ["CloudWatch: Smithy RPC v2 CBOR and AWS JSON 1.0"]
    original = DomainDispatcherApplication.__call__

    def dispatch(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        inner = lambda env, sr: original(self, env, sr)  # noqa: E731
        if environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO", "").startswith(PREFIX):
            return handle(inner, environ, start_response, environ["PATH_INFO"][len(PREFIX) :], CBOR)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if environ.get("REQUEST_METHOD") == "POST" and target.startswith(JSON_TARGET):
            return handle(inner, environ, start_response, target[len(JSON_TARGET) :], JSON)
        return original(self, environ, start_response)

    DomainDispatcherApplication.__call__ = dispatch  # type: ignore[method-assign]
    DomainDispatcherApplication._local_aws_cbor_installed = True  # type: ignore[attr-defined]
    return ["CloudWatch: Smithy RPC v2 CBOR and AWS JSON 1.0"]
