/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * A client of etcd v3 through its JSON gateway (POST /v3/... on every
 * member's client URL), over libsoup 3: the gateway is part of every etcd
 * since 3.3, needs no generated gRPC code, and libsoup already serves the
 * dashboard, so the cluster adds no new kind of dependency. Synchronous:
 * each call is a bounded request for a door that waits for its answer (the
 * CLI); the node agent drives the same requests from its own thread.
 *
 * No call hangs: one endpoint gets HERMES_ETCD_ENDPOINT_TIMEOUT_S to
 * connect and answer, the whole call HERMES_ETCD_CALL_TIMEOUT_MS over every
 * endpoint, and a member that cannot serve (unreachable, no leader, 5xx) is
 * left for the next. The member that answered last is asked first next time.
 * Never through a proxy: the cluster is on the operator's own network.
 */

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "hermes-error.h"
#include "hermes-etcd-client-private.h"
#include "hermes-safe-file.h"
#include "hermes-state.h"

/* between two rounds over members that answered but could not serve */
#define HERMES_ETCD_RETRY_PAUSE_MS 200
/* more endpoints than any cluster has members */
#define HERMES_ETCD_MAX_ENDPOINTS 16

struct _HermesEtcdClient {
	GObject parent_instance;
	SoupSession *session;
	gchar *endpoints_text;
	GPtrArray *endpoints; /* "scheme://host:port", no trailing slash */
	guint current;
	gchar *user;
	gchar *password;
	gchar *token;
	GTlsCertificate *client_cert;
	guint call_timeout_ms;
	GCancellable *cancellable; /* the caller's own deadline, for every call */
};

G_DEFINE_TYPE(HermesEtcdClient, hermes_etcd_client, G_TYPE_OBJECT)

static void
hermes_etcd_client_finalize(GObject *object)
{
	HermesEtcdClient *self = HERMES_ETCD_CLIENT(object);
	g_clear_object(&self->session);
	g_clear_object(&self->client_cert);
	g_clear_object(&self->cancellable);
	g_free(self->endpoints_text);
	g_ptr_array_unref(self->endpoints);
	g_free(self->user);
	if (self->password != NULL)
		memset(self->password, 0, strlen(self->password));
	g_free(self->password);
	g_free(self->token);
	G_OBJECT_CLASS(hermes_etcd_client_parent_class)->finalize(object);
}

static void
hermes_etcd_client_class_init(HermesEtcdClientClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = hermes_etcd_client_finalize;
}

static void
hermes_etcd_client_init(HermesEtcdClient *self)
{
	g_autoptr(GProxyResolver) direct = g_simple_proxy_resolver_new(NULL, NULL);
	self->endpoints = g_ptr_array_new_with_free_func(g_free);
	self->call_timeout_ms = HERMES_ETCD_CALL_TIMEOUT_MS;
	self->session = soup_session_new_with_options("proxy-resolver",
						      direct,
						      "timeout",
						      HERMES_ETCD_ENDPOINT_TIMEOUT_S,
						      "user-agent",
						      "hermes-svc",
						      NULL);
}

/* one client URL: http(s)://host:port, nothing else */
static gchar *
hermes_etcd_client_check_endpoint(const gchar *text, GError **error)
{
	g_autoptr(GUri) uri = NULL;
	const gchar *scheme;
	const gchar *path;

	uri = g_uri_parse(text, G_URI_FLAGS_NONE, NULL);
	scheme = uri != NULL ? g_uri_get_scheme(uri) : NULL;
	path = uri != NULL ? g_uri_get_path(uri) : NULL;
	if (uri == NULL || (g_strcmp0(scheme, "http") != 0 && g_strcmp0(scheme, "https") != 0) ||
	    g_uri_get_host(uri) == NULL || g_uri_get_host(uri)[0] == '\0' ||
	    g_uri_get_userinfo(uri) != NULL || g_uri_get_query(uri) != NULL ||
	    g_uri_get_fragment(uri) != NULL || (path[0] != '\0' && g_strcmp0(path, "/") != 0)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "'%s' is not an etcd client URL: give http://HOST:PORT or "
			    "https://HOST:PORT",
			    text);
		return NULL;
	}
	return g_uri_join(G_URI_FLAGS_NONE,
			  scheme,
			  NULL,
			  g_uri_get_host(uri),
			  g_uri_get_port(uri),
			  "",
			  NULL,
			  NULL);
}

