/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "hermes-cli.h"

static gint
hermes_cli_boot_reconcile(HermesCli *cli, gchar **args, GError **error)
{
	g_set_error_literal(
		error, HERMES_ERROR, HERMES_ERROR_NOT_SUPPORTED, "boot reconcile is not built yet");
	return HERMES_EXIT_NOT_SUPPORTED;
}

const HermesCliCommand hermes_cli_boot_commands[] = {
	{"reconcile",
	 NULL,
	 0,
	 "Rebuild every profile's slot from its persisted state (container start)",
	 HERMES_CLI_OPT_DRY_RUN,
	 hermes_cli_boot_reconcile},
	{NULL},
};
