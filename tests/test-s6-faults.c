/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The s6 backend after faults, against a real s6-svscan and the real
 * `hermes` CLI: kill -9 of the gateway, of its s6-supervise, of s6-svscan
 * and of all of them; root over a tree a user owns; a crash loop on a full
 * disk. Every wait is bounded.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-platform-private.h"
#include "hermes-svc.h"
#include "hermes-test.h"

#define WAIT_US (20 * G_USEC_PER_SEC)

typedef struct {
	gchar *tmp;
	gchar *scandir;
	gchar *root;
	GPid svscan;
	gchar **envp;
	gchar *out;
	gchar *err;
	gboolean mounted;
} Fixture;

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->tmp = hermes_test_mkdtemp();
	g_chmod(f->tmp, 0755);
	f->scandir = g_build_filename(f->tmp, "scan", NULL);
	f->root = g_build_filename(f->tmp, "home", NULL);
	g_mkdir(f->scandir, 0755);
	g_mkdir(f->root, 0755);
	f->envp = g_get_environ();
	f->envp = g_environ_setenv(f->envp, "HERMES_HOME", f->root, TRUE);
	f->envp = g_environ_setenv(f->envp, "HOME", f->tmp, TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_S6_SCANDIR", f->scandir, TRUE);
	f->envp = g_environ_setenv(
		f->envp, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"), TRUE);
	f->envp = g_environ_setenv(
		f->envp, "HERMES_S6_BIN_DIR", hermes_test_env("HERMES_TEST_S6_BIN_DIR"), TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_SERVICE_MANAGER", "s6", TRUE);
	f->envp = g_environ_unsetenv(f->envp, "HERMES_SUPERVISED_CHILD");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_S6_SUPERVISED_CHILD");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_S6_SLOT");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_GATEWAY_USER");
	*state = f;
	return 0;
}

/* every process of @dir's tree: s6-supervise, s6-log, the gateways (by cwd or slot marker) */
static GArray *
tree_pids(const gchar *dir)
{
	GArray *pids = g_array_new(FALSE, FALSE, sizeof(GPid));
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const gchar *entry;
	while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *link = g_strdup_printf("/proc/%s/cwd", entry);
		g_autofree gchar *cwd = g_file_read_link(link, NULL);
		g_autofree gchar *env_path = g_strdup_printf("/proc/%s/environ", entry);
		g_autofree gchar *env = NULL;
		gsize len = 0;
		gboolean mine = cwd != NULL && g_str_has_prefix(cwd, dir);
		GPid pid;
		if (!g_ascii_isdigit(entry[0]))
			continue;
		if (!mine && g_file_get_contents(env_path, &env, &len, NULL)) {
			g_autofree gchar *needle = g_strdup_printf("HERMES_S6_SLOT=%s/", dir);
			for (gsize i = 0; i < len && !mine; i += strlen(env + i) + 1)
				mine = g_str_has_prefix(env + i, needle);
		}
		if (!mine)
			continue;
		pid = (GPid)g_ascii_strtoll(entry, NULL, 10);
		g_array_append_val(pids, pid);
	}
	return pids;
}

/* the one s6-supervise that runs in @dir itself */
static GPid
supervisor_of(const gchar *dir)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const gchar *entry;
	while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *link = g_strdup_printf("/proc/%s/cwd", entry);
		g_autofree gchar *cwd = g_file_read_link(link, NULL);
		g_autofree gchar *comm_path = g_strdup_printf("/proc/%s/comm", entry);
		g_autofree gchar *comm = NULL;
		if (g_strcmp0(cwd, dir) != 0)
			continue;
		if (g_file_get_contents(comm_path, &comm, NULL, NULL) &&
		    g_str_has_prefix(comm, "s6-supervise"))
			return (GPid)g_ascii_strtoll(entry, NULL, 10);
	}
	return 0;
}

/* nothing of a test's tree may outlive it, whatever the test killed */
static void
kill_tree(const gchar *dir)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_US;
	while (TRUE) {
		g_autoptr(GArray) pids = tree_pids(dir);
		if (pids->len == 0 || g_get_monotonic_time() > deadline)
			return;
		for (guint i = 0; i < pids->len; i++)
			kill(g_array_index(pids, GPid, i), SIGKILL);
		g_usleep(20000);
	}
}

