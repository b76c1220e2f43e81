# SPDX-License-Identifier: GPL-2.0
#
# chrmem: a character device driver that maps kernel buffers into user
# space, its command-line tool devctl, and their tests.
#
#   make              build the module, devctl and the test programs
#   make check        install what the tests need, then run every test:
#                     lanes style host guest pkg debug arm64
#                     (tests/check-all); LANES="style host" picks lanes
#                     (LANES=arm64-pkg: the arm64 packages, not in the
#                     default list),
#                     KERNELS="trixie sid" picks the guest lane's kernels
#                     (bookworm bookworm-backports trixie sid),
#                     PKG_SUITES="bookworm" the pkg lane's suites
#                     (bookworm trixie),
#                     DEBUG_KERNELS="6.12" the debug lane's kernels
#                     (6.1 6.12)
#   make deb          build the Debian packages in a clean bookworm chroot
#                     (into build/deb/bookworm/; DEB_SUITE=trixie or
#                     DEB_SUITE=sid for theirs)
#   make bench        measure chrmem in a guest; rewrites docs/benchmarks.md
#   make deps         install the Debian packages the build and tests need
#   make clean
#
# KDIR is the kernel build tree the module is built against; by default
# the newest one installed (the host's own kernel has none: modules are
# tested in a QEMU guest, see tests/vm/README.md).

KDIR ?= $(lastword $(shell ls -d /lib/modules/*/build 2>/dev/null | sort -V))
LANES ?=
KERNELS ?=
PKG_SUITES ?=
DEBUG_KERNELS ?=
DEB_SUITE ?= bookworm

# Packages for the host-side tests and the kernel style checks; the guest
# harness adds QEMU, busybox and the kernel (tests/vm/install-deps).
DEPS = gcc libc6-dev gcc-multilib sparse linux-source-6.1 shellcheck \
       bsdextrautils jq python3 man-db groff-base git

all: module devctl tests

module:
	$(MAKE) -C src KDIR=$(KDIR)

devctl:
	$(MAKE) -C tools/devctl

tests:
	$(MAKE) -C tests
	$(MAKE) -C tools/devctl tests/holdmap tests/runas tests/jsoncheck

deps:
	tests/vm/install-deps $(DEPS)

# deps may install the kernel KDIR names: the build comes after it, in a
# make that looks for KDIR again.
check: deps
	$(MAKE) all
	CHRMEM_KERNELS="$(KERNELS)" CHRMEM_PKG_SUITES="$(PKG_SUITES)" \
		CHRMEM_DEBUG_KERNELS="$(DEBUG_KERNELS)" tests/check-all $(LANES)

deb:
	pkg/build-deb --suite $(DEB_SUITE)

bench:
	bench/run

clean:
	$(MAKE) -C src KDIR=$(KDIR) clean || true
	$(MAKE) -C tests clean
	$(MAKE) -C tools/devctl clean

.PHONY: all module devctl tests deps check deb bench clean
