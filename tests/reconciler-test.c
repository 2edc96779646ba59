/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The boot reconciler's test fixture: a temp scan directory for the real s6
 * backend (most tests run the reconciler as at container boot, with no
 * scanner), and a context whose root is a fake tree holding only
 * /proc/1/cmdline, /proc/sys/kernel/random/boot_id and a link to the s6
 * programs, so the container command and the boot id are the test's.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-platform-private.h"
#include "reconciler-test.h"

/*****************************************************************************/
/* the s6 tree */

void
start_svscan(Fixture *f)
{
	f->svscan = hermes_test_s6_start(f->scandir, f->root);
}

/* every process of the tree inherited HERMES_HOME=<root> from s6-svscan */
static GArray *
tree_processes(Fixture *f)
{
	g_autofree gchar *marker = g_strdup_printf("HERMES_HOME=%s", f->root);
	return hermes_test_processes_with_env(marker);
}

/* "t": the scanner takes its supervisors, and they their services, down; wait for all */
gboolean
stop_svscan(Fixture *f)
{
	gint64 deadline = g_get_monotonic_time() + 15 * G_USEC_PER_SEC;
	gboolean clean = TRUE;
	gint status;
	if (f->svscan > 0) {
		if (!hermes_test_s6_send(f->scandir, "t"))
			kill(f->svscan, SIGTERM);
		while (waitpid(f->svscan, &status, WNOHANG) == 0) {
			if (g_get_monotonic_time() > deadline) {
				kill(f->svscan, SIGKILL);
				waitpid(f->svscan, &status, 0);
				clean = FALSE;
				break;
			}
			g_usleep(10000);
		}
		f->svscan = 0;
	}
	deadline = g_get_monotonic_time() + 15 * G_USEC_PER_SEC;
	for (;;) {
		g_autoptr(GArray) left = tree_processes(f);
		if (left->len == 0)
			break;
		if (g_get_monotonic_time() > deadline) {
			for (guint i = 0; i < left->len; i++)
				kill(g_array_index(left, pid_t, i), SIGKILL);
			clean = FALSE;
			deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
		}
		g_usleep(20000);
	}
	return clean;
}

/* what a container restart does to /run/service: a fresh, empty tmpfs */
void
wipe_scandir(Fixture *f)
{
	g_autoptr(GDir) dir = g_dir_open(f->scandir, 0, NULL);
	const gchar *entry;
	assert_non_null(dir);
	while ((entry = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *path = g_build_filename(f->scandir, entry, NULL);
		g_autoptr(GError) error = NULL;
		assert_true(hermes_file_remove_tree(path, &error));
	}
	{
		g_autofree gchar *listing = hermes_test_list_dir(f->scandir);
		assert_string_equal(listing, "");
	}
}

/*****************************************************************************/
/* fixture */

void
write_bytes(const gchar *path, const gchar *data, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_path_get_dirname(path);
	g_mkdir_with_parents(dir, 0755);
	if (!g_file_set_contents(path, data, (gssize)len, &error))
		fail_msg("cannot write %s: %s", path, error->message);
}

/* /proc/<pid>/cmdline of the fake root: NUL-separated */
void
set_cmdline(Fixture *f, const gchar *pid, const gchar *const *argv)
{
	g_autofree gchar *path = g_build_filename(f->sysroot, "proc", pid, "cmdline", NULL);
	g_autoptr(GString) data = g_string_new(NULL);
	for (guint i = 0; argv[i] != NULL; i++)
		g_string_append_len(data, argv[i], (gssize)strlen(argv[i]) + 1);
	write_bytes(path, data->str, data->len);
}

static HermesServiceManager *
make_manager(HermesContext *ctx)
{
	g_autoptr(GError) error = NULL;
	HermesServiceManager *manager = hermes_backend_loader_new_manager(ctx, "s6", &error);
	hermes_assert_no_error(error);
	return manager;
}

gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	const gchar *bin_dir = hermes_test_env("HERMES_TEST_S6_BIN_DIR");
	g_autofree gchar *fake_bin = NULL;
	g_autofree gchar *fake_bin_parent = NULL;
	g_autofree gchar *boot_id = NULL;

	f->tmp = hermes_test_mkdtemp();
	/* the gateways run as this user but s6-supervise must traverse it too */
	g_chmod(f->tmp, 0755);
	f->scandir = g_build_filename(f->tmp, "scan", NULL);
	f->root = g_build_filename(f->tmp, "home", NULL);
	f->sysroot = g_build_filename(f->tmp, "sys", NULL);
	g_mkdir(f->scandir, 0755);
	g_mkdir(f->root, 0755);
	g_mkdir(f->sysroot, 0755);
	/* an ordinary machine: PID 1 is some init, with a known boot id */
	set_cmdline(f, "1", (const gchar *[]){"/sbin/init", "splash", NULL});
	boot_id = g_build_filename(f->sysroot, "proc/sys/kernel/random/boot_id", NULL);
	write_bytes(boot_id, FAKE_BOOT_ID "\n", strlen(FAKE_BOOT_ID) + 1);
	/* the backend looks for s6-svscan below the context's root */
	fake_bin = g_build_filename(f->sysroot, bin_dir, NULL);
	fake_bin_parent = g_path_get_dirname(fake_bin);
	g_mkdir_with_parents(fake_bin_parent, 0755);
	assert_int_equal(symlink(bin_dir, fake_bin), 0);

	f->ctx = hermes_context_new_for_root(f->sysroot);
	hermes_context_setenv(
		f->ctx, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"));
	hermes_context_setenv(f->ctx, "HERMES_S6_SCANDIR", f->scandir);
	hermes_context_setenv(f->ctx, "S6_PROFILE_GATEWAY_SCANDIR", NULL);
	hermes_context_setenv(f->ctx, "HERMES_HOME", f->root);
	hermes_context_setenv(f->ctx, "HERMES_CLI_PATH", hermes_test_env("HERMES_TEST_HERMES"));
	hermes_context_setenv(f->ctx, "HERMES_S6_BIN_DIR", bin_dir);
	hermes_context_setenv(f->ctx, "HERMES_GATEWAY_USER", NULL);
	hermes_context_setenv(f->ctx, "HERMES_GATEWAY_NO_SUPERVISE", NULL);
	f->manager = make_manager(f->ctx);
	*state = f;
	return 0;
}

static void
stop_helper(GPid *pid)
{
	if (*pid > 0) {
		kill(*pid, SIGKILL);
		waitpid(*pid, NULL, 0);
		*pid = 0;
	}
}

gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	gboolean clean;
	stop_helper(&f->helper);
	stop_helper(&f->sleeper);
	g_clear_object(&f->manager);
	clean = stop_svscan(f);
	g_clear_object(&f->ctx);
	hermes_test_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f->scandir);
	g_free(f->root);
	g_free(f->sysroot);
	g_free(f);
	hermes_test_check_logs();
	/* a process that had to be killed is a failure of the test that left it */
	return clean ? 0 : -1;
}

