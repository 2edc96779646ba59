/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * systemd's view of a unit mapped onto the one status model, as pure
 * functions of the properties so every mapping is tested without a bus.
 */

#include "config.h"

#include <signal.h>

#include "hermes-systemd-status.h"

void
hermes_systemd_unit_facts_clear(HermesSystemdUnitFacts *facts)
{
	g_clear_pointer(&facts->unit, g_free);
	g_clear_pointer(&facts->load_state, g_free);
	g_clear_pointer(&facts->active_state, g_free);
	g_clear_pointer(&facts->sub_state, g_free);
	g_clear_pointer(&facts->unit_file_state, g_free);
	g_clear_pointer(&facts->fragment_path, g_free);
	g_clear_pointer(&facts->result, g_free);
	g_clear_pointer(&facts->type, g_free);
	g_clear_pointer(&facts->restart_prevent, g_array_unref);
}

static gchar *
hermes_systemd_dict_string(GVariant *dict, const gchar *key)
{
	const gchar *value = NULL;
	if (dict == NULL || !g_variant_lookup(dict, key, "&s", &value))
		return NULL;
	return g_strdup(value);
}

static guint32
hermes_systemd_dict_u32(GVariant *dict, const gchar *key)
{
	guint32 value = 0;
	if (dict != NULL)
		g_variant_lookup(dict, key, "u", &value);
	return value;
}

static gint32
hermes_systemd_dict_i32(GVariant *dict, const gchar *key)
{
	gint32 value = 0;
	if (dict != NULL)
		g_variant_lookup(dict, key, "i", &value);
	return value;
}

static guint64
hermes_systemd_dict_u64(GVariant *dict, const gchar *key)
{
	guint64 value = 0;
	if (dict != NULL)
		g_variant_lookup(dict, key, "t", &value);
	return value;
}

/**
 * hermes_systemd_unit_facts_parse:
 * @facts: facts to fill (cleared first)
 * @unit_props: (nullable): `a{sv}` of org.freedesktop.systemd1.Unit
 * @service_props: (nullable): `a{sv}` of org.freedesktop.systemd1.Service
 *
 * Missing or mistyped properties stay empty or zero.
 */
void
hermes_systemd_unit_facts_parse(HermesSystemdUnitFacts *facts,
				GVariant *unit_props,
				GVariant *service_props)
{
	hermes_systemd_unit_facts_clear(facts);
	memset(facts, 0, sizeof(*facts));
	facts->unit = hermes_systemd_dict_string(unit_props, "Id");
	facts->load_state = hermes_systemd_dict_string(unit_props, "LoadState");
	facts->active_state = hermes_systemd_dict_string(unit_props, "ActiveState");
	facts->sub_state = hermes_systemd_dict_string(unit_props, "SubState");
	facts->unit_file_state = hermes_systemd_dict_string(unit_props, "UnitFileState");
	facts->fragment_path = hermes_systemd_dict_string(unit_props, "FragmentPath");
	facts->active_enter_us = hermes_systemd_dict_u64(unit_props, "ActiveEnterTimestamp");
	facts->state_change_us = hermes_systemd_dict_u64(unit_props, "StateChangeTimestamp");
	facts->start_limit_interval_us =
		hermes_systemd_dict_u64(unit_props, "StartLimitIntervalUSec");
	facts->start_limit_burst = hermes_systemd_dict_u32(unit_props, "StartLimitBurst");
	if (unit_props != NULL)
		g_variant_lookup(unit_props, "NeedDaemonReload", "b", &facts->need_daemon_reload);
	facts->result = hermes_systemd_dict_string(service_props, "Result");
	facts->type = hermes_systemd_dict_string(service_props, "Type");
	facts->main_pid = hermes_systemd_dict_u32(service_props, "MainPID");
	facts->exec_main_code = hermes_systemd_dict_i32(service_props, "ExecMainCode");
	facts->exec_main_status = hermes_systemd_dict_i32(service_props, "ExecMainStatus");
	facts->n_restarts = hermes_systemd_dict_u32(service_props, "NRestarts");
	facts->timeout_stop_us = hermes_systemd_dict_u64(service_props, "TimeoutStopUSec");
	if (service_props != NULL) {
		g_autoptr(GVariant) prevent = g_variant_lookup_value(
			service_props, "RestartPreventExitStatus", G_VARIANT_TYPE("(aiai)"));
		if (prevent != NULL) {
			g_autoptr(GVariant) codes = g_variant_get_child_value(prevent, 0);
			gsize n = 0;
			const gint32 *data = g_variant_get_fixed_array(codes, &n, sizeof(gint32));
			facts->restart_prevent = g_array_sized_new(FALSE, FALSE, sizeof(gint32), n);
			g_array_append_vals(facts->restart_prevent, data, n);
		}
	}
}

