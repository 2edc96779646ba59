/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The `hermes` binary as a user runs it: exit codes, one-line errors on
 * stderr, results on stdout, and nothing written on bad input. Under the
 * valgrind test setup every invocation runs under valgrind too
 * (HERMES_TEST_WRAPPER), and a valgrind error shows up as exit 99.
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hermes-svc.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmp;
	gchar *root; /* HERMES_HOME */
	gchar **envp;
	gchar *out;
	gchar *err;
} Fixture;

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->tmp = hermes_test_mkdtemp();
	f->root = g_build_filename(f->tmp, "hermes-home", NULL);
	f->envp = g_get_environ();
	f->envp = g_environ_setenv(f->envp, "HOME", f->tmp, TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_HOME", f->root, TRUE);
	f->envp = g_environ_setenv(
		f->envp, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_PLUGIN_DIR"), TRUE);
	f->envp = g_environ_unsetenv(f->envp, "HERMES_SERVICE_MANAGER");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_FAKE_FAIL");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_FAKE_GATEWAYS");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_FAKE_STATES");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_SUPERVISED_CHILD");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_S6_SUPERVISED_CHILD");
	f->envp = g_environ_unsetenv(f->envp, "GATEWAY_MULTIPLEX_PROFILES");
	f->envp = g_environ_setenv(f->envp, "HERMES_FAKE_SCORE", "1000", TRUE);
	*state = f;
	return 0;
}

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	hermes_test_check_logs();
	hermes_test_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f->root);
	g_strfreev(f->envp);
	g_free(f->out);
	g_free(f->err);
	g_free(f);
	return 0;
}

static void
set_env(Fixture *f, const gchar *name, const gchar *value)
{
	if (value == NULL)
		f->envp = g_environ_unsetenv(f->envp, name);
	else
		f->envp = g_environ_setenv(f->envp, name, value, TRUE);
}

/* runs hermes with @args (NULL-terminated), feeding @input; returns the exit status */
static gint
run_with_input(Fixture *f, const gchar *input, const gchar *const *args)
{
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	const gchar *wrapper = g_getenv("HERMES_TEST_WRAPPER");

	if (wrapper != NULL && wrapper[0] != '\0') {
		g_auto(GStrv) parts = g_strsplit(wrapper, " ", -1);
		for (guint i = 0; parts[i] != NULL; i++)
			g_ptr_array_add(argv, g_strdup(parts[i]));
		g_ptr_array_add(argv, g_strdup("--quiet"));
	}
	g_ptr_array_add(argv, g_strdup(hermes_test_env("HERMES_TEST_HERMES")));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(args[i]));
	g_ptr_array_add(argv, NULL);

	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE |
					     G_SUBPROCESS_FLAGS_STDOUT_PIPE |
					     G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_subprocess_launcher_set_environ(launcher, f->envp);
	g_subprocess_launcher_set_cwd(launcher, f->tmp);
	proc = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	hermes_assert_no_error(error);
	g_clear_pointer(&f->out, g_free);
	g_clear_pointer(&f->err, g_free);
	g_subprocess_communicate_utf8(
		proc, input != NULL ? input : "", NULL, &f->out, &f->err, &error);
	hermes_assert_no_error(error);
	hermes_test_strip_valgrind(f->err);
	assert_true(g_subprocess_get_if_exited(proc));
	return g_subprocess_get_exit_status(proc);
}

#define run(f, ...) run_with_input(f, NULL, (const gchar *const[]){__VA_ARGS__, NULL})

static guint
count_lines(const gchar *text)
{
	guint n = 0;
	for (const gchar *p = text; *p != '\0'; p++) {
		if (*p == '\n')
			n++;
	}
	return n;
}

/* an error is exactly one line on stderr, "hermes: ..." */
static void
assert_one_line_error(Fixture *f, const gchar *needle)
{
	if (count_lines(f->err) != 1 || !g_str_has_prefix(f->err, "hermes: "))
		fail_msg("expected one 'hermes: ' line on stderr, got: '%s'", f->err);
	hermes_assert_str_contains(f->err, needle);
}

