# xs-bench: load generator for xenstore daemons (tools/xs-bench/, usage in
# docs/xs-bench.md), and xs-echo, the ping-pong floor.  `make check` runs
# a short smoke test against pxenstored over the socket, and over rings
# against all three daemons (output format and zero errors, never
# timings); `make bench` runs it on the release build and keeps the CSV
# under $(BUILD)/bench.

XS_BENCH := $(BUILD)/bin/xs-bench
XS_BENCH_SRCS := xs-bench engine libxs proto hist transport_unix \
	transport_ring
XS_BENCH_OBJS := $(XS_BENCH_SRCS:%=$(BUILD)/obj/tools/xs-bench/%.o)
XS_BENCH_LIBS := $(shell pkg-config --libs xenstore 2>/dev/null || \
	echo -lxenstore) -lpthread

$(BUILD)/obj/tools/xs-bench/%.o: TGT_CFLAGS = \
	$(shell pkg-config --cflags xenstore 2>/dev/null) -Itools/xensim

# --rings drives simulated guests through libxensim-host.a (mk/xensim.mk).
$(XS_BENCH): $(XS_BENCH_OBJS) $(BUILD)/lib/libxensim-host.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(XS_BENCH_LIBS)

# The ping-pong floor: a server that answers without a store.
XS_ECHO := $(BUILD)/bin/xs-echo

$(XS_ECHO): $(BUILD)/obj/tools/xs-bench/xs-echo.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

XS_BENCH_CHECK := $(BUILD)/tests/xs-bench/check_hist

$(BUILD)/obj/tests/xs-bench/%.o: TGT_CFLAGS = $(CHECK_CFLAGS) -Itools/xs-bench

$(XS_BENCH_CHECK): $(BUILD)/obj/tests/xs-bench/check_hist.o \
    $(BUILD)/obj/tools/xs-bench/hist.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS)

# (mk/xensim.mk is read after this file: its outputs named literally.)
test-xs-bench: $(XS_BENCH) $(XS_BENCH_CHECK) $(PXENSTORED) \
    $(BUILD)/bin/xensim $(BUILD)/lib/libxensim.so
	@echo "== $(XS_BENCH_CHECK)"
	@$(XS_BENCH_CHECK)
	@echo "== tests/xs-bench/smoke.sh"
	@sh tests/xs-bench/smoke.sh $(XS_BENCH) $(PXENSTORED)
	@echo "== tests/xs-bench/rings.sh"
	@timeout 900 sh tests/xs-bench/rings.sh $(XS_BENCH) $(PXENSTORED) \
	    $(BUILD)/bin/xensim

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

ALL_TARGETS += $(XS_BENCH) $(XS_ECHO) $(XS_BENCH_CHECK)
VALGRIND_TARGETS += valgrind-xs-bench
CHECK_TARGETS += test-xs-bench
BENCH_TARGETS += bench-xs
