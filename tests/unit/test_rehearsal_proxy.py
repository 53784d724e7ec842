"""The rehearsal proxy (sqs_lambda_harness.rehearsal) against a tiny local upstream: what it
passes through is untouched, what it injects is what the rehearsal states (deterministic with a
seed) and shaped so that botocore, and aws-sdk-go-v2 by its list of codes, treat it as AWS's
throttling or 5xx; the mapping's and IAM's clocks; loopback only; counts by client."""

from __future__ import annotations

import http.client
import io
import json
import ssl
import threading
import time
import urllib.parse
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import islice
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.parsers import QueryParser
from botocore.retries.standard import (
    ExponentialBackoff,
    ThrottledRetryableChecker,
    TransientRetryableChecker,
)

from sqs_lambda_harness import waits
from sqs_lambda_harness.errors import HarnessError
from sqs_lambda_harness.rehearsal import Rehearsal, RehearsalProxy, fates
from sqs_lambda_harness.rehearsal.protocols import ROLE_NOT_ASSUMABLE
from sqs_lambda_harness.targets.aws import AWS_CLOCK, AWS_TOLERANCES, AwsClock

QUIET = Rehearsal(delay_ms=(0, 0), throttle_rate=0, server_error_rate=0)
EXACT = b'{"QueueUrls" :  ["http://x/000000000000/q"] }\n'  # odd spacing: any re-encoding shows
# aws-sdk-go-v2 v1.39.0 (the provider's), aws/retry/standard.go DefaultThrottleErrorCodes and
# DefaultRetryableHTTPStatusCodes: what the Terraform provider retries by itself.
GO_SDK_THROTTLE_CODES = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
}
GO_SDK_RETRYABLE_STATUS = {500, 502, 503, 504}
TERRAFORM_AGENT = (
    "APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) "
    "terraform-provider-aws/6.13.0 (+https://registry.terraform.io/providers/hashicorp/aws) "
    "aws-sdk-go-v2/1.39.0 ua/2.1 os/linux lang/go#1.24 api/lambda#1.77.3"
)


# ------------------------------------------------------------------------- a tiny upstream


