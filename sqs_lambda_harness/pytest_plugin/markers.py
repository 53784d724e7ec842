"""The markers: `needs(capability)` skips a test on a target that lacks the capability and
strictly xfails it where the target is known to diverge; `scenario(title)` lists the test in
the run summary. Reading them is what activates the harness in a process."""

from __future__ import annotations

import pytest

from sqs_lambda_harness.probes import ConditionTimeout
from sqs_lambda_harness.pytest_plugin.collector import TITLE_KEY
from sqs_lambda_harness.pytest_plugin.fixtures import SESSION_FIXTURE
from sqs_lambda_harness.pytest_plugin.session import session_of
from sqs_lambda_harness.targets import KNOWN_CAPABILITIES, Target


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs(capability): skip or xfail per target capability")
    config.addinivalue_line("markers", "scenario(title): a behaviour listed in the run summary")


def uses_harness(item: pytest.Item) -> bool:
    """Whether a test uses one of this plugin's fixtures (each requests `harness_session`; a
    same-named fixture of the host repository's does not) or declares a capability it needs.
    `fixturenames` is the closure of the fixtures in effect for the test; items that are not
    functions have none."""
    return SESSION_FIXTURE in getattr(item, "fixturenames", ()) or bool(
        item.get_closest_marker("needs")
    )


@pytest.hookimpl(tryfirst=True)  # before -k deselects by the keywords added here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not any(uses_harness(item) for item in items):
        return  # an unrelated suite: the harness stays out of it
    target = session_of(config).activate()
    for item in items:
        scenario = item.get_closest_marker("scenario")
        if scenario:
            title = scenario.args[0] if scenario.args else item.name
            item.user_properties.append((TITLE_KEY, title))
        for marker in item.iter_markers("needs"):
            for name in marker.args:
                _mark_for_capability(item, name, target)
                # `-k "not needs_lambda_execution"` selects by what a scenario needs
                item.extra_keyword_matches.add(f"needs_{name}")


def _mark_for_capability(item: pytest.Item, name: str, target: Target) -> None:
    if name not in KNOWN_CAPABILITIES:
        raise pytest.UsageError(
            f"{item.nodeid} needs {name!r}, which no target declares; known "
            f"capabilities: {', '.join(sorted(KNOWN_CAPABILITIES))}."
        )
    capability = target.capability(name)
    if not capability.supported:
        item.add_marker(
            pytest.mark.skip(reason=f"target {target.name} lacks {name}: {capability.reason}")
        )
    elif capability.diverges:
        item.add_marker(
            pytest.mark.xfail(
                strict=True,
                raises=ConditionTimeout,
                reason=f"known divergence on {target.name}: {capability.reason}",
            )
        )
