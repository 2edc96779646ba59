/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes gateway run`: the foreground process a supervisor runs. For now
 * it is the minimal gateway: it tells the supervisor it is ready and stays
 * up until told to stop, keeping the exit-code contract (an operator stop,
 * announced by the planned-stop marker or SIGINT, exits 0; any other
 * SIGTERM exits 1 so the supervisor brings it back). Locking, runtime
 * state and the payload arrive with the lifecycle issue.
 */

#include "config.h"

#include <glib-unix.h>
#include <signal.h>
#include <unistd.h>

#include "hermes-cli.h"

typedef struct {
	GMainLoop *loop;
	gchar *home;
	gint exit_code;
} HermesRunner;

static gboolean
hermes_cli_run_sigterm_cb(gpointer user_data)
{
	HermesRunner *runner = user_data;
	gint64 pid = getpid();
	gboolean planned =
		hermes_planned_stop_consume(runner->home, pid, hermes_platform_get_start_time(pid));
	runner->exit_code = planned ? 0 : 1;
	g_print("gateway: %s, exiting %d\n",
		planned ? "operator stop" : "unexpected SIGTERM",
		runner->exit_code);
	g_main_loop_quit(runner->loop);
	return G_SOURCE_REMOVE;
}

static gboolean
hermes_cli_run_sigint_cb(gpointer user_data)
{
	HermesRunner *runner = user_data;
	runner->exit_code = 0;
	g_main_loop_quit(runner->loop);
	return G_SOURCE_REMOVE;
}

/* s6 notification-fd: one newline on the fd means "ready" */
static void
hermes_cli_run_notify_ready(HermesCli *cli)
{
	const gchar *fd_text = hermes_context_getenv(cli->ctx, "HERMES_READY_FD");
	gint64 fd;
	if (fd_text == NULL || fd_text[0] == '\0')
		return;
	fd = g_ascii_strtoll(fd_text, NULL, 10);
	if (fd < 3 || fd > 1024)
		return;
	if (write((gint)fd, "\n", 1) != 1)
		g_printerr("hermes: cannot signal readiness on fd %" G_GINT64_FORMAT "\n", fd);
	close((gint)fd);
}

gint
hermes_cli_gateway_run(HermesCli *cli, gchar **args, GError **error)
{
	g_autofree gchar *name = hermes_cli_profile_name(cli);
	g_autoptr(HermesProfile) profile = hermes_profile_lookup(cli->ctx, name, error);
	HermesRunner runner = {0};

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
	runner.loop = g_main_loop_new(NULL, FALSE);
	runner.home = g_strdup(hermes_profile_get_home(profile));
	runner.exit_code = 0;
	g_unix_signal_add(SIGTERM, hermes_cli_run_sigterm_cb, &runner);
	g_unix_signal_add(SIGINT, hermes_cli_run_sigint_cb, &runner);
	g_print("gateway: profile '%s' running as pid %d\n", name, getpid());
	hermes_cli_run_notify_ready(cli);
	g_main_loop_run(runner.loop);
	g_main_loop_unref(runner.loop);
	g_free(runner.home);
	return runner.exit_code;
}
