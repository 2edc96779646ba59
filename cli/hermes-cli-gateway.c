/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include "hermes-cli.h"

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

/* notes first (a slot registered on the way), then the outcome */
static gboolean
hermes_cli_gateway_report(HermesGatewayResult *result, gboolean quiet, GError **error)
{
	const gchar *const *notes = hermes_gateway_result_get_notes(result);
	gboolean done = hermes_gateway_result_get_outcome(result) == HERMES_GATEWAY_OUTCOME_DONE;
	for (guint i = 0; notes[i] != NULL; i++) {
		if (done || hermes_gateway_result_get_registered(result))
			g_print("%s\n", notes[i]);
		else
			g_printerr("hermes: %s\n", notes[i]);
	}
	if (!hermes_gateway_result_propagate_error(result, error))
		return FALSE;
	if (!quiet)
		g_print("%s\n", hermes_gateway_result_get_message(result));
	return TRUE;
}

static const gchar *
hermes_cli_gateway_doing(HermesGatewayAction action)
{
	switch (action) {
	case HERMES_GATEWAY_ACTION_STOP:
		return "stopping";
	case HERMES_GATEWAY_ACTION_RESTART:
		return "restarting";
	case HERMES_GATEWAY_ACTION_START:
	default:
		return "starting";
	}
}

typedef struct {
	HermesGatewayControl *control;
	HermesGatewayAction action;
	const gchar *profile;
	guint timeout_ms;
	GMutex mutex;
	GCond cond;
	HermesGatewayResult *result; /* set by the worker under the mutex */
} HermesCliGatewayWait;

static gpointer
hermes_cli_gateway_wait_thread(gpointer data)
{
	HermesCliGatewayWait *wait = data;
	HermesGatewayResult *result = hermes_gateway_control_run(
		wait->control, wait->action, wait->profile, wait->timeout_ms, NULL);
	g_mutex_lock(&wait->mutex);
	wait->result = result;
	g_cond_signal(&wait->cond);
	g_mutex_unlock(&wait->mutex);
	return NULL;
}

/*
 * One action; with --wait on a terminal it runs in a worker thread while
 * this one redraws the progress line with the time waited so far.
 */
static HermesGatewayResult *
hermes_cli_gateway_control(HermesCli *cli,
			   HermesGatewayControl *control,
			   HermesGatewayAction action,
			   const gchar *profile,
			   HermesCliProgress *progress,
			   guint done,
			   guint total)
{
	HermesCliGatewayWait wait = {control, action, profile, cli->wait_ms};
	GThread *thread;
	gint64 started = g_get_monotonic_time();
	HermesGatewayResult *result;

	hermes_cli_progress_update(
		progress, done, total, "%s %s...", hermes_cli_gateway_doing(action), profile);
	if (cli->wait_ms == 0 || !hermes_cli_progress_get_enabled(progress))
		return hermes_gateway_control_run(control, action, profile, cli->wait_ms, NULL);
	g_mutex_init(&wait.mutex);
	g_cond_init(&wait.cond);
	thread = g_thread_new("hermes-wait", hermes_cli_gateway_wait_thread, &wait);
	g_mutex_lock(&wait.mutex);
	while (wait.result == NULL) {
		gint64 now = g_get_monotonic_time();
		gint64 waited;
		if (g_cond_wait_until(&wait.cond, &wait.mutex, now + 250 * G_TIME_SPAN_MILLISECOND))
			continue;
		/* whole seconds, once there is one */
		waited = (g_get_monotonic_time() - started) / G_TIME_SPAN_SECOND;
		if (waited > 0)
			hermes_cli_progress_update(progress,
						   done,
						   total,
						   "%s %s... %" G_GINT64_FORMAT "s",
						   hermes_cli_gateway_doing(action),
						   profile,
						   waited);
	}
	result = wait.result;
	g_mutex_unlock(&wait.mutex);
	g_thread_join(thread);
	g_mutex_clear(&wait.mutex);
	g_cond_clear(&wait.cond);
	return result;
}

/* --all: the results come as each action ends; lines are printed in list order */
typedef struct {
	HermesCliProgress *progress;
	HermesGatewayAction action;
	const gchar *done;
	GStrv names;
	GHashTable *index;	       /* name -> position + 1 */
	HermesGatewayResult **results; /* by position; NULL until it ends */
	guint next;		       /* the first not printed yet */
	guint failed;
	guint skipped;
} HermesCliGatewayAll;

