/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * launchctl's text: the input is read both as `launchctl print` and as
 * `launchctl list <label>` output (the control code falls back from one
 * to the other), and each result is turned into a status. The text is
 * what g_spawn captured, so it ends at the first NUL like the C string
 * the control code hands on.
 */

#include "config.h"

#include "hermes-fuzz.h"
#include "hermes-launchd-parse.h"

static void
hermes_fuzz_launchd_judge(const HermesLaunchdJobInfo *info)
{
	g_autoptr(HermesGatewayStatus) status = hermes_launchd_job_info_to_status("fuzz", info);
	g_assert_true(info->pid >= 0 && info->pid <= G_MAXINT32);
	g_assert_true(info->runs >= -1);
	g_assert_true(info->last_signal >= 0 && info->last_signal <= 127);
	hermes_fuzz_consume_status(status);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree gchar *text = g_strndup((const gchar *)data, size);
	g_auto(HermesLaunchdJobInfo) print = {0};
	g_auto(HermesLaunchdJobInfo) list = {0};

	hermes_fuzz_init();
	hermes_launchd_parse_print(text, &print);
	g_assert_cmpstr(print.source, ==, "print");
	hermes_fuzz_launchd_judge(&print);
	hermes_launchd_parse_list(text, &list);
	g_assert_cmpstr(list.source, ==, "list");
	hermes_fuzz_launchd_judge(&list);
	return 0;
}
