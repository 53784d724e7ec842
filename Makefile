# Two commands do all set-up on a fresh machine:
#   make test-local   the end-to-end suite on the embedded emulator (MiniStack)
#   make test         everything CI checks
# Both install what they need: the Python venv, the Terraform CLI and the providers, and the
# pinned environment of whichever emulator they run.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST := $(BIN)/pytest
HARNESS := $(BIN)/python -m sqs_lambda_harness
REPORTS := reports
# Harness runs write working copies and logs here; CI uploads reports/.
export HARNESS_WORK_DIR ?= $(CURDIR)/.harness

# Where the suite runs: an emulator from the harness's registry (`make emulators` lists them),
# or aws.
TARGET ?= embedded
# The harness's integration tests, in parallel. Six, not eight, since they grew (the AWS-clock
# lifecycle, the usage count): MiniStack waits only 50 ms for a function's first log line after
# its answer (ministack/core/lambda_runtime.py, _drain_stderr_bounded), and with eight workers
# saturating 2 cores the orders example's rejection line was lost once (its ESM log shows the
# invocation, no output; the retry 65 s later logged it).
WORKERS ?= 6
# The behaviour suite waits far more than it computes (provider waits, long polls, visibility
# timeouts), so it gets one worker per unit of work: each pipeline scenario, the three-function
# demonstration, the queue-only scenarios (one group sharing one application: --dist loadgroup),
# the queue-only scenarios with a DLQ (a second group), the DLQ move-back, and the mapping
# scenarios (two groups: stacks/mappings applied as `mappings` and `mapping-retries`).
E2E_WORKERS ?= 13
# How the suite's stacks end: discard (default where the harness starts the emulator: it is
# thrown away with them) or destroy (through the provider; always so on aws and given endpoints).
TEARDOWN ?=
# With TARGET=localstack: the docker-compose service to run (localstack or ministack), where
# docker compose can run it (a Docker engine answers; LocalStack's image needs
# LOCALSTACK_AUTH_TOKEN). Elsewhere the harness runs the emulator as a host process itself.
# LOCALSTACK_RUN=compose or host forces one way; auto asks `scripts/compose-run.sh --usable`.
COMPOSE_SERVICE ?= localstack
# More pytest arguments for the behaviour suite, e.g. E2E_ARGS='-k "not needs_lambda_execution"'
# (every scenario carries a needs_<capability> keyword per capability it needs).
E2E_ARGS ?=
LOCALSTACK_RUN ?= auto

.PHONY: help venv bootstrap emulators lint fmt docs checkov test-unit test-repo test-terraform \
        test-integration test-iam test-nightly test-local test-localstack test-compose fidelity test-browser test test-aws \
        sweep bench clean

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
	$(HARNESS) bootstrap

emulators: venv ## the emulators the harness runs, their pins and what each does unlike AWS
	$(HARNESS) emulators

lint: venv ## ruff and terraform fmt checks
	$(BIN)/ruff check sqs_lambda_harness tests bench scripts
	$(BIN)/ruff format --check sqs_lambda_harness tests bench scripts

fmt: venv ## format Python and HCL in place
	$(BIN)/ruff format sqs_lambda_harness tests bench scripts
	$(BIN)/ruff check --fix sqs_lambda_harness tests bench scripts
	$$($(BIN)/python -c 'from sqs_lambda_harness.terraform.toolchain import ensure; print(ensure(False).cli)') fmt -recursive terraform tests/terraform

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
	$(HARNESS) install
	$(PYTEST) tests/integration tests/examples -q -n $(WORKERS) --dist loadgroup --junitxml=$(REPORTS)/integration-junit.xml

# The nightly workflow's job, read from .github/workflows/nightly.yml and run step by step on
# MiniStack enforcing IAM standing in for the test account (tests/nightly/test_dry_run.py says
# what stands in for what). Runs before test-local, whose reports/ it would otherwise replace.
test-nightly: bootstrap ## dry run of the nightly AWS job, step by step, as its role on MiniStack enforcing IAM
	$(PYTEST) tests/nightly -q -p no:xdist --junitxml=$(REPORTS)/nightly-junit.xml

test-iam: bootstrap ## the CI role's policy proven enough and needed, as that role, on MiniStack enforcing IAM (tests/iam)
	$(PYTEST) tests/iam -q --junitxml=$(REPORTS)/iam-junit.xml

# The behaviour suite, the one way every target below runs it: $(call suite,TARGET,NAME) writes
# $(REPORTS)/NAME-junit.xml, NAME-report.json and NAME-report.html. An endpoint left in the
# environment is used as given (compose sets one); the host-process runs unset it.
suite = $(PYTEST) tests/e2e $(E2E_ARGS) -n $(E2E_WORKERS) --dist loadgroup --harness-target $(1) \
	$(if $(TEARDOWN),--harness-teardown=$(TEARDOWN)) --junitxml=$(REPORTS)/$(2)-junit.xml \
	--harness-report=$(REPORTS)/$(2)-report.json --harness-html=$(REPORTS)/$(2)-report.html

