/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * HermesStatusService in-process, on a GTestDBus bus, over a real s6-svscan
 * and the real `hermes gateway run` gateways. The client is a second
 * connection in the same thread: every call is asynchronous and the test
 * iterates the main context, so the service (on that context) can answer.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-status-service.h"
#include "hermes-svc.h"
#include "hermes-test-signals.h"
#include "hermes-test.h"

#define WAIT_MS	      20000
#define GATEWAY_IFACE HERMES_STATUS_SERVICE_GATEWAY_INTERFACE

static GTestDBus *test_bus = NULL;

typedef struct {
	gchar *tmp;
	gchar *scandir;
	gchar *root;
	GPid svscan;
	HermesContext *ctx;
	HermesServiceManager *manager;
	HermesStatusService *service;
	GDBusConnection *server;
	GDBusConnection *client;
	guint subscription;
	GPtrArray *signals; /* HermesTestSignal */
} Fixture;

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

typedef struct {
	GVariant *reply;
	GError *error;
	gboolean done;
} CallResult;

static void
call_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	CallResult *r = user_data;
	r->reply = g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &r->error);
	r->done = TRUE;
}

static void
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

static void
call_wait(CallResult *r)
{
	while (!r->done)
		g_main_context_iteration(NULL, TRUE);
}

/* never blocks the thread the service runs on */
static GVariant *
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

static gchar *
path_of(const gchar *profile)
{
	return hermes_status_service_gateway_path(profile);
}

static GVariant *
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

static gchar *
get_string(Fixture *f, const gchar *profile, const gchar *name)
{
	g_autoptr(GVariant) v = get_prop(f, profile, name);
	return g_variant_dup_string(v, NULL);
}

static gint64
get_pid(Fixture *f, const gchar *profile)
{
	g_autoptr(GVariant) v = get_prop(f, profile, "Pid");
	return g_variant_get_int64(v);
}

/* a property reaches a value: the service updates it from backend events */
static void
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

static void export(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	assert_true(hermes_status_service_export(f->service, f->server, &error));
	hermes_assert_no_error(error);
}

static void
create_profile(Fixture *f, const gchar *name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) profile = hermes_profile_create(f->ctx, name, &error);
	hermes_assert_no_error(error);
	assert_non_null(profile);
}

static void
register_gateway(Fixture *f, const gchar *profile, HermesRegisterFlags flags)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec =
		hermes_gateway_spec_new_default(f->ctx, profile, &error);
	hermes_assert_no_error(error);
	assert_true(hermes_service_manager_register_gateway(f->manager, spec, flags, NULL, &error));
	hermes_assert_no_error(error);
}

static gchar *
desired_on_disk(Fixture *f, const gchar *profile)
{
	g_autoptr(HermesProfile) p = hermes_profile_lookup(f->ctx, profile, NULL);
	return hermes_gateway_state_get_desired(hermes_profile_get_home(p));
}

static gint
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

static gint
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

