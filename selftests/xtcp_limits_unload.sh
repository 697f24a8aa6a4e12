#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unload with live state below the socket: orphans (LAST_ACK) whose
# segments wait in a netem delay queue on lo, which keeps each socket
# referenced (skb_orphan_partial()). rmmod resets the orphans and must wait
# until those packets are gone before it frees the proto slab and the
# module's code: it returns only after the qdisc is deleted, with 0, and
# the kernel log stays clean (a socket freed after the module was gone
# shows as a use-after-free or "Slab cache still has objects").
# The module is loaded again at the end so later tests still have it.
#
# Needs XTCP_KO (path of the loaded xtcp.ko, set by scripts/vm-run).

. "$(dirname "$0")/lib.sh"

require_root
require_cmd insmod ip tc
module_setup

LTOOL="$XTCP_TESTDIR/xtcp_limits_tool"
N=${XTCP_QORPHANS:-16}

# curr_orphans NS: CurrOrphans of NS
curr_orphans() {
	ip netns exec "$1" awk '$1 == "CurrOrphans" { print $2 }' \
		/proc/net/xtcp/snmp 2>/dev/null
}

test_unload_queued_orphans() {
	local A out n pid res="$XTCP_SCRATCH/delmod.$$" t0 t1

	ns_create A || { fail "queued_orphans: ip netns add"; return; }
	if ! ip netns exec "$A" tc qdisc add dev lo root netem delay 1ms; then
		fail "queued_orphans: netem not available"
		return
	fi
	out=$(ip netns exec "$A" "$LTOOL" qorphans "$N" 9710 \
		"tc qdisc change dev lo root netem delay 30s limit 10000" 2>&1)
	log "$out"
	[ "$out" = "orphans $N" ] || { fail "queued_orphans: setup failed"; return; }
	n=$(curr_orphans "$A")
	log "CurrOrphans $n"
	[ "${n:-0}" -ge "$N" ] ||
		fail "queued_orphans: CurrOrphans $n, want >= $N"

	: >"$res"
	"$TOOL" delmod "$MOD" >"$res" &
	pid=$!
	sleep 3
	if [ -s "$res" ]; then
		fail "queued_orphans: rmmod returned '$(cat "$res")' with packets of its sockets still queued"
		wait "$pid"
		load
		return
	fi
	t0=$(date +%s)
	ip netns exec "$A" tc qdisc del dev lo root
	if ! wait_for 60 test -s "$res"; then
		fail "queued_orphans: rmmod still waiting 60 s after the queue was deleted"
		wait "$pid"
	fi
	wait "$pid"
	t1=$(date +%s)
	log "rmmod returned $(cat "$res") $((t1 - t0)) s after the qdisc was deleted"
	[ "$(cat "$res")" = ok ] || fail "queued_orphans: rmmod: $(cat "$res"), want ok"
	probe_is 3 || fail "queued_orphans: family still registered after rmmod"
	load || { fail "queued_orphans: insmod failed"; return; }
	probe_is 0 || fail "queued_orphans: socket() fails after insmod"
	rm -f "$res"
	[ "$ret" = 0 ] && pass "rmmod waits for orphans held by a qdisc, then unloads"
}

test_unload_queued_orphans
load || fail "module could not be loaded again"
exit $ret
