/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The s6 tree itself and who may use it, on a real s6-svscan: no scanner
 * is a clear error (without a hang), control by an unprivileged member of
 * the tree's group, and the embedded tree.
 */

#include "s6-test.h"

static void
test_s6_no_scanner_is_a_clear_error(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	gint64 t0;
	/* not picked up before the scanner goes: whether s6-supervise ran for a moment
	 * would otherwise race the stop (and change which error stop gives) */
	register_gateway(f, "demo", NULL, HERMES_REGISTER_FLAG_NO_RESCAN);
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

/* anyone else is refused, with the permission exit code; the gateway stays up */
static void
group_control_others_refused(Fixture *f)
{
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autofree gchar *out = NULL;

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

	group_control_others_refused(f);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_s6_no_scanner_is_a_clear_error),
		T(test_s6_unprivileged_group_control),
		T(test_s6_embedded_tree),
	};
	/* the gateways' output must not interleave with TAP */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
