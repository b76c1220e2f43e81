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
#   qemu_ports ARCH               the guest's names of the serial ports
#
# The guest is qemu-system-x86_64's default machine (i440fx), or with
# --arch arm64 qemu-system-aarch64's "virt" board, emulated as
# tests/lib/tcg.sh says, with no default devices and no display.
#
# Serial ports: on x86 each --serial is a 16550 UART, ttyS0, ttyS1...
# The virt board has one UART (PL011, ttyAMA0, the console); the other
# --serial ports are virtio consoles on one virtio-serial PCI device,
# hvc0, hvc1... in the guest, which needs the virtio_pci and
# virtio_console modules before it can open them (qemu_ports says the
# names).
# It is bounded by timeout(1): LIMIT seconds, then SIGTERM, then SIGKILL
# 10 s later; qemu_status is then 124 or 137.

# shellcheck source=tests/lib/tcg.sh
. "$(dirname "${BASH_SOURCE[0]}")/tcg.sh"

qemu_pid=
qemu_status=

# qemu_boot [OPTION]... LIMIT: run one QEMU guest and wait for it to end.
#   --arch ARCH      x86_64 (the default) or arm64
#   --kernel FILE    the kernel image (required)
#   --initrd FILE    its initramfs
#   --append ARGS    kernel command line after "console=ttyS0 panic=-1"
#                    (ttyAMA0 on arm64) and the TCG options
#   --mem SIZE       guest memory (default 512M)
#   --serial SPEC    the next serial port, the kernel's console first:
#                    file:PATH, or stdio for our stdout; repeat
#   --disk FILE      a raw virtio disk (/dev/vda, /dev/vdb... in order)
#   --no-reboot      a reboot ends QEMU instead (with panic=-1: a panic too)
#   --output FILE    where QEMU's own messages go (default: our stdout
#                    and stderr)
#   --qemu-arg WORD  one more word for QEMU's command line, after all the
#                    others (devices, -machine); repeat
# QEMU's stdin is /dev/null.
qemu_boot() {
	local arch=x86_64 kernel='' initrd='' append='' mem=512M output='' limit
	local -a serials=() drives=() extra=() args
	while (($# > 1)); do
		case $1 in
		--arch) arch=$2; shift ;;
		--kernel) kernel=$2; shift ;;
		--initrd) initrd=$2; shift ;;
		--append) append=$2; shift ;;
		--mem) mem=$2; shift ;;
		--output) output=$2; shift ;;
		--no-reboot) extra+=(-no-reboot) ;;
		--qemu-arg) extra+=("$2"); shift ;;
		--disk) drives+=(-drive "file=$2,format=raw,if=virtio"); shift ;;
		--serial) serials+=("$2"); shift ;;
		*) echo "qemu_boot: unknown option '$1'" >&2; return 2 ;;
		esac
		shift
	done
	limit=$1
	[[ -n $kernel ]] || { echo "qemu_boot: no --kernel" >&2; return 2; }
	qemu_machine "$arch" || return
	args=("${qemu_args[@]}" "${drives[@]}")
	qemu_serials "$arch" "${serials[@]}"
	args+=(-m "$mem" -kernel "$kernel" ${initrd:+-initrd "$initrd"}
		-append "console=$qemu_console panic=-1${qemu_kernel_options:+ $qemu_kernel_options}${append:+ $append}"
		"${extra[@]}")
	qemu_status=0
	if [[ -n $output ]]; then
		timeout --kill-after=10 "$limit" "$qemu_binary" "${args[@]}" </dev/null >"$output" 2>&1 &
	else
		timeout --kill-after=10 "$limit" "$qemu_binary" "${args[@]}" </dev/null &
	fi
	qemu_pid=$!
	wait "$qemu_pid" || qemu_status=$?
	qemu_pid=
	return 0
}

# The emulator, its first words, the console and the kernel options for
# ARCH: sets qemu_binary, qemu_args, qemu_console, qemu_kernel_options.
qemu_machine() {
	# shellcheck disable=SC2054 # the commas are QEMU's option syntax
	qemu_args=("${tcg_qemu_options[@]}" -nodefaults -nographic)
	case $1 in
	x86_64)
		qemu_binary=qemu-system-x86_64
		qemu_console=ttyS0
		qemu_kernel_options=$tcg_kernel_options
		;;
	arm64)
		qemu_binary=qemu-system-aarch64
		# QEMU's architected pointer authentication (QARMA5) makes a
		# TCG boot three times longer (31 s against 10, measured);
		# its implementation-defined algorithm keeps every feature
		# of "max".
		qemu_args=(-machine virt "${qemu_args[@]/#max/max,pauth-impdef=on}")
		qemu_console=ttyAMA0
		qemu_kernel_options=
		;;
	*) echo "qemu_boot: unknown architecture '$1' (x86_64, arm64)" >&2; return 2 ;;
	esac
}

# The serial ports SPEC... onto args (qemu_boot's).
qemu_serials() {
	local arch=$1 spec n=0 backend
	shift
	for spec; do
		case $spec in
		stdio) backend=stdio ;;
		file:*) backend=file,path=${spec#file:} ;;
		*) echo "qemu_boot: unknown serial port '$spec'" >&2; return 2 ;;
		esac
		args+=(-chardev "$backend,id=serial$n")
		if [[ $arch == x86_64 || $n == 0 ]]; then
			args+=(-serial "chardev:serial$n")
		else
			# shellcheck disable=SC2054 # QEMU's commas
			((n > 1)) || args+=(-device virtio-serial-pci,id=ports)
			args+=(-device "virtconsole,bus=ports.0,chardev=serial$n")
		fi
		n=$((n + 1))
	done
}

# qemu_ports ARCH: the guest's names of the serial ports, console first,
# one a line, as many as a guest may have (three).
qemu_ports() {
	case $1 in
	arm64) printf '%s\n' ttyAMA0 hvc0 hvc1 ;;
	*) printf '%s\n' ttyS0 ttyS1 ttyS2 ;;
	esac
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