static gchar *
profile_dir(Fixture *f, const gchar *name)
{
	return g_build_filename(f->root, "profiles", name, NULL);
}

static JsonNode *
parse_json(const gchar *text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	if (!json_parser_load_from_data(parser, text, -1, &error))
		fail_msg("not JSON (%s): %s", error->message, text);
	return json_node_copy(json_parser_get_root(parser));
}

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
	hermes_assert_str_contains(f->out, "built for backend ABI 2.2");
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

static void
test_cli_gateway_dispatch(void **state)
{
	Fixture *f = *state;
	assert_int_equal(run(f, "profile", "create", "demo"), 0);
	set_env(f, "HERMES_FAKE_GATEWAYS", "demo");
	assert_int_equal(run(f, "-p", "demo", "gateway", "start"), 0);
	assert_string_equal(f->out, "Started gateway 'demo' (backend fake)\n");
	assert_int_equal(run(f, "gateway", "status", "-p", "demo", "--json"), 0);
	{
		g_autoptr(JsonNode) node = parse_json(f->out);
		JsonObject *top = json_node_get_object(node);
		JsonObject *s = json_array_get_object_element(
			json_object_get_array_member(top, "gateways"), 0);
		assert_string_equal(
			json_object_get_string_member(json_object_get_object_member(top, "manager"),
						      "backend"),
			"fake");
		/* a fresh fake process knows nothing of the last one: down, and honest about it */
		assert_string_equal(json_object_get_string_member(s, "profile"), "demo");
		assert_string_equal(json_object_get_string_member(s, "state"), "down");
	}

	/* an unknown profile: the exact hint, the not-found code */
	assert_int_equal(run(f, "-p", "ghost", "gateway", "start"), 3);
	assert_one_line_error(
		f,
		"no such gateway 'ghost': create it with 'hermes profile create ghost' "
		"or pass an existing profile with -p");

	/* a supervisor failure: action, gateway, backend and its code on one line */
	set_env(f, "HERMES_FAKE_FAIL", "stop");
	assert_int_equal(run(f, "-p", "demo", "gateway", "stop"), 1);
	assert_one_line_error(f,
			      "stop gateway 'demo' failed (backend fake, CommandFailed): fake stop "
			      "failed as asked");
	assert_string_equal(f->out, "");
}

static gchar *
desired_of(Fixture *f, const gchar *profile)
{
	g_autofree gchar *home = profile_dir(f, profile);
	return hermes_gateway_state_get_desired(home);
}

static void
test_cli_gateway_intent(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *home = profile_dir(f, "demo");
	g_autofree gchar *state_path = g_build_filename(home, "gateway_state.json", NULL);
	g_autofree gchar *contents = NULL;
	g_autofree gchar *desired = NULL;

	assert_int_equal(run(f, "profile", "create", "demo"), 0);
	set_env(f, "HERMES_FAKE_GATEWAYS", "demo");
	/* hermes-agent's keys survive our writes */
	hermes_test_write_file(
		state_path, "{\"gateway_state\":\"running\",\"active_agents\":2}", 0644);
	assert_int_equal(run(f, "-p", "demo", "gateway", "stop"), 0);
	desired = desired_of(f, "demo");
	assert_string_equal(desired, "stopped");
	g_clear_pointer(&desired, g_free);
	assert_true(g_file_get_contents(state_path, &contents, NULL, NULL));
	hermes_assert_str_contains(contents, "\"active_agents\":2");

	/* a refused start puts the previous intent back */
	set_env(f, "HERMES_FAKE_FAIL", "start");
	assert_int_equal(run(f, "-p", "demo", "gateway", "start"), 1);
	desired = desired_of(f, "demo");
	assert_string_equal(desired, "stopped");
	g_clear_pointer(&desired, g_free);
	set_env(f, "HERMES_FAKE_FAIL", NULL);
	assert_int_equal(run(f, "-p", "demo", "gateway", "restart"), 0);
	desired = desired_of(f, "demo");
	assert_string_equal(desired, "running");

	/* a corrupt state file is not overwritten, and the supervisor is not asked */
	hermes_test_write_file(state_path, "{broken", 0644);
	assert_int_equal(run(f, "-p", "demo", "gateway", "stop"), 65);
	assert_one_line_error(f,
			      "stop gateway 'demo' not attempted: cannot record the desired state");
	g_clear_pointer(&contents, g_free);
	assert_true(g_file_get_contents(state_path, &contents, NULL, NULL));
	assert_string_equal(contents, "{broken");
}

