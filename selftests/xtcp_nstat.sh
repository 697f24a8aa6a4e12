#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# iproute2's nstat reads XTCP's counters from /proc/net/xtcp/netstat (the
# /proc/net/netstat layout): the values it shows equal /proc/net/xtcp/snmp's,
# and XtcpActiveOpens / XtcpPassiveOpens move by the connections made.

. "$(dirname "$0")/lib.sh"

require_root
require_cmd ip nstat

BURST="$XTCP_TESTDIR/xtcp_burst"
N=4

# nstat's history lock must not live on the VM's 9p scratch share
HIST=$(mktemp /tmp/xtcp-nstat.XXXXXX) || { fail "mktemp"; exit $ret; }
on_exit "rm -f $HIST"

ns_create A || { fail "ip netns add"; exit $ret; }

# xnstat NS: nstat's "Name Value" lines (absolute, history untouched)
xnstat() {
	ip netns exec "$1" env PROC_NET_NETSTAT=/proc/net/xtcp/netstat \
		PROC_NET_SNMP=/dev/null PROC_NET_SNMP6=/dev/null \
		PROC_NET_SCTP_SNMP=/dev/null \
		NSTAT_HISTORY="$HIST" \
		nstat -a -s -z | awk '!/^#/ { print $1, $2 }'
}

# val "LINES" NAME
val() {
	awk -v n="$2" '$1 == n { print $2 }' <<<"$1"
}

ip netns exec "$A" head -c 5 /proc/net/xtcp/netstat | grep -q '^Xtcp:' ||
	fail "/proc/net/xtcp/netstat does not start with 'Xtcp:'"
before=$(xnstat "$A")
a0=$(val "$before" XtcpActiveOpens)
p0=$(val "$before" XtcpPassiveOpens)
[ -n "$a0" ] && [ -n "$p0" ] ||
	{ fail "nstat shows no XtcpActiveOpens/XtcpPassiveOpens"; exit $ret; }
out=$(ip netns exec "$A" "$BURST" xtcp "$N" 9700 2>&1)
log "$out"
after=$(xnstat "$A")
snmp=$(ip netns exec "$A" cat /proc/net/xtcp/snmp)
a1=$(val "$after" XtcpActiveOpens)
p1=$(val "$after" XtcpPassiveOpens)
[ "$((a1 - a0))" = "$N" ] ||
	fail "XtcpActiveOpens moved from $a0 to $a1 for $N connects"
[ "$((p1 - p0))" = "$N" ] ||
	fail "XtcpPassiveOpens moved from $p0 to $p1 for $N accepts"
# nstat shows every counter of the snmp file under its name (no traffic
# between the two reads but TIME_WAIT timers, 60 s away)
while read -r n v; do
	[ "$(val "$after" "Xtcp$n")" = "$v" ] ||
		fail "/proc/net/xtcp/snmp $n=$v, nstat Xtcp$n=$(val "$after" "Xtcp$n")"
done <<<"$snmp"
[ "$ret" = 0 ] && pass "nstat shows XTCP's counters moving ($a0 -> $a1 ActiveOpens)"
exit $ret
