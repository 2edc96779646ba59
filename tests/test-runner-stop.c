/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes gateway run`, the real binary: the shutdown contract. The
 * planned-stop marker (with a signal, alone, without a directory monitor),
 * stale and foreign markers, and SIGUSR1's restart.
 */

#include "runner-test.h"

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

/* how many of @pid's descriptors are inotify instances */
static guint
inotify_instances_of(gint64 pid)
{
	g_autofree gchar *dir_path = g_strdup_printf("/proc/%" G_GINT64_FORMAT "/fd", pid);
	g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
	const gchar *name;
	guint n = 0;

	assert_non_null(dir);
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *link = g_build_filename(dir_path, name, NULL);
		g_autofree gchar *target = g_file_read_link(link, NULL);
		if (g_strcmp0(target, "anon_inode:inotify") == 0)
			n++;
	}
	return n;
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
	/* watching for the marker costs the user none of their 128 inotify instances */
	assert_int_equal(inotify_instances_of(pid_of(proc)), 0);
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
 * A user has 128 inotify instances (fs.inotify.max_user_instances): a
 * gateway that took one to watch for its marker left a user's hundreds of
 * gateways, and every other program of that user, without. The runner
 * holds none, and with none to be had at all — the gateway runs in its own
 * user namespace whose limit is 0, so nothing else on the machine loses
 * its monitors — a marker alone still stops it, seen as it is written (no
 * word of the fallback that looks on a timer).
 */
static void
test_runner_planned_stop_without_inotify(void **state)
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
	assert_int_equal(inotify_instances_of(pid_of(proc)), 0);
	assert_true(hermes_planned_stop_write(home, pid_of(proc), &error));
	hermes_assert_no_error(error);
	assert_int_equal(wait_exit(proc), 0);
	assert_final_state(f, "nomon", "stopped", "operator stop");
	assert_false(file_exists(f, "nomon", HERMES_PLANNED_STOP_FILE));
	out = read_log(f, "nomon", "out");
	hermes_assert_str_contains(out, "planned-stop marker seen without a signal");
	assert_null(strstr(out, "looking for one every"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_runner_planned_stop),
		T(test_runner_markers_stale_or_foreign),
		T(test_runner_sigusr1_restart),
		T(test_runner_planned_stop_without_signal),
		T(test_runner_planned_stop_without_inotify),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
