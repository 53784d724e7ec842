"""AWS's clock, rehearsed on the loopback: a proxy in front of an emulator that delays every AWS
API call, throttles some and fails some with a 5xx as AWS does, keeps event source mappings
`Creating` and `Deleting`, refuses roles IAM has not propagated yet and starts functions cold,
with figures from the `aws` profile (targets/aws.py). docs/aws-clock.md says what it proves."""

from sqs_lambda_harness.rehearsal.clock import KINDS, Counts, Rehearsal, fates
from sqs_lambda_harness.rehearsal.proxy import RehearsalProxy

__all__ = ["KINDS", "Counts", "Rehearsal", "RehearsalProxy", "fates"]
