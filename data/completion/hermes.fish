# fish completion for hermes(1)
# (bash: hermes.bash, zsh: _hermes; tests/test-completion-shells.py checks all
# three against `hermes --help`)

function __hermes_profiles
    hermes profile list --json 2>/dev/null | string replace -rf '^ *"name" : "(.*)",$' '$1'
end

# the group and the command typed so far (options and their values skipped)
function __hermes_words
    set -l tokens (commandline -opc)
    set -e tokens[1]
    set -l words
    set -l skip 0
    for t in $tokens
        if test $skip = 1
            set skip 0
            continue
        end
        switch $t
            case -p --profile --backend -n --lines --since --endpoints --node --capacity --ttl --label --require
                set skip 1
            case '-*'
            case '*'
                set -a words $t
        end
    end
    for w in $words
        echo $w
    end
end

# no group yet
function __hermes_needs_group
    test (count (__hermes_words)) -eq 0
end

# `__hermes_in GROUP`: the group is GROUP and no command yet
# `__hermes_in GROUP CMD…`: the group is GROUP and the command one of CMD…
function __hermes_in
    set -l words (__hermes_words)
    test (count $words) -ge 1; or return 1
    test "$words[1]" = $argv[1]; or return 1
    if test (count $argv) -eq 1
        test (count $words) -eq 1
        return
    end
    test (count $words) -ge 2; and contains -- $words[2] $argv[2..-1]
end

complete -c hermes -f

# global options, everywhere
complete -c hermes -s p -l profile -x -a '(__hermes_profiles)' -d 'Act on profile NAME'
complete -c hermes -l backend -x -a 's6 systemd launchd windows' -d 'Use backend NAME instead of the detected one'
complete -c hermes -l json -d 'Print JSON instead of tables'
complete -c hermes -l system -d 'Use the system-wide scope (systemd system units, launchd daemons)'
complete -c hermes -s h -l help -d 'Show help'
complete -c hermes -n __hermes_needs_group -l version -d 'Print the version and exit'

# groups
complete -c hermes -n __hermes_needs_group -a profile -d 'Create, list and delete profiles'
complete -c hermes -n __hermes_needs_group -a gateway -d 'Start, stop, restart and inspect gateways'
complete -c hermes -n __hermes_needs_group -a supervisor -d 'Start, stop or inspect the supervisor hermes-svc runs itself'
complete -c hermes -n __hermes_needs_group -a boot -d 'Bring gateways back after a container or machine start'
complete -c hermes -n __hermes_needs_group -a status -d 'Show every registered gateway'
complete -c hermes -n __hermes_needs_group -a backends -d 'List backend plugins and the one chosen here'
complete -c hermes -n __hermes_needs_group -a doctor -d 'Check the setup and say how to fix what fails'
complete -c hermes -n __hermes_needs_group -a dashboard -d 'The web dashboard of hermes-svcd'
complete -c hermes -n __hermes_needs_group -a cluster -d 'Run gateways across machines on an etcd cluster'

# profile
complete -c hermes -n '__hermes_in profile' -a create -d 'Create a profile'
complete -c hermes -n '__hermes_in profile' -a delete -d 'Delete a profile and its files'
complete -c hermes -n '__hermes_in profile' -a list -d 'List profiles'
complete -c hermes -n '__hermes_in profile delete' -a '(__hermes_profiles)' -d Profile
complete -c hermes -n '__hermes_in profile delete' -s y -l yes -d 'Do not ask for confirmation'

