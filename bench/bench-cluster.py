#!/usr/bin/env python3
# Copyright 2026 The hermes-svc authors
# SPDX-License-Identifier: MIT
"""The cluster benchmark of issue 14: 300 profiles on 3 node agents, each with
its own real s6-svscan, one shared HERMES_HOME, on a real 3-member etcd on
loopback (lease TTL 5 s). It measures

  spread     the 300 intents (hermes -p P gateway start --cluster) to every
             profile owned (hermes cluster status --json) and up and ready in
             its owner's s6 tree, and the split per node
  idle       with nothing changing, over 20 s: etcd requests a second
             (grpc_server_handled_total of every member's /metrics, each node's
             agent talking to its own member first), and each agent's CPU time
             and context switches (every thread, /proc/PID/task)
  failover   SIGKILL of one agent, its s6-svscan and everything under them to
             every profile it owned owned by another node and up there; no
             profile may ever be up on two nodes (every tree sampled meanwhile)

A broken guarantee (a profile up on two nodes, an agent that died, a spread
or a failover that never completed) fails (exit 1) always. A missed speed
target prints "MISSED" and fails only with --enforce or HERMES_BENCH_ENFORCE=1,
except the wakeups a renewal (within 1% of their target on a loaded machine)
and the failover time (missed on a fresh machine, README.md), which report
only; exit 77 (skip) when etcd or s6-svscan is missing.
Paths come from the environment bench/meson.build sets: HERMES_BENCH_HERMES,
HERMES_BACKEND_PATH, HERMES_S6_BIN_DIR; HERMES_BENCH_ETCD (else etcd on PATH).
"""

import base64
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT_UID = os.geteuid() == 0
ENFORCE = "--enforce" in sys.argv or os.environ.get("HERMES_BENCH_ENFORCE") == "1"
SKIP = 77
MISSES = []
BROKEN = []  # guarantees, not speeds: these fail with or without --enforce
SOFT = []  # speed targets that report only, even with --enforce

N_PROFILES = 300
NODES = ("a", "b", "c")
VICTIM = "b"  # the node the failover kills
TTL_S = 5
IDLE_S = 20.0
RENEW_S = TTL_S / 4  # docs/cluster.md: the lease is renewed every TTL/4
PREFIX = f"/hermes-bench-{os.getpid()}/"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def target(what, ok, measured, goal, kind=None):
    """kind: None for a speed target, "guarantee" for what must always hold,
    "soft" for a speed target that reports only."""
    line = f"  {what}: {measured} (target {goal})"
    if ok:
        print(line + " ok")
        return
    print(line + (" BROKEN" if kind == "guarantee" else " MISSED"))
    {"guarantee": BROKEN, "soft": SOFT}.get(kind, MISSES).append(what)


def finish():
    if SOFT:
        print("missed (report only): " + "; ".join(SOFT))
    if MISSES:
        print("missed: " + "; ".join(MISSES) + (
            "" if ENFORCE else " (report only: set HERMES_BENCH_ENFORCE=1 to fail)"))
    if BROKEN:
        print("broken: " + "; ".join(BROKEN))
        return 1
    return 1 if MISSES and ENFORCE else 0


def die_with_parent():
    """In the child before exec: SIGKILL when this script dies, however it dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


# ---------------------------------------------------------------- processes


def proc_table():
    """pid -> ppid of every process."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                table[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            pass
    return table


def marked(pid, marker):
    """The process's environment, working directory or arguments name @marker."""
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            if marker.encode() in f.read():
                return True
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            if marker.encode() in f.read():
                return True
        return os.readlink(f"/proc/{pid}/cwd").startswith(marker)
    except OSError:
        return False


