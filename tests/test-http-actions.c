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

#include "http-test.h"

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
	Reply r = http_test_request_token(f, "GET", path, f->token);
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

	http_test_serve(f, "127.0.0.1:0", FALSE);
	r = http_test_request_token(f, "POST", "/api/gateways/alpha/start", f->token);
	if (r.status != 200)
		fail_msg("start: %u %s", r.status, r.body);
	g_free(r.body);
	before = row_wait_up(f, "alpha", 0);

	/* without the token nothing happens: the same process */
	r = http_test_request_token(f, "POST", "/api/gateways/alpha/restart", NULL);
	assert_int_equal(r.status, 401);
	g_free(r.body);
	hermes_test_spin(200);
	after = row_get(f, "alpha");
	assert_int_equal(after.pid, before.pid);
	g_free(after.state);

	r = http_test_request_token(f, "POST", "/api/gateways/alpha/restart", f->token);
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
	desired = http_test_desired_on_disk(f, "alpha");
	assert_string_equal(desired, "running");
	g_free(before.state);
	g_free(after.state);
	r = http_test_request_token(f, "POST", "/api/gateways/alpha/stop", f->token);
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
	http_test_serve(f, ":0", FALSE);
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
	http_test_serve(f, address, FALSE);
	assert_int_equal(port_of_url(f->url), port);
	assert_loopback_only(f->url);
	r = http_test_request_token(f, "GET", "/api/gateways", f->token);
	assert_int_equal(r.status, 200);
	g_free(r.body);
}

/* the real daemon parses `--http :0` the same way */
static void
test_http_actions_loopback_daemon(void **state)
{
	Fixture *f = *state;
	g_autoptr(GSubprocessLauncher) launcher =
		http_test_svcd_launcher(f, G_SUBPROCESS_FLAGS_STDERR_SILENCE);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *address = NULL;

	proc = g_subprocess_launcher_spawn(launcher,
					   &error,
					   hermes_test_env("HERMES_TEST_SVCD"),
					   "--no-bus",
					   "--http",
					   ":0",
					   NULL);
	hermes_assert_no_error(error);
	address = http_test_svcd_address(f);
	assert_loopback_only(address);
	http_test_svcd_stop(proc);
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
	http_test_serve(f, "127.0.0.1:0", FALSE);
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
	return cmocka_run_group_tests(tests, http_test_group_setup, http_test_group_teardown);
}
