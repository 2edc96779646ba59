/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-context.h"

G_BEGIN_DECLS

gboolean
hermes_env_flag(const gchar *value, gboolean *recognised);
gboolean
hermes_context_env_flag(HermesContext *ctx, const gchar *name, gchar **warning);

G_END_DECLS
