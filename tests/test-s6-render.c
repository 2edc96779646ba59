/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The s6 slot scripts: golden files pin the exact text, and the scripts
 * are also run for real with /bin/sh (syntax, quoting round trips, the
 * finish contract and the circuit breaker, the log/run privilege rules).
 *
 * Regenerate the golden files with
 *   HERMES_UPDATE_GOLDEN=1 meson test -C <build> s6-render
 * and read every changed one before committing it: they are the spec.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-gateway-spec.h"
#include "hermes-s6-render.h"
#include "hermes-shell.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmpdir;
	HermesGatewaySpec *spec;
} RenderFixture;

static int
test_setup(void **state)
{
	RenderFixture *fx = g_new0(RenderFixture, 1);
	fx->tmpdir = hermes_test_mkdtemp();
	*state = fx;
	return 0;
}

static int
test_teardown(void **state)
{
	RenderFixture *fx = *state;
	hermes_test_rmtree(fx->tmpdir);
	g_free(fx->tmpdir);
	if (fx->spec != NULL)
		hermes_gateway_spec_unref(fx->spec);
	g_free(fx);
	hermes_test_check_logs();
	return 0;
}

static const HermesS6RenderOptions test_opts_host = {"/usr/bin", FALSE, NULL, "/root/.hermes"};
static const HermesS6RenderOptions test_opts_overlay = {"/command", TRUE, "/opt/data", "/opt/data"};
/* root registering for a home alice owns: the spec names no user, the backend picks alice */
static const HermesS6RenderOptions test_opts_owned = {
	"/usr/bin", FALSE, "/home/alice", "/home/alice/.hermes", "alice"};

/*****************************************************************************/
/* the golden cases */

/* (a) what `hermes gateway install` does for the default profile on a host */
static HermesGatewaySpec *
test_case_default(void)
{
	return hermes_test_spec_new(
		"default",
		(const gchar *[]){"/usr/bin/hermes", "gateway", "run", "--replace", NULL});
}

/* (b) a named profile in the container image: a user, a workdir, extra env */
static HermesGatewaySpec *
test_case_coder(void)
{
	HermesGatewaySpec *spec = hermes_test_spec_new(
		"coder",
		(const gchar *[]){
			"/usr/bin/hermes", "-p", "coder", "gateway", "run", "--replace", NULL});
	hermes_gateway_spec_set_user(spec, "hermes");
	hermes_gateway_spec_set_working_directory(spec, "/opt/data");
	/* deliberately not in order: the script must sort them */
	hermes_test_spec_setenv(spec, "API_SERVER_PORT", "8643");
	hermes_test_spec_setenv(spec, "ZED", "last");
	hermes_test_spec_setenv(spec, "AAA", "first");
	return spec;
}

static const struct {
	const gchar *name;
	const gchar *value;
} test_hostile_env[] = {
	{"FOO", "it's"},
	{"DOLLAR", "$HOME and `id`"},
	{"SPACE", "a b"},
	{"SEMI", "x;rm -rf /"},
	{"EMPTY", ""},
};

static void
test_spec_add_hostile_env(HermesGatewaySpec *spec)
{
	for (guint i = 0; i < G_N_ELEMENTS(test_hostile_env); i++)
		hermes_test_spec_setenv(spec, test_hostile_env[i].name, test_hostile_env[i].value);
}

/* (c) values that break a script that does not quote */
static HermesGatewaySpec *
test_case_hostile(void)
{
	HermesGatewaySpec *spec = hermes_test_spec_new(
		"hostile",
		(const gchar *[]){
			"/usr/bin/hermes", "-p", "hostile", "gateway", "run", "--replace", NULL});
	test_spec_add_hostile_env(spec);
	return spec;
}

