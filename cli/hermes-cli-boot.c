/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes boot reconcile [--dry-run] [--json]`: the container's cont-init
 * step (data/s6-overlay/). One line per profile and a summary on stdout;
 * exit 0 unless no slot could be written at all.
 */

#include "config.h"

#include "hermes-cli.h"
#include "hermes-reconciler.h"

static JsonNode *
hermes_cli_boot_to_json(HermesReconciler *reconciler, const gchar *backend, const gchar *skip)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	GPtrArray *actions = NULL;

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "dry_run");
	json_builder_add_boolean_value(
		builder, reconciler != NULL && hermes_reconciler_get_dry_run(reconciler));
	json_builder_set_member_name(builder, "backend");
	if (backend != NULL)
		json_builder_add_string_value(builder, backend);
	else
		json_builder_add_null_value(builder);
	json_builder_set_member_name(builder, "skip_reason");
	if (skip != NULL)
		json_builder_add_string_value(builder, skip);
	else
		json_builder_add_null_value(builder);
	json_builder_set_member_name(builder, "log");
	if (reconciler != NULL && hermes_reconciler_get_log_path(reconciler) != NULL &&
	    !hermes_reconciler_get_dry_run(reconciler))
		json_builder_add_string_value(builder, hermes_reconciler_get_log_path(reconciler));
	else
		json_builder_add_null_value(builder);
	json_builder_set_member_name(builder, "log_error");
	if (reconciler != NULL && hermes_reconciler_get_log_error(reconciler) != NULL)
		json_builder_add_string_value(builder, hermes_reconciler_get_log_error(reconciler));
	else
		json_builder_add_null_value(builder);

	json_builder_set_member_name(builder, "profiles");
	json_builder_begin_array(builder);
	if (reconciler != NULL)
		actions = hermes_reconciler_get_actions(reconciler);
	for (guint i = 0; actions != NULL && i < actions->len; i++) {
		HermesReconcileAction *action = g_ptr_array_index(actions, i);
		const gchar *prior = hermes_reconcile_action_get_prior_state(action);
		const gchar *reason = hermes_reconcile_action_get_reason(action);
		json_builder_begin_object(builder);
		json_builder_set_member_name(builder, "profile");
		json_builder_add_string_value(builder, hermes_reconcile_action_get_profile(action));
		json_builder_set_member_name(builder, "home");
		json_builder_add_string_value(builder, hermes_reconcile_action_get_home(action));
		json_builder_set_member_name(builder, "prior_state");
		if (prior != NULL)
			json_builder_add_string_value(builder, prior);
		else
			json_builder_add_null_value(builder);
		json_builder_set_member_name(builder, "action");
		json_builder_add_string_value(
			builder,
			hermes_reconcile_kind_to_string(hermes_reconcile_action_get_kind(action)));
		json_builder_set_member_name(builder, "reason");
		if (reason != NULL)
			json_builder_add_string_value(builder, reason);
		else
			json_builder_add_null_value(builder);
		json_builder_set_member_name(builder, "prior_exit");
		json_builder_add_string_value(
			builder,
			hermes_prior_exit_to_string(
				hermes_reconcile_action_get_prior_exit(action)));
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);

	json_builder_set_member_name(builder, "summary");
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "total");
	json_builder_add_int_value(builder, actions != NULL ? actions->len : 0);
	for (HermesReconcileKind kind = HERMES_RECONCILE_STARTED; kind <= HERMES_RECONCILE_SKIPPED;
	     kind++) {
		json_builder_set_member_name(builder, hermes_reconcile_kind_to_string(kind));
		json_builder_add_int_value(
			builder,
			reconciler != NULL ? hermes_reconciler_count(reconciler, kind) : 0);
	}
	json_builder_end_object(builder);
	json_builder_end_object(builder);
	return json_builder_get_root(builder);
}

static gint
hermes_cli_boot_skip(HermesCli *cli, const gchar *reason)
{
	if (cli->json) {
		g_autoptr(JsonNode) node = hermes_cli_boot_to_json(NULL, NULL, reason);
		hermes_cli_print_json(node);
	} else {
		g_print("reconcile: skipping (%s)\n", reason);
	}
	return HERMES_EXIT_OK;
}

static void
hermes_cli_boot_progress_cb(HermesReconciler *reconciler,
			    const gchar *profile,
			    guint done,
			    guint total,
			    gpointer user_data)
{
	hermes_cli_progress_update(user_data, done, total, "reconciling %s...", profile);
}

/* a companion's line: a warning goes to stderr */
static void
hermes_cli_boot_note(const gchar *note)
{
	if (note == NULL)
		return;
	if (g_str_has_prefix(note, "warning:"))
		g_printerr("hermes: %s\n", note);
	else
		g_print("%s\n", note);
}

static gint
hermes_cli_boot_reconcile(HermesCli *cli, gchar **args, GError **error)
{
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(HermesReconciler) reconciler = NULL;
	g_autoptr(HermesCliProgress) progress = NULL;
	g_auto(GStrv) argv = NULL;
	g_autofree gchar *summary = NULL;
	GPtrArray *actions;

	/* a dashboard container needs no backend at all: decide before looking for one */
	argv = hermes_container_command_read(cli->ctx);
	if (hermes_container_command_classify((const gchar *const *)argv) ==
	    HERMES_CONTAINER_COMMAND_DASHBOARD)
		return hermes_cli_boot_skip(
			cli, "dashboard container: it does not run per-profile gateways");

	manager = hermes_cli_get_manager(cli, error);
	if (manager == NULL)
		return HERMES_EXIT_FAILED;
	reconciler = hermes_reconciler_new(cli->ctx, manager);
	hermes_reconciler_set_dry_run(reconciler, cli->dry_run);
	/* on a terminal only: `[12/200] reconciling coder...`, erased before the report */
	progress = hermes_cli_progress_new(cli);
	hermes_reconciler_set_progress_func(
		reconciler, hermes_cli_boot_progress_cb, progress, NULL);
	if (!hermes_reconciler_run(reconciler, error))
		return HERMES_EXIT_FAILED;
	hermes_cli_progress_clear(progress);
	if (hermes_reconciler_get_skip_reason(reconciler) != NULL) {
		gint ret = hermes_cli_boot_skip(cli, hermes_reconciler_get_skip_reason(reconciler));
		hermes_cli_boot_note(hermes_reconciler_get_dashboard_note(reconciler));
		hermes_cli_boot_note(hermes_reconciler_get_cluster_note(reconciler));
		return ret;
	}
	if (hermes_reconciler_get_log_error(reconciler) != NULL)
		g_printerr("hermes: warning: boot log: %s\n",
			   hermes_reconciler_get_log_error(reconciler));

	if (cli->json) {
		g_autoptr(JsonNode) node = hermes_cli_boot_to_json(
			reconciler, hermes_service_manager_get_name(manager), NULL);
		hermes_cli_print_json(node);
		return HERMES_EXIT_OK;
	}
	actions = hermes_reconciler_get_actions(reconciler);
	for (guint i = 0; i < actions->len; i++) {
		g_autofree gchar *line =
			hermes_reconcile_action_to_string(g_ptr_array_index(actions, i));
		g_print("%s\n", line);
	}
	summary = hermes_reconciler_format_summary(reconciler);
	g_print("%s%s\n", summary, cli->dry_run ? " dry_run=yes" : "");
	hermes_cli_boot_note(hermes_reconciler_get_dashboard_note(reconciler));
	hermes_cli_boot_note(hermes_reconciler_get_cluster_note(reconciler));
	return HERMES_EXIT_OK;
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
