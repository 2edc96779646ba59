/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The JSON API of the web door, the D-Bus API's twin:
 *
 *   GET  /api/gateways                    the document of `hermes --json status`
 *   GET  /api/gateways/NAME               one member of its `gateways`
 *   POST /api/gateways/NAME/start|stop|restart
 *   GET  /api/gateways/NAME/log?n=N       the last N lines of its log
 *   GET  /api/gateways/NAME/log?n=N&follow=1
 *                                         those, then each new line, as Server-Sent
 *                                         Events (hermes-http-log-stream.c)
 *
 * The rows are the status service's own (what the bus exports); an action
 * goes through its queue to HermesGatewayControl. Nothing is read or done
 * here that the bus's door does not do too.
 */

#include "config.h"

#include "hermes-error.h"
#include "hermes-http-private.h"
#include "hermes-log-reader.h"
#include "hermes-profile.h"

#define HERMES_HTTP_LOG_DEFAULT_LINES 50
#define HERMES_HTTP_LOG_MAX_LINES     1000

typedef struct {
	HermesHttpServer *self;
	SoupServerMessage *msg;
	gchar *profile;
	HermesGatewayAction verb;
} HermesHttpAction;

/**
 * hermes_http_api_status_for:
 * @error: why a request failed
 *
 * Returns: the HTTP status that says it
 */
guint
hermes_http_api_status_for(const GError *error)
{
	if (error->domain != HERMES_ERROR)
		return SOUP_STATUS_INTERNAL_SERVER_ERROR;
	switch (error->code) {
	case HERMES_ERROR_NOT_FOUND:
	case HERMES_ERROR_NOT_REGISTERED:
		return SOUP_STATUS_NOT_FOUND;
	case HERMES_ERROR_BUSY:
		return SOUP_STATUS_CONFLICT;
	case HERMES_ERROR_PERMISSION_DENIED:
		return SOUP_STATUS_FORBIDDEN;
	case HERMES_ERROR_INVALID_ARGUMENT:
		return SOUP_STATUS_BAD_REQUEST;
	case HERMES_ERROR_NOT_SUPPORTED:
		return SOUP_STATUS_NOT_IMPLEMENTED;
	case HERMES_ERROR_TIMED_OUT:
		return SOUP_STATUS_GATEWAY_TIMEOUT;
	case HERMES_ERROR_SUPERVISOR_UNAVAILABLE:
		return SOUP_STATUS_SERVICE_UNAVAILABLE;
	default:
		return SOUP_STATUS_INTERNAL_SERVER_ERROR;
	}
}

static gboolean
hermes_http_api_method(SoupServerMessage *msg, const gchar *want)
{
	if (g_strcmp0(soup_server_message_get_method(msg), want) == 0)
		return TRUE;
	soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", want);
	hermes_http_server_reply_error(msg,
				       SOUP_STATUS_METHOD_NOT_ALLOWED,
				       g_strcmp0(want, "POST") == 0 ? "an action is a POST"
								    : "this is read with GET");
	return FALSE;
}

static void
hermes_http_api_list(HermesHttpServer *self, SoupServerMessage *msg)
{
	HermesServiceManager *manager = hermes_status_service_get_manager(self->service);
	g_autoptr(GPtrArray) reports = hermes_status_service_dup_reports(self->service);
	g_autoptr(JsonNode) node =
		hermes_gateway_report_list_to_json(hermes_service_manager_get_name(manager),
						   hermes_service_manager_get_mode(manager),
						   reports);
	hermes_http_server_reply_json(msg, SOUP_STATUS_OK, node);
}

static void
hermes_http_api_one(HermesHttpServer *self, SoupServerMessage *msg, HermesGatewayReport *report)
{
	g_autoptr(JsonNode) node = hermes_gateway_report_to_json(report);
	hermes_http_server_reply_json(msg, SOUP_STATUS_OK, node);
}

