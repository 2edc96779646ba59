/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The systemd backend's status mapping: what systemd says about a unit
 * (the facts read from its properties), mapped onto the one gateway status
 * model: running, between a death and its restart, a fatal configuration,
 * parked by the start limit or by restarts, and the other states.
 */

#include "systemd-render-test.h"

/*****************************************************************************/
/* status: what systemd says, mapped onto the one model */

static void
test_facts_init(HermesSystemdUnitFacts *facts,
		const gchar *active,
		const gchar *sub,
		const gchar *result)
{
	memset(facts, 0, sizeof(*facts));
	facts->unit = g_strdup("hermes-gateway-demo.service");
	facts->load_state = g_strdup("loaded");
	facts->active_state = g_strdup(active);
	facts->sub_state = g_strdup(sub);
	facts->result = g_strdup(result);
	facts->type = g_strdup("notify");
	facts->unit_file_state = g_strdup("disabled");
	facts->start_limit_burst = 5;
	facts->start_limit_interval_us = 60 * G_USEC_PER_SEC;
}

/* typed by the backend: consumers never parse systemd's raw keys */
static void
assert_reason(HermesGatewayStatus *status, HermesGatewayReason expected, const gchar *text)
{
	g_autofree gchar *got = NULL;
	assert_int_equal(hermes_gateway_status_get_reason(status, &got), expected);
	assert_string_equal(got, text);
}

static void
test_systemd_status_running(void **state)
{
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	g_autoptr(HermesGatewayStatus) status = NULL;

	test_facts_init(&facts, "active", "running", "success");
	facts.main_pid = 4242;
	facts.n_restarts = 2;
	facts.active_enter_us = 1700000000000000;
	status = hermes_systemd_status_to_gateway("demo", &facts);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_UP);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_UP);
	assert_int_equal(hermes_gateway_status_get_pid(status), 4242);
	assert_int_equal(hermes_gateway_status_get_restarts(status), 2);
	assert_int_equal(hermes_gateway_status_get_since(status), 1700000000000000);
	/* Type=notify is active only after READY=1 */
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_YES);
	/* systemd forgets the last exit when the next process starts */
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), -1);
	assert_string_equal(hermes_gateway_status_get_raw(status, "systemd.sub_state"), "running");
	assert_null(hermes_gateway_status_get_raw(status, "systemd.reason"));
	assert_int_equal(hermes_gateway_status_get_reason(status, NULL),
			 HERMES_GATEWAY_REASON_NONE);

	/* without readiness, active says nothing about ready */
	g_free(facts.type);
	facts.type = g_strdup("exec");
	g_clear_pointer(&status, hermes_gateway_status_unref);
	status = hermes_systemd_status_to_gateway("demo", &facts);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_UNKNOWN);
}

static void
test_systemd_status_between_death_and_restart(void **state)
{
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	g_autoptr(HermesGatewayStatus) status = NULL;

	test_facts_init(&facts, "activating", "auto-restart", "signal");
	facts.exec_main_code = HERMES_SYSTEMD_CLD_KILLED;
	facts.exec_main_status = SIGKILL;
	facts.n_restarts = 1;
	status = hermes_systemd_status_to_gateway("demo", &facts);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_STARTING);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_UP);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_NO);
	assert_int_equal(hermes_gateway_status_get_last_signal(status), SIGKILL);
	assert_string_equal(hermes_gateway_status_get_raw(status, "systemd.reason"),
			    "main process killed by signal 9 (SIGKILL)");
}

static void
test_systemd_status_fatal_config(void **state)
{
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	g_autoptr(HermesGatewayStatus) status = NULL;

	test_facts_init(&facts, "failed", "failed", "exit-code");
	facts.exec_main_code = HERMES_SYSTEMD_CLD_EXITED;
	facts.exec_main_status = 78;
	status = hermes_systemd_status_to_gateway("demo", &facts);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_FAILED);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_DOWN);
	assert_int_equal(hermes_gateway_status_get_pid(status), 0);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), 78);
	assert_string_equal(hermes_gateway_status_get_raw(status, "systemd.reason"),
			    "main process exited 78 (fatal configuration)");
	assert_reason(status,
		      HERMES_GATEWAY_REASON_FATAL_CONFIG,
		      "main process exited 78 (fatal configuration)");

	/* a stop systemd counts as clean, SIGTERM included, is a stop */
	g_clear_pointer(&status, hermes_gateway_status_unref);
	g_free(facts.active_state);
	g_free(facts.sub_state);
	g_free(facts.result);
	facts.active_state = g_strdup("inactive");
	facts.sub_state = g_strdup("dead");
	facts.result = g_strdup("success");
	facts.exec_main_code = HERMES_SYSTEMD_CLD_KILLED;
	facts.exec_main_status = SIGTERM;
	status = hermes_systemd_status_to_gateway("demo", &facts);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_DOWN);
	assert_reason(status,
		      HERMES_GATEWAY_REASON_STOPPED,
		      "main process killed by signal 15 (SIGTERM)");
}

