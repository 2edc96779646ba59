/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/* the HermesServiceManager wrappers, driven through the fake backend loaded by the real loader */

#include "config.h"

#include "hermes-svc.h"
#include "hermes-test.h"

typedef struct {
	HermesContext *ctx;
	HermesServiceManager *manager;
	GPtrArray *events; /* "profile=state" strings from gateway-changed */
} Fixture;

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
make_manager(HermesContext *ctx, const gchar *name)
{
	g_autoptr(GError) error = NULL;
	HermesServiceManager *manager = hermes_backend_loader_new_manager(ctx, name, &error);
	hermes_assert_no_error(error);
	return manager;
}

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autofree gchar *path = g_strdup_printf("%s:%s",
						 hermes_test_env("HERMES_TEST_PLUGIN_DIR"),
						 hermes_test_env("HERMES_TEST_BACKEND_DIRS"));
	f->ctx = hermes_context_new();
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", path);
	f->events = g_ptr_array_new_with_free_func(g_free);
	*state = f;
	return 0;
}

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	hermes_test_check_logs();
	g_clear_object(&f->manager);
	g_clear_object(&f->ctx);
	g_ptr_array_unref(f->events);
	g_free(f);
	return 0;
}

static void
use_fake(Fixture *f)
{
	f->manager = make_manager(f->ctx, "fake");
	g_signal_connect(f->manager, "gateway-changed", G_CALLBACK(gateway_changed_cb), f);
}

static guint
fake_calls(Fixture *f)
{
	return GPOINTER_TO_UINT(g_object_get_data(G_OBJECT(f->manager), "fake-calls"));
}

static void
register_profile(Fixture *f, const gchar *profile, HermesRegisterFlags flags)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = hermes_gateway_spec_new(profile, &error);
	hermes_assert_no_error(error);
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

