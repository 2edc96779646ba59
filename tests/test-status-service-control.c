/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Controlling gateways through HermesStatusService: Start, Stop and Restart
 * record the intent as `hermes gateway` does, Start on a profile without a
 * slot or under the multiplexer, who may call, and unexporting with calls
 * in flight. (The fixture: status-service-test.h.)
 */

#include "status-service-test.h"

/* Start, Stop, Restart over the bus record the intent as `hermes gateway` does */
static void
test_status_service_control(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = path_of("demo");
	g_autofree gchar *nope = path_of("nope");
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autofree gchar *desired = NULL;
	g_autofree gchar *remote = NULL;
	gint64 pid;

	create_profile(f, "demo");
	create_profile(f, "nope");
	register_gateway(f, "demo", HERMES_REGISTER_FLAG_NONE);
	export(f);

	reply = call(f, path, GATEWAY_IFACE, "Start", NULL, G_VARIANT_TYPE("()"), &error);
	hermes_assert_no_error(error);
	g_clear_pointer(&reply, g_variant_unref);
	wait_string(f, "demo", "State", "up");
	wait_string(f, "demo", "DesiredState", "running");
	desired = desired_on_disk(f, "demo");
	assert_string_equal(desired, "running");
	g_clear_pointer(&desired, g_free);
	pid = get_pid(f, "demo");
	assert_true(pid > 0);

	reply = call(f, path, GATEWAY_IFACE, "Restart", NULL, G_VARIANT_TYPE("()"), &error);
	hermes_assert_no_error(error);
	g_clear_pointer(&reply, g_variant_unref);
	wait_string(f, "demo", "State", "up");
	assert_true(get_pid(f, "demo") != pid);

	reply = call(f, path, GATEWAY_IFACE, "Stop", NULL, G_VARIANT_TYPE("()"), &error);
	hermes_assert_no_error(error);
	g_clear_pointer(&reply, g_variant_unref);
	wait_string(f, "demo", "State", "down");
	wait_string(f, "demo", "DesiredState", "stopped");
	desired = desired_on_disk(f, "demo");
	assert_string_equal(desired, "stopped");
	g_clear_pointer(&desired, g_free);

	/* a library error crosses the bus under its own name, and the intent is put back */
	reply = call(f, nope, GATEWAY_IFACE, "Stop", NULL, G_VARIANT_TYPE("()"), &error);
	assert_null(reply);
	assert_non_null(error);
	remote = g_dbus_error_get_remote_error(error);
	assert_string_equal(remote, "ai.hermes.ServiceManager1.Error.NotRegistered");
	/* GIO maps the registered name back to the library's domain */
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_REGISTERED);
	g_clear_error(&error);
	desired = desired_on_disk(f, "nope");
	assert_null(desired);
	wait_string(f, "nope", "DesiredState", "");
}

/* `hermes gateway start` in a child, against the same s6 tree and profiles */
static void
cli_start(Fixture *f, const gchar *profile)
{
	g_auto(GStrv) envp = hermes_context_get_environ(f->ctx);
	const gchar *argv[] = {
		hermes_test_env("HERMES_TEST_HERMES"), "-p", profile, "gateway", "start", NULL};
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status = 0;

	envp = g_environ_setenv(envp, "HERMES_SERVICE_MANAGER", "s6", TRUE);
	assert_true(g_spawn_sync(NULL,
				 (gchar **)argv,
				 envp,
				 G_SPAWN_DEFAULT,
				 NULL,
				 NULL,
				 &out,
				 &err,
				 &status,
				 &error));
	hermes_assert_no_error(error);
	if (!g_spawn_check_wait_status(status, NULL))
		fail_msg("hermes gateway start failed: %s", err);
	hermes_assert_str_contains(out, "Registered gateway");
}

/* D-Bus Start on a profile without a slot does exactly what `hermes gateway start` does */
static void
test_status_service_start_registers(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = path_of("bare");
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	const gchar *profiles[] = {"bare", "twin"};

	create_profile(f, "bare");
	create_profile(f, "twin");
	export(f);
	wait_string(f, "bare", "State", "unregistered");

	reply = call(f, path, GATEWAY_IFACE, "Start", NULL, G_VARIANT_TYPE("()"), &error);
	hermes_assert_no_error(error);
	cli_start(f, "twin");
	wait_string(f, "bare", "State", "up");
	wait_string(f, "twin", "State", "up");
	for (guint i = 0; i < G_N_ELEMENTS(profiles); i++) {
		g_autofree gchar *desired = desired_on_disk(f, profiles[i]);
		g_autoptr(GVariant) registered = get_prop(f, profiles[i], "Registered");
		g_autoptr(HermesGatewayStatus) status =
			hermes_service_manager_get_status(f->manager, profiles[i], NULL, &error);
		hermes_assert_no_error(error);
		assert_string_equal(desired, "running");
		assert_true(g_variant_get_boolean(registered));
		wait_string(f, profiles[i], "DesiredState", "running");
		wait_string(f, profiles[i], "Ready", "yes");
		assert_int_equal(hermes_gateway_status_get_wanted(status),
				 HERMES_GATEWAY_WANTED_UP);
	}
}

