/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The launchd plist: golden files pin the exact text; every rendered plist
 * is also checked by the project's strict plist checker (tests/plist-lint.py,
 * Python's plistlib underneath) and read back by it, so the escaping is
 * proven by an independent XML parser, not by our own reader. The checker
 * itself is shown to fail.
 *
 * Regenerate the golden files with
 *   HERMES_UPDATE_GOLDEN=1 meson test -C <build> launchd-render
 * and read every changed one before committing it: they are the spec.
 */

#include "launchd-render-test.h"

/*****************************************************************************/
/* the independent checker */

static gboolean
test_have_python(void)
{
	return g_file_test(TEST_PYTHON, G_FILE_TEST_IS_EXECUTABLE);
}

/* runs plist-lint.py @args on a file holding @text; returns its exit code */
static gint
test_lint(RenderFixture *fx, const gchar *text, gboolean json, gchar **out)
{
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "check.plist", NULL);
	g_autofree gchar *lint =
		g_build_filename(hermes_test_env("HERMES_TEST_SRCDIR"), "plist-lint.py", NULL);
	g_autofree gchar *stdout_buf = NULL;
	g_autofree gchar *stderr_buf = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *argv_json[] = {TEST_PYTHON, lint, "--json", path, NULL};
	const gchar *argv_plain[] = {TEST_PYTHON, lint, path, NULL};
	gint wait_status = 0;

	hermes_test_write_file(path, text, 0644);
	if (!g_spawn_sync(NULL,
			  (gchar **)(json ? argv_json : argv_plain),
			  NULL,
			  G_SPAWN_DEFAULT,
			  NULL,
			  NULL,
			  &stdout_buf,
			  &stderr_buf,
			  &wait_status,
			  &error))
		fail_msg("cannot run %s: %s", lint, error->message);
	if (!WIFEXITED(wait_status))
		fail_msg("plist-lint.py did not exit normally: %s", stderr_buf);
	if (out != NULL)
		*out = g_strconcat(stdout_buf, stderr_buf, NULL);
	return WEXITSTATUS(wait_status);
}

/* the plist must pass the strict checker; returns it as plistlib read it */
static JsonNode *
test_lint_ok(RenderFixture *fx, const gchar *name, const gchar *text)
{
	g_autofree gchar *out = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	if (test_lint(fx, text, TRUE, &out) != 0)
		fail_msg("plist-lint.py rejects the %s plist:\n%s\n%s", name, out, text);
	if (!json_parser_load_from_data(parser, out, -1, &error))
		fail_msg("plist-lint.py --json printed no JSON (%s): %s", error->message, out);
	return json_node_copy(json_parser_get_root(parser));
}

static const gchar *
test_json_env(JsonNode *plist, const gchar *name)
{
	JsonObject *env =
		json_object_get_object_member(json_node_get_object(plist), "EnvironmentVariables");
	if (env == NULL || !json_object_has_member(env, name))
		return NULL;
	return json_object_get_string_member(env, name);
}

/* what launchd reads equals what the spec says, whatever the escaping */
static void
test_assert_round_trip(const TestCase *tc, HermesGatewaySpec *spec, JsonNode *plist)
{
	JsonObject *root = json_node_get_object(plist);
	JsonArray *args = json_object_get_array_member(root, "ProgramArguments");
	JsonObject *env = json_object_get_object_member(root, "EnvironmentVariables");
	g_auto(GStrv) argv = hermes_launchd_render_argv(spec);
	g_auto(GStrv) names = hermes_gateway_spec_get_env_names(spec);
	g_autofree gchar *label = hermes_launchd_label(hermes_gateway_spec_get_profile(spec));
	guint expected_env = 3; /* HERMES_HOME, HERMES_SUPERVISED_CHILD, XPC_SERVICE_NAME */

	assert_string_equal(json_object_get_string_member(root, "Label"), label);
	assert_int_equal(json_array_get_length(args), g_strv_length(argv));
	for (guint i = 0; argv[i] != NULL; i++)
		assert_string_equal(json_array_get_string_element(args, i), argv[i]);
	for (guint i = 0; names[i] != NULL; i++) {
		if (g_strcmp0(names[i], "HERMES_HOME") == 0 ||
		    g_strcmp0(names[i], "HERMES_SUPERVISED_CHILD") == 0 ||
		    g_strcmp0(names[i], "XPC_SERVICE_NAME") == 0)
			continue;
		assert_string_equal(test_json_env(plist, names[i]),
				    hermes_gateway_spec_get_env(spec, names[i]));
		expected_env++;
	}
	if (hermes_gateway_spec_get_env(spec, "PATH") == NULL)
		expected_env++;
	/* the gateway's exit-code contract under launchd needs these three */
	assert_string_equal(test_json_env(plist, "HERMES_HOME"), tc->opts.home);
	assert_string_equal(test_json_env(plist, "HERMES_SUPERVISED_CHILD"), "1");
	assert_string_equal(test_json_env(plist, "XPC_SERVICE_NAME"), label);
	assert_int_equal(json_object_get_size(env), expected_env);
	assert_true(json_object_get_boolean_member(root, "RunAtLoad"));
	if (tc->opts.user_name != NULL)
		assert_string_equal(json_object_get_string_member(root, "UserName"),
				    tc->opts.user_name);
	else
		assert_false(json_object_has_member(root, "UserName"));
}

