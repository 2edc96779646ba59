#!/usr/bin/python3
# Copyright 2026 The hermes-svc authors
# SPDX-License-Identifier: MIT
"""hermes-svcd end to end, over a real s6-svscan and a private dbus-daemon (TAP).

  svcd-test.py client      a PyGObject client reads the properties and gets signals
  svcd-test.py introspect  `gdbus introspect` of the running daemon matches the
                           installed XML; `busctl --user tree` shows the gateways
  svcd-test.py policy      a private system-style bus with data/'s policy, driven as
                           two unprivileged users (needs root, hermes-ci, hermes-ci-other)

Run by meson (daemon/meson.build), which sets HERMES_TEST_SVCD, HERMES_TEST_HERMES,
HERMES_TEST_BACKEND_DIR, HERMES_TEST_S6_BIN_DIR, HERMES_TEST_XML, HERMES_TEST_POLICY
and HERMES_TEST_BUILD_ROOT. Python must be Debian's /usr/bin/python3 (python3-gi).
"""

import json
import os
import pwd
import grp
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

NAME = "ai.hermes.ServiceManager1"
ROOT = "/ai/hermes/ServiceManager1"
GATEWAY = "ai.hermes.ServiceManager1.Gateway"
WAIT = 20.0


def env(name):
    value = os.environ.get(name)
    if not value:
        print("1..0 # SKIP %s is not set: run through meson test" % name)
        sys.exit(0)
    return value


def gateway_path(profile):
    escaped = "".join(c if c.isalnum() else "_%02x" % ord(c) for c in profile)
    return ROOT + "/gateway/" + escaped


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, name))
        if not cond:
            self.failed += 1
            if diag:
                for line in str(diag).splitlines():
                    print("# " + line)
        sys.stdout.flush()
        return cond

    def skip(self, name, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, name, why))

    def done(self):
        print("1..%d" % self.n)
        return 1 if self.failed else 0


def wait_for(pred, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("timed out waiting for " + what)
        time.sleep(0.02)


class Tree:
    """a temp HERMES_HOME and a real s6-svscan on a temp scan directory"""

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="hermes-svcd-")
        os.chmod(self.tmp, 0o755)  # other users must reach the bus socket
        self.scan = os.path.join(self.tmp, "scan")
        self.home = os.path.join(self.tmp, "home")
        os.mkdir(self.scan, 0o755)
        os.mkdir(self.home, 0o755)
        self.env = dict(os.environ)
        for name in ("S6_PROFILE_GATEWAY_SCANDIR", "HERMES_GATEWAY_USER", "NO_COLOR"):
            self.env.pop(name, None)
        self.env.update(
            HERMES_HOME=self.home,
            HERMES_S6_SCANDIR=self.scan,
            HERMES_BACKEND_PATH=env("HERMES_TEST_BACKEND_DIR"),
            HERMES_CLI_PATH=env("HERMES_TEST_HERMES"),
            HERMES_S6_BIN_DIR=env("HERMES_TEST_S6_BIN_DIR"),
            HERMES_SERVICE_MANAGER="s6",
        )
        svscan = os.path.join(env("HERMES_TEST_S6_BIN_DIR"), "s6-svscan")
        self.svscan = subprocess.Popen(
            [svscan, "-c", "200", self.scan], env=self.env, stdout=subprocess.DEVNULL
        )
        wait_for(lambda: self._control(b""), "s6-svscan")

    def _control(self, command):
        try:
            fd = os.open(
                os.path.join(self.scan, ".s6-svscan", "control"), os.O_WRONLY | os.O_NONBLOCK
            )
        except OSError:
            return False
        try:
            os.write(fd, command)
        finally:
            os.close(fd)
        return True

    def hermes(self, *args, check=True):
        r = subprocess.run(
            [env("HERMES_TEST_HERMES")] + list(args),
            env=self.env,
            capture_output=True,
            text=True,
        )
        if check and r.returncode != 0:
            raise RuntimeError("hermes %s: %s%s" % (" ".join(args), r.stdout, r.stderr))
        return r

    def profile_home(self, profile):
        return os.path.join(self.home, "profiles", profile)

    def close(self):
        if self._control(b"t"):
            try:
                self.svscan.wait(15)
            except subprocess.TimeoutExpired:
                self.svscan.kill()
                self.svscan.wait()
        else:
            self.svscan.kill()
            self.svscan.wait()
        # every s6-supervise (cwd in the scan directory) gone before the tree is
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and supervisors(self.scan):
            time.sleep(0.02)
        shutil.rmtree(self.tmp, ignore_errors=True)


