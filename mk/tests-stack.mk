# make check-small-stack: the daemon on a 256 KiB stack
# (tests/stack/small-stack), first proven real (tests/stack/check_stack.sh:
# a recursion of 1 MiB dies there, the daemon's /proc limits say 256 KiB),
# then through the deep-path scenario (tests/guests/check_guest_deep.c:
# chains of about 1,000 levels from a guest and from dom0, read,
# committed at the bottom, checked, snapshotted, live-updated, removed)
# and the whole integration suite.  Any walk whose C stack grew with the
# depth of the tree, in the daemon or its snapshot thread, would crash.

RECURSE := $(BUILD)/tests/stack/recurse
SMALL_STACK := $(abspath tests/stack/small-stack)

$(RECURSE): $(BUILD)/obj/tests/stack/recurse.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

check-small-stack: all $(RECURSE)
	sh tests/stack/check_stack.sh $(abspath $(RECURSE)) \
	    $(abspath $(PXENSTORED))
	PXENSTORED_REAL=$(abspath $(PXENSTORED)) EXPECT_STACK_KB=256 \
	    $(MAKE) RUN_DAEMON=$(SMALL_STACK) test-guests-deep \
	    test-integration

.PHONY: check-small-stack
ALL_TARGETS += $(RECURSE)
