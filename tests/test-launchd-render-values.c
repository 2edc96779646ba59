/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * What goes into a launchd plist: the label and file names, the one
 * escaping function, and what cannot be rendered.
 */

#include "launchd-render-test.h"

/*****************************************************************************/
/* names */

static void
test_labels(void **state)
{
	const struct {
		const gchar *profile;
		const gchar *label;
	} labels[] = {
		{"default", "ai.hermes.gateway"},
		{"coder", "ai.hermes.gateway-coder"},
		{"a-b_c9", "ai.hermes.gateway-a-b_c9"},
	};
	const struct {
		const gchar *file;
		const gchar *profile;
	} files[] = {
		{"ai.hermes.gateway.plist", "default"},
		{"ai.hermes.gateway-coder.plist", "coder"},
		{"ai.hermes.gateway-a--b.plist", "a--b"},
		/* default is never suffixed; anything else is someone else's */
		{"ai.hermes.gateway-default.plist", NULL},
		{"ai.hermes.gateway-Coder.plist", NULL},
		{"ai.hermes.gateway-.plist", NULL},
		{"ai.hermes.gatewayx.plist", NULL},
		{"ai.hermes.gateway-coder.plist.bak", NULL},
		{"ai.hermes.gateway", NULL},
		{"com.example.agent.plist", NULL},
		{".plist", NULL},
	};

	for (guint i = 0; i < G_N_ELEMENTS(labels); i++) {
		g_autofree gchar *label = hermes_launchd_label(labels[i].profile);
		g_autofree gchar *name = hermes_launchd_plist_name(labels[i].profile);
		g_autofree gchar *expected = g_strdup_printf("%s.plist", labels[i].label);
		g_autofree gchar *back = hermes_launchd_profile_from_plist_name(name);
		assert_string_equal(label, labels[i].label);
		assert_string_equal(name, expected);
		assert_string_equal(back, labels[i].profile);
	}
	for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
		g_autofree gchar *profile = hermes_launchd_profile_from_plist_name(files[i].file);
		if (g_strcmp0(profile, files[i].profile) != 0)
			fail_msg("%s: profile %s, expected %s",
				 files[i].file,
				 profile != NULL ? profile : "(none)",
				 files[i].profile != NULL ? files[i].profile : "(none)");
	}
}

/*****************************************************************************/
/* the one escaping function */

static void
test_escape(void **state)
{
	const struct {
		const gchar *in;
		const gchar *out;
	} cases[] = {
		{"", ""},
		{"plain", "plain"},
		{"a&b", "a&amp;b"},
		{"<x>", "&lt;x&gt;"},
		{"]]>", "]]&gt;"},
		{"\"'", "&quot;&apos;"},
		{"&amp;", "&amp;amp;"},
		{"a\tb\nc", "a\tb\nc"},
		{"cr\r", "cr&#13;"},
		{"\xc3\xbc\xf0\x9f\x98\x80", "\xc3\xbc\xf0\x9f\x98\x80"},
		{"del\x7f", "del\x7f"},
	};
	const gchar *refused[] = {
		"nul-less \x01",
		"bell\x07",
		"vt\x0b",
		"ff\x0c",
		"esc\x1b[0m",
		"unit\x1f",
		"nonchar \xef\xbf\xbe",
		"nonchar \xef\xbf\xbf",
		"bad utf8 \xff",
		"truncated \xc3",
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *out = hermes_launchd_xml_escape("test", cases[i].in, &error);
		hermes_assert_no_error(error);
		assert_string_equal(out, cases[i].out);
	}
	for (guint i = 0; i < G_N_ELEMENTS(refused); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *out = hermes_launchd_xml_escape("the value", refused[i], &error);
		assert_null(out);
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
		hermes_assert_str_contains(error->message, "the value");
	}
}

/*****************************************************************************/
/* what cannot be rendered */

static void
test_refuse_one(HermesGatewaySpec *spec,
		const HermesLaunchdRenderOptions *opts,
		gint code,
		const gchar *needle)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = hermes_launchd_render_plist(opts, spec, &error);
	assert_null(text);
	hermes_assert_error(error, HERMES_ERROR, code);
	hermes_assert_str_contains(error->message, needle);
}

static void
test_refuse(void **state)
{
	RenderFixture *fx = *state;
	const HermesLaunchdRenderOptions opts = {"/Users/alice/.hermes", NULL};
	const HermesLaunchdRenderOptions relative_home = {"hermes-home", NULL};
	const gint odd_codes[] = {0, 78, 42};
	g_autoptr(GError) error = NULL;

	fx->spec = hermes_test_spec_new("demo", (const gchar *[]){NULL});
	test_refuse_one(fx->spec, &opts, HERMES_ERROR_INVALID_ARGUMENT, "command is empty");
	hermes_gateway_spec_set_argv(fx->spec, (const gchar *[]){"hermes", "gateway", NULL});
	test_refuse_one(fx->spec, &opts, HERMES_ERROR_INVALID_ARGUMENT, "absolute path");
	hermes_gateway_spec_set_argv(fx->spec, (const gchar *[]){"/usr/bin/hermes", "a\x01", NULL});
	test_refuse_one(fx->spec, &opts, HERMES_ERROR_INVALID_ARGUMENT, "argument 1");
	hermes_gateway_spec_set_argv(fx->spec, (const gchar *[]){"/usr/bin/hermes", NULL});
	test_refuse_one(fx->spec, &relative_home, HERMES_ERROR_INVALID_ARGUMENT, "profile home");
	hermes_gateway_spec_set_working_directory(fx->spec, "work");
	test_refuse_one(fx->spec, &opts, HERMES_ERROR_INVALID_ARGUMENT, "working directory");
	hermes_gateway_spec_set_working_directory(fx->spec, NULL);
	hermes_gateway_spec_set_log_directory(fx->spec, "logs");
	test_refuse_one(fx->spec, &opts, HERMES_ERROR_INVALID_ARGUMENT, "log directory");
	hermes_gateway_spec_set_log_directory(fx->spec, NULL);
	assert_true(hermes_gateway_spec_set_env(fx->spec, "BAD", "esc\x1b", &error));
	test_refuse_one(fx->spec, &opts, HERMES_ERROR_INVALID_ARGUMENT, "environment variable BAD");
	assert_true(hermes_gateway_spec_set_env(fx->spec, "BAD", NULL, &error));
	/* launchd restarts every non-zero exit: an exemption it cannot honour is refused */
	hermes_gateway_spec_set_no_restart_exit_codes(fx->spec, odd_codes, G_N_ELEMENTS(odd_codes));
	test_refuse_one(fx->spec, &opts, HERMES_ERROR_NOT_SUPPORTED, "exit code 42");
	hermes_gateway_spec_set_no_restart_exit_codes(fx->spec, odd_codes, 2);
	g_free(fx->text);
	fx->text = test_render(&opts, fx->spec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		RENDER_TEST(test_labels),
		RENDER_TEST(test_escape),
		RENDER_TEST(test_refuse),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