/* one object per gateway, one per profile without a slot, named by the escaped profile */
static void
test_status_service_tree(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) objects = NULL;
	g_autoptr(GVariant) root = NULL;
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_autofree gchar *bot_path = NULL;
	GVariantIter iter;
	const gchar *path;
	GVariant *ifaces;

	create_profile(f, "alpha");
	create_profile(f, "beta");
	create_profile(f, "my-bot");
	register_gateway(f, "alpha", HERMES_REGISTER_FLAG_NONE);
	register_gateway(f, "beta", HERMES_REGISTER_FLAG_NONE);
	export(f);
	assert_int_equal(hermes_status_service_get_n_gateways(f->service), 4);
	/* a slot just registered is unknown until its supervisor has written its status */
	wait_string(f, "alpha", "State", "down");
	wait_string(f, "beta", "State", "down");

	reply = call(f,
		     HERMES_STATUS_SERVICE_OBJECT_PATH,
		     "org.freedesktop.DBus.ObjectManager",
		     "GetManagedObjects",
		     NULL,
		     G_VARIANT_TYPE("(a{oa{sa{sv}}})"),
		     &error);
	hermes_assert_no_error(error);
	objects = g_variant_get_child_value(reply, 0);
	g_variant_iter_init(&iter, objects);
	while (g_variant_iter_next(&iter, "{&o@a{sa{sv}}}", &path, &ifaces)) {
		g_autoptr(GVariant) owned = ifaces;
		g_autoptr(GVariant) props =
			g_variant_lookup_value(owned, GATEWAY_IFACE, G_VARIANT_TYPE("a{sv}"));
		const gchar *profile = NULL;
		const gchar *st = NULL;
		gboolean registered = FALSE;
		assert_non_null(props);
		assert_true(g_variant_lookup(props, "Profile", "&s", &profile));
		assert_true(g_variant_lookup(props, "State", "&s", &st));
		assert_true(g_variant_lookup(props, "Registered", "b", &registered));
		{
			g_autofree gchar *expected = path_of(profile);
			assert_string_equal(path, expected);
		}
		g_hash_table_insert(seen, g_strdup(profile), g_strdup(st));
		assert_true(registered == (g_strcmp0(st, "unregistered") != 0));
	}
	assert_int_equal(g_hash_table_size(seen), 4);
	assert_string_equal(g_hash_table_lookup(seen, "alpha"), "down");
	assert_string_equal(g_hash_table_lookup(seen, "beta"), "down");
	assert_string_equal(g_hash_table_lookup(seen, "my-bot"), "unregistered");
	assert_string_equal(g_hash_table_lookup(seen, "default"), "unregistered");
	bot_path = path_of("my-bot");
	assert_string_equal(bot_path, "/ai/hermes/ServiceManager1/gateway/my_2dbot");
	{
		g_autofree gchar *problem = get_string(f, "my-bot", "Problem");
		g_autofree gchar *reason = get_string(f, "my-bot", "Reason");
		g_autoptr(GVariant) problems = get_prop(f, "my-bot", "Problems");
		const gchar *code = NULL;
		const gchar *text = NULL;
		const gchar *fix = NULL;
		hermes_assert_str_contains(problem, "no slot with the supervisor");
		/* the same problem, typed, with the command that fixes it */
		assert_string_equal(reason, "none");
		assert_true(g_variant_is_of_type(problems, G_VARIANT_TYPE("a(sss)")));
		assert_int_equal(g_variant_n_children(problems), 1);
		g_variant_get_child(problems, 0, "(&s&s&s)", &code, &text, &fix);
		assert_string_equal(code, "no-slot");
		assert_string_equal(text, problem);
		assert_string_equal(fix, "hermes -p my-bot gateway start");
	}

	/* the root object: what backend, how, which version */
	root = call(f,
		    HERMES_STATUS_SERVICE_OBJECT_PATH,
		    "org.freedesktop.DBus.Properties",
		    "GetAll",
		    g_variant_new("(s)", HERMES_STATUS_SERVICE_INTERFACE),
		    G_VARIANT_TYPE("(a{sv})"),
		    &error);
	hermes_assert_no_error(error);
	{
		g_autoptr(GVariant) props = g_variant_get_child_value(root, 0);
		const gchar *value = NULL;
		gboolean running = FALSE;
		assert_true(g_variant_lookup(props, "Backend", "&s", &value));
		assert_string_equal(value, "s6");
		assert_true(g_variant_lookup(props, "BackendMode", "&s", &value));
		assert_string_equal(value, "scandir");
		assert_true(g_variant_lookup(props, "Version", "&s", &value));
		assert_string_equal(value, PACKAGE_VERSION);
		assert_true(g_variant_lookup(props, "Supervisor", "&s", &value));
		hermes_assert_str_contains(value, f->scandir);
		assert_true(g_variant_lookup(props, "SupervisorRunning", "b", &running));
		assert_true(running);
	}

	/* read-only: a client cannot write a property */
	g_clear_pointer(&reply, g_variant_unref);
	{
		g_autofree gchar *alpha = path_of("alpha");
		reply = call(
			f,
			alpha,
			"org.freedesktop.DBus.Properties",
			"Set",
			g_variant_new("(ssv)", GATEWAY_IFACE, "State", g_variant_new_string("up")),
			NULL,
			&error);
		assert_null(reply);
		assert_non_null(error);
		g_clear_error(&error);
	}
}

