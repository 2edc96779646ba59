/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * GET /api/gateways/NAME/log?follow=1 (daemon/hermes-http-log-stream.c)
 * in-process over a HermesStatusService on a GTestDBus bus and a real
 * s6-svscan, read by a real libsoup client over real HTTP: the last lines
 * first, then a line appended to the gateway's s6-log `current` arrives
 * within a bounded time; without the token 401 and no stream; the 33rd
 * open stream gets 503; a closed client frees its stream and its reader
 * (40 open+close cycles, then one more stream still works, and the
 * daemon holds no more descriptors than before); closing the server ends
 * each stream with `event: end`, as does a reader that fails.
 */

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <unistd.h>

#include "hermes-http-server.h"
#include "hermes-status-service.h"
#include "hermes-svc.h"
#include "hermes-test.h"

/* what the server holds open at once (HERMES_HTTP_LOG_STREAMS_MAX) */
#define STREAMS_MAX 32
/* how long a line may take from `current` to the client: the reader's 100 ms rate, and slack */
#define LINE_WAIT_MS 3000

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
	gchar *log_dir; /* alpha's s6-log directory */
} Fixture;

/* one client of a log stream */
typedef struct {
	SoupMessage *msg;
	GInputStream *body;
	GString *text;
	gboolean done;
	gboolean eof;
	gchar buffer[4096];
} Follow;

static void
follow_free(Follow *s)
{
	if (s->body != NULL)
		(void)g_input_stream_close(s->body, NULL, NULL);
	g_clear_object(&s->body);
	g_clear_object(&s->msg);
	g_string_free(s->text, TRUE);
	g_free(s);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Follow, follow_free)

static void
follow_sent_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Follow *s = user_data;
	g_autoptr(GError) error = NULL;
	s->body = soup_session_send_finish(SOUP_SESSION(source), result, &error);
	hermes_assert_no_error(error);
	s->done = TRUE;
}

/* the server runs on this thread's context: iterate it until @flag, at most @ms */
static gboolean
wait_for(gboolean *flag, guint ms)
{
	gboolean timed_out = FALSE;
	guint timer = g_timeout_add(ms, hermes_test_tick_cb, &timed_out);
	while (!*flag && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (!timed_out)
		g_source_remove(timer);
	return *flag;
}

/* GET @path with @token (or none), up to the response's headers */
static Follow *
follow_open(Fixture *f, const gchar *path, const gchar *token)
{
	g_autofree gchar *uri = g_strconcat(f->url, path + 1, NULL);
	Follow *s = g_new0(Follow, 1);
	s->text = g_string_new(NULL);
	s->msg = soup_message_new("GET", uri);
	assert_non_null(s->msg);
	if (token != NULL)
		soup_message_headers_replace(
			soup_message_get_request_headers(s->msg), HERMES_HTTP_TOKEN_HEADER, token);
	soup_session_send_async(f->session, s->msg, G_PRIORITY_DEFAULT, NULL, follow_sent_cb, s);
	if (!wait_for(&s->done, 10000))
		fail_msg("no answer to GET %s", path);
	return s;
}

static void
follow_read_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	Follow *s = user_data;
	g_autoptr(GError) error = NULL;
	gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), result, &error);
	if (n > 0)
		g_string_append_len(s->text, s->buffer, n);
	else if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		s->eof = TRUE;
	s->done = TRUE;
}

/* reads until @needle arrived, the end, or @ms passed; whether @needle arrived */
static gboolean
follow_read_until(Follow *s, const gchar *needle, guint ms)
{
	gboolean timed_out = FALSE;
	guint timer = g_timeout_add(ms, hermes_test_tick_cb, &timed_out);
	while ((needle == NULL || strstr(s->text->str, needle) == NULL) && !s->eof && !timed_out) {
		g_autoptr(GCancellable) cancel = g_cancellable_new();
		s->done = FALSE;
		g_input_stream_read_async(s->body,
					  s->buffer,
					  sizeof(s->buffer),
					  G_PRIORITY_DEFAULT,
					  cancel,
					  follow_read_cb,
					  s);
		while (!s->done) {
			g_main_context_iteration(NULL, TRUE);
			if (timed_out)
				g_cancellable_cancel(cancel);
		}
	}
	if (!timed_out)
		g_source_remove(timer);
	return needle != NULL && strstr(s->text->str, needle) != NULL;
}