static void
test_cli_status_port_collision(void **state)
{
	Fixture *f = *state;
	const gchar *names[] = {"port", "b", "c"};
	for (guint i = 0; i < G_N_ELEMENTS(names); i++)
		assert_int_equal(run(f, "profile", "create", names[i]), 0);
	/* a profile named like a word of the message is matched by name, not by text */
	for (guint i = 0; i < 2; i++) {
		g_autofree gchar *env =
			g_build_filename(f->root, "profiles", names[i], ".env", NULL);
		hermes_test_write_file(env, "API_SERVER_PORT=8642\n", 0600);
	}
	set_env(f, "HERMES_FAKE_GATEWAYS", "port,b,c");
	assert_int_equal(run(f, "status", "--json"), 0);
	{
		g_autoptr(JsonNode) node = parse_json(f->out);
		JsonArray *gateways =
			json_object_get_array_member(json_node_get_object(node), "gateways");
		for (guint i = 0; i < json_array_get_length(gateways); i++) {
			JsonObject *g = json_array_get_object_element(gateways, i);
			const gchar *profile = json_object_get_string_member(g, "profile");
			JsonArray *warnings = json_object_get_array_member(g, "warnings");
			gboolean flagged = FALSE;
			for (guint j = 0; j < json_array_get_length(warnings); j++)
				flagged |= strstr(json_array_get_string_element(warnings, j),
						  "port collision") != NULL;
			assert_int_equal(flagged,
					 g_strcmp0(profile, "port") == 0 ||
						 g_strcmp0(profile, "b") == 0);
		}
	}
}

static void
test_cli_gateway_install_render(void **state)
{
	Fixture *f = *state;
	assert_int_equal(run(f, "profile", "create", "demo"), 0);
	/* render prints the backend's steps and changes nothing */
	assert_int_equal(run(f, "-p", "demo", "gateway", "render"), 0);
	hermes_assert_str_contains(f->out, "# file /fake/demo.conf (mode 0644)\nexec=");
	hermes_assert_str_contains(f->out, "gateway run --replace\n");
	hermes_assert_str_contains(f->out, "# run: fake-reload demo  # reload the fake supervisor");
	{
		g_autofree gchar *rendered = g_strdup(f->out);
		assert_int_equal(run(f, "-p", "demo", "gateway", "install", "--dry-run"), 0);
		assert_string_equal(f->out, rendered);
	}
	assert_int_equal(run(f, "-p", "demo", "gateway", "install", "--start", "--enable"), 0);
	assert_string_equal(f->out,
			    "Installed gateway 'demo' with fake (host), started, starts at boot\n");
	assert_int_equal(run(f, "-p", "demo", "gateway", "uninstall"), 0);
	assert_string_equal(f->out, "Uninstalled gateway 'demo' from fake\n");
	/* the minimal backend cannot: a clear "not supported" */
	assert_int_equal(run(f, "--backend", "minimal", "-p", "demo", "gateway", "install"), 5);
	assert_one_line_error(
		f, "install gateway 'demo' failed: the minimal backend does not support install");
	assert_int_equal(run(f, "-p", "ghost", "gateway", "render"), 3);
}

