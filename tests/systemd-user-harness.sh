#!/bin/bash
# Runs one command against a real, private `systemd --user` on a machine
# that was not booted with systemd (CI, containers, VMs), then tears it all
# down. Needs root (unshare and mount). Debian 12, systemd 252.
#
#   systemd-user-harness.sh [-t READY_TIMEOUT_S] -- COMMAND [ARGS...]
#
# COMMAND runs as PID-namespace child of this script with:
#   XDG_RUNTIME_DIR=/run/user/<uid>   DBUS_SESSION_BUS_ADDRESS=unix:path=$XDG_RUNTIME_DIR/bus
#   XDG_CONFIG_HOME, XDG_DATA_HOME, XDG_STATE_HOME, XDG_CACHE_HOME (private tmpfs)
#   SDH_UNIT_DIR  the user unit directory ($XDG_CONFIG_HOME/systemd/user)
#   SDH_LOG       the manager's log, with the output of every unit
#   SDH_MANAGER_PID, HERMES_SDH_INNER=1
#   SDH_JOURNALD_LOG  journald's own messages (only with SDH_JOURNALD=1)
# The exit status is COMMAND's, or 124 if the manager never became ready.
#
# Units' output goes to $SDH_LOG (DefaultStandardOutput=inherit), unless
# SDH_JOURNALD=1: then a private systemd-journald runs (volatile storage in a
# tmpfs on /run/log, and an empty tmpfs over /var/log/journal so the host's
# journal is neither read nor written), units log to it as on a real machine,
# and the manager runs in <sdh>/user.slice/user-UID.slice/user@UID.service,
# the only place where journald records a unit as _SYSTEMD_USER_UNIT.
#
# How it is built (each point answers a failure of the obvious approach):
#  - unshare --mount --pid --fork --mount-proc --kill-child: this script is
#    PID 1 of a new PID namespace; when it exits the kernel kills whatever is
#    left, and if the outer unshare is killed (a test timeout) --kill-child
#    takes PID 1 down with it. Nothing outlives the run.
#  - private tmpfs on /run/systemd (with system/ in it: sd_booted() is true
#    inside, the host's stays hidden), /run/user and, if present, /run/dbus
#    (the host's system bus is not the test's business): nothing goes to disk.
#  - systemd 252 --user talks to the session bus only while a unit named
#    dbus.socket runs, so the bus is started by the manager itself from our
#    own dbus.socket/dbus.service (the same as dbus-user-session's).
#  - readiness is NameHasOwner(org.freedesktop.systemd1) on the bus, never a
#    call to that name: calling it early starts D-Bus activation of a stub
#    that fails. Then `systemctl --user is-system-running --wait`.
#  - the manager logs to /dev/console and refuses anything but a terminal
#    there, so it runs under script(1) with the pty bound over /dev/console
#    (private mount namespace); units inherit its output (no journald here,
#    unless SDH_JOURNALD=1).
#  - cgroups: the manager lives in sdh.<outer pid> of each tracking hierarchy,
#    so its slices never land at the host's root; empty trees of killed runs
#    are removed by the next run. Never done on a host booted with systemd.
set -euo pipefail

ready_timeout=${SDH_TIMEOUT:-15}
if [ "${1:-}" = "-t" ]; then
	ready_timeout=$2
	shift 2
fi
if [ "${1:-}" = "--" ]; then
	shift
fi
if [ $# -eq 0 ]; then
	echo "usage: $0 [-t seconds] -- command [args...]" >&2
	exit 2
fi

cgroup_roots() {
	if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ]; then
		echo /sys/fs/cgroup
		return
	fi
	local h
	for h in /sys/fs/cgroup/unified /sys/fs/cgroup/systemd; do
		if [ -d "$h" ]; then echo "$h"; fi
	done
}

