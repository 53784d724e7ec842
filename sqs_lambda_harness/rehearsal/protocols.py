"""What an AWS API request is (service, protocol, operation, which client sent it), read from
the request alone; and the error answers AWS gives in each protocol, shaped so that the real
clients treat them as AWS's: botocore (standard retry mode, `botocore/retries/standard.py`) and
the Terraform provider's aws-sdk-go-v2 (`aws/retry`, `DefaultThrottleErrorCodes` and
`DefaultRetryableHTTPStatusCodes`) both retry the throttling codes used here
(`RequestThrottled`, `ThrottlingException`, `Throttling`, `TooManyRequestsException`) and
HTTP 500/502/503/504, whatever the body.
"""

from __future__ import annotations

import functools
import json
import re
import urllib.parse
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

import botocore.session

# SigV4: `Authorization: AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/sqs/aws4_request, ...`
_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_ATTEMPT = re.compile(r"attempt=(\d+)")
CLIENTS = ("terraform", "boto3", "other")
THROTTLED = "Rate exceeded"
ROLE_NOT_ASSUMABLE = "The role defined for the function cannot be assumed by Lambda."


@dataclass(frozen=True)
class Call:
    """One AWS API request: `service` is its signing name (sqs, lambda, iam, sts, logs),
    `protocol` json, query or rest, `client` terraform, boto3 or other (by User-Agent),
    `attempt` the SDK's attempt number (a retry is attempt 2 and up)."""

    service: str
    protocol: str
    operation: str
    client: str
    attempt: int = 1
    content_type: str = ""
    params: Mapping[str, str] = field(default_factory=dict)  # a query request's parameters

    @property
    def key(self) -> str:
        """`service:Operation`, as the run report's usage names calls."""
        return f"{self.service}:{self.operation}"


@dataclass(frozen=True)
class Answer:
    """A response the proxy gives instead of forwarding."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


def client_of(user_agent: str) -> str:
    """The provider's User-Agent names Terraform and terraform-provider-aws (it is built on
    aws-sdk-go-v2); boto3's names Boto3 and botocore."""
    agent = user_agent.lower()
    if "terraform" in agent:
        return "terraform"
    if "boto3" in agent or "botocore" in agent:
        return "boto3"
    return "other"


def read_call(method: str, path: str, headers: Mapping[str, str], body: bytes) -> Call | None:
    """The AWS API call a request makes, or None when it is not one (no SigV4 signature: a
    health check, anything else an emulator serves)."""
    scope = _SCOPE.search(headers.get("Authorization", ""))
    if scope is None:
        return None
    service = scope.group(1)
    client = client_of(headers.get("User-Agent", ""))
    attempt = _ATTEMPT.search(headers.get("amz-sdk-request", ""))
    common = {
        "service": service,
        "client": client,
        "attempt": int(attempt.group(1)) if attempt else 1,
        "content_type": headers.get("Content-Type", ""),
    }
    target = headers.get("X-Amz-Target", "")
    if target:  # JSON protocol: `AmazonSQS.SendMessage`, `Logs_20140328.CreateLogGroup`
        return Call(protocol="json", operation=target.rsplit(".", 1)[-1], **common)
    split = urllib.parse.urlsplit(path)
    form = "x-www-form-urlencoded" in common["content_type"]
    params = urllib.parse.parse_qs(body.decode(errors="replace") if form else split.query)
    if "Action" in params:  # query protocol: IAM, STS, SQS's older clients
        flat = {key: values[0] for key, values in params.items()}
        return Call(protocol="query", operation=flat["Action"], params=flat, **common)
    return Call(protocol="rest", operation=rest_operation(service, method, split.path), **common)


def rest_operation(service: str, method: str, path: str) -> str:
    """The operation a REST request names by its method and path, from botocore's model of the
    service (`POST /2015-03-31/functions/{FunctionName}/invocations` is lambda's Invoke)."""
    for verb, pattern, name in _routes(service):
        if verb == method and pattern.match(path):
            return name
    return f"{method} {path}"


