/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The boot reconciler against the real s6 backend on a temp scan
 * directory. Most tests run it as at container boot, with no scanner;
 * the restart scenarios start a real s6-svscan and the real
 * `hermes gateway run`. The context's root is a fake tree holding only
 * /proc/1/cmdline, /proc/sys/kernel/random/boot_id and a link to the s6
 * programs, so the container command and the boot id are the test's.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-platform-private.h"
#include "hermes-reconciler.h"
#include "hermes-svc.h"
#include "hermes-test.h"

#define WAIT_MS	     20000
#define FAKE_BOOT_ID "6c0ffee0-0000-4000-8000-00000000b007"

typedef struct {
	gchar *tmp;
	gchar *scandir;
	gchar *root;	/* HERMES_HOME: the profile root */
	gchar *sysroot; /* the context's "/" */
	GPid svscan;
	GPid helper;  /* a live process that looks like a gateway */
	GPid sleeper; /* a live process that does not */
	HermesContext *ctx;
	HermesServiceManager *manager;
} Fixture;

/*****************************************************************************/
/* the s6 tree */

static gboolean
scanner_send(const gchar *scandir, const gchar *command)
{
	g_autofree gchar *fifo = g_build_filename(scandir, ".s6-svscan", "control", NULL);
	gint fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	gboolean ok;
	if (fd < 0)
		return FALSE;
	ok = write(fd, command, strlen(command)) == (gssize)strlen(command);
	close(fd);
	return ok;
}

static void
start_svscan(Fixture *f)
{
	f->svscan = hermes_test_s6_start(f->scandir, f->root);
}

/* every process of the tree inherited HERMES_HOME=<root> from s6-svscan */
static GArray *
tree_processes(Fixture *f)
{
	g_autofree gchar *marker = g_strdup_printf("HERMES_HOME=%s", f->root);
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	GArray *pids = g_array_new(FALSE, FALSE, sizeof(pid_t));
	const gchar *entry;
	while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *path = NULL;
		g_autofree gchar *env = NULL;
		gsize len = 0;
		pid_t pid;
		if (!g_ascii_isdigit(entry[0]))
			continue;
		pid = (pid_t)g_ascii_strtoll(entry, NULL, 10);
		if (pid == getpid())
			continue;
		path = g_strdup_printf("/proc/%s/environ", entry);
		if (!g_file_get_contents(path, &env, &len, NULL))
			continue;
		for (gsize off = 0; off < len; off += strlen(env + off) + 1) {
			if (g_strcmp0(env + off, marker) == 0) {
				g_array_append_val(pids, pid);
				break;
			}
		}
	}
	return pids;
}

