#!/usr/bin/env python3
"""The progress line of long operations, on a real pseudo-terminal.

    test-progress.py HERMES BACKEND_DIRS

`boot reconcile` over 31 profiles and `gateway stop --all` over their slots
(s6 backend on a scan directory no s6-svscan watches, so every stop fails
fast: the progress and the error lines interleave), run with stdout and
stderr on pipes, on one pty, and with only stderr on a pty: the progress
`\\r[i/n] … \\e[K` appears on a terminal and is erased before any other line
and at the end; on pipes nothing of it is printed and stdout is byte for
byte what it is with stderr on a terminal; TERM=dumb shows none; the line
is cut to the terminal's width. Prints TAP.
"""

import fcntl
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import termios

HERMES = os.path.abspath(sys.argv[1])
BACKEND_DIRS = ":".join(os.path.abspath(d) for d in sys.argv[2].split(":") if d)

PROGRESS = re.compile(rb"\r(?:\[(\d+)/(\d+)\] )?([^\r\x1b]+)\x1b\[K")
ERASE = re.compile(rb"\r\x1b\[K")

n = 0
failed = 0


def check(name, ok, detail=""):
    global n, failed
    n += 1
    if ok:
        print(f"ok {n} - {name}")
    else:
        failed += 1
        print(f"not ok {n} - {name}")
        for line in str(detail).splitlines():
            print(f"# {line}")


