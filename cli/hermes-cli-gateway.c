/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "hermes-cli.h"

typedef gboolean (*HermesCliGatewayAction)(HermesServiceManager *manager,
					   const gchar *profile,
					   GCancellable *cancellable,
					   GError **error);

/* the profile must exist before any supervisor is asked about it */
gchar *
hermes_cli_gateway_target(HermesCli *cli, GError **error)
{
	g_autofree gchar *name = hermes_cli_profile_name(cli);
	g_autoptr(HermesProfile) profile = hermes_profile_lookup(cli->ctx, name, error);
	if (profile == NULL)
		return NULL;
	if (!hermes_profile_exists(profile)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_FOUND,
			    "no such gateway '%s': create it with 'hermes profile create %s' "
			    "or pass an existing profile with -p",
			    name,
			    name);
		return NULL;
	}
	return g_steal_pointer(&name);
}

/* action, target, backend and its code on one line */
void
hermes_cli_gateway_explain(HermesServiceManager *manager,
			   const gchar *verb,
			   const gchar *profile,
			   GError *error_local,
			   GError **error)
{
	g_set_error(error,
		    HERMES_ERROR,
		    error_local->code,
		    "%s gateway '%s' failed (backend %s, %s): %s",
		    verb,
		    profile,
		    hermes_service_manager_get_name(manager),
		    hermes_error_to_string(error_local->code),
		    error_local->message);
}

/* the profile's home, or NULL when it has none (a slot left without a profile) */
gchar *
hermes_cli_gateway_home(HermesCli *cli, const gchar *profile)
{
	g_autoptr(HermesProfile) p = hermes_profile_lookup(cli->ctx, profile, NULL);
	if (p == NULL || !g_file_test(hermes_profile_get_home(p), G_FILE_TEST_IS_DIR))
		return NULL;
	return g_strdup(hermes_profile_get_home(p));
}

/*
 * The intent (`desired_state`) is written durably before the supervisor is
 * signalled, so a reboot or a racing gateway write can never lose it, and
 * it is put back when the supervisor refuses.
 */
static gboolean
hermes_cli_gateway_do(HermesCli *cli,
		      HermesServiceManager *manager,
		      HermesCliGatewayAction action,
		      const gchar *verb,
		      const gchar *profile,
		      GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *home = hermes_cli_gateway_home(cli, profile);
	g_autofree gchar *previous = NULL;
	const gchar *desired = action == hermes_service_manager_stop ? "stopped" : "running";

	if (home != NULL) {
		previous = hermes_gateway_state_get_desired(home);
		if (!hermes_gateway_state_set_desired(home, desired, &error_local)) {
			g_set_error(error,
				    HERMES_ERROR,
				    error_local->code,
				    "%s gateway '%s' not attempted: cannot record the desired "
				    "state: %s",
				    verb,
				    profile,
				    error_local->message);
			return FALSE;
		}
	}
	if (action(manager, profile, NULL, &error_local))
		return TRUE;
	if (home != NULL && g_strcmp0(previous, desired) != 0) {
		g_autoptr(GError) error_restore = NULL;
		if (!hermes_gateway_state_set_desired(home, previous, &error_restore))
			g_printerr("hermes: could not restore the desired state of '%s': %s\n",
				   profile,
				   error_restore->message);
	}
	hermes_cli_gateway_explain(manager, verb, profile, error_local, error);
	return FALSE;
}

/* a gateway (or a tool it runs) stopping itself would be revived or loop (upstream #92560) */
static gboolean
hermes_cli_gateway_refuse_from_inside(HermesCli *cli, HermesCliGatewayAction action, GError **error)
{
	const gchar *inside = hermes_context_getenv(cli->ctx, "HERMES_SUPERVISED_CHILD");
	if (action == hermes_service_manager_start || inside == NULL || inside[0] == '\0' ||
	    g_strcmp0(inside, "0") == 0)
		return TRUE;
	g_set_error_literal(
		error,
		HERMES_ERROR,
		HERMES_ERROR_PERMISSION_DENIED,
		"refusing to stop or restart a gateway from inside a supervised gateway "
		"(HERMES_SUPERVISED_CHILD is set); run it from a shell outside the gateway");
	return FALSE;
}

static gint
hermes_cli_gateway_all(HermesCli *cli,
		       HermesServiceManager *manager,
		       HermesCliGatewayAction action,
		       const gchar *verb,
		       const gchar *done,
		       GError **error)
{
	g_auto(GStrv) names = hermes_service_manager_list_gateways(manager, NULL, error);
	guint failed = 0;
	guint n;
	if (names == NULL)
		return HERMES_EXIT_FAILED;
	n = g_strv_length(names);
	if (n == 0) {
		g_print("No gateways registered with %s.\n",
			hermes_service_manager_get_name(manager));
		return HERMES_EXIT_NOTHING_TO_DO;
	}
	for (guint i = 0; i < n; i++) {
		g_autoptr(GError) error_one = NULL;
		if (hermes_cli_gateway_do(cli, manager, action, verb, names[i], &error_one)) {
			g_print("%s gateway '%s'\n", done, names[i]);
		} else {
			g_printerr("hermes: %s\n", error_one->message);
			failed++;
		}
	}
	if (failed > 0) {
		g_printerr("hermes: %u of %u gateways failed to %s\n", failed, n, verb);
		return HERMES_EXIT_FAILED;
	}
	return HERMES_EXIT_OK;
}

