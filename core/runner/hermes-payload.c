/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The built-in minimal gateway: an HTTP/1.1 listener on the profile's port
 * that answers `GET /health` with JSON, so a supervised slot has something
 * real to run, to probe and to restart. Everything runs on the main loop
 * (GSocketService, async reads and writes); no threads. One request per
 * connection (`Connection: close`); a client that does not send a request
 * within a few seconds, or sends more than a few KiB of head, is dropped.
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-payload.h"

#define HERMES_PAYLOAD_MAX_HEAD	   8192
#define HERMES_PAYLOAD_TIMEOUT_SEC 5

struct _HermesPayload {
	GObject parent_instance;
	gchar *profile;
	gchar *address;
	guint port;
	gint64 started_us;
	GSocketService *service;
	GPtrArray *conns; /* HermesPayloadConn, borrowed: each frees itself */
};

G_DEFINE_FINAL_TYPE(HermesPayload, hermes_payload, G_TYPE_OBJECT)

typedef struct {
	HermesPayload *payload; /* strong */
	GSocketConnection *conn;
	GCancellable *cancellable;
	GString *head;
	gchar buf[1024];
	gchar *response;
	guint timeout_id;
} HermesPayloadConn;

static void
hermes_payload_conn_free(HermesPayloadConn *c)
{
	g_ptr_array_remove_fast(c->payload->conns, c);
	g_clear_handle_id(&c->timeout_id, g_source_remove);
	/* closing a socket stream does not block */
	g_io_stream_close(G_IO_STREAM(c->conn), NULL, NULL);
	g_object_unref(c->conn);
	g_object_unref(c->cancellable);
	g_string_free(c->head, TRUE);
	g_free(c->response);
	g_object_unref(c->payload);
	g_free(c);
}

static gboolean
hermes_payload_conn_timeout_cb(gpointer user_data)
{
	HermesPayloadConn *c = user_data;
	c->timeout_id = 0;
	g_cancellable_cancel(c->cancellable);
	return G_SOURCE_REMOVE;
}

/**
 * hermes_payload_health_json:
 * @self: a #HermesPayload
 *
 * Returns: (transfer full): the `GET /health` body:
 * `{"profile", "state": "running", "pid", "uptime_s", "port"}`
 */
gchar *
hermes_payload_health_json(HermesPayload *self)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	gint64 uptime = 0;

	g_return_val_if_fail(HERMES_IS_PAYLOAD(self), NULL);
	if (self->started_us > 0)
		uptime = (g_get_monotonic_time() - self->started_us) / G_USEC_PER_SEC;
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "profile");
	json_builder_add_string_value(builder, self->profile);
	json_builder_set_member_name(builder, "state");
	json_builder_add_string_value(builder, "running");
	json_builder_set_member_name(builder, "pid");
	json_builder_add_int_value(builder, getpid());
	json_builder_set_member_name(builder, "uptime_s");
	json_builder_add_int_value(builder, uptime);
	json_builder_set_member_name(builder, "port");
	json_builder_add_int_value(builder, self->port);
	json_builder_end_object(builder);
	root = json_builder_get_root(builder);
	return json_to_string(root, FALSE);
}

/* "GET /health?x HTTP/1.1" -> status line and body */
static gchar *
hermes_payload_respond(HermesPayload *self, const gchar *head)
{
	g_autofree gchar *line = NULL;
	g_autofree gchar *body = NULL;
	g_auto(GStrv) parts = NULL;
	const gchar *status = "400 Bad Request";
	const gchar *end = strpbrk(head, "\r\n");

	line = end != NULL ? g_strndup(head, (gsize)(end - head)) : g_strdup(head);
	parts = g_strsplit(line, " ", -1);
	if (g_strv_length(parts) == 3 && g_str_has_prefix(parts[2], "HTTP/1.")) {
		gchar *query = strchr(parts[1], '?');
		if (query != NULL)
			*query = '\0';
		if (g_strcmp0(parts[1], "/health") != 0) {
			status = "404 Not Found";
		} else if (g_strcmp0(parts[0], "GET") != 0) {
			status = "405 Method Not Allowed";
		} else {
			status = "200 OK";
			body = hermes_payload_health_json(self);
		}
	}
	if (body == NULL) {
		g_autofree gchar *escaped = g_strescape(status, NULL);
		body = g_strdup_printf("{\"error\":\"%s\"}", escaped);
	}
	return g_strdup_printf("HTTP/1.1 %s\r\n"
			       "Content-Type: application/json\r\n"
			       "Content-Length: %" G_GSIZE_FORMAT "\r\n"
			       "Connection: close\r\n"
			       "%s"
			       "\r\n"
			       "%s\n",
			       status,
			       strlen(body) + 1,
			       g_str_has_prefix(status, "405") ? "Allow: GET\r\n" : "",
			       body);
}

