/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * More of hermes-svcd's web door (daemon/hermes-http-*.c) over a real s6
 * tree, beside test-http-server.c (which keeps under the file size limit):
 * Restart through the JSON API gives the gateway a new process, and only
 * with the token; `--http :PORT` without a host listens on loopback alone,
 * never on every interface; `hermes dashboard url` exits 3 while no daemon
 * has recorded an address for the home, and prints it once one has.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>

#include "hermes-http-server.h"
#include "hermes-status-service.h"
#include "hermes-svc.h"
#include "hermes-test.h"

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
	HermesHttpServer *http;
	SoupSession *session;
	gchar *url;
	gchar *token;
} Fixture;

typedef struct {
	guint status;
	gchar *body;
	gboolean done;
} Reply;

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
	r->done = TRUE;
}

/* the server runs on this thread's context: the client is asynchronous */
static Reply
request(Fixture *f, const gchar *method, const gchar *path, const gchar *token)
{
	g_autofree gchar *uri = g_strconcat(f->url, path + 1, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new(method, uri);
	Reply r = {0, NULL, FALSE};
	assert_non_null(msg);
	if (token != NULL)
		soup_message_headers_replace(
			soup_message_get_request_headers(msg), HERMES_HTTP_TOKEN_HEADER, token);
	soup_session_send_and_read_async(f->session, msg, G_PRIORITY_DEFAULT, NULL, send_cb, &r);
	while (!r.done)
		g_main_context_iteration(NULL, TRUE);
	return r;
}

typedef struct {
	gchar *state;
	gint64 pid;
	gint64 since_us;
	gint64 restarts;
} Row;

/* GET /api/gateways/NAME, the members a restart changes */
static Row
row_get(Fixture *f, const gchar *profile)
{
	g_autofree gchar *path = g_strconcat("/api/gateways/", profile, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonNode) node = NULL;
	JsonObject *obj;
	Reply r = request(f, "GET", path, f->token);
	Row row = {NULL, 0, 0, -1};

	if (r.status != 200)
		fail_msg("GET %s: %u %s", path, r.status, r.body);
	node = json_from_string(r.body, &error);
	hermes_assert_no_error(error);
	g_free(r.body);
	obj = json_node_get_object(node);
	row.state = g_strdup(json_object_get_string_member_with_default(obj, "state", ""));
	row.pid = json_object_get_int_member_with_default(obj, "pid", 0);
	row.since_us = json_object_get_int_member_with_default(obj, "since_us", 0);
	row.restarts = json_object_get_int_member_with_default(obj, "restarts", -1);
	return row;
}

/* the row once it is up with a pid other than @not_pid (the supervisor takes a moment) */
static Row
row_wait_up(Fixture *f, const gchar *profile, gint64 not_pid)
{
	for (guint i = 0; i < 500; i++) {
		Row row = row_get(f, profile);
		if (g_strcmp0(row.state, "up") == 0 && row.pid > 0 && row.pid != not_pid)
			return row;
		g_free(row.state);
		hermes_test_spin(20);
	}
	fail_msg("%s did not come up with a pid other than %" G_GINT64_FORMAT, profile, not_pid);
	return (Row){NULL, 0, 0, -1};
}

static gchar *
desired_on_disk(Fixture *f, const gchar *profile)
{
	g_autoptr(HermesProfile) p = hermes_profile_lookup(f->ctx, profile, NULL);
	return hermes_gateway_state_get_desired(hermes_profile_get_home(p));
}

static void
serve(Fixture *f, const gchar *address)
{
	g_autoptr(GError) error = NULL;
	f->http = hermes_http_server_new(f->service, f->root, NULL, FALSE, &error);
	hermes_assert_no_error(error);
	assert_true(hermes_http_server_listen(f->http, address, &error));
	hermes_assert_no_error(error);
	f->url = g_strdup(hermes_http_server_get_url(f->http));
	f->token = hermes_dashboard_token_read(f->root, &error);
	hermes_assert_no_error(error);
}

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) profile = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	g_autoptr(GProxyResolver) direct = g_simple_proxy_resolver_new(NULL, NULL);

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
	/* one profile with a slot, not started */
	profile = hermes_profile_create(f->ctx, "alpha", &error);
	hermes_assert_no_error(error);
	spec = hermes_gateway_spec_new_default(f->ctx, "alpha", &error);
	hermes_assert_no_error(error);
	assert_true(hermes_service_manager_register_gateway(
		f->manager, spec, HERMES_REGISTER_FLAG_NONE, NULL, &error));
	hermes_assert_no_error(error);
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
	/* straight to the server: no proxy from the environment */
	f->session = soup_session_new_with_options("proxy-resolver", direct, NULL);
	g_setenv(HERMES_HTTP_DASHBOARD_DIR_ENV, hermes_test_env("HERMES_TEST_DASHBOARD_DIR"), TRUE);
	*state = f;
	return 0;
}

