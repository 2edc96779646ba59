/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * GET /api/gateways/NAME/log?n=N&follow=1: a gateway's log as it is
 * written, as Server-Sent Events (`tail -f` for the page). A stream opens
 * with one `event: line` per line of the last N, then carries one per line
 * the HermesLogReader delivers (a GFileMonitor on s6-log's directory or the
 * journal's fd: nothing here has a timer), each `data:` one member of the
 * snapshot's `lines`. When the reader fails, `event: end` names why and the
 * stream ends.
 *
 * Each stream holds a reader, so descriptors and inotify watches: the reader
 * lives exactly as long as its client's stream, at most
 * HERMES_HTTP_LOG_STREAMS_MAX streams are open at once, and a client that
 * does not read is cut off before what is queued for it passes
 * HERMES_HTTP_LOG_STREAM_MAX_QUEUED (a stream's body does not accumulate:
 * what was written is dropped).
 */

#include "config.h"

#include "hermes-http-private.h"

/* each stream costs the daemon an inotify watch and a descriptor or two */
#define HERMES_HTTP_LOG_STREAMS_MAX 32
/* a busy gateway may write faster than a stalled client reads: memory stays bounded */
#define HERMES_HTTP_LOG_STREAM_MAX_QUEUED (1024 * 1024)

typedef struct {
	HermesHttpServer *self; /* not a reference: the server ends every stream first */
	SoupServerMessage *msg;
	HermesLogReader *reader;
	gulong finished_id;
	gulong wrote_id;
	gulong line_id;
	gulong failed_id;
	GSource *hangup; /* the client's socket, watched for its close */
	gsize queued;	 /* bytes appended to the body and not written yet */
	gboolean ending; /* `event: end` was sent: nothing more goes out */
} HermesHttpLogStream;

static void
hermes_http_log_stream_free(HermesHttpLogStream *stream)
{
	g_clear_signal_handler(&stream->finished_id, stream->msg);
	g_clear_signal_handler(&stream->wrote_id, stream->msg);
	g_clear_signal_handler(&stream->line_id, stream->reader);
	g_clear_signal_handler(&stream->failed_id, stream->reader);
	if (stream->hangup != NULL) {
		g_source_destroy(stream->hangup);
		g_source_unref(stream->hangup);
	}
	g_object_unref(stream->reader);
	g_object_unref(stream->msg);
	g_free(stream);
}

static void
hermes_http_log_stream_append(HermesHttpLogStream *stream, const gchar *event, JsonNode *node)
{
	g_autofree gchar *data = json_to_string(node, FALSE);
	g_autofree gchar *text = g_strdup_printf("event: %s\ndata: %s\n\n", event, data);
	gsize length = strlen(text);
	SoupMessageBody *body = soup_server_message_get_response_body(stream->msg);
	soup_message_body_append(body, SOUP_MEMORY_TAKE, g_steal_pointer(&text), length);
	stream->queued += length;
	soup_server_message_unpause(stream->msg);
}

/* `event: end` with why, then the end of the body; the client closes, "finished" frees */
static void
hermes_http_log_stream_end(HermesHttpLogStream *stream, const gchar *message)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	JsonObject *obj = json_object_new();
	JsonObject *error = json_object_new();

	if (stream->ending)
		return;
	stream->ending = TRUE;
	/* the reader says no more; it is dropped with the stream, not inside its own signal */
	g_clear_signal_handler(&stream->line_id, stream->reader);
	g_clear_signal_handler(&stream->failed_id, stream->reader);
	json_node_take_object(node, obj);
	json_object_set_string_member(error, "message", message);
	json_object_set_object_member(obj, "error", error);
	hermes_http_log_stream_append(stream, "end", node);
	soup_message_body_complete(soup_server_message_get_response_body(stream->msg));
	soup_server_message_unpause(stream->msg);
}

static void
hermes_http_log_stream_send_line(HermesHttpLogStream *stream, const HermesLogLine *line)
{
	g_autoptr(JsonNode) node = NULL;
	if (stream->ending)
		return;
	if (stream->queued > HERMES_HTTP_LOG_STREAM_MAX_QUEUED) {
		hermes_http_log_stream_end(stream,
					   "the client reads more slowly than the gateway "
					   "logs: open the log again");
		return;
	}
	node = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(node, hermes_http_api_log_line_json(line));
	hermes_http_log_stream_append(stream, "line", node);
}

static void
hermes_http_log_stream_line_cb(HermesLogReader *reader, HermesLogLine *line, gpointer user_data)
{
	hermes_http_log_stream_send_line(user_data, line);
}

static void
hermes_http_log_stream_failed_cb(HermesLogReader *reader, GError *error, gpointer user_data)
{
	hermes_http_log_stream_end(user_data, error->message);
}

static void
hermes_http_log_stream_wrote_cb(SoupServerMessage *msg, guint size, gpointer user_data)
{
	HermesHttpLogStream *stream = user_data;
	stream->queued -= MIN(stream->queued, size);
}

/*
 * libsoup looks at a connection only to write to it: a client that closed a
 * quiet log's stream would hold its reader until the gateway logs again.
 * The socket says so first: readable with nothing to read is the client's
 * close, and anything else an SSE client has no business sending. Ending the
 * stream makes libsoup write, fail and finish the message.
 */