/**
 * hermes_etcd_client_new:
 * @endpoints: client URLs of the cluster's members, separated by commas
 * @error: return location for a #GError
 *
 * Connects to nothing yet: the first call does.
 *
 * Returns: (transfer full): a client, or %NULL with %HERMES_ERROR_INVALID_ARGUMENT
 */
HermesEtcdClient *
hermes_etcd_client_new(const gchar *endpoints, GError **error)
{
	g_autoptr(HermesEtcdClient) self = g_object_new(HERMES_TYPE_ETCD_CLIENT, NULL);
	g_auto(GStrv) parts = g_strsplit(endpoints != NULL ? endpoints : "", ",", -1);

	for (guint i = 0; parts[i] != NULL; i++) {
		gchar *url;
		g_strstrip(parts[i]);
		if (parts[i][0] == '\0')
			continue;
		url = hermes_etcd_client_check_endpoint(parts[i], error);
		if (url == NULL)
			return NULL;
		g_ptr_array_add(self->endpoints, url);
	}
	if (self->endpoints->len == 0 || self->endpoints->len > HERMES_ETCD_MAX_ENDPOINTS) {
		g_set_error(
			error,
			HERMES_ERROR,
			HERMES_ERROR_INVALID_ARGUMENT,
			"give from 1 to %d etcd endpoints (--endpoints or HERMES_ETCD_ENDPOINTS)",
			HERMES_ETCD_MAX_ENDPOINTS);
		return NULL;
	}
	g_ptr_array_add(self->endpoints, NULL);
	self->endpoints_text = g_strjoinv(",", (gchar **)self->endpoints->pdata);
	g_ptr_array_set_size(self->endpoints, self->endpoints->len - 1);
	return g_steal_pointer(&self);
}

/**
 * hermes_etcd_client_get_endpoints:
 * @self: a client
 *
 * Returns: the endpoints as checked, separated by commas
 */
const gchar *
hermes_etcd_client_get_endpoints(HermesEtcdClient *self)
{
	g_return_val_if_fail(HERMES_IS_ETCD_CLIENT(self), NULL);
	return self->endpoints_text;
}

/**
 * hermes_etcd_client_set_auth:
 * @self: a client
 * @user: an etcd user
 * @password: its password
 * @error: return location for a #GError
 *
 * Authenticates before the first call (and again when etcd says the token
 * expired) and sends the token with every request.
 *
 * Returns: %TRUE
 */
gboolean
hermes_etcd_client_set_auth(HermesEtcdClient *self,
			    const gchar *user,
			    const gchar *password,
			    GError **error)
{
	g_return_val_if_fail(HERMES_IS_ETCD_CLIENT(self), FALSE);
	if (user == NULL || user[0] == '\0' || password == NULL) {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_ARGUMENT,
				    "an etcd user needs a name and a password");
		return FALSE;
	}
	g_free(self->user);
	g_free(self->password);
	g_clear_pointer(&self->token, g_free);
	self->user = g_strdup(user);
	self->password = g_strdup(password);
	return TRUE;
}

/**
 * hermes_etcd_client_set_tls:
 * @self: a client
 * @ca_file: (nullable): the CA that signed the members' certificates (PEM)
 * @cert_file: (nullable): this client's certificate (PEM), for members that ask for one
 * @key_file: (nullable): its private key (PEM); %NULL when @cert_file holds it
 * @error: return location for a #GError
 *
 * Returns: %TRUE, or %FALSE when a file cannot be read or is not PEM
 */
