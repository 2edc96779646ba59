/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The s6 backend against a real s6-svscan that each test starts on its own
 * scan directory, with the real `hermes gateway run` as the gateway.
 */

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-platform-private.h"
#include "hermes-s6-control.h"
#include "hermes-svc.h"
#include "hermes-test.h"

#define WAIT_MS 20000

typedef struct {
	gchar *tmp;
	gchar *scandir;
	gchar *root;
	GPid svscan;
	HermesContext *ctx;
	HermesServiceManager *manager;
	GPtrArray *events; /* "profile=state" */
} Fixture;

static const gchar *
s6_bin(const gchar *name)
{
	static gchar path[4096];
	g_snprintf(path, sizeof(path), "%s/%s", hermes_test_env("HERMES_TEST_S6_BIN_DIR"), name);
	return path;
}

static void
start_svscan(Fixture *f)
{
	f->svscan = hermes_test_s6_start(f->scandir, f->root);
}

/* "t": stop every service, let loggers drain, exit; then reap it */
static void
stop_svscan(Fixture *f)
{
	hermes_test_s6_stop(f->scandir, &f->svscan);
}

static void
gateway_changed_cb(HermesServiceManager *manager,
		   const gchar *profile,
		   HermesGatewayStatus *status,
		   gpointer user_data)
{
	Fixture *f = user_data;
	g_ptr_array_add(f->events,
			g_strdup_printf("%s=%s",
					profile,
					status != NULL
						? hermes_gateway_state_to_string(
							  hermes_gateway_status_get_state(status))
						: "(gone)"));
}

static HermesServiceManager *
make_manager(HermesContext *ctx)
{
	g_autoptr(GError) error = NULL;
	HermesServiceManager *manager = hermes_backend_loader_new_manager(ctx, "s6", &error);
	hermes_assert_no_error(error);
	return manager;
}

static HermesContext *
make_context(Fixture *f, gboolean with_scandir)
{
	HermesContext *ctx = hermes_context_new();
	hermes_context_setenv(
		ctx, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"));
	hermes_context_setenv(ctx, "HERMES_S6_SCANDIR", with_scandir ? f->scandir : NULL);
	hermes_context_setenv(ctx, "S6_PROFILE_GATEWAY_SCANDIR", NULL);
	hermes_context_setenv(ctx, "HERMES_HOME", f->root);
	hermes_context_setenv(ctx, "HERMES_CLI_PATH", hermes_test_env("HERMES_TEST_HERMES"));
	hermes_context_setenv(ctx, "HERMES_S6_BIN_DIR", hermes_test_env("HERMES_TEST_S6_BIN_DIR"));
	hermes_context_setenv(ctx, "HERMES_GATEWAY_USER", NULL);
	return ctx;
}

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) profile = NULL;

	f->tmp = hermes_test_mkdtemp();
	/* the unprivileged test's users must be able to traverse to everything */
	g_chmod(f->tmp, 0755);
	f->scandir = g_build_filename(f->tmp, "scan", NULL);
	f->root = g_build_filename(f->tmp, "home", NULL);
	g_mkdir(f->scandir, 0755);
	g_mkdir(f->root, 0755);
	f->events = g_ptr_array_new_with_free_func(g_free);
	start_svscan(f);
	f->ctx = make_context(f, TRUE);
	profile = hermes_profile_create(f->ctx, "demo", &error);
	hermes_assert_no_error(error);
	f->manager = make_manager(f->ctx);
	g_signal_connect(f->manager, "gateway-changed", G_CALLBACK(gateway_changed_cb), f);
	*state = f;
	return 0;
}

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	g_clear_object(&f->manager);
	stop_svscan(f);
	g_clear_object(&f->ctx);
	hermes_test_rmtree(f->tmp);
	g_ptr_array_unref(f->events);
	g_free(f->tmp);
	g_free(f->scandir);
	g_free(f->root);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