static void
hermes_cli_gateway_all_print(HermesCliGatewayAll *all, guint i)
{
	g_autoptr(GError) error_one = NULL;
	if (hermes_cli_gateway_report(all->results[i], TRUE, &error_one)) {
		g_print("%s gateway '%s'\n", all->done, all->names[i]);
	} else if (g_error_matches(error_one, HERMES_ERROR, HERMES_ERROR_CONFIGURATION)) {
		/* the multiplexer serves it: nothing for --all to do, not a failure */
		g_print("Skipped gateway '%s': the default profile's gateway serves it\n",
			all->names[i]);
		all->skipped++;
	} else {
		g_printerr("hermes: %s\n", error_one->message);
		all->failed++;
	}
}

static void
hermes_cli_gateway_all_cb(HermesGatewayResult *result, guint done, guint total, gpointer data)
{
	HermesCliGatewayAll *all = data;
	const gchar *profile = hermes_gateway_result_get_profile(result);
	guint position = GPOINTER_TO_UINT(g_hash_table_lookup(all->index, profile));

	if (position == 0)
		return;
	all->results[position - 1] = result;
	hermes_cli_progress_clear(all->progress);
	for (; all->names[all->next] != NULL && all->results[all->next] != NULL; all->next++)
		hermes_cli_gateway_all_print(all, all->next);
	hermes_cli_progress_update(all->progress,
				   done,
				   total,
				   "%s %s...",
				   hermes_cli_gateway_doing(all->action),
				   all->names[MIN(all->next, total - 1)]);
}

/*
 * Every registered gateway, several at a time under one hold of the home lock
 * (hermes_gateway_control_run_many): 100 starts, each waiting for its own
 * gateway's readiness, no longer take 100 waits in a row.
 */
