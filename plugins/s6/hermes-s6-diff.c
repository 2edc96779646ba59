/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Is a slot on disk already what a plan would write? A boot reconcile
 * re-registers every profile; when nothing changed it must cost a few reads
 * per slot, not a rebuild (mkdirs, renames, fsyncs and a rescan each).
 */

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-backend.h"
#include "hermes-s6-diff.h"

/* the slot, opened once: each file below is then one stat and one read
 * beneath it, where a walk from the scan directory per call cost a dozen
 * system calls a file (1000 unchanged slots took 0.9 s) */
typedef struct {
	const gchar *scandir;
	const gchar *slot_dir;
	gsize slot_len;
	gint slot_fd;
	GPtrArray *dirs; /* (element-type utf8): relative paths found real directories */
} HermesS6Slot;

/* whether @rel's parent was found a real directory (no link) earlier in this compare */
static gboolean
hermes_s6_slot_parent_seen(const HermesS6Slot *slot, const gchar *rel)
{
	const gchar *slash = strrchr(rel, '/');
	if (slash == NULL)
		return TRUE;
	for (guint i = 0; i < slot->dirs->len; i++) {
		const gchar *dir = g_ptr_array_index(slot->dirs, i);
		if (strlen(dir) == (gsize)(slash - rel) && strncmp(dir, rel, slash - rel) == 0)
			return TRUE;
	}
	return FALSE;
}

/* @path below the slot, relative to it; %NULL for a path elsewhere */
static const gchar *
hermes_s6_slot_rel(const HermesS6Slot *slot, const gchar *path)
{
	if (slot->slot_fd < 0 || strncmp(path, slot->slot_dir, slot->slot_len) != 0 ||
	    path[slot->slot_len] != '/' || path[slot->slot_len + 1] == '\0')
		return NULL;
	return path + slot->slot_len + 1;
}

static gboolean
hermes_s6_slot_stat(const HermesS6Slot *slot, const gchar *path, struct stat *st)
{
	const gchar *rel = hermes_s6_slot_rel(slot, path);
	/* the slot itself (the plan's first mkdir): the fd opened for it already */
	if (slot->slot_fd >= 0 && g_strcmp0(path, slot->slot_dir) == 0)
		return fstat(slot->slot_fd, st) == 0;
	gboolean found;
	if (rel == NULL)
		return hermes_safe_file_stat(slot->scandir, path, st, NULL);
	/* below a directory this compare lstat'ed itself (the plan makes parents
	 * first), one lstat of the whole path reaches what that walk would; the
	 * compare only decides whether to rewrite, the rewrite is the safe one */
	if (hermes_s6_slot_parent_seen(slot, rel))
		found = fstatat(slot->slot_fd, rel, st, AT_SYMLINK_NOFOLLOW) == 0;
	else
		found = hermes_safe_file_stat_at(slot->slot_fd, slot->slot_dir, rel, st, NULL);
	if (found && S_ISDIR(st->st_mode))
		g_ptr_array_add(slot->dirs, g_strdup(rel));
	return found;
}

static gchar *
hermes_s6_slot_read(const HermesS6Slot *slot, const gchar *path)
{
	const gchar *rel = hermes_s6_slot_rel(slot, path);
	if (rel == NULL)
		return hermes_safe_file_read(slot->scandir, path, HERMES_SAFE_MAX_TEXT, NULL, NULL);
	return hermes_safe_file_read_at(
		slot->slot_fd, slot->slot_dir, rel, HERMES_SAFE_MAX_TEXT, NULL, NULL);
}

