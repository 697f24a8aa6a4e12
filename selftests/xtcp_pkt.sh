#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every packet script in pkt/*.pkt (or the ones named) with xtcp_pkt,
# each in a network namespace of its own, and report TAP, one result per
# script. A failing script's reason ("FILE:LINE: ...") and its segment
# trace are printed as TAP comments.
set -u
cd "$(dirname "$0")" || exit 1
if [ $# -gt 0 ]; then
	scripts=("$@")
else
	scripts=(pkt/*.pkt)
fi
[ -e "${scripts[0]}" ] || { echo "xtcp_pkt.sh: no scripts in pkt/" >&2; exit 1; }
echo "TAP version 13"
echo "1..${#scripts[@]}"
n=0 bad=0
for s in "${scripts[@]}"; do
	n=$((n + 1))
	name=$(basename "$s" .pkt)
	start=$(date +%s.%N)
	if out=$(timeout -k 5 120 ./xtcp_pkt -v "$s" 2>&1); then
		echo "ok $n $name # $(awk "BEGIN { printf \"%.1fs\", $(date +%s.%N) - $start }")"
	else
		bad=$((bad + 1))
		echo "$out" | sed 's/^/# /'
		echo "not ok $n $name"
	fi
done
[ "$bad" = 0 ]
