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
  meson ninja-build pkg-config gcc libglib2.0-dev libjson-glib-dev libyaml-dev libcmocka-dev libsystemd-dev \
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0 gir1.2-json-1.0 s6 dbus systemd scdoc man-db \
  libsoup-3.0-dev \
  >/dev/null
prefix=${PREFIX:-/usr/local}
# a second run reconfigures the same build directory instead of failing
reconfigure=()
[ -d _build/main/meson-private ] && reconfigure=(--reconfigure)
meson setup "${reconfigure[@]}" _build/main --buildtype=release --prefix="$prefix" -Dtests=false -Dman=enabled >/dev/null
meson compile -C _build/main
$sudo meson install -C _build/main --quiet
$sudo ldconfig
export HERMES_HOME=${HERMES_HOME:-$HOME/.hermes}
hermes=$prefix/bin/hermes
"$hermes" backends
for profile in demo second; do
  "$hermes" profile create "$profile" || [ $? -eq 4 ]
  # no supervisor on this machine: the first start runs hermes-svc's own s6 tree
  "$hermes" -p "$profile" gateway start
done
"$hermes" supervisor status
"$hermes" status
# each gateway's built-in payload answers on its own port
for profile in demo second; do
  port=$("$hermes" -p "$profile" gateway status --json |
    sed -n 's/^ *"port" : \([0-9]*\),*$/\1/p' | head -n 1)
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  printf 'GET /health HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
  printf '%s: ' "$profile"
  tail -n 1 <&3
  echo
  exec 3<&-
done
"$hermes" gateway health --all
# the same gateways on D-Bus: hermes-svcd on a private session bus
dbus-run-session -- bash -c '
  "$1/bin/hermes-svcd" --session &
  daemon=$!
  gdbus wait --session --timeout 10 ai.hermes.ServiceManager1
  busctl --user tree ai.hermes.ServiceManager1
  gdbus introspect --session -d ai.hermes.ServiceManager1 -o /ai/hermes/ServiceManager1/gateway/demo -p |
    grep -E "readonly (s|u|i|x|t|b) (Profile|State|Pid|Port|Ready) "
  kill "$daemon"
  wait "$daemon"
' main-job "$prefix"
# the web dashboard: hermes-svcd serving only HTTP on loopback (no bus needed), left
# running like the gateways; a second run replaces the one the first left
dashboard_pid=$HERMES_HOME/dashboard.pid
if [ -f "$dashboard_pid" ]; then
  old=$(cat "$dashboard_pid")
  if [ "$(cat "/proc/$old/comm" 2>/dev/null)" = hermes-svcd ]; then
    kill "$old"
    while kill -0 "$old" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$dashboard_pid"
fi
rm -f "$HERMES_HOME/dashboard.url"
mkdir -p "$HERMES_HOME/logs"
setsid "$prefix/bin/hermes-svcd" --no-bus --http 127.0.0.1:9119 \
  </dev/null >"$HERMES_HOME/logs/dashboard.log" 2>&1 &
echo $! >"$dashboard_pid"
for _ in $(seq 100); do
  [ -f "$HERMES_HOME/dashboard.url" ] && break
  kill -0 "$(cat "$dashboard_pid")" || { cat "$HERMES_HOME/logs/dashboard.log"; exit 1; }
  sleep 0.1
done
url=$("$hermes" dashboard url)
# its API answers with the token, as the page asks it
token=${url#*#token=}
exec 3<>/dev/tcp/127.0.0.1/9119
printf 'GET /api/gateways HTTP/1.0\r\nHost: 127.0.0.1:9119\r\nX-Hermes-Token: %s\r\n\r\n' "$token" >&3
printf 'dashboard API: %s\n' "$(head -n 1 <&3 | tr -d '\r')"
exec 3<&-
echo
echo "The web dashboard (open it in a browser on this machine): $url"
echo "The gateways keep running under the embedded s6 tree."
# the man pages: /usr/local/share/man is on Debian's default man path (/etc/manpath.config)
manpath=()
[ "$prefix" = /usr/local ] || [ "$prefix" = /usr ] || manpath=(env MANPATH="$prefix/share/man")
manual=$("${manpath[@]}" man -w hermes hermes-svcd | tr '\n' ' ')
echo "Manual: man hermes, man hermes-svcd ($manual)"
echo "Logs: $HERMES_HOME/logs/gateways/<profile>/current; stop everything with: $hermes supervisor stop"
echo "The dashboard's URL again: $hermes dashboard url; stop it: kill \$(cat $dashboard_pid)"
