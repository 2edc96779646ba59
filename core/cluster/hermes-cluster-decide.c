/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * What one node agent does, given the cluster's view, the plan every agent
 * computes alike (hermes-cluster-placement.c) and the gateways it runs:
 * pure, so that the rules are tested without etcd or a supervisor.
 *
 * Every stop comes before every start, and a profile is released only
 * after its gateway stopped here: a gateway leaving this node is never
 * claimed by another while it still runs (a drain or a move makes no
 * double run). A profile is the node's only when its owner key is bound
 * to the node's current lease: keys of an earlier lease are not its own.
 */

#include "config.h"

#include "hermes-cluster-decide.h"
#include "hermes-cluster-private.h"

void
hermes_cluster_act_free(HermesClusterAct *act)
{
	if (act == NULL)
		return;
	g_free(act->profile);
	g_free(act);
}

const gchar *
hermes_cluster_act_kind_to_string(HermesClusterActKind kind)
{
	switch (kind) {
	case HERMES_CLUSTER_ACT_STOP:
		return "stop";
	case HERMES_CLUSTER_ACT_RELEASE:
		return "release";
	case HERMES_CLUSTER_ACT_CLAIM:
		return "claim";
	case HERMES_CLUSTER_ACT_START:
		return "start";
	case HERMES_CLUSTER_ACT_RESTART:
		return "restart";
	}
	return "unknown";
}

static void
hermes_cluster_decide_add(GPtrArray *acts,
			  HermesClusterActKind kind,
			  const gchar *profile,
			  gint64 generation,
			  gboolean release)
{
	HermesClusterAct *act = g_new0(HermesClusterAct, 1);
	act->kind = kind;
	act->profile = g_strdup(profile);
	act->generation = generation;
	act->release = release;
	g_ptr_array_add(acts, act);
}

static gint
hermes_cluster_decide_order(gconstpointer a, gconstpointer b)
{
	const HermesClusterAct *x = *(HermesClusterAct *const *)a;
	const HermesClusterAct *y = *(HermesClusterAct *const *)b;
	gboolean x_stops =
		x->kind == HERMES_CLUSTER_ACT_STOP || x->kind == HERMES_CLUSTER_ACT_RELEASE;
	gboolean y_stops =
		y->kind == HERMES_CLUSTER_ACT_STOP || y->kind == HERMES_CLUSTER_ACT_RELEASE;
	if (x_stops != y_stops)
		return x_stops ? -1 : 1;
	return g_strcmp0(x->profile, y->profile);
}

/* one profile the view knows */
static void
hermes_cluster_decide_profile(GPtrArray *acts,
			      const HermesClusterProfile *profile,
			      GHashTable *plan,
			      const gchar *node,
			      gint64 lease,
			      GHashTable *running)
{
	gboolean mine = g_strcmp0(profile->owner, node) == 0 && profile->owner_lease == lease;
	gboolean here = g_strcmp0(g_hash_table_lookup(plan, profile->name), node) == 0;
	gint64 *started = g_hash_table_lookup(running, profile->name);

	if (started != NULL && !(mine && here)) {
		hermes_cluster_decide_add(acts, HERMES_CLUSTER_ACT_STOP, profile->name, 0, mine);
	} else if (started == NULL && mine && !here) {
		hermes_cluster_decide_add(acts, HERMES_CLUSTER_ACT_RELEASE, profile->name, 0, TRUE);
	} else if (started == NULL && here && profile->owner == NULL) {
		hermes_cluster_decide_add(
			acts, HERMES_CLUSTER_ACT_CLAIM, profile->name, profile->generation, FALSE);
	} else if (started == NULL && here && mine) {
		hermes_cluster_decide_add(
			acts, HERMES_CLUSTER_ACT_START, profile->name, profile->generation, FALSE);
	} else if (started != NULL && profile->generation > *started) {
		hermes_cluster_decide_add(acts,
					  HERMES_CLUSTER_ACT_RESTART,
					  profile->name,
					  profile->generation,
					  FALSE);
	}
	/* planned here but another node still owns it: it stops and releases first */
}

/**
 * hermes_cluster_decide:
 * @view: the cluster at one revision
 * @plan: hermes_cluster_plan() of @view
 * @node: this node's name
 * @lease: this node's lease
 * @running: (element-type utf8 gint64): the gateways this agent started and
 *   has not stopped, each with the intent's generation it started
 *
 * Returns: (transfer full) (element-type HermesClusterAct): what to do, stops
 *   and releases first, each group in profile name order
 */
GPtrArray *
hermes_cluster_decide(HermesClusterView *view,
		      GHashTable *plan,
		      const gchar *node,
		      gint64 lease,
		      GHashTable *running)
{
	GPtrArray *acts = g_ptr_array_new_with_free_func((GDestroyNotify)hermes_cluster_act_free);
	GHashTableIter iter;
	gpointer name;

	for (guint i = 0; i < view->profiles->len; i++)
		hermes_cluster_decide_profile(
			acts, g_ptr_array_index(view->profiles, i), plan, node, lease, running);
	/* running here, unknown to the cluster now (its keys were deleted) */
	g_hash_table_iter_init(&iter, running);
	while (g_hash_table_iter_next(&iter, &name, NULL)) {
		if (hermes_cluster_view_find_profile(view, name) == NULL)
			hermes_cluster_decide_add(acts, HERMES_CLUSTER_ACT_STOP, name, 0, FALSE);
	}
	g_ptr_array_sort(acts, hermes_cluster_decide_order);
	return acts;
}
