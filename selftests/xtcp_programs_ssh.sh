#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real programs over XTCP through xtcp-run: sshd, ssh and scp (xtcp_programs.sh).
exec "$(dirname "$0")/xtcp_programs.sh" ssh
