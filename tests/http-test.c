/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/* the web door's test fixture: see http-test.h */

#include "http-test.h"

#include <glib/gstdio.h>
#include <signal.h>

static GTestDBus *test_bus = NULL;

void
http_test_reply_clear(Reply *r)
{
	g_free(r->body);
	g_free(r->allow);
}

static void
send_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Reply *r = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) bytes =
		soup_session_send_and_read_finish(SOUP_SESSION(source), result, &error);
	SoupMessage *msg = soup_session_get_async_result_message(SOUP_SESSION(source), result);
	hermes_assert_no_error(error);
	r->status = soup_message_get_status(msg);
	r->body = g_strndup(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
	r->allow = g_strdup(
		soup_message_headers_get_one(soup_message_get_response_headers(msg), "Allow"));
	r->done = TRUE;
}

/* the server runs on this thread's context: the client is asynchronous */
Reply
http_test_request(Fixture *f, const gchar *method, const gchar *path, const gchar *const *headers)
{
	g_autofree gchar *uri = g_strconcat(f->url, path + 1, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new(method, uri);
	Reply r = {0, NULL, NULL, FALSE};
	assert_non_null(msg);
	for (guint i = 0; headers != NULL && headers[i] != NULL; i += 2)
		soup_message_headers_replace(
			soup_message_get_request_headers(msg), headers[i], headers[i + 1]);
	soup_session_send_and_read_async(f->session, msg, G_PRIORITY_DEFAULT, NULL, send_cb, &r);
	while (!r.done)
		g_main_context_iteration(NULL, TRUE);
	return r;
}

/* the same with only the token (or none) */
Reply
http_test_request_token(Fixture *f, const gchar *method, const gchar *path, const gchar *token)
{
	const gchar *headers[] = {HERMES_HTTP_TOKEN_HEADER, token, NULL};
	return http_test_request(f, method, path, token != NULL ? headers : NULL);
}

/* straight to the server: no proxy from the environment, and no libproxy (C++
 * exceptions that ASan cannot follow through a C program) */
SoupSession *
http_test_session_new(GSocketAddress *remote)
{
	g_autoptr(GProxyResolver) direct = g_simple_proxy_resolver_new(NULL, NULL);
	if (remote != NULL)
		return soup_session_new_with_options(
			"proxy-resolver", direct, "remote-connectable", remote, NULL);
	return soup_session_new_with_options("proxy-resolver", direct, NULL);
}

gchar *
http_test_desired_on_disk(Fixture *f, const gchar *profile)
{
	g_autoptr(HermesProfile) p = hermes_profile_lookup(f->ctx, profile, NULL);
	return hermes_gateway_state_get_desired(hermes_profile_get_home(p));
}

void
http_test_serve(Fixture *f, const gchar *address, gboolean read_only_public)
{
	g_autoptr(GError) error = NULL;
	f->http = hermes_http_server_new(f->service, f->root, NULL, read_only_public, &error);
	hermes_assert_no_error(error);
	assert_true(hermes_http_server_listen(f->http, address, &error));
	hermes_assert_no_error(error);
	f->url = g_strdup(hermes_http_server_get_url(f->http));
	f->token = hermes_dashboard_token_read(f->root, &error);
	hermes_assert_no_error(error);
}

gint
http_test_fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) profile = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;

	f->tmp = hermes_test_mkdtemp();
	f->scandir = g_build_filename(f->tmp, "scan", NULL);
	f->root = g_build_filename(f->tmp, "home", NULL);
	g_mkdir(f->scandir, 0755);
	g_mkdir(f->root, 0755);
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
	/* one profile with a slot, not started: what an action would change */
	profile = hermes_profile_create(f->ctx, "alpha", &error);
	hermes_assert_no_error(error);
	spec = hermes_gateway_spec_new_default(f->ctx, "alpha", &error);
	hermes_assert_no_error(error);
	assert_true(hermes_service_manager_register_gateway(
		f->manager, spec, HERMES_REGISTER_FLAG_NONE, NULL, &error));
	hermes_assert_no_error(error);
	/* the slot's supervisor is up before the rows are read: no row says unknown */
	for (guint i = 0; i < 200; i++) {
		g_autoptr(HermesGatewayStatus) status =
			hermes_service_manager_get_status(f->manager, "alpha", NULL, NULL);
		if (status != NULL &&
		    hermes_gateway_status_get_state(status) != HERMES_GATEWAY_STATE_UNKNOWN)
			break;
		hermes_test_spin(20);
	}
	f->service = hermes_status_service_new(f->manager);
	f->server = g_dbus_connection_new_for_address_sync(
		g_test_dbus_get_bus_address(test_bus),
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL,
		NULL,
		&error);
	hermes_assert_no_error(error);
	assert_true(hermes_status_service_export(f->service, f->server, &error));
	hermes_assert_no_error(error);
	f->session = http_test_session_new(NULL);
	g_setenv(HERMES_HTTP_DASHBOARD_DIR_ENV, hermes_test_env("HERMES_TEST_DASHBOARD_DIR"), TRUE);
	*state = f;
	return 0;
}

