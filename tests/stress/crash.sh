#!/bin/bash
# Crash safety (issue 8, item 4): SIGKILL a writer (store counter updates,
# credential adds and removals, audit appends, recovery-code consumption;
# tests/stress/crashwriter.c) at random points CRASH_KILLS times. After
# every kill: every file parses, nothing acknowledged is lost, audit verify
# passes or reports exactly a torn last record, and the next writer goes on
# from there. Then the torn record and the head-file rule on purpose: a torn
# last record is reported, never chained onto; a log one record past its
# head is accepted when that record follows the head, refused otherwise.
#
# Sizes: CRASH_KILLS (default 300), CRASH_MAX_US (the longest random delay
# before a kill, in microseconds; default 60000, about two writer rounds).
. "$top_srcdir/tests/integration/lib.sh"

CRASH_KILLS=${CRASH_KILLS:-300}
CRASH_MAX_US=${CRASH_MAX_US:-60000}
case "$CRASH_KILLS$CRASH_MAX_US" in
*[!0-9]*) echo "Bail out! CRASH_KILLS and CRASH_MAX_US are numbers"; exit 1 ;;
esac
CW=$top_builddir/tests/stress/crashwriter
[ -x "$CW" ] || { echo "Bail out! $CW is not built (make check TESTS= or make stress)"; exit 1; }
U=prstaff
ACKS=$T/acks
write_policy all-users none

cw() { "$CW" "$1" "$T/state" "$AUDIT" "$U" "${@:2}"; }
check "writer set up (main credential, code set)" cw init

# --- the kills ------------------------------------------------------------------
kills=0 bad=0 verify_bad=0 torn=0 refused=0 stalled=0 one_past=0 code_sets=1
: > "$ACKS"
for n in $(seq 1 "$CRASH_KILLS"); do
	before=$(grep -c '^\(use\|audit\|add\|remove\) ' "$ACKS")
	# The program itself, not a subshell: the kill must hit the writer.
	"$CW" run "$T/state" "$AUDIT" "$U" >> "$ACKS" 2>> "$T/writer.err" &
	pid=$!
	delay=$(( (RANDOM << 15 | RANDOM) % (CRASH_MAX_US + 1) ))
	sleep "$(printf '%d.%06d' $((delay / 1000000)) $((delay % 1000000)))"
	kill -KILL "$pid" 2>/dev/null
	{ wait "$pid"; } 2>/dev/null
	rc=$?
	[ "$rc" = 137 ] && kills=$((kills + 1))
	# A writer that stopped by itself could not go on from what it found.
	[ "$rc" != 137 ] && { refused=$((refused + 1)); echo "# run $n: writer exited $rc: $(tail -n 1 "$T/writer.err")"; }
	[ "$(grep -c '^\(use\|audit\|add\|remove\) ' "$ACKS")" = "$before" ] && stalled=$((stalled + 1))
	if ! cw check "$ACKS" > "$T/check" 2>&1; then
		bad=$((bad + 1))
		[ "$bad" -le 5 ] && sed "s/^/# after kill $n: /" "$T/check"
	fi
	sed -n 's/^settle //p' "$T/check" >> "$ACKS"
	# The administrator's view must agree with the checker's.
	admin "" audit verify
	vrc=$?
	if grep -qx 'audit: torn' "$T/check"; then
		torn=$((torn + 1))
		{ [ "$vrc" != 0 ] && out_has "torn"; } || verify_bad=$((verify_bad + 1))
		# What the hint says to do: cut the record that was never finished.
		head -c "$(( $(wc -c < "$AUDIT") - $(tail -n 1 "$AUDIT" | wc -c) + 0 ))" "$AUDIT" > "$T/cut" &&
			cat "$T/cut" > "$AUDIT"
	elif [ "$vrc" != 0 ]; then
		verify_bad=$((verify_bad + 1))
		[ "$verify_bad" -le 5 ] && sed "s/^/# verify after kill $n: /" "$T/out"
	fi
	hs=$(cut -d' ' -f1 "$AUDIT.head" 2>/dev/null)
	ls=$(tail -n 1 "$AUDIT" 2>/dev/null | sed -n 's/^seq=\([0-9]*\) .*/\1/p')
	[ -n "$hs" ] && [ -n "$ls" ] && [ "$ls" = "$((hs + 1))" ] && one_past=$((one_past + 1))
	if grep -qx 'codes: 0 left' "$T/check"; then
		cw codes && echo codes >> "$ACKS" && code_sets=$((code_sets + 1))
	fi
