/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Reaching systemd over D-Bus with GIO, never by running systemctl.
 *
 * The user manager is on the user's bus (`$DBUS_SESSION_BUS_ADDRESS`, or
 * `$XDG_RUNTIME_DIR/bus`); the system manager on the system bus. Both also
 * listen on a private peer-to-peer socket (`systemd/private`), used when
 * no bus is there (a host without dbus-user-session). From su, sudo, cron
 * or an installer the variables are missing or name another user's
 * directory (upstream #86558): they are derived from the uid instead, and
 * the notes say so. Every path goes through the context's root.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-systemd-bus.h"

/*****************************************************************************/
/* where the manager is */

static gchar *
hermes_systemd_user_name(guint32 uid)
{
	struct passwd pwd;
	struct passwd *result = NULL;
	gchar buf[4096];
	if (getpwuid_r((uid_t)uid, &pwd, buf, sizeof(buf), &result) == 0 && result != NULL)
		return g_strdup(result->pw_name);
	return g_strdup_printf("uid %u", uid);
}

/* the path of a `unix:path=` address (unescaped), or NULL for any other transport */
static gchar *
hermes_systemd_address_path(const gchar *address)
{
	const gchar *start;
	const gchar *end;
	g_autofree gchar *escaped = NULL;
	/* only a single-entry address is taken apart; anything else is used verbatim */
	if (!g_str_has_prefix(address, "unix:") || strchr(address, ';') != NULL)
		return NULL;
	start = strstr(address, "path=");
	if (start == NULL)
		return NULL;
	start += strlen("path=");
	end = strchr(start, ',');
	escaped = end != NULL ? g_strndup(start, end - start) : g_strdup(start);
	return g_uri_unescape_string(escaped, NULL);
}

static gchar *
hermes_systemd_unix_address(const gchar *path)
{
	g_autofree gchar *escaped = g_dbus_address_escape_value(path);
	return g_strconcat("unix:path=", escaped, NULL);
}

/* a bus address from the environment: its socket must exist and, for a user bus, be ours */
static gchar *
hermes_systemd_env_address(
	HermesContext *ctx, const gchar *name, gint64 owner, gboolean trust_other, GPtrArray *notes)
{
	const gchar *value = hermes_context_getenv(ctx, name);
	g_autofree gchar *path = NULL;
	g_autofree gchar *full = NULL;
	GStatBuf st;

	if (value == NULL || value[0] == '\0')
		return NULL;
	path = hermes_systemd_address_path(value);
	if (path == NULL) {
		/* abstract sockets, tcp, lists: nothing to check; never against a test root */
		if (trust_other && g_strcmp0(hermes_context_get_root(ctx), "/") == 0)
			return g_strdup(value);
		g_ptr_array_add(notes, g_strdup_printf("%s=%s ignored", name, value));
		return NULL;
	}
	full = hermes_context_build_path(ctx, path);
	if (g_lstat(full, &st) != 0) {
		g_ptr_array_add(
			notes,
			g_strdup_printf("%s=%s ignored: %s does not exist", name, value, full));
		return NULL;
	}
	if (owner >= 0 && st.st_uid != (uid_t)owner) {
		g_ptr_array_add(notes,
				g_strdup_printf("%s=%s ignored: it belongs to uid %u, not %u",
						name,
						value,
						(guint)st.st_uid,
						(guint)owner));
		return NULL;
	}
	return hermes_systemd_unix_address(full);
}

static gboolean
hermes_systemd_is_socket(const gchar *path)
{
	GStatBuf st;
	return g_stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

static void
hermes_systemd_endpoints_user(HermesSystemdEndpoints *self, HermesContext *ctx)
{
	const gchar *env_runtime = hermes_context_getenv(ctx, "XDG_RUNTIME_DIR");
	g_autofree gchar *uid_dir = g_strdup_printf("/run/user/%u", self->uid);
	g_autofree gchar *derived = hermes_context_build_path(ctx, uid_dir);
	gboolean foreign = FALSE;
	GStatBuf st;

	if (env_runtime != NULL && env_runtime[0] != '\0') {
		g_autofree gchar *full = g_path_is_absolute(env_runtime)
						 ? hermes_context_build_path(ctx, env_runtime)
						 : NULL;
		if (full == NULL) {
			g_ptr_array_add(self->notes,
					g_strdup_printf("XDG_RUNTIME_DIR=%s ignored: not absolute",
							env_runtime));
		} else if (g_stat(full, &st) != 0 || !S_ISDIR(st.st_mode)) {
			g_ptr_array_add(
				self->notes,
				g_strdup_printf("XDG_RUNTIME_DIR=%s ignored: not a directory",
						env_runtime));
		} else if (st.st_uid != (uid_t)self->uid) {
			/* leaked from su or sudo: that is someone else's manager (upstream #86558) */
			foreign = TRUE;
			g_ptr_array_add(self->notes,
					g_strdup_printf("XDG_RUNTIME_DIR=%s ignored: it belongs to "
							"uid %u, not %u",
							env_runtime,
							(guint)st.st_uid,
							self->uid));
		} else {
			self->runtime_dir = g_steal_pointer(&full);
		}
	}
	if (self->runtime_dir == NULL) {
		if (g_stat(derived, &st) == 0 && S_ISDIR(st.st_mode) &&
		    st.st_uid == (uid_t)self->uid) {
			self->runtime_dir = g_strdup(derived);
			g_ptr_array_add(
				self->notes,
				g_strdup_printf("%susing %s",
						env_runtime == NULL || env_runtime[0] == '\0'
							? "XDG_RUNTIME_DIR is not set: "
							: "",
						derived));
		} else {
			g_ptr_array_add(
				self->notes,
				g_strdup_printf("%s does not exist: %s has no login session "
						"and no lingering user manager",
						derived,
						self->user));
		}
	}

	self->bus_address = hermes_systemd_env_address(
		ctx, "DBUS_SESSION_BUS_ADDRESS", self->uid, !foreign, self->notes);
	if (self->bus_address == NULL && self->runtime_dir != NULL) {
		g_autofree gchar *bus = g_build_filename(self->runtime_dir, "bus", NULL);
		if (hermes_systemd_is_socket(bus)) {
			const gchar *env_bus =
				hermes_context_getenv(ctx, "DBUS_SESSION_BUS_ADDRESS");
			self->bus_address = hermes_systemd_unix_address(bus);
			if (env_bus == NULL || env_bus[0] == '\0')
				g_ptr_array_add(
					self->notes,
					g_strdup_printf("DBUS_SESSION_BUS_ADDRESS is not set: "
							"using %s",
							self->bus_address));
		}
	}
	if (self->runtime_dir != NULL) {
		g_autofree gchar *private_path =
			g_build_filename(self->runtime_dir, "systemd", "private", NULL);
		if (hermes_systemd_is_socket(private_path))
			self->private_path = g_steal_pointer(&private_path);
	}
}

static void
hermes_systemd_endpoints_system(HermesSystemdEndpoints *self, HermesContext *ctx)
{
	g_autofree gchar *bus = hermes_context_build_path(ctx, "/run/dbus/system_bus_socket");
	g_autofree gchar *private_path = hermes_context_build_path(ctx, "/run/systemd/private");

	self->bus_address =
		hermes_systemd_env_address(ctx, "DBUS_SYSTEM_BUS_ADDRESS", -1, TRUE, self->notes);
	if (self->bus_address == NULL && hermes_systemd_is_socket(bus))
		self->bus_address = hermes_systemd_unix_address(bus);
	if (hermes_systemd_is_socket(private_path))
		self->private_path = g_steal_pointer(&private_path);
}

/**
 * hermes_systemd_endpoints_new:
 * @ctx: the machine (its root and environment)
 * @scope: the user or the system manager
 * @uid: whose user manager (the caller's euid)
 *
 * Looks at the filesystem only; connects to nothing.
 *
 * Returns: (transfer full): where the manager may be reached
 */
HermesSystemdEndpoints *
hermes_systemd_endpoints_new(HermesContext *ctx, HermesSystemdScope scope, guint32 uid)
{
	HermesSystemdEndpoints *self = g_new0(HermesSystemdEndpoints, 1);
	self->scope = scope;
	self->uid = uid;
	self->user = hermes_systemd_user_name(uid);
	self->notes = g_ptr_array_new_with_free_func(g_free);
	if (scope == HERMES_SYSTEMD_SCOPE_SYSTEM)
		hermes_systemd_endpoints_system(self, ctx);
	else
		hermes_systemd_endpoints_user(self, ctx);
	return self;
}

void
hermes_systemd_endpoints_free(HermesSystemdEndpoints *self)
{
	if (self == NULL)
		return;
	g_free(self->user);
	g_free(self->runtime_dir);
	g_free(self->bus_address);
	g_free(self->private_path);
	g_ptr_array_unref(self->notes);
	g_free(self);
}

/**
 * hermes_systemd_join:
 * @lines: strings
 *
 * Returns: (transfer full): @lines joined with "; "
 */
gchar *
hermes_systemd_join(GPtrArray *lines)
{
	GString *out = g_string_new(NULL);
	for (guint i = 0; i < lines->len; i++)
		g_string_append_printf(
			out, "%s%s", i > 0 ? "; " : "", (const gchar *)g_ptr_array_index(lines, i));
	return g_string_free(out, FALSE);
}

/**
 * hermes_systemd_endpoints_describe:
 * @self: the endpoints
 *
 * Returns: (transfer full): "the user manager of NAME (uid N)" or "the system manager"
 */
gchar *
hermes_systemd_endpoints_describe(const HermesSystemdEndpoints *self)
{
	if (self->scope == HERMES_SYSTEMD_SCOPE_SYSTEM)
		return g_strdup("the system manager");
	return g_strdup_printf("the user manager of %s (uid %u)", self->user, self->uid);
}

/*****************************************************************************/
/* talking to it */

/**
 * hermes_systemd_error_convert:
 * @error: (inout) (optional) (nullable): a #GError from a D-Bus call
 *
 * systemd's own errors keep their message without the remote error name
 * and get the code that says what happened; the rest goes through
 * hermes_error_convert().
 */
void
hermes_systemd_error_convert(GError **error)
{
	static const struct {
		const gchar *name;
		HermesError code;
	} table[] = {
		{"org.freedesktop.systemd1.NoSuchUnit", HERMES_ERROR_NOT_REGISTERED},
		{"org.freedesktop.systemd1.LoadFailed", HERMES_ERROR_INVALID_DATA},
		{"org.freedesktop.systemd1.UnitMasked", HERMES_ERROR_COMMAND_FAILED},
		{"org.freedesktop.systemd1.JobTypeNotApplicable", HERMES_ERROR_COMMAND_FAILED},
		{"org.freedesktop.systemd1.TransactionIsDestructive", HERMES_ERROR_BUSY},
		{"org.freedesktop.systemd1.OnlyByDependency", HERMES_ERROR_COMMAND_FAILED},
		{"org.freedesktop.DBus.Error.AccessDenied", HERMES_ERROR_PERMISSION_DENIED},
		{"org.freedesktop.DBus.Error.InteractiveAuthorizationRequired",
		 HERMES_ERROR_PERMISSION_DENIED},
		{"org.freedesktop.DBus.Error.NoReply", HERMES_ERROR_TIMED_OUT},
		{"org.freedesktop.DBus.Error.ServiceUnknown", HERMES_ERROR_SUPERVISOR_UNAVAILABLE},
		{"org.freedesktop.DBus.Error.NameHasNoOwner", HERMES_ERROR_SUPERVISOR_UNAVAILABLE},
	};
	g_autofree gchar *remote = NULL;
	if (error == NULL || *error == NULL || (*error)->domain == HERMES_ERROR)
		return;
	remote = g_dbus_error_get_remote_error(*error);
	if (remote == NULL) {
		hermes_error_convert(error);
		return;
	}
	g_dbus_error_strip_remote_error(*error);
	for (guint i = 0; i < G_N_ELEMENTS(table); i++) {
		if (g_strcmp0(remote, table[i].name) == 0) {
			(*error)->domain = HERMES_ERROR;
			(*error)->code = table[i].code;
			return;
		}
	}
	(*error)->domain = HERMES_ERROR;
	(*error)->code = HERMES_ERROR_COMMAND_FAILED;
}

static GVariant *
hermes_systemd_call_full(GDBusConnection *connection,
			 const gchar *dest,
			 const gchar *path,
			 const gchar *iface,
			 const gchar *method,
			 GVariant *args,
			 const gchar *reply_type,
			 gint timeout_ms,
			 GCancellable *cancellable,
			 GError **error)
{
	GVariant *reply =
		g_dbus_connection_call_sync(connection,
					    dest,
					    path,
					    iface,
					    method,
					    args,
					    reply_type != NULL ? G_VARIANT_TYPE(reply_type) : NULL,
					    G_DBUS_CALL_FLAGS_NONE,
					    timeout_ms,
					    cancellable,
					    error);
	if (reply == NULL)
		hermes_systemd_error_convert(error);
	return reply;
}

static gboolean
hermes_systemd_name_has_owner(GDBusConnection *connection,
			      const gchar *name,
			      GCancellable *cancellable,
			      GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	gboolean owned = FALSE;
	/* never call the name before it is owned: that starts D-Bus activation of a stub */
	reply = hermes_systemd_call_full(connection,
					 "org.freedesktop.DBus",
					 "/org/freedesktop/DBus",
					 "org.freedesktop.DBus",
					 "NameHasOwner",
					 g_variant_new("(s)", name),
					 "(b)",
					 HERMES_SYSTEMD_CALL_TIMEOUT_MS,
					 cancellable,
					 error);
	if (reply == NULL)
		return FALSE;
	g_variant_get(reply, "(b)", &owned);
	return owned;
}

static gchar *
hermes_systemd_get_version_full(GDBusConnection *connection,
				const gchar *dest,
				gint timeout_ms,
				GCancellable *cancellable,
				GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) value = NULL;
	reply = hermes_systemd_call_full(
		connection,
		dest,
		HERMES_SYSTEMD_MANAGER_PATH,
		"org.freedesktop.DBus.Properties",
		"Get",
		g_variant_new("(ss)", HERMES_SYSTEMD_MANAGER_IFACE, "Version"),
		"(v)",
		timeout_ms,
		cancellable,
		error);
	if (reply == NULL)
		return NULL;
	g_variant_get(reply, "(v)", &value);
	if (!g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
		return g_strdup("?");
	return g_variant_dup_string(value, NULL);
}

static gchar *
hermes_systemd_get_version(GDBusConnection *connection,
			   const gchar *dest,
			   GCancellable *cancellable,
			   GError **error)
{
	return hermes_systemd_get_version_full(
		connection, dest, HERMES_SYSTEMD_CALL_TIMEOUT_MS, cancellable, error);
}

/*
 * The first message on a new peer-to-peer connection sometimes sits unread
 * in systemd 252 until a second one arrives (measured: 3 to 15 in 100
 * fresh connections; a second call on the same connection always gets
 * both answered). So the first call is a short one, repeated with growing
 * patience; it is idempotent.
 */
static gchar *
hermes_systemd_get_version_p2p(GDBusConnection *connection,
			       GCancellable *cancellable,
			       GError **error)
{
	const gint timeouts[] = {100, 200, 400, 800, 1600, HERMES_SYSTEMD_CALL_TIMEOUT_MS};
	for (guint i = 0; i < G_N_ELEMENTS(timeouts); i++) {
		g_autoptr(GError) error_local = NULL;
		gchar *version = hermes_systemd_get_version_full(
			connection, NULL, timeouts[i], cancellable, &error_local);
		if (version != NULL)
			return version;
		if (i + 1 == G_N_ELEMENTS(timeouts) ||
		    !g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_TIMED_OUT)) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return NULL;
		}
		g_debug("no answer within %d ms on the private socket, asking again", timeouts[i]);
	}
	return NULL;
}

