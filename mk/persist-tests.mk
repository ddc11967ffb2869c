# mk/persist-tests.mk: xs-dump (printing and checking state files), the
# persistence tests, the state readers' fuzz targets and the persistence
# benchmark.  See docs/persistence.md.

# mk/xenstored.mk is read after this file: name its library directly.
PT_XSLIB := $(BUILD)/lib/libxenstored.a

XSDUMP := $(BUILD)/bin/xs-dump
XSDUMP_CORE := $(BUILD)/obj/tools/xs-dump/xsdump.o

$(BUILD)/obj/tools/xs-dump/%.o: TGT_CFLAGS = -Ixenstored -Itools/xs-dump

$(XSDUMP): $(BUILD)/obj/tools/xs-dump/main.o $(XSDUMP_CORE) $(PT_XSLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

ALL_TARGETS += $(XSDUMP)

# ---- tests ---------------------------------------------------------------

PT_DIR := tests/persist
PT_BIN := $(BUILD)/tests/persist
PT_LIB := $(BUILD)/obj/$(PT_DIR)/pt.o
PT_XENSIM_A := $(BUILD)/lib/libxensim-host.a
PT_DAEMON := $(BUILD)/bin/pxenstored
PT_PRELOAD := $(BUILD)/lib/libxensim.so

$(BUILD)/obj/$(PT_DIR)/%.o: TGT_CFLAGS = -Ixenstored -Itools/xensim \
    -Itools/xs-dump -I$(PT_DIR)

$(PT_BIN)/crash: $(BUILD)/obj/$(PT_DIR)/crash.o $(PT_LIB) $(PT_XENSIM_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# Tests with a daemon in their own process link all of it.
PT_IPD := $(BUILD)/obj/$(PT_DIR)/ipd.o
PT_TRIE := $(BUILD)/lib/libtrie.a

$(PT_BIN)/recover: $(BUILD)/obj/$(PT_DIR)/recover.o $(PT_IPD) $(PT_LIB) \
    $(PT_XSLIB) $(PT_TRIE) $(PT_XENSIM_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(XENSTORED_LIBS)

$(PT_BIN)/prop_state: $(BUILD)/obj/$(PT_DIR)/prop_state.o $(PT_IPD) $(PT_LIB) \
    $(XSDUMP_CORE) $(PT_XSLIB) $(PT_TRIE) $(PT_XENSIM_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(XENSTORED_LIBS)

# The daemon under test is this build's; an ASan daemon gets the ASan
# runtime preloaded before the simulation.
PT_ENV = PT_DAEMON=$(PT_DAEMON) PT_PRELOAD=$(abspath $(PT_PRELOAD)) \
    PT_XSDUMP=$(XSDUMP) \
    PT_ASAN_RT=$(if $(findstring address,$(SANFLAGS)),$(shell $(CC) \
    -print-file-name=libasan.so)) \
    PT_LSAN_SUPP=$(abspath $(PT_DIR)/lsan.supp)

PT_TESTS := $(PT_BIN)/crash $(PT_BIN)/recover $(PT_BIN)/prop_state
ALL_TARGETS += $(PT_TESTS)


# ---- fuzzing: the state readers ------------------------------------------
#
# Three targets: fuzz-snapshot (restore_snapshot), fuzz-journal
# (restore_journal), fuzz-dump (xs-dump's reader).  `make fuzz` (or
# fuzz-persist) builds them with clang and libFuzzer under ASan/UBSan into
# $(BUILD)/fuzz and runs each for FUZZ_SECONDS on a copy of the committed
# corpus (tests/fuzz/corpus/<target>); findings land in
# $(BUILD)/fuzz/artifacts.  `make check` runs the same targets without
# libFuzzer (replay.c): the corpus and a few thousand mutations of it.

PT_FZ := tests/fuzz
PT_FZ_CORPUS := $(PT_FZ)/corpus
PT_FZ_NAMES := snapshot journal dump

$(BUILD)/obj/$(PT_FZ)/%.o: TGT_CFLAGS = -Ixenstored -Itools/xs-dump \
    -I$(PT_DIR) -I$(PT_FZ)

$(BUILD)/obj/$(PT_FZ)/fuzz_snapshot.o: $(PT_FZ)/fuzz_restore.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DFUZZ_SNAPSHOT -c $< -o $@

$(BUILD)/obj/$(PT_FZ)/fuzz_journal.o: $(PT_FZ)/fuzz_restore.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

PT_FZ_COMMON := $(BUILD)/obj/$(PT_FZ)/replay.o $(BUILD)/obj/$(PT_FZ)/resum.o \
    $(PT_LIB)

$(PT_BIN)/replay-snapshot: $(BUILD)/obj/$(PT_FZ)/fuzz_snapshot.o \
    $(PT_FZ_COMMON) $(PT_IPD) $(PT_XSLIB) $(PT_TRIE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(XENSTORED_LIBS)

$(PT_BIN)/replay-journal: $(BUILD)/obj/$(PT_FZ)/fuzz_journal.o \
    $(PT_FZ_COMMON) $(PT_IPD) $(PT_XSLIB) $(PT_TRIE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(XENSTORED_LIBS)

$(PT_BIN)/replay-dump: $(BUILD)/obj/$(PT_FZ)/fuzz_dump.o $(PT_FZ_COMMON) \
    $(XSDUMP_CORE) $(PT_XSLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

$(PT_BIN)/mklu: $(BUILD)/obj/$(PT_FZ)/mklu.o $(PT_XSLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

PT_REPLAY := $(PT_FZ_NAMES:%=$(PT_BIN)/replay-%)
ALL_TARGETS += $(PT_REPLAY) $(PT_BIN)/mklu

# libFuzzer builds: every source compiled again by clang.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
    -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -g -O1 $(FUZZ_SAN) \
    -fsanitize=fuzzer-no-link -Iinclude -Ixenstored -Itools/xs-dump \
    -I$(PT_DIR) -I$(PT_FZ) -MMD -MP
FZ_OBJ := $(BUILD)/fuzz/obj
FZ_LIBSRCS := $(filter-out xenstored/main.c,$(wildcard xenstored/*.c)) \
    $(wildcard libtrie/*.c) $(PT_DIR)/ipd.c $(PT_FZ)/resum.c \
    tools/xs-dump/xsdump.c
FZ_LIBOBJS := $(FZ_LIBSRCS:%.c=$(FZ_OBJ)/%.o)

$(FZ_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(if $(findstring xen.c,$<),-std=gnu11) \
	    -c $< -o $@

$(FZ_OBJ)/fuzz_snapshot.o: $(PT_FZ)/fuzz_restore.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DFUZZ_SNAPSHOT -c $< -o $@

$(FZ_OBJ)/fuzz_journal.o: $(PT_FZ)/fuzz_restore.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FZ_OBJ)/fuzz_dump.o: $(PT_FZ)/fuzz_dump.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(BUILD)/fuzz/fuzz-%: $(FZ_OBJ)/fuzz_%.o $(FZ_LIBOBJS)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(XENSTORED_LIBS)

PT_FUZZERS := $(PT_FZ_NAMES:%=$(BUILD)/fuzz/fuzz-%)

# Keep the objects (chained rules would delete them as intermediates).
.SECONDARY: $(FZ_LIBOBJS) $(PT_FZ_NAMES:%=$(FZ_OBJ)/fuzz_%.o)

fuzz-persist-build: $(PT_FUZZERS)

# Each fuzzer on a working copy of its corpus, FUZZ_SECONDS each.
fuzz-persist: $(PT_FUZZERS)
	@mkdir -p $(BUILD)/fuzz/artifacts
	@for t in $(PT_FZ_NAMES); do \
		w=$(BUILD)/fuzz/corpus-$$t; mkdir -p $$w; \
		cp $(PT_FZ_CORPUS)/$$t/* $$w/; \
		echo "== fuzz-$$t ($(FUZZ_SECONDS) s)"; \
		ASAN_OPTIONS=detect_leaks=1 $(BUILD)/fuzz/fuzz-$$t \
		    -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
		    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		    -artifact_prefix=$(BUILD)/fuzz/artifacts/$$t- $$w \
		    2>&1 | tail -12 || exit 1; \
	done

fuzz: fuzz-persist

.PHONY: fuzz fuzz-persist fuzz-persist-build

# ---- benchmark -------------------------------------------------------------

$(PT_BIN)/persist-bench: $(BUILD)/obj/$(PT_DIR)/bench.o $(PT_LIB) $(PT_XSLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# Snapshot and restore of 10^5 and 10^6 nodes, write throughput by fsync
# policy; medians of 3, CSV kept under $(BUILD)/bench.
bench-persist: $(PT_BIN)/persist-bench $(PT_DAEMON) $(PT_PRELOAD)
	@mkdir -p $(BUILD)/bench
	env $(PT_ENV) $(PT_BIN)/persist-bench --csv | \
	    tee $(BUILD)/bench/persist.csv

.PHONY: bench-persist
ALL_TARGETS += $(PT_BIN)/persist-bench
BENCH_TARGETS += bench-persist

# ---- make check, make valgrind ------------------------------------------

# make check: every test bounded by timeout; about 30 s here, 2.5 minutes
# under make asan (docs/persistence.md lists what each checks).
persist-check: $(PT_TESTS) $(PT_REPLAY) $(XSDUMP) $(PT_DAEMON) $(PT_PRELOAD)
	@echo "== persistence: prop_state"
	timeout 600 env $(PT_ENV) $(PT_BIN)/prop_state
	@echo "== persistence: crash (kill -9 under load, each --fsync)"
	timeout 600 env $(PT_ENV) $(PT_BIN)/crash
	@echo "== persistence: recover (damaged state directories)"
	timeout 900 env $(PT_ENV) $(PT_BIN)/recover
	@for t in $(PT_FZ_NAMES); do \
		echo "== persistence: fuzz target $$t, replayed"; \
		timeout 300 env $(PT_ENV) \
		    PT_FUZZ_CRASH=$(PT_BIN)/fuzz-crash-$$t \
		    $(PT_BIN)/replay-$$t $(PT_FZ_CORPUS)/$$t || exit 1; \
	done

# Under valgrind: the state readers (replayed fuzz targets, fewer runs)
# and xs-dump on the corpus.
persist-valgrind: $(PT_REPLAY) $(XSDUMP)
	@for t in $(PT_FZ_NAMES); do \
		echo "== valgrind replay-$$t"; \
		PT_FUZZ_RUNS=400 timeout 900 valgrind -q --error-exitcode=1 \
		    --leak-check=full --errors-for-leak-kinds=all \
		    $(PT_BIN)/replay-$$t $(PT_FZ_CORPUS)/$$t || exit 1; \
	done
	timeout 300 valgrind -q --error-exitcode=1 --leak-check=full \
	    --errors-for-leak-kinds=all $(XSDUMP) $(PT_FZ_CORPUS)/*/* \
	    > /dev/null

.PHONY: persist-check persist-valgrind
CHECK_TARGETS += persist-check
VALGRIND_TARGETS += persist-valgrind
