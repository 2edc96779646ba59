/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Reaching the user manager: no bus and no private socket (unreachable,
 * said clearly, through the plugin and the CLI), another user's
 * XDG_RUNTIME_DIR ignored and ours derived, and the manager's private
 * socket without a bus.
 * Runs inside tests/systemd-user-harness.sh (see systemd-test.h).
 */

#include "systemd-test.h"

/* a context whose user-manager variables are replaced */
static HermesServiceManager *
manager_with_env(Fixture *f, const gchar *runtime, const gchar *bus, HermesContext **ctx_out)
{
	HermesContext *ctx = make_context(f);
	hermes_context_setenv(ctx, "XDG_RUNTIME_DIR", runtime);
	hermes_context_setenv(ctx, "DBUS_SESSION_BUS_ADDRESS", bus);
	*ctx_out = ctx;
	return make_manager(ctx);
}

/* no bus and no private socket: unreachable, said clearly, nothing written */
static void
connect_unreachable(Fixture *f, HermesGatewaySpec *spec, const gchar *path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesContext) ctx = NULL;
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autofree gchar *empty = NULL;
	g_auto(GStrv) envp = NULL;
	gboolean running = TRUE;
	gint64 pid = 0;
	g_autofree gchar *detail = NULL;

	empty = g_build_filename(f->tmp, "empty-runtime", NULL);
	g_mkdir(empty, 0700);

	manager = manager_with_env(f, empty, NULL, &ctx);
	assert_false(hermes_service_manager_register_gateway(manager, spec, 0, NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
	hermes_assert_str_contains(error->message,
				   "the user manager of root (uid 0) is unreachable");
	hermes_assert_str_contains(error->message, "loginctl enable-linger root");
	g_clear_error(&error);
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	assert_ok(hermes_service_manager_supervisor_status(
		manager, &running, &pid, &detail, NULL, &error));
	assert_false(running);
	hermes_assert_str_contains(detail, "unreachable");
	g_clear_pointer(&detail, g_free);
	/* through the CLI: exit 69, one line that says why and what to do */
	envp = g_strdupv(f->envp);
	envp = g_environ_setenv(envp, "XDG_RUNTIME_DIR", empty, TRUE);
	envp = g_environ_unsetenv(envp, "DBUS_SESSION_BUS_ADDRESS");
	assert_int_equal(
		run_env(f, envp, (const gchar *[]){"-p", "demo", "gateway", "start", NULL}), 69);
	hermes_assert_str_contains(f->err, "is unreachable");
	hermes_assert_str_contains(f->err, "loginctl enable-linger");
	assert_int_equal(run_env(f, envp, (const gchar *[]){"backends", NULL}), 0);
	hermes_assert_str_contains(
		f->out, ", but systemd: the user manager of root (uid 0) is unreachable");
	g_clear_object(&manager);
	g_clear_object(&ctx);
	g_clear_pointer(&envp, g_strfreev);
}

/* upstream #86558: another user's runtime directory is ignored, ours derived */
static void
connect_foreign_runtime_dir(Fixture *f, HermesGatewaySpec *spec)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesContext) ctx = NULL;
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autofree gchar *foreign = NULL;
	g_autofree gchar *foreign_bus = NULL;
	g_auto(GStrv) envp = NULL;

	register_spec(f, spec, HERMES_REGISTER_FLAG_START);
	foreign = g_build_filename(f->tmp, "foreign-runtime", NULL);
	g_mkdir(foreign, 0700);
	assert_int_equal(chown(foreign, 65534, 65534), 0);
	foreign_bus = g_strdup_printf("unix:path=%s/bus", foreign);
	manager = manager_with_env(f, foreign, foreign_bus, &ctx);
	status = hermes_service_manager_get_status(manager, "demo", NULL, &error);
	hermes_assert_no_error(error);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_UP);
	g_clear_pointer(&status, hermes_gateway_status_unref);
	g_clear_object(&manager);
	g_clear_object(&ctx);
	envp = g_strdupv(f->envp);
	envp = g_environ_setenv(envp, "XDG_RUNTIME_DIR", foreign, TRUE);
	envp = g_environ_setenv(envp, "DBUS_SESSION_BUS_ADDRESS", foreign_bus, TRUE);
	assert_int_equal(run_env(f, envp, (const gchar *[]){"backends", NULL}), 0);
	{
		g_autofree gchar *note = g_strdup_printf(
			"XDG_RUNTIME_DIR=%s ignored: it belongs to uid 65534, not 0", foreign);
		hermes_assert_str_contains(f->out, note);
		hermes_assert_str_contains(f->out, "answers on the bus unix:path=/run/user/0/bus");
		hermes_assert_str_contains(f->out, "linger is");
	}
	assert_run_ok(f,
		      run_env(f, envp, (const gchar *[]){"-p", "demo", "gateway", "status", NULL}),
		      "status with a foreign XDG_RUNTIME_DIR");
	hermes_assert_str_contains(f->out, "Manager: systemd (user): systemd ");
	g_clear_pointer(&envp, g_strfreev);
}

/* no bus at all, only the manager's private socket: peer-to-peer works the same */
static void
connect_private_socket(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesContext) ctx = NULL;
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	gboolean running = FALSE; /* the unreachable manager said so: not set, this fails */
	gint64 pid = 0;
	g_autofree gchar *detail = NULL;

	{
		g_autofree gchar *p2p = g_build_filename(f->tmp, "p2p-runtime", NULL);
		g_autofree gchar *p2p_systemd = g_build_filename(p2p, "systemd", NULL);
		g_autofree gchar *link = g_build_filename(p2p_systemd, "private", NULL);
		g_autofree gchar *target = g_build_filename(
			hermes_test_env("XDG_RUNTIME_DIR"), "systemd", "private", NULL);
		g_mkdir_with_parents(p2p_systemd, 0700);
		assert_int_equal(symlink(target, link), 0);
		manager = manager_with_env(f, p2p, NULL, &ctx);
		assert_ok(hermes_service_manager_stop(manager, "demo", NULL, &error));
		hermes_assert_no_error(error);
		assert_ok(hermes_service_manager_start(manager, "demo", NULL, &error));
		hermes_assert_no_error(error);
		assert_ok(hermes_service_manager_supervisor_status(
			manager, &running, &pid, &detail, NULL, &error));
		hermes_assert_no_error(error);
		assert_true(running);
		assert_true(pid > 0);
		hermes_assert_str_contains(detail, "via the manager's private socket");
		g_clear_pointer(&detail, g_free);
		status = hermes_service_manager_get_status(manager, "demo", NULL, &error);
		assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_UP);
		g_clear_pointer(&status, hermes_gateway_status_unref);
		assert_true(
			hermes_service_manager_unregister_gateway(manager, "demo", NULL, &error));
		hermes_assert_no_error(error);
		g_clear_object(&manager);
		g_clear_object(&ctx);
	}
}

static void
test_systemd_unreachable_and_derived(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	g_autofree gchar *path = NULL;

	SKIP_UNLESS_HERE(f);
	path = unit_path("demo");
	spec = spec_for(f, "demo", NULL);
	connect_unreachable(f, spec, path);
	connect_foreign_runtime_dir(f, spec);
	connect_private_socket(f);
	assert_nothing_left(f);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_systemd_unreachable_and_derived),
	};
	return SYSTEMD_TEST_MAIN(argv[0], tests);
}
