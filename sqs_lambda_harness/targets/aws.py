"""The `aws` profile: AWS's own clock, the delays a run meets on a real account and on no
emulator, each figure with where it comes from; and the `aws` target's timing tolerances, built
on those figures.

Where AWS documents a figure it is quoted; where only a typical range is known (from AWS's own
guides, or commonly reported measurements) the comment says so and gives the range; where the
only bound is the one the Terraform provider waits for, it is named as the provider's (hashicorp
/aws 6.13.0, the version the harness pins), not AWS's. `sqs_lambda_harness.rehearsal` replays
this clock in front of an emulator, scaled down where a test must stay short.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from sqs_lambda_harness.targets.tolerances import Tolerances

PROVIDER = "terraform-provider-aws 6.13.0"
IAM_CONSISTENCY = (
    "IAM User Guide, Troubleshooting IAM, 'Changes that I make are not always immediately "
    "visible' (https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html"
    "#troubleshoot_general_eventual-consistency): IAM is eventually consistent, a change "
    "'takes time to become visible'; no duration is given"
)
MAPPING_STATES = (
    "Lambda API reference, EventSourceMappingConfiguration.State (https://docs.aws.amazon.com/"
    "lambda/latest/api/API_EventSourceMappingConfiguration.html): Creating, Enabling, Enabled, "
    "Disabling, Disabled, Updating, Deleting; right after CreateEventSourceMapping it reads "
    "Creating (hashicorp/terraform-provider-aws#14748)"
)
COLD_START = (
    "AWS Lambda Operator Guide, 'Lambda execution environments: Cold starts and latency' "
    "(https://docs.aws.amazon.com/lambda/latest/operatorguide/execution-environments.html): "
    "cold starts occur in under 1 % of invocations and last from under 100 ms to over 1 s; "
    "the Init phase is limited to 10 s (Lambda Developer Guide, 'Understanding the Lambda "
    "execution environment lifecycle')"
)


def _source(text: str, kind: str) -> dict[str, str]:
    """Field metadata: where a figure comes from, and whether AWS documents it (`documented`),
    only a typical range is known (`typical`), it is our assumption (`assumed`), or it is the
    provider's own bound (`provider`)."""
    return {"source": text, "kind": kind}


