/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * supervise/status mapped onto the one status model
 * (hermes_s6_status_to_gateway): up, finishing, down (parked, failed,
 * stopped, a stale reason), not supervised, deaths, wanted, paused, the
 * real s6 2.11 fixture, and a supervisor gone or alive.
 */

#include "s6-status-test.h"

/*****************************************************************************/
/* hermes_s6_status_to_gateway */

static void
test_assert_reason(HermesGatewayStatus *status, HermesGatewayReason expected, const gchar *text)
{
	g_autofree gchar *got = NULL;
	assert_int_equal(hermes_gateway_status_get_reason(status, &got), expected);
	assert_string_equal(got, text);
}

static void
test_map_up_ready(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.ready = TRUE;
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_UP);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_YES);
	assert_int_equal(hermes_gateway_status_get_ready_since(status), TEST_READY_US);
	assert_int_equal(hermes_gateway_status_get_since(status), TEST_STAMP_US);
	assert_int_equal(hermes_gateway_status_get_pid(status), 4242);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_UP);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.supervised"), "true");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.normallyup"), "true");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.pid"), "4242");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.ready"), "true");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.wantup"), "true");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.paused"), "false");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.finishing"), "false");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.wstat"), "0");
	assert_null(hermes_gateway_status_get_raw(status, "s6.finish_reason"));
}

static void
test_map_up_not_ready(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.ready = FALSE;
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_STARTING);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_NO);
	assert_int_equal(hermes_gateway_status_get_ready_since(status), 0);
	assert_int_equal(hermes_gateway_status_get_pid(status), 4242);
}

static void
test_map_up_no_notification(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	/* s6 never sets the ready flag without notification-fd */
	test_st_default(&st, &facts);
	facts.notifies = FALSE;
	st.ready = FALSE;
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_UP);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_UNKNOWN);
	assert_int_equal(hermes_gateway_status_get_pid(status), 4242);
}

static void
test_map_finishing_wantup(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	/* it died and ./finish runs; s6 restarts it afterwards */
	test_st_default(&st, &facts);
	st.finishing = TRUE;
	st.wantup = TRUE;
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_STARTING);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_UP);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_NO);
}

static void
test_map_finishing_wantdown(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.finishing = TRUE;
	st.wantup = FALSE;
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_STOPPING);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_DOWN);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_NO);
}

static void
test_map_finishing_pid_zero(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	/* while finishing, the pid s6 records is the one of ./finish, not of the gateway */
	test_st_default(&st, &facts);
	st.finishing = TRUE;
	st.pid = 5151;
	status = test_map(fx, &st, &facts);
	assert_int_equal(hermes_gateway_status_get_pid(status), 0);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.finishing"), "true");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.pid"), "5151");
}

static void
test_map_down_wantup(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	/* between a death and the throttled respawn */
	test_st_default(&st, &facts);
	st.pid = 0;
	st.wantup = TRUE;
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_STARTING);
	assert_int_equal(hermes_gateway_status_get_pid(status), 0);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_UP);
}

static void
test_map_down_parked(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.pid = 0;
	st.wantup = FALSE;
	facts.deaths = 5;
	facts.reason_time = TEST_STAMP_US / G_USEC_PER_SEC + 1;
	facts.reason_kind = "parked";
	facts.reason_text = "5 deaths within 60 s, the last exited 1";
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_PARKED);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_DOWN);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_NO);
	assert_int_equal(hermes_gateway_status_get_pid(status), 0);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.finish_reason"),
			    "parked: 5 deaths within 60 s, the last exited 1");
	/* typed by the backend: consumers never parse the raw key */
	test_assert_reason(status,
			   HERMES_GATEWAY_REASON_CRASH_LOOP,
			   "5 deaths within 60 s, the last exited 1");
}

static void
test_map_down_failed(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.pid = 0;
	st.wantup = FALSE;
	st.wstat = 78 << 8;
	facts.deaths = 1;
	/* `date +%s` truncates: the second of the transition itself still counts */
	facts.reason_time = TEST_STAMP_US / G_USEC_PER_SEC;
	facts.reason_kind = "failed";
	facts.reason_text = "exited 78 (fatal configuration error)";
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_FAILED);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), 78);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.finish_reason"),
			    "failed: exited 78 (fatal configuration error)");
	test_assert_reason(status,
			   HERMES_GATEWAY_REASON_FATAL_CONFIG,
			   "exited 78 (fatal configuration error)");
}

