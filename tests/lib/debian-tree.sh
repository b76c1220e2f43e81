# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Debian system trees (chroots) made with mmdebstrap, cached, and run in:
# the one builder behind tests/matrix/run (a tree per kernel to build and
# boot chrmem with) and pkg/ (trees to build the packages in, to install
# and boot them, and piuparts' base). Host side only; needs root.
#
#   dt_find_archive            sets dt_mirror, dt_security
#   dt_spec NAME SUITE ARCH    starts a tree's recipe; then fill in
#                              dt_packages, dt_satisfy, dt_extra_suites,
#                              dt_options, dt_aptopts, dt_key_regex
#   dt_resolve_key             asks the archive; sets dt_key (fails offline)
#   dt_cached                  the tree with that key, if it is cached
#   dt_newest                  the newest cached tree of the slot, any key
#   dt_build                   makes the tree for dt_key, drops the others
#   dt_tree                    all three: prints a current tree's path
#   dt_run [--bind SRC DEST]... TREE COMMAND...
#   dt_copy TREE DIR           a private copy to change
#
# The archive: $CHRMEM_MIRROR and $CHRMEM_SECURITY_MIRROR when set, else
# the URLs apt on the host uses for the releases labelled "Debian" and
# "Debian-Security" (so no host name is written here, and any path works).
#
# The cache, ${CHRMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chrmem}/trees/:
#   NAME-ARCH/KEY/          a tree (NAME is the caller's: matrix-trixie,
#                           pkg-build-bookworm...); one per slot is kept
#   NAME-ARCH/KEY.recipe    what KEY was computed from, for people
#   apt/SUITE-ARCH-HASH/    apt's lists of the suite and its extra suites,
#                           for the keys (HASH: the sources), shared by
#                           the trees with the same sources
#
# The key. A tree is what mmdebstrap makes of the recipe (suite,
# architecture, apt sources, package list, options and hooks) and of the
# archive's current packages. The recipe is hashed as written. For the
# archive, apt on the host, with lists of its own under apt/ (apt-get
# update: a few seconds cold, about one warm, where it only fetches the
# InRelease files), simulates installing the package list (and
# dt_satisfy) on an empty system and the key takes the versions of the
# packages that matter, those whose name matches dt_key_regex: by default
# base-files (a point release), the kernel image, headers and kbuild tools
# and the compiler. Everything else in a tree may be older than the
# archive: a tree that is rebuilt whenever any of its hundreds of packages
# changes would be rebuilt every day on sid, and the index digest of the
# whole suite (what pkg/ used to key on) changes with every upload. apt
# resolves exactly as mmdebstrap's apt will (same sources, same options,
# same "pkg/release" pins), so the versions are the ones the tree gets.

dt_cache=${CHRMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/chrmem}/trees
dt_mirror=
dt_security=
dt_key=
# What a tree's key looks at besides the recipe (see above); callers add.
dt_default_key_regex='base-files|linux-(image|headers|kbuild|binary)-.*|gcc-[0-9]+|cpp-[0-9]+|binutils'

dt_log() {
	echo "debian-tree: $*" >&2
}

# ---- the archive -------------------------------------------------------------

# The URL apt uses for the archive whose Release has the label $1.
dt_archive_url() {
	apt-cache policy | awk -v label="$1" '
		$1 ~ /^[0-9]+$/ && $2 ~ /^[a-z+]+:\/\// { url = $2 }
		/^ +release / && index($0, ",l=" label ",") { print url; exit }'
}

# Sets dt_mirror and dt_security (see the header), updating the host's apt
# lists once when they are missing (a machine fresh from an image). A
# security archive apt does not name is guessed beside the main one.
dt_find_archive() {
	local try
	for try in 1 2; do
		dt_mirror=${CHRMEM_MIRROR:-$(dt_archive_url Debian)}
		dt_security=${CHRMEM_SECURITY_MIRROR:-$(dt_archive_url Debian-Security)}
		[[ -z $dt_mirror || -z $dt_security ]] || break
		[[ -z $dt_mirror && $try == 1 ]] || break
		apt-get -q update >&2
	done
	dt_mirror=${dt_mirror%/}
	[[ -n $dt_mirror ]] || {
		dt_log "no Debian archive in apt's sources (apt-cache policy); set CHRMEM_MIRROR"
		return 1
	}
	[[ -n $dt_security ]] || dt_security=${dt_mirror%/debian}/debian-security
	dt_security=${dt_security%/}
}

# ---- the recipe --------------------------------------------------------------

# dt_spec NAME SUITE ARCH: a new recipe. The caller then sets
#   dt_packages      what to install (apt's "pkg/release" pins work)
#   dt_satisfy       a dependency string for "apt-get satisfy" (say, the
#                    Build-Depends), installed by a customize hook
#   dt_extra_suites  more suites of the archive, e.g. bookworm-backports
#   dt_options       more mmdebstrap options: --variant, hooks...
#   dt_aptopts       apt.conf lines for mmdebstrap and for the key's apt
#   dt_key_regex     more package names (a regex) whose versions key it
dt_spec() {
	dt_name=$1
	dt_suite=$2
	dt_arch=$3
	dt_packages=()
	dt_satisfy=
	dt_extra_suites=()
	dt_options=()
	dt_aptopts=()
	dt_key_regex=
	dt_key=
}