static void
hermes_payload_write_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	HermesPayloadConn *c = user_data;
	g_autoptr(GError) error_local = NULL;
	if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), res, NULL, &error_local))
		g_debug("health response not sent: %s", error_local->message);
	hermes_payload_conn_free(c);
}

static void
hermes_payload_read_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	HermesPayloadConn *c = user_data;
	g_autoptr(GError) error_local = NULL;
	gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), res, &error_local);

	if (n <= 0) {
		if (n < 0)
			g_debug("health request not read: %s", error_local->message);
		hermes_payload_conn_free(c);
		return;
	}
	g_string_append_len(c->head, c->buf, n);
	if (strstr(c->head->str, "\r\n\r\n") == NULL && strstr(c->head->str, "\n\n") == NULL) {
		if (c->head->len > HERMES_PAYLOAD_MAX_HEAD) {
			hermes_payload_conn_free(c);
			return;
		}
		g_input_stream_read_async(G_INPUT_STREAM(source),
					  c->buf,
					  sizeof(c->buf) - 1,
					  G_PRIORITY_DEFAULT,
					  c->cancellable,
					  hermes_payload_read_cb,
					  c);
		return;
	}
	c->response = hermes_payload_respond(c->payload, c->head->str);
	g_output_stream_write_all_async(g_io_stream_get_output_stream(G_IO_STREAM(c->conn)),
					c->response,
					strlen(c->response),
					G_PRIORITY_DEFAULT,
					c->cancellable,
					hermes_payload_write_cb,
					c);
}

static gboolean
hermes_payload_incoming_cb(GSocketService *service,
			   GSocketConnection *conn,
			   GObject *source_object,
			   gpointer user_data)
{
	HermesPayload *self = HERMES_PAYLOAD(user_data);
	HermesPayloadConn *c = g_new0(HermesPayloadConn, 1);

	c->payload = g_object_ref(self);
	c->conn = g_object_ref(conn);
	c->cancellable = g_cancellable_new();
	c->head = g_string_new(NULL);
	c->timeout_id = g_timeout_add_seconds(
		HERMES_PAYLOAD_TIMEOUT_SEC, hermes_payload_conn_timeout_cb, c);
	g_ptr_array_add(self->conns, c);
	g_input_stream_read_async(g_io_stream_get_input_stream(G_IO_STREAM(conn)),
				  c->buf,
				  sizeof(c->buf) - 1,
				  G_PRIORITY_DEFAULT,
				  c->cancellable,
				  hermes_payload_read_cb,
				  c);
	return TRUE;
}

static void
hermes_payload_dispose(GObject *object)
{
	HermesPayload *self = HERMES_PAYLOAD(object);
	hermes_payload_stop(self);
	G_OBJECT_CLASS(hermes_payload_parent_class)->dispose(object);
}

static void
hermes_payload_finalize(GObject *object)
{
	HermesPayload *self = HERMES_PAYLOAD(object);
	g_free(self->profile);
	g_free(self->address);
	g_ptr_array_unref(self->conns);
	G_OBJECT_CLASS(hermes_payload_parent_class)->finalize(object);
}

static void
hermes_payload_class_init(HermesPayloadClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = hermes_payload_dispose;
	object_class->finalize = hermes_payload_finalize;
}

static void
hermes_payload_init(HermesPayload *self)
{
	self->conns = g_ptr_array_new();
}