/* a line as s6-log's `T` directive writes it: local time, two spaces, the text */
static void
log_append(Fixture *f, const gchar *text)
{
	g_autofree gchar *file = g_build_filename(f->log_dir, "current", NULL);
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree gchar *stamp = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
	g_autofree gchar *line =
		g_strdup_printf("%s.%06d000  %s\n", stamp, g_date_time_get_microsecond(now), text);
	gint fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, line, strlen(line)), (gssize)strlen(line));
	close(fd);
}

static guint
count_fds(void)
{
	g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
	guint n = 0;
	assert_non_null(dir);
	while (g_dir_read_name(dir) != NULL)
		n++;
	return n;
}

static void
serve(Fixture *f, gboolean read_only_public)
{
	g_autoptr(GError) error = NULL;
	f->http = hermes_http_server_new(f->service, f->root, NULL, read_only_public, &error);
	hermes_assert_no_error(error);
	assert_true(hermes_http_server_listen(f->http, "127.0.0.1:0", &error));
	hermes_assert_no_error(error);
	f->url = g_strdup(hermes_http_server_get_url(f->http));
	f->token = hermes_dashboard_token_read(f->root, &error);
	hermes_assert_no_error(error);
}

static void
fixture_manager(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) profile = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	g_autoptr(HermesLogSource) source = NULL;

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
	/* one profile with a slot, not started: its log is what the test writes */
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
	source = hermes_service_manager_get_log_source(f->manager, "alpha", &error);
	hermes_assert_no_error(error);
	f->log_dir = g_strdup(hermes_log_source_get_directory(source));
	assert_int_equal(g_mkdir_with_parents(f->log_dir, 0700), 0);
}

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GProxyResolver) direct = g_simple_proxy_resolver_new(NULL, NULL);

	f->tmp = hermes_test_mkdtemp();
	f->scandir = g_build_filename(f->tmp, "scan", NULL);
	f->root = g_build_filename(f->tmp, "home", NULL);
	g_mkdir(f->scandir, 0755);
	g_mkdir(f->root, 0755);
	f->svscan = hermes_test_s6_start(f->scandir, f->root);
	fixture_manager(f);
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
	/* straight to the server, and room for more streams than the server allows */
	f->session = soup_session_new_with_options("proxy-resolver",
						   direct,
						   "max-conns",
						   2 * STREAMS_MAX + 8,
						   "max-conns-per-host",
						   2 * STREAMS_MAX + 8,
						   NULL);
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
	g_free(f->log_dir);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

/* the last lines, then a new one as it is written, then the end when the server closes */
static void
test_http_log_stream_follow(void **state)
{
	Fixture *f = *state;
	g_autoptr(Follow) s = NULL;
	const gchar *type;

	log_append(f, "first line");
	log_append(f, "second line");
	log_append(f, "third line");
	serve(f, FALSE);
	s = follow_open(f, "/api/gateways/alpha/log?n=2&follow=1", f->token);
	assert_int_equal(soup_message_get_status(s->msg), 200);
	type = soup_message_headers_get_content_type(soup_message_get_response_headers(s->msg),
						     NULL);
	assert_string_equal(type, "text/event-stream");
	if (!follow_read_until(s, "third line", LINE_WAIT_MS))
		fail_msg("the last lines did not come: %s", s->text->str);
	/* n=2: the two last, each an event of the snapshot's line shape */
	assert_null(strstr(s->text->str, "first line"));
	assert_true(g_str_has_prefix(s->text->str, "event: line\ndata: {\"time_us\":"));
	hermes_assert_str_contains(s->text->str,
				   "\"stream\":0,\"text\":\"second line\"}\n\nevent: line\n");
	g_string_truncate(s->text, 0);

	/* a line written now arrives, within a bounded time */
	log_append(f, "a new line");
	if (!follow_read_until(s, "\"text\":\"a new line\"}\n\n", LINE_WAIT_MS))
		fail_msg(
			"the new line did not come within %u ms: '%s'", LINE_WAIT_MS, s->text->str);
	assert_true(g_str_has_prefix(s->text->str, "event: line\ndata: {\"time_us\":"));
	g_string_truncate(s->text, 0);

	/* closing the server ends the stream: the client sees the end (`event: end` may not
	 * make it out: the server drops its connections as it closes) */
	hermes_http_server_close(f->http);
	(void)follow_read_until(s, NULL, 5000);
	assert_true(s->eof);
	assert_true(s->text->len == 0 || g_str_has_prefix(s->text->str, "event: end\n"));
}

