/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-safe-file.h"
#include "hermes-state.h"

/**
 * hermes_file_write_atomic:
 * @path: the file to replace
 * @contents: (array length=length) (element-type guint8): the new contents
 * @length: bytes in @contents, or -1 if it is a NUL-terminated string
 * @mode: permission bits, applied before the file becomes visible
 * @error: return location for a #GError
 *
 * The one way hermes-svc writes a state file: a temporary file in the same
 * directory, fsync, rename over @path, fsync of the directory. A reader sees
 * the old or the new contents, never a mix, and a crash loses neither.
 *
 * Returns: %TRUE on success; on failure @path is untouched and no temporary is left
 */
gboolean
hermes_file_write_atomic(
	const gchar *path, const gchar *contents, gssize length, guint mode, GError **error)
{
	return hermes_safe_file_replace(NULL, path, contents, length, mode, error);
}

/**
 * hermes_file_remove_tree:
 * @path: a file or directory
 * @error: return location for a #GError
 *
 * Removes @path and everything below it without following symbolic links.
 * A missing @path is not an error.
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_file_remove_tree(const gchar *path, GError **error)
{
	return hermes_safe_remove_tree(NULL, path, error);
}

/* json-glib's parser recurses once per nesting level: a file of nested
 * brackets must be refused before it gets there */
static gboolean
hermes_json_check_depth(const gchar *text, gsize length, GError **error)
{
	gboolean in_string = FALSE;
	gboolean escaped = FALSE;
	guint depth = 0;

	for (gsize i = 0; i < length; i++) {
		gchar c = text[i];
		if (in_string) {
			if (escaped)
				escaped = FALSE;
			else if (c == '\\')
				escaped = TRUE;
			else if (c == '"')
				in_string = FALSE;
			continue;
		}
		if (c == '"') {
			in_string = TRUE;
		} else if (c == '/' || c == '#') {
			/* json-glib skips comments this scan would misread (a quote inside
			 * one); strict JSON, as every writer of these files emits, has none */
			g_set_error_literal(error,
					    HERMES_ERROR,
					    HERMES_ERROR_INVALID_DATA,
					    "not strict JSON (a comment)");
			return FALSE;
		} else if (c == '[' || c == '{') {
			if (++depth > HERMES_JSON_MAX_DEPTH) {
				g_set_error(error,
					    HERMES_ERROR,
					    HERMES_ERROR_INVALID_DATA,
					    "nested deeper than %d levels",
					    HERMES_JSON_MAX_DEPTH);
				return FALSE;
			}
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return TRUE;
}

/* what json-glib accepts but cannot write back, or writes as something no
 * reader accepts: non-UTF-8 strings (from lone surrogate escapes), infinite
 * doubles, and doubles printed in exponent form without a point ("1e+21.0") */
static gboolean
hermes_json_check_value(JsonNode *node, GError **error)
{
	if (JSON_NODE_HOLDS_OBJECT(node)) {
		JsonObjectIter iter;
		const gchar *name;
		JsonNode *member;
		json_object_iter_init(&iter, json_node_get_object(node));
		while (json_object_iter_next(&iter, &name, &member)) {
			if (!g_utf8_validate(name, -1, NULL)) {
				g_set_error_literal(error,
						    HERMES_ERROR,
						    HERMES_ERROR_INVALID_DATA,
						    "a member name is not UTF-8");
				return FALSE;
			}
			if (!hermes_json_check_value(member, error))
				return FALSE;
		}
		return TRUE;
	}
	if (JSON_NODE_HOLDS_ARRAY(node)) {
		JsonArray *array = json_node_get_array(node);
		for (guint i = 0; i < json_array_get_length(array); i++) {
			if (!hermes_json_check_value(json_array_get_element(array, i), error))
				return FALSE;
		}
		return TRUE;
	}
	if (!JSON_NODE_HOLDS_VALUE(node))
		return TRUE;
	if (json_node_get_value_type(node) == G_TYPE_STRING &&
	    !g_utf8_validate(json_node_get_string(node), -1, NULL)) {
		g_set_error_literal(
			error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA, "a string is not UTF-8");
		return FALSE;
	}
	if (json_node_get_value_type(node) == G_TYPE_DOUBLE) {
		gdouble value = json_node_get_double(node);
		gchar buf[G_ASCII_DTOSTR_BUF_SIZE];
		g_ascii_dtostr(buf, sizeof(buf), value);
		if (!isfinite(value) || (strchr(buf, 'e') != NULL && strchr(buf, '.') == NULL)) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_DATA,
				    "a number out of range (%s)",
				    buf);
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * hermes_json_parse_bounded:
 * @text: (array length=length) (element-type guint8): JSON from outside
 * @length: bytes in @text
 * @error: return location for a #GError
 *
 * The one entry to the JSON parser for anything another program or a user
 * wrote: at most %HERMES_SAFE_MAX_STATE bytes and %HERMES_JSON_MAX_DEPTH
 * levels, checked before parsing so hostile input costs a scan, not a crash.
 *
 * Returns: (transfer full): the root node; %NULL with %HERMES_ERROR_INVALID_DATA
 */
JsonNode *
hermes_json_parse_bounded(const gchar *text, gsize length, GError **error)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) error_local = NULL;
	JsonNode *root;

	g_return_val_if_fail(text != NULL || length == 0, NULL);
	if (length > HERMES_SAFE_MAX_STATE) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "larger than %d bytes",
			    HERMES_SAFE_MAX_STATE);
		return NULL;
	}
	if (length == 0) {
		g_set_error_literal(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA, "empty");
		return NULL;
	}
	if (!hermes_json_check_depth(text, length, error))
		return NULL;
	parser = json_parser_new_immutable();
	if (!json_parser_load_from_data(parser, text, (gssize)length, &error_local)) {
		g_set_error_literal(
			error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA, error_local->message);
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL) {
		g_set_error_literal(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA, "empty");
		return NULL;
	}
	if (!hermes_json_check_value(root, error))
		return NULL;
	return json_node_copy(root);
}