static void
hermes_http_action_done_cb(GObject *source, GAsyncResult *result, gpointer user_data)
{
	HermesHttpAction *action = user_data;
	HermesHttpServer *self = action->self;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewayReport) report = NULL;

	if (!hermes_status_service_act_finish(self->service, result, &error)) {
		hermes_http_server_reply_error(
			action->msg, hermes_http_api_status_for(error), error->message);
	} else {
		g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
		JsonObject *obj = json_object_new();
		json_node_take_object(node, obj);
		json_object_set_string_member(obj, "profile", action->profile);
		json_object_set_string_member(
			obj, "action", hermes_gateway_action_to_string(action->verb));
		report = hermes_status_service_lookup_report(self->service, action->profile);
		if (report != NULL)
			json_object_set_member(
				obj, "gateway", hermes_gateway_report_to_json(report));
		else
			json_object_set_null_member(obj, "gateway");
		hermes_http_server_reply_json(action->msg, SOUP_STATUS_OK, node);
	}
	soup_server_message_unpause(action->msg);
	g_object_unref(action->msg);
	g_object_unref(action->self);
	g_free(action->profile);
	g_free(action);
}

static void
hermes_http_api_act(HermesHttpServer *self,
		    SoupServerMessage *msg,
		    const gchar *profile,
		    HermesGatewayAction verb)
{
	HermesHttpAction *action;
	if (!hermes_http_api_method(msg, "POST") ||
	    !hermes_http_server_authorize(self, msg, HERMES_HTTP_ACCESS_WRITE))
		return;
	action = g_new0(HermesHttpAction, 1);
	action->self = g_object_ref(self);
	action->msg = g_object_ref(msg);
	action->profile = g_strdup(profile);
	action->verb = verb;
	soup_server_message_pause(msg);
	hermes_status_service_act_async(
		self->service, verb, profile, hermes_http_action_done_cb, action);
}

/**
 * hermes_http_api_log_line_json:
 * @line: a line of a gateway's log
 *
 * Returns: (transfer full): `{"time_us": T, "stream": S, "text": TEXT}`, as
 * in the snapshot's `lines` and in each `event: line` of a log stream
 */
JsonObject *
hermes_http_api_log_line_json(const HermesLogLine *line)
{
	JsonObject *item = json_object_new();
	if (line->time_us != HERMES_LOG_NO_TIME)
		json_object_set_int_member(item, "time_us", line->time_us);
	else
		json_object_set_null_member(item, "time_us");
	json_object_set_int_member(item, "stream", line->stream);
	json_object_set_string_member(item, "text", line->text);
	return item;
}

static JsonNode *
hermes_http_api_log_json(const gchar *profile, GPtrArray *lines)
{
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);
	JsonObject *obj = json_object_new();
	JsonArray *array = json_array_new();
	json_node_take_object(node, obj);
	json_object_set_string_member(obj, "profile", profile);
	for (guint i = 0; i < lines->len; i++)
		json_array_add_object_element(
			array, hermes_http_api_log_line_json(g_ptr_array_index(lines, i)));
	json_object_set_array_member(obj, "lines", array);
	return node;
}

static void
hermes_http_api_log(HermesHttpServer *self,
		    SoupServerMessage *msg,
		    const gchar *profile,
		    GHashTable *query)
{
	HermesServiceManager *manager = hermes_status_service_get_manager(self->service);
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesLogSource) source = NULL;
	g_autoptr(HermesLogReader) reader = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	g_autoptr(JsonNode) node = NULL;
	const gchar *n_text = query != NULL ? g_hash_table_lookup(query, "n") : NULL;
	const gchar *follow = query != NULL ? g_hash_table_lookup(query, "follow") : NULL;
	guint64 n = HERMES_HTTP_LOG_DEFAULT_LINES;

	if (!hermes_http_api_method(msg, "GET") ||
	    !hermes_http_server_authorize(self, msg, HERMES_HTTP_ACCESS_SECRET))
		return;
	if (n_text != NULL &&
	    !g_ascii_string_to_unsigned(n_text, 10, 1, HERMES_HTTP_LOG_MAX_LINES, &n, NULL)) {
		hermes_http_server_reply_error(
			msg, SOUP_STATUS_BAD_REQUEST, "n is a number of lines from 1 to 1000");
		return;
	}
	if (follow != NULL && g_strcmp0(follow, "0") != 0 && g_strcmp0(follow, "1") != 0) {
		hermes_http_server_reply_error(msg, SOUP_STATUS_BAD_REQUEST, "follow is 0 or 1");
		return;
	}
	if (g_strcmp0(follow, "1") == 0) {
		hermes_http_log_stream_open(self, msg, profile, (guint)n);
		return;
	}
	source = hermes_service_manager_get_log_source(manager, profile, &error);
	if (source != NULL)
		reader = hermes_log_reader_new(source, profile, &error);
	if (reader != NULL)
		lines = hermes_log_reader_tail(reader, (guint)n, HERMES_LOG_NO_TIME, &error);
	if (lines == NULL) {
		hermes_http_server_reply_error(
			msg, hermes_http_api_status_for(error), error->message);
		return;
	}
	node = hermes_http_api_log_json(profile, lines);
	hermes_http_server_reply_json(msg, SOUP_STATUS_OK, node);
}

