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
