# verify-layers targets for your own Makefile:
#
#   include path/to/verify-layers.mk
#
#   make verify-layers                 check every image output in the tree at HEAD
#   make verify-layers VERIFY_LAYERS_RANGE=origin/main..HEAD   check only what those commits introduced
#   make verify-layers-install-hook    install the pre-push hook (core.hooksPath respected)
#
# Override VERIFY_LAYERS (the binary) and VERIFY_LAYERS_FLAGS (e.g. --format json --report junit=report.xml).

VERIFY_LAYERS       ?= verify-layers
VERIFY_LAYERS_FLAGS ?=
VERIFY_LAYERS_RANGE ?=

.PHONY: verify-layers verify-layers-install-hook verify-layers-uninstall-hook

verify-layers:
	@command -v $(firstword $(VERIFY_LAYERS)) >/dev/null 2>&1 || { echo >&2 "verify-layers: '$(firstword $(VERIFY_LAYERS))' not found; install verify-layers or set VERIFY_LAYERS=/path/to/verify-layers"; exit 2; }
	$(VERIFY_LAYERS) check $(if $(VERIFY_LAYERS_RANGE),--range $(VERIFY_LAYERS_RANGE)) $(VERIFY_LAYERS_FLAGS)

verify-layers-install-hook:
	$(VERIFY_LAYERS) install

verify-layers-uninstall-hook:
	$(VERIFY_LAYERS) uninstall