/* (d) an arbitrary command: no readiness, its own exit codes and breaker, a log dir */
static HermesGatewaySpec *
test_case_custom(void)
{
	g_autoptr(GError) error = NULL;
	const gint codes[] = {0, 78, 42};
	HermesGatewaySpec *spec = hermes_test_spec_new(
		"custom", (const gchar *[]){"/opt/gw/bin/gateway", "--port", "8643", NULL});
	hermes_gateway_spec_set_notify(spec, FALSE);
	hermes_gateway_spec_set_no_restart_exit_codes(spec, codes, G_N_ELEMENTS(codes));
	hermes_gateway_spec_set_restart_now_exit_code(spec, 76);
	assert_true(hermes_gateway_spec_set_breaker(spec, 3, 10, &error));
	hermes_assert_no_error(error);
	hermes_gateway_spec_set_log_directory(spec, "/var/log/hermes gw");
	return spec;
}

typedef struct {
	const gchar *name;
	HermesGatewaySpec *(*build)(void);
	const HermesS6RenderOptions *opts;
} TestCase;

static const TestCase test_cases[] = {
	{"default", test_case_default, &test_opts_host},
	{"coder", test_case_coder, &test_opts_overlay},
	{"hostile", test_case_hostile, &test_opts_host},
	{"custom", test_case_custom, &test_opts_host},
	{"owned", test_case_default, &test_opts_owned},
};

static const gchar *const test_scripts[] = {"run", "finish", "log-run"};

static gchar *
test_render(const HermesS6RenderOptions *opts, HermesGatewaySpec *spec, const gchar *script)
{
	g_autoptr(GError) error = NULL;
	gchar *text = NULL;

	if (g_strcmp0(script, "run") == 0)
		text = hermes_s6_render_run(opts, spec, &error);
	else if (g_strcmp0(script, "finish") == 0)
		text = hermes_s6_render_finish(opts, spec);
	else if (g_strcmp0(script, "log-run") == 0)
		text = hermes_s6_render_log_run(opts, spec, &error);
	else
		fail_msg("unknown script %s", script);
	hermes_assert_no_error(error);
	assert_non_null(text);
	return text;
}

static gchar *
test_read_file(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	gchar *contents = NULL;
	if (!g_file_get_contents(path, &contents, NULL, &error))
		fail_msg("cannot read %s: %s", path, error->message);
	return contents;
}

static void
test_golden_case(void **state, guint index)
{
	RenderFixture *fx = *state;
	const TestCase *tc = &test_cases[index];

	fx->spec = tc->build();
	for (guint i = 0; i < G_N_ELEMENTS(test_scripts); i++) {
		g_autofree gchar *text = test_render(tc->opts, fx->spec, test_scripts[i]);
		g_autofree gchar *basename = g_strdup_printf("%s-%s.sh", tc->name, test_scripts[i]);
		hermes_test_golden_check("s6", basename, text);
	}
}

static void
test_golden_default(void **state)
{
	test_golden_case(state, 0);
}

static void
test_golden_owned(void **state)
{
	test_golden_case(state, 4);
}

static void
test_golden_coder(void **state)
{
	test_golden_case(state, 1);
}

static void
test_golden_hostile(void **state)
{
	test_golden_case(state, 2);
}

static void
test_golden_custom(void **state)
{
	test_golden_case(state, 3);
}

/*****************************************************************************/
/* running scripts */

/* the environment every script runs with: nothing from the test's own */
static const gchar *const test_sh_envp[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};

/*
 * Runs @argv in @cwd with @envp (test_sh_envp when NULL); returns the
 * exit status, fails the test if it did not exit normally.
 */
static gint
test_spawn(const gchar *cwd,
	   const gchar *const *argv,
	   const gchar *const *envp,
	   gchar **out,
	   gchar **err)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *stdout_buf = NULL;
	g_autofree gchar *stderr_buf = NULL;
	gint wait_status = 0;

	if (!g_spawn_sync(cwd,
			  (gchar **)argv,
			  (gchar **)(envp != NULL ? envp : test_sh_envp),
			  G_SPAWN_DEFAULT,
			  NULL,
			  NULL,
			  &stdout_buf,
			  &stderr_buf,
			  &wait_status,
			  &error))
		fail_msg("cannot run %s: %s", argv[0], error->message);
	if (!WIFEXITED(wait_status))
		fail_msg("%s did not exit normally (wait status %d); stderr: %s",
			 argv[0],
			 wait_status,
			 stderr_buf);
	if (out != NULL)
		*out = g_steal_pointer(&stdout_buf);
	if (err != NULL)
		*err = g_steal_pointer(&stderr_buf);
	return WEXITSTATUS(wait_status);
}

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

