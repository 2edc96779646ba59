/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * What the node agent does on this machine: each act of
 * hermes_cluster_decide() through HermesGatewayControl (as `hermes gateway
 * start|stop|restart` would), the owner keys around them, and taking over
 * from an earlier run of the same node that died without leaving.
 */

#include "config.h"

#include <unistd.h>

#include "hermes-cluster-agent-private.h"
#include "hermes-cluster-private.h"
#include "hermes-error.h"
#include "hermes-platform.h"
#include "hermes-state.h"

/* the longest a stop waits while the node holds its lease (a drain, a move) */
#define HERMES_CLUSTER_AGENT_STOP_MS 30000

/* what a stop may wait now: never past the renew deadline while the lease is held */
static guint
hermes_cluster_agent_stop_budget(HermesClusterAgent *self)
{
	gint64 left_ms;
	if (self->lease == 0)
		return HERMES_CLUSTER_AGENT_STOP_MS;
	left_ms = (hermes_cluster_agent_deadline(self) - g_get_monotonic_time()) / 1000;
	return (guint)CLAMP(left_ms, 1, HERMES_CLUSTER_AGENT_STOP_MS);
}

static gboolean
hermes_cluster_agent_control(HermesClusterAgent *self,
			     HermesGatewayAction action,
			     const gchar *profile,
			     guint timeout_ms)
{
	g_autoptr(HermesGatewayResult) result =
		hermes_gateway_control_run(self->control, action, profile, timeout_ms, NULL);
	HermesGatewayOutcome outcome = hermes_gateway_result_get_outcome(result);

	if (outcome == HERMES_GATEWAY_OUTCOME_DONE)
		return TRUE;
	hermes_cluster_agent_say(self,
				 "%s %s: %s (%s)",
				 hermes_gateway_action_to_string(action),
				 profile,
				 hermes_gateway_outcome_to_string(outcome),
				 hermes_gateway_result_get_message(result) != NULL
					 ? hermes_gateway_result_get_message(result)
					 : "no reason given");
	return FALSE;
}

/*
 * Its slot goes too, once it is stopped: the profile's log directory is in
 * the home every node shares, and a stopped slot keeps its logger writing
 * there beside the next node's. A start here registers it again.
 */
static void
hermes_cluster_agent_drop_slot(HermesClusterAgent *self, const gchar *profile)
{
	HermesServiceManager *manager = hermes_gateway_control_get_manager(self->control);
	g_autoptr(GError) error = NULL;
	if (hermes_service_manager_supports_registration(manager) &&
	    !hermes_service_manager_unregister_gateway(manager, profile, NULL, &error))
		hermes_cluster_agent_say(
			self, "cannot remove %s's slot here: %s", profile, error->message);
}

/* @profile is down: no longer this node's to run */
static void
hermes_cluster_agent_stopped(HermesClusterAgent *self, const gchar *profile)
{
	g_hash_table_remove(self->running, profile);
	hermes_cluster_agent_say(self, "stopped %s", profile);
}

/**
 * hermes_cluster_agent_stop_local:
 * @self: an agent
 * @profile: a gateway this node runs
 * @timeout_ms: how long to wait for it to be down
 *
 * Returns: %TRUE when it is down (it is then no longer this node's to run)
 */
gboolean
hermes_cluster_agent_stop_local(HermesClusterAgent *self, const gchar *profile, guint timeout_ms)
{
	if (!hermes_cluster_agent_control(self, HERMES_GATEWAY_ACTION_STOP, profile, timeout_ms))
		return FALSE;
	hermes_cluster_agent_stopped(self, profile);
	return TRUE;
}

static void
hermes_cluster_agent_release(HermesClusterAgent *self, const gchar *profile)
{
	g_autoptr(GError) error = NULL;
	hermes_cluster_agent_bound_calls(self);
	if (!hermes_cluster_release(self->cluster, profile, self->lease, &error))
		hermes_cluster_agent_say(self, "cannot release %s: %s", profile, error->message);
	else
		hermes_cluster_agent_say(self, "released %s", profile);
}

