/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The systemd backend's own checks for `hermes doctor` (the `doctor` vfunc,
 * ABI 1.2): linger for user units, by the one lookup the backend already
 * makes (hermes-systemd-linger.c: logind's flag file under the context's
 * root, then logind on the system bus with a bounded call). System units
 * need no linger, so system scope has no check here.
 */

#include "config.h"

#include "hermes-systemd-linger.h"
#include "hermes-systemd-manager-private.h"

GPtrArray *
hermes_systemd_manager_doctor(HermesServiceManager *manager,
			      GCancellable *cancellable,
			      GError **error)
{
	HermesSystemdManager *self = HERMES_SYSTEMD_MANAGER(manager);
	GPtrArray *findings =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_doctor_finding_unref);
	const gchar *linger = hermes_systemd_manager_linger(self);
	g_autofree gchar *cause = NULL;
	g_autofree gchar *fix = NULL;

	if (linger == NULL)
		return findings;
	if (g_strcmp0(linger, "yes") == 0) {
		cause = g_strdup_printf(
			"linger is on for %s (%s)", self->user, self->linger_source);
		g_ptr_array_add(findings,
				hermes_doctor_finding_new_ok("systemd-linger", self->user, cause));
		return findings;
	}
	cause = g_strdup_printf("linger is off for %s (%s): its user units stop at logout and do "
				"not start at boot",
				self->user,
				self->linger_source);
	fix = hermes_systemd_linger_fix(self->user);
	g_ptr_array_add(findings,
			hermes_doctor_finding_new_fail("systemd-linger", self->user, cause, fix));
	return findings;
}
