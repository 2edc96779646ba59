/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Doing what a render plan shows: its directories and files, the same way
 * for every backend that writes units or plists to a directory of its own.
 * A file already as planned (contents and mode) is not written again, so
 * re-registering an unchanged gateway costs reads, not writes, reloads or
 * restarts. Commands stay the backend's: only it knows its supervisor.
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "hermes-error.h"
#include "hermes-render-step.h"
#include "hermes-safe-file.h"
#include "hermes-state.h"

/**
 * hermes_render_step_is_applied:
 * @step: a #HermesRenderStep
 *
 * Whether the file system already holds what @step would write: a
 * directory that is one, a regular file (never a link) with the planned
 * contents and mode. A command step is never "applied": running it is the
 * backend's decision.
 *
 * Returns: %TRUE when applying @step would change nothing
 */
gboolean
hermes_render_step_is_applied(HermesRenderStep *step)
{
	const gchar *path = hermes_render_step_get_path(step);
	g_autofree gchar *contents = NULL;
	gsize length = 0;
	struct stat st;

	switch (hermes_render_step_get_kind(step)) {
	case HERMES_RENDER_STEP_DIRECTORY:
		return hermes_safe_file_stat(NULL, path, &st, NULL) && S_ISDIR(st.st_mode);
	case HERMES_RENDER_STEP_FILE:
		if (!hermes_safe_file_stat(NULL, path, &st, NULL) || !S_ISREG(st.st_mode) ||
		    (st.st_mode & 07777) != hermes_render_step_get_mode(step))
			return FALSE;
		contents = hermes_safe_file_read(NULL, path, HERMES_SAFE_MAX_TEXT, &length, NULL);
		return contents != NULL &&
		       length == strlen(hermes_render_step_get_contents(step)) &&
		       memcmp(contents, hermes_render_step_get_contents(step), length) == 0;
	case HERMES_RENDER_STEP_COMMAND:
	default:
		return FALSE;
	}
}

static gboolean
hermes_render_step_apply(HermesRenderStep *step, GError **error)
{
	const gchar *path = hermes_render_step_get_path(step);
	guint mode = hermes_render_step_get_mode(step);

	if (hermes_render_step_get_kind(step) == HERMES_RENDER_STEP_DIRECTORY) {
		if (g_mkdir_with_parents(path, (gint)mode) != 0) {
			hermes_error_set_errno(error, errno, "cannot create %s", path);
			return FALSE;
		}
		return TRUE;
	}
	return hermes_file_write_atomic(
		path, hermes_render_step_get_contents(step), -1, mode, error);
}

/**
 * hermes_render_steps_apply:
 * @steps: (element-type HermesRenderStep): a plan, in order
 * @changed: (out) (optional): whether anything was created or rewritten
 * @error: return location for a #GError
 *
 * Creates the plan's directories and writes its files atomically, in
 * order, leaving alone what is already as planned; command steps are
 * skipped. Stops at the first failure.
 *
 * Returns: %TRUE when every directory and file is as planned
 */
gboolean
hermes_render_steps_apply(GPtrArray *steps, gboolean *changed, GError **error)
{
	gboolean any = FALSE;

	g_return_val_if_fail(steps != NULL, FALSE);
	for (guint i = 0; i < steps->len; i++) {
		HermesRenderStep *step = g_ptr_array_index(steps, i);
		if (hermes_render_step_get_kind(step) == HERMES_RENDER_STEP_COMMAND ||
		    hermes_render_step_is_applied(step))
			continue;
		if (!hermes_render_step_apply(step, error))
			return FALSE;
		any = TRUE;
	}
	if (changed != NULL)
		*changed = any;
	return TRUE;
}
