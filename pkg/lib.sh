# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers shared by pkg/build-deb, pkg/e2e-test and pkg/piuparts: which
# Debian suite they work on (--suite, bookworm or trixie), where the Debian
# archive is, cached system trees of that suite made with mmdebstrap, and
# running commands inside such a tree (a chroot).
#
# The archive host is never written here: it comes from the host's own apt
# sources (or $CHRMEM_MIRROR and $CHRMEM_SECURITY_MIRROR). Trees are cached
# as tarballs in ${CHRMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chrmem}/pkg,
# named after the suite and keyed on a digest of the package indices of the
# suite (with its -updates and -security) and of the recipe that made them,
# so a new package version in the archive, or a changed recipe, makes a new
# tarball and the old one is deleted.
#
# The caller sets $me (its name, for messages) before sourcing this file.

# shellcheck disable=SC2034 # for the scripts that source this file
pkg_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pkg_cache=${CHRMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chrmem}/pkg
pkg_suite=bookworm
pkg_suites=(bookworm trixie)
pkg_mounts=()

# shellcheck disable=SC2154 # $me is the caller's
pkg_die() {
	echo "$me: $*" >&2
	exit 2
}

pkg_log() {
	echo "$me: $*" >&2
}

# pkg_parse_args "$@": the options every pkg/ script takes, --suite SUITE
# (default bookworm); sets pkg_suite. Anything else is an error.
pkg_parse_args() {
	while (($#)); do
		case $1 in
		--suite) (($# >= 2)) || pkg_die "--suite needs a suite: ${pkg_suites[*]}"
			pkg_suite=$2
			shift 2 ;;
		--suite=*) pkg_suite=${1#--suite=}
			shift ;;
		*) pkg_die "unknown argument '$1' (usage: $me [--suite SUITE], SUITE: ${pkg_suites[*]})" ;;
		esac
	done
	pkg_suite_known "$pkg_suite" ||
		pkg_die "suite '$pkg_suite' is not one of: ${pkg_suites[*]}"
}

pkg_suite_known() {
	local s
	for s in "${pkg_suites[@]}"; do
		[[ $s != "$1" ]] || return 0
	done
	return 1
}

# Where pkg/build-deb puts the packages of the suite, and the others find them.
pkg_deb_dir() {
	echo "${CHRMEM_DEB_DIR:-$pkg_top/build/deb}/$pkg_suite"
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

# Every URI of the host's apt sources, one-line and deb822 styles.
pkg_apt_uris() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -r $f ]] || continue
		sed -n 's/^[[:space:]]*deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]\+\).*/\2/p' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -r $f ]] || continue
		sed -n 's/^URIs:[[:space:]]*//p' "$f" | tr -s ' \t' '\n'
	done
}

# Sets pkg_mirror (…/debian) and pkg_security (…/debian-security).
pkg_find_mirrors() {
	local uris
	uris=$(pkg_apt_uris)
	pkg_mirror=${CHRMEM_MIRROR:-$(grep -E '/debian/?$' <<<"$uris" | head -n 1)}
	pkg_mirror=${pkg_mirror%/}
	[[ -n $pkg_mirror ]] ||
		pkg_die "no Debian archive (a URI ending in /debian) in the apt sources; set CHRMEM_MIRROR"
	pkg_security=${CHRMEM_SECURITY_MIRROR:-$(grep -E '/debian-security/?$' <<<"$uris" | head -n 1)}
	pkg_security=${pkg_security%/}
	[[ -n $pkg_security ]] || pkg_security=${pkg_mirror%/debian}/debian-security
}

# The one-line apt sources of the suite with its updates and security fixes.
pkg_sources() {
	echo "deb $pkg_mirror $pkg_suite main"
	echo "deb $pkg_mirror $pkg_suite-updates main"
	echo "deb $pkg_security $pkg_suite-security main"
}

pkg_fetch() {
	/usr/lib/apt/apt-helper -o APT::Sandbox::User=root download-file "$1" "$2" >/dev/null ||
		pkg_die "cannot download $1"
}