static gboolean
hermes_http_api_verb(const gchar *text, HermesGatewayAction *verb)
{
	if (g_strcmp0(text, "start") == 0)
		*verb = HERMES_GATEWAY_ACTION_START;
	else if (g_strcmp0(text, "stop") == 0)
		*verb = HERMES_GATEWAY_ACTION_STOP;
	else if (g_strcmp0(text, "restart") == 0)
		*verb = HERMES_GATEWAY_ACTION_RESTART;
	else
		return FALSE;
	return TRUE;
}

/* /api/gateways/NAME[/WHAT] */
static void
hermes_http_api_gateway(HermesHttpServer *self,
			SoupServerMessage *msg,
			const gchar *name,
			const gchar *what,
			GHashTable *query)
{
	g_autoptr(HermesGatewayReport) report = NULL;
	HermesGatewayAction verb;

	if (!hermes_profile_name_validate(name, NULL)) {
		hermes_http_server_reply_error(msg, SOUP_STATUS_NOT_FOUND, "no such gateway");
		return;
	}
	report = hermes_status_service_lookup_report(self->service, name);
	if (what == NULL) {
		if (!hermes_http_api_method(msg, "GET") ||
		    !hermes_http_server_authorize(self, msg, HERMES_HTTP_ACCESS_READ))
			return;
		if (report == NULL)
			hermes_http_server_reply_error(
				msg, SOUP_STATUS_NOT_FOUND, "no such gateway");
		else
			hermes_http_api_one(self, msg, report);
		return;
	}
	if (g_strcmp0(what, "log") == 0) {
		hermes_http_api_log(self, msg, name, query);
		return;
	}
	if (!hermes_http_api_verb(what, &verb)) {
		hermes_http_server_reply_error(msg, SOUP_STATUS_NOT_FOUND, "no such action");
		return;
	}
	/* as on the bus: only a gateway that has a row can be acted on */
	if (report == NULL) {
		if (hermes_http_api_method(msg, "POST") &&
		    hermes_http_server_authorize(self, msg, HERMES_HTTP_ACCESS_WRITE))
			hermes_http_server_reply_error(
				msg, SOUP_STATUS_NOT_FOUND, "no such gateway");
		return;
	}
	hermes_http_api_act(self, msg, name, verb);
}

/**
 * hermes_http_api_handle:
 * @self: the server
 * @msg: a request under `/api/`
 * @path: its path
 * @query: (nullable): its query, decoded
 *
 * Routes an API request; every answer, refusals too, is JSON.
 */
void
hermes_http_api_handle(HermesHttpServer *self,
		       SoupServerMessage *msg,
		       const gchar *path,
		       GHashTable *query)
{
	g_auto(GStrv) parts = g_strsplit(path + strlen("/api/"), "/", 0);
	guint n = g_strv_length(parts);

	if (n == 1 && g_strcmp0(parts[0], "gateways") == 0) {
		if (hermes_http_api_method(msg, "GET") &&
		    hermes_http_server_authorize(self, msg, HERMES_HTTP_ACCESS_READ))
			hermes_http_api_list(self, msg);
		return;
	}
	if ((n == 2 || n == 3) && g_strcmp0(parts[0], "gateways") == 0 && parts[1][0] != '\0') {
		hermes_http_api_gateway(self, msg, parts[1], n == 3 ? parts[2] : NULL, query);
		return;
	}
	hermes_http_server_reply_error(msg, SOUP_STATUS_NOT_FOUND, "no such API");
}
