/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The s6 run scripts run for real with /bin/sh: every rendered script
 * passes `sh -n`, the environment, argv and working directory survive the
 * trip exactly, and s6-setuidgid is used only as root.
 */

#include "s6-render-test.h"

/* /bin/sh -n: the script parses */
static void
test_assert_syntax(const gchar *tmpdir, const gchar *what, const gchar *text)
{
	g_autofree gchar *path = g_build_filename(tmpdir, "syntax.sh", NULL);
	g_autofree gchar *err = NULL;
	gint status;

	hermes_test_write_file(path, text, 0644);
	status = test_spawn(
		tmpdir, (const gchar *[]){"/bin/sh", "-n", path, NULL}, NULL, NULL, &err);
	if (status != 0)
		fail_msg("%s does not parse (sh -n: %d): %s\n%s", what, status, err, text);
}

static void
test_render_syntax(void **state)
{
	RenderFixture *fx = *state;

	for (guint c = 0; c < G_N_ELEMENTS(test_cases); c++) {
		g_autoptr(HermesGatewaySpec) spec = test_cases[c].build();
		for (guint i = 0; i < G_N_ELEMENTS(test_scripts); i++) {
			g_autofree gchar *text =
				test_render(test_cases[c].opts, spec, test_scripts[i]);
			g_autofree gchar *what =
				g_strdup_printf("%s/%s", test_cases[c].name, test_scripts[i]);
			test_assert_syntax(fx->tmpdir, what, text);
		}
	}
}

/* the value of @name in `env` output, NULL if absent; fails if it is there twice */
static gchar *
test_env_lookup(const gchar *env_output, const gchar *name)
{
	g_auto(GStrv) lines = g_strsplit(env_output, "\n", -1);
	g_autofree gchar *prefix = g_strconcat(name, "=", NULL);
	gchar *found = NULL;

	for (guint i = 0; lines[i] != NULL; i++) {
		if (!g_str_has_prefix(lines[i], prefix))
			continue;
		if (found != NULL)
			fail_msg("%s is in the environment twice:\n%s", name, env_output);
		found = g_strdup(lines[i] + strlen(prefix));
	}
	return found;
}

static void
test_run_env_round_trip(void **state)
{
	RenderFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *run = NULL;
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "run", NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status;

	fx->spec = hermes_test_spec_new("hostile", (const gchar *[]){"/usr/bin/env", NULL});
	test_spec_add_hostile_env(fx->spec);
	run = hermes_s6_render_run(&test_opts_host, fx->spec, &error);
	hermes_assert_no_error(error);
	assert_non_null(run);
	hermes_test_write_file(path, run, 0755);

	status = test_spawn(fx->tmpdir, (const gchar *[]){"/bin/sh", path, NULL}, NULL, &out, &err);
	if (status != 0)
		fail_msg("run exited %d: %s", status, err);
	for (guint i = 0; i < G_N_ELEMENTS(test_hostile_env); i++) {
		g_autofree gchar *value = test_env_lookup(out, test_hostile_env[i].name);
		if (value == NULL)
			fail_msg("%s missing from the environment:\n%s",
				 test_hostile_env[i].name,
				 out);
		assert_string_equal(value, test_hostile_env[i].value);
	}
	{
		g_autofree gchar *s6 = test_env_lookup(out, "HERMES_S6_SUPERVISED_CHILD");
		g_autofree gchar *sup = test_env_lookup(out, "HERMES_SUPERVISED_CHILD");
		g_autofree gchar *fd = test_env_lookup(out, "HERMES_READY_FD");
		assert_string_equal(s6, "1");
		assert_string_equal(sup, "1");
		assert_string_equal(fd, "3");
	}
	/* nothing in a value was executed */
	assert_string_equal(err, "");
}

/*
 * run leaves data/run-by.<its parent> (a stop looks for processes a killed
 * s6-supervise lost only when another supervisor ran the slot), and starts
 * the gateway all the same when the record cannot be written
 */
