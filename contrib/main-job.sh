#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install the dependencies, build
# and install hermes-svc, then let it explain which supervisor it would use
# and create a first profile.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
[ "$(id -u)" = 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends \
  meson ninja-build pkg-config gcc libglib2.0-dev libjson-glib-dev libcmocka-dev \
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0 gir1.2-json-1.0 s6 >/dev/null
prefix=${PREFIX:-/usr/local}
meson setup _build/main --buildtype=release --prefix="$prefix" -Dtests=false >/dev/null
meson compile -C _build/main
$sudo meson install -C _build/main --quiet
$sudo ldconfig
export HERMES_HOME=${HERMES_HOME:-$HOME/.hermes}
"$prefix/bin/hermes" backends
"$prefix/bin/hermes" profile create demo || [ $? -eq 4 ]
"$prefix/bin/hermes" profile list
