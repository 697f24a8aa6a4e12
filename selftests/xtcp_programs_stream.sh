#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real programs over XTCP through xtcp-run: iperf3 both ways and a socat relay (xtcp_programs.sh).
exec "$(dirname "$0")/xtcp_programs.sh" iperf3 socat