static void
test_systemd_status_parked(void **state)
{
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	g_autoptr(HermesGatewayStatus) status = NULL;

	test_facts_init(&facts, "failed", "failed", "start-limit-hit");
	facts.exec_main_code = HERMES_SYSTEMD_CLD_EXITED;
	facts.exec_main_status = 3;
	facts.n_restarts = 4;
	status = hermes_systemd_status_to_gateway("demo", &facts);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_PARKED);
	assert_int_equal(hermes_gateway_status_get_restarts(status), 4);
	assert_string_equal(hermes_gateway_status_get_raw(status, "systemd.reason"),
			    "circuit breaker: 5 starts within 60 s hit the start limit; a start "
			    "gives it a fresh chance; the last main process exited 3");
	assert_reason(status,
		      HERMES_GATEWAY_REASON_CRASH_LOOP,
		      "circuit breaker: 5 starts within 60 s hit the start limit; a start "
		      "gives it a fresh chance; the last main process exited 3");
}

/* systemd 252 keeps the last death's result when the start limit refuses a restart */
static void
test_systemd_status_parked_by_restarts(void **state)
{
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	g_autoptr(HermesGatewayStatus) status = NULL;
	const gint32 prevent[] = {0, 78};

	test_facts_init(&facts, "failed", "failed", "exit-code");
	facts.exec_main_code = HERMES_SYSTEMD_CLD_EXITED;
	facts.exec_main_status = 3;
	facts.n_restarts = 5;
	facts.restart_prevent = g_array_new(FALSE, FALSE, sizeof(gint32));
	g_array_append_vals(facts.restart_prevent, prevent, G_N_ELEMENTS(prevent));
	assert_true(hermes_systemd_unit_facts_parked(&facts));
	status = hermes_systemd_status_to_gateway("demo", &facts);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_PARKED);
	/* an exit exempt from restarting is a failure, not the breaker */
	facts.exec_main_status = 78;
	assert_false(hermes_systemd_unit_facts_parked(&facts));
	/* nor is a stop that timed out */
	facts.exec_main_status = 3;
	g_free(facts.result);
	facts.result = g_strdup("timeout");
	assert_false(hermes_systemd_unit_facts_parked(&facts));
	/* nor a death with restarts to spare */
	g_free(facts.result);
	facts.result = g_strdup("exit-code");
	facts.n_restarts = 2;
	assert_false(hermes_systemd_unit_facts_parked(&facts));
	/* and a unit that is not failed is never parked */
	facts.n_restarts = 5;
	g_free(facts.active_state);
	facts.active_state = g_strdup("activating");
	assert_false(hermes_systemd_unit_facts_parked(&facts));
}

static void
test_systemd_status_other_states(void **state)
{
	const struct {
		const gchar *active;
		const gchar *sub;
		const gchar *result;
		HermesGatewayState want;
	} cases[] = {
		{"inactive", "dead", "success", HERMES_GATEWAY_STATE_DOWN},
		{"deactivating", "stop-sigterm", "success", HERMES_GATEWAY_STATE_STOPPING},
		{"activating", "start", "success", HERMES_GATEWAY_STATE_STARTING},
		{"reloading", "reload", "success", HERMES_GATEWAY_STATE_UP},
		{"failed", "failed", "timeout", HERMES_GATEWAY_STATE_FAILED},
		{"maintenance", "cleaning", "success", HERMES_GATEWAY_STATE_UNKNOWN},
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_auto(HermesSystemdUnitFacts) facts = {NULL};
		g_autoptr(HermesGatewayStatus) status = NULL;
		test_facts_init(&facts, cases[i].active, cases[i].sub, cases[i].result);
		status = hermes_systemd_status_to_gateway("demo", &facts);
		assert_int_equal(hermes_gateway_status_get_state(status), cases[i].want);
	}
	{
		/* a unit systemd has not loaded is nothing we can tell */
		g_auto(HermesSystemdUnitFacts) facts = {NULL};
		g_autoptr(HermesGatewayStatus) status = NULL;
		test_facts_init(&facts, "inactive", "dead", "success");
		g_free(facts.load_state);
		facts.load_state = g_strdup("not-found");
		status = hermes_systemd_status_to_gateway("demo", &facts);
		assert_int_equal(hermes_gateway_status_get_state(status),
				 HERMES_GATEWAY_STATE_UNKNOWN);
	}
	{
		g_auto(HermesSystemdUnitFacts) facts = {NULL};
		g_autofree gchar *why = NULL;
		test_facts_init(&facts, "failed", "failed", "protocol");
		why = hermes_systemd_unit_facts_explain(&facts);
		assert_string_equal(why, "it ended before it reported ready (result protocol)");
	}
}