@dataclass(frozen=True)
class AwsClock:
    """AWS's delays, in seconds unless the name says otherwise. `sources()` gives each figure's
    source and kind (also in each field's metadata)."""

    # IAM propagation: how long a just-created role may be refused by Lambda ("The role defined
    # for the function cannot be assumed by Lambda."). AWS gives no figure, only "takes time to
    # become visible" (IAM User Guide, eventual consistency). Commonly reported: "a few seconds
    # (usually) to a minute (rare)" (DataDog/stratus-red-team#358), a 5 s sleep enough
    # (aws/aws-cli#7700), and outliers past the provider's 5 min (hashicorp/terraform-provider-
    # aws#44517). 10 s: a typical figure, not a documented one. The provider retries
    # CreateFunction on that message for up to 5 min (internal/service/lambda/function.go
    # retryFunctionOp, lambdaPropagationTimeout).
    iam_propagation_s: float = field(
        default=10.0,
        metadata=_source(
            f"{IAM_CONSISTENCY}; commonly 'a few seconds (usually) to a minute (rare)' "
            "(DataDog/stratus-red-team#358), 5 s enough in aws/aws-cli#7700; 10 s taken as "
            "typical",
            "typical",
        ),
    )
    # Mapping Creating -> Enabled: AWS documents the states, not how long Creating lasts, and
    # no measured figure for an SQS mapping was found. 60 s is an assumption on the pessimistic
    # side, to be replaced by the nightly run's own measurement (the mapping's "Creation
    # complete after" in its apply log). The provider waits for Enabled/Disabled for up to
    # 10 min (internal/service/lambda/event_source_mapping.go waitEventSourceMappingCreated).
    mapping_creating_s: float = field(
        default=60.0,
        metadata=_source(
            f"{MAPPING_STATES}; how long Creating lasts is not documented: 60 s is an "
            "assumption on the pessimistic side, until the nightly run measures it",
            "assumed",
        ),
    )
    # Mapping deletion: "When you delete an event source mapping, it enters a Deleting state and
    # might not be completely deleted for several seconds." (Lambda API reference,
    # DeleteEventSourceMapping). "Several seconds" read as 10 s. The provider waits for it to
    # be gone for up to 5 min (waitEventSourceMappingDeleted).
    mapping_deleting_s: float = field(
        default=10.0,
        metadata=_source(
            "Lambda API reference, DeleteEventSourceMapping (https://docs.aws.amazon.com/lambda/"
            "latest/api/API_DeleteEventSourceMapping.html): the mapping 'enters a Deleting state "
            "and might not be completely deleted for several seconds'; several read as 10 s",
            "documented",
        ),
    )
    # Lambda cold start: "under 100 ms to over 1 second" (AWS Lambda Operator Guide); a small
    # Python function like the suite's sits at the low end, 1 s is the guide's upper typical
    # figure. The Init phase is capped at 10 s (documented).
    cold_start_s: float = field(default=1.0, metadata=_source(COLD_START, "typical"))
    # One API round trip from a CI runner to the region: AWS publishes no figure; tens of ms of
    # network plus the service's own time. An assumption, stated as a range.
    api_round_trip_ms: tuple[float, float] = field(
        default=(20.0, 150.0),
        metadata=_source(
            "no AWS figure: a runner near the region sees tens of ms of network round trip "
            "plus the service's time; an assumed range",
            "assumed",
        ),
    )
    # Queue deletion: "When you delete a queue, the deletion process takes up to 60 seconds."
    # (SQS API reference, DeleteQueue). Not rehearsed: on an emulator the provider's delete
    # waiter (internal/service/sqs/queue.go waitQueueDeleted) sees the queue gone at once.
    queue_delete_s: float = field(
        default=60.0,
        metadata=_source(
            "SQS API reference, DeleteQueue (https://docs.aws.amazon.com/AWSSimpleQueueService/"
            "latest/APIReference/API_DeleteQueue.html): 'the deletion process takes up to 60 "
            "seconds'",
            "documented",
        ),
    )
    # The provider's own bounds on those waits (what a run tolerates before it fails).
    provider_mapping_create_timeout_s: float = field(
        default=600.0,
        metadata=_source(
            f"{PROVIDER}, internal/service/lambda/event_source_mapping.go, "
            "waitEventSourceMappingCreated: Pending Creating/Enabling/Disabling, timeout 10 min",
            "provider",
        ),
    )
    provider_mapping_delete_timeout_s: float = field(
        default=300.0,
        metadata=_source(
            f"{PROVIDER}, internal/service/lambda/event_source_mapping.go, "
            "waitEventSourceMappingDeleted: Pending Deleting, timeout 5 min",
            "provider",
        ),
    )
    provider_iam_retry_timeout_s: float = field(
        default=300.0,
        metadata=_source(
            f"{PROVIDER}, internal/service/lambda/function.go, retryFunctionOp: retries "
            "InvalidParameterValueException 'The role defined for the function cannot be "
            "assumed by Lambda' for lambdaPropagationTimeout, 5 min",
            "provider",
        ),
    )

    @classmethod
    def sources(cls) -> dict[str, dict[str, str]]:
        """{field: {"source", "kind"}} for every figure."""
        return {f.name: dict(f.metadata) for f in fields(cls)}


AWS_CLOCK = AwsClock()

# The `aws` target's bounds. A long poll's 20 s wait ends on AWS's clock, seen through a round
# trip to the region; a delivery through the mapping starts only once the provider saw the
# mapping Enabled, then waits for the pollers' next receive, a cold start and the function's
# own calls.
AWS_TOLERANCES = Tolerances(
    long_poll_low=19.0,
    long_poll_high=23.0,
    delivery_timeout=120.0,
    why=(
        "a real region: API round trips of tens of ms each (no AWS figure; assumed "
        f"{AWS_CLOCK.api_round_trip_ms[0]:.0f}-{AWS_CLOCK.api_round_trip_ms[1]:.0f} ms), "
        "hence 19-23 s around a 20 s long poll; Lambda cold starts from under 100 ms to over "
        "1 s, the Init phase capped at 10 s (AWS Lambda Operator Guide, 'Cold starts and "
        "latency'), the mapping's pollers' next receive, a mapping read Creating before "
        "Enabled (Lambda API reference, EventSourceMappingConfiguration.State; the provider "
        "waits for Enabled before the test runs) and IAM's eventual consistency (IAM User "
        "Guide); 120 s bounds a delivery with room for all of them (targets/aws.py AwsClock)"
    ),
)