static void
hermes_systemd_close(GDBusConnection *connection)
{
	if (connection == NULL)
		return;
	g_dbus_connection_close_sync(connection, NULL, NULL);
	g_object_unref(connection);
}

/**
 * hermes_systemd_bus_connect:
 * @endpoints: where to look
 * @subscribe: call `Subscribe()`, so the manager sends job and unit signals
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Tries the bus, then the private socket. A bus whose
 * `org.freedesktop.systemd1` has no owner does not count.
 *
 * Returns: (transfer full) (nullable): a connection, or %NULL with
 * %HERMES_ERROR_SUPERVISOR_UNAVAILABLE saying everything that was tried
 */
HermesSystemdBus *
hermes_systemd_bus_connect(const HermesSystemdEndpoints *endpoints,
			   gboolean subscribe,
			   GCancellable *cancellable,
			   GError **error)
{
	g_autoptr(GPtrArray) tried = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(HermesSystemdBus) self = g_new0(HermesSystemdBus, 1);
	g_autofree gchar *who = hermes_systemd_endpoints_describe(endpoints);

	if (endpoints->bus_address != NULL) {
		g_autoptr(GError) error_local = NULL;
		GDBusConnection *connection = g_dbus_connection_new_for_address_sync(
			endpoints->bus_address,
			G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
				G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
			NULL,
			cancellable,
			&error_local);
		if (connection == NULL) {
			g_ptr_array_add(tried,
					g_strdup_printf("cannot connect to %s: %s",
							endpoints->bus_address,
							error_local->message));
		} else if (!hermes_systemd_name_has_owner(connection,
							  HERMES_SYSTEMD_BUS_NAME,
							  cancellable,
							  &error_local)) {
			g_ptr_array_add(tried,
					g_strdup_printf("no systemd on the bus %s (%s)",
							endpoints->bus_address,
							error_local != NULL
								? error_local->message
								: HERMES_SYSTEMD_BUS_NAME
								" has no owner"));
			hermes_systemd_close(connection);
		} else {
			self->connection = connection;
			self->dest = HERMES_SYSTEMD_BUS_NAME;
			self->description = g_strdup_printf("the bus %s", endpoints->bus_address);
		}
	} else {
		g_ptr_array_add(tried,
				g_strdup(endpoints->scope == HERMES_SYSTEMD_SCOPE_SYSTEM
						 ? "no system bus socket"
						 : "no user bus socket"));
	}
	if (self->connection == NULL && endpoints->private_path != NULL) {
		g_autoptr(GError) error_local = NULL;
		g_autofree gchar *address = hermes_systemd_unix_address(endpoints->private_path);
		g_autofree gchar *version = NULL;
		/* peer-to-peer: no bus daemon, no names, the destination is NULL */
		GDBusConnection *connection = g_dbus_connection_new_for_address_sync(
			address,
			G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
			NULL,
			cancellable,
			&error_local);
		if (connection != NULL)
			version = hermes_systemd_get_version_p2p(
				connection, cancellable, &error_local);
		if (version == NULL) {
			g_ptr_array_add(tried,
					g_strdup_printf("cannot use %s: %s",
							endpoints->private_path,
							error_local->message));
			hermes_systemd_close(connection);
		} else {
			self->connection = connection;
			self->dest = NULL;
			self->description = g_strdup_printf("the manager's private socket %s",
							    endpoints->private_path);
		}
	}
	if (self->connection == NULL) {
		g_autoptr(GString) msg = g_string_new(NULL);
		g_autofree gchar *why = hermes_systemd_join(tried);
		g_autofree gchar *notes = hermes_systemd_join(endpoints->notes);
		g_string_append_printf(msg, "systemd: %s is unreachable: %s", who, why);
		if (notes[0] != '\0')
			g_string_append_printf(msg, " (%s)", notes);
		if (endpoints->scope == HERMES_SYSTEMD_SCOPE_USER) {
			g_autofree gchar *fix = hermes_systemd_linger_fix(endpoints->user);
			g_string_append_printf(msg,
					       "; log in as %s, or let its manager run without a "
					       "login: %s",
					       endpoints->user,
					       fix);
		}
		g_set_error_literal(
			error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE, msg->str);
		return NULL;
	}
	if (subscribe) {
		g_autoptr(GVariant) reply = NULL;
		g_autoptr(GError) error_local = NULL;
		/* without a subscriber on the bus the manager sends no JobRemoved or PropertiesChanged */
		reply = hermes_systemd_bus_call(
			self, "Subscribe", NULL, NULL, cancellable, &error_local);
		if (reply == NULL)
			g_debug("Subscribe: %s", error_local->message);
	}
	return g_steal_pointer(&self);
}

