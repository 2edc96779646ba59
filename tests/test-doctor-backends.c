/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes doctor`, the backends' own checks (the doctor vfunc): every check
 * is planted as a fault and its line asserted (status, cause, the exact
 * fix). s6's run over a real s6-svscan (the embedded tree's pid file,
 * svscan's HERMES_HOME, control FIFOs as a user outside the tree's group);
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

#include "doctor-test.h"
#include "hermes-doctor-private.h"
#include "hermes-pid-record.h"
#include "hermes-svc.h"
#include "hermes-test.h"

#include <cmocka.h>

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
	doctor_test_run(f);
	doctor_test_assert_line(f->findings,
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
	g_autofree gchar *text = g_strdup_printf("%" G_GINT64_FORMAT "\n", doctor_test_dead_pid());
	hermes_test_write_file(pidfile, text, 0644);
	use_s6(f);
	doctor_test_backend_run(f);
	doctor_test_assert_line(f->findings,
				"s6-pidfile",
				"s6-svscan",
				HERMES_DOCTOR_STATUS_FAIL,
				"stale pid file: ",
				"hermes supervisor start");
	hermes_assert_str_contains(
		hermes_doctor_finding_get_cause(doctor_test_find(f->findings, "s6-pidfile", NULL)),
		pidfile);
	/* a tree that runs, started by someone else: the stale file is removed */
	f->svscan = hermes_test_s6_start(f->scandir, f->home);
	doctor_test_backend_run(f);
	{
		g_autofree gchar *fix = g_strdup_printf("rm %s", pidfile);
		doctor_test_assert_line(f->findings,
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
	doctor_test_run(f);
	doctor_test_assert_line(
		f->findings, "supervisor", "s6", HERMES_DOCTOR_STATUS_OK, "is running", NULL);
	doctor_test_assert_line(f->findings,
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
	doctor_test_backend_run(f);
	doctor_test_assert_line(
		f->findings, "s6-svscan-env", "s6-svscan", HERMES_DOCTOR_STATUS_OK, cause, NULL);
	doctor_test_assert_line(f->findings,
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

	/* becoming another user takes root */
	if (geteuid() != 0)
		skip();
	use_s6(f);
	f->svscan = hermes_test_s6_start(f->scandir, f->home);
	envp = g_environ_setenv(envp, "HERMES_SERVICE_MANAGER", "s6", TRUE);
	status = hermes_test_run_hermes((const gchar *const *)envp, NULL, args, &out, &err);
	if (status != 0)
		fail_msg("profile create: exit %d: %s", status, err);
	/* as root, every FIFO is writable */
	doctor_test_backend_run(f);
	doctor_test_assert_line(f->findings,
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
	doctor_test_backend_run(f);
	doctor_test_restore_euid(f);
	d = doctor_test_find(f->findings, "s6-control-fifo", "demo");
	assert_int_equal(hermes_doctor_finding_get_status(d), HERMES_DOCTOR_STATUS_FAIL);
	hermes_assert_str_contains(hermes_doctor_finding_get_cause(d), "may not write");
	hermes_assert_str_contains(hermes_doctor_finding_get_cause(d), "group root");
	assert_string_equal(hermes_doctor_finding_get_fix(d),
			    "sudo usermod -aG root nobody (then log in again)");
	/* the scanner's directory is root's alone: opened to the group first */
	d = doctor_test_find(f->findings, "s6-control-fifo", "s6-svscan");
	assert_int_equal(hermes_doctor_finding_get_status(d), HERMES_DOCTOR_STATUS_FAIL);
	hermes_assert_str_contains(hermes_doctor_finding_get_cause(d),
				   "its directory is closed to it");
	{
		g_autofree gchar *fix =
			g_strdup_printf("sudo chmod g+x %s/.s6-svscan && sudo chmod g+w "
					"%s/.s6-svscan/control && sudo "
					"usermod -aG root nobody (then log in again)",
					f->scandir,
					f->scandir);
		assert_string_equal(hermes_doctor_finding_get_fix(d), fix);
	}
}

/*****************************************************************************/
/* the systemd backend's check: linger for user units */

static void
test_doctor_systemd_linger(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	const gchar *user = g_get_user_name();
	g_autofree gchar *flag =
		g_build_filename(f->tmp, "var", "lib", "systemd", "linger", user, NULL);
	g_autofree gchar *off = g_strdup_printf("linger is off for %s", user);
	g_autofree gchar *fix = geteuid() == 0
					? g_strdup("loginctl enable-linger root")
					: g_strdup_printf("sudo loginctl enable-linger %s", user);

	hermes_context_setenv(
		f->ctx, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"));
	f->manager = hermes_backend_loader_new_manager(f->ctx, "systemd", &error);
	hermes_assert_no_error(error);
	doctor_test_backend_run(f);
	doctor_test_assert_line(
		f->findings, "systemd-linger", user, HERMES_DOCTOR_STATUS_FAIL, off, fix);
	/* logind's flag file turns it on; a new manager looks again */
	hermes_test_write_file(flag, "", 0644);
	g_clear_object(&f->manager);
	f->manager = hermes_backend_loader_new_manager(f->ctx, "systemd", &error);
	hermes_assert_no_error(error);
	doctor_test_backend_run(f);
	doctor_test_assert_line(
		f->findings, "systemd-linger", user, HERMES_DOCTOR_STATUS_OK, flag, NULL);
}

static gint
run_cli(Fixture *f, const gchar *const *args, gchar **out)
{
	g_autofree gchar *err = NULL;
	gint status =
		hermes_test_run_hermes((const gchar *const *)f->cli_tree, NULL, args, out, &err);
	if (status != 0 && g_strcmp0(args[0], "doctor") != 0)
		fail_msg("hermes %s %s: exit %d: %s", args[0], args[1], status, err);
	return status;
}

/* the README's main job, in small: the embedded tree, a profile, the default gateway up */
static void
test_doctor_s6_cli_all_pass(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *address = g_strdup_printf("unix:path=%s", f->bus);
	g_autofree gchar *env_file = g_build_filename(f->home, ".env", NULL);
	g_autofree gchar *env = g_strdup_printf("API_SERVER_PORT=%u\n", hermes_test_free_port());
	g_autofree gchar *pidfile = g_build_filename(f->home, "run", "s6-svscan.pid", NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *again = NULL;
	g_autofree gchar *text = NULL;
	const gchar *start[] = {"supervisor", "start", NULL};
	const gchar *create[] = {"profile", "create", "demo", NULL};
	const gchar *gateway[] = {"gateway", "start", NULL};
	const gchar *doctor[] = {"doctor", NULL};
	gint status;

	hermes_test_write_file(env_file, env, 0600);
	f->cli_tree = hermes_test_hermes_environ(f->home);
	f->cli_tree = g_environ_setenv(f->cli_tree, "HERMES_SERVICE_MANAGER", "s6", TRUE);
	f->cli_tree = g_environ_setenv(f->cli_tree, "DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);
	f->cli_tree = g_environ_unsetenv(f->cli_tree, "DBUS_SESSION_BUS_ADDRESS");
	run_cli(f, start, NULL);
	run_cli(f, create, NULL);
	run_cli(f, gateway, NULL);
	status = run_cli(f, doctor, &out);
	if (status != 0)
		fail_msg("doctor exit %d:\n%s", status, out);
	hermes_assert_str_contains(out, "ok     s6-svscan-env          s6-svscan");
	hermes_assert_str_contains(out,
				   "ok     gateway                default          up, intent run");
	hermes_assert_str_contains(out, "checks passed.");
	/* the tree's pid file made stale: the one failed line, and exit 1 */
	text = g_strdup_printf("%" G_GINT64_FORMAT "\n", doctor_test_dead_pid());
	hermes_test_write_file(pidfile, text, 0644);
	status = run_cli(f, doctor, &again);
	assert_int_equal(status, 1);
	hermes_assert_str_contains(
		again, "fail   s6-pidfile             s6-svscan        stale pid file: ");
	{
		g_autofree gchar *fix = g_strdup_printf("       fix: rm %s\n", pidfile);
		hermes_assert_str_contains(again, fix);
	}
	hermes_assert_str_contains(again, "1 of ");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_doctor_s6_cli_all_pass, doctor_test_setup, doctor_test_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_s6_not_running, doctor_test_setup, doctor_test_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_s6_stale_pidfile, doctor_test_setup, doctor_test_teardown),
		cmocka_unit_test_setup_teardown(test_doctor_s6_svscan_without_home,
						doctor_test_setup,
						doctor_test_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_s6_svscan_with_home, doctor_test_setup, doctor_test_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_s6_fifo_not_writable, doctor_test_setup, doctor_test_teardown),
		cmocka_unit_test_setup_teardown(
			test_doctor_systemd_linger, doctor_test_setup, doctor_test_teardown),
	};
	return cmocka_run_group_tests(tests, doctor_test_group_setup, doctor_test_group_teardown);
}
