# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# How every chrmem guest is emulated: tests/vm/run's busybox guests and
# pkg/e2e-test's booted Debian systems.
#
# Two guest CPUs, emulated by one host thread (thread=single): with one
# thread per CPU (QEMU 7.2's default), a CPU can run a stale translation
# of kernel text that another CPU has just patched, and the guest dies of
# "Oops: int3" in the patched function (seen on 6.12, in sched_clock_cpu
# right after "sched_clock: Marking stable"). The two CPUs still
# interleave, so races between them are still exercised.
# CHRMEM_TCG_THREAD=multi brings back one thread per CPU.
#
# no_timer_check: a loaded host can make TCG slow enough for the kernel's
# boot-time timer check to panic ("IO-APIC + timer doesn't work!").
#
# watchdog_thresh=60, rcupdate.rcu_cpu_stall_timeout=100: the guest's
# lockup and stall detectors measure host time, and a host that does not
# run QEMU's thread for twenty-odd seconds (two jobs and their guests on
# two cores, disk writeback) makes them report lockups the guest never
# had: seen in full runs, "soft lockup - CPU#1 stuck for 26s!" in
# systemd-udevd at the bookworm e2e guest's boot and a 21 s "rcu_preempt
# kthread starved" stall in trixie's. Soft lockups are now reported after
# 120 s and RCU stalls after 100 s, longer than any host stall seen and
# shorter than every guest's time limit, so a guest that really locks up
# still fails its run (tests/lib/kernel-log-signatures).

# shellcheck disable=SC2034 # used by the scripts that source this file
tcg_qemu_options=(-accel "tcg,thread=${CHRMEM_TCG_THREAD:-single}" -cpu max -smp 2)
# shellcheck disable=SC2034
tcg_kernel_options="no_timer_check watchdog_thresh=60 rcupdate.rcu_cpu_stall_timeout=100"