static HermesGatewaySpec *
spec_for(Fixture *f, const gchar *profile, const gchar *const *argv)
{
	g_autoptr(GError) error = NULL;
	HermesGatewaySpec *spec = argv == NULL
					  ? hermes_gateway_spec_new_default(f->ctx, profile, &error)
					  : hermes_gateway_spec_new(profile, &error);
	hermes_assert_no_error(error);
	if (argv != NULL) {
		hermes_gateway_spec_set_argv(spec, argv);
		hermes_gateway_spec_set_notify(spec, FALSE);
	}
	return spec;
}

static void
register_gateway(Fixture *f,
		 const gchar *profile,
		 const gchar *const *argv,
		 HermesRegisterFlags flags)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = spec_for(f, profile, argv);
	assert_true(hermes_service_manager_register_gateway(f->manager, spec, flags, NULL, &error));
	hermes_assert_no_error(error);
}

static HermesGatewayStatus *
status_of(Fixture *f, const gchar *profile)
{
	g_autoptr(GError) error = NULL;
	HermesGatewayStatus *status =
		hermes_service_manager_get_status(f->manager, profile, NULL, &error);
	hermes_assert_no_error(error);
	return status;
}

static gchar *
slot_dir(Fixture *f, const gchar *profile)
{
	return g_strdup_printf("%s/gateway-%s", f->scandir, profile);
}

typedef gboolean (*StatusCheck)(HermesGatewayStatus *status, gpointer data);

/* waits, driven by gateway-changed events, until @check holds */
static HermesGatewayStatus *
wait_status(Fixture *f, const gchar *profile, StatusCheck check, gpointer data, const gchar *what)
{
	g_auto(GStrv) names = NULL;
	gboolean timed_out = FALSE;
	guint id;
	/* listing subscribes the manager to every slot's events */
	names = hermes_service_manager_list_gateways(f->manager, NULL, NULL);
	id = g_timeout_add(WAIT_MS, hermes_test_tick_cb, &timed_out);
	while (TRUE) {
		HermesGatewayStatus *status = status_of(f, profile);
		if (check(status, data)) {
			g_source_remove(id);
			return status;
		}
		hermes_gateway_status_unref(status);
		if (timed_out)
			fail_msg("%s never became %s", profile, what);
		g_main_context_iteration(NULL, TRUE);
	}
}

static gboolean
is_state(HermesGatewayStatus *status, gpointer data)
{
	return (gint)hermes_gateway_status_get_state(status) == GPOINTER_TO_INT(data);
}

static gboolean
is_ready(HermesGatewayStatus *status, gpointer data)
{
	return hermes_gateway_status_get_state(status) == HERMES_GATEWAY_STATE_UP &&
	       hermes_gateway_status_get_ready(status) == HERMES_TRISTATE_YES;
}

static gboolean
is_up_with_new_pid(HermesGatewayStatus *status, gpointer data)
{
	return hermes_gateway_status_get_state(status) == HERMES_GATEWAY_STATE_UP &&
	       hermes_gateway_status_get_pid(status) != *(gint64 *)data;
}

