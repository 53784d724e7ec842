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
# demonstration, the queue-only scenarios (one group sharing one application: --dist loadgroup),
# the queue-only scenarios with a DLQ (a second group) and the DLQ move-back.
E2E_WORKERS ?= 11
# How the suite's stacks end: discard (default where the harness starts the emulator: it is
# thrown away with them) or destroy (through the provider; always so on aws and given endpoints).
TEARDOWN ?=
# With TARGET=localstack: the docker-compose service to run (localstack or ministack), where
# docker compose can run it (a Docker engine answers; LocalStack's image needs
# LOCALSTACK_AUTH_TOKEN). Elsewhere the harness runs the emulator as a host process itself.
# LOCALSTACK_RUN=compose or host forces one way; auto asks `scripts/compose-run.sh --usable`.
COMPOSE_SERVICE ?= localstack
LOCALSTACK_RUN ?= auto
REPORTS := reports
PYTEST := $(BIN)/pytest
# Harness runs write working copies and logs here; CI uploads reports/.
export HARNESS_WORK_DIR ?= $(CURDIR)/.harness

.PHONY: help venv bootstrap lint fmt checkov test-unit test-repo test-terraform test-integration \
        test-local test-browser test test-aws sweep bench clean

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
	$(BIN)/ruff check sqs_lambda_harness tests bench scripts
	$(BIN)/ruff format --check sqs_lambda_harness tests bench scripts

fmt: venv ## format Python and HCL in place
	$(BIN)/ruff format sqs_lambda_harness tests bench scripts
	$(BIN)/ruff check --fix sqs_lambda_harness tests bench scripts
	$$($(BIN)/python -c 'from sqs_lambda_harness.terraform.toolchain import ensure; print(ensure(False).cli)') fmt -recursive terraform tests/terraform

.PHONY: docs
docs: venv ## regenerate the Inputs/Outputs tables of the module and example READMEs from the .tf files
	$(BIN)/python scripts/module_docs.py

checkov: venv ## security scan of the reusable modules
	$(BIN)/checkov --directory terraform/modules --framework terraform --quiet --compact --skip-download

test-unit: venv ## the harness's own unit tests (no emulator, no Terraform)
	$(PYTEST) tests/unit -q --junitxml=$(REPORTS)/unit-junit.xml

test-repo: venv ## docker-compose.yml against the compose spec, actionlint, no credentials in the repo
	$(PYTEST) tests/repo -q --junitxml=$(REPORTS)/repo-junit.xml

test-terraform: bootstrap ## fmt, validate and the variable-rule tests of the modules
	$(PYTEST) tests/terraform -q -n 2 --junitxml=$(REPORTS)/terraform-junit.xml

test-integration: bootstrap ## harness lifecycle and faults, another team's repo, the example's own test; every stack destroyed to nothing
	$(BIN)/python -m sqs_lambda_harness.targets.envs localstack moto
	$(PYTEST) tests/integration tests/examples -q -n $(WORKERS) --dist loadgroup --junitxml=$(REPORTS)/integration-junit.xml

# MiniStack from compose is still MiniStack: run it as the embedded target at that endpoint, so
# its declared capabilities (what it does not do like AWS) apply.
E2E_TARGET = $(if $(filter localstack,$(TARGET)),$(if $(filter ministack,$(COMPOSE_SERVICE)),embedded,localstack),$(TARGET))
E2E = $(PYTEST) tests/e2e -n $(E2E_WORKERS) --dist loadgroup --harness-target $(E2E_TARGET) \
	  $(if $(TEARDOWN),--harness-teardown=$(TEARDOWN)) \
	  --junitxml=$(REPORTS)/e2e-junit.xml --harness-report=$(REPORTS)/e2e-report.json \
	  --harness-html=$(REPORTS)/e2e-report.html

# LocalStack and moto run from pinned environments of their own, built on first use (cached;
# LocalStack needs a Python >= 3.13 on the machine): built here, where the progress shows.
EMULATOR_ENV = $(if $(filter localstack moto,$(1)),$(BIN)/python -m sqs_lambda_harness.targets.envs $(1))

test-local: bootstrap ## the end-to-end behaviour suite (TARGET=embedded|localstack|moto|aws, TEARDOWN=destroy|discard)
ifeq ($(TARGET),localstack)
	@if [[ "$(LOCALSTACK_RUN)" == compose ]] || { [[ "$(LOCALSTACK_RUN)" == auto ]] \
	    && scripts/compose-run.sh --usable $(COMPOSE_SERVICE); }; then \
	  set -x; scripts/compose-run.sh $(COMPOSE_SERVICE) -- $(E2E); \
	else \
	  echo "[harness] $(E2E_TARGET) as a host process started by the harness (LOCALSTACK_RUN=$(LOCALSTACK_RUN))"; \
	  set -x; $(call EMULATOR_ENV,$(E2E_TARGET)) && env -u HARNESS_ENDPOINT_URL $(E2E); \
	fi