/* fake s6 programs that only record how they were called */
static gchar *
test_fake_bin_dir(const gchar *tmpdir)
{
	g_autofree gchar *bin = g_build_filename(tmpdir, "bin", NULL);
	const gchar *fake = "#!/bin/sh\n"
			    "printf '%s' \"${0##*/}\" >>\"$TRACE\"\n"
			    "printf ' %s' \"$@\" >>\"$TRACE\"\n"
			    "echo >>\"$TRACE\"\n";

	for (guint i = 0; i < 2; i++) {
		const gchar *name = i == 0 ? "s6-setuidgid" : "s6-log";
		g_autofree gchar *path = g_build_filename(bin, name, NULL);
		hermes_test_write_file(path, fake, 0755);
	}
	return g_steal_pointer(&bin);
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

/*****************************************************************************/
/* refusals */

static void
test_assert_refused(HermesGatewaySpec *spec, const gchar *needle)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GError) log_error = NULL;
	g_autofree gchar *run = hermes_s6_render_run(&test_opts_host, spec, &error);
	g_autofree gchar *log_run = hermes_s6_render_log_run(&test_opts_host, spec, &log_error);

	assert_null(run);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	hermes_assert_str_contains(error->message, needle);
	assert_null(log_run);
	hermes_assert_error(log_error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	hermes_assert_str_contains(log_error->message, needle);
	assert_false(hermes_s6_render_check_spec(spec, NULL));
}

static void
test_refuse_env_newline(void **state)
{
	RenderFixture *fx = *state;
	fx->spec = test_case_default();
	hermes_test_spec_setenv(fx->spec, "TOKEN", "abc\nrm -rf /");
	test_assert_refused(fx->spec, "environment variable TOKEN");
	test_assert_refused(fx->spec, "newline");
}

static void
test_refuse_env_control(void **state)
{
	RenderFixture *fx = *state;
	const gchar *values[] = {"a\tb", "\x1b[31mred", "del\x7f", "cr\r", "bell\a"};

	fx->spec = test_case_default();
	for (guint i = 0; i < G_N_ELEMENTS(values); i++) {
		hermes_test_spec_setenv(fx->spec, "CTRL", values[i]);
		test_assert_refused(fx->spec, "environment variable CTRL");
		test_assert_refused(fx->spec, "control character");
	}
}

static void
test_refuse_argv_newline(void **state)
{
	RenderFixture *fx = *state;
	fx->spec = hermes_test_spec_new(
		"default", (const gchar *[]){"/usr/bin/hermes", "gateway", "run\nid", NULL});
	test_assert_refused(fx->spec, "argument 2 of the gateway command");
	test_assert_refused(fx->spec, "newline");
}

static void
test_refuse_argv_invalid_utf8(void **state)
{
	RenderFixture *fx = *state;
	fx->spec =
		hermes_test_spec_new("default", (const gchar *[]){"/usr/bin/hermes", "\xff", NULL});
	test_assert_refused(fx->spec, "argument 1 of the gateway command");
	test_assert_refused(fx->spec, "UTF-8");
}

static void
test_refuse_argv_relative(void **state)
{
	RenderFixture *fx = *state;
	fx->spec = hermes_test_spec_new("default",
					(const gchar *[]){"hermes", "gateway", "run", NULL});
	test_assert_refused(fx->spec, "gateway command");
	test_assert_refused(fx->spec, "absolute path");
}

static void
test_refuse_argv_empty(void **state)
{
	RenderFixture *fx = *state;
	g_autoptr(GError) error = NULL;

	/* a fresh spec has no command at all */
	fx->spec = hermes_gateway_spec_new("default", &error);
	hermes_assert_no_error(error);
	test_assert_refused(fx->spec, "gateway command");
	hermes_gateway_spec_set_argv(fx->spec, (const gchar *[]){NULL});
	test_assert_refused(fx->spec, "gateway command");
}

