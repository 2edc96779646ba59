/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The safe file layer's writing half: atomic replace inside an already
 * opened, link-free directory fd; appends only through such an fd; removal
 * through directory fds that never enter a link. See hermes-safe-file.c for
 * how paths are resolved.
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-safe-file-private.h"
#include "hermes-safe-file.h"

/* a hostile tree may be deep; removal recurses, so it stops here */
#define HERMES_SAFE_MAX_DEPTH 64

/* a hard link to a file elsewhere (another user's, /etc's) must not grow
 * because a log here was appended to */
static gboolean
hermes_safe_check_single_link(gint fd, const gchar *display, GError **error)
{
	struct stat st;
	if (fstat(fd, &st) != 0) {
		hermes_error_set_errno(error, errno, "cannot stat %s", display);
		return FALSE;
	}
	if (st.st_nlink > 1) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "refusing %s: it is a hard link to another file",
			    display);
		return FALSE;
	}
	return TRUE;
}

static gboolean
hermes_safe_write_all(gint fd, const gchar *data, gsize len, const gchar *display, GError **error)
{
	while (len > 0) {
		gssize n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			hermes_error_set_errno(error, errno, "cannot write %s", display);
			return FALSE;
		}
		data += n;
		len -= (gsize)n;
	}
	return TRUE;
}

gboolean
hermes_safe_fill_temp(gint fd,
		      gboolean durable,
		      const gchar *contents,
		      gsize len,
		      guint mode,
		      const gchar *display,
		      GError **error)
{
	/* umask must not widen or narrow what the caller asked for */
	if (fchmod(fd, (mode_t)(mode & 07777)) != 0) {
		hermes_error_set_errno(error, errno, "cannot set the mode of %s", display);
		return FALSE;
	}
	if (!hermes_safe_write_all(fd, contents, len, display, error))
		return FALSE;
	if (durable && fsync(fd) != 0) {
		hermes_error_set_errno(error, errno, "cannot sync %s", display);
		return FALSE;
	}
	return TRUE;
}

/**
 * hermes_safe_file_replace:
 * @root: (nullable): the trusted root; %NULL for the parent of @path
 * @path: the file to replace, beneath @root
 * @contents: (array length=length) (element-type guint8): the new contents
 * @length: bytes in @contents, or -1 if it is a NUL-terminated string
 * @mode: permission bits, applied before the file becomes visible
 * @error: return location for a #GError
 *
 * The one way hermes-svc writes a file under a home: a temporary in the same
 * (already opened, link-free) directory, renamed over @path. A reader sees the
 * old or the new contents, never a mix; off tmpfs the file and the directory
 * are synced so a crash loses neither.
 *
 * Returns: %TRUE on success; on failure @path is untouched and no temporary is left
 */
gboolean
hermes_safe_file_replace(const gchar *root,
			 const gchar *path,
			 const gchar *contents,
			 gssize length,
			 guint mode,
			 GError **error)
{
	g_autofree gchar *base = NULL;
	g_autofree gchar *tmp = NULL;
	gsize len;
	gboolean durable;
	gint dir_fd;
	gint fd;

	g_return_val_if_fail(path != NULL, FALSE);
	g_return_val_if_fail(contents != NULL || length == 0, FALSE);
	len = length < 0 ? strlen(contents) : (gsize)length;
	dir_fd = hermes_safe_open_parent(root, path, &base, error);
	if (dir_fd < 0)
		return FALSE;
	durable = !hermes_safe_fd_is_volatile(dir_fd);
	/* what a writer killed earlier left of this file goes first */
	hermes_safe_temp_sweep(dir_fd, base);
	fd = hermes_safe_temp_create(dir_fd, base, mode, &tmp);
	if (fd < 0) {
		hermes_error_set_errno(
			error, errno, "cannot create a temporary file next to %s", path);
		close(dir_fd);
		return FALSE;
	}
	if (!hermes_safe_fill_temp(fd, durable, contents, len, mode, path, error)) {
		close(fd);
		if (tmp != NULL)
			unlinkat(dir_fd, tmp, 0);
		close(dir_fd);
		return FALSE;
	}
	if (!hermes_safe_temp_publish(fd, tmp, dir_fd, base)) {
		gint errsv = errno;
		close(fd);
		close(dir_fd);
		hermes_error_set_errno(error, errsv, "cannot replace %s", path);
		return FALSE;
	}
	/* the lock on the temporary ends only now that it has no name of its own */
	close(fd);
	if (durable && fsync(dir_fd) != 0) {
		gint errsv = errno;
		close(dir_fd);
		hermes_error_set_errno(error, errsv, "cannot sync the directory of %s", path);
		return FALSE;
	}
	close(dir_fd);
	return TRUE;
}

/**
 * hermes_safe_file_open_append:
 * @root: (nullable): the trusted root; %NULL for the parent of @path
 * @path: a log file beneath @root, created with @mode when missing
 * @mode: permission bits for a new file
 * @error: return location for a #GError
 *
 * Returns: a write-only, append-only fd of a regular file, or -1 with @error set
 */
