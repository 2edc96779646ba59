/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * What root refuses to run. Run as root, s6-svscan and s6-supervise run
 * every script of the tree as root, and s6-log writes as root wherever its
 * log directory points: a tree or a log directory that a non-root user
 * owns or can write would hand that user root's hands. Checked on opened
 * fds, walking from / without following links; anyone else runs with
 * their own rights and is not checked.
 */

#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-platform.h"
#include "hermes-s6-fs.h"
#include "hermes-s6-trust.h"

typedef struct {
	const gchar *act;      /* "run s6 as root over" */
	const gchar *where;    /* the scan directory or the log directory */
	const gchar *risk;     /* what the other user could do */
	gboolean follow_links; /* root's own links are followed, and what they name checked */
} HermesS6TrustScope;

/* as the kernel's MAXSYMLINKS */
#define HERMES_S6_TRUST_MAX_HOPS 40

/* one line: who can change @path, what they could do, and the ways out */
static gboolean
hermes_s6_trust_refuse(const struct stat *st,
		       const gchar *path,
		       const HermesS6TrustScope *scope,
		       GError **error)
{
	g_autofree gchar *owner = hermes_s6_user_name(st->st_uid);
	if (st->st_uid != 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_PERMISSION_DENIED,
			    "refusing to %s %s: %s is owned by %s, who could %s; run as %s, or "
			    "chown -R root: %s",
			    scope->act,
			    scope->where,
			    path,
			    owner,
			    scope->risk,
			    owner,
			    path);
		return FALSE;
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_PERMISSION_DENIED,
		    "refusing to %s %s: %s is writable by its %s (mode %04o), so a non-root user "
		    "could %s; run chmod go-w %s",
		    scope->act,
		    scope->where,
		    path,
		    (st->st_mode & S_IWOTH) != 0 ? "others" : "group",
		    (guint)(st->st_mode & 07777),
		    scope->risk,
		    path);
	return FALSE;
}

/* a scan directory: s6-svscan and s6-supervise run what is in it */
#define HERMES_S6_TREE_SCOPE(scandir) \
	(&(HermesS6TrustScope){       \
		"run s6 as root over", (scandir), "plant a service there for root to run", FALSE})

/**
 * hermes_s6_trust_dir_fd:
 * @fd: an open file or directory of the tree
 * @path: its name, for the message
 * @scandir: the scan directory, for the message
 * @error: return location for a #GError
 *
 * Returns: %TRUE when only root can change what @fd is
 */
