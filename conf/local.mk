# Configuration shipped with the package, and the directories the product
# needs with safe modes. The programs use fixed paths under /etc and /var
# (doc/ARCHITECTURE.md §1); distributions configure --sysconfdir=/etc
# --localstatedir=/var.
prconfdir = $(sysconfdir)/practicerunner
dist_prconf_DATA = conf/practicerunner.conf
# The clinic directory's schema (slapd.conf and cn=config forms) and an
# example ACL, for the directory's administrator to load into slapd.
prldapdir = $(datadir)/practicerunner/ldap
dist_prldap_DATA = conf/ldap/practicerunner.schema conf/ldap/practicerunner.ldif \
	conf/ldap/acl-example.ldif
# logrotate calls practicerunner-admin audit rotate (never renames the log itself)
logrotatedir = $(sysconfdir)/logrotate.d
dist_logrotate_DATA = conf/logrotate.d/practicerunner
EXTRA_DIST += conf/pam.d/login.example conf/pam.d/passwordless.example \
	conf/pam.d/sudo.example conf/pam.d/session.example conf/pam.d/sshd-gateway.example conf/pam.d/xrdp-sesman.example \
	conf/sshd_config.d/practicerunner.conf

# Locking sessions at the assurance level's limits (pam_practicerunner(8),
# "Session limits"): copied by hand to the paths in their first lines.
EXTRA_DIST += conf/session/dconf/profile/user \
	conf/session/dconf/db/local.d/00-practicerunner-lock \
	conf/session/dconf/db/local.d/locks/00-practicerunner-lock \
	conf/session/logind.conf.d/practicerunner.conf \
	conf/session/profile.d/practicerunner-tmout.sh

install-data-local:
	$(MKDIR_P) $(DESTDIR)$(prconfdir)/trust-anchors.d
	$(MKDIR_P) -m 700 $(DESTDIR)$(localstatedir)/lib/practicerunner
	$(MKDIR_P) -m 700 $(DESTDIR)$(localstatedir)/log/practicerunner
	chmod 700 $(DESTDIR)$(localstatedir)/lib/practicerunner \
		$(DESTDIR)$(localstatedir)/log/practicerunner

uninstall-local:
	-rmdir $(DESTDIR)$(prconfdir)/trust-anchors.d $(DESTDIR)$(prconfdir) \
		$(DESTDIR)$(localstatedir)/lib/practicerunner \
		$(DESTDIR)$(localstatedir)/log/practicerunner

# Distribution integration, installed by the packages rather than by make
# install: the Debian pam-auth-update profile (libpam-practicerunner puts it
# in /usr/share/pam-configs/) and how to add the module with authselect.
EXTRA_DIST += conf/pam-configs/practicerunner conf/authselect/README.authselect

# The web gate's systemd unit (practicerunner-webgate(8)): the packages
# install it disabled; the administrator enables it once web { } is set.
systemdunitdir = $(prefix)/lib/systemd/system
systemdunit_DATA = conf/systemd/practicerunner-webgate.service
EXTRA_DIST += conf/systemd/practicerunner-webgate.service.in
CLEANFILES += conf/systemd/practicerunner-webgate.service
conf/systemd/practicerunner-webgate.service: $(srcdir)/conf/systemd/practicerunner-webgate.service.in Makefile
	$(MKDIR_P) conf/systemd
	sed -e 's|@sbindir[@]|$(sbindir)|g' $(srcdir)/conf/systemd/practicerunner-webgate.service.in > $@
# OpenVPN 2.6 server lines for sign-in in the browser (practicerunner-openvpn(8)):
# shipped as an example, like conf/pam.d.
EXTRA_DIST += conf/openvpn/server-webgate.conf
