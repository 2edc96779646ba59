/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes gateway run`, the real binary, starting: the redirect decision
 * (tested as the pure function it is), an unknown profile, the opt-out
 * flag, readiness, the built-in /health gateway and the runtime files, a
 * busy port, a hostile state file and a linked profile directory.
 */

#include "runner-test.h"

static void
test_runner_redirect_decision(void **state)
{
	Fixture *f = *state;
	const struct {
		const gchar *mode;
		const gchar *child;
		const gchar *env;
		gboolean flag;
		HermesRunRedirect expected;
		gboolean warns;
	} cases[] = {
		{"container", NULL, NULL, FALSE, HERMES_RUN_REDIRECT_START_SUPERVISED, FALSE},
		/* not s6-overlay: embedded and scandir trees, other backends, no backend */
		{"embedded", NULL, NULL, FALSE, HERMES_RUN_FOREGROUND_NOT_CONTAINER, FALSE},
		{"scandir", NULL, NULL, FALSE, HERMES_RUN_FOREGROUND_NOT_CONTAINER, FALSE},
		{NULL, NULL, NULL, FALSE, HERMES_RUN_FOREGROUND_NOT_CONTAINER, FALSE},
		/* the supervised child itself: no recursion, whatever the value */
		{"container", "1", NULL, FALSE, HERMES_RUN_FOREGROUND_SUPERVISED_CHILD, FALSE},
		{"container", "0", NULL, FALSE, HERMES_RUN_FOREGROUND_SUPERVISED_CHILD, FALSE},
		{"container", "", NULL, FALSE, HERMES_RUN_REDIRECT_START_SUPERVISED, FALSE},
		/* --no-supervise */
		{"container", NULL, NULL, TRUE, HERMES_RUN_FOREGROUND_OPTED_OUT, FALSE},
		{"container", NULL, "0", TRUE, HERMES_RUN_FOREGROUND_OPTED_OUT, FALSE},
		/* HERMES_GATEWAY_NO_SUPERVISE: upstream's 1/true/yes, in any case */
		{"container", NULL, "1", FALSE, HERMES_RUN_FOREGROUND_OPTED_OUT, FALSE},
		{"container", NULL, "true", FALSE, HERMES_RUN_FOREGROUND_OPTED_OUT, FALSE},
		{"container", NULL, "YES", FALSE, HERMES_RUN_FOREGROUND_OPTED_OUT, FALSE},
		{"container", NULL, "Yes", FALSE, HERMES_RUN_FOREGROUND_OPTED_OUT, FALSE},
		/* false values do not opt out, and say nothing */
		{"container", NULL, "0", FALSE, HERMES_RUN_REDIRECT_START_SUPERVISED, FALSE},
		{"container", NULL, "false", FALSE, HERMES_RUN_REDIRECT_START_SUPERVISED, FALSE},
		{"container", NULL, "no", FALSE, HERMES_RUN_REDIRECT_START_SUPERVISED, FALSE},
		{"container", NULL, "FALSE", FALSE, HERMES_RUN_REDIRECT_START_SUPERVISED, FALSE},
		{"container", NULL, "", FALSE, HERMES_RUN_REDIRECT_START_SUPERVISED, FALSE},
		/* anything else does not opt out either (on/off included), but is warned about */
		{"container", NULL, "On", FALSE, HERMES_RUN_REDIRECT_START_SUPERVISED, TRUE},
		{"container", NULL, "off", FALSE, HERMES_RUN_REDIRECT_START_SUPERVISED, TRUE},
		{"container", NULL, "garbage", FALSE, HERMES_RUN_REDIRECT_START_SUPERVISED, TRUE},
		{"container", NULL, "=0", FALSE, HERMES_RUN_REDIRECT_START_SUPERVISED, TRUE},
		{"container", NULL, " 1", FALSE, HERMES_RUN_REDIRECT_START_SUPERVISED, TRUE},
		{"embedded", NULL, "maybe", FALSE, HERMES_RUN_FOREGROUND_NOT_CONTAINER, TRUE},
		{"container", "1", "maybe", FALSE, HERMES_RUN_FOREGROUND_SUPERVISED_CHILD, TRUE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		HermesRunRedirect got = hermes_run_redirect_decide(
			cases[i].mode, cases[i].child, cases[i].env, cases[i].flag, &f->warning);
		if (got != cases[i].expected)
			fail_msg("case %u: expected %s, got %s",
				 i,
				 hermes_run_redirect_to_string(cases[i].expected),
				 hermes_run_redirect_to_string(got));
		if (cases[i].warns) {
			g_autofree gchar *expected = g_strdup_printf(
				"HERMES_GATEWAY_NO_SUPERVISE='%s' is not a truth value (use "
				"1/true/yes or 0/false/no); treating it as false",
				cases[i].env);
			assert_non_null(f->warning);
			assert_string_equal(f->warning, expected);
		} else if (f->warning != NULL) {
			fail_msg("case %u: unexpected warning %s", i, f->warning);
		}
		g_clear_pointer(&f->warning, g_free);
		/* the warning is optional */
		assert_int_equal(
			hermes_run_redirect_decide(
				cases[i].mode, cases[i].child, cases[i].env, cases[i].flag, NULL),
			cases[i].expected);
	}
}

static void
test_runner_unknown_profile(void **state)
{
	Fixture *f = *state;
	GSubprocess *proc;
	g_autofree gchar *err = NULL;

	g_mkdir_with_parents(f->root, 0755);
	proc = spawn_run(f, "ghost", "ghost", NULL, -1, NULL);
	assert_int_equal(wait_exit(proc), 3);
	err = read_log(f, "ghost", "err");
	hermes_assert_str_contains(err, "hermes: no such profile 'ghost'");
}

/* the CLI says so when the opt-out flag is not a truth value, and runs in the foreground */
static void
test_runner_cli_warns_about_flag(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *err = NULL;
	GSubprocess *proc;

	create_profile(f, "flag");
	proc = spawn_run(f,
			 "flag",
			 "flag",
			 (const gchar *const[]){"HERMES_GATEWAY_NO_SUPERVISE",
						"maybe",
						"HERMES_GATEWAY_COMMAND",
						"sh -c 'exit 0'",
						NULL},
			 -1,
			 NULL);
	assert_int_equal(wait_exit(proc), 0);
	err = read_log(f, "flag", "err");
	/* valgrind may add its own lines (it has no pidfd_open) */
	hermes_assert_str_contains(
		err,
		"hermes: HERMES_GATEWAY_NO_SUPERVISE='maybe' is not a truth value (use "
		"1/true/yes or 0/false/no); treating it as false\n");
	assert_final_state(f, "flag", "stopped", "payload exited 0");
}

/*
 * Runs "web" with an s6 notification-fd on fd 3 and a systemd notify socket
 * at @notify_path (its pid in @pid); readiness: one newline, then the write
 * end is closed, and READY=1
 */
static GSubprocess *
health_run_until_ready(Fixture *f, const gchar *notify_path, gint64 *pid)
{
	g_autoptr(GError) error = NULL;
	struct sockaddr_un addr = {0};
	struct pollfd pfd;
	gchar buf[64] = {0};
	gint fds[2];
	GSubprocess *proc;

	/* s6 notification-fd on fd 3, and a systemd notify socket */
	assert_true(g_unix_open_pipe(fds, FD_CLOEXEC, &error));
	f->ready_fd = fds[0];
	f->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(f->notify_fd >= 0);
	addr.sun_family = AF_UNIX;
	g_strlcpy(addr.sun_path, notify_path, sizeof(addr.sun_path));
	assert_int_equal(bind(f->notify_fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	proc = spawn_run(
		f,
		"web",
		"web",
		(const gchar *const[]){"HERMES_READY_FD", "3", "NOTIFY_SOCKET", notify_path, NULL},
		fds[1],
		NULL);
	*pid = pid_of(proc);

	/* readiness: one newline, then the write end is closed */
	pfd = (struct pollfd){f->ready_fd, POLLIN, 0};
	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	assert_int_equal(read(f->ready_fd, buf, sizeof(buf)), 1);
	assert_int_equal(buf[0], '\n');
	assert_int_equal(read(f->ready_fd, buf, sizeof(buf)), 0);
	pfd = (struct pollfd){f->notify_fd, POLLIN, 0};
	assert_int_equal(poll(&pfd, 1, WAIT_MS), 1);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(recv(f->notify_fd, buf, sizeof(buf) - 1, 0), 7);
	assert_string_equal(buf, "READY=1");
	return proc;
}

/* ready means recorded as running; returns the port */
static guint
health_assert_running(Fixture *f, gint64 pid)
{
	g_autoptr(JsonObject) st = NULL;
	guint port;

	st = load_state(f, "web");
	assert_string_equal(state_str(st, "gateway_state"), "running");
	assert_int_equal(json_object_get_int_member(st, "pid"), pid);
	assert_string_equal(state_str(st, "kind"), "hermes-gateway");
	assert_true(json_object_get_int_member(st, "start_time") > 0);
	assert_non_null(json_object_get_array_member(st, "argv"));
	/* no exit reason while it runs (the shared writer removes null members) */
	assert_false(json_object_has_member(st, "exit_reason"));
	assert_string_equal(state_str(st, "desired_state"), "running");
	port = (guint)json_object_get_int_member(st, "port");
	assert_in_range(port, 9200, 9799);
	return port;
}

/* gateway.pid and gateway.lock (at @lock_path) carry the upstream record */
static void
health_assert_records(const gchar *home, const gchar *lock_path, gint64 pid)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) record = NULL;
	g_autofree gchar *real_home = NULL;
	g_autofree gchar *lock = NULL;

	real_home = resolved(home);
	record = hermes_gateway_pid_load(home, &error);
	hermes_assert_no_error(error);
	assert_int_equal(json_object_get_int_member(record, "pid"), pid);
	assert_string_equal(json_object_get_string_member(record, "kind"), "hermes-gateway");
	assert_int_equal(json_object_get_int_member(record, "start_time"),
			 hermes_platform_get_start_time(pid));
	assert_string_equal(json_object_get_string_member(record, "hermes_home"), real_home);
	assert_true(json_array_get_length(json_object_get_array_member(record, "argv")) > 0);
	assert_true(hermes_gateway_pid_is_live(record, home));
	assert_true(g_file_get_contents(lock_path, &lock, NULL, NULL));
	hermes_assert_str_contains(lock, "\"kind\":\"hermes-gateway\"");
}

/* GET /health, and a 404 for anything else */
static void
health_assert_get(guint port, gint64 pid)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) health = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree gchar *response = NULL;
	g_autofree gchar *missing = NULL;
	const gchar *body;

	response = http_get(port, "/health?probe=1");
	assert_true(g_str_has_prefix(response, "HTTP/1.1 200 OK\r\n"));
	hermes_assert_str_contains(response, "Content-Type: application/json\r\n");
	hermes_assert_str_contains(response, "Connection: close\r\n");
	body = strstr(response, "\r\n\r\n");
	assert_non_null(body);
	assert_true(json_parser_load_from_data(parser, body + 4, -1, &error));
	hermes_assert_no_error(error);
	health = json_object_ref(json_node_get_object(json_parser_get_root(parser)));
	assert_string_equal(json_object_get_string_member(health, "profile"), "web");
	assert_string_equal(json_object_get_string_member(health, "state"), "running");
	assert_int_equal(json_object_get_int_member(health, "pid"), pid);
	assert_int_equal(json_object_get_int_member(health, "port"), port);
	assert_true(json_object_get_int_member(health, "uptime_s") >= 0);
	missing = http_get(port, "/nope");
	assert_true(g_str_has_prefix(missing, "HTTP/1.1 404 Not Found\r\n"));
}

/* readiness, /health, the runtime files, keys it does not own, and a clean SIGINT */
static void
test_runner_health_ready_and_files(void **state)
{
	Fixture *f = *state;
	g_autoptr(JsonObject) st = NULL;
	g_autofree gchar *home = NULL;
	g_autofree gchar *notify_path = g_build_filename(f->tmp, "notify.sock", NULL);
	g_autofree gchar *lock = NULL;
	g_autofree gchar *lock_path = NULL;
	g_autofree gchar *out = NULL;
	GSubprocess *proc;
	gint64 pid;
	guint port;

	create_profile(f, "web");
	home = home_of(f, "web");
	/* keys the gateway does not own survive its writes */
	write_marker(f,
		     "web",
		     "gateway_state.json",
		     "{\"desired_state\":\"running\",\"custom\":{\"a\":[1,2]},\"timestamp\":7}");

	proc = health_run_until_ready(f, notify_path, &pid);
	port = health_assert_running(f, pid);
	lock_path = file_in(f, "web", HERMES_GATEWAY_LOCK_FILE);
	health_assert_records(home, lock_path, pid);
	health_assert_get(port, pid);

	/* SIGINT: an operator stop */
	kill((pid_t)pid, SIGINT);
	assert_int_equal(wait_exit(proc), 0);
	g_clear_pointer(&st, json_object_unref);
	st = load_state(f, "web");
	assert_string_equal(state_str(st, "gateway_state"), "stopped");
	assert_string_equal(state_str(st, "exit_reason"), "SIGINT");
	assert_string_equal(state_str(st, "desired_state"), "running");
	assert_int_equal(json_object_get_int_member(st, "timestamp"), 7);
	assert_int_equal(json_array_get_int_element(
				 json_object_get_array_member(
					 json_object_get_object_member(st, "custom"), "a"),
				 1),
			 2);
	/* gateway.pid is gone, the lock stays (emptied) for the next one */
	assert_no_pid_file(f, "web");
	g_clear_pointer(&lock, g_free);
	assert_true(g_file_get_contents(lock_path, &lock, NULL, NULL));
	assert_string_equal(lock, "");
	out = read_log(f, "web", "out");
	hermes_assert_str_contains(out, "listening on 127.0.0.1:");
	hermes_assert_str_contains(out, "gateway: SIGINT, exiting 0");
}

/* an explicit port somebody else holds: a clear error, startup_failed, retryable exit 1 */
static void
test_runner_port_busy(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new_from_string("127.0.0.1", 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autofree gchar *env_path = NULL;
	g_autofree gchar *env = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *expected = NULL;
	GSubprocess *proc;
	guint port;

	create_profile(f, "busy");
	f->held = g_socket_new(
		G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
	hermes_assert_no_error(error);
	assert_true(g_socket_bind(f->held, addr, TRUE, &error));
	assert_true(g_socket_listen(f->held, &error));
	bound = g_socket_get_local_address(f->held, &error);
	hermes_assert_no_error(error);
	port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	env_path = file_in(f, "busy", ".env");
	env = g_strdup_printf("export API_SERVER_PORT=\"%u\"\n", port);
	hermes_test_write_file(env_path, env, 0600);

	proc = spawn_run(f, "busy", "busy", NULL, -1, NULL);
	assert_int_equal(wait_exit(proc), 1);
	err = read_log(f, "busy", "err");
	expected = g_strdup_printf("hermes: API_SERVER_PORT=%u: cannot listen on 127.0.0.1:%u: "
				   "port %u is in use by another program\n",
				   port,
				   port,
				   port);
	assert_string_equal(err, expected);
	assert_final_state(f, "busy", "startup_failed", NULL);
	assert_no_pid_file(f, "busy");
}

/* a hostile gateway_state.json (100 000 nested '[') costs a refusal, never a crash */
static void
test_runner_deep_state_file(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = NULL;
	g_autofree gchar *deep = g_strnfill(100000, '[');
	g_autofree gchar *out = NULL;
	g_autofree gchar *text = NULL;
	GSubprocess *proc;

	create_profile(f, "deep");
	path = file_in(f, "deep", "gateway_state.json");
	hermes_test_write_file(path, deep, 0644);
	proc = spawn_run(f,
			 "deep",
			 "deep",
			 (const gchar *const[]){"HERMES_GATEWAY_COMMAND", "sh -c 'exit 0'", NULL},
			 -1,
			 NULL);
	assert_int_equal(wait_exit(proc), 0);
	out = read_log(f, "deep", "out");
	hermes_assert_str_contains(out, "cannot record the runtime state");
	hermes_assert_str_contains(out, "gateway: payload exited 0, exiting 0");
	/* left as it was: the gateway never replaces what it cannot read */
	assert_true(g_file_get_contents(path, &text, NULL, NULL));
	assert_string_equal(text, deep);
	assert_no_pid_file(f, "deep");
}

/*
 * A profile directory that is a link into another home: its gateway
 * refuses to run, and --replace never reaches the other home's gateway.
 */
static void
test_runner_linked_profile_dir(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *victim_home = NULL;
	g_autofree gchar *link = NULL;
	g_autofree gchar *err = NULL;
	GSubprocess *victim;
	GSubprocess *evil;

	create_profile(f, "victim");
	victim_home = home_of(f, "victim");
	victim = start_gateway(f, "victim", "victim", NULL);
	link = home_of(f, "evil");
	assert_int_equal(symlink(victim_home, link), 0);
	evil = spawn_run(f, "evil", "evil", NULL, -1, (const gchar *const[]){"--replace", NULL});
	assert_int_not_equal(wait_exit(evil), 0);
	err = read_log(f, "evil", "err");
	/* refused where the profile is looked up, or at the latest where the runner resolves it */
	if (strstr(err, "symbolic link") == NULL && strstr(err, "no such profile") == NULL)
		fail_msg("unexpected error: %s", err);
	assert_true(hermes_platform_process_alive(pid_of(victim)));
	wait_running(f, "victim", pid_of(victim));
	kill((pid_t)pid_of(victim), SIGINT);
	assert_int_equal(wait_exit(victim), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_runner_redirect_decision),
		T(test_runner_unknown_profile),
		T(test_runner_cli_warns_about_flag),
		T(test_runner_health_ready_and_files),
		T(test_runner_port_busy),
		T(test_runner_deep_state_file),
		T(test_runner_linked_profile_dir),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
