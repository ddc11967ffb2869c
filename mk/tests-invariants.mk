# tests/check_invariants.c: the invariant checker (xenstored/checker.c)
# and the per-pass request budget, on a daemon built in-process from the
# daemon's library (the checker looks at all of it, so this one unit test
# links everything but main.c).  Its corruptions are made by the test
# itself, on plain memory: nothing test-only is compiled into the daemon.
#
# (mk/xenstored.mk is read after this file: its outputs are named here
# literally.)

INV_TEST := $(BUILD)/tests/check_invariants
INV_TEST_OBJ := $(BUILD)/obj/tests/check_invariants.o

$(INV_TEST_OBJ): TGT_CFLAGS = $(CHECK_CFLAGS) -Ixenstored -Itests -Ilibtrie

$(INV_TEST): $(INV_TEST_OBJ) $(BUILD)/lib/libxenstored.a $(BUILD)/lib/libtrie.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(XENSTORED_LIBS) -pthread

test-invariants: $(INV_TEST)
	timeout 300 $(INV_TEST)

valgrind-invariants: $(INV_TEST)
	CK_FORK=no timeout 900 valgrind -q --error-exitcode=1 \
	    --leak-check=full --errors-for-leak-kinds=all $(INV_TEST)

.PHONY: test-invariants valgrind-invariants
ALL_TARGETS += $(INV_TEST)
CHECK_TARGETS += test-invariants
VALGRIND_TARGETS += valgrind-invariants
