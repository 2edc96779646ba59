/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes status --dbus`: the table (or JSON) of `hermes status`, read from
 * hermes-svcd (ai.hermes.ServiceManager1) instead of the backend: the same
 * HermesGatewayReport rows, read back from the gateways' properties. The
 * session bus is used when the daemon is on it, else the system bus (where
 * the daemon may be activated); HERMES_DBUS_BUS=system|session decides.
 */

#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "hermes-cli.h"
#include "hermes-dbus-connect.h"
#include "hermes-dbus-names.h"

static const gchar *
hermes_cli_dbus_string(GVariantDict *dict, const gchar *key)
{
	const gchar *value = NULL;
	if (!g_variant_dict_lookup(dict, key, "&s", &value))
		return NULL;
	return value;
}

static gint
hermes_cli_dbus_report_cmp(gconstpointer a, gconstpointer b)
{
	const gchar *pa = hermes_gateway_report_get_profile(*(HermesGatewayReport *const *)a);
	const gchar *pb = hermes_gateway_report_get_profile(*(HermesGatewayReport *const *)b);
	/* default first, as in `hermes status`, then by name */
	return hermes_profile_name_compare(pa, pb);
}

/*****************************************************************************/
/* finding the daemon */

static gboolean
hermes_cli_dbus_has_owner(GDBusConnection *connection)
{
	g_autoptr(GVariant) reply = NULL;
	gboolean has = FALSE;
	reply = g_dbus_connection_call_sync(connection,
					    "org.freedesktop.DBus",
					    "/org/freedesktop/DBus",
					    "org.freedesktop.DBus",
					    "NameHasOwner",
					    g_variant_new("(s)", HERMES_STATUS_SERVICE_BUS_NAME),
					    G_VARIANT_TYPE("(b)"),
					    G_DBUS_CALL_FLAGS_NONE,
					    -1,
					    NULL,
					    NULL);
	if (reply != NULL)
		g_variant_get(reply, "(b)", &has);
	return has;
}

static GVariant *
hermes_cli_dbus_call(GDBusConnection *connection,
		     const gchar *interface,
		     const gchar *method,
		     GVariant *args,
		     const GVariantType *reply_type,
		     GError **error)
{
	GVariant *reply = g_dbus_connection_call_sync(connection,
						      HERMES_STATUS_SERVICE_BUS_NAME,
						      HERMES_STATUS_SERVICE_OBJECT_PATH,
						      interface,
						      method,
						      args,
						      reply_type,
						      G_DBUS_CALL_FLAGS_NONE,
						      -1,
						      NULL,
						      error);
	if (reply == NULL && error != NULL && *error != NULL)
		g_dbus_error_strip_remote_error(*error);
	return reply;
}

/* the connection of the bus hermes-svcd serves, with its object tree */
static GDBusConnection *
hermes_cli_dbus_connect(HermesCli *cli, GVariant **objects, GError **error)
{
	const gchar *which = hermes_context_getenv(cli->ctx, "HERMES_DBUS_BUS");
	g_autoptr(GDBusConnection) session = NULL;
	g_autoptr(GError) error_session = NULL;
	g_autoptr(GError) error_system = NULL;
	GBusType order[2] = {G_BUS_TYPE_SESSION, G_BUS_TYPE_SYSTEM};
	guint n = 2;

	if (g_strcmp0(which, "system") == 0) {
		order[0] = G_BUS_TYPE_SYSTEM;
		n = 1;
	} else if (g_strcmp0(which, "session") == 0) {
		n = 1;
	} else if (which != NULL && which[0] != '\0') {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "HERMES_DBUS_BUS is '%s': use 'system' or 'session'",
			    which);
		return NULL;
	} else {
		/* a session daemon that runs wins; else the system one, activated if need be */
		session = hermes_dbus_connect_bus(
			G_BUS_TYPE_SESSION, HERMES_DBUS_CONNECT_TIMEOUT_MS, NULL, NULL);
		if (session == NULL || !hermes_cli_dbus_has_owner(session)) {
			order[0] = G_BUS_TYPE_SYSTEM;
			order[1] = G_BUS_TYPE_SESSION;
		}
		g_clear_object(&session);
	}
	for (guint i = 0; i < n; i++) {
		GError **error_bus = order[i] == G_BUS_TYPE_SYSTEM ? &error_system : &error_session;
		g_autoptr(GDBusConnection) connection = hermes_dbus_connect_bus(
			order[i], HERMES_DBUS_CONNECT_TIMEOUT_MS, NULL, error_bus);
		if (connection == NULL)
			continue;
		*objects = hermes_cli_dbus_call(connection,
						"org.freedesktop.DBus.ObjectManager",
						"GetManagedObjects",
						NULL,
						G_VARIANT_TYPE("(a{oa{sa{sv}}})"),
						error_bus);
		if (*objects != NULL)
			return g_steal_pointer(&connection);
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
		    "hermes-svcd (%s) does not answer%s%s%s%s",
		    HERMES_STATUS_SERVICE_BUS_NAME,
		    error_session != NULL ? "; session bus: " : "",
		    error_session != NULL ? error_session->message : "",
		    error_system != NULL ? "; system bus: " : "",
		    error_system != NULL ? error_system->message : "");
	return NULL;
}

/*****************************************************************************/
/* the table and the JSON of `hermes status` */

static void
hermes_cli_dbus_print_table(HermesCli *cli, GVariantDict *manager, GPtrArray *reports)
{
	const gchar *backend = hermes_cli_dbus_string(manager, "Backend");
	g_autofree gchar *manager_line = NULL;
	gboolean running = FALSE;

	if (!g_variant_dict_lookup(manager, "SupervisorRunning", "b", &running))
		running = FALSE;
	manager_line =
		hermes_cli_manager_line_format(backend,
					       hermes_cli_dbus_string(manager, "BackendMode"),
					       hermes_cli_dbus_string(manager, "Supervisor"),
					       running);
	hermes_cli_print_reports(cli, manager_line, backend, reports);
}

/* the gateways' reports, as the daemon published them (with -p, that one) */
static GPtrArray *
hermes_cli_dbus_reports(HermesCli *cli, GVariant *objects)
{
	g_autoptr(GPtrArray) reports =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_gateway_report_unref);
	g_autoptr(GVariant) tree = g_variant_get_child_value(objects, 0);
	GVariantIter iter;
	GVariant *interfaces;

	g_variant_iter_init(&iter, tree);
	while (g_variant_iter_next(&iter, "{&o@a{sa{sv}}}", NULL, &interfaces)) {
		g_autoptr(GVariant) owned = interfaces;
		g_autoptr(GVariant) props = g_variant_lookup_value(
			owned, HERMES_STATUS_SERVICE_GATEWAY_INTERFACE, G_VARIANT_TYPE("a{sv}"));
		g_autoptr(HermesGatewayReport) report = NULL;
		if (props == NULL)
			continue;
		report = hermes_gateway_report_new_from_dbus(NULL, props);
		if (report == NULL ||
		    (cli->profile != NULL &&
		     g_strcmp0(hermes_gateway_report_get_profile(report), cli->profile) != 0))
			continue;
		g_ptr_array_add(reports, g_steal_pointer(&report));
	}
	/* a profile the daemon has no object for has no slot: core says so */
	if (cli->profile != NULL && reports->len == 0)
		g_ptr_array_add(reports, hermes_gateway_report_new_from_dbus(cli->profile, NULL));
	g_ptr_array_sort(reports, hermes_cli_dbus_report_cmp);
	return g_steal_pointer(&reports);
}

/**
 * hermes_cli_status_dbus:
 * @cli: the command line
 * @error: return location for a #GError
 *
 * `hermes status --dbus`: every gateway (with -p, that one) as hermes-svcd
 * publishes it, in the table or JSON of `hermes status`.
 *
 * Returns: the exit code
 */
gint
hermes_cli_status_dbus(HermesCli *cli, GError **error)
{
	g_autoptr(GDBusConnection) connection = NULL;
	g_autoptr(GVariant) objects = NULL;
	g_autoptr(GVariant) manager_props = NULL;
	g_autoptr(GVariant) props = NULL;
	g_autoptr(GPtrArray) reports = NULL;
	g_autoptr(GVariantDict) manager = NULL;
	gint exit_code;

	connection = hermes_cli_dbus_connect(cli, &objects, error);
	if (connection == NULL)
		return HERMES_EXIT_UNAVAILABLE;
	manager_props = hermes_cli_dbus_call(connection,
					     "org.freedesktop.DBus.Properties",
					     "GetAll",
					     g_variant_new("(s)", HERMES_STATUS_SERVICE_INTERFACE),
					     G_VARIANT_TYPE("(a{sv})"),
					     error);
	if (manager_props == NULL)
		return HERMES_EXIT_UNAVAILABLE;
	props = g_variant_get_child_value(manager_props, 0);
	manager = g_variant_dict_new(props);
	reports = hermes_cli_dbus_reports(cli, objects);
	exit_code = hermes_cli_reports_exit_code(reports);
	if (cli->json)
		hermes_cli_print_reports_json(hermes_cli_dbus_string(manager, "Backend"),
					      hermes_cli_dbus_string(manager, "BackendMode"),
					      reports);
	else
		hermes_cli_dbus_print_table(cli, manager, reports);
	return exit_code;
}
