#!/usr/bin/env bash
# Install hermes-svc into a scratch prefix, check the layout the packaging
# contract promises, then build a backend out of tree with nothing but
# `pkg-config hermes-svc-1` and have the installed `hermes` load and use it.
# Usage: check-installed-sdk.sh SOURCE_DIR WORK_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
rm -rf "$2"
mkdir -p "$2"
work=$(cd "$2" && pwd)
prefix=$work/prefix

fail() { echo "check-installed-sdk: $*" >&2; exit 1; }

quietly() { "$@" >"$work/step.log" 2>&1 || { cat "$work/step.log" >&2; fail "failed: $*"; }; }
quietly meson setup "$work/build" "$src" --prefix="$prefix" --libdir=lib -Dtests=false -Dman=enabled
quietly meson install -C "$work/build"

for f in \
  lib/libhermes-svc-1.so lib/pkgconfig/hermes-svc-1.pc \
  include/hermes-svc-1/hermes-backend.h include/hermes-svc-1/hermes-svc.h \
  include/hermes-svc-1/hermes-enum-types.h bin/hermes \
  lib/girepository-1.0/Hermes-1.typelib share/gir-1.0/Hermes-1.gir \
  share/hermes-svc-1/backend.map \
  share/man/man1/hermes.1 share/man/man8/hermes-svcd.8 \
  share/bash-completion/completions/hermes share/zsh/site-functions/_hermes \
  share/fish/vendor_completions.d/hermes.fish \
  bin/hermes-svcd include/hermes-svc-1/hermes-dashboard-token.h \
  share/hermes-svc-1/dashboard/index.html share/hermes-svc-1/dashboard/dashboard.js \
  share/hermes-svc-1/dashboard/dashboard.css \
  lib/hermes-svc-1/libhermes-cli.so lib/hermes-svc-1/libhermes-cli-cluster.so \
  lib/hermes-svc-1/backends/libhermes-backend-s6.so \
  lib/hermes-svc-1/backends/libhermes-backend-systemd.so \
  lib/hermes-svc-1/backends/libhermes-backend-launchd.so \
  lib/hermes-svc-1/backends/libhermes-backend-windows.so; do
  [ -e "$prefix/$f" ] || fail "missing after install: $f"
done
echo "ok: install layout"

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
[ "$(pkg-config --variable=backenddir hermes-svc-1)" = "$prefix/lib/hermes-svc-1/backends" ] ||
  fail "pkg-config backenddir is $(pkg-config --variable=backenddir hermes-svc-1)"
map=$(pkg-config --variable=backendmap hermes-svc-1)
plugdir=$work/third-party
mkdir -p "$plugdir"
# shellcheck disable=SC2046
cc -shared -fPIC -Wall -Wextra -Wno-unused-parameter -Werror -o "$plugdir/libhermes-backend-demo.so" \
  "$src/tests/sdk/hermes-demo-backend.c" \
  $(pkg-config --cflags --libs hermes-svc-1) "-Wl,--version-script=$map"
exports=$(nm -D --defined-only "$plugdir/libhermes-backend-demo.so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}')
[ "$exports" = "hermes_backend_query" ] || fail "demo backend exports: $exports"
echo "ok: third-party backend built from the installed SDK"

export LD_LIBRARY_PATH=$prefix/lib
export HERMES_BACKEND_PATH=$plugdir HERMES_HOME=$work/home
unset HERMES_SERVICE_MANAGER
out=$("$prefix/bin/hermes" backends --json)
echo "$out" | grep -q '"name" : "demo"' || fail "installed hermes does not list the demo backend: $out"
echo "$out" | grep -q "$prefix/lib/hermes-svc-1/backends/libhermes-backend-s6.so" ||
  fail "installed hermes does not search its compiled-in backend dir: $out"
"$prefix/bin/hermes" profile create demo >/dev/null
out=$("$prefix/bin/hermes" --backend demo -p demo gateway status)
echo "$out" | grep -q '^demo  *unknown' || fail "status through the demo backend: $out"
echo "ok: installed hermes loads and drives the third-party backend"

# the cluster module is found beside the installed CLI module: an unreachable
# cluster is its own exit code (68), not "no cluster support" (5)
set +e
"$prefix/bin/hermes" cluster status --endpoints http://127.0.0.1:1 >/dev/null 2>"$work/cluster.err"
code=$?
set -e
[ "$code" = 68 ] || fail "installed hermes cluster status exits $code: $(cat "$work/cluster.err")"
echo "ok: installed hermes loads its cluster module"
