#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# guest.sh - devctl against the real chrmem driver, inside the test guest.
#
#   make -C tools/devctl static/devctl tests/holdmap tests/runas tests/jsoncheck
#   tests/vm/run --params 'pattern="hello, user!"' \
#       --add tools/devctl/static/devctl --add tools/devctl/tests \
#       -- sh /extra/tests/guest.sh
#
# (make -C tools/devctl guest-check does both.) The guest has busybox and
# the static programs added to it: devctl on PATH, and next to this script
# holdmap (keeps a mapping alive), runas (drops root) and jsoncheck (the
# guest has no python to validate JSON). Any devices=, size= and pattern=
# work; the expectations come from sysfs and /sys/module/chrmem/parameters.
#
# Prints TAP (tests/lib/tap.sh, which tests/run-guest-suites adds to the
# guest as /extra/lib; on the host it is ../../../tests/lib) ending with
# "N passed, N failed, N skipped"; exits non-zero if a test failed.

here=$(cd "$(dirname "$0")" && pwd)
tap_lib=/extra/lib
[ -r "$tap_lib/tap.sh" ] || tap_lib=$here/../../../tests/lib
# shellcheck source=tests/lib/tap.sh
. "$tap_lib/tap.sh"

holdmap=$here/holdmap
runas=$here/runas
jsoncheck=$here/jsoncheck
nobody=65534

dev=/dev/chrmem0
sys=/sys/class/chrmem/chrmem0
size=$(cat $sys/size)
pattern=$(cat /sys/module/chrmem/parameters/pattern 2>/dev/null)
ndevices=$(find /sys/class/chrmem/ -mindepth 1 -maxdepth 1 | wc -l)

work=$(mktemp -d)
holder=

cleanup() {
	release_mapping
	rm -f /dev/chrmem
	chmod 0600 $dev
	chown 0:0 $dev
	rm -rf "$work"
}
trap cleanup EXIT

# ---- helpers ---------------------------------------------------------------

# run COMMAND...: $rc, $work/out and $work/err hold what it did.
run() {
	"$@" >"$work/out" 2>"$work/err"
	rc=$?
}

show() {
	tap_diag "exit status $rc; stdout:"
	tap_diag "$(head -c 2000 "$work/out")"
	tap_diag "stderr:"
	tap_diag "$(cat "$work/err")"
}

# expect DESCRIPTION RC [stdout|stderr TEXT]...: checks the last run().
# TEXT must appear as a fixed string in the named stream.
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
		show
	fi
}

# stderr_is TEXT: the whole of stderr, exactly.
stderr_is() {
	printf '%s\n' "$1" | cmp -s - "$work/err"
}

json_valid() {
	"$jsoncheck" <"$work/out"
}

# json_field PATH: the value of one scalar of the last JSON output.
json_field() {
	"$jsoncheck" --flat <"$work/out" | awk -F '\t' -v p="$1" '$1 == p { print $2 }'
}

# json_keys PREFIX: the keys directly under PREFIX, space-separated.
json_keys() {
	"$jsoncheck" --flat <"$work/out" | cut -f1 | grep "^$1\.[a-z_]*" |
		sed "s|^$1\.\([a-z_]*\).*|\1|" | uniq | tr '\n' ' '
}

# sysfs ATTRIBUTE [DEVICE]
sysfs() {
	cat "/sys/class/chrmem/${2:-chrmem0}/$1"
}

# bytes DEVICE OFFSET LENGTH: raw bytes straight from the device, not devctl.
bytes() {
	dd if="$1" bs=1 skip="$2" count="$3" 2>/dev/null
}

# nonzero_bytes DEVICE: how many bytes of the buffer are not zero.
nonzero_bytes() {
	tr -d '\000' <"$1" | wc -c
}

hold_mapping() {
	# Emptied here, not by the redirection: the child opens the file
	# after the fork, and until it does the file still says "mapped"
	# from the last holder, which made a loaded guest go on unmapped.
	: >"$work/holdmap"
	"$holdmap" $dev >>"$work/holdmap" 2>&1 &
	holder=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		grep -q mapped "$work/holdmap" && return 0
		sleep 1
	done
	return 1
}

release_mapping() {
	[ -n "$holder" ] || return 0
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	holder=
}

# The hexdump -C lines of an all-zero buffer of $size bytes.
zero_dump() {
	echo "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|"
	[ "$size" -gt 16 ] && echo "*"
	printf '%08x\n' "$size"
}

