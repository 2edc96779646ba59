/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The lifecycle as a user drives it: the real `hermes` binary against a
 * real s6-svscan on a private scan directory.
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-platform-private.h"
#include "hermes-s6-control.h"
#include "hermes-svc.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmp;
	gchar *scandir;
	gchar *root;
	GPid svscan;
	gchar **envp;
	gchar *out;
	gchar *err;
	GPid victim;
} Fixture;

static void
start_svscan(Fixture *f)
{
	f->svscan = hermes_test_s6_start(f->scandir, f->root);
}

static void
stop_svscan(Fixture *f)
{
	hermes_test_s6_stop(f->scandir, &f->svscan);
}

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->tmp = hermes_test_mkdtemp();
	f->scandir = g_build_filename(f->tmp, "scan", NULL);
	f->root = g_build_filename(f->tmp, "home", NULL);
	g_mkdir(f->scandir, 0755);
	g_mkdir(f->root, 0755);
	f->envp = g_get_environ();
	f->envp = g_environ_setenv(f->envp, "HERMES_HOME", f->root, TRUE);
	f->envp = g_environ_setenv(f->envp, "HOME", f->tmp, TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_S6_SCANDIR", f->scandir, TRUE);
	f->envp = g_environ_setenv(
		f->envp, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"), TRUE);
	f->envp = g_environ_setenv(
		f->envp, "HERMES_S6_BIN_DIR", hermes_test_env("HERMES_TEST_S6_BIN_DIR"), TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_SERVICE_MANAGER", "s6", TRUE);
	f->envp = g_environ_unsetenv(f->envp, "HERMES_SUPERVISED_CHILD");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_S6_SUPERVISED_CHILD");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_GATEWAY_USER");
	start_svscan(f);
	*state = f;
	return 0;
}

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	stop_svscan(f);
	if (f->victim > 0) {
		kill(f->victim, SIGKILL);
		waitpid(f->victim, NULL, 0);
	}
	hermes_test_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f->scandir);
	g_free(f->root);
	g_strfreev(f->envp);
	g_free(f->out);
	g_free(f->err);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

static gint
run_argv(Fixture *f, const gchar *const *args)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
		G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_ptr_array_add(argv, (gpointer)hermes_test_env("HERMES_TEST_HERMES"));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	g_subprocess_launcher_set_environ(launcher, f->envp);
	proc = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	hermes_assert_no_error(error);
	g_clear_pointer(&f->out, g_free);
	g_clear_pointer(&f->err, g_free);
	g_subprocess_communicate_utf8(proc, NULL, NULL, &f->out, &f->err, &error);
	hermes_assert_no_error(error);
	return g_subprocess_get_exit_status(proc);
}

#define run(f, ...) run_argv(f, (const gchar *const[]){__VA_ARGS__, NULL})

static gchar *
slot(Fixture *f, const gchar *profile)
{
	return g_strdup_printf("%s/gateway-%s", f->scandir, profile);
}

static JsonObject *
status_json(Fixture *f, const gchar *profile)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonArray *array;
	if (run(f, "-p", profile, "gateway", "status", "--json") != 0)
		fail_msg("status of %s failed: %s", profile, f->err);
	if (!json_parser_load_from_data(parser, f->out, -1, &error))
		fail_msg("status is not JSON: %s", f->out);
	array = json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)),
					     "gateways");
	return json_object_ref(json_array_get_object_element(array, 0));
}

static void
assert_state(Fixture *f, const gchar *profile, const gchar *want)
{
	g_autoptr(JsonObject) obj = status_json(f, profile);
	assert_string_equal(json_object_get_string_member(obj, "state"), want);
}

/* bounded, for what happens behind the CLI's back (a supervisor acting on its own) */
static void
wait_state(Fixture *f, const gchar *profile, const gchar *want)
{
	gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	while (TRUE) {
		g_autoptr(JsonObject) obj = status_json(f, profile);
		if (g_strcmp0(json_object_get_string_member(obj, "state"), want) == 0)
			return;
		if (g_get_monotonic_time() > deadline)
			fail_msg("%s never became %s", profile, want);
		g_usleep(50 * 1000);
	}
}

static gint64
pid_of(Fixture *f, const gchar *profile)
{
	g_autoptr(JsonObject) obj = status_json(f, profile);
	return json_object_get_int_member_with_default(obj, "pid", -1);
}

