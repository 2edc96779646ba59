#!/bin/bash
# Cross-build the libraries hermes-svc needs on 64-bit Windows into a sysroot,
# from Debian 12 source packages, with Debian's mingw-w64 gcc:
#
#   contrib/mingw/build-deps.sh SYSROOT [WORKDIR]
#
# SYSROOT receives bin/*.dll, lib/*.dll.a, lib/pkgconfig/*.pc, include/ and
# share/hermes-mingw/x86_64-w64-mingw32.ini, the meson cross file for building
# against it (tests run by wine). WORKDIR (default SYSROOT.work) holds the
# downloaded sources, build trees and one log per step.
#
# Only Debian is used: packages through apt-get, sources through
# `apt-get source` (deb-src is enabled when missing); meson never downloads a
# wrap. A package is built again only when its stamp under
# SYSROOT/share/hermes-mingw/stamps differs: source version, the recipe of its
# build function, and the stamps of what it links against. The script prints one
# line per step with its time; a failing step prints the end of its log.
#
# Environment: HERMES_MINGW_JOBS (default 2), HERMES_MINGW_NICE (default 10),
# HERMES_MINGW_APT_SOURCES (deb822 file that gets deb-src, default
# /etc/apt/sources.list.d/debian.sources).
set -euo pipefail

usage()
{
	echo "usage: $0 SYSROOT [WORKDIR]" >&2
	exit 64
}
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage
fi

here=$(cd "$(dirname "$0")" && pwd)
host=x86_64-w64-mingw32
jobs=${HERMES_MINGW_JOBS:-2}
niceness=${HERMES_MINGW_NICE:-10}
apt_sources=${HERMES_MINGW_APT_SOURCES:-/etc/apt/sources.list.d/debian.sources}

