"""What marks a resource as the harness's: its name root and its tags. The stacks put them on
everything they create; the sweeper deletes only what carries both, so these names define what
a sweep may ever touch."""

from __future__ import annotations

NAME_ROOT = "hx"  # every harness-made resource name starts with "hx-"
TAG_RUN_ID = "harness:run-id"
TAG_MANAGED_BY = "harness:managed-by"
TAG_STARTED_AT = "harness:started-at"
TAG_TEST = "harness:test"
MANAGED_BY = "sqs-lambda-harness"
