# Integration tests of the daemon (tests/integration/): the real daemon
# of this build directory on a Unix socket in a temporary directory,
# driven by libxenstore and a raw protocol client (Check binaries) and by
# the xenstore-* tools (xs_clients.sh).  `make asan` runs them against
# the ASan daemon.

ITEST_DIR := tests/integration
ITESTS := check_ops check_perms check_watch check_transactions \
	check_malformed check_concurrency
ITEST_BINS := $(ITESTS:%=$(BUILD)/integration/%)
ITEST_HELPER := $(BUILD)/obj/$(ITEST_DIR)/itest.o
XENSTORE_LIBS := $(shell pkg-config --libs xenstore 2>/dev/null || \
	echo -lxenstore)
# Every test binary, and the shell test, is killed after this long.
ITEST_TIMEOUT ?= 300

$(BUILD)/obj/$(ITEST_DIR)/%.o: TGT_CFLAGS = $(CHECK_CFLAGS) -I$(ITEST_DIR)

$(ITEST_BINS): $(BUILD)/integration/%: $(BUILD)/obj/$(ITEST_DIR)/%.o \
    $(ITEST_HELPER)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(XENSTORE_LIBS) $(CHECK_LIBS)

# xenstored.mk is read after this file, so $(PXENSTORED) is still empty
# in a prerequisite list here: name the daemon as it does (the recipe,
# expanded later, checks that the two agree).
ITEST_DAEMON = $(BUILD)/bin/pxenstored

# Run them all (a failure does not hide the others), then fail if any
# failed.
test-integration: $(ITEST_BINS) $(ITEST_DAEMON)
	@test "$(PXENSTORED)" = "$(ITEST_DAEMON)" || { \
		echo "tests-integration.mk: the daemon is $(PXENSTORED)"; \
		exit 1; }
	@fail=0; \
	for t in $(ITEST_BINS); do \
		echo "== $$t"; \
		PXENSTORED=$(RUN_PXENSTORED) timeout -k 10 $(ITEST_TIMEOUT) \
		    $$t || fail=1; \
	done; \
	echo "== $(ITEST_DIR)/xs_clients.sh"; \
	PXENSTORED=$(RUN_PXENSTORED) timeout -k 10 $(ITEST_TIMEOUT) \
	    bash $(ITEST_DIR)/xs_clients.sh || fail=1; \
	exit $$fail

.PHONY: test-integration
ALL_TARGETS += $(ITEST_BINS)
CHECK_TARGETS += test-integration
