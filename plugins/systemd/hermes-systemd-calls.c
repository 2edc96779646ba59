/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The manager's calls into systemd: the connection, made on first use and
 * again after the manager went away; reading a unit; Reload,
 * ResetFailedUnit and EnableUnitFiles; and linger, looked up once.
 */

#include "config.h"

#include "hermes-systemd-linger.h"
#include "hermes-systemd-manager-private.h"

gboolean
hermes_systemd_manager_ensure_bus(HermesSystemdManager *self,
				  GCancellable *cancellable,
				  GError **error)
{
	g_autoptr(HermesSystemdEndpoints) endpoints = NULL;
	if (self->bus != NULL && !g_dbus_connection_is_closed(self->bus->connection))
		return TRUE;
	/* the manager went away (daemon-reexec, logout): subscriptions died with it */
	g_hash_table_remove_all(self->watches);
	g_clear_pointer(&self->bus, hermes_systemd_bus_free);
	endpoints = hermes_systemd_endpoints_new(self->ctx, self->scope, self->uid);
	self->bus = hermes_systemd_bus_connect(endpoints, TRUE, cancellable, error);
	return self->bus != NULL;
}

const gchar *
hermes_systemd_manager_linger(HermesSystemdManager *self)
{
	if (self->scope != HERMES_SYSTEMD_SCOPE_USER)
		return NULL;
	if (self->linger == NULL)
		self->linger = g_strdup(hermes_systemd_linger_check(
			self->ctx, self->user, self->uid, &self->linger_source));
	return self->linger;
}

gboolean
hermes_systemd_manager_read(HermesSystemdManager *self,
			    const gchar *unit,
			    HermesSystemdUnitFacts *facts,
			    GCancellable *cancellable,
			    GError **error)
{
	if (!hermes_systemd_bus_read_unit(self->bus, unit, facts, cancellable, error)) {
		g_prefix_error(error, "cannot read %s: ", unit);
		return FALSE;
	}
	return TRUE;
}

gboolean
hermes_systemd_manager_reload(HermesSystemdManager *self, GCancellable *cancellable, GError **error)
{
	g_autoptr(GVariant) reply =
		hermes_systemd_bus_call(self->bus, "Reload", NULL, NULL, cancellable, error);
	if (reply == NULL) {
		g_prefix_error(error, "daemon-reload: ");
		return FALSE;
	}
	return TRUE;
}

void
hermes_systemd_manager_reset_failed(HermesSystemdManager *self, const gchar *unit)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GVariant) reply = hermes_systemd_bus_call(
		self->bus, "ResetFailedUnit", g_variant_new("(s)", unit), NULL, NULL, &error_local);
	if (reply == NULL)
		g_debug("ResetFailedUnit %s: %s", unit, error_local->message);
}

gboolean
hermes_systemd_manager_enable(HermesSystemdManager *self,
			      const gchar *unit,
			      GCancellable *cancellable,
			      GError **error)
{
	g_autoptr(GVariant) reply = NULL;
	const gchar *units[] = {unit, NULL};
	reply = hermes_systemd_bus_call(self->bus,
					"EnableUnitFiles",
					g_variant_new("(^asbb)", units, FALSE, TRUE),
					"(ba(sss))",
					cancellable,
					error);
	if (reply == NULL) {
		g_prefix_error(error, "enable %s: ", unit);
		return FALSE;
	}
	/* the bare D-Bus call does not reload, unlike systemctl enable */
	return hermes_systemd_manager_reload(self, cancellable, error);
}
