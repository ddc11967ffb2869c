# trie-bench: libtrie micro-benchmarks (make bench runs it on the release
# build and keeps the CSV under $(BUILD)/bench).

TRIE_BENCH := $(BUILD)/bin/trie-bench

$(TRIE_BENCH): $(BUILD)/obj/tools/trie-bench.o $(LIBTRIE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

bench-trie: $(TRIE_BENCH)
	@mkdir -p $(BUILD)/bench
	$(TRIE_BENCH) --csv | tee $(BUILD)/bench/trie.csv

.PHONY: bench-trie
ALL_TARGETS += $(TRIE_BENCH)
BENCH_TARGETS += bench-trie
