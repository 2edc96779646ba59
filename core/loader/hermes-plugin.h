/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <json-glib/json-glib.h>

#include "hermes-context.h"
#include "hermes-error.h"
#include "hermes-service-manager.h"

G_BEGIN_DECLS

/**
 * HermesPluginState:
 * @HERMES_PLUGIN_STATE_LOADED: the file passed every check and was probed
 * @HERMES_PLUGIN_STATE_REFUSED: the loader refused the file; see hermes_plugin_get_refusal()
 * @HERMES_PLUGIN_STATE_SHADOWED: a file of the same name earlier in the search path won
 */
typedef enum {
	HERMES_PLUGIN_STATE_LOADED,
	HERMES_PLUGIN_STATE_REFUSED,
	HERMES_PLUGIN_STATE_SHADOWED,
} HermesPluginState;

#define HERMES_TYPE_PLUGIN (hermes_plugin_get_type())
G_DECLARE_FINAL_TYPE(HermesPlugin, hermes_plugin, HERMES, PLUGIN, GObject)

const gchar *
hermes_plugin_get_name(HermesPlugin *self);
const gchar *
hermes_plugin_get_path(HermesPlugin *self);
HermesPluginState
hermes_plugin_get_state(HermesPlugin *self);
const gchar *
hermes_plugin_get_refusal(HermesPlugin *self);
HermesError
hermes_plugin_get_refusal_code(HermesPlugin *self);
guint
hermes_plugin_get_abi_major(HermesPlugin *self);
guint
hermes_plugin_get_abi_minor(HermesPlugin *self);
const gchar *
hermes_plugin_get_version(HermesPlugin *self);
guint
hermes_plugin_get_score(HermesPlugin *self);
const gchar *
hermes_plugin_get_reason(HermesPlugin *self);
gboolean
hermes_plugin_get_chosen(HermesPlugin *self);
GType
hermes_plugin_get_manager_type(HermesPlugin *self);
HermesServiceManager *
hermes_plugin_create_manager(HermesPlugin *self, HermesContext *ctx, GError **error);
JsonNode *
hermes_plugin_to_json(HermesPlugin *self);
const gchar *
hermes_plugin_state_to_string(HermesPluginState state);

G_END_DECLS
