# mk/tests-security.mk: one regression test per advisory and per
# non-advisory bug of the security record (docs/security-tests.md),
# against pxenstored under the simulated Xen, with hostile guests
# (tests/security/hostile.h on top of tests/guests/gtest.h).
#
#   make test-security       every binary; the daemon of this $(BUILD)
#                            (so `make asan` runs them against ASan)
#   make valgrind-security   the same with the daemon under valgrind
#
# One test case per row, named after it: run one with
#   CK_RUN_CASE=xsa_038_ring_indices build/tests/security/check_sec_ring
# Long runs of the loops the record asks for take their counts from the
# environment (each test's comment names its variable).

SEC_DIR := tests/security
SEC_TESTS := $(notdir $(basename $(wildcard $(SEC_DIR)/check_*.c)))
SEC_BINS := $(SEC_TESTS:%=$(BUILD)/tests/security/%)
SEC_LIB_OBJS := $(BUILD)/obj/$(SEC_DIR)/hostile.o \
	$(BUILD)/obj/tests/guests/gtest.o

$(BUILD)/obj/$(SEC_DIR)/%.o: TGT_CFLAGS = $(CHECK_CFLAGS) -Ixenstored \
	-Itests -Itests/guests -Itools/xensim

# (mk/xensim.mk and mk/xenstored.mk are read after this file: the
# prerequisites name their outputs literally.)
$(BUILD)/tests/security/%: $(BUILD)/obj/$(SEC_DIR)/%.o $(SEC_LIB_OBJS) \
    $(BUILD)/lib/libxensim-host.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) -pthread

.SECONDARY: $(SEC_LIB_OBJS) $(SEC_TESTS:%=$(BUILD)/obj/$(SEC_DIR)/%.o)

SEC_DEPS := $(SEC_BINS) $(BUILD)/bin/pxenstored $(BUILD)/lib/libxensim.so \
	$(BUILD)/bin/xensim
SEC_ENV = PXENSTORED=$(PXENSTORED) XENSIM=$(XENSIM_CLI) \
	$(if $(findstring address,$(SANFLAGS)),HG_ASAN=1)
# Valgrind is slow: the daemon starts in seconds, not milliseconds.
SEC_VALGRIND = valgrind -q --error-exitcode=1 --leak-check=full \
	--errors-for-leak-kinds=definite

# Run them all (a failure does not hide the others), then fail if any
# failed.
test-security: $(SEC_DEPS)
	@fail=0; \
	for t in $(SEC_BINS); do \
		echo "== $$t"; \
		$(SEC_ENV) timeout -k 10 900 $$t || fail=1; \
	done; \
	exit $$fail

valgrind-security: $(SEC_DEPS)
	@fail=0; \
	for t in $(SEC_BINS); do \
		echo "== valgrind (daemon) $$t"; \
		$(SEC_ENV) GT_WRAPPER="$(SEC_VALGRIND)" HG_SLOW=1 \
		    timeout -k 10 3600 $$t || fail=1; \
	done; \
	exit $$fail

.PHONY: test-security valgrind-security
ALL_TARGETS += $(SEC_BINS)
CHECK_TARGETS += test-security
VALGRIND_TARGETS += valgrind-security
