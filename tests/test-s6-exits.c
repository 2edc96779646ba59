/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * How the s6 backend treats a gateway's exits, on a real s6-svscan: kill -9
 * restarted and seen, exit 0 and 78 final, a crash loop parked, and a
 * gateway ignoring SIGTERM killed after the drain time.
 */

#include "s6-test.h"

static gboolean
is_ready(HermesGatewayStatus *status, gpointer data)
{
	return hermes_gateway_status_get_state(status) == HERMES_GATEWAY_STATE_UP &&
	       hermes_gateway_status_get_ready(status) == HERMES_TRISTATE_YES;
}

static gboolean
is_up_with_new_pid(HermesGatewayStatus *status, gpointer data)
{
	return hermes_gateway_status_get_state(status) == HERMES_GATEWAY_STATE_UP &&
	       hermes_gateway_status_get_pid(status) != *(gint64 *)data;
}

static void
test_s6_kill9_is_restarted_and_seen(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesGatewayStatus) before = NULL;
	g_autoptr(HermesGatewayStatus) after = NULL;
	gint64 pid;
	guint events_before;

	register_gateway(f, "demo", NULL, HERMES_REGISTER_FLAG_START);
	before = wait_status(f, "demo", is_state, GINT_TO_POINTER(HERMES_GATEWAY_STATE_UP), "up");
	pid = hermes_gateway_status_get_pid(before);
	events_before = f->events->len;
	assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
	after = wait_status(f, "demo", is_up_with_new_pid, &pid, "up again with a new pid");
	/* the change arrived as events, not by polling */
	assert_true(f->events->len > events_before);
	assert_int_equal(hermes_gateway_status_get_last_signal(after), SIGKILL);
	assert_true(hermes_gateway_status_get_restarts(after) >= 1);
}

static gboolean
is_settled_down(HermesGatewayStatus *status, gpointer data)
{
	const gchar *reason = hermes_gateway_status_get_raw(status, "s6.finish_reason");
	return hermes_gateway_status_get_wanted(status) == HERMES_GATEWAY_WANTED_DOWN &&
	       hermes_gateway_status_get_pid(status) == 0 && reason != NULL;
}

static void
check_exit_ends_slot(Fixture *f,
		     const gchar *profile,
		     const gchar *script,
		     HermesGatewayState want,
		     const gchar *why)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	const gchar *argv[] = {"/bin/sh", "-c", script, NULL};
	g_autoptr(HermesProfile) p = hermes_profile_create(f->ctx, profile, NULL);
	assert_non_null(p);
	register_gateway(f, profile, argv, HERMES_REGISTER_FLAG_NONE);
	assert_true(hermes_service_manager_start(f->manager, profile, NULL, &error));
	hermes_assert_no_error(error);
	status = wait_status(f, profile, is_settled_down, NULL, "ended");
	assert_int_equal(hermes_gateway_status_get_state(status), want);
	hermes_assert_str_contains(hermes_gateway_status_get_raw(status, "s6.finish_reason"), why);
	g_clear_pointer(&status, hermes_gateway_status_unref);
	/* and it stays that way: s6 would have respawned within ~1 s */
	g_usleep(1500 * 1000);
	status = status_of(f, profile);
	assert_int_equal(hermes_gateway_status_get_restarts(status), 1);
	assert_int_equal(hermes_gateway_status_get_pid(status), 0);
}

static void
test_s6_exit_0_and_78_are_final(void **state)
{
	Fixture *f = *state;
	check_exit_ends_slot(
		f, "zero", "exit 0", HERMES_GATEWAY_STATE_DOWN, "exited 0 (intentional stop)");
	check_exit_ends_slot(
		f, "config", "exit 78", HERMES_GATEWAY_STATE_FAILED, "fatal configuration");
}

static void
test_s6_crash_loop_is_parked(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	const gchar *argv[] = {"/bin/sh", "-c", "exit 3", NULL};
	register_gateway(f, "demo", argv, HERMES_REGISTER_FLAG_NONE);
	assert_true(hermes_service_manager_start(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
	/* s6 throttles respawns to one a second: five deaths take about five seconds */
	status = wait_status(
		f, "demo", is_state, GINT_TO_POINTER(HERMES_GATEWAY_STATE_PARKED), "parked");
	hermes_assert_str_contains(hermes_gateway_status_get_raw(status, "s6.finish_reason"),
				   "parked: 5 deaths within 60 s, the last exited 3");
	assert_int_equal(hermes_gateway_status_get_restarts(status), 5);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), 3);
	/* a start after parking is a fresh chance */
	g_clear_pointer(&status, hermes_gateway_status_unref);
	assert_true(hermes_service_manager_start(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
}

static void
test_s6_stubborn_gateway_is_killed_after_drain(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	/* ignores SIGTERM, then says it is ready; exec keeps the pid s6 knows */
	const gchar *argv[] = {
		"/bin/sh", "-c", "trap '' TERM; echo >&3; exec 3>&-; exec sleep 100000", NULL};
	gint64 t0;
	gint64 pid;

	spec = spec_for(f, "demo", argv);
	hermes_gateway_spec_set_notify(spec, TRUE);
	hermes_gateway_spec_set_stop_timeout_ms(spec, 500);
	assert_true(hermes_service_manager_register_gateway(
		f->manager, spec, HERMES_REGISTER_FLAG_START, NULL, &error));
	hermes_assert_no_error(error);
	status = wait_status(f, "demo", is_ready, NULL, "up and ready (SIGTERM ignored)");
	pid = hermes_gateway_status_get_pid(status);
	t0 = g_get_monotonic_time();
	assert_true(hermes_service_manager_stop(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
	/* SIGTERM is ignored, so s6 sends SIGKILL after the drain time */
	assert_true(g_get_monotonic_time() - t0 < 5 * G_USEC_PER_SEC);
	assert_false(hermes_platform_process_alive(pid));
	g_clear_pointer(&status, hermes_gateway_status_unref);
	status = status_of(f, "demo");
	assert_int_equal(hermes_gateway_status_get_last_signal(status), SIGKILL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_s6_kill9_is_restarted_and_seen),
		T(test_s6_exit_0_and_78_are_final),
		T(test_s6_crash_loop_is_parked),
		T(test_s6_stubborn_gateway_is_killed_after_drain),
	};
	/* the gateways' output must not interleave with TAP */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
