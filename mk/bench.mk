# mk/bench.mk: pxenstored side by side with Debian's C xenstored and
# oxenstored (tools/bench/bench.sh).
#
#   make bench                 the full comparison on the release build
#                              (at most BENCH_BUDGET seconds, default 80
#                              minutes, for the rounds after the first):
#                              docs/benchmarks.md, .png, .csv
#   make bench BENCH_QUICK=1   small sizes, one round, output under
#                              $(BUILD)/bench (what tests/bench/smoke.sh
#                              runs in make check)
#
# Timings never fail it; a failed request, a daemon that dies or does not
# start does (status 1, listed in the document).

BENCH_OUT ?= $(if $(BENCH_QUICK),$(BUILD)/bench/benchmarks,docs/benchmarks)
# (The other mk files are read after this one: outputs named literally.)
BENCH_DEPS := $(addprefix $(BUILD)/,bin/xs-bench bin/xs-echo bin/pxenstored \
	bin/xensim lib/libxensim.so bin/xs-stress)

# The pause clients see across a live update (tools/bench/lu-pause.sh).
bench-lu: $(BUILD)/bin/pxenstored $(BUILD)/bin/xs-bench
	@mkdir -p $(BUILD)/bench
	timeout 900 sh tools/bench/lu-pause.sh $(BUILD)/bin/pxenstored \
	    >$(BUILD)/bench/lu-pause.md.tmp
	mv $(BUILD)/bench/lu-pause.md.tmp $(BUILD)/bench/lu-pause.md
	cat $(BUILD)/bench/lu-pause.md

# The full run's document also shows what bench-trie, bench-persist and
# bench-lu (run just before, by make bench) measured.
BENCH_SIDE_CSV = $(if $(BENCH_QUICK),,\
	TRIE_CSV=$$(test -s $(BUILD)/bench/trie.csv && echo $(BUILD)/bench/trie.csv) \
	PERSIST_CSV=$$(test -s $(BUILD)/bench/persist.csv && echo $(BUILD)/bench/persist.csv) \
	LU_MD=$$(test -s $(BUILD)/bench/lu-pause.md && echo $(BUILD)/bench/lu-pause.md))

bench-compare: $(BENCH_DEPS)
	@mkdir -p $(dir $(BENCH_OUT))
	$(BENCH_SIDE_CSV) sh tools/bench/bench.sh \
	    $(if $(BENCH_QUICK),-q) -o $(BENCH_OUT).md -p $(BENCH_OUT).png \
	    -c $(BENCH_OUT).csv $(BUILD)

# The chain in its quick form (make check; never a timing).  Not under
# the sanitizers: callgrind cannot run an ASan build, and benchmarks are
# about release builds anyway.
test-bench: $(BENCH_DEPS)
	@echo "== tests/bench/smoke.sh"
	$(if $(SANFLAGS),@echo "   skipped under sanitizers",\
	    @timeout 1200 sh tests/bench/smoke.sh $(BUILD))

.PHONY: bench-compare test-bench bench-lu
BENCH_TARGETS += bench-lu bench-compare
CHECK_TARGETS += test-bench
