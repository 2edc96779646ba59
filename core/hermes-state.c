/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-platform.h"
#include "hermes-state.h"

static gboolean
hermes_file_write_all(gint fd, const gchar *data, gsize len, const gchar *path, GError **error)
{
	while (len > 0) {
		gssize n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			hermes_error_set_errno(error, errno, "cannot write %s", path);
			return FALSE;
		}
		data += n;
		len -= (gsize)n;
	}
	return TRUE;
}

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
	g_autofree gchar *dir = NULL;
	g_autofree gchar *base = NULL;
	g_autofree gchar *tmp = NULL;
	gsize len;
	gint fd;

	g_return_val_if_fail(path != NULL, FALSE);
	g_return_val_if_fail(contents != NULL || length == 0, FALSE);

	len = length < 0 ? strlen(contents) : (gsize)length;
	dir = g_path_get_dirname(path);
	base = g_path_get_basename(path);
	/* dot-prefixed so scanners (s6-svscan, profile listing) skip it */
	tmp = g_strdup_printf("%s/.%s.XXXXXX", dir, base);
	fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, (gint)(mode & 07777));
	if (fd < 0) {
		hermes_error_set_errno(
			error, errno, "cannot create a temporary file next to %s", path);
		return FALSE;
	}
	/* umask must not widen or narrow what the caller asked for */
	if (fchmod(fd, mode & 07777) != 0) {
		gint errsv = errno;
		close(fd);
		g_unlink(tmp);
		hermes_error_set_errno(error, errsv, "cannot set the mode of %s", path);
		return FALSE;
	}
	if (!hermes_file_write_all(fd, contents, len, path, error)) {
		close(fd);
		g_unlink(tmp);
		return FALSE;
	}
	if (fsync(fd) != 0) {
		gint errsv = errno;
		close(fd);
		g_unlink(tmp);
		hermes_error_set_errno(error, errsv, "cannot sync %s", path);
		return FALSE;
	}
	if (close(fd) != 0) {
		gint errsv = errno;
		g_unlink(tmp);
		hermes_error_set_errno(error, errsv, "cannot close %s", path);
		return FALSE;
	}
	if (rename(tmp, path) != 0) {
		gint errsv = errno;
		g_unlink(tmp);
		hermes_error_set_errno(error, errsv, "cannot replace %s", path);
		return FALSE;
	}
	return hermes_platform_fsync_dir(dir, error);
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
	GStatBuf st;
	g_return_val_if_fail(path != NULL, FALSE);

	if (g_lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return TRUE;
		hermes_error_set_errno(error, errno, "cannot stat %s", path);
		return FALSE;
	}
	if (S_ISDIR(st.st_mode)) {
		g_autoptr(GDir) dir = NULL;
		g_autoptr(GError) error_local = NULL;
		const gchar *name;
		dir = g_dir_open(path, 0, &error_local);
		if (dir == NULL) {
			g_propagate_prefixed_error(
				error, g_steal_pointer(&error_local), "cannot remove %s: ", path);
			hermes_error_convert(error);
			return FALSE;
		}
		while ((name = g_dir_read_name(dir)) != NULL) {
			g_autofree gchar *child = g_build_filename(path, name, NULL);
			if (!hermes_file_remove_tree(child, error))
				return FALSE;
		}
		if (g_rmdir(path) != 0) {
			hermes_error_set_errno(error, errno, "cannot remove %s", path);
			return FALSE;
		}
		return TRUE;
	}
	if (g_unlink(path) != 0 && errno != ENOENT) {
		hermes_error_set_errno(error, errno, "cannot remove %s", path);
		return FALSE;
	}
	return TRUE;
}

/**
 * hermes_json_file_load:
 * @path: a JSON file holding one object
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the object; %HERMES_ERROR_NOT_FOUND if @path is
 * missing, %HERMES_ERROR_INVALID_DATA if it is empty, truncated, not JSON or
 * not an object
 */
JsonObject *
hermes_json_file_load(const gchar *path, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	JsonNode *root;

	g_return_val_if_fail(path != NULL, NULL);
	if (!g_file_get_contents(path, &contents, &len, &error_local)) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		hermes_error_convert(error);
		return NULL;
	}
	if (len == 0) {
		g_set_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA, "%s is empty", path);
		return NULL;
	}
	if (!json_parser_load_from_data(parser, contents, (gssize)len, &error_local)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "%s is corrupt: %s",
			    path,
			    error_local->message);
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "%s does not hold a JSON object",
			    path);
		return NULL;
	}
	return json_object_ref(json_node_get_object(root));
}

/**
 * hermes_json_file_save:
 * @path: the file to replace
 * @object: the object to write, as compact JSON
 * @mode: permission bits
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success (written with hermes_file_write_atomic())
 */
gboolean
hermes_json_file_save(const gchar *path, JsonObject *object, guint mode, GError **error)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
	g_autofree gchar *text = NULL;

	g_return_val_if_fail(path != NULL, FALSE);
	g_return_val_if_fail(object != NULL, FALSE);
	json_node_set_object(node, object);
	text = json_to_string(node, FALSE);
	return hermes_file_write_atomic(path, text, -1, mode, error);
}

/**
 * hermes_json_file_update:
 * @path: a JSON state file; a missing one is created
 * @changes: members to set (a `null` member is removed)
 * @mode: permission bits
 * @error: return location for a #GError
 *
 * Read-modify-write that keeps every member it does not own, so files
 * shared with hermes-agent lose none of its keys. A corrupt file is left
 * as it is and reported.
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_json_file_update(const gchar *path, JsonObject *changes, guint mode, GError **error)
{
	g_autoptr(JsonObject) object = NULL;
	g_autoptr(GError) error_local = NULL;
	JsonObjectIter iter;
	const gchar *name;
	JsonNode *value;

	g_return_val_if_fail(path != NULL, FALSE);
	g_return_val_if_fail(changes != NULL, FALSE);
	object = hermes_json_file_load(path, &error_local);
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
	return hermes_json_file_save(path, object, mode, error);
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
