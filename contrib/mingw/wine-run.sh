#!/bin/bash
# Run a command against a fresh, headless 64-bit Wine prefix:
#
#   contrib/mingw/wine-run.sh [--] CMD [ARGS...]   # e.g. wine-run.sh meson test -C build-win32
#   contrib/mingw/wine-run.sh --init               # only make the template prefix
#
# The first use makes a template prefix with wineboot (once per Wine version)
# under HERMES_WINE_CACHE (default ~/.cache/hermes-svc/wine). Each run gets a
# copy of it made of hardlinks (the registry files are real copies, since
# they are rewritten), so no run sees what an earlier one left, and copying
# costs milliseconds instead of seconds. CMD sees WINEPREFIX, WINEDEBUG=-all,
# WINEARCH=win64 and no DISPLAY. A run must not change files of the prefix in
# place (creating files is fine): with hardlinks that would change the
# template too. HERMES_WINE_FULL_COPY=1 copies everything instead.
#
# Before CMD runs, a persistent wineserver (-p) is started and a first
# `cmd.exe /c exit 0` brings up Wine's system processes (services.exe,
# winedevice, plugplay, rpcss...), both with stdin/stdout/stderr on
# /dev/null. Those processes live until the wineserver goes and inherit the
# standard streams of the wine call that started them: had the first call
# been a test under `meson test` (or inside $(...), or piped to head), its
# caller would wait for an EOF that comes only when the wineserver exits.
# The persistent server also keeps services alive between wine calls, as on
# Windows (without it each call may start a new session and stop them).
#
# Every wait is bounded: wineboot HERMES_WINE_BOOT_TIMEOUT (180 s), startup
# 120 s, CMD HERMES_WINE_TIMEOUT (1800 s, then exit 124), teardown 30 s.
# Teardown (also on failure or a signal): wineserver -k, wait for it, remove
# the prefix and the wineserver's socket directory. The exit status is CMD's.
set -euo pipefail

cache=${HERMES_WINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hermes-svc/wine}
boot_timeout=${HERMES_WINE_BOOT_TIMEOUT:-180}
run_timeout=${HERMES_WINE_TIMEOUT:-1800}

export WINEARCH=win64 WINEDEBUG=${WINEDEBUG:--all}
# No Mono or Gecko installer prompts during wineboot; nothing here needs them.
export WINEDLLOVERRIDES=${WINEDLLOVERRIDES:-mscoree,mshtml=}
unset DISPLAY WAYLAND_DISPLAY

die()
{
	echo "wine-run.sh: $*" >&2
	exit 1
}

for tool in wine wineboot wineserver timeout flock; do
	command -v "$tool" >/dev/null || die "$tool not found (apt-get install wine wine64)"
done

now()
{
	date +%s.%N
}
since()
{
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

# remove_server_dirs PREFIX: the wineserver's socket directory of PREFIX,
# server-<dev>-<inode> under /tmp/wine-XXXXXX on Debian (.wine-<uid> upstream).
remove_server_dirs()
{
	local name dir
	name=$(printf 'server-%x-%x' "$(stat -c %d "$1")" "$(stat -c %i "$1")")
	for dir in "${TMPDIR:-/tmp}"/wine-*/"$name" "${TMPDIR:-/tmp}/.wine-$(id -u)/$name"; do
		[ -d "$dir" ] || continue
		rm -rf "$dir"
		rmdir "${dir%/*}" 2>/dev/null || true
	done
}

wine_version=$(wine --version 2>/dev/null | tr -c 'A-Za-z0-9.\n-' '_')
template=$cache/template-${wine_version:-unknown}

make_template()
{
	local new t0 rc=0 rc_wait=0
	mkdir -p "$cache"
	exec 8>"$cache/lock"
	flock -w "$boot_timeout" 8 || die "timed out waiting for $cache/lock"
	if [ -d "$template" ]; then
		exec 8>&-
		return 0
	fi
	t0=$(now)
	new=$(mktemp -d "$cache/new.XXXXXX")
	WINEPREFIX=$new timeout -k 10 "$boot_timeout" wineboot --init </dev/null >"$cache/wineboot.log" 2>&1 || rc=$?
	# wineboot returns before the registry is flushed; wait for the server to finish.
	WINEPREFIX=$new timeout -k 5 60 wineserver -w </dev/null >/dev/null 2>&1 || rc_wait=$?
	remove_server_dirs "$new"
	if [ "$rc" -ne 0 ] || [ "$rc_wait" -ne 0 ] || [ ! -f "$new/system.reg" ]; then
		WINEPREFIX=$new timeout -k 5 30 wineserver -k </dev/null >/dev/null 2>&1 || true
		remove_server_dirs "$new"
		rm -rf "$new"
		tail -n 20 "$cache/wineboot.log" >&2
		die "wineboot failed (exit $rc, wineserver -w $rc_wait); log: $cache/wineboot.log"
	fi
	mv "$new" "$template"
	exec 8>&-
	echo "wine-run.sh: template prefix for $wine_version made in $(since "$t0") s ($(du -sh "$template" | cut -f1))" >&2
}

if [ "${1:-}" = --init ]; then
	make_template
	exit 0
fi
[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || {
	echo "usage: $0 [--] CMD [ARGS...] | --init" >&2
	exit 64
}

make_template

prefix=$(mktemp -d "$cache/run.XXXXXX")
export WINEPREFIX=$prefix

# shellcheck disable=SC2317 # run by the EXIT trap
teardown()
{
	timeout -k 5 30 wineserver -k </dev/null >/dev/null 2>&1 || true
	timeout -k 5 30 wineserver -w </dev/null >/dev/null 2>&1 || true
	remove_server_dirs "$prefix"
	rm -rf "$prefix"
}
trap teardown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "${HERMES_WINE_FULL_COPY:-}" ]; then
	cp -a "$template/." "$prefix/"
else
	cp -al "$template/." "$prefix/"
	for reg in "$template"/*.reg; do
		cp --remove-destination -p "$reg" "$prefix/${reg##*/}"
	done
fi

timeout -k 5 30 wineserver -p </dev/null >/dev/null 2>&1 || die "wineserver -p did not start"
timeout -k 10 120 wine cmd.exe /c exit 0 </dev/null >/dev/null 2>&1 || die "the first wine call (cmd.exe /c exit 0) failed or timed out"

rc=0
timeout -k 10 "$run_timeout" "$@" || rc=$?
[ "$rc" -ne 124 ] || echo "wine-run.sh: $1 timed out after $run_timeout s" >&2
exit "$rc"
