/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-cluster.h"
#include "hermes-gateway-control.h"

G_BEGIN_DECLS

/* the lease of a node unless --ttl says otherwise (docs/cluster.md) */
#define HERMES_CLUSTER_AGENT_DEFAULT_TTL_S 10
#define HERMES_CLUSTER_AGENT_MIN_TTL_S	   3
#define HERMES_CLUSTER_AGENT_MAX_TTL_S	   600

#define HERMES_TYPE_CLUSTER_AGENT (hermes_cluster_agent_get_type())
G_DECLARE_FINAL_TYPE(HermesClusterAgent, hermes_cluster_agent, HERMES, CLUSTER_AGENT, GObject)

HermesClusterAgent *
hermes_cluster_agent_new(HermesContext *ctx,
			 const gchar *endpoints,
			 HermesGatewayControl *control,
			 const gchar *node,
			 gint64 capacity,
			 const gchar *const *labels,
			 gint64 ttl_s,
			 GError **error);
const gchar *
hermes_cluster_agent_get_node(HermesClusterAgent *self);
gboolean
hermes_cluster_agent_run(HermesClusterAgent *self, GError **error);
void
hermes_cluster_agent_quit(HermesClusterAgent *self);

G_END_DECLS
