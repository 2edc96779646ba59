/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes gateway run`, the real binary: single instance, --replace
 * (scenario f of the lifecycle issue), the shutdown contract, exit codes
 * of external payloads, readiness, the built-in /health gateway and the
 * runtime files. Under the valgrind setup every gateway runs under
 * valgrind too (HERMES_TEST_WRAPPER). The redirect decision is tested as
 * the pure function it is.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-platform-private.h"
#include "hermes-runner.h"
#include "hermes-svc.h"
#include "hermes-test.h"

#define WAIT_MS 60000

typedef struct {
	gchar *tmp;
	gchar *root;
	GStrv envp;
	GPtrArray *procs; /* GSubprocess, killed in teardown */
	GArray *raw_pids; /* GPid spawned without reaping, killed and reaped in teardown */
	gint ready_fd;	  /* read end of the readiness pipe */
	gint notify_fd;	  /* our NOTIFY_SOCKET */
	GSocket *held;	  /* a port the test keeps busy */
	gchar *warning;
} Fixture;

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	const gchar *unset[] = {"HERMES_SERVICE_MANAGER",
				"HERMES_S6_SUPERVISED_CHILD",
				"HERMES_SUPERVISED_CHILD",
				"HERMES_GATEWAY_NO_SUPERVISE",
				"HERMES_GATEWAY_COMMAND",
				"HERMES_GATEWAY_BIND",
				"HERMES_READY_FD",
				"NOTIFY_SOCKET",
				"XPC_SERVICE_NAME",
				"API_SERVER_PORT",
				"HERMES_CLI_PATH"};

	f->tmp = hermes_test_mkdtemp();
	f->root = g_build_filename(f->tmp, "hermes-home", NULL);
	f->envp = g_get_environ();
	for (guint i = 0; i < G_N_ELEMENTS(unset); i++)
		f->envp = g_environ_unsetenv(f->envp, unset[i]);
	f->envp = g_environ_setenv(f->envp, "HOME", f->tmp, TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_HOME", f->root, TRUE);
	/* the fake backend: never s6 in container mode, so `run` stays in the foreground */
	f->envp = g_environ_setenv(
		f->envp, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_PLUGIN_DIR"), TRUE);
	f->procs = g_ptr_array_new_with_free_func(g_object_unref);
	f->raw_pids = g_array_new(FALSE, FALSE, sizeof(GPid));
	f->ready_fd = -1;
	f->notify_fd = -1;
	*state = f;
	return 0;
}

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	for (guint i = 0; i < f->procs->len; i++) {
		GSubprocess *p = g_ptr_array_index(f->procs, i);
		if (g_subprocess_get_identifier(p) != NULL)
			g_subprocess_force_exit(p);
		g_subprocess_wait(p, NULL, NULL);
	}
	for (guint i = 0; i < f->raw_pids->len; i++) {
		GPid pid = g_array_index(f->raw_pids, GPid, i);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (f->ready_fd >= 0)
		close(f->ready_fd);
	if (f->notify_fd >= 0)
		close(f->notify_fd);
	if (f->held != NULL)
		g_socket_close(f->held, NULL);
	g_clear_object(&f->held);
	g_ptr_array_unref(f->procs);
	g_array_unref(f->raw_pids);
	hermes_test_rmtree(f->tmp);
	g_strfreev(f->envp);
	g_free(f->tmp);
	g_free(f->root);
	g_free(f->warning);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

/*****************************************************************************/
/* helpers */

static GPtrArray *
hermes_argv(const gchar *const *args, gboolean wrapped)
{
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	const gchar *wrapper = g_getenv("HERMES_TEST_WRAPPER");
	if (wrapped && wrapper != NULL && wrapper[0] != '\0') {
		g_auto(GStrv) parts = g_strsplit(wrapper, " ", -1);
		for (guint i = 0; parts[i] != NULL; i++)
			g_ptr_array_add(argv, g_strdup(parts[i]));
		g_ptr_array_add(argv, g_strdup("--quiet"));
	}
	g_ptr_array_add(argv, g_strdup(hermes_test_env("HERMES_TEST_HERMES")));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(args[i]));
	g_ptr_array_add(argv, NULL);
	return argv;
}

/* with symbolic links resolved, as the gateway records it (a GLib string) */
static gchar *
resolved(const gchar *path)
{
	g_autofree gchar *real = realpath(path, NULL);
	assert_non_null(real);
	return g_strdup(real);
}

static gchar *
home_of(Fixture *f, const gchar *profile)
{
	return g_build_filename(f->root, "profiles", profile, NULL);
}

static gchar *
file_in(Fixture *f, const gchar *profile, const gchar *name)
{
	g_autofree gchar *home = home_of(f, profile);
	return g_build_filename(home, name, NULL);
}

static void
create_profile(Fixture *f, const gchar *name)
{
	g_autoptr(GPtrArray) argv =
		hermes_argv((const gchar *const[]){"profile", "create", name, NULL}, FALSE);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status = 0;
	g_spawn_sync(
		NULL, (gchar **)argv->pdata, f->envp, 0, NULL, NULL, &out, &err, &status, &error);
	hermes_assert_no_error(error);
	if (!g_spawn_check_wait_status(status, NULL))
		fail_msg("hermes profile create %s failed: %s", name, err);
}

/* a command the next gateways are run under, e.g. in a namespace; NULL for none */
static const gchar *const *run_prefix;

/* `hermes -p PROFILE gateway run [ARGS]`; output goes to <tmp>/<log>.out and .err */
static GSubprocess *
spawn_run(Fixture *f,
	  const gchar *profile,
	  const gchar *log,
	  const gchar *const *env,
	  gint ready_fd,
	  const gchar *const *args)
{
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	g_autoptr(GPtrArray) cmd = g_ptr_array_new();
	g_autoptr(GPtrArray) argv = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = g_strdup_printf("%s/%s.out", f->tmp, log);
	g_autofree gchar *err = g_strdup_printf("%s/%s.err", f->tmp, log);
	g_auto(GStrv) envp = g_strdupv(f->envp);
	GSubprocess *proc;

	g_ptr_array_add(cmd, (gpointer) "-p");
	g_ptr_array_add(cmd, (gpointer)profile);
	g_ptr_array_add(cmd, (gpointer) "gateway");
	g_ptr_array_add(cmd, (gpointer) "run");
	for (guint i = 0; args != NULL && args[i] != NULL; i++)
		g_ptr_array_add(cmd, (gpointer)args[i]);
	g_ptr_array_add(cmd, NULL);
	argv = hermes_argv((const gchar *const *)cmd->pdata, TRUE);
	for (guint i = 0; run_prefix != NULL && run_prefix[i] != NULL; i++)
		g_ptr_array_insert(argv, (gint)i, g_strdup(run_prefix[i]));
	for (guint i = 0; env != NULL && env[i] != NULL; i += 2)
		envp = g_environ_setenv(envp, env[i], env[i + 1], TRUE);
	g_subprocess_launcher_set_environ(launcher, envp);
	g_subprocess_launcher_set_stdout_file_path(launcher, out);
	g_subprocess_launcher_set_stderr_file_path(launcher, err);
	if (ready_fd >= 0)
		g_subprocess_launcher_take_fd(launcher, ready_fd, 3);
	proc = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	hermes_assert_no_error(error);
	g_ptr_array_add(f->procs, proc);
	return proc;
}

static gint64
pid_of(GSubprocess *proc)
{
	const gchar *id = g_subprocess_get_identifier(proc);
	assert_non_null(id);
	return g_ascii_strtoll(id, NULL, 10);
}

/* the exit status; fails the test if it was killed or did not exit in time */
static gint
wait_exit(GSubprocess *proc)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)WAIT_MS * 1000;
	/* GSubprocess reaps on GLib's worker thread and then forgets the pid */
	while (g_subprocess_get_identifier(proc) != NULL) {
		if (g_get_monotonic_time() > deadline)
			fail_msg("the gateway did not exit within %d ms", WAIT_MS);
		g_usleep(5000);
	}
	if (!g_subprocess_get_if_exited(proc))
		fail_msg("the gateway was killed by signal %d", g_subprocess_get_term_sig(proc));
	return g_subprocess_get_exit_status(proc);
}

/* the stream without valgrind's own `--PID-- WARNING: unhandled syscall` notes */
static gchar *
read_log(Fixture *f, const gchar *log, const gchar *stream)
{
	g_autofree gchar *path = g_strdup_printf("%s/%s.%s", f->tmp, log, stream);
	g_autofree gchar *contents = NULL;
	g_auto(GStrv) lines = NULL;
	GString *kept = g_string_new(NULL);

	if (!g_file_get_contents(path, &contents, NULL, NULL))
		return g_string_free(kept, FALSE);
	lines = g_strsplit(contents, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		const gchar *rest = lines[i] + 2;
		if (g_str_has_prefix(lines[i], "--") && g_ascii_isdigit(*rest) &&
		    strstr(rest, "-- ") != NULL)
			continue;
		g_string_append(kept, lines[i]);
		if (lines[i + 1] != NULL)
			g_string_append_c(kept, '\n');
	}
	return g_string_free(kept, FALSE);
}

static JsonObject *
load_state(Fixture *f, const gchar *profile)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *home = home_of(f, profile);
	JsonObject *state = hermes_gateway_state_load(home, &error);
	if (error != NULL) {
		g_autofree gchar *path = g_build_filename(home, "gateway_state.json", NULL);
		g_autofree gchar *raw = NULL;
		g_autofree gchar *shown = NULL;
		g_file_get_contents(path, &raw, NULL, NULL);
		shown = g_strescape(raw != NULL ? raw : "(unreadable)", NULL);
		fail_msg("%s; the file holds: %s", error->message, shown);
	}
	return state;
}

static const gchar *
state_str(JsonObject *state, const gchar *name)
{
	return json_object_get_string_member_with_default(state, name, NULL);
}

/* until gateway_state.json says @pid runs; a gateway that gave up fails at once */
static void
wait_running_full(Fixture *f, const gchar *profile, gint64 pid, const gchar *log)
{
	g_autofree gchar *home = home_of(f, profile);
	gint64 deadline = g_get_monotonic_time() + (gint64)WAIT_MS * 1000;
	while (TRUE) {
		g_autoptr(JsonObject) state = hermes_gateway_state_load(home, NULL);
		if (state != NULL && g_strcmp0(state_str(state, "gateway_state"), "running") == 0 &&
		    json_object_get_int_member_with_default(state, "pid", -1) == pid)
			return;
		if (g_get_monotonic_time() > deadline || !hermes_platform_process_alive(pid)) {
			g_autofree gchar *err =
				log != NULL ? read_log(f, log, "err") : g_strdup("");
			fail_msg("gateway %" G_GINT64_FORMAT " of '%s' did not start: %s",
				 pid,
				 profile,
				 err);
		}
		g_usleep(10000);
	}
}

static void
wait_running(Fixture *f, const gchar *profile, gint64 pid)
{
	wait_running_full(f, profile, pid, NULL);
}

static void
assert_final_state(Fixture *f, const gchar *profile, const gchar *expected, const gchar *reason)
{
	g_autoptr(JsonObject) state = load_state(f, profile);
	assert_string_equal(state_str(state, "gateway_state"), expected);
	if (reason != NULL)
		assert_string_equal(state_str(state, "exit_reason"), reason);
	/* updated_at is always RFC 3339 UTC */
	assert_non_null(state_str(state, "updated_at"));
	assert_true(g_str_has_suffix(state_str(state, "updated_at"), "+00:00") ||
		    g_str_has_suffix(state_str(state, "updated_at"), "Z"));
}

static void
assert_no_pid_file(Fixture *f, const gchar *profile)
{
	g_autofree gchar *path = file_in(f, profile, HERMES_GATEWAY_PID_FILE);
	if (g_file_test(path, G_FILE_TEST_EXISTS))
		fail_msg("%s is still there", path);
}

/* start a gateway and wait until it runs */
static GSubprocess *
start_gateway(Fixture *f, const gchar *profile, const gchar *log, const gchar *const *args)
{
	GSubprocess *proc = spawn_run(f, profile, log, NULL, -1, args);
	wait_running_full(f, profile, pid_of(proc), log);
	return proc;
}

static gchar *
http_get(guint port, const gchar *path)
{
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) response = g_string_new(NULL);
	g_autofree gchar *request = g_strdup_printf(
		"GET %s HTTP/1.1\r\nHost: localhost\r\nUser-Agent: test-runner\r\n\r\n", path);
	gchar buf[1024];
	gssize n;

	g_socket_client_set_timeout(client, 10);
	conn = g_socket_client_connect_to_host(client, "127.0.0.1", (guint16)port, NULL, &error);
	hermes_assert_no_error(error);
	g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)),
				  request,
				  strlen(request),
				  NULL,
				  NULL,
				  &error);
	hermes_assert_no_error(error);
	while ((n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn)),
					buf,
					sizeof(buf),
					NULL,
					&error)) > 0)
		g_string_append_len(response, buf, n);
	hermes_assert_no_error(error);
	return g_string_free(g_steal_pointer(&response), FALSE);
}

static void
write_marker(Fixture *f, const gchar *profile, const gchar *name, const gchar *json)
{
	g_autofree gchar *path = file_in(f, profile, name);
	hermes_test_write_file(path, json, 0644);
}

static gboolean
file_exists(Fixture *f, const gchar *profile, const gchar *name)
{
	g_autofree gchar *path = file_in(f, profile, name);
	return g_file_test(path, G_FILE_TEST_EXISTS);
}

/*****************************************************************************/

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

/* readiness, /health, the runtime files, keys it does not own, and a clean SIGINT */
static void
test_runner_health_ready_and_files(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) st = NULL;
	g_autoptr(JsonObject) record = NULL;
	g_autoptr(JsonObject) health = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree gchar *home = NULL;
	g_autofree gchar *real_home = NULL;
	g_autofree gchar *notify_path = g_build_filename(f->tmp, "notify.sock", NULL);
	g_autofree gchar *response = NULL;
	g_autofree gchar *missing = NULL;
	g_autofree gchar *lock = NULL;
	g_autofree gchar *lock_path = NULL;
	g_autofree gchar *out = NULL;
	struct sockaddr_un addr = {0};
	struct pollfd pfd;
	gchar buf[64] = {0};
	gint fds[2];
	GSubprocess *proc;
	const gchar *body;
	gint64 pid;
	guint port;

	create_profile(f, "web");
	home = home_of(f, "web");
	real_home = resolved(home);
	/* keys the gateway does not own survive its writes */
	write_marker(f,
		     "web",
		     "gateway_state.json",
		     "{\"desired_state\":\"running\",\"custom\":{\"a\":[1,2]},\"timestamp\":7}");

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
	pid = pid_of(proc);

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

	/* ready means recorded as running */
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

	/* gateway.pid and gateway.lock carry the upstream record */
	record = hermes_gateway_pid_load(home, &error);
	hermes_assert_no_error(error);
	assert_int_equal(json_object_get_int_member(record, "pid"), pid);
	assert_string_equal(json_object_get_string_member(record, "kind"), "hermes-gateway");
	assert_int_equal(json_object_get_int_member(record, "start_time"),
			 hermes_platform_get_start_time(pid));
	assert_string_equal(json_object_get_string_member(record, "hermes_home"), real_home);
	assert_true(json_array_get_length(json_object_get_array_member(record, "argv")) > 0);
	assert_true(hermes_gateway_pid_is_live(record, home));
	lock_path = file_in(f, "web", HERMES_GATEWAY_LOCK_FILE);
	assert_true(g_file_get_contents(lock_path, &lock, NULL, NULL));
	hermes_assert_str_contains(lock, "\"kind\":\"hermes-gateway\"");

	/* GET /health */
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

/* a second gateway is refused while the first holds the lock; an unmarked SIGTERM persists running */
static void
test_runner_single_instance(void **state)
{
	Fixture *f = *state;
	g_autoptr(JsonObject) record = NULL;
	g_autofree gchar *home = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *expected = NULL;
	g_autofree gchar *out = NULL;
	GSubprocess *first;
	GSubprocess *second;
	gint64 pid;

	create_profile(f, "solo");
	home = home_of(f, "solo");
	first = start_gateway(f, "solo", "first", NULL);
	pid = pid_of(first);

	second = spawn_run(f, "solo", "second", NULL, -1, NULL);
	assert_int_equal(wait_exit(second), 1);
	err = read_log(f, "second", "err");
	expected = g_strdup_printf(
		"hermes: Gateway already running (PID %" G_GINT64_FORMAT
		"). Use 'hermes gateway restart' to replace it, 'hermes gateway stop' first, "
		"or 'hermes gateway run --replace'.\n",
		pid);
	assert_string_equal(err, expected);
	/* the refused one touched nothing of the first's */
	record = hermes_gateway_pid_load(home, NULL);
	assert_non_null(record);
	assert_int_equal(json_object_get_int_member(record, "pid"), pid);
	wait_running(f, "solo", pid);

	/* container restart, s6 restart, bare kill: come back (upstream #42675) */
	kill((pid_t)pid, SIGTERM);
	assert_int_equal(wait_exit(first), 1);
	assert_final_state(f, "solo", "running", "unexpected SIGTERM");
	assert_no_pid_file(f, "solo");
	out = read_log(f, "first", "out");
	hermes_assert_str_contains(out, "gateway: unexpected SIGTERM, exiting 1");
}

/* scenario (f): --replace takes over a stray foreground gateway, even while it is a zombie */
static void
test_runner_replace_takes_over(void **state)
{
	Fixture *f = *state;
	g_autoptr(GPtrArray) argv = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) record = NULL;
	g_autofree gchar *home = NULL;
	g_autofree gchar *stray_out = g_build_filename(f->tmp, "stray.out", NULL);
	g_autofree gchar *stray_log = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *expected = NULL;
	GSubprocess *replacer;
	GPid stray = 0;
	gint status = 0;
	gint out_fd;

	create_profile(f, "take");
	home = home_of(f, "take");
	/* the stray gateway is not reaped by anyone until we say so */
	argv = hermes_argv((const gchar *const[]){"-p", "take", "gateway", "run", NULL}, TRUE);
	out_fd = open(stray_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(out_fd >= 0);
	g_spawn_async_with_fds(NULL,
			       (gchar **)argv->pdata,
			       f->envp,
			       G_SPAWN_DO_NOT_REAP_CHILD,
			       NULL,
			       NULL,
			       &stray,
			       -1,
			       out_fd,
			       out_fd,
			       &error);
	close(out_fd);
	hermes_assert_no_error(error);
	g_array_append_val(f->raw_pids, stray);
	wait_running(f, "take", stray);

	replacer = spawn_run(
		f, "take", "replacer", NULL, -1, (const gchar *const[]){"--replace", NULL});
	wait_running_full(f, "take", pid_of(replacer), "replacer");
	/* the old one is not reaped yet: a zombie, which counts as gone (upstream #42126) */
	assert_false(hermes_platform_process_alive(stray));
	/* it saw the takeover marker and exited 0, so its supervisor would not revive it */
	assert_int_equal(waitpid(stray, &status, 0), stray);
	g_array_remove_index(f->raw_pids, 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_true(g_file_get_contents(stray_out, &stray_log, NULL, NULL));
	hermes_assert_str_contains(stray_log,
				   "gateway: replaced by a new gateway (--replace), exiting 0");
	/* the new one owns gateway.pid; the marker is gone */
	record = hermes_gateway_pid_load(home, &error);
	hermes_assert_no_error(error);
	assert_int_equal(json_object_get_int_member(record, "pid"), pid_of(replacer));
	assert_false(file_exists(f, "take", HERMES_GATEWAY_TAKEOVER_FILE));
	out = read_log(f, "replacer", "out");
	expected = g_strdup_printf("gateway: replacing the gateway with PID %d (--replace)",
				   (gint)stray);
	hermes_assert_str_contains(out, expected);

	kill((pid_t)pid_of(replacer), SIGINT);
	assert_int_equal(wait_exit(replacer), 0);
	assert_no_pid_file(f, "take");
}

/* `hermes gateway stop`'s marker in the profile's home: an operator stop */
static void
test_runner_planned_stop(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *home = NULL;
	g_autofree gchar *out = NULL;
	GSubprocess *proc;
	gint64 pid;

	create_profile(f, "plan");
	home = home_of(f, "plan");
	proc = start_gateway(f, "plan", "plan", NULL);
	pid = pid_of(proc);
	assert_true(hermes_planned_stop_write(home, pid, &error));
	hermes_assert_no_error(error);
	kill((pid_t)pid, SIGTERM);
	assert_int_equal(wait_exit(proc), 0);
	assert_final_state(f, "plan", "stopped", "operator stop");
	assert_false(file_exists(f, "plan", HERMES_PLANNED_STOP_FILE));
	assert_no_pid_file(f, "plan");
	out = read_log(f, "plan", "out");
	hermes_assert_str_contains(out, "gateway: operator stop, exiting 0");
}

/* stale and malformed markers are removed and ignored; another process's marker is left */
static void
test_runner_markers_stale_or_foreign(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *stale = NULL;
	g_autofree gchar *foreign = NULL;
	g_autofree gchar *now = hermes_time_format_iso8601(g_get_real_time());
	GSubprocess *proc;
	gint64 pid;

	create_profile(f, "mark");
	/* stale (two hours old) planned stop naming us, malformed takeover */
	proc = start_gateway(f, "mark", "stale", NULL);
	pid = pid_of(proc);
	stale = g_strdup_printf("{\"target_pid\":%" G_GINT64_FORMAT
				",\"target_start_time\":null,\"stopper_pid\":1,"
				"\"written_at\":\"2000-01-01T00:00:00+00:00\"}",
				pid);
	write_marker(f, "mark", HERMES_PLANNED_STOP_FILE, stale);
	write_marker(f, "mark", HERMES_GATEWAY_TAKEOVER_FILE, "{not json");
	kill((pid_t)pid, SIGTERM);
	assert_int_equal(wait_exit(proc), 1);
	assert_final_state(f, "mark", "running", "unexpected SIGTERM");
	assert_false(file_exists(f, "mark", HERMES_PLANNED_STOP_FILE));
	assert_false(file_exists(f, "mark", HERMES_GATEWAY_TAKEOVER_FILE));

	/* a fresh marker for another process is not ours and not ours to remove */
	proc = start_gateway(f, "mark", "foreign", NULL);
	pid = pid_of(proc);
	foreign = g_strdup_printf("{\"target_pid\":%" G_GINT64_FORMAT
				  ",\"target_start_time\":null,\"stopper_pid\":1,"
				  "\"written_at\":\"%s\"}",
				  pid + 100000,
				  now);
	write_marker(f, "mark", HERMES_PLANNED_STOP_FILE, foreign);
	kill((pid_t)pid, SIGTERM);
	assert_int_equal(wait_exit(proc), 1);
	assert_final_state(f, "mark", "running", "unexpected SIGTERM");
	assert_true(file_exists(f, "mark", HERMES_PLANNED_STOP_FILE));
}

static void
test_runner_sigusr1_restart(void **state)
{
	Fixture *f = *state;
	g_autoptr(JsonObject) st = NULL;
	GSubprocess *proc;

	create_profile(f, "again");
	proc = start_gateway(f, "again", "again", NULL);
	kill((pid_t)pid_of(proc), SIGUSR1);
	assert_int_equal(wait_exit(proc), 75);
	assert_final_state(f, "again", "stopped", "restart requested (SIGUSR1)");
	st = load_state(f, "again");
	assert_true(json_object_get_boolean_member(st, "restart_requested"));
	assert_no_pid_file(f, "again");
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
	{
		GSubprocess *proc = spawn_run(f,
					      "ext",
					      "conf",
					      (const gchar *const[]){"HERMES_READY_FD", "7", NULL},
					      -1,
					      NULL);
		g_autofree gchar *out = NULL;
		g_autofree gchar *home = home_of(f, "ext");
		g_autofree gchar *real_home = resolved(home);
		g_autofree gchar *expected = g_strdup_printf("home=%s ready=unset\n", real_home);
		assert_int_equal(wait_exit(proc), 78);
		out = read_log(f, "conf", "out");
		hermes_assert_str_contains(out, expected);
		hermes_assert_str_contains(
			out, "gateway: payload exited 78 (fatal configuration), exiting 78");
		assert_final_state(
			f, "ext", "startup_failed", "payload exited 78 (fatal configuration)");
	}
	/* a broken bind address is a fatal configuration of the built-in gateway */
	g_unlink(conf);
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
		assert_string_equal(
			err,
			"hermes: cannot listen on 'nowhere' (from HERMES_GATEWAY_BIND): "
			"not an IP address\n");
		assert_final_state(f, "ext", "startup_failed", NULL);
	}
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

/* stale gateway.pid records (dead pid, legacy bare integer, reused pid) are replaced */
static void
test_runner_stale_pid_file(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *pid_path = NULL;
	g_autofree gchar *home = NULL;
	const gchar *argv[] = {"/bin/true", NULL};
	gchar *records[3];
	GPid dead = 0;
	gint status = 0;

	create_profile(f, "stale");
	home = home_of(f, "stale");
	pid_path = file_in(f, "stale", HERMES_GATEWAY_PID_FILE);
	g_spawn_async(
		NULL, (gchar **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &dead, &error);
	hermes_assert_no_error(error);
	waitpid(dead, &status, 0);
	records[0] = g_strdup_printf("{\"pid\":%d,\"kind\":\"hermes-gateway\",\"argv\":[],"
				     "\"start_time\":5,\"hermes_home\":\"%s\"}",
				     (gint)dead,
				     home);
	records[1] = g_strdup_printf("%d\n", (gint)dead);
	/* alive, but not the process that wrote it: its start time differs */
	records[2] = g_strdup_printf("{\"pid\":%d,\"start_time\":1}", (gint)getpid());
	for (guint i = 0; i < G_N_ELEMENTS(records); i++) {
		g_autofree gchar *record = records[i];
		g_autofree gchar *log = g_strdup_printf("stale-%u", i);
		g_autoptr(JsonObject) parsed = NULL;
		g_autoptr(JsonObject) now = NULL;
		GSubprocess *proc;

		hermes_test_write_file(pid_path, record, 0644);
		parsed = hermes_gateway_pid_load(home, &error);
		hermes_assert_no_error(error);
		assert_false(hermes_gateway_pid_is_live(parsed, home));
		proc = start_gateway(f, "stale", log, NULL);
		now = hermes_gateway_pid_load(home, &error);
		hermes_assert_no_error(error);
		assert_int_equal(json_object_get_int_member(now, "pid"), pid_of(proc));
		kill((pid_t)pid_of(proc), SIGINT);
		assert_int_equal(wait_exit(proc), 0);
		assert_no_pid_file(f, "stale");
	}
	/* a malformed record is not a live one */
	hermes_test_write_file(pid_path, "{\"pid\":", 0644);
	assert_null(hermes_gateway_pid_load(home, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
}

/*
 * A live holder that never takes the lock (an old hermes-agent) and
 * ignores SIGTERM: refused without --replace; with it, SIGKILL after the
 * bounded wait, confirmed gone, then the new gateway runs.
 */
static void
test_runner_replace_escalates_to_sigkill(void **state)
{
	Fixture *f = *state;
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *home = NULL;
	g_autofree gchar *record = NULL;
	g_autofree gchar *pid_path = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *out = NULL;
	GSubprocess *holder;
	GSubprocess *refused;
	GSubprocess *replacer;
	gint64 holder_pid;
	gint64 t0;

	create_profile(f, "stuck");
	home = home_of(f, "stuck");
	pid_path = file_in(f, "stuck", HERMES_GATEWAY_PID_FILE);
	/* its command line reads like a gateway's: `sh -c … gateway run` */
	holder = g_subprocess_launcher_spawn(launcher,
					     &error,
					     "/bin/sh",
					     "-c",
					     "trap '' TERM; while :; do sleep 0.05; done",
					     "gateway",
					     "run",
					     NULL);
	hermes_assert_no_error(error);
	g_ptr_array_add(f->procs, holder);
	holder_pid = pid_of(holder);
	record = g_strdup_printf("{\"pid\":%" G_GINT64_FORMAT ",\"kind\":\"hermes-gateway\","
				 "\"start_time\":%" G_GINT64_FORMAT ",\"hermes_home\":\"%s\"}",
				 holder_pid,
				 hermes_platform_get_start_time(holder_pid),
				 home);
	hermes_test_write_file(pid_path, record, 0644);

	refused = spawn_run(f, "stuck", "refused", NULL, -1, NULL);
	assert_int_equal(wait_exit(refused), 1);
	err = read_log(f, "refused", "err");
	{
		g_autofree gchar *expected = g_strdup_printf(
			"Gateway already running (PID %" G_GINT64_FORMAT ")", holder_pid);
		hermes_assert_str_contains(err, expected);
	}

	t0 = g_get_monotonic_time();
	replacer = spawn_run(
		f, "stuck", "replacer", NULL, -1, (const gchar *const[]){"--replace", NULL});
	wait_running_full(f, "stuck", pid_of(replacer), "replacer");
	/* the bounded SIGTERM wait came first */
	assert_true(g_get_monotonic_time() - t0 >= 9 * G_USEC_PER_SEC);
	/* killed (a zombie or reaped: the platform check can race the reaper, kill(0) cannot) */
	assert_true(!hermes_platform_process_alive(holder_pid) || kill((pid_t)holder_pid, 0) != 0);
	out = read_log(f, "replacer", "out");
	hermes_assert_str_contains(out, "did not exit within 10 s of SIGTERM; sending SIGKILL");
	kill((pid_t)pid_of(replacer), SIGINT);
	assert_int_equal(wait_exit(replacer), 0);
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

/* hermes-agent's contract: the planned-stop marker alone, no signal, drains the gateway */
static void
test_runner_planned_stop_without_signal(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *home = NULL;
	g_autofree gchar *out = NULL;
	GSubprocess *proc;

	create_profile(f, "quietly");
	home = home_of(f, "quietly");
	proc = start_gateway(f, "quietly", "quietly", NULL);
	/* a marker for another process is left alone and changes nothing */
	assert_true(hermes_planned_stop_write(home, pid_of(proc) + 100000, &error));
	hermes_assert_no_error(error);
	/* a stopper whose stop failed takes its marker back within the grace: we stay */
	assert_true(hermes_planned_stop_write(home, pid_of(proc), &error));
	hermes_assert_no_error(error);
	g_usleep(200 * 1000);
	hermes_planned_stop_withdraw(home, pid_of(proc));
	assert_false(file_exists(f, "quietly", HERMES_PLANNED_STOP_FILE));
	g_usleep((HERMES_PLANNED_STOP_GRACE_SEC + 1) * G_USEC_PER_SEC);
	assert_true(hermes_platform_process_alive(pid_of(proc)));
	/* one that stays is the stop */
	assert_true(hermes_planned_stop_write(home, pid_of(proc), &error));
	hermes_assert_no_error(error);
	assert_int_equal(wait_exit(proc), 0);
	assert_final_state(f, "quietly", "stopped", "operator stop");
	assert_false(file_exists(f, "quietly", HERMES_PLANNED_STOP_FILE));
	assert_no_pid_file(f, "quietly");
	out = read_log(f, "quietly", "out");
	hermes_assert_str_contains(out, "planned-stop marker seen without a signal");
}

/*
 * Where the kernel refuses a directory monitor (inotify instances are
 * limited per user: 128 by default), a marker alone still stops the
 * gateway. The gateway runs in its own user namespace whose inotify limit
 * is 0, so nothing else on the machine loses its monitors.
 */
static void
test_runner_planned_stop_without_monitor(void **state)
{
	static const gchar *const no_inotify[] = {
		"unshare",
		"--user",
		"--map-root-user",
		"sh",
		"-c",
		"echo 0 >/proc/sys/user/max_inotify_instances && exec \"$@\"",
		"sh",
		NULL,
	};
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *home = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *unshare = g_find_program_in_path("unshare");
	GSubprocess *proc;

	if (unshare == NULL || geteuid() != 0) {
		print_message("# skipped: needs root and unshare(1) for a user namespace\n");
		return;
	}
	create_profile(f, "nomon");
	home = home_of(f, "nomon");
	run_prefix = no_inotify;
	proc = start_gateway(f, "nomon", "nomon", NULL);
	run_prefix = NULL;
	assert_true(hermes_planned_stop_write(home, pid_of(proc), &error));
	hermes_assert_no_error(error);
	assert_int_equal(wait_exit(proc), 0);
	assert_final_state(f, "nomon", "stopped", "operator stop");
	assert_false(file_exists(f, "nomon", HERMES_PLANNED_STOP_FILE));
	/* and it was the fallback that saw the marker */
	out = read_log(f, "nomon", "out");
	hermes_assert_str_contains(out, "looking for one every 2 s instead");
	hermes_assert_str_contains(out, "planned-stop marker seen without a signal");
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

static gint
group_setup(void **state)
{
	hermes_test_init();
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_runner_redirect_decision),
		T(test_runner_unknown_profile),
		T(test_runner_cli_warns_about_flag),
		T(test_runner_health_ready_and_files),
		T(test_runner_single_instance),
		T(test_runner_replace_takes_over),
		T(test_runner_planned_stop),
		T(test_runner_markers_stale_or_foreign),
		T(test_runner_sigusr1_restart),
		T(test_runner_payload_exit_codes),
		T(test_runner_payload_signal),
		T(test_runner_stale_pid_file),
		T(test_runner_port_busy),
		T(test_runner_replace_escalates_to_sigkill),
		T(test_runner_planned_stop_without_signal),
		T(test_runner_planned_stop_without_monitor),
		T(test_runner_deep_state_file),
		T(test_runner_linked_profile_dir),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