static void
test_systemd_facts_parse(void **state)
{
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	g_auto(GVariantBuilder) unit = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{sv}"));
	g_auto(GVariantBuilder) service = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{sv}"));
	g_autoptr(GVariant) unit_props = NULL;
	g_autoptr(GVariant) service_props = NULL;

	g_variant_builder_add(&unit, "{sv}", "Id", g_variant_new_string("hermes-gateway.service"));
	g_variant_builder_add(&unit, "{sv}", "LoadState", g_variant_new_string("loaded"));
	g_variant_builder_add(&unit, "{sv}", "ActiveState", g_variant_new_string("active"));
	g_variant_builder_add(&unit, "{sv}", "SubState", g_variant_new_string("running"));
	g_variant_builder_add(&unit, "{sv}", "ActiveEnterTimestamp", g_variant_new_uint64(7));
	g_variant_builder_add(&unit, "{sv}", "NeedDaemonReload", g_variant_new_boolean(TRUE));
	g_variant_builder_add(&unit, "{sv}", "StartLimitBurst", g_variant_new_uint32(5));
	/* a property of the wrong type is ignored, not trusted */
	g_variant_builder_add(&unit, "{sv}", "UnitFileState", g_variant_new_uint32(1));
	g_variant_builder_add(&service, "{sv}", "MainPID", g_variant_new_uint32(99));
	g_variant_builder_add(&service, "{sv}", "ExecMainCode", g_variant_new_int32(1));
	g_variant_builder_add(&service, "{sv}", "ExecMainStatus", g_variant_new_int32(75));
	g_variant_builder_add(&service, "{sv}", "NRestarts", g_variant_new_uint32(3));
	g_variant_builder_add(&service, "{sv}", "Result", g_variant_new_string("success"));
	g_variant_builder_add(&service, "{sv}", "Type", g_variant_new_string("notify"));
	g_variant_builder_add(&service, "{sv}", "TimeoutStopUSec", g_variant_new_uint64(90000000));
	{
		const gint32 codes[] = {0, 78};
		g_variant_builder_add(
			&service,
			"{sv}",
			"RestartPreventExitStatus",
			g_variant_new("(@ai@ai)",
				      g_variant_new_fixed_array(G_VARIANT_TYPE_INT32,
								codes,
								G_N_ELEMENTS(codes),
								sizeof(gint32)),
				      g_variant_new_fixed_array(
					      G_VARIANT_TYPE_INT32, NULL, 0, sizeof(gint32))));
	}
	unit_props = g_variant_ref_sink(g_variant_builder_end(&unit));
	service_props = g_variant_ref_sink(g_variant_builder_end(&service));

	hermes_systemd_unit_facts_parse(&facts, unit_props, service_props);
	assert_string_equal(facts.unit, "hermes-gateway.service");
	assert_string_equal(facts.active_state, "active");
	assert_null(facts.unit_file_state);
	assert_true(facts.need_daemon_reload);
	assert_int_equal(facts.active_enter_us, 7);
	assert_int_equal(facts.main_pid, 99);
	assert_int_equal(facts.exec_main_code, 1);
	assert_int_equal(facts.exec_main_status, 75);
	assert_int_equal(facts.n_restarts, 3);
	assert_int_equal(facts.timeout_stop_us, 90000000);
	assert_int_equal(facts.start_limit_burst, 5);
	assert_int_equal(facts.restart_prevent->len, 2);
	assert_int_equal(g_array_index(facts.restart_prevent, gint32, 1), 78);
	/* parsing again starts from scratch; no service interface is fine */
	hermes_systemd_unit_facts_parse(&facts, unit_props, NULL);
	assert_int_equal(facts.main_pid, 0);
	assert_null(facts.type);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_systemd_status_running),
		T(test_systemd_status_between_death_and_restart),
		T(test_systemd_status_fatal_config),
		T(test_systemd_status_parked),
		T(test_systemd_status_parked_by_restarts),
		T(test_systemd_status_other_states),
		T(test_systemd_facts_parse),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
