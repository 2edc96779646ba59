#!/usr/bin/env python3
"""The zsh and fish completions loaded in real zsh and fish, and all three
shells (bash too) checked against the built `hermes --help`.

    test-completion-shells.py MODE HERMES COMPLETION_DIR

MODE is `zsh` or `fish` (fixed cases: groups, commands, options, profile
names from `hermes profile list` on a temporary HERMES_HOME) or `coverage`
(every group `hermes --help` lists, every command `hermes GROUP --help` lists
and every long option of `hermes GROUP COMMAND --help` is completed by bash,
zsh and fish). zsh runs interactively on a pseudo-terminal; a widget bound to
^T runs `complete-word` with `compadd` wrapped to record the matches. fish
answers `complete -C`. bash goes through bash-completion as
tests/test-completion.sh does. Prints TAP.
"""

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

MODE, HERMES, COMPDIR = sys.argv[1], os.path.abspath(sys.argv[2]), os.path.abspath(sys.argv[3])

n = 0
failed = 0


def check(name, ok, detail=""):
    global n, failed
    n += 1
    if ok:
        print(f"ok {n} - {name}")
    else:
        failed += 1
        print(f"not ok {n} - {name}{': ' + detail if detail else ''}")


class Zsh:
    """one interactive zsh on a pty, completing line after line"""

    def __init__(self, env, workdir):
        self.out = os.path.join(workdir, "zsh-matches")
        zdotdir = os.path.join(workdir, "zdotdir")
        os.mkdir(zdotdir)
        with open(os.path.join(zdotdir, ".zshrc"), "w") as f:
            f.write(
                f"""
fpath=({COMPDIR} $fpath)
autoload -Uz compinit && compinit -u -D
PS1='%% '
LISTMAX=10000
unsetopt beep
compadd() {{
	# the calls that only compute (-O, -A, -D) are not what is offered
	if [[ ${{@[1,(i)(-|--)]}} == *-(O|A|D)\\ * ]]; then
		builtin compadd "$@"
		return
	fi
	local -a __hits
	builtin compadd -A __hits "$@"
	(($#__hits)) && print -rl -- $__hits >>{self.out}
	builtin compadd "$@"
}}
_hermes_test_complete() {{
	zle complete-word
	print -r -- '<done>' >>{self.out}
	BUFFER=
}}
zle -N _hermes_test_complete
bindkey '^T' _hermes_test_complete
"""
            )
        zenv = dict(env, ZDOTDIR=zdotdir, TERM="xterm")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execvpe("zsh", ["zsh", "-i"], zenv)
        import fcntl
        import struct
        import termios

        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 100, 250, 0, 0))

    def _drain(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if r:
            try:
                os.read(self.fd, 65536)
            except OSError:
                pass

    def complete(self, line):
        open(self.out, "w").close()
        os.write(self.fd, line.encode() + b"\x14")
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            self._drain(0.05)
            with open(self.out) as f:
                text = f.read()
            if "<done>\n" in text:
                return sorted(set(text.split("<done>\n")[0].split()))
        raise TimeoutError(f"zsh did not complete {line!r}")

    def close(self):
        os.write(self.fd, b"\x15exit\n")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            self._drain(0.05)
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            if pid != 0:
                return
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


def complete_fish(env, line):
    script = f"source {COMPDIR}/hermes.fish; complete -C {shq(line)}"
    res = subprocess.run(
        ["fish", "--no-config", "-c", script], env=env, capture_output=True, text=True, timeout=30
    )
    return sorted(set(l.split("\t")[0] for l in res.stdout.splitlines() if l))


def complete_bash(env, line):
    script = f"""
source /usr/share/bash-completion/bash_completion
source {COMPDIR}/hermes.bash
COMP_LINE={shq(line)}
read -r -a COMP_WORDS <<<"$COMP_LINE"
[[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1))
COMP_POINT=${{#COMP_LINE}}
COMPREPLY=()
_hermes
printf '%s\\n' "${{COMPREPLY[@]}}"
"""
    res = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=30)
    return sorted(set(res.stdout.split()))


def shq(s):
    return "'" + s.replace("'", "'\\''") + "'"


def help_commands(text):
    """the first word of each line of the "Commands:" section"""
    m = re.search(r"^Commands:\n((?:  .*\n)+)", text + "\n", re.M)
    return [l.split()[0] for l in m.group(1).splitlines()] if m else []


