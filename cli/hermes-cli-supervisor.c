/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "hermes-cli.h"

static gint
hermes_cli_supervisor_start(HermesCli *cli, gchar **args, GError **error)
{
	g_autoptr(HermesServiceManager) manager = hermes_cli_get_manager(cli, error);
	g_autofree gchar *detail = NULL;
	gboolean running = FALSE;
	gint64 pid = -1;
	if (manager == NULL)
		return HERMES_EXIT_FAILED;
	if (!hermes_service_manager_supervisor_start(manager, NULL, error))
		return HERMES_EXIT_FAILED;
	if (!hermes_service_manager_supervisor_status(
		    manager, &running, &pid, &detail, NULL, error))
		return HERMES_EXIT_FAILED;
	g_print("Running: %s, pid %" G_GINT64_FORMAT "\n", detail, pid);
	return HERMES_EXIT_OK;
}

static gint
hermes_cli_supervisor_stop(HermesCli *cli, gchar **args, GError **error)
{
	g_autoptr(HermesServiceManager) manager = hermes_cli_get_manager(cli, error);
	if (manager == NULL)
		return HERMES_EXIT_FAILED;
	if (!hermes_service_manager_supervisor_stop(manager, NULL, error))
		return HERMES_EXIT_FAILED;
	g_print("Stopped the supervisor and every gateway under it\n");
	return HERMES_EXIT_OK;
}

static gint
hermes_cli_supervisor_status(HermesCli *cli, gchar **args, GError **error)
{
	g_autoptr(HermesServiceManager) manager = hermes_cli_get_manager(cli, error);
	g_autofree gchar *detail = NULL;
	gboolean running = FALSE;
	gint64 pid = -1;
	if (manager == NULL)
		return HERMES_EXIT_FAILED;
	if (!hermes_service_manager_supervisor_status(
		    manager, &running, &pid, &detail, NULL, error))
		return HERMES_EXIT_FAILED;
	if (cli->json) {
		g_autoptr(JsonBuilder) builder = json_builder_new();
		g_autoptr(JsonNode) root = NULL;
		json_builder_begin_object(builder);
		json_builder_set_member_name(builder, "backend");
		json_builder_add_string_value(builder, hermes_service_manager_get_name(manager));
		json_builder_set_member_name(builder, "mode");
		json_builder_add_string_value(builder, hermes_service_manager_get_mode(manager));
		json_builder_set_member_name(builder, "running");
		json_builder_add_boolean_value(builder, running);
		json_builder_set_member_name(builder, "pid");
		if (pid > 0)
			json_builder_add_int_value(builder, pid);
		else
			json_builder_add_null_value(builder);
		json_builder_set_member_name(builder, "detail");
		json_builder_add_string_value(builder, detail);
		json_builder_end_object(builder);
		root = json_builder_get_root(builder);
		hermes_cli_print_json(root);
	} else if (running) {
		g_print("Running: %s", detail);
		if (pid > 0)
			g_print(", pid %" G_GINT64_FORMAT, pid);
		g_print("\n");
	} else {
		g_print("Not running: %s\n", detail);
	}
	/* like systemctl is-active: scripts can test the exit code */
	return running ? HERMES_EXIT_OK : HERMES_EXIT_NOTHING_TO_DO;
}

const HermesCliCommand hermes_cli_supervisor_commands[] = {
	{"start",
	 NULL,
	 0,
	 "Start the supervisor hermes-svc runs itself (the embedded s6 tree)",
	 HERMES_CLI_OPT_NONE,
	 hermes_cli_supervisor_start},
	{"stop",
	 NULL,
	 0,
	 "Stop every gateway cleanly, then that supervisor",
	 HERMES_CLI_OPT_NONE,
	 hermes_cli_supervisor_stop},
	{"status",
	 NULL,
	 0,
	 "Say whether that supervisor runs (exit 2 if not)",
	 HERMES_CLI_OPT_NONE,
	 hermes_cli_supervisor_status},
	{NULL},
};
