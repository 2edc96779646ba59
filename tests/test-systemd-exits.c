/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * How a real `systemd --user` treats a gateway's exits through the plugin:
 * exit 0 (stopped, not restarted), a crash loop (the start limit parks it),
 * exit 75 (restarted at once), and a gateway ignoring SIGTERM (killed after
 * the drain time).
 * Runs inside tests/systemd-user-harness.sh (see systemd-test.h).
 */

#include "systemd-test.h"

static gboolean
is_settled(HermesGatewayStatus *status, gpointer data)
{
	const gchar *sub = hermes_gateway_status_get_raw(status, "systemd.sub_state");
	return hermes_gateway_status_get_pid(status) == 0 &&
	       (g_strcmp0(sub, "dead") == 0 || g_strcmp0(sub, "failed") == 0);
}

/* exit 0 is an intentional stop: down, not restarted (each run leaves a line) */
static void
exit_codes_zero(Fixture *f)
{
	g_autoptr(HermesGatewaySpec) zero = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autofree gchar *runs = NULL;

	runs = g_build_filename(f->tmp, "zero-runs", NULL);
	zero = spec_for(
		f,
		"zero",
		(const gchar *[]){
			"/bin/sh", "-c", "echo run >>\"$0\"; sleep 0.5; exit 0", runs, NULL});
	hermes_gateway_spec_set_restart_delay_ms(zero, 100);
	register_spec(f, zero, HERMES_REGISTER_FLAG_START);
	status = wait_status(f, "zero", is_settled, NULL, "ended");
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_DOWN);
	/* systemd unloads an inactive unit, and its exit status with it */
	assert_string_equal(hermes_gateway_status_get_raw(status, "systemd.result"), "success");
	g_clear_pointer(&status, hermes_gateway_status_unref);
	hermes_test_spin(1000);
	status = status_of(f, "zero");
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_DOWN);
	{
		g_autofree gchar *text = read_text(runs);
		assert_string_equal(text, "run\n");
	}
	g_clear_pointer(&status, hermes_gateway_status_unref);
}

/* a crash loop trips the breaker (5 starts in 60 s): parked, with the reason */
static void
exit_codes_crash_loop(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) loop = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;

	loop = spec_for(f, "loop", (const gchar *[]){"/bin/sh", "-c", "exit 3", NULL});
	hermes_gateway_spec_set_restart_delay_ms(loop, 100);
	register_spec(f, loop, HERMES_REGISTER_FLAG_NONE);
	/* `done` is not health: the process is gone before the start returns */
	assert_false(hermes_service_manager_start(f->manager, "loop", NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
	hermes_assert_str_contains(error->message, "start of hermes-gateway-loop.service failed");
	g_clear_error(&error);
	status = wait_status(
		f, "loop", is_state, GINT_TO_POINTER(HERMES_GATEWAY_STATE_PARKED), "parked");
	hermes_assert_str_contains(hermes_gateway_status_get_raw(status, "systemd.reason"),
				   "circuit breaker: 5 starts within 60 s hit the start limit");
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), 3);
	/* the start and 5 restarts; the last one was refused by the start limit */
	assert_int_equal(hermes_gateway_status_get_restarts(status), 5);
	g_clear_pointer(&status, hermes_gateway_status_unref);
}

/* exit 75 asks for a restart at once, and is no failure */
static void
exit_codes_restart_now(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) now = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autofree gchar *unit = NULL;
	g_autofree gchar *flag = NULL;

	flag = g_build_filename(f->tmp, "restarted-once", NULL);
	now = spec_for(f,
		       "loop",
		       (const gchar *[]){"/bin/sh",
					 "-c",
					 "if [ -e \"$0\" ]; then exec sleep 100000; fi; touch "
					 "\"$0\"; sleep 1; exit 75",
					 flag,
					 NULL});
	hermes_gateway_spec_set_restart_delay_ms(now, 100);
	register_spec(f, now, HERMES_REGISTER_FLAG_REPLACE);
	assert_ok(hermes_service_manager_start(f->manager, "loop", NULL, &error));
	hermes_assert_no_error(error);
	unit = hermes_systemd_unit_name("loop");
	status = wait_status(f, "loop", is_state, GINT_TO_POINTER(HERMES_GATEWAY_STATE_UP), "up");
	{
		gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
		while (service_u32(f, unit, "NRestarts") < 1 && g_get_monotonic_time() < deadline)
			hermes_test_spin(20);
		assert_int_equal(service_u32(f, unit, "NRestarts"), 1);
	}
	g_clear_pointer(&status, hermes_gateway_status_unref);
}

static void
test_systemd_exit_codes(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) p1 = NULL;
	g_autoptr(HermesProfile) p2 = NULL;

	SKIP_UNLESS_HERE(f);
	p1 = hermes_profile_create(f->ctx, "zero", &error);
	hermes_assert_no_error(error);
	p2 = hermes_profile_create(f->ctx, "loop", &error);
	hermes_assert_no_error(error);

	exit_codes_zero(f);
	exit_codes_crash_loop(f);
	exit_codes_restart_now(f);
	assert_ok(hermes_service_manager_unregister_gateway(f->manager, "loop", NULL, &error));
	assert_ok(hermes_service_manager_unregister_gateway(f->manager, "zero", NULL, &error));
	hermes_assert_no_error(error);
	assert_nothing_left(f);
}

static void
test_systemd_stubborn_gateway_is_killed_after_drain(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	gint64 t0;
	gint64 pid;

	SKIP_UNLESS_HERE(f);
	/* ignores SIGTERM; exec keeps the pid systemd knows */
	spec = spec_for(
		f,
		"demo",
		(const gchar *[]){"/bin/sh", "-c", "trap '' TERM; exec sleep 100000", NULL});
	hermes_gateway_spec_set_stop_timeout_ms(spec, 500);
	register_spec(f, spec, HERMES_REGISTER_FLAG_START);
	status = status_of(f, "demo");
	pid = hermes_gateway_status_get_pid(status);
	assert_true(pid > 0);
	g_clear_pointer(&status, hermes_gateway_status_unref);
	/* sh would exit on TERM before the trap is set: let it get there */
	hermes_test_spin(200);
	t0 = g_get_monotonic_time();
	assert_ok(hermes_service_manager_stop(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
	/* SIGTERM is ignored, so systemd sends SIGKILL after the drain time */
	assert_true(g_get_monotonic_time() - t0 < 5 * G_USEC_PER_SEC);
	assert_true(g_get_monotonic_time() - t0 >= 400 * 1000);
	assert_false(hermes_platform_process_alive(pid));
	status = status_of(f, "demo");
	assert_int_equal(hermes_gateway_status_get_last_signal(status), SIGKILL);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_FAILED);
	assert_ok(hermes_service_manager_unregister_gateway(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
	assert_nothing_left(f);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_systemd_exit_codes),
		T(test_systemd_stubborn_gateway_is_killed_after_drain),
	};
	return SYSTEMD_TEST_MAIN(argv[0], tests);
}