/* kill -9: s6 restarts the gateway, PropertiesChanged carries the state and the new pid */
static void
test_status_service_kill_is_signalled(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = path_of("demo");
	gint64 pid;
	gint64 t0;
	guint from;
	HermesTestSignal *s;

	create_profile(f, "demo");
	register_gateway(f, "demo", HERMES_REGISTER_FLAG_START);
	export(f);
	wait_string(f, "demo", "State", "up");
	wait_string(f, "demo", "Ready", "yes");
	pid = get_pid(f, "demo");
	assert_true(pid > 0);

	from = f->signals->len;
	t0 = g_get_monotonic_time();
	assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
	s = hermes_test_wait_signal(f->signals,
				    &from,
				    hermes_test_signal_is_new_pid,
				    &pid,
				    WAIT_MS,
				    "PropertiesChanged with a new Pid");
	print_message("# kill -9 to PropertiesChanged: %.1f ms\n",
		      (g_get_monotonic_time() - t0) / 1000.0);
	assert_string_equal(s->path, path);
	{
		g_autoptr(GVariant) changed = g_variant_get_child_value(s->params, 1);
		const gchar *st = NULL;
		const gchar *iface = NULL;
		g_variant_get_child(s->params, 0, "&s", &iface);
		assert_string_equal(iface, GATEWAY_IFACE);
		/* the state changes with the pid: down (0) or up again (a new one) */
		assert_true(g_variant_lookup(changed, "State", "&s", &st));
		assert_true(g_strcmp0(st, "down") == 0 || g_strcmp0(st, "up") == 0 ||
			    g_strcmp0(st, "starting") == 0);
	}
	/* and it comes back with a new process */
	wait_string(f, "demo", "State", "up");
	assert_true(get_pid(f, "demo") != pid);
	assert_true(get_pid(f, "demo") > 0);
	{
		g_autoptr(GVariant) last = get_prop(f, "demo", "LastExit");
		gint code = 0;
		gint sig = 0;
		g_variant_get(last, "(ii)", &code, &sig);
		assert_int_equal(sig, SIGKILL);
	}
}

/* gateways and profiles coming and going while the service runs */
/* a port changed in one .env shows with that gateway's next event, on both rows it concerns */
static void
test_status_service_port_change(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesProfile) one = NULL;
	g_autoptr(HermesProfile) two = NULL;
	g_autofree gchar *one_env = NULL;
	g_autofree gchar *two_env = NULL;
	const gchar *line = "port collision: profiles one and two both use port 8642 "
			    "(API_SERVER_PORT)";

	create_profile(f, "one");
	create_profile(f, "two");
	register_gateway(f, "one", HERMES_REGISTER_FLAG_NONE);
	register_gateway(f, "two", HERMES_REGISTER_FLAG_NONE);
	one = hermes_profile_lookup(f->ctx, "one", NULL);
	two = hermes_profile_lookup(f->ctx, "two", NULL);
	one_env = g_build_filename(hermes_profile_get_home(one), ".env", NULL);
	two_env = g_build_filename(hermes_profile_get_home(two), ".env", NULL);
	hermes_test_write_file(one_env, "API_SERVER_PORT=8642\n", 0600);
	export(f);
	wait_string(f, "one", "State", "down");
	wait_string(f, "two", "State", "down");
	{
		g_autofree gchar *problem = get_string(f, "one", "Problem");
		assert_null(strstr(problem, "port collision"));
	}

	/* two asks for one's port; its gateway's event reads its .env again */
	hermes_test_write_file(two_env, "API_SERVER_PORT=8642\n", 0600);
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(HermesGatewayStatus) status =
			hermes_service_manager_get_status(f->manager, "two", NULL, &error);
		hermes_assert_no_error(error);
		hermes_service_manager_emit_gateway_changed(f->manager, "two", status);
	}
	wait_string(f, "two", "Problem", line);
	wait_string(f, "one", "Problem", line);

	/* and a fix goes the same way */
	hermes_test_write_file(two_env, "API_SERVER_PORT=8643\n", 0600);
	hermes_service_manager_emit_gateway_changed(f->manager, "two", NULL);
	wait_string(f, "two", "Problem", "");
	wait_string(f, "one", "Problem", "");
}

