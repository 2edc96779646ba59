/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <stdio.h>

#include "hermes-cli.h"

static JsonNode *
hermes_cli_profile_to_json(HermesProfile *profile)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "name");
	json_builder_add_string_value(builder, hermes_profile_get_name(profile));
	json_builder_set_member_name(builder, "home");
	json_builder_add_string_value(builder, hermes_profile_get_home(profile));
	json_builder_set_member_name(builder, "default");
	json_builder_add_boolean_value(builder, hermes_profile_is_default(profile));
	json_builder_set_member_name(builder, "exists");
	json_builder_add_boolean_value(builder, hermes_profile_exists(profile));
	json_builder_end_object(builder);
	return json_builder_get_root(builder);
}

/* the backend, when there is one; no supervisor is not an error for profile commands */
static HermesServiceManager *
hermes_cli_profile_manager(HermesCli *cli, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	HermesServiceManager *manager = hermes_cli_get_manager(cli, &error_local);
	if (manager == NULL &&
	    !g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE))
		g_propagate_error(error, g_steal_pointer(&error_local));
	return manager;
}

/* a new profile gets its slot, stopped; failing that is a warning, not a failed create */
static void
hermes_cli_profile_register(HermesCli *cli, const gchar *name)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(HermesServiceManager) manager = hermes_cli_profile_manager(cli, &error_local);
	g_autoptr(HermesGatewaySpec) spec = NULL;

	if (manager == NULL) {
		if (error_local != NULL)
			g_printerr("hermes: warning: profile created, but no backend: %s\n",
				   error_local->message);
		return;
	}
	if (!hermes_service_manager_supports_registration(manager))
		return;
	spec = hermes_gateway_spec_new_default(cli->ctx, name, &error_local);
	if (spec != NULL && hermes_service_manager_register_gateway(
				    manager, spec, HERMES_REGISTER_FLAG_NONE, NULL, &error_local)) {
		if (!cli->json)
			g_print("Registered gateway '%s' with %s (%s), stopped\n",
				name,
				hermes_service_manager_get_name(manager),
				hermes_service_manager_get_mode(manager));
		return;
	}
	/* registered already (by the reconciler, say) is what we wanted */
	if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_ALREADY_EXISTS))
		return;
	g_printerr("hermes: warning: profile created, but registering its gateway failed: %s\n",
		   error_local->message);
}

static gint
hermes_cli_profile_create(HermesCli *cli, gchar **args, GError **error)
{
	g_autoptr(HermesProfile) profile = hermes_profile_create(cli->ctx, args[0], error);
	if (profile == NULL)
		return HERMES_EXIT_FAILED;
	if (cli->json) {
		g_autoptr(JsonNode) node = hermes_cli_profile_to_json(profile);
		hermes_cli_print_json(node);
	} else {
		g_print("Created profile '%s' in %s\n",
			hermes_profile_get_name(profile),
			hermes_profile_get_home(profile));
	}
	hermes_cli_profile_register(cli, args[0]);
	return HERMES_EXIT_OK;
}

/* reads one line from stdin; a closed stdin counts as "no" */
static gboolean
hermes_cli_profile_confirm(const gchar *name, const gchar *home)
{
	gchar line[256];
	g_print("This deletes %s and everything in it.\nType '%s' to confirm: ", home, name);
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL) {
		g_print("\n");
		return FALSE;
	}
	g_strchomp(line);
	return g_strcmp0(line, name) == 0;
}

