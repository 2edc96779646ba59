/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * <home>/gateway_state.json: the gateway's runtime state (`gateway_state`,
 * written by the runner) and the operator's intent (`desired_state`,
 * written by lifecycle commands before the supervisor is signalled).
 * `updated_at` is always RFC 3339 UTC here (upstream flipped between an
 * integer and a string).
 */

#include "config.h"

#include "hermes-error.h"
#include "hermes-gateway-state.h"
#include "hermes-intent.h"
#include "hermes-state.h"

static gchar *
hermes_gateway_state_path(const gchar *home)
{
	return g_build_filename(home, HERMES_GATEWAY_STATE_FILE, NULL);
}

/**
 * hermes_gateway_state_load:
 * @home: a profile's `HERMES_HOME`
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the state object; %HERMES_ERROR_NOT_FOUND
 * when there is none, %HERMES_ERROR_INVALID_DATA when it is corrupt
 */
JsonObject *
hermes_gateway_state_load(const gchar *home, GError **error)
{
	g_autofree gchar *path = hermes_gateway_state_path(home);
	return hermes_json_file_load(path, error);
}

/**
 * hermes_gateway_state_update:
 * @home: a profile's `HERMES_HOME`
 * @changes: members to set (`null` removes); `updated_at` is added
 * @error: return location for a #GError
 *
 * Read-modify-write, atomic and durable. A corrupt file is not replaced:
 * the error says so and nothing is lost.
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_gateway_state_update(const gchar *home, JsonObject *changes, GError **error)
{
	g_autofree gchar *path = hermes_gateway_state_path(home);
	g_autofree gchar *now = hermes_time_format_iso8601(g_get_real_time());
	g_autoptr(JsonObject) stamped = json_object_new();
	JsonObjectIter iter;
	const gchar *name;
	JsonNode *value;

	json_object_iter_init(&iter, changes);
	while (json_object_iter_next(&iter, &name, &value))
		json_object_set_member(stamped, name, json_node_copy(value));
	json_object_set_string_member(stamped, "updated_at", now);
	return hermes_json_file_update(path, stamped, 0644, error);
}

/**
 * hermes_gateway_state_set_desired:
 * @home: a profile's `HERMES_HOME`
 * @desired: (nullable): `running`, `stopped`, or %NULL to remove the intent
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_gateway_state_set_desired(const gchar *home, const gchar *desired, GError **error)
{
	g_autoptr(JsonObject) changes = json_object_new();
	if (desired != NULL)
		json_object_set_string_member(changes, "desired_state", desired);
	else
		json_object_set_null_member(changes, "desired_state");
	return hermes_gateway_state_update(home, changes, error);
}

/**
 * hermes_gateway_state_get_desired:
 * @home: a profile's `HERMES_HOME`
 *
 * Returns: (transfer full) (nullable): `desired_state`, or %NULL if absent or unreadable
 */
gchar *
hermes_gateway_state_get_desired(const gchar *home)
{
	g_autoptr(JsonObject) state = hermes_gateway_state_load(home, NULL);
	const gchar *desired;
	if (state == NULL)
		return NULL;
	desired = hermes_json_get_string(state, "desired_state");
	return g_strdup(desired);
}

/**
 * hermes_gateway_state_prior:
 * @home: a profile's `HERMES_HOME`
 * @error: return location for a #GError
 *
 * The same as hermes_intent_read_prior(), where the intent rule lives.
 *
 * Returns: (transfer full) (nullable): the prior state, %NULL (no error) when
 * there is none; %NULL with %HERMES_ERROR_INVALID_DATA when the file is corrupt
 */
gchar *
hermes_gateway_state_prior(const gchar *home, GError **error)
{
	return hermes_intent_read_prior(home, error);
}
