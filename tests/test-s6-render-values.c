/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The values that go into an s6 script: what the renderer refuses
 * (newlines, control characters, invalid UTF-8, relative or empty argv,
 * bad names), and hermes_shell_quote / hermes_shell_check_text, which
 * every value goes through (a quoted value comes back from /bin/sh as it
 * went in).
 */

#include "s6-render-test.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
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
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
