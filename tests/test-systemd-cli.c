/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The systemd backend through the real `hermes` binary against a real
 * `systemd --user`: a gateway's whole life (install, start, kill -9,
 * exit 78, stop, restart, uninstall) and the profile create/delete hooks.
 * Runs inside tests/systemd-user-harness.sh (see systemd-test.h).
 */

#include "systemd-test.h"

/* install writes exactly what render shows, and systemd loads it stopped */
static void
lifecycle_install(Fixture *f, const gchar *path, const gchar *unit)
{
	g_autofree gchar *text = NULL;
	GStatBuf before;
	GStatBuf after;

	assert_run_ok(f, run(f, "-p", "demo", "gateway", "render"), "render");
	text = g_strdup(f->out);
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "install"), "install");
	{
		g_autofree gchar *written = read_text(path);
		g_autofree gchar *header = g_strdup_printf("# file %s (mode 0644)\n", path);
		hermes_assert_str_contains(text, header);
		hermes_assert_str_contains(text, written);
		hermes_assert_str_contains(text, "# run: systemctl --user daemon-reload");
		hermes_assert_str_contains(written, "Type=notify\n");
		hermes_assert_str_contains(written, "RestartPreventExitStatus=0 78\n");
	}
	assert_verifies(path);
	assert_unit_state(f, unit, "inactive", "disabled");
	/* an identical install is a no-op: the file is not even rewritten */
	assert_int_equal(g_stat(path, &before), 0);
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "install"), "install again");
	assert_int_equal(g_stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
}

/* start: up and ready, with systemd's MainPID (returned) */
static gint64
lifecycle_start(Fixture *f, const gchar *unit)
{
	g_autoptr(JsonObject) st = NULL;
	gint64 pid;

	assert_run_ok(f, run(f, "-p", "demo", "gateway", "start"), "start");
	hermes_assert_str_contains(f->out, "Started gateway 'demo' (backend systemd)");
	pid = service_u32(f, unit, "MainPID");
	assert_true(pid > 0);
	st = cli_status(f, "demo");
	assert_string_equal(json_object_get_string_member(st, "state"), "up");
	assert_string_equal(json_object_get_string_member(st, "ready"), "yes");
	assert_int_equal(json_object_get_int_member(st, "pid"), pid);
	{
		g_autofree gchar *cmdline_path =
			g_strdup_printf("/proc/%" G_GINT64_FORMAT "/cmdline", pid);
		g_autofree gchar *cmdline = NULL;
		gsize len = 0;
		assert_true(g_file_get_contents(cmdline_path, &cmdline, &len, NULL));
		for (gsize i = 0; i + 1 < len; i++)
			if (cmdline[i] == '\0')
				cmdline[i] = ' ';
		hermes_assert_str_contains(cmdline, "-p demo gateway run");
	}
	g_clear_pointer(&st, json_object_unref);
	return pid;
}

/* kill -9: systemd restarts it, NRestarts grows, and the change arrives as events; returns the
 * new pid */
static gint64
lifecycle_kill_9(Fixture *f, const gchar *unit, gint64 pid)
{
	g_autoptr(HermesGatewayStatus) status = NULL;
	gint64 pid2;
	guint events_before;
	guint32 restarts;

	status = wait_status(f, "demo", is_state, GINT_TO_POINTER(HERMES_GATEWAY_STATE_UP), "up");
	g_clear_pointer(&status, hermes_gateway_status_unref);
	events_before = f->events->len;
	assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
	status = wait_status(f, "demo", is_up_with_new_pid, &pid, "up again with a new pid");
	pid2 = hermes_gateway_status_get_pid(status);
	assert_true(f->events->len > events_before);
	restarts = service_u32(f, unit, "NRestarts");
	assert_int_equal(restarts, 1);
	assert_int_equal(hermes_gateway_status_get_restarts(status), 1);
	assert_int_equal(pid2, service_u32(f, unit, "MainPID"));
	g_clear_pointer(&status, hermes_gateway_status_unref);
	return pid2;
}

