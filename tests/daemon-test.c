/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The hermes-svcd tests' glue: the private bus with the activation file,
 * the fixture (an s6 tree and a started daemon), starting and stopping the
 * daemon, calls and property reads on it, and running `hermes`.
 */

#include "daemon-test.h"

static GTestDBus *test_bus = NULL;
static gchar *activation_tmp = NULL; /* the environment the bus hands to activated services */

const gchar *
svcd_path(void)
{
	static gchar path[4096];
	const gchar *env = g_getenv("HERMES_TEST_SVCD");
	g_autofree gchar *cli_dir = NULL;
	g_autofree gchar *build_dir = NULL;
	if (env != NULL && env[0] != '\0')
		return env;
	/* <build>/cli/hermes -> <build>/daemon/hermes-svcd */
	cli_dir = g_path_get_dirname(hermes_test_env("HERMES_TEST_HERMES"));
	build_dir = g_path_get_dirname(cli_dir);
	g_snprintf(path, sizeof(path), "%s/daemon/hermes-svcd", build_dir);
	return path;
}

/* the daemon is another process: blocking calls are fine here */
GVariant *
call(Fixture *f,
     const gchar *path,
     const gchar *iface,
     const gchar *method,
     GVariant *args,
     const GVariantType *type,
     GError **error)
{
	return g_dbus_connection_call_sync(f->client,
					   HERMES_STATUS_SERVICE_BUS_NAME,
					   path,
					   iface,
					   method,
					   args,
					   type,
					   G_DBUS_CALL_FLAGS_NO_AUTO_START,
					   (gint)f->wait_ms,
					   NULL,
					   error);
}

gboolean
name_has_owner(GDBusConnection *c)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply =
		g_dbus_connection_call_sync(c,
					    "org.freedesktop.DBus",
					    "/org/freedesktop/DBus",
					    "org.freedesktop.DBus",
					    "NameHasOwner",
					    g_variant_new("(s)", HERMES_STATUS_SERVICE_BUS_NAME),
					    G_VARIANT_TYPE("(b)"),
					    G_DBUS_CALL_FLAGS_NONE,
					    -1,
					    NULL,
					    &error);
	gboolean has = FALSE;
	hermes_assert_no_error(error);
	g_variant_get(reply, "(b)", &has);
	return has;
}

GVariant *
get_prop(Fixture *f, const gchar *profile, const gchar *name)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = hermes_status_service_gateway_path(profile);
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

void
wait_string(Fixture *f, const gchar *profile, const gchar *name, const gchar *want)
{
	gint64 deadline = g_get_monotonic_time() + f->wait_ms * 1000;
	while (TRUE) {
		g_autoptr(GVariant) v = get_prop(f, profile, name);
		if (g_strcmp0(g_variant_get_string(v, NULL), want) == 0)
			return;
		if (g_get_monotonic_time() > deadline) {
			g_autoptr(GVariant) details = get_prop(f, profile, "Details");
			g_autofree gchar *shown = g_variant_print(details, FALSE);
			g_autofree gchar *direct = hermes(f, NULL, "-p", profile, "status", NULL);
			fail_msg("%s of %s is '%s', never '%s' (details %s; hermes status: %s)",
				 name,
				 profile,
				 g_variant_get_string(v, NULL),
				 want,
				 shown,
				 direct);
		}
		hermes_test_spin(20);
	}
}

/* `hermes ARGS...` with the fixture's environment; returns stdout */
gchar *
hermes(Fixture *f, gint *exit_status, ...)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *err = NULL;
	gchar *out = NULL;
	gint status = 0;
	const gchar *arg;
	va_list ap;

	g_ptr_array_add(argv, (gpointer)hermes_test_env("HERMES_TEST_HERMES"));
	va_start(ap, exit_status);
	while ((arg = va_arg(ap, const gchar *)) != NULL)
		g_ptr_array_add(argv, (gpointer)arg);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	g_spawn_sync(NULL,
		     (gchar **)argv->pdata,
		     f->envp,
		     G_SPAWN_DEFAULT,
		     NULL,
		     NULL,
		     &out,
		     &err,
		     &status,
		     &error);
	hermes_assert_no_error(error);
	if (exit_status != NULL) {
		*exit_status = g_spawn_check_wait_status(status, NULL) ? 0 : WEXITSTATUS(status);
	} else if (!g_spawn_check_wait_status(status, &error)) {
		fail_msg("hermes %s failed: %s\n%s",
			 (const gchar *)g_ptr_array_index(argv, 1),
			 error->message,
			 err);
	}
	return out;
}

