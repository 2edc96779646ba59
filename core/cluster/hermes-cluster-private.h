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

G_END_DECLS
