/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * GET /api/events: the rows as they change, as Server-Sent Events. A stream
 * opens with `event: snapshot` (the document of GET /api/gateways), then
 * carries one `event: gateway` per row the status service draws again
 * (`{"profile": NAME, "gateway": ROW}`, ROW null when the row went away).
 * The status service follows the backend's gateway-changed signal; this
 * follows the service's report-changed. Nothing here has a timer.
 */

#include "config.h"

#include "hermes-http-private.h"

typedef struct {
	HermesHttpServer *self; /* not a reference: the server ends every stream first */
	SoupServerMessage *msg;
	gulong finished_id;
} HermesHttpStream;

static void
hermes_http_stream_free(HermesHttpStream *stream)
{
	g_clear_signal_handler(&stream->finished_id, stream->msg);
	g_object_unref(stream->msg);
	g_free(stream);
}

static void
hermes_http_stream_send(HermesHttpStream *stream, const gchar *event, JsonNode *node)
{
	g_autofree gchar *data = json_to_string(node, FALSE);
	g_autofree gchar *text = g_strdup_printf("event: %s\ndata: %s\n\n", event, data);
	gsize length = strlen(text);
	SoupMessageBody *body = soup_server_message_get_response_body(stream->msg);
	soup_message_body_append(body, SOUP_MEMORY_TAKE, g_steal_pointer(&text), length);
	soup_server_message_unpause(stream->msg);
}

static JsonNode *
hermes_http_events_snapshot(HermesHttpServer *self)
{
	HermesServiceManager *manager = hermes_status_service_get_manager(self->service);
	g_autoptr(GPtrArray) reports = hermes_status_service_dup_reports(self->service);
	return hermes_gateway_report_list_to_json(hermes_service_manager_get_name(manager),
						  hermes_service_manager_get_mode(manager),
						  reports);
}

/* the client went away (or the stream was ended): forget it */
static void
hermes_http_stream_finished_cb(SoupServerMessage *msg, gpointer user_data)
{
	HermesHttpStream *stream = user_data;
	HermesHttpServer *self = stream->self;
	g_ptr_array_remove_fast(self->streams, stream);
	hermes_http_stream_free(stream);
}

/**
 * hermes_http_events_handle:
 * @self: the server
 * @msg: a request of `/api/events`
 *
 * Opens an event stream (a GET with the read access of the API).
 */
void
hermes_http_events_handle(HermesHttpServer *self, SoupServerMessage *msg)
{
	SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
	g_autoptr(JsonNode) snapshot = NULL;
	HermesHttpStream *stream;

	if (g_strcmp0(soup_server_message_get_method(msg), "GET") != 0) {
		soup_message_headers_replace(headers, "Allow", "GET");
		hermes_http_server_reply_error(
			msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "events are read with GET");
		return;
	}
	if (!hermes_http_server_authorize(self, msg, HERMES_HTTP_ACCESS_READ))
		return;
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	soup_message_headers_replace(headers, "Content-Type", "text/event-stream; charset=utf-8");
	soup_message_headers_replace(headers, "Cache-Control", "no-store");
	soup_message_headers_set_encoding(headers, SOUP_ENCODING_CHUNKED);
	stream = g_new0(HermesHttpStream, 1);
	stream->self = self;
	stream->msg = g_object_ref(msg);
	stream->finished_id = g_signal_connect(
		msg, "finished", G_CALLBACK(hermes_http_stream_finished_cb), stream);
	g_ptr_array_add(self->streams, stream);
	snapshot = hermes_http_events_snapshot(self);
	hermes_http_stream_send(stream, "snapshot", snapshot);
}

static void
hermes_http_events_report_changed_cb(HermesStatusService *service,
				     const gchar *profile,
				     HermesGatewayReport *report,
				     gpointer user_data)
{
	HermesHttpServer *self = HERMES_HTTP_SERVER(user_data);
	g_autoptr(JsonNode) node = NULL;
	JsonObject *obj;

	if (self->streams->len == 0)
		return;
	node = json_node_new(JSON_NODE_OBJECT);
	obj = json_object_new();
	json_node_take_object(node, obj);
	json_object_set_string_member(obj, "profile", profile);
	if (report != NULL)
		json_object_set_member(obj, "gateway", hermes_gateway_report_to_json(report));
	else
		json_object_set_null_member(obj, "gateway");
	for (guint i = 0; i < self->streams->len; i++)
		hermes_http_stream_send(g_ptr_array_index(self->streams, i), "gateway", node);
}

/**
 * hermes_http_events_start:
 * @self: the server
 *
 * Follows the status service's rows for the streams to come.
 */
void
hermes_http_events_start(HermesHttpServer *self)
{
	if (self->changed_id != 0)
		return;
	self->changed_id = g_signal_connect(self->service,
					    "report-changed",
					    G_CALLBACK(hermes_http_events_report_changed_cb),
					    self);
}

/**
 * hermes_http_events_stop:
 * @self: the server
 *
 * Ends every stream (each one's body is completed, so its client sees the
 * end) and stops following the rows.
 */
void
hermes_http_events_stop(HermesHttpServer *self)
{
	g_clear_signal_handler(&self->changed_id, self->service);
	while (self->streams->len > 0) {
		HermesHttpStream *stream = g_ptr_array_steal_index_fast(self->streams, 0);
		soup_message_body_complete(soup_server_message_get_response_body(stream->msg));
		soup_server_message_unpause(stream->msg);
		hermes_http_stream_free(stream);
	}
}
