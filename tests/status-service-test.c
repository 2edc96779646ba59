/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The HermesStatusService tests' glue: the private bus, the fixture (an s6
 * tree, the s6 backend, the service and two connections), asynchronous
 * calls and property reads, the signal subscription, and profiles and
 * gateways to serve.
 */

#include "status-service-test.h"

GTestDBus *test_bus = NULL;

static GDBusConnection *
connect_bus(void)
{
	g_autoptr(GError) error = NULL;
	GDBusConnection *c = g_dbus_connection_new_for_address_sync(
		g_test_dbus_get_bus_address(test_bus),
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL,
		NULL,
		&error);
	hermes_assert_no_error(error);
	return c;
}

static void
call_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	CallResult *r = user_data;
	r->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &r->error);
	r->done = TRUE;
}

void
call_async(Fixture *f,
	   const gchar *dest,
	   const gchar *path,
	   const gchar *iface,
	   const gchar *method,
	   GVariant *args,
	   const GVariantType *type,
	   CallResult *r)
{
	g_dbus_connection_call(f->client,
			       dest != NULL ? dest : g_dbus_connection_get_unique_name(f->server),
			       path,
			       iface,
			       method,
			       args,
			       type,
			       G_DBUS_CALL_FLAGS_NONE,
			       WAIT_MS * 2,
			       NULL,
			       call_cb,
			       r);
}

void
call_wait(CallResult *r)
{
	while (!r->done)
		g_main_context_iteration(NULL, TRUE);
}

/* never blocks the thread the service runs on */
GVariant *
call(Fixture *f,
     const gchar *path,
     const gchar *iface,
     const gchar *method,
     GVariant *args,
     const GVariantType *type,
     GError **error)
{
	CallResult r = {NULL, NULL, FALSE};
	call_async(f, NULL, path, iface, method, args, type, &r);
	call_wait(&r);
	if (r.error != NULL)
		g_propagate_error(error, r.error);
	return r.reply;
}

gchar *
path_of(const gchar *profile)
{
	return hermes_status_service_gateway_path(profile);
}

GVariant *
get_prop(Fixture *f, const gchar *profile, const gchar *name)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = path_of(profile);
	g_autoptr(GVariant) reply = call(f,
					 path,
					 "org.freedesktop.DBus.Properties",
					 "Get",
					 g_variant_new("(ss)", GATEWAY_IFACE, name),
					 G_VARIANT_TYPE("(v)"),
					 &error);
	GVariant *value = NULL;
	hermes_assert_no_error(error);
	g_variant_get(reply, "(v)", &value);
	return value;
}

gchar *
get_string(Fixture *f, const gchar *profile, const gchar *name)
{
	g_autoptr(GVariant) v = get_prop(f, profile, name);
	return g_variant_dup_string(v, NULL);
}

gint64
get_pid(Fixture *f, const gchar *profile)
{
	g_autoptr(GVariant) v = get_prop(f, profile, "Pid");
	return g_variant_get_int64(v);
}

/* a property reaches a value: the service updates it from backend events */
void
wait_string(Fixture *f, const gchar *profile, const gchar *name, const gchar *want)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	while (TRUE) {
		g_autofree gchar *value = get_string(f, profile, name);
		if (g_strcmp0(value, want) == 0)
			return;
		if (g_get_monotonic_time() > deadline)
			fail_msg("%s of %s is '%s', never '%s'", name, profile, value, want);
		hermes_test_spin(20);
	}
}

