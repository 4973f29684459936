# Real setuid runs (doc/ARCHITECTURE.md §10.5), sourced after lib.sh: the helpers
# installed setuid root at their built-in path, run by unprivileged test
# users, each run inside its own private mount namespace (unshare -m) where
#   /etc/practicerunner        <- $NS_ETC   (policy with the release paths,
#                                            softkey-devices, trust anchors)
#   /var/lib/practicerunner    <- $NS_STATE
#   /var/log/practicerunner    <- $NS_LOG
#   $SU_BINDIR, $SU_SBINDIR    <- overlays whose upper layer, a suid tmpfs,
#                                 holds the setuid copies
# and on request /etc/passwd <- $NS_PASSWD, /etc/pam.d <- $NS_PAMD, and a
# tmpfs on /run/sshd and one on $NS_SSHD_BIN (NS_SSHD=1, for a private sshd:
# its AuthorizedKeysCommand must sit where only root can write, every
# directory up to / included, which the configured sbindir need not be).
# are bind-mounted. Nothing outside the namespace changes: where a mount
# point does not exist on this machine, its parent directory gets an overlay
# (upper layer in $NS) inside the namespace, and the mount point is made
# there.
#
# Tests may ask for more, through the environment of ns():
#   NS_BINDS="SRC:DST ..."  bind mount each file or directory SRC over DST,
#                           which must exist (e.g. a test /etc/pam.d/sudo
#                           and /etc/sudoers); no spaces or colons in paths
#   NS_TMPFS="DIR ..."      an empty tmpfs over each DIR (e.g. /run/sudo, so
#                           a real sudo's timestamps stay in the namespace)
#   NS_PRIVATE_TMP=1        a /tmp of its own holding only $T, for commands
#                           that load pam_wrapper (lib.sh's pwrap says why)
#   NS_PRELOAD=FILE         FILE bound over /etc/ld.so.preload, made where
#                           the machine has none (the hidshim for setuid
#                           release builds, tests/integration/release_hid.sh)
#
# Softkey device files live under $NS_KEYS/USER/, owned by that user (the
# helper opens them with the user's rights), and are "attached" by listing
# them in $NS_ETC/softkey-devices, which setuid softkey builds read instead
# of the environment.

SU_BINDIR=${PR_BINDIR:-/usr/local/bin}     # the configured bindir and sbindir:
SU_SBINDIR=${PR_SBINDIR:-/usr/local/sbin}  # the module runs the verify helper there
NS=$T/ns
NS_ETC=$NS/etc
NS_STATE=$NS/state
NS_LOG=$NS/log
NS_KEYS=$NS/keys
NS_ENTER=$NS/enter.sh
NS_SSHD_BIN=/run/practicerunner-test-sshd
AUDIT_NS=$NS_LOG/audit.log
ENROLL=$SU_BINDIR/practicerunner-enroll
RECOVER=$SU_BINDIR/practicerunner-recover
VERIFY=$SU_SBINDIR/practicerunner-verify

bail() { echo "Bail out! $*"; exit 1; }

for tool in unshare setpriv findmnt; do
	command -v "$tool" >/dev/null || bail "$tool is needed for the setuid tests"
done

mkdir -p "$NS_ETC/trust-anchors.d" "$NS_STATE" "$NS_LOG" "$NS_KEYS" "$NS/ov"
chmod 755 "$NS" "$NS_ETC" "$NS_ETC/trust-anchors.d" "$NS_KEYS"
chmod 700 "$NS_STATE" "$NS_LOG"
: > "$NS_ETC/softkey-devices"
chmod 644 "$NS_ETC/softkey-devices"