/* "t": the scanner takes its supervisors, and they their services, down; wait for all */
static gboolean
stop_svscan(Fixture *f)
{
	gint64 deadline = g_get_monotonic_time() + 15 * G_USEC_PER_SEC;
	gboolean clean = TRUE;
	gint status;
	if (f->svscan > 0) {
		if (!scanner_send(f->scandir, "t"))
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
static void
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

static void
write_bytes(const gchar *path, const gchar *data, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_path_get_dirname(path);
	g_mkdir_with_parents(dir, 0755);
	if (!g_file_set_contents(path, data, (gssize)len, &error))
		fail_msg("cannot write %s: %s", path, error->message);
}

/* /proc/<pid>/cmdline of the fake root: NUL-separated */
static void
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

static gint
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

static gint
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

static gchar *
home_of(Fixture *f, const gchar *profile)
{
	if (g_strcmp0(profile, "default") == 0)
		return g_strdup(f->root);
	return g_build_filename(f->root, "profiles", profile, NULL);
}

/* a profile directory with SOUL.md and, when @state is given, gateway_state.json */
static void
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

static void
write_in_home(Fixture *f, const gchar *profile, const gchar *name, const gchar *contents)
{
	g_autofree gchar *home = home_of(f, profile);
	g_autofree gchar *path = g_build_filename(home, name, NULL);
	hermes_test_write_file(path, contents, 0644);
}

static gboolean
exists_in_home(Fixture *f, const gchar *profile, const gchar *name)
{
	g_autofree gchar *home = home_of(f, profile);
	g_autofree gchar *path = g_build_filename(home, name, NULL);
	return g_file_test(path, G_FILE_TEST_EXISTS);
}

static gchar *
slot_file(Fixture *f, const gchar *profile, const gchar *name)
{
	return g_strdup_printf(
		"%s/gateway-%s%s%s", f->scandir, profile, name ? "/" : "", name ? name : "");
}

static gboolean
slot_exists(Fixture *f, const gchar *profile)
{
	g_autofree gchar *path = slot_file(f, profile, NULL);
	return g_file_test(path, G_FILE_TEST_IS_DIR);
}

static gboolean
slot_is_down(Fixture *f, const gchar *profile)
{
	g_autofree gchar *path = slot_file(f, profile, "down");
	return g_file_test(path, G_FILE_TEST_EXISTS);
}

static HermesReconciler *
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

static HermesReconcileAction *
action_at(HermesReconciler *r, guint i)
{
	GPtrArray *actions = hermes_reconciler_get_actions(r);
	if (i >= actions->len)
		fail_msg("only %u actions, wanted #%u", actions->len, i);
	return g_ptr_array_index(actions, i);
}

/* the first record of @profile */
static HermesReconcileAction *
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

static void
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

static gchar *
read_file(const gchar *path)
{
	gchar *contents = NULL;
	if (!g_file_get_contents(path, &contents, NULL, NULL))
		return NULL;
	return contents;
}

static gchar *
boot_log(Fixture *f)
{
	g_autofree gchar *path = g_build_filename(f->root, "logs", "container-boot.log", NULL);
	return read_file(path);
}

/* a pid that surely belonged to a process that has exited */
static gint64
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

/*****************************************************************************/
/* order and prior-state branches */

static void
test_reconciler_order(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	g_autofree gchar *nosoul = g_build_filename(f->root, "profiles", "nosoul", NULL);
	g_autofree gchar *listing = NULL;

	make_profile(f, "z-last", NULL);
	make_profile(f, "a-first", NULL);
	make_profile(f, "m-mid", NULL);
	make_profile(f, "10-digits", NULL);
	/* not profiles: no SOUL.md, a staging tree, a plain file */
	g_mkdir_with_parents(nosoul, 0755);
	make_profile(f, ".x.new-abcdef", NULL);
	write_in_home(f, "default", "profiles/README", "not a profile\n");

	r = reconcile(f, FALSE);
	assert_int_equal(hermes_reconciler_get_actions(r)->len, 5);
	check_action(action_at(r, 0), "default", NULL, HERMES_RECONCILE_REGISTERED);
	check_action(action_at(r, 1), "10-digits", NULL, HERMES_RECONCILE_REGISTERED);
	check_action(action_at(r, 2), "a-first", NULL, HERMES_RECONCILE_REGISTERED);
	check_action(action_at(r, 3), "m-mid", NULL, HERMES_RECONCILE_REGISTERED);
	check_action(action_at(r, 4), "z-last", NULL, HERMES_RECONCILE_REGISTERED);
	assert_string_equal(hermes_reconcile_action_get_home(action_at(r, 0)), f->root);
	listing = hermes_test_list_dir(f->scandir);
	assert_string_equal(listing,
			    "gateway-10-digits|gateway-a-first|gateway-default|gateway-m-mid|"
			    "gateway-z-last");
}

static void
test_reconciler_prior_states(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	const struct {
		const gchar *profile;
		const gchar *json; /* NULL: no state file */
		const gchar *prior;
		HermesReconcileKind kind;
		const gchar *reason;
	} cases[] = {
		{"d-running",
		 "{\"desired_state\":\"running\"}",
		 "running",
		 HERMES_RECONCILE_STARTED,
		 NULL},
		{"d-stopped",
		 "{\"desired_state\":\"stopped\"}",
		 "stopped",
		 HERMES_RECONCILE_REGISTERED,
		 "desired state is stopped"},
		/* intent beats the runtime state both ways */
		{"d-run-failed",
		 "{\"desired_state\":\"running\",\"gateway_state\":\"startup_failed\"}",
		 "running",
		 HERMES_RECONCILE_STARTED,
		 NULL},
		{"d-stop-running",
		 "{\"desired_state\":\"stopped\",\"gateway_state\":\"running\"}",
		 "stopped",
		 HERMES_RECONCILE_REGISTERED,
		 "desired state is stopped"},
		{"r-running",
		 "{\"gateway_state\":\"running\"}",
		 "running",
		 HERMES_RECONCILE_STARTED,
		 NULL},
		{"r-draining",
		 "{\"gateway_state\":\"draining\"}",
		 "running",
		 HERMES_RECONCILE_STARTED,
		 NULL},
		{"r-degraded",
		 "{\"gateway_state\":\"degraded\"}",
		 "running",
		 HERMES_RECONCILE_STARTED,
		 NULL},
		{"r-starting",
		 "{\"gateway_state\":\"starting\"}",
		 "starting",
		 HERMES_RECONCILE_REGISTERED,
		 "last runtime state was starting"},
		{"r-failed",
		 "{\"gateway_state\":\"startup_failed\"}",
		 "startup_failed",
		 HERMES_RECONCILE_REGISTERED,
		 "last runtime state was startup_failed"},
		{"r-stopped",
		 "{\"gateway_state\":\"stopped\"}",
		 "stopped",
		 HERMES_RECONCILE_REGISTERED,
		 "last runtime state was stopped"},
		{"x-missing", NULL, NULL, HERMES_RECONCILE_REGISTERED, "no saved state"},
		{"x-nokeys", "{\"pid\":12}", NULL, HERMES_RECONCILE_REGISTERED, "no saved state"},
	};

	make_profile(f, "default", "{\"gateway_state\":\"running\"}");
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
		make_profile(f, cases[i].profile, cases[i].json);
	/* the removed upstream opt-out changes nothing */
	hermes_context_setenv(f->ctx, "HERMES_SKIP_PROFILE_RECONCILE", "1");
	r = reconcile(f, FALSE);
	assert_int_equal(hermes_reconciler_get_actions(r)->len, G_N_ELEMENTS(cases) + 1);
	check_action(action_at(r, 0), "default", "running", HERMES_RECONCILE_STARTED);
	assert_false(slot_is_down(f, "default"));

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		HermesReconcileAction *a = action_of(r, cases[i].profile);
		g_autofree gchar *run = slot_file(f, cases[i].profile, "run");
		g_autofree gchar *type = slot_file(f, cases[i].profile, "type");
		g_autofree gchar *finish = slot_file(f, cases[i].profile, "finish");
		g_autofree gchar *type_text = read_file(type);
		g_autofree gchar *run_text = read_file(run);
		check_action(a, cases[i].profile, cases[i].prior, cases[i].kind);
		assert_string_equal(hermes_reconcile_action_get_reason(a) != NULL
					    ? hermes_reconcile_action_get_reason(a)
					    : "(none)",
				    cases[i].reason != NULL ? cases[i].reason : "(none)");
		/* a complete slot either way; only `down` differs */
		assert_true(g_file_test(run, G_FILE_TEST_IS_EXECUTABLE));
		assert_true(g_file_test(finish, G_FILE_TEST_IS_EXECUTABLE));
		assert_string_equal(type_text, "longrun\n");
		hermes_assert_str_contains(run_text, "gateway run");
		{
			/* the exit-code contract: 78 and a clean stop end the slot (125) */
			g_autofree gchar *finish_text = read_file(finish);
			hermes_assert_str_contains(finish_text, "78)");
			hermes_assert_str_contains(finish_text, "exit 125");
		}
		assert_int_equal(slot_is_down(f, cases[i].profile),
				 cases[i].kind == HERMES_RECONCILE_REGISTERED);
	}
	/* the default slot runs the root profile: no -p */
	{
		g_autofree gchar *run = slot_file(f, "default", "run");
		g_autofree gchar *run_text = read_file(run);
		hermes_assert_str_contains(run_text, "gateway run");
		assert_null(strstr(run_text, "-p default"));
		assert_null(strstr(run_text, "-p 'default'"));
	}
	assert_int_equal(hermes_reconciler_count(r, HERMES_RECONCILE_STARTED), 6);
	assert_int_equal(hermes_reconciler_count(r, HERMES_RECONCILE_REGISTERED), 7);
	assert_int_equal(hermes_reconciler_count(r, HERMES_RECONCILE_SKIPPED), 0);
}

static void
test_reconciler_empty_home(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	g_autofree gchar *listing = NULL;

	/* no profiles/ at all */
	r = reconcile(f, FALSE);
	assert_int_equal(hermes_reconciler_get_actions(r)->len, 1);
	check_action(action_at(r, 0), "default", NULL, HERMES_RECONCILE_REGISTERED);
	assert_true(slot_is_down(f, "default"));
	listing = hermes_test_list_dir(f->scandir);
	assert_string_equal(listing, "gateway-default");
}

/*****************************************************************************/
/* skips never abort */

static void
test_reconciler_skips_continue(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	g_autofree gchar *listing = NULL;
	HermesReconcileAction *a;

	make_profile(f, "BadName", "{\"desired_state\":\"running\"}");
	{
		/* profiles/default/, not the root */
		g_autofree gchar *soul =
			g_build_filename(f->root, "profiles", "default", "SOUL.md", NULL);
		g_autofree gchar *state_path = g_build_filename(
			f->root, "profiles", "default", "gateway_state.json", NULL);
		hermes_test_write_file(soul, "# Soul\n", 0644);
		hermes_test_write_file(state_path, "{\"desired_state\":\"running\"}", 0644);
	}
	make_profile(f, "c-corrupt", "{\"desired_state\":");
	make_profile(f, "e-empty", "");
	make_profile(f, "root", NULL); /* reserved */
	{
		/* a profile directory that is a link into another home is not followed */
		g_autofree gchar *elsewhere = g_build_filename(f->tmp, "elsewhere", NULL);
		g_autofree gchar *soul = g_build_filename(elsewhere, "SOUL.md", NULL);
		g_autofree gchar *link = home_of(f, "linked");
		g_mkdir_with_parents(elsewhere, 0755);
		hermes_test_write_file(soul, "# Soul\n", 0644);
		assert_int_equal(symlink(elsewhere, link), 0);
	}
	make_profile(f, "z-ok", "{\"desired_state\":\"running\"}");
	/* the root profile's own state: "default" in profiles/ is not it */
	write_in_home(f, "default", "gateway_state.json", "{\"desired_state\":\"stopped\"}");

	r = reconcile(f, FALSE);
	check_action(action_at(r, 0), "default", "stopped", HERMES_RECONCILE_REGISTERED);
	a = action_of(r, "BadName");
	check_action(a, "BadName", NULL, HERMES_RECONCILE_SKIPPED);
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a), "lowercase");
	/* an unreadable state is no prior state (as upstream reads it): registered down */
	a = action_of(r, "c-corrupt");
	check_action(a, "c-corrupt", NULL, HERMES_RECONCILE_REGISTERED);
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a),
				   "unreadable state, treated as no prior state");
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a), "corrupt");
	a = action_of(r, "e-empty");
	check_action(a, "e-empty", NULL, HERMES_RECONCILE_REGISTERED);
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a), "is empty");
	assert_true(slot_is_down(f, "c-corrupt"));
	assert_true(slot_is_down(f, "e-empty"));
	a = action_of(r, "root");
	check_action(a, "root", NULL, HERMES_RECONCILE_SKIPPED);
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a), "reserved");
	a = action_of(r, "linked");
	check_action(a, "linked", NULL, HERMES_RECONCILE_SKIPPED);
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a), "symbolic link");
	/* the second "default" is profiles/default/ */
	a = action_at(r, 3);
	check_action(a, "default", NULL, HERMES_RECONCILE_SKIPPED);
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a), "profiles/default/");
	check_action(action_of(r, "z-ok"), "z-ok", "running", HERMES_RECONCILE_STARTED);
	assert_int_equal(hermes_reconciler_count(r, HERMES_RECONCILE_SKIPPED), 4);

	/* skipped means untouched: no slot; a corrupt state file is left as it was */
	listing = hermes_test_list_dir(f->scandir);
	assert_string_equal(listing,
			    "gateway-c-corrupt|gateway-default|gateway-e-empty|gateway-z-ok");
	{
		g_autofree gchar *home = home_of(f, "c-corrupt");
		g_autofree gchar *path = g_build_filename(home, "gateway_state.json", NULL);
		g_autofree gchar *text = read_file(path);
		assert_string_equal(text, "{\"desired_state\":");
	}
}

/*****************************************************************************/
/* dry run and replacing */

static void
test_reconciler_dry_run(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	g_autofree gchar *before_home = NULL;
	g_autofree gchar *before_scan = NULL;
	g_autofree gchar *after_home = NULL;
	g_autofree gchar *after_scan = NULL;
	g_autofree gchar *pid_text = g_strdup_printf("%" G_GINT64_FORMAT "\n", dead_pid());
	HermesReconcileAction *a;

	/* everything that would write: a seed, stale files, slots, the log */
	set_cmdline(f,
		    "1",
		    (const gchar *[]){
			    "/init", "/opt/hermes/docker/main-wrapper.sh", "gateway", "run", NULL});
	make_profile(f, "alpha", "{\"desired_state\":\"running\"}");
	make_profile(f, "beta", NULL);
	write_in_home(f, "alpha", "gateway.pid", pid_text);
	write_in_home(f, "alpha", "processes.json", "[]");
	before_home = hermes_test_snapshot_tree(f->root);
	before_scan = hermes_test_snapshot_tree(f->scandir);

	r = reconcile(f, TRUE);
	assert_true(hermes_reconciler_get_dry_run(r));
	a = action_at(r, 0);
	check_action(a, "default", "running", HERMES_RECONCILE_STARTED);
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a), "would seed");
	check_action(action_at(r, 1), "alpha", "running", HERMES_RECONCILE_STARTED);
	check_action(action_at(r, 2), "beta", NULL, HERMES_RECONCILE_REGISTERED);

	after_home = hermes_test_snapshot_tree(f->root);
	after_scan = hermes_test_snapshot_tree(f->scandir);
	assert_string_equal(after_home, before_home);
	assert_string_equal(after_scan, before_scan);
	assert_true(exists_in_home(f, "alpha", "gateway.pid"));
	assert_false(exists_in_home(f, "default", "gateway_state.json"));
	assert_false(exists_in_home(f, "default", "logs"));
}

