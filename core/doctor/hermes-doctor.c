/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes doctor`: every check a user hits, each a HermesDoctorFinding
 * (status, one-line cause, the command that fixes it). The order is the
 * order a person would fix things in: the home, the backends, the
 * supervisor and its backend's own checks (the `doctor` vfunc, ABI 1.2),
 * then every gateway, the pid records and the bus for hermes-svcd.
 * Every check reuses the rule that owns it (home trust, the loader's
 * refusals, HermesGatewayReport, the multiplex and pid record rules);
 * nothing here waits longer than the backend's own bounded calls.
 */

#include "config.h"

#include "hermes-backend-loader.h"
#include "hermes-doctor-private.h"
#include "hermes-error.h"

/* no backend to act through: what the loader said, and the fix */
static void
hermes_doctor_no_backend(const GError *error, const gchar *forced, GPtrArray *findings)
{
	const gchar *fix = forced != NULL ? "hermes backends" : "sudo apt-get install s6";
	g_ptr_array_add(findings,
			hermes_doctor_finding_new_fail("supervisor", NULL, error->message, fix));
}

/* the backend's supervisor, asked through the wrappers (never waits unbounded) */
static gboolean
hermes_doctor_check_supervisor(HermesServiceManager *manager,
			       GCancellable *cancellable,
			       GPtrArray *findings)
{
	const gchar *name = hermes_service_manager_get_name(manager);
	const gchar *mode = hermes_service_manager_get_mode(manager);
	g_autoptr(GError) error_local = NULL;
	g_autofree gchar *detail = NULL;
	g_autofree gchar *cause = NULL;
	g_auto(GStrv) names = NULL;
	gboolean running = FALSE;
	gint64 pid = -1;

	if (hermes_service_manager_supervisor_status(
		    manager, &running, &pid, &detail, cancellable, &error_local)) {
		if (running) {
			cause = g_strdup_printf("%s is running (backend %s)", detail, name);
			g_ptr_array_add(findings,
					hermes_doctor_finding_new_ok("supervisor", name, cause));
			return TRUE;
		}
		cause = g_strdup_printf("no supervisor reachable: %s is not running", detail);
		g_ptr_array_add(
			findings,
			hermes_doctor_finding_new_fail("supervisor",
						       name,
						       cause,
						       g_strcmp0(mode, "embedded") == 0
							       ? "hermes supervisor start"
							       : "hermes supervisor status"));
		return FALSE;
	}
	/* a backend without a supervisor of its own: listing is what reaches it */
	g_clear_error(&error_local);
	names = hermes_service_manager_list_gateways(manager, cancellable, &error_local);
	if (names == NULL) {
		cause = g_strdup_printf("no supervisor reachable: %s", error_local->message);
		g_ptr_array_add(findings,
				hermes_doctor_finding_new_fail(
					"supervisor", name, cause, "hermes supervisor status"));
		return FALSE;
	}
	cause = g_strdup_printf("backend %s answers", name);
	g_ptr_array_add(findings, hermes_doctor_finding_new_ok("supervisor", name, cause));
	return TRUE;
}

static void
hermes_doctor_check_backend_own(HermesServiceManager *manager,
				GCancellable *cancellable,
				GPtrArray *findings)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GPtrArray) own =
		hermes_service_manager_doctor(manager, cancellable, &error_local);
	if (own == NULL) {
		g_ptr_array_add(
			findings,
			hermes_doctor_finding_new_fail("backend-checks",
						       hermes_service_manager_get_name(manager),
						       error_local->message,
						       "hermes backends"));
		return;
	}
	for (guint i = 0; i < own->len; i++)
		g_ptr_array_add(findings, hermes_doctor_finding_ref(g_ptr_array_index(own, i)));
}

/**
 * hermes_doctor_run:
 * @ctx: the machine and the home
 * @forced: (nullable): a backend name, as `--backend` gives it
 * @cancellable: (nullable): a #GCancellable
 *
 * Runs every check (see the top of hermes-doctor.c and docs/cli.md). A
 * check that cannot run is itself a failed finding, so this never fails.
 *
 * Returns: (transfer container) (element-type HermesDoctorFinding): the findings, in order
 */
GPtrArray *
hermes_doctor_run(HermesContext *ctx, const gchar *forced, GCancellable *cancellable)
{
	GPtrArray *findings =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_doctor_finding_unref);
	g_autoptr(GPtrArray) plugins = NULL;
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(GError) error_local = NULL;
	HermesPlugin *chosen;

	g_return_val_if_fail(HERMES_IS_CONTEXT(ctx), findings);
	hermes_doctor_check_home(ctx, findings);
	plugins = hermes_backend_loader_discover(ctx);
	hermes_doctor_check_backends(plugins, findings);
	if (forced == NULL || forced[0] == '\0')
		forced = hermes_context_getenv(ctx, "HERMES_SERVICE_MANAGER");
	if (forced != NULL && forced[0] == '\0')
		forced = NULL;
	chosen = hermes_backend_loader_choose(plugins, forced, &error_local);
	if (chosen != NULL)
		manager = hermes_plugin_create_manager(chosen, ctx, &error_local);
	if (manager == NULL) {
		hermes_doctor_no_backend(error_local, forced, findings);
	} else {
		hermes_doctor_check_supervisor(manager, cancellable, findings);
		hermes_doctor_check_backend_own(manager, cancellable, findings);
		hermes_doctor_check_gateways(manager, cancellable, findings);
	}
	hermes_doctor_check_pid_records(ctx, findings);
	hermes_doctor_check_bus(ctx, findings);
	return findings;
}

/**
 * hermes_doctor_all_ok:
 * @findings: (element-type HermesDoctorFinding): what hermes_doctor_run() found
 *
 * Returns: %TRUE when every check passed
 */
gboolean
hermes_doctor_all_ok(GPtrArray *findings)
{
	g_return_val_if_fail(findings != NULL, FALSE);
	for (guint i = 0; i < findings->len; i++) {
		if (hermes_doctor_finding_get_status(g_ptr_array_index(findings, i)) !=
		    HERMES_DOCTOR_STATUS_OK)
			return FALSE;
	}
	return TRUE;
}

/**
 * hermes_doctor_to_json:
 * @findings: (element-type HermesDoctorFinding): what hermes_doctor_run() found
 *
 * Returns: (transfer full): `{"ok": bool, "failed": n, "findings": [...]}`
 */
JsonNode *
hermes_doctor_to_json(GPtrArray *findings)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	guint failed = 0;

	g_return_val_if_fail(findings != NULL, NULL);
	for (guint i = 0; i < findings->len; i++) {
		if (hermes_doctor_finding_get_status(g_ptr_array_index(findings, i)) !=
		    HERMES_DOCTOR_STATUS_OK)
			failed++;
	}
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "ok");
	json_builder_add_boolean_value(builder, failed == 0);
	json_builder_set_member_name(builder, "failed");
	json_builder_add_int_value(builder, failed);
	json_builder_set_member_name(builder, "findings");
	json_builder_begin_array(builder);
	for (guint i = 0; i < findings->len; i++)
		json_builder_add_value(
			builder, hermes_doctor_finding_to_json(g_ptr_array_index(findings, i)));
	json_builder_end_array(builder);
	json_builder_end_object(builder);
	return json_builder_get_root(builder);
}
