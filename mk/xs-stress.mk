# xs-stress: many simulated guests against a xenstore daemon
# (tools/xs-stress, docs/xs-stress.md).
#
#   $(BUILD)/bin/xs-stress    the tool
#   make xs-stress-check      bounded runs against $(PXENSTORED) (in check)

XS_STRESS := $(BUILD)/bin/xs-stress
XS_STRESS_SRCS := $(wildcard tools/xs-stress/*.c)
XS_STRESS_OBJS := $(XS_STRESS_SRCS:%.c=$(BUILD)/obj/%.o)

$(BUILD)/obj/tools/xs-stress/%.o: TGT_CFLAGS = -Itools/xensim

$(XS_STRESS): $(XS_STRESS_OBJS) $(BUILD)/lib/libxensim-host.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

xs-stress-check: $(XS_STRESS) $(PXENSTORED) $(BUILD)/bin/xensim \
    $(BUILD)/lib/libxensim.so
	timeout 300 sh tests/stress/run.sh $(XS_STRESS) $(PXENSTORED)

.PHONY: xs-stress-check
ALL_TARGETS += $(XS_STRESS)
CHECK_TARGETS += xs-stress-check
