/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The `hermes gateway run` tests' glue: the fixture, spawning the real
 * binary, waiting for its exit or its running state, reading its state
 * file, log and pid file, and a GET on its /health.
 */

#include "runner-test.h"

gint
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

gint
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

GPtrArray *
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
gchar *
resolved(const gchar *path)
{
	g_autofree gchar *real = realpath(path, NULL);
	assert_non_null(real);
	return g_strdup(real);
}

gchar *
home_of(Fixture *f, const gchar *profile)
{
	return g_build_filename(f->root, "profiles", profile, NULL);
}

gchar *
file_in(Fixture *f, const gchar *profile, const gchar *name)
{
	g_autofree gchar *home = home_of(f, profile);
	return g_build_filename(home, name, NULL);
}

void
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
const gchar *const *run_prefix;

/* `hermes -p PROFILE gateway run [ARGS]`; output goes to <tmp>/<log>.out and .err */
GSubprocess *
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

gint64
pid_of(GSubprocess *proc)
{
	const gchar *id = g_subprocess_get_identifier(proc);
	assert_non_null(id);
	return g_ascii_strtoll(id, NULL, 10);
}

/* the exit status; fails the test if it was killed or did not exit in time */
gint
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
gchar *
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

JsonObject *
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

const gchar *
state_str(JsonObject *state, const gchar *name)
{
	return json_object_get_string_member_with_default(state, name, NULL);
}

/* until gateway_state.json says @pid runs; a gateway that gave up fails at once */
void
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

void
wait_running(Fixture *f, const gchar *profile, gint64 pid)
{
	wait_running_full(f, profile, pid, NULL);
}

void
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

void
assert_no_pid_file(Fixture *f, const gchar *profile)
{
	g_autofree gchar *path = file_in(f, profile, HERMES_GATEWAY_PID_FILE);
	if (g_file_test(path, G_FILE_TEST_EXISTS))
		fail_msg("%s is still there", path);
}

/* start a gateway and wait until it runs */
GSubprocess *
start_gateway(Fixture *f, const gchar *profile, const gchar *log, const gchar *const *args)
{
	GSubprocess *proc = spawn_run(f, profile, log, NULL, -1, args);
	wait_running_full(f, profile, pid_of(proc), log);
	return proc;
}

gchar *
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

void
write_marker(Fixture *f, const gchar *profile, const gchar *name, const gchar *json)
{
	g_autofree gchar *path = file_in(f, profile, name);
	hermes_test_write_file(path, json, 0644);
}

gboolean
file_exists(Fixture *f, const gchar *profile, const gchar *name)
{
	g_autofree gchar *path = file_in(f, profile, name);
	return g_file_test(path, G_FILE_TEST_EXISTS);
}

gint
group_setup(void **state)
{
	hermes_test_init();
	return 0;
}