/* exit 78 (a payload with a fatal configuration, written to @conf): failed, and not restarted */
static void
lifecycle_exit_78(Fixture *f, const gchar *unit, const gchar *conf, gint64 pid2)
{
	g_autoptr(JsonObject) st = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;

	hermes_test_write_file(conf, "[gateway]\ncommand=/bin/sh -c 'exit 78'\n", 0644);
	assert_int_equal(kill((pid_t)pid2, SIGKILL), 0);
	status = wait_status(
		f, "demo", is_state, GINT_TO_POINTER(HERMES_GATEWAY_STATE_FAILED), "failed");
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), 78);
	hermes_assert_str_contains(hermes_gateway_status_get_raw(status, "systemd.reason"),
				   "main process exited 78 (fatal configuration)");
	g_clear_pointer(&status, hermes_gateway_status_unref);
	/* RestartSec is 1 s: a restart would have happened by now */
	hermes_test_spin(2500);
	{
		g_autofree gchar *active = unit_str(f, unit, "ActiveState");
		g_autofree gchar *result = NULL;
		{
			g_autoptr(GVariant) v =
				unit_prop(f, unit, "org.freedesktop.systemd1.Service", "Result");
			result = g_variant_dup_string(v, NULL);
		}
		assert_string_equal(active, "failed");
		assert_string_equal(result, "exit-code");
		assert_int_equal(service_u32(f, unit, "MainPID"), 0);
		assert_int_equal(service_i32(f, unit, "ExecMainStatus"), 78);
		assert_int_equal(service_u32(f, unit, "NRestarts"), 2);
	}
	st = cli_status(f, "demo");
	assert_string_equal(json_object_get_string_member(st, "state"), "failed");
	assert_int_equal(json_object_get_int_member(st, "last_exit_code"), 78);
	g_clear_pointer(&st, json_object_unref);
}

/* stop: the marker in demo's home makes it an operator stop; inactive, state stopped */
static void
lifecycle_stop(Fixture *f, const gchar *unit, const gchar *home, gint64 pid)
{
	g_autoptr(JsonObject) st = NULL;

	assert_run_ok(f, run(f, "-p", "demo", "gateway", "stop"), "stop");
	assert_unit_state(f, unit, "inactive", NULL);
	{
		g_autofree gchar *state_path = g_build_filename(home, "gateway_state.json", NULL);
		g_autofree gchar *json = read_text(state_path);
		g_autoptr(JsonObject) gs = parse_object(json);
		g_autofree gchar *caller_marker =
			g_build_filename(f->root, ".gateway-planned-stop.json", NULL);
		g_autofree gchar *log = read_text(hermes_test_env("SDH_LOG"));
		assert_string_equal(json_object_get_string_member(gs, "gateway_state"), "stopped");
		assert_string_equal(json_object_get_string_member(gs, "exit_reason"),
				    "operator stop");
		assert_string_equal(json_object_get_string_member(gs, "desired_state"), "stopped");
		assert_false(g_file_test(caller_marker, G_FILE_TEST_EXISTS));
		hermes_assert_str_contains(log, "gateway: operator stop, exiting 0");
	}
	assert_false(hermes_platform_process_alive(pid));
	st = cli_status(f, "demo");
	assert_string_equal(json_object_get_string_member(st, "state"), "down");
	assert_string_equal(json_object_get_string_member(st, "wanted"), "down");
	g_clear_pointer(&st, json_object_unref);
}

/*
 * The whole life of a gateway through the real `hermes`: install, start,
 * status with the real MainPID, kill -9 (restarted, NRestarts grows, an
 * event), exit 78 (not restarted), stop (marker, inactive, stopped),
 * restart of a stopped unit, uninstall (nothing left).
 */
static void
test_systemd_cli_lifecycle(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = NULL;
	g_autofree gchar *unit = NULL;
	g_autofree gchar *home = NULL;
	g_autofree gchar *conf = NULL;
	gint64 pid;
	gint64 pid2;

	SKIP_UNLESS_HERE(f);
	path = unit_path("demo");
	unit = hermes_systemd_unit_name("demo");
	home = g_build_filename(f->root, "profiles", "demo", NULL);

	lifecycle_install(f, path, unit);
	pid = lifecycle_start(f, unit);
	pid2 = lifecycle_kill_9(f, unit, pid);
	conf = g_build_filename(home, "hermes-svc.conf", NULL);
	lifecycle_exit_78(f, unit, conf, pid2);

	/* an operator start is a fresh chance */
	assert_int_equal(g_unlink(conf), 0);
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "start"), "start after 78");
	pid = service_u32(f, unit, "MainPID");
	assert_true(pid > 0);

	lifecycle_stop(f, unit, home, pid);

	/* restart of a stopped unit starts it */
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "restart"), "restart");
	assert_unit_state(f, unit, "active", NULL);
	pid2 = service_u32(f, unit, "MainPID");
	assert_true(pid2 > 0 && pid2 != pid);

	/* uninstall: stopped, no file, no unit, no process */
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "uninstall"), "uninstall");
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	assert_false(hermes_platform_process_alive(pid2));
	assert_nothing_left(f);
	/* and a unit that is not there is a clear error with exit 3 */
	assert_int_equal(run(f, "-p", "demo", "gateway", "stop"), 3);
	hermes_assert_str_contains(f->err, "gateway 'demo' is not registered with systemd");
	/* uninstalling again is fine */
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "uninstall"), "uninstall again");
}