gint
http_test_fixture_teardown(void **state)
{
	Fixture *f = *state;
	g_clear_object(&f->session);
	if (f->http != NULL)
		hermes_http_server_close(f->http);
	g_clear_object(&f->http);
	/* the connections the server accepted go on the next iterations */
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_clear_object(&f->service);
	g_clear_object(&f->manager);
	g_dbus_connection_close_sync(f->server, NULL, NULL);
	g_clear_object(&f->server);
	hermes_test_s6_stop(f->scandir, &f->svscan);
	g_clear_object(&f->ctx);
	hermes_test_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f->scandir);
	g_free(f->root);
	g_free(f->url);
	g_free(f->token);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

gint
http_test_group_setup(void **state)
{
	hermes_test_init();
	test_bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(test_bus);
	return 0;
}

gint
http_test_group_teardown(void **state)
{
	g_test_dbus_down(test_bus);
	g_clear_object(&test_bus);
	return 0;
}

/* hermes-svcd as a container without a bus runs it, over this fixture's home and tree */
GSubprocessLauncher *
http_test_svcd_launcher(Fixture *f, GSubprocessFlags flags)
{
	GSubprocessLauncher *launcher = g_subprocess_launcher_new(flags);
	g_subprocess_launcher_setenv(launcher, "HERMES_HOME", f->root, TRUE);
	g_subprocess_launcher_setenv(launcher, "HERMES_S6_SCANDIR", f->scandir, TRUE);
	g_subprocess_launcher_setenv(launcher, "HERMES_SERVICE_MANAGER", "s6", TRUE);
	g_subprocess_launcher_setenv(
		launcher, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"), TRUE);
	g_subprocess_launcher_setenv(
		launcher, "HERMES_S6_BIN_DIR", hermes_test_env("HERMES_TEST_S6_BIN_DIR"), TRUE);
	g_subprocess_launcher_unsetenv(launcher, "DBUS_SESSION_BUS_ADDRESS");
	return launcher;
}

/* the address a daemon recorded for the home once it serves (10 s at most) */
gchar *
http_test_svcd_address(Fixture *f)
{
	gchar *address = NULL;
	for (guint i = 0; i < 500 && address == NULL; i++) {
		address = hermes_dashboard_address_read(f->root, NULL);
		if (address == NULL)
			hermes_test_spin(20);
	}
	assert_non_null(address);
	return address;
}

/* SIGTERM ends a daemon cleanly: exit 0 */
void
http_test_svcd_stop(GSubprocess *proc)
{
	g_autoptr(GError) error = NULL;
	g_subprocess_send_signal(proc, SIGTERM);
	assert_true(g_subprocess_wait(proc, NULL, &error));
	hermes_assert_no_error(error);
	assert_true(g_subprocess_get_if_exited(proc));
	assert_int_equal(g_subprocess_get_exit_status(proc), 0);
}
