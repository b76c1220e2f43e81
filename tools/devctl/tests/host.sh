#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# host.sh - devctl's tests that need no driver; "make check" runs it.
#
#   1. unit tests in C (tests/unit): numbers, sizes, ranges, hexdump lines,
#      JSON escaping, the read/write loops on regular files
#   2. the dump format against util-linux's hexdump -C, on regular files
#      through the same read loop and formatter devctl dump uses
#   3. JSON against real parsers (python3, jq), and jsoncheck against python
#   4. the command line: help, version, usage errors and exit statuses,
#      missing and foreign devices
#   5. the man pages (man --warnings) and their coverage of the JSON keys
#   6. bash completion, and make install
#
# A tool that is missing (hexdump, python3, jq, man, bash) turns its tests
# into skips. Prints TAP (tests/lib/tap.sh) ending with "N passed,
# N failed, N skipped".

cd "$(dirname "$0")/.." || exit 1
tap_lib=$(cd ../../tests/lib && pwd)
# shellcheck source=tests/lib/tap.sh
. "$tap_lib/tap.sh"

devctl=./devctl
unit=./tests/unit
jsoncheck=./tests/jsoncheck
version=$(cat ../../VERSION)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

have() {
	command -v "$1" >/dev/null 2>&1
}

# COMMAND's status, its output dropped (and not the point's with it).
quietly() {
	"$@" >/dev/null
}

# run COMMAND...: $rc, $work/out and $work/err hold what it did.
run() {
	"$@" >"$work/out" 2>"$work/err"
	rc=$?
}

