/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The "intentional stop" marker shared with hermes-agent. It always goes
 * into the home of the profile being stopped, never the caller's
 * (upstream #103772).
 */

#include "config.h"

#include <unistd.h>

#include "hermes-error.h"
#include "hermes-planned-stop.h"
#include "hermes-platform-private.h"
#include "hermes-safe-file.h"
#include "hermes-state.h"

/**
 * hermes_planned_stop_write:
 * @home: the target profile's `HERMES_HOME`
 * @target_pid: the gateway process about to be stopped
 * @error: return location for a #GError
 *
 * Writes `.gateway-planned-stop.json` atomically:
 * `{"target_pid", "target_start_time", "stopper_pid", "written_at", "target_hermes_home"}`.
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_planned_stop_write(const gchar *home, gint64 target_pid, GError **error)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *now = hermes_time_format_iso8601(g_get_real_time());
	gint64 start_time = hermes_platform_get_start_time(target_pid);

	g_return_val_if_fail(home != NULL, FALSE);
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "target_pid");
	json_builder_add_int_value(builder, target_pid);
	json_builder_set_member_name(builder, "target_start_time");
	if (start_time >= 0)
		json_builder_add_int_value(builder, start_time);
	else
		json_builder_add_null_value(builder);
	json_builder_set_member_name(builder, "stopper_pid");
	json_builder_add_int_value(builder, getpid());
	json_builder_set_member_name(builder, "written_at");
	json_builder_add_string_value(builder, now);
	json_builder_set_member_name(builder, "target_hermes_home");
	json_builder_add_string_value(builder, home);
	json_builder_end_object(builder);
	root = json_builder_get_root(builder);
	path = g_build_filename(home, HERMES_PLANNED_STOP_FILE, NULL);
	return hermes_json_file_save(path, json_node_get_object(root), 0644, error);
}

static gboolean
hermes_planned_stop_is_fresh(JsonObject *marker)
{
	const gchar *written = hermes_json_get_string(marker, "written_at");
	g_autoptr(GDateTime) dt = NULL;
	gint64 age;
	if (written == NULL)
		return FALSE;
	dt = g_date_time_new_from_iso8601(written, NULL);
	if (dt == NULL)
		return FALSE;
	age = g_get_real_time() / G_USEC_PER_SEC - g_date_time_to_unix(dt);
	return age >= -5 && age <= HERMES_PLANNED_STOP_TTL_SEC;
}

/* the marker when it is fresh and names @pid (and, both known, its start time) */
static JsonObject *
hermes_planned_stop_load_for(const gchar *path, gint64 pid, gint64 start_time, gboolean *junk)
{
	g_autoptr(JsonObject) marker = NULL;
	g_autoptr(GError) error_local = NULL;
	gint64 target_start;
	gint64 target;

	*junk = FALSE;
	marker = hermes_json_file_load(path, &error_local);
	if (marker == NULL) {
		*junk = !g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND);
		return NULL;
	}
	target = hermes_json_get_int_in_range(marker, "target_pid", 1, G_MAXINT32, -1);
	if (!hermes_planned_stop_is_fresh(marker) || target < 0) {
		*junk = TRUE;
		return NULL;
	}
	if (target != pid)
		return NULL;
	target_start = hermes_json_get_int_in_range(marker, "target_start_time", 0, G_MAXINT64, -1);
	if (target_start >= 0 && start_time >= 0 && target_start != start_time)
		return NULL;
	return g_steal_pointer(&marker);
}

/**
 * hermes_planned_stop_consume:
 * @home: the gateway's own `HERMES_HOME`
 * @pid: the gateway's pid
 * @start_time: its start time from /proc, or -1 if unknown
 *
 * Called by a gateway on SIGTERM. A fresh marker naming @pid (and, when
 * both are known, its start time) means an operator stop. A stale or
 * malformed marker is removed; a fresh marker for another process is left
 * for it.
 *
 * Returns: %TRUE if the marker names this process
 */
gboolean
hermes_planned_stop_consume(const gchar *home, gint64 pid, gint64 start_time)
{
	g_autofree gchar *path = g_build_filename(home, HERMES_PLANNED_STOP_FILE, NULL);
	g_autoptr(JsonObject) marker = NULL;
	gboolean junk = FALSE;

	marker = hermes_planned_stop_load_for(path, pid, start_time, &junk);
	if (marker == NULL && !junk)
		return FALSE;
	/* ours, or junk nobody can use */
	hermes_safe_file_unlink(NULL, path, NULL);
	return marker != NULL;
}

/**
 * hermes_planned_stop_peek:
 * @home: the gateway's own `HERMES_HOME`
 * @pid: the gateway's pid
 * @start_time: its start time from /proc, or -1 if unknown
 *
 * hermes_planned_stop_consume() without touching the file.
 *
 * Returns: %TRUE if a fresh marker names this process
 */
gboolean
hermes_planned_stop_peek(const gchar *home, gint64 pid, gint64 start_time)
{
	g_autofree gchar *path = g_build_filename(home, HERMES_PLANNED_STOP_FILE, NULL);
	g_autoptr(JsonObject) marker = NULL;
	gboolean junk = FALSE;

	marker = hermes_planned_stop_load_for(path, pid, start_time, &junk);
	return marker != NULL;
}

/**
 * hermes_planned_stop_withdraw:
 * @home: the target profile's `HERMES_HOME`
 * @target_pid: the gateway the marker was written for
 *
 * For a stopper whose stop failed after it wrote the marker: the marker
 * goes (if it still names @target_pid), so the gateway, which also acts on
 * a marker that stays without a signal, keeps running, and a later
 * unrelated SIGTERM is not mistaken for an operator stop.
 */
void
hermes_planned_stop_withdraw(const gchar *home, gint64 target_pid)
{
	g_autofree gchar *path = g_build_filename(home, HERMES_PLANNED_STOP_FILE, NULL);
	g_autoptr(JsonObject) marker = hermes_json_file_load(path, NULL);

	if (marker != NULL &&
	    hermes_json_get_int_in_range(marker, "target_pid", 1, G_MAXINT32, -1) == target_pid)
		hermes_safe_file_unlink(NULL, path, NULL);
}
