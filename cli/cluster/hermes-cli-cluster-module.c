/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The cluster module of `hermes` (loaded by cli/hermes-cli-cluster.c on
 * first use): parses nothing (the CLI did), calls the cluster's core
 * (core/cluster/), renders. One entry point, hermes_cli_cluster_module_run().
 */

#include "config.h"

#include <glib-unix.h>
#include <gmodule.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "hermes-cli.h"
#include "hermes-cluster-agent.h"
#include "hermes-cluster-private.h"
#include "hermes-cluster.h"

G_MODULE_EXPORT gint
hermes_cli_cluster_module_run(HermesCli *cli, const gchar *command, gchar **args, GError **error);
G_MODULE_EXPORT gboolean
hermes_cli_cluster_module_annotate(HermesCli *cli, GPtrArray *reports, GError **error);

static const gchar *
hermes_cli_cluster_node_state(const HermesClusterNode *node)
{
	if (!node->alive)
		return "down";
	return node->drained ? "drained" : "up";
}

/* KEY=VALUE labels as one JSON object */
static void
hermes_cli_cluster_add_labels(JsonBuilder *b, const gchar *member, gchar **labels)
{
	json_builder_set_member_name(b, member);
	json_builder_begin_object(b);
	for (guint i = 0; labels != NULL && labels[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(labels[i], "=", 2);
		json_builder_set_member_name(b, kv[0]);
		json_builder_add_string_value(b, kv[1] != NULL ? kv[1] : "");
	}
	json_builder_end_object(b);
}

static void
hermes_cli_cluster_print_json(HermesCluster *cluster, HermesClusterView *view)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree gchar *text = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "endpoints");
	json_builder_add_string_value(
		b, hermes_etcd_client_get_endpoints(hermes_cluster_get_client(cluster)));
	json_builder_set_member_name(b, "prefix");
	json_builder_add_string_value(b, hermes_cluster_get_prefix(cluster));
	json_builder_set_member_name(b, "revision");
	json_builder_add_int_value(b, view->revision);
	json_builder_set_member_name(b, "nodes");
	json_builder_begin_array(b);
	for (guint i = 0; i < view->nodes->len; i++) {
		const HermesClusterNode *node = g_ptr_array_index(view->nodes, i);
		g_autofree gchar *lease = g_strdup_printf("%" G_GINT64_MODIFIER "x", node->lease);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, node->name);
		json_builder_set_member_name(b, "state");
		json_builder_add_string_value(b, hermes_cli_cluster_node_state(node));
		json_builder_set_member_name(b, "gateways");
		json_builder_add_int_value(b, node->owned);
		json_builder_set_member_name(b, "capacity");
		json_builder_add_int_value(b, node->capacity);
		json_builder_set_member_name(b, "lease");
		if (node->alive)
			json_builder_add_string_value(b, lease);
		else
			json_builder_add_null_value(b);
		json_builder_set_member_name(b, "lease_remaining_s");
		json_builder_add_int_value(b, node->alive ? node->lease_remaining_s : -1);
		json_builder_set_member_name(b, "lease_granted_s");
		json_builder_add_int_value(b, node->lease_granted_s);
		hermes_cli_cluster_add_labels(b, "labels", node->labels);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "gateways");
	json_builder_begin_array(b);
	for (guint i = 0; i < view->profiles->len; i++) {
		const HermesClusterProfile *profile = g_ptr_array_index(view->profiles, i);
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "profile");
		json_builder_add_string_value(b, profile->name);
		json_builder_set_member_name(b, "desired_state");
		json_builder_add_string_value(b, profile->desired);
		json_builder_set_member_name(b, "generation");
		json_builder_add_int_value(b, profile->generation);
		json_builder_set_member_name(b, "node");
		json_builder_add_string_value(b, profile->owner);
		json_builder_set_member_name(b, "placement");
		json_builder_add_string_value(b, profile->placement);
		hermes_cli_cluster_add_labels(b, "require", profile->require);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	text = json_to_string(root, TRUE);
	g_print("%s\n", text);
}

