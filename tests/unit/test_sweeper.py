"""The sweeper's reading of tags: a resource gone between the listing and the read is no
leftover (two sweeps, or a sweep and a destroy, at once); any other error still stops it."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from sqs_lambda_harness.cleanup import sweeper


def gone(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": "gone"}}, "ListRoleTags")


@pytest.mark.parametrize("code", sorted(sweeper.VANISHED))
def test_a_resource_gone_since_the_listing_has_no_tags(code: str) -> None:
    def read() -> dict[str, str]:
        raise gone(code)

    assert sweeper._tags(read) == {}


def test_any_other_error_is_raised() -> None:
    def read() -> dict[str, str]:
        raise gone("AccessDenied")

    with pytest.raises(ClientError, match="AccessDenied"):
        sweeper._tags(read)


def test_tags_that_can_be_read_are_returned() -> None:
    assert sweeper._tags(lambda: {"harness:run-id": "abc123"}) == {"harness:run-id": "abc123"}
