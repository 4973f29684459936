# A lock holder that never runs (doc/ARCHITECTURE.md §7), sourced after lib.sh.
#
# A setuid helper stays in its caller's cgroup; where the caller owns a
# delegated cgroup v2 subtree (systemd's user@.service), the caller can write
# cgroup.freeze and stop the helper while it holds a lock. Here: a cgroup
# created by the test, its child "held" delegated to an unprivileged
# attacker (chown, as systemd delegates), the holder started inside it (as
# root, as the helper would run), and the attacker freezing it. Without a
# writable cgroup v2 hierarchy the holder is stopped with SIGSTOP instead:
# the model is the same, a holder that never runs. Everything is undone at
# exit (freeze_cleanup, from the EXIT trap).
#
#   freeze_init ATTACKER       choose cgroup v2 or SIGSTOP; make the cgroups
#   hold_lock LOCKFILE [CMD..] start a holder of LOCKFILE's flock running CMD
#                              (default: wait for ever); returns once it holds it
#   freeze_holder              the attacker freezes it (or SIGSTOP)
#   thaw_holder                let it run again
#   end_holder                 kill it and wait for it

FREEZE_CG=
FREEZE_HOW=
HOLDER_PID=
FREEZE_ATTACKER=

# The first writable cgroup v2 mount of the usual two (hybrid systems have the second).
cgroup2_root() {
	local d
	for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
		[ "$(stat -fc %T "$d" 2>/dev/null)" = cgroup2fs ] && [ -w "$d/cgroup.procs" ] &&
			{ echo "$d"; return 0; }
	done
	return 1
}

freeze_init() {
	local root
	FREEZE_ATTACKER=$1
	if root=$(cgroup2_root) && mkdir "$root/pr-test.$$" 2>/dev/null; then
		FREEZE_CG=$root/pr-test.$$
		mkdir "$FREEZE_CG/held"
		# Delegation as systemd does it: the directory and its interface files.
		chown "$FREEZE_ATTACKER" "$FREEZE_CG/held" "$FREEZE_CG/held/cgroup.procs" \
			"$FREEZE_CG/held/cgroup.freeze" "$FREEZE_CG/held/cgroup.subtree_control"
		FREEZE_HOW=cgroup
	else
		FREEZE_HOW=sigstop
	fi
	echo "# lock holder frozen by: $FREEZE_HOW${FREEZE_CG:+ ($FREEZE_CG/held)}"
}

# hold_lock LOCKFILE [CMD...]: the holder runs flock(1) on LOCKFILE, then CMD.
hold_lock() {
	local lock=$1 i; shift
	[ $# -gt 0 ] || set -- sleep 3600
	if [ "$FREEZE_HOW" = cgroup ]; then
		sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$FREEZE_CG/held" \
			flock -x "$lock" "$@" &
	else
		flock -x "$lock" "$@" &
	fi
	HOLDER_PID=$!
	for i in $(seq 100); do
		flock -n -x "$lock" true 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

freeze_holder() {
	local i
	if [ "$FREEZE_HOW" = cgroup ]; then
		# The attacker, unprivileged, freezes the root process in their cgroup.
		setpriv --reuid="$FREEZE_ATTACKER" --regid="$(id -g "$FREEZE_ATTACKER")" --clear-groups \
			-- sh -c 'echo 1 > "$0/cgroup.freeze"' "$FREEZE_CG/held" || return 1
		for i in $(seq 100); do
			grep -qx 'frozen 1' "$FREEZE_CG/held/cgroup.events" && return 0
			sleep 0.05
		done
		return 1
	fi
	pkill -STOP -P "$HOLDER_PID"; kill -STOP "$HOLDER_PID"
}

thaw_holder() {
	if [ "$FREEZE_HOW" = cgroup ]; then
		echo 0 > "$FREEZE_CG/held/cgroup.freeze"
	else
		kill -CONT "$HOLDER_PID"; pkill -CONT -P "$HOLDER_PID"
	fi
}

end_holder() {
	[ -n "$HOLDER_PID" ] || return 0
	thaw_holder 2>/dev/null
	pkill -KILL -P "$HOLDER_PID" 2>/dev/null; kill -KILL "$HOLDER_PID" 2>/dev/null
	wait "$HOLDER_PID" 2>/dev/null
	HOLDER_PID=
}

freeze_cleanup() {
	end_holder
	if [ -n "$FREEZE_CG" ]; then
		[ -d "$FREEZE_CG/held" ] && echo 0 > "$FREEZE_CG/held/cgroup.freeze" 2>/dev/null
		rmdir "$FREEZE_CG/held" "$FREEZE_CG" 2>/dev/null
	fi
	return 0
}
trap 'freeze_cleanup; rm -rf "$T"' EXIT