/* as each stop of a leave ends, in the agent's thread: the lease is kept alive so
 * the releases that follow are still its own (a fence's stops hold no lease) */
static void
hermes_cluster_agent_stop_ended_cb(HermesGatewayResult *result,
				   guint done,
				   guint total,
				   gpointer user_data)
{
	/* no batch to cancel: every stop goes on, each one fewer left running */
	hermes_cluster_agent_renew_during(user_data, NULL);
}

/**
 * hermes_cluster_agent_stop_all:
 * @self: an agent
 * @release: release each one stopped (the node leaves while it holds its lease)
 *
 * Stops every gateway this agent runs, side by side (a fence has a third of
 * the TTL for all of them), bounded by the renew deadline while the lease
 * is held; then releases them and removes their slots.
 */
void
hermes_cluster_agent_stop_all(HermesClusterAgent *self, gboolean release)
{
	g_autofree gchar **names = (gchar **)g_hash_table_get_keys_as_array(self->running, NULL);
	g_auto(GStrv) copy = g_strdupv(names);
	g_autoptr(GPtrArray) results = NULL;
	g_autoptr(GPtrArray) down = g_ptr_array_new();

	if (copy[0] == NULL)
		return;
	results = hermes_gateway_control_run_many(self->control,
						  HERMES_GATEWAY_ACTION_STOP,
						  (const gchar *const *)copy,
						  hermes_cluster_agent_stop_budget(self),
						  NULL,
						  hermes_cluster_agent_stop_ended_cb,
						  self);
	for (guint i = 0; i < results->len; i++) {
		HermesGatewayResult *result = g_ptr_array_index(results, i);
		const gchar *profile = hermes_gateway_result_get_profile(result);
		if (hermes_gateway_result_get_outcome(result) != HERMES_GATEWAY_OUTCOME_DONE) {
			hermes_cluster_agent_say(self,
						 "stop %s: %s",
						 profile,
						 hermes_gateway_result_get_message(result) != NULL
							 ? hermes_gateway_result_get_message(result)
							 : "no reason given");
			continue;
		}
		hermes_cluster_agent_stopped(self, profile);
		g_ptr_array_add(down, (gpointer)profile);
	}
	/* a leave renews its lease between releases, so each is still this lease's */
	for (guint i = 0; release && i < down->len; i++) {
		if (!hermes_cluster_agent_tick(self))
			break;
		hermes_cluster_agent_release(self, g_ptr_array_index(down, i));
	}
	for (guint i = 0; i < down->len; i++)
		hermes_cluster_agent_drop_slot(self, g_ptr_array_index(down, i));
}

typedef struct {
	HermesClusterAgent *agent;
	GCancellable *batch;
} HermesClusterAgentProgress;

/* as each start ends, in the agent's thread: the lease is kept alive meanwhile */
static void
hermes_cluster_agent_start_ended_cb(HermesGatewayResult *result,
				    guint done,
				    guint total,
				    gpointer user_data)
{
	HermesClusterAgentProgress *progress = user_data;
	hermes_cluster_agent_renew_during(progress->agent, progress->batch);
}

/**
 * hermes_cluster_agent_start_many:
 * @self: an agent holding its lease
 * @action: %HERMES_GATEWAY_ACTION_START or %HERMES_GATEWAY_ACTION_RESTART
 * @acts: (element-type HermesClusterAct): what to start, each this node's
 *
 * Side by side (a failover hands a node dozens at once, and each start
 * waits for its slot's supervisor); the supervisor takes each command, the
 * gateway's own start is its business. The lease is renewed as they end,
 * and what has not begun by the renew deadline is not begun at all.
 */
