#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Real Debian programs over XTCP through the preload shim (xtcp-run): each
# case runs a real server and a real client, both under xtcp-run, checks the
# result byte for byte, and checks that XTCP's counters moved and TCP's did
# not. One case runs only the server under XTCP: a native client must be
# refused, proving the traffic really was XTCP. TAP output, one result per
# case; a case whose programs are not installed is skipped.
#
# Transfer sizes are divided by XTCP_STREAM_DIV (64 on the debug kernel,
# 1 otherwise).
#
#	xtcp_programs.sh [CASE...]	python nginx redis iperf3 socat ssh
#
# Without arguments every case runs; the xtcp_programs_*.sh tests run a few
# each, so that each stays within the per-test timeout on a slow debug
# kernel (program start-up, not the transfers, dominates there).
. "$(dirname "$0")/lib.sh"
require_root

RUN=$(realpath "$XTCP_TESTDIR/../preload/xtcp-run" 2>/dev/null)
[ -x "$RUN" ] || skip_all "no ../preload/xtcp-run (make preload)"
[ -r /proc/net/xtcp/snmp ] || skip_all "xtcp.ko not loaded"

# The real programs run on the stock kernels: under KASAN and TCG one
# redis-benchmark or sshd login takes minutes, beyond make check's time
# budget. XTCP_PROGRAMS_ON_DEBUG=1 runs them on the debug kernel too.
if [ "${XTCP_KERNEL:-}" = debug ] && [ "${XTCP_PROGRAMS_ON_DEBUG:-0}" != 1 ]; then
	echo "# SKIP: real programs run on the stock kernels (XTCP_PROGRAMS_ON_DEBUG=1: debug too)"
	exit $KSFT_SKIP
fi
if [ -z "${XTCP_STREAM_DIV:-}" ]; then
	[ "${XTCP_KERNEL:-}" = debug ] && XTCP_STREAM_DIV=64 || XTCP_STREAM_DIV=1
fi
DIV=$XTCP_STREAM_DIV
W=$(mktemp -d /tmp/xtcp-programs.XXXXXX)
chmod 755 "$W"	# nginx's workers and sshd's sessions run as other users
on_exit "rm -rf $W"
# Everything the shim reports (conversions, options XTCP lacks) goes here;
# the options are listed at the end for whoever reads the log.
export XTCP_PRELOAD_LOG=$W/preload.log
PIDS=()
on_exit 'stop_all'

stop_all() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	PIDS=()
}

# bg CMD...: start a server in the background, remember it.
bg() {
	"$@" &
	PIDS+=($!)
}

n=0
tap() {	# tap ok|fail|skip NAME [REASON]
	n=$((n + 1))
	case $1 in
	ok) echo "ok $n $2" ;;
	skip) echo "ok $n $2 # SKIP ${3:-}" ;;
	*) echo "not ok $n $2"; ret=$KSFT_FAIL ;;
	esac
}

xtcp_mib() { awk -v k="$1" '$1 == k { print $2 }' /proc/net/xtcp/snmp; }
tcp_mib() {
	awk -v k="$1" '$1 == "Tcp:" { if (!h) { for (i = 2; i <= NF; i++) if ($i == k) c = i; h = 1 } else print $c }' /proc/net/snmp
}
# Connection counters of both stacks, as one line.
opens() {
	echo "$(xtcp_mib ActiveOpens) $(xtcp_mib PassiveOpens) $(tcp_mib ActiveOpens) $(tcp_mib PassiveOpens)"
}

# check_counters BEFORE MIN: XTCP opened >= MIN connections each way since
# BEFORE (an opens line) and TCP none.
check_counters() {
	local xa0 xp0 ta0 tp0 xa xp ta tp
	read -r xa0 xp0 ta0 tp0 <<<"$1"
	read -r xa xp ta tp <<<"$(opens)"
	log "XTCP active/passive opens +$((xa - xa0))/+$((xp - xp0)), TCP +$((ta - ta0))/+$((tp - tp0))"
	[ $((xa - xa0)) -ge "$2" ] && [ $((xp - xp0)) -ge "$2" ] &&
		[ "$ta" = "$ta0" ] && [ "$tp" = "$tp0" ]
}

# A listener on PORT in XTCP's table (0A = LISTEN).
xtcp_listening() {
	grep -qi "^ *[0-9]*: [0-9A-F]*:$(printf %04X "$1") 00000000:0000 0A" /proc/net/xtcp/sockets
}