/*****************************************************************************/
/* helpers */

gchar *
home_of(Fixture *f, const gchar *profile)
{
	if (g_strcmp0(profile, "default") == 0)
		return g_strdup(f->root);
	return g_build_filename(f->root, "profiles", profile, NULL);
}

/* a profile directory with SOUL.md and, when @state is given, gateway_state.json */
void
make_profile(Fixture *f, const gchar *profile, const gchar *state)
{
	g_autofree gchar *home = home_of(f, profile);
	g_autofree gchar *soul = g_build_filename(home, "SOUL.md", NULL);
	g_autofree gchar *state_path = g_build_filename(home, "gateway_state.json", NULL);
	g_mkdir_with_parents(home, 0755);
	if (g_strcmp0(profile, "default") != 0)
		hermes_test_write_file(soul, "# Soul\n", 0644);
	if (state != NULL)
		hermes_test_write_file(state_path, state, 0644);
}

void
write_in_home(Fixture *f, const gchar *profile, const gchar *name, const gchar *contents)
{
	g_autofree gchar *home = home_of(f, profile);
	g_autofree gchar *path = g_build_filename(home, name, NULL);
	hermes_test_write_file(path, contents, 0644);
}

gboolean
exists_in_home(Fixture *f, const gchar *profile, const gchar *name)
{
	g_autofree gchar *home = home_of(f, profile);
	g_autofree gchar *path = g_build_filename(home, name, NULL);
	return g_file_test(path, G_FILE_TEST_EXISTS);
}

gchar *
slot_file(Fixture *f, const gchar *profile, const gchar *name)
{
	return g_strdup_printf(
		"%s/gateway-%s%s%s", f->scandir, profile, name ? "/" : "", name ? name : "");
}

gboolean
slot_exists(Fixture *f, const gchar *profile)
{
	g_autofree gchar *path = slot_file(f, profile, NULL);
	return g_file_test(path, G_FILE_TEST_IS_DIR);
}

gboolean
slot_is_down(Fixture *f, const gchar *profile)
{
	g_autofree gchar *path = slot_file(f, profile, "down");
	return g_file_test(path, G_FILE_TEST_EXISTS);
}

HermesReconciler *
reconcile(Fixture *f, gboolean dry_run)
{
	g_autoptr(GError) error = NULL;
	HermesReconciler *r = hermes_reconciler_new(f->ctx, f->manager);
	hermes_reconciler_set_dry_run(r, dry_run);
	if (!hermes_reconciler_run(r, &error))
		fail_msg("reconcile failed: %s", error->message);
	assert_null(hermes_reconciler_get_log_error(r));
	return r;
}

HermesReconcileAction *
action_at(HermesReconciler *r, guint i)
{
	GPtrArray *actions = hermes_reconciler_get_actions(r);
	if (i >= actions->len)
		fail_msg("only %u actions, wanted #%u", actions->len, i);
	return g_ptr_array_index(actions, i);
}

/* the first record of @profile */
HermesReconcileAction *
action_of(HermesReconciler *r, const gchar *profile)
{
	GPtrArray *actions = hermes_reconciler_get_actions(r);
	for (guint i = 0; i < actions->len; i++) {
		HermesReconcileAction *a = g_ptr_array_index(actions, i);
		if (g_strcmp0(hermes_reconcile_action_get_profile(a), profile) == 0)
			return a;
	}
	fail_msg("no action for profile '%s'", profile);
	return NULL;
}

