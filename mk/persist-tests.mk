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
# pt.o reads whole files with the daemon's read_whole_file.
PT_LIB := $(BUILD)/obj/$(PT_DIR)/pt.o $(BUILD)/obj/xenstored/readfile.o
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


# The state readers' fuzz targets (snapshot, journal, dump) are in
# mk/fuzz.mk with the others.

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

# make check: every test bounded by timeout; about 25 s here, 2 minutes
# under make asan (docs/persistence.md lists what each checks).
persist-check: $(PT_TESTS) $(XSDUMP) $(PT_DAEMON) $(PT_PRELOAD)
	@echo "== persistence: prop_state"
	timeout 600 env $(PT_ENV) $(PT_BIN)/prop_state
	@echo "== persistence: crash (kill -9 under load, each --fsync)"
	timeout 600 env $(PT_ENV) $(PT_BIN)/crash
	@echo "== persistence: recover (damaged state directories)"
	timeout 900 env $(PT_ENV) $(PT_BIN)/recover

# Under valgrind: xs-dump on the state readers' fuzz corpus (the replayed
# fuzz targets are fuzz-valgrind's).
persist-valgrind: $(XSDUMP)
	timeout 300 valgrind -q --error-exitcode=1 --leak-check=full \
	    --errors-for-leak-kinds=all $(XSDUMP) $(FZ_CORPUS)/snapshot/* \
	    $(FZ_CORPUS)/journal/* $(FZ_CORPUS)/dump/* > /dev/null

.PHONY: persist-check persist-valgrind
CHECK_TARGETS += persist-check
VALGRIND_TARGETS += persist-valgrind
