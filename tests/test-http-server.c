/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * hermes-svcd's web door (daemon/hermes-http-*.c) in-process over a
 * HermesStatusService on a GTestDBus bus and a real s6-svscan, asked by a
 * real libsoup client over real HTTP (and a Unix socket): the JSON is that
 * of `hermes --json status`; an action without the token, with a wrong
 * one, from another Origin or Host, or as a GET is refused and changes
 * nothing; with the token it goes through HermesGatewayControl; reads are
 * public only when asked for, logs never.
 */

#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <sys/stat.h>

#include "http-test.h"

static JsonNode *
parse(const gchar *text)
{
	g_autoptr(GError) error = NULL;
	JsonNode *node = json_from_string(text, &error);
	hermes_assert_no_error(error);
	return node;
}

/* GET /api/gateways is `hermes --json status`, member for member */
static void
test_http_server_json_shape(void **state)
{
	Fixture *f = *state;
	const gchar *auth[] = {HERMES_HTTP_TOKEN_HEADER, NULL, NULL};
	g_auto(GStrv) envp = hermes_test_hermes_environ(f->root);
	const gchar *args[] = {"--json", "status", NULL};
	g_autofree gchar *out = NULL;
	g_autoptr(JsonNode) api = NULL;
	g_autoptr(JsonNode) cli = NULL;
	g_autoptr(JsonNode) one = NULL;
	JsonArray *a;
	JsonArray *c;
	Reply r;

	http_test_serve(f, "127.0.0.1:0", FALSE);
	auth[1] = f->token;
	r = http_test_request(f, "GET", "/api/gateways", auth);
	assert_int_equal(r.status, 200);
	api = parse(r.body);
	http_test_reply_clear(&r);
	envp = g_environ_setenv(envp, "HERMES_S6_SCANDIR", f->scandir, TRUE);
	envp = g_environ_setenv(envp, "HERMES_SERVICE_MANAGER", "s6", TRUE);
	assert_int_equal(hermes_test_run_hermes((const gchar *const *)envp, NULL, args, &out, NULL),
			 0);
	cli = parse(out);
	assert_string_equal(
		json_object_get_string_member(
			json_object_get_object_member(json_node_get_object(api), "manager"),
			"backend"),
		"s6");
	a = json_object_get_array_member(json_node_get_object(api), "gateways");
	c = json_object_get_array_member(json_node_get_object(cli), "gateways");
	assert_int_equal(json_array_get_length(a), json_array_get_length(c));
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *x = json_array_get_object_element(a, i);
		JsonObject *y = json_array_get_object_element(c, i);
		g_autoptr(GList) xm = json_object_get_members(x);
		assert_string_equal(json_object_get_string_member(x, "profile"),
				    json_object_get_string_member(y, "profile"));
		assert_string_equal(json_object_get_string_member(x, "state"),
				    json_object_get_string_member(y, "state"));
		assert_int_equal(json_object_get_size(x), json_object_get_size(y));
		for (GList *l = xm; l != NULL; l = l->next)
			assert_true(json_object_has_member(y, l->data));
	}
	/* one gateway: the same member */
	r = http_test_request(f, "GET", "/api/gateways/alpha", auth);
	assert_int_equal(r.status, 200);
	one = parse(r.body);
	assert_string_equal(json_object_get_string_member(json_node_get_object(one), "profile"),
			    "alpha");
	assert_true(json_object_has_member(json_node_get_object(one), "problems"));
	http_test_reply_clear(&r);
	r = http_test_request(f, "GET", "/api/gateways/nobody", auth);
	assert_int_equal(r.status, 404);
	http_test_reply_clear(&r);
	r = http_test_request(f, "GET", "/api/nothing", auth);
	assert_int_equal(r.status, 404);
	http_test_reply_clear(&r);
	/* the page itself is there without the token: it holds no data */
	r = http_test_request(f, "GET", "/", NULL);
	assert_int_equal(r.status, 200);
	hermes_assert_str_contains(r.body, "dashboard.js");
	http_test_reply_clear(&r);
}

