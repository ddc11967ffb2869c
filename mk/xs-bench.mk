# xs-bench: load generator for xenstore daemons (tools/xs-bench/, usage in
# docs/xs-bench.md).  `make check` runs a short smoke test against
# pxenstored (output format and zero errors, never timings); `make bench`
# runs it on the release build and keeps the CSV under $(BUILD)/bench.

XS_BENCH := $(BUILD)/bin/xs-bench
XS_BENCH_SRCS := xs-bench engine libxs proto hist transport_unix
XS_BENCH_OBJS := $(XS_BENCH_SRCS:%=$(BUILD)/obj/tools/xs-bench/%.o)
XS_BENCH_LIBS := $(shell pkg-config --libs xenstore 2>/dev/null || \
	echo -lxenstore) -lpthread

$(BUILD)/obj/tools/xs-bench/%.o: TGT_CFLAGS = \
	$(shell pkg-config --cflags xenstore 2>/dev/null)

$(XS_BENCH): $(XS_BENCH_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(XS_BENCH_LIBS)

XS_BENCH_CHECK := $(BUILD)/tests/xs-bench/check_hist

$(BUILD)/obj/tests/xs-bench/%.o: TGT_CFLAGS = $(CHECK_CFLAGS) -Itools/xs-bench

$(XS_BENCH_CHECK): $(BUILD)/obj/tests/xs-bench/check_hist.o \
    $(BUILD)/obj/tools/xs-bench/hist.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS)

test-xs-bench: $(XS_BENCH) $(XS_BENCH_CHECK) $(PXENSTORED)
	@echo "== $(XS_BENCH_CHECK)"
	@$(XS_BENCH_CHECK)
	@echo "== tests/xs-bench/smoke.sh"
	@sh tests/xs-bench/smoke.sh $(XS_BENCH) $(PXENSTORED)

bench-xs: $(XS_BENCH) $(PXENSTORED)
	@mkdir -p $(BUILD)/bench
	sh tools/xs-bench/run-pxenstored.sh $(PXENSTORED) $(XS_BENCH) \
	    -t all -n 100000 --csv >$(BUILD)/bench/xs-bench.csv; \
	    rc=$$?; cat $(BUILD)/bench/xs-bench.csv; exit $$rc

.PHONY: test-xs-bench bench-xs valgrind-xs-bench
valgrind-xs-bench: $(XS_BENCH_CHECK)
	@echo "== valgrind $(XS_BENCH_CHECK)"
	@CK_FORK=no valgrind -q --error-exitcode=1 --leak-check=full \
	    --errors-for-leak-kinds=all $(XS_BENCH_CHECK)

ALL_TARGETS += $(XS_BENCH) $(XS_BENCH_CHECK)
VALGRIND_TARGETS += valgrind-xs-bench
CHECK_TARGETS += test-xs-bench
BENCH_TARGETS += bench-xs
