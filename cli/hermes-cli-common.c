/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdio.h>

#include "hermes-cli.h"

/* one place that maps the error domain onto documented exit codes */
gint
hermes_cli_exit_code(const GError *error)
{
	if (error == NULL)
		return HERMES_EXIT_OK;
	if (error->domain != HERMES_ERROR)
		return HERMES_EXIT_FAILED;
	switch ((HermesError)error->code) {
	case HERMES_ERROR_NOT_FOUND:
	case HERMES_ERROR_NOT_REGISTERED:
		return HERMES_EXIT_NOT_FOUND;
	case HERMES_ERROR_ALREADY_EXISTS:
		return HERMES_EXIT_ALREADY_EXISTS;
	case HERMES_ERROR_NOT_SUPPORTED:
		return HERMES_EXIT_NOT_SUPPORTED;
	case HERMES_ERROR_INVALID_ARGUMENT:
		return HERMES_EXIT_USAGE;
	case HERMES_ERROR_INVALID_DATA:
		return HERMES_EXIT_DATA;
	case HERMES_ERROR_SUPERVISOR_UNAVAILABLE:
	case HERMES_ERROR_ABI_MISMATCH:
		return HERMES_EXIT_UNAVAILABLE;
	case HERMES_ERROR_PERMISSION_DENIED:
		return HERMES_EXIT_PERMISSION;
	case HERMES_ERROR_CONFIGURATION:
		return HERMES_EXIT_CONFIG;
	case HERMES_ERROR_FAILED:
	case HERMES_ERROR_COMMAND_FAILED:
	case HERMES_ERROR_TIMED_OUT:
	case HERMES_ERROR_BUSY:
	case HERMES_ERROR_CANCELLED:
	case HERMES_ERROR_LAST:
	default:
		return HERMES_EXIT_FAILED;
	}
}

/* prints one line on stderr and returns the exit code; takes @error */
gint
hermes_cli_fail(GError *error)
{
	g_autoptr(GError) owned = error;
	g_autofree gchar *line = NULL;
	hermes_error_convert(&owned);
	line = g_strdup(owned->message);
	g_strdelimit(line, "\r\n", ' ');
	g_printerr("hermes: %s\n", line);
	return hermes_cli_exit_code(owned);
}

void
hermes_cli_print_json(JsonNode *node)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autofree gchar *text = NULL;
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, node);
	text = json_generator_to_data(gen, NULL);
	g_print("%s\n", text);
}

/* -p wins, else the profile $HERMES_HOME selects */
gchar *
hermes_cli_profile_name(HermesCli *cli)
{
	if (cli->profile != NULL)
		return g_strdup(cli->profile);
	return hermes_profile_get_current_name(cli->ctx);
}

HermesServiceManager *
hermes_cli_get_manager(HermesCli *cli, GError **error)
{
	return hermes_backend_loader_new_manager(cli->ctx, cli->backend, error);
}
