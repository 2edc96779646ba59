/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes status`, `hermes gateway status` and `hermes gateway health`:
 * renderers of HermesGatewayReport (core), which puts the supervisor's view
 * of each gateway next to what the gateway and the operator recorded, with
 * the problems spelled out. `hermes status --dbus` renders the same reports,
 * read back from hermes-svcd.
 */

#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "hermes-cli.h"

/* one row of the status table, whatever door it came through */
typedef struct {
	const gchar *profile;
	gboolean registered;
	const gchar *state; /* up, down, … ("unregistered" when there is no slot) */
	const gchar *wanted;
	gint64 pid;	     /* -1: unknown */
	gint64 since_us;     /* 0: unknown */
	const gchar *ready;  /* yes, no, or NULL for unknown */
	gint last_exit_code; /* -1: unknown */
	gint last_signal;    /* 0: none */
	gint64 restarts;     /* -1: unknown */
	gint64 port;	     /* -1: none */
	const gchar *desired;
	const gchar *runtime;
	GPtrArray *problems; /* HermesGatewayProblem */
	const gchar *note;   /* why it is down when that is no problem (multiplexed) */
	const gchar *node;   /* the cluster node that owns it, when the cluster was asked */
} HermesCliTableRow;

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
gboolean
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

static void
hermes_cli_print_status_table(HermesCli *cli,
			      const gchar *manager_line,
			      const gchar *backend,
			      GArray *rows)
{
	gboolean colour = hermes_cli_use_colour(cli);
	gboolean cluster = FALSE;
	g_print("Manager: %s\n", manager_line);
	if (rows->len == 0) {
		g_print("No gateways registered with %s.\n", backend);
		return;
	}
	/* a NODE column only in a cluster: the table is unchanged elsewhere */
	for (guint i = 0; i < rows->len; i++)
		cluster = cluster || g_array_index(rows, HermesCliTableRow, i).node != NULL;
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
		cluster ? "RUNTIME  NODE" : "RUNTIME");
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
		const gchar *runtime = row->runtime != NULL ? row->runtime : "-";
		g_autofree gchar *last_cells =
			cluster ? g_strdup_printf(
					  "%-8s %s", runtime, row->node != NULL ? row->node : "-")
				: g_strdup(runtime);
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
			last_cells);
		if (row->note != NULL)
			g_print("  note: %s\n", row->note);
		for (guint j = 0; j < row->problems->len; j++) {
			HermesGatewayProblem *problem = g_ptr_array_index(row->problems, j);
			const gchar *fix = hermes_gateway_problem_get_fix(problem);
			g_print("  ! %s\n", hermes_gateway_problem_get_text(problem));
			if (fix != NULL)
				g_print("    fix: %s\n", fix);
		}
	}
}

static HermesCliTableRow
hermes_cli_table_row(HermesGatewayReport *report)
{
	HermesGatewayStatus *s = hermes_gateway_report_get_status(report);
	HermesCliTableRow cell = {0};
	HermesTristate ready =
		s != NULL ? hermes_gateway_status_get_ready(s) : HERMES_TRISTATE_UNKNOWN;
	cell.profile = hermes_gateway_report_get_profile(report);
	cell.registered = s != NULL;
	cell.state = hermes_gateway_report_get_state(report);
	cell.wanted = s != NULL
			      ? hermes_gateway_wanted_to_string(hermes_gateway_status_get_wanted(s))
			      : NULL;
	cell.pid = s != NULL ? hermes_gateway_status_get_pid(s) : -1;
	cell.since_us = s != NULL ? hermes_gateway_status_get_since(s) : 0;
	cell.ready = ready == HERMES_TRISTATE_UNKNOWN ? NULL : hermes_tristate_to_string(ready);
	cell.last_exit_code = s != NULL ? hermes_gateway_status_get_last_exit_code(s) : -1;
	cell.last_signal = s != NULL ? hermes_gateway_status_get_last_signal(s) : 0;
	cell.restarts = s != NULL ? hermes_gateway_status_get_restarts(s) : -1;
	cell.port = hermes_gateway_report_get_port(report);
	cell.desired = hermes_gateway_report_get_desired_state(report);
	cell.runtime = hermes_gateway_report_get_runtime_state(report);
	cell.problems = hermes_gateway_report_get_problems(report);
	cell.node = hermes_gateway_report_get_node(report);
	if (hermes_gateway_report_get_reason(report, &cell.note) !=
	    HERMES_GATEWAY_REASON_MULTIPLEXED)
		cell.note = NULL;
	return cell;
}

/**
 * hermes_cli_print_reports:
 * @cli: the command line
 * @manager_line: what follows `Manager: `
 * @backend: the backend's name
 * @reports: (element-type HermesGatewayReport): the rows
 *
 * The table of `hermes status`, from the backend or from hermes-svcd alike.
 */
void
hermes_cli_print_reports(HermesCli *cli,
			 const gchar *manager_line,
			 const gchar *backend,
			 GPtrArray *reports)
{
	g_autoptr(GArray) table = g_array_new(FALSE, TRUE, sizeof(HermesCliTableRow));
	for (guint i = 0; i < reports->len; i++) {
		HermesCliTableRow cell = hermes_cli_table_row(g_ptr_array_index(reports, i));
		g_array_append_val(table, cell);
	}
	hermes_cli_print_status_table(cli, manager_line, backend, table);
}

/**
 * hermes_cli_print_reports_json:
 * @backend: the backend's name
 * @mode: (nullable): how it runs
 * @reports: (element-type HermesGatewayReport): the rows
 *
 * The JSON of `hermes status --json`, from the backend or from hermes-svcd alike.
 */
void
hermes_cli_print_reports_json(const gchar *backend, const gchar *mode, GPtrArray *reports)
{
	g_autoptr(JsonNode) root = hermes_gateway_report_list_to_json(backend, mode, reports);
	hermes_cli_print_json(root);
}

/**
 * hermes_cli_reports_exit_code:
 * @reports: (element-type HermesGatewayReport): the rows
 *
 * A status that could not be read is an error, also when the table
 * carries on: each is printed on stderr.
 *
 * Returns: the exit code of the first, or 0
 */
gint
hermes_cli_reports_exit_code(GPtrArray *reports)
{
	gint exit_code = HERMES_EXIT_OK;
	for (guint i = 0; i < reports->len; i++) {
		g_autoptr(GError) error_local = NULL;
		if (hermes_gateway_report_propagate_error(g_ptr_array_index(reports, i),
							  &error_local))
			continue;
		g_printerr("hermes: %s\n", error_local->message);
		if (exit_code == HERMES_EXIT_OK)
			exit_code = hermes_cli_exit_code(error_local);
	}
	return exit_code;
}

static gint
hermes_cli_show(HermesCli *cli, gboolean all, GError **error)
{
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(GPtrArray) reports = NULL;
	g_autofree gchar *profile = NULL;
	gint exit_code;

	if (!all) {
		profile = hermes_cli_gateway_target(cli, error);
		if (profile == NULL)
			return HERMES_EXIT_FAILED;
	}
	manager = hermes_cli_get_manager(cli, error);
	if (manager == NULL)
		return HERMES_EXIT_FAILED;
	reports = hermes_gateway_report_collect(manager, profile, NULL, error);
	if (reports == NULL)
		return HERMES_EXIT_FAILED;
	exit_code = hermes_cli_reports_exit_code(reports);
	hermes_cli_cluster_annotate(cli, reports);
	if (cli->json) {
		hermes_cli_print_reports_json(hermes_service_manager_get_name(manager),
					      hermes_service_manager_get_mode(manager),
					      reports);
	} else {
		g_autofree gchar *manager_line = hermes_cli_manager_line(manager);
		hermes_cli_print_reports(
			cli, manager_line, hermes_service_manager_get_name(manager), reports);
	}
	return exit_code;
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
	g_autoptr(GPtrArray) reports = NULL;
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
	reports = hermes_gateway_report_collect(manager, profile, NULL, error);
	if (reports == NULL)
		return HERMES_EXIT_FAILED;
	for (guint i = 0; i < reports->len; i++) {
		HermesGatewayReport *report = g_ptr_array_index(reports, i);
		g_autofree gchar *why = NULL;
		if (hermes_gateway_report_get_intent(report, NULL) == HERMES_INTENT_RUN)
			checked++;
		if (hermes_gateway_report_is_healthy(report, &why))
			continue;
		g_printerr("hermes: unhealthy: %s\n", why);
		problems++;
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
	HERMES_CLI_OPT_DBUS | HERMES_CLI_OPT_ENDPOINTS,
	hermes_cli_status,
};
