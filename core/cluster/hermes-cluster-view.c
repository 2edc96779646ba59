/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The cluster at one revision: every key under the prefix in one range, so
 * nodes, owners and intent are seen together, then each live node's lease
 * asked for its time to live (the age `cluster status` shows). A key this
 * version does not know, or a value that is not what its kind holds, is
 * skipped: another version of hermes-svc may share the prefix.
 */

#include "config.h"

#include <string.h>

#include "hermes-cluster-private.h"
#include "hermes-profile.h"
#include "hermes-state.h"

static void
hermes_cluster_node_free(HermesClusterNode *node)
{
	g_free(node->name);
	g_strfreev(node->labels);
	g_free(node);
}

static void
hermes_cluster_profile_free(HermesClusterProfile *profile)
{
	g_free(profile->name);
	g_free(profile->desired);
	g_free(profile->owner);
	g_free(profile->placement);
	g_strfreev(profile->require);
	g_free(profile);
}

void
hermes_cluster_view_free(HermesClusterView *view)
{
	if (view == NULL)
		return;
	g_ptr_array_unref(view->nodes);
	g_ptr_array_unref(view->profiles);
	g_free(view);
}

static gint
hermes_cluster_node_cmp(gconstpointer a, gconstpointer b)
{
	const HermesClusterNode *na = *(HermesClusterNode *const *)a;
	const HermesClusterNode *nb = *(HermesClusterNode *const *)b;
	return strcmp(na->name, nb->name);
}

static gint
hermes_cluster_profile_cmp(gconstpointer a, gconstpointer b)
{
	const HermesClusterProfile *pa = *(HermesClusterProfile *const *)a;
	const HermesClusterProfile *pb = *(HermesClusterProfile *const *)b;
	return hermes_profile_name_compare(pa->name, pb->name);
}

HermesClusterNode *
hermes_cluster_view_find_node(HermesClusterView *view, const gchar *name)
{
	for (guint i = 0; i < view->nodes->len; i++) {
		HermesClusterNode *node = g_ptr_array_index(view->nodes, i);
		if (g_strcmp0(node->name, name) == 0)
			return node;
	}
	return NULL;
}

HermesClusterProfile *
hermes_cluster_view_find_profile(HermesClusterView *view, const gchar *name)
{
	for (guint i = 0; i < view->profiles->len; i++) {
		HermesClusterProfile *profile = g_ptr_array_index(view->profiles, i);
		if (g_strcmp0(profile->name, name) == 0)
			return profile;
	}
	return NULL;
}

static HermesClusterNode *
hermes_cluster_view_node(HermesClusterView *view, const gchar *name)
{
	HermesClusterNode *node = hermes_cluster_view_find_node(view, name);
	if (node == NULL) {
		node = g_new0(HermesClusterNode, 1);
		node->name = g_strdup(name);
		g_ptr_array_add(view->nodes, node);
	}
	return node;
}

static HermesClusterProfile *
hermes_cluster_view_profile(HermesClusterView *view, const gchar *name)
{
	HermesClusterProfile *profile = hermes_cluster_view_find_profile(view, name);
	if (profile == NULL) {
		profile = g_new0(HermesClusterProfile, 1);
		profile->name = g_strdup(name);
		g_ptr_array_add(view->profiles, profile);
	}
	return profile;
}

/* a profile key's owner or placement: {"node": "<valid node name>"} */
static gchar *
hermes_cluster_view_node_of(JsonObject *value)
{
	const gchar *node = hermes_json_get_string(value, "node");
	return hermes_cluster_node_name_validate(node, NULL) ? g_strdup(node) : NULL;
}

static void
hermes_cluster_view_take_profile(HermesClusterView *view,
				 const gchar *kind,
				 const gchar *name,
				 JsonObject *value,
				 gint64 lease)
{
	HermesClusterProfile *profile;
	const gchar *desired = hermes_json_get_string(value, "desired_state");
	g_autofree gchar *node = hermes_cluster_view_node_of(value);

	if (!hermes_profile_name_validate(name, NULL))
		return;
	if (g_str_equal(kind, "desired") &&
	    (g_strcmp0(desired, "running") == 0 || g_strcmp0(desired, "stopped") == 0)) {
		profile = hermes_cluster_view_profile(view, name);
		g_free(profile->desired);
		profile->desired = g_strdup(desired);
		profile->generation = hermes_json_get_int(value, "generation", 0);
		g_strfreev(profile->require);
		profile->require = hermes_cluster_labels_from_json(value, "require");
	} else if (g_str_equal(kind, "owners") && node != NULL) {
		profile = hermes_cluster_view_profile(view, name);
		g_free(profile->owner);
		profile->owner = g_steal_pointer(&node);
		profile->owner_lease = lease;
	} else if (g_str_equal(kind, "placement") && node != NULL) {
		profile = hermes_cluster_view_profile(view, name);
		g_free(profile->placement);
		profile->placement = g_steal_pointer(&node);
	}
}