static void
hermes_cli_cluster_print_table(HermesCluster *cluster, HermesClusterView *view)
{
	g_print("Cluster: %s (prefix %s, revision %" G_GINT64_FORMAT ")\n\n",
		hermes_etcd_client_get_endpoints(hermes_cluster_get_client(cluster)),
		hermes_cluster_get_prefix(cluster),
		view->revision);
	g_print("%-24s %-8s %8s %8s  %-20s %s\n",
		"NODE",
		"STATE",
		"GATEWAYS",
		"CAPACITY",
		"LEASE",
		"LABELS");
	for (guint i = 0; i < view->nodes->len; i++) {
		const HermesClusterNode *node = g_ptr_array_index(view->nodes, i);
		g_autofree gchar *capacity =
			node->capacity > 0 ? g_strdup_printf("%" G_GINT64_FORMAT, node->capacity)
					   : g_strdup("-");
		g_autofree gchar *lease =
			node->alive ? g_strdup_printf("%" G_GINT64_FORMAT "s of %" G_GINT64_FORMAT
						      "s left",
						      node->lease_remaining_s,
						      node->lease_granted_s)
				    : g_strdup("-");
		g_autofree gchar *labels =
			node->labels != NULL ? g_strjoinv(",", node->labels) : g_strdup("-");
		g_print("%-24s %-8s %8u %8s  %-20s %s\n",
			node->name,
			hermes_cli_cluster_node_state(node),
			node->owned,
			capacity,
			lease,
			labels);
	}
	if (view->nodes->len == 0)
		g_print("(no node agent has registered)\n");
	g_print("\n%-24s %-8s %-24s %-24s %s\n",
		"GATEWAY",
		"DESIRED",
		"NODE",
		"MOVE TO",
		"REQUIRES");
	for (guint i = 0; i < view->profiles->len; i++) {
		const HermesClusterProfile *profile = g_ptr_array_index(view->profiles, i);
		g_autofree gchar *require = profile->require != NULL
						    ? g_strjoinv(",", profile->require)
						    : g_strdup("-");
		g_print("%-24s %-8s %-24s %-24s %s\n",
			profile->name,
			profile->desired != NULL ? profile->desired : "-",
			profile->owner != NULL ? profile->owner : "-",
			profile->placement != NULL ? profile->placement : "-",
			require);
	}
	if (view->profiles->len == 0)
		g_print("(none: `hermes -p NAME gateway start --cluster` adds one)\n");
}

static gint
hermes_cli_cluster_module_status(HermesCli *cli, HermesCluster *cluster, GError **error)
{
	g_autoptr(HermesClusterView) view = hermes_cluster_read(cluster, error);
	if (view == NULL)
		return HERMES_EXIT_FAILED;
	if (cli->json)
		hermes_cli_cluster_print_json(cluster, view);
	else
		hermes_cli_cluster_print_table(cluster, view);
	return HERMES_EXIT_OK;
}

static gint
hermes_cli_cluster_module_gateway(HermesCli *cli,
				  HermesCluster *cluster,
				  const gchar *action,
				  const gchar *profile,
				  GError **error)
{
	gboolean stop = g_str_equal(action, "stop");
	if (!hermes_cluster_set_desired(cluster,
					profile,
					stop ? "stopped" : "running",
					g_str_equal(action, "restart"),
					(const gchar *const *)cli->require,
					error))
		return HERMES_EXIT_FAILED;
	g_print("Gateway '%s' is wanted %s in the cluster; its node agent %s it\n",
		profile,
		stop ? "stopped" : "running",
		stop ? "stops" : (g_str_equal(action, "restart") ? "restarts" : "starts"));
	return HERMES_EXIT_OK;
}

static gboolean
hermes_cli_cluster_agent_signal(gpointer data)
{
	hermes_cluster_agent_quit(data);
	return G_SOURCE_CONTINUE;
}

static gpointer
hermes_cli_cluster_agent_signals(gpointer data)
{
	g_main_loop_run(data);
	return NULL;
}

