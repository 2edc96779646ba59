#!/usr/bin/env bash
# The bash completion, run through the real bash-completion framework with
# the built `hermes` on PATH. Prints TAP.
set -u
completion=$1
hermes_bin=$2
# shellcheck source=/dev/null
source /usr/share/bash-completion/bash_completion
# shellcheck source=/dev/null
source "$completion"
PATH=$(dirname "$hermes_bin"):$PATH
HERMES_HOME=$(mktemp -d)
export HERMES_HOME HERMES_BACKEND_PATH=
trap 'rm -rf "$HERMES_HOME"' EXIT
hermes profile create alpha >/dev/null
hermes profile create beta >/dev/null

n=0
failed=0
complete_line() {
	COMP_LINE=$1
	read -r -a COMP_WORDS <<<"$COMP_LINE"
	[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_hermes
	echo "${COMPREPLY[*]}"
}
check() {
	n=$((n + 1))
	local got
	got=$(complete_line "$1")
	if [[ $got == "$2" ]]; then
		echo "ok $n - '$1' -> '$got'"
	else
		echo "not ok $n - '$1' -> '$got', expected '$2'"
		failed=$((failed + 1))
	fi
}
echo "1..20"
check "hermes pro" "profile"
check "hermes profile " "create delete list"
check "hermes gateway st" "start stop status"
check "hermes gateway re" "restart render"
check "hermes -p " "default alpha beta"
check "hermes profile delete a" "alpha"
check "hermes gateway restart --a" "--all"
check "hermes gateway stop --f" "--force"
check "hermes gateway start --w" "--wait"
check "hermes supervisor s" "start stop status"
check "hermes boot " "reconcile"
check "hermes gateway run --r" "--replace"
check "hermes gateway lo" "logs"
check "hermes gateway logs --f" "--follow"
check "hermes doc" "doctor"
check "hermes dashboard " "url"
check "hermes status --db" "--dbus"
check "hermes gateway install --" "--start --enable --dry-run --profile --backend --json --system --help"
check "hermes --sys" "--system"
check "hermes gateway logs -n 5 --s" "--since --system"
exit $((failed > 0))
