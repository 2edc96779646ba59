/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Linger: whether a user manager starts at boot and outlives the last
 * login. logind's flag file first, then logind itself on the system bus.
 */

#include "config.h"

#include "hermes-systemd-call.h"
#include "hermes-systemd-endpoints.h"
#include "hermes-systemd-linger.h"

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
	connection = hermes_dbus_connect(address,
					 G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
						 G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
					 HERMES_DBUS_CONNECT_TIMEOUT_MS,
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
