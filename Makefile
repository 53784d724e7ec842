# Two commands do all set-up on a fresh machine:
#   make test-local   the end-to-end suite on the embedded emulator (MiniStack)
#   make test         everything CI checks
# Both install what they need: the Python venv, the Terraform CLI and the providers.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TARGET ?= embedded
WORKERS ?= 8
# The behaviour suite waits far more than it computes (provider waits, long polls, visibility
# timeouts), so it gets one worker per unit of work: each pipeline scenario, the three-function
# demonstration, the queue-only scenarios (one group sharing one application: --dist loadgroup)
# and the DLQ move-back.
E2E_WORKERS ?= 10
# How the suite's stacks end: discard (default on the embedded target: its emulator is thrown
# away with them) or destroy (through the provider; always so on localstack and aws).
TEARDOWN ?=
# With TARGET=localstack: the docker-compose service to run (localstack or ministack).
COMPOSE_SERVICE ?= localstack
REPORTS := reports
PYTEST := $(BIN)/pytest
# Harness runs write working copies and logs here; CI uploads reports/.
export HARNESS_WORK_DIR ?= $(CURDIR)/.harness

.PHONY: help venv bootstrap lint fmt checkov test-unit test-repo test-terraform test-integration \
        test-local test test-aws sweep bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml constraints.txt
	@echo "[harness] creating $(VENV) with pinned dependencies (constraints.txt)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[embedded,dev]'
	@touch $@

venv: $(BIN)/.installed ## create the Python venv

bootstrap: venv ## obtain the Terraform CLI and providers (builds them offline; cached)
	$(BIN)/python -m sqs_lambda_harness bootstrap

lint: venv ## ruff and terraform fmt checks
	$(BIN)/ruff check sqs_lambda_harness tests bench
	$(BIN)/ruff format --check sqs_lambda_harness tests bench

fmt: venv ## format Python and HCL in place
	$(BIN)/ruff format sqs_lambda_harness tests bench
	$(BIN)/ruff check --fix sqs_lambda_harness tests bench
	$$($(BIN)/python -c 'from sqs_lambda_harness.toolchain import ensure; print(ensure(False).cli)') fmt -recursive terraform tests/terraform

checkov: venv ## security scan of the reusable modules
	$(BIN)/checkov --directory terraform/modules --framework terraform --quiet --compact --skip-download

test-unit: venv ## the harness's own unit tests (no emulator, no Terraform)
	$(PYTEST) tests/unit -q --junitxml=$(REPORTS)/unit-junit.xml

test-repo: venv ## docker-compose.yml against the compose spec, actionlint, no credentials in the repo
	$(PYTEST) tests/repo -q --junitxml=$(REPORTS)/repo-junit.xml

test-terraform: bootstrap ## fmt, validate and the variable-rule tests of the modules
	$(PYTEST) tests/terraform -q -n 2 --junitxml=$(REPORTS)/terraform-junit.xml

test-integration: bootstrap ## harness lifecycle and faults against the emulator; every stack destroyed to nothing
	$(PYTEST) tests/integration -q -n $(WORKERS) --dist worksteal --junitxml=$(REPORTS)/integration-junit.xml

# MiniStack from compose is still MiniStack: run it as the embedded target at that endpoint, so
# its declared capabilities (what it does not do like AWS) apply.
E2E_TARGET = $(if $(filter localstack,$(TARGET)),$(if $(filter ministack,$(COMPOSE_SERVICE)),embedded,localstack),$(TARGET))
E2E = $(PYTEST) tests/e2e -n $(E2E_WORKERS) --dist loadgroup --target $(E2E_TARGET) \
	  $(if $(TEARDOWN),--harness-teardown=$(TEARDOWN)) \
	  --junitxml=$(REPORTS)/e2e-junit.xml --harness-report=$(REPORTS)/e2e-report.json

test-local: bootstrap ## the end-to-end behaviour suite (TARGET=embedded|localstack|aws, TEARDOWN=destroy|discard)
ifeq ($(TARGET),localstack)
	scripts/compose-run.sh $(COMPOSE_SERVICE) -- $(E2E)
else
	$(E2E)
endif

test: lint test-unit test-repo checkov test-terraform test-integration test-local ## everything CI checks

test-aws: ## the suite against an allow-listed AWS account (needs HARNESS_AWS_ACCOUNT_ALLOWLIST, AWS_REGION)
	$(MAKE) test-local TARGET=aws

bench: bootstrap ## make test-local per teardown mode against the floor, destroy per stack, apply under load vs alone, the demo alone, throughput
	$(BIN)/python bench/run.py

sweep: venv ## delete leftovers on a target: make sweep ARGS="--endpoint-url URL --older-than 2h"
	$(BIN)/python -m sqs_lambda_harness sweep --target $(TARGET) $(ARGS)

clean: ## remove the venv, run directories and reports (the build cache stays)
	rm -rf $(VENV) .harness $(REPORTS)
