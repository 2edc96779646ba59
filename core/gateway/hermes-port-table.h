/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-context.h"

G_BEGIN_DECLS

#define HERMES_TYPE_PORT_TABLE (hermes_port_table_get_type())
G_DECLARE_FINAL_TYPE(HermesPortTable, hermes_port_table, HERMES, PORT_TABLE, GObject)

HermesPortTable *
hermes_port_table_new(HermesContext *ctx, GError **error);
GStrv
hermes_port_table_update(HermesPortTable *self, const gchar *profile);
GPtrArray *
hermes_port_table_get_collisions(HermesPortTable *self, const gchar *profile);
GStrv
hermes_port_table_get_profiles(HermesPortTable *self);
GPtrArray *
hermes_port_collisions(HermesContext *ctx, GError **error);
GHashTable *
hermes_port_collisions_by_profile(HermesContext *ctx, GError **error);

G_END_DECLS
