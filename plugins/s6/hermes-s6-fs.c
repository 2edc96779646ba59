/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The s6 tree as files a user may control: every open under a scan
 * directory goes through the safe file layer or an O_NOFOLLOW openat on a
 * directory fd it opened, and the supervisor's liveness comes from its
 * supervise/lock. What root refuses to run is hermes-s6-trust.c.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-platform.h"
#include "hermes-s6-fs.h"

/**
 * hermes_s6_open_beneath_fd:
 * @dir_fd: an opened directory (not closed)
 * @rel: a relative path below @dir_fd; every component is opened O_NOFOLLOW
 * @flags: open flags for the last component
 *
 * Returns: an fd, or -1 with errno set
 */
gint
hermes_s6_open_beneath_fd(gint dir_fd, const gchar *rel, gint flags)
{
	gint fd = dir_fd;

	for (const gchar *part = rel; part != NULL;) {
		const gchar *slash = strchr(part, '/');
		g_autofree gchar *name = slash != NULL ? g_strndup(part, slash - part) : NULL;
		const gchar *component = name != NULL ? name : part;
		gboolean last = slash == NULL;
		gint next;
		gint errsv;
		if (component[0] == '\0' || g_strcmp0(component, "..") == 0) {
			if (fd != dir_fd)
				close(fd);
			errno = EINVAL;
			return -1;
		}
		next = openat(fd,
			      component,
			      /* O_PATH: a group may traverse supervise/ (0710), not read it */
			      (last ? flags : O_PATH | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC);
		errsv = errno;
		if (fd != dir_fd)
			close(fd);
		if (next < 0) {
			errno = errsv;
			return -1;
		}
		fd = next;
		part = slash != NULL ? slash + 1 : NULL;
	}
	return fd;
}

/**
 * hermes_s6_open_beneath:
 * @root: the trusted directory (the scan directory)
 * @dir: a directory at or beneath @root, opened without following links
 * @rel: a relative path below @dir; every component is opened O_NOFOLLOW
 * @flags: open flags for the last component
 *
 * Returns: an fd, or -1 with errno set
 */
gint
hermes_s6_open_beneath(const gchar *root, const gchar *dir, const gchar *rel, gint flags)
{
	g_autoptr(GError) error_local = NULL;
	gint fd = hermes_safe_open_dir(root, dir, &error_local);
	gint sub;
	gint errsv;

	if (fd < 0) {
		errno = g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND) ? ENOENT
			: g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED)
				? EACCES
				: EIO;
		return -1;
	}
	sub = hermes_s6_open_beneath_fd(fd, rel, flags);
	errsv = errno;
	close(fd);
	errno = errsv;
	return sub;
}

/* F_GETLK on @fd, which it closes */
static HermesS6LockState
hermes_s6_lock_test(gint fd)
{
	struct flock fl = {0};
	gboolean held;
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) != 0) {
		close(fd);
		return HERMES_S6_LOCK_UNKNOWN;
	}
	held = fl.l_type != F_UNLCK;
	close(fd);
	return held ? HERMES_S6_LOCK_HELD : HERMES_S6_LOCK_FREE;
}

/**
 * hermes_s6_lock_state:
 * @scandir: the scan directory
 * @dir: a slot (or its log/) at or beneath @scandir
 *
 * s6-supervise holds a POSIX lock on supervise/lock for as long as it
 * lives, so a free lock is a dead supervisor, whatever supervise/status
 * still says. flock() would not see that lock; F_GETLK does, read-only.
 *
 * Returns: what the lock says
 */
HermesS6LockState
hermes_s6_lock_state(const gchar *scandir, const gchar *dir)
{
	gint fd = hermes_s6_open_beneath(scandir, dir, "supervise/lock", O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? HERMES_S6_LOCK_ABSENT : HERMES_S6_LOCK_UNKNOWN;
	return hermes_s6_lock_test(fd);
}

/**
 * hermes_s6_lock_state_at:
 * @supervise_fd: a slot's supervise/ opened through the safe file layer, or -1
 *
 * hermes_s6_lock_state() for a reader that holds supervise/ open already.
 *
 * Returns: what the lock says (%HERMES_S6_LOCK_ABSENT for -1)
 */
HermesS6LockState
hermes_s6_lock_state_at(gint supervise_fd)
{
	gint fd;
	if (supervise_fd < 0)
		return HERMES_S6_LOCK_ABSENT;
	fd = openat(supervise_fd, "lock", O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? HERMES_S6_LOCK_ABSENT : HERMES_S6_LOCK_UNKNOWN;
	return hermes_s6_lock_test(fd);
}

/**
 * hermes_s6_scandir_lock:
 * @scandir: the scan directory
 * @timeout_ms: how long to wait for another holder
 * @error: %HERMES_ERROR_BUSY when the wait ran out
 *
 * One process at a time changes what s6-svscan is shown: building,
 * publishing and sweeping slots, starting the embedded scanner. Without it,
 * two `gateway start`s each start an s6-svscan (one dies at once and its
 * command fails), and a registration sweeps another's staging directory as
 * a leftover. The lock is an flock on the scan directory itself (s6 takes
 * none there), so the kernel drops it when a holder is killed.
 *
 * Returns: the fd holding the lock (closing it unlocks), or -1 with @error set
 */
gint
hermes_s6_scandir_lock(const gchar *scandir, guint timeout_ms, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	/* the scan directory as its own root: a batch holding it open pays no walk */
	gint fd = hermes_safe_open_dir(scandir, scandir, error);
	if (fd < 0)
		return -1;
	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		gint errsv = errno;
		if (errsv == EINTR)
			continue;
		if (errsv != EWOULDBLOCK || g_get_monotonic_time() >= deadline) {
			close(fd);
			if (errsv == EWOULDBLOCK)
				g_set_error(
					error,
					HERMES_ERROR,
					HERMES_ERROR_BUSY,
					"another hermes has been changing %s for %u s; try again "
					"when it is done",
					scandir,
					timeout_ms / 1000);
			else
				hermes_error_set_errno(error, errsv, "cannot lock %s", scandir);
			return -1;
		}
		g_usleep(10 * 1000);
	}
	return fd;
}

/* no s6-supervise holds the slot or its logger */
gboolean
hermes_s6_slot_released(const gchar *scandir, const gchar *dir)
{
	g_autofree gchar *log_dir = g_build_filename(dir, "log", NULL);
	return hermes_s6_lock_state(scandir, dir) != HERMES_S6_LOCK_HELD &&
	       hermes_s6_lock_state(scandir, log_dir) != HERMES_S6_LOCK_HELD;
}

/* lstat beneath @scandir: a link counts as present, never followed */
gboolean
hermes_s6_path_exists(const gchar *scandir, const gchar *path)
{
	struct stat st;
	return hermes_safe_file_stat(scandir, path, &st, NULL);
}

gchar *
hermes_s6_user_name(guint uid)
{
	struct passwd pwbuf;
	struct passwd *pw = NULL;
	gchar buf[4096];
	if (getpwuid_r((uid_t)uid, &pwbuf, buf, sizeof(buf), &pw) != 0 || pw == NULL)
		return g_strdup_printf("uid %u", uid);
	return g_strdup(pw->pw_name);
}
