/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The `hermes` CLI: parse, call core, render. Global options go before the
 * group or after the command, so both `hermes --json profile list` and
 * `hermes profile list --json` work; between group and command only
 * --help is understood.
 */

#include "config.h"

#include <locale.h>
#include <stdio.h>

#include "hermes-cli-main.h"
#include "hermes-cli.h"

typedef struct {
	const gchar *name;
	const gchar *summary;
	const HermesCliCommand *commands; /* NULL-terminated, or NULL for a single command */
	const HermesCliCommand *single;
} HermesCliGroup;

static const HermesCliGroup hermes_cli_groups[] = {
	{"profile", "Create, list and delete profiles", hermes_cli_profile_commands, NULL},
	{"gateway", "Start, stop, restart and inspect gateways", hermes_cli_gateway_commands, NULL},
	{"supervisor",
	 "Start, stop or inspect the supervisor hermes-svc runs itself",
	 hermes_cli_supervisor_commands,
	 NULL},
	{"boot",
	 "Bring gateways back after a container or machine start",
	 hermes_cli_boot_commands,
	 NULL},
	{"dashboard",
	 "Show where the web dashboard of hermes-svcd is",
	 hermes_cli_dashboard_commands,
	 NULL},
	{"cluster",
	 "Run gateways across machines on an etcd cluster",
	 hermes_cli_cluster_commands,
	 NULL},
	{"status", "Show every registered gateway", NULL, &hermes_cli_status_command},
	{"backends",
	 "List backend plugins and the one chosen here",
	 NULL,
	 &hermes_cli_backends_command},
	{"doctor",
	 "Check everything a gateway needs and say how to fix what is wrong",
	 NULL,
	 &hermes_cli_doctor_command},
};

/* a callback, not G_OPTION_ARG_STRING: the option may be given before and
 * after the command, and the last one wins without leaking the first */
static gboolean
hermes_cli_option_cb(const gchar *option_name, const gchar *value, gpointer data, GError **error)
{
	HermesCli *cli = data;
	gchar **target = g_strcmp0(option_name, "--backend") == 0 ? &cli->backend : &cli->profile;
	g_free(*target);
	*target = g_strdup(value);
	return TRUE;
}

/* `--wait` or `--wait=SECONDS` */
static gboolean
hermes_cli_wait_cb(const gchar *option_name, const gchar *value, gpointer data, GError **error)
{
	HermesCli *cli = data;
	guint64 seconds = HERMES_CLI_WAIT_DEFAULT_S;
	if (value != NULL && !g_ascii_string_to_unsigned(value, 10, 1, 3600, &seconds, NULL)) {
		g_set_error(error,
			    G_OPTION_ERROR,
			    G_OPTION_ERROR_BAD_VALUE,
			    "--wait takes a number of seconds from 1 to 3600, not '%s'",
			    value);
		return FALSE;
	}
	cli->wait_ms = (guint)seconds * 1000;
	return TRUE;
}

static void
hermes_cli_add_common(GOptionContext *octx, HermesCli *cli, gboolean *version)
{
	const GOptionEntry common[] = {
		{"profile",
		 'p',
		 0,
		 G_OPTION_ARG_CALLBACK,
		 (gpointer)hermes_cli_option_cb,
		 "Act on profile NAME",
		 "NAME"},
		{"backend",
		 0,
		 0,
		 G_OPTION_ARG_CALLBACK,
		 (gpointer)hermes_cli_option_cb,
		 "Use backend NAME instead of the detected one",
		 "NAME"},
		{"json", 0, 0, G_OPTION_ARG_NONE, &cli->json, "Print JSON instead of tables", NULL},
		{"system",
		 0,
		 0,
		 G_OPTION_ARG_NONE,
		 &cli->system,
		 "Use the system-wide scope (systemd system units, launchd daemons); needs root",
		 NULL},
		{"version", 0, 0, G_OPTION_ARG_NONE, version, "Print the version and exit", NULL},
		{NULL},
	};
	GOptionGroup *group =
		g_option_group_new("hermes", "Global options", "Global options", cli, NULL);
	g_option_group_add_entries(group, common);
	g_option_context_set_main_group(octx, group);
}

