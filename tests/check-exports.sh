#!/bin/sh
# Usage: check-exports.sh NM PLUGIN.so
# A backend must export exactly one symbol, hermes_backend_query.
set -eu
nm_bin=$1
plugin=$2
exports=$("$nm_bin" -D --defined-only "$plugin" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort -u)
if [ "$exports" != "hermes_backend_query" ]; then
  echo "$plugin exports more or less than hermes_backend_query:" >&2
  echo "$exports" >&2
  exit 1
fi
echo "ok: $plugin exports only hermes_backend_query"
