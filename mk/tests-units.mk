# Unit tests of the daemon's modules (style.md §9.8): each binary links the
# module under test plus the few modules it calls, never the whole daemon.
# UNIT_<test> lists what a test links besides its own object; a long list
# there means the module boundary is wrong.

XSD_O := $(BUILD)/obj/xenstored

UNIT_TESTS := check_wire check_path check_perms check_quota check_errors \
	check_watch check_daemon_txn check_store check_loop check_config \
	check_events check_readfile check_nocancel
UNIT_TEST_BINS := $(UNIT_TESTS:%=$(BUILD)/tests/%)
UNIT_TEST_OBJS := $(UNIT_TESTS:%=$(BUILD)/obj/tests/%.o)

$(UNIT_TEST_OBJS): TGT_CFLAGS = $(CHECK_CFLAGS) -Ixenstored -Itests

UNIT_check_wire := $(XSD_O)/wire.o
UNIT_check_path := $(XSD_O)/path.o $(XSD_O)/wire.o
UNIT_check_perms := $(XSD_O)/perms.o $(XSD_O)/wire.o
UNIT_check_quota := $(XSD_O)/quota.o $(XSD_O)/wire.o
UNIT_check_errors := $(XSD_O)/xs_errors.o
UNIT_check_readfile := $(XSD_O)/readfile.o
UNIT_check_nocancel :=
UNIT_check_watch := $(XSD_O)/watch.o $(LIBTRIE)
UNIT_check_daemon_txn := $(XSD_O)/txn.o $(LIBTRIE)
UNIT_check_store := $(XSD_O)/store.o $(LIBTRIE)
UNIT_check_loop := $(XSD_O)/loop.o
UNIT_check_config := $(XSD_O)/config.o $(XSD_O)/quota.o $(XSD_O)/wire.o
# events.c calls into daemon.c (who a caller is, whether an ACL entry is
# alive) and conn.c (conn_queue); the test links daemon.c and the pure
# modules and stands in for conn_queue (see check_events.c).
UNIT_check_events := $(XSD_O)/events.o $(XSD_O)/daemon.o \
	$(XSD_O)/domain.o $(XSD_O)/watch.o $(XSD_O)/perms.o \
	$(XSD_O)/path.o $(XSD_O)/wire.o $(XSD_O)/store.o $(LIBTRIE)

define unit_test_rule
$(BUILD)/tests/$(1): $(BUILD)/obj/tests/$(1).o $(UNIT_$(1))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$^ $$(CHECK_LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test_rule,$(t))))

test-units: $(UNIT_TEST_BINS)
	@for t in $(UNIT_TEST_BINS); do \
		echo "== $$t"; $$t || exit 1; \
	done

valgrind-units: $(UNIT_TEST_BINS)
	@for t in $(UNIT_TEST_BINS); do \
		echo "== valgrind $$t"; \
		CK_FORK=no valgrind -q --error-exitcode=1 \
		    --leak-check=full --errors-for-leak-kinds=all $$t || exit 1; \
	done

.PHONY: test-units valgrind-units
ALL_TARGETS += $(UNIT_TEST_BINS)
CHECK_TARGETS += test-units
VALGRIND_TARGETS += valgrind-units