/* one key under the prefix, by its kind */
static void
hermes_cluster_view_take(HermesClusterView *view, const gchar *rest, const HermesEtcdKv *kv)
{
	g_auto(GStrv) parts = g_strsplit(rest, "/", 3);
	g_autoptr(JsonObject) value = NULL;
	HermesClusterNode *node;

	if (g_strv_length(parts) != 2)
		return;
	value = hermes_cluster_parse_value(kv->value);
	if (value == NULL)
		return;
	if (g_str_equal(parts[0], "nodes") && hermes_cluster_node_name_validate(parts[1], NULL)) {
		node = hermes_cluster_view_node(view, parts[1]);
		node->alive = kv->lease != 0;
		node->lease = kv->lease;
		node->capacity = MAX(hermes_json_get_int(value, "capacity", 0), 0);
		g_strfreev(node->labels);
		node->labels = hermes_cluster_labels_from_json(value, "labels");
	} else if (g_str_equal(parts[0], "drain") &&
		   hermes_cluster_node_name_validate(parts[1], NULL)) {
		hermes_cluster_view_node(view, parts[1])->drained = TRUE;
	} else {
		hermes_cluster_view_take_profile(view, parts[0], parts[1], value, kv->lease);
	}
}

/* how long each live node's lease still lives */
static gboolean
hermes_cluster_view_ask_leases(HermesCluster *self, HermesClusterView *view, GError **error)
{
	for (guint i = 0; i < view->nodes->len; i++) {
		HermesClusterNode *node = g_ptr_array_index(view->nodes, i);
		if (node->lease == 0)
			continue;
		if (!hermes_etcd_client_lease_ttl(hermes_cluster_get_client(self),
						  node->lease,
						  &node->lease_remaining_s,
						  &node->lease_granted_s,
						  error))
			return FALSE;
		/* expired between the range and this question */
		if (node->lease_remaining_s < 0)
			node->alive = FALSE;
	}
	return TRUE;
}

/**
 * hermes_cluster_view_new:
 * @prefix: the cluster's key prefix
 * @kvs: (element-type HermesEtcdKv): every key under @prefix, at one revision
 * @revision: that revision
 *
 * What the keys say, without asking etcd anything more (a pure function:
 * tests/fuzz/fuzz-etcd-response.c drives it). Nodes and profiles sorted by
 * name, each node's gateways counted.
 *
 * Returns: (transfer full): the view
 */
HermesClusterView *
hermes_cluster_view_new(const gchar *prefix, GPtrArray *kvs, gint64 revision)
{
	HermesClusterView *view = g_new0(HermesClusterView, 1);
	gsize prefix_len = strlen(prefix);

	view->nodes = g_ptr_array_new_with_free_func((GDestroyNotify)hermes_cluster_node_free);
	view->profiles =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_cluster_profile_free);
	view->revision = revision;
	for (guint i = 0; i < kvs->len; i++) {
		const HermesEtcdKv *kv = g_ptr_array_index(kvs, i);
		if (g_str_has_prefix(kv->key, prefix))
			hermes_cluster_view_take(view, kv->key + prefix_len, kv);
	}
	for (guint i = 0; i < view->profiles->len; i++) {
		HermesClusterProfile *profile = g_ptr_array_index(view->profiles, i);
		if (profile->owner != NULL)
			hermes_cluster_view_node(view, profile->owner)->owned++;
	}
	g_ptr_array_sort(view->nodes, hermes_cluster_node_cmp);
	g_ptr_array_sort(view->profiles, hermes_cluster_profile_cmp);
	return view;
}

/**
 * hermes_cluster_read:
 * @self: the cluster
 * @error: return location for a #GError
 *
 * Returns: (transfer full): nodes and profiles, each sorted by name; %NULL
 *   with %HERMES_ERROR_SUPERVISOR_UNAVAILABLE when etcd cannot be reached
 */
HermesClusterView *
hermes_cluster_read(HermesCluster *self, GError **error)
{
	g_autoptr(HermesClusterView) view = hermes_cluster_read_keys(self, error);
	if (view == NULL || !hermes_cluster_view_ask_leases(self, view, error))
		return NULL;
	return g_steal_pointer(&view);
}

/*
 * The keys alone, one request: what a write needs to check a node or a
 * profile (a node's key goes with its lease, so a node listed with a lease
 * is up); hermes_cluster_read() also asks each lease how long it lives.
 */
HermesClusterView *
hermes_cluster_read_keys(HermesCluster *self, GError **error)
{
	g_autoptr(GPtrArray) kvs = NULL;
	gint64 revision = 0;

	kvs = hermes_etcd_client_range(hermes_cluster_get_client(self),
				       hermes_cluster_get_prefix(self),
				       TRUE,
				       &revision,
				       error);
	if (kvs == NULL)
		return NULL;
	return hermes_cluster_view_new(hermes_cluster_get_prefix(self), kvs, revision);
}