static gboolean
hermes_systemd_unit_facts_prevented(const HermesSystemdUnitFacts *facts)
{
	if (facts->exec_main_code != HERMES_SYSTEMD_CLD_EXITED || facts->restart_prevent == NULL)
		return FALSE;
	for (guint i = 0; i < facts->restart_prevent->len; i++) {
		if (g_array_index(facts->restart_prevent, gint32, i) == facts->exec_main_status)
			return TRUE;
	}
	return FALSE;
}

/**
 * hermes_systemd_unit_facts_parked:
 * @facts: what systemd says
 *
 * Whether the start limit (the circuit breaker) stopped the unit. A manual
 * start refused by it says `start-limit-hit`; an automatic restart refused
 * by it leaves the result of the last death (systemd 252), so a failed
 * unit whose last end was not exempt from restarting, that was not
 * stopped by a timeout and that used up its burst of restarts is parked.
 *
 * Returns: %TRUE if the unit is parked
 */
gboolean
hermes_systemd_unit_facts_parked(const HermesSystemdUnitFacts *facts)
{
	if (g_strcmp0(facts->active_state, "failed") != 0)
		return FALSE;
	if (g_strcmp0(facts->result, "start-limit-hit") == 0)
		return TRUE;
	return facts->start_limit_burst > 0 && facts->n_restarts >= facts->start_limit_burst &&
	       g_strcmp0(facts->result, "timeout") != 0 &&
	       !hermes_systemd_unit_facts_prevented(facts);
}

static const gchar *
hermes_systemd_exit_meaning(gint code)
{
	switch (code) {
	case 0:
		return " (intentional stop)";
	case HERMES_EXIT_RESTART_NOW:
		return " (restart requested)";
	case HERMES_EXIT_FATAL_CONFIG:
		return " (fatal configuration)";
	default:
		return "";
	}
}

static const gchar *
hermes_systemd_result_meaning(const gchar *result)
{
	static const struct {
		const gchar *result;
		const gchar *meaning;
	} table[] = {
		{"timeout", "it timed out"},
		{"protocol", "it ended before it reported ready"},
		{"resources", "it could not be started (missing program, user or directory?)"},
		{"watchdog", "the watchdog fired"},
		{"oom-kill", "the kernel's OOM killer ended it"},
		{"exec-condition", "its ExecCondition= failed"},
		{"core-dump", "it dumped core"},
	};
	for (guint i = 0; i < G_N_ELEMENTS(table); i++) {
		if (g_strcmp0(result, table[i].result) == 0)
			return table[i].meaning;
	}
	return NULL;
}

/**
 * hermes_systemd_unit_facts_explain:
 * @facts: what systemd says
 *
 * Returns: (transfer full) (nullable): one line on how the gateway last
 * ended or why it does not run, %NULL when there is nothing to say
 */