/* no token, no stream: the snapshot's rule (logs always want the token) */
static void
test_http_log_stream_refusals(void **state)
{
	Fixture *f = *state;
	const gchar *bad[] = {"n=0&follow=1", "n=1001&follow=1", "follow=yes"};

	log_append(f, "a secret line");
	/* even with --http-read-only-public */
	serve(f, TRUE);
	for (guint i = 0; i < 2; i++) {
		g_autoptr(Follow) s = follow_open(f,
						  "/api/gateways/alpha/log?follow=1",
						  i == 0 ? NULL
							 : "0000000000000000000000000000000"
							   "000000000000000000000000000000000");
		const gchar *type = soup_message_headers_get_content_type(
			soup_message_get_response_headers(s->msg), NULL);
		assert_int_equal(soup_message_get_status(s->msg), 401);
		assert_string_equal(type, "application/json");
		(void)follow_read_until(s, NULL, 5000);
		assert_true(s->eof);
		assert_null(strstr(s->text->str, "event:"));
		assert_null(strstr(s->text->str, "secret"));
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autofree gchar *path = g_strconcat("/api/gateways/alpha/log?", bad[i], NULL);
		g_autoptr(Follow) s = follow_open(f, path, f->token);
		assert_int_equal(soup_message_get_status(s->msg), 400);
	}
	/* a gateway without a profile has no log */
	{
		g_autoptr(Follow) s = follow_open(f, "/api/gateways/nobody/log?follow=1", f->token);
		assert_int_equal(soup_message_get_status(s->msg), 404);
	}
}

/* the 33rd stream open at once is refused with a 503 that says why; a freed slot is reused */
static void
test_http_log_stream_cap(void **state)
{
	Fixture *f = *state;
	g_autoptr(GPtrArray) open = g_ptr_array_new_with_free_func((GDestroyNotify)follow_free);

	log_append(f, "a line");
	serve(f, FALSE);
	for (guint i = 0; i < STREAMS_MAX; i++) {
		Follow *s = follow_open(f, "/api/gateways/alpha/log?n=1&follow=1", f->token);
		g_ptr_array_add(open, s);
		assert_int_equal(soup_message_get_status(s->msg), 200);
		assert_true(follow_read_until(s, "\"text\":\"a line\"", LINE_WAIT_MS));
	}
	{
		g_autoptr(Follow) s = follow_open(f, "/api/gateways/alpha/log?follow=1", f->token);
		const gchar *type = soup_message_headers_get_content_type(
			soup_message_get_response_headers(s->msg), NULL);
		assert_int_equal(soup_message_get_status(s->msg), 503);
		assert_string_equal(type, "application/json");
		(void)follow_read_until(s, NULL, 5000);
		hermes_assert_str_contains(s->text->str, "\"status\" : 503");
		hermes_assert_str_contains(s->text->str, "log streams are open already");
	}
	/* one client goes away: its slot is free again */
	g_ptr_array_remove_index(open, 0);
	for (guint attempt = 0;; attempt++) {
		g_autoptr(Follow) s = follow_open(f, "/api/gateways/alpha/log?follow=1", f->token);
		if (soup_message_get_status(s->msg) == 200)
			break;
		/* the server learns of the close on its next iterations */
		assert_int_equal(soup_message_get_status(s->msg), 503);
		if (attempt >= 50)
			fail_msg("the closed stream's slot was not freed");
		hermes_test_spin(20);
	}
}

