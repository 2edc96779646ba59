#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: install the dependencies, build
# and install hermes-svc, let it explain which supervisor it uses, create a
# profile and start its gateway, supervised by the embedded s6 tree.
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
hermes=$prefix/bin/hermes
"$hermes" backends
"$hermes" profile create demo || [ $? -eq 4 ]
# no supervisor on this machine: this starts hermes-svc's own s6 tree, then the gateway under it
"$hermes" -p demo gateway start
"$hermes" supervisor status
"$hermes" status
echo
echo "The gateway keeps running under the embedded s6 tree."
echo "Logs: $HERMES_HOME/logs/gateways/demo/current; stop everything with: $hermes supervisor stop"