# wait_listen PORT: the server under test is up (servers start slowly on
# the debug kernel: Python alone takes seconds under TCG with KASAN).
wait_listen() {
	wait_for 300 xtcp_listening "$1" || { log "nothing listens on XTCP port $1"; return 1; }
}

have() { command -v "$1" >/dev/null 2>&1; }

sha() { sha256sum <"$1" | cut -d' ' -f1; }

SIZE=$((64 * 1024 * 1024 / DIV))
mkdir -p "$W/www"
head -c "$SIZE" /dev/urandom >"$W/www/blob"
SUM=$(sha "$W/www/blob")
log "payload $SIZE bytes, XTCP_STREAM_DIV=$DIV"

# --- curl from python3 -m http.server -------------------------------------
case_python() {
	local before rc=0
	have python3 && have curl || { tap skip "$FUNCNAME" "python3/curl missing"; return; }
	before=$(opens)
	bg sh -c "cd '$W/www' && exec '$RUN' python3 -m http.server --bind 127.0.0.1 8080 >'$W/http.log' 2>&1"
	wait_listen 8080 || rc=1
	[ $rc = 0 ] && { "$RUN" curl -sS --max-time 600 -o "$W/got" http://127.0.0.1:8080/blob || rc=1; }
	[ $rc = 0 ] && { [ "$(sha "$W/got")" = "$SUM" ] || { log "sha256 differs"; rc=1; }; }
	[ $rc = 0 ] && { check_counters "$before" 1 || rc=1; }

	# Only the server on XTCP: a native curl reaches TCP, which refuses.
	if [ $rc = 0 ]; then
		before=$(opens)
		curl -sS --max-time 60 -o /dev/null http://127.0.0.1:8080/blob 2>"$W/native.err"
		local crc=$?
		log "native curl: exit $crc ($(cat "$W/native.err"))"
		[ $crc = 7 ] || rc=1	# 7: failed to connect
		read -r xa0 xp0 _ _ <<<"$before"
		[ "$(xtcp_mib PassiveOpens)" = "$xp0" ] || { log "XTCP accepted a native client"; rc=1; }
	fi
	stop_all
	[ $rc = 0 ] && tap ok "python3 http.server + curl, native client refused" ||
		{ cat "$W/http.log" | sed 's/^/# /' | tail -20; tap fail "python3 http.server + curl"; }
}

# --- curl from nginx (sendfile on, tcp_nopush on: Debian's defaults) -------
case_nginx() {
	local before rc=0 d=$W/nginx
	have nginx && have curl || { tap skip "$FUNCNAME" "nginx/curl missing"; return; }
	mkdir -p "$d/body" "$d/proxy" "$d/fastcgi" "$d/uwsgi" "$d/scgi"
	cat >"$d/nginx.conf" <<-EOF
	daemon off;
	worker_processes 2;
	pid $d/nginx.pid;
	error_log $d/error.log warn;
	events { worker_connections 256; }
	http {
		access_log off;
		sendfile on;
		tcp_nopush on;
		tcp_nodelay on;
		keepalive_timeout 65;
		client_body_temp_path $d/body;
		proxy_temp_path $d/proxy;
		fastcgi_temp_path $d/fastcgi;
		uwsgi_temp_path $d/uwsgi;
		scgi_temp_path $d/scgi;
		server {
			listen 127.0.0.1:8081;
			root $W/www;
		}
	}
	EOF
	before=$(opens)
	bg "$RUN" nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log"
	wait_listen 8081 || rc=1
	[ $rc = 0 ] && { "$RUN" curl -sS --max-time 600 -o "$W/got" http://127.0.0.1:8081/blob || rc=1; }
	[ $rc = 0 ] && { [ "$(sha "$W/got")" = "$SUM" ] || { log "sha256 differs"; rc=1; }; }
	# Keep-alive: three requests on one connection.
	[ $rc = 0 ] && { "$RUN" curl -sS --max-time 600 -o "$W/g1" -o "$W/g2" -o "$W/g3" \
		http://127.0.0.1:8081/blob http://127.0.0.1:8081/blob http://127.0.0.1:8081/blob || rc=1; }
	[ $rc = 0 ] && for f in g1 g2 g3; do
		[ "$(sha "$W/$f")" = "$SUM" ] || { log "keep-alive $f: sha256 differs"; rc=1; }
	done
	[ $rc = 0 ] && { check_counters "$before" 2 || rc=1; }
	stop_all
	[ $rc = 0 ] && tap ok "nginx (sendfile) + curl, keep-alive" ||
		{ sed 's/^/# /' "$d/error.log" | tail -20; tap fail "nginx + curl"; }
}

# --- redis-benchmark and redis-cli against redis-server -------------------
case_redis() {
	local before rc=0 d=$W/redis reqs v got
	have redis-server && have redis-cli && have redis-benchmark ||
		{ tap skip "$FUNCNAME" "redis-server/redis-tools missing"; return; }
	mkdir -p "$d"
	before=$(opens)
	bg "$RUN" redis-server --port 6390 --bind 127.0.0.1 --dir "$d" --save '' \
		--appendonly no --daemonize no --logfile "$d/log"
	wait_listen 6390 || rc=1
	# A functional check, not a benchmark (that is B8): enough requests
	# for 50 clients to overlap.
	reqs=$((20000 / DIV)); [ $reqs -lt 1000 ] && reqs=1000
	if [ $rc = 0 ]; then
		"$RUN" redis-benchmark -h 127.0.0.1 -p 6390 -c 50 -n $reqs -t set,get -q \
			>"$d/bench.out" 2>&1 || rc=1
		"$RUN" redis-benchmark -h 127.0.0.1 -p 6390 -c 50 -n $reqs -P 16 -t set,get -q \
			>>"$d/bench.out" 2>&1 || rc=1
		sed 's/.*\r//; s/^/# /' "$d/bench.out"
		grep -qi 'error' "$d/bench.out" && rc=1
		[ "$(grep -c 'requests per second' "$d/bench.out")" = 4 ] || rc=1
	fi
	if [ $rc = 0 ]; then
		v=$(head -c 3000 /dev/urandom | base64 -w0)
		[ "$("$RUN" redis-cli -h 127.0.0.1 -p 6390 SET xtcpkey "$v")" = OK ] || rc=1
		got=$("$RUN" redis-cli -h 127.0.0.1 -p 6390 GET xtcpkey)
		[ "$got" = "$v" ] || { log "redis GET returned other bytes"; rc=1; }
		[ "$("$RUN" redis-cli -h 127.0.0.1 -p 6390 DBSIZE)" -ge 2 ] || rc=1
	fi
	[ $rc = 0 ] && { check_counters "$before" 100 || rc=1; }
	stop_all
	[ $rc = 0 ] && tap ok "redis-server + redis-benchmark + redis-cli" ||
		{ sed 's/^/# /' "$d/log" | tail -20; tap fail "redis"; }
}

# --- iperf3 both directions ---------------------------------------------
case_iperf3() {
	local before rc=0 d=$W/iperf dir
	have iperf3 || { tap skip "$FUNCNAME" "iperf3 missing"; return; }
	mkdir -p "$d"
	before=$(opens)
	bg "$RUN" iperf3 -s -p 5202 -B 127.0.0.1
	wait_listen 5202 || rc=1
	for dir in "" -R; do
		[ $rc = 0 ] || break
		"$RUN" iperf3 -c 127.0.0.1 -p 5202 -n "$SIZE" $dir -J >"$d/out$dir.json" 2>&1 ||
			{ log "iperf3 $dir failed"; head -20 "$d/out$dir.json" | sed 's/^/# /'; rc=1; continue; }
		python3 - "$d/out$dir.json" "$SIZE" <<-'EOF' || rc=1
		import json, sys
		r = json.load(open(sys.argv[1]))
		want = int(sys.argv[2])
		s = r["end"]["sum_sent"]["bytes"]
		g = r["end"]["sum_received"]["bytes"]
		print("# iperf3 %s sent %d received %d, %.1f Mbit/s" % (
			"reverse" if r["start"]["test_start"]["reverse"] else "forward",
			s, g, r["end"]["sum_received"]["bits_per_second"] / 1e6))
		# iperf3 -n stops counting at the receiver when the client says
		# the test ended: bytes still queued there are not in its total.
		sys.exit(0 if s >= want and g >= want * 0.8 else 1)
		EOF
	done
	[ $rc = 0 ] && { check_counters "$before" 4 || rc=1; }
	stop_all
	[ $rc = 0 ] && tap ok "iperf3 both directions" || tap fail "iperf3"
}

# --- socat relaying a stream: source -> relay -> sink -----------------------
case_socat() {
	local before rc=0
	have socat || { tap skip "$FUNCNAME" "socat missing"; return; }
	before=$(opens)
	bg "$RUN" socat -u TCP-LISTEN:7002,bind=127.0.0.1,reuseaddr OPEN:"$W/sunk",creat,trunc
	bg "$RUN" socat TCP-LISTEN:7001,bind=127.0.0.1,reuseaddr TCP:127.0.0.1:7002
	wait_listen 7001 && wait_listen 7002 || rc=1
	[ $rc = 0 ] && { "$RUN" socat -u OPEN:"$W/www/blob" TCP:127.0.0.1:7001 || rc=1; }
	# The sink ends when the relay closes its side.
	[ $rc = 0 ] && { wait_for 120 sh -c "! kill -0 ${PIDS[0]} 2>/dev/null" || rc=1; }
	[ $rc = 0 ] && { [ "$(sha "$W/sunk")" = "$SUM" ] || { log "sha256 differs"; rc=1; }; }
	[ $rc = 0 ] && { check_counters "$before" 2 || rc=1; }
	stop_all
	[ $rc = 0 ] && tap ok "socat relay" || tap fail "socat relay"
}

# --- ssh login with a key, scp ---------------------------------------------
case_ssh() {
	local before rc=0 d=$W/ssh out opts
	have ssh && have scp && have ssh-keygen && [ -x /usr/sbin/sshd ] ||
		{ tap skip "$FUNCNAME" "openssh-server/client missing"; return; }
	mkdir -p "$d" /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$d/host" || rc=1
	ssh-keygen -q -t ed25519 -N '' -f "$d/user" || rc=1
	cp "$d/user.pub" "$d/authorized_keys"
	chmod 600 "$d/authorized_keys"
	cat >"$d/sshd_config" <<-EOF
	Port 2222
	ListenAddress 127.0.0.1
	HostKey $d/host
	AuthorizedKeysFile $d/authorized_keys
	PermitRootLogin prohibit-password
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	UseDNS no
	StrictModes no
	PidFile $d/sshd.pid
	Subsystem sftp internal-sftp
	EOF
	opts=(-F /dev/null -i "$d/user" -o UserKnownHostsFile=/dev/null
	      -o StrictHostKeyChecking=no -o BatchMode=yes -o LogLevel=ERROR
	      -o ConnectTimeout=120)
	before=$(opens)
	bg "$RUN" /usr/sbin/sshd -D -e -f "$d/sshd_config" 2>"$d/sshd.log"
	wait_listen 2222 || rc=1
	if [ $rc = 0 ]; then
		out=$("$RUN" ssh "${opts[@]}" -p 2222 root@127.0.0.1 'echo xtcp-$((6 * 7))') || rc=1
		[ "$out" = xtcp-42 ] || { log "ssh said '$out'"; rc=1; }
	fi
	[ $rc = 0 ] && { "$RUN" scp -q "${opts[@]}" -P 2222 "$W/www/blob" root@127.0.0.1:"$d/copied" || rc=1; }
	[ $rc = 0 ] && { [ "$(sha "$d/copied")" = "$SUM" ] || { log "sha256 differs"; rc=1; }; }
	[ $rc = 0 ] && { check_counters "$before" 2 || rc=1; }
	stop_all
	[ $rc = 0 ] && tap ok "sshd + ssh login with a key + scp" ||
		{ sed 's/^/# /' "$d/sshd.log" | tail -20; tap fail "ssh/scp"; }
}

CASES=(python nginx redis iperf3 socat ssh)
[ $# -gt 0 ] && CASES=("$@")
for c in "${CASES[@]}"; do
	declare -F "case_$c" >/dev/null || { echo "# no case $c" >&2; exit $KSFT_FAIL; }
done
echo "TAP version 13"
echo "1..${#CASES[@]}"
for c in "${CASES[@]}"; do
	"case_$c"
done

if [ -s "$XTCP_PRELOAD_LOG" ]; then
	log "options the programs set that XTCP does not implement:"
	grep -o 'unsupported: .*' "$XTCP_PRELOAD_LOG" | sort | uniq -c | sed 's/^/#   /'
fi
exit $ret