static gchar *
hermes_cli_describe_groups(void)
{
	GString *str = g_string_new("Commands:\n");
	for (guint i = 0; i < G_N_ELEMENTS(hermes_cli_groups); i++)
		g_string_append_printf(str,
				       "  %-10s %s\n",
				       hermes_cli_groups[i].name,
				       hermes_cli_groups[i].summary);
	g_string_append(str,
			"\nRun 'hermes GROUP --help' for a group's commands.\n"
			"Exit codes are listed in hermes(1) (man hermes) and docs/cli.md.");
	return g_string_free(str, FALSE);
}

static gchar *
hermes_cli_describe_commands(const HermesCliGroup *group)
{
	GString *str = g_string_new("Commands:\n");
	for (guint i = 0; group->commands[i].name != NULL; i++) {
		g_autofree gchar *usage = g_strdup_printf(
			"%s %s",
			group->commands[i].name,
			group->commands[i].args != NULL ? group->commands[i].args : "");
		g_string_append_printf(str, "  %-14s %s\n", usage, group->commands[i].summary);
	}
	return g_string_free(str, FALSE);
}

static gint
hermes_cli_usage_error(const gchar *message, const gchar *help_hint)
{
	g_printerr("hermes: %s\n", message);
	g_printerr("Try '%s --help'.\n", help_hint);
	return HERMES_EXIT_USAGE;
}