# gateway
complete -c hermes -n '__hermes_in gateway' -a run -d 'Run the gateway in the foreground (what the supervisor runs)'
complete -c hermes -n '__hermes_in gateway' -a start -d 'Start the gateway of a profile'
complete -c hermes -n '__hermes_in gateway' -a stop -d 'Stop the gateway of a profile'
complete -c hermes -n '__hermes_in gateway' -a restart -d 'Restart the gateway of a profile'
complete -c hermes -n '__hermes_in gateway' -a status -d "Show the supervisor's view of a gateway"
complete -c hermes -n '__hermes_in gateway' -a logs -d "Show a gateway's log"
complete -c hermes -n '__hermes_in gateway' -a install -d 'Make the gateway permanent with the backend'
complete -c hermes -n '__hermes_in gateway' -a uninstall -d 'Undo install'
complete -c hermes -n '__hermes_in gateway' -a render -d 'Print exactly what install would write and run'
complete -c hermes -n '__hermes_in gateway' -a health -d 'Exit 0 only if every gateway meant to run is up'
complete -c hermes -n '__hermes_in gateway start stop restart status health logs' -s a -l all -d 'Act on every registered gateway'
complete -c hermes -n '__hermes_in gateway start stop restart' -l force -d "Act on a named profile's own gateway even while the default one serves it"
complete -c hermes -n '__hermes_in gateway start stop restart' -s w -l wait -d 'Wait up to SECONDS (default 30) until the gateway is up (down for stop)'
complete -c hermes -n '__hermes_in gateway logs' -s f -l follow -d 'Go on printing lines as they are written'
complete -c hermes -n '__hermes_in gateway logs' -s n -l lines -x -d 'Show the last N lines'
complete -c hermes -n '__hermes_in gateway logs' -l since -x -d 'Only lines from TIME on (ISO 8601, or an age: 10m, 2h, 1d)'
complete -c hermes -n '__hermes_in gateway run' -l replace -d 'Take over from a gateway of this profile that already runs'
complete -c hermes -n '__hermes_in gateway run' -l no-supervise -d 'Run in the foreground even inside a supervised container'
complete -c hermes -n '__hermes_in gateway install' -l start -d 'Start the gateway once installed'
complete -c hermes -n '__hermes_in gateway install' -l enable -d 'Start it at boot'
complete -c hermes -n '__hermes_in gateway install' -l dry-run -d 'Say what would be done, do nothing'

# supervisor
complete -c hermes -n '__hermes_in supervisor' -a start -d 'Start the embedded s6 tree'
complete -c hermes -n '__hermes_in supervisor' -a stop -d 'Stop every gateway, then the tree'
complete -c hermes -n '__hermes_in supervisor' -a status -d 'Say whether the tree runs'

# boot
complete -c hermes -n '__hermes_in boot' -a reconcile -d "Rebuild every profile's slot from its persisted state"
complete -c hermes -n '__hermes_in boot reconcile' -l dry-run -d 'Say what would be done, do nothing'

# status, dashboard
complete -c hermes -n '__hermes_in status' -l dbus -d 'Ask hermes-svcd on D-Bus instead of the backend'
complete -c hermes -n '__hermes_in status' -l endpoints -x -d "The etcd cluster's client URLs: show each gateway's node"
complete -c hermes -n '__hermes_in gateway status' -l endpoints -x -d "The etcd cluster's client URLs: show each gateway's node"
complete -c hermes -n '__hermes_in dashboard' -a url -d "Print the dashboard's address with its token"

# cluster
complete -c hermes -n '__hermes_in cluster' -a agent -d "Run this machine's node agent (foreground, until SIGTERM)"
complete -c hermes -n '__hermes_in cluster' -a status -d "Show each node, its lease and each gateway's node"
complete -c hermes -n '__hermes_in cluster' -a drain -d 'Move every gateway off NODE and place none there'
complete -c hermes -n '__hermes_in cluster' -a undrain -d 'Let NODE take gateways again'
complete -c hermes -n '__hermes_in cluster' -a move -d "Run PROFILE's gateway on NODE"
complete -c hermes -n '__hermes_in cluster agent' -l node -x -d "This node's name in the cluster"
complete -c hermes -n '__hermes_in cluster agent' -l capacity -x -d 'The most gateways this node runs'
complete -c hermes -n '__hermes_in cluster agent' -l ttl -x -d "Seconds the node's lease lives without renewal"
complete -c hermes -n '__hermes_in cluster agent' -l label -x -d 'A label of this node (KEY=VALUE)'
complete -c hermes -n '__hermes_in cluster agent status drain undrain move' -l endpoints -x -d "The etcd cluster's client URLs"
complete -c hermes -n '__hermes_in gateway start stop restart' -l cluster -d 'Record the intent in the etcd cluster; a node agent acts on it'
complete -c hermes -n '__hermes_in gateway start stop restart' -l require -x -d 'With --cluster: run only on a node with this label (KEY=VALUE)'
complete -c hermes -n '__hermes_in gateway start stop restart' -l endpoints -x -d "The etcd cluster's client URLs"
