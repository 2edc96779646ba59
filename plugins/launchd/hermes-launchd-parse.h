/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-backend.h"

G_BEGIN_DECLS

/**
 * HermesLaunchdJobInfo:
 * @recognised: the text looked like the output it was parsed as
 * @source: `print` or `list`, whichever filled it in
 * @state: `print`'s `state` (`running`, `spawn scheduled`, `not running`, …), or %NULL
 * @pid: the supervised process, 0 when there is none
 * @runs: how often launchd started the job, -1 when not known
 * @last_exit_code: the last exit code, -1 when not known or never exited
 * @last_signal: the signal that ended the last run, 0 when none is known
 * @last_exit: the last exit as launchctl wrote it (`78: EX_CONFIG`, `(never exited)`,
 *   a raw wait status from `list`), or %NULL
 *
 * What launchctl says about one loaded job. Unknown stays unknown.
 */
typedef struct {
	gboolean recognised;
	const gchar *source;
	gchar *state;
	gint64 pid;
	gint runs;
	gint last_exit_code;
	gint last_signal;
	gchar *last_exit;
} HermesLaunchdJobInfo;

void
hermes_launchd_job_info_init(HermesLaunchdJobInfo *info);
void
hermes_launchd_job_info_clear(HermesLaunchdJobInfo *info);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(HermesLaunchdJobInfo, hermes_launchd_job_info_clear)

gboolean
hermes_launchd_parse_print(const gchar *text, HermesLaunchdJobInfo *info);
gboolean
hermes_launchd_parse_list(const gchar *text, HermesLaunchdJobInfo *info);
void
hermes_launchd_decode_wait_status(gint64 raw, gint *exit_code, gint *signal_num);
HermesGatewayStatus *
hermes_launchd_job_info_to_status(const gchar *profile, const HermesLaunchdJobInfo *info);

G_END_DECLS