void
daemon_start(Fixture *f, gboolean valgrind)
{
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	const gchar *wrapper = g_getenv("HERMES_TEST_WRAPPER");
	gint64 deadline;

	if (valgrind) {
		g_autofree gchar *supp = g_build_filename(
			hermes_test_env("HERMES_TEST_SRCDIR"), "valgrind.supp", NULL);
		g_ptr_array_add(argv, g_strdup("valgrind"));
		g_ptr_array_add(argv, g_strdup("--error-exitcode=99"));
		g_ptr_array_add(argv, g_strdup("--leak-check=full"));
		g_ptr_array_add(argv, g_strdup("--errors-for-leak-kinds=definite"));
		g_ptr_array_add(argv, g_strdup("--show-leak-kinds=definite"));
		g_ptr_array_add(argv, g_strdup_printf("--suppressions=%s", supp));
		if (g_file_test("/usr/share/glib-2.0/valgrind/glib.supp", G_FILE_TEST_EXISTS))
			g_ptr_array_add(
				argv,
				g_strdup("--suppressions=/usr/share/glib-2.0/valgrind/glib.supp"));
		f->wait_ms = VALGRIND_WAIT;
	} else if (wrapper != NULL && wrapper[0] != '\0') {
		/* `meson test --setup valgrind`: the daemon runs under it too */
		g_auto(GStrv) words = NULL;
		g_shell_parse_argv(wrapper, NULL, &words, &error);
		hermes_assert_no_error(error);
		for (guint i = 0; words[i] != NULL; i++)
			g_ptr_array_add(argv, g_strdup(words[i]));
		f->wait_ms = VALGRIND_WAIT;
	}
	g_ptr_array_add(argv, g_strdup(svcd_path()));
	g_ptr_array_add(argv, g_strdup("--session"));
	g_ptr_array_add(argv, NULL);
	g_subprocess_launcher_set_environ(launcher, f->envp);
	f->daemon =
		g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	hermes_assert_no_error(error);
	deadline = g_get_monotonic_time() + f->wait_ms * 1000;
	while (!name_has_owner(f->client)) {
		if (g_subprocess_get_identifier(f->daemon) == NULL)
			fail_msg("hermes-svcd exited before it owned the name");
		if (g_get_monotonic_time() > deadline)
			fail_msg("hermes-svcd did not own %s", HERMES_STATUS_SERVICE_BUS_NAME);
		hermes_test_spin(10);
	}
}

typedef struct {
	gboolean done;
} WaitResult;

static void
wait_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	WaitResult *r = user_data;
	g_subprocess_wait_finish(G_SUBPROCESS(source), result, NULL);
	r->done = TRUE;
}

