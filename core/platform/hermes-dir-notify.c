/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * A change in one directory (an entry created, renamed in or out, or
 * written), reported on the thread-default main context.
 *
 * Why not GFileMonitor: on Linux it takes an inotify instance, and a user
 * has 128 of them (fs.inotify.max_user_instances). Every `gateway run`
 * watches its home for a planned-stop marker, so a user's 129th gateway
 * got none, and from then on every other program of that user that wants
 * one (systemd --user, hermes-svcd, `gateway logs -f`, an editor) failed.
 * dnotify (fcntl F_NOTIFY) has no such budget: it costs one open
 * descriptor and tells by a signal. The signal is SIGUSR2, taken through
 * GLib's own unix signal sources, so it is dispatched on the main loop; one
 * sent by anyone else only costs the caller a look. Where the kernel has
 * no dnotify, the caller is told so and falls back to looking on a timer.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <signal.h>
#include <unistd.h>

#include "hermes-dir-notify.h"
#include "hermes-error.h"
#include "hermes-safe-file.h"

#define HERMES_DIR_NOTIFY_SIGNAL SIGUSR2

struct _HermesDirNotify {
	gint fd;
	guint signal_id;
	HermesDirNotifyFunc func;
	gpointer user_data;
};

static gboolean
hermes_dir_notify_signal_cb(gpointer user_data)
{
	HermesDirNotify *self = user_data;
	self->func(self->user_data);
	return G_SOURCE_CONTINUE;
}

/**
 * hermes_dir_notify_new:
 * @root: the trusted root @path is reached beneath (no link followed)
 * @path: the directory to watch (its direct entries, not below)
 * @func: called on the thread-default main context after a change
 * @user_data: for @func
 * @error: return location for a #GError
 *
 * One watch a process: the signal is the process's. Changes that come
 * together may be reported once; @func looks at what it cares about.
 *
 * Returns: (transfer full): the watch, or %NULL with
 * %HERMES_ERROR_NOT_SUPPORTED where the kernel has no dnotify
 */
HermesDirNotify *
hermes_dir_notify_new(const gchar *root,
		      const gchar *path,
		      HermesDirNotifyFunc func,
		      gpointer user_data,
		      GError **error)
{
#ifdef F_NOTIFY
	g_autoptr(HermesDirNotify) self = g_new0(HermesDirNotify, 1);

	g_return_val_if_fail(path != NULL && func != NULL, NULL);
	self->func = func;
	self->user_data = user_data;
	self->fd = hermes_safe_open_dir(root, path, error);
	if (self->fd < 0)
		return NULL;
	/* the handler first: the signal's default action ends the process */
	self->signal_id =
		g_unix_signal_add(HERMES_DIR_NOTIFY_SIGNAL, hermes_dir_notify_signal_cb, self);
	if (fcntl(self->fd, F_SETSIG, HERMES_DIR_NOTIFY_SIGNAL) != 0 ||
	    fcntl(self->fd, F_NOTIFY, DN_CREATE | DN_RENAME | DN_MODIFY | DN_MULTISHOT) != 0) {
		gint saved = errno;
		g_set_error(error,
			    HERMES_ERROR,
			    saved == EINVAL ? HERMES_ERROR_NOT_SUPPORTED : HERMES_ERROR_FAILED,
			    "cannot watch %s: %s",
			    path,
			    g_strerror(saved));
		return NULL;
	}
	return g_steal_pointer(&self);
#else
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_NOT_SUPPORTED,
		    "cannot watch %s: this system has no dnotify",
		    path);
	return NULL;
#endif
}

/**
 * hermes_dir_notify_free:
 * @self: (nullable): a watch
 *
 * Stops the watch. Closing the descriptor ends the kernel's side before
 * the handler goes; from then on the signal is ignored rather than fatal,
 * as a late one is neither a change nor a reason to die.
 */
void
hermes_dir_notify_free(HermesDirNotify *self)
{
	if (self == NULL)
		return;
	if (self->fd >= 0)
		close(self->fd);
	if (self->signal_id != 0) {
		g_source_remove(self->signal_id);
		signal(HERMES_DIR_NOTIFY_SIGNAL, SIG_IGN);
	}
	g_free(self);
}