void
hermes_cluster_agent_start_many(HermesClusterAgent *self,
				HermesGatewayAction action,
				GPtrArray *acts)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_auto(GStrv) profiles = NULL;
	g_autoptr(GPtrArray) results = NULL;
	g_autoptr(GCancellable) batch = g_cancellable_new();
	HermesClusterAgentProgress progress = {self, batch};

	if (acts->len == 0)
		return;
	for (guint i = 0; i < acts->len; i++)
		g_strv_builder_add(builder,
				   ((HermesClusterAct *)g_ptr_array_index(acts, i))->profile);
	profiles = g_strv_builder_end(builder);
	results = hermes_gateway_control_run_many(self->control,
						  action,
						  (const gchar *const *)profiles,
						  0,
						  batch,
						  hermes_cluster_agent_start_ended_cb,
						  &progress);
	for (guint i = 0; i < results->len; i++) {
		HermesGatewayResult *result = g_ptr_array_index(results, i);
		const HermesClusterAct *act = g_ptr_array_index(acts, i);
		gint64 *started;
		if (hermes_gateway_result_get_outcome(result) != HERMES_GATEWAY_OUTCOME_DONE) {
			const gchar *why = hermes_gateway_result_get_message(result);
			hermes_cluster_agent_say(self,
						 "%s %s: %s",
						 hermes_gateway_action_to_string(action),
						 act->profile,
						 why != NULL ? why : "no reason given");
			continue;
		}
		started = g_new(gint64, 1);
		*started = act->generation;
		g_hash_table_replace(self->running, g_strdup(act->profile), started);
		hermes_cluster_agent_say(self,
					 "%s %s",
					 action == HERMES_GATEWAY_ACTION_RESTART ? "restarted"
										 : "started",
					 act->profile);
	}
}

/**
 * hermes_cluster_agent_act:
 * @self: an agent holding its lease
 * @act: one act of hermes_cluster_decide()
 * @starts: (element-type HermesClusterAct): where a start (a claim that
 *   succeeded too) goes, for hermes_cluster_agent_start_many()
 * @restarts: (element-type HermesClusterAct): where a restart goes
 *
 * Stops and releases are done at once: they come first, and a gateway
 * leaving this node must be down before its owner key goes.
 */
void
hermes_cluster_agent_act(HermesClusterAgent *self,
			 HermesClusterAct *act,
			 GPtrArray *starts,
			 GPtrArray *restarts)
{
	g_autoptr(GError) error = NULL;
	gboolean claimed = FALSE;

	switch (act->kind) {
	case HERMES_CLUSTER_ACT_STOP:
		/* released only once down: no other node may start it while it runs here */
		if (!hermes_cluster_agent_stop_local(
			    self, act->profile, hermes_cluster_agent_stop_budget(self)))
			break;
		if (act->release)
			hermes_cluster_agent_release(self, act->profile);
		hermes_cluster_agent_drop_slot(self, act->profile);
		break;
	case HERMES_CLUSTER_ACT_RELEASE:
		hermes_cluster_agent_release(self, act->profile);
		break;
	case HERMES_CLUSTER_ACT_CLAIM:
		hermes_cluster_agent_bound_calls(self);
		if (!hermes_cluster_claim(self->cluster,
					  act->profile,
					  self->node,
					  self->lease,
					  &claimed,
					  &error)) {
			hermes_cluster_agent_say(
				self, "cannot claim %s: %s", act->profile, error->message);
			break;
		}
		/* another node made the key first: its watch event brings the next view */
		if (!claimed)
			break;
		hermes_cluster_agent_say(self, "claimed %s", act->profile);
		g_ptr_array_add(starts, act);
		break;
	case HERMES_CLUSTER_ACT_START:
		g_ptr_array_add(starts, act);
		break;
	case HERMES_CLUSTER_ACT_RESTART:
		g_ptr_array_add(restarts, act);
		break;
	}
}

