/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Process identity, not numbers: the pid record parser, the one live/stale
 * rule and hermes_pid_record_open_process(), against a real process P that
 * looks like a gateway of home A (a `hermes-gateway` link to sleep). Every
 * record that is not exactly P's must leave P alive, through the library
 * and through `hermes gateway run --replace`; the one that is gets SIGTERM
 * through its pidfd. Also the per-home lock.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-home-lock.h"
#include "hermes-pid-record-private.h"
#include "hermes-platform-private.h"
#include "hermes-svc.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmp;
	gchar *root;   /* the profile root */
	gchar *home_a; /* P's home */
	gchar *home_b; /* another profile's */
	gchar *canonical_a;
	GPid victim; /* P: alive until a test kills it on purpose */
	gint64 victim_start;
} Fixture;

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *link = NULL;
	g_autofree gchar *sleep_path = g_find_program_in_path("sleep");
	const gchar *argv[3] = {NULL, "1000", NULL};

	f->tmp = hermes_test_mkdtemp();
	f->root = g_build_filename(f->tmp, "root", NULL);
	f->home_a = g_build_filename(f->root, "profiles", "a", NULL);
	f->home_b = g_build_filename(f->root, "profiles", "b", NULL);
	g_mkdir_with_parents(f->home_a, 0755);
	g_mkdir_with_parents(f->home_b, 0755);
	f->canonical_a = hermes_pid_canonical_home(f->root, f->home_a, &error);
	hermes_assert_no_error(error);
	/* P's command line reads like a gateway's, so only identity can protect it */
	assert_non_null(sleep_path);
	link = g_build_filename(f->tmp, "hermes-gateway", NULL);
	assert_int_equal(symlink(sleep_path, link), 0);
	argv[0] = link;
	g_spawn_async(NULL,
		      (gchar **)argv,
		      NULL,
		      G_SPAWN_DO_NOT_REAP_CHILD,
		      NULL,
		      NULL,
		      &f->victim,
		      &error);
	hermes_assert_no_error(error);
	/* until the exec has happened, /proc shows the test binary */
	for (gint i = 0; i < 1000; i++) {
		g_autofree gchar *path = g_strdup_printf("/proc/%d/cmdline", f->victim);
		g_autofree gchar *text = NULL;
		if (g_file_get_contents(path, &text, NULL, NULL) &&
		    strstr(text, "hermes-gateway") != NULL)
			break;
		g_usleep(2000);
	}
	f->victim_start = hermes_platform_get_start_time(f->victim);
	assert_true(f->victim_start > 0);
	*state = f;
	return 0;
}

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	if (f->victim > 0) {
		kill(f->victim, SIGKILL);
		waitpid(f->victim, NULL, 0);
	}
	hermes_test_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f->root);
	g_free(f->home_a);
	g_free(f->home_b);
	g_free(f->canonical_a);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

/*****************************************************************************/
/* helpers */

static void
assert_victim_alive(Fixture *f)
{
	gint status = 0;
	if (waitpid(f->victim, &status, WNOHANG) != 0)
		fail_msg("P (%d) was killed", (gint)f->victim);
	assert_int_equal(kill(f->victim, 0), 0);
}

static gchar *
record_text(gint64 pid, gint64 start_time, const gchar *home, const gchar *boot_id)
{
	GString *text = g_string_new(NULL);
	g_string_append_printf(
		text, "{\"pid\":%" G_GINT64_FORMAT ",\"kind\":\"hermes-gateway\"", pid);
	if (start_time >= 0)
		g_string_append_printf(text, ",\"start_time\":%" G_GINT64_FORMAT, start_time);
	if (home != NULL)
		g_string_append_printf(text, ",\"hermes_home\":\"%s\"", home);
	if (boot_id != NULL)
		g_string_append_printf(text, ",\"boot_id\":\"%s\"", boot_id);
	g_string_append(text, "}\n");
	return g_string_free(text, FALSE);
}

