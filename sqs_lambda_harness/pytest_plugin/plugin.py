"""The pytest plugin's entry point (`pytest11`): it makes the harness session of each pytest
process and registers the parts, one job each: options, markers, the emulator guard, the
fixtures and the summary collector.

The plugin is inert until a test asks for a harness fixture: nothing is parsed, built, started
or contacted for a run that does not use it. Misconfiguration (unknown target, no allow-list for
`aws`, a bad setting) stops the run at start-up, before anything is touched.
"""

from __future__ import annotations

import pytest

# Each part is imported here first, as a plugin, in the order of its imports (pytest rewrites the
# asserts of a plugin module and warns if one was imported before it could); this module imports
# them in its hooks, not at the top, for the same reason.
pytest_plugins = [
    "sqs_lambda_harness.pytest_plugin.options",
    "sqs_lambda_harness.pytest_plugin.collector",
    "sqs_lambda_harness.pytest_plugin.guard",
    "sqs_lambda_harness.pytest_plugin.fixtures",
    "sqs_lambda_harness.pytest_plugin.markers",
]


def pytest_configure(config: pytest.Config) -> None:
    """The session object, registered as a plugin (and the controller's summary collector);
    nothing is resolved, started or changed here."""
    from sqs_lambda_harness.pytest_plugin.collector import Summary
    from sqs_lambda_harness.pytest_plugin.session import SESSION_KEY, HarnessSession

    session = HarnessSession(config)
    config.stash[SESSION_KEY] = session
    config.pluginmanager.register(session, "harness-session")
    if not session.worker:
        session.summary = Summary(session)
        config.pluginmanager.register(session.summary, "harness-summary")


def pytest_unconfigure(config: pytest.Config) -> None:
    """Undo what this process's session changed (the SIGTERM handler) and drop it."""
    from sqs_lambda_harness.pytest_plugin.session import SESSION_KEY

    session = config.stash.get(SESSION_KEY, None)
    if session is None:
        return
    del config.stash[SESSION_KEY]
    session.restore_signals()
    if session.summary is not None:
        config.pluginmanager.unregister(session.summary)
    config.pluginmanager.unregister(session)
