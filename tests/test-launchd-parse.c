/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The launchd backend's tolerant parsers, on fixtures of `launchctl print`
 * and `launchctl list <label>` output (tests/fixtures/launchd/), every
 * prefix of every fixture included. There is no launchd on Linux: what
 * only a real one can show is listed in plugins/launchd/README.md.
 */

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launchd-test.h"

/*****************************************************************************/
/* parsers */

static HermesGatewayStatus *
status_of_print(const gchar *fixture, HermesLaunchdJobInfo *info)
{
	g_autofree gchar *text = fixture_text(fixture);
	hermes_launchd_parse_print(text, info);
	return hermes_launchd_job_info_to_status("demo", info);
}

static void
test_parse_print_running(void **state)
{
	g_auto(HermesLaunchdJobInfo) info = {0};
	g_autoptr(HermesGatewayStatus) st = status_of_print("print-running.txt", &info);

	assert_true(info.recognised);
	assert_string_equal(info.state, "running");
	assert_int_equal(info.pid, 4242);
	assert_int_equal(info.runs, 1);
	assert_int_equal(info.last_exit_code, -1);
	assert_string_equal(info.last_exit, "(never exited)");
	assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_UP);
	assert_int_equal(hermes_gateway_status_get_wanted(st), HERMES_GATEWAY_WANTED_UP);
	assert_int_equal(hermes_gateway_status_get_pid(st), 4242);
	assert_int_equal(hermes_gateway_status_get_restarts(st), 0);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(st), -1);
	/* launchd has no readiness */
	assert_int_equal(hermes_gateway_status_get_ready(st), HERMES_TRISTATE_UNKNOWN);
	assert_string_equal(hermes_gateway_status_get_raw(st, "launchd.source"), "print");
}

/* the crash loop of upstream PR #91366: 78 relaunched 767 times */
static void
test_parse_print_crash_loop(void **state)
{
	g_auto(HermesLaunchdJobInfo) info = {0};
	g_autoptr(HermesGatewayStatus) st =
		status_of_print("print-spawn-scheduled-ex-config.txt", &info);

	assert_string_equal(info.state, "spawn scheduled");
	assert_int_equal(info.pid, 0);
	assert_int_equal(info.runs, 767);
	assert_int_equal(info.last_exit_code, 78);
	assert_string_equal(info.last_exit, "78: EX_CONFIG");
	assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_STARTING);
	assert_int_equal(hermes_gateway_status_get_wanted(st), HERMES_GATEWAY_WANTED_UP);
	assert_int_equal(hermes_gateway_status_get_pid(st), -1);
	assert_int_equal(hermes_gateway_status_get_restarts(st), 766);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(st), 78);
	hermes_assert_str_contains(hermes_gateway_status_get_raw(st, "launchd.crash_loop"),
				   "relaunched the gateway 766 times, the last exit 78: EX_CONFIG");
}

/* KeepAlive={SuccessfulExit=false} parks a clean exit: down, and meant to be */
static void
test_parse_print_clean_exit(void **state)
{
	g_auto(HermesLaunchdJobInfo) info = {0};
	g_autoptr(HermesGatewayStatus) st = status_of_print("print-clean-exit.txt", &info);

	assert_string_equal(info.state, "not running");
	assert_int_equal(info.last_exit_code, 0);
	assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_DOWN);
	assert_int_equal(hermes_gateway_status_get_wanted(st), HERMES_GATEWAY_WANTED_DOWN);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(st), 0);
	assert_null(hermes_gateway_status_get_raw(st, "launchd.crash_loop"));
	/* typed by the backend: a clean exit that KeepAlive leaves down is a stop */
	assert_int_equal(hermes_gateway_status_get_reason(st, NULL), HERMES_GATEWAY_REASON_STOPPED);
}

static void
test_parse_print_signal(void **state)
{
	g_auto(HermesLaunchdJobInfo) info = {0};
	g_autoptr(HermesGatewayStatus) st = status_of_print("print-signal.txt", &info);

	assert_int_equal(info.last_signal, 9);
	assert_int_equal(info.last_exit_code, -1);
	assert_int_equal(hermes_gateway_status_get_last_signal(st), 9);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(st), -1);
	assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_STARTING);
	hermes_assert_str_contains(hermes_gateway_status_get_raw(st, "launchd.crash_loop"),
				   "relaunched the gateway 2 times");
}