# ---- basics ----------------------------------------------------------------

tap_start

run devctl --version
expect "--version prints the version" 0 stdout "devctl "

run devctl --help
expect "--help lists the commands" 0 stdout "set      change a setting: cache-mode"

run devctl frobnicate
expect "an unknown command is a usage error" 2 stderr "unknown command 'frobnicate'"

# ---- status ----------------------------------------------------------------

devctl reset --all >/dev/null 2>&1

if [ $((size % 1048576)) -eq 0 ]; then
	human="$((size / 1048576)) MiB"
else
	human="$((size / 1024)) KiB"
fi
run devctl status
expect "status succeeds" 0 stdout "chrmem0"
tap_check "status prints a header and one line per device" \
	[ "$(wc -l <"$work/out")" -eq $((ndevices + 1)) ]
tap_check "status shows the size in binary units" \
	grep -q "^chrmem0 *$human " "$work/out"

run devctl --json status
tap_check "status --json is valid JSON" json_valid
tap_check "status --json has one entry per device" \
	[ "$(json_field ".devices[$((ndevices - 1))].name")" = "\"chrmem$((ndevices - 1))\"" ]
tap_check "status --json has the documented keys" \
	[ "$(json_keys '.devices\[0\]')" = "name path size cache_mode map_mode mappings opens bytes_read bytes_written " ]
tap_check "status --json size is the sysfs size" \
	[ "$(json_field '.devices[0].size')" = "$size" ]
[ "$(json_field '.devices[0].cache_mode')" = "\"$(sysfs cache_mode)\"" ] &&
	[ "$(json_field '.devices[0].map_mode')" = "\"$(sysfs map_mode)\"" ]
tap_verdict "status --json modes are the sysfs modes"
tap_check "status does not count its own open file" \
	[ "$(json_field '.devices[0].opens')" = 0 ]

if hold_mapping; then
	run devctl --json status
	[ "$(json_field '.devices[0].mappings')" = 1 ] &&
		[ "$(json_field '.devices[0].opens')" = 1 ]
	tap_verdict "status counts a live mapping and its open file"
	release_mapping
else
	tap_fail "holdmap maps the device"
	tap_diag "$(cat "$work/holdmap")"
fi

# ---- info ------------------------------------------------------------------

run devctl info
expect "info succeeds and names the device" 0 stdout "chrmem0:" \
	stdout "size:            $size bytes" stdout "physical layout:"
run devctl --json info
tap_check "info --json is valid JSON" json_valid
tap_check "info --json has the documented keys" \
	[ "$(json_keys '.devices\[0\]')" = "name path sysfs size chunks cache_mode memory_type map_mode huge mappings opens bytes_read bytes_written info_size numa_node phys_layout dma_device " ]
# (dma_layout is there too, but an empty array has no scalar to list.)
unbound_dma_json() {
	[ "$(json_field '.devices[0].dma_device')" = '""' ] &&
		tr -d ' \n' <"$work/out" | grep -q '"dma_layout":\[\]'
}
tap_check "info --json: an unbound buffer has dma_device \"\" and an empty dma_layout" \
	unbound_dma_json
tap_check "info --json numa_node is the sysfs numa_node" \
	[ "$(json_field '.devices[0].numa_node')" = "\"$(sysfs numa_node)\"" ]
tap_check "info --json chunks is the sysfs chunks" \
	[ "$(json_field '.devices[0].chunks')" = "$(sysfs chunks 2>/dev/null || echo 1)" ]
if [ -e $sys/phys_addr ]; then
	first_offset=$(json_field '.devices[0].phys_layout[0].offset')
	tap_check "info --json lists the physical layout for root" \
		[ "$first_offset" = '"0x0"' ]
	run devctl info
	tap_check "info prints the physical layout table" \
		grep -q "^    0x0  *0x[0-9a-f]*  *0x[0-9a-f]*$" "$work/out"
	tap_check "info says the buffer is bound to no DMA device" \
		grep -q "^  DMA device:      none$" "$work/out"
else
	tap_check "info --json: phys_layout is null without phys_addr" \
		[ "$(json_field '.devices[0].phys_layout')" = null ]
	tap_skip "info lists the physical layout for root" \
		"the driver has no phys_addr attribute yet"
fi

# ---- clear, reset, fill ----------------------------------------------------

