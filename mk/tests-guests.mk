# mk/tests-guests.mk: the daemon's ring code and its guests.
#
#   $(BUILD)/tests/check_ring        xenstored/ring.c on a plain page
#   $(BUILD)/tests/guests/check_*    pxenstored under the simulated Xen,
#                                    driven as toolstack (socket) and as
#                                    guests (rings, xensim.h)
#
# The integration tests start `xensim run DIR -- $(PXENSTORED) -N ...` in
# a mktemp -d directory per test; the daemon is the build's own (the ASan
# one under `make asan`), and its exit status (leaks included) is checked.

RING_TEST := $(BUILD)/tests/check_ring
RING_TEST_OBJS := $(BUILD)/obj/tests/check_ring.o \
	$(BUILD)/obj/xenstored/ring.o

GUESTS_DIR := tests/guests
GUESTS_TESTS := check_guest_ops check_guest_life check_guest_rings \
	check_guest_deep
GUESTS_BINS := $(GUESTS_TESTS:%=$(BUILD)/tests/guests/%)
GUESTS_LIB_OBJS := $(BUILD)/obj/$(GUESTS_DIR)/gtest.o

$(BUILD)/obj/tests/check_ring.o: TGT_CFLAGS = $(CHECK_CFLAGS) -Ixenstored \
	-Itests -Itools/xensim
$(BUILD)/obj/$(GUESTS_DIR)/%.o: TGT_CFLAGS = $(CHECK_CFLAGS) -Ixenstored \
	-Itests -Itools/xensim

$(RING_TEST): $(RING_TEST_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) -pthread

# (mk/xensim.mk and mk/xenstored.mk are read after this file: the
# prerequisites name their outputs literally.)
$(BUILD)/tests/guests/%: $(BUILD)/obj/$(GUESTS_DIR)/%.o $(GUESTS_LIB_OBJS) \
    $(BUILD)/lib/libxensim-host.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS)

.SECONDARY: $(RING_TEST_OBJS) $(GUESTS_LIB_OBJS) \
	$(GUESTS_TESTS:%=$(BUILD)/obj/$(GUESTS_DIR)/%.o)

# The daemon's tests need the daemon, the preload library and the CLI.
GUESTS_ENV = PXENSTORED=$(RUN_PXENSTORED) XENSIM=$(XENSIM_CLI)

test-ring: $(RING_TEST)
	timeout 300 $(RING_TEST)

test-guests: $(GUESTS_BINS) $(BUILD)/bin/pxenstored \
    $(BUILD)/lib/libxensim.so $(BUILD)/bin/xensim
	@for t in $(GUESTS_BINS); do \
		echo "== $$t"; \
		$(GUESTS_ENV) timeout 300 $$t || exit 1; \
	done

# Only the deep-path scenario (make check-small-stack runs it again).
test-guests-deep: $(BUILD)/tests/guests/check_guest_deep \
    $(BUILD)/bin/pxenstored $(BUILD)/lib/libxensim.so $(BUILD)/bin/xensim
	$(GUESTS_ENV) timeout 600 $(BUILD)/tests/guests/check_guest_deep

valgrind-ring: $(RING_TEST)
	CK_FORK=no timeout 900 valgrind -q --error-exitcode=1 \
	    --leak-check=full --errors-for-leak-kinds=all $(RING_TEST)

.PHONY: test-ring test-guests test-guests-deep valgrind-ring
ALL_TARGETS += $(RING_TEST) $(GUESTS_BINS)
CHECK_TARGETS += test-ring test-guests
VALGRIND_TARGETS += valgrind-ring