# expect DESCRIPTION RC [stdout|stderr TEXT]...: like guest.sh's.
expect() {
	expect_desc=$1
	expect_rc=$2
	shift 2
	expect_ok=true
	[ "$rc" = "$expect_rc" ] || expect_ok=false
	while [ $# -ge 2 ]; do
		grep -qF -- "$2" "$work/${1#std}" || expect_ok=false
		shift 2
	done
	if $expect_ok; then
		tap_pass "$expect_desc"
	else
		tap_fail "$expect_desc"
		tap_diag "exit status $rc; stdout:" "$(head -c 2000 "$work/out")"
		tap_diag "stderr:" "$(cat "$work/err")"
	fi
}

# ---- 1. unit tests ---------------------------------------------------------

tap_start

# Its points as "unit: ..."; a crash or an early exit (no totals line), or
# an exit status that does not match its points, is one more failure.
tap_run unit "$unit"

# ---- 2. the dump format against hexdump -C ---------------------------------

make_dump_files() {
	: >"$work/empty"
	printf 'A' >"$work/one"
	head -c 15 /dev/urandom >"$work/r15"
	head -c 16 /dev/urandom >"$work/r16"
	head -c 17 /dev/urandom >"$work/r17"
	head -c 1000 /dev/urandom >"$work/r1000"
	head -c 4096 /dev/zero >"$work/zero4k"
	# Runs of equal lines, a line after a run, a short last line equal to
	# the start of the line before it, text and bytes >= 0x80.
	{
		head -c 48 /dev/zero
		printf 'hello, user!\n\t\177\200\377~ %s' 0123456789abcdef
		head -c 64 /dev/zero | tr '\000' 'x'
		head -c 8 /dev/zero | tr '\000' 'x'
	} >"$work/mixed"
	# Longer than devctl's 64 KiB chunk, with runs across the boundary.
	{
		head -c 65530 /dev/zero
		head -c 100 /dev/urandom
		head -c 70000 /dev/zero
	} >"$work/chunks"
}

# compare_dump FILE OFFSET LENGTH
compare_dump() {
	"$unit" hexdump "$1" "$2" "$3" >"$work/ours" 2>&1
	LC_ALL=C hexdump -C -s "$2" -n "$3" "$1" >"$work/theirs" 2>&1
	if cmp -s "$work/ours" "$work/theirs"; then
		tap_pass "dump = hexdump -C -s $2 -n $3 ${1##*/}"
	else
		tap_fail "dump = hexdump -C -s $2 -n $3 ${1##*/}"
		tap_diag "$(diff "$work/theirs" "$work/ours" | head -20)"
	fi
}

if have hexdump && hexdump --version 2>/dev/null | grep -q util-linux; then
	make_dump_files
	for f in one r15 r16 r17 r1000 zero4k mixed chunks; do
		size=$(wc -c <"$work/$f")
		compare_dump "$work/$f" 0 "$size"
	done
	compare_dump "$work/empty" 0 0
	compare_dump "$work/r1000" 3 500
	compare_dump "$work/r1000" 999 1
	compare_dump "$work/r1000" 1000 0
	compare_dump "$work/mixed" 5 0
	compare_dump "$work/mixed" 16 100
	compare_dump "$work/zero4k" 4000 96
	compare_dump "$work/chunks" 65000 2000
	compare_dump "$work/chunks" 1 135629
else
	tap_skip "dump = hexdump -C" "util-linux hexdump is not installed (bsdextrautils)"
fi

# ---- 3. JSON against real parsers ------------------------------------------

# Strings a file name or argument may hold; each must come back unchanged.
set -- plain 'a"b\c/d' "$(printf 'tab\there\nnewline')" \
	"$(printf 'ctl\001\037\177')" 'café € 😀' "$(printf 'u2028\342\200\250')"
"$unit" json "$@" >"$work/strings.json"

if have python3; then
	tap_check "unit JSON parses with python3 -m json.tool" \
		python3 -m json.tool "$work/strings.json" /dev/null
	tap_check "python3 decodes every string as it was written" \
		python3 -c '
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
want = [a.encode("utf-8", "surrogateescape").decode("utf-8") for a in sys.argv[2:]]
sys.exit(doc != {"strings": want})' "$work/strings.json" "$@"
	"$unit" json "$(printf 'bad\377\300\257')" >"$work/bad.json"
	tap_check "invalid UTF-8 still gives JSON python3 parses" \
		python3 -m json.tool "$work/bad.json" /dev/null
else
	tap_skip "JSON checked by python3" "python3 is not installed"
fi
if have jq; then
	tap_check "unit JSON parses with jq" quietly jq -e . "$work/strings.json"
else
	tap_skip "JSON checked by jq" "jq is not installed"
fi

# jsoncheck stands in for python in the guest: it must agree with python
# on valid documents and reject whatever python rejects.
jsoncheck_corpus() {
	cat <<'EOF'
good	{}
good	[]
good	 {"a": [1, -2.5e+3, 0, true, false, null, "x"]} 
good	"\u00e9\ud83d\ude00 \/\b\f\n\r\t"
good	{"devices": [{"name": "chrmem0", "size": 1048576}]}
good	0
good	-0.0E-1
bad	
bad	{
bad	{"a": 1,}
bad	[1 2]
bad	{'a': 1}
bad	01
bad	1.
bad	.5
bad	+1
bad	"\x41"
bad	"tab	inside"
bad	[1] [2]
bad	tru
bad	{"a" 1}
strict	{"a": 1, "a": 2}
strict	"\ud800"
strict	"\udc00x"
strict	NaN
EOF
}

if have python3; then
	agree=true
	tab=$(printf '\t')
	while IFS="$tab" read -r verdict doc; do
		printf '%s' "$doc" >"$work/doc.json"
		if "$jsoncheck" <"$work/doc.json" 2>/dev/null; then ours=good; else ours=bad; fi
		if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \
			"$work/doc.json" 2>/dev/null; then py=good; else py=bad; fi
		# strict: python accepts, jsoncheck must not.
		case $verdict in
		strict) want_ours=bad want_py=good ;;
		*) want_ours=$verdict want_py=$verdict ;;
		esac
		if [ "$ours" != "$want_ours" ] || [ "$py" != "$want_py" ]; then
			agree=false
			tap_diag "jsoncheck says $ours, python says $py: $doc"
		fi
	done <<EOF
$(jsoncheck_corpus)
EOF
	tap_check "jsoncheck agrees with python3 on a corpus" $agree
	printf '{"x": 1}' | "$jsoncheck" --flat >"$work/flat"
	tap_check "jsoncheck --flat prints path and value" \
		[ "$(cat "$work/flat")" = "$(printf '.x\t1')" ]
else
	tap_skip "jsoncheck agrees with python3" "python3 is not installed"
fi

# ---- 4. the command line ---------------------------------------------------

run $devctl --version
expect "--version prints the tree's VERSION" 0 stdout "devctl $version"
run $devctl -V
expect "-V is --version" 0 stdout "devctl $version"

run $devctl --help
expect "--help succeeds" 0 stdout "Usage: devctl [OPTIONS] COMMAND [ARGS]"
commands=$(sed -n '/^Commands:/,/^$/s/^  \([a-z]*\) .*/\1/p' "$work/out")
# shellcheck disable=SC2086 # one word per command, on purpose
tap_check "--help lists the commands" [ "$(printf '%s ' $commands)" = \
	"status info dump save clear reset fill load set sync help " ]