static void
test_lifecycle_profile_hooks(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = slot(f, "demo");
	g_autofree gchar *down = g_build_filename(dir, "down", NULL);
	g_autofree gchar *home = g_build_filename(f->root, "profiles", "demo", NULL);
	gint64 pid;

	/* create registers the slot, stopped */
	assert_int_equal(run(f, "profile", "create", "demo"), 0);
	hermes_assert_str_contains(f->out, "Registered gateway 'demo' with s6 (scandir), stopped");
	assert_true(g_file_test(down, G_FILE_TEST_EXISTS));
	/* a second registration (by the reconciler, say) is fine: create is not repeated, but start works */
	assert_int_equal(run(f, "-p", "demo", "gateway", "start"), 0);
	assert_string_equal(f->out, "Started gateway 'demo' (backend s6)\n");
	pid = pid_of(f, "demo");
	assert_true(pid > 0);
	/* delete stops and unregisters before removing the files */
	assert_int_equal(run(f, "profile", "delete", "demo", "--yes"), 0);
	assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));
	assert_false(g_file_test(home, G_FILE_TEST_EXISTS));
	assert_false(hermes_platform_process_alive(pid));
	/* the default profile cannot be deleted */
	assert_int_equal(run(f, "profile", "delete", "default", "--yes"), 64);
}

/*
 * A slot written by another hermes (an older release, a build directory
 * since removed) names a binary that is gone; start rewrites it instead of
 * parking the gateway, and a second start leaves the running gateway alone.
 */
static void
test_lifecycle_start_refreshes_outdated_slot(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = slot(f, "demo");
	g_autofree gchar *run_path = g_build_filename(dir, "run", NULL);
	g_autofree gchar *script = NULL;
	g_autoptr(GRegex) exec_line = g_regex_new("^exec .*$", G_REGEX_MULTILINE, 0, NULL);
	g_autofree gchar *stale = NULL;
	g_autoptr(GError) error = NULL;
	gint64 pid;

	assert_int_equal(run(f, "profile", "create", "demo"), 0);
	assert_true(g_file_get_contents(run_path, &script, NULL, &error));
	stale = g_regex_replace_literal(exec_line,
					script,
					-1,
					0,
					"exec /nonexistent/old-build/hermes -p demo gateway run",
					0,
					&error);
	hermes_assert_no_error(error);
	assert_true(g_file_set_contents_full(
		run_path, stale, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0755, &error));

	assert_int_equal(run(f, "-p", "demo", "gateway", "start"), 0);
	assert_string_equal(f->out, "Started gateway 'demo' (backend s6)\n");
	assert_state(f, "demo", "up");
	pid = pid_of(f, "demo");
	g_clear_pointer(&script, g_free);
	assert_true(g_file_get_contents(run_path, &script, NULL, &error));
	assert_null(strstr(script, "/nonexistent/"));

	assert_int_equal(run(f, "-p", "demo", "gateway", "start"), 0);
	assert_int_equal(pid_of(f, "demo"), pid);
}

static void
test_lifecycle_delete_respects_foreign_pid_record(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *b_home = g_build_filename(f->root, "profiles", "b", NULL);
	g_autofree gchar *a_home = g_build_filename(f->root, "profiles", "a", NULL);
	g_autofree gchar *pidfile = g_build_filename(b_home, "gateway.pid", NULL);
	g_autofree gchar *record = NULL;
	const gchar *argv[] = {"/bin/sleep", "1000", NULL};

	assert_int_equal(run(f, "profile", "create", "a"), 0);
	assert_int_equal(run(f, "profile", "create", "b"), 0);
	/* b's pid record is poisoned: it names a live process of profile a */
	g_spawn_async(NULL,
		      (gchar **)argv,
		      NULL,
		      G_SPAWN_DO_NOT_REAP_CHILD,
		      NULL,
		      NULL,
		      &f->victim,
		      &error);
	hermes_assert_no_error(error);
	record = g_strdup_printf("{\"pid\":%d,\"kind\":\"hermes-gateway\",\"hermes_home\":\"%s\"}",
				 f->victim,
				 a_home);
	hermes_test_write_file(pidfile, record, 0644);
	assert_int_equal(run(f, "profile", "delete", "b", "--yes"), 0);
	hermes_assert_str_contains(f->err, "not stopping pid");
	assert_true(hermes_platform_process_alive(f->victim));
	assert_false(g_file_test(b_home, G_FILE_TEST_EXISTS));
}

