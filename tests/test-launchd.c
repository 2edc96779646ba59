/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The launchctl protocol of hermes-launchd-control.c against an in-process
 * fake on the spawner seam that records every call and replays scripted
 * exit codes and output: start, stop (marker first), restart, the exit-5
 * retry, the not-loaded re-bootstrap, the refused domain, status; and the
 * real spawner against a fake launchctl script (output, exit codes, a
 * missing program, a hang, a signal). There is no launchd on Linux: what
 * only a real one can show is listed in plugins/launchd/README.md.
 */

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launchd-test.h"

/*****************************************************************************/
/* the launchctl protocol, against the fake */

static void
test_domain(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *gui = NULL;
	g_autofree gchar *user = NULL;
	g_autofree gchar *failed = NULL;
	g_autofree gchar *none = NULL;

	fake_once(f->fake, "managername", 0, "Aqua\n", "");
	gui = hermes_launchd_domain_resolve(HERMES_LAUNCHD_SPAWNER(f->fake), 501, &error);
	hermes_assert_no_error(error);
	assert_string_equal(gui, "gui/501");
	/* ssh, a service account: no Aqua session, no GUI domain (upstream #72790) */
	fake_once(f->fake, "managername", 0, "Background\n", "");
	user = hermes_launchd_domain_resolve(HERMES_LAUNCHD_SPAWNER(f->fake), 501, &error);
	assert_string_equal(user, "user/501");
	fake_once(f->fake, "managername", 1, "", "Unrecognized subcommand");
	failed = hermes_launchd_domain_resolve(HERMES_LAUNCHD_SPAWNER(f->fake), 502, &error);
	assert_string_equal(failed, "user/502");
	assert_calls(f->fake, "managername", "managername", "managername");
	f->fake->unavailable = TRUE;
	none = hermes_launchd_domain_resolve(HERMES_LAUNCHD_SPAWNER(f->fake), 501, &error);
	assert_null(none);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);

	for (guint i = 0; i < 6; i++) {
		const gchar *good[] = {"system", "gui/501", "user/0", "gui/4294967295", NULL};
		const gchar *bad[] = {"gui/", "gui/x1", "pid/5", "gui/501/label", "", "user/-1"};
		g_clear_error(&error);
		if (i < 4)
			assert_true(hermes_launchd_domain_validate(good[i], &error));
		assert_false(hermes_launchd_domain_validate(bad[i], &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	}
}

static void
test_start_loaded(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *running = print_running(4242);

	fake_always(f->fake, "print", 0, running, "");
	assert_true(hermes_launchd_job_start(f->job, &error));
	hermes_assert_no_error(error);
	/* a loaded job is kickstarted; the start counts once launchd lists it */
	assert_calls(f->fake, "kickstart " TEST_TARGET, "print " TEST_TARGET);
}

/* 3/113/125 from kickstart mean "not loaded": enable, bootstrap, kickstart again */
static void
test_start_not_loaded(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *running = print_running(4242);
	g_autofree gchar *bootstrap = g_strdup_printf("bootstrap " TEST_DOMAIN " %s", f->plist);
	const gint codes[] = {3, 113, 125};

	for (guint i = 0; i < G_N_ELEMENTS(codes); i++) {
		g_autoptr(GError) error = NULL;
		g_ptr_array_set_size(f->fake->calls, 0);
		g_ptr_array_set_size(f->fake->answers, 0);
		fake_once(f->fake, "kickstart", codes[i], "", "Could not find service");
		fake_always(f->fake, "print", 0, running, "");
		assert_true(hermes_launchd_job_start(f->job, &error));
		hermes_assert_no_error(error);
		assert_calls(f->fake,
			     "kickstart " TEST_TARGET,
			     "enable " TEST_TARGET,
			     bootstrap,
			     "kickstart " TEST_TARGET,
			     "print " TEST_TARGET);
	}
	fake_assert_no_legacy_verbs(f->fake);
}

/* exit 5 (EIO, "already loaded"): bootout, then exactly one retry */
static void
test_bootstrap_exit5_retry(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *bootstrap = g_strdup_printf("bootstrap " TEST_DOMAIN " %s", f->plist);
	g_autofree gchar *running = print_running(4242);

	fake_once(f->fake, "kickstart", 113, "", "");
	fake_once(f->fake, "bootstrap", 5, "", "Bootstrap failed: 5: Input/output error\n");
	fake_once(f->fake, "print", 113, "", "");
	fake_always(f->fake, "print", 0, running, "");
	assert_true(hermes_launchd_job_start(f->job, &error));
	hermes_assert_no_error(error);
	assert_calls(f->fake,
		     "kickstart " TEST_TARGET,
		     "enable " TEST_TARGET,
		     bootstrap,
		     "print " TEST_TARGET,
		     "bootout " TEST_TARGET,
		     bootstrap,
		     "kickstart " TEST_TARGET,
		     "print " TEST_TARGET);
}

/*
 * A domain launchd refuses (macOS 26+, upstream #11323 and friends): the
 * error says "unsupervised" out loud, and nothing else is run or spawned
 * in the gateway's place.
 */
static void
test_bootstrap_refused(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *bootstrap = g_strdup_printf("bootstrap " TEST_DOMAIN " %s", f->plist);
	const gint codes[] = {5, 125};

	for (guint i = 0; i < G_N_ELEMENTS(codes); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *said =
			g_strdup_printf("Bootstrap failed: %d: Input/output error\n", codes[i]);
		g_ptr_array_set_size(f->fake->calls, 0);
		g_ptr_array_set_size(f->fake->answers, 0);
		fake_always(f->fake, "kickstart", 113, "", "");
		fake_always(f->fake, "bootstrap", codes[i], "", said);
		fake_always(f->fake, "print", 113, "", "Could not find service");
		fake_always(f->fake, "list", 113, "", "");
		fake_always(f->fake, "bootout", 3, "", "No such process");
		assert_false(hermes_launchd_job_start(f->job, &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
		hermes_assert_str_contains(error->message, "UNSUPERVISED");
		hermes_assert_str_contains(error->message, "Bootstrap failed");
		hermes_assert_str_contains(error->message, TEST_DOMAIN);
		if (codes[i] == 5)
			assert_calls(f->fake,
				     "kickstart " TEST_TARGET,
				     "enable " TEST_TARGET,
				     bootstrap,
				     "print " TEST_TARGET,
				     "bootout " TEST_TARGET,
				     bootstrap,
				     "print " TEST_TARGET);
		else
			assert_calls(f->fake,
				     "kickstart " TEST_TARGET,
				     "enable " TEST_TARGET,
				     bootstrap,
				     "print " TEST_TARGET);
	}
	fake_assert_no_legacy_verbs(f->fake);
}

/* a refusal over a job launchd does supervise is no refusal (upstream #114571) */
static void
test_bootstrap_refused_but_supervised(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *running = print_running(4242);

	fake_once(f->fake, "kickstart", 113, "", "");
	fake_always(f->fake, "bootstrap", 125, "", "Bootstrap failed: 125");
	fake_always(f->fake, "print", 0, running, "");
	assert_true(hermes_launchd_job_start(f->job, &error));
	hermes_assert_no_error(error);
}

static void
test_bootstrap_other_failure(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;

	fake_once(f->fake, "kickstart", 113, "", "");
	fake_always(f->fake,
		    "bootstrap",
		    37,
		    "",
		    "Bootstrap failed: 37: Operation already in progress");
	assert_false(hermes_launchd_job_start(f->job, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
	hermes_assert_str_contains(error->message, "exit 37");
	hermes_assert_str_contains(error->message, "Operation already in progress");
	/* enable refused: no bootstrap is attempted */
	g_clear_error(&error);
	g_ptr_array_set_size(f->fake->calls, 0);
	fake_once(f->fake, "kickstart", 113, "", "");
	fake_once(f->fake, "enable", 1, "", "Not privileged to set domain overrides.");
	assert_false(hermes_launchd_job_start(f->job, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
	hermes_assert_str_contains(error->message, "Not privileged");
	assert_calls(f->fake, "kickstart " TEST_TARGET, "enable " TEST_TARGET);
}

/* launchctl said 0 but launchd does not list the job: unsupervised, not started */
static void
test_start_unverified(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;

	fake_always(f->fake, "print", 113, "", "");
	fake_always(f->fake, "list", 113, "", "");
	assert_false(hermes_launchd_job_start(f->job, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
	hermes_assert_str_contains(error->message, "UNSUPERVISED");
}

static void
test_start_spawn_failure(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	f->fake->unavailable = TRUE;
	assert_false(hermes_launchd_job_start(f->job, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
	assert_int_equal(f->fake->calls->len, 1);
}

static gchar *
marker_path(Fixture *f)
{
	return g_build_filename(f->home, HERMES_PLANNED_STOP_FILE, NULL);
}

/* stop: the marker goes into the profile's own home before launchd sends SIGTERM */
static void
test_stop_marker_first(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) marker = NULL;
	g_autofree gchar *path = marker_path(f);
	GPid gateway = live_child(f, FALSE);
	g_autofree gchar *running = print_running(gateway);

	f->fake->marker = g_strdup(path);
	f->fake->kill_on_bootout = gateway;
	fake_always(f->fake, "print", 0, running, "");
	assert_true(hermes_launchd_job_unload(f->job, &error));
	hermes_assert_no_error(error);
	assert_calls(f->fake, "print " TEST_TARGET, "bootout " TEST_TARGET);
	assert_int_equal(f->fake->marker_seen->len, 1);
	assert_string_equal(g_ptr_array_index(f->fake->marker_seen, 0), "bootout marker=yes");
	marker = hermes_json_file_load(path, &error);
	hermes_assert_no_error(error);
	assert_int_equal(hermes_json_get_int(marker, "target_pid", -1), gateway);
	assert_string_equal(hermes_json_get_string(marker, "target_hermes_home"), f->home);
	/* the gateway is gone when stop returns */
	assert_false(hermes_platform_process_alive(gateway));
}

/* a gateway that outlives bootout and its stop timeout is an error, not a success */
static void
test_stop_timeout(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	GPid gateway = live_child(f, TRUE);
	g_autofree gchar *running = print_running(gateway);

	f->job->stop_timeout_ms = 1;
	f->job->kill_margin_ms = 0;
	f->fake->kill_on_bootout = gateway;
	fake_always(f->fake, "print", 0, running, "");
	assert_false(hermes_launchd_job_unload(f->job, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_TIMED_OUT);
	hermes_assert_str_contains(error->message, "was booted out, but");
}

static void
test_stop_not_loaded(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = marker_path(f);

	fake_always(f->fake, "print", 113, "", "Could not find service");
	assert_true(hermes_launchd_job_unload(f->job, &error));
	hermes_assert_no_error(error);
	/* nothing to stop: no bootout, no marker */
	assert_calls(f->fake, "print " TEST_TARGET);
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void
test_stop_bootout_codes(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *running = print_running(dead_pid());

	/* gone between print and bootout */
	{
		g_autoptr(GError) error = NULL;
		fake_once(f->fake, "print", 0, running, "");
		fake_once(f->fake, "bootout", 113, "", "");
		assert_true(hermes_launchd_job_unload(f->job, &error));
		hermes_assert_no_error(error);
	}
	/* EIO, then print says it is gone: stopped */
	{
		g_autoptr(GError) error = NULL;
		g_ptr_array_set_size(f->fake->calls, 0);
		fake_once(f->fake, "print", 0, running, "");
		fake_once(f->fake, "bootout", 5, "", "Boot-out failed: 5: Input/output error");
		fake_once(f->fake, "print", 113, "", "");
		assert_true(hermes_launchd_job_unload(f->job, &error));
		hermes_assert_no_error(error);
		assert_calls(f->fake,
			     "print " TEST_TARGET,
			     "bootout " TEST_TARGET,
			     "print " TEST_TARGET);
	}
	/* EIO and still loaded: a failure */
	{
		g_autoptr(GError) error = NULL;
		fake_once(f->fake, "print", 0, running, "");
		fake_once(f->fake, "bootout", 5, "", "Boot-out failed: 5: Input/output error");
		fake_once(f->fake, "print", 0, running, "");
		assert_false(hermes_launchd_job_unload(f->job, &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
		hermes_assert_str_contains(error->message, "Boot-out failed");
	}
	/* anything else: a failure that quotes launchctl */
	{
		g_autoptr(GError) error = NULL;
		fake_once(f->fake, "print", 0, running, "");
		fake_once(f->fake, "bootout", 1, "", "Operation not permitted");
		assert_false(hermes_launchd_job_unload(f->job, &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
		hermes_assert_str_contains(error->message, "Operation not permitted");
	}
}

/* restart: the marker, then kickstart -k: a fresh process */
static void
test_restart_loaded(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = marker_path(f);
	GPid old = dead_pid();
	g_autofree gchar *running = print_running(old);

	f->fake->marker = g_strdup(path);
	fake_always(f->fake, "print", 0, running, "");
	assert_true(hermes_launchd_job_restart(f->job, &error));
	hermes_assert_no_error(error);
	assert_calls(
		f->fake, "print " TEST_TARGET, "kickstart -k " TEST_TARGET, "print " TEST_TARGET);
	assert_string_equal(g_ptr_array_index(f->fake->marker_seen, 0), "kickstart marker=yes");
}

/* restart of a job that is not loaded converges to up */
static void
test_restart_not_loaded(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *running = print_running(4242);
	g_autofree gchar *bootstrap = g_strdup_printf("bootstrap " TEST_DOMAIN " %s", f->plist);
	g_autofree gchar *marker = marker_path(f);

	fake_once(f->fake, "print", 113, "", "");
	fake_once(f->fake, "kickstart", 113, "", "");
	fake_always(f->fake, "print", 0, running, "");
	assert_true(hermes_launchd_job_restart(f->job, &error));
	hermes_assert_no_error(error);
	assert_calls(f->fake,
		     "print " TEST_TARGET,
		     "kickstart " TEST_TARGET,
		     "enable " TEST_TARGET,
		     bootstrap,
		     "kickstart " TEST_TARGET,
		     "print " TEST_TARGET);
	/* nothing ran: no marker */
	assert_false(g_file_test(marker, G_FILE_TEST_EXISTS));
}

static void
test_status(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *crash = fixture_text("print-spawn-scheduled-ex-config.txt");
	g_autofree gchar *list = fixture_text("list-running.txt");

	/* from print */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(HermesGatewayStatus) st = NULL;
		fake_once(f->fake, "print", 0, crash, "");
		st = hermes_launchd_job_status(f->job, &error);
		hermes_assert_no_error(error);
		assert_int_equal(hermes_gateway_status_get_state(st),
				 HERMES_GATEWAY_STATE_STARTING);
		assert_int_equal(hermes_gateway_status_get_last_exit_code(st), 78);
		assert_string_equal(hermes_gateway_status_get_raw(st, "launchd.supervised"),
				    "true");
		assert_string_equal(hermes_gateway_status_get_raw(st, "launchd.domain"),
				    TEST_DOMAIN);
		assert_string_equal(hermes_gateway_status_get_raw(st, "launchd.label"),
				    "ai.hermes.gateway-demo");
	}
	/* an older launchctl without `print <target>`: `list <label>` */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(HermesGatewayStatus) st = NULL;
		g_ptr_array_set_size(f->fake->calls, 0);
		fake_once(f->fake, "print", 64, "", "Unrecognized target specifier.");
		fake_once(f->fake, "list", 0, list, "");
		st = hermes_launchd_job_status(f->job, &error);
		hermes_assert_no_error(error);
		assert_calls(f->fake, "print " TEST_TARGET, "list ai.hermes.gateway-demo");
		assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_UP);
		assert_int_equal(hermes_gateway_status_get_pid(st), 4242);
		assert_string_equal(hermes_gateway_status_get_raw(st, "launchd.source"), "list");
	}
	/* both fail for another reason: an error, not a guess */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(HermesGatewayStatus) st = NULL;
		fake_once(f->fake, "print", 64, "", "Unrecognized target specifier.");
		fake_once(f->fake, "list", 1, "", "");
		st = hermes_launchd_job_status(f->job, &error);
		assert_null(st);
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
		hermes_assert_str_contains(error->message, "Unrecognized target specifier");
	}
	/* not loaded, nothing running: down, and says unsupervised */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(HermesGatewayStatus) st = NULL;
		fake_once(f->fake, "print", 113, "", "");
		st = hermes_launchd_job_status(f->job, &error);
		hermes_assert_no_error(error);
		assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_DOWN);
		assert_int_equal(hermes_gateway_status_get_wanted(st), HERMES_GATEWAY_WANTED_DOWN);
		assert_string_equal(hermes_gateway_status_get_raw(st, "launchd.supervised"),
				    "false");
		assert_null(hermes_gateway_status_get_raw(st, "launchd.warning"));
	}
}

/* a gateway running while launchd has no job for it is reported loudly, not as down */
static void
test_status_unsupervised(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewayStatus) st = NULL;
	g_autofree gchar *pidfile = g_build_filename(f->home, "gateway.pid", NULL);
	g_autofree gchar *canonical = g_canonicalize_filename(f->home, NULL);
	g_autofree gchar *record = NULL;
	g_autofree gchar *other = NULL;
	/* a process whose command line is a gateway's (the one pid rule checks it);
	 * `; exit` keeps the shell from exec'ing sleep and losing those words */
	const gchar *argv[] = {"/bin/sh", "-c", "sleep 30; exit 0", "gateway", "run", NULL};
	GPid gateway = 0;
	gint64 start_time;

	g_spawn_async(NULL,
		      (gchar **)argv,
		      NULL,
		      G_SPAWN_DO_NOT_REAP_CHILD,
		      NULL,
		      NULL,
		      &gateway,
		      &error);
	hermes_assert_no_error(error);
	start_time = hermes_platform_get_start_time(gateway);
	record = g_strdup_printf("{\"pid\": %d, \"start_time\": %" G_GINT64_FORMAT
				 ", \"hermes_home\": \"%s\"}",
				 (gint)gateway,
				 start_time,
				 canonical);
	other = g_strdup_printf("{\"pid\": %d, \"start_time\": %" G_GINT64_FORMAT
				", \"hermes_home\": \"/another/home\"}",
				(gint)gateway,
				start_time);

	hermes_test_write_file(pidfile, record, 0644);
	fake_always(f->fake, "print", 113, "", "");
	st = hermes_launchd_job_status(f->job, &error);
	hermes_assert_no_error(error);
	assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_UNKNOWN);
	assert_int_equal(hermes_gateway_status_get_pid(st), gateway);
	hermes_assert_str_contains(hermes_gateway_status_get_raw(st, "launchd.warning"),
				   "UNSUPERVISED");
	g_clear_pointer(&st, hermes_gateway_status_unref);
	/* a record naming another home is not this gateway */
	hermes_test_write_file(pidfile, other, 0644);
	st = hermes_launchd_job_status(f->job, &error);
	assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_DOWN);
	kill(gateway, SIGKILL);
	waitpid(gateway, NULL, 0);
	g_spawn_close_pid(gateway);
}

static void
test_real_spawner(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *script = fake_script(f);
	g_autofree gchar *dir = fake_dir_setup(f);
	g_autofree gchar *missing = g_build_filename(f->tmp, "no-launchctl", NULL);
	g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "FAKE_LAUNCHCTL_DIR", dir, TRUE);
	g_autoptr(HermesLaunchdSpawner) spawner =
		hermes_launchd_spawner_new(script, (const gchar *const *)envp);
	g_autoptr(HermesLaunchdSpawner) absent =
		hermes_launchd_spawner_new(missing, (const gchar *const *)envp);
	g_autoptr(HermesLaunchdSpawner) standard = hermes_launchd_spawner_new(NULL, NULL);

	assert_string_equal(hermes_launchd_spawner_get_program(standard), "/bin/launchctl");
	assert_string_equal(hermes_launchd_spawner_get_program(spawner), script);
	fake_file(dir, "print.rc", "113\n");
	fake_file(dir, "print.err", "Could not find service \"x\" in domain for port\n");
	fake_file(dir, "print.2.rc", "0\n");
	fake_file(dir, "print.2.out", "gui/501/x = {\n\tpid = 7\n}\n");
	{
		g_autoptr(GError) error = NULL;
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;
		gint code = -1;
		assert_true(
			hermes_launchd_spawner_run(spawner,
						   (const gchar *[]){"print", "gui/501/x", NULL},
						   &out,
						   &err,
						   &code,
						   &error));
		hermes_assert_no_error(error);
		assert_int_equal(code, 113);
		assert_string_equal(out, "");
		assert_string_equal(err, "Could not find service \"x\" in domain for port\n");
		g_clear_pointer(&out, g_free);
		assert_true(
			hermes_launchd_spawner_run(spawner,
						   (const gchar *[]){"print", "gui/501/x", NULL},
						   &out,
						   NULL,
						   &code,
						   &error));
		assert_int_equal(code, 0);
		assert_string_equal(out, "gui/501/x = {\n\tpid = 7\n}\n");
	}
	{
		g_autofree gchar *calls = fake_calls(dir);
		/* arguments arrive one by one, spaces and all */
		g_autoptr(GError) error = NULL;
		gint code = -1;
		assert_true(hermes_launchd_spawner_run(
			spawner,
			(const gchar *[]){"bootstrap", "gui/501", "/a b/c.plist", NULL},
			NULL,
			NULL,
			&code,
			&error));
		g_free(calls);
		calls = fake_calls(dir);
		assert_string_equal(calls,
				    "print\tgui/501/x\nprint\tgui/501/x\n"
				    "bootstrap\tgui/501\t/a b/c.plist\n");
	}
	/* no launchctl at all (Linux): SupervisorUnavailable, saying why */
	{
		g_autoptr(GError) error = NULL;
		gint code = -1;
		assert_false(hermes_launchd_spawner_run(
			absent, (const gchar *[]){"managername", NULL}, NULL, NULL, &code, &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
		hermes_assert_str_contains(error->message, "only on macOS");
	}
	/* a hung launchctl is killed after the timeout */
	{
		g_autoptr(GError) error = NULL;
		gint64 start = g_get_monotonic_time();
		gint code = -1;
		fake_file(dir, "sleep", "30\n");
		hermes_launchd_spawner_set_timeout(spawner, 300);
		assert_false(
			hermes_launchd_spawner_run(spawner,
						   (const gchar *[]){"bootout", "gui/501/x", NULL},
						   NULL,
						   NULL,
						   &code,
						   &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_TIMED_OUT);
		assert_true(g_get_monotonic_time() - start < 20 * G_USEC_PER_SEC);
		{
			g_autofree gchar *sleep_file = g_build_filename(dir, "sleep", NULL);
			g_unlink(sleep_file);
		}
	}
	/* killed by a signal: no exit code to believe */
	{
		g_autoptr(GError) error = NULL;
		gint code = -1;
		fake_file(dir, "signal", "KILL\n");
		hermes_launchd_spawner_set_timeout(spawner, HERMES_LAUNCHD_SPAWN_TIMEOUT_MS);
		assert_false(
			hermes_launchd_spawner_run(spawner,
						   (const gchar *[]){"print", "gui/501/x", NULL},
						   NULL,
						   NULL,
						   &code,
						   &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
		hermes_assert_str_contains(error->message, "signal 9");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		LAUNCHD_TEST(test_domain),
		LAUNCHD_TEST(test_start_loaded),
		LAUNCHD_TEST(test_start_not_loaded),
		LAUNCHD_TEST(test_bootstrap_exit5_retry),
		LAUNCHD_TEST(test_bootstrap_refused),
		LAUNCHD_TEST(test_bootstrap_refused_but_supervised),
		LAUNCHD_TEST(test_bootstrap_other_failure),
		LAUNCHD_TEST(test_start_unverified),
		LAUNCHD_TEST(test_start_spawn_failure),
		LAUNCHD_TEST(test_stop_marker_first),
		LAUNCHD_TEST(test_stop_timeout),
		LAUNCHD_TEST(test_stop_not_loaded),
		LAUNCHD_TEST(test_stop_bootout_codes),
		LAUNCHD_TEST(test_restart_loaded),
		LAUNCHD_TEST(test_restart_not_loaded),
		LAUNCHD_TEST(test_status),
		LAUNCHD_TEST(test_status_unsupervised),
		LAUNCHD_TEST(test_real_spawner),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
