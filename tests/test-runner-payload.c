/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes gateway run`, the real binary, over external payloads: their
 * exit code is the runner's, with the matching state, and a payload
 * stopped with its gateway gets a verdict from the signal.
 */

#include "runner-test.h"

/* the payload from <home>/hermes-svc.conf runs in the profile's home */
static void
payload_from_conf(Fixture *f)
{
	GSubprocess *proc = spawn_run(
		f, "ext", "conf", (const gchar *const[]){"HERMES_READY_FD", "7", NULL}, -1, NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *home = home_of(f, "ext");
	g_autofree gchar *real_home = resolved(home);
	g_autofree gchar *expected = g_strdup_printf("home=%s ready=unset\n", real_home);
	assert_int_equal(wait_exit(proc), 78);
	out = read_log(f, "conf", "out");
	hermes_assert_str_contains(out, expected);
	hermes_assert_str_contains(out,
				   "gateway: payload exited 78 (fatal configuration), exiting 78");
	assert_final_state(f, "ext", "startup_failed", "payload exited 78 (fatal configuration)");
}

/* a broken bind address is a fatal configuration of the built-in gateway */
static void
payload_bad_bind(Fixture *f)
{
	GSubprocess *proc =
		spawn_run(f,
			  "ext",
			  "bind",
			  (const gchar *const[]){"HERMES_GATEWAY_BIND", "nowhere", NULL},
			  -1,
			  NULL);
	g_autofree gchar *err = NULL;
	assert_int_equal(wait_exit(proc), 78);
	err = read_log(f, "bind", "err");
	assert_string_equal(err,
			    "hermes: cannot listen on 'nowhere' (from HERMES_GATEWAY_BIND): "
			    "not an IP address\n");
	assert_final_state(f, "ext", "startup_failed", NULL);
}

/* external payloads: their exit code is the runner's, with the matching state */
static void
test_runner_payload_exit_codes(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *conf = NULL;
	const struct {
		const gchar *command;
		const gchar *xpc;
		gint code;
		const gchar *state;
	} cases[] = {
		{"sh -c 'exit 78'", NULL, 78, "startup_failed"},
		/* launchd cannot exempt 78 from KeepAlive: record it, exit 0 */
		{"sh -c 'exit 78'", "com.x", 0, "startup_failed"},
		{"sh -c 'exit 78'", "0", 78, "startup_failed"},
		{"sh -c 'exit 75'", NULL, 75, "stopped"},
		{"sh -c 'exit 0'", NULL, 0, "stopped"},
		{"sh -c 'exit 3'", NULL, 3, "running"},
		{"sh -c 'kill -KILL $$'", NULL, 1, "running"},
		/* a command that cannot run is a fatal configuration too */
		{"sh -c 'unterminated", NULL, 78, "startup_failed"},
		{"/nonexistent/gateway", NULL, 78, "startup_failed"},
		{"/nonexistent/gateway", "com.x", 0, "startup_failed"},
	};

	create_profile(f, "ext");
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *log = g_strdup_printf("ext-%u", i);
		const gchar *env[] = {"HERMES_GATEWAY_COMMAND",
				      cases[i].command,
				      cases[i].xpc != NULL ? "XPC_SERVICE_NAME" : NULL,
				      cases[i].xpc,
				      NULL};
		GSubprocess *proc = spawn_run(f, "ext", log, env, -1, NULL);
		gint code = wait_exit(proc);
		g_autoptr(JsonObject) st = NULL;
		if (code != cases[i].code)
			fail_msg("case %u (%s): exit %d, expected %d",
				 i,
				 cases[i].command,
				 code,
				 cases[i].code);
		st = load_state(f, "ext");
		if (g_strcmp0(state_str(st, "gateway_state"), cases[i].state) != 0)
			fail_msg("case %u (%s): state %s, expected %s",
				 i,
				 cases[i].command,
				 state_str(st, "gateway_state"),
				 cases[i].state);
		assert_no_pid_file(f, "ext");
	}

	/* the same from <home>/hermes-svc.conf; the payload runs in the profile's home */
	conf = file_in(f, "ext", HERMES_GATEWAY_CONF_FILE);
	hermes_test_write_file(conf,
			       "[gateway]\ncommand=sh -c 'echo \"home=$HERMES_HOME "
			       "ready=${HERMES_READY_FD-unset}\"; exit 78'\n",
			       0644);
	payload_from_conf(f);
	/* a broken bind address is a fatal configuration of the built-in gateway */
	g_unlink(conf);
	payload_bad_bind(f);
}

/* an external payload is stopped with its gateway; the signal decides the verdict */
static void
test_runner_payload_signal(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *home = NULL;
	g_autoptr(GError) error = NULL;
	GSubprocess *proc;
	const gchar *env[] = {"HERMES_GATEWAY_COMMAND", "sleep 600", NULL};

	create_profile(f, "ext");
	home = home_of(f, "ext");
	proc = spawn_run(f, "ext", "sleep", env, -1, NULL);
	wait_running(f, "ext", pid_of(proc));
	assert_true(hermes_planned_stop_write(home, pid_of(proc), &error));
	kill((pid_t)pid_of(proc), SIGTERM);
	assert_int_equal(wait_exit(proc), 0);
	/* draining was passed through, never left behind */
	assert_final_state(f, "ext", "stopped", "operator stop");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_runner_payload_exit_codes),
		T(test_runner_payload_signal),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