static HermesPidRecord *
parse_ok(const gchar *text)
{
	g_autoptr(GError) error = NULL;
	HermesPidRecord *record = hermes_pid_record_parse(text, strlen(text), &error);
	hermes_assert_no_error(error);
	assert_non_null(record);
	return record;
}

/* open_process must refuse @text with @code, and P must live on */
static void
assert_refused(Fixture *f, const gchar *text, gint code, const gchar *why)
{
	g_autoptr(HermesPidRecord) record = parse_ok(text);
	g_autoptr(GError) error = NULL;
	gint pidfd = 1234;

	if (hermes_pid_record_open_process(record, f->canonical_a, &pidfd, &error))
		fail_msg("%s: open_process accepted it", text);
	hermes_assert_error(error, HERMES_ERROR, code);
	hermes_assert_str_contains(error->message, why);
	assert_int_equal(pidfd, -1);
	assert_victim_alive(f);
}

static gboolean
have_pidfd(void)
{
	g_autoptr(GError) error = NULL;
	gint fd = hermes_platform_pidfd_open(getpid(), &error);
	if (fd < 0)
		return FALSE;
	close(fd);
	return TRUE;
}

/* `hermes -p PROFILE gateway run --replace` with a payload that exits at once */
static gint
run_replace(Fixture *f, const gchar *profile, gchar **err)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) envp = g_get_environ();
	g_autoptr(GError) error = NULL;
	const gchar *wrapper = g_getenv("HERMES_TEST_WRAPPER");
	gint status = 0;

	if (wrapper != NULL && wrapper[0] != '\0') {
		g_auto(GStrv) parts = g_strsplit(wrapper, " ", -1);
		for (guint i = 0; parts[i] != NULL; i++)
			g_ptr_array_add(argv, g_strdup(parts[i]));
		g_ptr_array_add(argv, g_strdup("--quiet"));
	}
	g_ptr_array_add(argv, g_strdup(hermes_test_env("HERMES_TEST_HERMES")));
	for (const gchar *const *a =
		     (const gchar *[]){"-p", profile, "gateway", "run", "--replace", NULL};
	     *a != NULL;
	     a++)
		g_ptr_array_add(argv, g_strdup(*a));
	g_ptr_array_add(argv, NULL);
	envp = g_environ_setenv(envp, "HERMES_HOME", f->root, TRUE);
	envp = g_environ_setenv(envp, "HOME", f->tmp, TRUE);
	envp = g_environ_setenv(envp, "HERMES_GATEWAY_COMMAND", "sh -c 'exit 0'", TRUE);
	envp = g_environ_setenv(
		envp, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_PLUGIN_DIR"), TRUE);
	for (const gchar *const *u = (const gchar *[]){"HERMES_SERVICE_MANAGER",
						       "HERMES_S6_SUPERVISED_CHILD",
						       "HERMES_READY_FD",
						       "NOTIFY_SOCKET",
						       "API_SERVER_PORT",
						       NULL};
	     *u != NULL;
	     u++)
		envp = g_environ_unsetenv(envp, *u);
	g_spawn_sync(NULL, (gchar **)argv->pdata, envp, 0, NULL, NULL, NULL, err, &status, &error);
	hermes_assert_no_error(error);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static void
make_profile(const gchar *home)
{
	g_autofree gchar *soul = g_build_filename(home, "SOUL.md", NULL);
	hermes_test_write_file(soul, "# Soul\n", 0644);
}

/*****************************************************************************/
/* parsing */

static void
test_pid_record_parse(void **state)
{
	g_autoptr(HermesPidRecord) bare = parse_ok(" 1234\n");
	g_autoptr(HermesPidRecord) full = parse_ok("{\"pid\":42,\"start_time\":7,\"hermes_home\":"
						   "\"/x\",\"boot_id\":\"b\",\"argv\":[]}");
	g_autoptr(HermesPidRecord) nulls = parse_ok("{\"pid\":42,\"start_time\":null}");
	g_autofree gchar *deep = g_strnfill(100000, '[');
	g_autofree gchar *max_plus = g_strdup_printf("%" G_GINT64_FORMAT, hermes_pid_max() + 1);
	g_autofree gchar *max_plus_json =
		g_strdup_printf("{\"pid\":%" G_GINT64_FORMAT "}", hermes_pid_max() + 1);
	const gchar *bad[] = {
		"4294967296",
		"{\"pid\":4294967296}",
		"4294968530",
		"0",
		"{\"pid\":0}",
		"-1",
		"{\"pid\":-1}",
		"{\"pid\":12.5}",
		"{\"pid\":\"12\"}",
		"{}",
		"[12]",
		"",
		"   ",
		"{\"pid\":",
		"true",
		"null",
		deep,
		max_plus,
		max_plus_json,
	};

	assert_int_equal(hermes_pid_record_get_pid(bare), 1234);
	assert_int_equal(hermes_pid_record_get_start_time(bare), -1);
	assert_null(hermes_pid_record_get_home(bare));
	assert_int_equal(hermes_pid_record_get_pid(full), 42);
	assert_int_equal(hermes_pid_record_get_start_time(full), 7);
	assert_string_equal(hermes_pid_record_get_home(full), "/x");
	assert_string_equal(hermes_pid_record_get_boot_id(full), "b");
	assert_int_equal(hermes_pid_record_get_start_time(nulls), -1);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(HermesPidRecord) record =
			hermes_pid_record_parse(bad[i], strlen(bad[i]), &error);
		if (record != NULL)
			fail_msg("'%.40s' parsed as pid %" G_GINT64_FORMAT,
				 bad[i],
				 hermes_pid_record_get_pid(record));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
	}
	assert_true(hermes_pid_max() >= 300 && hermes_pid_max() <= HERMES_PID_MAX_LIMIT);
}