/* SIGTERM; the daemon must exit 0 (under valgrind: with no error) and let the name go */
void
daemon_stop(Fixture *f)
{
	WaitResult r = {FALSE};
	gboolean timed_out = FALSE;
	guint id;
	if (f->daemon == NULL)
		return;
	g_subprocess_send_signal(f->daemon, SIGTERM);
	g_subprocess_wait_async(f->daemon, NULL, wait_cb, &r);
	id = g_timeout_add(f->wait_ms, hermes_test_tick_cb, &timed_out);
	while (!r.done && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (!timed_out)
		g_source_remove(id);
	if (!r.done) {
		g_subprocess_force_exit(f->daemon);
		while (!r.done)
			g_main_context_iteration(NULL, TRUE);
		g_clear_object(&f->daemon);
		fail_msg("hermes-svcd did not exit on SIGTERM");
	}
	if (!g_subprocess_get_if_exited(f->daemon) ||
	    g_subprocess_get_exit_status(f->daemon) != 0) {
		gint code = g_subprocess_get_if_exited(f->daemon)
				    ? g_subprocess_get_exit_status(f->daemon)
				    : -g_subprocess_get_term_sig(f->daemon);
		g_clear_object(&f->daemon);
		fail_msg("hermes-svcd exited with %d after SIGTERM%s",
			 code,
			 code == 99 ? " (valgrind found errors or leaks: see stderr)" : "");
	}
	g_clear_object(&f->daemon);
	assert_false(name_has_owner(f->client));
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
	f->wait_ms = WAIT_MS;
	f->signals = hermes_test_signals_new();
	f->svscan = hermes_test_s6_start(f->scandir, f->root);
	f->envp = g_get_environ();
	f->envp = g_environ_setenv(f->envp, "HERMES_HOME", f->root, TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_S6_SCANDIR", f->scandir, TRUE);
	f->envp = g_environ_setenv(
		f->envp, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"), TRUE);
	f->envp = g_environ_setenv(
		f->envp, "HERMES_CLI_PATH", hermes_test_env("HERMES_TEST_HERMES"), TRUE);
	f->envp = g_environ_setenv(
		f->envp, "HERMES_S6_BIN_DIR", hermes_test_env("HERMES_TEST_S6_BIN_DIR"), TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_SERVICE_MANAGER", "s6", TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_DBUS_BUS", "session", TRUE);
	f->envp = g_environ_unsetenv(f->envp, "S6_PROFILE_GATEWAY_SCANDIR");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_GATEWAY_USER");
	f->envp = g_environ_unsetenv(f->envp, "NO_COLOR");
	f->client = g_dbus_connection_new_for_address_sync(
		g_test_dbus_get_bus_address(test_bus),
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL,
		NULL,
		&error);
	hermes_assert_no_error(error);
	f->subscription = g_dbus_connection_signal_subscribe(f->client,
							     HERMES_STATUS_SERVICE_BUS_NAME,
							     NULL,
							     NULL,
							     NULL,
							     NULL,
							     G_DBUS_SIGNAL_FLAGS_NONE,
							     hermes_test_signals_record_cb,
							     f->signals,
							     NULL);
	*state = f;
	return 0;
}

gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	if (f->daemon != NULL) {
		g_subprocess_force_exit(f->daemon);
		g_subprocess_wait(f->daemon, NULL, NULL);
		g_clear_object(&f->daemon);
	}
	g_dbus_connection_signal_unsubscribe(f->client, f->subscription);
	g_dbus_connection_close_sync(f->client, NULL, NULL);
	g_clear_object(&f->client);
	hermes_test_s6_stop(f->scandir, &f->svscan);
	hermes_test_rmtree(f->tmp);
	g_strfreev(f->envp);
	g_ptr_array_unref(f->signals);
	g_free(f->tmp);
	g_free(f->scandir);
	g_free(f->root);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

/*
 * The bus hands activated services its own environment: point it at an
 * empty tree, and give it data/'s session service file with @bindir@ set
 * to the build's daemon/.
 */
static void
prepare_activation(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *template_path =
		g_build_filename(hermes_test_env("HERMES_TEST_SRCDIR"),
				 "..",
				 "data",
				 "ai.hermes.ServiceManager1.session.service.in",
				 NULL);
	g_autofree gchar *template = NULL;
	g_autofree gchar *bindir = g_path_get_dirname(svcd_path());
	g_autofree gchar *services = NULL;
	g_autofree gchar *service = NULL;
	g_autofree gchar *home = NULL;
	g_autofree gchar *scan = NULL;
	g_auto(GStrv) parts = NULL;

	activation_tmp = hermes_test_mkdtemp();
	services = g_build_filename(activation_tmp, "services", NULL);
	home = g_build_filename(activation_tmp, "home", NULL);
	scan = g_build_filename(activation_tmp, "scan", NULL);
	g_mkdir(services, 0755);
	g_mkdir(home, 0755);
	g_mkdir(scan, 0755);
	if (!g_file_get_contents(template_path, &template, NULL, &error))
		fail_msg("cannot read %s: %s", template_path, error->message);
	parts = g_strsplit(template, "@bindir@", -1);
	service = g_strjoinv(bindir, parts);
	{
		g_autofree gchar *path =
			g_build_filename(services, "ai.hermes.ServiceManager1.service", NULL);
		hermes_test_write_file(path, service, 0644);
	}
	g_setenv("HERMES_HOME", home, TRUE);
	g_setenv("HERMES_S6_SCANDIR", scan, TRUE);
	g_setenv("HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"), TRUE);
	g_setenv("HERMES_S6_BIN_DIR", hermes_test_env("HERMES_TEST_S6_BIN_DIR"), TRUE);
	g_setenv("HERMES_CLI_PATH", hermes_test_env("HERMES_TEST_HERMES"), TRUE);
	g_setenv("HERMES_SERVICE_MANAGER", "s6", TRUE);
	g_test_dbus_add_service_dir(test_bus, services);
}

gint
group_setup(void **state)
{
	hermes_test_init();
	test_bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	prepare_activation();
	g_test_dbus_up(test_bus);
	return 0;
}

gint
group_teardown(void **state)
{
	g_test_dbus_down(test_bus);
	g_clear_object(&test_bus);
	hermes_test_rmtree(activation_tmp);
	g_free(activation_tmp);
	return 0;
}
