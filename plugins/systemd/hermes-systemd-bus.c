/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * A connection to systemd's manager over D-Bus with GIO, never by running
 * systemctl: the bus when systemd owns its name there, else the manager's
 * private socket (see hermes-systemd-endpoints.c for where those are).
 * Also the calls every operation needs on that connection: a manager
 * method, the version, the manager's pid, a unit's properties.
 */

#include "config.h"

#include "hermes-systemd-bus.h"
#include "hermes-systemd-linger.h"

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

/* a message bus counts only if org.freedesktop.systemd1 has an owner there */
static void
hermes_systemd_bus_connect_bus(HermesSystemdBus *self,
			       const HermesSystemdEndpoints *endpoints,
			       GPtrArray *tried,
			       GCancellable *cancellable)
{
	g_autoptr(GError) error_local = NULL;
	GDBusConnection *connection = NULL;

	if (endpoints->bus_address == NULL) {
		g_ptr_array_add(tried,
				g_strdup(endpoints->scope == HERMES_SYSTEMD_SCOPE_SYSTEM
						 ? "no system bus socket"
						 : "no user bus socket"));
		return;
	}
	connection = hermes_dbus_connect(endpoints->bus_address,
					 G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
						 G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
					 HERMES_DBUS_CONNECT_TIMEOUT_MS,
					 cancellable,
					 &error_local);
	if (connection == NULL) {
		g_ptr_array_add(tried,
				g_strdup_printf("cannot connect to %s: %s",
						endpoints->bus_address,
						error_local->message));
	} else if (!hermes_systemd_name_has_owner(
			   connection, HERMES_SYSTEMD_BUS_NAME, cancellable, &error_local)) {
		g_ptr_array_add(tried,
				g_strdup_printf("no systemd on the bus %s (%s)",
						endpoints->bus_address,
						error_local != NULL ? error_local->message
								    : HERMES_SYSTEMD_BUS_NAME
							" has no owner"));
		hermes_systemd_close(connection);
	} else {
		self->connection = connection;
		self->dest = HERMES_SYSTEMD_BUS_NAME;
		self->description = g_strdup_printf("the bus %s", endpoints->bus_address);
	}
}

/* peer-to-peer: no bus daemon, no names, the destination is NULL */
static void
hermes_systemd_bus_connect_private(HermesSystemdBus *self,
				   const HermesSystemdEndpoints *endpoints,
				   GPtrArray *tried,
				   GCancellable *cancellable)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *address = hermes_systemd_unix_address(endpoints->private_path);
	g_autofree gchar *version = NULL;
	GDBusConnection *connection =
		hermes_dbus_connect(address,
				    G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
				    HERMES_DBUS_CONNECT_TIMEOUT_MS,
				    cancellable,
				    &error_local);
	if (connection != NULL)
		version = hermes_systemd_get_version_p2p(connection, cancellable, &error_local);
	if (version == NULL) {
		g_ptr_array_add(tried,
				g_strdup_printf("cannot use %s: %s",
						endpoints->private_path,
						error_local->message));
		hermes_systemd_close(connection);
	} else {
		self->connection = connection;
		self->dest = NULL;
		self->description =
			g_strdup_printf("the manager's private socket %s", endpoints->private_path);
	}
}

/* everything that was tried, the derivation notes, and the fix */
static void
hermes_systemd_bus_set_unreachable(const HermesSystemdEndpoints *endpoints,
				   GPtrArray *tried,
				   GError **error)
{
	g_autofree gchar *who = hermes_systemd_endpoints_describe(endpoints);
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
	g_set_error_literal(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE, msg->str);
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

	hermes_systemd_bus_connect_bus(self, endpoints, tried, cancellable);
	if (self->connection == NULL && endpoints->private_path != NULL)
		hermes_systemd_bus_connect_private(self, endpoints, tried, cancellable);
	if (self->connection == NULL) {
		hermes_systemd_bus_set_unreachable(endpoints, tried, error);
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