static void
test_cli_gateway_refuses_from_inside(void **state)
{
	Fixture *f = *state;
	assert_int_equal(run(f, "profile", "create", "demo"), 0);
	set_env(f, "HERMES_FAKE_GATEWAYS", "demo");
	set_env(f, "HERMES_SUPERVISED_CHILD", "1");
	assert_int_equal(run(f, "-p", "demo", "gateway", "stop"), 77);
	assert_one_line_error(
		f, "refusing to stop or restart a gateway from inside a supervised gateway");
	assert_int_equal(run(f, "-p", "demo", "gateway", "restart"), 77);
	/* starting is harmless */
	assert_int_equal(run(f, "-p", "demo", "gateway", "start"), 0);
}

/* one intent rule: a gateway_state of running without a desired_state means "meant to run" */
static void
test_cli_health_runtime_intent(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *home = profile_dir(f, "demo");
	g_autofree gchar *state_path = g_build_filename(home, "gateway_state.json", NULL);

	assert_int_equal(run(f, "profile", "create", "demo"), 0);
	set_env(f, "HERMES_FAKE_GATEWAYS", "demo");
	assert_int_equal(run(f, "gateway", "health", "--all"), 0);
	/* written by hermes-agent: the boot reconciler starts it, so health expects it up */
	hermes_test_write_file(state_path, "{\"gateway_state\":\"running\"}", 0644);
	assert_int_equal(run(f, "gateway", "health", "--all"), 1);
	hermes_assert_str_contains(f->err, "hermes: unhealthy: gateway 'demo' is down");
	hermes_assert_str_contains(f->err, "meant to run (gateway_state=running) but not up");
	assert_int_equal(run(f, "status"), 0);
	hermes_assert_str_contains(f->out, "! meant to run (gateway_state=running) but not up");
	/* the operator's intent wins over the gateway's own */
	hermes_test_write_file(
		state_path, "{\"gateway_state\":\"running\",\"desired_state\":\"stopped\"}", 0644);
	assert_int_equal(run(f, "gateway", "health", "--all"), 0);
}

