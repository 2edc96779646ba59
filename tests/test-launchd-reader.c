/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The small plist reader the launchd backend uses: rendered plists read
 * back exactly, what it refuses, and every prefix of a plist.
 */

#include "launchd-render-test.h"

/*****************************************************************************/
/* reading plists back */

static void
test_reader_round_trip(void **state)
{
	RenderFixture *fx = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) plist = NULL;
	g_autoptr(GVariant) env = NULL;
	g_autoptr(GVariant) args = NULL;
	g_autoptr(GVariant) keepalive = NULL;
	const gchar *text = NULL;
	gboolean flag = TRUE;
	gint64 n = 0;

	fx->spec = test_case_hostile();
	fx->text = test_render(&test_cases[2].opts, fx->spec);
	plist = hermes_launchd_plist_parse(fx->text, -1, &error);
	hermes_assert_no_error(error);
	assert_non_null(plist);
	assert_true(g_variant_is_of_type(plist, G_VARIANT_TYPE("a{sv}")));
	assert_true(g_variant_lookup(plist, "Label", "&s", &text));
	assert_string_equal(text, "ai.hermes.gateway-hostile");
	assert_true(g_variant_lookup(plist, "ThrottleInterval", "x", &n));
	assert_int_equal(n, 1);
	assert_true(g_variant_lookup(plist, "RunAtLoad", "b", &flag));
	assert_true(flag);
	keepalive = g_variant_lookup_value(plist, "KeepAlive", G_VARIANT_TYPE("a{sv}"));
	assert_non_null(keepalive);
	assert_true(g_variant_lookup(keepalive, "SuccessfulExit", "b", &flag));
	assert_false(flag);
	env = g_variant_lookup_value(plist, "EnvironmentVariables", G_VARIANT_TYPE("a{sv}"));
	assert_non_null(env);
	for (guint i = 0; i < G_N_ELEMENTS(test_hostile_env); i++) {
		assert_true(g_variant_lookup(env, test_hostile_env[i].name, "&s", &text));
		assert_string_equal(text, test_hostile_env[i].value);
	}
	args = g_variant_lookup_value(plist, "ProgramArguments", G_VARIANT_TYPE("av"));
	assert_non_null(args);
	assert_int_equal(g_variant_n_children(args), 6);
	{
		g_autoptr(GVariant) first = g_variant_get_child_value(args, 0);
		g_autoptr(GVariant) inner = g_variant_get_variant(first);
		assert_string_equal(g_variant_get_string(inner, NULL),
				    "/Applications/Hermes & Co.app/Contents/MacOS/hermes");
	}
}

static void
test_reader_refuses(void **state)
{
	const gchar *head = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">";
	const gchar *bodies[] = {
		"<dict><key>a</key><string>1</string><key>a</key><string>2</string></dict>",
		"<dict>stray<key>a</key><string>1</string></dict>",
		"<dict><key>a</key></dict>",
		"<dict><key>a</key><key>b</key><string>1</string></dict>",
		"<dict><string>no key</string></dict>",
		"<dict><key>a</key><yes/></dict>",
		"<dict><key>a</key><integer>five</integer></dict>",
		"<dict><key>a</key><integer>99999999999999999999</integer></dict>",
		"<dict><key>a</key><string>x<b/>y</string></dict>",
		"<array><key>a</key></array>",
		"<dict id=\"1\"></dict>",
		"<dict></dict><dict></dict>",
		"<plist><dict/></plist>",
		"",
		"<dict><key>a</key><string>unterminated",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bodies); i++) {
		g_autofree gchar *text = g_strdup_printf("%s%s</plist>\n", head, bodies[i]);
		g_autoptr(GError) error = NULL;
		g_autoptr(GVariant) value = hermes_launchd_plist_parse(text, -1, &error);
		if (value != NULL)
			fail_msg("accepted: %s", bodies[i]);
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(GVariant) value =
			hermes_launchd_plist_parse("<dict><key>a</key><true/></dict>", -1, &error);
		assert_null(value);
		hermes_assert_str_contains(error->message, "not <plist>");
	}
}

/* every truncation of a plist is refused cleanly, never read as something else */
static void
test_reader_prefixes(void **state)
{
	RenderFixture *fx = *state;
	gsize len;
	fx->spec = test_case_hostile();
	fx->text = test_render(&test_cases[2].opts, fx->spec);
	len = strlen(fx->text);
	for (gsize i = 0; i < len; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GVariant) value = hermes_launchd_plist_parse(fx->text, (gssize)i, &error);
		/* only the whole document ends in </plist>: the trailing newline is optional */
		if (i == len - 1)
			continue;
		if (value != NULL)
			fail_msg("a prefix of %" G_GSIZE_FORMAT " bytes was accepted", i);
		assert_non_null(error);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		RENDER_TEST(test_reader_round_trip),
		RENDER_TEST(test_reader_refuses),
		RENDER_TEST(test_reader_prefixes),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