static void
subscribe(Fixture *f)
{
	f->subscription =
		g_dbus_connection_signal_subscribe(f->client,
						   g_dbus_connection_get_unique_name(f->server),
						   NULL,
						   NULL,
						   NULL,
						   NULL,
						   G_DBUS_SIGNAL_FLAGS_NONE,
						   hermes_test_signals_record_cb,
						   f->signals,
						   NULL);
	/* a round trip to the bus: the match rule is in place once it returns */
	{
		CallResult r = {NULL, NULL, FALSE};
		call_async(f,
			   "org.freedesktop.DBus",
			   "/org/freedesktop/DBus",
			   "org.freedesktop.DBus",
			   "GetId",
			   NULL,
			   G_VARIANT_TYPE("(s)"),
			   &r);
		call_wait(&r);
		hermes_assert_no_error(r.error);
		g_variant_unref(r.reply);
	}
}

void export(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	assert_true(hermes_status_service_export(f->service, f->server, &error));
	hermes_assert_no_error(error);
}

void
create_profile(Fixture *f, const gchar *name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) profile = hermes_profile_create(f->ctx, name, &error);
	hermes_assert_no_error(error);
	assert_non_null(profile);
}

void
register_gateway(Fixture *f, const gchar *profile, HermesRegisterFlags flags)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec =
		hermes_gateway_spec_new_default(f->ctx, profile, &error);
	hermes_assert_no_error(error);
	assert_true(hermes_service_manager_register_gateway(f->manager, spec, flags, NULL, &error));
	hermes_assert_no_error(error);
}

gchar *
desired_on_disk(Fixture *f, const gchar *profile)
{
	g_autoptr(HermesProfile) p = hermes_profile_lookup(f->ctx, profile, NULL);
	return hermes_gateway_state_get_desired(hermes_profile_get_home(p));
}

gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GError) error = NULL;

	f->tmp = hermes_test_mkdtemp();
	f->scandir = g_build_filename(f->tmp, "scan", NULL);
	f->root = g_build_filename(f->tmp, "home", NULL);
	g_mkdir(f->scandir, 0755);
	g_mkdir(f->root, 0755);
	f->signals = hermes_test_signals_new();
	f->svscan = hermes_test_s6_start(f->scandir, f->root);
	f->ctx = hermes_context_new();
	hermes_context_setenv(
		f->ctx, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"));
	hermes_context_setenv(f->ctx, "HERMES_S6_SCANDIR", f->scandir);
	hermes_context_setenv(f->ctx, "S6_PROFILE_GATEWAY_SCANDIR", NULL);
	hermes_context_setenv(f->ctx, "HERMES_HOME", f->root);
	hermes_context_setenv(f->ctx, "HERMES_CLI_PATH", hermes_test_env("HERMES_TEST_HERMES"));
	hermes_context_setenv(
		f->ctx, "HERMES_S6_BIN_DIR", hermes_test_env("HERMES_TEST_S6_BIN_DIR"));
	hermes_context_setenv(f->ctx, "HERMES_GATEWAY_USER", NULL);
	f->manager = hermes_backend_loader_new_manager(f->ctx, "s6", &error);
	hermes_assert_no_error(error);
	f->service = hermes_status_service_new(f->manager);
	f->server = connect_bus();
	f->client = connect_bus();
	subscribe(f);
	*state = f;
	return 0;
}

gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	if (f->subscription != 0)
		g_dbus_connection_signal_unsubscribe(f->client, f->subscription);
	/* dispose unexports */
	g_clear_object(&f->service);
	g_clear_object(&f->manager);
	g_dbus_connection_close_sync(f->client, NULL, NULL);
	g_dbus_connection_close_sync(f->server, NULL, NULL);
	g_clear_object(&f->client);
	g_clear_object(&f->server);
	hermes_test_s6_stop(f->scandir, &f->svscan);
	g_clear_object(&f->ctx);
	hermes_test_rmtree(f->tmp);
	g_ptr_array_unref(f->signals);
	g_free(f->tmp);
	g_free(f->scandir);
	g_free(f->root);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

gint
group_setup(void **state)
{
	hermes_test_init();
	test_bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(test_bus);
	return 0;
}

gint
group_teardown(void **state)
{
	g_test_dbus_down(test_bus);
	g_clear_object(&test_bus);
	return 0;
}