/* before a profile's files go: its slot is stopped and unregistered, then any stray gateway */
static gboolean
hermes_cli_profile_stop_gateway(HermesCli *cli, HermesProfile *profile, GError **error)
{
	const gchar *name = hermes_profile_get_name(profile);
	g_autofree gchar *warning = NULL;
	g_autoptr(HermesServiceManager) manager = hermes_cli_profile_manager(cli, error);

	if (error != NULL && *error != NULL)
		return FALSE;
	if (manager != NULL && hermes_service_manager_supports_registration(manager) &&
	    !hermes_service_manager_unregister_gateway(manager, name, NULL, error)) {
		g_prefix_error(error, "profile '%s' kept: cannot unregister its gateway: ", name);
		return FALSE;
	}
	/* hermes_profile_delete() does this too; called here to show the warning */
	if (!hermes_profile_stop_stray_gateway(profile, &warning, error))
		return FALSE;
	if (warning != NULL)
		g_printerr("hermes: warning: %s\n", warning);
	return TRUE;
}

static gint
hermes_cli_profile_delete(HermesCli *cli, gchar **args, GError **error)
{
	g_autoptr(HermesProfile) profile = hermes_profile_lookup(cli->ctx, args[0], error);
	if (profile == NULL)
		return HERMES_EXIT_FAILED;
	if (hermes_profile_is_default(profile)) {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_ARGUMENT,
				    "cannot delete the default profile");
		return HERMES_EXIT_FAILED;
	}
	if (!g_file_test(hermes_profile_get_home(profile), G_FILE_TEST_IS_DIR)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_FOUND,
			    "no such profile '%s'",
			    args[0]);
		return HERMES_EXIT_FAILED;
	}
	if (!cli->yes && !hermes_cli_profile_confirm(args[0], hermes_profile_get_home(profile))) {
		g_set_error_literal(
			error,
			HERMES_ERROR,
			HERMES_ERROR_CANCELLED,
			"cancelled: the name was not confirmed (use --yes to skip the question)");
		return HERMES_EXIT_FAILED;
	}
	if (!hermes_cli_profile_stop_gateway(cli, profile, error))
		return HERMES_EXIT_FAILED;
	if (!hermes_profile_delete(cli->ctx, args[0], error))
		return HERMES_EXIT_FAILED;
	g_print("Deleted profile '%s'\n", args[0]);
	return HERMES_EXIT_OK;
}

static gint
hermes_cli_profile_list(HermesCli *cli, gchar **args, GError **error)
{
	g_autoptr(GPtrArray) profiles = hermes_profile_list(cli->ctx, error);
	g_autofree gchar *current = NULL;
	if (profiles == NULL)
		return HERMES_EXIT_FAILED;
	if (cli->json) {
		g_autoptr(JsonArray) array = json_array_new();
		g_autoptr(JsonNode) node = json_node_new(JSON_NODE_ARRAY);
		for (guint i = 0; i < profiles->len; i++)
			json_array_add_element(
				array, hermes_cli_profile_to_json(g_ptr_array_index(profiles, i)));
		json_node_set_array(node, array);
		hermes_cli_print_json(node);
		return HERMES_EXIT_OK;
	}
	current = hermes_cli_profile_name(cli);
	g_print("  %-24s %s\n", "PROFILE", "HOME");
	for (guint i = 0; i < profiles->len; i++) {
		HermesProfile *p = g_ptr_array_index(profiles, i);
		g_print("%s %-24s %s%s\n",
			g_strcmp0(hermes_profile_get_name(p), current) == 0 ? "*" : " ",
			hermes_profile_get_name(p),
			hermes_profile_get_home(p),
			hermes_profile_exists(p) ? "" : " (not created yet)");
	}
	return HERMES_EXIT_OK;
}

const HermesCliCommand hermes_cli_profile_commands[] = {
	{"create", "NAME", 1, "Create a profile", HERMES_CLI_OPT_NONE, hermes_cli_profile_create},
	{"delete",
	 "NAME",
	 1,
	 "Delete a profile and its files",
	 HERMES_CLI_OPT_YES,
	 hermes_cli_profile_delete},
	{"list",
	 NULL,
	 0,
	 "List profiles (* marks the current one)",
	 HERMES_CLI_OPT_NONE,
	 hermes_cli_profile_list},
	{NULL},
};