for cmd in $commands; do
	run $devctl "$cmd" --help
	expect "$cmd --help shows its synopsis" 0 stdout "Usage: devctl [OPTIONS] $cmd"
	[ "$cmd" = help ] ||
		expect "$cmd --help lists -d and -j, which may follow it" 0 \
			stdout "-d, --device PATH" stdout "-j, --json"
	$devctl help "$cmd" >"$work/help" 2>&1
	tap_check "help $cmd = $cmd --help" cmp -s "$work/out" "$work/help"
done

run $devctl
expect "no command: usage on stderr, exit 2" 2 stderr "Usage: devctl"
run $devctl frobnicate
expect "an unknown command prints the help, exit 2" 2 \
	stderr "devctl: unknown command 'frobnicate'" stderr "Commands:"
run $devctl --frobnicate status
expect "an unknown global option, exit 2" 2 stderr "unknown option '--frobnicate'"
run $devctl -d
expect "--device without a path, exit 2" 2 stderr "option '-d' needs an argument"
run $devctl status extra
expect "status takes no argument" 2 stderr "unexpected argument 'extra'"
run $devctl dump --offset
expect "an option without its argument" 2 \
	stderr "devctl: dump: option '--offset' needs an argument"
run $devctl dump -x
expect "an unknown command option" 2 stderr "devctl: dump: unknown option '-x'"

for bad in x 1.5K -1 ' 1' 0x 1KB 1e3 18446744073709551616 16777216T; do
	run $devctl dump --offset "$bad"
	expect "dump --offset '$bad' is a usage error" 2 stderr "Try 'devctl dump --help'."
done
run $devctl save out --length 99999999999999999999
expect "an overflowing length says out of range" 2 stderr "out of range"
run $devctl fill --byte 256
expect "fill --byte 256" 2 stderr "out of range (0 to 255)"
run $devctl fill --byte 0x1K
expect "fill --byte 0x1K" 2 stderr "out of range (0 to 255)"
run $devctl fill --pattern ab --byte 1
expect "fill with both --pattern and --byte" 2 stderr "either --pattern or --byte"
run $devctl fill
expect "fill with neither" 2 stderr "either --pattern or --byte"
run $devctl fill --pattern ''
expect "fill with an empty pattern" 2 stderr "the pattern is empty"
run $devctl load
expect "load without a file" 2 stderr "which file?"
run $devctl load a b
expect "load with two files" 2 stderr "one file at a time"
run $devctl save
expect "save without a file" 2 stderr "which file?"
run $devctl set
expect "set without a setting" 2 stderr "which setting?"
run $devctl set colour red
expect "set of an unknown setting" 2 stderr "unknown setting 'colour'"
run $devctl set cache-mode
expect "set cache-mode without a mode" 2 stderr "needs one value"
run $devctl set cache-mode WC
expect "set cache-mode with an unknown mode" 2 stderr "unknown cache mode 'WC'"
run $devctl set dma-device
expect "set dma-device without an address" 2 stderr "dma-device needs one value"
run $devctl set huge
expect "set huge without a value" 2 stderr "huge needs one value (on or off)"
for bad in 1 0 yes ON '' 'on off'; do
	run $devctl set huge "$bad"
	expect "set huge '$bad' is a usage error" 2 stderr "huge is on or off, not '$bad'"
done
for bad in 00:05.0 0000:00:05 0000:00:20.0 0000:00:05.8 0000:00:05.0/ \
	0000:00:05.0/23 0000:00:05.0/65 0000:00:05.0/x 'zzzz:00:05.0' ''; do
	run $devctl set dma-device "$bad"
	expect "set dma-device '$bad' is a usage error" 2 \
		stderr "'$bad' is not a PCI address"
done
run $devctl -d "$work/missing" set dma-device 0000:00:05.0/28
expect "set dma-device: a well-formed address reaches the device" 1 \
	stderr "devctl: $work/missing: set dma-device: No such file or directory"
run $devctl sync
expect "sync without a side" 2 stderr "give either --for-cpu or --for-device"
run $devctl sync --for-cpu --for-device
expect "sync with both sides" 2 stderr "give either --for-cpu or --for-device"
run $devctl sync --for-cpu extra
expect "sync takes no argument" 2 stderr "unexpected argument 'extra'"
run $devctl sync --for-device --length x
expect "sync --length x" 2 stderr "Try 'devctl sync --help'."
run $devctl -d "$work/missing" sync --for-cpu --read
expect "sync names the device and the reason" 1 \
	stderr "devctl: $work/missing: sync: No such file or directory"