static void
test_service_manager_lifecycle(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;

	use_fake(f);
	assert_true(hermes_service_manager_supports_registration(f->manager));
	register_profile(f, "demo", HERMES_REGISTER_FLAG_NONE);
	status = status_of(f, "demo");
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_DOWN);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_DOWN);
	assert_int_equal(hermes_gateway_status_get_pid(status), 0);
	g_clear_pointer(&status, hermes_gateway_status_unref);

	assert_true(hermes_service_manager_start(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
	status = status_of(f, "demo");
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_UP);
	assert_int_equal(hermes_gateway_status_get_pid(status), 4242);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_YES);
	assert_true(hermes_gateway_status_get_since(status) > 0);
	g_clear_pointer(&status, hermes_gateway_status_unref);

	/* restart replaces a running gateway */
	assert_true(hermes_service_manager_restart(f->manager, "demo", NULL, &error));
	status = status_of(f, "demo");
	assert_int_equal(hermes_gateway_status_get_pid(status), 4243);
	assert_int_equal(hermes_gateway_status_get_restarts(status), 1);
	g_clear_pointer(&status, hermes_gateway_status_unref);

	assert_true(hermes_service_manager_stop(f->manager, "demo", NULL, &error));
	status = status_of(f, "demo");
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_DOWN);
	g_clear_pointer(&status, hermes_gateway_status_unref);

	/* restart of a stopped gateway converges to up */
	assert_true(hermes_service_manager_restart(f->manager, "demo", NULL, &error));
	status = status_of(f, "demo");
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_UP);
	g_clear_pointer(&status, hermes_gateway_status_unref);

	assert_true(hermes_service_manager_unregister_gateway(f->manager, "demo", NULL, &error));
	assert_null(hermes_service_manager_get_status(f->manager, "demo", NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_REGISTERED);
	g_clear_error(&error);
	/* unregistering what is not there converges, it does not fail */
	assert_true(hermes_service_manager_unregister_gateway(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
}

static void
test_service_manager_events(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *joined = NULL;
	use_fake(f);
	register_profile(f, "demo", HERMES_REGISTER_FLAG_START);
	hermes_service_manager_stop(f->manager, "demo", NULL, &error);
	/* a stop of a stopped gateway changes nothing, so it says nothing */
	hermes_service_manager_stop(f->manager, "demo", NULL, &error);
	hermes_service_manager_unregister_gateway(f->manager, "demo", NULL, &error);
	hermes_assert_no_error(error);
	g_ptr_array_add(f->events, NULL);
	joined = g_strjoinv(" ", (gchar **)f->events->pdata);
	g_ptr_array_remove_index(f->events, f->events->len - 1);
	assert_string_equal(joined, "demo=up demo=down demo=(gone)");
}

static void
test_service_manager_list_sorted(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) names = NULL;
	use_fake(f);
	register_profile(f, "zeta", HERMES_REGISTER_FLAG_NONE);
	register_profile(f, "alpha", HERMES_REGISTER_FLAG_NONE);
	register_profile(f, "default", HERMES_REGISTER_FLAG_NONE);
	names = hermes_service_manager_list_gateways(f->manager, NULL, &error);
	hermes_assert_no_error(error);
	assert_int_equal(g_strv_length(names), 3);
	assert_string_equal(names[0], "alpha");
	assert_string_equal(names[1], "default");
	assert_string_equal(names[2], "zeta");
}

static void
test_service_manager_register_twice(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = hermes_gateway_spec_new("demo", NULL);
	use_fake(f);
	register_profile(f, "demo", HERMES_REGISTER_FLAG_NONE);
	assert_false(hermes_service_manager_register_gateway(f->manager, spec, 0, NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_ALREADY_EXISTS);
	g_clear_error(&error);
	assert_true(hermes_service_manager_register_gateway(
		f->manager, spec, HERMES_REGISTER_FLAG_REPLACE, NULL, &error));
	hermes_assert_no_error(error);
}

static void
test_service_manager_not_registered(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	use_fake(f);
	assert_false(hermes_service_manager_start(f->manager, "ghost", NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_REGISTERED);
	hermes_assert_str_contains(error->message, "ghost");
}

static void
test_service_manager_rejects_bad_names(void **state)
{
	Fixture *f = *state;
	const gchar *bad[] = {"../x", "-a", "UP", "", "a/b", "root"};
	use_fake(f);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		guint before = fake_calls(f);
		assert_false(hermes_service_manager_start(f->manager, bad[i], NULL, &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);
		assert_false(hermes_service_manager_unregister_gateway(
			f->manager, bad[i], NULL, &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);
		assert_null(hermes_service_manager_get_status(f->manager, bad[i], NULL, &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
		/* the backend never saw the name */
		assert_int_equal(fake_calls(f), before);
	}
}

static void
test_service_manager_cancelled(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	guint before;
	use_fake(f);
	register_profile(f, "demo", HERMES_REGISTER_FLAG_NONE);
	before = fake_calls(f);
	g_cancellable_cancel(cancellable);
	assert_false(hermes_service_manager_start(f->manager, "demo", cancellable, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_CANCELLED);
	assert_int_equal(fake_calls(f), before);
}

static void
test_service_manager_converts_foreign_errors(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	hermes_context_setenv(f->ctx, "HERMES_FAKE_FAIL", "foreign");
	{
		g_autoptr(GError) error_setup = NULL;
		f->manager = hermes_backend_loader_new_manager(f->ctx, "fake", &error_setup);
		/* setup itself fails with the foreign error, converted */
		assert_null(f->manager);
		hermes_assert_error(error_setup, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
		hermes_assert_str_contains(error_setup->message, "fake setup denied");
	}
	hermes_context_setenv(f->ctx, "HERMES_FAKE_FAIL", "start");
	f->manager = make_manager(f->ctx, "fake");
	register_profile(f, "demo", 0);
	assert_false(hermes_service_manager_start(f->manager, "demo", NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
}

static void
test_service_manager_not_supported(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = hermes_gateway_spec_new("demo", NULL);
	/* the minimal test backend implements only get_name */
	f->manager = make_manager(f->ctx, "minimal");
	assert_string_equal(hermes_service_manager_get_name(f->manager), "minimal");
	assert_string_equal(hermes_service_manager_get_mode(f->manager), "host");
	assert_false(hermes_service_manager_supports_registration(f->manager));
	assert_false(hermes_service_manager_start(f->manager, "demo", NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_SUPPORTED);
	assert_string_equal(error->message, "the minimal backend does not support start");
	g_clear_error(&error);
	assert_false(hermes_service_manager_supervisor_start(f->manager, NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_SUPPORTED);
	g_clear_error(&error);
	assert_false(hermes_service_manager_register_gateway(f->manager, spec, 0, NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_SUPPORTED);
	hermes_assert_str_contains(error->message, "runtime gateway registration");
	g_clear_error(&error);
	assert_null(hermes_service_manager_render(f->manager, spec, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_SUPPORTED);
}

static void
test_service_manager_render(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = hermes_gateway_spec_new("demo", NULL);
	g_autoptr(GPtrArray) steps = NULL;
	const gchar *argv[] = {"/usr/bin/hermes", "-p", "demo", "gateway", "run", NULL};
	HermesRenderStep *step;
	guint before;

	use_fake(f);
	hermes_gateway_spec_set_argv(spec, argv);
	assert_true(hermes_gateway_spec_set_env(spec, "API_SERVER_PORT", "8643", &error));
	before = fake_calls(f);
	steps = hermes_service_manager_render(f->manager, spec, &error);
	hermes_assert_no_error(error);
	assert_int_equal(steps->len, 2);
	step = g_ptr_array_index(steps, 0);
	assert_int_equal(hermes_render_step_get_kind(step), HERMES_RENDER_STEP_FILE);
	assert_string_equal(hermes_render_step_get_path(step), "/fake/demo.conf");
	assert_int_equal(hermes_render_step_get_mode(step), 0644);
	assert_string_equal(hermes_render_step_get_contents(step),
			    "exec=/usr/bin/hermes -p demo gateway run\nenv.API_SERVER_PORT=8643\n");
	step = g_ptr_array_index(steps, 1);
	assert_int_equal(hermes_render_step_get_kind(step), HERMES_RENDER_STEP_COMMAND);
	assert_string_equal(hermes_render_step_get_argv(step)[0], "fake-reload");
	/* render applies nothing: the gateway is still not registered */
	assert_int_equal(fake_calls(f), before + 1);
	assert_null(hermes_service_manager_get_status(f->manager, "demo", NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_REGISTERED);
}

static void
test_service_manager_install(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = hermes_gateway_spec_new("demo", NULL);
	g_autoptr(HermesGatewayStatus) status = NULL;
	use_fake(f);
	assert_true(hermes_service_manager_install(f->manager,
						   spec,
						   HERMES_REGISTER_FLAG_ENABLE |
							   HERMES_REGISTER_FLAG_START,
						   NULL,
						   &error));
	hermes_assert_no_error(error);
	status = status_of(f, "demo");
	assert_string_equal(hermes_gateway_status_get_raw(status, "fake.enabled"), "yes");
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_UP);
	assert_true(hermes_service_manager_uninstall(f->manager, "demo", NULL, &error));
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
		T(test_service_manager_lifecycle),
		T(test_service_manager_events),
		T(test_service_manager_list_sorted),
		T(test_service_manager_register_twice),
		T(test_service_manager_not_registered),
		T(test_service_manager_rejects_bad_names),
		T(test_service_manager_cancelled),
		T(test_service_manager_converts_foreign_errors),
		T(test_service_manager_not_supported),
		T(test_service_manager_render),
		T(test_service_manager_install),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
