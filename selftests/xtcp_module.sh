#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module lifetime: rmmod with an open AF_XTCP socket is refused (the kernel's
# "in use", EWOULDBLOCK; kmod's rmmod calls it EBUSY) and succeeds after the
# socket is closed; insmod/rmmod x50 with the family checked after each step;
# unload right after a listener with half-open requests (SYN-ACK timers
# pending) was closed and its netns dropped. The module is always loaded
# again at the end so later tests still have it. The VM runner checks the
# kernel log (and kmemleak) for splats afterwards.
#
# Needs XTCP_KO (path of the loaded xtcp.ko, set by scripts/vm-run).

. "$(dirname "$0")/lib.sh"

require_root
require_cmd insmod rmmod
module_setup

RELOADS=${XTCP_RELOADS:-50}

loaded()   { [ -d "$SYS" ]; }
unloaded() { [ ! -d "$SYS" ]; }

test_rmmod_busy() {
	local out="$XTCP_SCRATCH/hold.$$" pid r refcnt

	probe_is 0 || { fail "rmmod_busy: AF_XTCP socket() does not work"; return; }
	"$TOOL" hold >"$out" &
	pid=$!
	on_exit "kill $pid"
	if ! wait_for 20 grep -q ready "$out"; then
		fail "rmmod_busy: could not hold a socket: $(cat "$out")"
		kill "$pid"; wait "$pid"
		return
	fi
	refcnt=$(cat "$SYS/refcnt")
	[ "$refcnt" -ge 1 ] ||
		fail "rmmod_busy: refcnt $refcnt with a socket open, want >= 1"

	r=$("$TOOL" delmod "$MOD")
	[ "$r" = EWOULDBLOCK ] ||
		fail "rmmod_busy: delete_module with a socket open: $r, want EWOULDBLOCK (in use)"
	if rmmod "$MOD" 2>/dev/null; then
		fail "rmmod_busy: rmmod succeeded with a socket open"
		load
	fi
	loaded || fail "rmmod_busy: module gone while a socket was open"
	probe_is 0 || fail "rmmod_busy: family broken after refused rmmod"

	kill "$pid"
	wait "$pid"
	rm -f "$out"
	if ! unload 10; then
		fail "rmmod_busy: rmmod still refused after the socket was closed"
		return
	fi
	unloaded || fail "rmmod_busy: /sys/module/$MOD still present"
	probe_is 3 || fail "rmmod_busy: AF_XTCP still registered after rmmod"
	load || { fail "rmmod_busy: insmod failed"; return; }
	probe_is 0 || fail "rmmod_busy: AF_XTCP not usable after insmod"
	[ "$ret" = 0 ] && pass "rmmod refused with an open socket, works after close"
}

test_reload_loop() {
	local i bad=0

	for ((i = 1; i <= RELOADS; i++)); do
		if ! rmmod "$MOD"; then
			fail "reload $i: rmmod failed"; bad=1; break
		fi
		if ! probe_is 3; then
			fail "reload $i: family still registered after rmmod"; bad=1
		fi
		if ! insmod "$XTCP_KO" "${PARAMS[@]}"; then
			fail "reload $i: insmod failed"; bad=1; break
		fi
		if ! probe_is 0; then
			fail "reload $i: socket() fails after insmod"; bad=1; break
		fi
	done
	load
	[ "$bad" = 0 ] && pass "insmod/rmmod x$RELOADS"
}

test_unload_halfopen() {
	local out

	require_cmd ip
	out=$("$TOOL" halfopen xtcp 32)
	log "$out"
	if [ "$out" != "halfopen 32" ]; then
		fail "unload_halfopen: 32 request socks never appeared ($out)"
		return
	fi
	# The listener is closed and both netns are gone. A request holds its
	# listener and a socket holds the module, so rmmod cannot run while a
	# request lives: the module-exit purge of requests is unreachable from
	# userspace, and what is checked is that closing the listener left no
	# request, timer or reference behind that would block or crash the
	# unload right after.
	if ! unload 30; then
		fail "unload_halfopen: rmmod refused after every socket was closed"
		return
	fi
	probe_is 3 || fail "unload_halfopen: family still registered"
	load || { fail "unload_halfopen: insmod failed"; return; }
	probe_is 0 || fail "unload_halfopen: socket() fails after insmod"
	# Again, unloading immediately (no grace for timers to run).
	out=$("$TOOL" halfopen xtcp 8)
	[ "$out" = "halfopen 8" ] || { fail "unload_halfopen: second run ($out)"; return; }
	unload 30 || fail "unload_halfopen: second rmmod refused"
	load || fail "unload_halfopen: insmod failed"
	pass "unload with half-open requests pending"
}

test_rmmod_busy
test_reload_loop
test_unload_halfopen
load || fail "module could not be loaded again"
loaded || fail "module not loaded at exit"
exit $ret
