/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-context.h"
#include "hermes-etcd-client.h"

G_BEGIN_DECLS

/* where every key lives unless HERMES_ETCD_PREFIX says otherwise (docs/cluster.md) */
#define HERMES_CLUSTER_DEFAULT_PREFIX "/hermes-svc/"

/* one node as the cluster sees it */
typedef struct {
	gchar *name;
	gint64 lease;
	gint64 lease_remaining_s; /* -1: expired, 0: not asked */
	gint64 lease_granted_s;
	gint64 capacity; /* 0: no limit */
	gboolean drained;
	gboolean alive; /* registered: its lease lives */
	gchar **labels; /* KEY=VALUE, sorted; NULL for none */
	guint owned;	/* gateways it owns now */
} HermesClusterNode;

/* one profile as the cluster sees it */
typedef struct {
	gchar *name;
	gchar *desired; /* "running", "stopped", or NULL when never set */
	gint64 generation;
	gchar *owner;	    /* the node running it, or NULL */
	gint64 owner_lease; /* the lease its owner key is bound to */
	gchar *placement;   /* the node `cluster move` asked for, or NULL */
	gchar **require;    /* labels its node must have, KEY=VALUE; NULL for none */
} HermesClusterProfile;

typedef struct {
	GPtrArray *nodes;    /* HermesClusterNode, by name */
	GPtrArray *profiles; /* HermesClusterProfile, by name */
	gint64 revision;
} HermesClusterView;

void
hermes_cluster_view_free(HermesClusterView *view);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesClusterView, hermes_cluster_view_free)

#define HERMES_TYPE_CLUSTER (hermes_cluster_get_type())
G_DECLARE_FINAL_TYPE(HermesCluster, hermes_cluster, HERMES, CLUSTER, GObject)

HermesCluster *
hermes_cluster_new(HermesContext *ctx, const gchar *endpoints, GError **error);
HermesEtcdClient *
hermes_cluster_get_client(HermesCluster *self);
const gchar *
hermes_cluster_get_prefix(HermesCluster *self);
gchar *
hermes_cluster_key(HermesCluster *self, const gchar *kind, const gchar *name);
HermesClusterView *
hermes_cluster_read(HermesCluster *self, GError **error);
HermesClusterView *
hermes_cluster_view_new(const gchar *prefix, GPtrArray *kvs, gint64 revision);
gboolean
hermes_cluster_set_desired(HermesCluster *self,
			   const gchar *profile,
			   const gchar *desired,
			   gboolean restart,
			   const gchar *const *require,
			   GError **error);
gboolean
hermes_cluster_set_drained(HermesCluster *self,
			   const gchar *node,
			   gboolean drained,
			   GError **error);
gboolean
hermes_cluster_move(HermesCluster *self, const gchar *profile, const gchar *node, GError **error);
gint64
hermes_cluster_register_node(HermesCluster *self,
			     const gchar *node,
			     gint64 capacity,
			     const gchar *const *labels,
			     gint64 ttl_s,
			     GError **error);
gboolean
hermes_cluster_node_name_validate(const gchar *node, GError **error);

G_END_DECLS
