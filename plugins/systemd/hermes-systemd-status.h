/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#pragma once

#include "hermes-backend.h"

G_BEGIN_DECLS

/* ExecMainCode: the si_code of the main process's end (0 while it runs) */
#define HERMES_SYSTEMD_CLD_EXITED 1
#define HERMES_SYSTEMD_CLD_KILLED 2
#define HERMES_SYSTEMD_CLD_DUMPED 3

/* what systemd says about one unit, from org.freedesktop.systemd1.Unit and .Service */
typedef struct {
	gchar *unit;
	gchar *load_state;
	gchar *active_state;
	gchar *sub_state;
	gchar *unit_file_state;
	gchar *fragment_path;
	gchar *result;
	gchar *type;
	guint32 main_pid;
	gint32 exec_main_code;
	gint32 exec_main_status;
	guint32 n_restarts;
	guint64 active_enter_us;
	guint64 state_change_us;
	guint64 timeout_stop_us;
	guint64 start_limit_interval_us;
	guint32 start_limit_burst;
	gboolean need_daemon_reload;
	GArray *restart_prevent; /* RestartPreventExitStatus= exit codes (gint32), or NULL */
} HermesSystemdUnitFacts;

void
hermes_systemd_unit_facts_clear(HermesSystemdUnitFacts *facts);
void
hermes_systemd_unit_facts_parse(HermesSystemdUnitFacts *facts,
				GVariant *unit_props,
				GVariant *service_props);
gboolean
hermes_systemd_unit_facts_parked(const HermesSystemdUnitFacts *facts);
gchar *
hermes_systemd_unit_facts_explain(const HermesSystemdUnitFacts *facts);
HermesGatewayStatus *
hermes_systemd_status_to_gateway(const gchar *profile, const HermesSystemdUnitFacts *facts);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(HermesSystemdUnitFacts, hermes_systemd_unit_facts_clear)

G_END_DECLS