static gboolean
hermes_s6_file_matches(const HermesS6Slot *slot, HermesRenderStep *step)
{
	const gchar *path = hermes_render_step_get_path(step);
	const gchar *rel = hermes_s6_slot_rel(slot, path);
	g_autofree gchar *contents = NULL;
	struct stat st;

	/* below the slot, the read's own fstat gives the mode: one open a file */
	if (rel != NULL)
		contents = hermes_safe_file_read_stat_at(
			slot->slot_fd, slot->slot_dir, rel, HERMES_SAFE_MAX_TEXT, NULL, &st, NULL);
	else if (hermes_s6_slot_stat(slot, path, &st) && S_ISREG(st.st_mode))
		contents = hermes_s6_slot_read(slot, path);
	if (contents == NULL || (st.st_mode & 07777) != hermes_render_step_get_mode(step))
		return FALSE;
	return g_strcmp0(contents, hermes_render_step_get_contents(step)) == 0;
}

/* mkfifo: the FIFO is there; chgrp: every named path belongs to @gid */
static gboolean
hermes_s6_command_matches(const HermesS6Slot *slot, HermesRenderStep *step, gint64 gid)
{
	const gchar *const *argv = hermes_render_step_get_argv(step);
	struct stat st;

	if (g_strcmp0(argv[0], "mkfifo") == 0)
		return hermes_s6_slot_stat(slot, argv[3], &st) && S_ISFIFO(st.st_mode);
	if (g_strcmp0(argv[0], "chgrp") == 0) {
		for (guint i = 2; argv[i] != NULL; i++) {
			if (gid >= 0 &&
			    (!hermes_s6_slot_stat(slot, argv[i], &st) || (gint64)st.st_gid != gid))
				return FALSE;
		}
	}
	/* the rescan is not part of what is on disk */
	return TRUE;
}

static gboolean
hermes_s6_step_matches(const HermesS6Slot *slot, HermesRenderStep *step, gint64 gid)
{
	struct stat st;
	switch (hermes_render_step_get_kind(step)) {
	case HERMES_RENDER_STEP_FILE:
		return hermes_s6_file_matches(slot, step);
	case HERMES_RENDER_STEP_DIRECTORY:
		return hermes_s6_slot_stat(slot, hermes_render_step_get_path(step), &st) &&
		       S_ISDIR(st.st_mode);
	case HERMES_RENDER_STEP_COMMAND:
		return hermes_s6_command_matches(slot, step, gid);
	default:
		return FALSE;
	}
}

/**
 * hermes_s6_slot_matches:
 * @scandir: the scan directory (the trusted root)
 * @slot_dir: the slot, below @scandir
 * @steps: (element-type HermesRenderStep): the plan for the slot
 * @gid: the group the plan gives the skeleton, or -1
 * @exists: (out) (optional): whether there is anything at @slot_dir, so a
 *   caller deciding between publish and compare opens the slot once
 *
 * Returns: %TRUE when every file of @steps is there with its contents and
 * mode, every directory and FIFO exists, the skeleton has its group, and a
 * `down` file is there exactly when the plan has one
 */
gboolean
hermes_s6_slot_matches(
	const gchar *scandir, const gchar *slot_dir, GPtrArray *steps, gint64 gid, gboolean *exists)
{
	g_autofree gchar *down = g_build_filename(slot_dir, "down", NULL);
	g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func(g_free);
	HermesS6Slot slot = {scandir, slot_dir, strlen(slot_dir), -1, dirs};
	g_autoptr(GError) error_local = NULL;
	gboolean plan_down = FALSE;
	gboolean same = TRUE;
	struct stat st;

	slot.slot_fd = hermes_safe_open_dir(scandir, slot_dir, &error_local);
	if (exists != NULL)
		*exists = slot.slot_fd >= 0 ||
			  !g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND);
	if (slot.slot_fd < 0)
		return FALSE;
	for (guint i = 0; same && i < steps->len; i++) {
		HermesRenderStep *step = g_ptr_array_index(steps, i);
		if (hermes_render_step_get_kind(step) == HERMES_RENDER_STEP_FILE &&
		    g_strcmp0(hermes_render_step_get_path(step), down) == 0)
			plan_down = TRUE;
		same = hermes_s6_step_matches(&slot, step, gid);
	}
	same = same && (plan_down || !hermes_s6_slot_stat(&slot, down, &st));
	close(slot.slot_fd);
	return same;
}
