#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Documentation/sysctl.rst lists every net.xtcp.* sysctl: fail for a knob
# in /proc/sys/net/xtcp/ that the page has no row for, for a row naming a
# knob the module does not have, and for a numeric default the page gets
# wrong (read in a fresh netns, where every knob has its default).

. "$(dirname "$0")/lib.sh"

require_root
require_cmd ip

DOC=${XTCP_SYSCTL_DOC:-}
for d in "$XTCP_TESTDIR/../../Documentation/sysctl.rst" \
	 "$XTCP_TESTDIR/../Documentation/sysctl.rst"; do
	[ -z "$DOC" ] && [ -f "$d" ] && DOC=$d
done
[ -f "$DOC" ] || { fail "Documentation/sysctl.rst not found (set XTCP_SYSCTL_DOC)"; exit $ret; }
[ -d /proc/sys/net/xtcp ] || { fail "no /proc/sys/net/xtcp: module not loaded"; exit $ret; }

# rows are "   * - ``name``" followed by unit, default, range, scope
doc_names=$(sed -n 's/^   \* - ``\([a-z0-9_]*\)``$/\1/p' "$DOC" | sort)
doc_default() {
	awk -v n="   * - \`\`$1\`\`" '$0 == n { getline; getline; sub(/^ *- /, ""); print; exit }' "$DOC"
}
doc_scope() {
	awk -v n="   * - \`\`$1\`\`" '$0 == n { getline; getline; getline; getline; sub(/^ *- /, ""); print; exit }' "$DOC"
}

ns_create A || { fail "ip netns add"; exit $ret; }
# "name value..." for every knob, read in one go (the VM is slow)
vals=$(ip netns exec "$A" sh -c \
	'cd /proc/sys/net/xtcp && for f in *; do echo "$f $(cat "$f")"; done' |
	tr -s ' \t' ' ')
mod_names=$(cut -d' ' -f1 <<<"$vals" | sort)
[ -n "$mod_names" ] || fail "/proc/sys/net/xtcp is empty"

for n in $mod_names; do
	if ! grep -qx "$n" <<<"$doc_names"; then
		fail "net.xtcp.$n exists but Documentation/sysctl.rst does not list it"
		continue
	fi
	want=$(doc_default "$n")
	# a default that depends on the machine is described, not a number
	[[ "$want" =~ ^[0-9\ ]+$ ]] || continue
	got=$(awk -v n="$n" '$1 == n { $1 = ""; sub(/^ /, ""); print }' <<<"$vals")
	[ "$got" = "$want" ] ||
		fail "net.xtcp.$n: default is '$got', the page says '$want'"
done
# A global knob (scope "global") exists in the initial netns only.
init_names=$(ls /proc/sys/net/xtcp | sort)
for n in $doc_names; do
	if [ "$(doc_scope "$n")" = global ]; then
		grep -qx "$n" <<<"$mod_names" &&
			fail "net.xtcp.$n is global on the page but exists in a new netns"
		grep -qx "$n" <<<"$init_names" ||
			fail "Documentation/sysctl.rst lists global net.xtcp.$n, which the initial netns does not have"
		continue
	fi
	grep -qx "$n" <<<"$mod_names" ||
		fail "Documentation/sysctl.rst lists net.xtcp.$n, which does not exist"
done
for n in $init_names; do
	grep -qx "$n" <<<"$doc_names" ||
		fail "net.xtcp.$n exists in the initial netns but Documentation/sysctl.rst does not list it"
done
[ "$ret" = 0 ] && pass "$(wc -w <<<"$mod_names") sysctls, all documented with their defaults"
exit $ret