static gboolean
hermes_s6_trust_stat(const struct stat *st, const gchar *path, const gchar *scandir, GError **error)
{
	if (st->st_uid != 0 || (st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return hermes_s6_trust_refuse(st, path, HERMES_S6_TREE_SCOPE(scandir), error);
	return TRUE;
}

gboolean
hermes_s6_trust_dir_fd(gint fd, const gchar *path, const gchar *scandir, GError **error)
{
	struct stat st;
	if (fstat(fd, &st) != 0) {
		hermes_error_set_errno(error, errno, "cannot stat %s", path);
		return FALSE;
	}
	return hermes_s6_trust_stat(&st, path, scandir, error);
}

static gboolean
hermes_s6_trust_walk(const gchar *path,
		     const HermesS6TrustScope *scope,
		     guint hops,
		     GError **error);

/*
 * @name in the directory @fd (already trusted) is a link: only root's
 * link is followed, and the walk starts again on what it names, with the
 * rest of the path after it.
 */
static gboolean
hermes_s6_trust_link(gint fd,
		     const gchar *parent,
		     const gchar *name,
		     gchar **rest,
		     const HermesS6TrustScope *scope,
		     guint hops,
		     GError **error)
{
	g_autofree gchar *link = g_strdup_printf("%s/%s", parent, name);
	g_autofree gchar *joined = g_strjoinv("/", rest);
	g_autofree gchar *next = NULL;
	gchar target[4096];
	struct stat st;
	gssize n;

	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISLNK(st.st_mode) ||
	    hops >= HERMES_S6_TRUST_MAX_HOPS) {
		hermes_error_set_errno(error,
				       EACCES,
				       "refusing to %s %s: cannot open %s",
				       scope->act,
				       scope->where,
				       link);
		return FALSE;
	}
	/* in a sticky directory (like /tmp) anyone may own a link */
	if (st.st_uid != 0)
		return hermes_s6_trust_refuse(&st, link, scope, error);
	n = readlinkat(fd, name, target, sizeof(target) - 1);
	if (n < 0) {
		hermes_error_set_errno(error, errno, "cannot read the link %s", link);
		return FALSE;
	}
	target[n] = '\0';
	next = g_strdup_printf("%s/%s/%s", target[0] == '/' ? "" : parent, target, joined);
	return hermes_s6_trust_walk(next, scope, hops + 1, error);
}

/*
 * Paths this process has walked to the end and found trusted. What the walk
 * proves (every directory root's and writable by root alone, or sticky) only
 * root can undo, so it holds for the rest of the process: a boot reconcile of
 * 1000 profiles walks from / to the scan directory once, not 1000 times.
 */
static GHashTable *hermes_s6_trust_proven;
G_LOCK_DEFINE_STATIC(hermes_s6_trust_proven);

static gchar *
hermes_s6_trust_key(const gchar *path, const HermesS6TrustScope *scope)
{
	return g_strconcat(scope->follow_links ? "L" : "N", path, NULL);
}

static gboolean
hermes_s6_trust_is_proven(const gchar *path, const HermesS6TrustScope *scope)
{
	g_autofree gchar *key = hermes_s6_trust_key(path, scope);
	gboolean proven;
	G_LOCK(hermes_s6_trust_proven);
	proven = hermes_s6_trust_proven != NULL &&
		 g_hash_table_contains(hermes_s6_trust_proven, key);
	G_UNLOCK(hermes_s6_trust_proven);
	return proven;
}

static void
hermes_s6_trust_set_proven(const gchar *path, const HermesS6TrustScope *scope)
{
	G_LOCK(hermes_s6_trust_proven);
	if (hermes_s6_trust_proven == NULL)
		hermes_s6_trust_proven =
			g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_hash_table_add(hermes_s6_trust_proven, hermes_s6_trust_key(path, scope));
	G_UNLOCK(hermes_s6_trust_proven);
}

/*
 * Where a walk of @parts may begin: the deepest directory an earlier walk
 * of this process proved (its every component a directory only root can
 * change, so opening it by name reaches the same one), else /. 1000 log
 * directories below one home share all but their last components.
 */
static gint
hermes_s6_trust_walk_start(gchar **parts,
			   const HermesS6TrustScope *scope,
			   GString *walked,
			   guint *next_part)
{
	g_autoptr(GString) candidate = g_string_new("");
	guint best = 0;
	gsize best_len = 0;

	for (guint i = 0; parts[i] != NULL; i++) {
		if (parts[i][0] == '\0')
			continue;
		g_string_append_printf(candidate, "/%s", parts[i]);
		if (parts[i + 1] == NULL || !hermes_s6_trust_is_proven(candidate->str, scope))
			continue;
		best = i + 1;
		best_len = candidate->len;
	}
	*next_part = best;
	if (best_len > 0) {
		gint fd;
		g_string_append_len(walked, candidate->str, (gssize)best_len);
		fd = open(walked->str, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			return fd;
		g_string_truncate(walked, 0);
		*next_part = 0;
	}
	return open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* every existing ancestor of @path: root-owned and not writable, or sticky (like /tmp) */
static gboolean
hermes_s6_trust_walk(const gchar *path, const HermesS6TrustScope *scope, guint hops, GError **error)
{
	g_auto(GStrv) parts = NULL;
	g_autoptr(GString) walked = NULL;
	guint first = 0;
	gint fd;

	if (hermes_s6_trust_is_proven(path, scope))
		return TRUE;
	parts = g_strsplit(path, "/", -1);
	walked = g_string_new("");
	fd = hermes_s6_trust_walk_start(parts, scope, walked, &first);

	for (guint i = first; fd >= 0; i++) {
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
				&st, walked->len > 0 ? walked->str : "/", scope, error);
		}
		if (walked->len > 0)
			hermes_s6_trust_set_proven(walked->str, scope);
		while (parts[i] != NULL && parts[i][0] == '\0')
			i++;
		if (parts[i] == NULL) {
			/* only a walk to the very end: what was missing may appear later */
			close(fd);
			hermes_s6_trust_set_proven(path, scope);
			return TRUE;
		}
		next = openat(fd, parts[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && (errno == ELOOP || errno == ENOTDIR) && scope->follow_links) {
			gboolean ok = hermes_s6_trust_link(
				fd, walked->str, parts[i], parts + i + 1, scope, hops, error);
			close(fd);
			return ok;
		}
		close(fd);
		g_string_append_printf(walked, "/%s", parts[i]);
		/* what does not exist yet is made by root below a trusted parent */
		if (next < 0 && errno == ENOENT)
			return TRUE;
		if (next < 0) {
			hermes_error_set_errno(error,
					       errno == ELOOP ? EACCES : errno,
					       "refusing to %s %s: cannot open %s",
					       scope->act,
					       scope->where,
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
		struct stat st;
		/* one lstat beneath the slot fd opened above, no open per part: `log` is
		 * checked (a directory only root changes, not a link) before `log/run`,
		 * so the name reaches what was checked; a link is refused as before */
		gint rc = fstatat(fd, parts[i], &st, AT_SYMLINK_NOFOLLOW);
		if (rc == 0 && S_ISLNK(st.st_mode)) {
			rc = -1;
			errno = ELOOP;
		}
		if (rc != 0) {
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
		if (!hermes_s6_trust_stat(&st, what, scandir, error)) {
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
	if (!hermes_s6_trust_walk(scandir, HERMES_S6_TREE_SCOPE(scandir), 0, error))
		return FALSE;
	fd = hermes_safe_open_dir(scandir, scandir, &error_local);
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

/* root's s6-log opens and creates files in it: a link or another owner redirects those */
#define HERMES_S6_LOG_SCOPE(log_dir)                                              \
	(&(HermesS6TrustScope){"run s6-log as root in",                           \
			       (log_dir),                                         \
			       "point root's log writes anywhere through a link", \
			       TRUE})

/**
 * hermes_s6_trust_log_dir:
 * @log_dir: where an s6-log started as root writes (it may not exist yet)
 * @error: return location for a #GError
 *
 * s6-log runs as root only for a home root owns; a log directory in it
 * that another user owns or can write (or one of its parents) would let
 * that user swap `current` for a link to any file, and root would append
 * to it. What does not exist yet is created by root below a trusted
 * parent, and only root could hand it over later.
 *
 * Returns: %TRUE when root may log there (or we are not root)
 */
gboolean
hermes_s6_trust_log_dir(const gchar *log_dir, GError **error)
{
	if (hermes_platform_get_euid() != 0)
		return TRUE;
	return hermes_s6_trust_walk(log_dir, HERMES_S6_LOG_SCOPE(log_dir), 0, error);
}
