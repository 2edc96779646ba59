/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The s6 tree as files a user may control: every open under a scan
 * directory goes through the safe file layer or an O_NOFOLLOW openat on a
 * directory fd it opened, the supervisor's liveness comes from its
 * supervise/lock, and root refuses a tree a non-root user can change.
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-platform.h"
#include "hermes-s6-fs.h"

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
	g_auto(GStrv) parts = g_strsplit(rel, "/", -1);
	gint fd = hermes_safe_open_dir(root, dir, &error_local);

	if (fd < 0) {
		errno = g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND) ? ENOENT
			: g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED)
				? EACCES
				: EIO;
		return -1;
	}
	for (guint i = 0; parts[i] != NULL; i++) {
		gboolean last = parts[i + 1] == NULL;
		gint next;
		gint errsv;
		if (parts[i][0] == '\0' || g_strcmp0(parts[i], "..") == 0) {
			close(fd);
			errno = EINVAL;
			return -1;
		}
		next = openat(fd,
			      parts[i],
			      /* O_PATH: a group may traverse supervise/ (0710), not read it */
			      (last ? flags : O_PATH | O_DIRECTORY) | O_NOFOLLOW | O_CLOEXEC);
		errsv = errno;
		close(fd);
		if (next < 0) {
			errno = errsv;
			return -1;
		}
		fd = next;
	}
	return fd;
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
	struct flock fl = {0};
	gint fd = hermes_s6_open_beneath(scandir, dir, "supervise/lock", O_RDONLY | O_NONBLOCK);
	gboolean held;
	if (fd < 0)
		return errno == ENOENT ? HERMES_S6_LOCK_ABSENT : HERMES_S6_LOCK_UNKNOWN;
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

/* one line: who can change @path, and the two ways out */
static gboolean
hermes_s6_trust_refuse(const struct stat *st,
		       const gchar *path,
		       const gchar *scandir,
		       GError **error)
{
	g_autofree gchar *owner = hermes_s6_user_name(st->st_uid);
	if (st->st_uid != 0) {
		g_set_error(
			error,
			HERMES_ERROR,
			HERMES_ERROR_PERMISSION_DENIED,
			"refusing to run s6 as root over %s: %s is owned by %s, who could plant "
			"a service there for root to run; run as %s, or chown -R root: %s",
			scandir,
			path,
			owner,
			owner,
			path);
		return FALSE;
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_PERMISSION_DENIED,
		    "refusing to run s6 as root over %s: %s is writable by its %s (mode %04o), "
		    "so a non-root user could plant a service there for root to run; run "
		    "chmod go-w %s",
		    scandir,
		    path,
		    (st->st_mode & S_IWOTH) != 0 ? "others" : "group",
		    (guint)(st->st_mode & 07777),
		    path);
	return FALSE;
}

/**
 * hermes_s6_trust_dir_fd:
 * @fd: an open file or directory of the tree
 * @path: its name, for the message
 * @scandir: the scan directory, for the message
 * @error: return location for a #GError
 *
 * Returns: %TRUE when only root can change what @fd is
 */
gboolean
hermes_s6_trust_dir_fd(gint fd, const gchar *path, const gchar *scandir, GError **error)
{
	struct stat st;
	if (fstat(fd, &st) != 0) {
		hermes_error_set_errno(error, errno, "cannot stat %s", path);
		return FALSE;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return hermes_s6_trust_refuse(&st, path, scandir, error);
	return TRUE;
}

/* every existing ancestor of @path: root-owned and not writable, or sticky (like /tmp) */
static gboolean
hermes_s6_trust_ancestors(const gchar *path, const gchar *scandir, GError **error)
{
	g_auto(GStrv) parts = g_strsplit(path, "/", -1);
	g_autoptr(GString) walked = g_string_new("");
	gint fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	for (guint i = 0; fd >= 0; i++) {
		struct stat st;
		gint next;
		if (fstat(fd, &st) != 0) {
			close(fd);
			break;
		}
		/* a sticky root-owned directory lets nobody move root's entries */
		if (st.st_uid != 0 ||
		    ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0)) {
			close(fd);
			return hermes_s6_trust_refuse(
				&st, walked->len > 0 ? walked->str : "/", scandir, error);
		}
		while (parts[i] != NULL && parts[i][0] == '\0')
			i++;
		if (parts[i] == NULL) {
			close(fd);
			return TRUE;
		}
		g_string_append_printf(walked, "/%s", parts[i]);
		next = openat(fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		/* what does not exist yet is made by root below a trusted parent */
		if (next < 0 && errno == ENOENT)
			return TRUE;
		if (next < 0) {
			hermes_error_set_errno(error,
					       errno == ELOOP ? EACCES : errno,
					       "refusing to run s6 as root over %s: cannot open %s",
					       scandir,
					       walked->str);
			return FALSE;
		}
		fd = next;
	}
	hermes_error_set_errno(error, errno, "cannot open %s", path);
	return FALSE;
}

/* the slot, the files s6 runs as root and the directories root writes in */
static gboolean
hermes_s6_trust_slot(gint scan_fd, const gchar *name, const gchar *scandir, GError **error)
{
	const gchar *parts[] = {
		".", "run", "finish", "data", "supervise", "log", "log/run", "log/supervise", NULL};
	g_autofree gchar *slot = g_build_filename(scandir, name, NULL);
	gint fd = openat(scan_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return TRUE;
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "refusing to run s6 as root over %s: %s is not a plain directory (%s)",
			    scandir,
			    slot,
			    g_strerror(errno));
		return FALSE;
	}
	for (guint i = 0; parts[i] != NULL; i++) {
		g_autofree gchar *what = g_strcmp0(parts[i], ".") == 0
						 ? g_strdup(slot)
						 : g_build_filename(slot, parts[i], NULL);
		gint sub = hermes_s6_open_beneath(scandir, slot, parts[i], O_RDONLY | O_NONBLOCK);
		gboolean ok;
		if (sub < 0) {
			if (errno == ENOENT)
				continue;
			close(fd);
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_PERMISSION_DENIED,
				    "refusing to run s6 as root over %s: cannot open %s (%s)",
				    scandir,
				    what,
				    g_strerror(errno));
			return FALSE;
		}
		ok = hermes_s6_trust_dir_fd(sub, what, scandir, error);
		close(sub);
		if (!ok) {
			close(fd);
			return FALSE;
		}
	}
	close(fd);
	return TRUE;
}

