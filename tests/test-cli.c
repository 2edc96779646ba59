/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The `hermes` binary as a user runs it: exit codes, one-line errors on
 * stderr, results on stdout, and nothing written on bad input. Profiles
 * (create, list, delete, bad and normalised names), backends, no
 * supervisor, and usage.
 */

#include "cli-test.h"

static void
test_cli_profile_create_list_delete(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *demo = profile_dir(f, "demo");
	g_autofree gchar *env_file = g_build_filename(demo, ".env", NULL);
	g_autoptr(JsonNode) node = NULL;
	JsonArray *array;
	GStatBuf st;

	assert_int_equal(run(f, "profile", "create", "demo"), 0);
	hermes_assert_str_contains(f->out, "Created profile 'demo'");
	assert_string_equal(f->err, "");
	assert_true(g_file_test(demo, G_FILE_TEST_IS_DIR));
	assert_int_equal(g_stat(env_file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	assert_int_equal(run(f, "profile", "list"), 0);
	hermes_assert_str_contains(f->out, "default");
	hermes_assert_str_contains(f->out, "demo");

	/* --json after the command and before the group both work */
	assert_int_equal(run(f, "--json", "profile", "list"), 0);
	node = parse_json(f->out);
	array = json_node_get_array(node);
	assert_int_equal(json_array_get_length(array), 2);
	assert_string_equal(
		json_object_get_string_member(json_array_get_object_element(array, 1), "name"),
		"demo");
	assert_true(
		json_object_get_boolean_member(json_array_get_object_element(array, 0), "default"));
	g_clear_pointer(&node, json_node_unref);
	assert_int_equal(run(f, "profile", "list", "--json"), 0);
	node = parse_json(f->out);
	assert_int_equal(json_array_get_length(json_node_get_array(node)), 2);

	assert_int_equal(run(f, "profile", "create", "demo"), 4);
	assert_one_line_error(f, "profile 'demo' already exists");

	assert_int_equal(run(f, "profile", "delete", "demo", "--yes"), 0);
	hermes_assert_str_contains(f->out, "Deleted profile 'demo'");
	assert_false(g_file_test(demo, G_FILE_TEST_EXISTS));
	assert_int_equal(run(f, "profile", "delete", "demo", "--yes"), 3);
	assert_one_line_error(f, "no such profile 'demo'");
}

static void
test_cli_profile_bad_names(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *long_name = g_strnfill(65, 'a');
	const gchar *bad[] = {"../x", "-a", "UP", long_name, "default", "", "a b", "root"};
	const gchar *why[] = {"must start with a lowercase letter",
			      "must start with a lowercase letter",
			      "profile names are lowercase (try 'up')",
			      "65 characters, at most 64",
			      "it is the built-in profile",
			      "it is empty",
			      "use only lowercase letters",
			      "it is reserved"};
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		/* "--" so that "-a" reaches the name check instead of the option parser */
		assert_int_equal(run(f, "profile", "create", "--", bad[i]), 64);
		assert_one_line_error(f, why[i]);
		assert_string_equal(f->out, "");
		/* nothing written: not even the profile root */
		assert_false(g_file_test(f->root, G_FILE_TEST_EXISTS));
	}
	/* without "--", "-a" is an unknown option: still usage, still nothing written */
	assert_int_equal(run(f, "profile", "create", "-a"), 64);
	hermes_assert_str_contains(f->err, "Unknown option -a");
	assert_false(g_file_test(f->root, G_FILE_TEST_EXISTS));
	/* -p is validated before anything runs */
	assert_int_equal(run(f, "-p", "../etc", "gateway", "start"), 64);
	assert_one_line_error(f, "invalid profile name '../etc'");
}

static void
test_cli_profile_delete_confirmation(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *demo = profile_dir(f, "demo");
	assert_int_equal(run(f, "profile", "create", "demo"), 0);

	/* a wrong answer or a closed stdin keeps the profile */
	assert_int_equal(run_with_input(f,
					"dmeo\n",
					(const gchar *const[]){"profile", "delete", "demo", NULL}),
			 1);
	hermes_assert_str_contains(f->out, "Type 'demo' to confirm");
	assert_one_line_error(f, "cancelled");
	assert_true(g_file_test(demo, G_FILE_TEST_IS_DIR));
	assert_int_equal(
		run_with_input(f, "", (const gchar *const[]){"profile", "delete", "demo", NULL}),
		1);
	assert_true(g_file_test(demo, G_FILE_TEST_IS_DIR));

	assert_int_equal(run_with_input(f,
					"demo\n",
					(const gchar *const[]){"profile", "delete", "demo", NULL}),
			 0);
	assert_false(g_file_test(demo, G_FILE_TEST_EXISTS));

	assert_int_equal(run(f, "profile", "delete", "default", "--yes"), 64);
	assert_one_line_error(f, "cannot delete the default profile");
}

static void
test_cli_backends(void **state)
{
	Fixture *f = *state;
	g_autoptr(JsonNode) node = NULL;
	JsonObject *obj;
	JsonArray *backends;
	gboolean saw_refused = FALSE;

	assert_int_equal(run(f, "backends"), 0);
	hermes_assert_str_contains(f->out, "Search path: ");
	hermes_assert_str_contains(f->out, "* fake");
	hermes_assert_str_contains(f->out, "fake backend for tests (score 1000)");
	hermes_assert_str_contains(f->out, "abimajor");
	hermes_assert_str_contains(f->out, "built for backend ABI 2.4");
	hermes_assert_str_contains(f->out, "Chosen: fake (highest score, 1000)");

	assert_int_equal(run(f, "backends", "--json"), 0);
	node = parse_json(f->out);
	obj = json_node_get_object(node);
	assert_string_equal(json_object_get_string_member(obj, "chosen"), "fake");
	assert_true(json_object_get_null_member(obj, "forced_by"));
	backends = json_object_get_array_member(obj, "backends");
	for (guint i = 0; i < json_array_get_length(backends); i++) {
		JsonObject *b = json_array_get_object_element(backends, i);
		if (g_strcmp0(json_object_get_string_member(b, "state"), "refused") == 0) {
			saw_refused = TRUE;
			assert_false(json_object_get_null_member(b, "refusal"));
		}
	}
	assert_true(saw_refused);
}

static void
test_cli_backends_forced(void **state)
{
	Fixture *f = *state;
	assert_int_equal(run(f, "--backend", "nosuch", "backends"), 69);
	hermes_assert_str_contains(f->err, "no backend named 'nosuch'; available backends: ");
	hermes_assert_str_contains(f->err, "fake");

	set_env(f, "HERMES_SERVICE_MANAGER", "abimajor");
	assert_int_equal(run(f, "backends"), 69);
	hermes_assert_str_contains(f->err, "backend 'abimajor' was refused");

	set_env(f, "HERMES_FAKE_SCORE", "0");
	set_env(f, "HERMES_SERVICE_MANAGER", "fake");
	assert_int_equal(run(f, "backends"), 0);
	hermes_assert_str_contains(f->out, "Chosen: fake (forced by HERMES_SERVICE_MANAGER)");
	/* --backend beats the environment */
	assert_int_equal(run(f, "backends", "--backend", "nosuch"), 69);
}

/* -p is normalised as upstream does (whitespace, case), then validated, in core */
static void
test_cli_profile_name_normalized(void **state)
{
	Fixture *f = *state;
	assert_int_equal(run(f, "profile", "create", "coder"), 0);
	assert_int_equal(run(f, "-p", "Coder", "gateway", "start"), 0);
	hermes_assert_str_contains(f->out, "Started gateway 'coder' (backend fake)");
	assert_int_equal(run(f, "-p", " coder ", "status", "--json"), 0);
	hermes_assert_str_contains(f->out, "\"profile\" : \"coder\"");
	assert_int_equal(run(f, "-p", "Default", "gateway", "health"), 0);
	/* still refused when invalid after that, with the hint */
	assert_int_equal(run(f, "-p", " Co der ", "gateway", "start"), 64);
	assert_one_line_error(f, "invalid profile name 'co der'");
}

static void
test_cli_no_supervisor(void **state)
{
	Fixture *f = *state;
	g_autoptr(JsonNode) node = NULL;
	g_autofree gchar *empty = g_build_filename(f->tmp, "empty", NULL);
	assert_int_equal(run(f, "profile", "create", "demo"), 0);
	g_mkdir(empty, 0755);
	set_env(f, "HERMES_BACKEND_PATH", empty);
	/* installed backends may claim this machine; then there is no "none" to test */
	run(f, "backends", "--json");
	node = parse_json(f->out);
	if (!json_object_get_null_member(json_node_get_object(node), "error") &&
	    json_object_get_null_member(json_node_get_object(node), "chosen")) {
		assert_int_equal(run(f, "-p", "demo", "gateway", "start"), 69);
		assert_one_line_error(f, "no supported service manager detected");
	} else {
		skip();
	}
}

static void
test_cli_usage(void **state)
{
	Fixture *f = *state;
	/* answered by the launcher alone, then by the module it loads (the version
	 * among other options): one program, one line, whichever part answers */
	assert_int_equal(run(f, "--version"), 0);
	assert_string_equal(f->out, "hermes " PACKAGE_VERSION "\n");
	assert_int_equal(run(f, "--json", "--version"), 0);
	assert_string_equal(f->out, "hermes " PACKAGE_VERSION "\n");
	assert_int_equal(run(f, "-p", "demo", "--version"), 0);
	assert_string_equal(f->out, "hermes " PACKAGE_VERSION "\n");
	assert_int_equal(run(f, "--help"), 0);
	hermes_assert_str_contains(f->out, "profile");
	hermes_assert_str_contains(f->out, "backends");
	assert_int_equal(run(f, "profile", "--help"), 0);
	hermes_assert_str_contains(f->out, "create NAME");
	assert_int_equal(run(f, "profile", "delete", "--help"), 0);
	hermes_assert_str_contains(f->out, "--yes");
	assert_int_equal(run(f, "gateway", "start", "--help"), 0);
	hermes_assert_str_contains(f->out, "--all");
	assert_int_equal(run(f, "backends", "--help"), 0);

	assert_int_equal(run(f, "frobnicate"), 64);
	hermes_assert_str_contains(f->err, "hermes: unknown command 'frobnicate'");
	assert_int_equal(run(f, "profile", "frob"), 64);
	hermes_assert_str_contains(f->err, "unknown profile command 'frob'");
	assert_int_equal(run(f, "profile"), 64);
	assert_int_equal(run(f, "profile", "create"), 64);
	hermes_assert_str_contains(f->err, "expected NAME");
	assert_int_equal(run(f, "profile", "list", "extra"), 64);
	assert_int_equal(run(f, "--nope"), 64);
	/* none of these may have written anything */
	assert_false(g_file_test(f->root, G_FILE_TEST_EXISTS));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cli_profile_create_list_delete),
		T(test_cli_profile_bad_names),
		T(test_cli_profile_delete_confirmation),
		T(test_cli_backends),
		T(test_cli_backends_forced),
		T(test_cli_profile_name_normalized),
		T(test_cli_no_supervisor),
		T(test_cli_usage),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