void
hermes_systemd_bus_free(HermesSystemdBus *self)
{
	if (self == NULL)
		return;
	hermes_systemd_close(self->connection);
	g_free(self->description);
	g_free(self);
}

/**
 * hermes_systemd_bus_call:
 * @self: a connection
 * @method: a method of org.freedesktop.systemd1.Manager
 * @args: (nullable) (transfer floating): its arguments
 * @reply_type: (nullable): the expected reply type
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the reply
 */
GVariant *
hermes_systemd_bus_call(HermesSystemdBus *self,
			const gchar *method,
			GVariant *args,
			const gchar *reply_type,
			GCancellable *cancellable,
			GError **error)
{
	/* Reload() answers once the reload is done, which takes long on a big system */
	gint timeout = g_strcmp0(method, "Reload") == 0 ? 120000 : HERMES_SYSTEMD_CALL_TIMEOUT_MS;
	return hermes_systemd_call_full(self->connection,
					self->dest,
					HERMES_SYSTEMD_MANAGER_PATH,
					HERMES_SYSTEMD_MANAGER_IFACE,
					method,
					args,
					reply_type,
					timeout,
					cancellable,
					error);
}

gchar *
hermes_systemd_bus_get_version(HermesSystemdBus *self, GError **error)
{
	return hermes_systemd_get_version(self->connection, self->dest, NULL, error);
}

