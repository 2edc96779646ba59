/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The safe file layer: every file hermes-svc reads or writes under a home, a
 * scandir or a backend directory goes through here, because a user controls
 * those trees and hermes may run as root over them.
 *
 * Rules (systemd's chase() and openat2(2) are the model):
 *  - a path is resolved beneath a trusted root with RESOLVE_BENEATH |
 *    RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS; where openat2 is missing
 *    (old kernel, seccomp) an O_NOFOLLOW walk one component at a time does the
 *    same. The root itself is the caller's choice and may be a symlink.
 *  - files are opened O_NONBLOCK | O_CLOEXEC | O_NOCTTY, then fstat'ed: only a
 *    regular file within its size cap is read, so a FIFO cannot hang us and
 *    /dev/zero cannot eat the memory.
 *  - writes replace atomically inside the already-opened directory fd
 *    (temporary + renameat), appends go only through an fd opened the same way,
 *    and removal never follows a link.
 *
 * A %NULL root means "the directory that holds the file", which guards only
 * the last component: callers that know the home pass it.
 *
 * This file resolves and reads; hermes-safe-write.c replaces, appends and
 * removes.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-safe-file-private.h"
#include "hermes-safe-file.h"

/* 1: openat2 works, 0: unknown, -1: missing or filtered */
static gint hermes_safe_have_openat2 = 0;

typedef struct {
	gint root_fd;
	gboolean root_held; /* root_fd belongs to the thread's held roots */
	gchar *rel;	    /* "." for the root itself */
	const gchar *display;
} HermesSafePath;

/*
 * Roots held open by one thread for the length of a batch (a boot
 * reconcile of 1000 profiles resolves ~10 files a profile below the same
 * two roots: an open and a close of the root each time were a fifth of
 * its system calls). Per thread, so a long-lived daemon's other threads
 * keep opening the root by name at each call; the batch sees a root that
 * was renamed meanwhile as it was when first resolved, like an fd it had
 * opened at its start.
 */
#define HERMES_SAFE_HELD_ROOTS_MAX 16
static GPrivate hermes_safe_held_roots = G_PRIVATE_INIT((GDestroyNotify)g_hash_table_unref);

static void
hermes_safe_close_fd(gpointer fd)
{
	close(GPOINTER_TO_INT(fd));
}

/**
 * hermes_safe_roots_hold:
 *
 * From now until hermes_safe_roots_release() on this thread, a trusted
 * root named by its path is opened once and kept. Holds do not nest: a
 * batch run inside another (a status read inside a reconcile) finds the
 * roots held already, gets %FALSE, and must leave the release to the outer.
 *
 * Returns: %TRUE when this call began the hold (the caller releases it)
 */
gboolean
hermes_safe_roots_hold(void)
{
	if (g_private_get(&hermes_safe_held_roots) != NULL)
		return FALSE;
	g_private_replace(
		&hermes_safe_held_roots,
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, hermes_safe_close_fd));
	return TRUE;
}

/**
 * hermes_safe_roots_release:
 *
 * Closes the roots this thread held; later calls open them by name again.
 */
void
hermes_safe_roots_release(void)
{
	g_private_replace(&hermes_safe_held_roots, NULL);
}

/* an O_PATH fd of @root_dir, held when this thread holds roots */
static gint
hermes_safe_open_root(const gchar *root_dir, gboolean *held)
{
	GHashTable *roots = g_private_get(&hermes_safe_held_roots);
	gpointer fd_ptr;
	gint fd;

	*held = FALSE;
	if (roots != NULL && g_hash_table_lookup_extended(roots, root_dir, NULL, &fd_ptr)) {
		*held = TRUE;
		return GPOINTER_TO_INT(fd_ptr);
	}
	fd = open(root_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && roots != NULL && g_hash_table_size(roots) < HERMES_SAFE_HELD_ROOTS_MAX) {
		g_hash_table_insert(roots, g_strdup(root_dir), GINT_TO_POINTER(fd));
		*held = TRUE;
	}
	return fd;
}

static void
hermes_safe_path_clear(HermesSafePath *p)
{
	if (p->root_fd >= 0 && !p->root_held)
		close(p->root_fd);
	p->root_fd = -1;
	p->root_held = FALSE;
	g_clear_pointer(&p->rel, g_free);
}