static gint
hermes_cli_gateway_all(HermesCli *cli,
		       HermesGatewayControl *control,
		       HermesGatewayAction action,
		       const gchar *done,
		       GError **error)
{
	HermesServiceManager *manager = hermes_gateway_control_get_manager(control);
	g_autoptr(HermesCliProgress) progress = hermes_cli_progress_new(cli);
	g_auto(GStrv) names = hermes_service_manager_list_gateways(manager, NULL, error);
	g_autoptr(GHashTable) index = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GPtrArray) results = NULL;
	g_autofree HermesGatewayResult **by_position = NULL;
	HermesCliGatewayAll all = {progress, action, done};
	guint n;

	if (names == NULL)
		return HERMES_EXIT_FAILED;
	n = g_strv_length(names);
	if (n == 0) {
		g_print("No gateways registered with %s.\n",
			hermes_service_manager_get_name(manager));
		return HERMES_EXIT_NOTHING_TO_DO;
	}
	by_position = g_new0(HermesGatewayResult *, n);
	for (guint i = 0; i < n; i++)
		g_hash_table_insert(index, names[i], GUINT_TO_POINTER(i + 1));
	all.names = names;
	all.index = index;
	all.results = by_position;
	hermes_cli_progress_update(
		progress, 0, n, "%s %s...", hermes_cli_gateway_doing(action), names[0]);
	results = hermes_gateway_control_run_many(control,
						  action,
						  (const gchar *const *)names,
						  cli->wait_ms,
						  NULL,
						  hermes_cli_gateway_all_cb,
						  &all);
	hermes_cli_progress_clear(progress);
	/* a name the backend listed in another spelling: printed here, in order */
	for (guint i = all.next; i < n; i++) {
		all.results[i] = g_ptr_array_index(results, i);
		hermes_cli_gateway_all_print(&all, i);
	}
	if (all.failed > 0) {
		g_printerr("hermes: %u of %u gateways failed to %s\n",
			   all.failed,
			   n - all.skipped,
			   hermes_gateway_action_to_string(action));
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
 * Everything about the action itself is HermesGatewayControl's, as for
 * hermes-svcd; the CLI only picks the target and prints.
 */
static gint
hermes_cli_gateway_run_action(HermesCli *cli,
			      HermesGatewayAction action,
			      const gchar *done,
			      GError **error)
{
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(HermesGatewayControl) control = NULL;
	g_autoptr(HermesGatewayResult) result = NULL;
	g_autoptr(HermesCliProgress) progress = NULL;
	g_autofree gchar *profile = NULL;

	if (!hermes_cli_gateway_check_all(cli, error))
		return HERMES_EXIT_USAGE;
	if (!cli->all) {
		profile = hermes_cli_gateway_target(cli, error);
		if (profile == NULL)
			return HERMES_EXIT_FAILED;
	}
	manager = hermes_cli_get_manager(cli, error);
	if (manager == NULL)
		return HERMES_EXIT_FAILED;
	control = hermes_gateway_control_new(manager);
	if (cli->force)
		hermes_gateway_control_set_flags(control, HERMES_GATEWAY_CONTROL_FLAG_FORCE);
	if (cli->all)
		return hermes_cli_gateway_all(cli, control, action, done, error);
	/* a single action is long only when it waits: no line otherwise */
	if (cli->wait_ms > 0)
		progress = hermes_cli_progress_new(cli);
	result = hermes_cli_gateway_control(cli, control, action, profile, progress, 0, 1);
	hermes_cli_progress_clear(progress);
	if (!hermes_cli_gateway_report(result, FALSE, error))
		return HERMES_EXIT_FAILED;
	return HERMES_EXIT_OK;
}

static gint
hermes_cli_gateway_start(HermesCli *cli, gchar **args, GError **error)
{
	if (!hermes_cli_cluster_check_require(cli, "start", error))
		return HERMES_EXIT_USAGE;
	if (cli->cluster)
		return hermes_cli_cluster_gateway(cli, "start", error);
	return hermes_cli_gateway_run_action(cli, HERMES_GATEWAY_ACTION_START, "Started", error);
}

static gint
hermes_cli_gateway_stop(HermesCli *cli, gchar **args, GError **error)
{
	if (!hermes_cli_cluster_check_require(cli, "stop", error))
		return HERMES_EXIT_USAGE;
	if (cli->cluster)
		return hermes_cli_cluster_gateway(cli, "stop", error);
	return hermes_cli_gateway_run_action(cli, HERMES_GATEWAY_ACTION_STOP, "Stopped", error);
}

static gint
hermes_cli_gateway_restart(HermesCli *cli, gchar **args, GError **error)
{
	if (!hermes_cli_cluster_check_require(cli, "restart", error))
		return HERMES_EXIT_USAGE;
	if (cli->cluster)
		return hermes_cli_cluster_gateway(cli, "restart", error);
	return hermes_cli_gateway_run_action(
		cli, HERMES_GATEWAY_ACTION_RESTART, "Restarted", error);
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
	 HERMES_CLI_OPT_ALL | HERMES_CLI_OPT_FORCE | HERMES_CLI_OPT_WAIT | HERMES_CLI_OPT_CLUSTER |
		 HERMES_CLI_OPT_ENDPOINTS,
	 hermes_cli_gateway_start},
	{"stop",
	 NULL,
	 0,
	 "Stop the gateway of a profile",
	 HERMES_CLI_OPT_ALL | HERMES_CLI_OPT_FORCE | HERMES_CLI_OPT_WAIT | HERMES_CLI_OPT_CLUSTER |
		 HERMES_CLI_OPT_ENDPOINTS,
	 hermes_cli_gateway_stop},
	{"restart",
	 NULL,
	 0,
	 "Restart the gateway of a profile (starts a stopped one)",
	 HERMES_CLI_OPT_ALL | HERMES_CLI_OPT_FORCE | HERMES_CLI_OPT_WAIT | HERMES_CLI_OPT_CLUSTER |
		 HERMES_CLI_OPT_ENDPOINTS,
	 hermes_cli_gateway_restart},
	{"status",
	 NULL,
	 0,
	 "Show the supervisor's view of a gateway",
	 HERMES_CLI_OPT_ALL | HERMES_CLI_OPT_ENDPOINTS,
	 hermes_cli_gateway_status},
	{"logs",
	 NULL,
	 0,
	 "Show a gateway's log; -f follows it",
	 HERMES_CLI_OPT_ALL | HERMES_CLI_OPT_LOGS,
	 hermes_cli_gateway_logs},
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
