/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * hermes-svcd's web door (`--http`): one page (data/dashboard/, installed,
 * no build step) and a JSON API over the same HermesStatusService the bus
 * sees, with libsoup 3. This file listens (loopback TCP or a Unix socket),
 * routes and serves the page's files; who may do what is in
 * hermes-http-auth.c, the API in hermes-http-api.c, the live rows in
 * hermes-http-events.c and the live logs in hermes-http-log-stream.c.
 */

#include "config.h"

#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "hermes-dashboard-token.h"
#include "hermes-error.h"
#include "hermes-http-private.h"
#include "hermes-safe-file.h"

G_DEFINE_FINAL_TYPE(HermesHttpServer, hermes_http_server, G_TYPE_OBJECT)

/* the page's files: exactly these, nothing else from the directory */
static const struct {
	const gchar *path;
	const gchar *file;
	const gchar *type;
} hermes_http_files[] = {
	{"/", "index.html", "text/html; charset=utf-8"},
	{"/index.html", "index.html", "text/html; charset=utf-8"},
	{"/dashboard.js", "dashboard.js", "text/javascript; charset=utf-8"},
	{"/dashboard.css", "dashboard.css", "text/css; charset=utf-8"},
};

#define HERMES_HTTP_MAX_FILE (1024 * 1024)

static void
hermes_http_server_serve_file(HermesHttpServer *self, SoupServerMessage *msg, const gchar *path)
{
	g_autofree gchar *contents = NULL;
	g_autofree gchar *file = NULL;
	g_autoptr(GError) error = NULL;
	SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);
	const gchar *method = soup_server_message_get_method(msg);
	gsize length = 0;

	for (guint i = 0; i < G_N_ELEMENTS(hermes_http_files); i++) {
		if (g_strcmp0(path, hermes_http_files[i].path) != 0)
			continue;
		if (g_strcmp0(method, "GET") != 0 && g_strcmp0(method, "HEAD") != 0) {
			soup_message_headers_replace(headers, "Allow", "GET, HEAD");
			hermes_http_server_reply_error(
				msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "only GET and HEAD");
			return;
		}
		file = g_build_filename(self->dashboard_dir, hermes_http_files[i].file, NULL);
		/* through the safe layer: no link in the directory is followed out of it */
		contents = hermes_safe_file_read(
			self->dashboard_dir, file, HERMES_HTTP_MAX_FILE, &length, &error);
		if (contents == NULL) {
			g_debug("cannot serve %s: %s", file, error->message);
			hermes_http_server_reply_error(msg,
						       SOUP_STATUS_INTERNAL_SERVER_ERROR,
						       "the page is not installed");
			return;
		}
		/* the page loads nothing but itself, and no other site may frame it */
		soup_message_headers_replace(headers,
					     "Content-Security-Policy",
					     "default-src 'none'; script-src 'self'; style-src "
					     "'self'; connect-src 'self'; img-src 'self'; "
					     "base-uri 'none'; form-action 'none'; "
					     "frame-ancestors 'none'");
		soup_message_headers_replace(headers, "X-Frame-Options", "DENY");
		soup_message_headers_replace(headers, "Cache-Control", "no-cache");
		soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
		soup_server_message_set_response(msg,
						 hermes_http_files[i].type,
						 SOUP_MEMORY_TAKE,
						 g_steal_pointer(&contents),
						 length);
		return;
	}
	/* a browser asks for an icon the page does not have: no need to log a 404 */
	if (g_strcmp0(path, "/favicon.ico") == 0) {
		soup_server_message_set_status(msg, SOUP_STATUS_NO_CONTENT, NULL);
		return;
	}
	hermes_http_server_reply_error(msg, SOUP_STATUS_NOT_FOUND, "no such page");
}

static void
hermes_http_server_request_cb(SoupServer *soup,
			      SoupServerMessage *msg,
			      const gchar *path,
			      GHashTable *query,
			      gpointer user_data)
{
	HermesHttpServer *self = HERMES_HTTP_SERVER(user_data);
	SoupMessageHeaders *headers = soup_server_message_get_response_headers(msg);

	soup_message_headers_replace(headers, "X-Content-Type-Options", "nosniff");
	soup_message_headers_replace(headers, "Referrer-Policy", "no-referrer");
	if (g_strcmp0(path, "/api/events") == 0) {
		hermes_http_events_handle(self, msg);
		return;
	}
	if (g_str_has_prefix(path, "/api/")) {
		hermes_http_api_handle(self, msg, path, query);
		return;
	}
	hermes_http_server_serve_file(self, msg, path);
}

/*****************************************************************************/
/* listening */

