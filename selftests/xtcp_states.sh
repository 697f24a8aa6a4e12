#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/xtcp-states (tcpstates for XTCP, on xtcp:xtcp_state_change)
# prints the transitions of a burst of connections: the listener's, the
# children's and the clients', with the time spent in the old state.

. "$(dirname "$0")/lib.sh"

require_root
require_cmd ip python3

TOOL=
for t in "$XTCP_TESTDIR/../../scripts/xtcp-states" \
	 "$XTCP_TESTDIR/../scripts/xtcp-states"; do
	[ -z "$TOOL" ] && [ -x "$t" ] && TOOL=$t
done
[ -n "$TOOL" ] || { fail "scripts/xtcp-states not found"; exit $ret; }
BURST="$XTCP_TESTDIR/xtcp_burst"
PORT=9710
OUT="$XTCP_SCRATCH/xtcp-states.$$"

ns_create A || { fail "ip netns add"; exit $ret; }
"$TOOL" -d 20 >"$OUT" 2>&1 &
pid=$!
on_exit "kill $pid"
# the tool prints its header once tracing is on
for _ in $(seq 100); do
	[ -s "$OUT" ] && break
	sleep 0.1
done
out=$(ip netns exec "$A" "$BURST" xtcp 2 "$PORT" 2>&1)
log "$out"
sleep 1
kill -INT "$pid"
wait "$pid"
log "$(cat "$OUT")"

head -1 "$OUT" | grep -Eq 'OLDSTATE +-> NEWSTATE +MS$' || fail "no header line"
# columns: COOKIE PID COMM LADDR LPORT RADDR RPORT OLD -> NEW MS
count() {
	awk -v p="$PORT" -v o="$1" -v n="$2" -v c="$3" \
		'$c == p && $8 == o && $10 == n' "$OUT" | wc -l
}
[ "$(count CLOSE LISTEN 5)" = 1 ] || fail "listener: no CLOSE -> LISTEN"
[ "$(count SYN_RECV ESTABLISHED 5)" = 2 ] ||
	fail "children: want 2 SYN_RECV -> ESTABLISHED"
[ "$(count SYN_SENT ESTABLISHED 7)" = 2 ] ||
	fail "clients: want 2 SYN_SENT -> ESTABLISHED"
# a client's time in SYN_SENT is a plausible handshake time in ms
awk -v p="$PORT" '$7 == p && $8 == "SYN_SENT" { exit !($11 >= 0 && $11 < 20000) }' "$OUT" ||
	fail "implausible milliseconds in SYN_SENT"
rm -f "$OUT"
[ "$ret" = 0 ] && pass "xtcp-states shows listener, child and client transitions"
exit $ret