# MiniStack from compose is still MiniStack: run it as the embedded target at that endpoint, so
# its declared capabilities (what it does not do like AWS) apply.
COMPOSE_TARGET = $(if $(filter ministack,$(COMPOSE_SERVICE)),embedded,localstack)

test-local: bootstrap ## the end-to-end behaviour suite (TARGET=an emulator of `make emulators`, or aws; TEARDOWN=destroy|discard)
ifeq ($(TARGET),localstack)
	@if [[ "$(LOCALSTACK_RUN)" == compose ]] || { [[ "$(LOCALSTACK_RUN)" == auto ]] \
	    && scripts/compose-run.sh --usable $(COMPOSE_SERVICE); }; then \
	  set -x; scripts/compose-run.sh $(COMPOSE_SERVICE) -- $(call suite,$(COMPOSE_TARGET),e2e); \
	else \
	  echo "[harness] localstack as a host process started by the harness (LOCALSTACK_RUN=$(LOCALSTACK_RUN))"; \
	  set -x; $(HARNESS) install localstack && env -u HARNESS_ENDPOINT_URL $(call suite,localstack,e2e); \
	fi
else
	$(HARNESS) install $(TARGET)
	$(call suite,$(TARGET),e2e)
endif

# The suite through docker compose on an engine of our own: scripts/docker-engine.sh starts dockerd
# (root; no bridge, host networking only, private socket), compose-run builds MiniStack's image
# here (never pulled) and runs `make test-local` at its endpoint; all removed on every exit path.
test-compose: bootstrap ## the suite on MiniStack in docker compose, engine and image built here (root; part of make test)
	scripts/docker-engine.sh run -- scripts/compose-run.sh --build ministack -- \
	  $(MAKE) --no-print-directory test-local

# `make test` runs the whole suite on LocalStack too, as a host process (one for the run, its
# functions on the harness's host executor).
test-localstack: bootstrap ## the suite on LocalStack as a host process (part of make test)
	$(HARNESS) install localstack
	env -u HARNESS_ENDPOINT_URL $(call suite,localstack,localstack)

# The suite on every emulator in the harness's registry, one after another (so each run's timings
# are its own), each with its own report; then one matrix: a row per behaviour, a column per
# emulator, cells that changed since the committed docs/fidelity.json marked. AWS_REPORT=<a
# nightly run's JSON report> adds the AWS column. A failing suite still gets its column (that is
# the point), and fails the target afterwards. The matrix goes to docs/ and into the README.
fidelity: bootstrap ## the suite on every emulator the harness runs; the fidelity matrix (reports/fidelity.md, docs/fidelity.md)
	$(HARNESS) install
	@mkdir -p $(REPORTS)/fidelity; failed=""; emulators="$$($(HARNESS) emulators --names)"; \
	for target in $$emulators; do \
	  echo "[harness] fidelity: the suite on $$target"; \
	  env -u HARNESS_ENDPOINT_URL $(call suite,$$target,fidelity/$$target) \
	    || failed="$$failed $$target"; \
	done; \
	set -x; $(HARNESS) report $$(for t in $$emulators; do echo $(REPORTS)/fidelity/$$t-report.json; done) \
	  $(if $(AWS_REPORT),--aws $(AWS_REPORT)) \
	  $(if $(wildcard docs/fidelity.json),--previous docs/fidelity.json) \
	  --matrix-md $(REPORTS)/fidelity.md --matrix-json $(REPORTS)/fidelity.json \
	  --html $(REPORTS)/fidelity.html; \
	cp $(REPORTS)/fidelity.md docs/fidelity.md; cp $(REPORTS)/fidelity.json docs/fidelity.json; \
	$(BIN)/python scripts/readme_matrix.py; \
	if [[ -n "$$failed" ]]; then echo "[harness] fidelity: the suite failed on$$failed"; exit 1; fi

# After test-local: renders its reports/e2e-report.json, and a sample run with a failure, in
# headless Chromium (scripts/ensure-chromium.sh installs it where it can; else the test skips).
test-browser: venv ## the HTML run report in headless Chromium, checked and screenshotted (reports/*.png)
	HARNESS_REPORTS_DIR=$(REPORTS) $(PYTEST) tests/browser -q --junitxml=$(REPORTS)/browser-junit.xml

test: lint test-unit test-repo checkov test-terraform test-iam test-nightly test-integration test-local test-browser test-localstack test-compose ## everything CI checks

test-aws: ## the suite against an allow-listed AWS account (needs HARNESS_AWS_ACCOUNT_ALLOWLIST, AWS_REGION)
	$(MAKE) test-local TARGET=aws

bench: bootstrap ## make test-local per teardown mode against the floor, destroy per stack, apply under load vs alone, the demo alone, throughput
	$(BIN)/python bench/run.py

sweep: venv ## delete leftovers on a target: make sweep ARGS="--endpoint-url URL --older-than 2h"
	$(HARNESS) sweep --target $(TARGET) $(ARGS)

clean: ## remove the venv, run directories and reports (the build cache stays)
	rm -rf $(VENV) .harness $(REPORTS)