static void
test_reconciler_second_run_replaces(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *listing = NULL;
	g_autofree gchar *snapshot = NULL;
	gint64 deadline;

	make_profile(f, "alpha", "{\"desired_state\":\"running\"}");
	make_profile(f, "beta", "{\"desired_state\":\"stopped\"}");
	g_object_unref(reconcile(f, FALSE));
	assert_false(slot_is_down(f, "alpha"));
	assert_true(slot_is_down(f, "beta"));
	snapshot = hermes_test_snapshot_tree(f->scandir);

	/* unsupervised slots (boot) are swapped whole, following the new state */
	assert_true(hermes_gateway_state_set_desired(f->root, "running", &error));
	{
		g_autofree gchar *alpha = home_of(f, "alpha");
		g_autofree gchar *beta = home_of(f, "beta");
		assert_true(hermes_gateway_state_set_desired(alpha, "stopped", &error));
		assert_true(hermes_gateway_state_set_desired(beta, "running", &error));
	}
	g_object_unref(reconcile(f, FALSE));
	assert_true(slot_is_down(f, "alpha"));
	assert_false(slot_is_down(f, "beta"));
	assert_false(slot_is_down(f, "default"));
	/* nothing half-built, replaced or staged is left beside the slots */
	listing = hermes_test_list_dir(f->scandir);
	assert_string_equal(listing, "gateway-alpha|gateway-beta|gateway-default");

	/* a host reconcile under a running scanner: supervised slots are rewritten in
	 * place and a started one is brought up */
	start_svscan(f);
	assert_true(scanner_send(f->scandir, "a"));
	deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	for (const gchar *const *p = (const gchar *[]){"alpha", "beta", "default", NULL};
	     *p != NULL;) {
		g_autoptr(HermesGatewayStatus) st =
			hermes_service_manager_get_status(f->manager, *p, NULL, &error);
		hermes_assert_no_error(error);
		if (g_strcmp0(hermes_gateway_status_get_raw(st, "s6.supervised"), "true") == 0) {
			p++;
			continue;
		}
		if (g_get_monotonic_time() > deadline)
			fail_msg("%s was never supervised", *p);
		g_usleep(20000);
	}
	g_object_unref(reconcile(f, FALSE));
	{
		g_autoptr(HermesGatewayStatus) st =
			hermes_service_manager_get_status(f->manager, "beta", NULL, &error);
		hermes_assert_no_error(error);
		assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_UP);
	}
	g_clear_pointer(&listing, g_free);
	listing = hermes_test_list_dir(f->scandir);
	assert_string_equal(listing, ".s6-svscan|gateway-alpha|gateway-beta|gateway-default");
}

/*****************************************************************************/
/* stale runtime files */

static gchar *
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

/* a live process whose command line says "gateway", as a real one's does */
static gint64
start_gateway_lookalike(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *link = g_build_filename(f->tmp, "hermes-gateway", NULL);
	g_autofree gchar *sleep_path = g_find_program_in_path("sleep");
	const gchar *argv[] = {link, "1000", NULL};
	assert_non_null(sleep_path);
	assert_int_equal(symlink(sleep_path, link), 0);
	g_spawn_async(NULL,
		      (gchar **)argv,
		      NULL,
		      G_SPAWN_DO_NOT_REAP_CHILD,
		      NULL,
		      NULL,
		      &f->helper,
		      &error);
	hermes_assert_no_error(error);
	/* exec has happened once the start time and cmdline are the sleep's */
	for (gint i = 0; i < 500; i++) {
		g_autofree gchar *path = g_strdup_printf("/proc/%d/cmdline", f->helper);
		g_autofree gchar *text = read_file(path);
		if (text != NULL && strstr(text, "hermes-gateway") != NULL)
			break;
		g_usleep(2000);
	}
	return f->helper;
}

/* a live process that is not a gateway */
static gint64
start_sleeper(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *sleep_path = g_find_program_in_path("sleep");
	const gchar *argv[] = {sleep_path, "1000", NULL};
	assert_non_null(sleep_path);
	assert_null(strstr(sleep_path, "gateway"));
	g_spawn_async(NULL,
		      (gchar **)argv,
		      NULL,
		      G_SPAWN_DO_NOT_REAP_CHILD,
		      NULL,
		      NULL,
		      &f->sleeper,
		      &error);
	hermes_assert_no_error(error);
	return f->sleeper;
}

static void
test_reconciler_sweep(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	gint64 dead = dead_pid();
	gint64 live = start_gateway_lookalike(f);
	gint64 live_start = hermes_platform_get_start_time(live);
	g_autofree gchar *dead_json = pid_record(dead, 1234, NULL);
	g_autofree gchar *dead_bare = g_strdup_printf("%" G_GINT64_FORMAT "\n", dead);
	g_autofree gchar *live_json = pid_record(live, live_start, NULL);
	g_autofree gchar *reused_json = pid_record(live, live_start + 1, NULL);
	gint64 other = start_sleeper(f);
	g_autofree gchar *other_json =
		pid_record(other, hermes_platform_get_start_time(other), NULL);
	g_autofree gchar *foreign_json = pid_record(dead, 1234, "another-boot");
	g_autofree gchar *ours_json = pid_record(dead, 1234, FAKE_BOOT_ID);
	const struct {
		const gchar *profile;
		const gchar *record;
		gboolean kept;
		const gchar *reason;
	} cases[] = {
		{"default", dead_json, FALSE, NULL},
		{"p-dead", dead_json, FALSE, NULL},
		{"p-bare", dead_bare, FALSE, NULL},
		{"p-corrupt", "{\"pid\":", FALSE, NULL},
		{"p-live", live_json, TRUE, "is a live gateway"},
		{"p-reused", reused_json, FALSE, NULL},
		{"p-not-gateway", other_json, FALSE, NULL},
		{"p-foreign",
		 foreign_json,
		 TRUE,
		 "written under another boot (boot_id another-boot)"},
		{"p-our-boot", ours_json, FALSE, NULL},
	};

	assert_true(live_start > 0);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		make_profile(f, cases[i].profile, "{\"desired_state\":\"running\"}");
		write_in_home(f, cases[i].profile, "gateway.pid", cases[i].record);
		write_in_home(f, cases[i].profile, "processes.json", "{\"processes\":[]}");
	}
	/* processes.json alone goes too */
	make_profile(f, "p-procs-only", NULL);
	write_in_home(f, "p-procs-only", "processes.json", "[]");

	r = reconcile(f, FALSE);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		HermesReconcileAction *a = action_of(r, cases[i].profile);
		const gchar *reason = hermes_reconcile_action_get_reason(a);
		if (exists_in_home(f, cases[i].profile, "gateway.pid") != cases[i].kept ||
		    exists_in_home(f, cases[i].profile, "processes.json") != cases[i].kept)
			fail_msg("%s: runtime files should have been %s",
				 cases[i].profile,
				 cases[i].kept ? "kept" : "removed");
		check_action(a, cases[i].profile, "running", HERMES_RECONCILE_STARTED);
		if (cases[i].reason != NULL)
			hermes_assert_str_contains(reason, cases[i].reason);
		else
			assert_null(reason);
	}
	assert_false(exists_in_home(f, "p-procs-only", "processes.json"));
}

/*****************************************************************************/
/* the container's command */

static void
test_reconciler_classify(void **state)
{
	const struct {
		const gchar *argv[10];
		HermesContainerCommand want;
	} cases[] = {
		{{NULL}, HERMES_CONTAINER_COMMAND_OTHER},
		{{"gateway", "run", NULL}, HERMES_CONTAINER_COMMAND_GATEWAY_RUN},
		{{"hermes", "gateway", "run", NULL}, HERMES_CONTAINER_COMMAND_GATEWAY_RUN},
		{{"/opt/hermes/bin/hermes", "gateway", "run", "-v", NULL},
		 HERMES_CONTAINER_COMMAND_GATEWAY_RUN},
		{{"/init", "/opt/hermes/docker/main-wrapper.sh", "gateway", "run", NULL},
		 HERMES_CONTAINER_COMMAND_GATEWAY_RUN},
		{{"/init", "gateway", "run", NULL}, HERMES_CONTAINER_COMMAND_GATEWAY_RUN},
		{{"/opt/hermes/docker/entrypoint-dispatch.sh", "gateway", "run", NULL},
		 HERMES_CONTAINER_COMMAND_GATEWAY_RUN},
		{{"/bin/sh",
		  "-e",
		  "/run/s6/basedir/scripts/rc.init",
		  "top",
		  "hermes",
		  "gateway",
		  "run",
		  NULL},
		 HERMES_CONTAINER_COMMAND_GATEWAY_RUN},
		/* upstream: -p dashboard names a profile, not a dashboard container */
		{{"gateway", "run", "-p", "dashboard", NULL}, HERMES_CONTAINER_COMMAND_GATEWAY_RUN},
		{{"gateway", "run", "--no-supervise", NULL}, HERMES_CONTAINER_COMMAND_OTHER},
		{{"/init",
		  "/opt/hermes/docker/main-wrapper.sh",
		  "gateway",
		  "run",
		  "--no-supervise",
		  NULL},
		 HERMES_CONTAINER_COMMAND_OTHER},
		{{"dashboard", NULL}, HERMES_CONTAINER_COMMAND_DASHBOARD},
		{{"dashboard", "--host", "0.0.0.0", "--insecure", NULL},
		 HERMES_CONTAINER_COMMAND_DASHBOARD},
		{{"/init",
		  "/opt/hermes/docker/main-wrapper.sh",
		  "dashboard",
		  "--port",
		  "9119",
		  NULL},
		 HERMES_CONTAINER_COMMAND_DASHBOARD},
		{{"/init", "/opt/hermes/docker/main-wrapper.sh", "hermes", "dashboard", NULL},
		 HERMES_CONTAINER_COMMAND_DASHBOARD},
		/* s6-overlay v3 (#49196) */
		{{"/bin/sh",
		  "-e",
		  "/run/s6/basedir/scripts/rc.init",
		  "top",
		  "/opt/hermes/docker/main-wrapper.sh",
		  "dashboard",
		  "--insecure",
		  NULL},
		 HERMES_CONTAINER_COMMAND_DASHBOARD},
		{{"chat", NULL}, HERMES_CONTAINER_COMMAND_OTHER},
		{{"gateway", NULL}, HERMES_CONTAINER_COMMAND_OTHER},
		{{"/init", NULL}, HERMES_CONTAINER_COMMAND_OTHER},
		{{"/sbin/init", "splash", NULL}, HERMES_CONTAINER_COMMAND_OTHER},
		{{"sleep", "infinity", NULL}, HERMES_CONTAINER_COMMAND_OTHER},
		{{"/init", "/opt/hermes/docker/main-wrapper.sh", NULL},
		 HERMES_CONTAINER_COMMAND_OTHER},
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		HermesContainerCommand got = hermes_container_command_classify(cases[i].argv);
		if (got != cases[i].want) {
			g_autofree gchar *shown = g_strjoinv(" ", (gchar **)cases[i].argv);
			fail_msg("'%s': got %d, expected %d", shown, got, cases[i].want);
		}
	}
}

