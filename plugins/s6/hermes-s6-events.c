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

static gchar *
hermes_s6_manager_slot_profile_cb(const gchar *entry, gpointer user_data)
{
	return hermes_s6_profile_from_slot(entry);
}

static void
hermes_s6_manager_registration_cb(HermesRegistrationWatch *watch,
				  const gchar *profile,
				  gboolean present,
				  gpointer user_data)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(user_data);
	if (present) {
		hermes_s6_manager_watch_slot(self, profile);
		hermes_s6_manager_emit(self, profile);
	} else if (g_hash_table_remove(self->watches, profile)) {
		hermes_service_manager_emit_gateway_changed(
			HERMES_SERVICE_MANAGER(self), profile, NULL);
	}
}

void
hermes_s6_manager_watch_scandir(HermesS6Manager *self)
{
	g_autoptr(GError) error_local = NULL;
	if (self->registrations != NULL || !hermes_s6_manager_has_listeners(self))
		return;
	self->registrations = hermes_registration_watch_new(
		self->scandir, hermes_s6_manager_slot_profile_cb, self, NULL, &error_local);
	if (self->registrations == NULL) {
		g_debug("%s", error_local->message);
		return;
	}
	g_signal_connect(self->registrations,
			 "changed",
			 G_CALLBACK(hermes_s6_manager_registration_cb),
			 self);
}
