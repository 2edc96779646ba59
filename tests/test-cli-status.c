/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * `hermes status` and `hermes gateway health` as a user runs them: port
 * collisions, the intent rule for health, the typed reason, the fix each
 * problem carries, and the multiplexed profiles.
 */

#include "cli-test.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_cli_status_port_collision),
		T(test_cli_status_multiplexed),
		T(test_cli_health_runtime_intent),
		T(test_cli_status_reason),
		T(test_cli_status_fix),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
