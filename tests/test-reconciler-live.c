/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The boot reconciler end to end under a real s6-svscan and the real
 * `hermes gateway run`: container restarts, hostile state files, parallel
 * runs, and upstream's multiplexing tests.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-platform-private.h"
#include "reconciler-test.h"

/*****************************************************************************/
/* container restarts, end to end */

static HermesGatewayStatus *
wait_state(Fixture *f, const gchar *profile, HermesGatewayState want)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	for (;;) {
		g_autoptr(GError) error = NULL;
		HermesGatewayStatus *st =
			hermes_service_manager_get_status(f->manager, profile, NULL, &error);
		hermes_assert_no_error(error);
		if (hermes_gateway_status_get_state(st) == want &&
		    (want != HERMES_GATEWAY_STATE_UP || hermes_gateway_status_get_pid(st) > 0))
			return st;
		if (g_get_monotonic_time() > deadline)
			fail_msg("%s never became %s (is %s)",
				 profile,
				 hermes_gateway_state_to_string(want),
				 hermes_gateway_state_to_string(
					 hermes_gateway_status_get_state(st)));
		hermes_gateway_status_unref(st);
		g_usleep(50000);
	}
}

/* a gateway started the ordinary way, as `hermes gateway start` would */
static gint64
start_gateway(Fixture *f, const gchar *profile)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec =
		hermes_gateway_spec_new_default(f->ctx, profile, &error);
	g_autoptr(HermesGatewayStatus) st = NULL;
	hermes_assert_no_error(error);
	assert_true(hermes_service_manager_register_gateway(f->manager,
							    spec,
							    HERMES_REGISTER_FLAG_START |
								    HERMES_REGISTER_FLAG_REPLACE,
							    NULL,
							    &error));
	hermes_assert_no_error(error);
	st = wait_state(f, profile, HERMES_GATEWAY_STATE_UP);
	return hermes_gateway_status_get_pid(st);
}

/*
 * Stop the scanner with everything under it and empty /run/service. The
 * intent is stamped once the gateway is gone, so whatever the runner
 * persists on its unmarked SIGTERM, the next boot sees @desired.
 */
static void
container_stop(Fixture *f, gint64 pid, const gchar *profile, const gchar *desired)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *home = home_of(f, profile);
	assert_true(stop_svscan(f));
	assert_false(hermes_platform_process_alive(pid));
	wipe_scandir(f);
	assert_true(hermes_gateway_state_set_desired(home, desired, &error));
	hermes_assert_no_error(error);
}

static gchar *
last_run_of_log(Fixture *f)
{
	g_autofree gchar *log = boot_log(f);
	const gchar *p;
	assert_non_null(log);
	/* the lines after the second-to-last summary */
	g_strchomp(log);
	p = g_strrstr(log, " summary ");
	assert_non_null(p);
	while (p > log && p[-1] != '\n')
		p--;
	{
		g_autofree gchar *head = g_strndup(log, (gsize)(p - log));
		const gchar *prev = g_strrstr(head, " summary ");
		const gchar *start = prev != NULL ? strchr(prev, '\n') + 1 : log;
		return g_strdup(start);
	}
}

static void
test_reconciler_restart_running(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	g_autoptr(HermesGatewayStatus) st = NULL;
	g_autofree gchar *last = NULL;
	g_autofree gchar *dead_json = pid_record(dead_pid(), 42, NULL);
	gint64 pid;

	make_profile(f, "demo", NULL);
	start_svscan(f);
	pid = start_gateway(f, "demo");
	container_stop(f, pid, "demo", "running");
	/* (c) what the dead container left behind */
	write_in_home(f, "demo", "gateway.pid", dead_json);
	write_in_home(f, "demo", "processes.json", "{\"processes\":[{\"pid\":77}]}");
	r = reconcile(f, FALSE);
	check_action(action_of(r, "demo"), "demo", "running", HERMES_RECONCILE_STARTED);
	assert_false(slot_is_down(f, "demo"));
	assert_false(exists_in_home(f, "demo", "gateway.pid"));
	assert_false(exists_in_home(f, "demo", "processes.json"));
	last = last_run_of_log(f);
	hermes_assert_str_contains(last, "profile=demo prior_state=running action=started");

	/* s6-overlay starts the scanner after cont-init: the gateway comes back */
	start_svscan(f);
	st = wait_state(f, "demo", HERMES_GATEWAY_STATE_UP);
	assert_true(hermes_gateway_status_get_pid(st) != pid);
	assert_false(slot_is_down(f, "demo"));
}