static void
test_pid_record_cmdline(void **state)
{
	const struct {
		const gchar *cmdline;
		gsize len;
		gboolean gateway;
	} cases[] = {
		{"hermes\0gateway\0run\0", 19, TRUE},
		{"/usr/bin/hermes\0-p\0x\0gateway\0restart\0", 37, TRUE},
		{"valgrind\0--quiet\0/b/hermes\0-p\0x\0gateway\0run\0", 44, TRUE},
		{"/opt/hermes-gateway\0", 20, TRUE},
		{"python3\0/opt/x/gateway/run.py\0", 30, TRUE},
		{"sleep\0gateway\0", 14, FALSE},
		{"hermes\0gateway\0stop\0", 20, FALSE},
		{"run\0gateway\0", 12, FALSE},
		{"", 0, FALSE},
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		if (hermes_pid_cmdline_is_gateway(cases[i].cmdline, cases[i].len) !=
		    cases[i].gateway)
			fail_msg("case %u: expected %d", i, cases[i].gateway);
	}
}

/*****************************************************************************/
/* identity */

/* 2^32 + P, 0, -1, pid_max + 1: never P, never anything */
static void
test_pid_record_out_of_range(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *pid_path = g_build_filename(f->home_a, "gateway.pid", NULL);
	gint64 wide = (G_GINT64_CONSTANT(1) << 32) + f->victim;
	gint64 numbers[] = {wide, 0, -1, hermes_pid_max() + 1};

	make_profile(f->home_a);
	for (guint i = 0; i < G_N_ELEMENTS(numbers); i++) {
		g_autofree gchar *json =
			record_text(numbers[i], f->victim_start, f->canonical_a, NULL);
		g_autofree gchar *bare = g_strdup_printf("%" G_GINT64_FORMAT "\n", numbers[i]);
		const gchar *texts[] = {json, bare};
		for (guint j = 0; j < G_N_ELEMENTS(texts); j++) {
			g_autoptr(GError) error = NULL;
			g_autoptr(HermesPidRecord) record = NULL;
			g_autofree gchar *err = NULL;

			hermes_test_write_file(pid_path, texts[j], 0644);
			record = hermes_pid_record_load(f->root, pid_path, &error);
			assert_null(record);
			hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
			/* the real gateway with --replace: no conflict, nobody signalled */
			assert_int_equal(run_replace(f, "a", &err), 0);
			assert_victim_alive(f);
		}
	}
}

