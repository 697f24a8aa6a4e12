#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The handshake timeline through its two readers, xss -L (build/xss/xss)
# and scripts/xtcp-timeline, on sockets python3 makes under the preload
# shim in netns of their own: with net.xtcp.timeline = 1, a connection's
# passive end lists SYN, SYN-ACK, final ACK, child, queue and accept in
# that order and its active end SYN, SYN-ACK and establishment;
# xtcp-timeline prints each handshake once, filters by port, and in
# follow mode prints a finished handshake once however often it polls;
# -e turns the sysctl on for its run and back off; with the sysctl at 0
# nothing is recorded.

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd ip python3
XSS=$(realpath "$XTCP_TESTDIR/../xss/xss" 2>/dev/null)
RUN=$(realpath "$XTCP_TESTDIR/../preload/xtcp-run" 2>/dev/null)
TOOL=
for t in "$XTCP_TESTDIR/../../scripts/xtcp-timeline" \
	 "$XTCP_TESTDIR/../scripts/xtcp-timeline"; do
	[ -x "$t" ] && TOOL=$(realpath "$t") && break
done
[ -x "$XSS" ] || skip_all "no ../xss/xss (make xss)"
[ -x "$RUN" ] || skip_all "no ../preload/xtcp-run (make preload)"
[ -n "$TOOL" ] || skip_all "scripts/xtcp-timeline not found"
[ -n "${XTCP_KO:-}" ] || [ -d /sys/module/xtcp ] || skip_all "xtcp.ko not loaded"

ns_create A || { fail "ip netns add"; exit "$ret"; }
ns_create B || { fail "ip netns add"; exit "$ret"; }
W=$(mktemp -d "$XTCP_SCRATCH/timeline.XXXXXX")
on_exit "rm -rf '$W'"

cat >"$W/pair.py" <<'PY'
import socket, sys, time
port = int(sys.argv[2])
l = socket.socket()
l.bind(("127.0.0.1", port))
l.listen(5)
c = socket.create_connection(("127.0.0.1", port))
s, _ = l.accept()
open(sys.argv[1], "w").write("ready\n")
time.sleep(600)
PY

ip netns exec "$A" sysctl -qw net.xtcp.timeline=1
ip netns exec "$A" "$RUN" python3 "$W/pair.py" "$W/ready" 7400 &
PA=$!
ip netns exec "$B" "$RUN" python3 "$W/pair.py" "$W/readyb" 7400 &
PB=$!
on_exit "kill $PA $PB"
# Two python3 processes start under the shim side by side: on the debug
# kernel beside another suite that has taken 30 s and more.
if ! wait_for 120 test -s "$W/ready" || ! wait_for 120 test -s "$W/readyb"; then
	fail "the sockets never came up"
	exit "$ret"
fi

# the event lines of xss -L's blocks, "timeline" header lines kept
xl() { ip netns exec "$A" "$XSS" -H -L "$@" | sed -n 's/^\t *//p'; }
events() { sed -E 's/^[+-][0-9]+\.[0-9]+ +//' | grep -v '^timeline '; }

want_passive="SYN received, request created
SYN-ACK sent
final ACK
child socket cloned from the listener
queued for accept()
accept() returned it"
want_active="SYN sent
SYN-ACK received
established, ACK sent"

out=$(xl state established sport = :7400)
if [ "$(events <<<"$out")" = "$want_passive" ] &&
   [ "$(grep -c '^timeline 127.0.0.1:7400 127.0.0.1:' <<<"$out")" = 1 ]; then
	pass "xss -L: the passive end's handshake, in order"
else
	fail "xss -L passive: '$out'"
fi
out=$(xl state established dport = :7400)
if [ "$(events <<<"$out")" = "$want_active" ]; then
	pass "xss -L: the active end's handshake"
else
	fail "xss -L active: '$out'"
fi
# times are ms after the first event, never decreasing
if xl -a | awk '/^timeline/ { last = -1; next }
		 { t = $1 + 0; if (t < last || t < 0) bad = 1; last = t }
		 END { exit bad }'; then
	pass "xss -L: times start at 0 and never go back"
else
	fail "xss -L times: '$(xl -a)'"
fi

ta() { ip netns exec "$A" "$TOOL" "$@"; }
out=$(ta)
if [ "$(grep -c '^127.0.0.1:7400 <- 127.0.0.1:[0-9]* (passive)$' <<<"$out")" = 1 ] &&
   [ "$(grep -c '^127.0.0.1:[0-9]* -> 127.0.0.1:7400 (active)$' <<<"$out")" = 1 ] &&
   [ "$(grep -c '^[^ ]' <<<"$out")" = 2 ] &&
   [ "$(grep -c 'accept() returned it$' <<<"$out")" = 1 ]; then
	pass "xtcp-timeline: both ends, once each"
else
	fail "xtcp-timeline: '$out'"
fi
if [ "$(ta -s 7400 | grep -c '^[^ ]')" = 1 ] &&
   [ "$(ta -p 7400 | grep -c '(active)$')" = 1 ] &&
   [ "$(ta -s 7401 | grep -c .)" = 0 ]; then
	pass "xtcp-timeline: -s and -p filters"
else
	fail "xtcp-timeline filters: '$(ta -s 7400)' '$(ta -p 7400)'"
fi
out=$(ta -f -i 0.1 -d 1.5)
if [ "$(grep -c '^[^ ]' <<<"$out")" = 2 ]; then
	pass "xtcp-timeline -f: each finished handshake printed once"
else
	fail "xtcp-timeline -f: '$out'"
fi

# B: the sysctl is 0, nothing was recorded; -e sets it for its run only
if [ "$(ip netns exec "$B" "$XSS" -H -aL | grep -c 'timeline')" = 0 ] &&
   [ "$(ip netns exec "$B" "$TOOL" | grep -c .)" = 0 ]; then
	pass "off by default: no timeline"
else
	fail "off by default: '$(ip netns exec "$B" "$XSS" -aL)'"
fi
ip netns exec "$B" "$TOOL" -e -f -d 3 >"$W/follow" &
FP=$!
b_on() { [ "$(ip netns exec "$B" sysctl -n net.xtcp.timeline)" = 1 ]; }
if wait_for 10 b_on &&
   wait $FP && [ "$(ip netns exec "$B" sysctl -n net.xtcp.timeline)" = 0 ]; then
	pass "xtcp-timeline -e: net.xtcp.timeline 1 for the run, then 0"
else
	fail "xtcp-timeline -e: sysctl $(ip netns exec "$B" sysctl -n net.xtcp.timeline)"
fi

exit "$ret"
