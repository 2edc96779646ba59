/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `HERMES_DASHBOARD=1` (1, true or yes in any case, as upstream's flags): the
 * boot reconcile also has the backend supervise the web dashboard beside the
 * gateways (`hermes-svcd --no-bus --http ADDR`), as hermes-agent's container
 * runs its dashboard in an s6 slot; without it, none (one left by an earlier
 * boot is removed). The dashboard is no gateway: it is no reconcile record
 * and never in the boot log.
 */

#include "config.h"

#include "hermes-error.h"
#include "hermes-reconciler-private.h"
#include "hermes-runner.h"

/* where `hermes dashboard url` and the main job look for it */
#define HERMES_DASHBOARD_DEFAULT_ADDR "127.0.0.1:9119"

static gchar *
hermes_reconciler_dashboard_svcd(HermesReconciler *self)
{
	const gchar *svcd = hermes_context_getenv(self->ctx, "HERMES_SVCD");
	if (svcd != NULL && svcd[0] != '\0')
		return g_strdup(svcd);
	return g_build_filename(HERMES_BINDIR, "hermes-svcd", NULL);
}

/*
 * What chose and configured this backend, so a companion finds the same
 * gateways: HERMES_SERVICE_MANAGER, HERMES_BACKEND_PATH and the backend's
 * own HERMES_<NAME>_* settings (HERMES_S6_SCANDIR, ...), where set; and
 * the variables starting with one of @prefixes (the companion's own).
 */
GStrv
hermes_reconciler_companion_env(HermesReconciler *self, const gchar *const *prefixes)
{
	g_autoptr(GStrvBuilder) env = g_strv_builder_new();
	g_auto(GStrv) all = hermes_context_get_environ(self->ctx);
	g_autofree gchar *backend =
		g_ascii_strup(hermes_service_manager_get_name(self->manager), -1);
	g_autofree gchar *own = g_strdup_printf("HERMES_%s_", backend);

	for (guint i = 0; all != NULL && all[i] != NULL; i++) {
		gboolean wanted = g_str_has_prefix(all[i], "HERMES_SERVICE_MANAGER=") ||
				  g_str_has_prefix(all[i], "HERMES_BACKEND_PATH=") ||
				  g_str_has_prefix(all[i], own);
		for (guint j = 0; !wanted && prefixes != NULL && prefixes[j] != NULL; j++)
			wanted = g_str_has_prefix(all[i], prefixes[j]);
		if (wanted)
			g_strv_builder_add(env, all[i]);
	}
	return g_strv_builder_end(env);
}

/* called at the end of a run; the outcome is one line for the caller to show */
void
hermes_reconciler_dashboard(HermesReconciler *self)
{
	const gchar *flag = hermes_context_getenv(self->ctx, "HERMES_DASHBOARD");
	const gchar *addr = hermes_context_getenv(self->ctx, "HERMES_DASHBOARD_ADDR");
	gboolean want = hermes_gateway_no_supervise(flag, NULL);
	g_autofree gchar *svcd = hermes_reconciler_dashboard_svcd(self);
	g_autoptr(GError) error_local = NULL;

	if (addr == NULL || addr[0] == '\0')
		addr = HERMES_DASHBOARD_DEFAULT_ADDR;
	if (self->dry_run) {
		if (want)
			self->dashboard_note =
				g_strdup_printf("dashboard: would be supervised on %s", addr);
		return;
	}
	if (want) {
		const gchar *argv[] = {svcd, "--no-bus", "--http", addr, NULL};
		g_auto(GStrv) envp = hermes_reconciler_companion_env(self, NULL);
		if (hermes_service_manager_set_companion(self->manager,
							 "dashboard",
							 argv,
							 (const gchar *const *)envp,
							 NULL,
							 &error_local))
			self->dashboard_note = g_strdup_printf(
				"dashboard: supervised on http://%s (`hermes dashboard url` gives "
				"its address with the token)",
				addr);
		else
			self->dashboard_note = g_strdup_printf(
				"warning: dashboard not supervised: %s", error_local->message);
		return;
	}
	/* off: a backend that cannot have one has none to remove */
	if (!hermes_service_manager_set_companion(
		    self->manager, "dashboard", NULL, NULL, NULL, &error_local) &&
	    !g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_SUPPORTED))
		self->dashboard_note = g_strdup_printf(
			"warning: the dashboard of an earlier boot was not removed: %s",
			error_local->message);
}

/**
 * hermes_reconciler_get_dashboard_note:
 * @self: a #HermesReconciler
 *
 * Returns: (nullable): one line on the dashboard the last run supervised
 *   (`HERMES_DASHBOARD=1`) or could not, starting `warning:` when it could
 *   not; %NULL when there is nothing to say
 */
const gchar *
hermes_reconciler_get_dashboard_note(HermesReconciler *self)
{
	g_return_val_if_fail(HERMES_IS_RECONCILER(self), NULL);
	return self->dashboard_note;
}