# empty cgroup trees of our runs: one id, or every run whose owner is gone
cgroup_sweep() {
	local root dir id
	for root in $(cgroup_roots); do
		for dir in "$root"/sdh.*; do
			[ -d "$dir" ] || continue
			id=${dir##*/sdh.}
			if [ -n "${1:-}" ]; then
				[ "$id" = "$1" ] || continue
			elif kill -0 "$id" 2>/dev/null; then
				continue
			fi
			find "$dir" -depth -type d -exec rmdir {} + 2>/dev/null || true
		done
	done
}

if [ -z "${_SDH_STAGE:-}" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "systemd-user-harness: needs root (unshare, mount)" >&2
		exit 77
	fi
	cgroup_sweep
	export _SDH_STAGE=inner _SDH_ID=$$
	exec unshare --mount --propagation private --pid --fork --mount-proc \
		--kill-child=SIGKILL -- /bin/bash "$0" -t "$ready_timeout" -- "$@"
fi

# ---- PID 1 of the new namespace ---------------------------------------------

# SDH_JOURNALD=1: a private systemd-journald (see the header). It binds its
# own sockets in /run/systemd/journal (our tmpfs); a drop-in there keeps it
# off the host's kernel log, console and syslog.
start_journald() {
	local journald=/lib/systemd/systemd-journald
	[ -x "$journald" ] || journald=/usr/lib/systemd/systemd-journald
	mount -t tmpfs -o mode=0755 sdh-log /run/log
	if [ -d /var/log/journal ]; then
		mount -t tmpfs -o mode=0755 sdh-var-journal /var/log/journal
	fi
	mkdir -p /run/systemd/journald.conf.d
	printf '[Journal]\nStorage=volatile\nReadKMsg=no\nForwardToSyslog=no\nForwardToKMsg=no\nForwardToConsole=no\nForwardToWall=no\nRateLimitBurst=0\n' \
		>/run/systemd/journald.conf.d/zz-hermes-sdh.conf
	export SDH_JOURNALD_LOG=$state/journald.log
	SYSTEMD_LOG_TARGET=console "$journald" </dev/null >"$SDH_JOURNALD_LOG" 2>&1 &
	journald_pid=$!
	for _ in $(seq 500); do
		[ -S /run/systemd/journal/stdout ] && return 0
		kill -0 "$journald_pid" 2>/dev/null || break
		sleep 0.01
	done
	echo "systemd-user-harness: systemd-journald did not start" >&2
	cat "$SDH_JOURNALD_LOG" >&2 || true
	exit 124
}

unset _SDH_STAGE DBUS_SESSION_BUS_ADDRESS NOTIFY_SOCKET MANAGERPID INVOCATION_ID \
	SYSTEMD_EXEC_PID JOURNAL_STREAM LISTEN_FDS LISTEN_PID
manager_cgroup=
journald_pid=
if [ ! -d /run/systemd/system ]; then
	for root in $(cgroup_roots); do
		mkdir -p "$root/sdh.$_SDH_ID" && echo 0 >"$root/sdh.$_SDH_ID/cgroup.procs" || true
	done
	if [ -n "${SDH_JOURNALD:-}" ]; then
		# journald names a unit _SYSTEMD_USER_UNIT only below user@UID.service
		uid=$(id -u)
		manager_cgroup=sdh.$_SDH_ID/user.slice/user-$uid.slice/user@$uid.service
	fi
fi
mkdir -p /run/systemd /run/user
mount -t tmpfs -o mode=0755 sdh-systemd /run/systemd
mkdir /run/systemd/system
mount -t tmpfs -o mode=0755 sdh-user /run/user
if [ -d /run/dbus ]; then
	mount -t tmpfs -o mode=0755 sdh-dbus /run/dbus
fi

state=/run/user/.sdh
mkdir -m 0700 "$state"
XDG_RUNTIME_DIR=/run/user/$(id -u)
mkdir -m 0700 "$XDG_RUNTIME_DIR"
export XDG_RUNTIME_DIR
export XDG_CONFIG_HOME=$state/config XDG_DATA_HOME=$state/data
export XDG_STATE_HOME=$state/state XDG_CACHE_HOME=$state/cache
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$XDG_CACHE_HOME"
export SDH_LOG=$state/manager.log SDH_UNIT_DIR=$XDG_CONFIG_HOME/systemd/user
mkdir -p "$SDH_UNIT_DIR/sockets.target.wants"

cat >"$SDH_UNIT_DIR/dbus.socket" <<'EOF'
[Unit]
Description=D-Bus user message bus socket (test harness)
[Socket]
ListenStream=%t/bus
EOF
cat >"$SDH_UNIT_DIR/dbus.service" <<'EOF'
[Unit]
Description=D-Bus user message bus (test harness)
Requires=dbus.socket
[Service]
Type=notify
NotifyAccess=main
ExecStart=/usr/bin/dbus-daemon --session --address=systemd: --nofork --nopidfile --systemd-activation --syslog-only
Slice=session.slice
EOF
ln -s ../dbus.socket "$SDH_UNIT_DIR/sockets.target.wants/dbus.socket"
# sockets other packages install for every user: noise here
for unit in gpg-agent.socket gpg-agent-ssh.socket gpg-agent-extra.socket \
	gpg-agent-browser.socket dirmngr.socket pk-debconf-helper.socket; do
	ln -s /dev/null "$SDH_UNIT_DIR/$unit"
done
mkdir -p "$XDG_CONFIG_HOME/systemd"
if [ -n "${SDH_JOURNALD:-}" ]; then
	start_journald
else
	printf '[Manager]\nDefaultStandardOutput=inherit\nDefaultStandardError=inherit\n' \
		>"$XDG_CONFIG_HOME/systemd/user.conf"
fi
export DBUS_SESSION_BUS_ADDRESS=unix:path=$XDG_RUNTIME_DIR/bus

systemd_bin=/lib/systemd/systemd
[ -x "$systemd_bin" ] || systemd_bin=/usr/lib/systemd/systemd
export SDH_SYSTEMD=$systemd_bin
# shellcheck disable=SC2016 # expanded by script's shell
(
	if [ -n "$manager_cgroup" ]; then
		for root in $(cgroup_roots); do
			mkdir -p "$root/$manager_cgroup" &&
				echo "$BASHPID" >"$root/$manager_cgroup/cgroup.procs" || true
		done
	fi
	exec script -qfec 'mount --bind "$(tty)" /dev/console && exec "$SDH_SYSTEMD" --user --log-target=console --log-level=info' \
		"$SDH_LOG" </dev/null >/dev/null 2>&1
) &
script_pid=$!
manager_pid=
for _ in $(seq 500); do
	# the manager is script's child: /proc/<pid>/stat is "pid (comm) state ppid ..."
	manager_pid=$(awk -v parent="$script_pid" '$2 == "(systemd)" && $4 == parent { print $1 }' \
		/proc/[0-9]*/stat 2>/dev/null || true)
	[ -n "$manager_pid" ] && break
	sleep 0.01
done
if [ -z "$manager_pid" ]; then
	echo "systemd-user-harness: systemd --user did not start" >&2
	cat "$SDH_LOG" >&2 || true
	exit 124
fi
export SDH_MANAGER_PID=$manager_pid HERMES_SDH_INNER=1

teardown() {
	local rc=$?
	if kill -0 "$manager_pid" 2>/dev/null; then
		# a polite exit stops every unit and removes their cgroups
		timeout 10 systemctl --user exit >/dev/null 2>&1 || kill -TERM "$manager_pid" 2>/dev/null || true
		for _ in $(seq 1000); do
			kill -0 "$manager_pid" 2>/dev/null || break
			sleep 0.01
		done
		kill -KILL "$manager_pid" 2>/dev/null || true
	fi
	if [ -n "$journald_pid" ]; then
		# it lives in our cgroup, which must be empty before the sweep
		kill -TERM "$journald_pid" 2>/dev/null || true
		for _ in $(seq 500); do
			kill -0 "$journald_pid" 2>/dev/null || break
			sleep 0.01
		done
		kill -KILL "$journald_pid" 2>/dev/null || true
	fi
	wait 2>/dev/null || true
	if [ -n "${SDH_SHOW_LOG:-}" ]; then
		cat "$SDH_LOG" >&2
		if [ -n "$journald_pid" ]; then cat "$SDH_JOURNALD_LOG" >&2; fi
	fi
	for root in $(cgroup_roots); do
		echo 0 >"$root/cgroup.procs" 2>/dev/null || true
	done
	cgroup_sweep "$_SDH_ID"
	exit "$rc"
}
trap teardown EXIT
trap 'exit 143' TERM INT HUP

deadline=$(($(date +%s) + ready_timeout))
until [ -S "$XDG_RUNTIME_DIR/bus" ] &&
	dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner string:org.freedesktop.systemd1 2>/dev/null |
	grep -q 'boolean true'; do
	if ! kill -0 "$manager_pid" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
		echo "systemd-user-harness: systemd --user never appeared on its bus" >&2
		cat "$SDH_LOG" >&2 || true
		exit 124
	fi
	sleep 0.01
done
system_state=$(timeout "$ready_timeout" systemctl --user is-system-running --wait 2>&1 || true)
case "$system_state" in
running | degraded) ;;
*)
	echo "systemd-user-harness: the manager is not ready: $system_state" >&2
	cat "$SDH_LOG" >&2 || true
	exit 124
	;;
esac

set +e
"$@"