gboolean
hermes_cli_gateway_check_all(HermesCli *cli, GError **error)
{
	if (cli->all && cli->profile != NULL) {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_ARGUMENT,
				    "--all and -p cannot be combined");
		return FALSE;
	}
	return TRUE;
}

/*
 * A profile that exists but has no slot (created before the backend was
 * here, or on the host against a mounted home) gets one, so `start` just
 * works; the line says so.
 */
static gboolean
hermes_cli_gateway_ensure_registered(HermesCli *cli,
				     HermesServiceManager *manager,
				     const gchar *profile,
				     GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;

	if (!hermes_service_manager_supports_registration(manager))
		return TRUE;
	status = hermes_service_manager_get_status(manager, profile, NULL, &error_local);
	if (status != NULL ||
	    !g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_REGISTERED))
		return TRUE;
	spec = hermes_gateway_spec_new_default(cli->ctx, profile, error);
	if (spec == NULL)
		return FALSE;
	if (!hermes_service_manager_register_gateway(
		    manager, spec, HERMES_REGISTER_FLAG_NONE, NULL, error)) {
		g_prefix_error(error, "cannot register gateway '%s': ", profile);
		return FALSE;
	}
	g_print("Registered gateway '%s' with %s (%s)\n",
		profile,
		hermes_service_manager_get_name(manager),
		hermes_service_manager_get_mode(manager));
	return TRUE;
}

static gint
hermes_cli_gateway_run_action(HermesCli *cli,
			      HermesCliGatewayAction action,
			      const gchar *verb,
			      const gchar *done,
			      GError **error)
{
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autofree gchar *profile = NULL;

	if (!hermes_cli_gateway_check_all(cli, error))
		return HERMES_EXIT_USAGE;
	if (!hermes_cli_gateway_refuse_from_inside(cli, action, error))
		return HERMES_EXIT_PERMISSION;
	if (!cli->all) {
		profile = hermes_cli_gateway_target(cli, error);
		if (profile == NULL)
			return HERMES_EXIT_FAILED;
	}
	manager = hermes_cli_get_manager(cli, error);
	if (manager == NULL)
		return HERMES_EXIT_FAILED;
	if (cli->all)
		return hermes_cli_gateway_all(cli, manager, action, verb, done, error);
	if (action != hermes_service_manager_stop &&
	    !hermes_cli_gateway_ensure_registered(cli, manager, profile, error))
		return HERMES_EXIT_FAILED;
	if (!hermes_cli_gateway_do(cli, manager, action, verb, profile, error))
		return HERMES_EXIT_FAILED;
	g_print("%s gateway '%s' (backend %s)\n",
		done,
		profile,
		hermes_service_manager_get_name(manager));
	return HERMES_EXIT_OK;
}

static gint
hermes_cli_gateway_start(HermesCli *cli, gchar **args, GError **error)
{
	return hermes_cli_gateway_run_action(
		cli, hermes_service_manager_start, "start", "Started", error);
}

static gint
hermes_cli_gateway_stop(HermesCli *cli, gchar **args, GError **error)
{
	return hermes_cli_gateway_run_action(
		cli, hermes_service_manager_stop, "stop", "Stopped", error);
}

static gint
hermes_cli_gateway_restart(HermesCli *cli, gchar **args, GError **error)
{
	return hermes_cli_gateway_run_action(
		cli, hermes_service_manager_restart, "restart", "Restarted", error);
}

const HermesCliCommand hermes_cli_gateway_commands[] = {
	{"run",
	 NULL,
	 0,
	 "Run the gateway in the foreground (what the supervisor runs)",
	 HERMES_CLI_OPT_REPLACE,
	 hermes_cli_gateway_run},
	{"start",
	 NULL,
	 0,
	 "Start the gateway of a profile",
	 HERMES_CLI_OPT_ALL,
	 hermes_cli_gateway_start},
	{"stop",
	 NULL,
	 0,
	 "Stop the gateway of a profile",
	 HERMES_CLI_OPT_ALL,
	 hermes_cli_gateway_stop},
	{"restart",
	 NULL,
	 0,
	 "Restart the gateway of a profile (starts a stopped one)",
	 HERMES_CLI_OPT_ALL,
	 hermes_cli_gateway_restart},
	{"status",
	 NULL,
	 0,
	 "Show the supervisor's view of a gateway",
	 HERMES_CLI_OPT_ALL,
	 hermes_cli_gateway_status},
	{"install",
	 NULL,
	 0,
	 "Make the gateway permanent with the backend (unit, plist, slot)",
	 HERMES_CLI_OPT_INSTALL | HERMES_CLI_OPT_DRY_RUN,
	 hermes_cli_gateway_install},
	{"uninstall", NULL, 0, "Undo install", HERMES_CLI_OPT_NONE, hermes_cli_gateway_uninstall},
	{"render",
	 NULL,
	 0,
	 "Print exactly what install would write and run",
	 HERMES_CLI_OPT_NONE,
	 hermes_cli_gateway_render},
	{"health",
	 NULL,
	 0,
	 "Exit 0 only if every gateway meant to run is up and ready (for a HEALTHCHECK)",
	 HERMES_CLI_OPT_ALL,
	 hermes_cli_gateway_health},
	{NULL},
};