static gchar *
svstat(const gchar *slot)
{
	g_autoptr(GError) error = NULL;
	gchar *out = NULL;
	const gchar *argv[] = {s6_bin("s6-svstat"), "-o", "up,pid", slot, NULL};
	g_spawn_sync(
		NULL, (gchar **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, NULL, NULL, &error);
	hermes_assert_no_error(error);
	return g_strchomp(out);
}

static void
test_s6_lifecycle(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autofree gchar *slot = slot_dir(f, "demo");
	g_autofree gchar *down_file = g_build_filename(slot, "down", NULL);
	g_autofree gchar *expected = NULL;
	g_autofree gchar *seen = NULL;
	g_autofree gchar *log = NULL;
	g_autofree gchar *log_path =
		g_build_filename(f->root, "logs", "gateways", "demo", "current", NULL);
	g_autofree gchar *caller_marker =
		g_build_filename(f->root, ".gateway-planned-stop.json", NULL);
	gint64 pid;

	register_gateway(f, "demo", NULL, HERMES_REGISTER_FLAG_NONE);
	/* registered down: the slot carries a down file and nothing runs */
	assert_true(g_file_test(down_file, G_FILE_TEST_EXISTS));
	assert_true(hermes_service_manager_start(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
	status = wait_status(f, "demo", is_state, GINT_TO_POINTER(HERMES_GATEWAY_STATE_UP), "up");
	pid = hermes_gateway_status_get_pid(status);
	assert_true(pid > 0);
	/* the real `hermes gateway run` signalled readiness through notification-fd */
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_YES);
	/* in-process status agrees with s6's own tool */
	expected = g_strdup_printf("true %" G_GINT64_FORMAT, pid);
	seen = svstat(slot);
	assert_string_equal(seen, expected);
	g_clear_pointer(&status, hermes_gateway_status_unref);

	assert_true(hermes_service_manager_stop(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
	status = status_of(f, "demo");
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_DOWN);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_DOWN);
	/* the marker went to demo's home (not the caller's), so the gateway saw an operator stop */
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), 0);
	assert_false(g_file_test(caller_marker, G_FILE_TEST_EXISTS));
	assert_true(g_file_get_contents(log_path, &log, NULL, NULL));
	hermes_assert_str_contains(log, "gateway: operator stop, exiting 0");
	assert_false(hermes_platform_process_alive(pid));
	g_clear_pointer(&status, hermes_gateway_status_unref);

	/* restart converges to up, even from down */
	assert_true(hermes_service_manager_restart(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
	status = status_of(f, "demo");
	assert_int_equal(hermes_gateway_status_get_state(status) == HERMES_GATEWAY_STATE_UP ||
				 hermes_gateway_status_get_state(status) ==
					 HERMES_GATEWAY_STATE_STARTING,
			 TRUE);
	assert_true(hermes_gateway_status_get_pid(status) != pid);
	pid = hermes_gateway_status_get_pid(status);
	g_clear_pointer(&status, hermes_gateway_status_unref);

	/* unregister leaves nothing: no slot, no staging, no supervisor, no process */
	assert_true(hermes_service_manager_unregister_gateway(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
	assert_false(g_file_test(slot, G_FILE_TEST_EXISTS));
	{
		g_autofree gchar *listing = hermes_test_list_dir(f->scandir);
		assert_string_equal(listing, ".s6-svscan");
	}
	assert_int_equal(hermes_test_s6_supervisors(f->scandir), 0);
	assert_false(hermes_platform_process_alive(pid));
	assert_null(hermes_service_manager_get_status(f->manager, "demo", NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_REGISTERED);
	hermes_assert_str_contains(error->message, "gateway 'demo' is not registered");
	g_clear_error(&error);
	/* and again is a no-op */
	assert_true(hermes_service_manager_unregister_gateway(f->manager, "demo", NULL, &error));
}

static void
test_s6_register_rules(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = spec_for(f, "demo", NULL);
	g_autoptr(GPtrArray) steps = NULL;
	g_autofree gchar *slot = slot_dir(f, "demo");

	assert_false(hermes_service_manager_start(f->manager, "ghost", NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_REGISTERED);
	hermes_assert_str_contains(error->message, "'ghost'");
	g_clear_error(&error);

	/* what a crashed registration or removal left behind goes, whoever's: registrations
	 * hold the scan directory's lock, so no staging tree can be another's in progress */
	{
		const gchar *leftovers[] = {".gateway-demo.new-ABCDEF",
					    ".gateway-demo.removing-00c0ffee",
					    ".gateway-other.new-XYZ"};
		for (guint i = 0; i < G_N_ELEMENTS(leftovers); i++) {
			g_autofree gchar *path =
				g_build_filename(f->scandir, leftovers[i], "run", NULL);
			hermes_test_write_file(path, "#!/bin/sh\n", 0755);
		}
	}
	register_gateway(f, "demo", NULL, HERMES_REGISTER_FLAG_NONE);
	{
		g_autofree gchar *listing = hermes_test_list_dir(f->scandir);
		assert_string_equal(listing, ".s6-svscan|gateway-demo");
	}
	assert_false(hermes_service_manager_register_gateway(f->manager, spec, 0, NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_ALREADY_EXISTS);
	g_clear_error(&error);

	/* render is exactly what register wrote */
	steps = hermes_service_manager_render(f->manager, spec, &error);
	hermes_assert_no_error(error);
	for (guint i = 0; i < steps->len; i++) {
		HermesRenderStep *step = g_ptr_array_index(steps, i);
		const gchar *path = hermes_render_step_get_path(step);
		GStatBuf st;
		if (hermes_render_step_get_kind(step) == HERMES_RENDER_STEP_FILE) {
			g_autofree gchar *contents = NULL;
			assert_true(g_file_get_contents(path, &contents, NULL, NULL));
			assert_string_equal(contents, hermes_render_step_get_contents(step));
			assert_int_equal(g_stat(path, &st), 0);
			assert_int_equal(st.st_mode & 07777, hermes_render_step_get_mode(step));
		} else if (hermes_render_step_get_kind(step) == HERMES_RENDER_STEP_DIRECTORY) {
			assert_true(g_file_test(path, G_FILE_TEST_IS_DIR));
		}
	}
	/* nothing half-built is left beside the slot */
	{
		g_autofree gchar *listing = hermes_test_list_dir(f->scandir);
		assert_string_equal(listing, ".s6-svscan|gateway-demo");
	}
	/* a hostile value is refused before anything is written */
	assert_true(hermes_gateway_spec_set_env(spec, "EVIL", "a\nb", &error));
	assert_true(hermes_service_manager_unregister_gateway(f->manager, "demo", NULL, &error));
	assert_false(hermes_service_manager_register_gateway(f->manager, spec, 0, NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	assert_false(g_file_test(slot, G_FILE_TEST_EXISTS));
	{
		g_autofree gchar *listing = hermes_test_list_dir(f->scandir);
		assert_string_equal(listing, ".s6-svscan");
	}
}

static void
test_s6_replace_and_no_rescan(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = spec_for(f, "demo", NULL);
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autofree gchar *slot = slot_dir(f, "demo");
	g_autofree gchar *run_path = g_build_filename(slot, "run", NULL);
	g_autofree gchar *run = NULL;
	gint64 pid;

	/* no rescan: the slot exists but s6 has not picked it up */
	assert_true(hermes_service_manager_register_gateway(
		f->manager, spec, HERMES_REGISTER_FLAG_NO_RESCAN, NULL, &error));
	hermes_assert_no_error(error);
	status = status_of(f, "demo");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.supervised"), "false");
	g_clear_pointer(&status, hermes_gateway_status_unref);
	/* start asks for the scan itself */
	assert_true(hermes_service_manager_start(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
	status = wait_status(f, "demo", is_state, GINT_TO_POINTER(HERMES_GATEWAY_STATE_UP), "up");
	pid = hermes_gateway_status_get_pid(status);

	/* replacing a supervised slot rewrites it in place and leaves the gateway running */
	assert_true(hermes_gateway_spec_set_env(spec, "API_SERVER_PORT", "9321", &error));
	assert_true(hermes_service_manager_register_gateway(
		f->manager, spec, HERMES_REGISTER_FLAG_REPLACE, NULL, &error));
	hermes_assert_no_error(error);
	assert_true(g_file_get_contents(run_path, &run, NULL, NULL));
	hermes_assert_str_contains(run, "export API_SERVER_PORT=9321");
	g_clear_pointer(&status, hermes_gateway_status_unref);
	status = status_of(f, "demo");
	assert_int_equal(hermes_gateway_status_get_pid(status), pid);

	/* an unsupervised slot (scanner gone, as at boot) is swapped whole */
	assert_true(hermes_service_manager_stop(f->manager, "demo", NULL, &error));
	stop_svscan(f);
	assert_true(hermes_gateway_spec_set_env(spec, "API_SERVER_PORT", "9322", &error));
	{
		gboolean ok = hermes_service_manager_register_gateway(
			f->manager,
			spec,
			HERMES_REGISTER_FLAG_REPLACE | HERMES_REGISTER_FLAG_NO_RESCAN,
			NULL,
			&error);
		hermes_assert_no_error(error);
		assert_true(ok);
	}
	hermes_assert_no_error(error);
	g_clear_pointer(&run, g_free);
	assert_true(g_file_get_contents(run_path, &run, NULL, NULL));
	hermes_assert_str_contains(run, "export API_SERVER_PORT=9322");
	{
		g_autofree gchar *listing = hermes_test_list_dir(f->scandir);
		assert_string_equal(listing, ".s6-svscan|gateway-demo");
	}
	/* and the tree comes back with it */
	start_svscan(f);
	assert_true(hermes_service_manager_start(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
}

static void
test_s6_kill9_is_restarted_and_seen(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesGatewayStatus) before = NULL;
	g_autoptr(HermesGatewayStatus) after = NULL;
	gint64 pid;
	guint events_before;

	register_gateway(f, "demo", NULL, HERMES_REGISTER_FLAG_START);
	before = wait_status(f, "demo", is_state, GINT_TO_POINTER(HERMES_GATEWAY_STATE_UP), "up");
	pid = hermes_gateway_status_get_pid(before);
	events_before = f->events->len;
	assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
	after = wait_status(f, "demo", is_up_with_new_pid, &pid, "up again with a new pid");
	/* the change arrived as events, not by polling */
	assert_true(f->events->len > events_before);
	assert_int_equal(hermes_gateway_status_get_last_signal(after), SIGKILL);
	assert_true(hermes_gateway_status_get_restarts(after) >= 1);
}

static gboolean
is_settled_down(HermesGatewayStatus *status, gpointer data)
{
	const gchar *reason = hermes_gateway_status_get_raw(status, "s6.finish_reason");
	return hermes_gateway_status_get_wanted(status) == HERMES_GATEWAY_WANTED_DOWN &&
	       hermes_gateway_status_get_pid(status) == 0 && reason != NULL;
}

static void
check_exit_ends_slot(Fixture *f,
		     const gchar *profile,
		     const gchar *script,
		     HermesGatewayState want,
		     const gchar *why)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	const gchar *argv[] = {"/bin/sh", "-c", script, NULL};
	g_autoptr(HermesProfile) p = hermes_profile_create(f->ctx, profile, NULL);
	assert_non_null(p);
	register_gateway(f, profile, argv, HERMES_REGISTER_FLAG_NONE);
	assert_true(hermes_service_manager_start(f->manager, profile, NULL, &error));
	hermes_assert_no_error(error);
	status = wait_status(f, profile, is_settled_down, NULL, "ended");
	assert_int_equal(hermes_gateway_status_get_state(status), want);
	hermes_assert_str_contains(hermes_gateway_status_get_raw(status, "s6.finish_reason"), why);
	g_clear_pointer(&status, hermes_gateway_status_unref);
	/* and it stays that way: s6 would have respawned within ~1 s */
	g_usleep(1500 * 1000);
	status = status_of(f, profile);
	assert_int_equal(hermes_gateway_status_get_restarts(status), 1);
	assert_int_equal(hermes_gateway_status_get_pid(status), 0);
}

static void
test_s6_exit_0_and_78_are_final(void **state)
{
	Fixture *f = *state;
	check_exit_ends_slot(
		f, "zero", "exit 0", HERMES_GATEWAY_STATE_DOWN, "exited 0 (intentional stop)");
	check_exit_ends_slot(
		f, "config", "exit 78", HERMES_GATEWAY_STATE_FAILED, "fatal configuration");
}

static void
test_s6_crash_loop_is_parked(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	const gchar *argv[] = {"/bin/sh", "-c", "exit 3", NULL};
	register_gateway(f, "demo", argv, HERMES_REGISTER_FLAG_NONE);
	assert_true(hermes_service_manager_start(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
	/* s6 throttles respawns to one a second: five deaths take about five seconds */
	status = wait_status(
		f, "demo", is_state, GINT_TO_POINTER(HERMES_GATEWAY_STATE_PARKED), "parked");
	hermes_assert_str_contains(hermes_gateway_status_get_raw(status, "s6.finish_reason"),
				   "parked: 5 deaths within 60 s, the last exited 3");
	assert_int_equal(hermes_gateway_status_get_restarts(status), 5);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), 3);
	/* a start after parking is a fresh chance */
	g_clear_pointer(&status, hermes_gateway_status_unref);
	assert_true(hermes_service_manager_start(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
}

static void
test_s6_stubborn_gateway_is_killed_after_drain(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	/* ignores SIGTERM, then says it is ready; exec keeps the pid s6 knows */
	const gchar *argv[] = {
		"/bin/sh", "-c", "trap '' TERM; echo >&3; exec 3>&-; exec sleep 100000", NULL};
	gint64 t0;
	gint64 pid;

	spec = spec_for(f, "demo", argv);
	hermes_gateway_spec_set_notify(spec, TRUE);
	hermes_gateway_spec_set_stop_timeout_ms(spec, 500);
	assert_true(hermes_service_manager_register_gateway(
		f->manager, spec, HERMES_REGISTER_FLAG_START, NULL, &error));
	hermes_assert_no_error(error);
	status = wait_status(f, "demo", is_ready, NULL, "up and ready (SIGTERM ignored)");
	pid = hermes_gateway_status_get_pid(status);
	t0 = g_get_monotonic_time();
	assert_true(hermes_service_manager_stop(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
	/* SIGTERM is ignored, so s6 sends SIGKILL after the drain time */
	assert_true(g_get_monotonic_time() - t0 < 5 * G_USEC_PER_SEC);
	assert_false(hermes_platform_process_alive(pid));
	g_clear_pointer(&status, hermes_gateway_status_unref);
	status = status_of(f, "demo");
	assert_int_equal(hermes_gateway_status_get_last_signal(status), SIGKILL);
}

static void
test_s6_no_scanner_is_a_clear_error(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	gint64 t0;
	register_gateway(f, "demo", NULL, HERMES_REGISTER_FLAG_NONE);
	stop_svscan(f);
	t0 = g_get_monotonic_time();
	assert_false(hermes_service_manager_start(f->manager, "demo", NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
	hermes_assert_str_contains(error->message, "s6-svscan is not running on");
	g_clear_error(&error);
	assert_false(hermes_service_manager_stop(f->manager, "demo", NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
	hermes_assert_str_contains(error->message, "no s6-supervise is running for gateway-demo");
	/* no hang: the FIFO answers ENXIO at once */
	assert_true(g_get_monotonic_time() - t0 < G_USEC_PER_SEC);
}

/* runs the built hermes as @user with the fixture's environment */
static gint
run_as(Fixture *f, const gchar *user, gchar **out, const gchar *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	gint status = 0;
	const gchar *vars[] = {"HERMES_BACKEND_PATH",
			       "HERMES_S6_SCANDIR",
			       "HERMES_HOME",
			       "HERMES_S6_BIN_DIR",
			       NULL};
	g_ptr_array_add(argv, g_strdup("/usr/sbin/runuser"));
	g_ptr_array_add(argv, g_strdup("-u"));
	g_ptr_array_add(argv, g_strdup(user));
	g_ptr_array_add(argv, g_strdup("--"));
	g_ptr_array_add(argv, g_strdup("/usr/bin/env"));
	for (guint i = 0; vars[i] != NULL; i++)
		g_ptr_array_add(
			argv,
			g_strdup_printf("%s=%s", vars[i], hermes_context_getenv(f->ctx, vars[i])));
	g_ptr_array_add(argv, g_strdup(hermes_test_env("HERMES_TEST_HERMES")));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(args[i]));
	g_ptr_array_add(argv, NULL);
	g_spawn_sync(f->tmp,
		     (gchar **)argv->pdata,
		     NULL,
		     G_SPAWN_STDERR_TO_DEV_NULL,
		     NULL,
		     NULL,
		     out,
		     NULL,
		     &status,
		     &error);
	hermes_assert_no_error(error);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void
test_s6_unprivileged_group_control(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autoptr(HermesUser) ci = hermes_platform_lookup_user("hermes-ci", NULL);
	g_autoptr(HermesUser) other = hermes_platform_lookup_user("hermes-ci-other", NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *logs = g_build_filename(f->root, "logs", "gateways", NULL);
	g_autofree gchar *home = g_build_filename(f->root, "profiles", "demo", NULL);

	/* CI creates both accounts (.ci/run); elsewhere this needs root and them */
	if (geteuid() != 0 || ci == NULL || other == NULL)
		skip();
	/* the image's job, done here: the run-as user owns its log tree and home */
	g_mkdir_with_parents(logs, 0755);
	assert_int_equal(chown(logs, ci->uid, ci->gid), 0);
	assert_int_equal(chown(home, ci->uid, ci->gid), 0);
	spec = spec_for(f, "demo", NULL);
	hermes_gateway_spec_set_user(spec, "hermes-ci");
	assert_true(hermes_service_manager_register_gateway(
		f->manager, spec, HERMES_REGISTER_FLAG_START, NULL, &error));
	hermes_assert_no_error(error);
	status = wait_status(f, "demo", is_state, GINT_TO_POINTER(HERMES_GATEWAY_STATE_UP), "up");
	g_clear_pointer(&status, hermes_gateway_status_unref);

	/* a member of the slot's group reads and controls a root-run tree */
	assert_int_equal(run_as(f,
				"hermes-ci",
				&out,
				(const gchar *[]){"--backend",
						  "s6",
						  "-p",
						  "demo",
						  "gateway",
						  "status",
						  "--json",
						  NULL}),
			 0);
	hermes_assert_str_contains(out, "\"state\" : \"up\"");
	g_clear_pointer(&out, g_free);
	assert_int_equal(
		run_as(f,
		       "hermes-ci",
		       &out,
		       (const gchar *[]){"--backend", "s6", "-p", "demo", "gateway", "stop", NULL}),
		0);
	g_clear_pointer(&out, g_free);
	status = status_of(f, "demo");
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_DOWN);
	assert_int_equal(run_as(f,
				"hermes-ci",
				&out,
				(const gchar *[]){
					"--backend", "s6", "-p", "demo", "gateway", "start", NULL}),
			 0);
	g_clear_pointer(&out, g_free);
	/* the gateway runs as the run-as user, not as root */
	{
		g_autoptr(HermesGatewayStatus) up = wait_status(
			f, "demo", is_state, GINT_TO_POINTER(HERMES_GATEWAY_STATE_UP), "up");
		g_autofree gchar *proc_status = NULL;
		g_autofree gchar *uid_line = g_strdup_printf("Uid:\t%u\t", (guint)ci->uid);
		g_autofree gchar *path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/status",
							 hermes_gateway_status_get_pid(up));
		assert_true(g_file_get_contents(path, &proc_status, NULL, NULL));
		hermes_assert_str_contains(proc_status, uid_line);
	}

	/* anyone else is refused, with the permission exit code */
	assert_int_equal(
		run_as(f,
		       "hermes-ci-other",
		       &out,
		       (const gchar *[]){
			       "--backend", "s6", "-p", "demo", "gateway", "status", NULL}),
		77);
	g_clear_pointer(&out, g_free);
	assert_int_equal(
		run_as(f,
		       "hermes-ci-other",
		       &out,
		       (const gchar *[]){"--backend", "s6", "-p", "demo", "gateway", "stop", NULL}),
		77);
	g_clear_pointer(&status, hermes_gateway_status_unref);
	status = status_of(f, "demo");
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_UP);
}

static void
test_s6_embedded_tree(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesContext) ctx = NULL;
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(HermesGatewaySpec) spec_a = NULL;
	g_autoptr(HermesGatewaySpec) spec_b = NULL;
	g_autoptr(HermesProfile) second = NULL;
	g_autofree gchar *detail = NULL;
	g_autofree gchar *emb_scandir = g_build_filename(f->root, "run", "service", NULL);
	g_autoptr(HermesGatewayStatus) a = NULL;
	g_autoptr(HermesGatewayStatus) b = NULL;
	gboolean running = FALSE;
	gint64 scanner = -1;

	ctx = make_context(f, FALSE);
	manager = make_manager(ctx);
	assert_string_equal(hermes_service_manager_get_mode(manager), "embedded");
	second = hermes_profile_create(ctx, "second", &error);
	hermes_assert_no_error(error);
	spec_a = hermes_gateway_spec_new_default(ctx, "demo", &error);
	spec_b = hermes_gateway_spec_new_default(ctx, "second", &error);
	/* registering needs no running tree; starting starts it on demand */
	assert_true(hermes_service_manager_register_gateway(manager, spec_a, 0, NULL, &error));
	assert_true(hermes_service_manager_register_gateway(manager, spec_b, 0, NULL, &error));
	assert_true(hermes_service_manager_supervisor_status(
		manager, &running, &scanner, &detail, NULL, &error));
	assert_false(running);
	assert_true(hermes_service_manager_start(manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
	assert_true(hermes_service_manager_start(manager, "second", NULL, &error));
	hermes_assert_no_error(error);
	assert_true(hermes_service_manager_supervisor_status(
		manager, &running, &scanner, NULL, NULL, &error));
	assert_true(running);
	assert_true(scanner > 0);
	a = hermes_service_manager_get_status(manager, "demo", NULL, &error);
	b = hermes_service_manager_get_status(manager, "second", NULL, &error);
	assert_true(hermes_gateway_status_get_pid(a) > 0);
	assert_true(hermes_gateway_status_get_pid(b) > 0);

	/* stop takes everything down: gateways, supervisors, loggers, the scanner */
	assert_true(hermes_service_manager_supervisor_stop(manager, NULL, &error));
	hermes_assert_no_error(error);
	assert_false(hermes_platform_process_alive(scanner));
	assert_false(hermes_platform_process_alive(hermes_gateway_status_get_pid(a)));
	assert_false(hermes_platform_process_alive(hermes_gateway_status_get_pid(b)));
	assert_int_equal(hermes_test_s6_supervisors(emb_scandir), 0);
	assert_true(hermes_service_manager_supervisor_status(
		manager, &running, NULL, NULL, NULL, &error));
	assert_false(running);
	/* stopping a stopped tree is fine */
	assert_true(hermes_service_manager_supervisor_stop(manager, NULL, &error));
	hermes_assert_no_error(error);
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
		T(test_s6_lifecycle),
		T(test_s6_register_rules),
		T(test_s6_replace_and_no_rescan),
		T(test_s6_kill9_is_restarted_and_seen),
		T(test_s6_exit_0_and_78_are_final),
		T(test_s6_crash_loop_is_parked),
		T(test_s6_stubborn_gateway_is_killed_after_drain),
		T(test_s6_no_scanner_is_a_clear_error),
		T(test_s6_unprivileged_group_control),
		T(test_s6_embedded_tree),
	};
	/* the gateways' output must not interleave with TAP */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