def help_options(text):
    """the long options of the option lines (`  -p, --profile=NAME  …`), not of the prose"""
    found = re.findall(r"^ +(?:-\S, )?(--[a-z][a-z-]*)", text, re.M)
    return sorted(set(found) - {"--help", "--version"})


def run_help(env, *args):
    return subprocess.run([HERMES, *args, "--help"], env=env, capture_output=True, text=True).stdout


CASES = [
    ("hermes pro", ["profile"]),
    ("hermes ", ["backends", "boot", "cluster", "dashboard", "doctor", "gateway", "profile", "status", "supervisor"]),
    ("hermes profile ", ["create", "delete", "list"]),
    ("hermes gateway st", ["start", "status", "stop"]),
    ("hermes gateway re", ["render", "restart"]),
    ("hermes -p ", ["alpha", "beta", "default"]),
    ("hermes --profile ", ["alpha", "beta", "default"]),
    ("hermes -p alpha gateway sta", ["start", "status"]),
    ("hermes profile delete a", ["alpha"]),
    ("hermes gateway restart --a", ["--all"]),
    ("hermes gateway stop --f", ["--force"]),
    ("hermes supervisor s", ["start", "status", "stop"]),
    ("hermes boot ", ["reconcile"]),
    ("hermes boot reconcile --d", ["--dry-run"]),
    ("hermes gateway run --r", ["--replace"]),
    ("hermes gateway logs --f", ["--follow"]),
    ("hermes gateway install --", None),  # checked below: contains
    ("hermes status --d", ["--dbus"]),
    ("hermes dashboard ", ["url"]),
    ("hermes doc", ["doctor"]),
    ("hermes --backend ", ["launchd", "s6", "systemd", "windows"]),
]


def main():
    workdir = tempfile.mkdtemp(prefix="hermes-completion-")
    home = os.path.join(workdir, "home")
    env = dict(os.environ)
    env.update(
        HERMES_HOME=home,
        HERMES_BACKEND_PATH="",
        PATH=os.path.dirname(HERMES) + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
        HOME=workdir,
        XDG_CONFIG_HOME=os.path.join(workdir, "config"),
        XDG_DATA_HOME=os.path.join(workdir, "data"),
        XDG_CACHE_HOME=os.path.join(workdir, "cache"),
    )
    for name in ("alpha", "beta"):
        subprocess.run([HERMES, "profile", "create", name], env=env, check=True, capture_output=True)

    zsh = None
    try:
        if MODE in ("zsh", "coverage"):
            zsh = Zsh(env, workdir)
        shells = {
            "zsh": lambda line: zsh.complete(line),
            "fish": lambda line: complete_fish(env, line),
            "bash": lambda line: complete_bash(env, line),
        }
        if MODE in ("zsh", "fish"):
            complete = shells[MODE]
            for line, want in CASES:
                got = complete(line)
                if want is None:
                    want_in = ["--dry-run", "--enable", "--start"]
                    check(f"{MODE}: '{line}' offers {want_in}", set(want_in) <= set(got), f"got {got}")
                else:
                    check(f"{MODE}: '{line}' -> {want}", got == want, f"got {got}")
        else:
            groups = help_commands(run_help(env))
            check("hermes --help lists groups", len(groups) > 0)
            for shell, complete in shells.items():
                got = complete("hermes ")
                missing = [g for g in groups if g not in got]
                check(f"{shell}: 'hermes ' offers every group", not missing, f"missing {missing}")
            for group in groups:
                ghelp = run_help(env, group)
                commands = help_commands(ghelp)
                targets = [(group, c, run_help(env, group, c)) for c in commands]
                if not commands:
                    targets = [(group, None, ghelp)]
                for shell, complete in shells.items():
                    if commands:
                        got = complete(f"hermes {group} ")
                        missing = [c for c in commands if c not in got]
                        check(f"{shell}: 'hermes {group} ' offers every command", not missing, f"missing {missing}")
                    for g, c, chelp in targets:
                        line = f"hermes {g} {c + ' ' if c else ''}--"
                        got = complete(line)
                        missing = [o for o in help_options(chelp) if o not in got]
                        check(f"{shell}: '{line}' offers every option", not missing, f"missing {missing}")
    finally:
        if zsh is not None:
            zsh.close()
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"1..{n}")
    return 1 if failed else 0


sys.exit(main())
