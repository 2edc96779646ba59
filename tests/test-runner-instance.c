/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes gateway run`, the real binary: one gateway per profile. A second
 * is refused while the first holds the lock; --replace takes over (scenario
 * f of the lifecycle issue), escalating to SIGKILL for a holder that
 * ignores SIGTERM; stale pid records are replaced; a gateway another host
 * runs on a shared home is refused while its heartbeat is fresh.
 */

#include <sys/time.h>

#include "runner-test.h"

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

/* the lock file's mtime, in seconds */
static gint64
lock_mtime(const gchar *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return (gint64)st.st_mtime;
}

static void
lock_age(const gchar *path, gint64 seconds)
{
	struct timeval times[2];
	times[0].tv_sec = times[1].tv_sec = (time_t)(g_get_real_time() / G_USEC_PER_SEC - seconds);
	times[0].tv_usec = times[1].tv_usec = 0;
	assert_int_equal(utimes(path, times), 0);
}

/* the other host's heartbeat: touches @path until @proc exits (bounded) */
static void
beat_until_exit(const gchar *path, GSubprocess *proc)
{
	gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	while (g_get_monotonic_time() < deadline) {
		assert_int_equal(utimes(path, NULL), 0);
		hermes_test_spin(300);
		/* reaped (GLib forgets the pid then): it has exited */
		if (g_subprocess_get_identifier(proc) == NULL)
			return;
	}
}

/*
 * Another host runs the profile (upstream #64846): its lock on its own kernel
 * is not seen here, its record and heartbeat in gateway.lock are. Refused
 * while that host's heartbeat goes on; when no beat comes for three beats
 * (its gateway killed, its container made again), the gateway starts, and
 * keeps its own heartbeat going.
 */
static void
test_runner_other_host(void **state)
{
	Fixture *f = *state;
	const gchar *beat[] = {"HERMES_GATEWAY_HEARTBEAT_S", "1", NULL};
	g_autofree gchar *home = NULL;
	g_autofree gchar *lock = NULL;
	g_autofree gchar *record = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *held = NULL;
	GSubprocess *refused;
	GSubprocess *proc;
	gint64 deadline;

	create_profile(f, "shared");
	home = home_of(f, "shared");
	lock = file_in(f, "shared", HERMES_GATEWAY_LOCK_FILE);
	record = g_strdup_printf(
		"{\"pid\":4242,\"kind\":\"hermes-gateway\",\"argv\":[],"
		"\"start_time\":5,\"hermes_home\":\"%s\",\"boot_id\":"
		"\"00000000-0000-0000-0000-000000000000\",\"hostname\":\"other-host\"}\n",
		home);
	hermes_test_write_file(lock, record, 0644);

	refused = spawn_run(f, "shared", "refused", beat, -1, NULL);
	beat_until_exit(lock, refused);
	assert_int_equal(wait_exit(refused), 1);
	err = read_log(f, "refused", "err");
	hermes_assert_str_contains(err, "runs on host other-host (PID 4242");
	assert_no_pid_file(f, "shared");

	/* the same record, fresh, but no beat follows: that host's gateway is gone */
	hermes_test_write_file(lock, record, 0644);
	proc = spawn_run(f, "shared", "taken", beat, -1, NULL);
	wait_running_full(f, "shared", pid_of(proc), "taken");
	g_file_get_contents(lock, &held, NULL, NULL);
	assert_non_null(held);
	hermes_assert_str_contains(held, g_get_host_name());
	/* its own heartbeat: an old mtime is fresh again within a beat or two */
	lock_age(lock, 100);
	deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	while (lock_mtime(lock) < g_get_real_time() / G_USEC_PER_SEC - 5 &&
	       g_get_monotonic_time() < deadline)
		hermes_test_spin(100);
	assert_true(lock_mtime(lock) >= g_get_real_time() / G_USEC_PER_SEC - 5);
	kill((pid_t)pid_of(proc), SIGINT);
	assert_int_equal(wait_exit(proc), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_runner_single_instance),
		T(test_runner_replace_takes_over),
		T(test_runner_stale_pid_file),
		T(test_runner_replace_escalates_to_sigkill),
		T(test_runner_other_host),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