static void
test_reconciler_restart_stopped(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	g_autoptr(HermesGatewayStatus) st = NULL;
	g_autofree gchar *last = NULL;
	gint64 pid;

	make_profile(f, "quiet", NULL);
	start_svscan(f);
	pid = start_gateway(f, "quiet");
	container_stop(f, pid, "quiet", "stopped");
	r = reconcile(f, FALSE);
	check_action(action_of(r, "quiet"), "quiet", "stopped", HERMES_RECONCILE_REGISTERED);
	last = last_run_of_log(f);
	hermes_assert_str_contains(
		last,
		"profile=quiet prior_state=stopped action=registered prior_exit=unknown "
		"reason=\"desired state is stopped\"");

	start_svscan(f);
	assert_true(slot_is_down(f, "quiet"));
	/* supervised, and down: s6 honours the marker */
	{
		gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
		for (;;) {
			g_autoptr(GError) error = NULL;
			g_clear_pointer(&st, hermes_gateway_status_unref);
			st = hermes_service_manager_get_status(f->manager, "quiet", NULL, &error);
			hermes_assert_no_error(error);
			if (g_strcmp0(hermes_gateway_status_get_raw(st, "s6.supervised"), "true") ==
			    0)
				break;
			if (g_get_monotonic_time() > deadline)
				fail_msg("quiet was never supervised");
			g_usleep(50000);
		}
	}
	/* and it stays down */
	g_usleep(300 * 1000);
	g_clear_pointer(&st, hermes_gateway_status_unref);
	st = wait_state(f, "quiet", HERMES_GATEWAY_STATE_DOWN);
	assert_int_equal(hermes_gateway_status_get_pid(st), 0);
}

/*****************************************************************************/
/* hostile state files and concurrent runs */

/* 100 000 nested '[' cost a refusal, not a crash; every other profile is reconciled */
static void
test_reconciler_deep_state(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	g_autofree gchar *deep = g_strnfill(100000, '[');
	g_autofree gchar *out = NULL;
	g_autofree gchar *log = NULL;
	HermesReconcileAction *a;

	make_profile(f, "a-deep", deep);
	make_profile(f, "b-ok", "{\"desired_state\":\"running\"}");
	make_profile(f, "c-corrupt", "{\"desired_state\":\"run");
	write_in_home(f, "b-ok", "state/gateway.lifecycle.json", deep);
	r = reconcile(f, FALSE);
	a = action_of(r, "a-deep");
	check_action(a, "a-deep", NULL, HERMES_RECONCILE_REGISTERED);
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a),
				   "unreadable state, treated as no prior state");
	check_action(action_of(r, "b-ok"), "b-ok", "running", HERMES_RECONCILE_STARTED);
	check_action(action_of(r, "c-corrupt"), "c-corrupt", NULL, HERMES_RECONCILE_REGISTERED);
	assert_true(slot_is_down(f, "a-deep"));
	assert_false(slot_is_down(f, "b-ok"));
	assert_true(slot_is_down(f, "c-corrupt"));
	/* the boot log says why, on one line */
	log = boot_log(f);
	check_log_lines(log, 5);
	hermes_assert_str_contains(log, " profile=a-deep prior_state=None action=registered");

	/* the real command, in its own process: it must not crash either */
	assert_int_equal(
		run_cli(f, &out, (const gchar *[]){"--backend", "s6", "boot", "reconcile", NULL}),
		0);
	hermes_assert_str_contains(out, "profile=a-deep prior_state=None action=registered");
	hermes_assert_str_contains(out, "profile=b-ok prior_state=running action=started");
	hermes_assert_str_contains(out, "summary total=4 started=1 registered=3 skipped=0\n");
}