gchar *
hermes_systemd_unit_facts_explain(const HermesSystemdUnitFacts *facts)
{
	g_autoptr(GString) out = g_string_new(NULL);
	const gchar *meaning = hermes_systemd_result_meaning(facts->result);

	if (hermes_systemd_unit_facts_parked(facts)) {
		g_string_append_printf(out,
				       "circuit breaker: %u starts within %" G_GUINT64_FORMAT
				       " s hit the start limit; a start gives it a fresh chance",
				       facts->start_limit_burst,
				       facts->start_limit_interval_us / G_USEC_PER_SEC);
	}
	if (facts->exec_main_code == HERMES_SYSTEMD_CLD_EXITED) {
		g_string_append_printf(out,
				       "%smain process exited %d%s",
				       out->len > 0 ? "; the last " : "",
				       facts->exec_main_status,
				       hermes_systemd_exit_meaning(facts->exec_main_status));
	} else if (facts->exec_main_code == HERMES_SYSTEMD_CLD_KILLED ||
		   facts->exec_main_code == HERMES_SYSTEMD_CLD_DUMPED) {
		g_string_append_printf(out,
				       "%smain process killed by signal %d (SIG%s)",
				       out->len > 0 ? "; the last " : "",
				       facts->exec_main_status,
				       facts->exec_main_status == SIGKILL   ? "KILL"
				       : facts->exec_main_status == SIGTERM ? "TERM"
				       : facts->exec_main_status == SIGABRT ? "ABRT"
				       : facts->exec_main_status == SIGSEGV ? "SEGV"
									    : "?");
	}
	if (meaning != NULL)
		g_string_append_printf(
			out, "%s%s (result %s)", out->len > 0 ? "; " : "", meaning, facts->result);
	if (out->len == 0)
		return NULL;
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static HermesGatewayState
hermes_systemd_state_of(const HermesSystemdUnitFacts *facts, HermesGatewayWanted *wanted)
{
	const gchar *active = facts->active_state;
	*wanted = HERMES_GATEWAY_WANTED_UNKNOWN;
	if (g_strcmp0(facts->load_state, "loaded") != 0)
		return HERMES_GATEWAY_STATE_UNKNOWN;
	if (g_strcmp0(active, "active") == 0 || g_strcmp0(active, "reloading") == 0) {
		*wanted = HERMES_GATEWAY_WANTED_UP;
		return HERMES_GATEWAY_STATE_UP;
	}
	if (g_strcmp0(active, "activating") == 0) {
		/* auto-restart is the pause between a death and the next start */
		*wanted = HERMES_GATEWAY_WANTED_UP;
		return HERMES_GATEWAY_STATE_STARTING;
	}
	if (g_strcmp0(active, "deactivating") == 0) {
		*wanted = HERMES_GATEWAY_WANTED_DOWN;
		return HERMES_GATEWAY_STATE_STOPPING;
	}
	if (g_strcmp0(active, "inactive") == 0) {
		*wanted = HERMES_GATEWAY_WANTED_DOWN;
		return HERMES_GATEWAY_STATE_DOWN;
	}
	if (g_strcmp0(active, "failed") == 0) {
		*wanted = HERMES_GATEWAY_WANTED_DOWN;
		return hermes_systemd_unit_facts_parked(facts) ? HERMES_GATEWAY_STATE_PARKED
							       : HERMES_GATEWAY_STATE_FAILED;
	}
	return HERMES_GATEWAY_STATE_UNKNOWN;
}

static void
hermes_systemd_set_raw_int(HermesGatewayStatus *status, const gchar *key, gint64 value)
{
	g_autofree gchar *text = g_strdup_printf("%" G_GINT64_FORMAT, value);
	hermes_gateway_status_set_raw(status, key, text);
}

/**
 * hermes_systemd_status_to_gateway:
 * @profile: the profile
 * @facts: what systemd says about its unit
 *
 * `active` is up (and ready: a `Type=notify` unit is active only after
 * `READY=1`), `activating` is starting (also between a death and the
 * restart), `failed` is failed, or parked when the start limit (the
 * circuit breaker) stopped it. The last exit is known only while no
 * process runs: systemd resets it when the next one starts.
 *
 * Returns: (transfer full): the status
 */
/*
 * Why a unit that is not up is not up, typed: the start limit is the
 * circuit breaker, `success` is a stop systemd counts as clean (SIGTERM
 * included), and the exit code contract says the rest.
 */
static void
hermes_systemd_status_set_reason(HermesGatewayStatus *status,
				 const HermesSystemdUnitFacts *facts,
				 HermesGatewayState state,
				 const gchar *text)
{
	HermesGatewayReason reason = HERMES_GATEWAY_REASON_UNKNOWN;
	gboolean exited = facts->exec_main_code == HERMES_SYSTEMD_CLD_EXITED;
	gboolean killed = facts->exec_main_code == HERMES_SYSTEMD_CLD_KILLED ||
			  facts->exec_main_code == HERMES_SYSTEMD_CLD_DUMPED;

	if (state != HERMES_GATEWAY_STATE_DOWN && state != HERMES_GATEWAY_STATE_FAILED &&
	    state != HERMES_GATEWAY_STATE_PARKED)
		return;
	if (state == HERMES_GATEWAY_STATE_PARKED)
		reason = HERMES_GATEWAY_REASON_CRASH_LOOP;
	else if (exited && facts->exec_main_status == HERMES_EXIT_FATAL_CONFIG)
		reason = HERMES_GATEWAY_REASON_FATAL_CONFIG;
	else if (g_strcmp0(facts->result, "success") == 0 && (exited || killed))
		reason = HERMES_GATEWAY_REASON_STOPPED;
	else if (killed)
		reason = HERMES_GATEWAY_REASON_KILLED;
	else if (exited)
		reason = HERMES_GATEWAY_REASON_EXITED;
	else if (text == NULL)
		return; /* never ran: nothing to explain */
	hermes_gateway_status_set_reason(status, reason, text);
}

HermesGatewayStatus *
hermes_systemd_status_to_gateway(const gchar *profile, const HermesSystemdUnitFacts *facts)
{
	HermesGatewayStatus *status = hermes_gateway_status_new(profile);
	HermesGatewayWanted wanted = HERMES_GATEWAY_WANTED_UNKNOWN;
	HermesGatewayState state = hermes_systemd_state_of(facts, &wanted);
	gboolean notify = g_strcmp0(facts->type, "notify") == 0;
	g_autofree gchar *reason = hermes_systemd_unit_facts_explain(facts);
	const struct {
		const gchar *key;
		const gchar *value;
	} raw[] = {
		{"systemd.unit", facts->unit},
		{"systemd.load_state", facts->load_state},
		{"systemd.active_state", facts->active_state},
		{"systemd.sub_state", facts->sub_state},
		{"systemd.result", facts->result},
		{"systemd.unit_file_state", facts->unit_file_state},
		{"systemd.fragment_path", facts->fragment_path},
		{"systemd.type", facts->type},
		{"systemd.reason", reason},
	};

	hermes_gateway_status_set_state(status, state);
	hermes_systemd_status_set_reason(status, facts, state, reason);
	hermes_gateway_status_set_wanted(status, wanted);
	hermes_gateway_status_set_pid(status, facts->main_pid);
	if (state == HERMES_GATEWAY_STATE_UP && facts->active_enter_us > 0)
		hermes_gateway_status_set_since(status, (gint64)facts->active_enter_us);
	else if (facts->state_change_us > 0)
		hermes_gateway_status_set_since(status, (gint64)facts->state_change_us);
	if (state == HERMES_GATEWAY_STATE_UP && notify)
		hermes_gateway_status_set_ready(
			status, HERMES_TRISTATE_YES, (gint64)facts->active_enter_us);
	else if (state == HERMES_GATEWAY_STATE_UP)
		hermes_gateway_status_set_ready(status, HERMES_TRISTATE_UNKNOWN, 0);
	else
		hermes_gateway_status_set_ready(status, HERMES_TRISTATE_NO, 0);
	if (facts->main_pid == 0 && facts->exec_main_code == HERMES_SYSTEMD_CLD_EXITED)
		hermes_gateway_status_set_last_exit(status, facts->exec_main_status, 0);
	else if (facts->main_pid == 0 && (facts->exec_main_code == HERMES_SYSTEMD_CLD_KILLED ||
					  facts->exec_main_code == HERMES_SYSTEMD_CLD_DUMPED))
		hermes_gateway_status_set_last_exit(status, -1, facts->exec_main_status);
	hermes_gateway_status_set_restarts(status, (gint)facts->n_restarts);
	for (guint i = 0; i < G_N_ELEMENTS(raw); i++) {
		if (raw[i].value != NULL && raw[i].value[0] != '\0')
			hermes_gateway_status_set_raw(status, raw[i].key, raw[i].value);
	}
	hermes_systemd_set_raw_int(status, "systemd.main_pid", facts->main_pid);
	hermes_systemd_set_raw_int(status, "systemd.exec_main_code", facts->exec_main_code);
	hermes_systemd_set_raw_int(status, "systemd.exec_main_status", facts->exec_main_status);
	hermes_systemd_set_raw_int(status, "systemd.n_restarts", facts->n_restarts);
	return status;
}