static void
test_reconciler_read_command(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) argv = NULL;
	g_autofree gchar *joined = NULL;
	g_autofree gchar *self_dir = g_build_filename(f->sysroot, "proc", "self", NULL);

	argv = hermes_container_command_read(f->ctx);
	joined = g_strjoinv(" ", argv);
	assert_string_equal(joined, "/sbin/init splash");
	g_clear_pointer(&argv, g_strfreev);
	g_clear_pointer(&joined, g_free);

	/* s6-overlay v3: PID 1 is s6-svscan, the command runs under rc.init */
	set_cmdline(f, "1", (const gchar *[]){"s6-svscan", "-d4", "--", "/run/service", NULL});
	set_cmdline(f, "20", (const gchar *[]){"s6-supervise", "s6-linux-init-shutdownd", NULL});
	set_cmdline(f,
		    "31",
		    (const gchar *[]){"/bin/sh",
				      "-e",
				      "/run/s6/basedir/scripts/rc.init",
				      "top",
				      "hermes",
				      "dashboard",
				      NULL});
	g_mkdir_with_parents(self_dir, 0755);
	argv = hermes_container_command_read(f->ctx);
	joined = g_strjoinv(" ", argv);
	assert_string_equal(joined,
			    "/bin/sh -e /run/s6/basedir/scripts/rc.init top hermes dashboard");
	assert_int_equal(hermes_container_command_classify((const gchar *const *)argv),
			 HERMES_CONTAINER_COMMAND_DASHBOARD);
	g_clear_pointer(&argv, g_strfreev);

	/* invalid UTF-8 is replaced, not fatal */
	g_clear_pointer(&joined, g_free);
	joined = g_build_filename(f->sysroot, "proc", "1", "cmdline", NULL);
	write_bytes(joined, "gate\xffway\0run\0", 13);
	argv = hermes_container_command_read(f->ctx);
	assert_int_equal(g_strv_length(argv), 2);
	assert_true(g_utf8_validate(argv[0], -1, NULL));
}

static void
test_reconciler_legacy_seed(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) seeded = NULL;
	HermesReconciler *r;
	HermesReconcileAction *a;

	set_cmdline(f,
		    "1",
		    (const gchar *[]){
			    "/init", "/opt/hermes/docker/main-wrapper.sh", "gateway", "run", NULL});
	/* "0" is a false value: it does not opt out */
	hermes_context_setenv(f->ctx, "HERMES_GATEWAY_NO_SUPERVISE", "0");
	r = reconcile(f, FALSE);
	a = action_at(r, 0);
	check_action(a, "default", "running", HERMES_RECONCILE_STARTED);
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a),
				   "seeded desired_state running");
	assert_false(slot_is_down(f, "default"));
	seeded = hermes_gateway_state_load(f->root, &error);
	hermes_assert_no_error(error);
	assert_string_equal(json_object_get_string_member(seeded, "desired_state"), "running");
	assert_string_equal(json_object_get_string_member(seeded, "migrated_from"),
			    "legacy-container-cmd");
	g_object_unref(r);

	/* once: an operator stop afterwards is respected on the next boot */
	assert_true(hermes_gateway_state_set_desired(f->root, "stopped", &error));
	r = reconcile(f, FALSE);
	check_action(action_at(r, 0), "default", "stopped", HERMES_RECONCILE_REGISTERED);
	assert_true(slot_is_down(f, "default"));
	g_object_unref(r);
}

/* cont-init runs as root: what it creates in a home belongs to the home's owner */
static void
test_reconciler_ownership(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	const gchar *created[] = {"logs", "logs/container-boot.log", "gateway_state.json"};

	if (geteuid() != 0)
		skip();
	assert_int_equal(chown(f->root, 4242, 4243), 0);
	set_cmdline(f, "1", (const gchar *[]){"gateway", "run", NULL});
	r = reconcile(f, FALSE);
	check_action(action_at(r, 0), "default", "running", HERMES_RECONCILE_STARTED);
	for (guint i = 0; i < G_N_ELEMENTS(created); i++) {
		g_autofree gchar *path = g_build_filename(f->root, created[i], NULL);
		GStatBuf st;
		assert_int_equal(g_stat(path, &st), 0);
		if (st.st_uid != 4242 || st.st_gid != 4243)
			fail_msg("%s belongs to %u:%u",
				 created[i],
				 (guint)st.st_uid,
				 (guint)st.st_gid);
	}
}

static void
test_reconciler_legacy_no_seed(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *state_path = g_build_filename(f->root, "gateway_state.json", NULL);
	const gchar *opt_outs[] = {"1", "TRUE", "yes", "Yes"};
	HermesReconciler *r;
	HermesReconcileAction *a;

	/* --no-supervise in the command */
	set_cmdline(f,
		    "1",
		    (const gchar *[]){"/init",
				      "/opt/hermes/docker/main-wrapper.sh",
				      "gateway",
				      "run",
				      "--no-supervise",
				      NULL});
	r = reconcile(f, FALSE);
	check_action(action_at(r, 0), "default", NULL, HERMES_RECONCILE_REGISTERED);
	assert_true(slot_is_down(f, "default"));
	assert_false(g_file_test(state_path, G_FILE_TEST_EXISTS));
	g_object_unref(r);

	/* HERMES_GATEWAY_NO_SUPERVISE true: upstream's 1/true/yes, in any case */
	set_cmdline(f, "1", (const gchar *[]){"gateway", "run", NULL});
	for (guint i = 0; i < G_N_ELEMENTS(opt_outs); i++) {
		hermes_context_setenv(f->ctx, "HERMES_GATEWAY_NO_SUPERVISE", opt_outs[i]);
		r = reconcile(f, FALSE);
		check_action(action_at(r, 0), "default", NULL, HERMES_RECONCILE_REGISTERED);
		assert_false(g_file_test(state_path, G_FILE_TEST_EXISTS));
		g_object_unref(r);
	}
	/* anything else is false, and said: `on` too (upstream accepts exactly 1/true/yes) */
	for (guint i = 0; i < 2; i++) {
		const gchar *value = i == 0 ? "maybe" : "On";
		g_autofree gchar *expected = g_strdup_printf(
			"HERMES_GATEWAY_NO_SUPERVISE='%s' is not a truth value", value);
		hermes_context_setenv(f->ctx, "HERMES_GATEWAY_NO_SUPERVISE", value);
		r = reconcile(f, TRUE);
		a = action_at(r, 0);
		check_action(a, "default", "running", HERMES_RECONCILE_STARTED);
		hermes_assert_str_contains(hermes_reconcile_action_get_reason(a), expected);
		g_object_unref(r);
	}
	hermes_context_setenv(f->ctx, "HERMES_GATEWAY_NO_SUPERVISE", NULL);

	/* an explicit stopped beats the legacy command, and the file is left alone */
	hermes_test_write_file(state_path, "{\"desired_state\":\"stopped\",\"x\":1}", 0644);
	r = reconcile(f, FALSE);
	check_action(action_at(r, 0), "default", "stopped", HERMES_RECONCILE_REGISTERED);
	g_object_unref(r);
	{
		g_autofree gchar *text = read_file(state_path);
		assert_string_equal(text, "{\"desired_state\":\"stopped\",\"x\":1}");
	}
	/* so does startup_failed */
	hermes_test_write_file(state_path, "{\"gateway_state\":\"startup_failed\"}", 0644);
	r = reconcile(f, FALSE);
	check_action(action_at(r, 0), "default", "startup_failed", HERMES_RECONCILE_REGISTERED);
	g_object_unref(r);
}