def run(env, args, stdout_tty=False, stderr_tty=False, columns=200):
    """(stdout, stderr, pty bytes with \\r\\n turned back into \\n)"""
    master = slave = None
    if stdout_tty or stderr_tty:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen(
        [HERMES, *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=slave if stdout_tty else subprocess.PIPE,
        stderr=slave if stderr_tty else subprocess.PIPE,
    )
    tty = b""
    if slave is not None:
        os.close(slave)
    out = proc.stdout.read() if proc.stdout else b""
    err = proc.stderr.read() if proc.stderr else b""
    if master is not None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            tty += chunk
        os.close(master)
    proc.wait()
    return out, err, tty.replace(b"\r\n", b"\n"), proc.returncode


def strip_progress(data):
    return ERASE.sub(b"", PROGRESS.sub(b"", data))


def main():
    work = tempfile.mkdtemp(prefix="hermes-progress-")
    home = os.path.join(work, "home")
    scan = os.path.join(work, "scan")
    os.mkdir(scan)
    for i in range(1, 31):
        d = os.path.join(home, "profiles", f"p{i:02}")
        os.makedirs(d)
        with open(os.path.join(d, "SOUL.md"), "w") as f:
            f.write("soul\n")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HERMES_") and k not in ("NO_COLOR", "GATEWAY_MULTIPLEX_PROFILES")
    }
    env.update(
        HERMES_HOME=home,
        HERMES_BACKEND_PATH=BACKEND_DIRS,
        HERMES_BACKEND_SYSTEM_DIR="",
        HERMES_SERVICE_MANAGER="s6",
        HERMES_S6_SCANDIR=scan,
        TERM="xterm",
        LC_ALL="C.UTF-8",
    )
    try:
        reconcile = ["boot", "reconcile", "--dry-run"]
        out, err, _, rc = run(env, reconcile)
        check("reconcile on pipes: exit 0", rc == 0, err.decode(errors="replace"))
        check("reconcile on pipes: nothing on stderr", err == b"", err)
        check("reconcile on pipes: no \\r or escape on stdout", b"\r" not in out and b"\x1b" not in out)
        check("reconcile on pipes: 31 profiles and the summary", out.count(b"\n") == 32, out.decode())

        out2, _, tty, rc = run(env, reconcile, stderr_tty=True)
        check("reconcile, stderr on a pty: stdout is byte for byte the same", out2 == out)
        steps = PROGRESS.findall(tty)
        check(
            "reconcile, stderr on a pty: progress starts at [1/31] reconciling default...",
            len(steps) > 0 and steps[0] == (b"1", b"31", b"reconciling default..."),
            repr(tty[:200]),
        )
        check("reconcile, stderr on a pty: the progress line is erased at the end", tty.endswith(b"\r\x1b[K"), repr(tty[-80:]))
        check("reconcile, stderr on a pty: nothing but progress on stderr", strip_progress(tty) == b"", repr(strip_progress(tty)[:200]))

        _, _, tty, rc = run(env, reconcile, stdout_tty=True, stderr_tty=True)
        first_report = tty.find(b"profile=default")
        last_erase = tty.rfind(b"\r\x1b[K", 0, first_report if first_report >= 0 else None)
        check("reconcile on one pty: exit 0", rc == 0)
        check(
            "reconcile on one pty: the line is drawn and erased before the report",
            tty.startswith(b"\r[1/31] reconciling default...\x1b[K") and 0 < last_erase < first_report,
            repr(tty[:300]),
        )
        check("reconcile on one pty: the report is the piped one", strip_progress(tty) == out, repr(strip_progress(tty)[:300]))

        _, err3, tty, _ = run(env, reconcile, stdout_tty=True)
        check("reconcile, only stdout on a pty: no progress on stderr", err3 == b"" and tty == out, repr(err3[:200]))

        _, _, tty, _ = run(dict(env, TERM="dumb"), reconcile, stdout_tty=True, stderr_tty=True)
        check("reconcile, TERM=dumb: no progress", tty == out, repr(tty[:200]))

        _, _, tty, _ = run(env, reconcile, stderr_tty=True, columns=20)
        widths = [len(m.group(0)) - 4 for m in PROGRESS.finditer(tty)]  # minus \r and \e[K
        check("reconcile on 20 columns: the line is cut to 19", widths and max(widths) <= 19, repr(tty[:200]))

        # register the slots, then stop them all: every stop fails (no s6-svscan)
        run(env, ["boot", "reconcile"])
        stop = ["gateway", "stop", "--all"]
        out, err, _, rc = run(env, stop)
        check("stop --all on pipes: exit 1 (31 failures)", rc == 1, err.decode(errors="replace")[-300:])
        check("stop --all on pipes: no \\r or escape", not re.search(rb"[\r\x1b]", out + err))
        out2, _, tty, rc2 = run(env, stop, stderr_tty=True)
        check("stop --all, stderr on a pty: stdout is byte for byte the same", out2 == out and rc2 == rc)
        steps = PROGRESS.findall(tty)
        check(
            "stop --all, stderr on a pty: progress [1/31] stopping default...",
            len(steps) > 0 and steps[0] == (b"1", b"31", b"stopping default..."),
            repr(tty[:200]),
        )
        check("stop --all, stderr on a pty: stderr is the piped one", strip_progress(tty) == err, repr(strip_progress(tty)[:300]))
        check(
            "stop --all, stderr on a pty: the line is erased before each error line",
            all(
                p == 0 or tty[:p].endswith(b"\n") or tty[:p].endswith(b"\r\x1b[K")
                for p in (m.start() for m in re.finditer(rb"hermes: ", tty))
            ),
            repr(tty[:300]),
        )
        _, _, tty, _ = run(env, stop, stdout_tty=True, stderr_tty=True)
        check(
            "stop --all on one pty: the lines are the piped ones",
            sorted(strip_progress(tty).splitlines()) == sorted((out + err).splitlines()),
            repr(strip_progress(tty)[:300]),
        )

        # --wait over a real embedded s6 tree: one gateway, no counter
        if shutil.which("s6-svscan") is None:
            print("# s6-svscan not installed: --wait not tested")
        else:
            wenv = {k: v for k, v in env.items() if k != "HERMES_S6_SCANDIR"}
            wenv["HERMES_HOME"] = os.path.join(work, "whome")
            try:
                run(wenv, ["profile", "create", "demo"])
                start = ["-p", "demo", "gateway", "start", "--wait=20"]
                out, err, _, rc = run(wenv, start)
                check("start --wait on pipes: exit 0, nothing extra", rc == 0 and not re.search(rb"[\r\x1b]", out + err), (out + err).decode(errors="replace"))
                _, err, _, rc = run(wenv, ["-p", "demo", "gateway", "stop", "-w"])
                check("stop -w on pipes: exit 0", rc == 0, err.decode(errors="replace"))
                out2, _, tty, rc = run(wenv, start, stderr_tty=True)
                check("start --wait, stderr on a pty: exit 0, stdout byte for byte the same", rc == 0 and out2 == out, repr(out2))
                steps = PROGRESS.findall(tty)
                check(
                    "start --wait, stderr on a pty: 'starting demo...' drawn, then erased",
                    len(steps) > 0 and steps[0] == (b"", b"", b"starting demo...") and strip_progress(tty) == b"" and tty.endswith(b"\r\x1b[K"),
                    repr(tty[:300]),
                )
                _, err, _, rc = run(wenv, ["-p", "demo", "gateway", "start", "--wait=soon"])
                check("--wait=soon is a usage error", rc == 64 and b"--wait takes a number of seconds" in err, err.decode(errors="replace"))
            finally:
                run(wenv, ["supervisor", "stop"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"1..{n}")
    return 1 if failed else 0


sys.exit(main())
