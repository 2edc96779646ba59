/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Where the systemd backend looks for the manager, on fake roots: the
 * XDG_RUNTIME_DIR derivation (a foreign runtime directory ignored,
 * upstream #86558), an unreachable manager explained, linger, and the
 * probe.
 */

#include "systemd-render-test.h"

/*****************************************************************************/
/* where the manager is: fake roots */

static gchar *
test_root_path(RenderFixture *fx, const gchar *rel)
{
	return g_build_filename(fx->tmpdir, rel, NULL);
}

static void
test_root_mkdir(RenderFixture *fx, const gchar *rel, guint mode)
{
	g_autofree gchar *path = test_root_path(fx, rel);
	assert_int_equal(g_mkdir_with_parents(path, 0755), 0);
	assert_int_equal(g_chmod(path, mode), 0);
}

/* a listening unix socket at @rel below the root */
static void
test_root_socket(RenderFixture *fx, const gchar *rel)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = test_root_path(fx, rel);
	g_autoptr(GSocketAddress) address = g_unix_socket_address_new(path);
	GSocket *sock = g_socket_new(
		G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
	guint i = 0;
	hermes_assert_no_error(error);
	assert_true(g_socket_bind(sock, address, TRUE, &error));
	hermes_assert_no_error(error);
	while (fx->sockets[i] != NULL)
		i++;
	fx->sockets[i] = sock;
}

static HermesContext *
test_root_context(RenderFixture *fx)
{
	HermesContext *ctx = hermes_context_new_for_root(fx->tmpdir);
	hermes_context_setenv(ctx, "XDG_RUNTIME_DIR", NULL);
	hermes_context_setenv(ctx, "DBUS_SESSION_BUS_ADDRESS", NULL);
	hermes_context_setenv(ctx, "DBUS_SYSTEM_BUS_ADDRESS", NULL);
	return ctx;
}

static gchar *
test_notes(HermesSystemdEndpoints *endpoints)
{
	return hermes_systemd_join(endpoints->notes);
}

static void
test_systemd_endpoints_derived(void **state)
{
	RenderFixture *fx = *state;
	guint32 uid = (guint32)geteuid();
	g_autofree gchar *run_user = g_strdup_printf("run/user/%u", uid);
	g_autofree gchar *bus = g_strdup_printf("%s/bus", run_user);
	g_autofree gchar *private_socket = g_strdup_printf("%s/systemd/private", run_user);
	g_autofree gchar *want_runtime = test_root_path(fx, run_user);
	g_autofree gchar *want_bus = test_root_path(fx, bus);
	g_autofree gchar *want_private = test_root_path(fx, private_socket);
	g_autofree gchar *want_address = g_strconcat("unix:path=", want_bus, NULL);
	g_autoptr(HermesSystemdEndpoints) endpoints = NULL;
	g_autofree gchar *notes = NULL;

	fx->ctx = test_root_context(fx);
	/* nothing there: no runtime directory, and the notes say why */
	endpoints = hermes_systemd_endpoints_new(fx->ctx, HERMES_SYSTEMD_SCOPE_USER, uid);
	assert_null(endpoints->runtime_dir);
	assert_null(endpoints->bus_address);
	assert_null(endpoints->private_path);
	notes = test_notes(endpoints);
	hermes_assert_str_contains(notes, "has no login session and no lingering user manager");
	g_clear_pointer(&endpoints, hermes_systemd_endpoints_free);
	g_clear_pointer(&notes, g_free);

	/* unset variables, as from cron or an installer: derived from the uid */
	test_root_mkdir(fx, run_user, 0700);
	{
		g_autofree gchar *systemd_dir = g_strdup_printf("%s/systemd", run_user);
		test_root_mkdir(fx, systemd_dir, 0755);
	}
	test_root_socket(fx, bus);
	test_root_socket(fx, private_socket);
	endpoints = hermes_systemd_endpoints_new(fx->ctx, HERMES_SYSTEMD_SCOPE_USER, uid);
	assert_string_equal(endpoints->runtime_dir, want_runtime);
	assert_string_equal(endpoints->bus_address, want_address);
	assert_string_equal(endpoints->private_path, want_private);
	notes = test_notes(endpoints);
	hermes_assert_str_contains(notes, "XDG_RUNTIME_DIR is not set: using");
	hermes_assert_str_contains(notes, "DBUS_SESSION_BUS_ADDRESS is not set: using unix:path=");
	g_clear_pointer(&endpoints, hermes_systemd_endpoints_free);
	g_clear_pointer(&notes, g_free);

	/* the variables as a login session sets them are taken as they are */
	{
		g_autofree gchar *runtime_env = g_strdup_printf("/%s", run_user);
		g_autofree gchar *bus_env = g_strdup_printf("unix:path=/%s", bus);
		hermes_context_setenv(fx->ctx, "XDG_RUNTIME_DIR", runtime_env);
		hermes_context_setenv(fx->ctx, "DBUS_SESSION_BUS_ADDRESS", bus_env);
	}
	endpoints = hermes_systemd_endpoints_new(fx->ctx, HERMES_SYSTEMD_SCOPE_USER, uid);
	assert_string_equal(endpoints->runtime_dir, want_runtime);
	assert_string_equal(endpoints->bus_address, want_address);
	assert_int_equal(endpoints->notes->len, 0);
	g_clear_pointer(&endpoints, hermes_systemd_endpoints_free);

	/* a bus that is not a path cannot be checked and is not trusted against a test root */
	hermes_context_setenv(fx->ctx, "DBUS_SESSION_BUS_ADDRESS", "unix:abstract=/tmp/dbus-x");
	endpoints = hermes_systemd_endpoints_new(fx->ctx, HERMES_SYSTEMD_SCOPE_USER, uid);
	assert_string_equal(endpoints->bus_address, want_address);
	notes = test_notes(endpoints);
	hermes_assert_str_contains(notes,
				   "DBUS_SESSION_BUS_ADDRESS=unix:abstract=/tmp/dbus-x ignored");
	g_clear_pointer(&endpoints, hermes_systemd_endpoints_free);
	g_clear_pointer(&notes, g_free);

	/* the system manager: the system bus and /run/systemd/private */
	test_root_mkdir(fx, "run/dbus", 0755);
	test_root_mkdir(fx, "run/systemd", 0755);
	test_root_socket(fx, "run/dbus/system_bus_socket");
	endpoints = hermes_systemd_endpoints_new(fx->ctx, HERMES_SYSTEMD_SCOPE_SYSTEM, uid);
	{
		g_autofree gchar *sys = test_root_path(fx, "run/dbus/system_bus_socket");
		g_autofree gchar *want = g_strconcat("unix:path=", sys, NULL);
		assert_string_equal(endpoints->bus_address, want);
	}
	assert_null(endpoints->private_path);
	{
		g_autofree gchar *who = hermes_systemd_endpoints_describe(endpoints);
		assert_string_equal(who, "the system manager");
	}
}

/* upstream #86558: su or sudo leaves another user's XDG_RUNTIME_DIR behind */
static void
test_systemd_endpoints_foreign_runtime_dir(void **state)
{
	RenderFixture *fx = *state;
	guint32 uid = (guint32)geteuid();
	g_autofree gchar *own = g_strdup_printf("run/user/%u", uid);
	g_autofree gchar *own_bus = g_strdup_printf("%s/bus", own);
	g_autofree gchar *foreign = test_root_path(fx, "run/user/4242");
	g_autoptr(HermesSystemdEndpoints) endpoints = NULL;
	g_autofree gchar *notes = NULL;
	g_autofree gchar *want_runtime = test_root_path(fx, own);

	/* making a directory someone else's needs root */
	if (geteuid() != 0) {
		print_message("# skipped: needs root to give a directory to another uid\n");
		skip();
	}
	fx->ctx = test_root_context(fx);
	test_root_mkdir(fx, "run/user/4242", 0700);
	test_root_socket(fx, "run/user/4242/bus");
	assert_int_equal(chown(foreign, 4242, 4242), 0);
	test_root_mkdir(fx, own, 0700);
	test_root_socket(fx, own_bus);
	hermes_context_setenv(fx->ctx, "XDG_RUNTIME_DIR", "/run/user/4242");
	hermes_context_setenv(fx->ctx, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/4242/bus");
	{
		g_autofree gchar *foreign_bus = test_root_path(fx, "run/user/4242/bus");
		assert_int_equal(lchown(foreign_bus, 4242, 4242), 0);
	}
	endpoints = hermes_systemd_endpoints_new(fx->ctx, HERMES_SYSTEMD_SCOPE_USER, uid);
	assert_string_equal(endpoints->runtime_dir, want_runtime);
	hermes_assert_str_contains(endpoints->bus_address, own_bus);
	notes = test_notes(endpoints);
	hermes_assert_str_contains(
		notes, "XDG_RUNTIME_DIR=/run/user/4242 ignored: it belongs to uid 4242");
	hermes_assert_str_contains(notes,
				   "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/4242/bus ignored: "
				   "it belongs to uid 4242");
}

static void
test_systemd_unreachable_is_explained(void **state)
{
	RenderFixture *fx = *state;
	g_autoptr(HermesSystemdEndpoints) endpoints = NULL;
	g_autoptr(HermesSystemdBus) bus = NULL;
	g_autoptr(GError) error = NULL;
	guint32 uid = (guint32)geteuid();
	g_autofree gchar *run_user = g_strdup_printf("run/user/%u", uid);
	g_autofree gchar *bus_path = g_strdup_printf("%s/bus", run_user);

	fx->ctx = test_root_context(fx);
	test_root_mkdir(fx, run_user, 0700);
	/* a socket nobody answers on: bound, never listening */
	test_root_socket(fx, bus_path);
	endpoints = hermes_systemd_endpoints_new(fx->ctx, HERMES_SYSTEMD_SCOPE_USER, uid);
	bus = hermes_systemd_bus_connect(endpoints, TRUE, NULL, &error);
	assert_null(bus);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
	hermes_assert_str_contains(error->message, "systemd: the user manager of");
	hermes_assert_str_contains(error->message, "is unreachable: cannot connect to unix:path=");
	hermes_assert_str_contains(error->message, "XDG_RUNTIME_DIR is not set");
	hermes_assert_str_contains(error->message, "loginctl enable-linger");
}

static void
test_systemd_linger(void **state)
{
	RenderFixture *fx = *state;
	g_autofree gchar *source = NULL;
	g_autofree gchar *path = test_root_path(fx, "var/lib/systemd/linger/ada");

	fx->ctx = test_root_context(fx);
	assert_string_equal(hermes_systemd_linger_check(fx->ctx, "ada", 1000, &source), "no");
	hermes_assert_str_contains(source, "var/lib/systemd/linger/ada does not exist");
	g_clear_pointer(&source, g_free);
	hermes_test_write_file(path, "", 0644);
	assert_string_equal(hermes_systemd_linger_check(fx->ctx, "ada", 1000, &source), "yes");
	hermes_assert_str_contains(source, "var/lib/systemd/linger/ada exists");
	{
		g_autofree gchar *fix = hermes_systemd_linger_fix("ada");
		g_autofree gchar *fix_root = hermes_systemd_linger_fix("root");
		assert_string_equal(fix, "sudo loginctl enable-linger ada");
		assert_string_equal(fix_root, "loginctl enable-linger root");
	}
}

/* the real plugin's probe through the loader, against a fake root */
static void
test_systemd_probe_fake_root(void **state)
{
	RenderFixture *fx = *state;
	g_autoptr(GPtrArray) plugins = NULL;
	const gchar *dirs = hermes_test_env("HERMES_TEST_BACKEND_DIRS");
	HermesPlugin *found = NULL;

	fx->ctx = test_root_context(fx);
	hermes_context_set_os(fx->ctx, "linux");
	hermes_context_setenv(fx->ctx, "HERMES_BACKEND_PATH", dirs);
	test_root_mkdir(fx, "run/systemd/system", 0755);
	plugins = hermes_backend_loader_discover(fx->ctx);
	for (guint i = 0; i < plugins->len; i++) {
		HermesPlugin *p = g_ptr_array_index(plugins, i);
		g_autofree gchar *dir = g_path_get_dirname(hermes_plugin_get_path(p));
		if (g_strcmp0(hermes_plugin_get_name(p), "systemd") == 0 &&
		    strstr(dirs, dir) != NULL)
			found = p;
	}
	assert_non_null(found);
	/* booted with systemd but no manager answers: still systemd's host, with the why */
	assert_int_equal(hermes_plugin_get_score(found), HERMES_BACKEND_SCORE_HOST);
	hermes_assert_str_contains(hermes_plugin_get_reason(found),
				   "systemd is PID 1; user scope (the default; "
				   "HERMES_SYSTEMD_SCOPE=system picks the system manager), but");
	hermes_assert_str_contains(hermes_plugin_get_reason(found), "is unreachable");
	hermes_assert_str_contains(hermes_plugin_get_reason(found), "loginctl enable-linger");
	g_clear_pointer(&plugins, g_ptr_array_unref);

	/* a scope that is neither is said, not guessed */
	hermes_context_setenv(fx->ctx, "HERMES_SYSTEMD_SCOPE", "both");
	plugins = hermes_backend_loader_discover(fx->ctx);
	for (guint i = 0; i < plugins->len; i++) {
		HermesPlugin *p = g_ptr_array_index(plugins, i);
		g_autofree gchar *dir = g_path_get_dirname(hermes_plugin_get_path(p));
		if (g_strcmp0(hermes_plugin_get_name(p), "systemd") == 0 &&
		    strstr(dirs, dir) != NULL)
			hermes_assert_str_contains(
				hermes_plugin_get_reason(p),
				"HERMES_SYSTEMD_SCOPE=both: use 'user' or 'system'");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_systemd_endpoints_derived),
		T(test_systemd_endpoints_foreign_runtime_dir),
		T(test_systemd_unreachable_is_explained),
		T(test_systemd_linger),
		T(test_systemd_probe_fake_root),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