/* bounded: @pid is gone (a process SIGKILLed a moment ago may still be exiting, and
 * no longer shows in the tree it is leaving) */
static void
assert_gone(gint64 pid)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_US;
	while (hermes_platform_process_alive(pid)) {
		if (g_get_monotonic_time() > deadline)
			fail_msg("process %" G_GINT64_FORMAT " still runs", pid);
		g_usleep(10000);
	}
}

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	hermes_test_s6_stop(f->scandir, &f->svscan);
	kill_tree(f->scandir);
	kill_tree(f->root);
	if (f->mounted)
		umount2(f->scandir, MNT_DETACH);
	hermes_test_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f->scandir);
	g_free(f->root);
	g_strfreev(f->envp);
	g_free(f->out);
	g_free(f->err);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

static gint
run_argv(Fixture *f, const gchar *const *args)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
		G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_ptr_array_add(argv, (gpointer)hermes_test_env("HERMES_TEST_HERMES"));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	g_subprocess_launcher_set_environ(launcher, f->envp);
	proc = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	hermes_assert_no_error(error);
	g_clear_pointer(&f->out, g_free);
	g_clear_pointer(&f->err, g_free);
	g_subprocess_communicate_utf8(proc, NULL, NULL, &f->out, &f->err, &error);
	hermes_assert_no_error(error);
	return g_subprocess_get_exit_status(proc);
}

#define run(f, ...) run_argv(f, (const gchar *const[]){__VA_ARGS__, NULL})

static JsonObject *
status_json(Fixture *f, const gchar *profile)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonArray *array;
	if (run(f, "-p", profile, "gateway", "status", "--json") != 0)
		fail_msg("status of %s failed: %s", profile, f->err);
	if (!json_parser_load_from_data(parser, f->out, -1, &error))
		fail_msg("status is not JSON: %s", f->out);
	array = json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)),
					     "gateways");
	return json_object_ref(json_array_get_object_element(array, 0));
}

static const gchar *
raw_of(JsonObject *obj, const gchar *key)
{
	JsonObject *raw = json_object_get_object_member(obj, "raw");
	return raw != NULL ? json_object_get_string_member_with_default(raw, key, NULL) : NULL;
}

static gint64
pid_in(JsonObject *obj)
{
	return json_object_get_int_member_with_default(obj, "pid", -1);
}

/* the one rule of this file: status never says up for a gateway that is not running */
static void
assert_truthful(JsonObject *obj)
{
	const gchar *state = json_object_get_string_member(obj, "state");
	if (g_strcmp0(state, "up") != 0)
		return;
	if (!hermes_platform_process_alive(pid_in(obj)))
		fail_msg("status says up with pid %" G_GINT64_FORMAT ", which is dead",
			 pid_in(obj));
	if (g_strcmp0(raw_of(obj, "s6.supervisor"), "gone") == 0)
		fail_msg("status says up although the supervisor is gone");
}

typedef gboolean (*Check)(JsonObject *obj, gpointer data);

static JsonObject *
wait_for(Fixture *f, const gchar *profile, Check check, gpointer data, const gchar *what)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_US;
	while (TRUE) {
		JsonObject *obj = status_json(f, profile);
		assert_truthful(obj);
		if (check(obj, data))
			return obj;
		if (g_get_monotonic_time() > deadline)
			fail_msg("%s never became %s: %s", profile, what, f->out);
		json_object_unref(obj);
		g_usleep(50 * 1000);
	}
}

static gboolean
is_state(JsonObject *obj, gpointer data)
{
	return g_strcmp0(json_object_get_string_member(obj, "state"), data) == 0;
}

static gboolean
is_up_other_pid(JsonObject *obj, gpointer data)
{
	gint64 old = *(gint64 *)data;
	return is_state(obj, "up") && pid_in(obj) > 0 && pid_in(obj) != old;
}

static gchar *
slot(Fixture *f, const gchar *profile)
{
	return g_strdup_printf("%s/gateway-%s", f->scandir, profile);
}

