# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# shellcheck disable=SC3043 # dash and busybox sh have local
#
# tap.sh - the one TAP library of chrmem's tests, for bash, dash and
# busybox sh (the guests have only busybox): POSIX sh and `local`.
#
#   tap_lib=DIR; . "$tap_lib/tap.sh"   (DIR also holds allowed-skips)
#   tap_start
#   tap_pass DESC | tap_fail DESC | tap_skip DESC REASON
#   tap_check DESC COMMAND [ARG]...    a point from COMMAND's status
#   some && compound && test; tap_verdict DESC   ... from the last status
#   tap_diag TEXT...                   "# " lines
#   tap_run [--expect N] PREFIX COMMAND [ARG]...
#   tap_finish                         plan, totals line, exit status
#
# A stream is flat: one plan, points numbered once, and last the totals
# line "N passed, N failed, N skipped". tap_run folds another program's
# stream into this one, its points renamed "PREFIX: ..." and renumbered,
# and checks that the program told the whole truth (see tap_run). Only
# tests/check-all nests, one level: tap_lane shows a lane's stream as a
# TAP 14 subtest, the lane one point of the top stream.
#
# A skip is a test that did not run: tap_skip, tap_run and tap_skip_lane
# let one through only if its reason matches a line of $tap_lib/
# allowed-skips (tests/README.md, "Allowed skips"); any other is a failed
# point that says so.
#
# tap_run and tap_lane filter a pipeline, whose last command runs in a
# subshell in dash and busybox (and in bash): the filter hands its
# counters back through a temporary file. They always return 0, so that
# `set -e` callers go on; tap_run_failed says how many points failed.

tap_allowed_skips=${tap_lib:-}/allowed-skips
# A guest's serial line may end its lines with CR LF.
tap_cr=$(printf '\r')

tap_start() {
	tap_n=0
	tap_passed=0
	tap_failed=0
	tap_skipped=0
	tap_failed_lanes=0
	tap_run_failed=0
	# The failed points of the lanes, one a line, for tap_finish's recap.
	tap_recap=
	echo "TAP version 14"
}

tap_pass() {
	tap_n=$((tap_n + 1))
	tap_passed=$((tap_passed + 1))
	echo "ok $tap_n - $*"
}

tap_fail() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

# tap_skip DESC REASON: a skip if REASON is allowed, else a failure.
tap_skip() {
	if tap_skip_allowed "$2"; then
		tap_n=$((tap_n + 1))
		tap_skipped=$((tap_skipped + 1))
		echo "ok $tap_n - $1 # SKIP $2"
	else
		tap_fail "$1 (skipped, for a reason that tests/lib/allowed-skips does not list: $2)"
	fi
}

# Whether REASON matches a pattern (a shell glob, one a line; # comments)
# of the allowed-skips file. Without the file nothing is allowed.
tap_skip_allowed() {
	local pattern
	[ -r "$tap_allowed_skips" ] || return 1
	while IFS= read -r pattern; do
		case $pattern in
		'' | '#'*) continue ;;
		esac
		# shellcheck disable=SC2254 # the line is a pattern
		case $1 in
		$pattern) return 0 ;;
		esac
	done <"$tap_allowed_skips"
	return 1
}

# tap_check DESC COMMAND [ARG]...
tap_check() {
	local desc="$1"
	shift
	if "$@"; then
		tap_pass "$desc"
	else
		tap_fail "$desc"
	fi
}

# tap_verdict DESC: for compound conditions:
#   [ "$a" = 1 ] && [ "$b" = 2 ]; tap_verdict "a and b"
tap_verdict() {
	if [ $? -eq 0 ]; then
		tap_pass "$1"
	else
		tap_fail "$1"
	fi
}

# tap_diag TEXT...: each argument's lines as "# " lines.
tap_diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

# ---- reading another program's TAP ----

