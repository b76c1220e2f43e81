# SPDX-License-Identifier: GPL-2.0
#
# tap.sh - a small TAP producer for POSIX sh and busybox sh; sourced by
# host.sh and guest.sh. Results are numbered as they come; tap_finish
# prints the plan and the totals line "N passed, N failed[, N skipped]"
# and returns non-zero if anything failed.

tap_n=0
tap_passed=0
tap_failed=0
tap_skipped=0

pass() {
	tap_n=$((tap_n + 1))
	tap_passed=$((tap_passed + 1))
	echo "ok $tap_n - $*"
}

fail() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

# skip DESCRIPTION REASON
skip() {
	tap_n=$((tap_n + 1))
	tap_skipped=$((tap_skipped + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

# check DESCRIPTION COMMAND [ARGS...]: passes if COMMAND succeeds.
check() {
	tap_desc=$1
	shift
	if "$@"; then
		pass "$tap_desc"
	else
		fail "$tap_desc"
	fi
}

# verdict DESCRIPTION: passes if the command just before succeeded, for
# compound conditions:  [ "$a" = 1 ] && [ "$b" = 2 ]; verdict "a and b"
verdict() {
	if [ $? -eq 0 ]; then
		pass "$1"
	else
		fail "$1"
	fi
}

# diag TEXT...: a TAP comment, one "# " line per line of TEXT.
diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

# tap_import < FILE: renumbers the "ok - ..." / "not ok - ..." lines of a
# test program into this stream; other lines become comments.
tap_import() {
	while IFS= read -r tap_line; do
		case $tap_line in
		"not ok - "*)	fail "${tap_line#not ok - }" ;;
		"ok - "*" # SKIP "*)
			tap_rest=${tap_line#ok - }
			skip "${tap_rest%% \# SKIP *}" "${tap_rest#* \# SKIP }" ;;
		"ok - "*)	pass "${tap_line#ok - }" ;;
		"#"*)		echo "$tap_line" ;;
		*)		echo "# $tap_line" ;;
		esac
	done
}

tap_finish() {
	echo "1..$tap_n"
	if [ "$tap_skipped" -gt 0 ]; then
		echo "$tap_passed passed, $tap_failed failed, $tap_skipped skipped"
	else
		echo "$tap_passed passed, $tap_failed failed"
	fi
	[ "$tap_failed" -eq 0 ]
}