/* why a gateway failed comes from the typed reason, whatever the backend */
static void
test_cli_status_reason(void **state)
{
	Fixture *f = *state;
	set_env(f, "HERMES_FAKE_STATES", "alpha=parked,beta=failed");
	assert_int_equal(run(f, "status"), 0);
	hermes_assert_str_contains(f->out, "! parked: 5 deaths within 60 s (fake)");
	hermes_assert_str_contains(f->out, "! failed: exited 78 (fatal configuration error)");
	assert_null(strstr(f->out, "no reason recorded"));
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

/* every problem carries the command that fixes it */
static void
test_cli_status_fix(void **state)
{
	Fixture *f = *state;
	assert_int_equal(run(f, "profile", "create", "demo"), 0);
	assert_int_equal(run(f, "status"), 0);
	hermes_assert_str_contains(f->out,
				   "  ! no slot with the supervisor: 'hermes gateway start' "
				   "registers one\n    fix: hermes -p demo gateway start\n");
	set_env(f, "HERMES_FAKE_GATEWAYS", "demo");
	set_env(f, "HERMES_FAKE_FAIL", "gone");
	assert_int_equal(run(f, "-p", "demo", "status"), 69);
	assert_one_line_error(f,
			      "status of gateway 'demo' failed (backend fake, "
			      "SupervisorUnavailable): the fake supervisor is not running");
	hermes_assert_str_contains(f->out, "    fix: hermes supervisor status\n");
}

static void
test_cli_gateway_all(void **state)
{
	Fixture *f = *state;
	set_env(f, "HERMES_FAKE_GATEWAYS", "");
	assert_int_equal(run(f, "gateway", "restart", "--all"), 2);
	assert_string_equal(f->out, "No gateways registered with fake.\n");

	set_env(f, "HERMES_FAKE_GATEWAYS", "alpha,beta,gamma");
	set_env(f, "HERMES_FAKE_FAIL", "start:beta");
	assert_int_equal(run(f, "gateway", "start", "--all"), 1);
	/* every gateway is tried, failures are counted */
	hermes_assert_str_contains(f->out, "Started gateway 'alpha'");
	hermes_assert_str_contains(f->out, "Started gateway 'gamma'");
	hermes_assert_str_contains(f->err, "hermes: start gateway 'beta' failed");
	hermes_assert_str_contains(f->err, "hermes: 1 of 3 gateways failed to start");
	assert_int_equal(count_lines(f->err), 2);

	assert_int_equal(run(f, "-p", "alpha", "gateway", "stop", "--all"), 64);
	assert_one_line_error(f, "--all and -p cannot be combined");
	assert_int_equal(run(f, "-p", "alpha", "gateway", "status", "--all"), 64);
	assert_one_line_error(f, "--all and -p cannot be combined");

	/* status failures carry the same context as lifecycle failures */
	set_env(f, "HERMES_FAKE_FAIL", "status:beta");
	assert_int_equal(run(f, "status"), 1);
	hermes_assert_str_contains(f->out, "alpha");
	assert_one_line_error(f, "status of gateway 'beta' failed (backend fake, CommandFailed)");

	set_env(f, "HERMES_FAKE_FAIL", NULL);
	assert_int_equal(run(f, "status"), 0);
	hermes_assert_str_contains(f->out, "PROFILE");
	hermes_assert_str_contains(f->out, "alpha");
	hermes_assert_str_contains(f->out, "gamma");
	/* -p narrows `hermes status` to one gateway (the profile must exist) */
	assert_int_equal(run(f, "profile", "create", "alpha"), 0);
	assert_int_equal(run(f, "status", "-p", "alpha", "--json"), 0);
	{
		g_autoptr(JsonNode) node = parse_json(f->out);
		JsonArray *gateways =
			json_object_get_array_member(json_node_get_object(node), "gateways");
		assert_int_equal(json_array_get_length(gateways), 1);
		assert_string_equal(json_object_get_string_member(
					    json_array_get_object_element(gateways, 0), "profile"),
				    "alpha");
	}
	/* a global option given twice: the last one wins */
	assert_int_equal(run(f, "-p", "nosuch", "status", "-p", "alpha"), 0);
	hermes_assert_str_contains(f->out, "alpha");
}

/*
 * hermes-agent's multiplexer on: a named profile's start, stop and restart
 * exit 78 with one line of guidance (as upstream's guard), unless --force;
 * --all passes over the profiles the default gateway serves
 */
static void
test_cli_gateway_multiplexed(void **state)
{
	Fixture *f = *state;
	const gchar *verbs[] = {"start", "stop", "restart"};
	g_autofree gchar *config = g_build_filename(f->root, "config.yaml", NULL);
	g_autofree gchar *coder = profile_dir(f, "coder");
	g_autofree gchar *coder_state = g_build_filename(coder, "gateway_state.json", NULL);

	assert_int_equal(run(f, "profile", "create", "coder"), 0);
	hermes_test_write_file(config, "gateway:\n  multiplex_profiles: true\n", 0644);
	set_env(f, "HERMES_FAKE_GATEWAYS", "coder,default");
	for (guint i = 0; i < G_N_ELEMENTS(verbs); i++) {
		g_autofree gchar *line = g_strdup_printf("hermes: %s gateway 'coder' refused: the "
							 "default profile's gateway serves it",
							 verbs[i]);
		g_autofree gchar *hint =
			g_strdup_printf("or 'hermes -p coder gateway %s --force'", verbs[i]);
		assert_int_equal(run(f, "-p", "coder", "gateway", verbs[i]), 78);
		assert_one_line_error(f, line);
		hermes_assert_str_contains(f->err, hint);
		assert_string_equal(f->out, "");
	}
	/* refused before anything was recorded */
	assert_false(g_file_test(coder_state, G_FILE_TEST_EXISTS));

	assert_int_equal(run(f, "-p", "coder", "gateway", "start", "--force"), 0);
	hermes_assert_str_contains(f->out, "Started gateway 'coder' (backend fake)");
	assert_true(g_file_test(coder_state, G_FILE_TEST_EXISTS));

	assert_int_equal(run(f, "gateway", "start", "--all"), 0);
	hermes_assert_str_contains(
		f->out, "Skipped gateway 'coder': the default profile's gateway serves it");
	hermes_assert_str_contains(f->out, "Started gateway 'default'");
	assert_string_equal(f->err, "");
	assert_int_equal(run(f, "gateway", "restart", "--all", "--force"), 0);
	hermes_assert_str_contains(f->out, "Restarted gateway 'coder'");

	/* the variable beats the config */
	set_env(f, "GATEWAY_MULTIPLEX_PROFILES", "off");
	assert_int_equal(run(f, "-p", "coder", "gateway", "stop"), 0);
	hermes_assert_str_contains(f->out, "Stopped gateway 'coder'");
}

/*
 * status says why a named profile the multiplexer serves is down, and
 * health counts it healthy exactly when the default profile's gateway is up
 */
static void
test_cli_status_multiplexed(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *config = g_build_filename(f->root, "config.yaml", NULL);
	g_autofree gchar *coder = profile_dir(f, "coder");
	g_autofree gchar *coder_state = g_build_filename(coder, "gateway_state.json", NULL);

	assert_int_equal(run(f, "profile", "create", "coder"), 0);
	hermes_test_write_file(coder_state, "{\"desired_state\":\"running\"}", 0644);
	hermes_test_write_file(config, "multiplex_profiles: on\n", 0644);
	set_env(f, "HERMES_FAKE_GATEWAYS", "coder");
	set_env(f, "HERMES_FAKE_STATES", "default=up");

	assert_int_equal(run(f, "status"), 0);
	hermes_assert_str_contains(
		f->out,
		"\n  note: served by the default profile's gateway (multiplexing "
		"is on: multiplex_profiles in ");
	assert_null(strstr(f->out, "! meant to run"));
	assert_int_equal(run(f, "gateway", "health", "--all"), 0);
	hermes_assert_str_contains(f->out, "healthy: 1 gateway meant to run, all up");
	assert_int_equal(run(f, "--json", "-p", "coder", "status"), 0);
	hermes_assert_str_contains(f->out, "\"code\" : \"multiplexed\"");

	/* the default gateway down: coder is unhealthy, and health says why */
	set_env(f, "HERMES_FAKE_STATES", NULL);
	set_env(f, "HERMES_FAKE_GATEWAYS", "coder,default");
	assert_int_equal(run(f, "gateway", "health", "--all"), 1);
	assert_one_line_error(f,
			      "hermes: unhealthy: gateway 'coder' is served by the default "
			      "profile's gateway, which is down");
	assert_int_equal(run(f, "-p", "coder", "gateway", "health"), 1);

	/* without multiplexing it is a gateway meant to run that is down */
	set_env(f, "GATEWAY_MULTIPLEX_PROFILES", "no");
	assert_int_equal(run(f, "status"), 0);
	hermes_assert_str_contains(f->out, "! meant to run (desired_state=running) but not up");
	assert_null(strstr(f->out, "note:"));
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
	assert_int_equal(run(f, "--version"), 0);
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
		T(test_cli_profile_create_list_delete),
		T(test_cli_profile_bad_names),
		T(test_cli_profile_delete_confirmation),
		T(test_cli_backends),
		T(test_cli_backends_forced),
		T(test_cli_gateway_dispatch),
		T(test_cli_gateway_intent),
		T(test_cli_gateway_refuses_from_inside),
		T(test_cli_status_port_collision),
		T(test_cli_gateway_install_render),
		T(test_cli_gateway_all),
		T(test_cli_gateway_multiplexed),
		T(test_cli_status_multiplexed),
		T(test_cli_health_runtime_intent),
		T(test_cli_status_reason),
		T(test_cli_profile_name_normalized),
		T(test_cli_status_fix),
		T(test_cli_no_supervisor),
		T(test_cli_usage),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