static void
test_run_records_its_supervisor(void **state)
{
	RenderFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *run = NULL;
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "run", NULL);
	g_autofree gchar *data = g_build_filename(fx->tmpdir, "data", NULL);
	g_autofree gchar *name = g_strdup_printf("run-by.%d", (gint)getpid());
	g_autofree gchar *record = g_build_filename(data, name, NULL);

	fx->spec = hermes_test_spec_new("coder", (const gchar *[]){"/bin/true", NULL});
	run = hermes_s6_render_run(&test_opts_host, fx->spec, &error);
	hermes_assert_no_error(error);
	hermes_test_write_file(path, run, 0755);
	/* the parent of run is this process, as s6-supervise is in a tree */
	g_mkdir(data, 0755);
	assert_int_equal(
		test_spawn(fx->tmpdir, (const gchar *[]){"/bin/sh", path, NULL}, NULL, NULL, NULL),
		0);
	assert_true(g_file_test(record, G_FILE_TEST_IS_REGULAR));
	/* data/ is a file: no record, and the gateway still runs (exit 0 of true) */
	hermes_test_rmtree(data);
	hermes_test_write_file(data, "", 0644);
	assert_int_equal(
		test_spawn(fx->tmpdir, (const gchar *[]){"/bin/sh", path, NULL}, NULL, NULL, NULL),
		0);
}

static void
test_run_argv_round_trip(void **state)
{
	RenderFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	const gchar *words[] = {"it's",
				"$HOME and `id`",
				"a b",
				"x;rm -rf /",
				"",
				"*",
				"~",
				"#c",
				"\"q\"",
				"back\\slash",
				"-n",
				"a=b",
				"café"};
	g_autoptr(GStrvBuilder) argv = g_strv_builder_new();
	g_auto(GStrv) strv = NULL;
	g_autoptr(GString) expected = g_string_new(NULL);
	g_autofree gchar *run = NULL;
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "run", NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status;

	g_strv_builder_addv(
		argv, (const gchar *[]){"/bin/sh", "-c", "printf '%s\\n' \"$@\"", "sh", NULL});
	for (guint i = 0; i < G_N_ELEMENTS(words); i++) {
		g_strv_builder_add(argv, words[i]);
		g_string_append_printf(expected, "%s\n", words[i]);
	}
	strv = g_strv_builder_end(argv);
	fx->spec = hermes_test_spec_new("hostile", (const gchar *const *)strv);
	run = hermes_s6_render_run(&test_opts_host, fx->spec, &error);
	hermes_assert_no_error(error);
	hermes_test_write_file(path, run, 0755);

	status = test_spawn(fx->tmpdir, (const gchar *[]){"/bin/sh", path, NULL}, NULL, &out, &err);
	if (status != 0)
		fail_msg("run exited %d: %s", status, err);
	assert_string_equal(out, expected->str);
}

static void
test_run_workdir_round_trip(void **state)
{
	RenderFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *workdir = g_build_filename(fx->tmpdir, "it's a $dir", NULL);
	g_autofree gchar *expected = g_strconcat(workdir, "\n", NULL);
	g_autofree gchar *run = NULL;
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "run", NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status;

	assert_int_equal(g_mkdir(workdir, 0755), 0);
	fx->spec = hermes_test_spec_new("demo", (const gchar *[]){"/bin/sh", "-c", "pwd", NULL});
	hermes_gateway_spec_set_working_directory(fx->spec, workdir);
	run = hermes_s6_render_run(&test_opts_host, fx->spec, &error);
	hermes_assert_no_error(error);
	hermes_test_write_file(path, run, 0755);

	status = test_spawn(fx->tmpdir, (const gchar *[]){"/bin/sh", path, NULL}, NULL, &out, &err);
	if (status != 0)
		fail_msg("run exited %d: %s", status, err);
	assert_string_equal(out, expected);
}

