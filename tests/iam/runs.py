"""Which runs prove the CI role's policy, and how each is expected to end.

Two runs with the whole policy prove it sufficient: the pipeline stack applied and destroyed,
and the sweeper deleting a poller stack and seeded leftovers (an hx- role with an inline and an
attached hx- managed policy, a queue, a log group). One run per statement, without that
statement, proves it necessary: the step it governs fails with an AccessDenied naming one of its
actions. Each of those runs does only what its statement governs: a queue-only stack for the
queues, the poller (a queue and a function) for functions, roles and log groups, the pipeline
only for its mapping, the sweeper alone for the list and sweep statements; a queue's messages
sent, received, hidden and deleted, a function invoked and its logs read, as the scenarios do.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProofRun:
    name: str
    removed: str | None
    steps: list[str]


SWEEP = ["seed leftovers", "sweep"]

RUNS = [
    # The longest first, so they start before the pool is busy.
    ProofRun("whole-policy-pipeline", None, ["apply pipeline", "destroy"]),
    ProofRun(
        "without-MappingsOfHarnessFunctions", "MappingsOfHarnessFunctions", ["apply pipeline"]
    ),
    ProofRun("without-ReadAndTagMappings", "ReadAndTagMappings", ["apply pipeline"]),
    ProofRun(
        "whole-policy-sweep",
        None,
        ["seed leftovers", "apply poller", "use queue", "invoke and read logs", "sweep"],
    ),
    ProofRun("without-HarnessFunctions", "HarnessFunctions", ["apply poller"]),
    ProofRun("without-HarnessRoles", "HarnessRoles", ["apply poller"]),
    ProofRun(
        "without-InlinePoliciesOfHarnessRoles", "InlinePoliciesOfHarnessRoles", ["apply poller"]
    ),
    ProofRun("without-HarnessLogGroups", "HarnessLogGroups", ["apply poller"]),
    ProofRun("without-HarnessQueues", "HarnessQueues", ["apply queue"]),
    ProofRun("without-UseHarnessQueues", "UseHarnessQueues", ["apply queue", "use queue"]),
    ProofRun(
        "without-InvokeHarnessFunctions",
        "InvokeHarnessFunctions",
        ["apply poller", "invoke and read logs"],
    ),
    ProofRun(
        "without-ReadHarnessLogs", "ReadHarnessLogs", ["apply poller", "invoke and read logs"]
    ),
    ProofRun("without-ListQueues", "ListQueues", SWEEP),
    ProofRun("without-ListFunctionsAndMappings", "ListFunctionsAndMappings", SWEEP),
    ProofRun("without-ListRolesAndPolicies", "ListRolesAndPolicies", SWEEP),
    ProofRun("without-SweepHarnessPolicies", "SweepHarnessPolicies", SWEEP),
    ProofRun("without-DetachHarnessPolicies", "DetachHarnessPolicies", SWEEP),
    ProofRun("without-DescribeLogGroups", "DescribeLogGroups", SWEEP),
]

# MiniStack never checks iam:PassRole: without PassHarnessRolesToLambda every step still
# succeeds there. That statement (and every condition MiniStack does not model) is proven by
# the static check instead.
STATIC_ONLY = {"PassHarnessRolesToLambda"}
