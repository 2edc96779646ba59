/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Who may use the web door, checked before any request reaches the status
 * service:
 *
 * - every request names a Host this server listens as (a page of another
 *   site that rebinds its DNS name to 127.0.0.1 names its own host);
 * - a request that changes something is a POST whose Origin, when a browser
 *   sends one, is this server's own, and which no browser marks as
 *   cross-site (Sec-Fetch-Site); a cookie would ride along on a forged
 *   request, so the credential is never one;
 * - the API wants the token of the home in the X-Hermes-Token header (or
 *   `Authorization: Bearer`), compared in constant time; a read goes
 *   without it only when the daemon was started with --http-read-only-public.
 *
 * A header that a page of another origin cannot set without a CORS
 * preflight, which this server never grants, is what makes the token a CSRF
 * check as well as a credential.
 */

#include "config.h"

#include "hermes-dashboard-token.h"
#include "hermes-http-private.h"

/**
 * hermes_http_server_reply_json:
 * @msg: the request
 * @status: the HTTP status
 * @node: the body
 *
 * Answers with @node as `application/json`, never cached.
 */
void
hermes_http_server_reply_json(SoupServerMessage *msg, guint status, JsonNode *node)
{
	g_autofree gchar *text = json_to_string(node, TRUE);
	SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
	gsize length = strlen(text);
	soup_message_headers_replace(headers, "Cache-Control", "no-store");
	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(
		msg, "application/json", SOUP_MEMORY_TAKE, g_steal_pointer(&text), length);
}

/**
 * hermes_http_server_reply_error:
 * @msg: the request
 * @status: the HTTP status
 * @message: what went wrong, for a human
 *
 * Answers `{"error": {"status": N, "message": "..."}}`.
 */
void
hermes_http_server_reply_error(SoupServerMessage *msg, guint status, const gchar *message)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	JsonObject *obj = json_object_new();
	JsonObject *error = json_object_new();
	json_node_take_object(node, obj);
	json_object_set_int_member(error, "status", status);
	json_object_set_string_member(error, "message", message);
	json_object_set_object_member(obj, "error", error);
	hermes_http_server_reply_json(msg, status, node);
}

static gboolean
hermes_http_server_host_ok(HermesHttpServer *self, const gchar *host)
{
	for (guint i = 0; i < self->host_names->len; i++) {
		const gchar *name = g_ptr_array_index(self->host_names, i);
		if (name[0] == '\0' || (host != NULL && g_ascii_strcasecmp(name, host) == 0))
			return TRUE;
	}
	return FALSE;
}

/* a browser's cross-origin POST: its Origin is another, or it says so itself */
static gboolean
hermes_http_server_same_origin(SoupMessageHeaders *headers, const gchar *host)
{
	const gchar *origin = soup_message_headers_get_one(headers, "Origin");
	const gchar *site = soup_message_headers_get_one(headers, "Sec-Fetch-Site");
	g_autofree gchar *own = g_strconcat("http://", host != NULL ? host : "", NULL);

	if (site != NULL && g_strcmp0(site, "same-origin") != 0 && g_strcmp0(site, "none") != 0)
		return FALSE;
	/* no Origin: not a browser (curl, a script), held to the token alone */
	if (origin == NULL)
		return TRUE;
	return host != NULL && g_ascii_strcasecmp(origin, own) == 0;
}

static const gchar *
hermes_http_server_given_token(SoupMessageHeaders *headers)
{
	const gchar *token = soup_message_headers_get_one(headers, HERMES_HTTP_TOKEN_HEADER);
	const gchar *authorization = soup_message_headers_get_one(headers, "Authorization");
	if (token != NULL)
		return token;
	if (authorization != NULL && g_ascii_strncasecmp(authorization, "Bearer ", 7) == 0)
		return authorization + 7;
	return NULL;
}

/**
 * hermes_http_server_authorize:
 * @self: a #HermesHttpServer
 * @msg: the request
 * @access: what it would do
 *
 * Applies the rules above; a refused request is answered here (403 for a
 * foreign Host or Origin, 401 without the right token).
 *
 * Returns: %TRUE if the request may go on
 */
gboolean
hermes_http_server_authorize(HermesHttpServer *self,
			     SoupServerMessage *msg,
			     HermesHttpAccess access)
{
	SoupMessageHeaders *headers = soup_server_message_get_request_headers(msg);
	const gchar *host = soup_message_headers_get_one(headers, "Host");
	const gchar *given = hermes_http_server_given_token(headers);

	if (!hermes_http_server_host_ok(self, host)) {
		hermes_http_server_reply_error(
			msg, SOUP_STATUS_FORBIDDEN, "this server does not answer to that Host");
		return FALSE;
	}
	if (access == HERMES_HTTP_ACCESS_WRITE && !hermes_http_server_same_origin(headers, host)) {
		hermes_http_server_reply_error(
			msg, SOUP_STATUS_FORBIDDEN, "a request from another origin is refused");
		return FALSE;
	}
	if (access == HERMES_HTTP_ACCESS_READ && self->read_only_public)
		return TRUE;
	if (!hermes_dashboard_token_equal(self->token, given)) {
		soup_message_headers_replace(soup_server_message_get_response_headers(msg),
					     "WWW-Authenticate",
					     "Bearer realm=\"hermes-svcd\"");
		hermes_http_server_reply_error(msg,
					       SOUP_STATUS_UNAUTHORIZED,
					       given == NULL
						       ? "the dashboard token is missing (see "
							 "`hermes dashboard url`)"
						       : "the dashboard token is wrong");
		return FALSE;
	}
	return TRUE;
}