dt_slot() {
	echo "$dt_cache/$dt_name-$dt_arch"
}

# The apt sources of the tree, one-line style: the suite, its -updates and
# -security (not for sid), and the extra suites.
dt_sources() {
	local extra
	echo "deb $dt_mirror $dt_suite main"
	if [[ $dt_suite != sid && $dt_suite != unstable ]]; then
		echo "deb $dt_mirror $dt_suite-updates main"
		echo "deb $dt_security $dt_suite-security main"
	fi
	for extra in "${dt_extra_suites[@]}"; do
		echo "deb $dt_mirror $extra main"
	done
}

# mmdebstrap's arguments, one per line, before SUITE TARGET SOURCES.
dt_mmdebstrap_options() {
	local opt packages=${dt_packages[*]}
	printf '%s\n' --mode=root "--architectures=$dt_arch"
	for opt in "${dt_aptopts[@]}"; do
		echo "--aptopt=$opt"
	done
	[[ -z $packages ]] || echo "--include=${packages// /,}"
	for opt in "${dt_options[@]}"; do
		echo "$opt"
	done
	[[ -z $dt_satisfy ]] ||
		echo "--customize-hook=chroot \"\$1\" apt-get satisfy -y -q --no-install-recommends '$dt_satisfy'"
}

dt_recipe() {
	echo "suite $dt_suite"
	echo "architecture $dt_arch"
	dt_sources
	dt_mmdebstrap_options
}

# ---- the key -----------------------------------------------------------------

# apt on the host, with the tree's sources and apt options, lists of its
# own and an empty dpkg status: it answers what a fresh tree would get.
# (dt_apt_setup rewrites its apt.conf for each tree, under the lock.)
dt_apt() {
	local dir=$1
	shift
	apt-get -c "$dir/apt.conf" "$@"
}

dt_apt_dir() {
	local hash
	hash=$(dt_sources | sha256sum | cut -c 1-12)
	echo "$dt_cache/apt/$dt_suite-$dt_arch-$hash"
}

dt_apt_setup() {
	local dir=$1 opt
	mkdir -p "$dir"/{lists/partial,archives/partial,etc/sources.list.d,etc/preferences.d}
	: >"$dir/status"
	dt_sources >"$dir/etc/sources.list"
	{
		echo "Dir::State \"$dir\";"
		echo "Dir::State::Lists \"$dir/lists\";"
		echo "Dir::State::status \"$dir/status\";"
		echo "Dir::Cache \"$dir\";"
		echo "Dir::Cache::Archives \"$dir/archives\";"
		echo "Dir::Etc::SourceList \"$dir/etc/sources.list\";"
		echo "Dir::Etc::SourceParts \"$dir/etc/sources.list.d\";"
		echo "Dir::Etc::Preferences \"$dir/etc/preferences\";"
		echo "Dir::Etc::PreferencesParts \"$dir/etc/preferences.d\";"
		echo "APT::Architecture \"$dt_arch\";"
		echo "APT::Architectures { \"$dt_arch\"; };"
		echo 'Acquire::Languages "none";'
		echo 'Debug::NoLocking "true";'
		# root's own cache directory, which user _apt cannot enter
		echo 'APT::Sandbox::User "root";'
		for opt in "${dt_aptopts[@]}"; do
			echo "$opt;"
		done
	} >"$dir/apt.conf"
}

# "NAME VERSION" of every package that matters in what apt would install
# in a fresh tree (mmdebstrap always installs apt and base-files). When
# apt cannot resolve it, its messages go to stderr and this fails.
dt_key_versions() {
	local dir=$1 regex="^(${dt_default_key_regex}${dt_key_regex:+|$dt_key_regex})\$" sim more
	if ! sim=$(dt_apt "$dir" -s -q install apt base-files "${dt_packages[@]}"); then
		echo "$sim" >&2
		return 1
	fi
	if [[ -n $dt_satisfy ]] && ! more=$(dt_apt "$dir" -s -q satisfy "$dt_satisfy"); then
		echo "$more" >&2
		return 1
	fi
	printf '%s\n%s\n' "$sim" "${more:-}" | sed -n 's/^Inst \([^ ]*\) (\([^ ]*\) .*/\1 \2/p' |
		awk -v re="$regex" '$1 ~ re' | sort -u
}