mkdir -p "$1"
sysroot=$(cd "$1" && pwd)
mkdir -p "${2:-$sysroot.work}"
workdir=$(cd "${2:-$sysroot.work}" && pwd)
# Both paths end up inside quoted strings of the meson cross file.
case $sysroot$workdir in
*[\'\"\ \|\\]*)
	printf '%s: SYSROOT and WORKDIR must not contain quotes, spaces, | or backslashes\n' "$0" >&2
	exit 64
	;;
esac

logdir=$workdir/logs
stampdir=$sysroot/share/hermes-mingw/stamps
mkdir -p "$logdir" "$stampdir" "$workdir/src" "$workdir/build" "$sysroot/include" "$sysroot/lib"

exec 9>"$workdir/.lock"
if ! flock -n 9; then
	echo "$0: another build is using $workdir" >&2
	exit 1
fi

now()
{
	date +%s.%N
}
since()
{
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

# step NAME FUNCTION [ARGS...]: run FUNCTION (with errexit, in a subshell)
# with its output in $logdir/NAME.log; print its time, or the log's tail and stop.
step()
{
	local name=$1 log=$logdir/$1.log t0 pid rc=0
	shift
	t0=$(now)
	# In the background, not under `if`, so that `set -e` holds inside.
	("$@") >"$log" 2>&1 </dev/null &
	pid=$!
	wait "$pid" || rc=$?
	if [ "$rc" -ne 0 ]; then
		printf '%-16s FAILED (exit %d) after %s s; end of %s:\n' "$name" "$rc" "$(since "$t0")" "$log" >&2
		tail -n 40 "$log" >&2
		exit 1
	fi
	printf '%-16s %7s s\n' "$name" "$(since "$t0")"
}

as_root()
{
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo -n "$@"
	fi
}

# ---------------------------------------------------------------- machine setup

packages=(gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 wine wine64 libz-mingw-w64-dev
	dpkg-dev cmake meson ninja-build pkg-config make python3 libglib2.0-dev-bin)

install_packages()
{
	local missing=() p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q ' installed$' || missing+=("$p")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		echo "all installed: ${packages[*]}"
		return 0
	fi
	echo "installing: ${missing[*]}"
	as_root apt-get update
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
}

# Add deb-src to every Types: line of the deb822 file that lacks it. The new
# text is written next to the file (same owner and mode, via cp -p) and renamed
# over it, so a crash leaves either the old or the new file, never half of one;
# a second run finds nothing to change.
enable_deb_src()
{
	local tmp changed=0
	if [ -f "$apt_sources" ]; then
		tmp=$(as_root mktemp "$(dirname "$apt_sources")/.hermes-deb-src.XXXXXX")
		as_root cp -p "$apt_sources" "$tmp"
		awk '/^Types:/ && !/[[:space:]]deb-src([[:space:]]|$)/ { $0 = $0 " deb-src" } { print }' \
			"$apt_sources" | as_root tee "$tmp" >/dev/null
		if cmp -s "$apt_sources" "$tmp"; then
			as_root rm -f "$tmp"
		else
			as_root mv "$tmp" "$apt_sources"
			changed=1
			echo "added deb-src to $apt_sources"
		fi
	fi
	if [ "$changed" = 1 ] || ! compgen -G '/var/lib/apt/lists/*_Sources*' >/dev/null; then
		as_root apt-get update
	fi
	apt-get source --print-uris cmocka >/dev/null
}

# ---------------------------------------------------------------- sources

declare -A srcdir srcver

# versions_of PKG: the source versions apt knows for PKG, newest first.
versions_of()
{
	local v sorted=()
	for v in $(apt-cache showsrc "$1" | awk '/^Version:/ { print $2 }' | sort -u); do
		local i=${#sorted[@]}
		sorted+=("$v")
		while [ "$i" -gt 0 ] && dpkg --compare-versions "${sorted[i - 1]}" lt "$v"; do
			sorted[i]=${sorted[i - 1]}
			sorted[i - 1]=$v
			i=$((i - 1))
		done
	done
	printf '%s\n' "${sorted[@]}"
}

# fetch_source PKG VERSION DIR: download that version (apt-get skips files
# already there) and unpack it, Debian patches applied, into DIR.
fetch_source()
{
	local pkg=$1 version=$2 dir=$3 dl=$workdir/src/download
	mkdir -p "$dl"
	cd "$dl"
	apt-get source --download-only "$pkg=$version"
	rm -rf "$dir" "$dir.tmp"
	dpkg-source --no-check -x "$dl/${pkg}_${version#*:}.dsc" "$dir.tmp"
	mv "$dir.tmp" "$dir"
}

# need_source PKG: pick the version of PKG to build and unpack it once. A
# version unpacked by an earlier run is kept (newest first); otherwise the
# newest one the mirror serves (a security update's files may be missing
# from it, then the next older version is taken, and said).
need_source()
{
	local pkg=$1 version versions=() t0 log rc
	mapfile -t versions < <(versions_of "$pkg")
	if [ ${#versions[@]} -eq 0 ]; then
		printf '%-16s %7s   (apt knows no such source package)\n' "fetch $pkg" failed
		return 1
	fi
	for version in "${versions[@]}"; do
		if [ -d "$workdir/src/$pkg-$version" ]; then
			srcver[$pkg]=$version
			srcdir[$pkg]=$workdir/src/$pkg-$version
			# .hermes-origin: a tree put there by hand, when the mirror did not serve it.
			printf '%-16s %7s   (%s, unpacked before%s)\n' "fetch $pkg" cached "$version" \
				"$(sed 's/^/; /' "$workdir/src/$pkg-$version/.hermes-origin" 2>/dev/null)"
			return 0
		fi
	done
	for version in "${versions[@]}"; do
		t0=$(now)
		log=$logdir/fetch-$pkg.log
		rc=0
		(fetch_source "$pkg" "$version" "$workdir/src/$pkg-$version") >"$log" 2>&1 </dev/null &
		wait $! || rc=$?
		if [ "$rc" -eq 0 ]; then
			srcver[$pkg]=$version
			srcdir[$pkg]=$workdir/src/$pkg-$version
			printf '%-16s %7s s (%s)\n' "fetch $pkg" "$(since "$t0")" "$version"
			return 0
		fi
		printf '%-16s %7s   (%s not served: %s)\n' "fetch $pkg" failed "$version" \
			"$(grep -m1 '^E: ' "$log" || tail -n 1 "$log")"
	done
	for version in "${versions[@]}"; do
		if in_tree_source "$pkg" "$version"; then
			srcver[$pkg]=$version
			srcdir[$pkg]=$workdir/src/$pkg-$version
			printf '%-16s %7s   (%s from the tree: %s)\n' "fetch $pkg" ok "$version" \
				"$(cat "$workdir/src/$pkg-$version/.hermes-origin")"
			return 0
		fi
	done
	return 1
}

# in_tree_source PKG VERSION: when the mirror serves no source of PKG, the
# upstream release of VERSION's upstream version kept in contrib/mingw/sources
# (checked against SHA256SUMS there) is unpacked instead, without Debian's
# patches, and says so in .hermes-origin (which goes into the package's stamp).
in_tree_source()
{
	local pkg=$1 version=$2 upstream tarball dir=$workdir/src/$1-$2
	upstream=${version#*:}
	upstream=${upstream%-*}
	tarball=$pkg-$upstream.tar.xz
	[ -f "$here/sources/$tarball" ] || return 1
	if ! (cd "$here/sources" && grep " $tarball\$" SHA256SUMS | sha256sum --check --status); then
		printf '%-16s %7s   (%s does not match contrib/mingw/sources/SHA256SUMS)\n' \
			"fetch $pkg" failed "$tarball"
		return 1
	fi
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	tar -xJf "$here/sources/$tarball" -C "$dir.tmp" --strip-components=1
	echo "contrib/mingw/sources/$tarball, upstream $upstream without Debian's patches: the mirror served no source" \
		>"$dir.tmp/.hermes-origin"
	mv "$dir.tmp" "$dir"
}

# ---------------------------------------------------------------- builds

toolchain=$here/x86_64-w64-mingw32.cmake
deps_ini=$workdir/cross-deps.ini

cmake_build()
{
	local src=$1 build=$2
	shift 2
	rm -rf "$build"
	cmake -S "$src" -B "$build" -G Ninja \
		-DCMAKE_TOOLCHAIN_FILE="$toolchain" \
		-DCMAKE_FIND_ROOT_PATH="$sysroot" \
		-DCMAKE_INSTALL_PREFIX="$sysroot" \
		-DCMAKE_BUILD_TYPE=Release \
		"$@"
	nice -n "$niceness" cmake --build "$build" -j "$jobs"
	cmake --install "$build"
}

meson_build()
{
	local src=$1 build=$2
	shift 2
	rm -rf "$build"
	meson setup "$build" "$src" --cross-file "$deps_ini" --prefix "$sysroot" --libdir lib \
		--wrap-mode nodownload "$@"
	nice -n "$niceness" ninja -C "$build" -j "$jobs"
	meson install -C "$build" --no-rebuild
}

build_cmocka()
{
	cmake_build "${srcdir[cmocka]}" "$workdir/build/cmocka" \
		-DWITH_STATIC_LIB=OFF -DUNIT_TESTING=OFF -DWITH_EXAMPLES=OFF
}

build_pcre2()
{
	cmake_build "${srcdir[pcre2]}" "$workdir/build/pcre2" \
		-DBUILD_SHARED_LIBS=ON -DBUILD_STATIC_LIBS=OFF \
		-DPCRE2_BUILD_PCRE2GREP=OFF -DPCRE2_BUILD_TESTS=OFF
}

build_libffi()
{
	local build=$workdir/build/libffi
	rm -rf "$build"
	mkdir -p "$build"
	cd "$build"
	"${srcdir[libffi]}/configure" --host="$host" --prefix="$sysroot" \
		--enable-shared --disable-static --disable-docs --disable-multi-os-directory
	nice -n "$niceness" make -j "$jobs"
	make install
}

build_intl()
{
	local build=$workdir/build/intl
	rm -rf "$build"
	mkdir -p "$build"
	$host-gcc -O2 -Wall -Wextra -Werror -c "$here/intl/intl.c" -I"$here/intl" -o "$build/intl.o"
	$host-ar rcs "$build/libintl.a" "$build/intl.o"
	install -m 644 "$build/libintl.a" "$sysroot/lib/libintl.a"
	install -m 644 "$here/intl/libintl.h" "$sysroot/include/libintl.h"
}

build_glib()
{
	meson_build "${srcdir[glib2.0]}" "$workdir/build/glib" \
		-Dtests=false -Dinstalled_tests=false -Dnls=disabled -Dlibmount=disabled \
		-Dselinux=disabled -Dxattr=false -Dlibelf=disabled -Dman=false -Dgtk_doc=false
}

build_json_glib()
{
	meson_build "${srcdir[json-glib]}" "$workdir/build/json-glib" \
		-Dintrospection=disabled -Dgtk_doc=disabled -Dman=false -Dtests=false
}

# built NAME KEY: true when the stamp of NAME records KEY.
built()
{
	[ -f "$stampdir/$1" ] && [ "$(cat "$stampdir/$1")" = "$2" ]
}

# package NAME KEY FUNCTION: build NAME unless its stamp matches KEY.
package()
{
	local name=$1 key=$2 fn=$3
	if built "$name" "$key"; then
		printf '%-16s %7s   (%s, stamp matches)\n' "$name" cached "${key%% *}"
		return 0
	fi
	rm -f "$stampdir/$name"
	step "$name" "$fn"
	printf '%s\n' "$key" >"$stampdir/$name"
}

# recipe FUNCTION [FILES...]: a hash of the function's text and of the files.
recipe()
{
	local fn=$1
	shift
	{
		declare -f "$fn" cmake_build meson_build
		cat "$@"
	} | sha256sum | cut -c1-16
}

# ---------------------------------------------------------------- main

total0=$(now)
echo "mingw-w64 sysroot: $sysroot (work: $workdir)"
step apt install_packages
step deb-src enable_deb_src

missing=()
for p in cmocka pcre2 libffi glib2.0 json-glib; do
	need_source "$p" || missing+=("$p")
done

sed "s|@SYSROOT@|$sysroot|g" "$here/x86_64-w64-mingw32.ini.in" >"$deps_ini.tmp"
mkdir -p "$sysroot/share/hermes-mingw"
cp "$deps_ini.tmp" "$sysroot/share/hermes-mingw/x86_64-w64-mingw32.ini"
# No wine while building the sysroot: meson then takes GLib's answers for
# Windows instead of running test programs.
sed '/^exe_wrapper/d' "$deps_ini.tmp" >"$deps_ini"
rm -f "$deps_ini.tmp"

# src_key PKG: its version, plus a hash of .hermes-origin when the tree was put there by hand.
src_key()
{
	local origin=${srcdir[$1]:-}/.hermes-origin
	if [ -f "$origin" ]; then
		echo "${srcver[$1]}+local-$(sha256sum <"$origin" | cut -c1-8)"
	else
		echo "${srcver[$1]:-}"
	fi
}

# A package whose source is missing is not built, nor is what needs it; the
# others are, and the script then fails naming what is missing.
have()
{
	local p
	for p in "$@"; do
		[ -n "${srcver[$p]:-}" ] || return 1
	done
}

key_cmocka="$(src_key cmocka) $(recipe build_cmocka "$toolchain")"
key_pcre2="$(src_key pcre2) $(recipe build_pcre2 "$toolchain")"
key_libffi="$(src_key libffi) $(recipe build_libffi)"
key_intl="own $(recipe build_intl "$here/intl/intl.c" "$here/intl/libintl.h")"
key_glib="$(src_key glib2.0) $(recipe build_glib "$deps_ini") pcre2=$key_pcre2 libffi=$key_libffi intl=$key_intl"
key_json_glib="$(src_key json-glib) $(recipe build_json_glib "$deps_ini") glib=$key_glib"

! have cmocka || package cmocka "$key_cmocka" build_cmocka
! have pcre2 || package pcre2 "$key_pcre2" build_pcre2
! have libffi || package libffi "$key_libffi" build_libffi
package intl "$key_intl" build_intl
! have glib2.0 pcre2 libffi || package glib "$key_glib" build_glib
! have json-glib glib2.0 pcre2 libffi || package json-glib "$key_json_glib" build_json_glib

printf '%-16s %7s s\n' total "$(since "$total0")"
echo "cross file: $sysroot/share/hermes-mingw/x86_64-w64-mingw32.ini"
if [ ${#missing[@]} -gt 0 ]; then
	echo "$0: not built, apt could not fetch the source of: ${missing[*]} (and what needs it)" >&2
	echo "  see $logdir/fetch-*.log and docs/windows.md" >&2
	exit 1
fi
absent=()
for pc in cmocka glib-2.0 gobject-2.0 gio-2.0 gio-windows-2.0 json-glib-1.0; do
	[ -f "$sysroot/lib/pkgconfig/$pc.pc" ] || absent+=("$pc.pc")
done
if [ ${#absent[@]} -gt 0 ]; then
	echo "$0: missing from $sysroot/lib/pkgconfig: ${absent[*]}" >&2
	exit 1
fi
