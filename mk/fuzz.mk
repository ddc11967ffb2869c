# mk/fuzz.mk: the fuzz targets (docs/fuzzing.md).
#
# Every target tests/fuzz/fuzz_<name>.c is a libFuzzer entry point, built
# twice:
#   * by the normal compiler into $(BUILD)/tests/fuzz/replay-<name>, with
#     replay.c as main: `make check` replays the committed corpus
#     (tests/fuzz/corpus/<name>/) and mutations of it (fuzz-check); `make
#     valgrind` fewer, under valgrind (fuzz-valgrind);
#   * by clang with libFuzzer, ASan and UBSan into $(BUILD)/fuzz/fuzz-<name>:
#     `make fuzz` runs each for FUZZ_SECONDS on a working copy of its
#     corpus, `make fuzz-smoke` for FUZZ_SMOKE_SECONDS (check-all runs it
#     when clang's libFuzzer runtime is installed).  FUZZ_TARGETS picks
#     some: `make fuzz FUZZ_TARGETS=session FUZZ_SECONDS=600`.
#
# Read before the other mk files: paths of their outputs are named here.

FZ_SRC := tests/fuzz
FZ_CORPUS := $(FZ_SRC)/corpus
FZ_NAMES := wire session ring path perms snapshot journal dump
FUZZ_TARGETS ?= $(FZ_NAMES)

FZ_BIN := $(BUILD)/tests/fuzz
FZ_XSLIB := $(BUILD)/lib/libxenstored.a
FZ_TRIE := $(BUILD)/lib/libtrie.a

# ---- replay builds (normal compiler) ---------------------------------------

$(BUILD)/obj/$(FZ_SRC)/%.o: TGT_CFLAGS = -Ixenstored -Itools/xs-dump \
    -Itests/persist -I$(FZ_SRC)

# Two targets from one file: a snapshot or a journal reader.
$(BUILD)/obj/$(FZ_SRC)/fuzz_snapshot.o: $(FZ_SRC)/fuzz_restore.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DFUZZ_SNAPSHOT -c $< -o $@

$(BUILD)/obj/$(FZ_SRC)/fuzz_journal.o: $(FZ_SRC)/fuzz_restore.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# What the targets share; an archive, so each links only what it uses
# (fuzz_ring.c has its own ring.c).
FZ_HELP := $(BUILD)/lib/libfzhelp.a
FZ_HELP_OBJS := $(addprefix $(BUILD)/obj/, $(FZ_SRC)/replay.o \
    $(FZ_SRC)/fz.o $(FZ_SRC)/fz_client.o $(FZ_SRC)/resum.o \
    tests/persist/ipd.o tests/persist/pt.o tools/xs-dump/xsdump.o)

$(FZ_HELP): $(FZ_HELP_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(FZ_BIN)/replay-%: $(BUILD)/obj/$(FZ_SRC)/fuzz_%.o $(FZ_HELP) $(FZ_XSLIB) \
    $(FZ_TRIE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(XENSTORED_LIBS)

# A live-update stream in the C daemon's layout, for the corpus.
$(FZ_BIN)/mklu: $(BUILD)/obj/$(FZ_SRC)/mklu.o $(FZ_XSLIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# The seed corpus of the message, session, ring, path and permission
# targets (tests/fuzz/mkseeds.c writes it; the files are committed).
$(FZ_BIN)/mkseeds: $(BUILD)/obj/$(FZ_SRC)/mkseeds.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

FZ_REPLAY := $(FZ_NAMES:%=$(FZ_BIN)/replay-%)
ALL_TARGETS += $(FZ_REPLAY) $(FZ_BIN)/mklu $(FZ_BIN)/mkseeds
.SECONDARY: $(FZ_NAMES:%=$(BUILD)/obj/$(FZ_SRC)/fuzz_%.o)

fuzz-seeds: $(FZ_BIN)/mkseeds
	$(FZ_BIN)/mkseeds $(FZ_CORPUS)

# Mutations replayed by make check, per target: the session target runs a
# whole daemon per input, the others take microseconds.
FZ_RUNS_session := 2000
FZ_RUNS_DEFAULT := 20000

fuzz-check: $(FZ_REPLAY)
	@for t in $(FZ_NAMES); do \
		case $$t in \
		session) n=$(FZ_RUNS_session) ;; \
		*) n=$(FZ_RUNS_DEFAULT) ;; \
		esac; \
		echo "== fuzz target $$t, replayed ($$n mutations)"; \
		PT_FUZZ_RUNS=$$n PT_FUZZ_CRASH=$(FZ_BIN)/crash-$$t \
		    timeout 300 $(FZ_BIN)/replay-$$t $(FZ_CORPUS)/$$t || \
		    exit 1; \
	done

fuzz-valgrind: $(FZ_REPLAY)
	@for t in $(FZ_NAMES); do \
		case $$t in session) n=50 ;; *) n=400 ;; esac; \
		echo "== valgrind replay-$$t ($$n mutations)"; \
		PT_FUZZ_RUNS=$$n timeout 900 valgrind -q --error-exitcode=1 \
		    --leak-check=full --errors-for-leak-kinds=all \
		    $(FZ_BIN)/replay-$$t $(FZ_CORPUS)/$$t || exit 1; \
	done