# tap_parse LINE: what the line is, in tap_kind: point, plan, totals,
# version, bail, comment or other. A point sets tap_ok (1 or 0), tap_desc
# and tap_reason (a SKIP's reason, else empty); a plan tap_count; totals
# tap_count "PASSED FAILED SKIPPED". Points may be numbered or not, with or
# without " - ": "ok 3 - x", "ok 3 x", "ok - x".
tap_parse() {
	local rest num
	tap_reason=
	case $1 in
	ok | "ok "* | "not ok" | "not ok "*) tap_kind=point ;;
	1..*)
		tap_kind=plan
		tap_count=${1#1..}
		tap_count=${tap_count%% *}
		;;
	"TAP version "*) tap_kind=version ;;
	"Bail out!"*) tap_kind=bail ;;
	"#"*) tap_kind=comment ;;
	*" passed, "*" failed"*) tap_parse_totals "$1" || tap_kind=other ;;
	*) tap_kind=other ;;
	esac
	case $tap_kind in
	plan)
		case $tap_count in
		'' | *[!0-9]*) tap_kind=other ;;
		esac
		return 0
		;;
	point) ;;
	*) return 0 ;;
	esac
	case $1 in
	"not ok"*) tap_ok=0 rest=${1#not ok} ;;
	*) tap_ok=1 rest=${1#ok} ;;
	esac
	rest=${rest# }
	num=${rest%%[!0-9]*}
	rest=${rest#"$num"}
	rest=${rest# }
	case $rest in
	"- "*) rest=${rest#- } ;;
	-) rest= ;;
	esac
	case $rest in
	"# SKIP"*) tap_desc='' tap_reason=${rest#"# SKIP"} ;;
	*" # SKIP"*) tap_desc=${rest%%" # SKIP"*} tap_reason=${rest#*" # SKIP"} ;;
	*) tap_desc=$rest ;;
	esac
	tap_reason=${tap_reason# }
	# A skip without a reason is a skip all the same.
	case $rest in
	*"# SKIP"*) [ -n "$tap_reason" ] || tap_reason="(no reason given)" ;;
	esac
}

# "N passed, N failed" or "N passed, N failed, N skipped", exactly.
tap_parse_totals() {
	local p f s n
	case $1 in
	*[!0-9a-z\ ,]*) return 1 ;;
	esac
	# shellcheck disable=SC2086 # the words of the line
	set -- $1
	case "$#:$2:$4:${6-}" in
	"4:passed,:failed:" | "6:passed,:failed,:skipped") ;;
	*) return 1 ;;
	esac
	p=$1 f=$3 s=${5:-0}
	for n in "$p" "$f" "$s"; do
		case $n in
		'' | *[!0-9]*) return 1 ;;
		esac
	done
	tap_kind=totals
	tap_count="$p $f $s"
}

# tap_audit NAME STATUS EXPECT: the complaints about a program's stream
# once it has ended, one a line on stdout (none: it told the whole truth).
# A program that bailed out or stopped before its totals line gets that
# one complaint: its plan and status cannot agree then. Reads what
# tap_scan counted: tap_seen_p/f/s, tap_plan, tap_totals, tap_bailed.
tap_audit() {
	local name="$1" status="$2" expect="$3" seen
	seen=$((tap_seen_p + tap_seen_f + tap_seen_s))
	if [ -n "$tap_bailed" ]; then
		echo "$name: bailed out: $tap_bailed"
		return 0
	fi
	if [ -z "$tap_totals" ]; then
		echo "$name: did not run to its end (exit status $status)"
		return 0
	fi
	if [ "$tap_totals" != "$tap_seen_p $tap_seen_f $tap_seen_s" ]; then
		echo "$name: its totals line ($tap_totals: passed failed skipped) disagrees" \
			"with its points ($tap_seen_p $tap_seen_f $tap_seen_s)"
	fi
	if [ -z "$tap_plan" ]; then
		echo "$name: no plan (1..N)"
	elif [ "$tap_plan" -ne "$seen" ]; then
		echo "$name: planned $tap_plan points, printed $seen"
	fi
	if [ -n "$expect" ] && [ "$expect" -ne "$seen" ]; then
		echo "$name: printed $seen points, expected $expect"
	fi
	if [ "$status" != 0 ] && [ "$tap_seen_f" -eq 0 ]; then
		echo "$name: exit status $status, but no point failed"
	fi
}

