# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for the XTCP shell selftests: kselftest exit codes, logging
# (every line starts with "# " so no runner mistakes it for TAP), named
# network namespaces and veth pairs made with iproute2, and one cleanup trap
# that removes whatever the test created.
#
#	. "$(dirname "$0")/lib.sh"
#	ns_create NS_A NS_B		# sets $NS_A, $NS_B to unique names
#	veth_pair "$NS_A" va 10.0.0.1/24 "$NS_B" vb 10.0.0.2/24
#	on_exit "some command"		# extra cleanup, run in reverse order

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

XTCP_TESTDIR=$(cd "$(dirname "$0")" && pwd)
: "${XTCP_SCRATCH:=/tmp}"

ret=$KSFT_PASS
_xtcp_ns=()
_xtcp_exit=()

log()  { echo "# $*"; }
pass() { echo "# PASS: $*"; }
fail() { echo "# FAIL: $*"; ret=$KSFT_FAIL; }
# Inside scripts/vm-run with the module loaded (XTCP_KO set) nothing a test
# needs may be missing: there a SKIP is a failure.
skip_all() {
	if [ -n "${XTCP_KO:-}" ]; then
		echo "# FAIL: missing in the test VM: $*"
		exit $KSFT_FAIL
	fi
	echo "# SKIP: $*"
	exit $KSFT_SKIP
}

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip_all "$c not available"
	done
}

require_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
}

on_exit() {
	_xtcp_exit+=("$1")
}

_xtcp_cleanup() {
	local i
	for ((i = ${#_xtcp_exit[@]} - 1; i >= 0; i--)); do
		eval "${_xtcp_exit[i]}" >/dev/null 2>&1
	done
	for i in "${_xtcp_ns[@]}"; do
		ip netns del "$i" >/dev/null 2>&1
	done
}
trap _xtcp_cleanup EXIT

# ns_create VAR... : create one netns per VAR (lo up), name stored in VAR.
ns_create() {
	local v name
	for v in "$@"; do
		name="xtcp-$$-${v,,}"
		ip netns add "$name" || return 1
		_xtcp_ns+=("$name")
		ip -n "$name" link set lo up || return 1
		printf -v "$v" '%s' "$name"
	done
}

# veth_pair NS1 IF1 ADDR1 NS2 IF2 ADDR2
veth_pair() {
	ip -n "$1" link add name "$2" type veth peer name "$5" netns "$4" &&
	ip -n "$1" addr add "$3" dev "$2" &&
	ip -n "$4" addr add "$6" dev "$5" &&
	ip -n "$1" link set "$2" up &&
	ip -n "$4" link set "$5" up
}

# wait_for SECONDS CMD... : retry CMD every 0.1 s until it succeeds.
wait_for() {
	local end=$(( $(date +%s) + $1 ))
	shift
	while ! "$@"; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# For tests that unload and reload xtcp.ko (needs XTCP_KO, set by
# scripts/vm-run): sets MOD, SYS and PARAMS (the loaded module's ip_proto),
# defines load() and makes sure the module is loaded again on exit, so
# later tests still have it.
module_setup() {
	[ -n "${XTCP_KO:-}" ] ||
		skip_all "XTCP_KO not set (run inside scripts/vm-run)"
	[ -r "$XTCP_KO" ] || skip_all "XTCP_KO=$XTCP_KO not readable"
	MOD=$(basename "$XTCP_KO" .ko)
	MOD=${MOD//-/_}
	SYS=/sys/module/$MOD
	[ -d "$SYS" ] || skip_all "module $MOD is not loaded"
	TOOL="$XTCP_TESTDIR/xtcp_tool"
	PARAMS=()
	[ -r "$SYS/parameters/ip_proto" ] &&
		PARAMS+=("ip_proto=$(cat "$SYS/parameters/ip_proto")")
	on_exit load
}

load() {
	[ -d "$SYS" ] && return 0
	insmod "$XTCP_KO" "${PARAMS[@]}"
}

# probe_is WANT: xtcp_tool probe exits 0 (family works) or 3 (EAFNOSUPPORT)
probe_is() {
	local rc
	"$TOOL" probe
	rc=$?
	[ "$rc" = "$1" ] && return 0
	log "socket(AF_XTCP): probe exit $rc, want $1"
	return 1
}

# unload SECS: delete_module until it works (sockets are freed after an RCU
# grace period); logs the last refusal on failure.
unload() {
	local end r
	end=$(( $(date +%s) + $1 ))
	while :; do
		r=$("$TOOL" delmod "$MOD")
		[ "$r" = ok ] && return 0
		if [ "$(date +%s)" -ge "$end" ]; then
			log "delete_module: $r, refcnt $(cat "$SYS/refcnt" 2>/dev/null)"
			return 1
		fi
		sleep 0.2
	done
}