static void
test_status_service_added_removed(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *fresh = path_of("fresh");
	g_autofree gchar *bare = path_of("bare");
	g_autoptr(GError) error = NULL;
	guint from = 0;
	HermesTestSignal *s;

	export(f);
	assert_int_equal(hermes_status_service_get_n_gateways(f->service), 1);

	/* a profile with a slot: InterfacesAdded with the whole row */
	create_profile(f, "fresh");
	register_gateway(f, "fresh", HERMES_REGISTER_FLAG_NONE);
	s = hermes_test_wait_signal(f->signals,
				    &from,
				    hermes_test_signal_is_added,
				    fresh,
				    WAIT_MS,
				    "InterfacesAdded for fresh");
	{
		g_autoptr(GVariant) ifaces = g_variant_get_child_value(s->params, 1);
		g_autoptr(GVariant) props =
			g_variant_lookup_value(ifaces, GATEWAY_IFACE, G_VARIANT_TYPE("a{sv}"));
		const gchar *profile = NULL;
		assert_non_null(props);
		assert_true(g_variant_lookup(props, "Profile", "&s", &profile));
		assert_string_equal(profile, "fresh");
	}
	wait_string(f, "fresh", "State", "down");

	/* a profile that has no slot: a row too, as in `hermes status` */
	create_profile(f, "bare");
	hermes_test_wait_signal(f->signals,
				&from,
				hermes_test_signal_is_added,
				bare,
				WAIT_MS,
				"InterfacesAdded for bare");
	wait_string(f, "bare", "State", "unregistered");

	/* unregistered but still a profile: the row stays, unregistered */
	assert_true(hermes_service_manager_unregister_gateway(f->manager, "fresh", NULL, &error));
	hermes_assert_no_error(error);
	wait_string(f, "fresh", "State", "unregistered");
	{
		g_autoptr(GVariant) reg = get_prop(f, "fresh", "Registered");
		assert_false(g_variant_get_boolean(reg));
	}

	/* the profile goes: InterfacesRemoved */
	assert_true(hermes_profile_delete(f->ctx, "fresh", &error));
	hermes_assert_no_error(error);
	hermes_test_wait_signal(f->signals,
				&from,
				hermes_test_signal_is_removed,
				fresh,
				WAIT_MS,
				"InterfacesRemoved for fresh");
	assert_true(hermes_profile_delete(f->ctx, "bare", &error));
	hermes_assert_no_error(error);
	hermes_test_wait_signal(f->signals,
				&from,
				hermes_test_signal_is_removed,
				bare,
				WAIT_MS,
				"InterfacesRemoved for bare");
	assert_int_equal(hermes_status_service_get_n_gateways(f->service), 1);
}

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

static gint
group_setup(void **state)
{
	hermes_test_init();
	test_bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(test_bus);
	return 0;
}

static gint
group_teardown(void **state)
{
	g_test_dbus_down(test_bus);
	g_clear_object(&test_bus);
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_status_service_tree),
		T(test_status_service_kill_is_signalled),
		T(test_status_service_added_removed),
		T(test_status_service_port_change),
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
