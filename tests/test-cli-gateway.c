/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes gateway` as a user runs it: the dispatch to the backend, the
 * recorded intent, install and render, the refusal from inside a gateway,
 * --all, and the multiplexed profiles.
 */

#include "cli-test.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cli_gateway_dispatch),
		T(test_cli_gateway_intent),
		T(test_cli_gateway_refuses_from_inside),
		T(test_cli_gateway_install_render),
		T(test_cli_gateway_all),
		T(test_cli_gateway_multiplexed),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