devctl fill --byte 0xab >/dev/null
run devctl clear
expect "clear succeeds silently" 0
tap_check "clear zeroes the whole buffer" [ "$(nonzero_bytes $dev)" -eq 0 ]
run devctl dump
zero_dump >"$work/want"
tap_check "dump of a cleared buffer shows zeros" cmp -s "$work/want" "$work/out"

devctl fill --pattern "not the pattern" >/dev/null
run devctl reset
expect "reset succeeds silently" 0
tap_check "reset restores the pattern at offset 0" \
	[ "$(bytes $dev 0 ${#pattern})" = "$pattern" ]
tap_check "reset zeroes the rest of the buffer" \
	[ "$(nonzero_bytes $dev)" -eq "$(printf %s "$pattern" | tr -d '\000' | wc -c)" ]
devctl reset
run devctl --json status
[ "$(json_field '.devices[0].bytes_read')" = 0 ] &&
	[ "$(json_field '.devices[0].bytes_written')" = 0 ]
tap_verdict "reset zeroes the counters"

devctl clear
run devctl fill --pattern xyz --offset 100 --length 10
expect "fill --pattern succeeds" 0
printf '\000\000xyzxyzxyzx\000\000' >"$work/want"
bytes $dev 98 14 >"$work/got"
tap_check "fill --pattern repeats the pattern over exactly the range" \
	cmp -s "$work/want" "$work/got"
run devctl --json status
tap_check "fill counts the bytes it wrote" \
	[ "$(json_field '.devices[0].bytes_written')" = 10 ]
run devctl fill --byte 0x41 --offset $((size - 1))
expect "fill --byte reaches the last byte" 0
tap_check "fill --byte wrote the last byte" [ "$(bytes $dev $((size - 1)) 1)" = A ]
run devctl --json fill --byte 0 --offset 4K --length 1K
[ "$(json_field '.devices[0].offset')" = 4096 ] &&
	[ "$(json_field '.devices[0].length')" = 1024 ]
tap_verdict "fill --json reports the range"
run devctl fill --byte 1 --offset "$size"
expect "fill of the empty range at the end succeeds" 0
run devctl fill --byte 1 --offset $((size + 1))
expect "fill past the end fails with both numbers" 1 \
	stderr "offset $((size + 1)) is past the end of the buffer ($size bytes)"
run devctl fill --byte 1 --offset 16 --length "$size"
expect "fill longer than the buffer fails with both sizes" 1 \
	stderr "$size bytes at offset 16 do not fit in the buffer ($size bytes)"
run devctl fill --byte 256
expect "fill --byte 256 is a usage error" 2 stderr "out of range (0 to 255)"
run devctl fill --pattern ''
expect "an empty pattern is a usage error" 2 stderr "the pattern is empty"
run devctl fill
expect "fill without --pattern or --byte is a usage error" 2

# ---- dump ------------------------------------------------------------------

devctl reset	# zero the counters for the bytes_read check below
devctl clear
devctl fill --pattern 'Hello, chrmem!' --offset 0x20 --length 14
run devctl dump --offset 0x10 --length 0x30
cat >"$work/want" <<'EOF'
00000010  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
00000020  48 65 6c 6c 6f 2c 20 63  68 72 6d 65 6d 21 00 00  |Hello, chrmem!..|
00000030  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
00000040
EOF
tap_check "dump prints hexdump -C lines at buffer offsets" cmp -s "$work/want" "$work/out"
run devctl --json dump --offset 0x20 --length 5
tap_check "dump --json gives the bytes as hex" \
	[ "$(json_field '.devices[0].data')" = '"48656c6c6f"' ]
run devctl --json status
tap_check "dump counts the bytes it read" \
	[ "$(json_field '.devices[0].bytes_read')" = $((0x30 + 5)) ]

# busybox's hexdump reads the device on its own: an independent reader.
dd if=/dev/urandom of="$work/random" bs=1024 count=4 2>/dev/null
devctl load "$work/random" --offset 0x200
run devctl dump --offset 0x203 --length 1000
hexdump -C -s $((0x203)) -n 1000 $dev >"$work/want"
tap_check "dump matches hexdump -C of the device" cmp -s "$work/want" "$work/out"