/**
 * hermes_s6_trust_tree:
 * @scandir: the scan directory (it may not exist yet)
 * @slot_dir: (nullable): check only this slot (a path below @scandir), not
 *   every one: registering or starting one gateway must not cost a walk of
 *   the whole tree, or a boot of N profiles costs N² (the s6-svscan start
 *   checks them all)
 * @for_svscan: also check every slot s6-svscan would supervise, not only ours
 * @error: return location for a #GError
 *
 * Run as root, s6-svscan and s6-supervise run every `run` in the tree as
 * root. A tree that a non-root user owns or can write (the scan
 * directory, any directory above it, a slot, its scripts) would let that
 * user plant `run/service/evil/run` for root. Checked on opened fds.
 * Anyone else runs the tree with their own rights and is not checked.
 *
 * Returns: %TRUE when the tree is safe to run as root (or we are not root)
 */
gboolean
hermes_s6_trust_tree(const gchar *scandir,
		     const gchar *slot_dir,
		     gboolean for_svscan,
		     GError **error)
{
	g_autoptr(GError) error_local = NULL;
	struct dirent *entry;
	DIR *dir;
	gint fd;

	if (hermes_platform_get_euid() != 0)
		return TRUE;
	if (!hermes_s6_trust_ancestors(scandir, scandir, error))
		return FALSE;
	fd = hermes_safe_open_dir(NULL, scandir, &error_local);
	if (fd < 0) {
		if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND))
			return TRUE;
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	if (!hermes_s6_trust_dir_fd(fd, scandir, scandir, error)) {
		close(fd);
		return FALSE;
	}
	if (slot_dir != NULL) {
		g_autofree gchar *name = g_path_get_basename(slot_dir);
		gboolean ok = hermes_s6_trust_slot(fd, name, scandir, error);
		close(fd);
		return ok;
	}
	dir = fdopendir(fd);
	if (dir == NULL) {
		hermes_error_set_errno(error, errno, "cannot list %s", scandir);
		close(fd);
		return FALSE;
	}
	while ((entry = readdir(dir)) != NULL) {
		/* dot entries are invisible to s6-svscan */
		if (entry->d_name[0] == '.')
			continue;
		if (!for_svscan && !g_str_has_prefix(entry->d_name, "gateway-"))
			continue;
		if (!hermes_s6_trust_slot(dirfd(dir), entry->d_name, scandir, error)) {
			closedir(dir);
			return FALSE;
		}
	}
	closedir(dir);
	return TRUE;
}

/* the value of @name in a NUL-separated environment block, or NULL */
static const gchar *
hermes_s6_environ_get(const gchar *block, gsize len, const gchar *name)
{
	gsize name_len = strlen(name);
	for (gsize i = 0; i < len;) {
		const gchar *entry = block + i;
		gsize n = strnlen(entry, len - i);
		if (n > name_len && strncmp(entry, name, name_len) == 0 && entry[name_len] == '=')
			return entry + name_len + 1;
		i += n + 1;
	}
	return NULL;
}

/**
 * hermes_s6_slot_processes:
 * @slot_dir: a slot directory
 *
 * Every process started by the slot's `run` carries HERMES_S6_SLOT (the
 * slot's physical path), its children too. After the slot is down, any
 * such process is one s6 lost: its s6-supervise was killed and replaced.
 * Only processes whose environment we may read are seen.
 *
 * Returns: (transfer full) (element-type gint64): their pids
 */
GArray *
hermes_s6_slot_processes(const gchar *slot_dir)
{
	GArray *pids = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autofree gchar *real = realpath(slot_dir, NULL);
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const gchar *entry;

	if (real == NULL || proc == NULL)
		return pids;
	while ((entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *path = NULL;
		g_autofree gchar *block = NULL;
		const gchar *value;
		gsize len = 0;
		gint64 pid;
		if (!g_ascii_isdigit(entry[0]))
			continue;
		path = g_strdup_printf("/proc/%s/environ", entry);
		/* /proc, not a user's tree: a plain read is fine here */
		if (!g_file_get_contents(path, &block, &len, NULL))
			continue;
		value = hermes_s6_environ_get(block, len, "HERMES_S6_SLOT");
		if (value == NULL || g_strcmp0(value, real) != 0)
			continue;
		pid = g_ascii_strtoll(entry, NULL, 10);
		g_array_append_val(pids, pid);
	}
	return pids;
}