CHECK_TARGETS += fuzz-check
VALGRIND_TARGETS += fuzz-valgrind

# ---- libFuzzer builds (clang) ----------------------------------------------

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
    -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) -g -O1 $(FUZZ_SAN) \
    -fsanitize=fuzzer-no-link -Iinclude -Ixenstored -Itools/xs-dump \
    -Itests/persist -I$(FZ_SRC) -MMD -MP
FZ_OBJ := $(BUILD)/fuzz/obj
FZ_LIBSRCS := $(filter-out xenstored/main.c,$(wildcard xenstored/*.c)) \
    $(wildcard libtrie/*.c) tests/persist/ipd.c $(FZ_SRC)/resum.c \
    $(FZ_SRC)/fz.c $(FZ_SRC)/fz_client.c tools/xs-dump/xsdump.c
FZ_LIBOBJS := $(FZ_LIBSRCS:%.c=$(FZ_OBJ)/%.o)
FZ_LIB := $(BUILD)/fuzz/libfz.a

$(FZ_OBJ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(if $(findstring xen.c,$<),-std=gnu11) \
	    -c $< -o $@

$(FZ_OBJ)/fuzz_snapshot.o: $(FZ_SRC)/fuzz_restore.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -DFUZZ_SNAPSHOT -c $< -o $@

$(FZ_OBJ)/fuzz_%.o: $(FZ_SRC)/fuzz_%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FZ_OBJ)/fuzz_journal.o: $(FZ_SRC)/fuzz_restore.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FZ_LIB): $(FZ_LIBOBJS)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/fuzz/fuzz-%: $(FZ_OBJ)/fuzz_%.o $(FZ_LIB)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(XENSTORED_LIBS)

FZ_FUZZERS = $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz-%)

# Keep the objects (chained rules would delete them as intermediates).
.SECONDARY: $(FZ_LIBOBJS) $(FZ_NAMES:%=$(FZ_OBJ)/fuzz_%.o)

fuzz-build: $(FZ_FUZZERS)

# Each target in turn (never two at once) on a working copy of its
# corpus, inputs at most $$m bytes (state files and sessions are long);
# a crash, leak or sanitizer report stops the run and fails.
define fz_run
	@mkdir -p $(BUILD)/fuzz/artifacts
	@for t in $(FUZZ_TARGETS); do \
		case $$t in \
		snapshot|journal|dump|session) m=65536 ;; \
		wire) m=16384 ;; \
		ring) m=4096 ;; \
		*) m=8192 ;; \
		esac; \
		$(FZ_SRC)/run.sh $(BUILD)/fuzz/fuzz-$$t $(FZ_CORPUS)/$$t \
		    $(BUILD)/fuzz/corpus-$$t $(BUILD)/fuzz/artifacts/$$t- \
		    $(1) $$m $(FZ_SRC)/dict/$$t.dict || exit 1; \
	done
endef

fuzz: $(FZ_FUZZERS)
	$(call fz_run,$(FUZZ_SECONDS))

fuzz-smoke: $(FZ_FUZZERS)
	$(call fz_run,$(FUZZ_SMOKE_SECONDS))

# check-all: the smoke run if clang can link a libFuzzer target here.
fuzz-smoke-if-available:
	@mkdir -p $(BUILD)
	@if printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' | \
	    $(FUZZ_CC) -fsanitize=fuzzer,address,undefined -x c - \
	    -o $(BUILD)/.fuzz-probe >/dev/null 2>&1; then \
		rm -f $(BUILD)/.fuzz-probe; \
		$(MAKE) fuzz-smoke; \
	else \
		echo "fuzz-smoke skipped: $(FUZZ_CC) cannot link libFuzzer" \
		    "targets (Debian: clang libclang-rt-14-dev)"; \
	fi

.PHONY: fuzz fuzz-build fuzz-smoke fuzz-smoke-if-available fuzz-check \
    fuzz-valgrind fuzz-seeds

-include $(shell find $(FZ_OBJ) -name '*.d' 2>/dev/null)