static void
start_demo(Fixture *f)
{
	f->svscan = hermes_test_s6_start(f->scandir, f->root);
	assert_int_equal(run(f, "profile", "create", "demo"), 0);
	if (run(f, "-p", "demo", "gateway", "start") != 0)
		fail_msg("start failed: %s", f->err);
}

/* kill -9 of the gateway: s6 restarts it and status follows */
static void
test_faults_kill_gateway(void **state)
{
	Fixture *f = *state;
	g_autoptr(JsonObject) before = NULL;
	g_autoptr(JsonObject) after = NULL;
	gint64 pid;

	start_demo(f);
	before = status_json(f, "demo");
	pid = pid_in(before);
	assert_true(pid > 0);
	assert_string_equal(raw_of(before, "s6.supervisor"), "running");
	assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
	/* a SIGKILLed process runs until the kernel schedules its exit: a status read
	 * before that truly says up, and the truth check after it would not hold */
	assert_true(hermes_platform_wait_exit(pid, 5000, NULL));
	after = wait_for(f, "demo", is_up_other_pid, &pid, "up again with a new pid");
	assert_false(hermes_platform_process_alive(pid));
	assert_int_equal(run(f, "-p", "demo", "gateway", "health"), 0);
}

/* kill -9 of its s6-supervise: seen, stop still stops everything, the tree repairs */
static void
test_faults_kill_supervise(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = slot(f, "demo");
	g_autoptr(JsonObject) before = NULL;
	g_autoptr(JsonObject) seen = NULL;
	g_autoptr(JsonObject) stopped = NULL;
	g_autoptr(GArray) left = NULL;
	gint64 gateway;
	GPid supervisor;

	start_demo(f);
	before = status_json(f, "demo");
	gateway = pid_in(before);
	supervisor = supervisor_of(dir);
	assert_true(gateway > 0 && supervisor > 0);
	assert_int_equal(kill(supervisor, SIGKILL), 0);
	assert_true(hermes_platform_wait_exit(supervisor, 5000, NULL));
	/* s6-svscan respawns a supervisor within a second or so: look at once */
	seen = status_json(f, "demo");
	assert_truthful(seen);
	if (g_strcmp0(raw_of(seen, "s6.supervisor"), "gone") == 0) {
		assert_string_not_equal(json_object_get_string_member(seen, "state"), "up");
		hermes_assert_str_contains(raw_of(seen, "s6.fault"), "s6-svscanctl -a");
	}
	/* the killed supervisor lost the gateway; stop must not leave it running */
	if (run(f, "-p", "demo", "gateway", "stop") != 0)
		fail_msg("stop after a killed s6-supervise failed: %s", f->err);
	assert_true(hermes_platform_wait_exit(gateway, 5000, NULL));
	stopped = status_json(f, "demo");
	assert_string_equal(json_object_get_string_member(stopped, "state"), "down");
	left = tree_pids(dir);
	for (guint i = 0; i < left->len; i++) {
		GPid p = g_array_index(left, GPid, i);
		g_autofree gchar *comm_path = g_strdup_printf("/proc/%d/comm", p);
		g_autofree gchar *comm = NULL;
		g_file_get_contents(comm_path, &comm, NULL, NULL);
		/* the supervisors (slot and logger) and the logger may stay; nothing else */
		if (comm != NULL && !g_str_has_prefix(comm, "s6-supervise") &&
		    !g_str_has_prefix(comm, "s6-log"))
			fail_msg("pid %d (%s) of the slot survived the stop", p, comm);
	}
	/* repaired: a supervisor holds the slot again and takes commands */
	assert_true(supervisor_of(dir) > 0);
	assert_string_equal(raw_of(stopped, "s6.supervisor"), "running");
	assert_int_equal(run(f, "-p", "demo", "gateway", "start"), 0);
	json_object_unref(wait_for(f, "demo", is_state, "up", "up"));
}

