/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Where a gateway's s6-log writes (see hermes_s6_render_log_run()): the
 * spec's log directory, else `<root>/logs/gateways/<profile>`, each line
 * stamped by the `T` directive. Core reads it.
 */

#include "config.h"

#include "hermes-s6-manager-private.h"

HermesLogSource *
hermes_s6_manager_get_log_source(HermesServiceManager *manager,
				 const gchar *profile,
				 GError **error)
{
	HermesS6Manager *self = HERMES_S6_MANAGER(manager);
	g_autoptr(HermesGatewaySpec) spec =
		hermes_gateway_spec_new_default(self->ctx, profile, error);
	const gchar *explicit_dir;
	g_autofree gchar *log_dir = NULL;
	if (spec == NULL)
		return NULL;
	explicit_dir = hermes_gateway_spec_get_log_directory(spec);
	if (explicit_dir != NULL)
		return hermes_log_source_new_s6(NULL, explicit_dir);
	log_dir = g_build_filename(self->root, "logs", "gateways", profile, NULL);
	return hermes_log_source_new_s6(self->root, log_dir);
}
