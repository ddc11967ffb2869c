# make install: the daemon, its man page and its systemd unit, under
# $(DESTDIR)$(PREFIX) (PREFIX and DESTDIR come from the Makefile).
#
#   $(SBINDIR)/pxenstored                  the daemon
#   $(MAN8DIR)/pxenstored.8                its manual
#   $(SYSTEMD_UNIT_DIR)/xenstored.service  the unit, ExecStart pointing at
#                                          $(SBINDIR)/pxenstored
#
# Examples: `make install PREFIX=/usr`;
# `make install DESTDIR=/tmp/pkg PREFIX=/usr SYSTEMD_UNIT_DIR=/lib/systemd/system`.
# systemd also reads /usr/local/lib/systemd/system, the default for the
# default PREFIX.  docs/dom0.md says what to do after installing.

SBINDIR ?= $(PREFIX)/sbin
MAN8DIR ?= $(PREFIX)/share/man/man8
SYSTEMD_UNIT_DIR ?= $(PREFIX)/lib/systemd/system
INSTALL ?= install

install-pxenstored: $(PXENSTORED) docs/pxenstored.8 xenstored.service
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MAN8DIR) \
	    $(DESTDIR)$(SYSTEMD_UNIT_DIR)
	$(INSTALL) -m 0755 $(PXENSTORED) $(DESTDIR)$(SBINDIR)/pxenstored
	$(INSTALL) -m 0644 docs/pxenstored.8 $(DESTDIR)$(MAN8DIR)/pxenstored.8
	sed 's|/usr/sbin/pxenstored|$(SBINDIR)/pxenstored|g' xenstored.service \
	    >$(DESTDIR)$(SYSTEMD_UNIT_DIR)/xenstored.service.tmp
	chmod 0644 $(DESTDIR)$(SYSTEMD_UNIT_DIR)/xenstored.service.tmp
	mv -f $(DESTDIR)$(SYSTEMD_UNIT_DIR)/xenstored.service.tmp \
	    $(DESTDIR)$(SYSTEMD_UNIT_DIR)/xenstored.service

.PHONY: install-pxenstored
INSTALL_TARGETS += install-pxenstored

# make demo: tools/demo (what README's first command runs) with this
# $(BUILD)'s daemon: the daemon in the foreground on run/socket with an
# example tree, until Ctrl-C.
demo: $(PXENSTORED)
	PXENSTORED=$(abspath $(PXENSTORED)) tools/demo

.PHONY: demo