else
	$(call EMULATOR_ENV,$(TARGET))
	$(E2E)
endif

# The suite on every emulator the harness can start itself, one after another (so each run's
# timings are its own), each with its own report; then one matrix: a row per behaviour, a column
# per target, cells that changed since the committed docs/fidelity.json marked. AWS_REPORT=<a
# nightly run's JSON report> adds the AWS column. A failing suite still gets its column (that is
# the point), and fails the target afterwards. The matrix goes to docs/ and into the README.
FIDELITY_TARGETS := embedded localstack moto
.PHONY: test-localstack fidelity
fidelity: bootstrap ## the suite on MiniStack, LocalStack and moto; the fidelity matrix (reports/fidelity.md, docs/fidelity.md)
	$(BIN)/python -m sqs_lambda_harness.targets.envs localstack moto
	@mkdir -p $(REPORTS)/fidelity; failed=""; \
	for target in $(FIDELITY_TARGETS); do \
	  echo "[harness] fidelity: the suite on $$target"; \
	  env -u HARNESS_ENDPOINT_URL HARNESS_TARGET=$$target $(PYTEST) tests/e2e -n $(E2E_WORKERS) \
	    --dist loadgroup --junitxml=$(REPORTS)/fidelity/$$target-junit.xml \
	    --harness-report=$(REPORTS)/fidelity/$$target.json || failed="$$failed $$target"; \
	done; \
	set -x; $(BIN)/python -m sqs_lambda_harness report \
	  $(foreach t,$(FIDELITY_TARGETS),$(REPORTS)/fidelity/$(t).json) $(if $(AWS_REPORT),--aws $(AWS_REPORT)) \
	  $(if $(wildcard docs/fidelity.json),--previous docs/fidelity.json) \
	  --matrix-md $(REPORTS)/fidelity.md --matrix-json $(REPORTS)/fidelity.json \
	  --html $(REPORTS)/fidelity.html; \
	cp $(REPORTS)/fidelity.md docs/fidelity.md; cp $(REPORTS)/fidelity.json docs/fidelity.json; \
	$(BIN)/python scripts/readme_matrix.py; \
	if [[ -n "$$failed" ]]; then echo "[harness] fidelity: the suite failed on$$failed"; exit 1; fi

# `make test` runs the suite on LocalStack too: its SQS scenarios, through the same stacks and the
# real provider (its Lambda ones skip: LocalStack runs functions only in Docker).
test-localstack: bootstrap ## the suite on LocalStack as a host process (part of make test)
	$(call EMULATOR_ENV,localstack)
	env -u HARNESS_ENDPOINT_URL HARNESS_TARGET=localstack $(PYTEST) tests/e2e -n $(E2E_WORKERS) \
	  --dist loadgroup --junitxml=$(REPORTS)/localstack-junit.xml \
	  --harness-report=$(REPORTS)/localstack-report.json

# After test-local: renders its reports/e2e-report.json, and a sample run with a failure, in
# headless Chromium (scripts/ensure-chromium.sh installs it where it can; else the test skips).
test-browser: venv ## the HTML run report in headless Chromium, checked and screenshotted (reports/*.png)
	HARNESS_REPORTS_DIR=$(REPORTS) $(PYTEST) tests/browser -q --junitxml=$(REPORTS)/browser-junit.xml

test: lint test-unit test-repo checkov test-terraform test-integration test-local test-browser test-localstack ## everything CI checks

test-aws: ## the suite against an allow-listed AWS account (needs HARNESS_AWS_ACCOUNT_ALLOWLIST, AWS_REGION)
	$(MAKE) test-local TARGET=aws

bench: bootstrap ## make test-local per teardown mode against the floor, destroy per stack, apply under load vs alone, the demo alone, throughput
	$(BIN)/python bench/run.py

sweep: venv ## delete leftovers on a target: make sweep ARGS="--endpoint-url URL --older-than 2h"
	$(BIN)/python -m sqs_lambda_harness sweep --target $(TARGET) $(ARGS)

clean: ## remove the venv, run directories and reports (the build cache stays)
	rm -rf $(VENV) .harness $(REPORTS)