/* a gateway s6 lost (its supervisor killed) that no --replace successor takes over */
static void
test_faults_kill_supervise_plain_command(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesContext) ctx = hermes_context_new();
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autofree gchar *dir = slot(f, "plain");
	gint64 lost;
	GPid supervisor;

	f->svscan = hermes_test_s6_start(f->scandir, f->root);
	for (guint i = 0; f->envp[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(f->envp[i], "=", 2);
		if (kv[1] != NULL)
			hermes_context_setenv(ctx, kv[0], kv[1]);
	}
	hermes_context_setenv(ctx, "HERMES_S6_SLOT", NULL);
	manager = hermes_backend_loader_new_manager(ctx, "s6", &error);
	hermes_assert_no_error(error);
	spec = hermes_gateway_spec_new("plain", &error);
	hermes_gateway_spec_set_argv(spec, (const gchar *[]){"/bin/sleep", "1000", NULL});
	hermes_gateway_spec_set_notify(spec, FALSE);
	assert_true(hermes_service_manager_register_gateway(
		manager, spec, HERMES_REGISTER_FLAG_START, NULL, &error));
	hermes_assert_no_error(error);
	status = hermes_service_manager_get_status(manager, "plain", NULL, &error);
	lost = hermes_gateway_status_get_pid(status);
	supervisor = supervisor_of(dir);
	assert_true(lost > 0 && supervisor > 0);
	assert_int_equal(kill(supervisor, SIGKILL), 0);
	assert_true(hermes_platform_wait_exit(supervisor, 5000, NULL));
	/* s6 restarts a second sleep under a new supervisor; the first runs on, lost */
	if (!hermes_service_manager_stop(manager, "plain", NULL, &error))
		fail_msg("stop after its s6-supervise was killed: %s", error->message);
	assert_false(hermes_platform_process_alive(lost));
	g_clear_pointer(&status, hermes_gateway_status_unref);
	status = hermes_service_manager_get_status(manager, "plain", NULL, &error);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_DOWN);
}