/* ten `boot reconcile` at once on one home: one at a time, nothing half-done left */
static void
test_reconciler_parallel(void **state)
{
	Fixture *f = *state;
	const gchar *profiles[] = {"alpha", "beta", "gamma", "delta", NULL};
	g_autoptr(GPtrArray) procs = g_ptr_array_new_with_free_func(g_object_unref);
	g_autofree gchar *listing = NULL;
	g_autofree gchar *log = NULL;
	g_auto(GStrv) envp = hermes_context_get_environ(f->ctx);
	const gchar *wrapper = g_getenv("HERMES_TEST_WRAPPER");
	gint64 deadline;

	for (guint i = 0; profiles[i] != NULL; i++)
		make_profile(f, profiles[i], "{\"desired_state\":\"running\"}");
	start_svscan(f);
	for (guint i = 0; i < 10; i++) {
		g_autoptr(GSubprocessLauncher) launcher =
			g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
		g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GError) error = NULL;
		GSubprocess *proc;
		if (wrapper != NULL && wrapper[0] != '\0') {
			g_auto(GStrv) parts = g_strsplit(wrapper, " ", -1);
			for (guint j = 0; parts[j] != NULL; j++)
				g_ptr_array_add(argv, g_strdup(parts[j]));
			g_ptr_array_add(argv, g_strdup("--quiet"));
		}
		g_ptr_array_add(argv, g_strdup(hermes_test_env("HERMES_TEST_HERMES")));
		for (const gchar *const *a =
			     (const gchar *[]){"--backend", "s6", "boot", "reconcile", NULL};
		     *a != NULL;
		     a++)
			g_ptr_array_add(argv, g_strdup(*a));
		g_ptr_array_add(argv, NULL);
		g_subprocess_launcher_set_environ(launcher, envp);
		proc = g_subprocess_launcher_spawnv(
			launcher, (const gchar *const *)argv->pdata, &error);
		hermes_assert_no_error(error);
		g_ptr_array_add(procs, proc);
	}
	for (guint i = 0; i < procs->len; i++) {
		GSubprocess *proc = g_ptr_array_index(procs, i);
		g_autoptr(GError) error = NULL;
		assert_true(g_subprocess_wait(proc, NULL, &error));
		hermes_assert_no_error(error);
		if (!g_subprocess_get_if_exited(proc) || g_subprocess_get_exit_status(proc) != 0)
			fail_msg("reconcile #%u failed", i);
	}
	/* every slot is there, whole, and nothing staged or half-removed is left beside them */
	listing = hermes_test_list_dir(f->scandir);
	assert_string_equal(listing,
			    ".s6-svscan|gateway-alpha|gateway-beta|gateway-default|gateway-delta|"
			    "gateway-gamma");
	assert_true(hermes_test_s6_send(f->scandir, "a"));
	deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	for (const gchar *const *p =
		     (const gchar *[]){"alpha", "beta", "gamma", "delta", "default", NULL};
	     *p != NULL;) {
		g_autoptr(GError) error = NULL;
		g_autoptr(HermesGatewayStatus) st =
			hermes_service_manager_get_status(f->manager, *p, NULL, &error);
		hermes_assert_no_error(error);
		if (g_strcmp0(hermes_gateway_status_get_raw(st, "s6.supervised"), "true") == 0) {
			p++;
			continue;
		}
		if (g_get_monotonic_time() > deadline)
			fail_msg("%s was never supervised", *p);
		g_usleep(20000);
	}
	for (guint i = 0; profiles[i] != NULL; i++) {
		g_autoptr(HermesGatewayStatus) st =
			wait_state(f, profiles[i], HERMES_GATEWAY_STATE_UP);
		assert_true(hermes_gateway_status_get_pid(st) > 0);
	}
	/* ten whole runs in the log, one after the other */
	log = boot_log(f);
	check_log_lines(log, 10 * 6);
}