/* every refusal, and the state file untouched after each */
static void
test_http_server_refusals(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *host = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	Reply r;

	http_test_serve(f, "127.0.0.1:0", FALSE);
	before = http_test_desired_on_disk(f, "alpha");
	host = g_strndup(f->url + strlen("http://"), strlen(f->url) - strlen("http://") - 1);
	{
		const gchar *none[] = {NULL};
		const gchar *wrong[] = {HERMES_HTTP_TOKEN_HEADER, "0123", NULL};
		const gchar *bearer_wrong[] = {"Authorization", "Bearer nope", NULL};
		const gchar *origin[] = {
			HERMES_HTTP_TOKEN_HEADER, f->token, "Origin", "http://evil.example", NULL};
		const gchar *site[] = {
			HERMES_HTTP_TOKEN_HEADER, f->token, "Sec-Fetch-Site", "cross-site", NULL};
		const gchar *rebound[] = {
			HERMES_HTTP_TOKEN_HEADER, f->token, "Host", "evil.example:80", NULL};
		const struct {
			const gchar *method;
			const gchar *path;
			const gchar *const *headers;
			guint status;
		} cases[] = {
			{"POST", "/api/gateways/alpha/start", none, 401},
			{"POST", "/api/gateways/alpha/start", wrong, 401},
			{"POST", "/api/gateways/alpha/start", bearer_wrong, 401},
			{"POST", "/api/gateways/alpha/start", origin, 403},
			{"POST", "/api/gateways/alpha/start", site, 403},
			{"POST", "/api/gateways/alpha/start", rebound, 403},
			{"GET", "/api/gateways/alpha/start", origin + 0, 405},
			{"GET", "/api/gateways", none, 401},
			{"GET", "/api/gateways/alpha", wrong, 401},
			{"GET", "/api/events", none, 401},
			{"GET", "/api/gateways/alpha/log", none, 401},
			{"POST", "/api/gateways/nobody/start", none, 401},
		};
		for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
			r = http_test_request(f, cases[i].method, cases[i].path, cases[i].headers);
			if (r.status != cases[i].status)
				fail_msg("%s %s (case %u): %u, not %u: %s",
					 cases[i].method,
					 cases[i].path,
					 i,
					 r.status,
					 cases[i].status,
					 r.body);
			http_test_reply_clear(&r);
		}
	}
	{
		/* a method mismatch is 405 with the method that is right */
		const gchar *auth[] = {HERMES_HTTP_TOKEN_HEADER, f->token, NULL};
		r = http_test_request(f, "GET", "/api/gateways/alpha/stop", auth);
		assert_int_equal(r.status, 405);
		assert_string_equal(r.allow, "POST");
		http_test_reply_clear(&r);
		r = http_test_request(f, "POST", "/api/gateways", auth);
		assert_int_equal(r.status, 405);
		assert_string_equal(r.allow, "GET");
		http_test_reply_clear(&r);
		r = http_test_request(f, "GET", "/api/gateways/alpha/log?n=0", auth);
		assert_int_equal(r.status, 400);
		http_test_reply_clear(&r);
	}
	hermes_test_spin(200);
	after = http_test_desired_on_disk(f, "alpha");
	assert_string_equal(before != NULL ? before : "(none)", after != NULL ? after : "(none)");
	/* and the supervisor was not told to start it */
	{
		g_autoptr(HermesGatewayStatus) status =
			hermes_service_manager_get_status(f->manager, "alpha", NULL, NULL);
		assert_non_null(status);
		assert_int_not_equal(hermes_gateway_status_get_wanted(status),
				     HERMES_GATEWAY_WANTED_UP);
	}
}

/* with the token (and our own Origin, as the page sends it) an action goes through */
static void
test_http_server_action(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *origin = NULL;
	g_autofree gchar *desired = NULL;
	g_autoptr(JsonNode) node = NULL;
	Reply r;

	http_test_serve(f, "127.0.0.1:0", FALSE);
	origin = g_strndup(f->url, strlen(f->url) - 1);
	{
		const gchar *auth[] = {HERMES_HTTP_TOKEN_HEADER, f->token, "Origin", origin, NULL};
		r = http_test_request(f, "POST", "/api/gateways/alpha/start", auth);
	}
	if (r.status != 200)
		fail_msg("start: %u %s", r.status, r.body);
	node = parse(r.body);
	assert_string_equal(json_object_get_string_member(json_node_get_object(node), "action"),
			    "start");
	http_test_reply_clear(&r);
	desired = http_test_desired_on_disk(f, "alpha");
	assert_string_equal(desired, "running");
	g_clear_pointer(&desired, g_free);
	{
		g_autofree gchar *bearer = g_strconcat("Bearer ", f->token, NULL);
		const gchar *auth[] = {"Authorization", bearer, NULL};
		r = http_test_request(f, "POST", "/api/gateways/alpha/stop", auth);
	}
	assert_int_equal(r.status, 200);
	http_test_reply_clear(&r);
	desired = http_test_desired_on_disk(f, "alpha");
	assert_string_equal(desired, "stopped");
}