static void
test_refuse_user_newline(void **state)
{
	RenderFixture *fx = *state;
	fx->spec = test_case_default();
	hermes_gateway_spec_set_user(fx->spec, "hermes\nroot");
	test_assert_refused(fx->spec, "run-as user");
}

static void
test_refuse_directories_control(void **state)
{
	RenderFixture *fx = *state;

	fx->spec = test_case_default();
	hermes_gateway_spec_set_working_directory(fx->spec, "/opt/data\n");
	test_assert_refused(fx->spec, "working directory");
	hermes_gateway_spec_set_working_directory(fx->spec, NULL);
	hermes_gateway_spec_set_log_directory(fx->spec, "/var/log/\tx");
	test_assert_refused(fx->spec, "log directory");
}

static void
test_refuse_env_name(void **state)
{
	RenderFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) names = NULL;

	fx->spec = test_case_default();
	assert_false(hermes_gateway_spec_set_env(fx->spec, "A-B", "x", &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	hermes_assert_str_contains(error->message, "A-B");
	names = hermes_gateway_spec_get_env_names(fx->spec);
	assert_int_equal(g_strv_length(names), 0);
}

/*****************************************************************************/
/* hermes_shell_quote / hermes_shell_check_text */

static void
test_shell_quote_bare(void **state)
{
	const gchar *safe[] = {"abc", "/usr/bin/x", "a=b:c,d@e%f+g", "A_Z-0.9"};

	for (guint i = 0; i < G_N_ELEMENTS(safe); i++) {
		g_autofree gchar *quoted = hermes_shell_quote(safe[i]);
		assert_string_equal(quoted, safe[i]);
	}
}

static void
test_shell_quote_quoted(void **state)
{
	const struct {
		const gchar *text;
		const gchar *quoted;
	} cases[] = {
		{"", "''"},
		{"a b", "'a b'"},
		{"it's", "'it'\\''s'"},
		{"$x", "'$x'"},
		{"`x`", "'`x`'"},
		{"a;b", "'a;b'"},
		{"*", "'*'"},
		{"~", "'~'"},
		{"#", "'#'"},
		{"'", "''\\'''"},
		{"a\\b", "'a\\b'"},
		{"café", "'café'"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *quoted = hermes_shell_quote(cases[i].text);
		assert_string_equal(quoted, cases[i].quoted);
	}
}

static void
test_shell_quote_round_trip(void **state)
{
	RenderFixture *fx = *state;
	const gchar *nasty[] = {"",
				"a b",
				"  lead and trail  ",
				"it's",
				"''",
				"'\\''",
				"\\",
				"\\n",
				"$(id)",
				"${HOME}",
				"`id`",
				"a\"b",
				"*",
				"?",
				"[a]",
				"~",
				"~root",
				"#x",
				"-n",
				"--",
				"%s%d",
				"a;b|c&d>e<f",
				"!",
				"{a,b}",
				"a=b",
				"café ☃",
				"x\ny",
				"tab\there"};

	for (guint i = 0; i < G_N_ELEMENTS(nasty); i++) {
		g_autofree gchar *quoted = hermes_shell_quote(nasty[i]);
		g_autofree gchar *script = g_strconcat("printf %s ", quoted, NULL);
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;
		gint status = test_spawn(fx->tmpdir,
					 (const gchar *[]){"/bin/sh", "-c", script, NULL},
					 NULL,
					 &out,
					 &err);
		if (status != 0)
			fail_msg("sh -c \"%s\" exited %d: %s", script, status, err);
		if (g_strcmp0(out, nasty[i]) != 0)
			fail_msg("'%s' quoted as %s came back as '%s'", nasty[i], quoted, out);
	}
}

static void
test_shell_check_text(void **state)
{
	const gchar *bad[] = {"\n", "a\nb", "\t", "\x1b", "\x7f", "\r", "\xff", "caf\xc3"};
	const gchar *good[] = {"", "plain", "café", "a b 'c' \"d\" $e `f`", "☃"};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		if (hermes_shell_check_text("the thing", bad[i], &error))
			fail_msg("text %u was accepted", i);
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
		hermes_assert_str_contains(error->message, "the thing");
	}
	for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autoptr(GError) error = NULL;
		if (!hermes_shell_check_text("the thing", good[i], &error))
			fail_msg("'%s' was refused: %s", good[i], error->message);
	}
	{
		g_autoptr(GError) error = NULL;
		assert_false(hermes_shell_check_text("x", "\n", &error));
		hermes_assert_str_contains(error->message, "newline");
	}
	{
		g_autoptr(GError) error = NULL;
		assert_false(hermes_shell_check_text("x", "\xff", &error));
		hermes_assert_str_contains(error->message, "UTF-8");
	}
}