/**
 * hermes_systemd_bus_get_manager_pid:
 * @self: a connection
 *
 * Returns: the manager's pid, -1 if it cannot be told
 */
gint64
hermes_systemd_bus_get_manager_pid(HermesSystemdBus *self)
{
	g_autoptr(GVariant) reply = NULL;
	guint32 pid = 0;
	if (self->dest == NULL) {
		/* peer-to-peer: the kernel knows who is on the other end of the socket */
		GIOStream *stream = g_dbus_connection_get_stream(self->connection);
		g_autoptr(GCredentials) creds = NULL;
		pid_t peer;
		if (!G_IS_SOCKET_CONNECTION(stream))
			return -1;
		creds = g_socket_get_credentials(
			g_socket_connection_get_socket(G_SOCKET_CONNECTION(stream)), NULL);
		if (creds == NULL)
			return -1;
		peer = g_credentials_get_unix_pid(creds, NULL);
		return peer > 0 ? peer : -1;
	}
	reply = hermes_systemd_call_full(self->connection,
					 "org.freedesktop.DBus",
					 "/org/freedesktop/DBus",
					 "org.freedesktop.DBus",
					 "GetConnectionUnixProcessID",
					 g_variant_new("(s)", self->dest),
					 "(u)",
					 HERMES_SYSTEMD_CALL_TIMEOUT_MS,
					 NULL,
					 NULL);
	if (reply == NULL)
		return -1;
	g_variant_get(reply, "(u)", &pid);
	return pid > 0 ? (gint64)pid : -1;
}