static gboolean
hermes_http_log_stream_hangup_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	HermesHttpLogStream *stream = user_data;
	g_autoptr(GError) error = NULL;
	gchar byte;
	GInputVector vector = {&byte, 1};
	gint flags = G_SOCKET_MSG_PEEK;
	/* readable: the peek does not block, nor take anything libsoup would read */
	gssize n = g_socket_receive_message(
		socket, NULL, &vector, 1, NULL, NULL, &flags, NULL, &error);

	if (n < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
		return G_SOURCE_CONTINUE;
	g_clear_pointer(&stream->hangup, g_source_unref);
	hermes_http_log_stream_end(stream, "the client went away");
	return G_SOURCE_REMOVE;
}

static void
hermes_http_log_stream_watch(HermesHttpLogStream *stream)
{
	GSocket *socket = soup_server_message_get_socket(stream->msg);
	if (socket == NULL)
		return;
	stream->hangup = g_socket_create_source(socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
	g_source_set_callback(
		stream->hangup, G_SOURCE_FUNC(hermes_http_log_stream_hangup_cb), stream, NULL);
	g_source_attach(stream->hangup, NULL);
}

/* the client went away, or read the end: drop the reader with the stream */
static void
hermes_http_log_stream_finished_cb(SoupServerMessage *msg, gpointer user_data)
{
	HermesHttpLogStream *stream = user_data;
	g_ptr_array_remove_fast(stream->self->log_streams, stream);
	hermes_http_log_stream_free(stream);
}

/* the reader at the end of the last @n lines, or %NULL and an answer sent */
static HermesLogReader *
hermes_http_log_stream_reader(HermesHttpServer *self,
			      SoupServerMessage *msg,
			      const gchar *profile,
			      guint n,
			      GPtrArray **lines)
{
	HermesServiceManager *manager = hermes_status_service_get_manager(self->service);
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesLogSource) source = NULL;
	g_autoptr(HermesLogReader) reader = NULL;

	source = hermes_service_manager_get_log_source(manager, profile, &error);
	if (source != NULL)
		reader = hermes_log_reader_new(source, profile, &error);
	if (reader != NULL)
		*lines = hermes_log_reader_tail(reader, n, HERMES_LOG_NO_TIME, &error);
	if (reader == NULL || *lines == NULL) {
		hermes_http_server_reply_error(
			msg, hermes_http_api_status_for(error), error->message);
		return NULL;
	}
	return g_steal_pointer(&reader);
}

/**
 * hermes_http_log_stream_open:
 * @self: the server
 * @msg: an authorized GET of `/api/gateways/NAME/log?follow=1`
 * @profile: the gateway
 * @n: how many lines of the past to send first
 *
 * Answers with the gateway's log as it is written, until the client goes
 * away, the reader fails or the server closes. Refused with 503 when
 * %HERMES_HTTP_LOG_STREAMS_MAX streams are open already.
 */
void
hermes_http_log_stream_open(HermesHttpServer *self,
			    SoupServerMessage *msg,
			    const gchar *profile,
			    guint n)
{
	SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	HermesHttpLogStream *stream;
	HermesLogReader *reader;

	if (self->log_streams->len >= HERMES_HTTP_LOG_STREAMS_MAX) {
		g_autofree gchar *text =
			g_strdup_printf("%u log streams are open already, the most there may "
					"be: close one and try again",
					self->log_streams->len);
		hermes_http_server_reply_error(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, text);
		return;
	}
	reader = hermes_http_log_stream_reader(self, msg, profile, n, &lines);
	if (reader == NULL)
		return;
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	soup_message_headers_replace(headers, "Content-Type", "text/event-stream; charset=utf-8");
	soup_message_headers_replace(headers, "Cache-Control", "no-store");
	soup_message_headers_set_encoding(headers, SOUP_ENCODING_CHUNKED);
	/* written lines are dropped, or a long-open stream would keep all it sent */
	soup_message_body_set_accumulate(soup_server_message_get_response_body(msg), FALSE);
	stream = g_new0(HermesHttpLogStream, 1);
	stream->self = self;
	stream->msg = g_object_ref(msg);
	stream->reader = reader;
	stream->finished_id = g_signal_connect(
		msg, "finished", G_CALLBACK(hermes_http_log_stream_finished_cb), stream);
	stream->wrote_id = g_signal_connect(
		msg, "wrote-body-data", G_CALLBACK(hermes_http_log_stream_wrote_cb), stream);
	g_ptr_array_add(self->log_streams, stream);
	hermes_http_log_stream_watch(stream);
	for (guint i = 0; i < lines->len; i++)
		hermes_http_log_stream_send_line(stream, g_ptr_array_index(lines, i));
	stream->line_id = g_signal_connect(
		reader, "line", G_CALLBACK(hermes_http_log_stream_line_cb), stream);
	stream->failed_id = g_signal_connect(
		reader, "failed", G_CALLBACK(hermes_http_log_stream_failed_cb), stream);
	/* lines written since the tail come first, from inside this call */
	if (!hermes_log_reader_follow(reader, &error))
		hermes_http_log_stream_end(stream, error->message);
}

/**
 * hermes_http_log_stream_stop:
 * @self: the server
 *
 * Ends every log stream (`event: end`, then the end of its body, so its
 * client sees it) and drops their readers.
 */
void
hermes_http_log_stream_stop(HermesHttpServer *self)
{
	while (self->log_streams->len > 0) {
		HermesHttpLogStream *stream = g_ptr_array_steal_index_fast(self->log_streams, 0);
		hermes_http_log_stream_end(stream, "the daemon stops serving the dashboard");
		hermes_http_log_stream_free(stream);
	}
}