static void
test_reconciler_legacy_seed_s6v3(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	set_cmdline(
		f,
		"1",
		(const gchar *[]){
			"/package/admin/s6/command/s6-svscan", "-d4", "--", "/run/service", NULL});
	set_cmdline(f,
		    "57",
		    (const gchar *[]){"/bin/sh",
				      "-e",
				      "/run/s6/basedir/scripts/rc.init",
				      "top",
				      "/opt/hermes/docker/main-wrapper.sh",
				      "gateway",
				      "run",
				      NULL});
	r = reconcile(f, FALSE);
	check_action(action_at(r, 0), "default", "running", HERMES_RECONCILE_STARTED);
	assert_true(exists_in_home(f, "default", "gateway_state.json"));
}

static void
test_reconciler_dashboard_skips(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	const gchar *const *commands[] = {
		(const gchar *[]){"/init",
				  "/opt/hermes/docker/main-wrapper.sh",
				  "dashboard",
				  "--port",
				  "9119",
				  NULL},
		(const gchar *[]){"dashboard", NULL},
	};

	make_profile(f, "worker", "{\"desired_state\":\"running\"}");
	before = hermes_test_snapshot_tree(f->tmp);
	for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
		g_autoptr(HermesReconciler) r = NULL;
		set_cmdline(f, "1", commands[i]);
		g_clear_pointer(&before, g_free);
		before = hermes_test_snapshot_tree(f->tmp);
		r = reconcile(f, FALSE);
		hermes_assert_str_contains(hermes_reconciler_get_skip_reason(r),
					   "dashboard container");
		assert_int_equal(hermes_reconciler_get_actions(r)->len, 0);
		g_clear_pointer(&after, g_free);
		after = hermes_test_snapshot_tree(f->tmp);
		assert_string_equal(after, before);
	}
	/* the v3 form, through rc.init */
	set_cmdline(f, "1", (const gchar *[]){"s6-svscan", "-d4", "--", "/run/service", NULL});
	set_cmdline(f,
		    "44",
		    (const gchar *[]){"/bin/sh",
				      "-e",
				      "/run/s6/basedir/scripts/rc.init",
				      "top",
				      "/opt/hermes/docker/main-wrapper.sh",
				      "dashboard",
				      NULL});
	{
		g_autoptr(HermesReconciler) r = reconcile(f, FALSE);
		assert_non_null(hermes_reconciler_get_skip_reason(r));
		assert_false(slot_exists(f, "worker"));
		assert_false(slot_exists(f, "default"));
	}
	/* a gateway container does reconcile */
	set_cmdline(f,
		    "44",
		    (const gchar *[]){"/bin/sh",
				      "-e",
				      "/run/s6/basedir/scripts/rc.init",
				      "top",
				      "/opt/hermes/docker/main-wrapper.sh",
				      "gateway",
				      "run",
				      "-p",
				      "dashboard",
				      NULL});
	{
		g_autoptr(HermesReconciler) r = reconcile(f, FALSE);
		assert_null(hermes_reconciler_get_skip_reason(r));
		assert_true(slot_exists(f, "worker"));
		assert_false(slot_is_down(f, "worker"));
	}
}

/*****************************************************************************/
/* the boot log */

/* a timestamp, and a value: bare, or quoted with \ escapes when it holds a space */
#define TS_RE	 "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{4}"
#define VALUE_RE "(\"([^\"\\\\]|\\\\.)*\"|[^ \"\\\\]+)"

static void
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

static void
test_reconciler_boot_log(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	g_autofree gchar *log = NULL;
	g_autofree gchar *ts = NULL;
	g_autoptr(GDateTime) when = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();

	make_profile(f, "a", "{\"desired_state\":\"running\"}");
	make_profile(f, "b", "{\"desired_state\":\"stopped\"}");
	make_profile(f, "c", NULL);
	make_profile(f, "bad\"name", NULL);
	make_profile(f, "bad\nname", NULL);
	write_in_home(f, "a", "state/gateway.lifecycle.json", "{\"phase\":\"exited\",\"pid\":1}");
	write_in_home(f, "b", "state/gateway.lifecycle.json", "{\"phase\":\"running\",\"pid\":1}");
	write_in_home(f, "c", "state/gateway.lifecycle.json", "{\"phase\":");

	r = reconcile(f, FALSE);
	assert_int_equal(hermes_reconcile_action_get_prior_exit(action_of(r, "a")),
			 HERMES_PRIOR_EXIT_CLEAN);
	assert_int_equal(hermes_reconcile_action_get_prior_exit(action_of(r, "b")),
			 HERMES_PRIOR_EXIT_UNCLEAN);
	assert_int_equal(hermes_reconcile_action_get_prior_exit(action_of(r, "c")),
			 HERMES_PRIOR_EXIT_UNKNOWN);
	log = boot_log(f);
	assert_non_null(log);
	/* default, a, b, the two bad names, c, and the summary */
	check_log_lines(log, 7);
	hermes_assert_str_contains(
		log, " profile=a prior_state=running action=started prior_exit=clean\n");
	hermes_assert_str_contains(
		log,
		" profile=b prior_state=stopped action=registered prior_exit=unclean "
		"reason=\"desired state is stopped\"\n");
	hermes_assert_str_contains(
		log,
		" profile=c prior_state=None action=registered prior_exit=unknown "
		"reason=\"no saved state\"\n");
	hermes_assert_str_contains(log, " profile=\"bad\\\"name\" prior_state=None action=skipped");
	hermes_assert_str_contains(log, " profile=\"bad\\nname\" prior_state=None action=skipped");
	hermes_assert_str_contains(log, " summary total=6 started=1 registered=3 skipped=2\n");
	/* upstream's strftime("%Y-%m-%dT%H:%M:%S%z"), and now */
	ts = g_strndup(log, strlen("2026-01-01T00:00:00+0000"));
	when = g_date_time_new_from_iso8601(ts, NULL);
	assert_non_null(when);
	assert_true(ABS(g_date_time_difference(now, when)) < 120 * G_TIME_SPAN_SECOND);
	{
		g_autofree gchar *path =
			g_build_filename(f->root, "logs", "container-boot.log", NULL);
		assert_string_equal(hermes_reconciler_get_log_path(r), path);
	}

	/* a second run appends */
	g_clear_object(&r);
	r = reconcile(f, FALSE);
	g_clear_pointer(&log, g_free);
	log = boot_log(f);
	check_log_lines(log, 14);
}

static void
test_reconciler_boot_log_rotation(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = g_build_filename(f->root, "logs", "container-boot.log", NULL);
	g_autofree gchar *rotated = g_strconcat(path, ".1", NULL);
	g_autofree gchar *big = g_strnfill(HERMES_RECONCILE_LOG_MAX, 'x');
	g_autofree gchar *log = NULL;
	g_autofree gchar *old = NULL;
	HermesReconciler *r;

	/* just below the limit: appended in place */
	write_bytes(path, big, HERMES_RECONCILE_LOG_MAX - 1);
	r = reconcile(f, FALSE);
	g_object_unref(r);
	assert_false(g_file_test(rotated, G_FILE_TEST_EXISTS));
	log = boot_log(f);
	assert_true(strlen(log) > HERMES_RECONCILE_LOG_MAX);
	assert_true(g_str_has_prefix(log, "xxxx"));

	/* at or over the limit: the old file becomes .1 and the new one holds only this run */
	write_bytes(rotated, "an older rotation\n", 18);
	write_bytes(path, big, HERMES_RECONCILE_LOG_MAX);
	r = reconcile(f, FALSE);
	g_object_unref(r);
	old = read_file(rotated);
	assert_int_equal(strlen(old), HERMES_RECONCILE_LOG_MAX);
	assert_string_equal(old, big);
	g_clear_pointer(&log, g_free);
	log = boot_log(f);
	check_log_lines(log, 2);

	/* a rotation that fails is reported and loses nothing: the run goes to the big file */
	assert_int_equal(g_unlink(rotated), 0);
	g_mkdir_with_parents(rotated, 0755);
	write_in_home(f, "default", "logs/container-boot.log.1/keep", "x");
	write_bytes(path, big, HERMES_RECONCILE_LOG_MAX);
	r = hermes_reconciler_new(f->ctx, f->manager);
	assert_true(hermes_reconciler_run(r, NULL));
	hermes_assert_str_contains(hermes_reconciler_get_log_error(r), "cannot rotate");
	g_object_unref(r);
	g_clear_pointer(&log, g_free);
	log = boot_log(f);
	assert_true(g_str_has_prefix(log, "xxxx"));
	hermes_assert_str_contains(log + HERMES_RECONCILE_LOG_MAX, " summary total=1 ");
}

