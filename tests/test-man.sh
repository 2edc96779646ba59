#!/usr/bin/env bash
# The built man pages: each renders through man(1) with groff's warnings on
# and none is printed; every group, command and option the built `hermes`
# and `hermes-svcd` list in their --help is named in hermes(1) or
# hermes-svcd(8), so a new command or option without a man entry fails here.
# Prints TAP.
set -u
hermes_bin=$1
svcd_bin=$2
hermes_page=$3
svcd_page=$4

n=0
failed=0
ok() {
	n=$((n + 1))
	echo "ok $n - $1"
}
not_ok() {
	n=$((n + 1))
	echo "not ok $n - $1"
	failed=$((failed + 1))
}

render() {
	MANWIDTH=200 man -l "$1" 2>/dev/null
}

# groff's warnings (man --warnings) go to stderr; any line there fails
for page in "$hermes_page" "$svcd_page"; do
	warnings=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null)
	if [[ -n $warnings ]]; then
		not_ok "$(basename "$page") renders with warnings:"
		printf '# %s\n' "$warnings"
	elif [[ -z $(render "$page") ]]; then
		not_ok "$(basename "$page") renders to nothing"
	else
		ok "$(basename "$page") renders without warnings"
	fi
done

hermes_text=$(render "$hermes_page")
svcd_text=$(render "$svcd_page")

# "Commands:" up to the next blank line, first word of each line
commands_of() {
	sed -n '/^Commands:$/,/^$/{/^  /{s/^  *\([a-z][a-z-]*\).*/\1/p}}'
}
# the long options of the option lines ("  -p, --profile=NAME  …"), not of the prose
long_options_of() {
	sed -n 's/^  *\(-[^ ], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p' | grep -vx -- '--help' | sort -u
}
# `hermes GROUP COMMAND` with anything of the synopsis in between:
# "hermes [-p NAME] gateway start|stop|restart …", "hermes profile list"
names_command() {
	local group=$1 command=$2
	if [[ -z $command ]]; then
		grep -qE -- "^ *hermes (\[[^]]*\] )*${group}( |\$)" <<<"$hermes_text"
		return
	fi
	grep -qE -- "^ *hermes (\[[^]]*\] )*${group} ([a-z-]+\|)*${command}(\||\$| )" <<<"$hermes_text"
}
check_options() {
	local what=$1 help=$2 text=$3 option missing=()
	for option in $(long_options_of <<<"$help"); do
		grep -qe "$option" <<<"$text" || missing+=("$option")
	done
	if ((${#missing[@]} > 0)); then
		not_ok "$what: options missing from the man page: ${missing[*]}"
	else
		ok "$what: every option is in the man page"
	fi
}

top_help=$("$hermes_bin" --help)
groups=$(commands_of <<<"$top_help")
if [[ -z $groups ]]; then
	not_ok "hermes --help lists no groups"
fi
check_options "hermes" "$top_help" "$hermes_text"
for group in $groups; do
	if grep -qE "^   ${group}\$" <<<"$hermes_text"; then
		ok "group '$group' has a section in hermes(1)"
	else
		not_ok "group '$group' (hermes --help) has no section in hermes(1)"
	fi
	group_help=$("$hermes_bin" "$group" --help)
	commands=$(commands_of <<<"$group_help")
	if [[ -z $commands ]]; then
		# a single command: `hermes status`
		if names_command "$group" ""; then
			ok "'hermes $group' is described"
		else
			not_ok "'hermes $group' is not described in hermes(1)"
		fi
		check_options "hermes $group" "$group_help" "$hermes_text"
		continue
	fi
	for command in $commands; do
		if names_command "$group" "$command"; then
			ok "'hermes $group $command' is described"
		else
			not_ok "'hermes $group $command' (hermes $group --help) is not described in hermes(1)"
		fi
		check_options "hermes $group $command" "$("$hermes_bin" "$group" "$command" --help)" "$hermes_text"
	done
done

check_options "hermes-svcd" "$("$svcd_bin" --help)" "$svcd_text"

echo "1..$n"
exit $((failed > 0))