run $devctl -d /dev/null clear --all
expect "--all with --device" 2 stderr "--all and --device exclude each other"
run $devctl --json dump --offset x
tap_check "a usage error prints no JSON" [ ! -s "$work/out" ]

# The global options -d and -j after the command (and among its options)
# mean what they mean before it; after "--" they are arguments.
run $devctl --json -d /dev/null status
cp "$work/out" "$work/before.json"
run $devctl status --json -d /dev/null
expect "status --json -d PATH: as before the command, exit 1" 1 \
	stderr "devctl: /dev/null: status: not a chrmem device"
tap_check "status --json -d PATH prints the same JSON as --json -d PATH status" \
	cmp -s "$work/before.json" "$work/out"
run $devctl info -j --device=/dev/null
expect "info -j --device=PATH" 1 stderr "devctl: /dev/null: info: not a chrmem device"
tap_check "info -j --device=PATH prints valid JSON" "$jsoncheck" <"$work/out"
run $devctl dump --length 16 --device "$work/missing" --offset 0
expect "dump with --device among its own options" 1 \
	stderr "devctl: $work/missing: dump: No such file or directory"
run $devctl clear -d "$work/missing"
expect "clear -d PATH" 1 stderr "devctl: $work/missing: clear: No such file or directory"
run $devctl -d "$work/other" clear -d "$work/missing"
expect "the last -d wins, as with any option" 1 stderr "devctl: $work/missing: clear:"
run $devctl set cache-mode wc --json -d "$work/missing"
expect "set SETTING VALUE --json -d PATH" 1 \
	stderr "devctl: $work/missing: set cache-mode: No such file or directory"
tap_check "set ... --json prints valid JSON" "$jsoncheck" <"$work/out"
run $devctl clear --all -d /dev/null
expect "clear --all -d PATH: --all and --device still exclude each other" 2 \
	stderr "--all and --device exclude each other"
run $devctl -d "$work/missing" save -- -j
expect "after --, -j is save's file name, not --json" 1 \
	stderr "devctl: $work/missing: save: No such file or directory"
tap_check "save -- -j printed text, not JSON" [ ! -s "$work/out" ]
run $devctl dump --json --offset x
expect "dump --json with a bad offset: usage error" 2 stderr "Try 'devctl dump --help'."
tap_check "a usage error after --json prints no JSON" [ ! -s "$work/out" ]
run $devctl status --jsn
expect "an unknown option after the command names the command" 2 \
	stderr "devctl: status: unknown option '--jsn'" stderr "Try 'devctl status --help'."
run $devctl status -d
expect "-d without a path after the command" 2 \
	stderr "devctl: status: option '-d' needs an argument"
run $devctl info --device
expect "--device without a path after the command" 2 \
	stderr "devctl: info: option '--device' needs an argument"
run $devctl status --version
expect "--version is global only: unknown after the command" 2 \
	stderr "devctl: status: unknown option '--version'"
run $devctl status --json extra
expect "status --json extra: still no argument" 2 stderr "unexpected argument 'extra'"
run $devctl help status --json
expect "help takes a command name only" 2 stderr "devctl: help: too many arguments"

run $devctl -d "$work/missing" clear
expect "a missing device: exit 1 with the module hint" 1 \
	stderr "devctl: $work/missing: clear: No such file or directory (is the module loaded? try 'systemctl start chrmem')"
run $devctl -d /dev/null dump
expect "another driver's device is not a chrmem device" 1 \
	stderr "devctl: /dev/null: dump: not a chrmem device"
printf 'data' >"$work/regular"
run $devctl -d "$work/regular" fill --byte 1
expect "a regular file is not a chrmem device" 1 stderr "fill: not a chrmem device"
tap_check "a refused fill leaves the file alone" [ "$(cat "$work/regular")" = data ]
run $devctl --json -d /dev/null status
expect "a failed status still exits 1" 1
tap_check "a failed status still prints valid JSON" "$jsoncheck" <"$work/out"
if [ ! -e /sys/class/chrmem ]; then
	run $devctl status
	expect "no devices at all: exit 1 with the module hint" 1 \
		stderr "devctl: status: no chrmem devices in /sys/class/chrmem (is the module loaded?"
else
	tap_skip "no devices at all" "this machine has chrmem devices"
fi

# ---- 5. man pages ----------------------------------------------------------

