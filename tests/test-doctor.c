/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes doctor`, core's checks and the command: every check is planted as
 * a fault and its line asserted (status, cause, the exact fix), over the
 * fake backend, and the all-pass case exits 0. The backends' own checks
 * are in test-doctor-backends.c.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doctor-test.h"
#include "hermes-doctor-private.h"
#include "hermes-pid-record.h"
#include "hermes-svc.h"
#include "hermes-test.h"

#include <cmocka.h>

/*****************************************************************************/
/* core's checks over the fake backend */

static void
test_doctor_all_pass_in_process(void **state)
{
	Fixture *f = *state;
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "default=up");
	doctor_test_run(f);
	if (!hermes_doctor_all_ok(f->findings)) {
		g_autofree gchar *all = doctor_test_findings_text(f->findings);
		fail_msg("expected every check to pass:\n%s", all);
	}
	doctor_test_assert_line(
		f->findings, "home-owner", f->home, HERMES_DOCTOR_STATUS_OK, "owned by", NULL);
	doctor_test_assert_line(
		f->findings, "supervisor", "fake", HERMES_DOCTOR_STATUS_OK, "answers", NULL);
	doctor_test_assert_line(
		f->findings, "gateway", "default", HERMES_DOCTOR_STATUS_OK, "up", NULL);
	doctor_test_assert_line(f->findings, "bus", NULL, HERMES_DOCTOR_STATUS_OK, f->bus, NULL);
}

static void
test_doctor_home_not_owned(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *fix = g_strdup_printf("sudo chown -R 4242: %s", f->home);
	g_autofree gchar *cause =
		g_strdup_printf("HERMES_HOME is owned by %s, not by 4242", g_get_user_name());
	g_autoptr(HermesDoctorFinding) d = NULL;
	g_autoptr(GPtrArray) one = g_ptr_array_new();

	/* owned by who runs the test, used by uid 4242 (no such account: its number) */
	d = hermes_doctor_home_finding(f->home, 4242);
	g_ptr_array_add(one, d);
	doctor_test_assert_line(one, "home-owner", f->home, HERMES_DOCTOR_STATUS_FAIL, cause, fix);
}

static void
test_doctor_home_world_writable(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *fix = g_strdup_printf("chmod o-w %s", f->home);
	g_autoptr(HermesDoctorFinding) d = NULL;
	g_autoptr(GPtrArray) one = g_ptr_array_new();

	g_chmod(f->home, 0777);
	d = hermes_doctor_home_finding(f->home, 0);
	g_ptr_array_add(one, d);
	doctor_test_assert_line(one,
				"home-owner",
				f->home,
				HERMES_DOCTOR_STATUS_FAIL,
				"every user may write it",
				fix);
	g_chmod(f->home, 0755);
}

static void
test_doctor_backend_refused(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *abi_src = g_build_filename(
		hermes_test_env("HERMES_TEST_PLUGIN_DIR"), "libhermes-backend-abimajor.so", NULL);
	g_autofree gchar *min_src = g_build_filename(
		hermes_test_env("HERMES_TEST_PLUGIN_DIR"), "libhermes-backend-minimal.so", NULL);
	g_autofree gchar *abi =
		hermes_test_copy_file(abi_src, f->plugins, "libhermes-backend-abimajor.so", 0755);
	g_autofree gchar *writable =
		hermes_test_copy_file(min_src, f->plugins, "libhermes-backend-minimal.so", 0757);
	const gchar *sudo = geteuid() == 0 ? "" : "sudo ";
	g_autofree gchar *abi_fix = g_strdup_printf(
		"%srm %s (then reinstall the backend built for this hermes-svc)", sudo, abi);
	g_autofree gchar *perm_fix = g_strdup_printf(
		"%schown root: %s && %schmod go-w %s", sudo, writable, sudo, writable);

	g_autofree gchar *path = g_strdup_printf("%s:%s", doctor_test_fake_dir, f->plugins);

	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", path);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "default=up");
	doctor_test_run(f);
	assert_false(hermes_doctor_all_ok(f->findings));
	doctor_test_assert_line(
		f->findings,
		"backend-refused",
		abi,
		HERMES_DOCTOR_STATUS_FAIL,
		"backend 'abimajor' refused by the loader: built for backend ABI 2.4",
		abi_fix);
	doctor_test_assert_line(f->findings,
				"backend-refused",
				writable,
				HERMES_DOCTOR_STATUS_FAIL,
				"backend 'minimal' refused by the loader:",
				perm_fix);
}

static void
test_doctor_no_backend(void **state)
{
	Fixture *f = *state;
	/* no backend file at all */
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", f->plugins);
	hermes_context_setenv(f->ctx, "HERMES_SERVICE_MANAGER", NULL);
	doctor_test_run(f);
	doctor_test_assert_line(f->findings,
				"supervisor",
				NULL,
				HERMES_DOCTOR_STATUS_FAIL,
				"",
				"sudo apt-get install s6");
	assert_false(hermes_doctor_all_ok(f->findings));
}

static void
test_doctor_supervisor_unreachable(void **state)
{
	Fixture *f = *state;
	hermes_context_setenv(f->ctx, "HERMES_FAKE_FAIL", "list");
	doctor_test_run(f);
	doctor_test_assert_line(f->findings,
				"supervisor",
				"fake",
				HERMES_DOCTOR_STATUS_FAIL,
				"no supervisor reachable:",
				"hermes supervisor status");
}

static void
test_doctor_parked(void **state)
{
	Fixture *f = *state;
	doctor_test_create_profile(f, "alpha");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "default=up,alpha=parked");
	doctor_test_run(f);
	doctor_test_assert_line(f->findings,
				"gateway-parked",
				"alpha",
				HERMES_DOCTOR_STATUS_FAIL,
				"parked: 5 deaths within 60 s (fake)",
				"hermes -p alpha gateway restart");
	assert_false(hermes_doctor_all_ok(f->findings));
}

static void
test_doctor_intent_running_but_down(void **state)
{
	Fixture *f = *state;
	doctor_test_create_profile(f, "demo");
	doctor_test_write_state(f, "demo", "{\"desired_state\":\"running\"}");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "default=up");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", "demo");
	doctor_test_run(f);
	doctor_test_assert_line(f->findings,
				"gateway-not-up",
				"demo",
				HERMES_DOCTOR_STATUS_FAIL,
				"meant to run (desired_state=running) but not up",
				"hermes -p demo gateway start");
}

static void
test_doctor_port_collision(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *a_home = doctor_test_profile_home(f, "alpha");
	g_autofree gchar *a_env = g_build_filename(a_home, ".env", NULL);
	g_autofree gchar *b_home = doctor_test_profile_home(f, "beta");
	g_autofree gchar *b_env = g_build_filename(b_home, ".env", NULL);
	g_autofree gchar *fix = g_strdup_printf(
		"set a free API_SERVER_PORT in %s/.env, then: hermes -p alpha gateway restart",
		a_home);

	doctor_test_create_profile(f, "alpha");
	doctor_test_create_profile(f, "beta");
	hermes_test_write_file(a_env, "API_SERVER_PORT=18999\n", 0600);
	hermes_test_write_file(b_env, "API_SERVER_PORT=18999\n", 0600);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "default=up,alpha=up,beta=up");
	doctor_test_run(f);
	doctor_test_assert_line(f->findings,
				"gateway-port-collision",
				"alpha",
				HERMES_DOCTOR_STATUS_FAIL,
				"port collision:",
				fix);
}

static void
test_doctor_stale_gateway_pid(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *home = doctor_test_profile_home(f, "demo");
	g_autofree gchar *path = g_build_filename(home, "gateway.pid", NULL);
	g_autofree gchar *boot = hermes_pid_boot_id();
	g_autofree gchar *fix = g_strdup_printf("rm %s", path);
	g_autofree gchar *record = NULL;
	g_autofree gchar *cause = NULL;
	gint64 pid = doctor_test_dead_pid();

	doctor_test_create_profile(f, "demo");
	record = g_strdup_printf("{\"pid\":%" G_GINT64_FORMAT ",\"start_time\":1,"
				 "\"hermes_home\":\"%s\",\"boot_id\":\"%s\",\"argv\":[]}",
				 pid,
				 home,
				 boot);
	hermes_test_write_file(path, record, 0644);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "default=up,demo=up");
	doctor_test_run(f);
	cause = g_strdup_printf("stale gateway.pid: pid %" G_GINT64_FORMAT, pid);
	doctor_test_assert_line(
		f->findings, "gateway-pid", "demo", HERMES_DOCTOR_STATUS_FAIL, cause, fix);
	/* removing it is the fix */
	g_unlink(path);
	doctor_test_run(f);
	doctor_test_assert_line(f->findings,
				"gateway-pid",
				NULL,
				HERMES_DOCTOR_STATUS_OK,
				"no stale gateway.pid",
				NULL);
}

static void
test_doctor_multiplex_wants_up(void **state)
{
	Fixture *f = *state;
	doctor_test_create_profile(f, "demo");
	doctor_test_write_state(f, "demo", "{\"desired_state\":\"running\"}");
	hermes_context_setenv(f->ctx, "GATEWAY_MULTIPLEX_PROFILES", "1");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "default=up");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", "demo");
	doctor_test_run(f);
	doctor_test_assert_line(f->findings,
				"multiplex",
				"demo",
				HERMES_DOCTOR_STATUS_FAIL,
				"multiplexing is on",
				"hermes -p demo gateway stop --force");
}

/* a slot that runs with no intent recorded (started by hand, or by a tool that
 * writes none) conflicts as much as one whose intent says running */
static void
test_doctor_multiplex_slot_runs(void **state)
{
	Fixture *f = *state;
	doctor_test_create_profile(f, "demo");
	doctor_test_create_profile(f, "quiet");
	hermes_context_setenv(f->ctx, "GATEWAY_MULTIPLEX_PROFILES", "1");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "default=up,demo=up");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", "quiet");
	doctor_test_run(f);
	doctor_test_assert_line(f->findings,
				"multiplex",
				"demo",
				HERMES_DOCTOR_STATUS_FAIL,
				"its own slot runs",
				"hermes -p demo gateway stop --force");
	/* a named slot that is down and meant to stay down is no conflict */
	for (guint i = 0; i < f->findings->len; i++) {
		HermesDoctorFinding *finding = g_ptr_array_index(f->findings, i);
		assert_false(g_strcmp0(hermes_doctor_finding_get_check(finding), "multiplex") ==
				     0 &&
			     g_strcmp0(hermes_doctor_finding_get_subject(finding), "quiet") == 0);
	}
}

static void
test_doctor_no_bus(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *session = g_build_filename(f->tmp, "bus", NULL);
	g_autofree gchar *address = NULL;
	const gchar *fix = geteuid() == 0 ? "service dbus start" : "sudo service dbus start";
	gint fd;

	close(f->bus_fd);
	f->bus_fd = -1;
	g_unlink(f->bus);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "default=up");
	doctor_test_run(f);
	doctor_test_assert_line(f->findings,
				"bus",
				NULL,
				HERMES_DOCTOR_STATUS_FAIL,
				"no session or system bus for hermes-svcd",
				fix);
	/* the socket a dead dbus-daemon left behind is no bus */
	close(doctor_test_listen(f->bus));
	doctor_test_run(f);
	doctor_test_assert_line(
		f->findings, "bus", NULL, HERMES_DOCTOR_STATUS_FAIL, "a stale socket", fix);
	/* nor is one named by the address variable */
	address = g_strdup_printf("unix:path=%s", f->bus);
	hermes_context_setenv(f->ctx, "DBUS_SYSTEM_BUS_ADDRESS", address);
	doctor_test_run(f);
	doctor_test_assert_line(
		f->findings, "bus", NULL, HERMES_DOCTOR_STATUS_FAIL, "nothing listens on", fix);
	hermes_context_setenv(f->ctx, "DBUS_SYSTEM_BUS_ADDRESS", NULL);
	/* a session bus that listens is enough */
	hermes_context_setenv(f->ctx, "XDG_RUNTIME_DIR", f->tmp);
	fd = doctor_test_listen(session);
	doctor_test_run(f);
	doctor_test_assert_line(f->findings, "bus", NULL, HERMES_DOCTOR_STATUS_OK, session, NULL);
	close(fd);
}

/*****************************************************************************/
/* the `hermes doctor` command: table, JSON and exit codes */

static gchar **
cli_environ(Fixture *f, const gchar *states)
{
	g_autofree gchar *address = g_strdup_printf("unix:path=%s", f->bus);
	gchar **envp = hermes_test_hermes_environ(f->home);
	envp = g_environ_setenv(envp, "HERMES_BACKEND_PATH", doctor_test_fake_dir, TRUE);
	envp = g_environ_setenv(envp, "HERMES_SERVICE_MANAGER", "fake", TRUE);
	envp = g_environ_setenv(envp, "HERMES_FAKE_STATES", states, TRUE);
	envp = g_environ_setenv(envp, "DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);
	envp = g_environ_unsetenv(envp, "DBUS_SESSION_BUS_ADDRESS");
	envp = g_environ_unsetenv(envp, "HERMES_FAKE_GATEWAYS");
	envp = g_environ_unsetenv(envp, "HERMES_FAKE_FAIL");
	return envp;
}

static void
test_doctor_cli_all_pass(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) envp = cli_environ(f, "default=up");
	const gchar *args[] = {"doctor", NULL};
	const gchar *json_args[] = {"doctor", "--json", NULL};
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *json_out = NULL;
	g_autofree gchar *json_err = NULL;
	gint status;

	status = hermes_test_run_hermes((const gchar *const *)envp, NULL, args, &out, &err);
	if (status != 0)
		fail_msg("exit %d:\n%s\n%s", status, out, err);
	hermes_assert_str_contains(out, "STATUS CHECK");
	hermes_assert_str_contains(out, "checks passed.");
	assert_null(strstr(out, "fail "));
	status = hermes_test_run_hermes(
		(const gchar *const *)envp, NULL, json_args, &json_out, &json_err);
	assert_int_equal(status, 0);
	hermes_assert_str_contains(json_out, "\"ok\" : true");
	hermes_assert_str_contains(json_out, "\"failed\" : 0");
}

static void
test_doctor_cli_fault(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) envp = cli_environ(f, "default=up,alpha=parked");
	const gchar *args[] = {"doctor", NULL};
	const gchar *json_args[] = {"doctor", "--json", NULL};
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *json_out = NULL;
	g_autofree gchar *json_err = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonObject *root;
	JsonArray *list;
	gboolean seen = FALSE;
	gint status;

	doctor_test_create_profile(f, "alpha");
	status = hermes_test_run_hermes((const gchar *const *)envp, NULL, args, &out, &err);
	assert_int_equal(status, 1);
	hermes_assert_str_contains(
		out,
		"fail   gateway-parked         alpha            parked: 5 deaths "
		"within 60 s (fake)\n"
		"       fix: hermes -p alpha gateway restart\n");
	hermes_assert_str_contains(out, "1 of ");
	status = hermes_test_run_hermes(
		(const gchar *const *)envp, NULL, json_args, &json_out, &json_err);
	assert_int_equal(status, 1);
	json_parser_load_from_data(parser, json_out, -1, &error);
	hermes_assert_no_error(error);
	root = json_node_get_object(json_parser_get_root(parser));
	assert_false(json_object_get_boolean_member(root, "ok"));
	assert_int_equal(json_object_get_int_member(root, "failed"), 1);
	list = json_object_get_array_member(root, "findings");
	for (guint i = 0; i < json_array_get_length(list); i++) {
		JsonObject *o = json_array_get_object_element(list, i);
		if (g_strcmp0(json_object_get_string_member(o, "check"), "gateway-parked") != 0)
			continue;
		seen = TRUE;
		assert_string_equal(json_object_get_string_member(o, "status"), "fail");
		assert_string_equal(json_object_get_string_member(o, "subject"), "alpha");
		assert_string_equal(json_object_get_string_member(o, "cause"),
				    "parked: 5 deaths within 60 s (fake)");
		assert_string_equal(json_object_get_string_member(o, "fix"),
				    "hermes -p alpha gateway restart");
	}
	assert_true(seen);
}

static void
become_nobody_cb(gpointer user_data)
{
	gid_t groups[] = {65534};
	if (setgroups(1, groups) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
		_exit(126);
}

/* a home root made, used by another account: the one failed line names its owner */
static void
test_doctor_cli_home_not_owned(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) envp = cli_environ(f, "default=up");
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
		G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *line = NULL;
	g_autofree gchar *fix = NULL;
	struct passwd *pw = getpwuid(65534);

	if (geteuid() != 0 || pw == NULL)
		skip();
	g_subprocess_launcher_set_environ(launcher, envp);
	g_subprocess_launcher_set_child_setup(launcher, become_nobody_cb, NULL, NULL);
	proc = g_subprocess_launcher_spawn(
		launcher, &error, hermes_test_env("HERMES_TEST_HERMES"), "doctor", NULL);
	hermes_assert_no_error(error);
	g_subprocess_communicate_utf8(proc, NULL, NULL, &out, &err, &error);
	hermes_assert_no_error(error);
	if (g_subprocess_get_exit_status(proc) != 1)
		fail_msg("exit %d:\n%s\n%s", g_subprocess_get_exit_status(proc), out, err);
	line = g_strdup_printf("fail   home-owner             %s HERMES_HOME is owned by root, "
			       "not by %s",
			       f->home,
			       pw->pw_name);
	fix = g_strdup_printf("       fix: sudo chown -R %s: %s\n", pw->pw_name, f->home);
	hermes_assert_str_contains(out, line);
	hermes_assert_str_contains(out, fix);
	hermes_assert_str_contains(out, "1 of ");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_doctor_cli_home_not_owned, doctor_test_setup, doctor_test_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_all_pass_in_process, doctor_test_setup, doctor_test_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_home_not_owned, doctor_test_setup, doctor_test_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_home_world_writable, doctor_test_setup, doctor_test_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_backend_refused, doctor_test_setup, doctor_test_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_no_backend, doctor_test_setup, doctor_test_teardown),
		cmocka_unit_test_setup_teardown(test_doctor_supervisor_unreachable,
						doctor_test_setup,
						doctor_test_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_parked, doctor_test_setup, doctor_test_teardown),
		cmocka_unit_test_setup_teardown(test_doctor_intent_running_but_down,
						doctor_test_setup,
						doctor_test_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_port_collision, doctor_test_setup, doctor_test_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_stale_gateway_pid, doctor_test_setup, doctor_test_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_multiplex_wants_up, doctor_test_setup, doctor_test_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_multiplex_slot_runs, doctor_test_setup, doctor_test_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_no_bus, doctor_test_setup, doctor_test_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_cli_all_pass, doctor_test_setup, doctor_test_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_cli_fault, doctor_test_setup, doctor_test_teardown),
	};
	return cmocka_run_group_tests(tests, doctor_test_group_setup, doctor_test_group_teardown);
}