static gboolean
hermes_safe_rel_is_clean(const gchar *rel)
{
	/* no `..` component; scanned in place, as it runs for every file touched */
	for (const gchar *c = rel; *c != '\0';) {
		const gchar *end = strchrnul(c, '/');
		if (end - c == 2 && c[0] == '.' && c[1] == '.')
			return FALSE;
		c = *end == '/' ? end + 1 : end;
	}
	return TRUE;
}

/* whether @path ends in a file name, not in `/`, `.` or `..` */
static gboolean
hermes_safe_is_plain_name(const gchar *path)
{
	const gchar *base = strrchr(path, '/');
	base = base != NULL ? base + 1 : path;
	return base[0] != '\0' && g_strcmp0(base, ".") != 0 && g_strcmp0(base, "..") != 0;
}

/* splits @path into an open trusted root and the part below it */
static gboolean
hermes_safe_path_init(HermesSafePath *p, const gchar *root, const gchar *path, GError **error)
{
	g_autofree gchar *root_dir = NULL;
	gsize root_len;

	p->root_fd = -1;
	p->root_held = FALSE;
	p->rel = NULL;
	p->display = path;
	if (root == NULL) {
		root_dir = g_path_get_dirname(path);
		p->rel = g_path_get_basename(path);
	} else {
		root_dir = g_strdup(root);
		root_len = strlen(root_dir);
		while (root_len > 1 && root_dir[root_len - 1] == '/')
			root_dir[--root_len] = '\0';
		if (!g_path_is_absolute(path)) {
			p->rel = g_strdup(path);
		} else if (g_strcmp0(path, root_dir) == 0) {
			p->rel = g_strdup(".");
		} else if (g_str_has_prefix(path, root_dir) &&
			   (path[root_len] == '/' || g_strcmp0(root_dir, "/") == 0)) {
			const gchar *rest = path + root_len;
			while (*rest == '/')
				rest++;
			p->rel = g_strdup(*rest == '\0' ? "." : rest);
		} else {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_PERMISSION_DENIED,
				    "refusing %s: it is not beneath %s",
				    path,
				    root_dir);
			return FALSE;
		}
	}
	if (!hermes_safe_rel_is_clean(p->rel)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "refusing %s: the path climbs out with '..'",
			    path);
		return FALSE;
	}
	/* only a root the caller named is held: the parents of files are many */
	if (root != NULL)
		p->root_fd = hermes_safe_open_root(root_dir, &p->root_held);
	else
		p->root_fd = open(root_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (p->root_fd < 0) {
		if (root == NULL)
			hermes_error_set_errno(
				error, errno, "cannot open the directory of %s", path);
		else
			hermes_error_set_errno(error, errno, "cannot open %s", root_dir);
		return FALSE;
	}
	return TRUE;
}

void
hermes_safe_set_open_error(GError **error, gint errsv, const gchar *display)
{
	if (errsv == ELOOP || errsv == EXDEV) {
		g_set_error(
			error,
			HERMES_ERROR,
			HERMES_ERROR_PERMISSION_DENIED,
			"refusing %s: a symbolic link is in the way (hermes never follows links "
			"under a home)",
			display);
		return;
	}
	if (errsv == ENXIO) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "refusing %s: not a regular file",
			    display);
		return;
	}
	hermes_error_set_errno(error, errsv, "cannot open %s", display);
}

