# bash completion for hermes(1)

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
	esac

	local group="" command="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-p | --profile | --backend) ((i++)) ;;
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

	local opts="--profile --backend --json --help"
	if [[ -z $group ]]; then
		mapfile -t COMPREPLY < <(compgen -W "profile gateway supervisor boot status backends doctor --version $opts" -- "$cur")
	elif [[ -z $command ]]; then
		case $group in
		profile) mapfile -t COMPREPLY < <(compgen -W "create delete list" -- "$cur") ;;
		gateway) mapfile -t COMPREPLY < <(compgen -W "start stop restart status health logs run install uninstall render" -- "$cur") ;;
		boot) mapfile -t COMPREPLY < <(compgen -W "reconcile" -- "$cur") ;;
		supervisor) mapfile -t COMPREPLY < <(compgen -W "start stop status" -- "$cur") ;;
		*) mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur") ;;
		esac
	else
		case $group/$command in
		profile/delete) mapfile -t COMPREPLY < <(compgen -W "$(_hermes_profiles) --yes $opts" -- "$cur") ;;
		gateway/run) mapfile -t COMPREPLY < <(compgen -W "--replace --no-supervise $opts" -- "$cur") ;;
		gateway/logs) mapfile -t COMPREPLY < <(compgen -W "--follow --lines --since --all $opts" -- "$cur") ;;
		gateway/start | gateway/stop | gateway/restart) mapfile -t COMPREPLY < <(compgen -W "--all --force $opts" -- "$cur") ;;
		gateway/*) mapfile -t COMPREPLY < <(compgen -W "--all $opts" -- "$cur") ;;
		boot/reconcile) mapfile -t COMPREPLY < <(compgen -W "--dry-run $opts" -- "$cur") ;;
		*) mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur") ;;
		esac
	fi
} && complete -F _hermes hermes