static gint
fixture_teardown(void **state)
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

/* POST /api/gateways/NAME/restart: a new process, its intent still running */
static void
test_http_actions_restart(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *desired = NULL;
	g_autoptr(JsonNode) node = NULL;
	Row before;
	Row after;
	Reply r;

	serve(f, "127.0.0.1:0");
	r = request(f, "POST", "/api/gateways/alpha/start", f->token);
	if (r.status != 200)
		fail_msg("start: %u %s", r.status, r.body);
	g_free(r.body);
	before = row_wait_up(f, "alpha", 0);

	/* without the token nothing happens: the same process */
	r = request(f, "POST", "/api/gateways/alpha/restart", NULL);
	assert_int_equal(r.status, 401);
	g_free(r.body);
	hermes_test_spin(200);
	after = row_get(f, "alpha");
	assert_int_equal(after.pid, before.pid);
	g_free(after.state);

	r = request(f, "POST", "/api/gateways/alpha/restart", f->token);
	if (r.status != 200)
		fail_msg("restart: %u %s", r.status, r.body);
	node = json_from_string(r.body, NULL);
	assert_non_null(node);
	assert_string_equal(json_object_get_string_member(json_node_get_object(node), "action"),
			    "restart");
	g_free(r.body);
	after = row_wait_up(f, "alpha", before.pid);
	assert_true(after.pid != before.pid);
	/* the uptime the page shows counts from the new process */
	assert_true(after.since_us > before.since_us);
	assert_true(kill((pid_t)before.pid, 0) != 0);
	desired = desired_on_disk(f, "alpha");
	assert_string_equal(desired, "running");
	g_free(before.state);
	g_free(after.state);
	r = request(f, "POST", "/api/gateways/alpha/stop", f->token);
	assert_int_equal(r.status, 200);
	g_free(r.body);
}

/* the LISTEN sockets on @port in /proc/net/tcp{,6}: loopback ones, and any other */
static void
count_listeners(guint port, guint *loopback, guint *other)
{
	const gchar *tables[] = {"/proc/net/tcp", "/proc/net/tcp6"};
	/* the kernel prints each network-order word as a host integer (little-endian here) */
	const gchar *loop4 = "0100007F";
	const gchar *loop6 = "00000000000000000000000001000000";

	*loopback = 0;
	*other = 0;
	for (guint t = 0; t < G_N_ELEMENTS(tables); t++) {
		g_autofree gchar *text = NULL;
		g_auto(GStrv) lines = NULL;
		assert_true(g_file_get_contents(tables[t], &text, NULL, NULL));
		lines = g_strsplit(text, "\n", -1);
		for (guint i = 1; lines[i] != NULL; i++) {
			g_auto(GStrv) fields = g_strsplit_set(g_strstrip(lines[i]), " ", -1);
			g_autoptr(GPtrArray) words = g_ptr_array_new();
			gchar *colon;
			for (guint j = 0; fields[j] != NULL; j++)
				if (fields[j][0] != '\0')
					g_ptr_array_add(words, fields[j]);
			/* sl local_address rem_address st ...; 0A is TCP_LISTEN */
			if (words->len < 4 || g_strcmp0(g_ptr_array_index(words, 3), "0A") != 0)
				continue;
			colon = strchr(g_ptr_array_index(words, 1), ':');
			if (colon == NULL || g_ascii_strtoull(colon + 1, NULL, 16) != port)
				continue;
			*colon = '\0';
			if (g_strcmp0(g_ptr_array_index(words, 1), t == 0 ? loop4 : loop6) == 0)
				(*loopback)++;
			else
				(*other)++;
		}
	}
}

static guint
port_of_url(const gchar *url)
{
	const gchar *colon = strrchr(url, ':');
	assert_non_null(colon);
	return (guint)g_ascii_strtoull(colon + 1, NULL, 10);
}

static void
assert_loopback_only(const gchar *url)
{
	guint loopback;
	guint other;
	guint port = port_of_url(url);
	assert_true(g_str_has_prefix(url, "http://127.0.0.1:"));
	assert_true(port > 0);
	count_listeners(port, &loopback, &other);
	if (loopback != 1 || other != 0)
		fail_msg("%s: %u loopback listener(s), %u other(s)", url, loopback, other);
}

/* `--http :0`: no host means 127.0.0.1, not 0.0.0.0 or :: */
static void
test_http_actions_loopback_any_port(void **state)
{
	Fixture *f = *state;
	serve(f, ":0");
	assert_loopback_only(f->url);
}