/**
 * hermes_json_file_load_beneath:
 * @root: (nullable): the trusted directory @path lies beneath (a home); %NULL
 *   for the file's own directory
 * @path: a JSON file holding one object
 * @error: return location for a #GError
 *
 * Reads through the safe file layer (no links, regular files only, capped at
 * %HERMES_SAFE_MAX_STATE) and parses with hermes_json_parse_bounded().
 *
 * Returns: (transfer full): the object; %HERMES_ERROR_NOT_FOUND if @path is
 * missing, %HERMES_ERROR_INVALID_DATA if it is empty, truncated, too large,
 * too deep, not JSON or not an object
 */
JsonObject *
hermes_json_file_load_beneath(const gchar *root, const gchar *path, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(JsonNode) node = NULL;
	g_autofree gchar *contents = NULL;
	gsize len = 0;

	g_return_val_if_fail(path != NULL, NULL);
	contents = hermes_safe_file_read(root, path, HERMES_SAFE_MAX_STATE, &len, error);
	if (contents == NULL)
		return NULL;
	if (len == 0) {
		g_set_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA, "%s is empty", path);
		return NULL;
	}
	node = hermes_json_parse_bounded(contents, len, &error_local);
	if (node == NULL) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "%s is corrupt: %s",
			    path,
			    error_local->message);
		return NULL;
	}
	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "%s does not hold a JSON object",
			    path);
		return NULL;
	}
	return json_object_ref(json_node_get_object(node));
}

/**
 * hermes_json_file_load:
 * @path: a JSON file holding one object
 * @error: return location for a #GError
 *
 * hermes_json_file_load_beneath() guarding only the last component.
 *
 * Returns: (transfer full): the object, or %NULL with @error set
 */
JsonObject *
hermes_json_file_load(const gchar *path, GError **error)
{
	return hermes_json_file_load_beneath(NULL, path, error);
}

/**
 * hermes_json_file_save_beneath:
 * @root: (nullable): the trusted directory @path lies beneath; %NULL for its own directory
 * @path: the file to replace
 * @object: the object to write, as compact JSON
 * @mode: permission bits
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success (written with hermes_safe_file_replace())
 */
gboolean
hermes_json_file_save_beneath(
	const gchar *root, const gchar *path, JsonObject *object, guint mode, GError **error)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	g_autofree gchar *text = NULL;

	g_return_val_if_fail(path != NULL, FALSE);
	g_return_val_if_fail(object != NULL, FALSE);
	json_node_set_object(node, object);
	text = json_to_string(node, FALSE);
	return hermes_safe_file_replace(root, path, text, -1, mode, error);
}