/* a start that times out leaves s6 agreeing with the caller's rollback: wanted down */
static void
test_faults_start_timeout_tells_s6_down(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesContext) ctx = hermes_context_new();
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	gint64 deadline;

	f->svscan = hermes_test_s6_start(f->scandir, f->root);
	for (guint i = 0; f->envp[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(f->envp[i], "=", 2);
		if (kv[1] != NULL)
			hermes_context_setenv(ctx, kv[0], kv[1]);
	}
	hermes_context_setenv(ctx, "HERMES_S6_SLOT", NULL);
	manager = hermes_backend_loader_new_manager(ctx, "s6", &error);
	hermes_assert_no_error(error);
	/* promises readiness on fd 3 and never keeps the promise */
	spec = hermes_gateway_spec_new("mute", &error);
	hermes_gateway_spec_set_argv(spec, (const gchar *[]){"/bin/sleep", "1000", NULL});
	hermes_gateway_spec_set_notify(spec, TRUE);
	assert_true(hermes_service_manager_register_gateway(manager, spec, 0, NULL, &error));
	hermes_assert_no_error(error);
	assert_false(hermes_service_manager_start(manager, "mute", NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_TIMED_OUT);
	hermes_assert_str_contains(error->message, "s6 was told to take it down");
	deadline = g_get_monotonic_time() + WAIT_US;
	while (TRUE) {
		g_autoptr(HermesGatewayStatus) status =
			hermes_service_manager_get_status(manager, "mute", NULL, NULL);
		if (hermes_gateway_status_get_wanted(status) == HERMES_GATEWAY_WANTED_DOWN &&
		    hermes_gateway_status_get_state(status) == HERMES_GATEWAY_STATE_DOWN)
			break;
		if (g_get_monotonic_time() > deadline)
			fail_msg("after a timed-out start s6 still wants it up (%s)",
				 hermes_gateway_state_to_string(
					 hermes_gateway_status_get_state(status)));
		g_usleep(50 * 1000);
	}
}

/* kill -9 of s6-svscan alone: the supervisors live on, and status says what is true */
static void
test_faults_kill_svscan(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = slot(f, "demo");
	g_autoptr(JsonObject) obj = NULL;
	gint64 gateway;
	gint status;

	start_demo(f);
	{
		g_autoptr(JsonObject) first = status_json(f, "demo");
		gateway = pid_in(first);
	}
	assert_int_equal(kill(f->svscan, SIGKILL), 0);
	assert_int_equal(waitpid(f->svscan, &status, 0), f->svscan);
	f->svscan = 0;
	obj = status_json(f, "demo");
	assert_truthful(obj);
	/* its s6-supervise still runs it: up is the truth */
	assert_string_equal(json_object_get_string_member(obj, "state"), "up");
	assert_int_equal(pid_in(obj), gateway);
	/* control still works through the supervisor */
	if (run(f, "-p", "demo", "gateway", "stop") != 0)
		fail_msg("stop without s6-svscan failed: %s", f->err);
	assert_false(hermes_platform_process_alive(gateway));
	g_clear_pointer(&obj, json_object_unref);
	obj = status_json(f, "demo");
	assert_string_equal(json_object_get_string_member(obj, "state"), "down");
	kill_tree(dir);
}

/* kill -9 of everything: status must not claim up, health must fail; a new tree recovers */
static void
test_faults_kill_everything(void **state)
{
	Fixture *f = *state;
	g_autoptr(JsonObject) obj = NULL;
	gint64 gateway;
	gint status;

	start_demo(f);
	{
		g_autoptr(JsonObject) first = status_json(f, "demo");
		gateway = pid_in(first);
	}
	assert_int_equal(kill(f->svscan, SIGKILL), 0);
	assert_int_equal(waitpid(f->svscan, &status, 0), f->svscan);
	f->svscan = 0;
	kill_tree(f->scandir);
	assert_gone(gateway);

	obj = status_json(f, "demo");
	assert_truthful(obj);
	assert_string_equal(json_object_get_string_member(obj, "state"), "down");
	assert_string_equal(raw_of(obj, "s6.supervisor"), "gone");
	hermes_assert_str_contains(raw_of(obj, "s6.fault"), "is not running");
	assert_int_not_equal(run(f, "-p", "demo", "gateway", "health"), 0);
	hermes_assert_str_contains(f->err, "unhealthy");

	/* a new scanner; a start (or the boot reconciler) brings the gateway back */
	f->svscan = hermes_test_s6_start(f->scandir, f->root);
	if (run(f, "-p", "demo", "gateway", "start") != 0)
		fail_msg("start on a new tree failed: %s", f->err);
	g_clear_pointer(&obj, json_object_unref);
	obj = wait_for(f, "demo", is_up_other_pid, &gateway, "up again");
	assert_int_equal(run(f, "-p", "demo", "gateway", "health"), 0);
}

/* an s6-svscan working in @dir as root */
static gboolean
root_svscan_runs_in(const gchar *dir)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	const gchar *entry;
	while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *link = g_strdup_printf("/proc/%s/cwd", entry);
		g_autofree gchar *cwd = g_file_read_link(link, NULL);
		g_autofree gchar *comm_path = g_strdup_printf("/proc/%s/comm", entry);
		g_autofree gchar *proc_dir = g_strdup_printf("/proc/%s", entry);
		g_autofree gchar *comm = NULL;
		GStatBuf st;
		if (cwd == NULL || !g_str_has_prefix(cwd, dir))
			continue;
		if (g_file_get_contents(comm_path, &comm, NULL, NULL) &&
		    g_str_has_prefix(comm, "s6-svscan") && g_stat(proc_dir, &st) == 0 &&
		    st.st_uid == 0)
			return TRUE;
	}
	return FALSE;
}