static gint
hermes_cli_run_command(HermesCli *cli,
		       const HermesCliGroup *group,
		       const HermesCliCommand *cmd,
		       gint argc,
		       gchar **argv)
{
	g_autoptr(GOptionContext) octx = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *param = NULL;
	g_autofree gchar *hint = NULL;
	gboolean version = FALSE;
	gint ret;

	if (cmd->name != NULL && g_strcmp0(cmd->name, group->name) != 0) {
		param = g_strdup_printf(
			"%s %s %s", group->name, cmd->name, cmd->args != NULL ? cmd->args : "");
		hint = g_strdup_printf("hermes %s %s", group->name, cmd->name);
	} else {
		param = g_strdup_printf("%s %s", group->name, cmd->args != NULL ? cmd->args : "");
		hint = g_strdup_printf("hermes %s", group->name);
	}
	g_strchomp(param);
	octx = g_option_context_new(param);
	g_option_context_set_summary(octx, cmd->summary);
	hermes_cli_add_common(octx, cli, &version);
	if (cmd->options & HERMES_CLI_OPT_YES) {
		const GOptionEntry yes[] = {{"yes",
					     'y',
					     0,
					     G_OPTION_ARG_NONE,
					     &cli->yes,
					     "Do not ask for confirmation",
					     NULL},
					    {NULL}};
		g_option_context_add_main_entries(octx, yes, NULL);
	}
	if (cmd->options & HERMES_CLI_OPT_REPLACE) {
		const GOptionEntry run[] = {
			{"replace",
			 0,
			 0,
			 G_OPTION_ARG_NONE,
			 &cli->replace,
			 "Take over from a gateway of this profile that already runs",
			 NULL},
			{"no-supervise",
			 0,
			 0,
			 G_OPTION_ARG_NONE,
			 &cli->no_supervise,
			 "Run in the foreground even inside a supervised container",
			 NULL},
			{NULL}};
		g_option_context_add_main_entries(octx, run, NULL);
	}
	if (cmd->options & HERMES_CLI_OPT_DRY_RUN) {
		const GOptionEntry dry[] = {{"dry-run",
					     0,
					     0,
					     G_OPTION_ARG_NONE,
					     &cli->dry_run,
					     "Say what would be done, do nothing",
					     NULL},
					    {NULL}};
		g_option_context_add_main_entries(octx, dry, NULL);
	}
	if (cmd->options & HERMES_CLI_OPT_DBUS) {
		const GOptionEntry dbus[] = {{"dbus",
					      0,
					      0,
					      G_OPTION_ARG_NONE,
					      &cli->dbus,
					      "Ask hermes-svcd on D-Bus instead of the backend",
					      NULL},
					     {NULL}};
		g_option_context_add_main_entries(octx, dbus, NULL);
	}
	if (cmd->options & HERMES_CLI_OPT_INSTALL) {
		const GOptionEntry install[] = {
			{"start",
			 0,
			 0,
			 G_OPTION_ARG_NONE,
			 &cli->start_now,
			 "Start the gateway once installed",
			 NULL},
			{"enable", 0, 0, G_OPTION_ARG_NONE, &cli->enable, "Start it at boot", NULL},
			{NULL}};
		g_option_context_add_main_entries(octx, install, NULL);
	}
	if (cmd->options & HERMES_CLI_OPT_LOGS) {
		const GOptionEntry logs[] = {
			{"follow",
			 'f',
			 0,
			 G_OPTION_ARG_NONE,
			 &cli->follow,
			 "Go on printing lines as they are written",
			 NULL},
			{"lines",
			 'n',
			 0,
			 G_OPTION_ARG_INT,
			 &cli->lines,
			 "Show the last N lines",
			 "N"},
			{"since",
			 0,
			 0,
			 G_OPTION_ARG_STRING,
			 &cli->since,
			 "Only lines from TIME on (ISO 8601, or an age: 10m, 2h, 1d)",
			 "TIME"},
			{NULL}};
		g_option_context_add_main_entries(octx, logs, NULL);
	}
	if (cmd->options & HERMES_CLI_OPT_ALL) {
		const GOptionEntry all[] = {{"all",
					     'a',
					     0,
					     G_OPTION_ARG_NONE,
					     &cli->all,
					     "Act on every registered gateway",
					     NULL},
					    {NULL}};
		g_option_context_add_main_entries(octx, all, NULL);
	}
	if (cmd->options & HERMES_CLI_OPT_FORCE) {
		const GOptionEntry force[] = {{"force",
					       0,
					       0,
					       G_OPTION_ARG_NONE,
					       &cli->force,
					       "Act on a named profile's own gateway even while "
					       "the default one serves it",
					       NULL},
					      {NULL}};
		g_option_context_add_main_entries(octx, force, NULL);
	}
	if (cmd->options & HERMES_CLI_OPT_WAIT) {
		const GOptionEntry wait[] = {
			{"wait",
			 'w',
			 G_OPTION_FLAG_OPTIONAL_ARG,
			 G_OPTION_ARG_CALLBACK,
			 (gpointer)hermes_cli_wait_cb,
			 "Wait up to SECONDS (default 30) until the gateway is up "
			 "(down for stop)",
			 "SECONDS"},
			{NULL}};
		g_option_context_add_main_entries(octx, wait, NULL);
	}
	hermes_cli_cluster_add_options(octx, cli, cmd->options);
	if (!g_option_context_parse(octx, &argc, &argv, &error))
		return hermes_cli_usage_error(error->message, hint);
	if (version) {
		g_print("hermes %s\n", PACKAGE_VERSION);
		return HERMES_EXIT_OK;
	}
	/* GLib keeps "--" when an argument after it starts with '-' */
	if (argc > 1 && g_strcmp0(argv[1], "--") == 0) {
		memmove(argv + 1, argv + 2, sizeof(gchar *) * (gsize)(argc - 1));
		argc--;
	}
	if ((guint)(argc - 1) != cmd->n_args) {
		g_autofree gchar *msg =
			cmd->n_args == 0 ? g_strdup_printf("unexpected argument '%s'", argv[1])
					 : g_strdup_printf("expected %s", cmd->args);
		return hermes_cli_usage_error(msg, hint);
	}
	/* `Coder` and ` coder ` mean `coder`, as upstream has it; the rule is core's */
	if (cli->profile != NULL) {
		gchar *name = hermes_profile_name_normalize(cli->profile, &error);
		if (name == NULL)
			return hermes_cli_fail(g_steal_pointer(&error));
		g_free(cli->profile);
		cli->profile = name;
	}
	if (cli->system)
		hermes_context_set_scope(cli->ctx, HERMES_SCOPE_SYSTEM);
	/* before anything touches the home: core refuses a world-writable one and,
	 * as root over another user's, acts as that user */
	if (!hermes_home_trust_enforce(cli->ctx, &error))
		return hermes_cli_fail(g_steal_pointer(&error));
	ret = cmd->func(cli, argv + 1, &error);
	if (error != NULL)
		return hermes_cli_fail(g_steal_pointer(&error));
	return ret;
}

