/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Several files replaced as one change: every new file is written in full
 * (a temporary next to its target) before the first one is renamed into
 * place. A disk that fills up on the way leaves every target as it was,
 * where replacing them one by one left some new and some old — an s6 slot
 * whose run script and log script disagree.
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-safe-file-private.h"
#include "hermes-safe-file.h"

typedef struct {
	gint dir_fd;
	gint fd;
	gchar *base;
	gchar *tmp; /* NULL for an unnamed (O_TMPFILE) temporary */
} HermesSafeStaged;

static void
hermes_safe_staged_clear(HermesSafeStaged *staged)
{
	if (staged->fd >= 0)
		close(staged->fd);
	if (staged->tmp != NULL && staged->dir_fd >= 0)
		unlinkat(staged->dir_fd, staged->tmp, 0);
	if (staged->dir_fd >= 0)
		close(staged->dir_fd);
	g_free(staged->base);
	g_free(staged->tmp);
	*staged = (HermesSafeStaged){-1, -1, NULL, NULL};
}

/* @path's new contents in a temporary beside it, written and (off tmpfs) synced */
static gboolean
hermes_safe_stage(const gchar *root,
		  const gchar *path,
		  const gchar *contents,
		  guint mode,
		  HermesSafeStaged *staged,
		  GError **error)
{
	gboolean durable;

	staged->dir_fd = hermes_safe_open_parent(root, path, &staged->base, error);
	if (staged->dir_fd < 0)
		return FALSE;
	durable = !hermes_safe_fd_is_volatile(staged->dir_fd);
	hermes_safe_temp_sweep(staged->dir_fd, staged->base);
	staged->fd = hermes_safe_temp_create(staged->dir_fd, staged->base, mode, &staged->tmp);
	if (staged->fd < 0) {
		hermes_error_set_errno(
			error, errno, "cannot create a temporary file next to %s", path);
		return FALSE;
	}
	return hermes_safe_fill_temp(
		staged->fd, durable, contents, strlen(contents), mode, path, error);
}

/**
 * hermes_safe_files_replace_set:
 * @root: the trusted root every path is beneath
 * @paths: (array length=n): the files to replace
 * @contents: (array length=n): their new contents, NUL-terminated
 * @modes: (array length=n): their permission bits
 * @n: how many
 * @error: return location for a #GError
 *
 * hermes_safe_file_replace() for several files as one change: all of them
 * are written before any is renamed into place, so running out of space (or
 * any failure while writing) leaves every file as it was and no temporary
 * behind. Each rename is atomic; a failure between two renames (the kernel
 * refusing a rename in a directory we could write a moment ago) is reported
 * and is the only way the set can end part-replaced.
 *
 * Returns: %TRUE when every file was replaced
 */
gboolean
hermes_safe_files_replace_set(const gchar *root,
			      const gchar *const *paths,
			      const gchar *const *contents,
			      const guint *modes,
			      guint n,
			      GError **error)
{
	g_autofree HermesSafeStaged *staged = g_new(HermesSafeStaged, n);
	gboolean ok = TRUE;
	guint i;

	g_return_val_if_fail(root != NULL, FALSE);
	for (i = 0; i < n; i++)
		staged[i] = (HermesSafeStaged){-1, -1, NULL, NULL};
	for (i = 0; ok && i < n; i++)
		ok = hermes_safe_stage(root, paths[i], contents[i], modes[i], &staged[i], error);
	for (i = 0; ok && i < n; i++) {
		if (!hermes_safe_temp_publish(
			    staged[i].fd, staged[i].tmp, staged[i].dir_fd, staged[i].base)) {
			hermes_error_set_errno(error, errno, "cannot replace %s", paths[i]);
			ok = FALSE;
		}
		/* published: the name is the target's now, nothing to remove */
		g_clear_pointer(&staged[i].tmp, g_free);
		if (ok && !hermes_safe_fd_is_volatile(staged[i].dir_fd) &&
		    fsync(staged[i].dir_fd) != 0) {
			hermes_error_set_errno(
				error, errno, "cannot sync the directory of %s", paths[i]);
			ok = FALSE;
		}
	}
	for (i = 0; i < n; i++)
		hermes_safe_staged_clear(&staged[i]);
	return ok;
}
