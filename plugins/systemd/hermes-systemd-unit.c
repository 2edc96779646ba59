/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * One gateway's unit as this manager sees it: the unit directory of the
 * scope, the unit file's path, whether systemd loaded exactly that file,
 * and the status that results.
 */

#include "config.h"

#include "hermes-systemd-linger.h"
#include "hermes-systemd-manager-private.h"

gchar *
hermes_systemd_unit_dir(HermesContext *ctx, HermesSystemdScope scope)
{
	const gchar *config = hermes_context_getenv(ctx, "XDG_CONFIG_HOME");
	if (scope == HERMES_SYSTEMD_SCOPE_SYSTEM)
		return hermes_context_build_path(ctx, "/etc/systemd/system");
	if (config != NULL && g_path_is_absolute(config))
		return g_build_filename(config, "systemd", "user", NULL);
	return g_build_filename(
		hermes_context_get_home_dir(ctx), ".config", "systemd", "user", NULL);
}

gchar *
hermes_systemd_manager_unit_path(HermesSystemdManager *self, const gchar *profile)
{
	g_autofree gchar *name = hermes_systemd_unit_name(profile);
	return g_build_filename(self->unit_dir, name, NULL);
}

gboolean
hermes_systemd_manager_need_unit(HermesSystemdManager *self,
				 const gchar *profile,
				 const gchar *path,
				 GError **error)
{
	if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
		return TRUE;
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_NOT_REGISTERED,
		    "gateway '%s' is not registered with systemd (no %s)",
		    profile,
		    path);
	return FALSE;
}

/* the unit file exists; systemd must also have loaded exactly that file */
gboolean
hermes_systemd_manager_check_loaded(HermesSystemdManager *self,
				    const gchar *path,
				    const HermesSystemdUnitFacts *facts,
				    GError **error)
{
	if (g_strcmp0(facts->load_state, "loaded") == 0)
		return TRUE;
	if (g_strcmp0(facts->load_state, "not-found") == 0) {
		g_set_error(error,
			    HERMES_ERROR,
			    HERMES_ERROR_COMMAND_FAILED,
			    "systemd does not see %s: %s is not on the unit search path of %s "
			    "(a different XDG_CONFIG_HOME?)",
			    path,
			    self->unit_dir,
			    self->bus->description);
		return FALSE;
	}
	g_set_error(error,
		    HERMES_ERROR,
		    HERMES_ERROR_INVALID_DATA,
		    "systemd cannot load %s (load state %s)",
		    path,
		    facts->load_state != NULL ? facts->load_state : "unknown");
	return FALSE;
}

HermesGatewayStatus *
hermes_systemd_manager_status_of(HermesSystemdManager *self,
				 const gchar *profile,
				 GCancellable *cancellable,
				 GError **error)
{
	g_autofree gchar *path = hermes_systemd_manager_unit_path(self, profile);
	g_autofree gchar *unit = hermes_systemd_unit_name(profile);
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	HermesGatewayStatus *status;
	const gchar *linger;

	if (!hermes_systemd_manager_need_unit(self, profile, path, error))
		return NULL;
	if (!hermes_systemd_manager_ensure_bus(self, cancellable, error))
		return NULL;
	if (!hermes_systemd_manager_read(self, unit, &facts, cancellable, error))
		return NULL;
	status = hermes_systemd_status_to_gateway(profile, &facts);
	hermes_gateway_status_set_raw(
		status, "systemd.scope", hermes_systemd_scope_to_string(self->scope));
	linger = hermes_systemd_manager_linger(self);
	if (linger != NULL)
		hermes_gateway_status_set_raw(status, "systemd.linger", linger);
	if (g_strcmp0(linger, "no") == 0) {
		g_autofree gchar *fix = hermes_systemd_linger_fix(self->user);
		hermes_gateway_status_set_raw(status, "systemd.linger_fix", fix);
	}
	if (g_strcmp0(facts.load_state, "loaded") != 0) {
		g_autoptr(GError) why = NULL;
		hermes_systemd_manager_check_loaded(self, path, &facts, &why);
		hermes_gateway_status_set_raw(status, "systemd.reason", why->message);
	}
	return status;
}