/*****************************************************************************/
/* multiplexing: upstream's four tests, through the real s6 backend */

/*
 * `default` and the named `coder` both meant to run, with @config as the
 * home's config.yaml (NULL: none) and @env as GATEWAY_MULTIPLEX_PROFILES
 * (NULL: unset); returns what became of `coder`, after checking that
 * `default` was started as usual and that the slot on disk and the boot
 * log agree with the action
 */
static HermesReconcileKind
reconcile_multiplexed(Fixture *f, const gchar *config, const gchar *env, gchar **coder_line)
{
	g_autoptr(HermesReconciler) r = NULL;
	g_autofree gchar *log = NULL;
	g_autofree gchar *line = NULL;
	HermesReconcileAction *coder;
	HermesReconcileKind kind;

	make_profile(f, "default", "{\"desired_state\":\"running\"}");
	make_profile(f, "coder", "{\"desired_state\":\"running\"}");
	if (config != NULL)
		write_in_home(f, "default", "config.yaml", config);
	hermes_context_setenv(f->ctx, "GATEWAY_MULTIPLEX_PROFILES", env);
	r = reconcile(f, FALSE);

	check_action(action_of(r, "default"), "default", "running", HERMES_RECONCILE_STARTED);
	assert_false(slot_is_down(f, "default"));
	coder = action_of(r, "coder");
	kind = hermes_reconcile_action_get_kind(coder);
	/* registered either way, down exactly when not started */
	assert_true(slot_exists(f, "coder"));
	assert_int_equal(slot_is_down(f, "coder"), kind == HERMES_RECONCILE_REGISTERED);
	log = boot_log(f);
	line = hermes_reconcile_action_to_string(coder);
	hermes_assert_str_contains(log, line);
	*coder_line = g_steal_pointer(&line);
	return kind;
}

/* what became of `coder`, and a piece of its boot log line */
static void
check_multiplexed(Fixture *f,
		  const gchar *config,
		  const gchar *env,
		  HermesReconcileKind expected,
		  const gchar *in_line)
{
	g_autofree gchar *line = NULL;
	HermesReconcileKind kind = reconcile_multiplexed(f, config, env, &line);
	if (kind != expected || strstr(line, in_line) == NULL)
		fail_msg("expected action=%s and '%s', got: %s",
			 hermes_reconcile_kind_to_string(expected),
			 in_line,
			 line);
	/* a started slot says nothing of multiplexing; a multiplexed one says why */
	assert_int_equal(strstr(line,
				"reason=\"multiplexed: served by the default profile's "
				"gateway (") != NULL,
			 expected == HERMES_RECONCILE_REGISTERED);
}

/* test_config_multiplexing_registers_running_named_profile_down */
static void
test_reconciler_multiplex_config(void **state)
{
	check_multiplexed(*state,
			  "model:\n  default: x\ngateway:\n  multiplex_profiles: true\n",
			  NULL,
			  HERMES_RECONCILE_REGISTERED,
			  "profile=coder prior_state=running action=registered");
}

/* test_multiplex_environment_override_wins_over_config */
static void
test_reconciler_multiplex_env_false(void **state)
{
	check_multiplexed(*state,
			  "multiplex_profiles: true\n",
			  "false",
			  HERMES_RECONCILE_STARTED,
			  "profile=coder prior_state=running action=started");
}

/* test_multiplex_true_environment_override_wins_over_config */
static void
test_reconciler_multiplex_env_true(void **state)
{
	check_multiplexed(*state,
			  "multiplex_profiles: false\n",
			  " TRUE ",
			  HERMES_RECONCILE_REGISTERED,
			  "(GATEWAY_MULTIPLEX_PROFILES=TRUE)");
}

