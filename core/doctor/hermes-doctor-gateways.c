/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes doctor`, every gateway: the problems HermesGatewayReport already
 * works out (parked and why, intent running but down, stale runtime state,
 * port collisions, a supervisor gone), a named slot that wants up while the
 * multiplexer serves it, and a `gateway.pid` nobody runs under. Nothing is
 * re-derived here: the report, the multiplex rule and the pid record rule
 * decide; this file only turns their answers into findings.
 */

#include "config.h"

#include "hermes-doctor-private.h"
#include "hermes-error.h"
#include "hermes-gateway-report.h"
#include "hermes-multiplex.h"
#include "hermes-pid-record.h"
#include "hermes-profile.h"
#include "hermes-runner.h"

static void
hermes_doctor_add_problems(HermesGatewayReport *report, GPtrArray *findings)
{
	GPtrArray *problems = hermes_gateway_report_get_problems(report);
	const gchar *profile = hermes_gateway_report_get_profile(report);
	for (guint i = 0; i < problems->len; i++) {
		HermesGatewayProblem *problem = g_ptr_array_index(problems, i);
		g_autofree gchar *check =
			g_strdup_printf("gateway-%s",
					hermes_gateway_problem_code_to_string(
						hermes_gateway_problem_get_code(problem)));
		const gchar *fix = hermes_gateway_problem_get_fix(problem);
		g_ptr_array_add(
			findings,
			hermes_doctor_finding_new_fail(check,
						       profile,
						       hermes_gateway_problem_get_text(problem),
						       fix != NULL ? fix : "hermes status"));
	}
	if (problems->len == 0) {
		g_autofree gchar *cause = g_strdup_printf(
			"%s, intent %s",
			hermes_gateway_report_get_state(report),
			hermes_intent_to_string(hermes_gateway_report_get_intent(report, NULL)));
		g_ptr_array_add(findings, hermes_doctor_finding_new_ok("gateway", profile, cause));
	}
}

/*
 * Why a named profile's own gateway conflicts with the multiplexer, or NULL:
 * its intent says run (the next boot starts it), or the supervisor runs it or
 * wants it up now, whatever the state file says (a slot started by hand, or
 * by a tool that wrote no intent)
 */
static const gchar *
hermes_doctor_multiplex_conflict(HermesGatewayReport *row)
{
	HermesGatewayStatus *status = hermes_gateway_report_get_status(row);
	HermesGatewayState state = status != NULL ? hermes_gateway_status_get_state(status)
						  : HERMES_GATEWAY_STATE_UNKNOWN;
	if (state == HERMES_GATEWAY_STATE_UP || state == HERMES_GATEWAY_STATE_STARTING)
		return "runs";
	if (status != NULL && hermes_gateway_status_get_wanted(status) == HERMES_GATEWAY_WANTED_UP)
		return "is wanted up by the supervisor";
	if (hermes_gateway_report_get_intent(row, NULL) == HERMES_INTENT_RUN)
		return "is meant to run (its intent says running)";
	return NULL;
}

/* hermes-agent's multiplexer serves the named profiles: their own slots must stay down */
static void
hermes_doctor_check_multiplex(HermesServiceManager *manager, GPtrArray *rows, GPtrArray *findings)
{
	g_autoptr(HermesMultiplex) multiplex =
		hermes_multiplex_new(hermes_service_manager_get_context(manager));
	guint conflicts = 0;

	if (!hermes_multiplex_get_enabled(multiplex))
		return;
	for (guint i = 0; i < rows->len; i++) {
		HermesGatewayReport *row = g_ptr_array_index(rows, i);
		const gchar *profile = hermes_gateway_report_get_profile(row);
		g_autofree gchar *cause = NULL;
		g_autofree gchar *fix = NULL;
		const gchar *conflict = NULL;
		if (!hermes_multiplex_serves(multiplex, profile) ||
		    (conflict = hermes_doctor_multiplex_conflict(row)) == NULL)
			continue;
		conflicts++;
		cause = g_strdup_printf("multiplexing is on (%s): the default gateway serves '%s', "
					"yet its own slot %s",
					hermes_multiplex_get_reason(multiplex),
					profile,
					conflict);
		fix = g_strdup_printf("hermes -p %s gateway stop --force", profile);
		g_ptr_array_add(findings,
				hermes_doctor_finding_new_fail("multiplex", profile, cause, fix));
	}
	if (conflicts == 0)
		g_ptr_array_add(findings,
				hermes_doctor_finding_new_ok(
					"multiplex",
					NULL,
					"multiplexing is on and no named profile's slot wants up"));
}

void
hermes_doctor_check_gateways(HermesServiceManager *manager,
			     GCancellable *cancellable,
			     GPtrArray *findings)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GPtrArray) rows =
		hermes_gateway_report_collect(manager, NULL, cancellable, &error_local);

	if (rows == NULL) {
		g_ptr_array_add(
			findings,
			hermes_doctor_finding_new_fail("gateways",
						       hermes_service_manager_get_name(manager),
						       error_local->message,
						       "hermes backends"));
		return;
	}
	for (guint i = 0; i < rows->len; i++)
		hermes_doctor_add_problems(g_ptr_array_index(rows, i), findings);
	hermes_doctor_check_multiplex(manager, rows, findings);
}

/* one profile's gateway.pid, judged by the one pid record rule */
static HermesDoctorFinding *
hermes_doctor_pid_finding(HermesProfile *profile, const gchar *boot_id)
{
	const gchar *home = hermes_profile_get_home(profile);
	g_autofree gchar *root = g_path_get_dirname(home);
	g_autofree gchar *path = g_build_filename(home, HERMES_GATEWAY_PID_FILE, NULL);
	g_autofree gchar *canonical = NULL;
	g_autofree gchar *why = NULL;
	g_autofree gchar *cause = NULL;
	g_autofree gchar *fix = NULL;
	g_autoptr(HermesPidRecord) record = NULL;
	g_autoptr(GError) error_local = NULL;

	canonical = hermes_pid_canonical_home(root, home, NULL);
	if (canonical != NULL)
		record = hermes_pid_record_load(root, path, &error_local);
	if (record == NULL) {
		if (error_local == NULL ||
		    g_error_matches(error_local, HERMES_ERROR, HERMES_ERROR_NOT_FOUND))
			return NULL;
		cause = g_strdup_printf("unreadable gateway.pid: %s", error_local->message);
	} else if (hermes_pid_record_judge(record, canonical, boot_id, &why) ==
		   HERMES_PID_STATE_STALE) {
		cause = g_strdup_printf("stale gateway.pid: pid %" G_GINT64_FORMAT " %s",
					hermes_pid_record_get_pid(record),
					why != NULL ? why : "is not this home's gateway");
	} else {
		return NULL;
	}
	fix = g_strdup_printf("rm %s", path);
	return hermes_doctor_finding_new_fail(
		"gateway-pid", hermes_profile_get_name(profile), cause, fix);
}

void
hermes_doctor_check_pid_records(HermesContext *ctx, GPtrArray *findings)
{
	g_autoptr(GError) error_local = NULL;
	g_autoptr(GPtrArray) profiles = hermes_profile_list(ctx, &error_local);
	g_autofree gchar *boot_id = hermes_pid_boot_id();
	guint stale = 0;

	for (guint i = 0; profiles != NULL && i < profiles->len; i++) {
		HermesDoctorFinding *finding =
			hermes_doctor_pid_finding(g_ptr_array_index(profiles, i), boot_id);
		if (finding == NULL)
			continue;
		stale++;
		g_ptr_array_add(findings, finding);
	}
	if (stale == 0)
		g_ptr_array_add(
			findings,
			hermes_doctor_finding_new_ok("gateway-pid", NULL, "no stale gateway.pid"));
}