gboolean
hermes_etcd_client_set_tls(HermesEtcdClient *self,
			   const gchar *ca_file,
			   const gchar *cert_file,
			   const gchar *key_file,
			   GError **error)
{
	g_return_val_if_fail(HERMES_IS_ETCD_CLIENT(self), FALSE);
	if (ca_file != NULL) {
		g_autoptr(GTlsDatabase) db = g_tls_file_database_new(ca_file, error);
		if (db == NULL) {
			g_prefix_error(error, "the etcd CA %s: ", ca_file);
			hermes_error_convert(error);
			return FALSE;
		}
		soup_session_set_tls_database(self->session, db);
	}
	if (cert_file != NULL) {
		GTlsCertificate *cert =
			key_file != NULL
				? g_tls_certificate_new_from_files(cert_file, key_file, error)
				: g_tls_certificate_new_from_file(cert_file, error);
		if (cert == NULL) {
			g_prefix_error(error, "the etcd client certificate %s: ", cert_file);
			hermes_error_convert(error);
			return FALSE;
		}
		g_clear_object(&self->client_cert);
		self->client_cert = cert;
	}
	return TRUE;
}

/* one request to one member: the answer (etcd's refusal as an error), or
 * %NULL with @unreachable set when the member could not serve it */
static JsonObject *
hermes_etcd_client_post(HermesEtcdClient *self,
			const gchar *endpoint,
			const gchar *path,
			const gchar *body,
			gboolean *unreachable,
			GError **error)
{
	g_autofree gchar *url = g_strconcat(endpoint, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new("POST", url);
	g_autoptr(GBytes) request = g_bytes_new(body, strlen(body));
	g_autoptr(GBytes) answer = NULL;
	g_autoptr(GError) error_local = NULL;
	JsonObject *result;
	const gchar *data;
	gsize length = 0;
	guint status;

	*unreachable = FALSE;
	soup_message_set_request_body_from_bytes(msg, "application/json", request);
	if (self->token != NULL)
		soup_message_headers_replace(
			soup_message_get_request_headers(msg), "Authorization", self->token);
	if (self->client_cert != NULL)
		soup_message_set_tls_client_certificate(msg, self->client_cert);
	answer = soup_session_send_and_read(self->session, msg, self->cancellable, error);
	status = soup_message_get_status(msg);
	if (answer == NULL || status >= 500 || status == 0) {
		*unreachable = TRUE;
		/* a member that answers but cannot serve (no leader yet): worth asking again */
		if (answer != NULL)
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_COMMAND_FAILED,
				    "%s answered %u %s",
				    endpoint,
				    status,
				    soup_message_get_reason_phrase(msg));
		else
			g_prefix_error(error, "%s: ", endpoint);
		return NULL;
	}
	data = g_bytes_get_data(answer, &length);
	result = hermes_etcd_decode_response(data != NULL ? data : "", length, &error_local);
	/* etcd refuses in JSON; anything else that is not a 200 is not etcd's JSON gateway */
	if (result == NULL && status != SOUP_STATUS_OK &&
	    g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_INVALID_DATA)) {
		*unreachable = TRUE;
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
			    "%s answered %u %s, not as etcd's v3 JSON gateway does",
			    endpoint,
			    status,
			    soup_message_get_reason_phrase(msg));
		return NULL;
	}
	if (result == NULL)
		g_propagate_error(error, g_steal_pointer(&error_local));
	return result;
}

static gboolean
hermes_etcd_client_authenticate(HermesEtcdClient *self, const gchar *endpoint, GError **error);