static gboolean
hermes_http_server_listen_unix(HermesHttpServer *self, const gchar *path, GError **error)
{
	g_autoptr(GSocket) socket = NULL;
	g_autoptr(GSocketAddress) address = NULL;
	GStatBuf st;

	/* a socket left by a daemon that died is replaced; anything else is not ours */
	if (g_lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_ARGUMENT,
				    "refusing --http unix:%s: it exists and is not a socket",
				    path);
			return FALSE;
		}
		(void)g_unlink(path);
	}
	socket = g_socket_new(
		G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
	if (socket == NULL)
		return FALSE;
	address = g_unix_socket_address_new(path);
	if (!g_socket_bind(socket, address, FALSE, error) || !g_socket_listen(socket, error))
		return FALSE;
	/* the token guards actions; the mode keeps other users from even asking */
	if (g_chmod(path, 0600) != 0) {
		hermes_error_set_errno(error, errno, "cannot chmod %s", path);
		return FALSE;
	}
	if (!soup_server_listen_socket(self->soup, socket, 0, error))
		return FALSE;
	self->unix_path = g_strdup(path);
	self->url = g_strconcat("unix:", path, NULL);
	/* a client over the socket names any host: the socket's mode is the check */
	g_ptr_array_add(self->host_names, g_strdup(""));
	return TRUE;
}

static GInetAddress *
hermes_http_server_parse_host(const gchar *host, GError **error)
{
	GInetAddress *inet;
	if (host == NULL || host[0] == '\0' || g_ascii_strcasecmp(host, "localhost") == 0)
		return g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	inet = g_inet_address_new_from_string(host);
	if (inet == NULL)
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "--http wants ADDR:PORT with an IP address or localhost, not '%s'",
			    host);
	return inet;
}

/* the Host headers a browser sends for this listener: what DNS rebinding cannot forge */
static void
hermes_http_server_add_host_names(HermesHttpServer *self, GInetAddress *inet, guint16 port)
{
	g_autofree gchar *ip = g_inet_address_to_string(inet);
	if (g_inet_address_get_family(inet) == G_SOCKET_FAMILY_IPV6)
		g_ptr_array_add(self->host_names, g_strdup_printf("[%s]:%u", ip, port));
	else
		g_ptr_array_add(self->host_names, g_strdup_printf("%s:%u", ip, port));
	if (g_inet_address_get_is_loopback(inet))
		g_ptr_array_add(self->host_names, g_strdup_printf("localhost:%u", port));
}

static gboolean
hermes_http_server_listen_tcp(HermesHttpServer *self, const gchar *spec, GError **error)
{
	g_autoptr(GInetAddress) inet = NULL;
	g_autoptr(GSocketAddress) address = NULL;
	g_autofree gchar *host = NULL;
	g_autofree gchar *ip = NULL;
	g_autoptr(GSocketAddress) local = NULL;
	GSList *listeners;
	guint16 port = 0;
	const gchar *colon = strrchr(spec, ':');
	guint64 value = 0;

	if (colon == NULL ||
	    !g_ascii_string_to_unsigned(colon + 1, 10, 0, G_MAXUINT16, &value, NULL)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "--http wants ADDR:PORT (127.0.0.1:9119, [::1]:9119, :9119) or "
			    "unix:PATH, not '%s'",
			    spec);
		return FALSE;
	}
	host = g_strndup(spec, colon - spec);
	if (host[0] == '[' && g_str_has_suffix(host, "]")) {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	inet = hermes_http_server_parse_host(host, error);
	if (inet == NULL)
		return FALSE;
	address = g_inet_socket_address_new(inet, (guint16)value);
	if (!soup_server_listen(self->soup, address, 0, error))
		return FALSE;
	/* port 0 picks one: ask the socket which (soup_server_get_uris() of libsoup 3.2
	 * loses an address each call) */
	listeners = soup_server_get_listeners(self->soup);
	if (listeners != NULL)
		local = g_socket_get_local_address(listeners->data, NULL);
	g_slist_free(listeners);
	if (local != NULL && G_IS_INET_SOCKET_ADDRESS(local))
		port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
	hermes_http_server_add_host_names(self, inet, port);
	ip = g_inet_address_to_string(inet);
	if (g_inet_address_get_family(inet) == G_SOCKET_FAMILY_IPV6)
		self->url = g_strdup_printf("http://[%s]:%u/", ip, port);
	else
		self->url = g_strdup_printf("http://%s:%u/", ip, port);
	return TRUE;
}

