/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Detection: sd_booted(), then which manager answers where, and linger.
 */

#include "config.h"

#include "hermes-platform.h"
#include "hermes-systemd-linger.h"
#include "hermes-systemd-manager-private.h"

/*
 * sd_booted() decides, and the score does not drop when the manager does
 * not answer: a systemd host then reports why (and the fix) instead of
 * silently falling back to another backend.
 */
static guint
hermes_systemd_probe(HermesContext *ctx, gchar **reason)
{
	g_autofree gchar *dir = hermes_context_build_path(ctx, "/run/systemd/system");
	g_autoptr(HermesSystemdEndpoints) endpoints = NULL;
	g_autoptr(HermesSystemdBus) bus = NULL;
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	HermesSystemdScope scope = HERMES_SYSTEMD_SCOPE_USER;
	const gchar *why_scope;

	if (g_strcmp0(hermes_context_get_os(ctx), "linux") != 0) {
		*reason =
			g_strdup_printf("not Linux (this host is %s)", hermes_context_get_os(ctx));
		return HERMES_BACKEND_SCORE_NONE;
	}
	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		*reason = g_strdup_printf("%s does not exist: systemd is not PID 1", dir);
		return HERMES_BACKEND_SCORE_NONE;
	}
	g_string_append_printf(out, "%s exists: systemd is PID 1", dir);
	if (!hermes_systemd_scope_from_env(ctx, &scope, &error_local)) {
		g_string_append_printf(out, ", but %s", error_local->message);
		*reason = g_string_free(g_steal_pointer(&out), FALSE);
		return HERMES_BACKEND_SCORE_HOST;
	}
	why_scope =
		scope == HERMES_SYSTEMD_SCOPE_SYSTEM
			? "system scope (HERMES_SYSTEMD_SCOPE=system)"
			: "user scope (the default; HERMES_SYSTEMD_SCOPE=system picks the system "
			  "manager)";
	endpoints = hermes_systemd_endpoints_new(ctx, scope, hermes_platform_get_euid());
	bus = hermes_systemd_bus_connect(endpoints, FALSE, NULL, &error_local);
	if (bus == NULL) {
		g_string_append_printf(out, "; %s, but %s", why_scope, error_local->message);
		*reason = g_string_free(g_steal_pointer(&out), FALSE);
		return HERMES_BACKEND_SCORE_HOST;
	}
	{
		g_autofree gchar *who = hermes_systemd_endpoints_describe(endpoints);
		g_autofree gchar *version = hermes_systemd_bus_get_version(bus, NULL);
		g_autofree gchar *notes = hermes_systemd_join(endpoints->notes);
		g_string_append_printf(out,
				       "; %s: %s (systemd %s) answers on %s",
				       why_scope,
				       who,
				       version != NULL ? version : "?",
				       bus->description);
		if (notes[0] != '\0')
			g_string_append_printf(out, " (%s)", notes);
	}
	if (scope == HERMES_SYSTEMD_SCOPE_USER) {
		g_autofree gchar *source = NULL;
		const gchar *linger =
			hermes_systemd_linger_check(ctx, endpoints->user, endpoints->uid, &source);
		if (g_strcmp0(linger, "yes") == 0) {
			g_string_append_printf(out, "; linger is on (%s)", source);
		} else {
			g_autofree gchar *fix = hermes_systemd_linger_fix(endpoints->user);
			g_string_append_printf(out,
					       "; linger is off (%s): gateways stop at logout and "
					       "do not start at boot; fix: %s",
					       source,
					       fix);
		}
	} else if (endpoints->uid != 0) {
		g_string_append(out, "; changing system units needs root");
	}
	*reason = g_string_free(g_steal_pointer(&out), FALSE);
	return HERMES_BACKEND_SCORE_HOST;
}

HERMES_BACKEND_DEFINE("systemd",
		      PACKAGE_VERSION,
		      hermes_systemd_manager_get_type,
		      hermes_systemd_probe)
