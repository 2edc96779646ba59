/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Talking to s6 without forking: commands are letters written to a
 * control FIFO, events are bytes s6-supervise writes into every FIFO of
 * the slot's event/ fifodir (the ftrigw protocol).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-s6-control.h"
#include "hermes-s6-fs.h"

/* the FIFO @rel below @dir, opened without following a link anywhere below @root */
static gboolean
hermes_s6_control_write(const gchar *root,
			const gchar *dir,
			const gchar *rel,
			const gchar *who,
			const gchar *not_running,
			const gchar *command,
			GError **error)
{
	g_autofree gchar *fifo = g_build_filename(dir, rel, NULL);
	gsize len = strlen(command);
	gssize n;
	gint fd;

	fd = hermes_s6_open_beneath(root, dir, rel, O_WRONLY | O_NONBLOCK);
	if (fd < 0) {
		gint errsv = errno;
		if (errsv == ELOOP) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_PERMISSION_DENIED,
				    "refusing %s: a symbolic link is in the way",
				    fifo);
		} else if (errsv == ENXIO) {
			/* nobody reads the FIFO: say so at once rather than block */
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
				    "%s",
				    not_running);
		} else if (errsv == ENOENT) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
				    "%s: %s does not exist",
				    not_running,
				    fifo);
		} else if (errsv == EACCES || errsv == EPERM) {
			g_set_error(error,
				    HERMES_ERROR,
				    HERMES_ERROR_PERMISSION_DENIED,
				    "cannot control %s: permission denied on %s "
				    "(control needs root or membership of the file's group)",
				    who,
				    fifo);
		} else {
			hermes_error_set_errno(error, errsv, "cannot open %s", fifo);
		}
		return FALSE;
	}
	do {
		n = write(fd, command, len);
	} while (n < 0 && errno == EINTR);
	if (n != (gssize)len) {
		gint errsv = n < 0 ? errno : EAGAIN;
		close(fd);
		hermes_error_set_errno(error, errsv, "cannot send '%s' to %s", command, who);
		return FALSE;
	}
	close(fd);
	return TRUE;
}

gboolean
hermes_s6_control_slot(const gchar *slot_dir, const gchar *command, GError **error)
{
	g_autofree gchar *name = g_path_get_basename(slot_dir);
	g_autofree gchar *scandir = g_path_get_dirname(slot_dir);
	g_autofree gchar *not_running = g_strdup_printf(
		"no s6-supervise is running for %s (is s6-svscan running on %s?)", name, scandir);
	return hermes_s6_control_write(
		scandir, slot_dir, "supervise/control", name, not_running, command, error);
}

gboolean
hermes_s6_control_scanner(const gchar *scandir, const gchar *command, GError **error)
{
	g_autofree gchar *not_running = g_strdup_printf("s6-svscan is not running on %s", scandir);
	return hermes_s6_control_write(
		scandir, scandir, ".s6-svscan/control", "s6-svscan", not_running, command, error);
}

/* a scanner that reads its control FIFO is up; "" is a harmless write-nothing probe */
gboolean
hermes_s6_scanner_is_running(const gchar *scandir)
{
	gint fd = hermes_s6_open_beneath(
		scandir, scandir, ".s6-svscan/control", O_WRONLY | O_NONBLOCK);
	if (fd < 0)
		return FALSE;
	close(fd);
	return TRUE;
}

struct _HermesS6Watch {
	gchar *name;
	gint dir_fd; /* the event/ fifodir, opened without following a link */
	gint read_fd;
	gint write_fd; /* kept open so poll() never reports a hang-up between writers */
	GSource *source;
	HermesS6WatchFunc func;
	gpointer user_data;
};

static gboolean
hermes_s6_watch_ready_cb(gint fd, GIOCondition condition, gpointer user_data)
{
	HermesS6Watch *watch = user_data;
	gchar buf[64];
	gssize n = read(fd, buf, sizeof(buf));
	if (n > 0)
		watch->func(buf, (gsize)n, watch->user_data);
	return G_SOURCE_CONTINUE;
}

/* "ftrig1:@" + 24 hex digits of TAI64N + ":" + 6 random characters: 39, as s6 expects */
static gchar *
hermes_s6_watch_name(void)
{
	static const gchar alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	gint64 now = g_get_real_time();
	guint64 label =
		G_GUINT64_CONSTANT(4611686018427387904) + 37 + (guint64)(now / G_USEC_PER_SEC);
	guint32 nano = (guint32)(now % G_USEC_PER_SEC) * 1000;
	gchar rnd[7];
	for (guint i = 0; i < 6; i++)
		rnd[i] = alphabet[g_random_int_range(0, (gint)sizeof(alphabet) - 1)];
	rnd[6] = '\0';
	return g_strdup_printf("ftrig1:@%016" G_GINT64_MODIFIER "x%08x:%s", label, nano, rnd);
}