/* the home is the gateway user's and we run as root: its links are not followed */
static void
test_reconciler_boot_log_links(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *victim = g_build_filename(f->tmp, "victim", NULL);
	g_autofree gchar *victim_dir = g_build_filename(f->tmp, "victim-dir", NULL);
	g_autofree gchar *logs = g_build_filename(f->root, "logs", NULL);
	g_autofree gchar *path = g_build_filename(logs, "container-boot.log", NULL);
	g_autofree gchar *text = NULL;
	g_autofree gchar *listing = NULL;
	HermesReconciler *r;

	hermes_test_write_file(victim, "precious\n", 0644);
	g_mkdir(logs, 0755);
	assert_int_equal(symlink(victim, path), 0);
	r = hermes_reconciler_new(f->ctx, f->manager);
	assert_true(hermes_reconciler_run(r, NULL));
	hermes_assert_str_contains(hermes_reconciler_get_log_error(r),
				   "a symbolic link is in the way");
	g_object_unref(r);
	text = read_file(victim);
	assert_string_equal(text, "precious\n");

	assert_int_equal(g_unlink(path), 0);
	assert_int_equal(g_rmdir(logs), 0);
	g_mkdir(victim_dir, 0755);
	assert_int_equal(symlink(victim_dir, logs), 0);
	r = hermes_reconciler_new(f->ctx, f->manager);
	assert_true(hermes_reconciler_run(r, NULL));
	hermes_assert_str_contains(hermes_reconciler_get_log_error(r),
				   "not writing the boot log: refusing");
	hermes_assert_str_contains(hermes_reconciler_get_log_error(r), "symbolic link");
	g_object_unref(r);
	listing = hermes_test_list_dir(victim_dir);
	assert_string_equal(listing, "");
	/* the slots were written all the same */
	assert_true(slot_exists(f, "default"));
}

/*****************************************************************************/
/* the CLI */

static gint
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

static void
test_reconciler_cli(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *out = NULL;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonObject *root;
	JsonArray *profiles;
	g_autofree gchar *missing = g_build_filename(f->tmp, "no-such-scandir", NULL);

	make_profile(f, "alpha", "{\"desired_state\":\"running\"}");
	make_profile(f, "Bad", NULL);

	before = hermes_test_snapshot_tree(f->tmp);
	assert_int_equal(
		run_cli(f,
			&out,
			(const gchar *[]){
				"--backend", "s6", "boot", "reconcile", "--dry-run", NULL}),
		0);
	after = hermes_test_snapshot_tree(f->tmp);
	assert_string_equal(after, before);
	hermes_assert_str_contains(out, "profile=default prior_state=None action=registered");
	hermes_assert_str_contains(
		out, "summary total=3 started=1 registered=1 skipped=1 dry_run=yes\n");
	g_clear_pointer(&out, g_free);

	assert_int_equal(
		run_cli(f, &out, (const gchar *[]){"--backend", "s6", "boot", "reconcile", NULL}),
		0);
	assert_string_equal(
		out,
		"profile=default prior_state=None action=registered prior_exit=unknown "
		"reason=\"no saved state\"\n"
		"profile=Bad prior_state=None action=skipped prior_exit=unknown "
		"reason=\"invalid profile name 'Bad': profile names are lowercase (try 'bad')\"\n"
		"profile=alpha prior_state=running action=started prior_exit=unknown\n"
		"summary total=3 started=1 registered=1 skipped=1\n");
	assert_true(slot_exists(f, "alpha"));
	g_clear_pointer(&out, g_free);

	assert_int_equal(
		run_cli(f,
			&out,
			(const gchar *[]){"--backend", "s6", "boot", "reconcile", "--json", NULL}),
		0);
	assert_true(json_parser_load_from_data(parser, out, -1, &error));
	hermes_assert_no_error(error);
	root = json_node_get_object(json_parser_get_root(parser));
	assert_string_equal(json_object_get_string_member(root, "backend"), "s6");
	assert_false(json_object_get_boolean_member(root, "dry_run"));
	profiles = json_object_get_array_member(root, "profiles");
	assert_int_equal(json_array_get_length(profiles), 3);
	{
		JsonObject *alpha = json_array_get_object_element(profiles, 2);
		assert_string_equal(json_object_get_string_member(alpha, "profile"), "alpha");
		assert_string_equal(json_object_get_string_member(alpha, "action"), "started");
		assert_string_equal(json_object_get_string_member(alpha, "prior_state"), "running");
		assert_true(json_object_get_null_member(alpha, "reason"));
	}
	assert_int_equal(json_object_get_int_member(json_object_get_object_member(root, "summary"),
						    "skipped"),
			 1);
	g_clear_pointer(&out, g_free);

	/* the shipped cont-init script runs the same command (with-contenv aside) */
	{
		g_autofree gchar *script = g_build_filename(hermes_test_env("HERMES_TEST_SRCDIR"),
							    "..",
							    "data",
							    "s6-overlay",
							    "cont-init.d",
							    "50-hermes-reconcile",
							    NULL);
		g_auto(GStrv) envp = hermes_context_get_environ(f->ctx);
		const gchar *argv[] = {"/bin/sh", script, NULL};
		/* whatever supervisor this machine has, the test's is s6 */
		envp = g_environ_setenv(envp, "HERMES_SERVICE_MANAGER", "s6", TRUE);
		g_autofree gchar *script_out = NULL;
		g_autoptr(GError) spawn_error = NULL;
		gint wait_status = -1;
		assert_true(g_file_test(script, G_FILE_TEST_IS_EXECUTABLE));
		g_spawn_sync(NULL,
			     (gchar **)argv,
			     envp,
			     G_SPAWN_DEFAULT,
			     NULL,
			     NULL,
			     &script_out,
			     NULL,
			     &wait_status,
			     &spawn_error);
		hermes_assert_no_error(spawn_error);
		assert_true(g_spawn_check_wait_status(wait_status, NULL));
		hermes_assert_str_contains(script_out,
					   "summary total=3 started=1 registered=1 skipped=1\n");
	}

	/* the one failure: no slot can be written at all */
	hermes_context_setenv(f->ctx, "HERMES_S6_SCANDIR", missing);
	assert_int_not_equal(
		run_cli(f, &out, (const gchar *[]){"--backend", "s6", "boot", "reconcile", NULL}),
		0);
}

/*****************************************************************************/
/* container restarts, end to end */

static HermesGatewayStatus *
wait_state(Fixture *f, const gchar *profile, HermesGatewayState want)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	for (;;) {
		g_autoptr(GError) error = NULL;
		HermesGatewayStatus *st =
			hermes_service_manager_get_status(f->manager, profile, NULL, &error);
		hermes_assert_no_error(error);
		if (hermes_gateway_status_get_state(st) == want &&
		    (want != HERMES_GATEWAY_STATE_UP || hermes_gateway_status_get_pid(st) > 0))
			return st;
		if (g_get_monotonic_time() > deadline)
			fail_msg("%s never became %s (is %s)",
				 profile,
				 hermes_gateway_state_to_string(want),
				 hermes_gateway_state_to_string(
					 hermes_gateway_status_get_state(st)));
		hermes_gateway_status_unref(st);
		g_usleep(50000);
	}
}

/* a gateway started the ordinary way, as `hermes gateway start` would */
static gint64
start_gateway(Fixture *f, const gchar *profile)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec =
		hermes_gateway_spec_new_default(f->ctx, profile, &error);
	g_autoptr(HermesGatewayStatus) st = NULL;
	hermes_assert_no_error(error);
	assert_true(hermes_service_manager_register_gateway(f->manager,
							    spec,
							    HERMES_REGISTER_FLAG_START |
								    HERMES_REGISTER_FLAG_REPLACE,
							    NULL,
							    &error));
	hermes_assert_no_error(error);
	st = wait_state(f, profile, HERMES_GATEWAY_STATE_UP);
	return hermes_gateway_status_get_pid(st);
}

/*
 * Stop the scanner with everything under it and empty /run/service. The
 * intent is stamped once the gateway is gone, so whatever the runner
 * persists on its unmarked SIGTERM, the next boot sees @desired.
 */
static void
container_stop(Fixture *f, gint64 pid, const gchar *profile, const gchar *desired)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *home = home_of(f, profile);
	assert_true(stop_svscan(f));
	assert_false(hermes_platform_process_alive(pid));
	wipe_scandir(f);
	assert_true(hermes_gateway_state_set_desired(home, desired, &error));
	hermes_assert_no_error(error);
}

static gchar *
last_run_of_log(Fixture *f)
{
	g_autofree gchar *log = boot_log(f);
	const gchar *p;
	assert_non_null(log);
	/* the lines after the second-to-last summary */
	g_strchomp(log);
	p = g_strrstr(log, " summary ");
	assert_non_null(p);
	while (p > log && p[-1] != '\n')
		p--;
	{
		g_autofree gchar *head = g_strndup(log, (gsize)(p - log));
		const gchar *prev = g_strrstr(head, " summary ");
		const gchar *start = prev != NULL ? strchr(prev, '\n') + 1 : log;
		return g_strdup(start);
	}
}

