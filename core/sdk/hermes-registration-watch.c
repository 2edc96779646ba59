/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The directory where a backend keeps its registrations (s6's scan
 * directory, systemd's unit directory, launchd's LaunchAgents), watched
 * for slots and units that appear or go, whoever adds or removes them.
 * Every backend needs the same decoding of directory events (an atomic
 * write is a rename onto the name, an unregister may be a rename away,
 * moves in and out) and the same answer: which profile, and is its
 * registration there now. It lives here once.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-registration-watch.h"

struct _HermesRegistrationWatch {
	GObject parent_instance;
	gchar *dir;
	GFileMonitor *monitor;
	HermesRegistrationNameFunc name_func;
	gpointer user_data;
};

G_DEFINE_FINAL_TYPE(HermesRegistrationWatch, hermes_registration_watch, G_TYPE_OBJECT)

enum {
	SIGNAL_CHANGED,
	SIGNAL_LAST
};
static guint signals[SIGNAL_LAST] = {0};

/* present is what the directory holds now, not what the event claims: events coalesce */
static void
hermes_registration_watch_report(HermesRegistrationWatch *self, GFile *file)
{
	g_autofree gchar *entry = NULL;
	g_autofree gchar *profile = NULL;
	struct stat st;
	gboolean present;

	if (file == NULL)
		return;
	entry = g_file_get_basename(file);
	profile = self->name_func(entry, self->user_data);
	if (profile == NULL)
		return;
	/* lstat below the watched directory: a link planted there is present, not followed */
	present = fstatat(AT_FDCWD, g_file_peek_path(file), &st, AT_SYMLINK_NOFOLLOW) == 0;
	g_signal_emit(self, signals[SIGNAL_CHANGED], 0, profile, present);
}

static void
hermes_registration_watch_changed_cb(GFileMonitor *monitor,
				     GFile *file,
				     GFile *other,
				     GFileMonitorEvent event,
				     gpointer user_data)
{
	HermesRegistrationWatch *self = HERMES_REGISTRATION_WATCH(user_data);
	switch (event) {
	case G_FILE_MONITOR_EVENT_RENAMED:
		/* both names: a temporary renamed onto a unit, a slot renamed away */
		hermes_registration_watch_report(self, file);
		hermes_registration_watch_report(self, other);
		break;
	case G_FILE_MONITOR_EVENT_CREATED:
	case G_FILE_MONITOR_EVENT_DELETED:
	case G_FILE_MONITOR_EVENT_MOVED_IN:
	case G_FILE_MONITOR_EVENT_MOVED_OUT:
		hermes_registration_watch_report(self, file);
		break;
	case G_FILE_MONITOR_EVENT_CHANGED:
	case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
	case G_FILE_MONITOR_EVENT_ATTRIBUTE_CHANGED:
	case G_FILE_MONITOR_EVENT_PRE_UNMOUNT:
	case G_FILE_MONITOR_EVENT_UNMOUNTED:
	case G_FILE_MONITOR_EVENT_MOVED:
	default:
		break;
	}
}

/**
 * hermes_registration_watch_new:
 * @dir: the directory of registrations; it must exist
 * @name_func: (scope notified): maps a directory entry to its profile
 * @user_data: for @name_func; must outlive the watch
 * @context: (nullable): where #HermesRegistrationWatch::changed is
 *   emitted; %NULL for the thread-default context of the caller
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the watch, or %NULL when the
 *   directory cannot be watched (the kernel's limit on inotify instances,
 *   a missing directory)
 */
HermesRegistrationWatch *
hermes_registration_watch_new(const gchar *dir,
			      HermesRegistrationNameFunc name_func,
			      gpointer user_data,
			      GMainContext *context,
			      GError **error)
{
	g_autoptr(HermesRegistrationWatch) self = NULL;
	g_autoptr(GFile) file = NULL;
	g_autoptr(GError) error_local = NULL;

	g_return_val_if_fail(dir != NULL, NULL);
	g_return_val_if_fail(name_func != NULL, NULL);
	self = g_object_new(HERMES_TYPE_REGISTRATION_WATCH, NULL);
	self->dir = g_strdup(dir);
	self->name_func = name_func;
	self->user_data = user_data;
	/* GLib would watch a missing directory for its creation, one level deep only */
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_NOT_FOUND,
			    "cannot watch %s: not a directory",
			    dir);
		return NULL;
	}
	file = g_file_new_for_path(dir);
	/* the monitor delivers its events to the context that is thread-default at creation */
	if (context != NULL)
		g_main_context_push_thread_default(context);
	self->monitor =
		g_file_monitor_directory(file, G_FILE_MONITOR_WATCH_MOVES, NULL, &error_local);
	if (context != NULL)
		g_main_context_pop_thread_default(context);
	if (self->monitor == NULL) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_FAILED,
			    "cannot watch %s: %s",
			    dir,
			    error_local->message);
		return NULL;
	}
	g_signal_connect(
		self->monitor, "changed", G_CALLBACK(hermes_registration_watch_changed_cb), self);
	return g_steal_pointer(&self);
}

/**
 * hermes_registration_watch_get_dir:
 * @self: a #HermesRegistrationWatch
 * Returns: the watched directory
 */
const gchar *
hermes_registration_watch_get_dir(HermesRegistrationWatch *self)
{
	g_return_val_if_fail(HERMES_IS_REGISTRATION_WATCH(self), NULL);
	return self->dir;
}

static void
hermes_registration_watch_dispose(GObject *object)
{
	HermesRegistrationWatch *self = HERMES_REGISTRATION_WATCH(object);
	if (self->monitor != NULL) {
		g_signal_handlers_disconnect_by_data(self->monitor, self);
		g_file_monitor_cancel(self->monitor);
	}
	g_clear_object(&self->monitor);
	G_OBJECT_CLASS(hermes_registration_watch_parent_class)->dispose(object);
}

static void
hermes_registration_watch_finalize(GObject *object)
{
	HermesRegistrationWatch *self = HERMES_REGISTRATION_WATCH(object);
	g_free(self->dir);
	G_OBJECT_CLASS(hermes_registration_watch_parent_class)->finalize(object);
}

static void
hermes_registration_watch_class_init(HermesRegistrationWatchClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = hermes_registration_watch_dispose;
	object_class->finalize = hermes_registration_watch_finalize;

	/**
	 * HermesRegistrationWatch::changed:
	 * @self: the watch
	 * @profile: the profile whose registration appeared, went or was replaced
	 * @present: whether the directory holds it now
	 */
	signals[SIGNAL_CHANGED] = g_signal_new("changed",
					       G_TYPE_FROM_CLASS(klass),
					       G_SIGNAL_RUN_LAST,
					       0,
					       NULL,
					       NULL,
					       NULL,
					       G_TYPE_NONE,
					       2,
					       G_TYPE_STRING,
					       G_TYPE_BOOLEAN);
}

static void
hermes_registration_watch_init(HermesRegistrationWatch *self)
{
}
