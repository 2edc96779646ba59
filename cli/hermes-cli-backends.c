/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "hermes-cli.h"

static const gchar *
hermes_cli_backends_forced(HermesCli *cli, const gchar **source)
{
	const gchar *env = hermes_context_getenv(cli->ctx, "HERMES_SERVICE_MANAGER");
	if (cli->backend != NULL) {
		*source = "--backend";
		return cli->backend;
	}
	if (env != NULL && env[0] != '\0') {
		*source = "HERMES_SERVICE_MANAGER";
		return env;
	}
	*source = NULL;
	return NULL;
}

static void
hermes_cli_backends_print_json(GStrv search,
			       GPtrArray *plugins,
			       HermesPlugin *chosen,
			       const gchar *source,
			       const GError *error)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "search_path");
	json_builder_begin_array(builder);
	for (guint i = 0; search[i] != NULL; i++)
		json_builder_add_string_value(builder, search[i]);
	json_builder_end_array(builder);
	json_builder_set_member_name(builder, "backends");
	json_builder_begin_array(builder);
	for (guint i = 0; i < plugins->len; i++)
		json_builder_add_value(builder,
				       hermes_plugin_to_json(g_ptr_array_index(plugins, i)));
	json_builder_end_array(builder);
	json_builder_set_member_name(builder, "chosen");
	if (chosen != NULL)
		json_builder_add_string_value(builder, hermes_plugin_get_name(chosen));
	else
		json_builder_add_null_value(builder);
	json_builder_set_member_name(builder, "forced_by");
	if (source != NULL)
		json_builder_add_string_value(builder, source);
	else
		json_builder_add_null_value(builder);
	json_builder_set_member_name(builder, "error");
	if (error != NULL)
		json_builder_add_string_value(builder, error->message);
	else
		json_builder_add_null_value(builder);
	json_builder_end_object(builder);
	root = json_builder_get_root(builder);
	hermes_cli_print_json(root);
}

static void
hermes_cli_backends_print_table(GStrv search,
				GPtrArray *plugins,
				HermesPlugin *chosen,
				const gchar *source)
{
	g_autofree gchar *joined = g_strjoinv(":", search);
	g_print("Search path: %s\n", joined);
	if (plugins->len == 0) {
		g_print("No backend files found.\n");
		return;
	}
	g_print("  %-10s %-9s %-5s %5s  %s\n", "BACKEND", "STATE", "ABI", "SCORE", "FILE");
	for (guint i = 0; i < plugins->len; i++) {
		HermesPlugin *p = g_ptr_array_index(plugins, i);
		HermesPluginState state = hermes_plugin_get_state(p);
		g_autofree gchar *abi = NULL;
		g_autofree gchar *score = NULL;
		if (hermes_plugin_get_abi_major(p) != 0)
			abi = g_strdup_printf("%u.%u",
					      hermes_plugin_get_abi_major(p),
					      hermes_plugin_get_abi_minor(p));
		if (state == HERMES_PLUGIN_STATE_LOADED)
			score = g_strdup_printf("%u", hermes_plugin_get_score(p));
		g_print("%s %-10s %-9s %-5s %5s  %s\n",
			hermes_plugin_get_chosen(p) ? "*" : " ",
			hermes_plugin_get_name(p),
			hermes_plugin_state_to_string(state),
			abi != NULL ? abi : "-",
			score != NULL ? score : "-",
			hermes_plugin_get_path(p));
		g_print("    %s\n",
			state == HERMES_PLUGIN_STATE_LOADED ? hermes_plugin_get_reason(p)
							    : hermes_plugin_get_refusal(p));
	}
	if (chosen == NULL)
		return;
	if (source != NULL)
		g_print("Chosen: %s (forced by %s)\n", hermes_plugin_get_name(chosen), source);
	else
		g_print("Chosen: %s (highest score, %u)\n",
			hermes_plugin_get_name(chosen),
			hermes_plugin_get_score(chosen));
}

static gint
hermes_cli_backends(HermesCli *cli, gchar **args, GError **error)
{
	g_autoptr(GPtrArray) plugins = hermes_backend_loader_discover(cli->ctx);
	g_auto(GStrv) search = hermes_backend_loader_get_search_path(cli->ctx);
	g_autoptr(GError) error_choose = NULL;
	const gchar *source = NULL;
	const gchar *forced = hermes_cli_backends_forced(cli, &source);
	HermesPlugin *chosen = hermes_backend_loader_choose(plugins, forced, &error_choose);

	if (cli->json)
		hermes_cli_backends_print_json(search, plugins, chosen, source, error_choose);
	else
		hermes_cli_backends_print_table(search, plugins, chosen, source);
	/* the listing is the answer; the exit code still says whether one was chosen */
	if (chosen == NULL) {
		g_propagate_error(error, g_steal_pointer(&error_choose));
		return HERMES_EXIT_UNAVAILABLE;
	}
	return HERMES_EXIT_OK;
}

const HermesCliCommand hermes_cli_backends_command = {
	NULL,
	NULL,
	0,
	"List every backend file found, why it was loaded or refused, its probe score and reason, "
	"and the one chosen",
	HERMES_CLI_OPT_NONE,
	hermes_cli_backends,
};
