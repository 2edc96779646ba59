/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-status-service.h"

G_BEGIN_DECLS

typedef struct _HermesSvcdCluster HermesSvcdCluster;

HermesSvcdCluster *
hermes_svcd_cluster_start(HermesContext *ctx, HermesStatusService *service, GError **error);
void
hermes_svcd_cluster_stop(HermesSvcdCluster *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermesSvcdCluster, hermes_svcd_cluster_stop)

G_END_DECLS