static void
test_pid_record_not_ours(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *canonical_b = hermes_pid_canonical_home(f->root, f->home_b, NULL);
	g_autofree gchar *bare = g_strdup_printf("%d\n", (gint)f->victim);
	g_autofree gchar *other_home = record_text(f->victim, f->victim_start, canonical_b, NULL);
	g_autofree gchar *no_home = record_text(f->victim, f->victim_start, NULL, NULL);
	g_autofree gchar *no_start = record_text(f->victim, -1, f->canonical_a, NULL);
	g_autofree gchar *reused =
		record_text(f->victim, f->victim_start + 1, f->canonical_a, NULL);
	g_autofree gchar *foreign =
		record_text(f->victim, f->victim_start, f->canonical_a, "another-boot");
	g_autofree gchar *pid_path = g_build_filename(f->home_b, "gateway.pid", NULL);
	g_autofree gchar *err = NULL;

	assert_refused(f, bare, HERMES_ERROR_PERMISSION_DENIED, "no start time");
	assert_refused(f, other_home, HERMES_ERROR_PERMISSION_DENIED, "is a live gateway of");
	assert_refused(f, no_home, HERMES_ERROR_PERMISSION_DENIED, "names no HERMES_HOME");
	assert_refused(f, no_start, HERMES_ERROR_PERMISSION_DENIED, "no start time");
	/* a reused pid: another process now has the number */
	assert_refused(f, reused, HERMES_ERROR_NOT_FOUND, "was reused");
	assert_refused(f, foreign, HERMES_ERROR_PERMISSION_DENIED, "another boot");

	/* the judge says the same; the reconciler keeps what it cannot judge */
	{
		g_autoptr(HermesPidRecord) r = parse_ok(foreign);
		g_autoptr(HermesPidRecord) s = parse_ok(reused);
		g_autoptr(HermesPidRecord) b = parse_ok(bare);
		g_autofree gchar *boot = hermes_pid_boot_id();
		assert_int_equal(hermes_pid_record_judge(r, f->canonical_a, boot, NULL),
				 HERMES_PID_STATE_FOREIGN);
		assert_int_equal(hermes_pid_record_judge(s, f->canonical_a, boot, NULL),
				 HERMES_PID_STATE_STALE);
		assert_int_equal(hermes_pid_record_judge(b, f->canonical_a, boot, NULL),
				 HERMES_PID_STATE_UNPROVEN);
	}

	/* a bare integer naming A's gateway, in B's home: B's --replace starts, P lives */
	make_profile(f->home_b);
	hermes_test_write_file(pid_path, bare, 0644);
	assert_int_equal(run_replace(f, "b", &err), 0);
	assert_victim_alive(f);
	g_clear_pointer(&err, g_free);
	/* and a full record of A's gateway planted in B's home */
	hermes_test_write_file(pid_path, other_home, 0644);
	{
		g_autofree gchar *planted =
			record_text(f->victim, f->victim_start, f->canonical_a, NULL);
		hermes_test_write_file(pid_path, planted, 0644);
	}
	assert_int_equal(run_replace(f, "b", &err), 0);
	assert_victim_alive(f);
}