# Sets dt_key from the recipe and the archive (see the header), and
# dt_key_text to what it looked at. Fails when apt cannot ask the archive
# or resolve the packages, apt's messages on stderr.
dt_resolve_key() {
	local dir versions status=0 old
	dir=$(dt_apt_dir)
	mkdir -p "$dir"
	exec {dt_apt_lock}>"$dir.lock"
	flock "$dt_apt_lock"
	dt_apt_setup "$dir"
	dt_apt "$dir" -qq update >&2 && versions=$(dt_key_versions "$dir") || status=1
	exec {dt_apt_lock}>&-
	# Lists of sources no tree has used for a month (an old mirror) go.
	touch "$dir"
	find "$dt_cache/apt" -mindepth 1 -maxdepth 1 -type d -mtime +30 -print0 |
		while IFS= read -r -d '' old; do
			rm -rf --one-file-system "$old" "$old.lock"
		done
	((status == 0)) || return 1
	dt_key_text=$({ dt_recipe; echo "versions:"; echo "$versions"; })
	dt_key=$(sha256sum <<<"$dt_key_text" | cut -c 1-16)
}

# ---- the cache ---------------------------------------------------------------

# The cached tree with dt_key, if there is one.
dt_cached() {
	local tree
	tree=$(dt_slot)/$dt_key
	[[ -z $dt_key || ! -d $tree ]] || echo "$tree"
}

# The newest cached tree of the slot, whatever its key.
dt_newest() {
	local slot
	slot=$(dt_slot)
	[[ -d $slot ]] || return 0
	find "$slot" -mindepth 1 -maxdepth 1 -type d -regex '.*/[0-9a-f]+' -printf '%T@ %p\n' |
		sort -n | tail -n 1 | cut -d' ' -f2-
}

# Makes the tree for dt_key (dt_resolve_key first) into a temporary
# directory, renames it, then drops the slot's other trees; prints its
# path. mmdebstrap's output goes to stderr.
dt_build() {
	local slot tmp tree old
	local -a options sources
	slot=$(dt_slot)
	tree=$slot/$dt_key
	mapfile -t options < <(dt_mmdebstrap_options)
	mapfile -t sources < <(dt_sources)
	mkdir -p "$slot"
	exec {dt_lock}>"$slot/.lock"
	flock "$dt_lock"
	if [[ ! -d $tree ]]; then
		tmp=$slot/.new.$BASHPID
		rm -rf --one-file-system "$tmp"
		dt_log "making $tree with mmdebstrap (minutes)"
		# In a mount namespace of its own: the /proc, /sys and /dev that
		# mmdebstrap's root mode mounts in the tree go away with it even
		# when it is killed, and then the next build can remove the tree.
		if ! unshare --mount --propagation private -- \
			mmdebstrap "${options[@]}" "$dt_suite" "$tmp" "${sources[@]}" >&2 </dev/null; then
			rm -rf --one-file-system "$tmp"
			exec {dt_lock}>&-
			return 1
		fi
		echo "$dt_key_text" >"$tree.recipe"
		mv -T "$tmp" "$tree"
	fi
	for old in "$slot"/* "$slot"/.new.*; do
		[[ $old == "$tree" || $old == "$tree.recipe" || ! -e $old ]] ||
			rm -rf --one-file-system "$old"
	done
	exec {dt_lock}>&-
	echo "$tree"
}

# The tree of the recipe, current with the archive: cached, else made.
dt_tree() {
	local tree
	dt_resolve_key || { dt_log "cannot ask the archive for $dt_name's packages"; return 1; }
	tree=$(dt_cached)
	if [[ -n $tree ]]; then
		dt_log "using $tree (cached)"
		echo "$tree"
		return 0
	fi
	dt_build
}

# ---- using a tree ------------------------------------------------------------

# dt_run [--bind SRC DEST]... TREE COMMAND...: run COMMAND in TREE as root
# with a clean environment, /proc, /sys, the host's /dev and a private
# /dev/pts mounted, and each host directory SRC bound on DEST in the tree.
# The mounts live in a private mount namespace: they end with COMMAND,
# however it ends, and no other process sees them.
dt_run() {
	local binds=() root
	while [[ ${1:-} == --bind ]]; do
		binds+=("$2" "$3")
		shift 3
	done
	root=$1
	shift
	# shellcheck disable=SC2016 # the inner shell's variables
	unshare --mount --propagation private -- sh -ec '
		root=$1 n=$2
		shift 2
		mount -t proc proc "$root/proc"
		mount -t sysfs sysfs "$root/sys"
		mount --bind /dev "$root/dev"
		mount -t devpts -o newinstance,ptmxmode=0666 devpts "$root/dev/pts"
		while [ "$n" -gt 0 ]; do
			mkdir -p "$root$2"
			mount --bind "$1" "$root$2"
			shift 2
			n=$((n - 1))
		done
		exec chroot "$root" /usr/bin/env -i \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"' \
		sh "$root" "$((${#binds[@]} / 2))" "${binds[@]}" "$@"
}

# dt_copy TREE DIR: a copy of a cached tree to change (the cache stays as
# mmdebstrap made it).
dt_copy() {
	mkdir -p "$2"
	cp -a --one-file-system "$1/." "$2/"
}
