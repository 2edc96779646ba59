/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The owner key of a profile (<prefix>owners/<profile>): what makes a
 * gateway run at most once in the cluster. It is made only by a
 * transaction that finds none, bound to the claiming node's lease, so it
 * goes when that node stops renewing; and it is deleted only by a
 * transaction that finds it still bound to the lease that made it.
 */

#include "config.h"

#include "hermes-cluster-private.h"
#include "hermes-profile.h"

/**
 * hermes_cluster_claim:
 * @self: the cluster
 * @profile: a profile wanted running
 * @node: the claiming node
 * @lease: the node's lease
 * @claimed: (out): whether the profile is now the node's (%FALSE: another owns it)
 * @error: return location for a #GError
 *
 * Returns: %TRUE when etcd answered
 */
gboolean
hermes_cluster_claim(HermesCluster *self,
		     const gchar *profile,
		     const gchar *node,
		     gint64 lease,
		     gboolean *claimed,
		     GError **error)
{
	g_autofree gchar *key = NULL;
	g_autofree gchar *now = hermes_cluster_now_text();
	g_autofree gchar *text = NULL;
	g_autoptr(JsonObject) value = json_object_new();

	g_return_val_if_fail(HERMES_IS_CLUSTER(self), FALSE);
	*claimed = FALSE;
	if (!hermes_profile_name_validate(profile, error) ||
	    !hermes_cluster_node_name_validate(node, error))
		return FALSE;
	key = hermes_cluster_key(self, "owners", profile);
	json_object_set_string_member(value, "node", node);
	json_object_set_string_member(value, "since", now);
	text = hermes_cluster_value_text(value);
	return hermes_etcd_client_create(
		hermes_cluster_get_client(self), key, text, lease, claimed, error);
}

/**
 * hermes_cluster_release:
 * @self: the cluster
 * @profile: a profile the node owned
 * @lease: the lease it claimed it under
 * @error: return location for a #GError
 *
 * Lets another node claim the profile: its gateway must be stopped already.
 * An owner key bound to another lease (the node's expired meanwhile) stays.
 *
 * Returns: %TRUE when etcd answered
 */
gboolean
hermes_cluster_release(HermesCluster *self, const gchar *profile, gint64 lease, GError **error)
{
	g_autofree gchar *key = NULL;
	gboolean deleted = FALSE;

	g_return_val_if_fail(HERMES_IS_CLUSTER(self), FALSE);
	if (!hermes_profile_name_validate(profile, error))
		return FALSE;
	key = hermes_cluster_key(self, "owners", profile);
	return hermes_etcd_client_delete_if_lease(
		hermes_cluster_get_client(self), key, lease, &deleted, error);
}
