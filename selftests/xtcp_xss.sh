#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xss (build/xss/xss) against live XTCP sockets made by python3 under the
# preload shim in a netns of its own: a listener with two children queued
# (Recv-Q 2, Send-Q its backlog 5), a second listener with one accepted
# connection; the default, state and port filters list exactly those
# expected, -p names the process, -e/-i add the inode and TCP_INFO, -N
# reads the netns from outside and the root netns sees none of them, -K
# resets the connection it matches and lists it.

# shellcheck source=selftests/lib.sh
. "$(dirname "$0")/lib.sh"

require_root
require_cmd ip python3
XSS=$(realpath "$XTCP_TESTDIR/../xss/xss" 2>/dev/null)
RUN=$(realpath "$XTCP_TESTDIR/../preload/xtcp-run" 2>/dev/null)
[ -x "$XSS" ] || skip_all "no ../xss/xss (make xss)"
[ -x "$RUN" ] || skip_all "no ../preload/xtcp-run (make preload)"
[ -n "${XTCP_KO:-}" ] || [ -d /sys/module/xtcp ] || skip_all "xtcp.ko not loaded"

ns_create A || { fail "ip netns add"; exit "$ret"; }
W=$(mktemp -d "$XTCP_SCRATCH/xss.XXXXXX")
on_exit "rm -rf '$W'"

cat >"$W/sockets.py" <<'PY'
import socket, sys, time
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("127.0.0.1", 7300))
l.listen(5)
c = [socket.create_connection(("127.0.0.1", 7300)) for _ in range(2)]
m = socket.socket()
m.bind(("127.0.0.1", 7301))
m.listen(5)
a = socket.create_connection(("127.0.0.1", 7301))
s, _ = m.accept()
open(sys.argv[1], "w").write("ready\n")
time.sleep(120)
PY

ip netns exec "$A" "$RUN" python3 "$W/sockets.py" "$W/ready" &
PY_PID=$!
on_exit "kill $PY_PID"

# xss in A, without the header line
xa() { ip netns exec "$A" "$XSS" -H "$@"; }
lines() { xa "$@" | grep -c .; }
queued() { [ "$(xa -l sport = :7300 | awk '{print $2}')" = 2 ]; }

if ! wait_for 30 test -s "$W/ready" || ! wait_for 10 queued; then
	fail "the sockets never came up"
	xa -a | sed 's/^/# /'
	exit "$ret"
fi

out=$(xa -l sport = :7300)
read -r st rq sq local peer rest <<<"$out"
if [ "$st $rq $sq $local $peer" = "LISTEN 2 5 127.0.0.1:7300 0.0.0.0:*" ] &&
   [ -z "$rest" ] && [ "$(lines -l)" = 2 ]; then
	pass "listener: Recv-Q 2 queued, Send-Q backlog 5"
else
	fail "listener line '$out', $(lines -l) listeners"
fi

# two clients and their queued children on 7300, one pair on 7301
n=$(lines)
e=$(lines state established)
if [ "$n" = 6 ] && [ "$e" = 6 ] && [ "$(lines -a)" = 8 ] &&
   [ "$(lines state established sport = :7301)" = 1 ] &&
   [ "$(lines state established dport = :7301)" = 1 ] &&
   [ "$(lines sport = :7300)" = 2 ] &&
   [ "$(lines -a sport = :7300)" = 3 ] &&
   [ "$(lines state listening state established sport = :7301)" = 2 ] &&
   [ "$(lines -a exclude listening)" = 6 ] &&
   [ "$(lines state time-wait)" = 0 ]; then
	pass "state and port filters"
else
	fail "filters: default $n, established $e"
	xa -a | sed 's/^/# /'
fi

header=$(ip netns exec "$A" "$XSS" -l | head -1)
if [[ "$header" =~ ^State\ +Recv-Q\ Send-Q\ +Local\ Address:Port\ Peer\ Address:Port$ ]]; then
	pass "ss's header"
else
	fail "header '$header'"
fi

out=$(xa -p state established sport = :7301)
if [[ "$out" == *"users:((\"python3\",pid=$PY_PID,fd="* ]]; then
	pass "-p names the process"
else
	fail "-p: '$out' (pid $PY_PID)"
fi

out=$(xa -ei state established sport = :7301)
if [[ "$out" == *" ino:"[1-9]*" sk:"* ]] && [[ "$out" == *" reno "* ]] &&
   [[ "$out" == *" mss:"* ]] && [[ "$out" == *" cwnd:"[1-9]* ]]; then
	pass "-e and -i"
else
	fail "-ei: '$out'"
fi

# the netns from outside, and nothing of it in the root netns
if [ "$("$XSS" -H -N "$A" -l | grep -c .)" = 2 ] &&
   [ "$("$XSS" -H -a sport = :7300 | grep -c .)" = 0 ]; then
	pass "-N NETNS, and netns isolation"
else
	fail "-N or the root netns"
fi

out=$(xa -K state established dport = :7301)
if [ "$(grep -c . <<<"$out")" = 1 ] && [[ "$out" == ESTAB* ]] &&
   [ "$(lines -a sport = :7301)" = 1 ] &&
   [ "$(lines -a dport = :7301)" = 0 ]; then
	pass "-K resets the connection it matches"
else
	fail "-K: '$out'"
	xa -a | sed 's/^/# /'
fi

exit "$ret"