/* profile create and delete register and remove the unit; start and status just work */
static void
test_systemd_profile_hooks(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = NULL;
	g_autofree gchar *unit = NULL;
	gint64 pid;

	SKIP_UNLESS_HERE(f);
	path = unit_path("x");
	unit = hermes_systemd_unit_name("x");
	assert_run_ok(f, run(f, "profile", "create", "x"), "profile create");
	hermes_assert_str_contains(f->out, "Registered gateway 'x' with systemd (user), stopped");
	assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
	assert_unit_state(f, unit, "inactive", "disabled");
	assert_run_ok(f, run(f, "-p", "x", "gateway", "start"), "start");
	pid = service_u32(f, unit, "MainPID");
	assert_true(pid > 0);
	/* the "done when": create, start, status, with no other step */
	assert_run_ok(f, run(f, "gateway", "status"), "status");
	hermes_assert_str_contains(f->out, "Manager: systemd (user)");
	assert_run_ok(f, run(f, "gateway", "status", "--all"), "status --all");
	hermes_assert_str_contains(f->out, "Manager: systemd (user)");
	{
		g_autofree gchar *row = g_strdup_printf("%" G_GINT64_FORMAT, pid);
		hermes_assert_str_contains(f->out, row);
	}
	assert_run_ok(f, run(f, "status", "--json"), "status --json");
	hermes_assert_str_contains(f->out, "\"profile\" : \"x\"");
	assert_run_ok(f, run(f, "supervisor", "status"), "supervisor status");
	hermes_assert_str_contains(f->out, "Running: systemd ");
	assert_run_ok(f, run(f, "profile", "delete", "x", "--yes"), "profile delete");
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	assert_false(hermes_platform_process_alive(pid));
	assert_nothing_left(f);
}

/* the line of `hermes doctor`'s table for @check, or a failure naming the table */
static const gchar *
doctor_line(Fixture *f, const gchar *check)
{
	g_autofree gchar *start = g_strdup_printf(" %-22s ", check);
	const gchar *at = strstr(f->out, start);
	if (at == NULL)
		fail_msg("no %s line in hermes doctor:\n%s", check, f->out);
	while (at > f->out && at[-1] != '\n')
		at--;
	return at;
}

/*
 * `hermes doctor` through the systemd backend: the manager answers, a
 * running gateway and then a killed one (restarted by systemd, still fine),
 * the backend's own linger line with the exact fix, and exit 0 only when
 * every line passes
 */
static void
test_systemd_cli_doctor(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *unit = NULL;
	gint status;

	SKIP_UNLESS_HERE(f);
	unit = hermes_systemd_unit_name("demo");
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "install"), "install");
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "start"), "start");
	status = run(f, "doctor");
	assert_true(g_str_has_prefix(doctor_line(f, "supervisor"), "ok     supervisor"));
	hermes_assert_str_contains(doctor_line(f, "supervisor"), "systemd");
	assert_true(g_str_has_prefix(doctor_line(f, "gateway"), "ok     gateway"));
	hermes_assert_str_contains(f->out, "demo             up, intent run");
	{
		/* the harness runs as root without a linger file: off, and the fix says so */
		const gchar *linger = doctor_line(f, "systemd-linger");
		if (g_str_has_prefix(linger, "fail")) {
			hermes_assert_str_contains(linger, "linger is off for root");
			hermes_assert_str_contains(f->out, "fix: loginctl enable-linger root");
			assert_int_equal(status, 1);
		} else {
			hermes_assert_str_contains(linger, "linger is on for root");
		}
	}
	/* every failed line fails the command, and only those */
	assert_int_equal(status, strstr(f->out, "\nfail ") != NULL ? 1 : 0);
	/* the JSON names the same checks */
	run(f, "--json", "doctor");
	hermes_assert_str_contains(f->out, "\"check\" : \"systemd-linger\"");
	hermes_assert_str_contains(f->out, "\"check\" : \"supervisor\"");
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "uninstall"), "uninstall");
	assert_nothing_left(f);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_systemd_cli_lifecycle),
		T(test_systemd_profile_hooks),
		T(test_systemd_cli_doctor),
	};
	return SYSTEMD_TEST_MAIN(argv[0], tests);
}
