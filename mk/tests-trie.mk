# Tests of libtrie: Check unit tests, the model-based property test and
# allocation-failure injection.

TRIE_TESTS := check_trie check_txn check_trie_alloc prop_trie
TRIE_TEST_BINS := $(TRIE_TESTS:%=$(BUILD)/tests/%)
TEST_HELPER_OBJS := $(BUILD)/obj/tests/helpers/failalloc.o \
	$(BUILD)/obj/tests/model/model.o

$(BUILD)/obj/tests/%.o: TGT_CFLAGS = $(CHECK_CFLAGS) -Itests -Ilibtrie

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TEST_HELPER_OBJS) $(LIBTRIE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS)

# Property-test length: the default run does the full 100,000 operations
# per seed; valgrind runs a shorter sequence (it is 30x slower).
PROP_OPS ?= 100000

test-trie: $(TRIE_TEST_BINS)
	@for t in $(TRIE_TEST_BINS); do \
		echo "== $$t"; PROP_OPS=$(PROP_OPS) $$t || exit 1; \
	done

valgrind-trie: $(TRIE_TEST_BINS)
	@for t in $(TRIE_TEST_BINS); do \
		echo "== valgrind $$t"; \
		CK_FORK=no PROP_OPS=10000 valgrind -q --error-exitcode=1 \
		    --leak-check=full --errors-for-leak-kinds=all $$t || exit 1; \
	done

.PHONY: test-trie valgrind-trie
ALL_TARGETS += $(TRIE_TEST_BINS)
CHECK_TARGETS += test-trie
VALGRIND_TARGETS += valgrind-trie
