"""Every stack the project ships is destroyed to nothing through the provider.

The behaviour suite discards its stacks with the emulator by default; this is what keeps that
honest: each stack under terraform/stacks/ and each example is applied and destroyed once,
in parallel (one test each), and afterwards the sweeper finds nothing of it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import sweeper
from harness.stacks import StackManager
from tests.integration.conftest import REPO

pytestmark = pytest.mark.emulator
TERRAFORM = REPO / "terraform"
# Inputs for stacks with required variables; every other stack applies with its defaults.
INPUTS = {
    "stacks/queues": {
        "queues": {"plain": {}, "with-dlq": {"create_dlq": True}, "ordered": {"fifo": True}}
    },
}


def shipped_stacks() -> list[str]:
    roots = [*sorted((TERRAFORM / "stacks").iterdir()), *sorted((TERRAFORM / "examples").iterdir())]
    return [str(p.relative_to(TERRAFORM)) for p in roots if any(p.glob("*.tf"))]


@pytest.mark.parametrize("path", shipped_stacks())
def test_stack_applies_then_destroys_to_nothing(
    path: str, stack_manager: StackManager, aws, harness_target, harness_run
) -> None:
    applied = stack_manager.apply(path, INPUTS.get(path), label=f"destroy-{Path(path).name}")

    def remaining() -> list[str]:
        found = sweeper.find(harness_target, harness_run.id)
        mappings = aws("lambda").list_event_source_mappings().get("EventSourceMappings", [])
        return [x.name for x in found if applied.prefix in x.name] + [
            m["UUID"] for m in mappings if applied.prefix in m["EventSourceArn"]
        ]

    assert applied.resources > 0
    assert remaining(), "the sweeper must see what the apply made, or 'nothing' proves nothing"
    stack_manager.destroy(applied)
    assert stack_manager.history[-1].teardown == "destroy" and stack_manager.history[-1].ok
    assert remaining() == []


def test_every_shipped_stack_is_covered() -> None:
    """A new stack or example is proven too, as long as it applies with INPUTS or defaults."""
    assert {"stacks/queue", "stacks/queues", "stacks/pipeline", "stacks/poller"} <= set(
        shipped_stacks()
    )
    assert any(p.startswith("examples/") for p in shipped_stacks())