/* scenario (g): one slot cannot be stopped; the others are, and the exit says so */
static void
test_lifecycle_stop_all_with_one_failure(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *broken = slot(f, "b");
	g_autofree gchar *control = g_build_filename(broken, "supervise", "control", NULL);
	g_autofree gchar *aside = g_build_filename(broken, "supervise", "control.aside", NULL);
	const gchar *names[] = {"a", "b", "c"};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		assert_int_equal(run(f, "profile", "create", names[i]), 0);
		assert_int_equal(run(f, "-p", names[i], "gateway", "start"), 0);
	}
	/* b's control FIFO is replaced by a directory: it cannot be told anything */
	assert_int_equal(g_rename(control, aside), 0);
	assert_int_equal(g_mkdir(control, 0700), 0);
	assert_int_equal(run(f, "gateway", "stop", "--all"), 1);
	hermes_assert_str_contains(f->err, "hermes: stop gateway 'b' failed (backend s6");
	hermes_assert_str_contains(f->err, "hermes: 1 of 3 gateways failed to stop");
	hermes_assert_str_contains(f->out, "Stopped gateway 'a'");
	hermes_assert_str_contains(f->out, "Stopped gateway 'c'");
	assert_state(f, "a", "down");
	assert_state(f, "c", "down");
	assert_state(f, "b", "up");
	/* b's intent is what it was: the failed stop did not record "stopped" */
	{
		g_autofree gchar *home = g_build_filename(f->root, "profiles", "b", NULL);
		g_autofree gchar *desired = hermes_gateway_state_get_desired(home);
		assert_string_equal(desired, "running");
	}
	g_rmdir(control);
	g_rename(aside, control);
}

/* --all acts on every gateway side by side; the lines still come in list order */
static void
test_lifecycle_start_all_in_order(void **state)
{
	Fixture *f = *state;
	g_autoptr(GString) want = g_string_new(NULL);
	const gchar *names[] = {"g1", "g2", "g3", "g4", "g5", "g6", "g7", "g8", "g9", "g10"};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		assert_int_equal(run(f, "profile", "create", names[i]), 0);
		assert_int_equal(run(f, "-p", names[i], "gateway", "install"), 0);
	}
	assert_int_equal(run(f, "gateway", "start", "--all"), 0);
	/* the listing's order, by name (g1, g10, g2 ...), whatever order they ended in */
	g_string_append(want, "Started gateway 'g1'\nStarted gateway 'g10'\n");
	for (guint i = 2; i <= 9; i++)
		g_string_append_printf(want, "Started gateway 'g%u'\n", i);
	assert_string_equal(f->out, want->str);
	for (guint i = 0; i < G_N_ELEMENTS(names); i++)
		assert_state(f, names[i], "up");

	assert_int_equal(run(f, "gateway", "stop", "--all"), 0);
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree gchar *home = g_build_filename(f->root, "profiles", names[i], NULL);
		g_autofree gchar *desired = hermes_gateway_state_get_desired(home);
		assert_state(f, names[i], "down");
		assert_string_equal(desired, "stopped");
	}
}

static void
test_lifecycle_status_and_health(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = slot(f, "demo");

	assert_int_equal(run(f, "profile", "create", "demo"), 0);
	assert_int_equal(run(f, "profile", "create", "idle"), 0);
	/* nothing is meant to run yet: healthy, trivially */
	assert_int_equal(run(f, "gateway", "health", "--all"), 0);
	assert_int_equal(run(f, "-p", "demo", "gateway", "start"), 0);
	assert_int_equal(run(f, "status"), 0);
	hermes_assert_str_contains(f->out, "Manager: s6 (scandir): s6-svscan (scandir) on ");
	hermes_assert_str_contains(f->out, "PROFILE");
	/* start returns once the gateway is ready: the payload answers from here on */
	assert_state(f, "demo", "up");
	assert_int_equal(run(f, "gateway", "health", "--all"), 0);
	hermes_assert_str_contains(f->out, "healthy: 1 gateway meant to run, all up");
	/* the supervisor takes it down behind the operator's back: unhealthy, with the reason */
	assert_true(hermes_s6_control_slot(dir, "d", NULL));
	wait_state(f, "demo", "down");
	assert_int_equal(run(f, "gateway", "health", "--all"), 1);
	hermes_assert_str_contains(f->err, "hermes: unhealthy: gateway 'demo' is down");
	hermes_assert_str_contains(f->err, "meant to run");
	/* an operator stop changes the intent, and health follows it */
	assert_int_equal(run(f, "-p", "demo", "gateway", "stop"), 0);
	assert_int_equal(run(f, "-p", "demo", "gateway", "health"), 0);
	/* --json carries the same story for machines */
	assert_int_equal(run(f, "status", "--json"), 0);
	hermes_assert_str_contains(f->out, "\"backend\" : \"s6\"");
	hermes_assert_str_contains(f->out, "\"desired_state\" : \"stopped\"");
}

/* a container restart as s6-overlay does it: supervision gone, /run wiped, reconcile, scan */
static void
container_restart(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) dir = NULL;
	const gchar *entry;
	stop_svscan(f);
	dir = g_dir_open(f->scandir, 0, &error);
	hermes_assert_no_error(error);
	while ((entry = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = g_build_filename(f->scandir, entry, NULL);
		hermes_test_rmtree(path);
	}
	assert_int_equal(run(f, "boot", "reconcile"), 0);
	start_svscan(f);
}

