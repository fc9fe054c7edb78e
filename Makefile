# The two commands a newcomer needs: `make demo` and `make test`. Both install what is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help setup demo test bench audit build lint lambda cfn-lint unit emulator-test docs docs-check install-provider emulator-start emulator-stop

help:
	@echo "make demo    start the emulator, build the provider, apply and destroy examples/terraform/quickstart and examples/terraform/mlops, enable projects, launch and terminate the Service Catalog product"
	@echo "make test    install what is missing, then lint, unit, emulator and acceptance tests"
	@echo "make bench   benchmarks against the emulator: one table of ratios, build/bench/results.json"
	@echo "make audit ENV=<name>-<stage>   the detective audit of one environment (AWS, or the emulator with AWS_ENDPOINT_URL)"
	@echo "make docs    regenerate docs/ from the provider schema"
	@echo "make lambda  build the custom-resource Lambda: build/lambda/bootstrap.zip (static x86_64, checked)"

setup:
	@scripts/setup

demo: setup
	@scripts/demo

test: setup
	@scripts/test

bench: setup
	@bench/run

audit: setup
	@scripts/audit "$(ENV)"

build:
	cargo build --workspace --all-targets

lint:
	cargo fmt --all -- --check
	scripts/cfn-lint
	cargo clippy --workspace --all-targets -- -D warnings

lambda:
	@scripts/lambda

cfn-lint: setup
	@scripts/cfn-lint

docs: setup
	scripts/docs

docs-check: setup
	scripts/docs --check

install-provider:
	@scripts/install-provider

emulator-start:
	@scripts/emulator start

emulator-stop:
	@scripts/emulator stop