/* the O_NOFOLLOW walk for kernels without openat2; sets errno like openat2 would */
static gint
hermes_safe_walk(gint root_fd, const gchar *rel, gint flags, guint mode)
{
	g_auto(GStrv) parts = g_strsplit(rel, "/", -1);
	gint dir_fd = dup(root_fd);
	gint last = -1;
	gint fd;

	if (dir_fd < 0)
		return -1;
	for (guint i = 0; parts[i] != NULL; i++) {
		if (parts[i][0] != '\0' && g_strcmp0(parts[i], ".") != 0)
			last = (gint)i;
	}
	if (last < 0) {
		fd = openat(dir_fd, ".", flags | O_NOFOLLOW, mode);
		close(dir_fd);
		return fd;
	}
	for (gint i = 0; i < last; i++) {
		gint next;
		if (parts[i][0] == '\0' || g_strcmp0(parts[i], ".") == 0)
			continue;
		next = openat(dir_fd, parts[i], O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			gint errsv = errno;
			struct stat st;
			/* report a link as a link, as openat2 does */
			if (errsv == ENOTDIR &&
			    fstatat(dir_fd, parts[i], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				errsv = ELOOP;
			close(dir_fd);
			errno = errsv;
			return -1;
		}
		close(dir_fd);
		dir_fd = next;
	}
	fd = openat(dir_fd, parts[last], flags | O_NOFOLLOW, mode);
	if (fd < 0) {
		gint errsv = errno;
		struct stat st;
		if (errsv == ENOTDIR &&
		    fstatat(dir_fd, parts[last], &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			errsv = ELOOP;
		close(dir_fd);
		errno = errsv;
		return -1;
	}
	close(dir_fd);
	return fd;
}

static gint
hermes_safe_openat(gint root_fd, const gchar *rel, gint flags, guint mode)
{
	if (g_atomic_int_get(&hermes_safe_have_openat2) >= 0) {
		struct open_how how = {
			.flags = (guint64)(flags | O_CLOEXEC),
			.mode = (flags & (O_CREAT | O_TMPFILE)) != 0 ? mode : 0,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
		};
		glong fd = syscall(SYS_openat2, root_fd, rel, &how, sizeof(how));
		if (fd >= 0 || (errno != ENOSYS && errno != EPERM && errno != E2BIG)) {
			g_atomic_int_set(&hermes_safe_have_openat2, 1);
			return (gint)fd;
		}
		/* EPERM can be a real answer; only a first-ever failure switches modes */
		if (errno == EPERM && g_atomic_int_get(&hermes_safe_have_openat2) == 1)
			return -1;
		g_atomic_int_set(&hermes_safe_have_openat2, -1);
	}
	return hermes_safe_walk(root_fd, rel, flags | O_CLOEXEC, mode);
}

/**
 * hermes_safe_file_force_walk: (skip)
 * @force: %TRUE to resolve with the O_NOFOLLOW walk even where openat2 works
 *
 * For tests only: the walk is what old kernels and seccomp-filtered sandboxes
 * get, and it must refuse exactly what openat2 refuses.
 */
void
hermes_safe_file_force_walk(gboolean force)
{
	g_atomic_int_set(&hermes_safe_have_openat2, force ? -1 : 0);
}

/**
 * hermes_safe_open_dir:
 * @root: (nullable): the trusted root; %NULL for the parent of @path
 * @path: a directory at or beneath @root
 * @error: return location for a #GError
 *
 * Returns: a directory fd (O_RDONLY, close-on-exec) or -1 with @error set
 */
gint
hermes_safe_open_dir(const gchar *root, const gchar *path, GError **error)
{
	HermesSafePath p;
	gint fd;

	g_return_val_if_fail(path != NULL, -1);
	if (!hermes_safe_path_init(&p, root, path, error)) {
		hermes_safe_path_clear(&p);
		return -1;
	}
	fd = hermes_safe_openat(p.root_fd, p.rel, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		hermes_safe_set_open_error(error, errno, path);
	hermes_safe_path_clear(&p);
	return fd;
}

/* the directory holding @path and the last component's name */
gint
hermes_safe_open_parent(const gchar *root, const gchar *path, gchar **base, GError **error)
{
	g_autofree gchar *dir = g_path_get_dirname(path);
	*base = g_path_get_basename(path);
	if (g_strcmp0(*base, "/") == 0 || g_strcmp0(*base, ".") == 0 ||
	    g_strcmp0(*base, "..") == 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "refusing %s: not a file name",
			    path);
		return -1;
	}
	if (root != NULL && g_path_is_absolute(path) && g_strcmp0(path, root) == 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_ARGUMENT,
			    "refusing %s: it is the root itself",
			    path);
		return -1;
	}
	if (root == NULL) {
		/* the caller trusts the file's own directory, whatever leads to it */
		gint fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			hermes_error_set_errno(
				error, errno, "cannot open the directory of %s", path);
		return fd;
	}
	if (!g_path_is_absolute(path)) {
		g_autofree gchar *full = g_build_filename(root, path, NULL);
		g_autofree gchar *full_dir = g_path_get_dirname(full);
		return hermes_safe_open_dir(root, full_dir, error);
	}
	return hermes_safe_open_dir(root, dir, error);
}

/**
 * hermes_safe_fd_is_volatile:
 * @fd: an open file or directory
 *
 * Returns: %TRUE when @fd lives on tmpfs or ramfs, where fsync buys nothing
 */
gboolean
hermes_safe_fd_is_volatile(gint fd)
{
	struct statfs sfs;
	if (fstatfs(fd, &sfs) != 0)
		return FALSE;
	return sfs.f_type == TMPFS_MAGIC || sfs.f_type == RAMFS_MAGIC;
}

static gboolean
hermes_safe_read_fd(gint fd, gsize max_size, GByteArray *buf, const gchar *display, GError **error)
{
	guint8 chunk[8192];
	for (;;) {
		gssize n = read(fd, chunk, sizeof(chunk));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			hermes_error_set_errno(error, errno, "cannot read %s", display);
			return FALSE;
		}
		if (n == 0)
			return TRUE;
		if (buf->len + (gsize)n > max_size) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_INVALID_DATA,
				    "refusing %s: larger than %" G_GSIZE_FORMAT " bytes",
				    display,
				    max_size);
			return FALSE;
		}
		g_byte_array_append(buf, chunk, (guint)n);
	}
}

