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
