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
 * each stream with `event: end`, as does a reader that fails. /api/events,
 * on the same transport, lets a closed client go at once too.
 */

#include "config.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <signal.h>
#include <unistd.h>

#include "http-test.h"

/* what the server holds open at once (HERMES_HTTP_LOG_STREAMS_MAX) */
#define STREAMS_MAX 32
/* how long a line may take from `current` to the client: the reader's 100 ms rate, and slack */
#define LINE_WAIT_MS 3000

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
/* alpha's s6-log directory, made (no s6-log runs for a gateway never started) */
static gchar *
log_dir(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesLogSource) source =
		hermes_service_manager_get_log_source(f->manager, "alpha", &error);
	gchar *dir;
	hermes_assert_no_error(error);
	g_autofree gchar *current = NULL;
	dir = g_strdup(hermes_log_source_get_directory(source));
	current = g_build_filename(dir, "current", NULL);
	/* the slot's real s6-log owns the directory: at its start it moves away a `current`
	 * it did not finish, so the test writes only once s6-log has made its own */
	for (guint i = 0; i < 500 && !g_file_test(current, G_FILE_TEST_IS_REGULAR); i++)
		hermes_test_spin(20);
	if (!g_file_test(current, G_FILE_TEST_IS_REGULAR))
		fail_msg("s6-log did not start in %s", dir);
	return dir;
}

static void
log_append(Fixture *f, const gchar *text)
{
	g_autofree gchar *dir = log_dir(f);
	g_autofree gchar *file = g_build_filename(dir, "current", NULL);
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
	http_test_serve(f, "127.0.0.1:0", FALSE);
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
	http_test_serve(f, "127.0.0.1:0", TRUE);
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
	http_test_serve(f, "127.0.0.1:0", FALSE);
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
	http_test_serve(f, "127.0.0.1:0", FALSE);
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

/*
 * /api/events shares the transport (daemon/hermes-http-sse.c): a client that
 * closed is let go at once, not at the next row change (none comes here), so
 * forty pages opened and closed leave the daemon no descriptor
 */
static void
test_http_events_closed_clients_dropped(void **state)
{
	Fixture *f = *state;
	guint before;

	http_test_serve(f, "127.0.0.1:0", FALSE);
	{
		g_autoptr(Follow) s = follow_open(f, "/api/events", f->token);
		assert_true(follow_read_until(s, "event: snapshot", LINE_WAIT_MS));
	}
	hermes_test_spin(100);
	before = count_fds();
	for (guint i = 0; i < STREAMS_MAX + 8; i++) {
		g_autoptr(Follow) s = follow_open(f, "/api/events", f->token);
		if (soup_message_get_status(s->msg) != 200)
			fail_msg("cycle %u: %u", i, soup_message_get_status(s->msg));
		assert_true(follow_read_until(s, "event: snapshot", LINE_WAIT_MS));
		hermes_test_spin(10);
	}
	hermes_test_spin(100);
	if (count_fds() > before + 2)
		fail_msg("%u descriptors before the cycles, %u after", before, count_fds());
}

/* a reader that fails ends its stream with `event: end` and why */
static void
test_http_log_stream_reader_fails(void **state)
{
	Fixture *f = *state;
	g_autoptr(Follow) s = NULL;
	g_autofree gchar *dir = log_dir(f);
	g_autofree gchar *current = g_build_filename(dir, "current", NULL);
	g_autofree gchar *moved = g_build_filename(dir, "@400000006b161d042ecda40e.s", NULL);
	g_autofree gchar *link_tmp = g_build_filename(dir, "processed", NULL);

	log_append(f, "a line");
	http_test_serve(f, "127.0.0.1:0", FALSE);
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

/* the web door's fixture, with a client allowed more streams than the server */
static gint
setup(void **state)
{
	g_autoptr(GProxyResolver) direct = g_simple_proxy_resolver_new(NULL, NULL);
	Fixture *f;
	http_test_fixture_setup(state);
	f = *state;
	g_object_unref(f->session);
	f->session = soup_session_new_with_options("proxy-resolver",
						   direct,
						   "max-conns",
						   2 * STREAMS_MAX + 8,
						   "max-conns-per-host",
						   2 * STREAMS_MAX + 8,
						   NULL);
	return 0;
}

#define LT(fn) cmocka_unit_test_setup_teardown(fn, setup, http_test_fixture_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		LT(test_http_log_stream_follow),
		LT(test_http_log_stream_refusals),
		LT(test_http_log_stream_cap),
		LT(test_http_log_stream_cycles),
		LT(test_http_log_stream_reader_fails),
		LT(test_http_events_closed_clients_dropped),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, http_test_group_setup, http_test_group_teardown);
}