/* one member: its answer, or %NULL with @unreachable when it could not serve */
static JsonObject *
hermes_etcd_client_ask(HermesEtcdClient *self,
		       const gchar *endpoint,
		       const gchar *path,
		       const gchar *body,
		       gboolean *unreachable,
		       GError **error)
{
	JsonObject *answer;

	*unreachable = FALSE;
	if (self->user != NULL && self->token == NULL &&
	    !hermes_etcd_client_authenticate(self, endpoint, error)) {
		*unreachable =
			g_error_matches(*error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
		return NULL;
	}
	answer = hermes_etcd_client_post(self, endpoint, path, body, unreachable, error);
	/* an expired token: once more with a new one */
	if (answer == NULL && self->token != NULL &&
	    g_error_matches(*error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED)) {
		g_clear_pointer(&self->token, g_free);
		g_clear_error(error);
		if (hermes_etcd_client_authenticate(self, endpoint, error))
			answer = hermes_etcd_client_post(
				self, endpoint, path, body, unreachable, error);
	}
	return answer;
}

/*
 * @path with @request: asked of each member in turn until one answers, all
 * within the call's time (HERMES_ETCD_CALL_TIMEOUT_MS unless
 * hermes_etcd_client_set_call_timeout() said less). A member that answered but could not
 * serve (5xx: no leader while one is elected) makes the round worth another
 * after a pause; when every member refused or timed out, the cluster is
 * unreachable at once.
 */
JsonObject *
hermes_etcd_client_call(HermesEtcdClient *self,
			const gchar *path,
			JsonObject *request,
			GError **error)
{
	g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), request);
	g_autofree gchar *body = json_to_string(node, FALSE);
	g_autoptr(GError) last = NULL;
	gint64 deadline = g_get_monotonic_time() + (gint64)self->call_timeout_ms * 1000;
	gboolean busy = TRUE;

	while (busy && g_get_monotonic_time() < deadline) {
		busy = FALSE;
		for (guint attempt = 0; attempt < self->endpoints->len; attempt++) {
			guint idx = (self->current + attempt) % self->endpoints->len;
			gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
			gboolean unreachable = FALSE;
			JsonObject *answer;

			if (left_ms <= 0 || g_cancellable_is_cancelled(self->cancellable))
				break;
			g_object_set(self->session,
				     "timeout",
				     (guint)CLAMP((left_ms + 999) / 1000,
						  1,
						  HERMES_ETCD_ENDPOINT_TIMEOUT_S),
				     NULL);
			g_clear_error(&last);
			answer = hermes_etcd_client_ask(self,
							g_ptr_array_index(self->endpoints, idx),
							path,
							body,
							&unreachable,
							&last);
			if (!unreachable) {
				self->current = idx;
				if (answer == NULL)
					g_propagate_error(error, g_steal_pointer(&last));
				return answer;
			}
			busy = busy ||
			       g_error_matches(last, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
		}
		if (busy && !g_cancellable_is_cancelled(self->cancellable))
			g_usleep(HERMES_ETCD_RETRY_PAUSE_MS * 1000);
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
		    "the etcd cluster cannot be reached at %s%s%s",
		    self->endpoints_text,
		    last != NULL ? ": " : " within the time allowed",
		    last != NULL ? last->message : "");
	return NULL;
}

static gboolean
hermes_etcd_client_authenticate(HermesEtcdClient *self, const gchar *endpoint, GError **error)
{
	g_autoptr(JsonObject) request = json_object_new();
	g_autoptr(JsonNode) node = NULL;
	g_autofree gchar *body = NULL;
	g_autoptr(JsonObject) answer = NULL;
	gboolean unreachable = FALSE;
	const gchar *token;

	json_object_set_string_member(request, "name", self->user);
	json_object_set_string_member(request, "password", self->password);
	node = json_node_init_object(json_node_alloc(), request);
	body = json_to_string(node, FALSE);
	answer = hermes_etcd_client_post(
		self, endpoint, "/v3/auth/authenticate", body, &unreachable, error);
	memset(body, 0, strlen(body));
	if (answer == NULL) {
		g_prefix_error(error, "as etcd user '%s': ", self->user);
		return FALSE;
	}
	token = hermes_json_get_string(answer, "token");
	if (token == NULL || token[0] == '\0' || strpbrk(token, "\r\n") != NULL) {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_DATA,
				    "etcd answered the authentication without a token");
		return FALSE;
	}
	self->token = g_strdup(token);
	return TRUE;
}

/**
 * hermes_etcd_client_set_cancellable:
 * @self: a client
 * @cancellable: (nullable): cancels whatever call is under way, from any thread
 *
 * For a deadline finer than the seconds of a member's timeout: the node
 * agent's watchdog cancels a renewal at its renew deadline to the moment.
 * A cancelled call fails as an unreachable cluster.
 */
void
hermes_etcd_client_set_cancellable(HermesEtcdClient *self, GCancellable *cancellable)
{
	g_return_if_fail(HERMES_IS_ETCD_CLIENT(self));
	g_set_object(&self->cancellable, cancellable);
}

/**
 * hermes_etcd_client_set_call_timeout:
 * @self: a client
 * @timeout_ms: what every following call may take in all, at most
 *   %HERMES_ETCD_CALL_TIMEOUT_MS; rounded up to whole seconds per member
 *
 * For a caller with a deadline of its own: the node agent must know whether
 * its lease was renewed before it has to fence (docs/cluster.md).
 */