static gboolean
hermes_safe_check_regular_stat(
	gint fd, gsize max_size, struct stat *st, const gchar *display, GError **error)
{
	if (fstat(fd, st) != 0) {
		hermes_error_set_errno(error, errno, "cannot stat %s", display);
		return FALSE;
	}
	if (!S_ISREG(st->st_mode)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "refusing %s: not a regular file",
			    display);
		return FALSE;
	}
	if (max_size > 0 && (guint64)st->st_size > max_size) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_INVALID_DATA,
			    "refusing %s: larger than %" G_GSIZE_FORMAT " bytes",
			    display,
			    max_size);
		return FALSE;
	}
	return TRUE;
}

gboolean
hermes_safe_check_regular(gint fd, gsize max_size, const gchar *display, GError **error)
{
	struct stat st;
	return hermes_safe_check_regular_stat(fd, max_size, &st, display, error);
}

/* the contents of an opened @fd, checked as hermes_safe_file_read() promises */
static gchar *
hermes_safe_read_opened_stat(gint fd,
			     gsize max_size,
			     gsize *length,
			     struct stat *st_out,
			     const gchar *display,
			     GError **error)
{
	g_autoptr(GByteArray) buf = NULL;
	struct stat st;
	gboolean ok = hermes_safe_check_regular_stat(fd, max_size, &st, display, error);

	if (ok) {
		/* asking for one byte more than fstat saw: a short read is the end of a
		 * regular file, so the usual small state file costs one read(2), not two;
		 * one that grew meanwhile is read on in chunks, still capped */
		gsize want = (gsize)st.st_size + 1;
		gssize n;
		buf = g_byte_array_sized_new((guint)want + 1);
		do
			n = read(fd, buf->data, want);
		while (n < 0 && errno == EINTR);
		if (n < 0) {
			hermes_error_set_errno(error, errno, "cannot read %s", display);
			ok = FALSE;
		} else {
			g_byte_array_set_size(buf, (guint)n);
			if ((gsize)n == want)
				ok = hermes_safe_read_fd(fd, max_size, buf, display, error);
		}
	}
	close(fd);
	if (!ok)
		return NULL;
	if (length != NULL)
		*length = buf->len;
	if (st_out != NULL)
		*st_out = st;
	g_byte_array_append(buf, (const guint8 *)"", 1);
	return (gchar *)g_byte_array_free(g_steal_pointer(&buf), FALSE);
}

static gchar *
hermes_safe_read_opened(
	gint fd, gsize max_size, gsize *length, const gchar *display, GError **error)
{
	return hermes_safe_read_opened_stat(fd, max_size, length, NULL, display, error);
}

/**
 * hermes_safe_file_read:
 * @root: (nullable): the trusted root; %NULL for the parent of @path
 * @path: a regular file at or beneath @root
 * @max_size: the most bytes the file may hold (a HERMES_SAFE_MAX_* cap)
 * @length: (out) (optional): bytes read
 * @error: return location for a #GError
 *
 * Reads a file a user may control: no link is followed, a FIFO or device is
 * refused without blocking, and a file over @max_size is refused whole.
 *
 * Returns: (transfer full): the contents, NUL-terminated; %NULL with
 * %HERMES_ERROR_NOT_FOUND when missing, %HERMES_ERROR_PERMISSION_DENIED for a
 * link, %HERMES_ERROR_INVALID_DATA for a non-regular or oversized file
 */
