/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The launchd plist: golden files pin the exact text; every rendered plist
 * is also checked by the project's strict plist checker (tests/plist-lint.py,
 * Python's plistlib underneath) and read back by it, so the escaping is
 * proven by an independent XML parser, not by our own reader. The label
 * and file names, the one escaping function and the small plist reader
 * the backend uses are tested here too.
 *
 * Regenerate the golden files with
 *   HERMES_UPDATE_GOLDEN=1 meson test -C <build> launchd-render
 * and read every changed one before committing it: they are the spec.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "hermes-error.h"
#include "hermes-gateway-spec.h"
#include "hermes-launchd-plist-reader.h"
#include "hermes-launchd-render.h"
#include "hermes-launchd-xml.h"
#include "hermes-test.h"

#define TEST_PYTHON "/usr/bin/python3"

typedef struct {
	gchar *tmpdir;
	HermesGatewaySpec *spec;
	gchar *text;
	JsonNode *json;
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
	g_free(fx->text);
	if (fx->json != NULL)
		json_node_unref(fx->json);
	g_free(fx);
	hermes_test_check_logs();
	return 0;
}

/*****************************************************************************/
/* the cases */

/* (a) `hermes gateway install` for the default profile, as hermes_gateway_spec_new_default() builds it */
static HermesGatewaySpec *
test_case_default(void)
{
	return hermes_test_spec_new(
		"default",
		(const gchar *[]){"/opt/homebrew/bin/hermes", "gateway", "run", "--replace", NULL});
}

/* (b) a named profile: its own workdir and log directory, extra environment, delays */
static HermesGatewaySpec *
test_case_coder(void)
{
	HermesGatewaySpec *spec = hermes_test_spec_new("coder",
						       (const gchar *[]){"/usr/local/bin/hermes",
									 "-p",
									 "coder",
									 "gateway",
									 "run",
									 "--replace",
									 NULL});
	hermes_gateway_spec_set_working_directory(spec, "/Users/alice/work");
	hermes_gateway_spec_set_log_directory(spec, "/Users/alice/Library/Logs/hermes");
	hermes_gateway_spec_set_restart_delay_ms(spec, 2500);
	hermes_gateway_spec_set_stop_timeout_ms(spec, 30000);
	/* deliberately not in order: the plist must sort them */
	hermes_test_spec_setenv(spec, "ZED", "last");
	hermes_test_spec_setenv(spec, "API_SERVER_PORT", "8643");
	hermes_test_spec_setenv(spec, "AAA", "first");
	return spec;
}

static const struct {
	const gchar *name;
	const gchar *value;
} test_hostile_env[] = {
	{"AMP", "fish & chips"},
	{"ANGLE", "<string>not a tag</string>"},
	{"CDATA_END", "]]>"},
	{"QUOTES", "it's \"quoted\""},
	{"ENTITY", "&amp; stays &amp;"},
	{"SHELL_ISH", "$(id) `id` ${HOME}"},
	{"MULTI", "line one\nline two\r\nline three\r"},
	{"TAB", "a\tb"},
	{"UNICODE", "gr\xc3\xbc\xc3\x9f \xe2\x9c\x93 \xf0\x9f\x98\x80"},
	{"EMPTY", ""},
	{"SPACE", "  leading and trailing  "},
};

/* (c) values that break a plist written without escaping */
static HermesGatewaySpec *
test_case_hostile(void)
{
	HermesGatewaySpec *spec = hermes_test_spec_new(
		"hostile",
		(const gchar *[]){"/Applications/Hermes & Co.app/Contents/MacOS/hermes",
				  "-p",
				  "hostile",
				  "gateway",
				  "run",
				  "--name=<a&b>",
				  NULL});
	for (guint i = 0; i < G_N_ELEMENTS(test_hostile_env); i++)
		hermes_test_spec_setenv(spec, test_hostile_env[i].name, test_hostile_env[i].value);
	/* the contract wins over the spec: these are overridden */
	hermes_test_spec_setenv(spec, "XPC_SERVICE_NAME", "0");
	hermes_test_spec_setenv(spec, "HERMES_SUPERVISED_CHILD", "0");
	hermes_test_spec_setenv(spec, "HERMES_HOME", "/somewhere/else");
	hermes_test_spec_setenv(spec, "PATH", "/custom/bin:/usr/bin");
	return spec;
}

/* (d) a gateway meant to restart even after a clean exit: plain KeepAlive */
static HermesGatewaySpec *
test_case_always(void)
{
	const gint codes[] = {HERMES_EXIT_FATAL_CONFIG};
	HermesGatewaySpec *spec = hermes_test_spec_new(
		"always", (const gchar *[]){"/usr/local/bin/hermes", "-p", "always", NULL});
	hermes_gateway_spec_set_no_restart_exit_codes(spec, codes, G_N_ELEMENTS(codes));
	hermes_gateway_spec_set_restart_delay_ms(spec, 0);
	hermes_gateway_spec_set_stop_timeout_ms(spec, 1);
	return spec;
}

/* (e) a LaunchDaemon (system scope) running as its own account */
static HermesGatewaySpec *
test_case_daemon(void)
{
	HermesGatewaySpec *spec = hermes_test_spec_new(
		"ops",
		(const gchar *[]){"/usr/local/bin/hermes", "-p", "ops", "gateway", "run", NULL});
	hermes_gateway_spec_set_user(spec, "_hermes");
	return spec;
}

typedef struct {
	const gchar *name;
	HermesGatewaySpec *(*build)(void);
	HermesLaunchdRenderOptions opts;
} TestCase;

static const TestCase test_cases[] = {
	{"default", test_case_default, {"/Users/alice/.hermes", NULL}},
	{"coder", test_case_coder, {"/Users/alice/.hermes/profiles/coder", NULL}},
	{"hostile", test_case_hostile, {"/Users/alice/my <hermes> & co/profiles/hostile", NULL}},
	{"always", test_case_always, {"/Users/alice/.hermes/profiles/always", NULL}},
	{"daemon", test_case_daemon, {"/var/lib/hermes/profiles/ops", "_hermes"}},
};

static gchar *
test_render(const HermesLaunchdRenderOptions *opts, HermesGatewaySpec *spec)
{
	g_autoptr(GError) error = NULL;
	gchar *text = hermes_launchd_render_plist(opts, spec, &error);
	hermes_assert_no_error(error);
	assert_non_null(text);
	return text;
}

/*****************************************************************************/
/* golden files */

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
		RENDER_TEST(test_golden_always),
		RENDER_TEST(test_golden_daemon),
		RENDER_TEST(test_render_properties),
		RENDER_TEST(test_render_drops_replace),
		RENDER_TEST(test_render_contract_env),
		RENDER_TEST(test_labels),
		RENDER_TEST(test_escape),
		RENDER_TEST(test_refuse),
		RENDER_TEST(test_reader_round_trip),
		RENDER_TEST(test_reader_refuses),
		RENDER_TEST(test_reader_prefixes),
		RENDER_TEST(test_lint_rejects),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