run devctl dump --offset "$size"
expect "dump of the empty range at the end prints nothing" 0
tap_check "dump of an empty range prints nothing" [ ! -s "$work/out" ]
run devctl dump --offset $((size + 1))
expect "dump past the end fails" 1 stderr "is past the end of the buffer ($size bytes)"
run devctl dump --offset 0xffffffffffffffff --length 2
expect "dump at the largest offset fails without overflow" 1 stderr "past the end"
run devctl dump --offset 8 --length 0xffffffffffffffff
expect "dump whose end overflows fails" 1 stderr "do not fit in the buffer ($size bytes)"
run devctl dump --offset 1.5K
expect "a fractional offset is a usage error" 2 stderr "Try 'devctl dump --help'."
run devctl dump --length 99999999999999999999
expect "an overflowing length is a usage error" 2 stderr "out of range"
run devctl dump --length 1KB
expect "an unknown suffix is a usage error" 2 stderr "is not a number"

# ---- load and save ---------------------------------------------------------

# An odd offset and length, small enough for any buffer size.
load_offset=$((size / 4 + 3))
load_length=$((size / 2 < 5000 ? size / 2 : 5000))
dd if=/dev/urandom of="$work/in" bs=$load_length count=1 2>/dev/null
run devctl load "$work/in" --offset $load_offset
expect "load succeeds" 0
bytes $dev $load_offset $load_length >"$work/got"
tap_check "load put the file at its offset" cmp -s "$work/in" "$work/got"
run devctl save "$work/out.bin" --offset $load_offset --length $load_length
expect "save succeeds" 0
tap_check "load then save round-trips byte for byte" cmp -s "$work/in" "$work/out.bin"

# Every device, whole: the larger ones span several physical chunks.
round_trips=true
for d in /sys/class/chrmem/*; do
	node=/dev/${d##*/}
	dd if=/dev/urandom of="$work/full" bs=4096 count=$(($(cat "$d/size") / 4096)) 2>/dev/null
	devctl -d "$node" load "$work/full" &&
		devctl -d "$node" save "$work/full.out" &&
		cmp -s "$work/full" "$work/full.out" &&
		cmp -s "$work/full" "$node" || round_trips=false
done
tap_check "whole-buffer load and save round-trip on every device" $round_trips

devctl save "$work/before"
dd if=/dev/zero of="$work/big" bs=1 count=1 seek="$size" 2>/dev/null
run devctl load "$work/big"
expect "load of a file one byte too big fails with both sizes" 1 \
	stderr "$work/big ($((size + 1)) bytes) does not fit at offset 0 in the buffer ($size bytes)"
run devctl load "$work/in" --offset $((size - 100))
expect "load that crosses the end fails" 1 \
	stderr "$work/in ($load_length bytes) does not fit at offset $((size - 100))"
devctl save "$work/after"
tap_check "a refused load leaves the buffer untouched" cmp -s "$work/before" "$work/after"
run devctl load "$work/missing"
expect "load of a missing file names it" 1 stderr "$work/missing: No such file or directory"
run devctl load "$work"
expect "load of a directory is refused" 1 stderr "not a regular file"
run devctl load
expect "load without a file is a usage error" 2

echo keep >"$work/keep"
run devctl save "$work/keep" --length $((size + 1))
expect "save longer than the buffer fails with both sizes" 1 \
	stderr "$((size + 1)) bytes at offset 0 do not fit in the buffer ($size bytes)"
tap_check "a refused save leaves the file alone" [ "$(cat "$work/keep")" = keep ]
run devctl --json save "$work/o\"dd" --length 16
tap_check "save --json escapes the file name" \
	[ "$(json_field '.devices[0].file')" = "\"$work/o\\\"dd\"" ]

# ---- devices: default, link, missing, --all --------------------------------

run devctl -d /dev/chrmem99 clear
expect "a missing device fails" 1
tap_check "a missing device gets the module hint" stderr_is \
	"devctl: /dev/chrmem99: clear: No such file or directory (is the module loaded? try 'systemctl start chrmem')"
run devctl -d /dev/null dump
expect "another driver's device is refused" 1 stderr "/dev/null: dump: not a chrmem device"
run devctl --json -d /dev/null dump
tap_check "a failed command still prints valid JSON" json_valid

last=chrmem$((ndevices - 1))
ln -s $last /dev/chrmem
devctl -d /dev/$last clear
run devctl fill --byte 0x77 --length 1
tap_check "without --device, changing commands use the /dev/chrmem link" \
	[ "$(bytes /dev/$last 0 1)" = w ]
run devctl --json -d /dev/chrmem status
tap_check "a device given by a link is named after its node" \
	[ "$(json_field '.devices[0].name')" = "\"$last\"" ]
rm /dev/chrmem

for d in /sys/class/chrmem/*; do
	devctl -d "/dev/${d##*/}" fill --byte 0xee