/* the agent in the foreground; SIGTERM and SIGINT make it leave the cluster */
static gint
hermes_cli_cluster_module_agent(HermesCli *cli, GError **error)
{
	g_autoptr(HermesServiceManager) manager =
		hermes_backend_loader_new_manager(cli->ctx, cli->backend, error);
	g_autoptr(HermesGatewayControl) control = NULL;
	g_autoptr(HermesClusterAgent) agent = NULL;
	g_autoptr(GMainContext) context = NULL;
	g_autoptr(GMainLoop) loop = NULL;
	GThread *thread;
	const gint signals[] = {SIGTERM, SIGINT};
	gboolean ok;

	if (manager == NULL)
		return HERMES_EXIT_FAILED;
	control = hermes_gateway_control_new(manager);
	agent = hermes_cluster_agent_new(cli->ctx,
					 cli->endpoints,
					 control,
					 cli->node,
					 cli->capacity,
					 (const gchar *const *)cli->labels,
					 cli->ttl,
					 error);
	if (agent == NULL)
		return HERMES_EXIT_USAGE;
	/* the agent's loop sleeps on its queue, not on a main context: the
	 * signals are seen by a context of their own, in a thread */
	context = g_main_context_new();
	loop = g_main_loop_new(context, FALSE);
	for (guint i = 0; i < G_N_ELEMENTS(signals); i++) {
		g_autoptr(GSource) source = g_unix_signal_source_new(signals[i]);
		g_source_set_callback(source, hermes_cli_cluster_agent_signal, agent, NULL);
		g_source_attach(source, context);
	}
	thread = g_thread_new("hermes-signals", hermes_cli_cluster_agent_signals, loop);
	ok = hermes_cluster_agent_run(agent, error);
	g_main_loop_quit(loop);
	g_thread_join(thread);
	return ok ? HERMES_EXIT_OK : HERMES_EXIT_FAILED;
}

/**
 * hermes_cli_cluster_module_run:
 * @cli: the CLI, options parsed
 * @command: `agent`, `status`, `drain`, `undrain`, `move`, `gateway-start`,
 *   `gateway-stop` or `gateway-restart`
 * @args: the command's arguments, checked in number
 * @error: return location for a #GError
 *
 * Returns: the exit code; an unreachable cluster is
 *   %HERMES_ERROR_SUPERVISOR_UNAVAILABLE in @error
 */
G_MODULE_EXPORT gint
hermes_cli_cluster_module_run(HermesCli *cli, const gchar *command, gchar **args, GError **error)
{
	g_autoptr(HermesCluster) cluster = NULL;

	if (g_str_equal(command, "agent"))
		return hermes_cli_cluster_module_agent(cli, error);
	cluster = hermes_cluster_new(cli->ctx, cli->endpoints, error);
	if (cluster == NULL)
		return HERMES_EXIT_USAGE;
	if (g_str_equal(command, "status"))
		return hermes_cli_cluster_module_status(cli, cluster, error);
	if (g_str_has_prefix(command, "gateway-"))
		return hermes_cli_cluster_module_gateway(
			cli, cluster, command + strlen("gateway-"), args[0], error);
	if (g_str_equal(command, "drain") || g_str_equal(command, "undrain")) {
		gboolean drain = g_str_equal(command, "drain");
		if (!hermes_cluster_set_drained(cluster, args[0], drain, error))
			return HERMES_EXIT_FAILED;
		g_print("Node '%s' %s\n",
			args[0],
			drain ? "is drained: no gateway is placed there, its gateways move off"
			      : "takes gateways again");
		return HERMES_EXIT_OK;
	}
	if (g_str_equal(command, "move")) {
		if (!hermes_cluster_move(cluster, args[0], args[1], error))
			return HERMES_EXIT_FAILED;
		g_print("Gateway '%s' moves to node '%s'\n", args[0], args[1]);
		return HERMES_EXIT_OK;
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_NOT_SUPPORTED,
		    "no cluster command '%s'",
		    command);
	return HERMES_EXIT_NOT_SUPPORTED;
}

/**
 * hermes_cli_cluster_module_annotate:
 * @cli: the CLI, options parsed
 * @reports: (element-type HermesGatewayReport): rows of this machine's gateways
 * @error: return location for a #GError
 *
 * Sets each row's owning node from the owner keys (one range of the prefix).
 *
 * Returns: %FALSE when the cluster could not be read
 */
G_MODULE_EXPORT gboolean
hermes_cli_cluster_module_annotate(HermesCli *cli, GPtrArray *reports, GError **error)
{
	g_autoptr(HermesCluster) cluster = hermes_cluster_new(cli->ctx, cli->endpoints, error);
	g_autoptr(HermesClusterView) view = NULL;

	if (cluster == NULL)
		return FALSE;
	view = hermes_cluster_read_keys(cluster, error);
	if (view == NULL)
		return FALSE;
	for (guint i = 0; i < reports->len; i++) {
		HermesGatewayReport *report = g_ptr_array_index(reports, i);
		const HermesClusterProfile *profile = hermes_cluster_view_find_profile(
			view, hermes_gateway_report_get_profile(report));
		hermes_gateway_report_set_node(report, profile != NULL ? profile->owner : NULL);
	}
	return TRUE;
}