# The script every namespace starts with: mounts, setuid copies, then the
# command as WHO ("root", a user name, or UID:GID with no groups).
cat > "$NS_ENTER" <<EOF
set -eu
who=\$1; shift
# Make \$1 exist as a mount point without changing the host: overlay its
# parent. A directory, or with "file" as \$2 a file.
mountpoint_here() {
	local dir=\$1 parent=\$(dirname "\$1") tag
	[ -d "\$dir" ] || { [ "\${2:-}" = file ] && [ -f "\$dir" ]; } && return 0
	tag=\$(printf '%s' "\$parent" | tr / _)
	# One upper/work pair per namespace: overlayfs refuses a workdir another mount uses.
	mkdir -p "$NS/ov/\$\$/\$tag/up" "$NS/ov/\$\$/\$tag/work" "$NS/ov/\$\$/\$tag/keep"
	mountpoint -q "\$parent" && findmnt -n -o FSTYPE -T "\$parent" | grep -qx overlay ||
		overlay_keeping_mounts "\$parent" "$NS/ov/\$\$/\$tag"
	if [ "\${2:-}" = file ]; then : > "\$dir"; else mkdir -p "\$dir"; fi
}
# An overlay shows the directory below it, not what is mounted under it
# (tests/testenv.sh's account files over /etc/passwd..., a container's
# /etc/hosts): those mounts are bound again on top.
overlay_keeping_mounts() {
	local parent=\$1 ov=\$2 m n=0 keep
	keep=\$(findmnt -n -r -o TARGET | grep "^\$parent/" | grep -v '\\\\' || true)
	for m in \$keep; do
		n=\$((n + 1))
		if [ -d "\$m" ]; then mkdir "\$ov/keep/\$n"; else : > "\$ov/keep/\$n"; fi
		mount --bind "\$m" "\$ov/keep/\$n"
	done
	mount -t overlay overlay -o "lowerdir=\$parent,upperdir=\$ov/up,workdir=\$ov/work" "\$parent"
	n=0
	for m in \$keep; do
		n=\$((n + 1))
		mount --bind "\$ov/keep/\$n" "\$m"
	done
}
mountpoint_here /etc/practicerunner
mountpoint_here /var/lib/practicerunner
mountpoint_here /var/log/practicerunner
mountpoint_here "$SU_BINDIR"
mountpoint_here "$SU_SBINDIR"
mount --bind "$NS_ETC" /etc/practicerunner
mount --bind "$NS_STATE" /var/lib/practicerunner
mount --bind "$NS_LOG" /var/log/practicerunner
if [ -n "\${NS_PASSWD:-}" ]; then mount --bind "\$NS_PASSWD" /etc/passwd; fi
for b in \${NS_BINDS:-}; do
	[ -e "\${b#*:}" ] || { echo "ns: \${b#*:} does not exist to bind over" >&2; exit 125; }
	mount --bind "\${b%%:*}" "\${b#*:}"
done
for d in \${NS_TMPFS:-}; do
	mountpoint_here "\$d"
	mount -t tmpfs -o mode=0711 tmpfs "\$d"
done
# For a private sshd: its PAM services, and the privilege separation directory.
if [ -n "\${NS_PAMD:-}" ]; then mount --bind "\$NS_PAMD" /etc/pam.d; fi
if [ -n "\${NS_SSHD:-}" ]; then
	mountpoint_here /run/sshd
	mount -t tmpfs -o mode=0755 tmpfs /run/sshd
	mountpoint_here "$NS_SSHD_BIN"
	mount -t tmpfs -o mode=0755 tmpfs "$NS_SSHD_BIN"
fi
# The setuid copies go into the install directories through an overlay whose
# upper layer is a suid tmpfs, so the host's programs there stay visible
# (with prefix /usr, bindir is /usr/bin itself).
suid_overlay() {
	local dir=\$1 tag=\$(printf '%s' "\$1" | tr / _)
	mkdir -p "$NS/suid/\$\$/\$tag"
	mount -t tmpfs -o mode=0755,suid,exec tmpfs "$NS/suid/\$\$/\$tag"
	mkdir "$NS/suid/\$\$/\$tag/up" "$NS/suid/\$\$/\$tag/work"
	chmod 755 "$NS/suid/\$\$/\$tag/up"
	mount -t overlay overlay -o "lowerdir=\$dir,upperdir=$NS/suid/\$\$/\$tag/up,workdir=$NS/suid/\$\$/\$tag/work" "\$dir"
}
suid_overlay "$SU_BINDIR"
[ "$SU_SBINDIR" = "$SU_BINDIR" ] || suid_overlay "$SU_SBINDIR"
install -o root -g root -m 4755 "$SK/practicerunner-enroll" "$ENROLL"
install -o root -g root -m 0755 "$SK/practicerunner-enroll" "$ENROLL-not-setuid"
install -o root -g root -m 4755 "$SK/practicerunner-recover" "$RECOVER"
install -o root -g root -m 4755 "$SK/practicerunner-verify" "$VERIFY"
# A /tmp of its own, where asked (lib.sh's pwrap says why).
if [ -n "\${NS_PRIVATE_TMP:-}" ]; then
	here=\$PWD
	cd "$T" && mount -t tmpfs -o mode=1777 ns-tmp /tmp && mkdir -p "$T" && mount -c --bind . "$T" &&
		cd "\$here" || { echo "ns: no private /tmp" >&2; exit 125; }
fi
# Last, as it applies to every program started from here on: a preload
# list, which even setuid programs obey (the hidshim, tests/hidshim/).
if [ -n "\${NS_PRELOAD:-}" ]; then
	mountpoint_here /etc/ld.so.preload file
	mount --bind "\$NS_PRELOAD" /etc/ld.so.preload
