# bash completion for hermes(1)
# (zsh: _hermes, fish: hermes.fish; tests/test-completion*.sh check all three
# against `hermes --help`)

_hermes_profiles()
{
	hermes profile list --json 2>/dev/null | sed -n 's/^ *"name" : "\(.*\)",$/\1/p'
}

_hermes()
{
	local cur prev words cword
	_init_completion || return

	case $prev in
	-p | --profile)
		mapfile -t COMPREPLY < <(compgen -W "$(_hermes_profiles)" -- "$cur")
		return
		;;
	--backend)
		mapfile -t COMPREPLY < <(compgen -W "s6 systemd launchd windows" -- "$cur")
		return
		;;
	-n | --lines | --since | --endpoints | --node | --capacity | --ttl | --label | --require)
		return
		;;
	esac

	local group="" command="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-p | --profile | --backend | -n | --lines | --since | --endpoints | --node | --capacity | --ttl | --label | --require) ((i++)) ;;
		-*) ;;
		*)
			if [[ -z $group ]]; then
				group=${words[i]}
			elif [[ -z $command ]]; then
				command=${words[i]}
			fi
			;;
		esac
	done

	local opts="--profile --backend --json --system --help"
	local words_now
	if [[ -z $group ]]; then
		words_now="profile gateway supervisor boot status backends doctor dashboard cluster --version $opts"
	elif [[ -z $command ]]; then
		case $group in
		profile) words_now="create delete list" ;;
		gateway) words_now="start stop restart status health logs run install uninstall render" ;;
		boot) words_now="reconcile" ;;
		supervisor) words_now="start stop status" ;;
		dashboard) words_now="url" ;;
		cluster) words_now="agent status drain undrain move" ;;
		status) words_now="--dbus --endpoints $opts" ;;
		*) words_now="$opts" ;;
		esac
	else
		case $group/$command in
		profile/delete) words_now="$(_hermes_profiles) --yes $opts" ;;
		gateway/run) words_now="--replace --no-supervise $opts" ;;
		gateway/logs) words_now="--follow --lines --since --all $opts" ;;
		gateway/start | gateway/stop | gateway/restart) words_now="--all --force --wait --cluster --require --endpoints $opts" ;;
		cluster/agent) words_now="--node --capacity --ttl --label --endpoints $opts" ;;
		cluster/*) words_now="--endpoints $opts" ;;
		gateway/status) words_now="--all --endpoints $opts" ;;
		gateway/health) words_now="--all $opts" ;;
		gateway/install) words_now="--start --enable --dry-run $opts" ;;
		boot/reconcile) words_now="--dry-run $opts" ;;
		*) words_now="$opts" ;;
		esac
	fi
	mapfile -t COMPREPLY < <(compgen -W "$words_now" -- "$cur")
} && complete -F _hermes hermes