/* a closed client frees its stream and its reader: many cycles hold nothing */
static void
test_http_log_stream_cycles(void **state)
{
	Fixture *f = *state;
	guint before;

	log_append(f, "a line");
	serve(f, FALSE);
	/* one cycle first: what libsoup keeps for good (its own sources) is in the count */
	{
		g_autoptr(Follow) s =
			follow_open(f, "/api/gateways/alpha/log?n=1&follow=1", f->token);
		assert_true(follow_read_until(s, "\"text\":\"a line\"", LINE_WAIT_MS));
	}
	hermes_test_spin(100);
	before = count_fds();
	for (guint i = 0; i < STREAMS_MAX + 8; i++) {
		g_autoptr(Follow) s =
			follow_open(f, "/api/gateways/alpha/log?n=1&follow=1", f->token);
		if (soup_message_get_status(s->msg) != 200)
			fail_msg("cycle %u: %u", i, soup_message_get_status(s->msg));
		assert_true(follow_read_until(s, "\"text\":\"a line\"", LINE_WAIT_MS));
		/* let the server see the close before the next one */
		hermes_test_spin(10);
	}
	/* and then a stream still works: a new line reaches it */
	{
		g_autoptr(Follow) s =
			follow_open(f, "/api/gateways/alpha/log?n=1&follow=1", f->token);
		assert_int_equal(soup_message_get_status(s->msg), 200);
		assert_true(follow_read_until(s, "\"text\":\"a line\"", LINE_WAIT_MS));
		log_append(f, "after the cycles");
		if (!follow_read_until(s, "\"text\":\"after the cycles\"", LINE_WAIT_MS))
			fail_msg("no new line after the cycles: %s", s->text->str);
	}
	hermes_test_spin(100);
	/* the readers' descriptors and watches went with their streams */
	if (count_fds() > before + 2)
		fail_msg("%u descriptors before the cycles, %u after", before, count_fds());
}

/* a reader that fails ends its stream with `event: end` and why */
static void
test_http_log_stream_reader_fails(void **state)
{
	Fixture *f = *state;
	g_autoptr(Follow) s = NULL;
	g_autofree gchar *current = g_build_filename(f->log_dir, "current", NULL);
	g_autofree gchar *moved = g_build_filename(f->log_dir, "@400000006b161d042ecda40e.s", NULL);
	g_autofree gchar *link_tmp = g_build_filename(f->log_dir, "processed", NULL);

	log_append(f, "a line");
	serve(f, FALSE);
	s = follow_open(f, "/api/gateways/alpha/log?n=1&follow=1", f->token);
	assert_int_equal(soup_message_get_status(s->msg), 200);
	assert_true(follow_read_until(s, "\"text\":\"a line\"", LINE_WAIT_MS));
	/* `current` rotated away and replaced by a link out of the directory: refused. In
	 * one rename, so the reader never looks between (it would wait for a new file) */
	assert_int_equal(link(current, moved), 0);
	assert_int_equal(symlink("/etc/passwd", link_tmp), 0);
	assert_int_equal(g_rename(link_tmp, current), 0);
	(void)follow_read_until(s, NULL, 5000);
	if (!s->eof || strstr(s->text->str, "event: end\ndata: {\"error\":{\"message\":") == NULL)
		fail_msg("the stream did not end: '%s'", s->text->str);
	assert_null(strstr(s->text->str, "root:"));
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
		T(test_http_log_stream_follow),
		T(test_http_log_stream_refusals),
		T(test_http_log_stream_cap),
		T(test_http_log_stream_cycles),
		T(test_http_log_stream_reader_fails),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
