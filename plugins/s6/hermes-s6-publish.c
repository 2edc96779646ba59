/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Publishing a slot: the plan is carried out in a dot-prefixed staging
 * directory (s6-svscan ignores dot entries), through fds, and the result
 * takes the slot's name in one rename, or one exchange with an unsupervised
 * old slot. What killed commands leave of that is swept under the scan
 * directory's lock (hermes_s6_scandir_lock()), which every publisher holds.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-platform.h"
#include "hermes-s6-fs.h"
#include "hermes-s6-manager-private.h"

/* @path below @slot_dir as a path relative to the staging directory; "." for the slot */
static const gchar *
hermes_s6_relative(const gchar *path, const gchar *slot_dir)
{
	if (!g_str_has_prefix(path, slot_dir))
		return NULL;
	path += strlen(slot_dir);
	while (*path == '/')
		path++;
	return *path == '\0' ? "." : path;
}

/* chmod through an fd opened without following links: a swapped entry is never changed */
static gboolean
hermes_s6_chmod_at(gint dir_fd, const gchar *rel, guint mode, gint64 gid, GError **error)
{
	gint fd = openat(dir_fd, rel, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		hermes_error_set_errno(error, errno, "cannot open %s", rel);
		return FALSE;
	}
	if (gid >= 0 && fchown(fd, (uid_t)-1, (gid_t)gid) != 0) {
		hermes_error_set_errno(
			error, errno, "cannot give %s to group %" G_GINT64_FORMAT, rel, gid);
		close(fd);
		return FALSE;
	}
	/* after the chgrp, which clears setgid on some systems */
	if (fchmod(fd, mode) != 0) {
		hermes_error_set_errno(error, errno, "cannot set the mode of %s", rel);
		close(fd);
		return FALSE;
	}
	close(fd);
	return TRUE;
}

static gboolean
hermes_s6_execute_command(gint staging_fd,
			  const gchar *const *argv,
			  const gchar *slot_dir,
			  gint64 gid,
			  GError **error)
{
	if (g_strcmp0(argv[0], "mkfifo") == 0) {
		const gchar *rel = hermes_s6_relative(argv[3], slot_dir);
		/* mkfifo honours the umask: set the mode explicitly */
		if (rel == NULL || mkfifoat(staging_fd, rel, 0600) != 0) {
			hermes_error_set_errno(error, errno, "cannot create %s", argv[3]);
			return FALSE;
		}
		return hermes_s6_chmod_at(staging_fd, rel, 0620, -1, error);
	}
	if (g_strcmp0(argv[0], "chgrp") == 0) {
		for (guint j = 2; argv[j] != NULL; j++) {
			const gchar *rel = hermes_s6_relative(argv[j], slot_dir);
			struct stat st;
			if (rel == NULL ||
			    fstatat(staging_fd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0) {
				hermes_error_set_errno(error, errno, "cannot stat %s", argv[j]);
				return FALSE;
			}
			if (!hermes_s6_chmod_at(staging_fd, rel, st.st_mode & 07777, gid, error))
				return FALSE;
		}
	}
	/* the rescan is the caller's, after publishing */
	return TRUE;
}

static gboolean
hermes_s6_execute_step(gint staging_fd,
		       const gchar *staging,
		       HermesRenderStep *step,
		       const gchar *slot_dir,
		       gint64 gid,
		       GError **error)
{
	const gchar *path = hermes_render_step_get_path(step);
	const gchar *rel = path != NULL ? hermes_s6_relative(path, slot_dir) : NULL;

	switch (hermes_render_step_get_kind(step)) {
	case HERMES_RENDER_STEP_DIRECTORY:
		/* the slot itself is the staging directory, made already */
		if (rel == NULL ||
		    (g_strcmp0(rel, ".") != 0 && mkdirat(staging_fd, rel, 0700) != 0)) {
			hermes_error_set_errno(error, errno, "cannot create %s", path);
			return FALSE;
		}
		return hermes_s6_chmod_at(
			staging_fd, rel, hermes_render_step_get_mode(step), -1, error);
	case HERMES_RENDER_STEP_FILE: {
		g_autofree gchar *target =
			rel != NULL ? g_build_filename(staging, rel, NULL) : NULL;
		if (target == NULL) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_FAILED,
				    "%s is outside the slot",
				    path);
			return FALSE;
		}
		return hermes_safe_file_replace(staging,
						target,
						hermes_render_step_get_contents(step),
						-1,
						hermes_render_step_get_mode(step),
						error);
	}
	case HERMES_RENDER_STEP_COMMAND:
		return hermes_s6_execute_command(
			staging_fd, hermes_render_step_get_argv(step), slot_dir, gid, error);
	default:
		return TRUE;
	}
}

/* carries out the plan below @staging instead of the final slot directory */
static gboolean
hermes_s6_manager_execute(GPtrArray *steps,
			  const gchar *slot_dir,
			  const gchar *staging,
			  gint64 gid,
			  const gchar *scandir,
			  GError **error)
{
	gint staging_fd = hermes_safe_open_dir(scandir, staging, error);
	if (staging_fd < 0)
		return FALSE;
	for (guint i = 0; i < steps->len; i++) {
		if (!hermes_s6_execute_step(staging_fd,
					    staging,
					    g_ptr_array_index(steps, i),
					    slot_dir,
					    gid,
					    error)) {
			close(staging_fd);
			return FALSE;
		}
	}
	close(staging_fd);
	return TRUE;
}

