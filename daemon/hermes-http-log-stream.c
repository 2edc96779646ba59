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
 * HERMES_HTTP_LOG_STREAM_MAX_QUEUED. The transport (a body that does not
 * accumulate, the client's close seen at once) is hermes-http-sse.c.
 */

#include "config.h"

#include "hermes-http-private.h"
#include "hermes-http-sse.h"

/* each stream costs the daemon an inotify watch and a descriptor or two */
#define HERMES_HTTP_LOG_STREAMS_MAX 32
/* a busy gateway may write faster than a stalled client reads: memory stays bounded */
#define HERMES_HTTP_LOG_STREAM_MAX_QUEUED (1024 * 1024)

typedef struct {
	HermesHttpSse sse;
	HermesHttpServer *self; /* not a reference: the server ends every stream first */
	HermesLogReader *reader;
	gulong line_id;
	gulong failed_id;
} HermesHttpLogStream;

static void
hermes_http_log_stream_free(HermesHttpLogStream *stream)
{
	g_clear_signal_handler(&stream->line_id, stream->reader);
	g_clear_signal_handler(&stream->failed_id, stream->reader);
	hermes_http_sse_clear(&stream->sse);
	g_object_unref(stream->reader);
	g_free(stream);
}

/* `event: end` with why, then the end of the body; the client closes, "finished" frees */
static void
hermes_http_log_stream_end(HermesHttpLogStream *stream, const gchar *message)
{
	g_autoptr(JsonNode) node = NULL;
	JsonObject *obj;
	JsonObject *error;

	/* ended already (the reader failed, the server closes before the client read it) */
	if (stream->sse.ended)
		return;
	node = json_node_new(JSON_NODE_OBJECT);
	obj = json_object_new();
	error = json_object_new();
	/* the reader says no more; it is dropped with the stream, not inside its own signal */
	g_clear_signal_handler(&stream->line_id, stream->reader);
	g_clear_signal_handler(&stream->failed_id, stream->reader);
	json_node_take_object(node, obj);
	json_object_set_string_member(error, "message", message);
	json_object_set_object_member(obj, "error", error);
	hermes_http_sse_end(&stream->sse, "end", node);
}

static void
hermes_http_log_stream_send_line(HermesHttpLogStream *stream, const HermesLogLine *line)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	json_node_take_object(node, hermes_http_api_log_line_json(line));
	if (!hermes_http_sse_send(&stream->sse, "line", node))
		hermes_http_log_stream_end(stream,
					   "the client reads more slowly than the gateway "
					   "logs: open the log again");
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
hermes_http_log_stream_hung_up(gpointer owner)
{
	hermes_http_log_stream_end(owner, "the client went away");
}

/* the client went away, or read the end: drop the reader with the stream */
static void
hermes_http_log_stream_finished(gpointer owner)
{
	HermesHttpLogStream *stream = owner;
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
	stream = g_new0(HermesHttpLogStream, 1);
	stream->self = self;
	stream->reader = reader;
	hermes_http_sse_start(&stream->sse,
			      msg,
			      HERMES_HTTP_LOG_STREAM_MAX_QUEUED,
			      hermes_http_log_stream_hung_up,
			      hermes_http_log_stream_finished,
			      stream);
	g_ptr_array_add(self->log_streams, stream);
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
