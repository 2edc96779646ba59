/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes doctor [--json]`: core runs the checks (core/doctor), this file
 * only renders them: one line per finding (status, check, subject, cause)
 * and, under a failed one, the command that fixes it. Exit 0 when every
 * check passed, 1 (HERMES_EXIT_FAILED) otherwise.
 */

#include "config.h"

#include "hermes-cli.h"

static void
hermes_cli_doctor_print_table(HermesCli *cli, GPtrArray *findings)
{
	gboolean colour = hermes_cli_use_colour(cli);
	guint failed = 0;

	g_print("%-6s %-22s %-16s %s\n", "STATUS", "CHECK", "SUBJECT", "CAUSE");
	for (guint i = 0; i < findings->len; i++) {
		HermesDoctorFinding *finding = g_ptr_array_index(findings, i);
		HermesDoctorStatus status = hermes_doctor_finding_get_status(finding);
		const gchar *subject = hermes_doctor_finding_get_subject(finding);
		const gchar *fix = hermes_doctor_finding_get_fix(finding);
		gboolean ok = status == HERMES_DOCTOR_STATUS_OK;
		if (!ok)
			failed++;
		g_print("%s%-6s%s %-22s %-16s %s\n",
			colour ? (ok ? "\033[32m" : "\033[31m") : "",
			hermes_doctor_status_to_string(status),
			colour ? "\033[0m" : "",
			hermes_doctor_finding_get_check(finding),
			subject != NULL ? subject : "-",
			hermes_doctor_finding_get_cause(finding));
		if (!ok && fix != NULL)
			g_print("       fix: %s\n", fix);
	}
	if (failed == 0)
		g_print("All %u checks passed.\n", findings->len);
	else
		g_print("%u of %u checks failed.\n", failed, findings->len);
}

static gint
hermes_cli_doctor(HermesCli *cli, gchar **args, GError **error)
{
	g_autoptr(GPtrArray) findings = hermes_doctor_run(cli->ctx, cli->backend, NULL);

	if (cli->json) {
		g_autoptr(JsonNode) root = hermes_doctor_to_json(findings);
		hermes_cli_print_json(root);
	} else {
		hermes_cli_doctor_print_table(cli, findings);
	}
	return hermes_doctor_all_ok(findings) ? HERMES_EXIT_OK : HERMES_EXIT_FAILED;
}

const HermesCliCommand hermes_cli_doctor_command = {
	NULL,
	NULL,
	0,
	"Check the home, the backends, the supervisor and every gateway; print each "
	"problem with the command that fixes it",
	HERMES_CLI_OPT_NONE,
	hermes_cli_doctor,
};
