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
 * follows the service's report-changed. Nothing here has a timer. The
 * transport (a body that does not accumulate, a client that closed seen at
 * once, a slow one cut off past HERMES_HTTP_EVENTS_MAX_QUEUED) is
 * hermes-http-sse.c; a page whose stream ends opens a new one.
 */

#include "config.h"

#include "hermes-http-private.h"
#include "hermes-http-sse.h"

/* room for the snapshot of a large home and the changes that follow it */
#define HERMES_HTTP_EVENTS_MAX_QUEUED (4 * 1024 * 1024)

typedef struct {
	HermesHttpSse sse;
	HermesHttpServer *self; /* not a reference: the server ends every stream first */
} HermesHttpStream;

static void
hermes_http_stream_free(HermesHttpStream *stream)
{
	hermes_http_sse_clear(&stream->sse);
	g_free(stream);
}

/* a client that cannot keep up is cut off: the page reconnects and gets a snapshot */
static void
hermes_http_stream_send(HermesHttpStream *stream, const gchar *event, JsonNode *node)
{
	if (!hermes_http_sse_send(&stream->sse, event, node))
		hermes_http_sse_end(&stream->sse, NULL, NULL);
}

static void
hermes_http_stream_hung_up(gpointer owner)
{
	HermesHttpStream *stream = owner;
	hermes_http_sse_end(&stream->sse, NULL, NULL);
}

/* the client went away (or the stream was ended): forget it */
static void
hermes_http_stream_finished(gpointer owner)
{
	HermesHttpStream *stream = owner;
	g_ptr_array_remove_fast(stream->self->streams, stream);
	hermes_http_stream_free(stream);
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
	stream = g_new0(HermesHttpStream, 1);
	stream->self = self;
	hermes_http_sse_start(&stream->sse,
			      msg,
			      HERMES_HTTP_EVENTS_MAX_QUEUED,
			      hermes_http_stream_hung_up,
			      hermes_http_stream_finished,
			      stream);
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
		hermes_http_sse_end(&stream->sse, NULL, NULL);
		hermes_http_stream_free(stream);
	}
}