/* `--http :PORT` with a port of its own, and the JSON API answers there */
static void
test_http_actions_loopback_given_port(void **state)
{
	Fixture *f = *state;
	g_autoptr(GSocket) probe = NULL;
	g_autoptr(GInetAddress) inet = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any = g_inet_socket_address_new(inet, 0);
	g_autoptr(GSocketAddress) local = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *address = NULL;
	guint port;
	Reply r;

	/* a port free right now: bound and let go */
	probe = g_socket_new(
		G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
	hermes_assert_no_error(error);
	assert_true(g_socket_bind(probe, any, TRUE, &error));
	local = g_socket_get_local_address(probe, &error);
	hermes_assert_no_error(error);
	port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
	g_socket_close(probe, NULL);
	address = g_strdup_printf(":%u", port);
	serve(f, address);
	assert_int_equal(port_of_url(f->url), port);
	assert_loopback_only(f->url);
	r = request(f, "GET", "/api/gateways", f->token);
	assert_int_equal(r.status, 200);
	g_free(r.body);
}

/* the real daemon parses `--http :0` the same way */
static void
test_http_actions_loopback_daemon(void **state)
{
	Fixture *f = *state;
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_SILENCE);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *address = NULL;

	g_subprocess_launcher_setenv(launcher, "HERMES_HOME", f->root, TRUE);
	g_subprocess_launcher_setenv(launcher, "HERMES_S6_SCANDIR", f->scandir, TRUE);
	g_subprocess_launcher_setenv(launcher, "HERMES_SERVICE_MANAGER", "s6", TRUE);
	g_subprocess_launcher_setenv(
		launcher, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"), TRUE);
	g_subprocess_launcher_setenv(
		launcher, "HERMES_S6_BIN_DIR", hermes_test_env("HERMES_TEST_S6_BIN_DIR"), TRUE);
	g_subprocess_launcher_unsetenv(launcher, "DBUS_SESSION_BUS_ADDRESS");
	proc = g_subprocess_launcher_spawn(launcher,
					   &error,
					   hermes_test_env("HERMES_TEST_SVCD"),
					   "--no-bus",
					   "--http",
					   ":0",
					   NULL);
	hermes_assert_no_error(error);
	for (guint i = 0; i < 500 && address == NULL; i++) {
		address = hermes_dashboard_address_read(f->root, NULL);
		if (address == NULL)
			hermes_test_spin(20);
	}
	assert_non_null(address);
	assert_loopback_only(address);
	g_subprocess_send_signal(proc, SIGTERM);
	assert_true(g_subprocess_wait(proc, NULL, &error));
	assert_int_equal(g_subprocess_get_exit_status(proc), 0);
}

/* `hermes dashboard url [--json]`: its exit status, stdout and stderr */
static gint
dashboard_url(Fixture *f, gboolean json, gchar **out, gchar **err)
{
	g_auto(GStrv) envp = hermes_test_hermes_environ(f->root);
	const gchar *plain[] = {"dashboard", "url", NULL};
	const gchar *as_json[] = {"--json", "dashboard", "url", NULL};
	envp = g_environ_setenv(envp, "HERMES_S6_SCANDIR", f->scandir, TRUE);
	envp = g_environ_setenv(envp, "HERMES_SERVICE_MANAGER", "s6", TRUE);
	return hermes_test_run_hermes(
		(const gchar *const *)envp, NULL, json ? as_json : plain, out, err);
}

/* exit 3 (not found) while no daemon serves the home; the URL once one does */
static void
test_http_actions_dashboard_url(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *expected = NULL;

	for (guint json = 0; json < 2; json++) {
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;
		assert_int_equal(dashboard_url(f, json, &out, &err), 3);
		assert_string_equal(out, "");
		hermes_assert_str_contains(err, "no dashboard is served for");
	}
	serve(f, "127.0.0.1:0");
	{
		g_autofree gchar *out = NULL;
		expected = g_strconcat(f->url, "#token=", f->token, "\n", NULL);
		assert_int_equal(dashboard_url(f, FALSE, &out, NULL), 0);
		assert_string_equal(out, expected);
	}
	/* a daemon that closed leaves no address behind: 3 again */
	hermes_http_server_close(f->http);
	{
		g_autofree gchar *out = NULL;
		assert_int_equal(dashboard_url(f, FALSE, &out, NULL), 3);
		assert_string_equal(out, "");
	}
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
		T(test_http_actions_restart),
		T(test_http_actions_loopback_any_port),
		T(test_http_actions_loopback_given_port),
		T(test_http_actions_loopback_daemon),
		T(test_http_actions_dashboard_url),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