/* is the agent that registered @pid on this boot still running (a zombie is not) */
static gboolean
hermes_cluster_agent_alive(gint64 pid, const gchar *boot_id, HermesClusterAgent *self)
{
	g_autofree gchar *our_boot = hermes_context_get_boot_id(self->ctx);
	if (pid <= 0 || pid == getpid() || g_strcmp0(boot_id, our_boot) != 0)
		return FALSE;
	return hermes_platform_process_alive(pid);
}

/* an earlier run of this node on this machine, dead: its gateways stop, its lease goes */
static gboolean
hermes_cluster_agent_take_over_from(HermesClusterAgent *self,
				    gint64 lease,
				    gint64 pid,
				    GError **error)
{
	g_autoptr(HermesClusterView) view = hermes_cluster_read_keys(self->cluster, error);
	guint stopped = 0;

	if (view == NULL)
		return FALSE;
	for (guint i = 0; i < view->profiles->len; i++) {
		const HermesClusterProfile *profile = g_ptr_array_index(view->profiles, i);
		if (g_strcmp0(profile->owner, self->node) != 0)
			continue;
		if (!hermes_cluster_agent_control(self,
						  HERMES_GATEWAY_ACTION_STOP,
						  profile->name,
						  HERMES_CLUSTER_AGENT_STOP_MS))
			continue;
		stopped++;
	}
	if (!hermes_etcd_client_lease_revoke(
		    hermes_cluster_get_client(self->cluster), lease, error))
		return FALSE;
	hermes_cluster_agent_say(self,
				 "took over from an earlier run (pid %" G_GINT64_FORMAT
				 "): stopped %u gateways, gave up its lease",
				 pid,
				 stopped);
	return TRUE;
}

/**
 * hermes_cluster_agent_take_over:
 * @self: an agent about to register
 * @error: return location for a #GError
 *
 * A registration of this node left by an earlier run on this machine whose
 * agent is dead (killed, or the machine rebooted) is taken over: the
 * gateways that run is stopped, then its lease revoked, so they are placed
 * again at once instead of a TTL later, never twice. A registration of a
 * live agent on this machine is %HERMES_ERROR_BUSY; of another host,
 * %HERMES_ERROR_ALREADY_EXISTS (it ends with that host's lease).
 *
 * Returns: %TRUE when the node may register
 */
gboolean
hermes_cluster_agent_take_over(HermesClusterAgent *self, GError **error)
{
	g_autofree gchar *key = hermes_cluster_key(self->cluster, "nodes", self->node);
	g_autoptr(GPtrArray) kvs = hermes_etcd_client_range(
		hermes_cluster_get_client(self->cluster), key, FALSE, NULL, error);
	g_autoptr(JsonObject) value = NULL;
	const HermesEtcdKv *kv;
	const gchar *host;
	gint64 pid;

	if (kvs == NULL)
		return FALSE;
	if (kvs->len == 0)
		return TRUE;
	kv = g_ptr_array_index(kvs, 0);
	value = hermes_cluster_parse_value(kv->value);
	host = value != NULL ? hermes_json_get_string(value, "host") : NULL;
	pid = value != NULL ? hermes_json_get_int(value, "pid", 0) : 0;
	/* another machine's: it goes with its lease if that one is dead */
	if (g_strcmp0(host, g_get_host_name()) != 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_ALREADY_EXISTS,
			    "node '%s' is registered by host %s: waiting for its lease to end "
			    "(or give this machine another --node)",
			    self->node,
			    host != NULL ? host : "unknown");
		return FALSE;
	}
	if (hermes_cluster_agent_alive(pid, hermes_json_get_string(value, "boot_id"), self)) {
		g_set_error(
			error,
			HERMES_ERROR,
			HERMES_ERROR_BUSY,
			"node '%s' is run by another agent on this machine (pid %" G_GINT64_FORMAT
			"): give this one another --node",
			self->node,
			pid);
		return FALSE;
	}
	return hermes_cluster_agent_take_over_from(self, kv->lease, pid, error);
}
