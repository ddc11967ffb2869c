# mk/xensim.mk: the simulated Xen (tools/xensim), its tests and its tools.
#
#   $(BUILD)/lib/libxensim.so       LD_PRELOAD library for unmodified daemons
#   $(BUILD)/lib/libxensim-host.a   host/guest-side API (xensim.h)
#   $(BUILD)/bin/xensim             CLI: init, run, create, destroy, ...
#
# The preload runs inside Debian's daemons, which have no sanitizer
# runtime: its objects are compiled without $(SANFLAGS) (an ASan-built .so
# cannot be preloaded into them), also under `make asan`.  The core files
# it shares with the host library are exercised under ASan there.

XENSIM_SRC := tools/xensim
XENSIM_CORE := sim_machine sim_domain sim_evtchn sim_page sim_bell sim_evset
XENSIM_HOST := $(XENSIM_CORE) host guest ring request
XENSIM_PRE := $(XENSIM_CORE) pre_state pre_libc pre_xc pre_evtchn pre_gnttab

XENSIM_HOST_OBJS := $(XENSIM_HOST:%=$(BUILD)/obj/$(XENSIM_SRC)/%.o)
XENSIM_PRE_OBJS := $(XENSIM_PRE:%=$(BUILD)/obj/xensim-pic/%.o)
XENSIM_CLI_OBJS := $(addprefix $(BUILD)/obj/$(XENSIM_SRC)/, \
    cli.o cli_run.o cli_guest.o toolstack.o)

XENSIM_SO := $(BUILD)/lib/libxensim.so
XENSIM_A := $(BUILD)/lib/libxensim-host.a
XENSIM_CLI := $(BUILD)/bin/xensim

XENSIM_XS_LIBS := $(shell pkg-config --libs xenstore 2>/dev/null || \
    echo -lxenstore)
XENSIM_PIC_CFLAGS = $(filter-out $(SANFLAGS),$(ALL_CFLAGS)) -fPIC \
    -fvisibility=hidden -U_FORTIFY_SOURCE

ALL_TARGETS += $(XENSIM_SO) $(XENSIM_A) $(XENSIM_CLI)

# xenctrl.h (via xen/hvm/save.h, xen/foreign/*.h) only compiles as GNU C.
$(BUILD)/obj/xensim-pic/pre_xc.o: XENSIM_PIC_CFLAGS += -std=gnu11

$(BUILD)/obj/xensim-pic/%.o: $(XENSIM_SRC)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(XENSIM_PIC_CFLAGS) -c $< -o $@

$(XENSIM_SO): $(XENSIM_PRE_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -shared $(LDFLAGS) -Wl,-z,defs -Wl,-z,now -o $@ $^ -ldl

$(XENSIM_A): $(XENSIM_HOST_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(XENSIM_CLI): $(XENSIM_CLI_OBJS) $(XENSIM_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $(XENSIM_CLI_OBJS) $(XENSIM_A) \
	    $(XENSIM_XS_LIBS)

# ---- tests ---------------------------------------------------------------

XENSIM_T := tests/xensim
XENSIM_TBIN := $(BUILD)/bin/tests/xensim
XENSIM_TEST_CFLAGS = $(ALL_CFLAGS) $(CHECK_CFLAGS) -I$(XENSIM_SRC)

$(BUILD)/obj/$(XENSIM_T)/%.o: $(XENSIM_T)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(XENSIM_TEST_CFLAGS) -c $< -o $@

XENSIM_UNIT := $(XENSIM_TBIN)/check_xensim
XENSIM_UNIT_OBJS := $(addprefix $(BUILD)/obj/$(XENSIM_T)/, \
    check_xensim.o check_sim_domain.o check_sim_evtchn.o check_sim_guest.o \
    tutil.o)
XENSIM_PRELOAD_T := $(XENSIM_TBIN)/check_preload
XENSIM_ITEST := $(XENSIM_TBIN)/itest_daemons
XENSIM_ITEST_OBJS := $(BUILD)/obj/$(XENSIM_T)/itest_daemons.o \
    $(BUILD)/obj/$(XENSIM_SRC)/toolstack.o

$(XENSIM_UNIT): $(XENSIM_UNIT_OBJS) $(XENSIM_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS)

# xenctrl.h only compiles as GNU C.
$(BUILD)/obj/$(XENSIM_T)/check_preload.o: XENSIM_TEST_CFLAGS += -std=gnu11

$(XENSIM_PRELOAD_T): $(BUILD)/obj/$(XENSIM_T)/check_preload.o \
    $(BUILD)/obj/$(XENSIM_T)/tutil.o $(XENSIM_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(CHECK_LIBS) -ldl

$(XENSIM_ITEST): $(XENSIM_ITEST_OBJS) $(XENSIM_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(XENSIM_XS_LIBS)

XENSIM_TESTS := $(XENSIM_UNIT) $(XENSIM_PRELOAD_T) $(XENSIM_ITEST)

.PHONY: xensim-check xensim-check-unit xensim-check-preload \
    xensim-check-daemons xensim-valgrind xensim-bench

xensim-check: xensim-check-unit xensim-check-preload xensim-check-daemons

xensim-check-unit: $(XENSIM_UNIT)
	timeout 300 $(XENSIM_UNIT)

xensim-check-preload: $(XENSIM_PRELOAD_T) $(XENSIM_SO)
	timeout 120 $(XENSIM_PRELOAD_T) $(XENSIM_SO)

xensim-check-daemons: $(XENSIM_ITEST) $(XENSIM_SO) $(XENSIM_CLI)
	timeout 600 sh $(XENSIM_T)/daemons.sh $(XENSIM_CLI) $(XENSIM_ITEST)

xensim-valgrind: $(XENSIM_UNIT) $(XENSIM_PRELOAD_T) $(XENSIM_SO)
	CK_FORK=no timeout 900 valgrind -q --error-exitcode=1 \
	    --leak-check=full $(XENSIM_UNIT)
	CK_FORK=no timeout 600 valgrind -q --error-exitcode=1 \
	    --leak-check=full $(XENSIM_PRELOAD_T) $(XENSIM_SO)

# Creating and introducing 1,000 guests against Debian's C xenstored.
xensim-bench: $(XENSIM_ITEST) $(XENSIM_SO) $(XENSIM_CLI)
	timeout 600 sh $(XENSIM_T)/daemons.sh --bench 1000 $(XENSIM_CLI) \
	    $(XENSIM_ITEST)


CHECK_TARGETS += xensim-check
VALGRIND_TARGETS += xensim-valgrind
BENCH_TARGETS += xensim-bench
