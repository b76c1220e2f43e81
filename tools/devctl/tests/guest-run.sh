#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# guest-run.sh - run guest.sh in the tests/vm guest, once per module
# configuration; "make guest-check" calls it after building static/devctl.
#
#   GUEST_PARAMS='devices=2 size=64K'   one configuration instead of the list
#   CHRMEM_MODULE=path/chrmem.ko         a prebuilt module (else tests/vm/run
#                                        builds src/)
#
# Prints one TAP stream (tests/lib/tap.sh), each configuration's points
# named after its parameters. Exits non-zero if any configuration fails;
# 77 (skipped) without the guest harness.

cd "$(dirname "$0")/.." || exit 1
vm_run=../../tests/vm/run
tap_lib=$(cd ../../tests/lib && pwd)
# shellcheck source=tests/lib/tap.sh
. "$tap_lib/tap.sh"

if [ ! -x "$vm_run" ]; then
	echo "guest-run.sh: $vm_run not found: skipped" >&2
	exit 77
fi

# One device with the tutorial's pattern; several devices of mixed sizes,
# one larger than a 4 MiB chunk; the other cache and map modes.
configurations='pattern="hello, user!"
devices=3 size=8K,1M,5M pattern="chrmem"
devices=2 size=64K,6M cache_mode=uncached map_mode=fault pattern="fault mode"'
[ -n "$GUEST_PARAMS" ] && configurations=$GUEST_PARAMS

tap_start
while IFS= read -r params; do
	tap_run "$params" "$vm_run" ${CHRMEM_MODULE:+--module "$CHRMEM_MODULE"} \
		--params "$params" --add static/devctl --add tests --add "$tap_lib" \
		-- sh /extra/tests/guest.sh
done <<EOF
$configurations
EOF
tap_finish