static void
test_golden_case(void **state, guint index)
{
	RenderFixture *fx = *state;
	const TestCase *tc = &test_cases[index];
	g_autofree gchar *basename = g_strdup_printf("%s.plist", tc->name);

	fx->spec = tc->build();
	fx->text = test_render(&tc->opts, fx->spec);
	hermes_test_golden_check("launchd", basename, fx->text);
	if (!test_have_python())
		skip();
	fx->json = test_lint_ok(fx, tc->name, fx->text);
	test_assert_round_trip(tc, fx->spec, fx->json);
}

static void
test_golden_default(void **state)
{
	test_golden_case(state, 0);
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
test_golden_always(void **state)
{
	test_golden_case(state, 3);
}

static void
test_golden_daemon(void **state)
{
	test_golden_case(state, 4);
}

/* the keys whose values the golden files show, asserted by meaning too */
static void
test_render_properties(void **state)
{
	RenderFixture *fx = *state;
	JsonObject *root;
	JsonObject *keepalive;

	if (!test_have_python())
		skip();
	fx->spec = test_case_coder();
	fx->text = test_render(&test_cases[1].opts, fx->spec);
	fx->json = test_lint_ok(fx, "coder", fx->text);
	root = json_node_get_object(fx->json);
	/* a clean exit parks the job; a crash is relaunched */
	keepalive = json_object_get_object_member(root, "KeepAlive");
	assert_non_null(keepalive);
	assert_int_equal(json_object_get_size(keepalive), 1);
	assert_false(json_object_get_boolean_member(keepalive, "SuccessfulExit"));
	/* the restart delay and the stop timeout, rounded up to whole seconds */
	assert_int_equal(json_object_get_int_member(root, "ThrottleInterval"), 3);
	assert_int_equal(json_object_get_int_member(root, "ExitTimeOut"), 30);
	assert_string_equal(json_object_get_string_member(root, "WorkingDirectory"),
			    "/Users/alice/work");
	assert_string_equal(json_object_get_string_member(root, "StandardOutPath"),
			    "/Users/alice/Library/Logs/hermes/gateway.log");
	assert_string_equal(json_object_get_string_member(root, "StandardErrorPath"),
			    "/Users/alice/Library/Logs/hermes/gateway.error.log");
	/* launchd reads no shell profile: the directory of hermes comes first */
	assert_true(g_str_has_prefix(test_json_env(fx->json, "PATH"), "/usr/local/bin:"));
	assert_null(strstr(test_json_env(fx->json, "PATH"), "/usr/local/bin:/usr/local/bin"));
	/* without a workdir or a log directory, the profile's home and its logs/ */
	g_clear_pointer(&fx->spec, hermes_gateway_spec_unref);
	g_clear_pointer(&fx->text, g_free);
	g_clear_pointer(&fx->json, json_node_unref);
	fx->spec = test_case_default();
	fx->text = test_render(&test_cases[0].opts, fx->spec);
	fx->json = test_lint_ok(fx, "default", fx->text);
	root = json_node_get_object(fx->json);
	assert_string_equal(json_object_get_string_member(root, "WorkingDirectory"),
			    "/Users/alice/.hermes");
	assert_string_equal(json_object_get_string_member(root, "StandardOutPath"),
			    "/Users/alice/.hermes/logs/gateway.log");
	assert_string_equal(json_object_get_string_member(root, "StandardErrorPath"),
			    "/Users/alice/.hermes/logs/gateway.error.log");
	assert_int_equal(json_object_get_int_member(root, "ThrottleInterval"), 1);
	assert_int_equal(json_object_get_int_member(root, "ExitTimeOut"), 90);
	assert_string_equal(test_json_env(fx->json, "PATH"),
			    "/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin");
	/* a spec that restarts after exit 0 gets plain KeepAlive */
	g_clear_pointer(&fx->spec, hermes_gateway_spec_unref);
	g_clear_pointer(&fx->text, g_free);
	g_clear_pointer(&fx->json, json_node_unref);
	fx->spec = test_case_always();
	fx->text = test_render(&test_cases[3].opts, fx->spec);
	fx->json = test_lint_ok(fx, "always", fx->text);
	root = json_node_get_object(fx->json);
	assert_true(json_object_get_boolean_member(root, "KeepAlive"));
	assert_int_equal(json_object_get_int_member(root, "ThrottleInterval"), 1);
	assert_int_equal(json_object_get_int_member(root, "ExitTimeOut"), 1);
}

/* --replace is dropped: under KeepAlive, profiles sharing a token would fight forever */
static void
test_render_drops_replace(void **state)
{
	RenderFixture *fx = *state;
	g_auto(GStrv) argv = NULL;
	fx->spec = hermes_test_spec_new(
		"demo",
		(const gchar *[]){
			"/usr/bin/hermes", "-p", "demo", "gateway", "run", "--replace", NULL});
	argv = hermes_launchd_render_argv(fx->spec);
	assert_int_equal(g_strv_length(argv), 5);
	assert_string_equal(argv[4], "run");
	fx->text = test_render(&test_cases[0].opts, fx->spec);
	assert_null(strstr(fx->text, "--replace"));
	/* only the exact word: `--replace=x` is someone's argument */
	g_clear_pointer(&argv, g_strfreev);
	hermes_gateway_spec_set_argv(fx->spec,
				     (const gchar *[]){"/usr/bin/gw", "--replace=x", NULL});
	argv = hermes_launchd_render_argv(fx->spec);
	assert_int_equal(g_strv_length(argv), 2);
	assert_string_equal(argv[1], "--replace=x");
}

/* the plist sets what the runner checks: XPC_SERVICE_NAME, never "0" */
static void
test_render_contract_env(void **state)
{
	RenderFixture *fx = *state;
	fx->spec = test_case_hostile();
	fx->text = test_render(&test_cases[2].opts, fx->spec);
	hermes_assert_str_contains(fx->text,
				   "\t\t<key>XPC_SERVICE_NAME</key>\n"
				   "\t\t<string>ai.hermes.gateway-hostile</string>\n");
	hermes_assert_str_contains(fx->text,
				   "\t\t<key>HERMES_SUPERVISED_CHILD</key>\n"
				   "\t\t<string>1</string>\n");
	assert_null(strstr(fx->text, "/somewhere/else"));
	/* one entry per name, the contract's */
	{
		const gchar *p = fx->text;
		guint n = 0;
		while ((p = strstr(p, "<key>XPC_SERVICE_NAME</key>")) != NULL) {
			n++;
			p++;
		}
		assert_int_equal(n, 1);
	}
	/* a spec's own PATH is kept as it is */
	hermes_assert_str_contains(fx->text, "<string>/custom/bin:/usr/bin</string>");
}

/*****************************************************************************/
/* the checker itself can fail */

static gchar *
test_replace(const gchar *text, const gchar *from, const gchar *to)
{
	GString *out = g_string_new(text);
	if (g_string_replace(out, from, to, 1) != 1)
		fail_msg("'%s' is not in the text", from);
	return g_string_free(out, FALSE);
}

static void
test_lint_rejects(void **state)
{
	RenderFixture *fx = *state;
	g_autofree gchar *out = NULL;
	g_autofree gchar *broken = NULL;

	if (!test_have_python())
		skip();
	fx->spec = test_case_default();
	fx->text = test_render(&test_cases[0].opts, fx->spec);
	/* a typo in a key, a hand-written escape gone wrong, a truncation */
	broken = test_replace(fx->text, "<key>KeepAlive</key>", "<key>KeepAlvie</key>");
	assert_int_equal(test_lint(fx, broken, FALSE, &out), 1);
	hermes_assert_str_contains(out, "unknown key 'KeepAlvie'");
	g_clear_pointer(&broken, g_free);
	g_clear_pointer(&out, g_free);
	broken = test_replace(fx->text, "/opt/homebrew", "/opt/home&brew");
	assert_int_equal(test_lint(fx, broken, FALSE, &out), 1);
	hermes_assert_str_contains(out, "not well-formed");
	g_clear_pointer(&broken, g_free);
	g_clear_pointer(&out, g_free);
	broken = g_strndup(fx->text, strlen(fx->text) / 2);
	assert_int_equal(test_lint(fx, broken, FALSE, &out), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		RENDER_TEST(test_golden_default),
		RENDER_TEST(test_golden_coder),
		RENDER_TEST(test_golden_hostile),
		RENDER_TEST(test_golden_always),
		RENDER_TEST(test_golden_daemon),
		RENDER_TEST(test_render_properties),
		RENDER_TEST(test_render_drops_replace),
		RENDER_TEST(test_render_contract_env),
		RENDER_TEST(test_lint_rejects),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