/* while the multiplexer serves a named profile, D-Bus Start is refused as the CLI's is */
static void
test_status_service_start_multiplexed(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = path_of("coder");
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) error_status = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autofree gchar *remote = NULL;
	g_autofree gchar *desired = NULL;

	create_profile(f, "coder");
	hermes_context_setenv(f->ctx, "GATEWAY_MULTIPLEX_PROFILES", "true");
	export(f);
	wait_string(f, "coder", "State", "unregistered");

	reply = call(f, path, GATEWAY_IFACE, "Start", NULL, G_VARIANT_TYPE("()"), &error);
	assert_null(reply);
	assert_non_null(error);
	remote = g_dbus_error_get_remote_error(error);
	assert_string_equal(remote, "ai.hermes.ServiceManager1.Error.Configuration");
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_CONFIGURATION);
	hermes_assert_str_contains(
		error->message,
		"start gateway 'coder' refused: the default profile's gateway "
		"serves it (multiplexing is on: GATEWAY_MULTIPLEX_PROFILES=true)");
	/* refused before anything: no slot, no intent */
	assert_null(hermes_service_manager_get_status(f->manager, "coder", NULL, &error_status));
	hermes_assert_error(error_status, HERMES_ERROR, HERMES_ERROR_NOT_REGISTERED);
	desired = desired_on_disk(f, "coder");
	assert_null(desired);
}

/* root and the owner of the profile's home may control a gateway, nobody else */
static void
test_status_service_check_caller(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) alpha = NULL;
	GStatBuf st;
	guint32 owner;

	create_profile(f, "alpha");
	alpha = hermes_profile_lookup(f->ctx, "alpha", NULL);
	assert_int_equal(g_stat(hermes_profile_get_home(alpha), &st), 0);
	owner = st.st_uid;
	if (geteuid() == 0) {
		/* as root the home can belong to someone else, as on a real host */
		owner = 4242;
		assert_int_equal(chown(hermes_profile_get_home(alpha), owner, (gid_t)-1), 0);
	}
	assert_true(hermes_status_service_check_caller(f->service, 0, "alpha", &error));
	hermes_assert_no_error(error);
	assert_true(hermes_status_service_check_caller(f->service, owner, "alpha", &error));
	hermes_assert_no_error(error);
	assert_false(hermes_status_service_check_caller(f->service, owner + 1, "alpha", &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	hermes_assert_str_contains(error->message, "may not control gateway 'alpha'");
	g_clear_error(&error);

	/* a gateway without a home: root only */
	assert_true(hermes_status_service_check_caller(f->service, 0, "ghost", &error));
	hermes_assert_no_error(error);
	assert_false(hermes_status_service_check_caller(f->service, owner, "ghost", &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	g_clear_error(&error);

	assert_false(hermes_status_service_check_caller(f->service, 0, "Not Valid", &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
}

/* unexporting answers what is queued and waits for what runs */
static void
test_status_service_unexport_in_flight(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = path_of("demo");
	CallResult start = {NULL, NULL, FALSE};
	CallResult stop = {NULL, NULL, FALSE};
	CallResult restart = {NULL, NULL, FALSE};

	create_profile(f, "demo");
	register_gateway(f, "demo", HERMES_REGISTER_FLAG_NONE);
	export(f);
	call_async(f, NULL, path, GATEWAY_IFACE, "Start", NULL, G_VARIANT_TYPE("()"), &start);
	call_async(f, NULL, path, GATEWAY_IFACE, "Stop", NULL, G_VARIANT_TYPE("()"), &stop);
	call_async(f, NULL, path, GATEWAY_IFACE, "Restart", NULL, G_VARIANT_TYPE("()"), &restart);
	call_wait(&start);
	hermes_assert_no_error(start.error);
	g_variant_unref(start.reply);
	/* Stop runs or waits, Restart waits */
	hermes_status_service_unexport(f->service);
	call_wait(&stop);
	call_wait(&restart);
	if (stop.error != NULL) {
		g_autofree gchar *remote = g_dbus_error_get_remote_error(stop.error);
		assert_string_equal(remote, "org.freedesktop.DBus.Error.NoServer");
		g_clear_error(&stop.error);
	} else {
		g_variant_unref(stop.reply);
	}
	assert_non_null(restart.error);
	{
		g_autofree gchar *remote = g_dbus_error_get_remote_error(restart.error);
		assert_string_equal(remote, "org.freedesktop.DBus.Error.NoServer");
	}
	g_clear_error(&restart.error);
	assert_int_equal(hermes_status_service_get_n_gateways(f->service), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_status_service_control),
		T(test_status_service_start_registers),
		T(test_status_service_start_multiplexed),
		T(test_status_service_check_caller),
		T(test_status_service_unexport_in_flight),
	};
	/* the gateways' output must not interleave with TAP */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
