"""LocalStack (localstack-core 2026.3.0, measured 2026-11-24): as a host process the harness
starts from its own pinned environment, or at an endpoint given to it (docker compose).

Every setting keeps the host process on the loopback and inside the run directory: the default
gateway server binds 0.0.0.0 whatever GATEWAY_LISTEN says (hence hypercorn), DNS_ADDRESS=0
stops its DNS server on 0.0.0.0:53, OVERRIDE_IN_DOCKER=0 stops it writing into system
directories, SQS_ENDPOINT_STRATEGY=off makes queue URLs http://127.0.0.1:<port>/<account>/
<name> (no *.localhost.localstack.cloud name to resolve). It runs SQS like AWS; its Lambda
runtime needs Docker, so as a host process functions end in state Failed.
"""

from __future__ import annotations

from sqs_lambda_harness.targets.capabilities import unsupported
from sqs_lambda_harness.targets.envs import EmulatorEnv
from sqs_lambda_harness.targets.registry import LOCALSTACK_HEALTH_PATH, EmulatorSpec, Launch
from sqs_lambda_harness.targets.tolerances import Tolerances

# localstack-core 2026.3.0: the last release on PyPI that runs without an account. Its metadata
# says Python >= 3.10, but 3.11 fails on PEP 695 generics and 3.12 lacks warnings.deprecated.
ENV = EmulatorEnv(
    name="localstack",
    product="LocalStack",
    distribution="localstack-core",
    version="2026.3.0",
    min_python=(3, 13),
    tested_python=(3, 13),
    why_python="localstack-core 2026.3.0 uses Python 3.13 features (3.11: SyntaxError on "
    "PEP 695 generics; 3.12: no warnings.deprecated)",
    expected="≈30 s from PyPI here and 500 MB",
)


def command(launch: Launch) -> list[str]:
    return [str(launch.environment / "bin" / "python"), "-m", "localstack.runtime.main"]


def environment(launch: Launch) -> dict[str, str]:
    return {
        **launch.isolated_env(),
        "OVERRIDE_IN_DOCKER": "0",
        "FILESYSTEM_ROOT": str(launch.data_dir / "filesystem"),
        "GATEWAY_LISTEN": f"127.0.0.1:{launch.port}",
        "GATEWAY_SERVER": "hypercorn",
        "LOCALSTACK_HOST": f"127.0.0.1:{launch.port}",
        "SQS_ENDPOINT_STRATEGY": "off",
        "DNS_ADDRESS": "0",
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        "DISABLE_EVENTS": "1",
    }


SPEC = EmulatorSpec(
    name="localstack",
    product=ENV.product,
    install=ENV,
    command=command,
    environment=environment,
    health_path=LOCALSTACK_HEALTH_PATH,
    tolerances=Tolerances(
        long_poll_high=22.5,
        delivery_timeout=60.0,
        why="LocalStack re-queues messages whose visibility timeout ended on a 1 s timer (as a "
        "host process a 4 s timeout ended after 4.27-4.57 s, a 5 s delay after 5.30-5.92 s, "
        "over four runs), inside the 2 s slack; in Docker its Lambdas start in containers, "
        "hence 60 s for a delivery",
    ),
    capabilities={
        "redrive_allow_policy": unsupported(
            'LocalStack answers RedriveAllowPolicy "" once it is removed, where AWS omits '
            "it, so destroying a DLQ's aws_sqs_queue_redrive_allow_policy waits forever (over "
            "14 min measured): DLQs are applied without one (stacks/queues "
            "restrict_dlq_sources = false)"
        ),
    },
    # Given an endpoint, LocalStack runs elsewhere (docker compose), with its Lambdas in
    # containers; as the harness's host process, Lambda cannot run.
    host_capabilities={
        "lambda_execution": unsupported(
            "LocalStack without Docker cannot run a function: its only Lambda executor is "
            "Docker, so CreateFunction leaves the function in state Failed and a mapping never "
            "invokes it"
        ),
        "lambda_functions": unsupported(
            "LocalStack without Docker cannot delete the function it left in state Failed "
            "(DeleteFunction: InternalError 'Unable to find version manager'), so a stack with "
            "a function could not be torn down there"
        ),
    },
)