done
run devctl --json clear --all
expect "clear --all succeeds" 0
tap_check "clear --all lists every device" \
	[ "$(json_field ".devices[$((ndevices - 1))].name")" = "\"$last\"" ]
all_zero=true
for d in /sys/class/chrmem/*; do
	[ "$(nonzero_bytes "/dev/${d##*/}")" -eq 0 ] || all_zero=false
done
tap_check "clear --all zeroes every buffer" $all_zero
run devctl reset --all
expect "reset --all succeeds" 0
all_reset=true
for d in /sys/class/chrmem/*; do
	[ "$(bytes "/dev/${d##*/}" 0 ${#pattern})" = "$pattern" ] || all_reset=false
done
tap_check "reset --all restores every buffer" $all_reset
run devctl -d $dev clear --all
expect "--all with --device is a usage error" 2

# ---- set cache-mode --------------------------------------------------------

run devctl set cache-mode purple
expect "an unknown cache mode is a usage error" 2 stderr "unknown cache mode 'purple'"

# The driver has CHRMEM_IOC_SET_CACHE_MODE: a refusal (ENOTTY: "cannot
# change the cache mode at run time") is a failure.
run devctl set cache-mode wc
expect "set cache-mode wc" 0
tap_check "the new cache mode shows in sysfs" [ "$(sysfs cache_mode)" = wc ]
if hold_mapping; then
	run devctl set cache-mode uncached
	expect "set cache-mode on a mapped device says it is busy" 1 \
		stderr "device is mapped (1 live mapping)"
	# On failure, say whether the holder and its mapping were there.
	[ "$rc" = 1 ] || tap_diag "holdmap $holder alive: $(kill -0 "$holder" 2>/dev/null &&
		echo yes || echo no); its output: $(cat "$work/holdmap");" \
		"sysfs mappings now: $(sysfs mappings)"
	release_mapping
else
	tap_fail "holdmap maps the device"
fi
run devctl set cache-mode cached
expect "set cache-mode back to cached" 0

# ---- set dma-device and sync -----------------------------------------------