@functools.cache
def _routes(service: str) -> list[tuple[str, re.Pattern[str], str]]:
    """Every operation of a REST service as (method, path pattern, name), the most specific
    (longest literal path) first."""
    try:
        model = botocore.session.get_session().get_service_model(service)
    except Exception:  # not a service botocore knows by that name
        return []
    routes = []
    for name in model.operation_names:
        http = model.operation_model(name).http
        uri = http["requestUri"].split("?", 1)[0].rstrip("/")
        literal = re.sub(r"\{[^}]+\}", "", uri)
        parts = re.split(r"(\{[^}]+\})", uri)
        regex = "".join(
            (".+" if p.endswith("+}") else "[^/]+") if p.startswith("{") else re.escape(p)
            for p in parts
        )
        routes.append((len(literal), http["method"], re.compile(f"^{regex}/?$"), name))
    routes.sort(key=lambda route: -route[0])
    return [(method, pattern, name) for _, method, pattern, name in routes]


# ------------------------------------------------------------------------- AWS's answers


def throttled(call: Call) -> Answer:
    """Throttling as the call's service answers it: SQS `RequestThrottled` (its JSON protocol
    also names it in `x-amzn-query-error`), IAM and STS `Throttling`, Lambda HTTP 429
    `TooManyRequestsException`, other JSON services `ThrottlingException`; HTTP 400 but
    Lambda's."""
    if call.protocol == "rest":
        body = {"Type": "User", "message": THROTTLED, "Reason": "CallerRateLimitExceeded"}
        return _rest(429, "TooManyRequestsException", body)
    if call.protocol == "query":
        code = "RequestThrottled" if call.service == "sqs" else "Throttling"
        return _query(400, code, THROTTLED, "Sender")
    code = "RequestThrottled" if call.service == "sqs" else "ThrottlingException"
    return _json(call, 400, code, THROTTLED, "Sender")


def server_error(call: Call, status: int) -> Answer:
    """HTTP 500 (InternalFailure; Lambda's ServiceException) or 503 (ServiceUnavailable)."""
    code = "ServiceUnavailable" if status == 503 else "InternalFailure"
    message = "Service unavailable" if status == 503 else "An internal error occurred"
    if call.protocol == "rest":
        code = code if status == 503 else "ServiceException"
        return _rest(status, code, {"Type": "Service", "message": message})
    if call.protocol == "query":
        return _query(status, code, message, "Receiver")
    return _json(call, status, code, message, "Receiver")


def role_not_assumable() -> Answer:
    """Lambda's CreateFunction refusing a role IAM has not yet propagated to it; the provider
    retries exactly this message (function.go retryFunctionOp)."""
    body = {"Type": "User", "message": ROLE_NOT_ASSUMABLE}
    return _rest(400, "InvalidParameterValueException", body)


def json_answer(status: int, document: object) -> Answer:
    """A REST JSON success, as the proxy synthesises one."""
    headers = (("Content-Type", "application/json"), ("x-amzn-RequestId", str(uuid.uuid4())))
    return Answer(status, headers, json.dumps(document).encode())


def _rest(status: int, code: str, body: dict[str, str]) -> Answer:
    headers = (
        ("Content-Type", "application/json"),
        ("x-amzn-RequestId", str(uuid.uuid4())),
        ("x-amzn-ErrorType", code),
    )
    return Answer(status, headers, json.dumps(body).encode())


def _json(call: Call, status: int, code: str, message: str, fault: str) -> Answer:
    headers = [
        ("Content-Type", call.content_type or "application/x-amz-json-1.0"),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ]
    if call.service == "sqs":  # SQS's JSON protocol carries its query-era code too
        headers.append(("x-amzn-query-error", f"{code};{fault}"))
        code = f"com.amazonaws.sqs#{code}"
    body = json.dumps({"__type": code, "message": message}).encode()
    return Answer(status, tuple(headers), body)


def _query(status: int, code: str, message: str, fault: str) -> Answer:
    request_id = uuid.uuid4()
    body = (
        "<ErrorResponse><Error>"
        f"<Type>{fault}</Type><Code>{code}</Code><Message>{message}</Message>"
        f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    headers = (("Content-Type", "text/xml"), ("x-amzn-RequestId", str(request_id)))
    return Answer(status, headers, body.encode())
