# pxenstored: the daemon.

XENSTORED_SRCS := $(filter-out xenstored/main.c,$(wildcard xenstored/*.c))
XENSTORED_OBJS := $(XENSTORED_SRCS:%.c=$(BUILD)/obj/%.o)
XENSTORED_LIB := $(BUILD)/lib/libxenstored.a
PXENSTORED := $(BUILD)/bin/pxenstored
XEN_LIBS := $(shell pkg-config --libs xencontrol xenevtchn xengnttab \
	xenforeignmemory 2>/dev/null || echo -lxenctrl -lxenevtchn \
	-lxengnttab -lxenforeignmemory)
SYSTEMD_LIBS := $(shell pkg-config --libs libsystemd 2>/dev/null || \
	echo -lsystemd)
XENSTORED_LIBS := $(XEN_LIBS) $(SYSTEMD_LIBS)

$(BUILD)/obj/xenstored/%.o: TGT_CFLAGS = -Ixenstored

# Everything but main: the tests link single modules or the whole lot.
$(XENSTORED_LIB): $(XENSTORED_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(PXENSTORED): $(BUILD)/obj/xenstored/main.o $(XENSTORED_LIB) $(LIBTRIE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(XENSTORED_LIBS)

ALL_TARGETS += $(PXENSTORED)

# xenctrl.h itself uses anonymous unions (a GNU extension before C11 was
# honoured by Xen's headers): the one file that includes it is gnu11.
$(BUILD)/obj/xenstored/xen.o: TGT_CFLAGS = -Ixenstored -std=gnu11