# Resets what tap_audit reads; tap_scan LINE counts one line into it.
tap_scan_start() {
	tap_seen_p=0 tap_seen_f=0 tap_seen_s=0 tap_plan='' tap_totals='' tap_bailed=''
}

tap_scan() {
	tap_parse "$1"
	case $tap_kind in
	point)
		if [ "$tap_ok" = 0 ]; then
			tap_seen_f=$((tap_seen_f + 1))
		elif [ -n "$tap_reason" ]; then
			tap_seen_s=$((tap_seen_s + 1))
		else
			tap_seen_p=$((tap_seen_p + 1))
		fi
		;;
	plan) tap_plan=$tap_count ;;
	totals) tap_totals=$tap_count ;;
	bail)
		tap_bailed=${1#Bail out!}
		tap_bailed=${tap_bailed# }
		[ -n "$tap_bailed" ] || tap_bailed="(no reason)"
		;;
	esac
}

# Runs COMMAND with stderr joined to stdout, then prints the line
# "@@tap-status STATUS"; the caller filters the output.
tap_exec() {
	set +e
	"$@" 2>&1
	echo "@@tap-status $?"
}

# tap_run [--expect N] PREFIX COMMAND [ARG]...: COMMAND's TAP into this
# stream, as it comes. Its points become "PREFIX: DESC" (DESC alone for an
# empty PREFIX), renumbered; its skips are checked (tap_skip); comments
# pass as they are, other lines become comments; its plan, totals line and
# version line are consumed and checked. One failed point "PREFIX: ..."
# each when: there is no totals line (it crashed or stopped early); the
# totals line or the plan disagrees with the points; it bailed out; it
# printed other than N points (--expect N, for programs that print their
# points at the end); it exited non-zero and no point of it failed.
tap_run() {
	local expect='' prefix name tally
	if [ "$1" = --expect ]; then
		expect=$2
		shift 2
	fi
	prefix=$1
	shift
	name=${prefix:-$1}
	tally=$(mktemp "${TMPDIR:-/tmp}/tap-run.XXXXXX")
	tap_exec "$@" | tap_run_filter "$prefix" "$name" "$expect" "$tally"
	tap_read_tally "$tally"
}

tap_run_filter() {
	local prefix="$1" name="$2" expect="$3" tally="$4" line status=unknown failed_before="$tap_failed"
	tap_scan_start
	while IFS= read -r line; do
		line=${line%"$tap_cr"}
		case $line in
		"@@tap-status "*) status=${line#@@tap-status }; continue ;;
		esac
		tap_scan "$line"
		case $tap_kind in
		point) tap_emit "${prefix:+$prefix: }$tap_desc" ;;
		comment) printf '%s\n' "$line" ;;
		other) [ -z "$line" ] || printf '# %s\n' "$line" ;;
		esac
	done
	tap_audit "$name" "$status" "$expect" >"$tally.audit"
	while IFS= read -r line; do
		tap_fail "$line"
	done <"$tally.audit"
	rm -f "$tally.audit"
	echo "$tap_n $tap_passed $tap_failed $tap_skipped $((tap_failed - failed_before))" >"$tally"
}

# The point tap_parse just read, as DESC, into this stream.
tap_emit() {
	if [ "$tap_ok" = 0 ]; then
		tap_fail "$1"
	elif [ -n "$tap_reason" ]; then
		tap_skip "$1" "$tap_reason"
	else
		tap_pass "$1"
	fi
}

