/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * HERMES_JSON_MAX_DEPTH:
 *
 * The deepest nesting accepted in JSON from outside (state files, records,
 * markers); hermes-agent's files are two levels deep.
 */
#define HERMES_JSON_MAX_DEPTH 64

gboolean
hermes_file_write_atomic(
	const gchar *path, const gchar *contents, gssize length, guint mode, GError **error);
gboolean
hermes_file_remove_tree(const gchar *path, GError **error);
JsonNode *
hermes_json_parse_bounded(const gchar *text, gsize length, GError **error);
JsonObject *
hermes_json_file_load(const gchar *path, GError **error);
JsonObject *
hermes_json_file_load_beneath(const gchar *root, const gchar *path, GError **error);
gboolean
hermes_json_file_save_beneath(
	const gchar *root, const gchar *path, JsonObject *object, guint mode, GError **error);
gboolean
hermes_json_file_update_beneath(
	const gchar *root, const gchar *path, JsonObject *changes, guint mode, GError **error);
gboolean
hermes_json_file_save(const gchar *path, JsonObject *object, guint mode, GError **error);
gboolean
hermes_json_file_update(const gchar *path, JsonObject *changes, guint mode, GError **error);
gchar *
hermes_time_format_iso8601(gint64 real_time_us);
const gchar *
hermes_json_get_string(JsonObject *object, const gchar *name);
gint64
hermes_json_get_int(JsonObject *object, const gchar *name, gint64 fallback);
gint64
hermes_json_get_int_in_range(
	JsonObject *object, const gchar *name, gint64 min, gint64 max, gint64 fallback);

G_END_DECLS
