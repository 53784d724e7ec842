"""The infrastructure deadline loop: a value when the condition holds, an error that names what
was awaited when it does not, and no waiting on once the caller gives up."""

import pytest

from sqs_lambda_harness.waits import WaitTimeout, until


def test_until_returns_the_first_truthy_value() -> None:
    answers = iter([None, 0, "", {"port": 4566}, {"port": 1}])
    assert until(lambda: next(answers), timeout=60, interval=0.001, what="x") == {"port": 4566}
    assert next(answers) == {"port": 1}  # not called again once it held


def test_until_raises_naming_what_was_awaited_and_the_fix() -> None:
    calls = []
    with pytest.raises(WaitTimeout, match=r"MiniStack to answer on :4566: not within") as caught:
        until(
            lambda: calls.append(1),
            timeout=0.1,
            interval=0.01,
            what="MiniStack to answer on :4566",
            fix="read its log",
        )
    assert caught.value.fix == "read its log"
    assert len(calls) > 1  # polled, not given up after one look


def test_an_exception_from_the_condition_ends_the_wait_at_once() -> None:
    calls = []

    def condition() -> bool:
        calls.append(1)
        raise LookupError("the emulator exited")

    with pytest.raises(LookupError, match="the emulator exited"):
        until(condition, timeout=60, what="a slot")
    assert len(calls) == 1
