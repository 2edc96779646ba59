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

#include <string.h>
#include <sys/stat.h>

#include "hermes-backend.h"
#include "hermes-s6-diff.h"

static gboolean
hermes_s6_file_matches(const gchar *scandir, HermesRenderStep *step)
{
	const gchar *path = hermes_render_step_get_path(step);
	g_autofree gchar *contents = NULL;
	struct stat st;

	if (!hermes_safe_file_stat(scandir, path, &st, NULL) || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 07777) != hermes_render_step_get_mode(step))
		return FALSE;
	contents = hermes_safe_file_read(scandir, path, HERMES_SAFE_MAX_TEXT, NULL, NULL);
	return contents != NULL && g_strcmp0(contents, hermes_render_step_get_contents(step)) == 0;
}

/* mkfifo: the FIFO is there; chgrp: every named path belongs to @gid */
static gboolean
hermes_s6_command_matches(const gchar *scandir, HermesRenderStep *step, gint64 gid)
{
	const gchar *const *argv = hermes_render_step_get_argv(step);
	struct stat st;

	if (g_strcmp0(argv[0], "mkfifo") == 0)
		return hermes_safe_file_stat(scandir, argv[3], &st, NULL) && S_ISFIFO(st.st_mode);
	if (g_strcmp0(argv[0], "chgrp") == 0) {
		for (guint i = 2; argv[i] != NULL; i++) {
			if (gid >= 0 && (!hermes_safe_file_stat(scandir, argv[i], &st, NULL) ||
					 (gint64)st.st_gid != gid))
				return FALSE;
		}
	}
	/* the rescan is not part of what is on disk */
	return TRUE;
}

/**
 * hermes_s6_slot_matches:
 * @scandir: the scan directory (the trusted root)
 * @slot_dir: the slot, below @scandir
 * @steps: (element-type HermesRenderStep): the plan for the slot
 * @gid: the group the plan gives the skeleton, or -1
 *
 * Returns: %TRUE when every file of @steps is there with its contents and
 * mode, every directory and FIFO exists, the skeleton has its group, and a
 * `down` file is there exactly when the plan has one
 */
gboolean
hermes_s6_slot_matches(const gchar *scandir, const gchar *slot_dir, GPtrArray *steps, gint64 gid)
{
	g_autofree gchar *down = g_build_filename(slot_dir, "down", NULL);
	gboolean plan_down = FALSE;
	struct stat st;

	for (guint i = 0; i < steps->len; i++) {
		HermesRenderStep *step = g_ptr_array_index(steps, i);
		const gchar *path = hermes_render_step_get_path(step);
		switch (hermes_render_step_get_kind(step)) {
		case HERMES_RENDER_STEP_FILE:
			if (g_strcmp0(path, down) == 0)
				plan_down = TRUE;
			if (!hermes_s6_file_matches(scandir, step))
				return FALSE;
			break;
		case HERMES_RENDER_STEP_DIRECTORY:
			if (!hermes_safe_file_stat(scandir, path, &st, NULL) ||
			    !S_ISDIR(st.st_mode))
				return FALSE;
			break;
		case HERMES_RENDER_STEP_COMMAND:
			if (!hermes_s6_command_matches(scandir, step, gid))
				return FALSE;
			break;
		default:
			return FALSE;
		}
	}
	return plan_down || !hermes_safe_file_stat(scandir, down, &st, NULL);
}
