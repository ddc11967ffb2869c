# System tests (tests/system/t-*.sh): the daemon binary end to end --
# command line, socket, daemonizing, pid file, sd_notify, logs, signals --
# plus `make install`, the man page and the unit file.  They run the
# daemon of this $(BUILD) (so `make asan` runs them against the ASan
# build), each script in its own mktemp -d directory under `timeout`.
#
#   make test-system                  all of them
#   make test-system SYSTEM_TESTS=tests/system/t-logs.sh   one

SYSTEM_TESTS ?= $(sort $(wildcard tests/system/t-*.sh))
NOTIFY_RECV := $(BUILD)/tests/system/notify-recv

$(NOTIFY_RECV): $(BUILD)/obj/tests/system/notify_recv.o
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

# After `all`: t-install.sh runs `make install`, which must find every
# target built.  `+`: that nested make shares our job server.
test-system: all $(PXENSTORED) $(NOTIFY_RECV)
	+@for t in $(SYSTEM_TESTS); do \
		PXENSTORED=$(abspath $(PXENSTORED)) \
		XENSIM=$(abspath $(BUILD)/bin/xensim) \
		NOTIFY_RECV=$(abspath $(NOTIFY_RECV)) \
		TOP=$(CURDIR) MAKE="$(MAKE)" \
		timeout 180 sh $$t || exit 1; \
	done

.PHONY: test-system
ALL_TARGETS += $(NOTIFY_RECV)
CHECK_TARGETS += test-system
