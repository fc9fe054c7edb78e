# The two commands a newcomer needs: `make demo` and `make test`. Both install what is missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help setup demo test build lint unit emulator-test docs docs-check install-provider emulator-start emulator-stop

help:
	@echo "make demo    start the emulator, build the provider, apply and destroy examples/terraform/quickstart, enable projects"
	@echo "make test    install what is missing, then lint, unit, emulator and acceptance tests"
	@echo "make docs    regenerate docs/ from the provider schema"

setup:
	@scripts/setup

demo: setup
	@scripts/demo

test: setup
	@scripts/test

build:
	cargo build --workspace --all-targets

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

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