static gint
hermes_cli_run(HermesCli *cli, gint argc, gchar **argv)
{
	g_autoptr(GOptionContext) octx = g_option_context_new("GROUP [COMMAND] [ARGUMENT…]");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *description = hermes_cli_describe_groups();
	const HermesCliGroup *group = NULL;
	const HermesCliCommand *cmd = NULL;
	gboolean version = FALSE;

	g_option_context_set_summary(
		octx, "Supervise Hermes agent gateways under the machine's service manager.");
	g_option_context_set_description(octx, description);
	/* stop at the group name; the rest belongs to the command */
	g_option_context_set_strict_posix(octx, TRUE);
	hermes_cli_add_common(octx, cli, &version);
	if (!g_option_context_parse(octx, &argc, &argv, &error))
		return hermes_cli_usage_error(error->message, "hermes");
	if (version) {
		g_print("hermes %s\n", PACKAGE_VERSION);
		return HERMES_EXIT_OK;
	}
	if (argc < 2) {
		g_autofree gchar *help = g_option_context_get_help(octx, TRUE, NULL);
		g_printerr("%s", help);
		return HERMES_EXIT_USAGE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(hermes_cli_groups); i++) {
		if (g_strcmp0(argv[1], hermes_cli_groups[i].name) == 0)
			group = &hermes_cli_groups[i];
	}
	if (group == NULL) {
		g_autofree gchar *shown = g_strescape(argv[1], NULL);
		g_autofree gchar *msg = g_strdup_printf("unknown command '%s'", shown);
		return hermes_cli_usage_error(msg, "hermes");
	}
	if (group->single != NULL)
		return hermes_cli_run_command(cli, group, group->single, argc - 1, argv + 1);

	/* a group: `hermes profile`, `hermes profile --help`, `hermes profile create …` */
	if (argc < 3 || argv[2][0] == '-') {
		g_autofree gchar *commands = hermes_cli_describe_commands(group);
		gboolean asked = argc >= 3 &&
				 (g_strcmp0(argv[2], "--help") == 0 ||
				  g_strcmp0(argv[2], "-h") == 0 || g_strcmp0(argv[2], "-?") == 0);
		g_autofree gchar *text = g_strdup_printf(
			"Usage:\n  hermes %s COMMAND [OPTION…]\n\n%s\n\n%s"
			"\nRun 'hermes %s COMMAND --help' for a command's options.\n",
			group->name,
			group->summary,
			commands,
			group->name);
		if (asked) {
			g_print("%s", text);
			return HERMES_EXIT_OK;
		}
		g_printerr("%s", text);
		return HERMES_EXIT_USAGE;
	}
	for (guint i = 0; group->commands[i].name != NULL; i++) {
		if (g_strcmp0(argv[2], group->commands[i].name) == 0)
			cmd = &group->commands[i];
	}
	if (cmd == NULL) {
		g_autofree gchar *shown = g_strescape(argv[2], NULL);
		g_autofree gchar *msg =
			g_strdup_printf("unknown %s command '%s'", group->name, shown);
		g_autofree gchar *hint = g_strdup_printf("hermes %s", group->name);
		return hermes_cli_usage_error(msg, hint);
	}
	/* argv[2] becomes the program slot of the command's own parser */
	return hermes_cli_run_command(cli, group, cmd, argc - 2, argv + 2);
}

/* called by the launcher (cli/hermes-main.c) with the process's arguments */
int
hermes_cli_main(int argc, char **argv)
{
	HermesCli cli = {0};
	gint ret;

	cli.lines = G_MININT;
	/* the character set (g_print converts to it) and the language of system
	 * errors; every date, number and sort order this program prints is fixed,
	 * so the other categories, a dozen files to map each, are not loaded */
	setlocale(LC_CTYPE, "");
	setlocale(LC_MESSAGES, "");
	g_set_prgname("hermes");
	cli.ctx = hermes_context_new();
	if (hermes_context_getenv(cli.ctx, "HERMES_CLI_PATH") == NULL) {
		g_autofree gchar *self_path = g_file_read_link("/proc/self/exe", NULL);
		if (self_path != NULL)
			hermes_context_setenv(cli.ctx, "HERMES_CLI_PATH", self_path);
	}
	ret = hermes_cli_run(&cli, argc, argv);
	g_clear_object(&cli.ctx);
	g_free(cli.profile);
	g_free(cli.backend);
	g_free(cli.since);
	g_free(cli.endpoints);
	g_free(cli.node);
	g_strfreev(cli.labels);
	g_strfreev(cli.require);
	return ret;
}
