/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The temporary behind an atomic replace, and what a killed writer leaves.
 *
 * The file is made unnamed (O_TMPFILE) in the target's directory, filled,
 * and only then given a dot-prefixed name (`.<base>.<8 hex>`) to rename over
 * the target: a writer killed while writing leaves nothing at all. Between
 * the link and the rename it would leave the name, so the writer holds an
 * flock on the file from before it has a name until after the rename; the
 * next writer of the same file removes every such name whose lock is free,
 * which only a dead writer's can be. Where the file system has no O_TMPFILE
 * the temporary is named from the start (`.<base>.tmp-<8 hex>`), as before,
 * and never swept: nothing tells a dead writer's apart from one being written.
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-safe-file-private.h"

#define HERMES_SAFE_TEMP_HEX 8

/* an unnamed file in @dir_fd, locked; -1 with errno when the file system cannot */
static gint
hermes_safe_temp_unnamed(gint dir_fd, guint mode)
{
	gint fd = openat(dir_fd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, (mode_t)(mode & 07777));
	if (fd < 0)
		return -1;
	/* held until the rename is done: a free lock on a named temporary means its
	 * writer is gone */
	if (flock(fd, LOCK_EX) != 0) {
		gint errsv = errno;
		close(fd);
		errno = errsv;
		return -1;
	}
	return fd;
}

static gint
hermes_safe_temp_named(gint dir_fd, const gchar *base, guint mode, gchar **name)
{
	for (guint attempt = 0; attempt < 100; attempt++) {
		g_autofree gchar *tmp = g_strdup_printf(".%s.tmp-%08x", base, g_random_int());
		gint fd = openat(dir_fd,
				 tmp,
				 O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				 (mode_t)(mode & 07777));
		if (fd >= 0) {
			*name = g_steal_pointer(&tmp);
			return fd;
		}
		if (errno != EEXIST)
			return -1;
	}
	errno = EEXIST;
	return -1;
}

/**
 * hermes_safe_temp_create:
 * @dir_fd: the target's directory
 * @base: the target's name in it
 * @mode: permission bits
 * @name: (out): %NULL for an unnamed file, else the temporary's name
 *
 * Returns: a writable fd, or -1 with errno set
 */
gint
hermes_safe_temp_create(gint dir_fd, const gchar *base, guint mode, gchar **name)
{
	gint fd = hermes_safe_temp_unnamed(dir_fd, mode);
	*name = NULL;
	if (fd >= 0)
		return fd;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL && errno != ENOENT)
		return -1;
	return hermes_safe_temp_named(dir_fd, base, mode, name);
}

/* gives the unnamed @fd a name in @dir_fd: through /proc, else by fd (needs privilege) */
static gboolean
hermes_safe_temp_link(gint fd, gint dir_fd, const gchar *name)
{
	g_autofree gchar *proc = g_strdup_printf("/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, proc, dir_fd, name, AT_SYMLINK_FOLLOW) == 0)
		return TRUE;
	if (errno == EEXIST)
		return FALSE;
	return linkat(fd, "", dir_fd, name, AT_EMPTY_PATH) == 0;
}

/**
 * hermes_safe_temp_publish:
 * @fd: from hermes_safe_temp_create(), filled
 * @name: (nullable): its name, %NULL when it has none yet
 * @dir_fd: the target's directory
 * @base: the target's name
 *
 * Renames the temporary over @base. On failure no name of it is left.
 *
 * Returns: %TRUE on success, else %FALSE with errno set
 */
gboolean
hermes_safe_temp_publish(gint fd, const gchar *name, gint dir_fd, const gchar *base)
{
	g_autofree gchar *linked = NULL;
	gint errsv;

	if (name == NULL) {
		for (guint attempt = 0; attempt < 100 && linked == NULL; attempt++) {
			g_autofree gchar *try = g_strdup_printf(
				".%s.%0*x", base, HERMES_SAFE_TEMP_HEX, g_random_int());
			if (hermes_safe_temp_link(fd, dir_fd, try))
				linked = g_steal_pointer(&try);
			else if (errno != EEXIST)
				return FALSE;
		}
		if (linked == NULL) {
			errno = EEXIST;
			return FALSE;
		}
		name = linked;
	}
	if (renameat(dir_fd, name, dir_fd, base) == 0)
		return TRUE;
	errsv = errno;
	unlinkat(dir_fd, name, 0);
	errno = errsv;
	return FALSE;
}

/* `.<base>.` and exactly eight lowercase hex digits: a linked unnamed temporary */
static gboolean
hermes_safe_temp_is_ours(const gchar *entry, const gchar *base)
{
	gsize n = strlen(base);
	if (entry[0] != '.' || strncmp(entry + 1, base, n) != 0 || entry[n + 1] != '.')
		return FALSE;
	entry += n + 2;
	for (guint i = 0; i < HERMES_SAFE_TEMP_HEX; i++) {
		if (!g_ascii_isxdigit(entry[i]) || g_ascii_isupper(entry[i]))
			return FALSE;
	}
	return entry[HERMES_SAFE_TEMP_HEX] == '\0';
}

/* removes @entry if no writer holds it: only a killed writer's is left unlocked */
static void
hermes_safe_temp_sweep_one(gint dir_fd, const gchar *entry)
{
	struct stat held;
	struct stat now;
	gint fd = openat(dir_fd, entry, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &held) == 0 && S_ISREG(held.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
	    fstatat(dir_fd, entry, &now, AT_SYMLINK_NOFOLLOW) == 0 && now.st_ino == held.st_ino &&
	    now.st_dev == held.st_dev)
		unlinkat(dir_fd, entry, 0);
	close(fd);
}

/**
 * hermes_safe_temp_sweep:
 * @dir_fd: a directory
 * @base: a file name in it
 *
 * Removes the temporaries of @base that killed writers left behind.
 */
void
hermes_safe_temp_sweep(gint dir_fd, const gchar *base)
{
	gint fd = openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *entry;
	if (dir == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((entry = readdir(dir)) != NULL) {
		if (hermes_safe_temp_is_ours(entry->d_name, base))
			hermes_safe_temp_sweep_one(dir_fd, entry->d_name);
	}
	closedir(dir);
}
