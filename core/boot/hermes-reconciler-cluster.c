/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `HERMES_CLUSTER_AGENT=1` (1, true or yes in any case): the boot
 * reconcile also has the backend supervise this machine's cluster node
 * agent (`hermes cluster agent`, docs/cluster.md) beside the gateways, as
 * a container's s6 tree runs its dashboard; without it, none (one left by
 * an earlier boot is removed). The agent gets the backend's settings and
 * every HERMES_ETCD_* and HERMES_CLUSTER_* variable of the reconcile. On
 * such a node the reconcile starts no gateway itself: the intents in a home
 * every node shares are the cluster's to place, and starting them from the
 * state files here would run them twice.
 */

#include "config.h"

#include "hermes-error.h"
#include "hermes-reconciler-private.h"
#include "hermes-runner.h"

#define HERMES_CLUSTER_COMPANION "cluster-agent"

static void
hermes_reconciler_cluster_note(HermesReconciler *self, gchar *note)
{
	g_free(self->cluster_note);
	self->cluster_note = note;
}

/**
 * hermes_reconciler_cluster_wanted:
 * @self: a #HermesReconciler
 *
 * Returns: %TRUE when this machine is a cluster node whose agent the
 *   reconcile supervises (`HERMES_CLUSTER_AGENT=1` and endpoints given): the
 *   gateways are then the agent's, not the reconcile's
 */
gboolean
hermes_reconciler_cluster_wanted(HermesReconciler *self)
{
	const gchar *endpoints = hermes_context_getenv(self->ctx, "HERMES_ETCD_ENDPOINTS");
	return hermes_gateway_no_supervise(hermes_context_getenv(self->ctx, "HERMES_CLUSTER_AGENT"),
					   NULL) &&
	       endpoints != NULL && endpoints[0] != '\0';
}

/**
 * hermes_reconciler_companions:
 * @self: a #HermesReconciler
 *
 * The web dashboard and the cluster node agent, each as its flag says; called
 * at the end of a run, without the home's lock.
 */
void
hermes_reconciler_companions(HermesReconciler *self)
{
	hermes_reconciler_dashboard(self);
	hermes_reconciler_cluster_agent(self);
}

/* the outcome is one line for the caller to show */
void
hermes_reconciler_cluster_agent(HermesReconciler *self)
{
	const gchar *flag = hermes_context_getenv(self->ctx, "HERMES_CLUSTER_AGENT");
	const gchar *endpoints = hermes_context_getenv(self->ctx, "HERMES_ETCD_ENDPOINTS");
	const gchar *const prefixes[] = {"HERMES_ETCD_", "HERMES_CLUSTER_", NULL};
	g_autofree gchar *hermes = hermes_context_get_hermes_path(self->ctx);
	g_autoptr(GError) error_local = NULL;
	gboolean want = hermes_gateway_no_supervise(flag, NULL);

	if (want && (endpoints == NULL || endpoints[0] == '\0')) {
		hermes_reconciler_cluster_note(
			self,
			g_strdup(
				"warning: HERMES_CLUSTER_AGENT is set but HERMES_ETCD_ENDPOINTS is "
				"not: no cluster node agent"));
		want = FALSE;
		if (self->dry_run)
			return;
	}
	if (self->dry_run) {
		if (want)
			hermes_reconciler_cluster_note(
				self,
				g_strdup_printf("cluster: the node agent would be supervised (%s)",
						endpoints));
		return;
	}
	if (want) {
		const gchar *argv[] = {hermes, "cluster", "agent", NULL};
		g_auto(GStrv) envp = hermes_reconciler_companion_env(self, prefixes);
		if (hermes_service_manager_set_companion(self->manager,
							 HERMES_CLUSTER_COMPANION,
							 argv,
							 (const gchar *const *)envp,
							 NULL,
							 &error_local))
			hermes_reconciler_cluster_note(
				self,
				g_strdup_printf("cluster: the node agent is supervised (%s)",
						endpoints));
		else
			hermes_reconciler_cluster_note(
				self,
				g_strdup_printf(
					"warning: the cluster node agent is not supervised: %s",
					error_local->message));
		return;
	}
	/* off: a backend that cannot have one has none to remove */
	if (!hermes_service_manager_set_companion(
		    self->manager, HERMES_CLUSTER_COMPANION, NULL, NULL, NULL, &error_local) &&
	    !g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_SUPPORTED))
		hermes_reconciler_cluster_note(
			self,
			g_strdup_printf(
				"warning: the cluster node agent of an earlier boot was not "
				"removed: %s",
				error_local->message));
}

/**
 * hermes_reconciler_get_cluster_note:
 * @self: a #HermesReconciler
 *
 * Returns: (nullable): one line on the cluster node agent the last run
 *   supervised (`HERMES_CLUSTER_AGENT=1`) or could not, starting `warning:`
 *   when it could not; %NULL when there is nothing to say
 */
const gchar *
hermes_reconciler_get_cluster_note(HermesReconciler *self)
{
	g_return_val_if_fail(HERMES_IS_RECONCILER(self), NULL);
	return self->cluster_note;
}
