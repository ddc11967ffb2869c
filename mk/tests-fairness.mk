# tests/fairness/: hostile guests against fairness (a starved dom0
# transaction, ring and unprivileged-socket floods) under the simulated
# Xen, through the guests' harness (tests/guests/gtest.c).  Every bound
# they assert is a count (attempts, requests, bytes), never a time; each
# prints what it measured on stderr.
#
# (mk/tests-guests.mk, mk/xensim.mk and mk/xenstored.mk provide the
# harness object, the simulator and the daemon; their outputs are named
# literally because some of those files are read after this one.)

FAIRNESS_DIR := tests/fairness
FAIRNESS_TESTS := check_fairness
FAIRNESS_BINS := $(FAIRNESS_TESTS:%=$(BUILD)/tests/fairness/%)

$(BUILD)/obj/$(FAIRNESS_DIR)/%.o: TGT_CFLAGS = $(CHECK_CFLAGS) \
	-Itests/guests -Itools/xensim

$(BUILD)/tests/fairness/%: $(BUILD)/obj/$(FAIRNESS_DIR)/%.o \
    $(BUILD)/obj/tests/guests/gtest.o $(BUILD)/lib/libxensim-host.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS)

.SECONDARY: $(FAIRNESS_TESTS:%=$(BUILD)/obj/$(FAIRNESS_DIR)/%.o)

test-fairness: $(FAIRNESS_BINS) $(BUILD)/bin/pxenstored \
    $(BUILD)/lib/libxensim.so $(BUILD)/bin/xensim
	@for t in $(FAIRNESS_BINS); do \
		echo "== $$t"; \
		PXENSTORED=$(RUN_PXENSTORED) XENSIM=$(BUILD)/bin/xensim \
		    timeout 900 $$t || exit 1; \
	done

.PHONY: test-fairness
ALL_TARGETS += $(FAIRNESS_BINS)
CHECK_TARGETS += test-fairness