/*****************************************************************************/
/* the finish script, run for real in a fake service directory */

static void
test_finish_install(RenderFixture *fx)
{
	g_autofree gchar *finish = hermes_s6_render_finish(&test_opts_host, fx->spec);
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "finish", NULL);
	g_autofree gchar *data = g_build_filename(fx->tmpdir, "data", NULL);

	hermes_test_write_file(path, finish, 0755);
	if (g_mkdir_with_parents(data, 0755) != 0)
		fail_msg("cannot create %s: %s", data, g_strerror(errno));
}

/* s6 runs finish in the service directory with the exit code (or 256) and the signal */
static gint
test_finish_run(RenderFixture *fx, const gchar *code, const gchar *sig)
{
	g_autofree gchar *err = NULL;
	gint status = test_spawn(fx->tmpdir,
				 (const gchar *[]){"/bin/sh", "./finish", code, sig, NULL},
				 NULL,
				 NULL,
				 &err);
	if (err[0] != '\0')
		fail_msg("finish %s %s wrote to stderr: %s", code, sig, err);
	return status;
}

static gchar *
test_data_file(RenderFixture *fx, const gchar *name)
{
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "data", name, NULL);
	gchar *contents = NULL;
	if (!g_file_get_contents(path, &contents, NULL, NULL))
		return NULL;
	return contents;
}

static guint
test_count_lines(const gchar *text)
{
	guint n = 0;
	for (const gchar *p = text; p != NULL && *p != '\0'; p++) {
		if (*p == '\n')
			n++;
	}
	return n;
}

/* "<unix time> <kind> <text>\n", written by finish */
static void
test_assert_reason(RenderFixture *fx, const gchar *kind, const gchar *text_part)
{
	g_autofree gchar *reason = test_data_file(fx, "finish-reason");
	g_autofree gchar *middle = g_strdup_printf(" %s ", kind);
	const gchar *p;
	gint64 when;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	if (reason == NULL)
		fail_msg("no data/finish-reason");
	assert_true(g_ascii_isdigit(reason[0]));
	when = g_ascii_strtoll(reason, (gchar **)&p, 10);
	if (!g_str_has_prefix(p, middle))
		fail_msg("finish-reason '%s' is not '<time> %s ...'", reason, kind);
	if (when < now - 60 || when > now + 60)
		fail_msg("finish-reason time %" G_GINT64_FORMAT " is not now", when);
	assert_true(g_str_has_suffix(reason, "\n"));
	assert_int_equal(test_count_lines(reason), 1);
	hermes_assert_str_contains(reason, text_part);
}