if have man && have groff; then
	for page in man/devctl.1 ../../docs/chrmem.4; do
		LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$page" \
			>"$work/page" 2>"$work/warnings"
		tap_check "$page renders without warnings" [ ! -s "$work/warnings" ]
		[ -s "$work/warnings" ] && tap_diag "$(cat "$work/warnings")"
	done
	MANWIDTH=80 man -l man/devctl.1 2>/dev/null >"$work/devctl.txt"
	# A section's body is indented by 7 columns (groff 1.22, bookworm) or
	# 5 (groff 1.24, sid): take it from the NAME section.
	indent=$(sed -n '/^NAME/{n;s/[^ ].*//p;q;}' "$work/devctl.txt")
	missing=
	for cmd in $commands; do
		grep -q "^$indent$cmd" "$work/devctl.txt" || missing="$missing $cmd"
	done
	tap_check "devctl(1) describes every command${missing:+ (missing:$missing)}" \
		[ -z "$missing" ]
	# Every key a print_*() call can emit must be documented.
	keys=$(sed -n 's/.*\(print_[a-z_]*\|open_json_[a-z]*\|open_device_object\)([^"]*"\([a-z_]*\)".*/\2/p' \
		./*.c | sort -u)
	missing=
	for key in $keys; do
		grep -qw -- "$key" man/devctl.1 || missing="$missing $key"
	done
	tap_check "devctl(1) documents every JSON key${missing:+ (missing:$missing)}" \
		[ -z "$missing" ]
else
	tap_skip "man pages render without warnings" "man-db or groff is not installed"
fi

# ---- 6. completion and install ---------------------------------------------

# complete WORDS...: what the completion offers for the last word.
complete_words() {
	bash -c '. completion/devctl
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_devctl; printf "%s\n" "${COMPREPLY[@]}"' devctl "$@" | sort | tr '\n' ' '
}

if have bash; then
	# shellcheck disable=SC2086 # one word per command, on purpose
	tap_check "completion offers the commands of --help" \
		[ "$(complete_words devctl '')" = "$(printf '%s\n' $commands | sort | tr '\n' ' ')" ]
	for cmd in $commands; do
		[ "$cmd" = help ] && continue
		want=$($devctl "$cmd" --help | grep -o -- '--[a-z-]*' | sort -u | tr '\n' ' ')
		tap_check "completion offers the options of $cmd --help" \
			[ "$(complete_words devctl "$cmd" -)" = "$want" ]
	done
	tap_check "completion completes a command prefix" \
		[ "$(complete_words devctl st)" = "status " ]
	tap_check "completion offers the global options" \
		[ "$(complete_words devctl --j)" = "--json " ]
	tap_check "completion skips the global options to find the command" \
		[ "$(complete_words devctl -d /dev/chrmem1 --json dump --o)" = "--offset " ]
	tap_check "completion finds the setting after the global options" \
		[ "$(complete_words devctl set --json -d /dev/chrmem1 cache-mode '')" = "cached uncached wc " ]
	tap_check "completion offers the settings" \
		[ "$(complete_words devctl set '')" = "--help cache-mode dma-device huge " ]
	tap_check "completion offers the cache modes" \
		[ "$(complete_words devctl set cache-mode '')" = "cached uncached wc " ]
	tap_check "completion offers on and off to huge" \
		[ "$(complete_words devctl set huge '')" = "off on " ]
	mkdir -p "$work/pci/0000:00:05.0" "$work/pci/0000:00:1f.3"
	tap_check "completion offers none and the PCI devices to dma-device" \
		[ "$(DEVCTL_PCI_DEVICES_DIR="$work/pci" complete_words devctl set dma-device '')" = \
			"0000:00:05.0 0000:00:1f.3 none " ]
	tap_check "completion offers nothing for a number" \
		[ "$(complete_words devctl dump --offset '')" = " " ]
	mkdir "$work/files" && : >"$work/files/some file.bin"
	tap_check "completion offers file names, spaces and all, to load" \
		[ "$(complete_words devctl load "$work/files/so")" = "$work/files/some file.bin " ]
	tap_check "completion offers device paths after --device" \
		[ "$(complete_words devctl --device "$work/files/")" = "$work/files/some file.bin " ]
	tap_check "completion offers device paths after the command's --device" \
		[ "$(complete_words devctl status --device "$work/files/")" = "$work/files/some file.bin " ]
else
	tap_skip "bash completion" "bash is not installed"
fi

make -s install DESTDIR="$work/root" PREFIX=/usr >"$work/install.log" 2>&1
installed=true
for f in usr/bin/devctl usr/share/man/man1/devctl.1 \
	usr/share/bash-completion/completions/devctl; do
	[ -f "$work/root/$f" ] || installed=false
done
tap_check "make install DESTDIR= PREFIX=/usr installs program, page, completion" $installed

tap_finish
