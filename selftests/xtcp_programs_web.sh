#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real programs over XTCP through xtcp-run: curl from python3 http.server and nginx (xtcp_programs.sh).
exec "$(dirname "$0")/xtcp_programs.sh" python nginx
