/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The s6 integration tests' glue: starting and stopping s6-svscan, the
 * fixture, registering a gateway, and waiting for its status.
 */

#include "s6-test.h"

void
start_svscan(Fixture *f)
{
	f->svscan = hermes_test_s6_start(f->scandir, f->root);
}

/* "t": stop every service, let loggers drain, exit; then reap it */
void
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

HermesServiceManager *
make_manager(HermesContext *ctx)
{
	g_autoptr(GError) error = NULL;
	HermesServiceManager *manager = hermes_backend_loader_new_manager(ctx, "s6", &error);
	hermes_assert_no_error(error);
	return manager;
}

HermesContext *
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

gint
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

gint
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

HermesGatewaySpec *
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

void
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

HermesGatewayStatus *
status_of(Fixture *f, const gchar *profile)
{
	g_autoptr(GError) error = NULL;
	HermesGatewayStatus *status =
		hermes_service_manager_get_status(f->manager, profile, NULL, &error);
	hermes_assert_no_error(error);
	return status;
}

/* waits, driven by gateway-changed events, until @check holds */
HermesGatewayStatus *
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

gboolean
is_state(HermesGatewayStatus *status, gpointer data)
{
	return (gint)hermes_gateway_status_get_state(status) == GPOINTER_TO_INT(data);
}

gint
group_setup(void **state)
{
	hermes_test_init();
	return 0;
}