def supervisors(scan):
    n = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cwd = os.readlink("/proc/%s/cwd" % pid)
            with open("/proc/%s/comm" % pid) as f:
                comm = f.read()
        except OSError:
            continue
        if cwd.startswith(scan) and comm.startswith("s6-supervise"):
            n += 1
    return n


SYSTEM_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<!-- the default policy of /usr/share/dbus-1/system.conf, on a private socket -->
<busconfig>
  <type>system</type>
  <listen>unix:path=@SOCKET@</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <include>@POLICY@</include>
</busconfig>
"""


class Bus:
    """a private dbus-daemon: the session config, or a system-style one with our policy"""

    def __init__(self, tmp, system=False):
        self.system = system
        if system:
            self.dir = os.path.join(tmp, "bus")
            os.mkdir(self.dir, 0o755)
            conf = os.path.join(self.dir, "bus.conf")
            with open(conf, "w") as f:
                f.write(
                    SYSTEM_CONF.replace("@SOCKET@", os.path.join(self.dir, "socket")).replace(
                        "@POLICY@", env("HERMES_TEST_POLICY")
                    )
                )
            args = ["--config-file=" + conf, "--nopidfile"]
        else:
            args = ["--session"]
        self.proc = subprocess.Popen(
            ["dbus-daemon", "--nofork", "--print-address=1"] + args,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.address = self.proc.stdout.readline().strip()
        if not self.address:
            raise RuntimeError("dbus-daemon: " + self.proc.stderr.read())
        self.variable = "DBUS_SYSTEM_BUS_ADDRESS" if system else "DBUS_SESSION_BUS_ADDRESS"
        self.conn = Gio.DBusConnection.new_for_address_sync(
            self.address,
            Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
            | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
            None,
            None,
        )

    def has_owner(self):
        r = self.conn.call_sync(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "NameHasOwner",
            GLib.Variant("(s)", (NAME,)),
            GLib.VariantType("(b)"),
            Gio.DBusCallFlags.NONE,
            -1,
            None,
        )
        return r.unpack()[0]

    def get(self, path, iface, prop):
        r = self.conn.call_sync(
            NAME,
            path,
            "org.freedesktop.DBus.Properties",
            "Get",
            GLib.Variant("(ss)", (iface, prop)),
            GLib.VariantType("(v)"),
            Gio.DBusCallFlags.NO_AUTO_START,
            -1,
            None,
        )
        return r.unpack()[0]

    def close(self):
        self.conn.close_sync(None)
        self.proc.terminate()
        self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()


class Daemon:
    def __init__(self, tree, bus):
        self.bus = bus
        e = dict(tree.env)
        e[bus.variable] = bus.address
        self.proc = subprocess.Popen(
            [env("HERMES_TEST_SVCD"), "--system" if bus.system else "--session"], env=e
        )
        wait_for(lambda: bus.has_owner() or self.proc.poll() is not None, "hermes-svcd")
        if self.proc.poll() is not None:
            raise RuntimeError("hermes-svcd exited with %d" % self.proc.returncode)

    def stop(self):
        """SIGTERM: a clean exit, and the name released"""
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(WAIT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return -1
        return rc


def spin(loop_timeout, cond):
    """run the main loop until cond() holds or the time is up"""
    ctx = GLib.MainContext.default()
    deadline = time.monotonic() + loop_timeout
    while not cond() and time.monotonic() < deadline:
        ctx.iteration(False) or time.sleep(0.005)
    return cond()


# ----------------------------------------------------------------------------


def mode_client(tap):
    tree = Tree()
    bus = daemon = None
    try:
        tree.hermes("profile", "create", "demo")
        tree.hermes("profile", "create", "idle")
        tree.hermes("-p", "demo", "gateway", "start")
        bus = Bus(tree.tmp)
        daemon = Daemon(tree, bus)
        wait_for(lambda: bus.get(gateway_path("demo"), GATEWAY, "Ready") == "yes", "demo ready")

        manager = Gio.DBusObjectManagerClient.new_sync(
            bus.conn, Gio.DBusObjectManagerClientFlags.DO_NOT_AUTO_START, NAME, ROOT, None, None, None
        )
        paths = sorted(o.get_object_path() for o in manager.get_objects())
        tap.ok(
            paths == sorted(gateway_path(p) for p in ("default", "demo", "idle")),
            "the object manager lists default, demo and idle",
            paths,
        )
        demo = manager.get_interface(gateway_path("demo"), GATEWAY)
        props = {k: demo.get_cached_property(k).unpack() for k in demo.get_cached_property_names()}
        tap.ok(
            props.get("Profile") == "demo"
            and props.get("State") == "up"
            and props.get("Wanted") == "up"
            and props.get("Registered") is True
            and props.get("Pid", 0) > 0
            and props.get("Ready") == "yes"
            and props.get("DesiredState") == "running"
            and isinstance(props.get("LastExit"), tuple)
            and isinstance(props.get("Details"), dict)
            and props.get("Problem") == "",
            "the cached properties of demo are read",
            props,
        )
        status = json.loads(tree.hermes("-p", "demo", "status", "--json").stdout)["gateways"][0]
        tap.ok(
            status["pid"] == props["Pid"] and status["port"] == (props["Port"] or None),
            "they agree with hermes status",
            (status, props),
        )
        root = Gio.DBusProxy.new_sync(
            bus.conn, Gio.DBusProxyFlags.DO_NOT_AUTO_START, None, NAME, ROOT, NAME, None
        )
        tap.ok(
            root.get_cached_property("Backend").unpack() == "s6"
            and root.get_cached_property("BackendMode").unpack() == "scandir"
            and root.get_cached_property("Version").unpack() != ""
            and root.get_cached_property("SupervisorRunning").unpack() is True,
            "the root object says s6 (scandir), a version, and a running supervisor",
        )

        # kill -9: the proxy gets PropertiesChanged with the new state and pid
        old = props["Pid"]
        changes = []
        demo.connect(
            "g-properties-changed",
            lambda proxy, changed, invalidated: changes.append(changed.unpack()),
        )
        started = time.monotonic()
        os.kill(old, signal.SIGKILL)
        got = spin(WAIT, lambda: any("Pid" in c and c["Pid"] != old for c in changes))
        tap.ok(got, "kill -9 arrives as g-properties-changed with a new Pid", changes)
        first = next((c for c in changes if "Pid" in c), {})
        tap.ok("State" in first, "the same signal carries the State", first)
        print("# kill to signal: %.1f ms" % ((time.monotonic() - started) * 1000))
        tap.ok(
            spin(WAIT, lambda: demo.get_cached_property("State").unpack() == "up"
                 and demo.get_cached_property("Pid").unpack() not in (0, old)),
            "the cache follows: demo is up again with a new pid",
        )

        # a profile created while running: object-added (InterfacesAdded)
        added = []
        manager.connect("object-added", lambda m, obj: added.append(obj.get_object_path()))
        tree.hermes("profile", "create", "late")
        tap.ok(
            spin(WAIT, lambda: gateway_path("late") in added),
            "a profile created while running is object-added",
            added,
        )
        removed = []
        manager.connect("object-removed", lambda m, obj: removed.append(obj.get_object_path()))
        tree.hermes("profile", "delete", "late", "--yes")
        tap.ok(
            spin(WAIT, lambda: gateway_path("late") in removed),
            "and object-removed once deleted",
            removed,
        )

        # Stop through the proxy: a method call from Python
        demo.call_sync("Stop", None, Gio.DBusCallFlags.NONE, -1, None)
        tap.ok(
            spin(WAIT, lambda: demo.get_cached_property("State").unpack() == "down"),
            "Stop over the bus brings demo down",
        )
        try:
            manager.get_interface(gateway_path("idle"), GATEWAY).call_sync(
                "Restart", None, Gio.DBusCallFlags.NONE, -1, None
            )
            restarted = True
        except GLib.Error as e:
            restarted = e
        tap.ok(restarted is True, "Restart of a stopped gateway starts it", restarted)
        del manager, demo, root
    finally:
        rc = daemon.stop() if daemon else 0
        tap.ok(rc == 0, "SIGTERM: hermes-svcd exits 0", rc)
        if bus:
            bus.close()
        tree.close()


# ----------------------------------------------------------------------------


def canonical(iface):
    """an <interface> without annotations, comments and docs, order kept"""
    out = []
    for child in iface:
        if child.tag == "method":
            args = tuple(
                (a.get("name"), a.get("type"), a.get("direction", "in"))
                for a in child.findall("arg")
            )
            out.append(("method", child.get("name"), args))
        elif child.tag == "signal":
            args = tuple((a.get("name"), a.get("type")) for a in child.findall("arg"))
            out.append(("signal", child.get("name"), args))
        elif child.tag == "property":
            out.append(("property", child.get("name"), child.get("type"), child.get("access")))
    return sorted(out)


def interfaces(text):
    node = ET.fromstring(text)
    return {i.get("name"): canonical(i) for i in node.findall("interface")}, [
        n.get("name") for n in node.findall("node")
    ]


def mode_introspect(tap):
    xml_path = env("HERMES_TEST_XML")
    build_root = env("HERMES_TEST_BUILD_ROOT")
    with open(xml_path) as f:
        installed, _ = interfaces(f.read())

    # the file compared is the one meson installs into $datadir/dbus-1/interfaces
    with open(os.path.join(build_root, "meson-info", "intro-installed.json")) as f:
        plan = json.load(f)
    dest = next(
        (v for k, v in plan.items() if os.path.realpath(k) == os.path.realpath(xml_path)), ""
    )
    tap.ok(
        dest.endswith("/dbus-1/interfaces/ai.hermes.ServiceManager1.xml"),
        "the XML is installed into $datadir/dbus-1/interfaces",
        dest,
    )

    tree = Tree()
    bus = daemon = None
    try:
        tree.hermes("profile", "create", "demo")
        tree.hermes("profile", "create", "my-bot")
        tree.hermes("-p", "demo", "gateway", "start")
        bus = Bus(tree.tmp)
        daemon = Daemon(tree, bus)
        e = dict(os.environ, DBUS_SESSION_BUS_ADDRESS=bus.address)

        def introspect(path):
            r = subprocess.run(
                ["gdbus", "introspect", "--session", "--dest", NAME, "--object-path", path, "--xml"],
                env=e,
                capture_output=True,
                text=True,
            )
            if r.returncode != 0:
                raise RuntimeError(r.stderr)
            return r.stdout

        root, root_children = interfaces(introspect(ROOT))
        tap.ok(
            root.get(NAME) == installed[NAME],
            "gdbus introspect of the root matches %s in the XML" % NAME,
            (root.get(NAME), installed[NAME]),
        )
        tap.ok(
            "org.freedesktop.DBus.ObjectManager" in root and "gateway" in root_children,
            "the root is an ObjectManager with a gateway/ child",
            (sorted(root), root_children),
        )
        _, gateways = interfaces(introspect(ROOT + "/gateway"))
        tap.ok(
            sorted(gateways) == ["default", "demo", "my_2dbot"],
            "gateway/ holds default, demo and my_2dbot (my-bot escaped)",
            gateways,
        )
        gw, _ = interfaces(introspect(gateway_path("demo")))
        tap.ok(
            gw.get(GATEWAY) == installed[GATEWAY],
            "gdbus introspect of a gateway matches %s in the XML" % GATEWAY,
            (gw.get(GATEWAY), installed[GATEWAY]),
        )
        tap.ok(
            sorted(installed) == [NAME, GATEWAY],
            "the XML declares exactly the two interfaces",
            sorted(installed),
        )

        busctl = shutil.which("busctl")
        if busctl is None:
            tap.skip("busctl --user tree shows the gateways", "no busctl")
        else:
            r = subprocess.run(
                [busctl, "--user", "tree", "--list", NAME], env=e, capture_output=True, text=True
            )
            listed = r.stdout.split()
            tap.ok(
                r.returncode == 0
                and all(gateway_path(p) in listed for p in ("default", "demo", "my-bot")),
                "busctl --user tree shows the gateways",
                r.stdout + r.stderr,
            )
    finally:
        rc = daemon.stop() if daemon else 0
        tap.ok(rc == 0, "SIGTERM: hermes-svcd exits 0", rc)
        if bus:
            bus.close()
        tree.close()


# ----------------------------------------------------------------------------


def as_user(bus, user, groups, *gdbus_args):
    """gdbus on the policy bus as an unprivileged user (runuser; -G only as root)"""
    cmd = ["runuser", "-u", user]
    for g in groups:
        cmd += ["-G", g]
    cmd += ["--", "env", "%s=%s" % (bus.variable, bus.address), "gdbus"] + list(gdbus_args)
    return subprocess.run(cmd, capture_output=True, text=True, cwd="/")


def call_as(bus, user, groups, path, method, *args):
    return as_user(
        bus, user, groups, "call", "--system", "--dest", NAME, "--object-path", path,
        "--method", method, *args
    )


def mode_policy(tap):
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root: runs the daemon as root and clients as two other users")
        return 0
    missing = []
    for user in ("hermes-ci", "hermes-ci-other"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            missing.append(user)
    if missing:
        print("1..0 # SKIP no user %s (.ci/run creates them)" % ", ".join(missing))
        return 0
    try:
        grp.getgrnam("users")
    except KeyError:
        print("1..0 # SKIP no group 'users', which the policy lets ask")
        return 0
    if shutil.which("runuser") is None:
        print("1..0 # SKIP no runuser")
        return 0

    owner = pwd.getpwnam("hermes-ci")
    tree = Tree()
    bus = daemon = None
    try:
        tree.hermes("profile", "create", "alpha")
        tree.hermes("profile", "create", "beta")
        tree.hermes("-p", "alpha", "gateway", "start")
        tree.hermes("-p", "beta", "gateway", "start")
        # alpha's home belongs to hermes-ci, beta's stays root's
        for top, dirs, files in os.walk(tree.profile_home("alpha")):
            for name in [top] + [os.path.join(top, n) for n in dirs + files]:
                os.lchown(name, owner.pw_uid, owner.pw_gid)
        bus = Bus(tree.tmp, system=True)
        daemon = Daemon(tree, bus)
        alpha, beta = gateway_path("alpha"), gateway_path("beta")
        wait_for(lambda: bus.get(alpha, GATEWAY, "State") == "up", "alpha up")
        wait_for(lambda: bus.get(beta, GATEWAY, "State") == "up", "beta up")
        beta_pid = bus.get(beta, GATEWAY, "Pid")

        # everyone reads
        for user, groups in (("hermes-ci", ["users"]), ("hermes-ci-other", [])):
            r = call_as(bus, user, groups, alpha, "org.freedesktop.DBus.Properties.Get",
                        GATEWAY, "State")
            tap.ok(r.returncode == 0 and "'up'" in r.stdout,
                   "%s may read a property" % user, r.stdout + r.stderr)
            r = call_as(bus, user, groups, ROOT,
                        "org.freedesktop.DBus.ObjectManager.GetManagedObjects")
            tap.ok(r.returncode == 0 and alpha in r.stdout and beta in r.stdout,
                   "%s may list the tree" % user, r.stderr)
            r = as_user(bus, user, groups, "introspect", "--system", "--dest", NAME,
                        "--object-path", alpha)
            tap.ok(r.returncode == 0 and GATEWAY in r.stdout,
                   "%s may introspect" % user, r.stderr)
        r = subprocess.run(
            ["runuser", "-u", "hermes-ci-other", "--", "env",
             "%s=%s" % (bus.variable, bus.address), "/usr/bin/python3", "-c",
             "import gi; gi.require_version('Gio', '2.0')\n"
             "from gi.repository import Gio\n"
             "p = Gio.DBusProxy.new_for_bus_sync(Gio.BusType.SYSTEM, 0, None, %r, %r, %r, None)\n"
             "print(p.get_cached_property('State').unpack())" % (NAME, beta, GATEWAY)],
            capture_output=True, text=True, cwd="/")
        tap.ok(r.returncode == 0 and r.stdout.strip() == "up",
               "a PyGObject client as hermes-ci-other reads beta's State",
               r.stdout + r.stderr)

        # the owner (one of the 'users') stops its own gateway
        r = call_as(bus, "hermes-ci", ["users"], alpha, GATEWAY + ".Stop")
        tap.ok(r.returncode == 0, "hermes-ci may Stop alpha, whose home it owns", r.stderr)
        tap.ok(wait_for(lambda: bus.get(alpha, GATEWAY, "State") == "down", "alpha down"),
               "alpha is down")
        state_file = os.path.join(tree.profile_home("alpha"), "gateway_state.json")
        with open(state_file) as f:
            desired = json.load(f).get("desired_state")
        tap.ok(desired == "stopped", "the intent is recorded in alpha's home", desired)

        # the intent is written with the owner's rights: a symlink the owner plants
        # does not make the root daemon read (and copy) a file only root may read
        secret = os.path.join(tree.tmp, "secret.json")
        with open(secret, "w") as f:
            json.dump({"secret": "root only"}, f)
        os.chmod(secret, 0o600)
        os.unlink(state_file)
        os.symlink(secret, state_file)
        os.lchown(state_file, owner.pw_uid, owner.pw_gid)
        r = call_as(bus, "hermes-ci", ["users"], alpha, GATEWAY + ".Start")
        tap.ok(r.returncode != 0
               and "ai.hermes.ServiceManager1.Error.PermissionDenied" in r.stderr
               and "not attempted" in r.stderr,
               "a planted symlink to a root-only file: Start is refused, not followed",
               r.stdout + r.stderr)
        tap.ok(os.path.islink(state_file) and bus.get(alpha, GATEWAY, "State") == "down",
               "and nothing changed: the link is still there, alpha is down")
        tap.ok(bus.get(alpha, GATEWAY, "DesiredState") == ""
               and "not a regular file" in bus.get(alpha, GATEWAY, "Problem"),
               "nor is the link read for the properties",
               bus.get(alpha, GATEWAY, "Problem"))
        os.unlink(state_file)

        # another of the 'users' asks about gateways it does not own: the daemon says no
        for path, profile in ((beta, "beta"), (alpha, "alpha")):
            r = call_as(bus, "hermes-ci-other", ["users"], path, GATEWAY + ".Start"
                        if profile == "alpha" else GATEWAY + ".Stop")
            tap.ok(r.returncode != 0
                   and "org.freedesktop.DBus.Error.AccessDenied" in r.stderr
                   and "may not control gateway '%s'" % profile in r.stderr,
                   "hermes-ci-other gets AccessDenied from the daemon for %s" % profile,
                   r.stdout + r.stderr)
        tap.ok(bus.get(beta, GATEWAY, "State") == "up" and bus.get(beta, GATEWAY, "Pid") == beta_pid
               and bus.get(alpha, GATEWAY, "State") == "down",
               "and nothing changed: beta runs with the same pid, alpha stays down")
        beta_state = os.path.join(tree.profile_home("beta"), "gateway_state.json")
        with open(beta_state) as f:
            tap.ok(json.load(f).get("desired_state") == "running",
                   "beta's intent is untouched")

        # outside 'users' the bus policy refuses before the daemon hears of it
        r = call_as(bus, "hermes-ci-other", [], beta, GATEWAY + ".Stop")
        tap.ok(r.returncode != 0 and "org.freedesktop.DBus.Error.AccessDenied" in r.stderr
               and "Rejected send message" in r.stderr,
               "the bus policy denies Stop to a user outside 'users'", r.stderr)
        r = call_as(bus, "hermes-ci", ["users"], alpha, "org.freedesktop.DBus.Properties.Set",
                    GATEWAY, "State", "<'up'>")
        tap.ok(r.returncode != 0 and "AccessDenied" in r.stderr,
               "no one but root may even try Properties.Set", r.stderr)

        # only root may own the name
        r = subprocess.run(
            ["runuser", "-u", "hermes-ci", "--", "env", "%s=%s" % (bus.variable, bus.address),
             "HERMES_HOME=/nonexistent", "HERMES_SERVICE_MANAGER=s6",
             "HERMES_BACKEND_PATH=" + env("HERMES_TEST_BACKEND_DIR"),
             "HERMES_S6_SCANDIR=/nonexistent", env("HERMES_TEST_SVCD"), "--system"],
            capture_output=True, text=True, cwd="/", timeout=WAIT)
        tap.ok(r.returncode == 69 and "cannot own the name" in r.stderr,
               "hermes-ci cannot own the name", (r.returncode, r.stderr))

        # root may do anything
        r = call_as(bus, "root", [], beta, GATEWAY + ".Restart")
        tap.ok(r.returncode == 0, "root may Restart beta", r.stderr)
    finally:
        rc = daemon.stop() if daemon else 0
        tap.ok(rc == 0, "SIGTERM: hermes-svcd exits 0", rc)
        if bus:
            bus.close()
        tree.close()


def main():
    modes = {"client": mode_client, "introspect": mode_introspect, "policy": mode_policy}
    if len(sys.argv) != 2 or sys.argv[1] not in modes:
        print("usage: svcd-test.py client|introspect|policy", file=sys.stderr)
        return 64
    for name in ("HERMES_TEST_SVCD", "HERMES_TEST_HERMES", "HERMES_TEST_BACKEND_DIR",
                 "HERMES_TEST_S6_BIN_DIR"):
        env(name)
    tap = Tap()
    try:
        ret = modes[sys.argv[1]](tap)
    except Exception as e:  # a harness failure is a failed test, with the reason
        tap.ok(False, "the %s run completed" % sys.argv[1], repr(e))
        ret = None
    if ret is not None and tap.n == 0:
        return ret
    return tap.done()


if __name__ == "__main__":
    sys.exit(main())
