# mk/e2e.mk: the end-to-end test on a real Xen 4.17 under QEMU (TCG): a PV
# dom0 whose xenstored is the daemon under test, and PV guests created with
# xl. Scripts in tests/e2e/, notes in docs/e2e.md. Not part of `make check`
# (needs qemu-system-x86 and Debian's archive for the first fetch).
#
#   make check-e2e                    pxenstored ($(BUILD)/bin/pxenstored)
#   make check-e2e XENSTORED=/usr/lib/xen-4.17/bin/xenstored
#   make check-e2e XENSTORED=/usr/lib/xen-4.17/bin/oxenstored
#   make check-e2e E2E_SCENARIOS=basic
#   make check-e2e-reference          Xen's C xenstored and oxenstored
#   make e2e-fetch                    fill the cache only
#
# XENSTORED empty: pxenstored, built first when this tree has a rule for it;
# a tree without one falls back to Xen's C xenstored, saying so.
# E2E_RESTART: 1 runs the restart scenario (the daemon declares that it
# survives kill -9), 0 reports it as SKIP, auto (default) asks the daemon:
# pxenstored declares it when its --help offers --state-dir.

XENSTORED ?=
E2E_SCENARIOS ?= basic scale restart
E2E_CACHE ?= $(CURDIR)/tests/e2e/cache
E2E_RESTART ?= auto
E2E_REF_XENSTORED ?= /usr/lib/xen-4.17/bin/xenstored
E2E_REF_OXENSTORED ?= /usr/lib/xen-4.17/bin/oxenstored

E2E_ENV = E2E_CACHE=$(E2E_CACHE) BUILD=$(abspath $(BUILD))

.PHONY: check-e2e check-e2e-reference e2e-fetch

e2e-fetch:
	$(E2E_ENV) tests/e2e/fetch.sh

check-e2e:
	@if [ -z "$(XENSTORED)" ] && [ -n "$(PXENSTORED)" ]; then \
		$(MAKE) --no-print-directory $(PXENSTORED); \
	fi
	@set -e; \
	if [ -n "$(XENSTORED)" ]; then \
		d="$(XENSTORED)"; \
	elif [ -n "$(PXENSTORED)" ]; then \
		d="$(PXENSTORED)"; \
	else \
		echo "check-e2e: this tree cannot build pxenstored: FALLING BACK to $(E2E_REF_XENSTORED) (set XENSTORED= to choose)"; \
		d="$(E2E_REF_XENSTORED)"; \
	fi; \
	r="$(E2E_RESTART)"; \
	if [ "$$r" = auto ]; then \
		r=0; \
		if "$$d" --help 2>&1 | grep -q -e '--state-dir'; then r=1; fi; \
	fi; \
	echo "check-e2e: XENSTORED=$$d E2E_RESTART=$$r scenarios: $(E2E_SCENARIOS)"; \
	$(E2E_ENV) XENSTORED="$$d" E2E_RESTART="$$r" tests/e2e/run.sh $(E2E_SCENARIOS)

# Debian's C xenstored and oxenstored through the same scenarios.
check-e2e-reference:
	$(MAKE) --no-print-directory check-e2e XENSTORED=$(E2E_REF_XENSTORED)
	$(MAKE) --no-print-directory check-e2e XENSTORED=$(E2E_REF_OXENSTORED)