void
hermes_etcd_client_set_call_timeout(HermesEtcdClient *self, guint timeout_ms)
{
	g_return_if_fail(HERMES_IS_ETCD_CLIENT(self));
	self->call_timeout_ms = CLAMP(timeout_ms, 1, HERMES_ETCD_CALL_TIMEOUT_MS);
}

/* one member's stream, or %NULL */
static GInputStream *
hermes_etcd_client_open_one(HermesEtcdClient *self,
			    const gchar *endpoint,
			    const gchar *path,
			    GBytes *body,
			    GCancellable *cancellable,
			    GError **error)
{
	g_autofree gchar *url = g_strconcat(endpoint, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new("POST", url);
	g_autoptr(GInputStream) stream = NULL;
	SoupMessageHeaders *headers = soup_message_get_request_headers(msg);
	guint status;

	if (self->user != NULL && self->token == NULL) {
		g_object_set(self->session, "timeout", HERMES_ETCD_ENDPOINT_TIMEOUT_S, NULL);
		if (!hermes_etcd_client_authenticate(self, endpoint, error))
			return NULL;
	}
	soup_message_set_request_body_from_bytes(msg, "application/json", body);
	/* a member cut off from the leader ends the stream instead of going quiet */
	soup_message_headers_replace(headers, "Grpc-Metadata-hasleader", "true");
	if (self->token != NULL)
		soup_message_headers_replace(headers, "Authorization", self->token);
	if (self->client_cert != NULL)
		soup_message_set_tls_client_certificate(msg, self->client_cert);
	/* a stream is quiet as long as nothing changes: its connection gets no I/O
	 * timeout (the caller bounds the wait for the stream to be created) */
	g_object_set(self->session, "timeout", 0, NULL);
	soup_message_add_flags(msg, SOUP_MESSAGE_NEW_CONNECTION);
	stream = soup_session_send(self->session, msg, cancellable, error);
	if (stream == NULL) {
		g_prefix_error(error, "%s: ", endpoint);
		return NULL;
	}
	status = soup_message_get_status(msg);
	if (status != SOUP_STATUS_OK) {
		if (status == SOUP_STATUS_UNAUTHORIZED)
			g_clear_pointer(&self->token, g_free);
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_COMMAND_FAILED,
			    "%s answered %u %s",
			    endpoint,
			    status,
			    soup_message_get_reason_phrase(msg));
		return NULL;
	}
	return g_steal_pointer(&stream);
}

/**
 * hermes_etcd_client_open_stream:
 * @self: a client, used for nothing else (its connections lose their I/O timeout)
 * @path: a streaming call, `/v3/watch`
 * @request: its first message
 * @cancellable: (nullable): cancels the wait for a member and the reading
 * @error: return location for a #GError
 *
 * Returns: (transfer full): etcd's answers, one JSON object per line, from the
 *   first member that takes the call; %NULL with
 *   %HERMES_ERROR_SUPERVISOR_UNAVAILABLE when none does
 */
GInputStream *
hermes_etcd_client_open_stream(HermesEtcdClient *self,
			       const gchar *path,
			       JsonObject *request,
			       GCancellable *cancellable,
			       GError **error)
{
	g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), request);
	gchar *text = json_to_string(node, FALSE);
	gsize length = strlen(text);
	g_autoptr(GBytes) body = g_bytes_new_take(text, length);
	g_autoptr(GError) last = NULL;

	g_return_val_if_fail(HERMES_IS_ETCD_CLIENT(self), NULL);
	for (guint attempt = 0; attempt < self->endpoints->len; attempt++) {
		guint idx = (self->current + attempt) % self->endpoints->len;
		GInputStream *stream;
		g_clear_error(&last);
		stream = hermes_etcd_client_open_one(self,
						     g_ptr_array_index(self->endpoints, idx),
						     path,
						     body,
						     cancellable,
						     &last);
		if (stream != NULL) {
			self->current = idx;
			return stream;
		}
		if (g_error_matches(last, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			break;
		/* the next member first next time */
		self->current = (idx + 1) % self->endpoints->len;
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
		    "no etcd member at %s takes a watch: %s",
		    self->endpoints_text,
		    last != NULL ? last->message : "none tried");
	return NULL;
}
