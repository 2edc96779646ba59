/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The s6 log/run script and its privilege rules, run for real: as root
 * every path operation goes through s6-setuidgid, the default and explicit
 * log directories, the home fallback, and a stale lock removed.
 */

#include "s6-render-test.h"

/*****************************************************************************/
/* log/run */

/* in the branch taken as root, every path operation runs through s6-setuidgid */
static void
test_log_run_user_no_root_mkdir(void **state)
{
	RenderFixture *fx = *state;
	g_autofree gchar *log_run = NULL;
	g_auto(GStrv) lines = NULL;
	const gchar *drop = "/command/s6-setuidgid hermes ";
	gboolean in_root = FALSE;
	guint root_mkdirs = 0;
	guint root_execs = 0;

	fx->spec = test_case_coder();
	log_run = test_render(&test_opts_overlay, fx->spec, "log-run");
	assert_null(strstr(log_run, "chown"));
	/* /opt/data is only the fallback for a scanner without HERMES_HOME */
	assert_null(strstr(log_run, "/opt/data/"));
	hermes_assert_str_contains(log_run, "log_dir=\"${HERMES_HOME");

	lines = g_strsplit(log_run, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		const gchar *line = lines[i];
		if (g_str_has_prefix(line, "if [ \"$(id -u)\" = 0 ]; then")) {
			in_root = TRUE;
			continue;
		}
		if (in_root && g_strcmp0(line, "fi") == 0) {
			in_root = FALSE;
			continue;
		}
		if (!in_root)
			continue;
		line += strspn(line, "\t ");
		if (strstr(line, "mkdir") != NULL || strstr(line, "rm ") != NULL) {
			if (!g_str_has_prefix(line, drop))
				fail_msg("as root, '%s' runs without dropping privileges", line);
			root_mkdirs++;
		} else if (g_str_has_prefix(line, "exec ")) {
			if (!g_str_has_prefix(line + strlen("exec "), drop))
				fail_msg("as root, '%s' runs without dropping privileges", line);
			root_execs++;
		} else {
			fail_msg("unexpected line in the root branch: '%s'", line);
		}
	}
	assert_false(in_root);
	/* mkdir and the stale lock's removal */
	assert_int_equal(root_mkdirs, 2);
	assert_int_equal(root_execs, 1);
}

/* the same, by running it with fake s6 programs: as root nothing touches the log dir */
static void
test_log_run_user_executed(void **state)
{
	RenderFixture *fx = *state;
	g_autofree gchar *bin = test_fake_bin_dir(fx->tmpdir);
	g_autofree gchar *trace = g_build_filename(fx->tmpdir, "trace", NULL);
	g_autofree gchar *trace_env = g_strconcat("TRACE=", trace, NULL);
	g_autofree gchar *home = g_build_filename(fx->tmpdir, "ho me", NULL);
	g_autofree gchar *home_env = g_strconcat("HERMES_HOME=", home, NULL);
	g_autofree gchar *logdir = g_build_filename(home, "logs", "gateways", "coder", NULL);
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "log-run", NULL);
	g_autofree gchar *log_run = NULL;
	g_autofree gchar *calls = NULL;
	g_autofree gchar *expected = NULL;
	g_autofree gchar *err = NULL;
	HermesS6RenderOptions opts = {bin, FALSE};
	gint status;

	fx->spec = test_case_coder();
	log_run = test_render(&opts, fx->spec, "log-run");
	hermes_test_write_file(path, log_run, 0755);
	status = test_spawn(fx->tmpdir,
			    (const gchar *[]){"/bin/sh", path, NULL},
			    (const gchar *[]){"PATH=/usr/bin:/bin", trace_env, home_env, NULL},
			    NULL,
			    &err);
	if (status != 0)
		fail_msg("log/run exited %d: %s", status, err);
	calls = test_read_file(trace);
	if (getuid() == 0) {
		expected = g_strdup_printf("s6-setuidgid hermes mkdir -p %s\n"
					   "s6-setuidgid hermes rm -f %s/lock\n"
					   "s6-setuidgid hermes %s/s6-log n10 s1000000 T %s\n",
					   logdir,
					   logdir,
					   bin,
					   logdir);
		assert_string_equal(calls, expected);
		/* the fake s6-setuidgid ran nothing, so nothing else may have made it */
		assert_false(g_file_test(home, G_FILE_TEST_EXISTS));
	} else {
		expected = g_strdup_printf("s6-log n10 s1000000 T %s\n", logdir);
		assert_string_equal(calls, expected);
		assert_true(g_file_test(logdir, G_FILE_TEST_IS_DIR));
	}
}