/* `.gateway-<p>.<kind>-…`: a slot being built, replaced or removed */
static gboolean
hermes_s6_is_transient(const gchar *entry, const gchar *kind)
{
	g_autofree gchar *needle = g_strdup_printf(".%s-", kind);
	const gchar *dot;
	if (!g_str_has_prefix(entry, ".gateway-"))
		return FALSE;
	/* the kind follows the last dot: a profile name has none */
	dot = strrchr(entry, '.');
	return dot != NULL && dot > entry && g_str_has_prefix(dot, needle);
}

/*
 * What killed commands left in the scan directory, of any profile. Called
 * under the scan directory's lock, so no staging or replaced tree in it can
 * be another command's work in progress; a tree being removed can be (an
 * unregister waits for its supervisors unlocked), so only one no
 * s6-supervise holds any more is taken. Once a process: what this process
 * leaves it cleans itself, and a boot reconcile of N slots must not read the
 * whole scan directory N times.
 */
void
hermes_s6_manager_sweep_leftovers(HermesS6Manager *self)
{
	g_autoptr(GDir) dir = NULL;
	const gchar *entry;
	if (self->leftovers_swept)
		return;
	self->leftovers_swept = TRUE;
	dir = g_dir_open(self->scandir, 0, NULL);
	if (dir == NULL)
		return;
	while ((entry = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = g_build_filename(self->scandir, entry, NULL);
		if (hermes_s6_is_transient(entry, "new") ||
		    hermes_s6_is_transient(entry, "replaced") ||
		    (hermes_s6_is_transient(entry, "removing") &&
		     hermes_s6_slot_released(self->scandir, path))) {
			g_debug("removing %s, left by an interrupted command", path);
			hermes_safe_remove_tree(self->scandir, path, NULL);
		}
	}
}

/*
 * @staging takes the place of the unsupervised @slot_dir in one step, so a
 * command killed here leaves the old slot or the new one, never none (which
 * `gateway stop` would answer with "not registered"). The old one ends up
 * at @staging's name, which the caller removes or a later sweep does.
 */
static gboolean
hermes_s6_manager_swap(const gchar *staging, const gchar *slot_dir, GError **error)
{
	g_autofree gchar *old = NULL;
	if (renameat2(AT_FDCWD, staging, AT_FDCWD, slot_dir, RENAME_EXCHANGE) == 0)
		return TRUE;
	if (errno != EINVAL && errno != ENOSYS) {
		hermes_error_set_errno(error, errno, "cannot replace %s", slot_dir);
		return FALSE;
	}
	/* no exchange on this file system: aside, in, and the old one where staging was */
	old = g_strdup_printf("%s.replaced-%08x", staging, g_random_int());
	if (g_rename(slot_dir, old) != 0 || g_rename(staging, slot_dir) != 0 ||
	    g_rename(old, staging) != 0) {
		hermes_error_set_errno(error, errno, "cannot replace %s", slot_dir);
		return FALSE;
	}
	return TRUE;
}

/* builds the slot in a dot-prefixed staging directory and publishes it in one rename;
 * @what names it in messages ("gateway 'demo'") */
gboolean
hermes_s6_manager_publish(HermesS6Manager *self,
			  const gchar *what,
			  const gchar *slot_dir,
			  GPtrArray *steps,
			  gint64 gid,
			  GError **error)
{
	g_autofree gchar *staging = NULL;
	g_autofree gchar *name = g_path_get_basename(slot_dir);
	g_autoptr(GError) error_local = NULL;
	gboolean ok;

	/* dot-prefixed: s6-svscan never supervises a half-built slot (upstream #54834) */
	staging = g_strdup_printf("%s/.%s.new-XXXXXX", self->scandir, name);
	if (g_mkdtemp_full(staging, 0700) == NULL) {
		hermes_error_set_errno(
			error, errno, "cannot create a staging directory in %s", self->scandir);
		return FALSE;
	}
	ok = hermes_s6_manager_execute(steps, slot_dir, staging, gid, self->scandir, &error_local);
	/* an unsupervised old slot (boot, a second reconcile) is swapped out */
	if (ok && hermes_s6_path_exists(self->scandir, slot_dir))
		ok = hermes_s6_manager_swap(staging, slot_dir, &error_local);
	else if (ok)
		ok = hermes_platform_rename_noreplace(staging, slot_dir, &error_local);
	/* the old slot after a swap, else the failed staging tree */
	hermes_safe_remove_tree(self->scandir, staging, NULL);
	if (ok)
		return TRUE;
	if (g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_ALREADY_EXISTS)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_ALREADY_EXISTS,
			    "%s is already registered at %s",
			    what,
			    slot_dir);
		return FALSE;
	}
	g_propagate_prefixed_error(
		error, g_steal_pointer(&error_local), "cannot register %s: ", what);
	return FALSE;
}