def kill_all(roots, marker):
    """SIGSTOP @roots at once, then their descendants and every process that carries
    @marker (so none of them can fork or respawn anything), until no new one turns
    up, then SIGKILL them all. Returns how many were killed."""
    stopped = set()  # signalled
    tried = set()

    def stop(pids):
        for pid in pids - tried:
            try:
                os.kill(pid, signal.SIGSTOP)
                stopped.add(pid)
            except OSError:
                pass
        tried.update(pids)

    stop(set(roots))
    for _ in range(20):
        before = len(stopped)
        table = proc_table()
        changed = True
        while changed:
            changed = False
            for pid, ppid in table.items():
                if ppid in stopped and pid not in tried:
                    stop({pid})
                    changed = True
        stop({p for p in table if p != os.getpid() and p not in tried and marked(p, marker)})
        if len(stopped) == before:
            break
    for pid in stopped:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return len(stopped)


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


# ---------------------------------------------------------------- the setup


class Bench:
    def __init__(self):
        self.mounted = False
        self.root = None
        if ROOT_UID:
            self.root = tempfile.mkdtemp(prefix="hermes-bench-cluster-")
            if subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755", "tmpfs", self.root],
                              stderr=subprocess.DEVNULL).returncode == 0:
                self.mounted = True
            else:
                os.rmdir(self.root)
                self.root = None
        if self.root is None:
            self.root = tempfile.mkdtemp(prefix="hermes-bench-cluster-", dir="/dev/shm")
        self.home = os.path.join(self.root, "home")
        os.mkdir(self.home)
        self.etcd = []  # [(name, client_url, Popen)]
        self.endpoints = []
        self.svscan = {}
        self.agent = {}
        self.said = {}
        self.scandir = {}
        self.dead = set()
        for n in NODES:
            self.scandir[n] = os.path.join(self.root, f"node-{n}", "scan")
            os.makedirs(self.scandir[n])

    # ------------------------------------------------------------ etcd

    def start_etcd(self, etcd_bin):
        for attempt in range(3):
            socks = []
            for _ in range(2 * len(NODES)):
                s = socket.socket()
                s.bind(("127.0.0.1", 0))
                socks.append(s)
            ports = [s.getsockname()[1] for s in socks]
            for s in socks:
                s.close()
            names = [f"m{i}" for i in range(len(NODES))]
            peers = ",".join(f"{m}=http://127.0.0.1:{ports[2 * i + 1]}"
                             for i, m in enumerate(names))
            env = {k: v for k, v in os.environ.items()
                   if not k.startswith("ETCD_") or k == "ETCD_UNSUPPORTED_ARCH"}
            self.etcd = []
            for i, m in enumerate(names):
                client = f"http://127.0.0.1:{ports[2 * i]}"
                peer = f"http://127.0.0.1:{ports[2 * i + 1]}"
                data = os.path.join(self.root, "etcd", f"{m}-{attempt}")
                os.makedirs(data)
                log = open(os.path.join(self.root, "etcd", f"{m}-{attempt}.log"), "wb")
                # election 500 ms, heartbeat 50 ms, as tests/etcd-test.c: loopback
                p = subprocess.Popen(
                    [etcd_bin, "--name", m, "--data-dir", data,
                     "--listen-client-urls", client, "--advertise-client-urls", client,
                     "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                     "--initial-cluster", peers, "--initial-cluster-state", "new",
                     "--initial-cluster-token", f"hermes-bench-{os.getpid()}-{attempt}",
                     "--heartbeat-interval", "50", "--election-timeout", "500"],
                    env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                    preexec_fn=die_with_parent)
                log.close()
                self.etcd.append((m, client, p))
            self.endpoints = [c for _, c, _ in self.etcd]
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                if any(p.poll() is not None for _, _, p in self.etcd):
                    break
                if all(self.etcd_leader(c) for c in self.endpoints):
                    return
                time.sleep(0.1)
            busy = False
            for m, _, p in self.etcd:
                if p.poll() is None:
                    p.kill()
                p.wait()
                with open(os.path.join(self.root, "etcd", f"{m}-{attempt}.log"), "rb") as f:
                    busy = busy or b"address already in use" in f.read()
            if not busy:
                break
        raise RuntimeError("the etcd cluster did not come up (logs in "
                           f"{os.path.join(self.root, 'etcd')})")

    @staticmethod
    def etcd_post(client, path, body, timeout=2):
        req = urllib.request.Request(client + path, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return json.loads(r.read())

    def etcd_leader(self, client):
        try:
            return int(self.etcd_post(client, "/v3/maintenance/status", {}).get("leader", 0)) != 0
        except (OSError, ValueError):
            return False

    def revision(self):
        """The cluster's revision (one Range request, so never inside the idle window)."""
        key = base64.b64encode(PREFIX.encode()).decode()
        i = NODES.index(VICTIM)
        for c in self.endpoints[i:] + self.endpoints[:i]:
            try:
                return int(self.etcd_post(c, "/v3/kv/range", {"key": key, "count_only": True})
                           ["header"]["revision"])
            except (OSError, ValueError, KeyError):
                continue
        return None

    def metrics(self):
        """member -> {grpc method: handled count}, and started streams per method."""
        out = {}
        pat = re.compile(r'^grpc_server_(handled|started)_total\{(.*)\} ([0-9.e+]+)$')
        for m, client, _ in self.etcd:
            handled, started = {}, {}
            with urllib.request.urlopen(client + "/metrics", timeout=5) as r:
                for line in r.read().decode().splitlines():
                    g = pat.match(line)
                    if not g:
                        continue
                    method = re.search(r'grpc_method="([^"]*)"', g.group(2)).group(1)
                    d = handled if g.group(1) == "handled" else started
                    d[method] = d.get(method, 0) + float(g.group(3))
            out[m] = (handled, started)
        return out

    # ------------------------------------------------------------ nodes

    def env(self, node=None, **extra):
        env = dict(os.environ)
        for k in list(env):
            if k.startswith(("HERMES_ETCD_", "HERMES_CLUSTER_", "S6_")) or k in (
                    "HERMES_GATEWAY_USER", "HERMES_S6_SCANDIR"):
                del env[k]
        # each node talks to its own member first, so a member's counters are its node's;
        # the benchmark's own commands talk to the victim's member, so the counters of the
        # two other nodes stay clean while it writes intents and polls
        i = NODES.index(node if node is not None else VICTIM)
        env.update(HERMES_HOME=self.home, HERMES_ETCD_PREFIX=PREFIX,
                   HERMES_ETCD_ENDPOINTS=",".join(self.endpoints[i:] + self.endpoints[:i]),
                   HERMES_SERVICE_MANAGER="s6", HERMES_S6_BIN_DIR=BIN_DIR)
        if node is not None:
            env.update(HERMES_S6_SCANDIR=self.scandir[node])
        env.update(extra)
        return env

    def profiles(self):
        """profiles/<name>/ as hermes_profile_create() makes them."""
        base = os.path.join(self.home, "profiles")
        os.mkdir(base)
        names = [f"p{i:03d}" for i in range(N_PROFILES)]
        for name in names:
            d = os.path.join(base, name)
            os.mkdir(d)
            for sub in ("logs", "memories", "sessions", "skills", "skins", "plans",
                        "workspace", "cron", "home"):
                os.mkdir(os.path.join(d, sub))
            fd = os.open(os.path.join(d, ".env"), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            os.write(fd, b"# Secrets for this Hermes profile only (API keys, tokens).\n")
            os.close(fd)
            with open(os.path.join(d, "SOUL.md"), "w") as f:
                f.write("# Soul\n\nDescribe who this agent is and how it should behave.\n")
        return names

    def start_svscan(self, node):
        env = self.env(node, HERMES_GATEWAY_COMMAND="sleep 100000")
        p = subprocess.Popen([os.path.join(BIN_DIR, "s6-svscan"), "-c", "2100",
                              self.scandir[node]], env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True, preexec_fn=die_with_parent)
        self.svscan[node] = p
        control = os.path.join(self.scandir[node], ".s6-svscan", "control")
        deadline = time.monotonic() + 10
        while True:
            try:
                os.close(os.open(control, os.O_WRONLY | os.O_NONBLOCK))
                return
            except OSError:
                if time.monotonic() > deadline or p.poll() is not None:
                    raise RuntimeError(f"s6-svscan of node {node} did not start")
                time.sleep(0.02)

    def start_agent(self, node):
        p = subprocess.Popen([HERMES, "cluster", "agent", "--node", node, "--ttl", str(TTL_S)],
                             env=self.env(node), stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True, preexec_fn=die_with_parent)
        self.agent[node] = p
        self.said[node] = []
        threading.Thread(target=self.listen, args=(node, p.stdout), daemon=True).start()

    def listen(self, node, pipe):
        """Each line the agent says, with the moment it was said (each act is a line)."""
        with open(os.path.join(self.root, f"agent-{node}.log"), "wb") as log:
            for line in pipe:
                self.said[node].append((time.monotonic(), line.decode(errors="replace")))
                log.write(line)

    def agent_log(self, node):
        return "".join(line for _, line in self.said.get(node, []))

    def acts(self, node, word, since, profiles):
        """When @node said `<word> <profile>` after @since, for the profiles in @profiles."""
        return [t for t, line in list(self.said.get(node, []))
                if t >= since and line.split(": ", 1)[-1].split()[:1] == [word]
                and line.split()[-1] in profiles]

    def status(self):
        """hermes cluster status --json: ({profile: owning node or None}, {node: state})."""
        r = subprocess.run([HERMES, "cluster", "status", "--json"], env=self.env(),
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=15)
        if r.returncode != 0:
            raise RuntimeError(f"hermes cluster status exited {r.returncode}: "
                               f"{r.stderr.decode()[-300:]}")
        doc = json.loads(r.stdout)
        owners = {g["profile"]: g.get("node") for g in doc["gateways"]}
        nodes = {n["name"]: n.get("state") for n in doc["nodes"]}
        return owners, nodes

    def tree_up(self, node):
        """{profile: pid} of the gateways up, ready and alive in @node's s6 tree."""
        up = {}
        scandir = self.scandir[node]
        try:
            slots = os.listdir(scandir)
        except OSError:
            return up
        for slot in slots:
            if not slot.startswith("gateway-"):
                continue
            try:
                with open(os.path.join(scandir, slot, "supervise", "status"), "rb") as f:
                    buf = f.read(64)
            except OSError:
                continue
            if len(buf) not in (35, 43):
                continue
            pid = int.from_bytes(buf[24:32], "big")
            if pid and buf[-1] & 0x08 and alive(pid):
                up[slot[len("gateway-"):]] = pid
        return up

    def sample(self, doubles):
        """Every live node's tree; a profile up on two nodes goes into @doubles."""
        ups = {n: self.tree_up(n) for n in NODES if n not in self.dead}
        seen = {}
        for n, profiles in ups.items():
            for p in profiles:
                if p in seen:
                    doubles.add(f"{p} on {seen[p]} and {n}")
                seen[p] = n
        return ups

    def kill_node(self, node):
        self.dead.add(node)
        roots = [p.pid for p in (self.agent.get(node), self.svscan.get(node)) if p is not None]
        n = kill_all(roots, os.path.dirname(self.scandir[node]))
        for p in (self.agent.get(node), self.svscan.get(node)):
            if p is not None:
                p.wait()
        return n

    def close(self):
        for node in NODES:
            self.kill_node(node)
        for _, _, p in self.etcd:
            if p.poll() is None:
                p.kill()
            p.wait()
        kill_all([], self.root)
        if self.mounted:
            subprocess.run(["umount", "-l", self.root])
            os.rmdir(self.root)
        else:
            shutil.rmtree(self.root, ignore_errors=True)


# ---------------------------------------------------------------- the agent's cost


def agent_counters(pid):
    """Process CPU seconds (exited threads included) and per-thread context switches."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK
    threads = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                comm = f.read().strip()
            vol = invol = 0
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        vol = int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches:"):
                        invol = int(line.split()[1])
            threads[tid] = (comm, vol, invol)
        except OSError:
            pass
    return cpu, threads


# ---------------------------------------------------------------- the benchmark


def wait_spread(bench, names, t0, deadline_s, doubles):
    """Until every profile is owned and up on its owner: (all owned at, all up at, owners)."""
    owned_at = None
    deadline = time.monotonic() + deadline_s
    while True:
        owners, _ = bench.status()
        ups = bench.sample(doubles)
        now = time.monotonic()
        if owned_at is None and all(owners.get(p) for p in names):
            owned_at = now - t0
        if all(owners.get(p) in ups and p in ups[owners[p]] for p in names):
            return owned_at, now - t0, owners, []
        if now > deadline:
            missing = [p for p in names if not (owners.get(p) in ups and p in ups[owners[p]])]
            return owned_at, None, owners, missing
        time.sleep(0.2)


def requests(before, after, member):
    """Requests @member handled between two scrapes: (total, "Method n, ...")."""
    delta = {k: v - before[member][0].get(k, 0) for k, v in after[member][0].items()}
    delta = {k: v for k, v in delta.items() if v}
    return sum(delta.values()), ", ".join(f"{k} {v:.0f}" for k, v in sorted(delta.items()))


def print_requests(bench, what, before, after, skip):
    """Per node but @skip, whose member also took the benchmark's own commands."""
    parts = []
    for i, n in enumerate(NODES):
        if n == skip:
            continue
        total, detail = requests(before, after, bench.etcd[i][0])
        parts.append(f"node {n} {total:.0f} ({detail})")
    print(f"{what}: " + "; ".join(parts) + f" (node {skip}'s member also served the "
          "benchmark's own commands: not counted)")


def act_pace(bench, nodes, t0, profiles):
    """From the agents' lines: first claim, last start, the time a gateway took, and
    its split: the claim (from the line before to `claimed P`: the read of the keys
    or the previous act, and the txn) and the start (`claimed P` to `started P`)."""
    claims = {n: bench.acts(n, "claimed", t0, profiles) for n in nodes}
    starts = {n: bench.acts(n, "started", t0, profiles) for n in nodes}
    first = [min(c) for c in claims.values() if c]
    last = [max(s) for s in starts.values() if s]
    if not first or not last:
        return "the agents said no claim"
    each = [(max(starts[n]) - min(claims[n])) / len(starts[n]) * 1000
            for n in nodes if claims[n] and starts[n]]
    claim_ms, start_ms = [], []
    for n in nodes:
        prev, claimed = None, {}
        for t, line in list(bench.said.get(n, [])):
            words = line.split(": ", 1)[-1].split()
            if t < t0:
                continue
            if len(words) == 2 and words[1] in profiles:
                if words[0] == "claimed":
                    claimed[words[1]] = t
                    if prev is not None:  # not the first: that one waited for its cause
                        claim_ms.append((t - prev) * 1000)
                elif words[0] == "started" and words[1] in claimed:
                    start_ms.append((t - claimed[words[1]]) * 1000)
            prev = t
    split = ""
    if claim_ms and start_ms:
        split = (f"; claim mean {statistics.mean(claim_ms):.0f} ms, median "
                 f"{statistics.median(claim_ms):.0f}, max {max(claim_ms):.0f}; start mean "
                 f"{statistics.mean(start_ms):.0f} ms, median {statistics.median(start_ms):.0f}, "
                 f"max {max(start_ms):.0f}")
    return (f"agents' first claim at {min(first) - t0:.1f} s, last start at "
            f"{max(last) - t0:.1f} s, {min(each):.0f}-{max(each):.0f} ms a gateway "
            f"(claim txn + start, one at a time on each node{split})")


def settle(bench, quiet_s=3.0, cap_s=30.0):
    """Until no agent has said anything for @quiet_s (each act is a line)."""
    deadline = time.monotonic() + cap_s
    while time.monotonic() < deadline:
        last = max((said[-1][0] for n, said in bench.said.items()
                    if said and n not in bench.dead), default=0)
        if time.monotonic() - last >= quiet_s:
            return True
        time.sleep(0.25)
    return False


def bench_cluster(bench, etcd_bin):
    t_setup = time.monotonic()
    bench.start_etcd(etcd_bin)
    names = bench.profiles()
    for n in NODES:
        bench.start_svscan(n)
    for n in NODES:
        bench.start_agent(n)
    deadline = time.monotonic() + 20
    while True:
        _, nodes = bench.status()
        if all(n in nodes for n in NODES):
            break
        dead = [n for n in NODES if bench.agent[n].poll() is not None]
        if dead or time.monotonic() > deadline:
            raise RuntimeError(f"agents not registered after 20 s (exited: {dead}): "
                               + " | ".join(bench.agent_log(n)[-300:] for n in NODES))
        time.sleep(0.2)
    print(f"{N_PROFILES} profiles, {len(NODES)} node agents (hermes cluster agent --ttl "
          f"{TTL_S}), each with its own s6-svscan (payload sleep), one HERMES_HOME, 3-member "
          f"etcd on loopback; trees on tmpfs ({'mounted' if bench.mounted else '/dev/shm'}); "
          f"set up in {time.monotonic() - t_setup:.1f} s; load average "
          f"{os.getloadavg()[0]:.1f}")

    # ------------------------------------------------------------ 1. spread
    doubles = set()
    spread0 = bench.metrics()
    t0 = time.monotonic()
    pending = list(names)
    running = []
    while pending or running:  # 4 at a time: the intents are written in a few seconds
        while pending and len(running) < 4:
            p = pending.pop(0)
            running.append((p, subprocess.Popen(
                [HERMES, "-p", p, "gateway", "start", "--cluster"], env=bench.env(),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)))
        p, proc = running.pop(0)
        if proc.wait(30) != 0:
            raise RuntimeError(f"gateway start --cluster of {p}: {proc.stderr.read().decode()}")
        proc.stderr.close()
    intents = time.monotonic() - t0
    owned_at, up_at, owners, missing = wait_spread(bench, names, t0, 90, doubles)
    if up_at is None:
        target("spread: intents to all owned and up", False,
               f"{len(missing)} not owned and up after {time.monotonic() - t0:.0f} s "
               f"(e.g. {', '.join(missing[:5])})", "every profile", "guarantee")
        for n in NODES:
            lines = [line for line in bench.agent_log(n).splitlines()
                     if not re.search(r": (claimed|started|stopped) ", line)]
            print(f"  agent {n} said, beyond claims, starts and stops: {lines[:30]!r}")
        return finish()
    split = {n: sum(1 for p in names if owners[p] == n) for n in NODES}
    print(f"  spread: {N_PROFILES} intents written in {intents:.1f} s (hermes gateway start "
          f"--cluster, 4 at a time); all owned after {owned_at:.1f} s, all up and ready on "
          f"their owner after {up_at:.1f} s ({up_at - intents:.1f} s after the last intent); "
          "split " + ", ".join(f"{n} {split[n]}" for n in NODES) + "; " + act_pace(
              bench, NODES, t0, set(names)))

    print_requests(bench, "  etcd requests while spreading", spread0, bench.metrics(), VICTIM)

    # ------------------------------------------------------------ 2 and 3. idle
    quiet = settle(bench)
    rev0 = bench.revision()
    m0 = bench.metrics()
    c0 = {n: agent_counters(bench.agent[n].pid) for n in NODES}
    w0 = time.monotonic()
    time.sleep(IDLE_S)
    c1 = {n: agent_counters(bench.agent[n].pid) for n in NODES}
    m1 = bench.metrics()
    window = time.monotonic() - w0
    rev1 = bench.revision()
    print(f"  idle window {window:.1f} s ({'after 3 s with no agent output' if quiet else 'agents still talking after 30 s'}; "
          f"etcd revision {rev0} -> {rev1}; each agent renews every {RENEW_S:.2f} s, "
          f"{window / RENEW_S:.0f} renewals expected a node)")
    per_node_rate = []
    for i, n in enumerate(NODES):
        m = bench.etcd[i][0]
        h0, s0 = m0[m]
        h1, s1 = m1[m]
        delta = {k: h1.get(k, 0) - h0.get(k, 0) for k in h1}
        delta = {k: v for k, v in delta.items() if v}
        opened = {k: s1.get(k, 0) - s0.get(k, 0) for k in s1}
        opened = {k: v for k, v in opened.items() if v and v != delta.get(k)}
        total = sum(delta.values())
        rate = total / window
        per_node_rate.append(rate)
        detail = ", ".join(f"{k} {v:.0f}" for k, v in sorted(delta.items())) or "none"
        if opened:
            detail += "; streams opened: " + ", ".join(f"{k} {v:.0f}" for k, v in opened.items())
        renewals = delta.get("LeaseKeepAlive", 0)
        cpu0, t0s = c0[n]
        cpu1, t1s = c1[n]
        cpu = cpu1 - cpu0
        wake = {}
        for tid, (comm, vol, invol) in t1s.items():
            _, v0, i0 = t0s.get(tid, (comm, 0, 0))
            wake[f"{comm}/{tid}"] = (vol - v0) + (invol - i0)
        wakeups = sum(wake.values())
        gone = [t for t in t0s if t not in t1s]
        born = [t for t in t1s if t not in t0s]
        expected = window / RENEW_S
        per_renewal = wakeups / max(renewals, 1)
        print(f"  node {n} (etcd member {m}): {total:.0f} requests ({detail}); agent "
              f"{len(t1s)} threads, CPU {cpu * 1000:.0f} ms, {wakeups} context switches ("
              + ", ".join(f"{k} {v}" for k, v in sorted(wake.items(),
                                                         key=lambda kv: int(kv[0].split("/")[-1])))
              + (f"; threads gone {len(gone)}, new {len(born)}" if gone or born else "") + ")")
        target(f"node {n}: etcd requests/s idle", rate <= 1.5 * expected / window,
               f"{rate:.2f}/s", f"<= {1.5 * expected / window:.2f}/s, 1.5x the renewals")
        target(f"node {n}: agent CPU idle", cpu / window < 0.01,
               f"{100 * cpu / window:.2f}% of a core", "< 1%")
        target(f"node {n}: agent wakeups per renewal", renewals > 0 and per_renewal <= 10,
               f"{per_renewal:.1f} ({wakeups} over {renewals:.0f} renewals seen by etcd)",
               "<= 10", "soft")
    print(f"  all members: {sum(per_node_rate):.2f} requests/s")

    # ------------------------------------------------------------ 4. failover
    victim = VICTIM
    owners, _ = bench.status()
    lost = sorted(p for p in names if owners.get(p) == victim)
    kept = {p: owners[p] for p in names if owners.get(p) not in (None, victim)}
    failover0 = bench.metrics()
    t0 = time.monotonic()
    killed = bench.kill_node(victim)
    t_killed = time.monotonic() - t0
    freed_at = moved_at = up_at = None
    deadline = t0 + TTL_S + 25
    polls = 0
    while True:
        polls += 1
        owners, nodes = bench.status()
        ups = bench.sample(doubles)
        now = time.monotonic() - t0
        if freed_at is None and all(owners.get(p) != victim for p in lost):
            freed_at = now
        if moved_at is None and all(owners.get(p) not in (None, victim) for p in lost):
            moved_at = now
        if moved_at is not None and all(p in ups.get(owners[p], {}) for p in lost):
            up_at = now
            break
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    failover1 = bench.metrics()
    pace = act_pace(bench, [n for n in NODES if n != victim], t0, set(lost))
    period = (time.monotonic() - t0 - t_killed) / polls
    moved_kept = sum(1 for p, n in kept.items() if owners.get(p) != n)
    split = {n: sum(1 for p in lost if owners.get(p) == n) for n in NODES if n != victim}
    print(f"  failover: SIGKILL of node {victim}'s agent, s6-svscan and {killed - 2} processes "
          f"under them ({t_killed * 1000:.0f} ms), {len(lost)} gateways: owner keys gone after "
          + (f"{freed_at:.1f} s" if freed_at is not None else "never") + ", all owned by "
          "another node after " + (f"{moved_at:.1f} s" if moved_at is not None else "never")
          + "; to " + ", ".join(f"{n} {c}" for n, c in split.items())
          + f"; {pace}; {moved_kept} of the other {len(kept)} gateways moved; polled every "
          f"{period * 1000:.0f} ms")
    print_requests(bench, "  etcd requests from the kill to all up elsewhere", failover0,
                   failover1, victim)
    if up_at is None:
        missing = [p for p in lost if p not in ups.get(owners.get(p), {})]
        target("failover: all up elsewhere", False,
               f"{len(missing)} of {len(lost)} not up elsewhere after {TTL_S + 25} s",
               f"<= {TTL_S + 3} s (TTL + 3 s)", "guarantee")
    else:
        # report only: 10.2 s on a fresh 2-CPU VM on 2026-12-07 (each start of the
        # failover's batch took about 5 s there, against 0.3 s while spreading)
        target("failover: all up elsewhere", up_at <= TTL_S + 3, f"{up_at:.1f} s",
               f"<= {TTL_S + 3} s (TTL + 3 s)", "soft")
    target("never up on two nodes", not doubles,
           "none seen" if not doubles else f"{len(doubles)}: {', '.join(sorted(doubles)[:5])}",
           "none (every tree sampled while waiting)", "guarantee")
    for n in NODES:
        if n != victim and bench.agent[n].poll() is not None:
            target(f"node {n}: agent still running", False,
                   f"exited {bench.agent[n].returncode}: {bench.agent_log(n)[-300:]}", "running",
                   "guarantee")
    said = []
    for n in NODES:
        words = {}
        for _, line in bench.said.get(n, []):
            word = line.split(": ", 1)[-1].split()[0] if line.strip() else ""
            words[word] = words.get(word, 0) + 1
        said.append(f"{n}: " + ", ".join(f"{w} {c}" for w, c in sorted(words.items())))
    print("  the agents said (lines by first word): " + "; ".join(said))
    odd = [line.strip() for n in NODES for _, line in bench.said.get(n, [])
           if line.split(": ", 1)[-1].split()[:1] not in (["registered"], ["claimed"],
                                                           ["started"])]
    if odd:
        print(f"  {len(odd)} other lines, e.g.: " + " | ".join(odd[:4]))
    print(f"  load average at the end {os.getloadavg()[0]:.1f}")
    return finish()


def main():
    # a meson timeout sends SIGTERM: unwind so every agent, scanner and member is killed
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(f"SIGTERM: stopped, {MISSES or 'no'} misses"))
    sys.stdout.reconfigure(line_buffering=True)
    etcd_bin = os.environ.get("HERMES_BENCH_ETCD") or shutil.which("etcd")
    if not etcd_bin or not os.access(os.path.join(BIN_DIR, "s6-svscan"), os.X_OK):
        print("etcd or s6-svscan is not installed: skipped")
        return SKIP
    t0 = time.monotonic()
    bench = Bench()
    try:
        ret = bench_cluster(bench, etcd_bin)
    finally:
        bench.close()
    print(f"  (benchmark wall time {time.monotonic() - t0:.1f} s)")
    return ret


HERMES = os.environ.get("HERMES_BENCH_HERMES")
BIN_DIR = os.environ.get("HERMES_S6_BIN_DIR") or os.path.dirname(
    shutil.which("s6-svscan") or "/usr/bin/s6-svscan")

if __name__ == "__main__":
    if not HERMES:
        sys.exit("HERMES_BENCH_HERMES is not set (run through meson test --benchmark)")
    sys.exit(main())