static void
test_run_setuidgid_only_as_root(void **state)
{
	RenderFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *bin = test_fake_bin_dir(fx->tmpdir);
	g_autofree gchar *trace = g_build_filename(fx->tmpdir, "trace", NULL);
	g_autofree gchar *trace_env = g_strconcat("TRACE=", trace, NULL);
	HermesS6RenderOptions opts = {bin, FALSE};
	g_autofree gchar *run = NULL;
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "run", NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status;

	fx->spec = hermes_test_spec_new("demo", (const gchar *[]){"/bin/echo", "direct", NULL});
	hermes_gateway_spec_set_user(fx->spec, "hermes");
	run = hermes_s6_render_run(&opts, fx->spec, &error);
	hermes_assert_no_error(error);
	hermes_test_write_file(path, run, 0755);

	status = test_spawn(fx->tmpdir,
			    (const gchar *[]){"/bin/sh", path, NULL},
			    (const gchar *[]){"PATH=/usr/bin:/bin", trace_env, NULL},
			    &out,
			    &err);
	if (status != 0)
		fail_msg("run exited %d: %s", status, err);
	if (getuid() == 0) {
		g_autofree gchar *calls = test_read_file(trace);
		assert_string_equal(out, "");
		assert_string_equal(calls, "s6-setuidgid hermes /bin/echo direct\n");
	} else {
		/* s6-setuidgid would fail without the privilege: run as who we are */
		assert_string_equal(out, "direct\n");
		assert_false(g_file_test(trace, G_FILE_TEST_EXISTS));
	}
}

/*
 * Unprivileged, the same script runs the command itself, and neither way
 * asks id(1): the uid comes from /proc/self/status without a fork (as root
 * the unprivileged run is seen through setpriv as nobody)
 */
static void
test_run_uid_without_id(void **state)
{
	RenderFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *bin = test_fake_bin_dir(fx->tmpdir);
	g_autofree gchar *fake_id = g_build_filename(bin, "id", NULL);
	g_autofree gchar *trace = g_build_filename(fx->tmpdir, "trace", NULL);
	g_autofree gchar *trace_env = g_strconcat("TRACE=", trace, NULL);
	g_autofree gchar *path_env = g_strconcat("PATH=", bin, ":/usr/bin:/bin", NULL);
	HermesS6RenderOptions opts = {bin, FALSE};
	g_autofree gchar *run = NULL;
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "run", NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status;

	if (getuid() != 0 || !g_file_test("/usr/bin/setpriv", G_FILE_TEST_IS_EXECUTABLE)) {
		skip();
		return;
	}
	fx->spec = hermes_test_spec_new("demo", (const gchar *[]){"/bin/echo", "direct", NULL});
	hermes_gateway_spec_set_user(fx->spec, "hermes");
	run = hermes_s6_render_run(&opts, fx->spec, &error);
	hermes_assert_no_error(error);
	hermes_test_write_file(path, run, 0755);
	hermes_test_write_file(fake_id, "#!/bin/sh\necho id >>\"$TRACE\"\necho 0\n", 0755);
	/* nobody must reach the script, and record nothing */
	if (g_chmod(fx->tmpdir, 0755) != 0)
		fail_msg("cannot chmod %s: %s", fx->tmpdir, g_strerror(errno));

	status = test_spawn(fx->tmpdir,
			    (const gchar *[]){"/usr/bin/setpriv",
					      "--reuid=65534",
					      "--regid=65534",
					      "--clear-groups",
					      "/bin/sh",
					      path,
					      NULL},
			    (const gchar *[]){path_env, trace_env, NULL},
			    &out,
			    &err);
	if (status != 0)
		fail_msg("run as nobody exited %d: %s", status, err);
	assert_string_equal(out, "direct\n");
	assert_false(g_file_test(trace, G_FILE_TEST_EXISTS));

	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	status = test_spawn(fx->tmpdir,
			    (const gchar *[]){"/bin/sh", path, NULL},
			    (const gchar *[]){path_env, trace_env, NULL},
			    &out,
			    &err);
	if (status != 0)
		fail_msg("run as root exited %d: %s", status, err);
	{
		g_autofree gchar *calls = test_read_file(trace);
		assert_string_equal(calls, "s6-setuidgid hermes /bin/echo direct\n");
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		RENDER_TEST(test_render_syntax),
		RENDER_TEST(test_run_env_round_trip),
		RENDER_TEST(test_run_records_its_supervisor),
		RENDER_TEST(test_run_argv_round_trip),
		RENDER_TEST(test_run_workdir_round_trip),
		RENDER_TEST(test_run_setuidgid_only_as_root),
		RENDER_TEST(test_run_uid_without_id),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