/* one empty file per death in data/deaths.d, named <time>.<pid> */
static guint
test_count_deaths(RenderFixture *fx)
{
	g_autofree gchar *dir = g_build_filename(fx->tmpdir, "data", "deaths.d", NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	guint n = 0;
	while (d != NULL && g_dir_read_name(d) != NULL)
		n++;
	return n;
}

static void
test_add_death(RenderFixture *fx, const gchar *name)
{
	g_autofree gchar *dir = g_build_filename(fx->tmpdir, "data", "deaths.d", NULL);
	g_autofree gchar *path = g_build_filename(dir, name, NULL);
	g_mkdir_with_parents(dir, 0755);
	hermes_test_write_file(path, "", 0644);
}

static void
test_assert_data_listing(RenderFixture *fx, const gchar *expected)
{
	g_autofree gchar *data = g_build_filename(fx->tmpdir, "data", NULL);
	g_autofree gchar *listing = hermes_test_list_dir(data);
	assert_string_equal(listing, expected);
}

static void
test_finish_exit_0_stops(void **state)
{
	RenderFixture *fx = *state;
	fx->spec = test_case_default();
	test_finish_install(fx);

	assert_int_equal(test_finish_run(fx, "0", "0"), 125);
	test_assert_reason(fx, "stopped", "exited 0");
	/* an intentional stop is not a death for the breaker */
	test_assert_data_listing(fx, "finish-reason");
}

static void
test_finish_exit_78_fails(void **state)
{
	RenderFixture *fx = *state;
	fx->spec = test_case_default();
	test_finish_install(fx);

	assert_int_equal(test_finish_run(fx, "78", "0"), 125);
	test_assert_reason(fx, "failed", "exited 78 (fatal configuration error)");
	test_assert_data_listing(fx, "finish-reason");
}

static void
test_finish_exit_75_restarts(void **state)
{
	RenderFixture *fx = *state;
	fx->spec = test_case_default();
	test_finish_install(fx);

	assert_int_equal(test_finish_run(fx, "75", "0"), 0);
	test_assert_data_listing(fx, "");
	/* nor does it disturb a tally that is there */
	assert_int_equal(test_finish_run(fx, "1", "0"), 0);
	assert_int_equal(test_finish_run(fx, "75", "0"), 0);
	assert_int_equal(test_count_deaths(fx), 1);
	test_assert_data_listing(fx, "deaths.d");
}

static void
test_finish_breaker_parks(void **state)
{
	RenderFixture *fx = *state;
	fx->spec = test_case_default();
	test_finish_install(fx);

	for (guint i = 1; i <= 4; i++) {
		assert_int_equal(test_finish_run(fx, "1", "0"), 0);
		assert_int_equal(test_count_deaths(fx), i);
		test_assert_data_listing(fx, "deaths.d");
	}
	/* the fifth death within 60 s parks the slot */
	assert_int_equal(test_finish_run(fx, "256", "9"), 125);
	test_assert_reason(fx, "parked", "killed by signal 9");
	test_assert_reason(fx, "parked", "5 deaths within 60 s");
	/* the tally starts again when the operator brings it back */
	test_assert_data_listing(fx, "deaths.d|finish-reason");
	assert_int_equal(test_count_deaths(fx), 0);
	assert_int_equal(test_finish_run(fx, "1", "0"), 0);
	assert_int_equal(test_count_deaths(fx), 1);
}

/* a reason that cannot be written still parks, and status still learns why */
static void
test_finish_unwritable_tally_still_parks(void **state)
{
	RenderFixture *fx = *state;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	g_autofree gchar *blocker = g_build_filename(fx->tmpdir, "data", "finish-reason.new", NULL);

	fx->spec = test_case_default();
	test_finish_install(fx);
	/* four deaths recorded earlier */
	for (guint i = 1; i <= 4; i++) {
		g_autofree gchar *name = g_strdup_printf("%" G_GINT64_FORMAT ".%u", now - i, i);
		test_add_death(fx, name);
	}
	/* the reason cannot be written (as when the disk is full): an empty marker says it */
	g_mkdir(blocker, 0755);
	assert_int_equal(test_finish_run(fx, "1", "0"), 125);
	assert_null(test_data_file(fx, "finish-reason"));
	{
		g_autofree gchar *marker =
			g_build_filename(fx->tmpdir, "data", "finish-reason.parked", NULL);
		assert_true(g_file_test(marker, G_FILE_TEST_IS_REGULAR));
	}
	/* a later reason that can be written replaces the marker */
	g_rmdir(blocker);
	assert_int_equal(test_finish_run(fx, "78", "0"), 125);
	test_assert_reason(fx, "failed", "exited 78");
	test_assert_data_listing(fx, "deaths.d|finish-reason");
}

static void
test_finish_window_drops_old(void **state)
{
	RenderFixture *fx = *state;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	const gint64 ages[] = {1000, 999, 100, 61};

	fx->spec = test_case_default();
	test_finish_install(fx);
	/* four old deaths: a fifth now must not park */
	for (guint i = 0; i < G_N_ELEMENTS(ages); i++) {
		g_autofree gchar *name = g_strdup_printf("%" G_GINT64_FORMAT ".1", now - ages[i]);
		test_add_death(fx, name);
	}
	assert_int_equal(test_finish_run(fx, "1", "0"), 0);
	assert_int_equal(test_count_deaths(fx), 1);
	test_assert_data_listing(fx, "deaths.d");
}

static void
test_finish_window_keeps_recent(void **state)
{
	RenderFixture *fx = *state;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	g_autofree gchar *old = g_strdup_printf("%" G_GINT64_FORMAT ".1", now - 1000);
	g_autofree gchar *recent = g_strdup_printf("%" G_GINT64_FORMAT ".2", now - 5);
	g_autofree gchar *recent_path =
		g_build_filename(fx->tmpdir, "data", "deaths.d", recent, NULL);

	fx->spec = test_case_default();
	test_finish_install(fx);
	test_add_death(fx, old);
	test_add_death(fx, recent);
	assert_int_equal(test_finish_run(fx, "1", "0"), 0);
	assert_int_equal(test_count_deaths(fx), 2);
	assert_true(g_file_test(recent_path, G_FILE_TEST_EXISTS));
}

/* a damaged tally (garbage, blank lines) is skipped: the breaker still trips */
static void
test_finish_damaged_tally_keeps_breaker(void **state)
{
	RenderFixture *fx = *state;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	fx->spec = test_case_default();
	test_finish_install(fx);
	test_add_death(fx, "garbage");
	test_add_death(fx, "12abc.1");
	test_add_death(fx, ".hidden");
	for (guint i = 1; i <= 3; i++) {
		g_autofree gchar *name = g_strdup_printf("%" G_GINT64_FORMAT ".%u", now - i, i);
		test_add_death(fx, name);
	}
	assert_int_equal(test_finish_run(fx, "1", "0"), 0);
	/* the fifth death parks it, damage or not */
	assert_int_equal(test_finish_run(fx, "1", "0"), 125);
	test_assert_reason(fx, "parked", "5 deaths within 60 s");
}

/* (d): its own codes, its own restart-now code, a breaker of 3 in 10 s */
static void
test_finish_custom_contract(void **state)
{
	RenderFixture *fx = *state;
	fx->spec = test_case_custom();
	test_finish_install(fx);

	assert_int_equal(test_finish_run(fx, "42", "0"), 125);
	test_assert_reason(fx, "failed", "exited 42");
	assert_int_equal(test_finish_run(fx, "78", "0"), 125);
	test_assert_reason(fx, "failed", "exited 78");
	assert_int_equal(test_finish_run(fx, "0", "0"), 125);
	test_assert_reason(fx, "stopped", "exited 0");
	assert_int_equal(test_finish_run(fx, "76", "0"), 0);
	test_assert_data_listing(fx, "finish-reason");
	/* 75 is an ordinary crash here */
	assert_int_equal(test_finish_run(fx, "75", "0"), 0);
	assert_int_equal(test_finish_run(fx, "256", "15"), 0);
	assert_int_equal(test_finish_run(fx, "3", "0"), 125);
	test_assert_reason(fx, "parked", "3 deaths within 10 s, the last exited 3");
	test_assert_data_listing(fx, "deaths.d|finish-reason");
}

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

/*****************************************************************************/
/* a few properties the golden files also show, stated on their own */

static void
test_render_properties(void **state)
{
	RenderFixture *fx = *state;
	g_autoptr(HermesGatewaySpec) coder = test_case_coder();
	g_autoptr(HermesGatewaySpec) custom = test_case_custom();
	g_autofree gchar *coder_run = test_render(&test_opts_overlay, coder, "run");
	g_autofree gchar *custom_run = test_render(&test_opts_host, custom, "run");
	g_autofree gchar *default_run = NULL;
	g_autofree gchar *slot = hermes_s6_slot_name("coder");
	const gchar *aaa, *api, *zed;

	fx->spec = test_case_default();
	default_run = test_render(&test_opts_host, fx->spec, "run");
	assert_string_equal(slot, "gateway-coder");

	/* s6-overlay reads the container environment, a host scanner does not have one */
	assert_true(g_str_has_prefix(coder_run, "#!/command/with-contenv sh\n"));
	assert_true(g_str_has_prefix(default_run, "#!/bin/sh\n"));
	/* sorted by name, whatever the order they were set in */
	aaa = strstr(coder_run, "export AAA=first\n");
	api = strstr(coder_run, "export API_SERVER_PORT=8643\n");
	zed = strstr(coder_run, "export ZED=last\n");
	assert_non_null(aaa);
	assert_non_null(api);
	assert_non_null(zed);
	assert_true(aaa < api && api < zed);
	/* readiness only when the command speaks it */
	hermes_assert_str_contains(default_run, "export HERMES_READY_FD=3\n");
	assert_null(strstr(custom_run, "HERMES_READY_FD"));
	/* no user: never s6-setuidgid */
	assert_null(strstr(default_run, "s6-setuidgid"));
	hermes_assert_str_contains(coder_run,
				   "exec /command/s6-setuidgid hermes /usr/bin/hermes -p coder");
	/* the command is exec'd, as the last line */
	assert_true(
		g_str_has_suffix(default_run, "\nexec /usr/bin/hermes gateway run --replace\n"));
}

static int
test_group_setup(void **state)
{
	hermes_test_init();
	return 0;
}

#define RENDER_TEST(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		RENDER_TEST(test_golden_default),
		RENDER_TEST(test_golden_coder),
		RENDER_TEST(test_golden_hostile),
		RENDER_TEST(test_golden_custom),
		RENDER_TEST(test_golden_owned),
		RENDER_TEST(test_finish_unwritable_tally_still_parks),
		RENDER_TEST(test_home_fallback_executed),
		RENDER_TEST(test_log_run_removes_stale_lock),
		RENDER_TEST(test_render_syntax),
		RENDER_TEST(test_render_properties),
		RENDER_TEST(test_run_env_round_trip),
		RENDER_TEST(test_run_argv_round_trip),
		RENDER_TEST(test_run_workdir_round_trip),
		RENDER_TEST(test_run_setuidgid_only_as_root),
		RENDER_TEST(test_refuse_env_newline),
		RENDER_TEST(test_refuse_env_control),
		RENDER_TEST(test_refuse_argv_newline),
		RENDER_TEST(test_refuse_argv_invalid_utf8),
		RENDER_TEST(test_refuse_argv_relative),
		RENDER_TEST(test_refuse_argv_empty),
		RENDER_TEST(test_refuse_user_newline),
		RENDER_TEST(test_refuse_directories_control),
		RENDER_TEST(test_refuse_env_name),
		RENDER_TEST(test_shell_quote_bare),
		RENDER_TEST(test_shell_quote_quoted),
		RENDER_TEST(test_shell_quote_round_trip),
		RENDER_TEST(test_shell_check_text),
		RENDER_TEST(test_finish_exit_0_stops),
		RENDER_TEST(test_finish_exit_78_fails),
		RENDER_TEST(test_finish_exit_75_restarts),
		RENDER_TEST(test_finish_breaker_parks),
		RENDER_TEST(test_finish_window_drops_old),
		RENDER_TEST(test_finish_window_keeps_recent),
		RENDER_TEST(test_finish_damaged_tally_keeps_breaker),
		RENDER_TEST(test_finish_custom_contract),
		RENDER_TEST(test_log_run_user_no_root_mkdir),
		RENDER_TEST(test_log_run_user_executed),
		RENDER_TEST(test_log_run_default_executed),
		RENDER_TEST(test_log_run_explicit_dir),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
