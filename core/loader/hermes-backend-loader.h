/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-context.h"
#include "hermes-plugin.h"
#include "hermes-service-manager.h"

G_BEGIN_DECLS

GStrv
hermes_backend_loader_get_search_path(HermesContext *ctx);
GPtrArray *
hermes_backend_loader_discover(HermesContext *ctx);
HermesPlugin *
hermes_backend_loader_choose(GPtrArray *plugins, const gchar *forced, GError **error);
HermesServiceManager *
hermes_backend_loader_new_manager(HermesContext *ctx, const gchar *forced, GError **error);

G_END_DECLS
