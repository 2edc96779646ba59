/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The s6 backend against a real s6-svscan that each test starts on its own
 * scan directory, with the real `hermes gateway run` as the gateway: a
 * gateway's lifecycle, the register rules, replace and no-rescan.
 */

#include "s6-test.h"

static const gchar *
s6_bin(const gchar *name)
{
	static gchar path[4096];
	g_snprintf(path, sizeof(path), "%s/%s", hermes_test_env("HERMES_TEST_S6_BIN_DIR"), name);
	return path;
}

static gchar *
slot_dir(Fixture *f, const gchar *profile)
{
	return g_strdup_printf("%s/gateway-%s", f->scandir, profile);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_s6_lifecycle),
		T(test_s6_register_rules),
		T(test_s6_replace_and_no_rescan),
	};
	/* the gateways' output must not interleave with TAP */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