# A PCI device without a driver: the buffer may be bound to it (mapped for
# it with the DMA API) whether or not it ever does DMA; the host bridge is
# one in every QEMU machine.
driverless_pci() {
	for pci in /sys/bus/pci/devices/*; do
		[ -e "$pci/driver" ] || { basename "$pci"; return 0; }
	done
	return 1
}

run devctl sync --for-cpu
expect "sync of an unbound buffer fails" 1
tap_check "sync names the device and ENODEV's reason" stderr_is \
	"devctl: $dev: sync: No such device (the buffer is bound to no DMA device; see devctl set dma-device)"
run devctl set dma-device 0000:ff:1f.7
expect "set dma-device of a PCI device that is not there" 1 \
	stderr "devctl: $dev: set dma-device: no PCI device 0000:ff:1f.7"
run devctl set dma-device 0000:ff:1f
expect "a malformed PCI address is a usage error" 2 stderr "is not a PCI address"
if pci=$(driverless_pci); then
	run devctl --json set dma-device "$pci"
	expect "set dma-device $pci" 0
	tap_check "set dma-device: valid JSON" json_valid
	tap_check "set dma-device: the JSON names the address" \
		[ "$(json_field '.devices[0].dma_device')" = "\"$pci\"" ]
	tap_check "the binding shows in sysfs" [ "$(sysfs dma_device)" = "$pci" ]
	run devctl --json sync --for-device --write --offset 4K --length 4K
	expect "sync --for-device --write of a bound buffer" 0
	tap_check "sync: valid JSON" json_valid
	[ "$(json_field '.devices[0].for')" = '"device"' ] &&
		[ "$(json_field '.devices[0].access')" = '"write"' ] &&
		[ "$(json_field '.devices[0].offset')" = 4096 ] &&
		[ "$(json_field '.devices[0].length')" = 4096 ]
	tap_verdict "sync: the JSON says what was synced"
	run devctl sync --for-cpu --read
	expect "sync --for-cpu --read of the whole buffer" 0
	run devctl sync --for-cpu --offset $((size + 1))
	expect "sync past the end is refused, with both sizes" 1 \
		stderr "offset $((size + 1)) is past the end of the buffer ($size bytes)"
	run devctl sync --for-cpu --offset "$size"
	expect "sync from the end is an empty range" 1 stderr "sync: the range is empty"
	run devctl sync --for-cpu --offset 16 --length "$size"
	expect "sync of a range that does not fit" 1 stderr "do not fit in the buffer"
	run devctl sync --for-device --length 0
	expect "sync of an empty range" 1 stderr "sync: the range is empty"
	if hold_mapping; then
		run devctl set dma-device none
		expect "set dma-device on a mapped device says it is busy" 1 \
			stderr "device is mapped (1 live mapping)"
		run devctl sync --for-cpu
		expect "sync while mapped" 0
		release_mapping
	else
		tap_fail "holdmap maps the device"
	fi
	run "$runas" $nobody $nobody devctl set dma-device none
	expect "set dma-device as another user fails" 1 stderr "Permission denied"
	run devctl --json set dma-device none
	expect "set dma-device none unbinds" 0
	tap_check "set dma-device none: the JSON says unbound" \
		[ "$(json_field '.devices[0].dma_device')" = '""' ]
	tap_check "the unbinding shows in sysfs" [ -z "$(sysfs dma_device)" ]
else
	tap_fail "the guest has a PCI device without a driver"
fi

# ---- set huge ----------------------------------------------------------------

# Huge PFN mappings came with 6.12 (x86-64 and arm64, with transparent huge
# pages); the module's huge=1 default is "on" there and "off" before.
huge_kernel() {
	case $(uname -r) in
	[0-5].* | 6.[0-9].* | 6.1[01].*) return 1 ;;
	esac
	[ -e /sys/kernel/mm/transparent_hugepage/enabled ]
}

if huge_kernel; then want_huge=on; else want_huge=off; fi
run devctl --json info
tap_check "info --json: huge is \"$want_huge\" by default on $(uname -r)" \
	[ "$(json_field '.devices[0].huge')" = "\"$want_huge\"" ]
run devctl info
expect "info says whether huge mappings are on" 0 stdout "huge mappings:   $want_huge"
run devctl --json set huge off
expect "set huge off" 0
tap_check "set huge off: the JSON says off" [ "$(json_field '.devices[0].huge')" = '"off"' ]
tap_check "set huge off shows in sysfs" [ "$(sysfs huge)" = 0 ]
run devctl info
expect "info says huge mappings are off" 0 stdout "huge mappings:   off"
run "$runas" $nobody $nobody devctl set huge on
expect "set huge as another user fails" 1 stderr "Permission denied"
run devctl set huge on
if huge_kernel; then
	expect "set huge on" 0
	tap_check "set huge on shows in sysfs" [ "$(sysfs huge)" = 1 ]
else
	expect "set huge on is refused where the kernel has no huge PFN mappings" 1
	tap_check "set huge on says why it was refused" stderr_is \
		"devctl: $dev: set huge: this kernel has no huge PFN mappings (they need Linux 6.12 or later, on x86-64 or arm64); mappings use 4 KiB entries"
	tap_check "the refused set huge on left sysfs at 0" [ "$(sysfs huge)" = 0 ]
fi

# ---- as an unprivileged user -----------------------------------------------

run "$runas" $nobody $nobody devctl clear
expect "clear as another user fails" 1
tap_check "the permission error names the group" stderr_is \
	"devctl: $dev: clear: Permission denied (is this user in group 'chrmem'?)"
run "$runas" $nobody $nobody devctl dump --length 16
expect "dump as another user fails with the hint" 1 stderr "(is this user in group 'chrmem'?)"
run "$runas" $nobody $nobody devctl --json status
tap_check "status works from sysfs without access to the node" json_valid
[ "$(json_field '.devices[0].size')" = "$size" ] && [ $rc = 0 ]
tap_verdict "status from sysfs has the same size"
run "$runas" $nobody $nobody devctl --json -d $dev status
[ "$(json_field '.devices[0].name')" = '"chrmem0"' ] && [ $rc = 0 ]
tap_verdict "status -d finds the sysfs directory of a node it cannot open"
run "$runas" $nobody $nobody devctl info
if [ -e $sys/phys_addr ]; then
	expect "info as another user: the layout is root-only" 0 \
		stdout "physical layout: only root may read it"
else
	expect "info as another user works from sysfs" 0 stdout "physical layout: not available"
fi

chown 0:4242 $dev
chmod 0660 $dev
run "$runas" $nobody 4242 devctl fill --byte 0x55 --length 16
expect "a member of the device's group may fill it" 0
tap_check "the group member's fill reached the buffer" [ "$(bytes $dev 15 1)" = U ]
chmod 0600 $dev
chown 0:0 $dev

release_mapping
tap_finish
