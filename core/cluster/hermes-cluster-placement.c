/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Where each gateway of the cluster should run: the one rule every node
 * agent applies to the same view, so that all agree without talking to
 * each other (the owner key's transaction settles the rest).
 *
 * A node takes gateways when its lease lives and it is not drained, while
 * it has room (capacity 0: no limit), and a gateway only when the node has
 * every label it requires (hermes-cluster-labels.c). In order:
 *   1. a gateway stays with its owner while that node may keep it and
 *      `cluster move` did not ask for another: a node that joins, or a
 *      profile added elsewhere, never moves a running gateway (no churn);
 *   2. a `cluster move` target that may take it gets it;
 *   3. the rest go, in name order, to the node with the highest
 *      rendezvous score for the profile that has room: a stable spread in
 *      which a node that goes away moves only its own gateways.
 * A gateway no node may take is left out of the plan (nobody runs it).
 */

#include "config.h"

#include <string.h>

#include "hermes-cluster-placement.h"
#include "hermes-cluster-private.h"

/**
 * hermes_cluster_rendezvous_score:
 * @node: a node's name
 * @profile: a profile's name
 *
 * Returns: the node's score for the profile (FNV-1a over `node NUL profile`,
 *   finished with a 64-bit mix so that near names spread)
 */
guint64
hermes_cluster_rendezvous_score(const gchar *node, const gchar *profile)
{
	guint64 h = G_GUINT64_CONSTANT(0xcbf29ce484222325);
	const guint64 prime = G_GUINT64_CONSTANT(0x100000001b3);
	for (const gchar *p = node; *p != '\0'; p++)
		h = (h ^ (guchar)*p) * prime;
	h *= prime; /* the NUL between the two */
	for (const gchar *p = profile; *p != '\0'; p++)
		h = (h ^ (guchar)*p) * prime;
	/* splitmix64's finaliser */
	h ^= h >> 30;
	h *= G_GUINT64_CONSTANT(0xbf58476d1ce4e5b9);
	h ^= h >> 27;
	h *= G_GUINT64_CONSTANT(0x94d049bb133111eb);
	h ^= h >> 31;
	return h;
}

typedef struct {
	HermesClusterView *view;
	GHashTable *load; /* node name -> guint gateways placed */
	GHashTable *plan; /* profile name -> node name (both the view's) */
} HermesClusterPlanner;

/* the node may take one more gateway, this one */
static gboolean
hermes_cluster_plan_room(HermesClusterPlanner *p,
			 const HermesClusterNode *node,
			 const HermesClusterProfile *profile)
{
	guint load;
	if (node == NULL || !node->alive || node->drained ||
	    !hermes_cluster_labels_match((const gchar *const *)node->labels,
					 (const gchar *const *)profile->require))
		return FALSE;
	load = GPOINTER_TO_UINT(g_hash_table_lookup(p->load, node->name));
	return node->capacity <= 0 || load < (guint64)node->capacity;
}

static void
hermes_cluster_plan_assign(HermesClusterPlanner *p,
			   const HermesClusterProfile *profile,
			   const HermesClusterNode *node)
{
	guint load = GPOINTER_TO_UINT(g_hash_table_lookup(p->load, node->name));
	g_hash_table_insert(p->load, node->name, GUINT_TO_POINTER(load + 1));
	g_hash_table_insert(p->plan, profile->name, node->name);
}

static gboolean
hermes_cluster_plan_wanted(const HermesClusterProfile *profile)
{
	return g_strcmp0(profile->desired, "running") == 0;
}

/* rule 3: the highest score with room */
static void
hermes_cluster_plan_spread(HermesClusterPlanner *p, const HermesClusterProfile *profile)
{
	const HermesClusterNode *best = NULL;
	guint64 best_score = 0;
	for (guint i = 0; i < p->view->nodes->len; i++) {
		const HermesClusterNode *node = g_ptr_array_index(p->view->nodes, i);
		guint64 score;
		if (!hermes_cluster_plan_room(p, node, profile))
			continue;
		score = hermes_cluster_rendezvous_score(node->name, profile->name);
		if (best == NULL || score > best_score) {
			best = node;
			best_score = score;
		}
	}
	if (best != NULL)
		hermes_cluster_plan_assign(p, profile, best);
}

/**
 * hermes_cluster_plan:
 * @view: the cluster at one revision
 *
 * Returns: (transfer container) (element-type utf8 utf8): for each gateway
 *   wanted running that some node may take, that node's name; the strings
 *   belong to @view
 */
GHashTable *
hermes_cluster_plan(HermesClusterView *view)
{
	HermesClusterPlanner p = {view, g_hash_table_new(g_str_hash, g_str_equal), NULL};
	p.plan = g_hash_table_new(g_str_hash, g_str_equal);

	/* 1: owners keep what they may keep */
	for (guint i = 0; i < view->profiles->len; i++) {
		const HermesClusterProfile *profile = g_ptr_array_index(view->profiles, i);
		const HermesClusterNode *owner;
		if (!hermes_cluster_plan_wanted(profile) || profile->owner == NULL)
			continue;
		if (profile->placement != NULL &&
		    g_strcmp0(profile->placement, profile->owner) != 0 &&
		    hermes_cluster_plan_room(
			    &p, hermes_cluster_view_find_node(view, profile->placement), profile))
			continue;
		owner = hermes_cluster_view_find_node(view, profile->owner);
		if (hermes_cluster_plan_room(&p, owner, profile))
			hermes_cluster_plan_assign(&p, profile, owner);
	}
	/* 2 and 3, in name order */
	for (guint i = 0; i < view->profiles->len; i++) {
		const HermesClusterProfile *profile = g_ptr_array_index(view->profiles, i);
		const HermesClusterNode *target;
		const HermesClusterNode *owner;
		if (!hermes_cluster_plan_wanted(profile) ||
		    g_hash_table_contains(p.plan, profile->name))
			continue;
		target = profile->placement != NULL
				 ? hermes_cluster_view_find_node(view, profile->placement)
				 : NULL;
		owner = profile->owner != NULL ? hermes_cluster_view_find_node(view, profile->owner)
					       : NULL;
		if (hermes_cluster_plan_room(&p, target, profile))
			hermes_cluster_plan_assign(&p, profile, target);
		/* the move's target filled up meanwhile: it stays where it runs */
		else if (hermes_cluster_plan_room(&p, owner, profile))
			hermes_cluster_plan_assign(&p, profile, owner);
		else
			hermes_cluster_plan_spread(&p, profile);
	}
	g_hash_table_unref(p.load);
	return p.plan;
}