/* test_config_load_failure_uses_multiplex_environment_override */
static void
test_reconciler_multiplex_config_unreadable(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *log = NULL;
	/* upstream's yaml.safe_load() refuses a tab between tokens; libyaml alone would not */
	check_multiplexed(f,
			  "multiplex_profiles:\tfalse\n",
			  "yes",
			  HERMES_RECONCILE_REGISTERED,
			  "(GATEWAY_MULTIPLEX_PROFILES=yes)");

	/* and without the variable the same file leaves it off, saying why on default */
	wipe_scandir(f);
	check_multiplexed(f,
			  "multiplex_profiles:\ttrue\n",
			  NULL,
			  HERMES_RECONCILE_STARTED,
			  "profile=coder prior_state=running action=started");
	log = boot_log(f);
	hermes_assert_str_contains(log, "profile=default prior_state=running action=started");
	hermes_assert_str_contains(log,
				   "config.yaml (line 1: found a tab between tokens): "
				   "multiplexing is off unless GATEWAY_MULTIPLEX_PROFILES "
				   "turns it on");
}

/* `hermes ARGS…` until it exits 0, or fail after WAIT_MS */
static gchar *
run_cli_until_ok(Fixture *f, const gchar *const *args)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	for (;;) {
		g_autofree gchar *out = NULL;
		if (run_cli(f, &out, args) == 0)
			return g_steal_pointer(&out);
		if (g_get_monotonic_time() > deadline)
			fail_msg("hermes %s never succeeded: %s", args[0], out);
		g_usleep(100000);
	}
}

/*
 * A multiplexing container from boot to a user's commands, on a real s6
 * tree: the default gateway comes up and the named one stays down; status
 * says why, health is green, a plain start is refused (78) and changes
 * nothing, --force starts it
 */
static void
test_reconciler_multiplex_container(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	g_autoptr(HermesGatewayStatus) up = NULL;
	g_autoptr(HermesGatewayStatus) coder = NULL;
	g_autoptr(HermesGatewayStatus) forced = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *health = NULL;

	make_profile(f, "default", "{\"desired_state\":\"running\"}");
	make_profile(f, "coder", "{\"desired_state\":\"running\"}");
	write_in_home(f, "default", "config.yaml", "gateway:\n  multiplex_profiles: true\n");
	r = reconcile(f, FALSE);
	check_action(action_of(r, "coder"), "coder", "running", HERMES_RECONCILE_REGISTERED);
	start_svscan(f);
	up = wait_state(f, "default", HERMES_GATEWAY_STATE_UP);

	health = run_cli_until_ok(f, (const gchar *[]){"gateway", "health", "--all", NULL});
	hermes_assert_str_contains(health, "healthy: 2 gateways meant to run, all up");
	coder = hermes_service_manager_get_status(f->manager, "coder", NULL, &error);
	hermes_assert_no_error(error);
	assert_int_equal(hermes_gateway_status_get_state(coder), HERMES_GATEWAY_STATE_DOWN);
	assert_int_equal(run_cli(f, &out, (const gchar *[]){"status", NULL}), 0);
	hermes_assert_str_contains(out, "note: served by the default profile's gateway");
	assert_null(strstr(out, "! meant to run"));
	g_clear_pointer(&out, g_free);

	assert_int_equal(
		run_cli(f, &out, (const gchar *[]){"-p", "coder", "gateway", "start", NULL}), 78);
	assert_true(slot_is_down(f, "coder"));
	g_clear_pointer(&out, g_free);
	assert_int_equal(
		run_cli(f,
			&out,
			(const gchar *[]){"-p", "coder", "gateway", "start", "--force", NULL}),
		0);
	forced = wait_state(f, "coder", HERMES_GATEWAY_STATE_UP);
	assert_true(hermes_gateway_status_get_pid(forced) != hermes_gateway_status_get_pid(up));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reconciler_restart_running),
		T(test_reconciler_restart_stopped),
		T(test_reconciler_deep_state),
		T(test_reconciler_parallel),
		T(test_reconciler_multiplex_config),
		T(test_reconciler_multiplex_env_false),
		T(test_reconciler_multiplex_env_true),
		T(test_reconciler_multiplex_config_unreadable),
		T(test_reconciler_multiplex_container),
	};
	/* the gateways' output must not interleave with TAP */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