gint
hermes_safe_file_open_append(const gchar *root, const gchar *path, guint mode, GError **error)
{
	g_autofree gchar *base = NULL;
	gint dir_fd;
	gint fd;

	g_return_val_if_fail(path != NULL, -1);
	dir_fd = hermes_safe_open_parent(root, path, &base, error);
	if (dir_fd < 0)
		return -1;
	fd = openat(dir_fd,
		    base,
		    O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC,
		    (mode_t)(mode & 07777));
	close(dir_fd);
	if (fd < 0) {
		hermes_safe_set_open_error(error, errno, path);
		return -1;
	}
	if (!hermes_safe_check_regular(fd, 0, path, error) ||
	    !hermes_safe_check_single_link(fd, path, error)) {
		close(fd);
		return -1;
	}
	/* a regular file never blocks; drop the flag so short writes cannot surprise */
	fcntl(fd, F_SETFL, O_WRONLY | O_APPEND);
	return fd;
}

/**
 * hermes_safe_file_unlink:
 * @root: (nullable): the trusted root; %NULL for the parent of @path
 * @path: a file (or link) beneath @root; a missing one is not an error
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_safe_file_unlink(const gchar *root, const gchar *path, GError **error)
{
	g_autofree gchar *base = NULL;
	g_autoptr(GError) error_local = NULL;
	gint dir_fd;

	g_return_val_if_fail(path != NULL, FALSE);
	dir_fd = hermes_safe_open_parent(root, path, &base, &error_local);
	if (dir_fd < 0) {
		if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND))
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	if (unlinkat(dir_fd, base, 0) != 0 && errno != ENOENT) {
		hermes_error_set_errno(error, errno, "cannot remove %s", path);
		close(dir_fd);
		return FALSE;
	}
	close(dir_fd);
	return TRUE;
}

static gboolean
hermes_safe_remove_at(
	gint dir_fd, const gchar *name, guint depth, const gchar *display, GError **error);

static gboolean
hermes_safe_remove_children(gint fd, guint depth, const gchar *display, GError **error)
{
	DIR *dir = fdopendir(fd);
	struct dirent *entry;
	gboolean ok = TRUE;

	if (dir == NULL) {
		hermes_error_set_errno(error, errno, "cannot list %s", display);
		close(fd);
		return FALSE;
	}
	while (ok && (entry = readdir(dir)) != NULL) {
		if (g_strcmp0(entry->d_name, ".") == 0 || g_strcmp0(entry->d_name, "..") == 0)
			continue;
		ok = hermes_safe_remove_at(dirfd(dir), entry->d_name, depth + 1, display, error);
	}
	closedir(dir);
	return ok;
}

static gboolean
hermes_safe_remove_at(
	gint dir_fd, const gchar *name, guint depth, const gchar *display, GError **error)
{
	struct stat st;

	if (fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno == ENOENT)
			return TRUE;
		hermes_error_set_errno(error, errno, "cannot stat %s/%s", display, name);
		return FALSE;
	}
	if (S_ISDIR(st.st_mode)) {
		gint fd;
		if (depth >= HERMES_SAFE_MAX_DEPTH) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_DATA,
				    "refusing to remove %s: nested deeper than %d directories",
				    display,
				    HERMES_SAFE_MAX_DEPTH);
			return FALSE;
		}
		fd = openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			hermes_error_set_errno(error, errno, "cannot open %s/%s", display, name);
			return FALSE;
		}
		if (!hermes_safe_remove_children(fd, depth, display, error))
			return FALSE;
		if (unlinkat(dir_fd, name, AT_REMOVEDIR) != 0 && errno != ENOENT) {
			hermes_error_set_errno(error, errno, "cannot remove %s/%s", display, name);
			return FALSE;
		}
		return TRUE;
	}
	if (unlinkat(dir_fd, name, 0) != 0 && errno != ENOENT) {
		hermes_error_set_errno(error, errno, "cannot remove %s/%s", display, name);
		return FALSE;
	}
	return TRUE;
}

/**
 * hermes_safe_remove_tree:
 * @root: (nullable): the trusted root; %NULL for the parent of @path
 * @path: a file or directory beneath @root; a missing one is not an error
 * @error: return location for a #GError
 *
 * Removes @path and everything below it through directory fds: a link is
 * removed, never followed, and a directory swapped for a link halfway is not
 * entered.
 *
 * Returns: %TRUE on success
 */
gboolean
hermes_safe_remove_tree(const gchar *root, const gchar *path, GError **error)
{
	g_autofree gchar *base = NULL;
	g_autoptr(GError) error_local = NULL;
	gboolean ok;
	gint dir_fd;

	g_return_val_if_fail(path != NULL, FALSE);
	dir_fd = hermes_safe_open_parent(root, path, &base, &error_local);
	if (dir_fd < 0) {
		if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND))
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	ok = hermes_safe_remove_at(dir_fd, base, 0, path, error);
	close(dir_fd);
	return ok;
}
