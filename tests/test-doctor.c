/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes doctor`: every check is planted as a fault and its line asserted
 * (status, cause, the exact fix), and the all-pass case exits 0. Core's
 * checks run over the fake backend; the s6 checks over a real s6-svscan;
 * systemd's linger against logind's flag file under the context's root.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-doctor-private.h"
#include "hermes-pid-record.h"
#include "hermes-svc.h"
#include "hermes-test.h"

#include <cmocka.h>

/* one directory holding the fake backend for the whole binary: a process loads
 * a backend from one file only, so every test finds it in the same place */
static gchar *fake_dir;

typedef struct {
	gchar *tmp;
	gchar *home;
	gchar *plugins;
	gchar *bus;
	HermesContext *ctx;
	HermesServiceManager *manager;
	GPtrArray *findings;
	GPid svscan;
	gchar *scandir;
	gboolean dropped; /* euid switched to nobody: restored in teardown */
} Fixture;

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->tmp = hermes_test_mkdtemp();
	g_chmod(f->tmp, 0755);
	f->home = g_build_filename(f->tmp, "home", NULL);
	f->plugins = g_build_filename(f->tmp, "plugins", NULL);
	f->bus = g_build_filename(f->tmp, "run", "dbus", "system_bus_socket", NULL);
	f->scandir = g_build_filename(f->home, "run", "service", NULL);
	g_mkdir(f->home, 0755);
	g_mkdir_with_parents(f->scandir, 0755);
	g_mkdir(f->plugins, 0755);
	hermes_test_write_file(f->bus, "", 0644);
	/* the machine is the temp tree: linger files, the system bus socket */
	f->ctx = hermes_context_new_for_root(f->tmp);
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", fake_dir);
	hermes_context_setenv(f->ctx, "HERMES_HOME", f->home);
	hermes_context_setenv(f->ctx, "HERMES_SERVICE_MANAGER", "fake");
	hermes_context_setenv(f->ctx, "HERMES_SUPERVISED_CHILD", NULL);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_FAIL", NULL);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", NULL);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", NULL);
	hermes_context_setenv(f->ctx, "HERMES_S6_SCANDIR", NULL);
	hermes_context_setenv(f->ctx, "S6_PROFILE_GATEWAY_SCANDIR", NULL);
	hermes_context_setenv(
		f->ctx, "HERMES_S6_BIN_DIR", hermes_test_env("HERMES_TEST_S6_BIN_DIR"));
	hermes_context_setenv(f->ctx, "HERMES_CLI_PATH", hermes_test_env("HERMES_TEST_HERMES"));
	hermes_context_setenv(f->ctx, "HERMES_GATEWAY_USER", NULL);
	hermes_context_setenv(f->ctx, "HERMES_SYSTEMD_SCOPE", NULL);
	hermes_context_setenv(f->ctx, "DBUS_SESSION_BUS_ADDRESS", NULL);
	hermes_context_setenv(f->ctx, "XDG_RUNTIME_DIR", NULL);
	hermes_context_setenv(f->ctx, "DBUS_SYSTEM_BUS_ADDRESS", NULL);
	*state = f;
	return 0;
}

static void
restore_euid(Fixture *f)
{
	gid_t root_groups[] = {0};
	if (!f->dropped)
		return;
	f->dropped = FALSE;
	g_assert(seteuid(0) == 0);
	g_assert(setegid(0) == 0);
	g_assert(setgroups(1, root_groups) == 0);
}

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	restore_euid(f);
	hermes_test_check_logs();
	if (f->svscan > 0)
		hermes_test_s6_stop(f->scandir, &f->svscan);
	g_clear_pointer(&f->findings, g_ptr_array_unref);
	g_clear_object(&f->manager);
	g_clear_object(&f->ctx);
	hermes_test_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f->home);
	g_free(f->plugins);
	g_free(f->bus);
	g_free(f->scandir);
	g_free(f);
	return 0;
}

static void
run_doctor(Fixture *f)
{
	g_clear_pointer(&f->findings, g_ptr_array_unref);
	f->findings = hermes_doctor_run(f->ctx, NULL, NULL);
	assert_non_null(f->findings);
}

static gchar *
findings_text(GPtrArray *findings)
{
	GString *text = g_string_new(NULL);
	for (guint i = 0; i < findings->len; i++) {
		HermesDoctorFinding *d = g_ptr_array_index(findings, i);
		g_string_append_printf(
			text,
			"  %s %s [%s] %s | %s\n",
			hermes_doctor_status_to_string(hermes_doctor_finding_get_status(d)),
			hermes_doctor_finding_get_check(d),
			hermes_doctor_finding_get_subject(d),
			hermes_doctor_finding_get_cause(d),
			hermes_doctor_finding_get_fix(d));
	}
	return g_string_free(text, FALSE);
}

/* the one finding of @check about @subject (NULL: any subject) */
static HermesDoctorFinding *
find(GPtrArray *findings, const gchar *check, const gchar *subject)
{
	g_autofree gchar *all = NULL;
	for (guint i = 0; i < findings->len; i++) {
		HermesDoctorFinding *d = g_ptr_array_index(findings, i);
		if (g_strcmp0(hermes_doctor_finding_get_check(d), check) == 0 &&
		    (subject == NULL ||
		     g_strcmp0(hermes_doctor_finding_get_subject(d), subject) == 0))
			return d;
	}
	all = findings_text(findings);
	fail_msg("no finding %s about %s in:\n%s", check, subject != NULL ? subject : "-", all);
	return NULL;
}

/* status, a piece of the cause, and the exact fix (NULL: none expected) */
static void
assert_line(GPtrArray *findings,
	    const gchar *check,
	    const gchar *subject,
	    HermesDoctorStatus status,
	    const gchar *cause_part,
	    const gchar *fix)
{
	HermesDoctorFinding *d = find(findings, check, subject);
	if (hermes_doctor_finding_get_status(d) != status) {
		g_autofree gchar *all = findings_text(findings);
		fail_msg("%s: expected %s in:\n%s",
			 check,
			 hermes_doctor_status_to_string(status),
			 all);
	}
	hermes_assert_str_contains(hermes_doctor_finding_get_cause(d), cause_part);
	assert_string_equal(hermes_doctor_finding_get_fix(d) != NULL
				    ? hermes_doctor_finding_get_fix(d)
				    : "(none)",
			    fix != NULL ? fix : "(none)");
}

static void
create_profile(Fixture *f, const gchar *name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) p = hermes_profile_create(f->ctx, name, &error);
	hermes_assert_no_error(error);
}

static gchar *
profile_home(Fixture *f, const gchar *name)
{
	return g_build_filename(f->home, "profiles", name, NULL);
}

static void
write_state(Fixture *f, const gchar *name, const gchar *json)
{
	g_autofree gchar *home = profile_home(f, name);
	g_autofree gchar *path = g_build_filename(home, "gateway_state.json", NULL);
	hermes_test_write_file(path, json, 0644);
}

/* a pid nobody runs under any more */
static gint64
dead_pid(void)
{
	g_autoptr(GError) error = NULL;
	const gchar *argv[] = {"/bin/true", NULL};
	GPid pid = 0;
	gint status = 0;
	g_spawn_async(
		NULL, (gchar **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error);
	hermes_assert_no_error(error);
	g_assert(waitpid(pid, &status, 0) == pid);
	return pid;
}

/*****************************************************************************/
/* core's checks over the fake backend */

static void
test_doctor_all_pass_in_process(void **state)
{
	Fixture *f = *state;
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "default=up");
	run_doctor(f);
	if (!hermes_doctor_all_ok(f->findings)) {
		g_autofree gchar *all = findings_text(f->findings);
		fail_msg("expected every check to pass:\n%s", all);
	}
	assert_line(f->findings, "home-owner", f->home, HERMES_DOCTOR_STATUS_OK, "owned by", NULL);
	assert_line(f->findings, "supervisor", "fake", HERMES_DOCTOR_STATUS_OK, "answers", NULL);
	assert_line(f->findings, "gateway", "default", HERMES_DOCTOR_STATUS_OK, "up", NULL);
	assert_line(f->findings, "bus", NULL, HERMES_DOCTOR_STATUS_OK, f->bus, NULL);
}

static void
test_doctor_home_not_owned(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *fix = g_strdup_printf("sudo chown -R 4242: %s", f->home);
	g_autoptr(HermesDoctorFinding) d = NULL;
	g_autoptr(GPtrArray) one = g_ptr_array_new();

	/* owned by root, used by uid 4242 */
	d = hermes_doctor_home_finding(f->home, 4242);
	g_ptr_array_add(one, d);
	assert_line(one,
		    "home-owner",
		    f->home,
		    HERMES_DOCTOR_STATUS_FAIL,
		    "HERMES_HOME is owned by root, not by 4242",
		    fix);
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
	assert_line(one,
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
	g_autofree gchar *abi_fix = g_strdup_printf(
		"rm %s (then reinstall the backend built for this hermes-svc)", abi);
	g_autofree gchar *perm_fix =
		g_strdup_printf("chown root: %s && chmod go-w %s", writable, writable);

	g_autofree gchar *path = g_strdup_printf("%s:%s", fake_dir, f->plugins);

	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", path);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "default=up");
	run_doctor(f);
	assert_false(hermes_doctor_all_ok(f->findings));
	assert_line(f->findings,
		    "backend-refused",
		    abi,
		    HERMES_DOCTOR_STATUS_FAIL,
		    "backend 'abimajor' refused by the loader: built for backend ABI 2.2",
		    abi_fix);
	assert_line(f->findings,
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
	run_doctor(f);
	assert_line(f->findings,
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
	run_doctor(f);
	assert_line(f->findings,
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
	create_profile(f, "alpha");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "default=up,alpha=parked");
	run_doctor(f);
	assert_line(f->findings,
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
	create_profile(f, "demo");
	write_state(f, "demo", "{\"desired_state\":\"running\"}");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "default=up");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", "demo");
	run_doctor(f);
	assert_line(f->findings,
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
	g_autofree gchar *a_home = profile_home(f, "alpha");
	g_autofree gchar *a_env = g_build_filename(a_home, ".env", NULL);
	g_autofree gchar *b_home = profile_home(f, "beta");
	g_autofree gchar *b_env = g_build_filename(b_home, ".env", NULL);
	g_autofree gchar *fix = g_strdup_printf(
		"set a free API_SERVER_PORT in %s/.env, then: hermes -p alpha gateway restart",
		a_home);

	create_profile(f, "alpha");
	create_profile(f, "beta");
	hermes_test_write_file(a_env, "API_SERVER_PORT=18999\n", 0600);
	hermes_test_write_file(b_env, "API_SERVER_PORT=18999\n", 0600);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "default=up,alpha=up,beta=up");
	run_doctor(f);
	assert_line(f->findings,
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
	g_autofree gchar *home = profile_home(f, "demo");
	g_autofree gchar *path = g_build_filename(home, "gateway.pid", NULL);
	g_autofree gchar *boot = hermes_pid_boot_id();
	g_autofree gchar *fix = g_strdup_printf("rm %s", path);
	g_autofree gchar *record = NULL;
	g_autofree gchar *cause = NULL;
	gint64 pid = dead_pid();

	create_profile(f, "demo");
	record = g_strdup_printf("{\"pid\":%" G_GINT64_FORMAT ",\"start_time\":1,"
				 "\"hermes_home\":\"%s\",\"boot_id\":\"%s\",\"argv\":[]}",
				 pid,
				 home,
				 boot);
	hermes_test_write_file(path, record, 0644);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "default=up,demo=up");
	run_doctor(f);
	cause = g_strdup_printf("stale gateway.pid: pid %" G_GINT64_FORMAT, pid);
	assert_line(f->findings, "gateway-pid", "demo", HERMES_DOCTOR_STATUS_FAIL, cause, fix);
	/* removing it is the fix */
	g_unlink(path);
	run_doctor(f);
	assert_line(f->findings,
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
	create_profile(f, "demo");
	write_state(f, "demo", "{\"desired_state\":\"running\"}");
	hermes_context_setenv(f->ctx, "GATEWAY_MULTIPLEX_PROFILES", "1");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "default=up");
	hermes_context_setenv(f->ctx, "HERMES_FAKE_GATEWAYS", "demo");
	run_doctor(f);
	assert_line(f->findings,
		    "multiplex",
		    "demo",
		    HERMES_DOCTOR_STATUS_FAIL,
		    "multiplexing is on",
		    "hermes -p demo gateway stop --force");
}

static void
test_doctor_no_bus(void **state)
{
	Fixture *f = *state;
	g_unlink(f->bus);
	hermes_context_setenv(f->ctx, "HERMES_FAKE_STATES", "default=up");
	run_doctor(f);
	assert_line(f->findings,
		    "bus",
		    NULL,
		    HERMES_DOCTOR_STATUS_FAIL,
		    "no session or system bus for hermes-svcd",
		    "service dbus start");
	/* a session bus is enough */
	hermes_context_setenv(f->ctx, "XDG_RUNTIME_DIR", f->tmp);
	hermes_test_write_file(f->bus, "", 0644);
	g_unlink(f->bus);
	{
		g_autofree gchar *session = g_build_filename(f->tmp, "bus", NULL);
		hermes_test_write_file(session, "", 0644);
		run_doctor(f);
		assert_line(f->findings, "bus", NULL, HERMES_DOCTOR_STATUS_OK, session, NULL);
	}
}

/*****************************************************************************/
/* the `hermes doctor` command: table, JSON and exit codes */

static gchar **
cli_environ(Fixture *f, const gchar *states)
{
	g_autofree gchar *address = g_strdup_printf("unix:path=%s", f->bus);
	gchar **envp = hermes_test_hermes_environ(f->home);
	envp = g_environ_setenv(envp, "HERMES_BACKEND_PATH", fake_dir, TRUE);
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

	create_profile(f, "alpha");
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

/*****************************************************************************/
/* the s6 backend's checks, over a real s6-svscan */

static void
use_s6(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	hermes_context_setenv(
		f->ctx, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"));
	hermes_context_setenv(f->ctx, "HERMES_SERVICE_MANAGER", "s6");
	f->manager = hermes_backend_loader_new_manager(f->ctx, "s6", &error);
	hermes_assert_no_error(error);
	assert_string_equal(hermes_service_manager_get_mode(f->manager), "embedded");
}

static void
backend_doctor(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_clear_pointer(&f->findings, g_ptr_array_unref);
	f->findings = hermes_service_manager_doctor(f->manager, NULL, &error);
	hermes_assert_no_error(error);
}

/* s6-svscan on the embedded scan directory, started without HERMES_HOME */
static void
start_svscan_without_home(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *svscan =
		g_build_filename(hermes_test_env("HERMES_TEST_S6_BIN_DIR"), "s6-svscan", NULL);
	g_autofree gchar *control = g_build_filename(f->scandir, ".s6-svscan", "control", NULL);
	g_auto(GStrv) envp = g_environ_unsetenv(g_get_environ(), "HERMES_HOME");
	const gchar *argv[] = {svscan, "-c", "200", f->scandir, NULL};
	gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

	g_mkdir_with_parents(f->scandir, 0755);
	g_spawn_async(NULL,
		      (gchar **)argv,
		      envp,
		      G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
		      NULL,
		      NULL,
		      &f->svscan,
		      &error);
	hermes_assert_no_error(error);
	for (;;) {
		gint fd = open(control, O_WRONLY | O_NONBLOCK);
		if (fd >= 0) {
			close(fd);
			break;
		}
		if (g_get_monotonic_time() > deadline)
			fail_msg("s6-svscan did not start on %s", f->scandir);
		g_usleep(5000);
	}
}

static void
test_doctor_s6_not_running(void **state)
{
	Fixture *f = *state;
	use_s6(f);
	run_doctor(f);
	assert_line(f->findings,
		    "supervisor",
		    "s6",
		    HERMES_DOCTOR_STATUS_FAIL,
		    "no supervisor reachable: s6-svscan (embedded)",
		    "hermes supervisor start");
}

static void
test_doctor_s6_stale_pidfile(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *pidfile = g_build_filename(f->home, "run", "s6-svscan.pid", NULL);
	g_autofree gchar *text = g_strdup_printf("%" G_GINT64_FORMAT "\n", dead_pid());
	hermes_test_write_file(pidfile, text, 0644);
	use_s6(f);
	backend_doctor(f);
	assert_line(f->findings,
		    "s6-pidfile",
		    "s6-svscan",
		    HERMES_DOCTOR_STATUS_FAIL,
		    "stale pid file: ",
		    "hermes supervisor start");
	hermes_assert_str_contains(
		hermes_doctor_finding_get_cause(find(f->findings, "s6-pidfile", NULL)), pidfile);
	/* a tree that runs, started by someone else: the stale file is removed */
	f->svscan = hermes_test_s6_start(f->scandir, f->home);
	backend_doctor(f);
	{
		g_autofree gchar *fix = g_strdup_printf("rm %s", pidfile);
		assert_line(f->findings,
			    "s6-pidfile",
			    "s6-svscan",
			    HERMES_DOCTOR_STATUS_FAIL,
			    "stale pid file: ",
			    fix);
	}
}

static void
test_doctor_s6_svscan_without_home(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *fix =
		g_strdup_printf("HERMES_HOME=%s hermes supervisor stop && HERMES_HOME=%s hermes "
				"supervisor start",
				f->home,
				f->home);
	use_s6(f);
	start_svscan_without_home(f);
	run_doctor(f);
	assert_line(f->findings, "supervisor", "s6", HERMES_DOCTOR_STATUS_OK, "is running", NULL);
	assert_line(f->findings,
		    "s6-svscan-env",
		    "s6-svscan",
		    HERMES_DOCTOR_STATUS_FAIL,
		    "was started without HERMES_HOME",
		    fix);
}

static void
test_doctor_s6_svscan_with_home(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *cause = g_strdup_printf("runs with HERMES_HOME=%s", f->home);
	use_s6(f);
	f->svscan = hermes_test_s6_start(f->scandir, f->home);
	backend_doctor(f);
	assert_line(
		f->findings, "s6-svscan-env", "s6-svscan", HERMES_DOCTOR_STATUS_OK, cause, NULL);
	assert_line(f->findings,
		    "s6-control-fifo",
		    "s6-svscan",
		    HERMES_DOCTOR_STATUS_OK,
		    "this user may write",
		    NULL);
	for (guint i = 0; i < f->findings->len; i++)
		assert_int_equal(
			hermes_doctor_finding_get_status(g_ptr_array_index(f->findings, i)),
			HERMES_DOCTOR_STATUS_OK);
}

/* a tree root started, and a user outside its group: the control FIFO is closed to it */
static void
test_doctor_s6_fifo_not_writable(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) envp = hermes_test_hermes_environ(f->home);
	const gchar *args[] = {"profile", "create", "demo", NULL};
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *run = g_build_filename(f->home, "run", NULL);
	gid_t nobody_groups[] = {65534};
	HermesDoctorFinding *d;
	gint status;

	use_s6(f);
	f->svscan = hermes_test_s6_start(f->scandir, f->home);
	envp = g_environ_setenv(envp, "HERMES_SERVICE_MANAGER", "s6", TRUE);
	status = hermes_test_run_hermes((const gchar *const *)envp, NULL, args, &out, &err);
	if (status != 0)
		fail_msg("profile create: exit %d: %s", status, err);
	/* as root, every FIFO is writable */
	backend_doctor(f);
	assert_line(f->findings,
		    "s6-control-fifo",
		    "demo",
		    HERMES_DOCTOR_STATUS_OK,
		    "this user may write",
		    NULL);
	/* the tree itself may be read by everyone, as a root tree's users need */
	g_chmod(run, 0755);
	g_chmod(f->scandir, 0755);
	g_assert(setgroups(1, nobody_groups) == 0);
	g_assert(setegid(65534) == 0);
	g_assert(seteuid(65534) == 0);
	f->dropped = TRUE;
	backend_doctor(f);
	restore_euid(f);
	d = find(f->findings, "s6-control-fifo", "demo");
	assert_int_equal(hermes_doctor_finding_get_status(d), HERMES_DOCTOR_STATUS_FAIL);
	hermes_assert_str_contains(hermes_doctor_finding_get_cause(d), "may not write");
	hermes_assert_str_contains(hermes_doctor_finding_get_cause(d), "group root");
	assert_string_equal(hermes_doctor_finding_get_fix(d),
			    "sudo usermod -aG root nobody (then log in again)");
}

/*****************************************************************************/
/* the systemd backend's check: linger for user units */

static void
test_doctor_systemd_linger(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *flag =
		g_build_filename(f->tmp, "var", "lib", "systemd", "linger", "root", NULL);

	hermes_context_setenv(
		f->ctx, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"));
	f->manager = hermes_backend_loader_new_manager(f->ctx, "systemd", &error);
	hermes_assert_no_error(error);
	backend_doctor(f);
	assert_line(f->findings,
		    "systemd-linger",
		    "root",
		    HERMES_DOCTOR_STATUS_FAIL,
		    "linger is off for root",
		    "loginctl enable-linger root");
	/* logind's flag file turns it on; a new manager looks again */
	hermes_test_write_file(flag, "", 0644);
	g_clear_object(&f->manager);
	f->manager = hermes_backend_loader_new_manager(f->ctx, "systemd", &error);
	hermes_assert_no_error(error);
	backend_doctor(f);
	assert_line(f->findings, "systemd-linger", "root", HERMES_DOCTOR_STATUS_OK, flag, NULL);
}

static gint
group_setup(void **state)
{
	g_autofree gchar *fake = g_build_filename(
		hermes_test_env("HERMES_TEST_PLUGIN_DIR"), "libhermes-backend-fake.so", NULL);
	hermes_test_init();
	fake_dir = hermes_test_mkdtemp();
	g_free(hermes_test_copy_file(fake, fake_dir, "libhermes-backend-fake.so", 0755));
	return 0;
}

static gint
group_teardown(void **state)
{
	hermes_test_rmtree(fake_dir);
	g_clear_pointer(&fake_dir, g_free);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_doctor_all_pass_in_process, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_home_not_owned, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_home_world_writable, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_backend_refused, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_no_backend, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_supervisor_unreachable, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_parked, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_intent_running_but_down, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_port_collision, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_stale_gateway_pid, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_multiplex_wants_up, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_no_bus, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_cli_all_pass, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_cli_fault, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_s6_not_running, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_s6_stale_pidfile, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_s6_svscan_without_home, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_s6_svscan_with_home, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_s6_fifo_not_writable, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_systemd_linger, fixture_setup, fixture_teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