static void
test_reconciler_restart_running(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	g_autoptr(HermesGatewayStatus) st = NULL;
	g_autofree gchar *last = NULL;
	g_autofree gchar *dead_json = pid_record(dead_pid(), 42, NULL);
	gint64 pid;

	make_profile(f, "demo", NULL);
	start_svscan(f);
	pid = start_gateway(f, "demo");
	container_stop(f, pid, "demo", "running");
	/* (c) what the dead container left behind */
	write_in_home(f, "demo", "gateway.pid", dead_json);
	write_in_home(f, "demo", "processes.json", "{\"processes\":[{\"pid\":77}]}");
	r = reconcile(f, FALSE);
	check_action(action_of(r, "demo"), "demo", "running", HERMES_RECONCILE_STARTED);
	assert_false(slot_is_down(f, "demo"));
	assert_false(exists_in_home(f, "demo", "gateway.pid"));
	assert_false(exists_in_home(f, "demo", "processes.json"));
	last = last_run_of_log(f);
	hermes_assert_str_contains(last, "profile=demo prior_state=running action=started");

	/* s6-overlay starts the scanner after cont-init: the gateway comes back */
	start_svscan(f);
	st = wait_state(f, "demo", HERMES_GATEWAY_STATE_UP);
	assert_true(hermes_gateway_status_get_pid(st) != pid);
	assert_false(slot_is_down(f, "demo"));
}

static void
test_reconciler_restart_stopped(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	g_autoptr(HermesGatewayStatus) st = NULL;
	g_autofree gchar *last = NULL;
	gint64 pid;

	make_profile(f, "quiet", NULL);
	start_svscan(f);
	pid = start_gateway(f, "quiet");
	container_stop(f, pid, "quiet", "stopped");
	r = reconcile(f, FALSE);
	check_action(action_of(r, "quiet"), "quiet", "stopped", HERMES_RECONCILE_REGISTERED);
	last = last_run_of_log(f);
	hermes_assert_str_contains(
		last,
		"profile=quiet prior_state=stopped action=registered prior_exit=unknown "
		"reason=\"desired state is stopped\"");

	start_svscan(f);
	assert_true(slot_is_down(f, "quiet"));
	/* supervised, and down: s6 honours the marker */
	{
		gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
		for (;;) {
			g_autoptr(GError) error = NULL;
			g_clear_pointer(&st, hermes_gateway_status_unref);
			st = hermes_service_manager_get_status(f->manager, "quiet", NULL, &error);
			hermes_assert_no_error(error);
			if (g_strcmp0(hermes_gateway_status_get_raw(st, "s6.supervised"), "true") ==
			    0)
				break;
			if (g_get_monotonic_time() > deadline)
				fail_msg("quiet was never supervised");
			g_usleep(50000);
		}
	}
	/* and it stays down */
	g_usleep(300 * 1000);
	g_clear_pointer(&st, hermes_gateway_status_unref);
	st = wait_state(f, "quiet", HERMES_GATEWAY_STATE_DOWN);
	assert_int_equal(hermes_gateway_status_get_pid(st), 0);
}

/*****************************************************************************/
/* hostile state files and concurrent runs */

/* 100 000 nested '[' cost a refusal, not a crash; every other profile is reconciled */
static void
test_reconciler_deep_state(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	g_autofree gchar *deep = g_strnfill(100000, '[');
	g_autofree gchar *out = NULL;
	g_autofree gchar *log = NULL;
	HermesReconcileAction *a;

	make_profile(f, "a-deep", deep);
	make_profile(f, "b-ok", "{\"desired_state\":\"running\"}");
	make_profile(f, "c-corrupt", "{\"desired_state\":\"run");
	write_in_home(f, "b-ok", "state/gateway.lifecycle.json", deep);
	r = reconcile(f, FALSE);
	a = action_of(r, "a-deep");
	check_action(a, "a-deep", NULL, HERMES_RECONCILE_REGISTERED);
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a),
				   "unreadable state, treated as no prior state");
	check_action(action_of(r, "b-ok"), "b-ok", "running", HERMES_RECONCILE_STARTED);
	check_action(action_of(r, "c-corrupt"), "c-corrupt", NULL, HERMES_RECONCILE_REGISTERED);
	assert_true(slot_is_down(f, "a-deep"));
	assert_false(slot_is_down(f, "b-ok"));
	assert_true(slot_is_down(f, "c-corrupt"));
	/* the boot log says why, on one line */
	log = boot_log(f);
	check_log_lines(log, 5);
	hermes_assert_str_contains(log, " profile=a-deep prior_state=None action=registered");

	/* the real command, in its own process: it must not crash either */
	assert_int_equal(
		run_cli(f, &out, (const gchar *[]){"--backend", "s6", "boot", "reconcile", NULL}),
		0);
	hermes_assert_str_contains(out, "profile=a-deep prior_state=None action=registered");
	hermes_assert_str_contains(out, "profile=b-ok prior_state=running action=started");
	hermes_assert_str_contains(out, "summary total=4 started=1 registered=3 skipped=0\n");
}

/* ten `boot reconcile` at once on one home: one at a time, nothing half-done left */
static void
test_reconciler_parallel(void **state)
{
	Fixture *f = *state;
	const gchar *profiles[] = {"alpha", "beta", "gamma", "delta", NULL};
	g_autoptr(GPtrArray) procs = g_ptr_array_new_with_free_func(g_object_unref);
	g_autofree gchar *listing = NULL;
	g_autofree gchar *log = NULL;
	g_auto(GStrv) envp = hermes_context_get_environ(f->ctx);
	const gchar *wrapper = g_getenv("HERMES_TEST_WRAPPER");
	gint64 deadline;

	for (guint i = 0; profiles[i] != NULL; i++)
		make_profile(f, profiles[i], "{\"desired_state\":\"running\"}");
	start_svscan(f);
	for (guint i = 0; i < 10; i++) {
		g_autoptr(GSubprocessLauncher) launcher =
			g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
		g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
		g_autoptr(GError) error = NULL;
		GSubprocess *proc;
		if (wrapper != NULL && wrapper[0] != '\0') {
			g_auto(GStrv) parts = g_strsplit(wrapper, " ", -1);
			for (guint j = 0; parts[j] != NULL; j++)
				g_ptr_array_add(argv, g_strdup(parts[j]));
			g_ptr_array_add(argv, g_strdup("--quiet"));
		}
		g_ptr_array_add(argv, g_strdup(hermes_test_env("HERMES_TEST_HERMES")));
		for (const gchar *const *a =
			     (const gchar *[]){"--backend", "s6", "boot", "reconcile", NULL};
		     *a != NULL;
		     a++)
			g_ptr_array_add(argv, g_strdup(*a));
		g_ptr_array_add(argv, NULL);
		g_subprocess_launcher_set_environ(launcher, envp);
		proc = g_subprocess_launcher_spawnv(
			launcher, (const gchar *const *)argv->pdata, &error);
		hermes_assert_no_error(error);
		g_ptr_array_add(procs, proc);
	}
	for (guint i = 0; i < procs->len; i++) {
		GSubprocess *proc = g_ptr_array_index(procs, i);
		g_autoptr(GError) error = NULL;
		assert_true(g_subprocess_wait(proc, NULL, &error));
		hermes_assert_no_error(error);
		if (!g_subprocess_get_if_exited(proc) || g_subprocess_get_exit_status(proc) != 0)
			fail_msg("reconcile #%u failed", i);
	}
	/* every slot is there, whole, and nothing staged or half-removed is left beside them */
	listing = hermes_test_list_dir(f->scandir);
	assert_string_equal(listing,
			    ".s6-svscan|gateway-alpha|gateway-beta|gateway-default|gateway-delta|"
			    "gateway-gamma");
	assert_true(scanner_send(f->scandir, "a"));
	deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	for (const gchar *const *p =
		     (const gchar *[]){"alpha", "beta", "gamma", "delta", "default", NULL};
	     *p != NULL;) {
		g_autoptr(GError) error = NULL;
		g_autoptr(HermesGatewayStatus) st =
			hermes_service_manager_get_status(f->manager, *p, NULL, &error);
		hermes_assert_no_error(error);
		if (g_strcmp0(hermes_gateway_status_get_raw(st, "s6.supervised"), "true") == 0) {
			p++;
			continue;
		}
		if (g_get_monotonic_time() > deadline)
			fail_msg("%s was never supervised", *p);
		g_usleep(20000);
	}
	for (guint i = 0; profiles[i] != NULL; i++) {
		g_autoptr(HermesGatewayStatus) st =
			wait_state(f, profiles[i], HERMES_GATEWAY_STATE_UP);
		assert_true(hermes_gateway_status_get_pid(st) > 0);
	}
	/* ten whole runs in the log, one after the other */
	log = boot_log(f);
	check_log_lines(log, 10 * 6);
}

/*****************************************************************************/
/* multiplexing: upstream's four tests, through the real s6 backend */

/*
 * `default` and the named `coder` both meant to run, with @config as the
 * home's config.yaml (NULL: none) and @env as GATEWAY_MULTIPLEX_PROFILES
 * (NULL: unset); returns what became of `coder`, after checking that
 * `default` was started as usual and that the slot on disk and the boot
 * log agree with the action
 */