static void
test_log_run_default_executed(void **state)
{
	RenderFixture *fx = *state;
	g_autofree gchar *bin = test_fake_bin_dir(fx->tmpdir);
	g_autofree gchar *trace = g_build_filename(fx->tmpdir, "trace", NULL);
	g_autofree gchar *trace_env = g_strconcat("TRACE=", trace, NULL);
	g_autofree gchar *home = g_build_filename(fx->tmpdir, "home", NULL);
	g_autofree gchar *home_env = g_strconcat("HERMES_HOME=", home, NULL);
	g_autofree gchar *logdir = g_build_filename(home, "logs", "gateways", "default", NULL);
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "log-run", NULL);
	g_autofree gchar *log_run = NULL;
	g_autofree gchar *calls = NULL;
	g_autofree gchar *expected = NULL;
	g_autofree gchar *err = NULL;
	HermesS6RenderOptions opts = {bin, FALSE};
	gint status;

	fx->spec = test_case_default();
	log_run = test_render(&opts, fx->spec, "log-run");
	hermes_test_write_file(path, log_run, 0755);

	/* the directory comes from $HERMES_HOME when it runs, not when it was rendered */
	status = test_spawn(fx->tmpdir,
			    (const gchar *[]){"/bin/sh", path, NULL},
			    (const gchar *[]){"PATH=/usr/bin:/bin", trace_env, home_env, NULL},
			    NULL,
			    &err);
	if (status != 0)
		fail_msg("log/run exited %d: %s", status, err);
	calls = test_read_file(trace);
	expected = g_strdup_printf("s6-log n10 s1000000 T %s\n", logdir);
	assert_string_equal(calls, expected);
	assert_true(g_file_test(logdir, G_FILE_TEST_IS_DIR));

	/* without HERMES_HOME it refuses instead of logging to /logs/... */
	g_clear_pointer(&err, g_free);
	g_unlink(trace);
	status = test_spawn(fx->tmpdir,
			    (const gchar *[]){"/bin/sh", path, NULL},
			    (const gchar *[]){"PATH=/usr/bin:/bin", trace_env, NULL},
			    NULL,
			    &err);
	assert_int_not_equal(status, 0);
	hermes_assert_str_contains(err, "HERMES_HOME");
	assert_false(g_file_test(trace, G_FILE_TEST_EXISTS));
}

static void
test_log_run_explicit_dir(void **state)
{
	RenderFixture *fx = *state;
	g_autofree gchar *bin = test_fake_bin_dir(fx->tmpdir);
	g_autofree gchar *trace = g_build_filename(fx->tmpdir, "trace", NULL);
	g_autofree gchar *trace_env = g_strconcat("TRACE=", trace, NULL);
	g_autofree gchar *logdir = g_build_filename(fx->tmpdir, "it's a log", NULL);
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "log-run", NULL);
	g_autofree gchar *log_run = NULL;
	g_autofree gchar *calls = NULL;
	g_autofree gchar *expected = NULL;
	g_autofree gchar *err = NULL;
	HermesS6RenderOptions opts = {bin, FALSE};
	gint status;

	fx->spec = test_case_custom();
	hermes_gateway_spec_set_log_directory(fx->spec, logdir);
	log_run = test_render(&opts, fx->spec, "log-run");
	hermes_test_write_file(path, log_run, 0755);
	/* an explicit directory needs no HERMES_HOME */
	status = test_spawn(fx->tmpdir,
			    (const gchar *[]){"/bin/sh", path, NULL},
			    (const gchar *[]){"PATH=/usr/bin:/bin", trace_env, NULL},
			    NULL,
			    &err);
	if (status != 0)
		fail_msg("log/run exited %d: %s", status, err);
	calls = test_read_file(trace);
	expected = g_strdup_printf("s6-log n10 s1000000 T %s\n", logdir);
	assert_string_equal(calls, expected);
	assert_true(g_file_test(logdir, G_FILE_TEST_IS_DIR));
}

