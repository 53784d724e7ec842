"""A declared divergence may only excuse the divergence itself, never an unrelated failure."""

from __future__ import annotations

import pytest

from sqs_lambda_harness.targets import KNOWN_CAPABILITIES, resolve_target

pytest_plugins = ["pytester"]

DIVERGING_TESTS = """
import pytest
from sqs_lambda_harness.probes import ConditionTimeout

pytestmark = pytest.mark.needs("batch_response_validation")

def test_awaited_aws_behaviour_never_comes():
    raise ConditionTimeout("whole batch redelivered: not met after 36.0s")

def test_precondition_breaks():
    raise AssertionError("precondition: the batch held one message")

def test_behaviour_matches_aws_after_all():
    pass
"""


def test_divergence_xfails_only_on_condition_timeout(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_diverging=DIVERGING_TESTS)
    result = pytester.runpytest_subprocess(
        "--harness-target", "embedded", "-p", "no:xdist", "-rxXf"
    )
    result.assert_outcomes(xfailed=1, failed=2)
    result.stdout.fnmatch_lines(["*XFAIL*test_awaited_aws_behaviour_never_comes*"])
    result.stdout.fnmatch_lines(["*FAILED*test_precondition_breaks*"])
    # strict: a target that starts behaving like AWS is reported, not silently passed
    result.stdout.fnmatch_lines(["*XPASS(strict)*known divergence on embedded*"])
    result.stdout.fnmatch_lines(["*FAILED*test_behaviour_matches_aws_after_all*"])


def test_a_capability_no_target_declares_is_refused(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_typo="""
import pytest

@pytest.mark.needs("lambda_executoin")
def test_typo():
    pass
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:xdist")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*needs 'lambda_executoin', which no target declares*"])
    known = result.stderr.str().split("known capabilities: ", 1)[1].split(".", 1)[0]
    assert known.split(", ") == sorted(KNOWN_CAPABILITIES)


def test_a_capability_the_target_lacks_skips_the_test(pytester: pytest.Pytester) -> None:
    lacking = next(
        name
        for name in sorted(KNOWN_CAPABILITIES)
        if not resolve_target("embedded").capability(name).supported
    )
    pytester.makepyfile(
        test_lacking=f"""
import pytest

@pytest.mark.needs({lacking!r})
def test_lacking():
    raise AssertionError("must not run")
"""
    )
    result = pytester.runpytest_subprocess("--harness-target", "embedded", "-p", "no:xdist", "-rs")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines([f"*target embedded lacks {lacking}:*"])
