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
tap_failures=()

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
# its totals line was seen and says 0 failed. A failed lane adds at least
# one failure to the sums: one for a lane without a totals line, one for a
# lane that exits non-zero while its totals say 0 failed (each said in a
# diagnostic line), so the last line never says 0 failed after a failure.
tap_lane() {
	local name=$1 totals='' line status=unknown failed_before=$tap_failed
	local start=$SECONDS
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
		# A failed point, or one a guest suite printed (tests/vm/check
		# keeps those as comments "# LABEL: SUITE: not ok N - ...").
		[[ ! $line =~ ^[[:space:]]*(#\ [^#]*:\ )?not\ ok\  ]] ||
			tap_failures+=("$name: ${line#"${line%%[![:space:]]*}"}")
		printf '    %s\n' "$line"
	done < <(set +e; "$@" 2>&1; echo "@@lane-status $?")
	if [[ -z $totals ]]; then
		echo "    # $name: no totals line: the lane did not run to its end (counted as 1 failed)"
		tap_failed=$((tap_failed + 1))
	else
		tap_add_totals "$totals"
		if [[ $status != 0 ]] && ((tap_failed == failed_before)); then
			echo "    # $name: exit status $status, but its totals say 0 failed: counted as 1 failed"
			tap_failed=$((tap_failed + 1))
		fi
	fi
	echo "    # $name: $((SECONDS - start)) s"
	if [[ $status == 0 ]] && ((tap_failed == failed_before)); then
		echo "ok $tap_lanes - $name"
	else
		tap_failed_lanes=$((tap_failed_lanes + 1))
		echo "not ok $tap_lanes - $name (exit status $status, $((tap_failed - failed_before)) failed)"
	fi
}

# A lane that could not run for one of the reasons tests/README.md allows
# ("Allowed skips"; say, sid's archive broken today): a skipped test
# point, said loudly. Anything else that cannot run is a failure.
tap_skip_lane() {
	local name=$1 reason=$2
	tap_lanes=$((tap_lanes + 1))
	tap_skipped=$((tap_skipped + 1))
	echo "# SKIPPED LANE $name: $reason" >&2
	echo "ok $tap_lanes - $name # SKIP $reason"
}

# The plan, the failed points again (at any depth, each with its lane:
# a long run's log is often read from its end only) and the sums; exit
# status 0 only if no lane failed. Every failed lane counts at least one
# failure (tap_lane sees to it; this is the guard that keeps it so).
tap_finish() {
	local failure
	echo "1..$tap_lanes"
	for failure in "${tap_failures[@]}"; do
		echo "# failed: $failure"
	done
	if ((tap_failed < tap_failed_lanes)); then
		echo "# $tap_failed_lanes lanes failed but only $tap_failed failures were counted: counting $tap_failed_lanes"
		tap_failed=$tap_failed_lanes
	fi
	echo "$tap_passed passed, $tap_failed failed, $tap_skipped skipped"
	((tap_failed_lanes == 0 && tap_failed == 0))
}
