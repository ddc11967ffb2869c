# libtrie: the persistent path trie (no I/O, no Xen).

LIBTRIE_SRCS := libtrie/trie_ctx.c libtrie/trie_node.c libtrie/trie_kids.c \
	libtrie/trie_kmap.c libtrie/trie.c libtrie/trie_acct.c \
	libtrie/trie_log.c libtrie/trie_walk.c libtrie/trie_txn.c \
	libtrie/trie_build.c libtrie/trie_census.c
LIBTRIE_OBJS := $(LIBTRIE_SRCS:%.c=$(BUILD)/obj/%.o)
LIBTRIE := $(BUILD)/lib/libtrie.a

$(LIBTRIE): $(LIBTRIE_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

ALL_TARGETS += $(LIBTRIE)
