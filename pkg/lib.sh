# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers shared by pkg/build-deb, pkg/e2e-test and pkg/piuparts: which
# Debian suite they work on (--suite, bookworm or trixie), and their system
# trees of that suite. The trees come from tests/lib/debian-tree.sh, the
# one builder of Debian trees (tests/matrix/run uses it too): it finds the
# archive in the host's apt sources (or $CHRMEM_MIRROR and
# $CHRMEM_SECURITY_MIRROR), makes the trees with mmdebstrap, caches them
# in ${CHRMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chrmem}/trees/pkg-*,
# keyed on their recipe and the versions of the packages that matter, and
# runs commands in them. The scripts work on copies (dt_copy): the cached
# trees stay as mmdebstrap made them.
#
# The caller sets $me (its name, for messages) before sourcing this file.

# shellcheck disable=SC2034 # for the scripts that source this file
pkg_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tests/lib/debian-tree.sh
. "$pkg_top/tests/lib/debian-tree.sh"
pkg_cache=${CHRMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chrmem}/pkg
pkg_suite=bookworm
pkg_suites=(bookworm trixie)
# The suites whose e2e-test upgrades the packages to a next version, which
# build-deb then builds too (the upgrade's DKMS build costs minutes under
# TCG; one suite proves what does not depend on it).
pkg_upgrade_suites=(bookworm)
# The architecture of the packages and of the trees they are tested in.
pkg_arch=amd64
# The architecture the binary packages are built for (--arch): amd64, or
# arm64 (cross-built by pkg/build-deb, tested by pkg/e2e-arm64).
pkg_deb_arch=amd64
pkg_deb_archs=(amd64 arm64)

# shellcheck disable=SC2154 # $me is the caller's
pkg_die() {
	echo "$me: $*" >&2
	exit 2
}

pkg_log() {
	echo "$me: $*" >&2
}

# pkg_parse_args "$@": the options every pkg/ script takes, --suite SUITE
# (default bookworm; one of pkg_suites), --arch ARCH (default amd64; one of
# pkg_deb_archs, for the scripts that know it) and --help (the script's
# header); sets pkg_suite and pkg_deb_arch. Anything else is an error.
pkg_parse_args() {
	while (($#)); do
		case $1 in
		-h | --help)
			# shellcheck disable=SC2154 # $me is the caller's
			sed -n '4,/^[^#]/{/^#/s/^# \{0,1\}//p}' "$pkg_top/$me"
			exit 0 ;;
		--suite) (($# >= 2)) || pkg_die "--suite needs a suite: ${pkg_suites[*]}"
			pkg_suite=$2
			shift 2 ;;
		--suite=*) pkg_suite=${1#--suite=}
			shift ;;
		--arch) (($# >= 2)) || pkg_die "--arch needs an architecture: ${pkg_deb_archs[*]}"
			pkg_deb_arch=$2
			shift 2 ;;
		*) pkg_die "unknown argument '$1' (usage: $me [--suite SUITE], SUITE: ${pkg_suites[*]})" ;;
		esac
	done
	pkg_suite_known "$pkg_suite" ||
		pkg_die "suite '$pkg_suite' is not one of: ${pkg_suites[*]}"
	[[ " ${pkg_deb_archs[*]} " == *" $pkg_deb_arch "* ]] ||
		pkg_die "architecture '$pkg_deb_arch' is not one of: ${pkg_deb_archs[*]}"
}

pkg_suite_known() {
	local s
	for s in "${pkg_suites[@]}"; do
		[[ $s != "$1" ]] || return 0
	done
	return 1
}

# Where pkg/build-deb puts the packages of the suite, and the others find
# them: <suite>/ for amd64, <suite>-<arch>/ for another architecture.
pkg_deb_dir() {
	local suffix=
	[[ $pkg_deb_arch == amd64 ]] || suffix=-$pkg_deb_arch
	echo "${CHRMEM_DEB_DIR:-$pkg_top/build/deb}/$pkg_suite$suffix"
}

# Whether the suite is one of pkg_upgrade_suites.
pkg_suite_upgrades() {
	local s
	for s in "${pkg_upgrade_suites[@]}"; do
		[[ $s != "$pkg_suite" ]] || return 0
	done
	return 1
}

# The version pkg/build-deb gives the next build, from this one's upstream
# version: raised (0.1.0 -> 0.1.0+next1), so that DKMS and the module it
# builds tell the two apart.
pkg_next_upstream() {
	echo "$1+next1"
}

pkg_need_root() {
	((EUID == 0)) ||
		pkg_die "needs root: it builds chroots with mmdebstrap, runs them and boots their images"
}

# pkg_require_tools COMMAND=PACKAGE...: install what is missing (CI starts
# from a bare machine, with no one to answer prompts).
pkg_require_tools() {
	local pair missing=()
	for pair; do
		command -v "${pair%%=*}" >/dev/null 2>&1 || missing+=("${pair#*=}")
	done
	((${#missing[@]})) || return 0
	pkg_log "installing ${missing[*]}"
	apt-get -o DPkg::Lock::Timeout=900 update -qq
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null
}

# Sets dt_mirror and dt_security (tests/lib/debian-tree.sh).
pkg_find_mirrors() {
	dt_find_archive || pkg_die "cannot find the Debian archive"
}

# pkg_spec NAME: start the recipe of the suite's tree NAME (build,
# e2e-system, piuparts-base) for tests/lib/debian-tree.sh; the caller then
# fills in dt_packages, dt_options... and calls pkg_tree.
pkg_spec() {
	dt_spec "pkg-$1-$pkg_suite" "$pkg_suite" "$pkg_arch"
}

# The path of the tree of the recipe, current with the archive: cached, or
# made now (a few minutes).
pkg_tree() {
	dt_tree || pkg_die "cannot make the $dt_name tree (mmdebstrap's messages above)"
}

# pkg_remove_tree DIR: delete a tree, never crossing into a mount left in it.
pkg_remove_tree() {
	[[ -n $1 && -d $1 ]] || return 0
	if findmnt -rn -o TARGET | grep -q "^$1/"; then
		pkg_log "not deleting $1: something is still mounted in it"
		return 0
	fi
	rm -rf --one-file-system "$1"
}

# pkg_in DIR COMMAND...: run COMMAND in the tree as root, with a clean
# environment (dt_run: /proc, /sys, /dev mounted for it alone).
pkg_in() {
	dt_run "$@"
}
