/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes status --dbus`: the table (or JSON) of `hermes status`, read from
 * hermes-svcd (ai.hermes.ServiceManager1) instead of the backend. The
 * session bus is used when the daemon is on it, else the system bus (where
 * the daemon may be activated); HERMES_DBUS_BUS=system|session decides.
 */

#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "hermes-cli.h"
#include "hermes-status-service.h"

typedef struct {
	gchar *profile;
	gboolean registered;
	gchar *state;
	gchar *wanted;
	gchar *desired;
	gchar *runtime;
	gint64 pid;
	gint64 since;
	gchar *ready;
	gint64 ready_since;
	gint32 last_exit_code;
	gint32 last_signal;
	gint32 restarts;
	guint32 port;
	GStrv problems;
	GVariant *details; /* a{ss} */
} HermesCliDbusRow;

static void
hermes_cli_dbus_row_free(HermesCliDbusRow *row)
{
	g_free(row->profile);
	g_free(row->state);
	g_free(row->wanted);
	g_free(row->desired);
	g_free(row->runtime);
	g_free(row->ready);
	g_strfreev(row->problems);
	g_clear_pointer(&row->details, g_variant_unref);
	g_free(row);
}

static const gchar *
hermes_cli_dbus_string(GVariantDict *dict, const gchar *key)
{
	const gchar *value = NULL;
	if (!g_variant_dict_lookup(dict, key, "&s", &value))
		return NULL;
	return value;
}

static gchar *
hermes_cli_dbus_string_or_null(GVariantDict *dict, const gchar *key)
{
	const gchar *value = hermes_cli_dbus_string(dict, key);
	return value != NULL && value[0] != '\0' ? g_strdup(value) : NULL;
}

static HermesCliDbusRow *
hermes_cli_dbus_row_new(GVariant *props)
{
	g_autoptr(GVariantDict) dict = g_variant_dict_new(props);
	HermesCliDbusRow *row = g_new0(HermesCliDbusRow, 1);
	const gchar *problem;

	row->profile = g_strdup(hermes_cli_dbus_string(dict, "Profile"));
	if (!g_variant_dict_lookup(dict, "Registered", "b", &row->registered))
		row->registered = FALSE;
	row->state = g_strdup(hermes_cli_dbus_string(dict, "State"));
	row->wanted = g_strdup(hermes_cli_dbus_string(dict, "Wanted"));
	row->desired = hermes_cli_dbus_string_or_null(dict, "DesiredState");
	row->runtime = hermes_cli_dbus_string_or_null(dict, "RuntimeState");
	row->ready = g_strdup(hermes_cli_dbus_string(dict, "Ready"));
	if (!g_variant_dict_lookup(dict, "Pid", "x", &row->pid))
		row->pid = -1;
	if (!g_variant_dict_lookup(dict, "Since", "x", &row->since))
		row->since = 0;
	if (!g_variant_dict_lookup(dict, "ReadySince", "x", &row->ready_since))
		row->ready_since = 0;
	if (!g_variant_dict_lookup(
		    dict, "LastExit", "(ii)", &row->last_exit_code, &row->last_signal)) {
		row->last_exit_code = -1;
		row->last_signal = 0;
	}
	if (!g_variant_dict_lookup(dict, "Restarts", "i", &row->restarts))
		row->restarts = -1;
	if (!g_variant_dict_lookup(dict, "Port", "u", &row->port))
		row->port = 0;
	problem = hermes_cli_dbus_string(dict, "Problem");
	row->problems = problem != NULL && problem[0] != '\0' ? g_strsplit(problem, "\n", -1)
							      : g_new0(gchar *, 1);
	row->details = g_variant_dict_lookup_value(dict, "Details", G_VARIANT_TYPE("a{ss}"));
	if (row->details == NULL)
		row->details =
			g_variant_ref_sink(g_variant_new_array(G_VARIANT_TYPE("{ss}"), NULL, 0));
	return row;
}

/* what `hermes status -p` shows for a profile the daemon has no row for */
static HermesCliDbusRow *
hermes_cli_dbus_row_new_unregistered(const gchar *profile)
{
	HermesCliDbusRow *row = g_new0(HermesCliDbusRow, 1);
	const gchar *problems[] = {
		"no slot with the supervisor: 'hermes gateway start' registers one", NULL};
	row->profile = g_strdup(profile);
	row->state = g_strdup("unregistered");
	row->wanted = g_strdup("unknown");
	row->ready = g_strdup("unknown");
	row->pid = -1;
	row->last_exit_code = -1;
	row->restarts = -1;
	row->problems = g_strdupv((gchar **)problems);
	row->details = g_variant_ref_sink(g_variant_new_array(G_VARIANT_TYPE("{ss}"), NULL, 0));
	return row;
}

static gint
hermes_cli_dbus_row_cmp(gconstpointer a, gconstpointer b)
{
	const HermesCliDbusRow *ra = *(const HermesCliDbusRow *const *)a;
	const HermesCliDbusRow *rb = *(const HermesCliDbusRow *const *)b;
	gboolean da = g_strcmp0(ra->profile, HERMES_PROFILE_DEFAULT) == 0;
	gboolean db = g_strcmp0(rb->profile, HERMES_PROFILE_DEFAULT) == 0;
	/* default first, as in `hermes status`, then by name */
	if (da != db)
		return da ? -1 : 1;
	return g_strcmp0(ra->profile, rb->profile);
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
		session = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, NULL);
		if (session == NULL || !hermes_cli_dbus_has_owner(session)) {
			order[0] = G_BUS_TYPE_SYSTEM;
			order[1] = G_BUS_TYPE_SESSION;
		}
		g_clear_object(&session);
	}
	for (guint i = 0; i < n; i++) {
		GError **error_bus = order[i] == G_BUS_TYPE_SYSTEM ? &error_system : &error_session;
		g_autoptr(GDBusConnection) connection = g_bus_get_sync(order[i], NULL, error_bus);
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
hermes_cli_dbus_print_table(HermesCli *cli, GVariantDict *manager, GPtrArray *rows)
{
	g_autoptr(GArray) table = g_array_new(FALSE, TRUE, sizeof(HermesCliTableRow));
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
	for (guint i = 0; i < rows->len; i++) {
		HermesCliDbusRow *row = g_ptr_array_index(rows, i);
		HermesCliTableRow cell = {0};
		cell.profile = row->profile;
		cell.registered = row->registered;
		cell.state = row->state;
		cell.wanted = row->wanted;
		cell.pid = row->pid;
		cell.since_us = row->since;
		cell.ready = g_strcmp0(row->ready, "yes") == 0	? "yes"
			     : g_strcmp0(row->ready, "no") == 0 ? "no"
								: NULL;
		cell.last_exit_code = row->last_exit_code;
		cell.last_signal = row->last_signal;
		cell.restarts = row->restarts;
		cell.port = row->port > 0 ? (gint64)row->port : -1;
		cell.desired = row->desired;
		cell.runtime = row->runtime;
		cell.warnings = (const gchar *const *)row->problems;
		g_array_append_val(table, cell);
	}
	hermes_cli_print_status_table(cli, manager_line, backend, table);
}

static void
hermes_cli_dbus_json_string_or_null(JsonObject *obj, const gchar *name, const gchar *value)
{
	if (value != NULL)
		json_object_set_string_member(obj, name, value);
	else
		json_object_set_null_member(obj, name);
}

static void
hermes_cli_dbus_json_int_or_null(JsonObject *obj, const gchar *name, gint64 value, gint64 none)
{
	if (value != none)
		json_object_set_int_member(obj, name, value);
	else
		json_object_set_null_member(obj, name);
}

/* the members and their order of hermes_gateway_status_to_json() and `hermes status --json` */
static JsonNode *
hermes_cli_dbus_row_to_json(HermesCliDbusRow *row)
{
	JsonNode *node = json_node_new(JSON_NODE_OBJECT);
	JsonObject *obj = json_object_new();
	JsonArray *warnings = json_array_new();

	json_node_take_object(node, obj);
	json_object_set_string_member(obj, "profile", row->profile);
	json_object_set_string_member(obj, "state", row->state);
	if (row->registered) {
		JsonObject *raw = json_object_new();
		GVariantIter iter;
		const gchar *key;
		const gchar *value;
		json_object_set_string_member(obj, "wanted", row->wanted);
		hermes_cli_dbus_json_int_or_null(obj, "pid", row->pid, -1);
		hermes_cli_dbus_json_int_or_null(obj, "since_us", row->since, 0);
		json_object_set_string_member(obj, "ready", row->ready);
		hermes_cli_dbus_json_int_or_null(obj, "ready_since_us", row->ready_since, 0);
		hermes_cli_dbus_json_int_or_null(obj, "last_exit_code", row->last_exit_code, -1);
		hermes_cli_dbus_json_int_or_null(obj, "last_signal", row->last_signal, 0);
		hermes_cli_dbus_json_int_or_null(obj, "restarts", row->restarts, -1);
		g_variant_iter_init(&iter, row->details);
		while (g_variant_iter_next(&iter, "{&s&s}", &key, &value))
			json_object_set_string_member(raw, key, value);
		json_object_set_object_member(obj, "raw", raw);
	}
	json_object_set_boolean_member(obj, "registered", row->registered);
	hermes_cli_dbus_json_string_or_null(obj, "desired_state", row->desired);
	hermes_cli_dbus_json_string_or_null(obj, "runtime_state", row->runtime);
	hermes_cli_dbus_json_int_or_null(obj, "port", (gint64)row->port, 0);
	for (guint j = 0; row->problems[j] != NULL; j++)
		json_array_add_string_element(warnings, row->problems[j]);
	json_object_set_array_member(obj, "warnings", warnings);
	return node;
}

static void
hermes_cli_dbus_print_json(GVariantDict *manager, GPtrArray *rows)
{
	g_autoptr(JsonNode) root = json_node_new(JSON_NODE_OBJECT);
	JsonObject *obj = json_object_new();
	JsonObject *backend = json_object_new();
	JsonArray *gateways = json_array_new();
	const gchar *mode = hermes_cli_dbus_string(manager, "BackendMode");

	json_node_take_object(root, obj);
	hermes_cli_dbus_json_string_or_null(
		backend, "backend", hermes_cli_dbus_string(manager, "Backend"));
	hermes_cli_dbus_json_string_or_null(
		backend, "mode", mode != NULL && mode[0] != '\0' ? mode : NULL);
	json_object_set_object_member(obj, "manager", backend);
	for (guint i = 0; i < rows->len; i++)
		json_array_add_element(gateways,
				       hermes_cli_dbus_row_to_json(g_ptr_array_index(rows, i)));
	json_object_set_array_member(obj, "gateways", gateways);
	hermes_cli_print_json(root);
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
	g_autoptr(GVariant) tree = NULL;
	g_autoptr(GPtrArray) rows =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_cli_dbus_row_free);
	g_autoptr(GVariantDict) manager = NULL;
	GVariantIter iter;
	GVariant *interfaces;
	gint exit_code = HERMES_EXIT_OK;

	if (cli->profile != NULL && !hermes_profile_name_validate(cli->profile, error))
		return HERMES_EXIT_USAGE;
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
	{
		g_autoptr(GVariant) props = g_variant_get_child_value(manager_props, 0);
		manager = g_variant_dict_new(props);
	}

	tree = g_variant_get_child_value(objects, 0);
	g_variant_iter_init(&iter, tree);
	while (g_variant_iter_next(&iter, "{&o@a{sa{sv}}}", NULL, &interfaces)) {
		g_autoptr(GVariant) owned = interfaces;
		g_autoptr(GVariant) props = g_variant_lookup_value(
			owned, HERMES_STATUS_SERVICE_GATEWAY_INTERFACE, G_VARIANT_TYPE("a{sv}"));
		HermesCliDbusRow *row;
		if (props == NULL)
			continue;
		row = hermes_cli_dbus_row_new(props);
		if (row->profile == NULL ||
		    (cli->profile != NULL && g_strcmp0(row->profile, cli->profile) != 0)) {
			hermes_cli_dbus_row_free(row);
			continue;
		}
		g_ptr_array_add(rows, row);
	}
	if (cli->profile != NULL && rows->len == 0)
		g_ptr_array_add(rows, hermes_cli_dbus_row_new_unregistered(cli->profile));
	g_ptr_array_sort(rows, hermes_cli_dbus_row_cmp);

	/* an unreadable status is an error, also when the table carries on */
	for (guint i = 0; i < rows->len; i++) {
		HermesCliDbusRow *row = g_ptr_array_index(rows, i);
		for (guint j = 0; row->problems[j] != NULL; j++) {
			if (!g_str_has_prefix(row->problems[j], "status of gateway '"))
				continue;
			g_printerr("hermes: %s\n", row->problems[j]);
			exit_code = HERMES_EXIT_FAILED;
		}
	}
	if (cli->json)
		hermes_cli_dbus_print_json(manager, rows);
	else
		hermes_cli_dbus_print_table(cli, manager, rows);
	return exit_code;
}