static void
test_map_down_stale_reason(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	/* parked long ago, brought up by hand since and stopped again */
	test_st_default(&st, &facts);
	st.pid = 0;
	st.wantup = FALSE;
	facts.reason_time = TEST_STAMP_US / G_USEC_PER_SEC - 5;
	facts.reason_kind = "parked";
	facts.reason_text = "5 deaths within 60 s, the last exited 1";
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_DOWN);
	/* the old verdict is still shown for what it is, but it no longer explains the state */
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.finish_reason"),
			    "parked: 5 deaths within 60 s, the last exited 1");
	assert_int_not_equal(hermes_gateway_status_get_reason(status, NULL),
			     HERMES_GATEWAY_REASON_CRASH_LOOP);

	/* the boundary: reason_time * 1e6 < stamp_us - 1e6 is stale, == is not */
	st.stamp_us = G_GINT64_CONSTANT(1700000001000001);
	facts.reason_time = 1700000000;
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_DOWN);
	st.stamp_us = G_GINT64_CONSTANT(1700000001000000);
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_PARKED);
}

static void
test_map_down_stopped(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	/* an intentional stop is a plain down, however fresh */
	test_st_default(&st, &facts);
	st.pid = 0;
	st.wantup = FALSE;
	facts.deaths = 1;
	facts.reason_time = TEST_STAMP_US / G_USEC_PER_SEC;
	facts.reason_kind = "stopped";
	facts.reason_text = "exited 0 (intentional stop)";
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_DOWN);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_NO);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), 0);
	assert_int_equal(hermes_gateway_status_get_last_signal(status), 0);
	test_assert_reason(status, HERMES_GATEWAY_REASON_STOPPED, "exited 0 (intentional stop)");
}

static void
test_map_not_supervised(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	facts.supervised = FALSE;
	facts.normally_up = FALSE;
	facts.deaths = -1;
	status = test_map(fx, NULL, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_UNKNOWN);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_UNKNOWN);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_UNKNOWN);
	assert_int_equal(hermes_gateway_status_get_pid(status), -1);
	assert_int_equal(hermes_gateway_status_get_restarts(status), -1);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), -1);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.supervised"), "false");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.normallyup"), "false");
	assert_null(hermes_gateway_status_get_raw(status, "s6.pid"));
}

static void
test_map_no_deaths(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	/* s6 starts with a zero wait status: it is not "exited 0" */
	test_st_default(&st, &facts);
	st.wstat = 0;
	facts.deaths = 0;
	status = test_map(fx, &st, &facts);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), -1);
	assert_int_equal(hermes_gateway_status_get_last_signal(status), 0);
	assert_int_equal(hermes_gateway_status_get_restarts(status), 0);
}

static void
test_map_deaths_exit_code(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.wstat = 3 << 8;
	facts.deaths = 2;
	status = test_map(fx, &st, &facts);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), 3);
	assert_int_equal(hermes_gateway_status_get_last_signal(status), 0);
	assert_int_equal(hermes_gateway_status_get_restarts(status), 2);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.wstat"), "768");
}

static void
test_map_deaths_signal(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.wstat = SIGKILL;
	facts.deaths = 2;
	status = test_map(fx, &st, &facts);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), -1);
	assert_int_equal(hermes_gateway_status_get_last_signal(status), 9);
	assert_int_equal(hermes_gateway_status_get_restarts(status), 2);

	/* a core dump sets 0x80 on top of the signal */
	st.wstat = 0x80 | SIGSEGV;
	status = test_map(fx, &st, &facts);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), -1);
	assert_int_equal(hermes_gateway_status_get_last_signal(status), SIGSEGV);
}

static void
test_map_wanted(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.wantup = TRUE;
	status = test_map(fx, &st, &facts);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_UP);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.wantup"), "true");

	/* running but wanted down: s6-svc -d was sent and the gateway drains */
	st.wantup = FALSE;
	st.ready = TRUE;
	status = test_map(fx, &st, &facts);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_DOWN);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.wantup"), "false");
	test_assert_state(status, HERMES_GATEWAY_STATE_UP);

	st.pid = 0;
	status = test_map(fx, &st, &facts);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_DOWN);
	test_assert_state(status, HERMES_GATEWAY_STATE_DOWN);
}

static void
test_map_paused(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.ready = TRUE;
	st.paused = TRUE;
	status = test_map(fx, &st, &facts);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.paused"), "true");
	test_assert_state(status, HERMES_GATEWAY_STATE_UP);
}