/* a profile directory that is a link into another home is not that home */
static void
test_pid_record_linked_home(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *link = g_build_filename(f->root, "profiles", "evil", NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *canonical = NULL;

	assert_int_equal(symlink(f->home_a, link), 0);
	canonical = hermes_pid_canonical_home(f->root, link, &error);
	assert_null(canonical);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	/* the root itself may be a link: the caller chose it */
	{
		g_autofree gchar *root_link = g_build_filename(f->tmp, "root-link", NULL);
		g_autofree gchar *via = g_build_filename(root_link, "profiles", "a", NULL);
		g_autofree gchar *resolved = NULL;
		g_autoptr(GError) error_local = NULL;
		assert_int_equal(symlink(f->root, root_link), 0);
		resolved = hermes_pid_canonical_home(root_link, via, &error_local);
		hermes_assert_no_error(error_local);
		assert_string_equal(resolved, f->canonical_a);
	}
}

/* the one record that is P's: SIGTERM through its pidfd */
static void
test_pid_record_signals_ours(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *boot = hermes_pid_boot_id();
	g_autofree gchar *text = record_text(f->victim, f->victim_start, f->canonical_a, boot);
	g_autoptr(HermesPidRecord) record = parse_ok(text);
	g_autoptr(GError) error = NULL;
	gint pidfd = -1;
	gint status = 0;

	assert_int_equal(hermes_pid_record_judge(record, f->canonical_a, boot, NULL),
			 HERMES_PID_STATE_LIVE);
	assert_true(hermes_pid_record_open_process(record, f->canonical_a, &pidfd, &error));
	hermes_assert_no_error(error);
	/* valgrind 3.19 has no pidfd_open: only there is the checked kill(2) the fallback */
	if (have_pidfd())
		assert_true(pidfd >= 0);
	assert_true(hermes_pid_record_send_signal(record, pidfd, SIGTERM, &error));
	hermes_assert_no_error(error);
	assert_true(hermes_pid_record_wait_exit(record, pidfd, 10000));
	if (pidfd >= 0)
		close(pidfd);
	assert_int_equal(waitpid(f->victim, &status, 0), f->victim);
	f->victim = 0;
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
	/* gone now: stale, and nothing to signal */
	assert_int_equal(hermes_pid_record_judge(record, f->canonical_a, boot, NULL),
			 HERMES_PID_STATE_STALE);
	assert_false(hermes_pid_record_open_process(record, f->canonical_a, &pidfd, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_FOUND);
}

/*****************************************************************************/
/* the per-home lock */

static void
test_pid_record_home_lock(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesHomeLock) lock = NULL;
	g_autofree gchar *expected = NULL;
	g_autofree gchar *run_link = NULL;
	gint ready[2];
	gchar byte = 0;
	pid_t holder;

	assert_int_equal(pipe(ready), 0);
	holder = fork();
	assert_true(holder >= 0);
	if (holder == 0) {
		HermesHomeLock *held = hermes_home_lock_acquire(
			f->root, f->home_a, HERMES_HOME_LOCK_RECONCILE, 1000, NULL);
		(void)!write(ready[1], held != NULL ? "y" : "n", 1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &byte, 1), 1);
	close(ready[0]);
	assert_int_equal(byte, 'y');
	/* a bounded wait, then one line naming the holder */
	lock = hermes_home_lock_acquire(
		f->root, f->home_a, HERMES_HOME_LOCK_RECONCILE, 300, &error);
	assert_null(lock);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_BUSY);
	expected = g_strdup_printf("is still held by pid %d after 0 s", (gint)holder);
	hermes_assert_str_contains(error->message, expected);
	assert_null(strchr(error->message, '\n'));
	g_clear_error(&error);
	/* the kernel drops it with its holder */
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	lock = hermes_home_lock_acquire(
		f->root, f->home_a, HERMES_HOME_LOCK_RECONCILE, 300, &error);
	hermes_assert_no_error(error);
	assert_non_null(lock);

	/* run/ as a link: refused, nothing created through it */
	run_link = g_build_filename(f->home_b, HERMES_HOME_LOCK_DIR, NULL);
	assert_int_equal(symlink(f->tmp, run_link), 0);
	assert_null(hermes_home_lock_acquire(
		f->root, f->home_b, HERMES_HOME_LOCK_RECONCILE, 300, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	{
		g_autofree gchar *escaped =
			g_build_filename(f->tmp, HERMES_HOME_LOCK_RECONCILE, NULL);
		assert_false(g_file_test(escaped, G_FILE_TEST_EXISTS));
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
		cmocka_unit_test(test_pid_record_parse),
		cmocka_unit_test(test_pid_record_cmdline),
		T(test_pid_record_out_of_range),
		T(test_pid_record_not_ours),
		T(test_pid_record_linked_home),
		T(test_pid_record_signals_ours),
		T(test_pid_record_home_lock),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
