/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* shared with hermes-agent: keys we do not own are always preserved */
#define HERMES_GATEWAY_STATE_FILE "gateway_state.json"

JsonObject *
hermes_gateway_state_load(const gchar *home, GError **error);
gboolean
hermes_gateway_state_update(const gchar *home, JsonObject *changes, GError **error);
gboolean
hermes_gateway_state_set_desired(const gchar *home, const gchar *desired, GError **error);
gchar *
hermes_gateway_state_get_desired(const gchar *home);
gchar *
hermes_gateway_state_prior(const gchar *home, GError **error);

G_END_DECLS