gchar *
hermes_safe_file_read(
	const gchar *root, const gchar *path, gsize max_size, gsize *length, GError **error)
{
	HermesSafePath p;
	gint fd;

	g_return_val_if_fail(path != NULL, NULL);
	if (root == NULL && hermes_safe_is_plain_name(path)) {
		/* only the last component is guarded: O_NOFOLLOW on the path does exactly
		 * that in one call, where the directory and a resolve beneath it take three */
		fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			hermes_safe_set_open_error(error, errno, path);
			return NULL;
		}
		return hermes_safe_read_opened(fd, max_size, length, path, error);
	}
	if (!hermes_safe_path_init(&p, root, path, error)) {
		hermes_safe_path_clear(&p);
		return NULL;
	}
	fd = hermes_safe_openat(p.root_fd, p.rel, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0) {
		hermes_safe_set_open_error(error, errno, path);
		hermes_safe_path_clear(&p);
		return NULL;
	}
	hermes_safe_path_clear(&p);
	return hermes_safe_read_opened(fd, max_size, length, path, error);
}

/**
 * hermes_safe_file_stat: (skip)
 * @root: (nullable): the trusted root; %NULL for the parent of @path
 * @path: a path beneath @root
 * @st: (out caller-allocates): what lstat(2) would say of @path
 * @error: return location for a #GError
 *
 * Returns: %TRUE when @path exists (a link is reported as a link, never followed)
 */
gboolean
hermes_safe_file_stat(const gchar *root, const gchar *path, struct stat *st, GError **error)
{
	g_autofree gchar *base = NULL;
	gint dir_fd;
	gint rc;

	g_return_val_if_fail(path != NULL, FALSE);
	g_return_val_if_fail(st != NULL, FALSE);
	dir_fd = hermes_safe_open_parent(root, path, &base, error);
	if (dir_fd < 0)
		return FALSE;
	rc = fstatat(dir_fd, base, st, AT_SYMLINK_NOFOLLOW);
	if (rc != 0)
		hermes_error_set_errno(error, errno, "cannot stat %s", path);
	close(dir_fd);
	return rc == 0;
}

/*****************************************************************************/
/* many files of one directory: the walk from the root is paid once */

static gboolean
hermes_safe_rel_check(const gchar *dir_path, const gchar *rel, GError **error)
{
	if (!g_path_is_absolute(rel) && rel[0] != '\0' && hermes_safe_rel_is_clean(rel))
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_PERMISSION_DENIED,
		    "refusing %s below %s: not a relative path beneath it",
		    rel,
		    dir_path);
	return FALSE;
}

/**
 * hermes_safe_open_dir_at:
 * @dir_fd: a directory opened through the safe file layer (hermes_safe_open_dir()
 *   or this function): the trusted root for @rel
 * @dir_path: the path @dir_fd was opened at, for messages
 * @rel: a relative path beneath @dir_fd, without `..`
 * @error: return location for a #GError
 *
 * Resolves @rel beneath @dir_fd by the rules of hermes_safe_open_dir() (no
 * link followed, nothing outside @dir_fd), so a caller reading many files
 * of one tree walks from its root once instead of once per file.
 *
 * Returns: an O_PATH directory fd (close-on-exec), enough to resolve
 *   beneath and to stat, and openable where only search permission is
 *   granted (a 0710 directory); -1 with @error set
 */
gint
hermes_safe_open_dir_at(gint dir_fd, const gchar *dir_path, const gchar *rel, GError **error)
{
	gint fd;
	g_return_val_if_fail(dir_fd >= 0, -1);
	g_return_val_if_fail(dir_path != NULL, -1);
	g_return_val_if_fail(rel != NULL, -1);
	if (!hermes_safe_rel_check(dir_path, rel, error))
		return -1;
	fd = hermes_safe_openat(dir_fd, rel, O_PATH | O_DIRECTORY, 0);
	if (fd < 0) {
		g_autofree gchar *display = g_build_filename(dir_path, rel, NULL);
		hermes_safe_set_open_error(error, errno, display);
	}
	return fd;
}

