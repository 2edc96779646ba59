/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * gateway-changed for status consumers: one event subscription per slot and
 * a monitor on the scan directory, only while someone listens. No polling.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-platform.h"
#include "hermes-s6-control.h"
#include "hermes-s6-fs.h"
#include "hermes-s6-manager-private.h"
#include "hermes-s6-render.h"
#include "hermes-s6-status.h"

static void
hermes_s6_manager_emit(HermesS6Manager *self, const gchar *profile)
{
	g_autoptr(HermesGatewayStatus) status = hermes_s6_manager_status_of(self, profile, NULL);
	hermes_service_manager_emit_gateway_changed(HERMES_SERVICE_MANAGER(self), profile, status);
}

typedef struct {
	HermesS6Manager *self;
	gchar *profile;
} HermesS6EventTarget;

static void
hermes_s6_event_target_free(gpointer data)
{
	HermesS6EventTarget *target = data;
	g_free(target->profile);
	g_free(target);
}

static void
hermes_s6_manager_event_cb(const gchar *events, gsize n, gpointer user_data)
{
	HermesS6EventTarget *target = user_data;
	hermes_s6_manager_emit(target->self, target->profile);
}

typedef struct {
	HermesS6Watch *watch;
	HermesS6EventTarget *target;
} HermesS6Subscription;

void
hermes_s6_subscription_free(gpointer data)
{
	HermesS6Subscription *sub = data;
	hermes_s6_watch_free(sub->watch);
	hermes_s6_event_target_free(sub->target);
	g_free(sub);
}

/* subscriptions cost a FIFO and two fds per slot: only for someone listening */
static gboolean
hermes_s6_manager_has_listeners(HermesS6Manager *self)
{
	guint signal_id = g_signal_lookup("gateway-changed", HERMES_TYPE_SERVICE_MANAGER);
	return g_signal_has_handler_pending(self, signal_id, 0, TRUE);
}

void
hermes_s6_manager_watch_slot(HermesS6Manager *self, const gchar *profile)
{
	g_autofree gchar *slot_dir = NULL;
	g_autofree gchar *event_dir = NULL;
	g_autoptr(GError) error_local = NULL;
	HermesS6Subscription *sub;

	if (g_hash_table_contains(self->watches, profile) || !hermes_s6_manager_has_listeners(self))
		return;
	slot_dir = hermes_s6_manager_slot_dir(self, profile);
	event_dir = g_build_filename(slot_dir, "event", NULL);
	sub = g_new0(HermesS6Subscription, 1);
	sub->target = g_new0(HermesS6EventTarget, 1);
	sub->target->self = self;
	sub->target->profile = g_strdup(profile);
	sub->watch = hermes_s6_watch_new(
		event_dir, self->context, hermes_s6_manager_event_cb, sub->target, &error_local);
	if (sub->watch == NULL) {
		/* a reader without access to event/ still gets status, just no events */
		g_debug("no events for %s: %s", profile, error_local->message);
		hermes_s6_subscription_free(sub);
		return;
	}
	g_hash_table_insert(self->watches, g_strdup(profile), sub);
}

gchar *
hermes_s6_profile_from_slot(const gchar *name)
{
	if (!g_str_has_prefix(name, "gateway-"))
		return NULL;
	if (!hermes_profile_name_validate(name + strlen("gateway-"), NULL))
		return NULL;
	return g_strdup(name + strlen("gateway-"));
}

static void
hermes_s6_manager_scandir_changed_cb(GFileMonitor *monitor,
				     GFile *file,
				     GFile *other,
				     GFileMonitorEvent event,
				     gpointer user_data)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(user_data);
	g_autofree gchar *name = NULL;
	g_autofree gchar *profile = NULL;
	GFile *subject = file;

	if (event == G_FILE_MONITOR_EVENT_MOVED_IN || event == G_FILE_MONITOR_EVENT_RENAMED)
		subject = other != NULL && event == G_FILE_MONITOR_EVENT_RENAMED ? other : file;
	name = g_file_get_basename(subject);
	profile = hermes_s6_profile_from_slot(name);
	if (profile == NULL) {
		/* a slot renamed away (unregister) leaves under its old name */
		if (event == G_FILE_MONITOR_EVENT_RENAMED) {
			g_autofree gchar *old = g_file_get_basename(file);
			g_autofree gchar *gone = hermes_s6_profile_from_slot(old);
			if (gone != NULL && g_hash_table_remove(self->watches, gone))
				hermes_service_manager_emit_gateway_changed(
					HERMES_SERVICE_MANAGER(self), gone, NULL);
		}
		return;
	}
	switch (event) {
	case G_FILE_MONITOR_EVENT_CREATED:
	case G_FILE_MONITOR_EVENT_MOVED_IN:
	case G_FILE_MONITOR_EVENT_RENAMED:
		hermes_s6_manager_watch_slot(self, profile);
		hermes_s6_manager_emit(self, profile);
		break;
	case G_FILE_MONITOR_EVENT_DELETED:
	case G_FILE_MONITOR_EVENT_MOVED_OUT:
		if (g_hash_table_remove(self->watches, profile))
			hermes_service_manager_emit_gateway_changed(
				HERMES_SERVICE_MANAGER(self), profile, NULL);
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

void
hermes_s6_manager_watch_scandir(HermesS6Manager *self)
{
	g_autoptr(GFile) dir = NULL;
	g_autoptr(GError) error_local = NULL;
	if (self->monitor != NULL || !hermes_s6_manager_has_listeners(self))
		return;
	dir = g_file_new_for_path(self->scandir);
	self->monitor =
		g_file_monitor_directory(dir, G_FILE_MONITOR_WATCH_MOVES, NULL, &error_local);
	if (self->monitor == NULL) {
		g_debug("cannot watch %s: %s", self->scandir, error_local->message);
		return;
	}
	g_signal_connect(
		self->monitor, "changed", G_CALLBACK(hermes_s6_manager_scandir_changed_cb), self);
}