/**
 * hermes_payload_new:
 * @profile: the profile the gateway serves
 * @address: (nullable): an IP literal to listen on, %NULL for 127.0.0.1
 * @port: the TCP port, or 0 for any free one
 *
 * Returns: (transfer full): a payload that does not listen yet
 */
HermesPayload *
hermes_payload_new(const gchar *profile, const gchar *address, guint port)
{
	HermesPayload *self;
	g_return_val_if_fail(profile != NULL, NULL);
	g_return_val_if_fail(port <= 65535, NULL);
	self = g_object_new(HERMES_TYPE_PAYLOAD, NULL);
	self->profile = g_strdup(profile);
	self->address = g_strdup(address != NULL ? address : HERMES_PAYLOAD_DEFAULT_BIND);
	self->port = port;
	return self;
}

/**
 * hermes_payload_start:
 * @self: a #HermesPayload
 * @error: return location for a #GError
 *
 * Binds and listens; requests are served from the thread-default main
 * context whenever it runs.
 *
 * Returns: %TRUE when listening; %HERMES_ERROR_BUSY naming the port when it
 * is in use, %HERMES_ERROR_INVALID_ARGUMENT for an address that is not an
 * IP literal
 */
gboolean
hermes_payload_start(HermesPayload *self, GError **error)
{
	g_autoptr(GSocketAddress) addr = NULL;
	g_autoptr(GSocketAddress) effective = NULL;
	g_autoptr(GSocketService) service = NULL;
	g_autoptr(GError) error_local = NULL;

	g_return_val_if_fail(HERMES_IS_PAYLOAD(self), FALSE);
	g_return_val_if_fail(self->service == NULL, FALSE);
	addr = g_inet_socket_address_new_from_string(self->address, self->port);
	if (addr == NULL) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "cannot listen on '%s': not an IP address",
			    self->address);
		return FALSE;
	}
	service = g_socket_service_new();
	if (!g_socket_listener_add_address(G_SOCKET_LISTENER(service),
					   addr,
					   G_SOCKET_TYPE_STREAM,
					   G_SOCKET_PROTOCOL_TCP,
					   NULL,
					   &effective,
					   &error_local)) {
		if (g_error_matches(error_local, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE)) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_BUSY,
				    "cannot listen on %s:%u: port %u is in use by another program",
				    self->address,
				    self->port,
				    self->port);
			return FALSE;
		}
		g_propagate_prefixed_error(error,
					   g_steal_pointer(&error_local),
					   "cannot listen on %s:%u: ",
					   self->address,
					   self->port);
		hermes_error_convert(error);
		return FALSE;
	}
	self->port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(effective));
	g_signal_connect(service, "incoming", G_CALLBACK(hermes_payload_incoming_cb), self);
	self->started_us = g_get_monotonic_time();
	self->service = g_steal_pointer(&service);
	g_socket_service_start(self->service);
	return TRUE;
}

/**
 * hermes_payload_stop:
 * @self: a #HermesPayload
 *
 * Closes the listener and drops every open connection. Safe to call twice.
 */
void
hermes_payload_stop(HermesPayload *self)
{
	g_return_if_fail(HERMES_IS_PAYLOAD(self));
	for (guint i = 0; i < self->conns->len; i++) {
		HermesPayloadConn *c = g_ptr_array_index(self->conns, i);
		g_cancellable_cancel(c->cancellable);
	}
	if (self->service == NULL)
		return;
	g_signal_handlers_disconnect_by_data(self->service, self);
	g_socket_service_stop(self->service);
	g_socket_listener_close(G_SOCKET_LISTENER(self->service));
	g_clear_object(&self->service);
}

/**
 * hermes_payload_get_port:
 * @self: a #HermesPayload
 *
 * Returns: the port; once started, the one actually bound
 */
guint
hermes_payload_get_port(HermesPayload *self)
{
	g_return_val_if_fail(HERMES_IS_PAYLOAD(self), 0);
	return self->port;
}

/**
 * hermes_payload_get_address:
 * @self: a #HermesPayload
 *
 * Returns: the address it listens on
 */
const gchar *
hermes_payload_get_address(HermesPayload *self)
{
	g_return_val_if_fail(HERMES_IS_PAYLOAD(self), NULL);
	return self->address;
}
