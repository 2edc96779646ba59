/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Events for status consumers, without polling: with a gateway-changed
 * handler connected, PropertiesChanged of each listed unit object and a
 * monitor on the unit directory (units coming and going) become
 * gateway-changed. Nothing is subscribed without a listener.
 */

#include "config.h"

#include "hermes-systemd-manager-private.h"

typedef struct {
	HermesSystemdManager *self;
	gchar *profile;
	GDBusConnection *connection;
	guint id;
} HermesSystemdWatch;

void
hermes_systemd_watch_free(gpointer data)
{
	HermesSystemdWatch *watch = data;
	if (watch->id != 0)
		g_dbus_connection_signal_unsubscribe(watch->connection, watch->id);
	g_clear_object(&watch->connection);
	g_free(watch->profile);
	g_free(watch);
}

gboolean
hermes_systemd_manager_has_listeners(HermesSystemdManager *self)
{
	guint signal_id = g_signal_lookup("gateway-changed", HERMES_TYPE_SERVICE_MANAGER);
	return g_signal_has_handler_pending(self, signal_id, 0, TRUE);
}

void
hermes_systemd_manager_emit(HermesSystemdManager *self, const gchar *profile)
{
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autoptr(GError) error_local = NULL;
	if (!hermes_systemd_manager_has_listeners(self))
		return;
	status = hermes_systemd_manager_status_of(self, profile, NULL, &error_local);
	if (status == NULL &&
	    !g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_REGISTERED)) {
		/* a transient read error is no news; the next change brings a status */
		g_debug("no status for %s: %s", profile, error_local->message);
		return;
	}
	hermes_service_manager_emit_gateway_changed(HERMES_SERVICE_MANAGER(self), profile, status);
}

static void
hermes_systemd_manager_properties_changed_cb(GDBusConnection *connection,
					     const gchar *sender,
					     const gchar *path,
					     const gchar *iface,
					     const gchar *signal,
					     GVariant *params,
					     gpointer user_data)
{
	HermesSystemdWatch *watch = user_data;
	const gchar *changed = NULL;
	if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(sa{sv}as)")))
		return;
	g_variant_get_child(params, 0, "&s", &changed);
	if (g_strcmp0(changed, HERMES_SYSTEMD_UNIT_IFACE) != 0 &&
	    g_strcmp0(changed, HERMES_SYSTEMD_SERVICE_IFACE) != 0)
		return;
	hermes_systemd_manager_emit(watch->self, watch->profile);
}

/* PropertiesChanged of the unit object, only when someone listens */
void
hermes_systemd_manager_watch_unit(HermesSystemdManager *self, const gchar *profile)
{
	g_autofree gchar *unit = NULL;
	g_autofree gchar *object_path = NULL;
	g_autoptr(GError) error_local = NULL;
	HermesSystemdWatch *watch;

	if (g_hash_table_contains(self->watches, profile) ||
	    !hermes_systemd_manager_has_listeners(self))
		return;
	/* no unit file, nothing to watch: loading it would only make systemd invent one */
	{
		g_autofree gchar *path = hermes_systemd_manager_unit_path(self, profile);
		if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
			return;
	}
	if (!hermes_systemd_manager_ensure_bus(self, NULL, &error_local)) {
		g_debug("no events for %s: %s", profile, error_local->message);
		return;
	}
	unit = hermes_systemd_unit_name(profile);
	/* the object path of a unit never changes, also across unloading */
	object_path = hermes_systemd_bus_load_unit(self->bus, unit, NULL, &error_local);
	if (object_path == NULL) {
		g_debug("no events for %s: %s", profile, error_local->message);
		return;
	}
	watch = g_new0(HermesSystemdWatch, 1);
	watch->self = self;
	watch->profile = g_strdup(profile);
	watch->connection = g_object_ref(self->bus->connection);
	/* delivered where the listener runs, whatever context this call happens in */
	g_main_context_push_thread_default(self->context);
	watch->id = g_dbus_connection_signal_subscribe(watch->connection,
						       self->bus->dest,
						       "org.freedesktop.DBus.Properties",
						       "PropertiesChanged",
						       object_path,
						       NULL,
						       G_DBUS_SIGNAL_FLAGS_NONE,
						       hermes_systemd_manager_properties_changed_cb,
						       watch,
						       NULL);
	g_main_context_pop_thread_default(self->context);
	g_hash_table_insert(self->watches, g_strdup(profile), watch);
}

static gchar *
hermes_systemd_manager_unit_profile_cb(const gchar *entry, gpointer user_data)
{
	return hermes_systemd_profile_from_unit(entry);
}

static void
hermes_systemd_manager_registration_cb(HermesRegistrationWatch *watch,
				       const gchar *profile,
				       gboolean present,
				       gpointer user_data)
{
	HermesSystemdManager *self = user_data;
	g_autofree gchar *path = hermes_systemd_manager_unit_path(self, profile);

	/* a unit is a regular file: anything else there is not one systemd would load */
	if (present && g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
		hermes_systemd_manager_watch_unit(self, profile);
		hermes_systemd_manager_emit(self, profile);
	} else if (g_hash_table_remove(self->watches, profile)) {
		hermes_service_manager_emit_gateway_changed(
			HERMES_SERVICE_MANAGER(self), profile, NULL);
	}
}

void
hermes_systemd_manager_watch_unit_dir(HermesSystemdManager *self)
{
	g_autoptr(GError) error_local = NULL;
	if (self->registrations != NULL || !hermes_systemd_manager_has_listeners(self) ||
	    !g_file_test(self->unit_dir, G_FILE_TEST_IS_DIR))
		return;
	self->registrations = hermes_registration_watch_new(self->unit_dir,
							    hermes_systemd_manager_unit_profile_cb,
							    self,
							    self->context,
							    &error_local);
	if (self->registrations == NULL) {
		g_debug("%s", error_local->message);
		return;
	}
	g_signal_connect(self->registrations,
			 "changed",
			 G_CALLBACK(hermes_systemd_manager_registration_cb),
			 self);
}
