# OFITEC: the commands a developer and CI use. `make help` lists them.
SHELL := /usr/bin/env bash
.DEFAULT_GOAL := help

.PHONY: help run test build lint fmt fmt-check clippy port-law ci

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

run: ## Build and start all five services on embedded defaults (SQLite, sii-sim); Ctrl-C stops them
	@scripts/run.sh

test: ## Install missing tools, start throwaway PostgreSQL/RabbitMQ, run the suite on SQLite and PostgreSQL
	@scripts/test.sh

build: ## Build every crate and binary
	cargo build --workspace --bins

fmt: ## Format the code
	cargo fmt --all

lint: fmt-check clippy port-law ## fmt --check, clippy -D warnings, port law

fmt-check:
	cargo fmt --all -- --check

clippy: ## Lints, warnings are errors
	cargo clippy --workspace --all-targets --locked -- -D warnings

port-law: ## Only 5555 and 3001 may ever be exposed
	python3 scripts/check_ports.py --self-test
	python3 scripts/check_ports.py

ci: ## What CI runs (.ci/run)
	@.ci/run

# --- operations (issue 8): blue/green releases of edge-api and the ops validators ----------
# Docs: docs/operations/deployment.md. The logic lives in scripts/deploy/bluegreen.py; every
# command it runs (compose, backup) can be overridden with BG_* variables.
.PHONY: deploy canary switch rollback bluegreen-status validate-ops test-bluegreen predeploy-backup

deploy: ## Blue/green deploy of TAG: pre-deploy backup, idle colour, health gate, 10/50/100 %, auto-rollback
	@test -n "$(TAG)" || { echo "usage: make deploy TAG=v1.2.3"; exit 2; }
	python3 scripts/deploy/bluegreen.py deploy "$(TAG)"

canary: ## Send 10 % to the idle colour (make canary TAG=v1.2.3 starts it first)
	python3 scripts/deploy/bluegreen.py canary $(TAG)

switch: ## Move all traffic to the canary colour, then drain and stop the old one
	python3 scripts/deploy/bluegreen.py switch

rollback: ## Back to the previous colour (aborts a canary or undoes the last switch)
	python3 scripts/deploy/bluegreen.py rollback

bluegreen-status: ## Active colour, tags and live Traefik weights
	python3 scripts/deploy/bluegreen.py status

validate-ops: ## All static ops validators + blue/green tests with real Traefik (OPS_SKIP_BLUEGREEN=1 skips those)
	@scripts/validate-ops.sh

test-bluegreen: ## Only the blue/green tests (real Traefik, real edge-api processes)
	python3 scripts/deploy/test_bluegreen.py

predeploy-backup: ## Only the pre-deploy backup through backup-agent (deploy runs it itself)
	python3 scripts/deploy/bluegreen.py backup
