/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-cluster.h"

G_BEGIN_DECLS

GHashTable *
hermes_cluster_plan(HermesClusterView *view);
guint64
hermes_cluster_rendezvous_score(const gchar *node, const gchar *profile);

G_END_DECLS