/**
 * hermes_systemd_bus_load_unit:
 * @self: a connection
 * @unit: a unit name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * `LoadUnit`, not `GetUnit`: it also answers for a unit not loaded yet.
 *
 * Returns: (transfer full) (nullable): the unit's object path
 */
gchar *
hermes_systemd_bus_load_unit(HermesSystemdBus *self,
			     const gchar *unit,
			     GCancellable *cancellable,
			     GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	gchar *path = NULL;
	reply = hermes_systemd_bus_call(
		self, "LoadUnit", g_variant_new("(s)", unit), "(o)", cancellable, error);
	if (reply == NULL)
		return NULL;
	g_variant_get(reply, "(o)", &path);
	return path;
}

static GVariant *
hermes_systemd_get_all(HermesSystemdBus *self,
		       const gchar *path,
		       const gchar *iface,
		       GCancellable *cancellable,
		       GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	GVariant *dict = NULL;
	reply = hermes_systemd_call_full(self->connection,
					 self->dest,
					 path,
					 "org.freedesktop.DBus.Properties",
					 "GetAll",
					 g_variant_new("(s)", iface),
					 "(a{sv})",
					 HERMES_SYSTEMD_CALL_TIMEOUT_MS,
					 cancellable,
					 error);
	if (reply == NULL)
		return NULL;
	g_variant_get(reply, "(@a{sv})", &dict);
	return dict;
}

