/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-backend.h"

G_BEGIN_DECLS

#define HERMES_TYPE_S6_MANAGER (hermes_s6_manager_get_type())
G_DECLARE_FINAL_TYPE(HermesS6Manager, hermes_s6_manager, HERMES, S6_MANAGER, GObject)

gboolean
hermes_s6_is_overlay(HermesContext *ctx);
gchar *
hermes_s6_find_bin_dir(HermesContext *ctx);
const gchar *
hermes_s6_configured_scandir(HermesContext *ctx);

G_END_DECLS
