/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes gateway run`. Inside an s6-overlay container (the s6 backend in
 * container mode) the gateway belongs to the supervisor: the command
 * registers and starts the profile's slot, says so in one line, and turns
 * into the container's keep-alive (`sleep infinity`). Everywhere else, and
 * for the supervised child itself, it is the foreground gateway
 * (HermesRunner). Exit codes: see hermes_runner_run() and docs/cli.md.
 */

#include "config.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "hermes-cli.h"
#include "hermes-env.h"
#include "hermes-runner.h"

/* the exit status of a process ended by SIGTERM, as a shell reports it */
#define HERMES_CLI_EXIT_SIGTERM (128 + SIGTERM)

static gboolean
hermes_cli_run_heartbeat_term_cb(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

/* the container's main process once the gateway is supervised */
static gint
hermes_cli_run_keep_alive(void)
{
	const gchar *argv[] = {"sleep", "infinity", NULL};
	g_autoptr(GMainLoop) loop = NULL;

	fflush(stdout);
	fflush(stderr);
	execvp(argv[0], (gchar **)argv);
	/* no `sleep` in the image must not kill the container (upstream #36208) */
	g_printerr("hermes: cannot run 'sleep infinity' (%s); keeping the container alive "
		   "in-process until it is stopped\n",
		   g_strerror(errno));
	loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGTERM, hermes_cli_run_heartbeat_term_cb, loop);
	g_main_loop_run(loop);
	return HERMES_CLI_EXIT_SIGTERM;
}

/* the backend's mode when it is s6, else NULL; no backend at all means foreground */
static gchar *
hermes_cli_run_s6_mode(HermesCli *cli, HermesServiceManager **manager_out)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(HermesServiceManager) manager = hermes_cli_get_manager(cli, &error_local);
	if (manager == NULL) {
		g_debug("no backend, running in the foreground: %s", error_local->message);
		return NULL;
	}
	if (g_strcmp0(hermes_service_manager_get_name(manager), "s6") != 0)
		return NULL;
	*manager_out = g_object_ref(manager);
	return g_strdup(hermes_service_manager_get_mode(manager));
}

/* the same start as `hermes gateway start`: core registers, records the intent, signals */
static gboolean
hermes_cli_run_start_supervised(HermesServiceManager *manager, const gchar *profile, GError **error)
{
	g_autoptr(HermesGatewayControl) control = hermes_gateway_control_new(manager);
	g_autoptr(HermesGatewayResult) result =
		hermes_gateway_control_run(control, HERMES_GATEWAY_ACTION_START, profile, 0, NULL);
	return hermes_gateway_result_propagate_error(result, error);
}

static void
hermes_cli_run_message_cb(HermesRunner *runner, const gchar *line, gpointer user_data)
{
	/* the supervisor's logger reads stdout; g_print flushes each line */
	g_print("%s\n", line);
}

/* a runner error: one line on stderr; the runner's code is the exit code */
static gint
hermes_cli_run_fail(GError *error, gint code)
{
	hermes_cli_fail(error);
	return code;
}

gint
hermes_cli_gateway_run(HermesCli *cli, gchar **args, GError **error)
{
	g_autofree gchar *name = hermes_cli_profile_name(cli);
	g_autoptr(HermesProfile) profile = hermes_profile_lookup(cli->ctx, name, error);
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(HermesRunner) runner = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *mode = NULL;
	g_autofree gchar *warning = NULL;
	const gchar *s6_child;
	HermesRunRedirect decision;
	gint code;

	if (profile == NULL)
		return HERMES_EXIT_FAILED;
	if (!hermes_profile_exists(profile)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_FOUND,
			    "no such profile '%s': create it with 'hermes profile create %s'",
			    name,
			    name);
		return HERMES_EXIT_FAILED;
	}

	/* the supervised child and --no-supervise never need a backend */
	s6_child = hermes_context_getenv(cli->ctx, "HERMES_S6_SUPERVISED_CHILD");
	if ((s6_child == NULL || s6_child[0] == '\0') && !cli->no_supervise)
		mode = hermes_cli_run_s6_mode(cli, &manager);
	decision = hermes_run_redirect_decide(
		mode,
		s6_child,
		hermes_context_getenv(cli->ctx, "HERMES_GATEWAY_NO_SUPERVISE"),
		cli->no_supervise,
		&warning);
	if (warning != NULL)
		g_printerr("hermes: %s\n", warning);
	g_debug("gateway run: %s", hermes_run_redirect_to_string(decision));
	if (decision == HERMES_RUN_REDIRECT_START_SUPERVISED) {
		if (!hermes_cli_run_start_supervised(manager, name, error))
			return HERMES_EXIT_FAILED;
		g_printerr("hermes: gateway '%s' now runs supervised by s6 and restarts if it "
			   "crashes (to run it in the foreground instead, use --no-supervise or "
			   "HERMES_GATEWAY_NO_SUPERVISE=1)\n",
			   name);
		g_clear_object(&manager);
		return hermes_cli_run_keep_alive();
	}
	g_clear_object(&manager);

	runner = hermes_runner_new(cli->ctx, profile);
	hermes_runner_set_replace(runner, cli->replace);
	g_signal_connect(runner, "message", G_CALLBACK(hermes_cli_run_message_cb), NULL);
	code = hermes_runner_run(runner, &error_local);
	if (error_local != NULL)
		return hermes_cli_run_fail(g_steal_pointer(&error_local), code);
	return code;
}
