/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes cluster …` and `gateway start|stop|restart --cluster`: the
 * commands and options are declared here, the work is done by the cluster
 * module (libhermes-cli-cluster.so, cli/cluster/), loaded from this
 * module's own directory on first use. The module links libsoup and what
 * it maps (krb5, sqlite, psl, nghttp2); loading it for every `hermes`
 * command would cost each of them several milliseconds.
 */

#include "config.h"

#include <dlfcn.h>
#include <gmodule.h>

#include "hermes-cli.h"

/* --endpoints given twice: the last one wins, the first is not leaked */
static gboolean
hermes_cli_cluster_endpoints_cb(const gchar *option_name,
				const gchar *value,
				gpointer data,
				GError **error)
{
	HermesCli *cli = data;
	g_free(cli->endpoints);
	cli->endpoints = g_strdup(value);
	return TRUE;
}

void
hermes_cli_cluster_add_options(GOptionContext *octx, HermesCli *cli, HermesCliOptions options)
{
	const GOptionEntry endpoints[] = {
		{"endpoints",
		 0,
		 0,
		 G_OPTION_ARG_CALLBACK,
		 (gpointer)hermes_cli_cluster_endpoints_cb,
		 "The etcd cluster's client URLs (default: $HERMES_ETCD_ENDPOINTS)",
		 "URL[,URL…]"},
		{NULL}};
	const GOptionEntry cluster[] = {
		{"cluster",
		 0,
		 0,
		 G_OPTION_ARG_NONE,
		 &cli->cluster,
		 "Record the intent in the etcd cluster; a node agent acts on it",
		 NULL},
		{"require",
		 0,
		 0,
		 G_OPTION_ARG_STRING_ARRAY,
		 &cli->require,
		 "With --cluster: run only on a node with this label (repeatable)",
		 "KEY=VALUE"},
		{NULL}};

	const GOptionEntry agent[] = {
		{"node",
		 0,
		 0,
		 G_OPTION_ARG_STRING,
		 &cli->node,
		 "This node's name in the cluster (default: the host's name)",
		 "NAME"},
		{"capacity",
		 0,
		 0,
		 G_OPTION_ARG_INT,
		 &cli->capacity,
		 "The most gateways this node runs (default: no limit)",
		 "N"},
		{"ttl",
		 0,
		 0,
		 G_OPTION_ARG_INT,
		 &cli->ttl,
		 "Seconds the node's lease lives without renewal (default: 10)",
		 "SECONDS"},
		{"label",
		 0,
		 0,
		 G_OPTION_ARG_STRING_ARRAY,
		 &cli->labels,
		 "A label of this node, for gateways that require it (repeatable)",
		 "KEY=VALUE"},
		{NULL}};

	if (options & HERMES_CLI_OPT_ENDPOINTS)
		g_option_context_add_main_entries(octx, endpoints, NULL);
	if (options & HERMES_CLI_OPT_AGENT)
		g_option_context_add_main_entries(octx, agent, NULL);
	if (options & HERMES_CLI_OPT_CLUSTER)
		g_option_context_add_main_entries(octx, cluster, NULL);
}

/* @symbol of the module beside this one: the build directory, or $libdir/hermes-svc-1/ */
static gpointer
hermes_cli_cluster_load(const gchar *symbol, GError **error)
{
	static GModule *module = NULL;
	gpointer entry = NULL;
	Dl_info info = {0};

	if (module == NULL) {
		g_autofree gchar *dir = NULL;
		g_autofree gchar *path = NULL;
		if (dladdr((gpointer)hermes_cli_cluster_load, &info) == 0 ||
		    info.dli_fname == NULL) {
			g_set_error_literal(error,
					    HERMES_ERROR,
					    HERMES_ERROR_NOT_SUPPORTED,
					    "cannot tell where the hermes CLI module is");
			return NULL;
		}
		dir = g_path_get_dirname(info.dli_fname);
		path = g_build_filename(dir, HERMES_CLI_CLUSTER_MODULE, NULL);
		module = g_module_open(path, G_MODULE_BIND_LOCAL);
		if (module == NULL) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_NOT_SUPPORTED,
				    "this hermes has no cluster support: %s",
				    g_module_error());
			return NULL;
		}
		/* its GTypes stay registered: it is never unloaded */
		g_module_make_resident(module);
	}
	if (!g_module_symbol(module, symbol, &entry) || entry == NULL) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_SUPPORTED,
			    "the cluster module has no %s",
			    symbol);
		return NULL;
	}
	return entry;
}

/* the module's answer; an unreachable cluster has its own exit code */
static gint
hermes_cli_cluster_run(HermesCli *cli, const gchar *command, gchar **args, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	HermesCliClusterRun run =
		(HermesCliClusterRun)hermes_cli_cluster_load(HERMES_CLI_CLUSTER_ENTRY, error);
	gint ret;

	if (run == NULL)
		return HERMES_EXIT_NOT_SUPPORTED;
	ret = run(cli, command, args, &error_local);
	g_clear_pointer(&cli->endpoints, g_free);
	g_clear_pointer(&cli->node, g_free);
	if (error_local == NULL)
		return ret;
	if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE)) {
		(void)hermes_cli_fail(g_steal_pointer(&error_local));
		return HERMES_EXIT_NO_CLUSTER;
	}
	g_propagate_error(error, g_steal_pointer(&error_local));
	return HERMES_EXIT_FAILED;
}

/**
 * hermes_cli_cluster_annotate:
 * @cli: the CLI
 * @reports: (element-type HermesGatewayReport): the rows of `hermes status`
 *
 * In a cluster (`--endpoints` or HERMES_ETCD_ENDPOINTS), each row gets the
 * node that owns its gateway; elsewhere nothing is loaded. A cluster that
 * cannot be asked is one warning: the rows of this machine stay true.
 */
void
hermes_cli_cluster_annotate(HermesCli *cli, GPtrArray *reports)
{
	g_autoptr(GError) error = NULL;
	const gchar *env = hermes_context_getenv(cli->ctx, "HERMES_ETCD_ENDPOINTS");
	HermesCliClusterAnnotate annotate;

	if (cli->endpoints == NULL && (env == NULL || env[0] == '\0'))
		return;
	annotate = (HermesCliClusterAnnotate)hermes_cli_cluster_load(HERMES_CLI_CLUSTER_ANNOTATE,
								     &error);
	if (annotate == NULL || !annotate(cli, reports, &error))
		g_printerr("hermes: warning: no cluster nodes shown: %s\n", error->message);
}

/**
 * hermes_cli_cluster_check_require:
 * @cli: the CLI
 * @action: `start`, `stop` or `restart`
 * @error: return location for a #GError
 *
 * Returns: %FALSE when --require is given where it means nothing (without
 *   --cluster, or to a stop), rather than ignored
 */
gboolean
hermes_cli_cluster_check_require(HermesCli *cli, const gchar *action, GError **error)
{
	if (cli->require == NULL || (cli->cluster && g_strcmp0(action, "stop") != 0))
		return TRUE;
	g_set_error_literal(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "--require goes with 'gateway start' or 'restart' and --cluster");
	return FALSE;
}

/**
 * hermes_cli_cluster_gateway:
 * @cli: the CLI, with --cluster given
 * @action: `start`, `stop` or `restart`
 * @error: return location for a #GError
 *
 * Returns: the exit code
 */
gint
hermes_cli_cluster_gateway(HermesCli *cli, const gchar *action, GError **error)
{
	g_autofree gchar *command = g_strconcat("gateway-", action, NULL);
	g_autofree gchar *profile = NULL;
	gchar *args[] = {NULL, NULL};

	if (cli->all || cli->force || cli->wait_ms > 0) {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_ARGUMENT,
				    "--cluster records one profile's intent: it takes no --all, "
				    "--force or --wait");
		return HERMES_EXIT_USAGE;
	}
	/* the profile lives on storage every node reaches: it must exist to be started */
	if (g_strcmp0(action, "stop") == 0)
		profile = hermes_cli_profile_name(cli);
	else
		profile = hermes_cli_gateway_target(cli, error);
	if (profile == NULL)
		return HERMES_EXIT_FAILED;
	args[0] = profile;
	return hermes_cli_cluster_run(cli, command, args, error);
}

static gint
hermes_cli_cluster_status(HermesCli *cli, gchar **args, GError **error)
{
	return hermes_cli_cluster_run(cli, "status", args, error);
}

static gint
hermes_cli_cluster_drain(HermesCli *cli, gchar **args, GError **error)
{
	return hermes_cli_cluster_run(cli, "drain", args, error);
}

static gint
hermes_cli_cluster_undrain(HermesCli *cli, gchar **args, GError **error)
{
	return hermes_cli_cluster_run(cli, "undrain", args, error);
}

static gint
hermes_cli_cluster_move(HermesCli *cli, gchar **args, GError **error)
{
	g_autofree gchar *profile = hermes_profile_name_normalize(args[0], error);
	gchar *normalized[] = {profile, args[1], NULL};
	if (profile == NULL)
		return HERMES_EXIT_USAGE;
	return hermes_cli_cluster_run(cli, "move", normalized, error);
}

static gint
hermes_cli_cluster_agent(HermesCli *cli, gchar **args, GError **error)
{
	return hermes_cli_cluster_run(cli, "agent", args, error);
}

const HermesCliCommand hermes_cli_cluster_commands[] = {
	{"agent",
	 NULL,
	 0,
	 "Run this machine's node agent (foreground, until SIGTERM)",
	 HERMES_CLI_OPT_ENDPOINTS | HERMES_CLI_OPT_AGENT,
	 hermes_cli_cluster_agent},
	{"status",
	 NULL,
	 0,
	 "Show each node, its lease and each gateway's node",
	 HERMES_CLI_OPT_ENDPOINTS,
	 hermes_cli_cluster_status},
	{"drain",
	 "NODE",
	 1,
	 "Move every gateway off NODE and place none there",
	 HERMES_CLI_OPT_ENDPOINTS,
	 hermes_cli_cluster_drain},
	{"undrain",
	 "NODE",
	 1,
	 "Let NODE take gateways again",
	 HERMES_CLI_OPT_ENDPOINTS,
	 hermes_cli_cluster_undrain},
	{"move",
	 "PROFILE NODE",
	 2,
	 "Run PROFILE's gateway on NODE",
	 HERMES_CLI_OPT_ENDPOINTS,
	 hermes_cli_cluster_move},
	{NULL},
};