/**
 * hermes_systemd_bus_read_unit:
 * @self: a connection
 * @unit: a unit name
 * @facts: (out caller-allocates): what systemd says about it
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns: %TRUE if the properties could be read
 */
gboolean
hermes_systemd_bus_read_unit(HermesSystemdBus *self,
			     const gchar *unit,
			     HermesSystemdUnitFacts *facts,
			     GCancellable *cancellable,
			     GError **error)
{
	g_autofree gchar *path = hermes_systemd_bus_load_unit(self, unit, cancellable, error);
	g_autoptr(GVariant) unit_props = NULL;
	g_autoptr(GVariant) service_props = NULL;
	g_autoptr(GError) error_service = NULL;

	if (path == NULL)
		return FALSE;
	unit_props =
		hermes_systemd_get_all(self, path, HERMES_SYSTEMD_UNIT_IFACE, cancellable, error);
	if (unit_props == NULL)
		return FALSE;
	/* a unit that failed to load may have no Service interface: the unit's part still counts */
	service_props = hermes_systemd_get_all(
		self, path, HERMES_SYSTEMD_SERVICE_IFACE, cancellable, &error_service);
	if (service_props == NULL)
		g_debug("%s: no service properties: %s", unit, error_service->message);
	hermes_systemd_unit_facts_parse(facts, unit_props, service_props);
	return TRUE;
}

