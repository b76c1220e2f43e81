# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Lanes as TAP subtests. A lane is a command that prints TAP and ends with
# a line "N passed, N failed[, N skipped]". tap_lane runs it, shows its
# output indented (a TAP 14 subtest, so its own plan and numbers stay its
# own), turns its totals line into a comment, and reports the lane as one
# test point. tap_finish prints the plan and the sum of all lanes' totals,
# the one bare totals line of the whole run.
#
#   . tests/lib/tap.sh
#   tap_start
#   tap_lane "6.1: cached remap" tests/vm/check --params ... -- rw mmap
#   tap_finish      # exit status: 0 if every lane passed

tap_lanes=0
tap_failed_lanes=0
tap_passed=0
tap_failed=0
tap_skipped=0

tap_start() {
	echo "TAP version 14"
}

# Adds one lane's "N passed, N failed[, N skipped]" line to the sums.
tap_add_totals() {
	local line=$1 re='^([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$'
	[[ $line =~ $re ]] || return 1
	tap_passed=$((tap_passed + BASH_REMATCH[1]))
	tap_failed=$((tap_failed + BASH_REMATCH[2]))
	tap_skipped=$((tap_skipped + ${BASH_REMATCH[4]:-0}))
}

# tap_lane NAME COMMAND [ARG]...: a lane passes when COMMAND exits 0 and
# its totals line was seen; a lane without one counts as one failed test.
tap_lane() {
	local name=$1 totals='' line status=unknown
	shift
	tap_lanes=$((tap_lanes + 1))
	echo "# Subtest: $name"
	while IFS= read -r line; do
		if [[ $line == "@@lane-status "* ]]; then
			status=${line#@@lane-status }
			continue
		fi
		if [[ $line =~ ^[0-9]+\ passed,\ [0-9]+\ failed(,\ [0-9]+\ skipped)?$ ]]; then
			totals=$line
			line="# $line"
		fi
		printf '    %s\n' "$line"
	done < <(set +e; "$@" 2>&1; echo "@@lane-status $?")
	if [[ -z $totals ]]; then
		echo "    # $name: no totals line: the lane did not run to its end"
		tap_failed=$((tap_failed + 1))
	else
		tap_add_totals "$totals"
	fi
	if [[ -n $totals && $status == 0 ]]; then
		echo "ok $tap_lanes - $name"
	else
		tap_failed_lanes=$((tap_failed_lanes + 1))
		echo "not ok $tap_lanes - $name (exit status $status)"
	fi
}

# A lane that could not run for a reason outside the project (an archive
# that cannot be installed today): a skipped test point, said loudly.
tap_skip_lane() {
	local name=$1 reason=$2
	tap_lanes=$((tap_lanes + 1))
	tap_skipped=$((tap_skipped + 1))
	echo "# SKIPPED LANE $name: $reason" >&2
	echo "ok $tap_lanes - $name # SKIP $reason"
}

tap_finish() {
	echo "1..$tap_lanes"
	echo "$tap_passed passed, $tap_failed failed, $tap_skipped skipped"
	((tap_failed_lanes == 0 && tap_failed == 0))
}