/**
 * hermes_json_file_save:
 * @path: the file to replace
 * @object: the object to write, as compact JSON
 * @mode: permission bits
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_json_file_save(const gchar *path, JsonObject *object, guint mode, GError **error)
{
	return hermes_json_file_save_beneath(NULL, path, object, mode, error);
}

/**
 * hermes_json_file_update_beneath:
 * @root: (nullable): the trusted directory @path lies beneath; %NULL for its own directory
 * @path: a JSON state file; a missing one is created
 * @changes: members to set (a `null` member is removed)
 * @mode: permission bits
 * @error: return location for a #GError
 *
 * Read-modify-write that keeps every member it does not own, so files
 * shared with hermes-agent lose none of its keys. A corrupt, linked or
 * oversized file is left as it is and reported.
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_json_file_update_beneath(
	const gchar *root, const gchar *path, JsonObject *changes, guint mode, GError **error)
{
	g_autoptr(JsonObject) object = NULL;
	g_autoptr(GError) error_local = NULL;
	JsonObjectIter iter;
	const gchar *name;
	JsonNode *value;

	g_return_val_if_fail(path != NULL, FALSE);
	g_return_val_if_fail(changes != NULL, FALSE);
	object = hermes_json_file_load_beneath(root, path, &error_local);
	if (object == NULL) {
		if (!g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND)) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		object = json_object_new();
	}
	json_object_iter_init(&iter, changes);
	while (json_object_iter_next(&iter, &name, &value)) {
		if (JSON_NODE_HOLDS_NULL(value))
			json_object_remove_member(object, name);
		else
			json_object_set_member(object, name, json_node_copy(value));
	}
	return hermes_json_file_save_beneath(root, path, object, mode, error);
}

/**
 * hermes_json_file_update:
 * @path: a JSON state file; a missing one is created
 * @changes: members to set (a `null` member is removed)
 * @mode: permission bits
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_json_file_update(const gchar *path, JsonObject *changes, guint mode, GError **error)
{
	return hermes_json_file_update_beneath(NULL, path, changes, mode, error);
}

/**
 * hermes_time_format_iso8601:
 * @real_time_us: µs since the epoch, as g_get_real_time()
 *
 * Returns: (transfer full): RFC 3339 UTC with microseconds and `+00:00`,
 * the form hermes-agent writes and reads
 */
gchar *
hermes_time_format_iso8601(gint64 real_time_us)
{
	/* floor, not truncation: times before the epoch must not print a negative fraction */
	gint64 secs = real_time_us / G_USEC_PER_SEC;
	gint64 frac = real_time_us % G_USEC_PER_SEC;
	g_autoptr(GDateTime) dt = NULL;
	g_autofree gchar *base = NULL;
	if (frac < 0) {
		frac += G_USEC_PER_SEC;
		secs--;
	}
	dt = g_date_time_new_from_unix_utc(secs);
	if (dt == NULL)
		return g_strdup("1970-01-01T00:00:00.000000+00:00");
	base = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");
	return g_strdup_printf("%s.%06d+00:00", base, (gint)frac);
}

/**
 * hermes_json_get_string:
 * @object: a JSON object from a file someone else may have written
 * @name: a member name
 *
 * Unlike json_object_get_string_member_with_default(), a member of another
 * type is simply "not a string", never a critical.
 *
 * Returns: (nullable): the string value, %NULL if absent or not a string
 */
const gchar *
hermes_json_get_string(JsonObject *object, const gchar *name)
{
	JsonNode *node = json_object_get_member(object, name);
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(node);
}

/**
 * hermes_json_get_int:
 * @object: a JSON object from a file someone else may have written
 * @name: a member name
 * @fallback: what to return when the member is absent or not an integer
 *
 * Returns: the integer value, or @fallback
 */
gint64
hermes_json_get_int(JsonObject *object, const gchar *name, gint64 fallback)
{
	JsonNode *node = json_object_get_member(object, name);
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_INT64)
		return fallback;
	return json_node_get_int(node);
}

/**
 * hermes_json_get_int_in_range:
 * @object: a JSON object from a file someone else may have written
 * @name: a member name
 * @min: the smallest value that means something (a pid: 1)
 * @max: the largest (a pid: pid_max; a port: 65535)
 * @fallback: what to return when absent, not an integer or out of range
 *
 * A number is checked for its meaning before anyone acts on it: a pid of
 * 2^32 + P must not become P when narrowed to pid_t.
 *
 * Returns: the value within [@min, @max], or @fallback
 */
gint64
hermes_json_get_int_in_range(
	JsonObject *object, const gchar *name, gint64 min, gint64 max, gint64 fallback)
{
	gint64 value;
	JsonNode *node = json_object_get_member(object, name);
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_INT64)
		return fallback;
	value = json_node_get_int(node);
	return value >= min && value <= max ? value : fallback;
}
