/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * One Server-Sent Events response (GET /api/events, a log's ?follow=1): the
 * headers, `event:`/`data:` blocks of JSON, and what keeps a long-lived
 * stream from costing the daemon more than it must:
 *
 * - the body does not accumulate: what was written is dropped, or a page
 *   left open for days would keep every event it was ever sent;
 * - what is queued for a client that does not read is counted, and past
 *   the owner's bound send() says stop (the owner ends the stream);
 * - libsoup looks at a connection only to write to it, so a client that
 *   closed a quiet stream would be noticed at the next event only: the
 *   socket is watched, and readable with nothing to read is the close
 *   (anything else an SSE client has no business sending).
 *
 * Nothing here has a timer.
 */

#include "config.h"

#include <string.h>

#include "hermes-http-sse.h"

static void
hermes_http_sse_wrote_cb(SoupServerMessage *msg, guint size, gpointer user_data)
{
	HermesHttpSse *sse = user_data;
	sse->queued -= MIN(sse->queued, size);
}

static void
hermes_http_sse_finished_cb(SoupServerMessage *msg, gpointer user_data)
{
	HermesHttpSse *sse = user_data;
	sse->finished(sse->owner);
}

static gboolean
hermes_http_sse_hangup_cb(GSocket *socket, GIOCondition condition, gpointer user_data)
{
	HermesHttpSse *sse = user_data;
	g_autoptr(GError) error = NULL;
	gchar byte;
	GInputVector vector = {&byte, 1};
	gint flags = G_SOCKET_MSG_PEEK;
	/* readable: the peek does not block, nor take anything libsoup would read */
	gssize n = g_socket_receive_message(
		socket, NULL, &vector, 1, NULL, NULL, &flags, NULL, &error);

	if (n < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
		return G_SOURCE_CONTINUE;
	g_clear_pointer(&sse->hangup, g_source_unref);
	sse->hung_up(sse->owner);
	return G_SOURCE_REMOVE;
}

/**
 * hermes_http_sse_start:
 * @sse: the transport, in its owner
 * @msg: the request, answered 200 `text/event-stream` from now on
 * @max_queued: how many unwritten bytes a client may fall behind
 * @hung_up: called when the client closes; the owner ends the stream
 * @finished: called when the message is done; the owner frees itself
 * @owner: what the callbacks get
 */
void
hermes_http_sse_start(HermesHttpSse *sse,
		      SoupServerMessage *msg,
		      gsize max_queued,
		      void (*hung_up)(gpointer owner),
		      void (*finished)(gpointer owner),
		      gpointer owner)
{
	SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
	GSocket *socket;

	memset(sse, 0, sizeof(*sse));
	sse->msg = g_object_ref(msg);
	sse->max_queued = max_queued;
	sse->hung_up = hung_up;
	sse->finished = finished;
	sse->owner = owner;
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	soup_message_headers_replace(headers, "Content-Type", "text/event-stream; charset=utf-8");
	soup_message_headers_replace(headers, "Cache-Control", "no-store");
	soup_message_headers_set_encoding(headers, SOUP_ENCODING_CHUNKED);
	soup_message_body_set_accumulate(soup_server_message_get_response_body(msg), FALSE);
	sse->finished_id =
		g_signal_connect(msg, "finished", G_CALLBACK(hermes_http_sse_finished_cb), sse);
	sse->wrote_id =
		g_signal_connect(msg, "wrote-body-data", G_CALLBACK(hermes_http_sse_wrote_cb), sse);
	socket = soup_server_message_get_socket(msg);
	if (socket != NULL) {
		sse->hangup = g_socket_create_source(socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
		g_source_set_callback(
			sse->hangup, G_SOURCE_FUNC(hermes_http_sse_hangup_cb), sse, NULL);
		g_source_attach(sse->hangup, NULL);
	}
}

static void
hermes_http_sse_append(HermesHttpSse *sse, const gchar *event, JsonNode *node)
{
	g_autofree gchar *data = json_to_string(node, FALSE);
	g_autofree gchar *text = g_strdup_printf("event: %s\ndata: %s\n\n", event, data);
	gsize length = strlen(text);
	SoupMessageBody *body = soup_server_message_get_response_body(sse->msg);
	soup_message_body_append(body, SOUP_MEMORY_TAKE, g_steal_pointer(&text), length);
	sse->queued += length;
	soup_server_message_unpause(sse->msg);
}

/**
 * hermes_http_sse_send:
 * @sse: an open transport
 * @event: the event's name
 * @node: its data
 *
 * Returns: %FALSE, sending nothing, when the stream has ended or the client
 *   has fallen @max_queued bytes behind (the owner should end the stream)
 */
gboolean
hermes_http_sse_send(HermesHttpSse *sse, const gchar *event, JsonNode *node)
{
	if (sse->ended || sse->queued > sse->max_queued)
		return FALSE;
	hermes_http_sse_append(sse, event, node);
	return TRUE;
}

/**
 * hermes_http_sse_end:
 * @sse: a transport
 * @event: (nullable): a last event, sent whatever is queued
 * @node: (nullable): its data
 *
 * Completes the body, so the client sees the end. Once.
 */
void
hermes_http_sse_end(HermesHttpSse *sse, const gchar *event, JsonNode *node)
{
	if (sse->ended)
		return;
	sse->ended = TRUE;
	if (event != NULL)
		hermes_http_sse_append(sse, event, node);
	soup_message_body_complete(soup_server_message_get_response_body(sse->msg));
	soup_server_message_unpause(sse->msg);
}

/**
 * hermes_http_sse_clear:
 * @sse: a transport
 *
 * Forgets the message (no callback comes after this) and stops watching.
 */
void
hermes_http_sse_clear(HermesHttpSse *sse)
{
	g_clear_signal_handler(&sse->finished_id, sse->msg);
	g_clear_signal_handler(&sse->wrote_id, sse->msg);
	if (sse->hangup != NULL) {
		g_source_destroy(sse->hangup);
		g_clear_pointer(&sse->hangup, g_source_unref);
	}
	g_clear_object(&sse->msg);
}
