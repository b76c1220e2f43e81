# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Booting one chrmem guest: what tests/vm/run (busybox initramfs guests)
# and pkg/e2e-test (a booted Debian disk) share. Both give QEMU a kernel
# and an initrd (the disk's own, for e2e-test) rather than a bootloader,
# and talk to the guest over serial ports only.
#
#   qemu_boot [OPTION]... LIMIT   boot, wait; sets qemu_status
#   qemu_killed                   whether LIMIT ran out (QEMU was killed)
#   qemu_stop                     for EXIT traps: kill a running guest
#   qemu_text FILE OUT            FILE without the serial port's \r
#
# The guest is qemu-system-x86_64's default machine (i440fx), emulated as
# tests/lib/tcg.sh says, with no default devices and no display.
# It is bounded by timeout(1): LIMIT seconds, then SIGTERM, then SIGKILL
# 10 s later; qemu_status is then 124 or 137.

# shellcheck source=tests/lib/tcg.sh
. "$(dirname "${BASH_SOURCE[0]}")/tcg.sh"

qemu_pid=
qemu_status=

# qemu_boot [OPTION]... LIMIT: run one QEMU guest and wait for it to end.
#   --kernel FILE    the kernel image (required)
#   --initrd FILE    its initramfs
#   --append ARGS    kernel command line after "console=ttyS0 panic=-1" and
#                    the TCG options
#   --mem SIZE       guest memory (default 512M)
#   --serial SPEC    the next serial port, ttyS0 first (the kernel's
#                    console): file:PATH, or stdio for our stdout; repeat
#   --disk FILE      a raw virtio disk (/dev/vda, /dev/vdb... in order)
#   --no-reboot      a reboot ends QEMU instead (with panic=-1: a panic too)
#   --output FILE    where QEMU's own messages go (default: our stdout
#                    and stderr)
#   --qemu-arg WORD  one more word for QEMU's command line, after all the
#                    others (devices, -machine); repeat
# QEMU's stdin is /dev/null.
qemu_boot() {
	local kernel='' initrd='' append='' mem=512M output='' limit n=0
	# shellcheck disable=SC2054 # the commas are QEMU's option syntax
	local -a args=("${tcg_qemu_options[@]}" -nodefaults -nographic) extra=()
	while (($# > 1)); do
		case $1 in
		--kernel) kernel=$2; shift ;;
		--initrd) initrd=$2; shift ;;
		--append) append=$2; shift ;;
		--mem) mem=$2; shift ;;
		--output) output=$2; shift ;;
		--no-reboot) args+=(-no-reboot) ;;
		--qemu-arg) extra+=("$2"); shift ;;
		--disk) args+=(-drive "file=$2,format=raw,if=virtio"); shift ;;
		--serial)
			if [[ $2 == stdio ]]; then
				args+=(-chardev "stdio,id=serial$n" -serial "chardev:serial$n")
			else
				args+=(-serial "$2")
			fi
			n=$((n + 1))
			shift
			;;
		*) echo "qemu_boot: unknown option '$1'" >&2; return 2 ;;
		esac
		shift
	done
	limit=$1
	[[ -n $kernel ]] || { echo "qemu_boot: no --kernel" >&2; return 2; }
	args+=(-m "$mem" -kernel "$kernel" ${initrd:+-initrd "$initrd"}
		-append "console=ttyS0 panic=-1 $tcg_kernel_options${append:+ $append}"
		"${extra[@]}")
	qemu_status=0
	if [[ -n $output ]]; then
		timeout --kill-after=10 "$limit" qemu-system-x86_64 "${args[@]}" </dev/null >"$output" 2>&1 &
	else
		timeout --kill-after=10 "$limit" qemu-system-x86_64 "${args[@]}" </dev/null &
	fi
	qemu_pid=$!
	wait "$qemu_pid" || qemu_status=$?
	qemu_pid=
	return 0
}

qemu_killed() {
	((qemu_status == 124 || qemu_status == 137))
}

qemu_stop() {
	[[ -z $qemu_pid ]] || kill "$qemu_pid" 2>/dev/null || true
}

qemu_text() {
	tr -d '\r' <"$1" >"$2" 2>/dev/null || true
}
