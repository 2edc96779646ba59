/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes dashboard url`: the address `hermes-svcd --http` serves for this
 * HERMES_HOME, with the token in the fragment (`#token=...`): a browser
 * never sends a fragment, so the token stays out of every request line
 * and access log. The token is made here when no daemon made it yet.
 */

#include "config.h"

#include "hermes-cli.h"

static gint
hermes_cli_dashboard_url(HermesCli *cli, gchar **args, GError **error)
{
	g_autofree gchar *root = hermes_profile_get_root(cli->ctx);
	g_autofree gchar *url = NULL;
	g_autofree gchar *token = NULL;
	g_autoptr(GError) error_local = NULL;

	url = hermes_dashboard_address_read(root, &error_local);
	if (url == NULL) {
		if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND)) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_NOT_FOUND,
				    "no dashboard is served for %s: start `hermes-svcd --http "
				    "127.0.0.1:9119`",
				    root);
			return HERMES_EXIT_NOT_FOUND;
		}
		g_propagate_error(error, g_steal_pointer(&error_local));
		return HERMES_EXIT_FAILED;
	}
	token = hermes_dashboard_token_ensure(root, error);
	if (token == NULL)
		return HERMES_EXIT_FAILED;
	if (cli->json) {
		g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
		JsonObject *obj = json_object_new();
		g_autofree gchar *full = g_strconcat(url, "#token=", token, NULL);
		json_node_take_object(node, obj);
		json_object_set_string_member(obj, "url", full);
		json_object_set_string_member(obj, "address", url);
		json_object_set_string_member(obj, "token", token);
		hermes_cli_print_json(node);
		return HERMES_EXIT_OK;
	}
	g_print("%s#token=%s\n", url, token);
	return HERMES_EXIT_OK;
}

const HermesCliCommand hermes_cli_dashboard_commands[] = {
	{"url",
	 NULL,
	 0,
	 "Print the web dashboard's URL with its token (hermes-svcd --http)",
	 HERMES_CLI_OPT_NONE,
	 hermes_cli_dashboard_url},
	{NULL},
};