done
acked=$(grep -c '^\(use\|audit\|add\|remove\|code\) [0-9]*$' "$ACKS")
echo "# $kills kills, $acked acknowledged writes ($(grep -c '^use ' "$ACKS") counter updates," \
	"$(grep -c '^audit ' "$ACKS") audit records, $(grep -c '^add \|^remove ' "$ACKS") adds/removals," \
	"$(grep -c '^code ' "$ACKS") code acknowledgements over $code_sets sets); $stalled runs killed before their first;" \
	"log one past its head $one_past times; torn last record $torn times"
check "$CRASH_KILLS writers killed with SIGKILL ($kills)" test "$kills" = "$CRASH_KILLS"
check "the writers got work done between kills ($acked acknowledged writes)" test "$acked" -ge "$CRASH_KILLS"
check "after every kill: files parse, nothing acknowledged lost ($bad bad)" test "$bad" = 0
check "after every kill: audit verify passes, or names a torn last record ($verify_bad bad)" \
	test "$verify_bad" = 0
check "every next writer went on from what it found ($refused refused)" test "$refused" = 0
check "the chain verifies at the end" admin "" audit verify
check "the counter went on across kills" test "$(grep '^use ' "$ACKS" | tail -n 1 | cut -d' ' -f2)" -ge "$CRASH_KILLS"
leftover=$(find "$T/state" "$(dirname "$AUDIT")" -maxdepth 2 -name '.*.tmp' | wc -l)
echo "# temp files left by killed writers (never read, never a user): $leftover"
# Writers under a lock use one fixed temp name per file, reused by the next:
# at most one per state file (store, codes, tally, audit head) whatever the kills.
check "killed writers leave at most one temp file per state file" test "$leftover" -le 4
check "no temp file is taken for a user" fails grep -q '^\.' <(ls "$T/state/users")
admin "" key list "$U"
check "key list parses the store after the kills" out_has " main "

# --- a torn last record, on purpose --------------------------------------------------
cp "$AUDIT" "$T/audit.good"
cp "$AUDIT.head" "$T/audit.head.good"
# the next record cut short, as a crash leaves it: no newline
next_start() { tail -n 1 "$AUDIT" | awk '{ sub(/^seq=[0-9]+/, "seq=" substr($1, 5) + 1); print }' | head -c 100; }
next_start >> "$AUDIT"
check "torn record: audit verify fails" fails admin "" audit verify
check "torn record: reported as torn, on the line after the last whole one" \
	out_has "$(( $(wc -l < "$T/audit.good") + 1 )): last record is torn"
# The head still names the record before it, so it was never acknowledged:
# the next writer cuts it off, records the cut, and goes on.
check "torn record after the head: the next writer goes on" cw append
check "... after recording the cut (audit-repair, torn-record)" \
	grep -q "event=audit-repair result=failure reason=torn-record" "$AUDIT"
check "... and verify passes" admin "" audit verify
# Without a head file nothing proves it unacknowledged: refused.
cp "$T/audit.good" "$AUDIT"; cp "$T/audit.head.good" "$AUDIT.head"
next_start >> "$AUDIT"
rm -f "$AUDIT.head"
check "torn record, no head file: the next writer refuses to chain onto it" fails cw append 2> "$T/out"
check "... and says why" out_has "torn"
cp "$T/audit.good" "$AUDIT"; cp "$T/audit.head.good" "$AUDIT.head"
check "torn record cut off by hand: verify passes" admin "" audit verify
check "torn record cut off by hand: appends go on" cw append
check "... and verify" admin "" audit verify

# --- one record past the head: the crash between record and head ---------------------
cp "$AUDIT.head" "$T/head.before"
check "append one record" cw append
cp "$AUDIT.head" "$T/head.after"
cp "$T/head.before" "$AUDIT.head"
check "log one past its head, record follows the head: verify accepts" admin "" audit verify
check "... and the next append brings the head up" cw append
check "... verify again" admin "" audit verify
cp "$AUDIT" "$T/audit.good"
cp "$AUDIT.head" "$T/head.good"
cw append
sed -i '$ s/detail=manual/detail=manuaL/' "$AUDIT"
cp "$T/head.good" "$AUDIT.head"
check "log one past its head, last record edited: verify refuses" fails admin "" audit verify
check "... and appends refuse" fails cw append 2>/dev/null
cp "$T/audit.good" "$AUDIT"
cp "$T/head.good" "$AUDIT.head"
cw append
head -n -2 "$AUDIT" > "$T/cut"; tail -n 1 "$AUDIT" >> "$T/cut"; cat "$T/cut" > "$AUDIT"
cp "$T/head.good" "$AUDIT.head"
check "log one past its head, a record deleted before it: verify refuses" fails admin "" audit verify
cp "$T/audit.good" "$AUDIT"
cp "$T/head.good" "$AUDIT.head"
check "restored: verify passes" admin "" audit verify

done_testing