/*
 * The subscription FIFO is made under its final name, never a hidden one
 * renamed later: a `hermes` killed in between would leave a hidden FIFO
 * nobody ever removes, while a published one without a reader is removed by
 * s6-supervise at its next event (ENXIO). That same cleanup may take ours
 * before we opened it; then a new name is tried.
 */
static gboolean
hermes_s6_watch_open_fifo(HermesS6Watch *watch, const gchar *event_dir, GError **error)
{
	for (guint attempt = 0; attempt < 8; attempt++) {
		g_autofree gchar *name = hermes_s6_watch_name();
		/* group-writable: in a tree run by another account, s6-supervise writes as
		 * that group */
		if (mkfifoat(watch->dir_fd, name, 0620) != 0) {
			if (errno == EEXIST)
				continue;
			break;
		}
		watch->read_fd =
			openat(watch->dir_fd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
		if (watch->read_fd < 0 && errno == ENOENT)
			continue;
		watch->write_fd = watch->read_fd >= 0
					  ? openat(watch->dir_fd,
						   name,
						   O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)
					  : -1;
		if (watch->write_fd < 0) {
			gint errsv = errno;
			unlinkat(watch->dir_fd, name, 0);
			errno = errsv;
			break;
		}
		watch->name = g_steal_pointer(&name);
		return TRUE;
	}
	hermes_error_set_errno(error, errno, "cannot subscribe to %s", event_dir);
	return FALSE;
}

/**
 * hermes_s6_watch_new:
 * @event_dir: a slot's event/ fifodir
 * @context: (nullable): where the callback runs, %NULL for the thread default
 * @func: called with the event letters (u up, U ready, d died, D finish done,
 *   O permanent failure, s/x supervisor start/exit)
 * @user_data: for @func
 * @error: return location for a #GError
 *
 * Subscribe before sending a command, so no event is missed.
 *
 * Returns: (transfer full) (nullable): the subscription
 */
HermesS6Watch *
hermes_s6_watch_new(const gchar *event_dir,
		    GMainContext *context,
		    HermesS6WatchFunc func,
		    gpointer user_data,
		    GError **error)
{
	g_autofree gchar *parent = g_path_get_dirname(event_dir);
	g_autofree gchar *base = g_path_get_basename(event_dir);
	HermesS6Watch *watch;
	/* O_PATH: the fifodir (3730) lets its group in and create, not list */
	gint dir_fd = hermes_s6_open_beneath(NULL, parent, base, O_PATH | O_DIRECTORY);

	if (dir_fd < 0) {
		hermes_error_set_errno(error, errno, "cannot subscribe to %s", event_dir);
		return NULL;
	}
	watch = g_new0(HermesS6Watch, 1);
	watch->dir_fd = dir_fd;
	watch->read_fd = -1;
	watch->write_fd = -1;
	if (!hermes_s6_watch_open_fifo(watch, event_dir, error)) {
		hermes_s6_watch_free(watch);
		return NULL;
	}
	watch->func = func;
	watch->user_data = user_data;
	watch->source = g_unix_fd_source_new(watch->read_fd, G_IO_IN);
	g_source_set_callback(watch->source, G_SOURCE_FUNC(hermes_s6_watch_ready_cb), watch, NULL);
	g_source_set_name(watch->source, "hermes-s6-event");
	g_source_attach(watch->source,
			context != NULL ? context : g_main_context_get_thread_default());
	return watch;
}

void
hermes_s6_watch_free(HermesS6Watch *watch)
{
	if (watch == NULL)
		return;
	if (watch->source != NULL) {
		g_source_destroy(watch->source);
		g_source_unref(watch->source);
	}
	/* the slot may be gone already; then there is nothing to unlink */
	if (watch->name != NULL)
		unlinkat(watch->dir_fd, watch->name, 0);
	if (watch->read_fd >= 0)
		close(watch->read_fd);
	if (watch->write_fd >= 0)
		close(watch->write_fd);
	if (watch->dir_fd >= 0)
		close(watch->dir_fd);
	g_free(watch->name);
	g_free(watch);
}