fi
case \$who in
root) exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "\$@" ;;
*:*) exec setpriv --reuid="\${who%%:*}" --regid="\${who##*:}" --clear-groups -- \
	env -i PATH=/usr/bin:/bin "\$@" ;;
*) exec setpriv --reuid="\$who" --regid="\$(id -g "\$who")" --init-groups -- \
	env -i PATH=/usr/bin:/bin "\$@" ;;
esac
EOF

# ns WHO CMD...: run CMD in a fresh namespace as WHO (stdin passed on);
# stdout and stderr go to $T/out.
ns() {
	timeout 60 unshare -m --propagation private -- bash "$NS_ENTER" "$@" > "$T/out" 2>&1
}

# run_as USER ARGS...: practicerunner-enroll ARGS as USER, stdin from /dev/null.
run_as() { local u=$1; shift; ns "$u" "$ENROLL" "$@" </dev/null; }
# run_as_in USER INPUT ARGS...: the same with INPUT (one line per argument) on stdin.
run_as_in() { local u=$1 input=$2; shift 2; printf '%s\n' "$input" | ns "$u" "$ENROLL" "$@"; }

# Before anything: the tmpfs and $T must allow setuid, or every test would
# pass for the wrong reason ("must be installed setuid root" is a refusal too).
check_setuid_possible() {
	local opts
	opts=$(findmnt -n -o OPTIONS -T "$T") || bail "findmnt $T failed"
	case ",$opts," in *,nosuid,*) bail "$T is on a nosuid mount ($opts)";; esac
	ns root findmnt -n -o OPTIONS -T "$SU_BINDIR" || { cat "$T/out"; bail "namespace setup failed"; }
	case ",$(cat "$T/out")," in *,nosuid,*) bail "tmpfs on $SU_BINDIR is nosuid";; esac
	ns root stat -c '%U %a' "$ENROLL"
	[ "$(cat "$T/out")" = "root 4755" ] || bail "setuid copy is $(cat "$T/out")"
	ns nobody "$ENROLL" --version
	grep -q "practicerunner-enroll" "$T/out" && ! grep -q "setuid root" "$T/out" ||
		bail "the setuid copy did not run with root rights: $(cat "$T/out")"
}

# write_ns_policy KEY_REQ PHYS_REQ [UV] [TIMEOUT]: the policy at its release path.
write_ns_policy() {
	cat > "$NS_ETC/practicerunner.conf" <<EOC
rp_id = "pam://test-clinic"
require_security_key = $1
require_physical_key = $2
user_verification = ${3:-discouraged}
touch_timeout = ${4:-2}
state_dir = "/var/lib/practicerunner"
audit_log = "/var/log/practicerunner/audit.log"
trust_anchors = "/etc/practicerunner/trust-anchors.d"
exempt = {"prexempt"}
roles {
  owners = {"prowner", "@prowners"}
  admins = {"@pradmins"}
}
$(test_audit_section)
EOC
	chmod 644 "$NS_ETC/practicerunner.conf"
}

# user_key USER NAME PROFILE [softkey-ctl options]: a device file for USER,
# owned by USER (and its directory, where the softkey puts its lock file).
user_key() {
	local u=$1 name=$2 profile=$3 dir=$NS_KEYS/$1; shift 3
	mkdir -p "$dir"
	"$CTL" add --state "$dir/$name.key" --profile "$profile" "$@" >/dev/null || return 1
	chown -R "$u:" "$dir"
	chmod 700 "$dir"
}
key_path() { echo "$NS_KEYS/$1/$2.key"; }

# key_set USER NAME softkey-ctl-set-options: change a device, as its owner.
key_set() {
	local u=$1 name=$2; shift 2
	setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups -- \
		"$CTL" set --state "$NS_KEYS/$u/$name.key" "$@" >/dev/null
}

# attach USER/NAME...: the devices plugged in (the secure list, root's 0644 file).
attach() {
	local list="" k
	for k in "$@"; do list=${list:+$list:}$NS_KEYS/${k%%/*}/${k#*/}.key; done
	printf '%s\n' "$list" > "$NS_ETC/softkey-devices"
	chmod 644 "$NS_ETC/softkey-devices"
}

# keyids_of USER: the key ids of USER's enrolled keys (as the admin CLI lists them), one a line.
keyids_of() { ns root "$SK/practicerunner-admin" key list "$1"; awk 'NR > 1 { print $2 }' "$T/out"; }

# Everything a run could change: store, invitations, audit log and head.
snapshot() {
	(cd "$NS" && find state log -type f -print0 | sort -z | xargs -0 -r sha256sum)
}

# audit_ns_last FIELD: that field of the last audit record (values are %-encoded).
audit_ns_last() { tail -n 1 "$AUDIT_NS" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
