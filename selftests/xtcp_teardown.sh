#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Nothing outlives its owner: a burst of connections that end in TIME_WAIT,
# then (1) the netns is deleted and the module unloaded right after, so any
# TIME_WAIT entry or timer the netns exit failed to purge shows as
# "Objects remaining" / a use-after-free / a leak in the kernel log, which
# the VM runner checks; (2) another burst and rmmod with the netns and its
# TIME_WAIT entries still alive: unload must purge them itself. Each step
# checks the family goes away and comes back, and the module is loaded
# again at the end so later tests still have it.
#
# Needs XTCP_KO (path of the loaded xtcp.ko, set by scripts/vm-run).

. "$(dirname "$0")/lib.sh"

require_root
require_cmd insmod ip
module_setup

BURST="$XTCP_TESTDIR/xtcp_burst"
N=${XTCP_BURST:-64}

# burst NS PORT: N connections ending in TIME_WAIT inside NS
burst() {
	local out
	out=$(ip netns exec "$1" "$BURST" xtcp "$N" "$2" 2>&1)
	log "$out"
	[ "$out" = "timewait $N" ] || [ "${out##*timewait }" -ge "$N" ] 2>/dev/null
}

# TIME_WAIT entries (state 06) in NS's /proc/net/xtcp/sockets
tw_count() {
	ip netns exec "$1" awk '$4 == "06"' /proc/net/xtcp/sockets 2>/dev/null | wc -l
}

test_netns_delete() {
	local A n
	ns_create A || { fail "netns_delete: ip netns add"; return; }
	ip netns exec "$A" sh -c "echo 60 >/proc/sys/net/xtcp/tw_timeout"
	if ! burst "$A" 9600; then
		fail "netns_delete: $N TIME_WAIT entries never appeared"
		return
	fi
	n=$(tw_count "$A")
	[ "$n" -ge "$N" ] || fail "netns_delete: $n TIME_WAIT entries in /proc, want $N"
	ip netns del "$A"
	# the netns is gone (its exit runs from a work item); unload now:
	# an entry it left behind would still be in the module's caches
	if ! unload 30; then
		fail "netns_delete: rmmod refused after the netns was deleted"
		return
	fi
	probe_is 3 || fail "netns_delete: family still registered after rmmod"
	load || { fail "netns_delete: insmod failed"; return; }
	probe_is 0 || fail "netns_delete: socket() fails after insmod"
	[ "$ret" = 0 ] && pass "netns deleted with $N TIME_WAIT entries, then unload"
}

test_unload_live_tw() {
	local B n
	ns_create B || { fail "unload_tw: ip netns add"; return; }
	ip netns exec "$B" sh -c "echo 60 >/proc/sys/net/xtcp/tw_timeout"
	if ! burst "$B" 9601; then
		fail "unload_tw: $N TIME_WAIT entries never appeared"
		return
	fi
	# the entries and their 60 s timers are alive; they pin nothing
	if ! unload 30; then
		fail "unload_tw: rmmod refused with only TIME_WAIT entries left"
		return
	fi
	probe_is 3 || fail "unload_tw: family still registered after rmmod"
	load || { fail "unload_tw: insmod failed"; return; }
	probe_is 0 || fail "unload_tw: socket() fails after insmod"
	n=$(tw_count "$B")
	[ "$n" = 0 ] || fail "unload_tw: $n TIME_WAIT entries survived the reload"
	# and the same port is usable again in that netns
	if ! burst "$B" 9601; then
		fail "unload_tw: a new burst on the same port failed after reload"
	fi
	ip netns del "$B"
	[ "$ret" = 0 ] && pass "unload with $N live TIME_WAIT entries"
}

test_netns_delete
test_unload_live_tw
load || fail "module could not be loaded again"
[ -d "$SYS" ] || fail "module not loaded at exit"
exit $ret