void
check_action(HermesReconcileAction *a,
	     const gchar *profile,
	     const gchar *prior,
	     HermesReconcileKind kind)
{
	g_autofree gchar *line = hermes_reconcile_action_to_string(a);
	if (g_strcmp0(hermes_reconcile_action_get_profile(a), profile) != 0 ||
	    g_strcmp0(hermes_reconcile_action_get_prior_state(a), prior) != 0 ||
	    hermes_reconcile_action_get_kind(a) != kind)
		fail_msg("expected profile=%s prior_state=%s action=%s, got: %s",
			 profile,
			 prior != NULL ? prior : "None",
			 hermes_reconcile_kind_to_string(kind),
			 line);
}

gchar *
read_file(const gchar *path)
{
	gchar *contents = NULL;
	if (!g_file_get_contents(path, &contents, NULL, NULL))
		return NULL;
	return contents;
}

gchar *
boot_log(Fixture *f)
{
	g_autofree gchar *path = g_build_filename(f->root, "logs", "container-boot.log", NULL);
	return read_file(path);
}

/* a pid that surely belonged to a process that has exited */
gint64
dead_pid(void)
{
	g_autoptr(GError) error = NULL;
	const gchar *argv[] = {"/bin/true", NULL};
	GPid pid = 0;
	g_spawn_async(
		NULL, (gchar **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error);
	hermes_assert_no_error(error);
	waitpid(pid, NULL, 0);
	return pid;
}

gchar *
pid_record(gint64 pid, gint64 start_time, const gchar *boot_id)
{
	g_autofree gchar *boot =
		boot_id != NULL ? g_strdup_printf(",\"boot_id\":\"%s\"", boot_id) : g_strdup("");
	return g_strdup_printf(
		"{\"pid\":%" G_GINT64_FORMAT ",\"kind\":\"hermes-gateway\","
		"\"argv\":[\"hermes\",\"gateway\",\"run\"],\"start_time\":%" G_GINT64_FORMAT "%s}",
		pid,
		start_time,
		boot);
}

void
check_log_lines(const gchar *log, guint expected_lines)
{
	g_auto(GStrv) lines = g_strsplit(log, "\n", -1);
	g_autoptr(GRegex) line_re = NULL;
	g_autoptr(GRegex) summary_re = NULL;
	g_autoptr(GError) error = NULL;
	guint n = g_strv_length(lines);

	/* upstream's line: local time with a %z offset, bare values, None, extra fields last */
	line_re = g_regex_new("^" TS_RE " profile=" VALUE_RE " prior_state=(" VALUE_RE "|None) "
			      "action=(started|registered|skipped) "
			      "prior_exit=(clean|unclean|unknown)"
			      "( reason=" VALUE_RE ")?$",
			      0,
			      0,
			      &error);
	hermes_assert_no_error(error);
	summary_re = g_regex_new("^" TS_RE " summary "
				 "total=[0-9]+ started=[0-9]+ registered=[0-9]+ skipped=[0-9]+$",
				 0,
				 0,
				 &error);
	hermes_assert_no_error(error);
	/* the text ends with a newline: the last split element is empty */
	assert_string_equal(lines[n - 1], "");
	assert_int_equal(n - 1, expected_lines);
	for (guint i = 0; i + 1 < n; i++) {
		GRegex *re = g_str_has_prefix(strchr(lines[i], ' ') + 1, "summary ") ? summary_re
										     : line_re;
		if (!g_regex_match(re, lines[i], 0, NULL))
			fail_msg("boot log line does not parse: %s", lines[i]);
	}
}

gint
run_cli(Fixture *f, gchar **out, const gchar *const *args)
{
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *err = NULL;
	g_auto(GStrv) envp = hermes_context_get_environ(f->ctx);
	const gchar *wrapper = g_getenv("HERMES_TEST_WRAPPER");

	if (wrapper != NULL && wrapper[0] != '\0') {
		g_auto(GStrv) parts = g_strsplit(wrapper, " ", -1);
		for (guint i = 0; parts[i] != NULL; i++)
			g_ptr_array_add(argv, g_strdup(parts[i]));
		g_ptr_array_add(argv, g_strdup("--quiet"));
	}
	g_ptr_array_add(argv, g_strdup(hermes_test_env("HERMES_TEST_HERMES")));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(args[i]));
	g_ptr_array_add(argv, NULL);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE |
					     G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_subprocess_launcher_set_environ(launcher, envp);
	proc = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	hermes_assert_no_error(error);
	g_subprocess_communicate_utf8(proc, NULL, NULL, out, &err, &error);
	hermes_assert_no_error(error);
	if (err != NULL && err[0] != '\0')
		g_printerr("# hermes stderr: %s", err);
	assert_true(g_subprocess_get_if_exited(proc));
	return g_subprocess_get_exit_status(proc);
}

gint
group_setup(void **state)
{
	hermes_test_init();
	return 0;
}
