/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-cluster.h"

G_BEGIN_DECLS

gchar *
hermes_cluster_now_text(void);
JsonObject *
hermes_cluster_parse_value(const gchar *value);
gchar *
hermes_cluster_value_text(JsonObject *object);
HermesClusterView *
hermes_cluster_read_keys(HermesCluster *self, GError **error);
HermesClusterNode *
hermes_cluster_view_find_node(HermesClusterView *view, const gchar *name);
HermesClusterProfile *
hermes_cluster_view_find_profile(HermesClusterView *view, const gchar *name);

gboolean
hermes_cluster_claim(HermesCluster *self,
		     const gchar *profile,
		     const gchar *node,
		     gint64 lease,
		     gboolean *claimed,
		     GError **error);
gboolean
hermes_cluster_release(HermesCluster *self, const gchar *profile, gint64 lease, GError **error);

/* hermes-cluster-labels.c */
gboolean
hermes_cluster_label_validate(const gchar *label, GError **error);
JsonObject *
hermes_cluster_labels_to_json(const gchar *const *labels, GError **error);
GStrv
hermes_cluster_labels_from_json(JsonObject *value, const gchar *member);
gint
hermes_cluster_labels_cmp(gconstpointer a, gconstpointer b);
gboolean
hermes_cluster_labels_match(const gchar *const *labels, const gchar *const *require);

G_END_DECLS