/*****************************************************************************/
/* jobs */

typedef struct {
	GHashTable *done; /* job path -> result */
	gboolean timed_out;
} HermesSystemdJobWatch;

static void
hermes_systemd_job_removed_cb(GDBusConnection *connection,
			      const gchar *sender,
			      const gchar *path,
			      const gchar *iface,
			      const gchar *signal,
			      GVariant *params,
			      gpointer user_data)
{
	HermesSystemdJobWatch *watch = user_data;
	guint32 id = 0;
	const gchar *job = NULL;
	const gchar *unit = NULL;
	const gchar *result = NULL;
	if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(uoss)")))
		return;
	g_variant_get(params, "(u&o&s&s)", &id, &job, &unit, &result);
	g_hash_table_insert(watch->done, g_strdup(job), g_strdup(result));
}

static gboolean
hermes_systemd_job_timeout_cb(gpointer user_data)
{
	HermesSystemdJobWatch *watch = user_data;
	watch->timed_out = TRUE;
	return G_SOURCE_REMOVE;
}

static gboolean
hermes_systemd_job_cancelled_cb(GCancellable *cancellable, gpointer user_data)
{
	return G_SOURCE_REMOVE;
}

/**
 * hermes_systemd_bus_run_job:
 * @self: a connection
 * @method: `StartUnit`, `StopUnit` or `RestartUnit`
 * @unit: the unit
 * @timeout_ms: how long to wait for the job
 * @result: (out) (transfer full): the job's result (`done`, `failed`, …)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Subscribes to `JobRemoved` first, then queues the job (mode `replace`)
 * and waits for exactly that job: the signal may arrive before the reply,
 * so every finished job is recorded and looked up afterwards. `done` only
 * means the job ran; the caller checks what the unit became.
 *
 * Returns: %TRUE once the job finished, with @result set
 */
gboolean
hermes_systemd_bus_run_job(HermesSystemdBus *self,
			   const gchar *method,
			   const gchar *unit,
			   guint timeout_ms,
			   gchar **result,
			   GCancellable *cancellable,
			   GError **error)
{
	g_autoptr(GMainContext) context = g_main_context_new();
	g_autoptr(GSource) timeout = g_timeout_source_new(timeout_ms);
	g_autoptr(GSource) cancel = NULL;
	g_autoptr(GVariant) reply = NULL;
	HermesSystemdJobWatch watch = {NULL, FALSE};
	const gchar *job = NULL;
	const gchar *found = NULL;
	guint id;

	watch.done = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_main_context_push_thread_default(context);
	id = g_dbus_connection_signal_subscribe(self->connection,
						self->dest,
						HERMES_SYSTEMD_MANAGER_IFACE,
						"JobRemoved",
						HERMES_SYSTEMD_MANAGER_PATH,
						NULL,
						G_DBUS_SIGNAL_FLAGS_NONE,
						hermes_systemd_job_removed_cb,
						&watch,
						NULL);
	reply = hermes_systemd_bus_call(
		self, method, g_variant_new("(ss)", unit, "replace"), "(o)", cancellable, error);
	if (reply != NULL) {
		g_variant_get(reply, "(&o)", &job);
		g_source_set_callback(timeout, hermes_systemd_job_timeout_cb, &watch, NULL);
		g_source_attach(timeout, context);
		if (cancellable != NULL) {
			cancel = g_cancellable_source_new(cancellable);
			g_source_set_callback(
				cancel, G_SOURCE_FUNC(hermes_systemd_job_cancelled_cb), NULL, NULL);
			g_source_attach(cancel, context);
		}
		while ((found = g_hash_table_lookup(watch.done, job)) == NULL && !watch.timed_out &&
		       !g_cancellable_is_cancelled(cancellable))
			g_main_context_iteration(context, TRUE);
		g_source_destroy(timeout);
		if (cancel != NULL)
			g_source_destroy(cancel);
	}
	g_dbus_connection_signal_unsubscribe(self->connection, id);
	/* let what was queued for this context go before the context does */
	while (g_main_context_iteration(context, FALSE))
		;
	g_main_context_pop_thread_default(context);
	if (reply == NULL) {
		g_hash_table_unref(watch.done);
		g_prefix_error(error, "%s %s: ", method, unit);
		return FALSE;
	}
	if (found != NULL) {
		*result = g_strdup(found);
		g_hash_table_unref(watch.done);
		return TRUE;
	}
	g_hash_table_unref(watch.done);
	if (g_cancellable_set_error_if_cancelled(cancellable, error)) {
		hermes_error_convert(error);
		return FALSE;
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_TIMED_OUT,
		    "%s %s: the job did not finish within %u s",
		    method,
		    unit,
		    (timeout_ms + 999) / 1000);
	return FALSE;
}

