/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `<root>/logs/container-boot.log`: one line per profile in upstream's
 * format (`<ts> profile=… prior_state=… action=… prior_exit=…`, local time
 * with a `%z` offset), then a summary; rotated to `.1` at 256 KiB. We run
 * as root in a home that belongs to the gateway user, so `logs/` is
 * reached beneath the root without links and the log is appended only
 * through hermes_safe_file_open_append(); what we create there is given to
 * the home's owner. A log that cannot be written is reported, not fatal.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-reconciler-private.h"
#include "hermes-safe-file.h"

/* as root, a file or directory we create in a home belongs to the home's owner */
void
hermes_reconciler_adopt_owner_at(gint dir_fd, const gchar *name, gint reference_fd)
{
	struct stat ref;
	if (geteuid() != 0 || fstat(reference_fd, &ref) != 0 || ref.st_uid == 0)
		return;
	if (fchownat(dir_fd, name, ref.st_uid, ref.st_gid, AT_SYMLINK_NOFOLLOW) != 0)
		g_debug("cannot give %s to uid %u: %s", name, (guint)ref.st_uid, g_strerror(errno));
}

static gchar *
hermes_reconciler_timestamp(void)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	return g_date_time_format(now, "%Y-%m-%dT%H:%M:%S%z");
}

/* <root>/logs, created (and given to the home's owner) when missing; never a link */
static gint
hermes_reconciler_open_logs(HermesReconciler *self, const gchar *logs, GError **error)
{
	gint root_fd = hermes_safe_open_dir(self->root, self->root, error);
	gint logs_fd;

	if (root_fd < 0)
		return -1;
	if (mkdirat(root_fd, "logs", 0755) == 0) {
		hermes_reconciler_adopt_owner_at(root_fd, "logs", root_fd);
	} else if (errno != EEXIST) {
		hermes_error_set_errno(error, errno, "cannot create %s", logs);
		close(root_fd);
		return -1;
	}
	logs_fd = hermes_safe_open_dir(self->root, logs, error);
	if (logs_fd < 0)
		g_prefix_error(error, "not writing the boot log: ");
	close(root_fd);
	return logs_fd;
}

/* a failed rotation loses nothing: this run is appended to the big file instead */
static void
hermes_reconciler_rotate(HermesReconciler *self, gint logs_fd)
{
	g_autofree gchar *rotated = g_strconcat(HERMES_RECONCILE_LOG_NAME, ".1", NULL);
	struct stat st;

	if (fstatat(logs_fd, HERMES_RECONCILE_LOG_NAME, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(st.st_mode) || st.st_size < HERMES_RECONCILE_LOG_MAX)
		return;
	if (renameat(logs_fd, HERMES_RECONCILE_LOG_NAME, logs_fd, rotated) != 0)
		self->log_error =
			g_strdup_printf("cannot rotate %s to %s.1 (appended to it instead): %s",
					self->log_path,
					self->log_path,
					g_strerror(errno));
}

static GString *
hermes_reconciler_log_text(HermesReconciler *self)
{
	g_autofree gchar *ts = hermes_reconciler_timestamp();
	g_autofree gchar *summary = hermes_reconciler_format_summary(self);
	GString *text = g_string_new(NULL);

	for (guint i = 0; i < self->actions->len; i++) {
		g_autofree gchar *line =
			hermes_reconcile_action_to_string(g_ptr_array_index(self->actions, i));
		g_string_append_printf(text, "%s %s\n", ts, line);
	}
	g_string_append_printf(text, "%s %s\n", ts, summary);
	return text;
}

/* one write: concurrent appenders (two containers on one volume) do not interleave lines */
static gboolean
hermes_reconciler_write_all(gint fd, GString *text, const gchar *path, GError **error)
{
	gsize off = 0;
	while (off < text->len) {
		gssize n = write(fd, text->str + off, text->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			hermes_error_set_errno(error, errno, "cannot write %s", path);
			return FALSE;
		}
		off += (gsize)n;
	}
	if (fsync(fd) != 0) {
		hermes_error_set_errno(error, errno, "cannot sync %s", path);
		return FALSE;
	}
	return TRUE;
}

gboolean
hermes_reconciler_append_log(HermesReconciler *self, GError **error)
{
	g_autofree gchar *logs = g_build_filename(self->root, "logs", NULL);
	g_autoptr(GString) text = NULL;
	struct stat st;
	gboolean created;
	gboolean ok;
	gint logs_fd;
	gint fd;

	logs_fd = hermes_reconciler_open_logs(self, logs, error);
	if (logs_fd < 0)
		return FALSE;
	hermes_reconciler_rotate(self, logs_fd);
	created = fstatat(logs_fd, HERMES_RECONCILE_LOG_NAME, &st, AT_SYMLINK_NOFOLLOW) != 0;
	fd = hermes_safe_file_open_append(self->root, self->log_path, 0644, error);
	if (fd < 0) {
		close(logs_fd);
		return FALSE;
	}
	if (created)
		hermes_reconciler_adopt_owner_at(logs_fd, HERMES_RECONCILE_LOG_NAME, logs_fd);
	close(logs_fd);
	text = hermes_reconciler_log_text(self);
	ok = hermes_reconciler_write_all(fd, text, self->log_path, error);
	if (close(fd) != 0 && ok) {
		hermes_error_set_errno(error, errno, "cannot close %s", self->log_path);
		return FALSE;
	}
	return ok;
}