/* `pid`, `state` and `runs` of nested blocks (environment, endpoints) are not the job's */
static void
test_parse_print_decoys(void **state)
{
	g_auto(HermesLaunchdJobInfo) info = {0};
	g_autoptr(HermesGatewayStatus) st = status_of_print("print-decoys.txt", &info);

	assert_string_equal(info.state, "waiting");
	assert_int_equal(info.pid, 0);
	assert_int_equal(info.runs, 0);
	assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_DOWN);
	assert_int_equal(hermes_gateway_status_get_pid(st), -1);
	/* never exited: nothing says whether launchd wants it up */
	assert_int_equal(hermes_gateway_status_get_wanted(st), HERMES_GATEWAY_WANTED_UNKNOWN);
}

static void
test_parse_print_shapes(void **state)
{
	g_auto(HermesLaunchdJobInfo) info = {0};
	g_autofree gchar *crlf = fixture_text("print-crlf.txt");
	g_autofree gchar *bare = fixture_text("print-no-header.txt");
	g_autofree gchar *not_found = fixture_text("print-not-found.txt");

	/* CRLF line ends */
	assert_true(hermes_launchd_parse_print(crlf, &info));
	assert_string_equal(info.state, "running");
	assert_int_equal(info.pid, 3131);
	assert_int_equal(info.runs, 4);
	assert_int_equal(info.last_exit_code, 15);
	hermes_launchd_job_info_clear(&info);
	/* the fields without the `<target> = {` line around them */
	assert_true(hermes_launchd_parse_print(bare, &info));
	assert_int_equal(info.pid, 512);
	assert_int_equal(info.last_exit_code, 1);
	hermes_launchd_job_info_clear(&info);
	/* launchctl's error text is no job */
	assert_false(hermes_launchd_parse_print(not_found, &info));
	assert_int_equal(info.pid, 0);
	assert_null(info.state);
}

/* unknown text is unknown, never a crash and never a guess */
static void
test_parse_garbage(void **state)
{
	const gchar *texts[] = {
		"",
		"\n\n\n",
		"}}}}",
		"{{{{",
		"pid = 99",
		"gui/501/x = {\n\tpid = notanumber\n\truns = -4\n\tlast exit code = \n}\n",
		"gui/501/x = {\n\tpid = 99999999999999999999\n\tlast exit code = 12abc\n}\n",
		"gui/501/x = {\n\tpid = -7\n\tlast terminating signal = Terminated: 999\n}\n",
		"= = = =\n = {\n",
	};
	g_autofree gchar *garbage = fixture_text("garbage.txt");

	for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
		g_auto(HermesLaunchdJobInfo) info = {0};
		g_autoptr(HermesGatewayStatus) st = NULL;
		hermes_launchd_parse_print(texts[i], &info);
		st = hermes_launchd_job_info_to_status("demo", &info);
		if (i != 4)
			assert_int_equal(info.pid, 0);
		assert_true(info.runs == -1);
		assert_int_equal(info.last_exit_code, -1);
		assert_int_equal(info.last_signal, 0);
		if (i != 4)
			assert_int_not_equal(hermes_gateway_status_get_state(st),
					     HERMES_GATEWAY_STATE_UP);
	}
	/* a header-less `pid = 99` is read, as the bare fixture is */
	{
		g_auto(HermesLaunchdJobInfo) info = {0};
		hermes_launchd_parse_print(texts[4], &info);
		assert_int_equal(info.pid, 99);
	}
	{
		g_auto(HermesLaunchdJobInfo) info = {0};
		g_autoptr(HermesGatewayStatus) st = NULL;
		assert_false(hermes_launchd_parse_print(garbage, &info));
		st = hermes_launchd_job_info_to_status("demo", &info);
		assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_UNKNOWN);
		assert_string_equal(hermes_gateway_status_get_raw(st, "launchd.warning"),
				    "launchctl output not understood");
		hermes_launchd_job_info_clear(&info);
		assert_false(hermes_launchd_parse_list(garbage, &info));
		assert_int_equal(info.pid, 0);
	}
}