/* a scanner started without HERMES_HOME: run and log/run use the home that registered them */
static void
test_home_fallback_executed(void **state)
{
	RenderFixture *fx = *state;
	g_autofree gchar *bin = test_fake_bin_dir(fx->tmpdir);
	g_autofree gchar *home = g_build_filename(fx->tmpdir, "registered home", NULL);
	g_autofree gchar *run_path = g_build_filename(fx->tmpdir, "run", NULL);
	g_autofree gchar *log_path = g_build_filename(fx->tmpdir, "log-run", NULL);
	g_autofree gchar *trace = g_build_filename(fx->tmpdir, "trace", NULL);
	g_autofree gchar *trace_env = g_strconcat("TRACE=", trace, NULL);
	g_autofree gchar *logdir = g_build_filename(home, "logs", "gateways", "custom", NULL);
	g_autofree gchar *run = NULL;
	g_autofree gchar *log_run = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *calls = NULL;
	g_autofree gchar *expected = NULL;
	g_autofree gchar *slot = NULL;
	HermesS6RenderOptions opts = {bin, FALSE, NULL, home};

	fx->spec = hermes_test_spec_new(
		"custom",
		(const gchar *[]){"/bin/sh", "-c", "echo \"$HERMES_HOME|$HERMES_S6_SLOT\"", NULL});
	run = test_render(&opts, fx->spec, "run");
	log_run = test_render(&opts, fx->spec, "log-run");
	hermes_test_write_file(run_path, run, 0755);
	hermes_test_write_file(log_path, log_run, 0755);

	assert_int_equal(test_spawn(fx->tmpdir,
				    (const gchar *[]){"/bin/sh", run_path, NULL},
				    (const gchar *[]){"PATH=/usr/bin:/bin", NULL},
				    &out,
				    &err),
			 0);
	/* the slot marker is the physical path of the directory run runs in */
	slot = realpath(fx->tmpdir, NULL);
	expected = g_strdup_printf("%s|%s\n", home, slot);
	assert_string_equal(out, expected);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	/* a HERMES_HOME from the scanner still wins */
	assert_int_equal(
		test_spawn(fx->tmpdir,
			   (const gchar *[]){"/bin/sh", run_path, NULL},
			   (const gchar *[]){"PATH=/usr/bin:/bin", "HERMES_HOME=/other", NULL},
			   &out,
			   &err),
		0);
	g_clear_pointer(&expected, g_free);
	expected = g_strdup_printf("/other|%s\n", slot);
	assert_string_equal(out, expected);
	g_clear_pointer(&err, g_free);

	assert_int_equal(test_spawn(fx->tmpdir,
				    (const gchar *[]){"/bin/sh", log_path, NULL},
				    (const gchar *[]){"PATH=/usr/bin:/bin", trace_env, NULL},
				    NULL,
				    &err),
			 0);
	calls = test_read_file(trace);
	g_clear_pointer(&expected, g_free);
	expected = g_strdup_printf("s6-log n10 s1000000 T %s\n", logdir);
	assert_string_equal(calls, expected);
}

/* a stale lock in the log directory is gone before s6-log starts */
static void
test_log_run_removes_stale_lock(void **state)
{
	RenderFixture *fx = *state;
	g_autofree gchar *bin = test_fake_bin_dir(fx->tmpdir);
	g_autofree gchar *home = g_build_filename(fx->tmpdir, "home", NULL);
	g_autofree gchar *home_env = g_strconcat("HERMES_HOME=", home, NULL);
	g_autofree gchar *trace = g_build_filename(fx->tmpdir, "trace", NULL);
	g_autofree gchar *trace_env = g_strconcat("TRACE=", trace, NULL);
	g_autofree gchar *logdir = g_build_filename(home, "logs", "gateways", "default", NULL);
	g_autofree gchar *lock = g_build_filename(logdir, "lock", NULL);
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "log-run", NULL);
	g_autofree gchar *log_run = NULL;
	g_autofree gchar *err = NULL;
	HermesS6RenderOptions opts = {bin, FALSE};

	fx->spec = test_case_default();
	log_run = test_render(&opts, fx->spec, "log-run");
	hermes_test_write_file(path, log_run, 0755);
	g_mkdir_with_parents(logdir, 0755);
	hermes_test_write_file(lock, "", 0644);
	assert_int_equal(
		test_spawn(fx->tmpdir,
			   (const gchar *[]){"/bin/sh", path, NULL},
			   (const gchar *[]){"PATH=/usr/bin:/bin", trace_env, home_env, NULL},
			   NULL,
			   &err),
		0);
	assert_false(g_file_test(lock, G_FILE_TEST_EXISTS));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		RENDER_TEST(test_home_fallback_executed),
		RENDER_TEST(test_log_run_removes_stale_lock),
		RENDER_TEST(test_log_run_user_no_root_mkdir),
		RENDER_TEST(test_log_run_user_executed),
		RENDER_TEST(test_log_run_default_executed),
		RENDER_TEST(test_log_run_explicit_dir),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