static const gchar *
boot_log_line(Fixture *f, const gchar *profile, gchar **log)
{
	g_autofree gchar *path = g_build_filename(f->root, "logs", "container-boot.log", NULL);
	/* upstream's format: bare values, so `profile=demo ` and not `profile=demo2` */
	g_autofree gchar *needle = g_strdup_printf(" profile=%s ", profile);
	gchar *line;
	g_clear_pointer(log, g_free);
	assert_true(g_file_get_contents(path, log, NULL, NULL));
	/* the last line for the profile */
	line = g_strrstr(*log, needle);
	if (line == NULL)
		fail_msg("no boot log line for %s in: %s", profile, *log);
	*strchrnul(line, '\n') = '\0';
	return line;
}

/*
 * (d): the gateway was never stopped by anyone: an unmarked SIGTERM (a
 * container stop, a bare kill) makes it persist "running", and it comes
 * back after the restart without anyone stamping an intent.
 */
static void
test_lifecycle_unmarked_sigterm_comes_back(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = slot(f, "demo");
	g_autofree gchar *home = g_build_filename(f->root, "profiles", "demo", NULL);
	g_autofree gchar *down = g_build_filename(dir, "down", NULL);
	g_autofree gchar *log = NULL;
	g_autoptr(JsonObject) saved = NULL;
	g_autoptr(GError) error = NULL;
	gint64 pid;

	assert_int_equal(run(f, "profile", "create", "demo"), 0);
	/* brought up by the supervisor directly, so no intent is recorded; the
	 * scanner picks the new slot up asynchronously, so retry until it has */
	{
		gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
		while (!hermes_s6_control_slot(dir, "u", NULL)) {
			if (g_get_monotonic_time() > deadline)
				fail_msg("the slot never got a supervisor");
			g_usleep(20 * 1000);
		}
	}
	wait_state(f, "demo", "up");
	pid = pid_of(f, "demo");
	assert_int_equal(kill((pid_t)pid, SIGTERM), 0);
	/* it persisted "running" on its way out; nobody wrote desired_state */
	{
		gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
		while (hermes_platform_process_alive(pid) && g_get_monotonic_time() < deadline)
			g_usleep(20 * 1000);
	}
	saved = hermes_gateway_state_load(home, &error);
	hermes_assert_no_error(error);
	assert_string_equal(hermes_json_get_string(saved, "gateway_state"), "running");
	assert_null(hermes_json_get_string(saved, "desired_state"));

	container_restart(f);
	hermes_assert_str_contains(boot_log_line(f, "demo", &log), "action=started");
	assert_false(g_file_test(down, G_FILE_TEST_EXISTS));
	wait_state(f, "demo", "up");
	assert_true(pid_of(f, "demo") != pid);
}

/* (e): an operator stop persists "stopped", and the gateway stays down after the restart */
static void
test_lifecycle_operator_stop_stays_down(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = slot(f, "demo");
	g_autofree gchar *down = g_build_filename(dir, "down", NULL);
	g_autofree gchar *home = g_build_filename(f->root, "profiles", "demo", NULL);
	g_autofree gchar *log = NULL;
	g_autoptr(JsonObject) saved = NULL;
	g_autoptr(GError) error = NULL;

	assert_int_equal(run(f, "profile", "create", "demo"), 0);
	assert_int_equal(run(f, "-p", "demo", "gateway", "start"), 0);
	assert_int_equal(run(f, "-p", "demo", "gateway", "stop"), 0);
	saved = hermes_gateway_state_load(home, &error);
	hermes_assert_no_error(error);
	assert_string_equal(hermes_json_get_string(saved, "desired_state"), "stopped");
	/* the gateway saw the marker: an operator stop, not a crash */
	assert_string_equal(hermes_json_get_string(saved, "gateway_state"), "stopped");

	container_restart(f);
	hermes_assert_str_contains(boot_log_line(f, "demo", &log), "action=registered");
	assert_true(g_file_test(down, G_FILE_TEST_EXISTS));
	/* let the scanner settle on it, then it must still be down */
	g_usleep(500 * 1000);
	assert_state(f, "demo", "down");
}

static gint
group_setup(void **state)
{
	hermes_test_init();
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_lifecycle_profile_hooks),
		T(test_lifecycle_start_refreshes_outdated_slot),
		T(test_lifecycle_delete_respects_foreign_pid_record),
		T(test_lifecycle_stop_all_with_one_failure),
		T(test_lifecycle_start_all_in_order),
		T(test_lifecycle_status_and_health),
		T(test_lifecycle_unmarked_sigterm_comes_back),
		T(test_lifecycle_operator_stop_stays_down),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
