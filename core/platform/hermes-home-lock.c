/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * One writer per home at a time. `boot reconcile` (and later the gateway
 * control module) takes an exclusive flock on `<home>/run/<name>` for as
 * long as it changes things, so two of them never delete each other's
 * staging directories. The wait is bounded; the error names the holder's
 * pid, which the holder writes into the file once it has the lock. The
 * kernel drops the lock when the holder dies, so a crash leaves nothing
 * to clean up. flock works across pid namespaces on a shared local
 * filesystem, so two containers on one volume are serialised too.
 *
 * Files are opened through a directory fd reached beneath the trusted root
 * without links (hermes_safe_open_dir()), with O_NOFOLLOW, and must be
 * regular files.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-home-lock.h"
#include "hermes-safe-file.h"

/* how often a waiter looks again */
#define HERMES_HOME_LOCK_POLL_MS 20

struct _HermesHomeLock {
	gint fd;
	gchar *path;
};

/*
 * hermes_home_lock_open_file:
 * @root: (nullable): the trusted root @dir lies beneath
 * @dir: a directory at or beneath @root
 * @name: a file name in @dir (no slash)
 * @flags: open flags (O_RDWR, O_CREAT, O_EXCL…); O_NOFOLLOW and O_CLOEXEC are added
 * @mode: permission bits for a new file
 * @error: return location for a #GError
 *
 * Returns: an fd of a regular file, or -1 with @error set (an existing
 *   file with O_EXCL is %HERMES_ERROR_ALREADY_EXISTS)
 */
gint
hermes_home_lock_open_file(const gchar *root,
			   const gchar *dir,
			   const gchar *name,
			   gint flags,
			   guint mode,
			   GError **error)
{
	struct stat st;
	gint dir_fd;
	gint fd;

	g_return_val_if_fail(dir != NULL, -1);
	g_return_val_if_fail(name != NULL && strchr(name, '/') == NULL, -1);
	dir_fd = hermes_safe_open_dir(root, dir, error);
	if (dir_fd < 0)
		return -1;
	fd = openat(dir_fd,
		    name,
		    flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		    (mode_t)(mode & 07777));
	if (fd < 0) {
		gint errsv = errno;
		close(dir_fd);
		if (errsv == ELOOP)
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_PERMISSION_DENIED,
				    "refusing %s/%s: it is a symbolic link",
				    dir,
				    name);
		else
			hermes_error_set_errno(error, errsv, "cannot open %s/%s", dir, name);
		return -1;
	}
	close(dir_fd);
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "refusing %s/%s: not a regular file",
			    dir,
			    name);
		return -1;
	}
	/* a regular file never blocks */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* <home>/run, created when missing; never through a link */
static gboolean
hermes_home_lock_ensure_dir(const gchar *root, const gchar *home, GError **error)
{
	gint home_fd = hermes_safe_open_dir(root, home, error);
	if (home_fd < 0)
		return FALSE;
	if (mkdirat(home_fd, HERMES_HOME_LOCK_DIR, 0755) != 0 && errno != EEXIST) {
		hermes_error_set_errno(
			error, errno, "cannot create %s/%s", home, HERMES_HOME_LOCK_DIR);
		close(home_fd);
		return FALSE;
	}
	close(home_fd);
	return TRUE;
}

/* the pid the holder wrote, or 0 */
static gint64
hermes_home_lock_read_holder(gint fd)
{
	gchar buf[32] = {0};
	gssize n = pread(fd, buf, sizeof(buf) - 1, 0);
	guint64 pid = 0;
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (!g_ascii_string_to_unsigned(g_strstrip(buf), 10, 1, G_MAXINT32, &pid, NULL))
		return 0;
	return (gint64)pid;
}

static gboolean
hermes_home_lock_wait(gint fd, const gchar *path, guint timeout_ms, GError **error)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	gint64 holder;

	while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK) {
			hermes_error_set_errno(error, errno, "cannot lock %s", path);
			return FALSE;
		}
		if (g_get_monotonic_time() >= deadline) {
			holder = hermes_home_lock_read_holder(fd);
			if (holder > 0)
				g_set_error(error,
					    HERMES_ERROR,
					    HERMES_ERROR_BUSY,
					    "%s is still held by pid %" G_GINT64_FORMAT
					    " after %u s; try again when it is done",
					    path,
					    holder,
					    timeout_ms / 1000);
			else
				g_set_error(error,
					    HERMES_ERROR,
					    HERMES_ERROR_BUSY,
					    "%s is still held by another process after %u s; try "
					    "again when it is done",
					    path,
					    timeout_ms / 1000);
			return FALSE;
		}
		g_usleep(HERMES_HOME_LOCK_POLL_MS * 1000);
	}
	return TRUE;
}

/*
 * hermes_home_lock_acquire:
 * @root: (nullable): the trusted root @home lies beneath (the profile root)
 * @home: the home to serialise
 * @name: the lock's file name in `<home>/run/`, e.g. %HERMES_HOME_LOCK_RECONCILE
 * @timeout_ms: how long to wait for another holder
 * @error: %HERMES_ERROR_BUSY when the wait ran out
 *
 * Returns: (transfer full): the held lock; hermes_home_lock_release() drops it
 */
HermesHomeLock *
hermes_home_lock_acquire(
	const gchar *root, const gchar *home, const gchar *name, guint timeout_ms, GError **error)
{
	g_autofree gchar *dir = NULL;
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error_local = NULL;
	HermesHomeLock *self;
	gint fd;

	g_return_val_if_fail(home != NULL, NULL);
	g_return_val_if_fail(name != NULL, NULL);
	if (!hermes_home_lock_ensure_dir(root, home, error))
		return NULL;
	dir = g_build_filename(home, HERMES_HOME_LOCK_DIR, NULL);
	fd = hermes_home_lock_open_file(root, dir, name, O_RDWR | O_CREAT, 0644, &error_local);
	/*
	 * flock() needs no write access: one who may act on the tree but not
	 * write its run/ (a member of a root tree's group) waits on the same
	 * lock through a read-only descriptor
	 */
	if (fd < 0 && g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED)) {
		g_clear_error(&error_local);
		fd = hermes_home_lock_open_file(root, dir, name, O_RDONLY, 0, &error_local);
	}
	if (fd < 0) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return NULL;
	}
	self = g_new0(HermesHomeLock, 1);
	self->fd = fd;
	self->path = g_build_filename(dir, name, NULL);
	if (!hermes_home_lock_wait(fd, self->path, timeout_ms, error)) {
		hermes_home_lock_release(self);
		return NULL;
	}
	/* for the next waiter's error message only */
	text = g_strdup_printf("%d\n", (gint)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, text, strlen(text), 0) < 0)
		g_debug("cannot record our pid in %s: %s", self->path, g_strerror(errno));
	return self;
}

/*
 * hermes_home_lock_release:
 * @self: (nullable) (transfer full): a lock from hermes_home_lock_acquire()
 */
void
hermes_home_lock_release(HermesHomeLock *self)
{
	if (self == NULL)
		return;
	if (self->fd >= 0)
		close(self->fd);
	g_free(self->path);
	g_free(self);
}
