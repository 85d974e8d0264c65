# packaging/install.mk — make man, install, uninstall, deb (included by the Makefile).
#
#   make install   [PREFIX=/usr/local] [DESTDIR=] [SYSCONFDIR=/etc] ...
#   make uninstall (the same variables): removes what install put there; a
#                  server.conf an operator changed is kept, and named
#   make deb       build/fsd_VERSION_ARCH.deb with dpkg-deb (PREFIX=/usr)
#
# Layout (FHS): fsdctl and fsd-agent in bin, the daemons fsd-server (and
# fsd-web, when built) in sbin; man pages; the examples in
# share/doc/fsd/examples; fsd-web's static files in share/fsd/web; the
# systemd units and the sysusers.d entry under lib; /etc/fsd/server.conf
# (never overwritten).

PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
SBINDIR     ?= $(PREFIX)/sbin
DATADIR     ?= $(PREFIX)/share
MANDIR      ?= $(DATADIR)/man
DOCDIR      ?= $(DATADIR)/doc/fsd
WEBDIR      ?= $(DATADIR)/fsd/web
SYSCONFDIR  ?= /etc
UNITDIR     ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
INSTALL     ?= install

MAN_SRC   := $(wildcard docs/man/*.scd)
MAN_PAGES := $(patsubst docs/man/%.scd,$(BUILD)/man/%,$(MAN_SRC))
EXAMPLE_FILES := $(filter-out %.py,$(wildcard examples/*))
UNITS := fsd-server.service $(if $(wildcard $(BIN)/fsd-web),fsd-web.service)

.PHONY: man install uninstall deb FORCE
man: $(MAN_PAGES)
$(BUILD)/man/%: docs/man/%.scd
	@mkdir -p $(dir $@)
	scdoc <$< >$@

# the units name the installed programs and files
# (made again every time: they depend on PREFIX and the other directories)
$(BUILD)/systemd/%.service: systemd/%.service.in FORCE
	@mkdir -p $(dir $@)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' $< >$@
FORCE:

install: $(PROGRAMS) man $(addprefix $(BUILD)/systemd/,$(UNITS))
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) $(DESTDIR)$(DOCDIR)/examples \
	  $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(SYSCONFDIR)/fsd
	$(INSTALL) -m 0755 $(BIN)/fsdctl $(BIN)/fsd-agent $(DESTDIR)$(BINDIR)/
	$(INSTALL) -m 0755 $(BIN)/fsd-server $(DESTDIR)$(SBINDIR)/
	@if [ -x $(BIN)/fsd-web ]; then echo "$(INSTALL) -m 0755 $(BIN)/fsd-web $(DESTDIR)$(SBINDIR)/"; \
	  $(INSTALL) -m 0755 $(BIN)/fsd-web $(DESTDIR)$(SBINDIR)/; fi
	@if [ -d web/static ]; then echo "install web/static -> $(DESTDIR)$(WEBDIR)"; \
	  (cd web/static && find . -type d) | while read -r d; do $(INSTALL) -d "$(DESTDIR)$(WEBDIR)/$$d"; done; \
	  (cd web/static && find . -type f) | while read -r f; do $(INSTALL) -m 0644 "web/static/$$f" "$(DESTDIR)$(WEBDIR)/$$f"; done; fi
	@for m in $(MAN_PAGES); do s=$${m##*.}; $(INSTALL) -d $(DESTDIR)$(MANDIR)/man$$s; \
	  echo "$(INSTALL) -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/"; $(INSTALL) -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done
	$(INSTALL) -m 0644 $(filter-out %.sh,$(EXAMPLE_FILES)) $(DESTDIR)$(DOCDIR)/examples/
	$(INSTALL) -m 0755 $(filter %.sh,$(EXAMPLE_FILES)) $(DESTDIR)$(DOCDIR)/examples/
	$(INSTALL) -m 0644 $(addprefix $(BUILD)/systemd/,$(UNITS)) $(DESTDIR)$(UNITDIR)/
	$(INSTALL) -m 0644 systemd/fsd.sysusers $(DESTDIR)$(SYSUSERSDIR)/fsd.conf
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/fsd/server.conf ]; then \
	  echo "kept $(DESTDIR)$(SYSCONFDIR)/fsd/server.conf (the shipped one: systemd/server.conf)"; \
	else echo "$(INSTALL) -m 0644 systemd/server.conf $(DESTDIR)$(SYSCONFDIR)/fsd/server.conf"; \
	  $(INSTALL) -m 0644 systemd/server.conf $(DESTDIR)$(SYSCONFDIR)/fsd/server.conf; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/fsdctl $(DESTDIR)$(BINDIR)/fsd-agent
	rm -f $(DESTDIR)$(SBINDIR)/fsd-server $(DESTDIR)$(SBINDIR)/fsd-web
	rm -f $(foreach m,$(MAN_SRC:docs/man/%.scd=%),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(m))
	rm -rf $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(WEBDIR)
	rm -f $(DESTDIR)$(UNITDIR)/fsd-server.service $(DESTDIR)$(UNITDIR)/fsd-web.service
	rm -f $(DESTDIR)$(SYSUSERSDIR)/fsd.conf
	@if cmp -s systemd/server.conf $(DESTDIR)$(SYSCONFDIR)/fsd/server.conf; then \
	  rm -f $(DESTDIR)$(SYSCONFDIR)/fsd/server.conf; \
	elif [ -e $(DESTDIR)$(SYSCONFDIR)/fsd/server.conf ]; then \
	  echo "kept $(DESTDIR)$(SYSCONFDIR)/fsd/server.conf: it was changed"; fi
	@rmdir $(DESTDIR)$(DOCDIR) $(DESTDIR)$(DATADIR)/fsd $(DESTDIR)$(SYSCONFDIR)/fsd 2>/dev/null || true

# The Debian package, built with dpkg-deb from a staged make install
# (PREFIX=/usr, units in /lib/systemd/system as Debian 12 has them):
# stripped programs, man pages gzipped, Depends from dpkg-shlibdeps,
# /etc/fsd/server.conf a conffile, maintainer scripts in packaging/debian.
DEB_VERSION := $(shell sed -n 's/^\#define FSD_VERSION "\(.*\)"/\1/p' server/main.c include/fsd/version.h 2>/dev/null | head -1)
DEB_ARCH    := $(shell dpkg --print-architecture 2>/dev/null)
DEB_STAGE   := $(BUILD)/deb/fsd
DEB_FILE    := $(BUILD)/fsd_$(DEB_VERSION)_$(DEB_ARCH).deb
deb: $(PROGRAMS) man
	@command -v dpkg-deb >/dev/null && command -v dpkg-shlibdeps >/dev/null \
	  || { echo "make deb needs dpkg-deb and dpkg-shlibdeps (Debian: dpkg-dev)"; exit 1; }
	rm -rf $(BUILD)/deb && mkdir -p $(DEB_STAGE)/DEBIAN
	$(MAKE) --no-print-directory -s install DESTDIR=$(abspath $(DEB_STAGE)) PREFIX=/usr SYSCONFDIR=/etc \
	  UNITDIR=/lib/systemd/system SYSUSERSDIR=/usr/lib/sysusers.d >/dev/null
	strip --strip-unneeded --remove-section=.comment --remove-section=.note \
	  $(DEB_STAGE)/usr/bin/* $(DEB_STAGE)/usr/sbin/*
	gzip -9n $(DEB_STAGE)/usr/share/man/man*/*
	cd $(BUILD)/deb && mkdir -p debian && printf 'Source: fsd\n\nPackage: fsd\nArchitecture: any\n' >debian/control \
	  && dpkg-shlibdeps -O $$(for f in fsd/usr/bin/* fsd/usr/sbin/*; do printf ' -e%s' $$f; done) \
	  2>/dev/null | sed -n 's/^shlibs:Depends=//p' >depends
	cd $(DEB_STAGE) && find etc -type f | sed 's|^|/|' >DEBIAN/conffiles \
	  && find . -type f ! -path './DEBIAN/*' -printf '%P\n' | sort | xargs md5sum >DEBIAN/md5sums
	sed -e 's|@VERSION@|$(DEB_VERSION)|' -e 's|@ARCH@|$(DEB_ARCH)|' \
	  -e "s|@SIZE@|$$(du -sk --exclude=DEBIAN $(DEB_STAGE) | cut -f1)|" \
	  -e "s|@DEPENDS@|$$(cat $(BUILD)/deb/depends)|" packaging/debian/control.in >$(DEB_STAGE)/DEBIAN/control
	install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm $(DEB_STAGE)/DEBIAN/
	dpkg-deb --root-owner-group -Zxz --build $(DEB_STAGE) $(DEB_FILE)
	@echo "built $(DEB_FILE)"
