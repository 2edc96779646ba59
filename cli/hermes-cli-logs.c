/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes gateway logs [-f] [-n N] [--since TIME] [--all]`: the backend says
 * where the log is, core reads and follows it; this file parses and prints.
 */

#include "config.h"

#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hermes-cli.h"

typedef struct {
	gboolean colour;
	gboolean prefix; /* --all: every line names its gateway */
	gint width;	 /* of the longest profile name */
	GMainLoop *loop;
	GError *error; /* why following stopped */
} HermesCliLogs;

static void
hermes_cli_logs_print(HermesCliLogs *logs, const HermesLogLine *line)
{
	g_autoptr(GString) out = g_string_new(NULL);
	if (logs->prefix)
		g_string_append_printf(out,
				       "%s%-*s%s | ",
				       logs->colour ? "\033[36m" : "",
				       logs->width,
				       line->profile,
				       logs->colour ? "\033[0m" : "");
	if (line->time_us != HERMES_LOG_NO_TIME) {
		/* local time, to the millisecond */
		g_autoptr(GDateTime) dt =
			g_date_time_new_from_unix_local(line->time_us / G_USEC_PER_SEC);
		g_autofree gchar *stamp = dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : NULL;
		if (stamp != NULL)
			g_string_append_printf(out,
					       "%s%s.%03d%s  ",
					       logs->colour ? "\033[2m" : "",
					       stamp,
					       (gint)(line->time_us % G_USEC_PER_SEC / 1000),
					       logs->colour ? "\033[0m" : "");
	}
	g_string_append(out, line->text);
	g_string_append_c(out, '\n');
	fwrite(out->str, 1, out->len, stdout);
}

static void
hermes_cli_logs_line_cb(HermesLogReader *reader, HermesLogLine *line, gpointer data)
{
	hermes_cli_logs_print(data, line);
	fflush(stdout);
}

static void
hermes_cli_logs_failed_cb(HermesLogReader *reader, GError *error, gpointer data)
{
	HermesCliLogs *logs = data;
	if (logs->error == NULL)
		logs->error = g_error_copy(error);
	g_main_loop_quit(logs->loop);
}

static gboolean
hermes_cli_logs_signal_cb(gpointer data)
{
	g_main_loop_quit(((HermesCliLogs *)data)->loop);
	return G_SOURCE_CONTINUE;
}

/* the profiles whose logs are shown: one, or every registered gateway */
static GStrv
hermes_cli_logs_targets(HermesCli *cli, HermesServiceManager *manager, GError **error)
{
	GStrv one;
	gchar *name;
	if (cli->all)
		return hermes_service_manager_list_gateways(manager, NULL, error);
	name = hermes_cli_gateway_target(cli, error);
	if (name == NULL)
		return NULL;
	one = g_new0(gchar *, 2);
	one[0] = name;
	return one;
}

static HermesLogReader *
hermes_cli_logs_open(HermesServiceManager *manager, const gchar *profile, GError **error)
{
	g_autoptr(HermesLogSource) source =
		hermes_service_manager_get_log_source(manager, profile, error);
	if (source == NULL)
		return NULL;
	return hermes_log_reader_new(source, profile, error);
}

static gboolean
hermes_cli_logs_options(HermesCli *cli, guint *n, gint64 *since_us, GError **error)
{
	*since_us = HERMES_LOG_NO_TIME;
	if (cli->since != NULL &&
	    !hermes_log_parse_since(cli->since, g_get_real_time(), since_us, error))
		return FALSE;
	if (cli->lines != G_MININT && cli->lines < 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "-n: %d is not a number of lines",
			    cli->lines);
		return FALSE;
	}
	/* like tail: 10 lines; with --since, every line since then */
	if (cli->lines != G_MININT)
		*n = (guint)cli->lines;
	else
		*n = cli->since != NULL ? HERMES_LOG_MAX_LINES : HERMES_LOG_DEFAULT_LINES;
	return hermes_cli_gateway_check_all(cli, error);
}

static gint
hermes_cli_logs_follow(HermesCliLogs *logs, GPtrArray *readers, GError **error)
{
	guint sigint, sigterm;
	gboolean ok = TRUE;
	logs->loop = g_main_loop_new(NULL, FALSE);
	/* Ctrl-C or a stop ends following cleanly (exit 0), from the first line on */
	sigint = g_unix_signal_add(SIGINT, hermes_cli_logs_signal_cb, logs);
	sigterm = g_unix_signal_add(SIGTERM, hermes_cli_logs_signal_cb, logs);
	for (guint i = 0; i < readers->len && ok; i++) {
		HermesLogReader *reader = g_ptr_array_index(readers, i);
		g_signal_connect(reader, "line", G_CALLBACK(hermes_cli_logs_line_cb), logs);
		g_signal_connect(reader, "failed", G_CALLBACK(hermes_cli_logs_failed_cb), logs);
		ok = hermes_log_reader_follow(reader, error);
	}
	if (ok && logs->error == NULL)
		g_main_loop_run(logs->loop);
	g_source_remove(sigint);
	g_source_remove(sigterm);
	g_clear_pointer(&logs->loop, g_main_loop_unref);
	if (!ok)
		return HERMES_EXIT_FAILED;
	if (logs->error != NULL) {
		g_propagate_error(error, g_steal_pointer(&logs->error));
		return HERMES_EXIT_FAILED;
	}
	return HERMES_EXIT_OK;
}

gint
hermes_cli_gateway_logs(HermesCli *cli, gchar **args, GError **error)
{
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(GPtrArray) readers = g_ptr_array_new_with_free_func(g_object_unref);
	g_autoptr(GPtrArray) lines =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_log_line_free);
	g_auto(GStrv) profiles = NULL;
	HermesCliLogs logs = {hermes_cli_use_colour(cli), cli->all, 0, NULL, NULL};
	gint64 since_us;
	guint n;

	if (!hermes_cli_logs_options(cli, &n, &since_us, error))
		return HERMES_EXIT_USAGE;
	manager = hermes_cli_get_manager(cli, error);
	if (manager == NULL || (profiles = hermes_cli_logs_targets(cli, manager, error)) == NULL)
		return HERMES_EXIT_FAILED;
	for (guint i = 0; profiles[i] != NULL; i++) {
		g_autoptr(GError) local = NULL;
		g_autoptr(HermesLogReader) reader =
			hermes_cli_logs_open(manager, profiles[i], &local);
		g_autoptr(GPtrArray) tail = NULL;
		/* --all shows the gateways that have a log and names the others */
		if (reader == NULL && cli->all &&
		    g_error_matches(local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND)) {
			g_printerr("hermes: %s\n", local->message);
			continue;
		}
		if (reader == NULL ||
		    (tail = hermes_log_reader_tail(reader, n, since_us, &local)) == NULL) {
			g_propagate_error(error, g_steal_pointer(&local));
			return HERMES_EXIT_FAILED;
		}
		g_ptr_array_extend_and_steal(lines, g_steal_pointer(&tail));
		logs.width = MAX(logs.width, (gint)strlen(profiles[i]));
		g_ptr_array_add(readers, g_steal_pointer(&reader));
	}
	if (readers->len == 0) {
		g_set_error(error, HERMES_ERROR, HERMES_ERROR_NOT_FOUND, "no gateway has a log");
		return HERMES_EXIT_NOT_FOUND;
	}
	hermes_log_lines_sort(lines, n);
	for (guint i = 0; i < lines->len; i++)
		hermes_cli_logs_print(&logs, g_ptr_array_index(lines, i));
	fflush(stdout);
	if (!cli->follow)
		return HERMES_EXIT_OK;
	return hermes_cli_logs_follow(&logs, readers, error);
}
