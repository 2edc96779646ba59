/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-platform.h"

void
hermes_user_free(HermesUser *user)
{
	if (user == NULL)
		return;
	g_free(user->name);
	g_free(user->home);
	g_free(user);
}

/* resolved at run time: a remapped uid must never be baked in */
HermesUser *
hermes_platform_lookup_user(const gchar *name, GError **error)
{
	struct passwd pwd;
	struct passwd *result = NULL;
	g_autofree gchar *buf = NULL;
	gsize bufsz = 16384;
	gint rc;
	HermesUser *user;

	buf = g_malloc(bufsz);
	rc = getpwnam_r(name, &pwd, buf, bufsz, &result);
	if (rc != 0) {
		hermes_error_set_errno(error, rc, "cannot look up user '%s'", name);
		return NULL;
	}
	if (result == NULL) {
		g_set_error(error, HERMES_ERROR, HERMES_ERROR_NOT_FOUND, "no such user '%s'", name);
		return NULL;
	}
	user = g_new0(HermesUser, 1);
	user->name = g_strdup(pwd.pw_name);
	user->uid = pwd.pw_uid;
	user->gid = pwd.pw_gid;
	user->home = g_strdup(pwd.pw_dir);
	return user;
}

guint32
hermes_platform_get_euid(void)
{
	return geteuid();
}

static gboolean
hermes_platform_check_stat(const struct stat *st,
			   gboolean want_dir,
			   const gchar *what,
			   GError **error)
{
	if (want_dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "%s is not a regular %s",
			    what,
			    want_dir ? "directory" : "file");
		return FALSE;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "%s is owned by uid %u, which is neither root nor the current user",
			    what,
			    (guint)st->st_uid);
		return FALSE;
	}
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "%s is writable by %s (mode %04o)",
			    what,
			    (st->st_mode & S_IWOTH) != 0 ? "others" : "its group",
			    (guint)(st->st_mode & 07777));
		return FALSE;
	}
	return TRUE;
}

/* checks the open file, not the name, so the file cannot be swapped after the check */
gboolean
hermes_platform_check_trusted(gint fd, const gchar *what, GError **error)
{
	struct stat st;
	if (fstat(fd, &st) != 0) {
		hermes_error_set_errno(error, errno, "cannot stat %s", what);
		return FALSE;
	}
	return hermes_platform_check_stat(&st, FALSE, what, error);
}

gboolean
hermes_platform_check_trusted_dir(const gchar *path, GError **error)
{
	struct stat st;
	g_autofree gchar *what = g_strdup_printf("directory %s", path);
	if (stat(path, &st) != 0) {
		hermes_error_set_errno(error, errno, "cannot stat %s", what);
		return FALSE;
	}
	return hermes_platform_check_stat(&st, TRUE, what, error);
}

gboolean
hermes_platform_rename_noreplace(const gchar *from, const gchar *to, GError **error)
{
#ifdef RENAME_NOREPLACE
	if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
		return TRUE;
	if (errno != EINVAL && errno != ENOSYS) {
		hermes_error_set_errno(error, errno, "cannot rename %s to %s", from, to);
		return FALSE;
	}
#endif
	/* the filesystem cannot do it atomically: check (a dangling link counts), then rename */
	if (g_file_test(to, G_FILE_TEST_EXISTS) || g_file_test(to, G_FILE_TEST_IS_SYMLINK)) {
		hermes_error_set_errno(error, EEXIST, "cannot rename %s to %s", from, to);
		return FALSE;
	}
	if (rename(from, to) != 0) {
		hermes_error_set_errno(error, errno, "cannot rename %s to %s", from, to);
		return FALSE;
	}
	return TRUE;
}

gboolean
hermes_platform_fsync_dir(const gchar *dir, GError **error)
{
	gint fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		hermes_error_set_errno(error, errno, "cannot open directory %s", dir);
		return FALSE;
	}
	if (fsync(fd) != 0 && errno != EINVAL) {
		gint errsv = errno;
		close(fd);
		hermes_error_set_errno(error, errsv, "cannot sync directory %s", dir);
		return FALSE;
	}
	close(fd);
	return TRUE;
}