typedef struct {
	GInputStream *stream;
	GString *text;
	gboolean done;
	gchar buffer[4096];
} EventStream;

static void
events_sent_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	EventStream *e = user_data;
	g_autoptr(GError) error = NULL;
	e->stream = soup_session_send_finish(SOUP_SESSION(source), result, &error);
	hermes_assert_no_error(error);
	e->done = TRUE;
}

static void
events_read_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	EventStream *e = user_data;
	g_autoptr(GError) error = NULL;
	gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), result, &error);
	hermes_assert_no_error(error);
	if (n > 0)
		g_string_append_len(e->text, e->buffer, n);
	e->done = TRUE;
}

/* reads the stream until @needle arrived (or the end) */
static void
events_wait_for(EventStream *e, const gchar *needle)
{
	while (strstr(e->text->str, needle) == NULL) {
		gsize before = e->text->len;
		e->done = FALSE;
		g_input_stream_read_async(e->stream,
					  e->buffer,
					  sizeof(e->buffer),
					  G_PRIORITY_DEFAULT,
					  NULL,
					  events_read_cb,
					  e);
		while (!e->done)
			g_main_context_iteration(NULL, TRUE);
		if (e->text->len == before)
			fail_msg("the event stream ended before '%s': %s", needle, e->text->str);
	}
}

/* GET /api/events: a snapshot, then each row as the service draws it again */
static void
test_http_server_events(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *uri = NULL;
	g_autofree gchar *origin = NULL;
	g_autoptr(SoupMessage) msg = NULL;
	EventStream e = {NULL, g_string_new(NULL), FALSE, {0}};
	const gchar *type;
	Reply r;

	http_test_serve(f, "127.0.0.1:0", FALSE);
	uri = g_strconcat(f->url, "api/events", NULL);
	msg = soup_message_new("GET", uri);
	soup_message_headers_replace(
		soup_message_get_request_headers(msg), HERMES_HTTP_TOKEN_HEADER, f->token);
	soup_session_send_async(f->session, msg, G_PRIORITY_DEFAULT, NULL, events_sent_cb, &e);
	while (!e.done)
		g_main_context_iteration(NULL, TRUE);
	assert_int_equal(soup_message_get_status(msg), 200);
	type = soup_message_headers_get_content_type(soup_message_get_response_headers(msg), NULL);
	assert_string_equal(type, "text/event-stream");
	events_wait_for(&e, "\n\n");
	assert_true(g_str_has_prefix(e.text->str, "event: snapshot\ndata: {\"manager\""));
	hermes_assert_str_contains(e.text->str, "\"profile\":\"alpha\"");
	g_string_truncate(e.text, 0);
	/* an action of the API shows on the stream: the row with its new intent */
	origin = g_strndup(f->url, strlen(f->url) - 1);
	{
		const gchar *auth[] = {HERMES_HTTP_TOKEN_HEADER, f->token, "Origin", origin, NULL};
		r = http_test_request(f, "POST", "/api/gateways/alpha/start", auth);
	}
	assert_int_equal(r.status, 200);
	http_test_reply_clear(&r);
	events_wait_for(&e, "\"desired_state\":\"running\"");
	assert_true(g_str_has_prefix(e.text->str, "event: gateway\ndata: {\"profile\":\"alpha\""));
	/* closing the server ends the stream: the client sees the end */
	hermes_http_server_close(f->http);
	{
		gsize before;
		do {
			before = e.text->len;
			e.done = FALSE;
			g_input_stream_read_async(e.stream,
						  e.buffer,
						  sizeof(e.buffer),
						  G_PRIORITY_DEFAULT,
						  NULL,
						  events_read_cb,
						  &e);
			while (!e.done)
				g_main_context_iteration(NULL, TRUE);
		} while (e.text->len != before);
	}
	g_object_unref(e.stream);
	g_string_free(e.text, TRUE);
}

/* --http-read-only-public: reads without the token, nothing else */
static void
test_http_server_read_only_public(void **state)
{
	Fixture *f = *state;
	const gchar *none[] = {NULL};
	Reply r;

	http_test_serve(f, "127.0.0.1:0", TRUE);
	r = http_test_request(f, "GET", "/api/gateways", none);
	assert_int_equal(r.status, 200);
	http_test_reply_clear(&r);
	r = http_test_request(f, "GET", "/api/gateways/alpha", none);
	assert_int_equal(r.status, 200);
	http_test_reply_clear(&r);
	r = http_test_request(f, "POST", "/api/gateways/alpha/start", none);
	assert_int_equal(r.status, 401);
	http_test_reply_clear(&r);
	r = http_test_request(f, "GET", "/api/gateways/alpha/log", none);
	assert_int_equal(r.status, 401);
	http_test_reply_clear(&r);
}