/**
 * hermes_http_server_listen:
 * @self: a #HermesHttpServer
 * @address: `ADDR:PORT` (an IP address or `localhost`; `:PORT` is
 *   127.0.0.1; port 0 picks a free one) or `unix:PATH`
 * @error: return location for a #GError
 *
 * Starts serving and records the URL in the home's
 * %HERMES_DASHBOARD_ADDRESS_FILE for `hermes dashboard url`.
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_http_server_listen(HermesHttpServer *self, const gchar *address, GError **error)
{
	gboolean ok;
	g_return_val_if_fail(HERMES_IS_HTTP_SERVER(self), FALSE);
	g_return_val_if_fail(address != NULL, FALSE);
	g_return_val_if_fail(self->url == NULL, FALSE);

	if (g_str_has_prefix(address, "unix:"))
		ok = hermes_http_server_listen_unix(self, address + strlen("unix:"), error);
	else
		ok = hermes_http_server_listen_tcp(self, address, error);
	if (!ok) {
		hermes_error_convert(error);
		g_prefix_error(error, "cannot serve the dashboard on %s: ", address);
		return FALSE;
	}
	soup_server_add_handler(self->soup, NULL, hermes_http_server_request_cb, self, NULL);
	hermes_http_events_start(self);
	return hermes_dashboard_address_write(self->home, self->url, error);
}

/**
 * hermes_http_server_get_url:
 * @self: a #HermesHttpServer
 *
 * Returns: (nullable): the URL served, without the token; `unix:PATH` for a socket
 */
const gchar *
hermes_http_server_get_url(HermesHttpServer *self)
{
	g_return_val_if_fail(HERMES_IS_HTTP_SERVER(self), NULL);
	return self->url;
}

/**
 * hermes_http_server_close:
 * @self: a #HermesHttpServer
 *
 * Ends the event and log streams, stops listening and forgets the address file.
 */
void
hermes_http_server_close(HermesHttpServer *self)
{
	g_return_if_fail(HERMES_IS_HTTP_SERVER(self));
	hermes_http_events_stop(self);
	hermes_http_log_stream_stop(self);
	if (self->soup != NULL) {
		soup_server_remove_handler(self->soup, NULL);
		soup_server_disconnect(self->soup);
	}
	if (self->url != NULL) {
		hermes_dashboard_address_remove(self->home);
		g_clear_pointer(&self->url, g_free);
	}
	if (self->unix_path != NULL) {
		(void)g_unlink(self->unix_path);
		g_clear_pointer(&self->unix_path, g_free);
	}
}

/**
 * hermes_http_server_new:
 * @service: the status service whose rows it shows and through which it acts
 * @home: the profile root (`HERMES_HOME`): the token is made or read there
 * @dashboard_dir: (nullable): the page's files; %NULL for
 *   `$HERMES_DASHBOARD_DIR` or the installed copy
 * @read_only_public: whether the API's reads need no token
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the server, not listening yet
 */
HermesHttpServer *
hermes_http_server_new(HermesStatusService *service,
		       const gchar *home,
		       const gchar *dashboard_dir,
		       gboolean read_only_public,
		       GError **error)
{
	g_autoptr(HermesHttpServer) self = NULL;
	const gchar *env = g_getenv(HERMES_HTTP_DASHBOARD_DIR_ENV);

	g_return_val_if_fail(HERMES_IS_STATUS_SERVICE(service), NULL);
	g_return_val_if_fail(home != NULL, NULL);
	self = g_object_new(HERMES_TYPE_HTTP_SERVER, NULL);
	self->service = g_object_ref(service);
	self->home = g_strdup(home);
	if (dashboard_dir != NULL)
		self->dashboard_dir = g_strdup(dashboard_dir);
	else if (env != NULL && env[0] != '\0')
		self->dashboard_dir = g_strdup(env);
	else
		self->dashboard_dir = g_strdup(HERMES_DASHBOARD_DIR);
	self->read_only_public = read_only_public;
	self->token = hermes_dashboard_token_ensure(home, error);
	if (self->token == NULL)
		return NULL;
	self->soup = soup_server_new("server-header", "hermes-svcd", NULL);
	return g_steal_pointer(&self);
}

static void
hermes_http_server_dispose(GObject *object)
{
	HermesHttpServer *self = HERMES_HTTP_SERVER(object);
	hermes_http_server_close(self);
	g_clear_object(&self->soup);
	g_clear_object(&self->service);
	G_OBJECT_CLASS(hermes_http_server_parent_class)->dispose(object);
}

static void
hermes_http_server_finalize(GObject *object)
{
	HermesHttpServer *self = HERMES_HTTP_SERVER(object);
	if (self->token != NULL)
		memset(self->token, 0, strlen(self->token));
	g_free(self->token);
	g_free(self->home);
	g_free(self->dashboard_dir);
	g_ptr_array_unref(self->host_names);
	g_ptr_array_unref(self->streams);
	g_ptr_array_unref(self->log_streams);
	G_OBJECT_CLASS(hermes_http_server_parent_class)->finalize(object);
}

static void
hermes_http_server_class_init(HermesHttpServerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = hermes_http_server_dispose;
	object_class->finalize = hermes_http_server_finalize;
}

static void
hermes_http_server_init(HermesHttpServer *self)
{
	self->host_names = g_ptr_array_new_with_free_func(g_free);
	self->streams = g_ptr_array_new();
	self->log_streams = g_ptr_array_new();
}
