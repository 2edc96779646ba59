/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Where systemd keeps a gateway's output: the journal, under its unit (a
 * user unit in user scope). Core reads it through sd-journal.
 */

#include "config.h"

#include "hermes-systemd-manager-private.h"

HermesLogSource *
hermes_systemd_manager_get_log_source(HermesServiceManager *manager,
				      const gchar *profile,
				      GError **error)
{
	HermesSystemdManager *self = HERMES_SYSTEMD_MANAGER(manager);
	g_autofree gchar *unit = hermes_systemd_unit_name(profile);
	return hermes_log_source_new_journal(unit, self->scope == HERMES_SYSTEMD_SCOPE_SYSTEM);
}
