/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `HERMES_DASHBOARD=1 hermes boot reconcile`: the real `hermes` and a real
 * s6-svscan supervise the real hermes-svcd's web door beside the gateways;
 * it answers, comes back when killed, is no gateway, and is gone after a
 * reconcile without the flag.
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "hermes-svc.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmp;
	gchar *scandir;
	gchar *root;
	gchar *addr;
	GPid svscan;
	gchar **envp;
	gchar *out;
	gchar *err;
} Fixture;

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->tmp = hermes_test_mkdtemp();
	f->scandir = g_build_filename(f->tmp, "scan", NULL);
	f->root = g_build_filename(f->tmp, "home", NULL);
	f->addr = g_strdup_printf("127.0.0.1:%u", hermes_test_free_port());
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
	f->envp =
		g_environ_setenv(f->envp, "HERMES_SVCD", hermes_test_env("HERMES_TEST_SVCD"), TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_DASHBOARD_ADDR", f->addr, TRUE);
	f->envp = g_environ_unsetenv(f->envp, "HERMES_DASHBOARD");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_SUPERVISED_CHILD");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_S6_SUPERVISED_CHILD");
	f->svscan = hermes_test_s6_start(f->scandir, f->root);
	*state = f;
	return 0;
}

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	hermes_test_s6_stop(f->scandir, &f->svscan);
	hermes_test_rmtree(f->tmp);
	g_strfreev(f->envp);
	g_free(f->tmp);
	g_free(f->scandir);
	g_free(f->root);
	g_free(f->addr);
	g_free(f->out);
	g_free(f->err);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

static gint
run_argv(Fixture *f, const gchar *const *args)
{
	g_clear_pointer(&f->out, g_free);
	g_clear_pointer(&f->err, g_free);
	return hermes_test_run_hermes((const gchar *const *)f->envp, NULL, args, &f->out, &f->err);
}

#define run(f, ...) run_argv(f, (const gchar *const[]){__VA_ARGS__, NULL})

/* the HTTP status of GET @path with the home's token, or 0 when nothing answers */
static guint
http_get(Fixture *f, const gchar *path)
{
	g_autofree gchar *token_path = g_build_filename(f->root, "dashboard.token", NULL);
	return hermes_test_http_get(f->addr, token_path, path, NULL);
}

/* bounded: the scanner starts it, s6 restarts it */
static void
wait_answers(Fixture *f, guint want)
{
	gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	while (http_get(f, "/api/gateways") != want) {
		if (g_get_monotonic_time() > deadline)
			fail_msg("the dashboard on %s never answered %u", f->addr, want);
		g_usleep(100 * 1000);
	}
}

static GPid
dashboard_pid(Fixture *f)
{
	return hermes_test_s6_slot_pid(f->scandir, "hermes-dashboard");
}

static void
test_dashboard_supervised_and_removed(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *slot = g_build_filename(f->scandir, "hermes-dashboard", NULL);
	GPid first;

	/* without the flag: none */
	assert_int_equal(run(f, "profile", "create", "demo"), 0);
	assert_int_equal(run(f, "boot", "reconcile"), 0);
	assert_null(strstr(f->out, "dashboard"));
	assert_false(g_file_test(slot, G_FILE_TEST_EXISTS));

	f->envp = g_environ_setenv(f->envp, "HERMES_DASHBOARD", "yes", TRUE);
	assert_int_equal(run(f, "boot", "reconcile"), 0);
	hermes_assert_str_contains(f->out, "dashboard: supervised on http://");
	hermes_assert_str_contains(f->out, f->addr);
	wait_answers(f, 200);
	/* no gateway: not listed, not in the boot log */
	assert_int_equal(run(f, "gateway", "status", "--all"), 0);
	assert_null(strstr(f->out, "dashboard"));

	/* s6 brings it back when it dies */
	first = dashboard_pid(f);
	assert_true(first > 0);
	assert_int_equal(kill(first, SIGKILL), 0);
	{
		gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
		while (dashboard_pid(f) == first || dashboard_pid(f) <= 0) {
			if (g_get_monotonic_time() > deadline)
				fail_msg("s6 did not restart the dashboard");
			g_usleep(50 * 1000);
		}
	}
	wait_answers(f, 200);

	/* the same again changes nothing: same process */
	first = dashboard_pid(f);
	assert_int_equal(run(f, "boot", "reconcile"), 0);
	assert_int_equal(dashboard_pid(f), first);

	/* without the flag again: stopped and removed */
	f->envp = g_environ_unsetenv(f->envp, "HERMES_DASHBOARD");
	assert_int_equal(run(f, "boot", "reconcile"), 0);
	assert_false(g_file_test(slot, G_FILE_TEST_EXISTS));
	assert_int_equal(http_get(f, "/api/gateways"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_dashboard_supervised_and_removed, fixture_setup, fixture_teardown),
	};
	hermes_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