/* the real fixture, end to end: a wanted-up service that has not signalled readiness */
static void
test_map_real_s6_2_11(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_parse_ok(test_real_status, sizeof(test_real_status), &st);
	memset(&facts, 0, sizeof(facts));
	facts.supervised = TRUE;
	facts.normally_up = TRUE;
	facts.notifies = TRUE;
	status = test_map(fx, &st, &facts);
	test_assert_state(status, HERMES_GATEWAY_STATE_STARTING);
	assert_int_equal(hermes_gateway_status_get_pid(status), 30659);
	assert_int_equal(hermes_gateway_status_get_since(status),
			 G_GINT64_CONSTANT(1795295818891611));
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_NO);
}

/* supervise/status says up, but its s6-supervise is gone (kill -9): believe the lock */
static void
test_supervisor_gone_pid_dead(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.ready = TRUE;
	status = test_map(fx, &st, &facts);
	hermes_s6_status_judge_supervisor(status, &st, FALSE, FALSE, "run this");
	test_assert_state(status, HERMES_GATEWAY_STATE_DOWN);
	assert_int_equal(hermes_gateway_status_get_pid(status), 0);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_UNKNOWN);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.supervisor"), "gone");
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.supervised"), "false");
	hermes_assert_str_contains(hermes_gateway_status_get_raw(status, "s6.fault"),
				   "recorded gateway (pid 4242) is not running; run this");
}

static void
test_supervisor_gone_pid_alive(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.ready = TRUE;
	status = test_map(fx, &st, &facts);
	hermes_s6_status_judge_supervisor(status, &st, FALSE, TRUE, NULL);
	/* it runs, but nobody supervises it: not "up" */
	test_assert_state(status, HERMES_GATEWAY_STATE_UNKNOWN);
	assert_int_equal(hermes_gateway_status_get_pid(status), 4242);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_UNKNOWN);
	hermes_assert_str_contains(hermes_gateway_status_get_raw(status, "s6.fault"),
				   "(pid 4242) runs unsupervised");
}

static void
test_supervisor_alive_changes_nothing(void **state)
{
	StatusFixture *fx = *state;
	HermesS6Status st;
	HermesS6SlotFacts facts;
	HermesGatewayStatus *status;

	test_st_default(&st, &facts);
	st.ready = TRUE;
	status = test_map(fx, &st, &facts);
	hermes_s6_status_judge_supervisor(status, &st, TRUE, TRUE, NULL);
	test_assert_state(status, HERMES_GATEWAY_STATE_UP);
	assert_int_equal(hermes_gateway_status_get_pid(status), 4242);
	assert_string_equal(hermes_gateway_status_get_raw(status, "s6.supervisor"), "running");
	assert_null(hermes_gateway_status_get_raw(status, "s6.fault"));
	/* killed a moment ago, not yet reaped: never "up" with a dead pid */
	status = test_map(fx, &st, &facts);
	hermes_s6_status_judge_supervisor(status, &st, TRUE, FALSE, NULL);
	test_assert_state(
		status, st.wantup ? HERMES_GATEWAY_STATE_STARTING : HERMES_GATEWAY_STATE_STOPPING);
	assert_int_equal(hermes_gateway_status_get_pid(status), 0);
	assert_null(hermes_gateway_status_get_raw(status, "s6.fault"));
	/* nothing to judge for a slot s6 never supervised */
	status = test_map(fx, NULL, &facts);
	hermes_s6_status_judge_supervisor(status, NULL, FALSE, FALSE, NULL);
	assert_null(hermes_gateway_status_get_raw(status, "s6.supervisor"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		STATUS_TEST(test_map_up_ready),
		STATUS_TEST(test_map_up_not_ready),
		STATUS_TEST(test_map_up_no_notification),
		STATUS_TEST(test_map_finishing_wantup),
		STATUS_TEST(test_map_finishing_wantdown),
		STATUS_TEST(test_map_finishing_pid_zero),
		STATUS_TEST(test_map_down_wantup),
		STATUS_TEST(test_map_down_parked),
		STATUS_TEST(test_map_down_failed),
		STATUS_TEST(test_map_down_stale_reason),
		STATUS_TEST(test_map_down_stopped),
		STATUS_TEST(test_map_not_supervised),
		STATUS_TEST(test_map_no_deaths),
		STATUS_TEST(test_map_deaths_exit_code),
		STATUS_TEST(test_map_deaths_signal),
		STATUS_TEST(test_map_wanted),
		STATUS_TEST(test_map_paused),
		STATUS_TEST(test_map_real_s6_2_11),
		STATUS_TEST(test_supervisor_gone_pid_dead),
		STATUS_TEST(test_supervisor_gone_pid_alive),
		STATUS_TEST(test_supervisor_alive_changes_nothing),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
