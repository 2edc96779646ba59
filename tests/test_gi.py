#!/usr/bin/python3
# Copyright 2026 The hermes-svc authors
# SPDX-License-Identifier: MIT
"""libhermes-svc-1 through GObject introspection, as a Python user sees it.

Run by meson with GI_TYPELIB_PATH/LD_LIBRARY_PATH pointing at the build tree.
Prints TAP.
"""

import os
import sys
import tempfile

import gi

gi.require_version("Hermes", "1")
from gi.repository import GLib, GObject, Hermes  # noqa: E402

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def plugin_dir():
    return os.environ["HERMES_TEST_PLUGIN_DIR"]


def expect_error(code, fn, *args):
    try:
        fn(*args)
    except GLib.Error as e:
        assert e.domain == "hermes-error-quark", e.domain
        assert e.code == int(code), (e.code, e.message)
        return e
    raise AssertionError("no error raised")


@test
def name_validator():
    assert Hermes.Profile.name_validate("demo")
    assert Hermes.Profile.name_validate("default")
    for bad in ["../x", "-a", "UP", "a" * 65, "", "root"]:
        e = expect_error(Hermes.Error.INVALID_ARGUMENT, Hermes.Profile.name_validate, bad)
        assert "invalid profile name" in e.message, e.message


@test
def backend_listing():
    ctx = Hermes.Context.new()
    ctx.setenv("HERMES_BACKEND_PATH", plugin_dir())
    ctx.setenv("HERMES_FAKE_SCORE", "5")
    plugins = Hermes.backend_loader_discover(ctx)
    by_name = {p.get_name(): p for p in plugins if p.get_path().startswith(plugin_dir())}
    fake = by_name["fake"]
    assert fake.get_state() == Hermes.PluginState.LOADED
    assert fake.get_score() == 5
    assert fake.get_abi_major() == 1
    assert by_name["abimajor"].get_state() == Hermes.PluginState.REFUSED
    assert "ABI 2.4" in by_name["abimajor"].get_refusal()
    chosen = Hermes.backend_loader_choose(plugins, "fake")
    assert chosen.get_name() == "fake" and chosen.get_chosen()
    e = expect_error(Hermes.Error.SUPERVISOR_UNAVAILABLE, Hermes.backend_loader_choose, plugins, "nosuch")
    assert "available backends" in e.message


@test
def manager_through_typelib():
    ctx = Hermes.Context.new()
    ctx.setenv("HERMES_BACKEND_PATH", plugin_dir())
    ctx.setenv("HERMES_FAKE_GATEWAYS", "demo")
    manager = Hermes.backend_loader_new_manager(ctx, "fake")
    seen = []
    manager.connect("gateway-changed", lambda m, p, s: seen.append((p, s.get_state() if s else None)))
    assert manager.get_name() == "fake"
    assert manager.list_gateways() == ["demo"]
    assert manager.start("demo", None)
    status = manager.get_status("demo", None)
    assert status.get_state() == Hermes.GatewayState.UP
    assert status.get_pid() > 0
    assert seen == [("demo", Hermes.GatewayState.UP)]
    expect_error(Hermes.Error.INVALID_ARGUMENT, manager.start, "../etc", None)
    expect_error(Hermes.Error.NOT_REGISTERED, manager.get_status, "ghost", None)


@test
def python_backend_implements_interface():
    calls = []

    class PyManager(GObject.Object, Hermes.ServiceManager):
        def do_get_name(self):
            return "py"

        def do_start(self, profile, cancellable):
            calls.append(profile)
            return True

    m = PyManager()
    assert m.get_name() == "py"
    assert Hermes.ServiceManager.start(m, "demo", None)
    # the C wrapper validates the name before the Python vfunc sees it
    expect_error(Hermes.Error.INVALID_ARGUMENT, Hermes.ServiceManager.start, m, "Bad", None)
    # what the implementation lacks is "not supported", not a crash
    expect_error(Hermes.Error.NOT_SUPPORTED, Hermes.ServiceManager.stop, m, "demo", None)
    assert calls == ["demo"]


@test
def profiles_and_state_files():
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Hermes.Context.new()
        ctx.setenv("HERMES_HOME", tmp)
        profile = Hermes.Profile.create(ctx, "demo")
        assert profile.get_home() == os.path.join(tmp, "profiles", "demo")
        names = [p.get_name() for p in Hermes.Profile.list(ctx)]
        assert names == ["default", "demo"], names
        path = os.path.join(tmp, "state.json")
        data = b'{"keep": 1}'
        assert Hermes.file_write_atomic(path, data, 0o600)
        assert os.stat(path).st_mode & 0o777 == 0o600
        assert Hermes.Profile.delete(ctx, "demo")
        expect_error(Hermes.Error.NOT_FOUND, Hermes.Profile.delete, ctx, "demo")


@test
def doctor_through_typelib():
    ctx = Hermes.Context.new()
    ctx.setenv("HERMES_BACKEND_PATH", plugin_dir())
    ctx.setenv("HERMES_FAKE_STATES", "alpha=parked")
    findings = Hermes.doctor_run(ctx, "fake", None)
    checks = {f.get_check(): f for f in findings}
    assert checks["supervisor"].get_status() == Hermes.DoctorStatus.OK
    assert checks["backend-refused"].get_status() == Hermes.DoctorStatus.FAIL
    assert checks["gateway-parked"].get_fix() == "hermes -p alpha gateway restart"
    assert not Hermes.doctor_all_ok(findings)


def main():
    print("1..%d" % len(TESTS))
    failed = 0
    for i, fn in enumerate(TESTS, 1):
        try:
            fn()
            print("ok %d - %s" % (i, fn.__name__))
        except Exception as e:  # noqa: BLE001 - report every failure as TAP
            failed += 1
            print("not ok %d - %s: %r" % (i, fn.__name__, e))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
