/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes status`, `hermes gateway status` and `hermes gateway health`: the
 * supervisor's view of each gateway next to what the gateway and the
 * operator recorded (gateway_state.json), with the problems spelled out.
 */

#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "hermes-cli.h"

typedef struct {
	gchar *profile;
	HermesGatewayStatus *status; /* NULL when the profile has no slot */
	gchar *error;		     /* why the status could not be read */
	gint error_exit;	     /* the exit code that error maps to */
	gchar *desired;
	gchar *runtime;
	gint64 runtime_pid;
	gint64 port;
	HermesIntent intent; /* meant to run, by the one rule (hermes-intent.c) */
	HermesIntentSource intent_source;
	GPtrArray *warnings;
} HermesCliRow;

static void
hermes_cli_row_free(HermesCliRow *row)
{
	g_free(row->profile);
	g_clear_pointer(&row->status, hermes_gateway_status_unref);
	g_free(row->error);
	g_free(row->desired);
	g_free(row->runtime);
	g_ptr_array_unref(row->warnings);
	g_free(row);
}

static void
hermes_cli_row_read_state(HermesCli *cli, HermesCliRow *row)
{
	g_autofree gchar *home = hermes_cli_gateway_home(cli, row->profile);
	g_autoptr(GError) error_local = NULL;
	g_autoptr(JsonObject) state = NULL;
	if (home == NULL)
		return;
	state = hermes_gateway_state_load(home, &error_local);
	if (state == NULL) {
		if (!g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND))
			g_ptr_array_add(row->warnings, g_strdup(error_local->message));
		return;
	}
	row->desired = g_strdup(hermes_json_get_string(state, "desired_state"));
	row->runtime = g_strdup(hermes_json_get_string(state, "gateway_state"));
	row->runtime_pid = hermes_json_get_int(state, "pid", -1);
	row->port = hermes_json_get_int(state, "port", -1);
	row->intent = hermes_intent_from_state(state, NULL, &row->intent_source);
}

/* the problems a person should see without reading the columns */
static void
hermes_cli_row_diagnose(HermesCliRow *row)
{
	HermesGatewayState state = row->status != NULL
					   ? hermes_gateway_status_get_state(row->status)
					   : HERMES_GATEWAY_STATE_UNKNOWN;
	gboolean up = state == HERMES_GATEWAY_STATE_UP || state == HERMES_GATEWAY_STATE_STARTING;
	g_autofree gchar *reason = NULL;

	if (row->status != NULL)
		hermes_gateway_status_get_reason(row->status, &reason);

	if (row->error != NULL)
		g_ptr_array_add(row->warnings, g_strdup(row->error));
	if (row->status == NULL && row->error == NULL)
		g_ptr_array_add(row->warnings,
				g_strdup("no slot with the supervisor: 'hermes gateway start' "
					 "registers one"));
	if (state == HERMES_GATEWAY_STATE_PARKED || state == HERMES_GATEWAY_STATE_FAILED)
		g_ptr_array_add(row->warnings,
				g_strdup_printf("%s: %s",
						hermes_gateway_state_to_string(state),
						reason != NULL ? reason : "no reason recorded"));
	if (row->intent == HERMES_INTENT_RUN && !up && row->status != NULL)
		g_ptr_array_add(row->warnings,
				g_strdup_printf("meant to run (%s=%s) but not up",
						row->intent_source == HERMES_INTENT_SOURCE_DESIRED
							? "desired_state"
							: "gateway_state",
						row->intent_source == HERMES_INTENT_SOURCE_DESIRED
							? row->desired
							: row->runtime));
	if (g_strcmp0(row->runtime, "running") == 0 && row->runtime_pid > 0 &&
	    !hermes_platform_process_alive(row->runtime_pid))
		g_ptr_array_add(row->warnings,
				g_strdup_printf("stale runtime state: gateway_state=running but "
						"pid %" G_GINT64_FORMAT " is gone",
						row->runtime_pid));
}

static HermesCliRow *
hermes_cli_row_new(HermesCli *cli, HermesServiceManager *manager, const gchar *profile)
{
	HermesCliRow *row = g_new0(HermesCliRow, 1);
	g_autoptr(GError) error_local = NULL;
	row->profile = g_strdup(profile);
	/* NULL-terminated, so the table can take it as a string vector */
	row->warnings = g_ptr_array_new_null_terminated(0, g_free, TRUE);
	row->runtime_pid = -1;
	row->port = -1;
	row->status = hermes_service_manager_get_status(manager, profile, NULL, &error_local);
	if (row->status == NULL &&
	    !g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_REGISTERED)) {
		g_autoptr(GError) explained = NULL;
		hermes_cli_gateway_explain(manager, "status of", profile, error_local, &explained);
		row->error = g_strdup(explained->message);
		row->error_exit = hermes_cli_exit_code(explained);
		/* an error is an error, also when the table carries on */
		g_printerr("hermes: %s\n", row->error);
	}
	hermes_cli_row_read_state(cli, row);
	hermes_cli_row_diagnose(row);
	return row;
}

static gchar *
hermes_cli_format_uptime(const HermesCliTableRow *row)
{
	gint64 secs;
	if (!row->registered || g_strcmp0(row->state, "up") != 0 || row->since_us <= 0)
		return g_strdup("-");
	secs = MAX((g_get_real_time() - row->since_us) / G_USEC_PER_SEC, 0);
	if (secs < 60)
		return g_strdup_printf("%" G_GINT64_FORMAT "s", secs);
	if (secs < 3600)
		return g_strdup_printf(
			"%" G_GINT64_FORMAT "m%02" G_GINT64_FORMAT "s", secs / 60, secs % 60);
	if (secs < 86400)
		return g_strdup_printf("%" G_GINT64_FORMAT "h%02" G_GINT64_FORMAT "m",
				       secs / 3600,
				       (secs / 60) % 60);
	return g_strdup_printf(
		"%" G_GINT64_FORMAT "d%02" G_GINT64_FORMAT "h", secs / 86400, (secs / 3600) % 24);
}

static gchar *
hermes_cli_format_exit(const HermesCliTableRow *row)
{
	if (!row->registered)
		return g_strdup("-");
	if (row->last_signal > 0)
		return g_strdup_printf("sig %d", row->last_signal);
	if (row->last_exit_code >= 0)
		return g_strdup_printf("%d", row->last_exit_code);
	return g_strdup("-");
}

static gchar *
hermes_cli_format_int(gint64 value)
{
	return value < 0 ? g_strdup("-") : g_strdup_printf("%" G_GINT64_FORMAT, value);
}

/* colour only for a person at a terminal, and never when NO_COLOR is set */
static gboolean
hermes_cli_use_colour(HermesCli *cli)
{
	const gchar *no_colour = hermes_context_getenv(cli->ctx, "NO_COLOR");
	return isatty(STDOUT_FILENO) && (no_colour == NULL || no_colour[0] == '\0');
}

static const gchar *
hermes_cli_state_colour(const gchar *state)
{
	if (g_strcmp0(state, "up") == 0)
		return "\033[32m";
	if (g_strcmp0(state, "failed") == 0 || g_strcmp0(state, "parked") == 0)
		return "\033[31m";
	if (g_strcmp0(state, "starting") == 0 || g_strcmp0(state, "stopping") == 0)
		return "\033[33m";
	return "";
}

gchar *
hermes_cli_manager_line_format(const gchar *backend,
			       const gchar *mode,
			       const gchar *detail,
			       gboolean running)
{
	const gchar *label = g_strcmp0(mode, "container") == 0 ? "container supervisor" : mode;
	if (detail != NULL && detail[0] != '\0')
		return g_strdup_printf(
			"%s (%s): %s%s", backend, label, detail, running ? "" : ", not running");
	return g_strdup_printf("%s (%s)", backend, label);
}

static gchar *
hermes_cli_manager_line(HermesServiceManager *manager)
{
	g_autofree gchar *detail = NULL;
	gboolean running = FALSE;
	if (!hermes_service_manager_supervisor_status(manager, &running, NULL, &detail, NULL, NULL))
		g_clear_pointer(&detail, g_free);
	return hermes_cli_manager_line_format(hermes_service_manager_get_name(manager),
					      hermes_service_manager_get_mode(manager),
					      detail,
					      running);
}

/* the table of `hermes status`, from the backend or from hermes-svcd alike */
void
hermes_cli_print_status_table(HermesCli *cli,
			      const gchar *manager_line,
			      const gchar *backend,
			      GArray *rows)
{
	gboolean colour = hermes_cli_use_colour(cli);
	g_print("Manager: %s\n", manager_line);
	if (rows->len == 0) {
		g_print("No gateways registered with %s.\n", backend);
		return;
	}
	g_print("%-20s %-12s %-7s %8s %-8s %-7s %-9s %8s %6s %-8s %s\n",
		"PROFILE",
		"STATE",
		"WANTED",
		"PID",
		"UPTIME",
		"READY",
		"LAST EXIT",
		"RESTARTS",
		"PORT",
		"DESIRED",
		"RUNTIME");
	for (guint i = 0; i < rows->len; i++) {
		const HermesCliTableRow *row = &g_array_index(rows, HermesCliTableRow, i);
		const gchar *state_colour =
			row->registered ? hermes_cli_state_colour(row->state) : "";
		g_autofree gchar *pid = hermes_cli_format_int(row->registered ? row->pid : -1);
		g_autofree gchar *uptime = hermes_cli_format_uptime(row);
		g_autofree gchar *last = hermes_cli_format_exit(row);
		g_autofree gchar *restarts =
			hermes_cli_format_int(row->registered ? row->restarts : -1);
		g_autofree gchar *port = hermes_cli_format_int(row->port > 0 ? row->port : -1);
		/* pad before colouring so the escape codes do not break the columns */
		g_autofree gchar *state_cell = g_strdup_printf("%-12s", row->state);
		g_print("%-20s %s%s%s %-7s %8s %-8s %-7s %-9s %8s %6s %-8s %s\n",
			row->profile,
			colour ? state_colour : "",
			state_cell,
			colour && state_colour[0] != '\0' ? "\033[0m" : "",
			row->registered && row->wanted != NULL ? row->wanted : "-",
			pid,
			uptime,
			row->registered && row->ready != NULL ? row->ready : "-",
			last,
			restarts,
			port,
			row->desired != NULL ? row->desired : "-",
			row->runtime != NULL ? row->runtime : "-");
		for (guint j = 0; row->warnings != NULL && row->warnings[j] != NULL; j++)
			g_print("  ! %s\n", row->warnings[j]);
	}
}

static void
hermes_cli_print_table(HermesCli *cli, HermesServiceManager *manager, GPtrArray *rows)
{
	g_autofree gchar *manager_line = hermes_cli_manager_line(manager);
	g_autoptr(GArray) table = g_array_new(FALSE, TRUE, sizeof(HermesCliTableRow));
	for (guint i = 0; i < rows->len; i++) {
		HermesCliRow *row = g_ptr_array_index(rows, i);
		HermesGatewayStatus *s = row->status;
		HermesCliTableRow cell = {0};
		HermesTristate ready =
			s != NULL ? hermes_gateway_status_get_ready(s) : HERMES_TRISTATE_UNKNOWN;
		cell.profile = row->profile;
		cell.registered = s != NULL;
		cell.state =
			s != NULL
				? hermes_gateway_state_to_string(hermes_gateway_status_get_state(s))
				: "unregistered";
		cell.wanted = s != NULL ? hermes_gateway_wanted_to_string(
						  hermes_gateway_status_get_wanted(s))
					: NULL;
		cell.pid = s != NULL ? hermes_gateway_status_get_pid(s) : -1;
		cell.since_us = s != NULL ? hermes_gateway_status_get_since(s) : 0;
		cell.ready = ready == HERMES_TRISTATE_YES  ? "yes"
			     : ready == HERMES_TRISTATE_NO ? "no"
							   : NULL;
		cell.last_exit_code = s != NULL ? hermes_gateway_status_get_last_exit_code(s) : -1;
		cell.last_signal = s != NULL ? hermes_gateway_status_get_last_signal(s) : 0;
		cell.restarts = s != NULL ? hermes_gateway_status_get_restarts(s) : -1;
		cell.port = row->port;
		cell.desired = row->desired;
		cell.runtime = row->runtime;
		cell.warnings = (const gchar *const *)row->warnings->pdata;
		g_array_append_val(table, cell);
	}
	hermes_cli_print_status_table(
		cli, manager_line, hermes_service_manager_get_name(manager), table);
}

static void
hermes_cli_json_string_or_null(JsonBuilder *builder, const gchar *name, const gchar *value)
{
	json_builder_set_member_name(builder, name);
	if (value != NULL)
		json_builder_add_string_value(builder, value);
	else
		json_builder_add_null_value(builder);
}

static void
hermes_cli_print_json_rows(HermesServiceManager *manager, GPtrArray *rows)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "manager");
	json_builder_begin_object(builder);
	hermes_cli_json_string_or_null(
		builder, "backend", hermes_service_manager_get_name(manager));
	hermes_cli_json_string_or_null(builder, "mode", hermes_service_manager_get_mode(manager));
	json_builder_end_object(builder);
	json_builder_set_member_name(builder, "gateways");
	json_builder_begin_array(builder);
	for (guint i = 0; i < rows->len; i++) {
		HermesCliRow *row = g_ptr_array_index(rows, i);
		g_autoptr(JsonNode) node =
			row->status != NULL ? hermes_gateway_status_to_json(row->status) : NULL;
		JsonObject *obj;
		if (node == NULL) {
			node = json_node_new(JSON_NODE_OBJECT);
			json_node_take_object(node, json_object_new());
			json_object_set_string_member(
				json_node_get_object(node), "profile", row->profile);
			json_object_set_string_member(
				json_node_get_object(node), "state", "unregistered");
		}
		obj = json_node_get_object(node);
		json_object_set_boolean_member(obj, "registered", row->status != NULL);
		if (row->desired != NULL)
			json_object_set_string_member(obj, "desired_state", row->desired);
		else
			json_object_set_null_member(obj, "desired_state");
		if (row->runtime != NULL)
			json_object_set_string_member(obj, "runtime_state", row->runtime);
		else
			json_object_set_null_member(obj, "runtime_state");
		if (row->port > 0)
			json_object_set_int_member(obj, "port", row->port);
		else
			json_object_set_null_member(obj, "port");
		{
			JsonArray *warnings = json_array_new();
			for (guint j = 0; j < row->warnings->len; j++)
				json_array_add_string_element(warnings,
							      g_ptr_array_index(row->warnings, j));
			json_object_set_array_member(obj, "warnings", warnings);
		}
		json_builder_add_value(builder, json_node_ref(node));
	}
	json_builder_end_array(builder);
	json_builder_end_object(builder);
	root = json_builder_get_root(builder);
	hermes_cli_print_json(root);
}

/* two profiles that asked for the same port: one of them cannot start (upstream §5.15) */
static void
hermes_cli_warn_collisions(HermesCli *cli, GPtrArray *rows)
{
	g_autoptr(GHashTable) by_profile = hermes_port_collisions_by_profile(cli->ctx, NULL);
	for (guint j = 0; by_profile != NULL && j < rows->len; j++) {
		HermesCliRow *row = g_ptr_array_index(rows, j);
		GPtrArray *lines = g_hash_table_lookup(by_profile, row->profile);
		for (guint i = 0; lines != NULL && i < lines->len; i++)
			g_ptr_array_add(
				row->warnings,
				g_strdup_printf("port collision: %s",
						(const gchar *)g_ptr_array_index(lines, i)));
	}
}

static gint
hermes_cli_row_cmp(gconstpointer a, gconstpointer b)
{
	const HermesCliRow *ra = *(const HermesCliRow *const *)a;
	const HermesCliRow *rb = *(const HermesCliRow *const *)b;
	gboolean da = g_strcmp0(ra->profile, HERMES_PROFILE_DEFAULT) == 0;
	gboolean db = g_strcmp0(rb->profile, HERMES_PROFILE_DEFAULT) == 0;
	/* default first, as in `hermes profile list`, then by name */
	if (da != db)
		return da ? -1 : 1;
	return g_strcmp0(ra->profile, rb->profile);
}

/* every registered gateway, and every profile that has none yet */
static GPtrArray *
hermes_cli_collect(HermesCli *cli, HermesServiceManager *manager, const gchar *only, GError **error)
{
	g_autoptr(GPtrArray) rows =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_cli_row_free);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) profiles = NULL;
	g_auto(GStrv) names = NULL;

	if (only != NULL) {
		g_ptr_array_add(rows, hermes_cli_row_new(cli, manager, only));
		return g_steal_pointer(&rows);
	}
	names = hermes_service_manager_list_gateways(manager, NULL, error);
	if (names == NULL)
		return NULL;
	for (guint i = 0; names[i] != NULL; i++) {
		g_hash_table_add(seen, g_strdup(names[i]));
		g_ptr_array_add(rows, hermes_cli_row_new(cli, manager, names[i]));
	}
	profiles = hermes_profile_list(cli->ctx, NULL);
	for (guint i = 0; profiles != NULL && i < profiles->len; i++) {
		HermesProfile *p = g_ptr_array_index(profiles, i);
		if (!hermes_profile_exists(p) ||
		    g_hash_table_contains(seen, hermes_profile_get_name(p)))
			continue;
		/* only where slots are registered at run time is a missing one worth a row */
		if (!hermes_service_manager_supports_registration(manager))
			continue;
		g_ptr_array_add(rows, hermes_cli_row_new(cli, manager, hermes_profile_get_name(p)));
	}
	g_ptr_array_sort(rows, hermes_cli_row_cmp);
	hermes_cli_warn_collisions(cli, rows);
	return g_steal_pointer(&rows);
}

static gint
hermes_cli_show(HermesCli *cli, gboolean all, GError **error)
{
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(GPtrArray) rows = NULL;
	g_autofree gchar *profile = NULL;

	if (!all) {
		profile = hermes_cli_gateway_target(cli, error);
		if (profile == NULL)
			return HERMES_EXIT_FAILED;
	}
	manager = hermes_cli_get_manager(cli, error);
	if (manager == NULL)
		return HERMES_EXIT_FAILED;
	rows = hermes_cli_collect(cli, manager, profile, error);
	if (rows == NULL)
		return HERMES_EXIT_FAILED;
	if (cli->json)
		hermes_cli_print_json_rows(manager, rows);
	else
		hermes_cli_print_table(cli, manager, rows);
	/* the rows are shown, but a status that could not be read is still a failure */
	for (guint i = 0; i < rows->len; i++) {
		HermesCliRow *row = g_ptr_array_index(rows, i);
		if (row->error != NULL)
			return row->error_exit;
	}
	return HERMES_EXIT_OK;
}

gint
hermes_cli_gateway_status(HermesCli *cli, gchar **args, GError **error)
{
	if (!hermes_cli_gateway_check_all(cli, error))
		return HERMES_EXIT_USAGE;
	return hermes_cli_show(cli, cli->all, error);
}

static gint
hermes_cli_status(HermesCli *cli, gchar **args, GError **error)
{
	/* -p narrows it to one gateway */
	if (cli->dbus)
		return hermes_cli_status_dbus(cli, error);
	return hermes_cli_show(cli, cli->profile == NULL, error);
}

/*
 * For a container HEALTHCHECK: healthy when every gateway meant to run
 * (hermes_intent_from_state(): desired_state, else the gateway's own
 * gateway_state) is up and not unready. `sleep infinity` as the
 * container's main process would otherwise look healthy while every
 * gateway is parked (upstream §5.19).
 */
gint
hermes_cli_gateway_health(HermesCli *cli, gchar **args, GError **error)
{
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(GPtrArray) rows = NULL;
	g_autofree gchar *profile = NULL;
	guint checked = 0;
	guint problems = 0;

	if (!hermes_cli_gateway_check_all(cli, error))
		return HERMES_EXIT_USAGE;
	if (!cli->all) {
		profile = hermes_cli_gateway_target(cli, error);
		if (profile == NULL)
			return HERMES_EXIT_FAILED;
	}
	manager = hermes_cli_get_manager(cli, error);
	if (manager == NULL)
		return HERMES_EXIT_FAILED;
	rows = hermes_cli_collect(cli, manager, profile, error);
	if (rows == NULL)
		return HERMES_EXIT_FAILED;
	for (guint i = 0; i < rows->len; i++) {
		HermesCliRow *row = g_ptr_array_index(rows, i);
		HermesGatewayState state;
		if (row->intent != HERMES_INTENT_RUN)
			continue;
		checked++;
		state = row->status != NULL ? hermes_gateway_status_get_state(row->status)
					    : HERMES_GATEWAY_STATE_UNKNOWN;
		if (state != HERMES_GATEWAY_STATE_UP) {
			g_printerr("hermes: unhealthy: gateway '%s' is %s%s%s\n",
				   row->profile,
				   row->status != NULL ? hermes_gateway_state_to_string(state)
						       : "not registered",
				   row->warnings->len > 0 ? "; " : "",
				   row->warnings->len > 0
					   ? (const gchar *)g_ptr_array_index(row->warnings, 0)
					   : "");
			problems++;
		} else if (hermes_gateway_status_get_ready(row->status) == HERMES_TRISTATE_NO) {
			g_printerr("hermes: unhealthy: gateway '%s' is up but not ready\n",
				   row->profile);
			problems++;
		}
	}
	if (problems > 0)
		return HERMES_EXIT_FAILED;
	g_print("healthy: %u gateway%s meant to run, all up\n", checked, checked == 1 ? "" : "s");
	return HERMES_EXIT_OK;
}

const HermesCliCommand hermes_cli_status_command = {
	NULL,
	NULL,
	0,
	"Show every gateway of the active backend (with -p, just that one)",
	HERMES_CLI_OPT_DBUS,
	hermes_cli_status,
};