# pkg_index_key SUITE...: a digest of the amd64 and all package indices
# named in each suite's InRelease; it changes when a package version does,
# not when the archive merely re-signs the file.
pkg_index_key() {
	local suite base dir
	dir=$(mktemp -d)
	for suite; do
		base=$pkg_mirror
		[[ $suite != *-security ]] || base=$pkg_security
		pkg_fetch "$base/dists/$suite/InRelease" "$dir/$suite"
		echo "$suite"
		sed -n '/^SHA256:/,/^[^ ]/{/ main\/binary-\(amd64\|all\)\/Packages$/p}' "$dir/$suite"
	done | sha256sum | cut -c 1-16
	rm -rf "$dir"
}

# pkg_tarball NAME.EXT RECIPE-TEXT MMDEBSTRAP-ARGUMENT...: print the path of
# the cached tarball NAME-<suite>-<key>.EXT (EXT: tar, or tar.gz for
# piuparts), making it first with "mmdebstrap MMDEBSTRAP-ARGUMENT... <suite> <tarball>
# <sources>" when missing. The key covers the suites' package indices and
# RECIPE-TEXT, which describes everything else that goes into the tree (say,
# the arguments and what the hooks do). Older NAME-<suite>-*.EXT are deleted.
pkg_tarball() {
	local name=${1%%.*}-$pkg_suite ext=${1#*.} recipe=$2 key tar tmp lock sources=()
	shift 2
	key=$(
		{
			pkg_index_key "$pkg_suite" "$pkg_suite-updates" "$pkg_suite-security"
			echo "$recipe"
		} | sha256sum | cut -c 1-16
	)
	tar=$pkg_cache/$name-$key.$ext
	tmp=$pkg_cache/$name-$key.partial.$ext
	mkdir -p "$pkg_cache"
	exec {lock}>"$pkg_cache/$name.lock"
	flock "$lock"
	if [[ ! -s $tar ]]; then
		pkg_log "making $tar (mmdebstrap, a few minutes)"
		rm -f "$pkg_cache/$name"-????????????????."$ext" "$pkg_cache/$name"-*.partial."$ext"
		mapfile -t sources < <(pkg_sources)
		mmdebstrap --mode=root --quiet "$@" "$pkg_suite" "$tmp" "${sources[@]}" >&2 ||
			pkg_die "mmdebstrap failed to make $name"
		mv "$tmp" "$tar"
	fi
	exec {lock}>&-
	echo "$tar"
}

# pkg_unpack TARBALL DIR: a fresh system tree to work in.
pkg_unpack() {
	mkdir -p "$2"
	tar -C "$2" --numeric-owner -xpf "$1"
}

# pkg_mount DIR: what programs run in the tree expect: /proc, /sys, /dev
# (the host's, bound) and a private /dev/pts. pkg_umount_all undoes it.
pkg_mount() {
	local root=$1
	mount -t proc proc "$root/proc" && pkg_mounts+=("$root/proc")
	mount -t sysfs sysfs "$root/sys" && pkg_mounts+=("$root/sys")
	mount --bind /dev "$root/dev" && pkg_mounts+=("$root/dev")
	mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts" &&
		pkg_mounts+=("$root/dev/pts")
}

# pkg_bind SOURCE DIR/PATH: bind a host directory into a tree.
pkg_bind() {
	mkdir -p "$2"
	mount --bind "$1" "$2" && pkg_mounts+=("$2")
}

# pkg_umount PATH: undo one of the mounts above, before the others.
pkg_umount() {
	local i
	umount "$1"
	for i in "${!pkg_mounts[@]}"; do
		[[ ${pkg_mounts[i]} != "$1" ]] || unset 'pkg_mounts[i]'
	done
	pkg_mounts=("${pkg_mounts[@]}")
}

pkg_umount_all() {
	local i
	for ((i = ${#pkg_mounts[@]} - 1; i >= 0; i--)); do
		umount "${pkg_mounts[i]}" 2>/dev/null || umount -l "${pkg_mounts[i]}" || true
	done
	pkg_mounts=()
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
# environment.
pkg_in() {
	local root=$1
	shift
	chroot "$root" /usr/bin/env -i \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}