static HermesServiceManager *
manager_for(Fixture *f, HermesContext *ctx)
{
	g_autoptr(GError) error = NULL;
	HermesServiceManager *manager;
	for (guint i = 0; f->envp[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(f->envp[i], "=", 2);
		if (kv[1] != NULL)
			hermes_context_setenv(ctx, kv[0], kv[1]);
	}
	hermes_context_setenv(ctx, "HERMES_S6_SLOT", NULL);
	if (g_environ_getenv(f->envp, "HERMES_S6_SCANDIR") == NULL)
		hermes_context_setenv(ctx, "HERMES_S6_SCANDIR", NULL);
	manager = hermes_backend_loader_new_manager(ctx, "s6", &error);
	hermes_assert_no_error(error);
	return manager;
}

/* root over a tree a user owns: the backend refuses, says who and how, starts nothing */
static void
test_faults_root_refuses_user_tree(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesUser) ci = hermes_platform_lookup_user("hermes-ci", NULL);
	g_autoptr(HermesContext) ctx = hermes_context_new();
	g_autoptr(HermesContext) ctx_scan = hermes_context_new();
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(HermesServiceManager) scan_manager = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	g_autofree gchar *embedded = g_build_filename(f->root, "run", "service", NULL);
	g_autofree gchar *evil = g_build_filename(embedded, "evil", NULL);
	g_autofree gchar *evil_run = g_build_filename(evil, "run", NULL);
	g_autofree gchar *proof = g_build_filename(f->tmp, "pwned", NULL);
	g_autofree gchar *script = g_strdup_printf("#!/bin/sh\ntouch %s\nexec sleep 1000\n", proof);

	if (geteuid() != 0 || ci == NULL) {
		print_message("skipped: needs root and the CI user hermes-ci (.ci/run makes it)\n");
		skip();
	}
	/* the user owns the home and plants a service in the embedded tree */
	f->envp = g_environ_unsetenv(f->envp, "HERMES_S6_SCANDIR");
	assert_int_equal(run(f, "profile", "create", "demo"), 0);
	g_mkdir_with_parents(evil, 0755);
	hermes_test_write_file(evil_run, script, 0755);
	{
		g_autofree gchar *cmd = g_strdup_printf("chown -R hermes-ci: %s", f->root);
		gint wait_status = 0;
		assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, &wait_status, NULL));
		assert_int_equal(wait_status, 0);
	}

	/* embedded: the backend starts neither the tree nor a gateway as root */
	manager = manager_for(f, ctx);
	assert_string_equal(hermes_service_manager_get_mode(manager), "embedded");
	assert_false(hermes_service_manager_supervisor_start(manager, NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	hermes_assert_str_contains(error->message, "owned by hermes-ci");
	hermes_assert_str_contains(error->message, "run as hermes-ci, or chown -R root");
	g_clear_error(&error);
	assert_false(hermes_service_manager_start(manager, "demo", NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	g_clear_error(&error);
	/* through the CLI too: whatever it does, no s6-svscan runs there as root */
	run(f, "-p", "demo", "gateway", "start");
	g_usleep(300 * 1000);
	assert_false(root_svscan_runs_in(embedded));
	kill_tree(embedded);

	/* a scan directory someone else runs, owned by the user: no registration as root */
	f->envp = g_environ_setenv(f->envp, "HERMES_S6_SCANDIR", f->scandir, TRUE);
	assert_int_equal(chown(f->scandir, ci->uid, ci->gid), 0);
	scan_manager = manager_for(f, ctx_scan);
	assert_string_equal(hermes_service_manager_get_mode(scan_manager), "scandir");
	spec = hermes_gateway_spec_new("demo", &error);
	hermes_gateway_spec_set_argv(spec, (const gchar *[]){"/bin/sleep", "1000", NULL});
	assert_false(hermes_service_manager_register_gateway(scan_manager, spec, 0, NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	hermes_assert_str_contains(error->message, "owned by hermes-ci");
	g_clear_error(&error);
	/* root-owned but group-writable is no better */
	assert_int_equal(chown(f->scandir, 0, 0), 0);
	assert_int_equal(g_chmod(f->scandir, 0775), 0);
	assert_false(hermes_service_manager_register_gateway(scan_manager, spec, 0, NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	hermes_assert_str_contains(error->message, "writable by its group");
	hermes_assert_str_contains(error->message, "chmod go-w");
	g_clear_error(&error);
	{
		g_autofree gchar *listing = hermes_test_list_dir(f->scandir);
		assert_string_equal(listing, "");
	}
	/* a slot a user can change is refused as well, even in a root-owned scandir */
	assert_int_equal(g_chmod(f->scandir, 0755), 0);
	assert_true(hermes_service_manager_register_gateway(
		scan_manager, spec, HERMES_REGISTER_FLAG_NO_RESCAN, NULL, &error));
	hermes_assert_no_error(error);
	{
		g_autofree gchar *dir = slot(f, "demo");
		assert_int_equal(chown(dir, ci->uid, ci->gid), 0);
		assert_false(hermes_service_manager_start(scan_manager, "demo", NULL, &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
		hermes_assert_str_contains(error->message, "gateway-demo is owned by hermes-ci");
		g_clear_error(&error);
		/* nor is it replaced (or started) by root */
		assert_false(hermes_service_manager_register_gateway(
			scan_manager, spec, HERMES_REGISTER_FLAG_REPLACE, NULL, &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	}
}

/* a crash loop on a full disk: finish cannot write its tally, the breaker still parks */
static void
test_faults_enospc_breaker_parks(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesContext) ctx = hermes_context_new();
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	gint64 deadline;

	if (geteuid() != 0) {
		print_message("skipped: mounting a small tmpfs needs root\n");
		skip();
	}
	if (mount("tmpfs", f->scandir, "tmpfs", 0, "size=64k,mode=0755") != 0) {
		print_message("skipped: cannot mount a tmpfs here: %s\n", g_strerror(errno));
		skip();
	}
	f->mounted = TRUE;
	f->svscan = hermes_test_s6_start(f->scandir, f->root);
	for (guint i = 0; f->envp[i] != NULL; i++) {
		g_auto(GStrv) kv = g_strsplit(f->envp[i], "=", 2);
		if (kv[1] != NULL)
			hermes_context_setenv(ctx, kv[0], kv[1]);
	}
	manager = hermes_backend_loader_new_manager(ctx, "s6", &error);
	hermes_assert_no_error(error);
	spec = hermes_gateway_spec_new("crash", &error);
	hermes_gateway_spec_set_argv(spec, (const gchar *[]){"/bin/sh", "-c", "exit 3", NULL});
	hermes_gateway_spec_set_notify(spec, FALSE);
	assert_true(hermes_service_manager_register_gateway(manager, spec, 0, NULL, &error));
	hermes_assert_no_error(error);
	{
		/* supervised before the disk fills, so s6 itself has what it needs: a
		 * supervisor, and its first supervise/status (under load it may start
		 * well before it writes it, and could not write it on a full disk) */
		g_autofree gchar *dir = slot(f, "crash");
		g_autofree gchar *status_file = g_build_filename(dir, "supervise", "status", NULL);
		GStatBuf st = {0};
		deadline = g_get_monotonic_time() + WAIT_US;
		while ((supervisor_of(dir) == 0 || g_stat(status_file, &st) != 0 ||
			st.st_size < 35) &&
		       g_get_monotonic_time() < deadline)
			g_usleep(20000);
		assert_true(supervisor_of(dir) > 0);
		assert_true(st.st_size >= 35);
	}
	hermes_test_fill_disk(f->scandir);
	/* it dies at once; s6 says 'u' first, so the start itself succeeds */
	if (!hermes_service_manager_start(manager, "crash", NULL, &error))
		fail_msg("start on a full disk: %s", error != NULL ? error->message : "no error");
	deadline = g_get_monotonic_time() + 30 * G_USEC_PER_SEC;
	while (TRUE) {
		g_autoptr(HermesGatewayStatus) status =
			hermes_service_manager_get_status(manager, "crash", NULL, &error);
		hermes_assert_no_error(error);
		if (hermes_gateway_status_get_state(status) == HERMES_GATEWAY_STATE_PARKED)
			break;
		if (g_get_monotonic_time() > deadline)
			fail_msg("a crash loop on a full disk was never parked (state %s)",
				 hermes_gateway_state_to_string(
					 hermes_gateway_status_get_state(status)));
		g_usleep(200 * 1000);
	}
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
		T(test_faults_kill_gateway),
		T(test_faults_kill_supervise),
		T(test_faults_kill_supervise_plain_command),
		T(test_faults_start_timeout_tells_s6_down),
		T(test_faults_kill_svscan),
		T(test_faults_kill_everything),
		T(test_faults_root_refuses_user_tree),
		T(test_faults_enospc_breaker_parks),
	};
	/* the gateways' output must not interleave with TAP */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