# The counters a filter left in TALLY (its first line); its other lines
# are failed points for tap_finish's recap.
tap_read_tally() {
	local more
	{
		read -r tap_n tap_passed tap_failed tap_skipped tap_run_failed
		more=$(cat)
	} <"$1"
	rm -f "$1"
	[ -z "$more" ] || tap_recap="$tap_recap$more
"
}

# ---- lanes: tests/check-all's subtests ----

# tap_lane NAME COMMAND [ARG]...: COMMAND's stream indented as a TAP 14
# subtest, as it comes, its totals line made a comment, then one point for
# the lane. The lane's points count in the sums. The lane fails when a
# point failed or tap_run's checks (but --expect) find fault: each such
# finding is a diagnostic in the subtest and one more failure, so that a
# failed lane always counts at least one.
tap_lane() {
	local name="$1" tally
	shift
	tally=$(mktemp "${TMPDIR:-/tmp}/tap-lane.XXXXXX")
	: >"$tally.audit"
	echo "# Subtest: $name"
	tap_exec "$@" | tap_lane_filter "$name" "$tally"
	tap_read_tally "$tally"
	tap_n=$((tap_n + 1))
	if [ "$tap_run_failed" -eq 0 ]; then
		echo "ok $tap_n - $name"
	else
		tap_failed_lanes=$((tap_failed_lanes + 1))
		echo "not ok $tap_n - $name ($tap_run_failed failed)"
	fi
}

tap_lane_filter() {
	local name="$1" tally="$2" line status=unknown complaint failures='' lane_failed
	tap_scan_start
	while IFS= read -r line; do
		line=${line%"$tap_cr"}
		case $line in
		"@@tap-status "*) status=${line#@@tap-status }; continue ;;
		esac
		tap_scan "$line"
		case $tap_kind in
		totals) line="# $line" ;;
		point)
			[ "$tap_ok" = 1 ] || failures="$failures$name: $line
"
			[ -z "$tap_reason" ] || tap_skip_allowed "$tap_reason" ||
				echo "$name: a skip for a reason that tests/lib/allowed-skips does not list: $tap_reason" >>"$tally.audit"
			;;
		esac
		printf '    %s\n' "$line"
	done
	tap_audit "$name" "$status" '' >>"$tally.audit"
	tap_passed=$((tap_passed + tap_seen_p))
	tap_skipped=$((tap_skipped + tap_seen_s))
	tap_failed=$((tap_failed + tap_seen_f))
	lane_failed=$tap_seen_f
	while IFS= read -r complaint; do
		echo "    # $complaint: counted as 1 failed"
		failures="$failures$complaint
"
		lane_failed=$((lane_failed + 1))
		tap_failed=$((tap_failed + 1))
	done <"$tally.audit"
	rm -f "$tally.audit"
	{
		echo "$tap_n $tap_passed $tap_failed $tap_skipped $lane_failed"
		printf '%s' "$failures"
	} >"$tally"
}

# A lane that could not run for an allowed reason (say, sid's archive is
# broken today): a skipped point, said loudly on stderr too.
tap_skip_lane() {
	echo "# SKIPPED LANE $1: $2" >&2
	tap_skip "$1" "$2"
	tap_skip_allowed "$2" || tap_failed_lanes=$((tap_failed_lanes + 1))
}

# The plan, the lanes' failed points again (a long run's log is often
# read from its end only), the totals line; exit status 0 only if nothing
# failed. A failed lane counts at least one failure (tap_lane sees to it;
# this is the guard that keeps it so).
tap_finish() {
	echo "1..$tap_n"
	printf '%s' "$tap_recap" | sed 's/^/# failed: /'
	if [ "$tap_failed" -lt "$tap_failed_lanes" ]; then
		echo "# $tap_failed_lanes lanes failed but only $tap_failed failures were counted: counting $tap_failed_lanes"
		tap_failed=$tap_failed_lanes
	fi
	echo "$tap_passed passed, $tap_failed failed, $tap_skipped skipped"
	[ "$tap_failed" -eq 0 ]
}