/**
 * hermes_safe_file_read_at:
 * @dir_fd: a directory opened through the safe file layer: the trusted root for @rel
 * @dir_path: the path @dir_fd was opened at, for messages
 * @rel: a regular file beneath @dir_fd, as a relative path without `..`
 * @max_size: the most bytes the file may hold (a HERMES_SAFE_MAX_* cap)
 * @length: (out) (optional): bytes read
 * @error: return location for a #GError
 *
 * hermes_safe_file_read() beneath an already opened directory: the same
 * refusals (links, FIFOs, devices, files over @max_size) and errors.
 *
 * Returns: (transfer full): the contents, NUL-terminated, or %NULL
 */
gchar *
hermes_safe_file_read_at(gint dir_fd,
			 const gchar *dir_path,
			 const gchar *rel,
			 gsize max_size,
			 gsize *length,
			 GError **error)
{
	return hermes_safe_file_read_stat_at(dir_fd, dir_path, rel, max_size, length, NULL, error);
}

/**
 * hermes_safe_file_read_stat_at: (skip)
 * @dir_fd: a directory opened through the safe file layer: the trusted root for @rel
 * @dir_path: the path @dir_fd was opened at, for messages
 * @rel: a regular file beneath @dir_fd, as a relative path without `..`
 * @max_size: the most bytes the file may hold (a HERMES_SAFE_MAX_* cap)
 * @length: (out) (optional): bytes read
 * @st: (out caller-allocates) (optional): what fstat(2) said of the file read
 * @error: return location for a #GError
 *
 * hermes_safe_file_read_at() that also hands back the file's stat, so a
 * caller comparing mode and contents (a slot checked against its plan)
 * pays one open, not an lstat and an open.
 *
 * Returns: (transfer full): the contents, NUL-terminated, or %NULL
 */
gchar *
hermes_safe_file_read_stat_at(gint dir_fd,
			      const gchar *dir_path,
			      const gchar *rel,
			      gsize max_size,
			      gsize *length,
			      struct stat *st,
			      GError **error)
{
	g_autofree gchar *display = NULL;
	gint fd;
	g_return_val_if_fail(dir_fd >= 0, NULL);
	g_return_val_if_fail(dir_path != NULL, NULL);
	g_return_val_if_fail(rel != NULL, NULL);
	if (!hermes_safe_rel_check(dir_path, rel, error))
		return NULL;
	display = g_build_filename(dir_path, rel, NULL);
	fd = hermes_safe_openat(dir_fd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY, 0);
	if (fd < 0) {
		hermes_safe_set_open_error(error, errno, display);
		return NULL;
	}
	return hermes_safe_read_opened_stat(fd, max_size, length, st, display, error);
}

/**
 * hermes_safe_file_stat_at: (skip)
 * @dir_fd: a directory opened through the safe file layer: the trusted root for @rel
 * @dir_path: the path @dir_fd was opened at, for messages
 * @rel: a path beneath @dir_fd, relative, without `..`
 * @st: (out caller-allocates): what lstat(2) would say of it
 * @error: return location for a #GError
 *
 * hermes_safe_file_stat() beneath an already opened directory.
 *
 * Returns: %TRUE when @rel exists (a link is reported as a link, never followed)
 */
gboolean
hermes_safe_file_stat_at(
	gint dir_fd, const gchar *dir_path, const gchar *rel, struct stat *st, GError **error)
{
	g_autofree gchar *parent = NULL;
	g_autofree gchar *base = NULL;
	gint parent_fd = dir_fd;
	gint rc;

	g_return_val_if_fail(dir_fd >= 0, FALSE);
	g_return_val_if_fail(dir_path != NULL, FALSE);
	g_return_val_if_fail(rel != NULL, FALSE);
	g_return_val_if_fail(st != NULL, FALSE);
	if (!hermes_safe_rel_check(dir_path, rel, error))
		return FALSE;
	base = g_path_get_basename(rel);
	/* one component needs no walk: fstatat never follows the last link here */
	if (strchr(rel, '/') != NULL) {
		parent = g_path_get_dirname(rel);
		parent_fd = hermes_safe_open_dir_at(dir_fd, dir_path, parent, error);
		if (parent_fd < 0)
			return FALSE;
	}
	rc = fstatat(parent_fd, base, st, AT_SYMLINK_NOFOLLOW);
	if (rc != 0) {
		g_autofree gchar *display = g_build_filename(dir_path, rel, NULL);
		hermes_error_set_errno(error, errno, "cannot stat %s", display);
	}
	if (parent_fd != dir_fd)
		close(parent_fd);
	return rc == 0;
}
