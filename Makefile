# pxenstored: top-level build.
#
# Every component adds its rules in mk/<component>.mk; this file only holds
# the flags shared by all of them and the entry points users type.
#
#   make            build everything into build/
#   make check      build and run every test (unit, property, integration)
#   make bench      build a release tree (build/release) and run benchmarks;
#                   docs/benchmarks.md compares the daemons (BENCH_QUICK=1:
#                   a short version under build/release/bench)
#   make asan       the check suite under AddressSanitizer + UBSan (build/asan)
#   make valgrind   the unit and property tests under valgrind
#   make check-all  check, asan, valgrind, check-release,
#                   check-small-stack and a short run of each fuzz
#                   target: what CI runs
#   make fuzz       run each fuzz target for FUZZ_SECONDS (docs/fuzzing.md)
#   make release    build with assertions off (build/release)
#   make check-release      the check suite against that build
#   make check-small-stack  the daemon on a 256 KiB stack: deep paths and
#                   the integration suite (mk/tests-stack.mk)
#   make install    install under $(DESTDIR)$(PREFIX)

BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=

CC ?= cc
OPT ?= -O2
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wpointer-arith -Wvla
CFLAGS ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANFLAGS) \
             $(EXTRA_CFLAGS) $(TGT_CFLAGS) -Iinclude -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

# Check (the unit-test framework), found through pkg-config.
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)

# The daemon the tests run: this build's, unless RUN_DAEMON names
# another program that runs it (make check-small-stack: a wrapper that
# gives it a 256 KiB stack).  Deferred: PXENSTORED is set by a fragment.
RUN_DAEMON ?=
RUN_PXENSTORED = $(if $(RUN_DAEMON),$(RUN_DAEMON),$(PXENSTORED))

# Components append to these.
ALL_TARGETS :=
CHECK_TARGETS :=
VALGRIND_TARGETS :=
BENCH_TARGETS :=
INSTALL_TARGETS :=

export CK_FORK

.PHONY: all check check-all check-lane-build check-lane-trees valgrind bench bench-run asan release \
	check-release install clean
.DEFAULT_GOAL := all

include $(sort $(wildcard mk/*.mk))

all: $(ALL_TARGETS)

check: all $(CHECK_TARGETS)

# Every test: the suite, then again under the sanitizers and valgrind,
# with assertions off (upstream's reachable asserts behaved differently
# with NDEBUG: XSA-481), and with the daemon on a small stack,
# then a few seconds of each libFuzzer target (when clang can build them).
# Two lanes with build trees of their own run side by side under -j2: the
# tests mostly wait (on daemons, valgrind, timeouts), so one lane alone
# leaves a core idle.  Each stage's output is shown whole when it ends,
# with its time; the lanes' results are both waited for.
check-all:
	$(MAKE) --output-sync=recurse check-lane-build check-lane-trees

check-lane-build:
	+$(Q)$(call timed,check)
	+$(Q)$(call timed,valgrind)
	+$(Q)$(call timed,check-small-stack)

check-lane-trees:
	+$(Q)$(call timed,asan)
	+$(Q)$(call timed,check-release)
	+$(Q)$(call timed,fuzz-smoke-if-available)

# $(call timed,target): make it, then say how long it took.
timed = t0=$$(date +%s); $(MAKE) $(1); rc=$$?; \
	echo "check-all: $(1): $$(( $$(date +%s) - t0 )) s, exit $$rc"; \
	exit $$rc

valgrind: all $(VALGRIND_TARGETS)

# Benchmarks measure the release build; they report, never fail on timing.
bench:
	$(MAKE) BUILD=build/release EXTRA_CFLAGS=-DNDEBUG bench-run

# One at a time, whatever -j says: they measure.  The comparison comes
# last, so that its document can include trie-bench's figures; a quick
# run is only the comparison.
bench-run: all
	$(MAKE) -j1 $(if $(BENCH_QUICK),bench-compare,\
	    $(filter-out bench-compare,$(BENCH_TARGETS)) bench-compare)

release:
	$(MAKE) BUILD=build/release EXTRA_CFLAGS=-DNDEBUG all

# The same suites against the release build: no test may depend on an
# assertion being there.
check-release:
	$(MAKE) BUILD=build/release EXTRA_CFLAGS=-DNDEBUG check

# Check's fork mode hides leaks from the sanitizer: run the tests in-process.
asan:
	$(MAKE) BUILD=build/asan OPT=-O1 \
	    SANFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    CK_FORK=no check

install: all $(INSTALL_TARGETS)

clean:
	rm -rf build

# V=1 shows the commands.
Q = $(if $(V),,@)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