/*****************************************************************************/
/* linger */

/**
 * hermes_systemd_linger_fix:
 * @user: an account name
 *
 * Returns: (transfer full): the command that turns linger on for @user
 */
gchar *
hermes_systemd_linger_fix(const gchar *user)
{
	if (g_strcmp0(user, "root") == 0)
		return g_strdup("loginctl enable-linger root");
	return g_strdup_printf("sudo loginctl enable-linger %s", user);
}

static const gchar *
hermes_systemd_linger_from_logind(HermesContext *ctx, guint32 uid)
{
	g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *address = NULL;
	g_autofree gchar *socket = hermes_context_build_path(ctx, "/run/dbus/system_bus_socket");
	g_autoptr(GDBusConnection) connection = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) value = NULL;
	const gchar *user_path = NULL;
	const gchar *answer = NULL;

	address = hermes_systemd_env_address(ctx, "DBUS_SYSTEM_BUS_ADDRESS", -1, TRUE, notes);
	if (address == NULL && hermes_systemd_is_socket(socket))
		address = hermes_systemd_unix_address(socket);
	if (address == NULL)
		return NULL;
	connection = g_dbus_connection_new_for_address_sync(
		address,
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL,
		NULL,
		NULL);
	if (connection == NULL)
		return NULL;
	if (hermes_systemd_name_has_owner(connection, "org.freedesktop.login1", NULL, NULL)) {
		reply = hermes_systemd_call_full(connection,
						 "org.freedesktop.login1",
						 "/org/freedesktop/login1",
						 "org.freedesktop.login1.Manager",
						 "GetUser",
						 g_variant_new("(u)", uid),
						 "(o)",
						 5000,
						 NULL,
						 NULL);
		if (reply != NULL)
			g_variant_get(reply, "(&o)", &user_path);
		if (user_path != NULL) {
			g_autoptr(GVariant) got = hermes_systemd_call_full(
				connection,
				"org.freedesktop.login1",
				user_path,
				"org.freedesktop.DBus.Properties",
				"Get",
				g_variant_new("(ss)", "org.freedesktop.login1.User", "Linger"),
				"(v)",
				5000,
				NULL,
				NULL);
			if (got != NULL) {
				g_variant_get(got, "(v)", &value);
				if (g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN))
					answer = g_variant_get_boolean(value) ? "yes" : "no";
			}
		}
	}
	g_dbus_connection_close_sync(connection, NULL, NULL);
	return answer;
}

/**
 * hermes_systemd_linger_check:
 * @ctx: the machine
 * @user: the account
 * @uid: its uid
 * @source: (out) (optional) (transfer full): how it was found out
 *
 * Linger makes the user manager start at boot and outlive the last
 * login, which user units need (upstream #1005). logind keeps
 * `/var/lib/systemd/linger/<user>`; logind itself is asked when that file
 * is missing and the system bus is there.
 *
 * Returns: `yes` or `no`
 */
const gchar *
hermes_systemd_linger_check(HermesContext *ctx, const gchar *user, guint32 uid, gchar **source)
{
	g_autofree gchar *rel = g_build_filename("/var/lib/systemd/linger", user, NULL);
	g_autofree gchar *path = hermes_context_build_path(ctx, rel);
	const gchar *answer;

	if (g_file_test(path, G_FILE_TEST_EXISTS)) {
		if (source != NULL)
			*source = g_strdup_printf("%s exists", path);
		return "yes";
	}
	answer = hermes_systemd_linger_from_logind(ctx, uid);
	if (answer != NULL) {
		if (source != NULL)
			*source = g_strdup("logind says so");
		return answer;
	}
	if (source != NULL)
		*source = g_strdup_printf("%s does not exist", path);
	return "no";
}