static HermesReconcileKind
reconcile_multiplexed(Fixture *f, const gchar *config, const gchar *env, gchar **coder_line)
{
	g_autoptr(HermesReconciler) r = NULL;
	g_autofree gchar *log = NULL;
	g_autofree gchar *line = NULL;
	HermesReconcileAction *coder;
	HermesReconcileKind kind;

	make_profile(f, "default", "{\"desired_state\":\"running\"}");
	make_profile(f, "coder", "{\"desired_state\":\"running\"}");
	if (config != NULL)
		write_in_home(f, "default", "config.yaml", config);
	hermes_context_setenv(f->ctx, "GATEWAY_MULTIPLEX_PROFILES", env);
	r = reconcile(f, FALSE);

	check_action(action_of(r, "default"), "default", "running", HERMES_RECONCILE_STARTED);
	assert_false(slot_is_down(f, "default"));
	coder = action_of(r, "coder");
	kind = hermes_reconcile_action_get_kind(coder);
	/* registered either way, down exactly when not started */
	assert_true(slot_exists(f, "coder"));
	assert_int_equal(slot_is_down(f, "coder"), kind == HERMES_RECONCILE_REGISTERED);
	log = boot_log(f);
	line = hermes_reconcile_action_to_string(coder);
	hermes_assert_str_contains(log, line);
	*coder_line = g_steal_pointer(&line);
	return kind;
}

/* what became of `coder`, and a piece of its boot log line */
static void
check_multiplexed(Fixture *f,
		  const gchar *config,
		  const gchar *env,
		  HermesReconcileKind expected,
		  const gchar *in_line)
{
	g_autofree gchar *line = NULL;
	HermesReconcileKind kind = reconcile_multiplexed(f, config, env, &line);
	if (kind != expected || strstr(line, in_line) == NULL)
		fail_msg("expected action=%s and '%s', got: %s",
			 hermes_reconcile_kind_to_string(expected),
			 in_line,
			 line);
	/* a started slot says nothing of multiplexing; a multiplexed one says why */
	assert_int_equal(strstr(line,
				"reason=\"multiplexed: served by the default profile's "
				"gateway (") != NULL,
			 expected == HERMES_RECONCILE_REGISTERED);
}

/* test_config_multiplexing_registers_running_named_profile_down */
static void
test_reconciler_multiplex_config(void **state)
{
	check_multiplexed(*state,
			  "model:\n  default: x\ngateway:\n  multiplex_profiles: true\n",
			  NULL,
			  HERMES_RECONCILE_REGISTERED,
			  "profile=coder prior_state=running action=registered");
}

/* test_multiplex_environment_override_wins_over_config */
static void
test_reconciler_multiplex_env_false(void **state)
{
	check_multiplexed(*state,
			  "multiplex_profiles: true\n",
			  "false",
			  HERMES_RECONCILE_STARTED,
			  "profile=coder prior_state=running action=started");
}

/* test_multiplex_true_environment_override_wins_over_config */
static void
test_reconciler_multiplex_env_true(void **state)
{
	check_multiplexed(*state,
			  "multiplex_profiles: false\n",
			  " TRUE ",
			  HERMES_RECONCILE_REGISTERED,
			  "(GATEWAY_MULTIPLEX_PROFILES=TRUE)");
}

/* test_config_load_failure_uses_multiplex_environment_override */
static void
test_reconciler_multiplex_config_unreadable(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *log = NULL;
	/* upstream's yaml.safe_load() refuses a tab between tokens; libyaml alone would not */
	check_multiplexed(f,
			  "multiplex_profiles:\tfalse\n",
			  "yes",
			  HERMES_RECONCILE_REGISTERED,
			  "(GATEWAY_MULTIPLEX_PROFILES=yes)");

	/* and without the variable the same file leaves it off, saying why on default */
	wipe_scandir(f);
	check_multiplexed(f,
			  "multiplex_profiles:\ttrue\n",
			  NULL,
			  HERMES_RECONCILE_STARTED,
			  "profile=coder prior_state=running action=started");
	log = boot_log(f);
	hermes_assert_str_contains(log, "profile=default prior_state=running action=started");
	hermes_assert_str_contains(log,
				   "config.yaml (line 1: found a tab between tokens): "
				   "multiplexing is off unless GATEWAY_MULTIPLEX_PROFILES "
				   "turns it on");
}

/* `hermes ARGS…` until it exits 0, or fail after WAIT_MS */
static gchar *
run_cli_until_ok(Fixture *f, const gchar *const *args)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	for (;;) {
		g_autofree gchar *out = NULL;
		if (run_cli(f, &out, args) == 0)
			return g_steal_pointer(&out);
		if (g_get_monotonic_time() > deadline)
			fail_msg("hermes %s never succeeded: %s", args[0], out);
		g_usleep(100000);
	}
}

/*
 * A multiplexing container from boot to a user's commands, on a real s6
 * tree: the default gateway comes up and the named one stays down; status
 * says why, health is green, a plain start is refused (78) and changes
 * nothing, --force starts it
 */
static void
test_reconciler_multiplex_container(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	g_autoptr(HermesGatewayStatus) up = NULL;
	g_autoptr(HermesGatewayStatus) coder = NULL;
	g_autoptr(HermesGatewayStatus) forced = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *health = NULL;

	make_profile(f, "default", "{\"desired_state\":\"running\"}");
	make_profile(f, "coder", "{\"desired_state\":\"running\"}");
	write_in_home(f, "default", "config.yaml", "gateway:\n  multiplex_profiles: true\n");
	r = reconcile(f, FALSE);
	check_action(action_of(r, "coder"), "coder", "running", HERMES_RECONCILE_REGISTERED);
	start_svscan(f);
	up = wait_state(f, "default", HERMES_GATEWAY_STATE_UP);

	health = run_cli_until_ok(f, (const gchar *[]){"gateway", "health", "--all", NULL});
	hermes_assert_str_contains(health, "healthy: 2 gateways meant to run, all up");
	coder = hermes_service_manager_get_status(f->manager, "coder", NULL, &error);
	hermes_assert_no_error(error);
	assert_int_equal(hermes_gateway_status_get_state(coder), HERMES_GATEWAY_STATE_DOWN);
	assert_int_equal(run_cli(f, &out, (const gchar *[]){"status", NULL}), 0);
	hermes_assert_str_contains(out, "note: served by the default profile's gateway");
	assert_null(strstr(out, "! meant to run"));
	g_clear_pointer(&out, g_free);

	assert_int_equal(
		run_cli(f, &out, (const gchar *[]){"-p", "coder", "gateway", "start", NULL}), 78);
	assert_true(slot_is_down(f, "coder"));
	g_clear_pointer(&out, g_free);
	assert_int_equal(
		run_cli(f,
			&out,
			(const gchar *[]){"-p", "coder", "gateway", "start", "--force", NULL}),
		0);
	forced = wait_state(f, "coder", HERMES_GATEWAY_STATE_UP);
	assert_true(hermes_gateway_status_get_pid(forced) != hermes_gateway_status_get_pid(up));
}

static gint
group_setup(void **state)
{
	hermes_test_init();
	return 0;
}

static void
progress_string_free_cb(gpointer data)
{
	g_string_free(data, TRUE);
}

/* the progress callback: before each profile, in order, with the run's total */

static void
progress_cb(HermesReconciler *r, const gchar *profile, guint done, guint total, gpointer data)
{
	g_string_append_printf(data, "%s %u/%u|", profile, done, total);
}

static void
test_reconciler_progress(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = hermes_reconciler_new(f->ctx, f->manager);
	g_autoptr(GError) error = NULL;
	GString *calls = g_string_new(NULL);

	make_profile(f, "beta", NULL);
	make_profile(f, "alpha", "{\"desired_state\":\"running\"}");
	make_profile(f, "Bad", NULL);
	hermes_reconciler_set_dry_run(r, TRUE);
	hermes_reconciler_set_progress_func(
		r, progress_cb, calls, (GDestroyNotify)progress_string_free_cb);
	assert_true(hermes_reconciler_run(r, &error));
	hermes_assert_no_error(error);
	/* a skipped profile counts too */
	assert_string_equal(calls->str, "default 0/4|Bad 1/4|alpha 2/4|beta 3/4|");
	/* a second run starts again from 0 */
	g_string_truncate(calls, 0);
	assert_true(hermes_reconciler_run(r, &error));
	assert_string_equal(calls->str, "default 0/4|Bad 1/4|alpha 2/4|beta 3/4|");
	/* replaced: the old data is freed (valgrind and ASan see a leak otherwise) */
	hermes_reconciler_set_progress_func(r, NULL, NULL, NULL);
	assert_true(hermes_reconciler_run(r, &error));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reconciler_classify),
		T(test_reconciler_order),
		T(test_reconciler_prior_states),
		T(test_reconciler_empty_home),
		T(test_reconciler_skips_continue),
		T(test_reconciler_dry_run),
		T(test_reconciler_second_run_replaces),
		T(test_reconciler_sweep),
		T(test_reconciler_read_command),
		T(test_reconciler_legacy_seed),
		T(test_reconciler_legacy_no_seed),
		T(test_reconciler_ownership),
		T(test_reconciler_legacy_seed_s6v3),
		T(test_reconciler_dashboard_skips),
		T(test_reconciler_boot_log),
		T(test_reconciler_boot_log_rotation),
		T(test_reconciler_boot_log_links),
		T(test_reconciler_cli),
		T(test_reconciler_restart_running),
		T(test_reconciler_restart_stopped),
		T(test_reconciler_deep_state),
		T(test_reconciler_parallel),
		T(test_reconciler_multiplex_config),
		T(test_reconciler_multiplex_env_false),
		T(test_reconciler_multiplex_env_true),
		T(test_reconciler_multiplex_config_unreadable),
		T(test_reconciler_multiplex_container),
		T(test_reconciler_progress),
	};
	/* the gateways' output must not interleave with TAP */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
