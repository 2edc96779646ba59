/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Where launchd writes a gateway's output: the plist's StandardOutPath and
 * StandardErrorPath, both in the log directory the render puts them in.
 * launchd stamps nothing, so they are plain files; core reads them.
 */

#include "config.h"

#include "hermes-launchd-manager-private.h"
#include "hermes-launchd-render.h"

HermesLogSource *
hermes_launchd_manager_get_log_source(HermesServiceManager *manager,
				      const gchar *profile,
				      GError **error)
{
	HermesLaunchdManager *self = HERMES_LAUNCHD_MANAGER(manager);
	g_autofree gchar *home = hermes_launchd_manager_home(self, profile);
	g_autoptr(HermesGatewaySpec) spec =
		hermes_gateway_spec_new_default(self->ctx, profile, error);
	HermesLaunchdRenderOptions opts = {home, NULL};
	g_autofree gchar *log_dir = NULL;
	const gchar *files[] = {HERMES_LAUNCHD_STDOUT_LOG, HERMES_LAUNCHD_STDERR_LOG, NULL};
	if (spec == NULL)
		return NULL;
	log_dir = hermes_launchd_render_log_dir(&opts, spec);
	/* a log directory of the spec's own choosing is trusted from its parent down */
	return hermes_log_source_new_plain(
		hermes_gateway_spec_get_log_directory(spec) == NULL ? self->root : NULL,
		log_dir,
		files);
}
