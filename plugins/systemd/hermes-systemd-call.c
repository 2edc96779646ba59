/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * One method call over D-Bus, to systemd or to the bus daemon, and what
 * its errors become: systemd's own errors keep their message and get the
 * HERMES_ERROR code that says what happened.
 */

#include "config.h"

#include "hermes-systemd-call.h"

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

/**
 * hermes_systemd_call_full:
 * @connection: a connection
 * @dest: (nullable): the bus name, or %NULL on a peer-to-peer connection
 * @path: the object
 * @iface: the interface
 * @method: the method
 * @args: (nullable) (transfer floating): its arguments
 * @reply_type: (nullable): the expected reply type
 * @timeout_ms: how long to wait for the reply
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the reply; errors are converted with
 *   hermes_systemd_error_convert()
 */
GVariant *
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

/**
 * hermes_systemd_name_has_owner:
 * @connection: a message bus connection
 * @name: a well-known name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Returns: %TRUE if @name has an owner; %FALSE with @error unset if it has none
 */
gboolean
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