/* unix:PATH: a 0600 socket, the same API over it */
static void
test_http_server_unix_socket(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = g_build_filename(f->tmp, "dashboard.sock", NULL);
	g_autofree gchar *address = g_strconcat("unix:", path, NULL);
	g_autoptr(GSocketAddress) remote = g_unix_socket_address_new(path);
	const gchar *auth[] = {HERMES_HTTP_TOKEN_HEADER, NULL, NULL};
	g_autofree gchar *written = NULL;
	GStatBuf st;
	Reply r;

	http_test_serve(f, address, FALSE);
	assert_string_equal(f->url, address);
	written = hermes_dashboard_address_read(f->root, NULL);
	assert_string_equal(written, address);
	assert_int_equal(g_lstat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	g_clear_object(&f->session);
	f->session = http_test_session_new(remote);
	g_free(f->url);
	f->url = g_strdup("http://localhost/");
	auth[1] = f->token;
	r = http_test_request(f, "GET", "/api/gateways", auth);
	assert_int_equal(r.status, 200);
	http_test_reply_clear(&r);
	r = http_test_request(f, "POST", "/api/gateways/alpha/start", NULL);
	assert_int_equal(r.status, 401);
	http_test_reply_clear(&r);
	hermes_http_server_close(f->http);
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	assert_null(hermes_dashboard_address_read(f->root, NULL));
}

static void
test_http_server_bad_address(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *file = g_build_filename(f->tmp, "plain", NULL);
	g_autofree gchar *unix_file = g_strconcat("unix:", file, NULL);
	const gchar *bad[] = {
		"nonsense", "127.0.0.1", "127.0.0.1:99999", "example.org:80", unix_file};

	hermes_test_write_file(file, "x", 0600);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(HermesHttpServer) http =
			hermes_http_server_new(f->service, f->root, NULL, FALSE, &error);
		hermes_assert_no_error(error);
		assert_false(hermes_http_server_listen(http, bad[i], &error));
		assert_true(g_error_matches(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT));
		g_clear_error(&error);
	}
	/* a plain file named as the socket is not removed */
	assert_true(g_file_test(file, G_FILE_TEST_IS_REGULAR));
}

/* `hermes-svcd --no-bus --http`: the web door alone, as a container without a bus runs it */
static void
test_http_server_daemon_no_bus(void **state)
{
	Fixture *f = *state;
	g_autoptr(GSubprocessLauncher) launcher =
		http_test_svcd_launcher(f, G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GSubprocess) usage = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *address = NULL;
	g_autofree gchar *uri = NULL;
	g_autofree gchar *token = NULL;
	g_autoptr(SoupMessage) msg = NULL;
	g_autoptr(GBytes) body = NULL;

	usage = g_subprocess_launcher_spawn(
		launcher, &error, hermes_test_env("HERMES_TEST_SVCD"), "--no-bus", NULL);
	hermes_assert_no_error(error);
	assert_true(g_subprocess_wait(usage, NULL, &error));
	assert_int_equal(g_subprocess_get_exit_status(usage), 64);
	proc = g_subprocess_launcher_spawn(launcher,
					   &error,
					   hermes_test_env("HERMES_TEST_SVCD"),
					   "--no-bus",
					   "--http",
					   "127.0.0.1:0",
					   NULL);
	hermes_assert_no_error(error);
	address = http_test_svcd_address(f);
	token = hermes_dashboard_token_read(f->root, &error);
	hermes_assert_no_error(error);
	uri = g_strconcat(address, "api/gateways/alpha", NULL);
	msg = soup_message_new("GET", uri);
	soup_message_headers_replace(
		soup_message_get_request_headers(msg), HERMES_HTTP_TOKEN_HEADER, token);
	body = soup_session_send_and_read(f->session, msg, NULL, &error);
	hermes_assert_no_error(error);
	assert_int_equal(soup_message_get_status(msg), 200);
	http_test_svcd_stop(proc);
	assert_null(hermes_dashboard_address_read(f->root, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_http_server_json_shape),
		T(test_http_server_refusals),
		T(test_http_server_action),
		T(test_http_server_events),
		T(test_http_server_read_only_public),
		T(test_http_server_unix_socket),
		T(test_http_server_bad_address),
		T(test_http_server_daemon_no_bus),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, http_test_group_setup, http_test_group_teardown);
}