class Upstream(ThreadingHTTPServer):
    """Just enough of an emulator: Lambda's mapping and function routes, IAM's CreateRole, and
    a fixed body (`EXACT`) for anything else. It records every request it gets."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _UpstreamHandler)
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []
        self.mappings: dict[str, dict[str, Any]] = {}

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _UpstreamHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Upstream

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _serve(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.seen.append((self.command, self.path, dict(self.headers.items()), body))
        status, payload, headers = self._route(body)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_DELETE = do_PUT = _serve

    def _route(self, body: bytes) -> tuple[int, bytes, dict[str, str]]:
        path = urllib.parse.urlsplit(self.path).path
        mappings = self.server.mappings
        if path.startswith("/2015-03-31/event-source-mappings"):
            mapping_id = path.rstrip("/").rsplit("/", 1)[-1]
            if self.command == "POST":
                request = json.loads(body)
                mapping = {
                    "UUID": str(uuid.uuid4()),
                    "State": "Enabled",
                    "BatchSize": 10,
                    "EventSourceArn": request["EventSourceArn"],
                    "FunctionArn": f"arn:aws:lambda:us-east-1:0:function:{request['FunctionName']}",
                }
                mappings[mapping["UUID"]] = mapping
                return 202, json.dumps(mapping).encode(), {}
            if mapping_id not in mappings:
                error = {"Type": "User", "message": f"not found: {mapping_id}"}
                return (
                    404,
                    json.dumps(error).encode(),
                    {"x-amzn-ErrorType": "ResourceNotFoundException"},
                )
            if self.command == "DELETE":
                return (
                    202,
                    json.dumps({**mappings.pop(mapping_id), "State": "Deleting"}).encode(),
                    {},
                )
            return 200, json.dumps(mappings[mapping_id]).encode(), {}
        if path == "/2015-03-31/functions":
            request = json.loads(body)
            function = {"FunctionName": request["FunctionName"], "Role": request["Role"]}
            return 201, json.dumps(function).encode(), {}
        if path.endswith("/invocations"):
            return 200, b'{"ok": true}', {}
        if b"Action=CreateRole" in body:
            name = urllib.parse.parse_qs(body.decode())["RoleName"][0]
            return 200, _created_role(name), {"Content-Type": "text/xml"}
        return 200, EXACT, {"Content-Type": "application/x-amz-json-1.0", "X-Upstream": "yes"}


def _created_role(name: str) -> bytes:
    return (
        '<CreateRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateRoleResult>'
        f"<Role><Path>/</Path><RoleName>{name}</RoleName><RoleId>AROA1</RoleId>"
        f"<Arn>arn:aws:iam::000000000000:role/{name}</Arn>"
        "<CreateDate>2026-01-01T00:00:00Z</CreateDate></Role></CreateRoleResult>"
        "<ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></CreateRoleResponse>"
    ).encode()


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


def client(service: str, url: str, attempts: int = 1) -> Any:
    """A boto3 client at `url`; one attempt (no retries) unless told otherwise."""
    return boto3.session.Session().client(
        service,
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": attempts, "mode": "standard"}),
    )


def signed(service: str, agent: str = "curl/8") -> dict[str, str]:
    """Headers of a SigV4-signed call to `service` (the proxy reads the scope, not the
    signature)."""
    return {
        "Authorization": f"AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/{service}/"
        "aws4_request, SignedHeaders=host, Signature=0",
        "User-Agent": agent,
    }


def request(
    url: str, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    split = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(split.hostname, split.port, timeout=10)
    connection.request(method, path, body=body or None, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def sqs_call(url: str, agent: str = "curl/8") -> int:
    """One JSON-protocol SQS call; its status."""
    headers = {**signed("sqs", agent), "X-Amz-Target": "AmazonSQS.ListQueues"}
    headers["Content-Type"] = "application/x-amz-json-1.0"
    return request(url, "POST", "/", b"{}", headers).status


# ------------------------------------------------------------------------- pass-through


def test_pass_through_is_byte_exact_both_ways(upstream: Upstream) -> None:
    body = b'{"QueueNamePrefix":  "hx-"}'
    headers = {**signed("sqs"), "X-Amz-Target": "AmazonSQS.ListQueues", "X-Custom": "kept"}
    with RehearsalProxy(upstream.url, QUIET) as proxy:
        split = urllib.parse.urlsplit(proxy.url)
        connection = http.client.HTTPConnection(split.hostname, split.port, timeout=10)
        connection.request("POST", "/?a=1&b=%2F", body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        # The same connection again: keep-alive, as the SDKs use it.
        connection.request("GET", "/anything", headers={"X-Custom": "again"})
        again = connection.getresponse()
        assert again.read() == EXACT
        connection.close()
    assert (response.status, payload) == (200, EXACT)
    assert response.getheader("X-Upstream") == "yes"
    method, path, forwarded, forwarded_body = upstream.seen[0]
    assert (method, path, forwarded_body) == ("POST", "/?a=1&b=%2F", body)
    assert forwarded["X-Custom"] == "kept"
    assert forwarded["Host"] == f"{split.hostname}:{split.port}"  # what queue URLs are built on
    assert upstream.seen[1][:2] == ("GET", "/anything")


def test_health_checks_and_unsigned_requests_meet_nothing(upstream: Upstream) -> None:
    every_call_refused = Rehearsal(delay_ms=(0, 0), throttle_rate=1, server_error_rate=0)
    with RehearsalProxy(upstream.url, every_call_refused) as proxy:
        statuses = {request(proxy.url, "GET", "/_localstack/health").status for _ in range(20)}
        refused = sqs_call(proxy.url)
    assert statuses == {200}
    assert refused == 400  # the same rehearsal does refuse a signed call
    assert proxy.counts.not_api == 20
    assert proxy.counts.of("throttle") == 1


# ------------------------------------------------------------------------- rates and seeds


def _outcomes(url: str, rehearsal: Rehearsal, n: int) -> tuple[list[int], Any]:
    with RehearsalProxy(url, rehearsal) as proxy:
        return [sqs_call(proxy.url) for _ in range(n)], proxy.counts


def test_rates_are_honoured_and_a_seed_repeats_the_same_faults(upstream: Upstream) -> None:
    rehearsal = Rehearsal(seed=7, delay_ms=(0, 0), throttle_rate=0.2, server_error_rate=0.1)
    first, counts = _outcomes(upstream.url, rehearsal, 400)
    second, _ = _outcomes(upstream.url, rehearsal, 400)
    other, _ = _outcomes(upstream.url, replace(rehearsal, seed=8), 400)
    assert first == second
    assert first != other
    throttled, failed = first.count(400), first.count(500) + first.count(503)
    assert 80 - 24 <= throttled <= 80 + 24  # 400 x 0.2, within three standard deviations
    assert 40 - 18 <= failed <= 40 + 18
    assert {500, 503} <= set(first)
    assert counts.of("throttle") == throttled and counts.of("server_error") == failed
    assert len(upstream.seen) == 3 * 400 - sum(1 for s in first + second + other if s != 200)
    predicted = [fault for _, fault, _ in islice(fates(rehearsal, "other"), 400)]
    assert [s == 400 for s in first] == [fault == "throttle" for fault in predicted]


def test_a_client_meets_the_same_faults_however_others_interleave(upstream: Upstream) -> None:
    rehearsal = Rehearsal(seed=11, delay_ms=(0, 0), throttle_rate=0.3, server_error_rate=0.2)
    alone, _ = _outcomes(upstream.url, rehearsal, 60)
    with RehearsalProxy(upstream.url, rehearsal) as proxy:
        interleaved = []
        for n in range(60):
            for _ in range(n % 3):
                sqs_call(proxy.url, TERRAFORM_AGENT)
            interleaved.append(sqs_call(proxy.url))
    assert interleaved == alone


def test_every_call_waits_its_stated_delay(upstream: Upstream) -> None:
    rehearsal = Rehearsal(delay_ms=(40, 60), throttle_rate=0, server_error_rate=0)
    with RehearsalProxy(upstream.url, rehearsal) as proxy:
        for _ in range(5):
            started = time.monotonic()
            sqs_call(proxy.url)
            assert time.monotonic() - started >= 0.04
        request(proxy.url, "GET", "/_localstack/health")  # not delayed, not counted
    assert 0.2 <= proxy.counts.to_json()["delay_seconds"]["other"] <= 0.3


# ------------------------------------------------------------------------- AWS's error shapes


THROTTLING = Rehearsal(delay_ms=(0, 0), throttle_rate=1, server_error_rate=0)


@pytest.mark.parametrize(
    ("service", "call", "code", "status"),
    [
        ("sqs", lambda c: c.list_queues(), "RequestThrottled", 400),
        ("lambda", lambda c: c.list_functions(), "TooManyRequestsException", 429),
        ("iam", lambda c: c.list_roles(), "Throttling", 400),
        ("sts", lambda c: c.get_caller_identity(), "Throttling", 400),
        ("logs", lambda c: c.describe_log_groups(), "ThrottlingException", 400),
    ],
)
def test_throttling_parses_as_throttling_in_botocore_and_the_go_sdk(
    upstream: Upstream, service: str, call: Any, code: str, status: int
) -> None:
    with RehearsalProxy(upstream.url, THROTTLING) as proxy, pytest.raises(ClientError) as caught:
        call(client(service, proxy.url))
    error = caught.value.response
    assert (error["Error"]["Code"], error["ResponseMetadata"]["HTTPStatusCode"]) == (code, status)
    assert code in ThrottledRetryableChecker._THROTTLED_ERROR_CODES  # botocore standard mode
    assert code in GO_SDK_THROTTLE_CODES  # the Terraform provider's SDK
    assert proxy.counts.of("throttle", "boto3") == 1
    assert upstream.seen == []  # refused before it reached the emulator


def test_sqs_query_protocol_throttling_parses_as_throttling() -> None:
    """SQS's older query protocol (no live client speaks it; botocore's parser reads it)."""
    with RehearsalProxy("http://127.0.0.1:9", THROTTLING) as proxy:
        split = urllib.parse.urlsplit(proxy.url)
        connection = http.client.HTTPConnection(split.hostname, split.port, timeout=10)
        headers = {**signed("sqs"), "Content-Type": "application/x-www-form-urlencoded"}
        connection.request(
            "POST", "/", body=b"Action=ListQueues&Version=2012-11-05", headers=headers
        )
        response = connection.getresponse()
        raw = {"status_code": response.status, "headers": dict(response.getheaders())}
        raw["body"] = response.read()
        connection.close()
    parsed = QueryParser().parse(raw, None)
    assert parsed["Error"]["Code"] == "RequestThrottled"
    assert response.status == 400


def test_server_errors_are_500_or_503_and_retried_by_both_sdks(upstream: Upstream) -> None:
    failing = Rehearsal(delay_ms=(0, 0), throttle_rate=0, server_error_rate=1)
    statuses = set()
    with RehearsalProxy(upstream.url, failing) as proxy:
        for service, call in (("sqs", "list_queues"), ("lambda", "list_functions")):
            calling = getattr(client(service, proxy.url), call)
            for _ in range(8):
                with pytest.raises(ClientError) as caught:
                    calling()
                statuses.add(caught.value.response["ResponseMetadata"]["HTTPStatusCode"])
    assert statuses == {500, 503}
    assert set(TransientRetryableChecker._TRANSIENT_STATUS_CODES) >= statuses
    assert statuses <= GO_SDK_RETRYABLE_STATUS


def test_boto3_retries_what_it_meets_and_the_proxy_counts_those_retries(
    upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    """botocore's RetryAttempts (what the run report's usage sums) equal the proxy's count of
    retried calls, and of the faults it injected: every fault was retried."""
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)
    rehearsal = Rehearsal(seed=3, delay_ms=(0, 0), throttle_rate=0.3, server_error_rate=0.1)
    with RehearsalProxy(upstream.url, rehearsal) as proxy:
        sqs = client("sqs", proxy.url, attempts=10)
        attempts = [sqs.list_queues()["ResponseMetadata"]["RetryAttempts"] for _ in range(40)]
    counts = proxy.counts.to_json()
    assert sum(attempts) > 0
    assert counts["retries"]["boto3"] == {"sqs:ListQueues": sum(attempts)}
    assert counts["faults"]["boto3"] == {"sqs:ListQueues": sum(attempts)}


# ------------------------------------------------------------------------- AWS's slow changes


def test_a_new_mapping_reads_creating_then_a_deleted_one_deleting(upstream: Upstream) -> None:
    queue = "arn:aws:sqs:us-east-1:000000000000:q"
    # Windows far longer than the calls take, even on a loaded machine: what each state reads.
    windows = replace(QUIET, mapping_creating_s=60, mapping_deleting_s=60)
    with RehearsalProxy(upstream.url, windows) as proxy:
        lam = client("lambda", proxy.url)
        created = lam.create_event_source_mapping(EventSourceArn=queue, FunctionName="f")
        mapping_id = created["UUID"]
        reread = lam.get_event_source_mapping(UUID=mapping_id)["State"]
        lam.delete_event_source_mapping(UUID=mapping_id)
        gone_from_emulator = mapping_id not in upstream.mappings
        deleting = lam.get_event_source_mapping(UUID=mapping_id)
    assert (created["State"], reread) == ("Creating", "Creating")
    assert gone_from_emulator
    assert (deleting["State"], deleting["UUID"]) == ("Deleting", mapping_id)
    assert proxy.counts.of("mapping_creating") == 2
    assert proxy.counts.of("mapping_deleting") == 1
    # Short windows: Creating until it has passed, then Enabled; Deleting, then gone.
    window = 0.3
    with RehearsalProxy(upstream.url, replace(windows, mapping_creating_s=window,
                                              mapping_deleting_s=window)) as proxy:  # fmt: skip
        lam = client("lambda", proxy.url)
        started = time.monotonic()
        mapping_id = lam.create_event_source_mapping(EventSourceArn=queue, FunctionName="f")["UUID"]
        waits.until(
            lambda: lam.get_event_source_mapping(UUID=mapping_id)["State"] == "Enabled",
            timeout=30, interval=0.05, what="the mapping Enabled",
        )  # fmt: skip
        assert time.monotonic() - started >= window
        deleted = time.monotonic()
        lam.delete_event_source_mapping(UUID=mapping_id)

        def gone() -> bool:
            try:
                lam.get_event_source_mapping(UUID=mapping_id)
            except lam.exceptions.ResourceNotFoundException:
                return True
            return False

        waits.until(gone, timeout=30, interval=0.05, what="the deleted mapping gone")
        assert time.monotonic() - deleted >= window


def _zip() -> bytes:
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return code.getvalue()


def test_lambda_refuses_a_role_until_iam_has_propagated_it(upstream: Upstream) -> None:
    function = {"Runtime": "python3.12", "Handler": "handler.handler", "Code": {"ZipFile": _zip()}}
    # A window far longer than the calls take, even on a loaded machine: refused.
    with RehearsalProxy(upstream.url, replace(QUIET, iam_propagation_s=60)) as proxy:
        role = client("iam", proxy.url).create_role(RoleName="fresh", AssumeRolePolicyDocument="{}")
        lam = client("lambda", proxy.url)
        with pytest.raises(lam.exceptions.InvalidParameterValueException) as caught:
            lam.create_function(FunctionName="f", Role=role["Role"]["Arn"], **function)
        # A role the proxy did not see created is not held back.
        lam.create_function(FunctionName="g", Role="arn:aws:iam::0:role/older", **function)
    assert caught.value.response["Error"]["Message"] == ROLE_NOT_ASSUMABLE
    assert "The role defined for the function cannot be assumed by Lambda" in ROLE_NOT_ASSUMABLE
    assert proxy.counts.of("iam_propagation") == 1
    # A short window: refused until it has passed, then accepted (awaited, not slept through).
    window = 0.3
    with RehearsalProxy(upstream.url, replace(QUIET, iam_propagation_s=window)) as proxy:
        created = time.monotonic()
        role = client("iam", proxy.url).create_role(RoleName="late", AssumeRolePolicyDocument="{}")
        lam = client("lambda", proxy.url)

        def accepted() -> bool:
            try:
                lam.create_function(FunctionName="h", Role=role["Role"]["Arn"], **function)
            except lam.exceptions.InvalidParameterValueException:
                return False
            return True

        waits.until(accepted, timeout=30, interval=0.05, what="the role accepted")
    assert time.monotonic() - created >= window


def test_a_function_starts_cold_once(upstream: Upstream) -> None:
    rehearsal = replace(QUIET, cold_start_s=0.3)
    with RehearsalProxy(upstream.url, rehearsal) as proxy:
        lam = client("lambda", proxy.url)
        timings = []
        for name in ("f", "f", "arn:aws:lambda:us-east-1:0:function:f", "g"):
            started = time.monotonic()
            lam.invoke(FunctionName=name, Payload=b"{}")
            timings.append(time.monotonic() - started)
    assert timings[0] >= 0.3 and timings[3] >= 0.3
    assert max(timings[1], timings[2]) < 0.3
    assert proxy.counts.of("cold_start") == 2


# ------------------------------------------------------------------------- safety and records


@pytest.mark.parametrize(
    ("upstream_url", "host", "problem"),
    [
        ("http://10.0.0.5:4566", "127.0.0.1", "upstream '10.0.0.5' is not a loopback"),
        ("http://example.com:4566", "127.0.0.1", "upstream 'example.com' is not a loopback"),
        ("http://127.0.0.1:4566", "0.0.0.0", "bind address '0.0.0.0' is not a loopback"),
        ("ftp://127.0.0.1:4566", "127.0.0.1", r"is not an http\(s\)://host:port URL"),
    ],
)
def test_anything_but_the_loopback_is_refused(upstream_url: str, host: str, problem: str) -> None:
    with pytest.raises(HarnessError, match=problem) as caught:
        RehearsalProxy(upstream_url, QUIET, host=host)
    assert "127.0.0.1" in caught.value.fix


def test_counts_tell_terraform_from_boto3_and_are_written_as_json(
    upstream: Upstream, tmp_path
) -> None:
    throttling = Rehearsal(seed=1, delay_ms=(0, 0), throttle_rate=0.5, server_error_rate=0)
    with RehearsalProxy(upstream.url, throttling) as proxy:
        statuses = [sqs_call(proxy.url, TERRAFORM_AGENT) for _ in range(20)]
        with pytest.raises(ClientError):
            for _ in range(20):
                client("sqs", proxy.url).list_queues()
        sqs_call(proxy.url, "curl/8")
    proxy.counts.write(tmp_path / "counts.json")
    written = json.loads((tmp_path / "counts.json").read_text())
    assert written["requests"]["terraform"] == 20
    assert written["injected"]["throttle"]["terraform"] == statuses.count(400)
    assert written["injected"]["throttle"]["boto3"] >= 1
    assert written["requests"]["other"] == 1
    assert written["rehearsal"]["throttle_rate"] == 0.5


def test_leaving_the_context_stops_every_thread_and_the_port(upstream: Upstream) -> None:
    with RehearsalProxy(upstream.url, QUIET) as proxy:
        split = urllib.parse.urlsplit(proxy.url)
        idle = http.client.HTTPConnection(split.hostname, split.port, timeout=10)
        idle.request("GET", "/_localstack/health")
        idle.getresponse().read()  # a keep-alive connection left open
        threads_inside = threading.active_count()
    assert threads_inside > threading.active_count()
    assert not [t for t in threading.enumerate() if t.name == "rehearsal-proxy"]
    with pytest.raises(ConnectionRefusedError):
        request(proxy.url, "GET", "/_localstack/health")
    idle.close()


# ------------------------------------------------------------------------- the aws profile


def test_every_figure_of_the_aws_clock_names_its_source() -> None:
    sources = AwsClock.sources()
    assert sources.keys() == AWS_CLOCK.__dataclass_fields__.keys()
    for name, source in sources.items():
        assert source["kind"] in ("documented", "typical", "assumed", "provider"), name
        assert len(source["source"]) > 40, name
    for named in ("IAM User Guide", "Operator Guide", "EventSourceMappingConfiguration"):
        assert named in AWS_TOLERANCES.why


def test_the_default_rehearsal_is_aws_s_clock_and_of_scales_it() -> None:
    assert Rehearsal().mapping_creating_s == AWS_CLOCK.mapping_creating_s
    scaled = Rehearsal.of(time_scale=0.25, seed=4)
    assert scaled.mapping_creating_s == AWS_CLOCK.mapping_creating_s * 0.25
    assert scaled.iam_propagation_s == AWS_CLOCK.iam_propagation_s * 0.25
    assert (scaled.time_scale, scaled.seed) == (0.25, 4)
    with pytest.raises(HarnessError, match="Not a rehearsal"):
        Rehearsal(throttle_rate=0.8, server_error_rate=0.5)


# ------------------------------------------------------------------------- TLS both ways


def test_tls_both_ways_in_front_of_an_emulator_that_requires_it(tmp_path) -> None:
    """An emulator enforcing IAM is reached over TLS (its queues deny anything else); the proxy
    then serves TLS too, with a certificate the clients trust, and still passes bytes through."""
    from tests.iam.emulator import certificate

    cert, key = certificate(tmp_path)
    server = Upstream()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(str(cert), str(key))
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        upstream = f"https://127.0.0.1:{server.server_address[1]}"
        with pytest.raises(HarnessError, match="speaks TLS"):
            RehearsalProxy(upstream, QUIET)
        with RehearsalProxy(upstream, QUIET, certificate=(cert, key), ca_bundle=cert) as proxy:
            assert proxy.url.startswith("https://127.0.0.1:")
            split = urllib.parse.urlsplit(proxy.url)
            trusted = ssl.create_default_context(cafile=str(cert))
            connection = http.client.HTTPSConnection(
                split.hostname, split.port, timeout=10, context=trusted
            )
            connection.request("POST", "/", body=b"{}", headers=signed("sqs"))
            response = connection.getresponse()
            assert (response.status, response.read()) == (200, EXACT)
            connection.close()
            sqs = boto3.session.Session().client(
                "sqs", endpoint_url=proxy.url, region_name="us-east-1", verify=str(cert),
                aws_access_key_id="test", aws_secret_access_key="test",
            )  # fmt: skip
            assert sqs.list_queues()["QueueUrls"] == ["http://x/000000000000/q"]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