static void
test_parse_list(void **state)
{
	const struct {
		const gchar *fixture;
		gint64 pid;
		gint code;
		gint sig;
		HermesGatewayState state;
		HermesGatewayWanted wanted;
	} cases[] = {
		{"list-running.txt", 4242, 0, 0, HERMES_GATEWAY_STATE_UP, HERMES_GATEWAY_WANTED_UP},
		/* a raw wait status: 15 is SIGTERM ... */
		{"list-sigterm.txt",
		 0,
		 -1,
		 15,
		 HERMES_GATEWAY_STATE_DOWN,
		 HERMES_GATEWAY_WANTED_UP},
		/* ... and 3840 is exit(15) */
		{"list-exit15.txt", 0, 15, 0, HERMES_GATEWAY_STATE_DOWN, HERMES_GATEWAY_WANTED_UP},
		{"list-exit78.txt", 0, 78, 0, HERMES_GATEWAY_STATE_DOWN, HERMES_GATEWAY_WANTED_UP},
		/* "PID" inside MachServices or Sockets is not the job's */
		{"list-decoys.txt", 0, 0, 0, HERMES_GATEWAY_STATE_DOWN, HERMES_GATEWAY_WANTED_DOWN},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *text = fixture_text(cases[i].fixture);
		g_auto(HermesLaunchdJobInfo) info = {0};
		g_autoptr(HermesGatewayStatus) st = NULL;
		if (!hermes_launchd_parse_list(text, &info))
			fail_msg("%s not recognised", cases[i].fixture);
		st = hermes_launchd_job_info_to_status("demo", &info);
		if (info.pid != cases[i].pid || info.last_exit_code != cases[i].code ||
		    info.last_signal != cases[i].sig ||
		    hermes_gateway_status_get_state(st) != cases[i].state ||
		    hermes_gateway_status_get_wanted(st) != cases[i].wanted)
			fail_msg(
				"%s: pid %" G_GINT64_FORMAT " exit %d signal %d state %s "
				"wanted %s",
				cases[i].fixture,
				info.pid,
				info.last_exit_code,
				info.last_signal,
				hermes_gateway_state_to_string(hermes_gateway_status_get_state(st)),
				hermes_gateway_wanted_to_string(
					hermes_gateway_status_get_wanted(st)));
		assert_string_equal(hermes_gateway_status_get_raw(st, "launchd.source"), "list");
	}
}

static void
test_wait_status(void **state)
{
	const struct {
		gint64 raw;
		gint code;
		gint sig;
	} cases[] = {
		{0, 0, 0},
		{15, -1, 15},
		{9, -1, 9},
		{3840, 15, 0},
		{19968, 78, 0},
		{256, 1, 0},
		{19200, 75, 0},
		{0x7f, -1, 0}, /* stopped, not ended */
		{-9, -1, 9},
		{-200, -1, 0},
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		gint code = 7;
		gint sig = 7;
		hermes_launchd_decode_wait_status(cases[i].raw, &code, &sig);
		if (code != cases[i].code || sig != cases[i].sig)
			fail_msg(
				"%" G_GINT64_FORMAT ": exit %d signal %d", cases[i].raw, code, sig);
	}
}

/* every prefix of every fixture parses without a crash (ASan and valgrind watch) */
static void
test_parse_prefixes(void **state)
{
	const gchar *fixtures[] = {
		"print-running.txt",
		"print-spawn-scheduled-ex-config.txt",
		"print-clean-exit.txt",
		"print-signal.txt",
		"print-decoys.txt",
		"print-no-header.txt",
		"print-crlf.txt",
		"print-not-found.txt",
		"list-running.txt",
		"list-sigterm.txt",
		"list-exit15.txt",
		"list-exit78.txt",
		"list-decoys.txt",
		"garbage.txt",
	};
	for (guint i = 0; i < G_N_ELEMENTS(fixtures); i++) {
		g_autofree gchar *text = fixture_text(fixtures[i]);
		gsize len = strlen(text);
		for (gsize n = 0; n <= len; n++) {
			g_autofree gchar *prefix = g_strndup(text, n);
			g_auto(HermesLaunchdJobInfo) a = {0};
			g_auto(HermesLaunchdJobInfo) b = {0};
			g_autoptr(HermesGatewayStatus) sa = NULL;
			g_autoptr(HermesGatewayStatus) sb = NULL;
			hermes_launchd_parse_print(prefix, &a);
			hermes_launchd_parse_list(prefix, &b);
			sa = hermes_launchd_job_info_to_status("demo", &a);
			sb = hermes_launchd_job_info_to_status("demo", &b);
			assert_true(a.pid >= 0 && b.pid >= 0);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		LAUNCHD_TEST(test_parse_print_running),
		LAUNCHD_TEST(test_parse_print_crash_loop),
		LAUNCHD_TEST(test_parse_print_clean_exit),
		LAUNCHD_TEST(test_parse_print_signal),
		LAUNCHD_TEST(test_parse_print_decoys),
		LAUNCHD_TEST(test_parse_print_shapes),
		LAUNCHD_TEST(test_parse_garbage),
		LAUNCHD_TEST(test_parse_list),
		LAUNCHD_TEST(test_wait_status),
		LAUNCHD_TEST(test_parse_prefixes),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
