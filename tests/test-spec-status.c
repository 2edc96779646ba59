/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

#include "config.h"

#include <string.h>

#include "hermes-enum-types.h"
#include "hermes-error.h"
#include "hermes-gateway-spec.h"
#include "hermes-gateway-status.h"
#include "hermes-test.h"

static int
test_teardown(void **state)
{
	hermes_test_check_logs();
	return 0;
}

/* the env names of @spec joined with ',' */
static gchar *
test_env_names(HermesGatewaySpec *spec)
{
	g_auto(GStrv) names = hermes_gateway_spec_get_env_names(spec);
	return g_strjoinv(",", names);
}

static void
test_spec_new_invalid_profile(void **state)
{
	const gchar *bad[] = {NULL, "", "Demo", "../x", "-a", "hermes", "a b"};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(HermesGatewaySpec) spec = hermes_gateway_spec_new(bad[i], &error);
		if (spec != NULL)
			fail_msg("spec for invalid profile '%s' was created", bad[i]);
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	}
}

static void
test_spec_new_valid_profile(void **state)
{
	const gchar *good[] = {"default", "demo", "0abc", "a-b_c"};

	for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(HermesGatewaySpec) spec = hermes_gateway_spec_new(good[i], &error);
		hermes_assert_no_error(error);
		assert_non_null(spec);
		assert_string_equal(hermes_gateway_spec_get_profile(spec), good[i]);
	}
}

static void
test_spec_defaults(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = hermes_gateway_spec_new("demo", &error);
	g_auto(GStrv) env_names = NULL;
	const gint *codes;
	gsize n_codes = 99;
	guint max_deaths = 0;
	guint window_s = 0;

	hermes_assert_no_error(error);
	/* the exit-code contract hermes-agent relies on */
	codes = hermes_gateway_spec_get_no_restart_exit_codes(spec, &n_codes);
	assert_int_equal(n_codes, 2);
	assert_int_equal(codes[0], 0);
	assert_int_equal(codes[1], 78);
	assert_true(hermes_gateway_spec_is_no_restart_exit_code(spec, 0));
	assert_true(hermes_gateway_spec_is_no_restart_exit_code(spec, HERMES_EXIT_FATAL_CONFIG));
	assert_false(hermes_gateway_spec_is_no_restart_exit_code(spec, 1));
	assert_false(hermes_gateway_spec_is_no_restart_exit_code(spec, HERMES_EXIT_RESTART_NOW));
	assert_int_equal(HERMES_EXIT_FATAL_CONFIG, 78);
	assert_int_equal(HERMES_EXIT_RESTART_NOW, 75);
	assert_int_equal(hermes_gateway_spec_get_restart_now_exit_code(spec), 75);
	hermes_gateway_spec_get_breaker(spec, &max_deaths, &window_s);
	assert_int_equal(max_deaths, 5);
	assert_int_equal(window_s, 60);
	assert_int_equal(hermes_gateway_spec_get_restart_delay_ms(spec), 1000);
	assert_int_equal(hermes_gateway_spec_get_stop_timeout_ms(spec), 90000);

	/* nothing else is set until the caller says so */
	assert_non_null(hermes_gateway_spec_get_argv(spec));
	assert_null(hermes_gateway_spec_get_argv(spec)[0]);
	env_names = hermes_gateway_spec_get_env_names(spec);
	assert_null(env_names[0]);
	assert_null(hermes_gateway_spec_get_working_directory(spec));
	assert_null(hermes_gateway_spec_get_user(spec));
	assert_null(hermes_gateway_spec_get_log_directory(spec));
}

static void
test_spec_breaker(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = hermes_gateway_spec_new("demo", &error);
	guint max_deaths = 0;
	guint window_s = 0;

	hermes_assert_no_error(error);
	assert_true(hermes_gateway_spec_set_breaker(spec, 3, 30, &error));
	hermes_assert_no_error(error);
	hermes_gateway_spec_get_breaker(spec, &max_deaths, &window_s);
	assert_int_equal(max_deaths, 3);
	assert_int_equal(window_s, 30);

	/* a breaker that can never trip, or trips on nothing, is refused */
	assert_false(hermes_gateway_spec_set_breaker(spec, 0, 10, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	assert_false(hermes_gateway_spec_set_breaker(spec, 10, 0, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	assert_false(hermes_gateway_spec_set_breaker(spec, 0, 0, NULL));
	hermes_gateway_spec_get_breaker(spec, &max_deaths, &window_s);
	assert_int_equal(max_deaths, 3);
	assert_int_equal(window_s, 30);

	/* either out argument may be omitted */
	hermes_gateway_spec_get_breaker(spec, NULL, &window_s);
	hermes_gateway_spec_get_breaker(spec, &max_deaths, NULL);
	assert_int_equal(max_deaths, 3);
	assert_int_equal(window_s, 30);
}

static void
test_spec_env_name_valid(void **state)
{
	const gchar *good[] = {"A", "_x", "PATH2", "a", "__", "HERMES_HOME"};
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = hermes_gateway_spec_new("demo", &error);
	g_autofree gchar *names = NULL;

	hermes_assert_no_error(error);
	for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
		assert_true(hermes_env_name_is_valid(good[i]));
		if (!hermes_gateway_spec_set_env(spec, good[i], "v", &error))
			fail_msg("'%s' refused: %s", good[i], error->message);
		assert_string_equal(hermes_gateway_spec_get_env(spec, good[i]), "v");
	}
	names = test_env_names(spec);
	assert_string_equal(names, "A,_x,PATH2,a,__,HERMES_HOME");
}

static void
test_spec_env_name_invalid(void **state)
{
	/* "\xc3\x84\x42" is U+00C4 followed by "B" */
	const gchar *bad[] = {"", "1A", "A-B", "A B", "A=B", "\xc3\x84\x42", "A\n", "$A"};
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = hermes_gateway_spec_new("demo", &error);
	g_autofree gchar *names = NULL;

	hermes_assert_no_error(error);
	assert_true(hermes_gateway_spec_set_env(spec, "KEEP", "1", &error));
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error_local = NULL;
		assert_false(hermes_env_name_is_valid(bad[i]));
		if (hermes_gateway_spec_set_env(spec, bad[i], "v", &error_local))
			fail_msg("'%s' was accepted as a variable name", bad[i]);
		hermes_assert_error(error_local, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
		hermes_assert_str_contains(error_local->message, "name");
		assert_null(hermes_gateway_spec_get_env(spec, bad[i]));
	}
	assert_false(hermes_env_name_is_valid(NULL));
	assert_false(hermes_gateway_spec_set_env(spec, NULL, "v", &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);

	/* a refused name leaves the environment as it was */
	names = test_env_names(spec);
	assert_string_equal(names, "KEEP");
	assert_string_equal(hermes_gateway_spec_get_env(spec, "KEEP"), "1");
}

static void
test_spec_env_order(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = hermes_gateway_spec_new("demo", &error);
	g_autofree gchar *names1 = NULL;
	g_autofree gchar *names2 = NULL;
	g_autofree gchar *names3 = NULL;
	g_autofree gchar *names4 = NULL;

	hermes_assert_no_error(error);
	/* insertion order, not hash or alphabetical order: rendered files stay stable */
	assert_true(hermes_gateway_spec_set_env(spec, "ZED", "z", &error));
	assert_true(hermes_gateway_spec_set_env(spec, "ALPHA", "a", &error));
	assert_true(hermes_gateway_spec_set_env(spec, "MID", "m", &error));
	hermes_assert_no_error(error);
	names1 = test_env_names(spec);
	assert_string_equal(names1, "ZED,ALPHA,MID");

	/* a new value keeps the variable where it was */
	assert_true(hermes_gateway_spec_set_env(spec, "ZED", "z2", &error));
	names2 = test_env_names(spec);
	assert_string_equal(names2, "ZED,ALPHA,MID");
	assert_string_equal(hermes_gateway_spec_get_env(spec, "ZED"), "z2");

	/* NULL removes it */
	assert_true(hermes_gateway_spec_set_env(spec, "ALPHA", NULL, &error));
	hermes_assert_no_error(error);
	names3 = test_env_names(spec);
	assert_string_equal(names3, "ZED,MID");
	assert_null(hermes_gateway_spec_get_env(spec, "ALPHA"));
	assert_true(hermes_gateway_spec_set_env(spec, "NEVER_SET", NULL, &error));
	hermes_assert_no_error(error);

	/* set again after removal: it goes to the end */
	assert_true(hermes_gateway_spec_set_env(spec, "ALPHA", "", &error));
	names4 = test_env_names(spec);
	assert_string_equal(names4, "ZED,MID,ALPHA");
	assert_string_equal(hermes_gateway_spec_get_env(spec, "ALPHA"), "");
}

static void
test_spec_env_value_utf8(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = hermes_gateway_spec_new("demo", &error);
	g_autofree gchar *names = NULL;

	hermes_assert_no_error(error);
	assert_true(
		hermes_gateway_spec_set_env(spec, "GREETING", "gr\xc3\xbc\xc3\x9f dich", &error));
	hermes_assert_no_error(error);
	assert_false(hermes_gateway_spec_set_env(spec, "BAD", "\xff\xfe", &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	/* a bad new value does not clobber the old one */
	assert_false(hermes_gateway_spec_set_env(spec, "GREETING", "a\xc3", &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	assert_null(hermes_gateway_spec_get_env(spec, "BAD"));
	assert_string_equal(hermes_gateway_spec_get_env(spec, "GREETING"),
			    "gr\xc3\xbc\xc3\x9f dich");
	names = test_env_names(spec);
	assert_string_equal(names, "GREETING");
}

static void
test_spec_no_restart_codes(void **state)
{
	const gint codes[] = {0, 78, 0, 256, -1, 3, 78, 255, 1000};
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = hermes_gateway_spec_new("demo", &error);
	const gint *got;
	gsize n = 0;

	hermes_assert_no_error(error);
	hermes_gateway_spec_set_no_restart_exit_codes(spec, codes, G_N_ELEMENTS(codes));
	got = hermes_gateway_spec_get_no_restart_exit_codes(spec, &n);
	assert_int_equal(n, 4);
	assert_int_equal(got[0], 0);
	assert_int_equal(got[1], 78);
	assert_int_equal(got[2], 3);
	assert_int_equal(got[3], 255);
	assert_false(hermes_gateway_spec_is_no_restart_exit_code(spec, 256));
	assert_false(hermes_gateway_spec_is_no_restart_exit_code(spec, -1));
	assert_true(hermes_gateway_spec_is_no_restart_exit_code(spec, 3));

	/* an empty set means every exit restarts */
	hermes_gateway_spec_set_no_restart_exit_codes(spec, NULL, 0);
	hermes_gateway_spec_get_no_restart_exit_codes(spec, &n);
	assert_int_equal(n, 0);
	assert_false(hermes_gateway_spec_is_no_restart_exit_code(spec, 0));
	assert_false(hermes_gateway_spec_is_no_restart_exit_code(spec, 78));
}

static void
test_spec_restart_now_code(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = hermes_gateway_spec_new("demo", &error);

	hermes_assert_no_error(error);
	hermes_gateway_spec_set_restart_now_exit_code(spec, 42);
	assert_int_equal(hermes_gateway_spec_get_restart_now_exit_code(spec), 42);
	/* 0 is success, not a restart request: refused, old value kept */
	hermes_test_expect_log(G_LOG_LEVEL_CRITICAL, "*code > 0*");
	hermes_gateway_spec_set_restart_now_exit_code(spec, 0);
	hermes_test_check_logs();
	assert_int_equal(hermes_gateway_spec_get_restart_now_exit_code(spec), 42);
	hermes_test_expect_log(G_LOG_LEVEL_CRITICAL, "*code <= 255*");
	hermes_gateway_spec_set_restart_now_exit_code(spec, 256);
	hermes_test_check_logs();
	assert_int_equal(hermes_gateway_spec_get_restart_now_exit_code(spec), 42);
}

static void
test_spec_argv(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = hermes_gateway_spec_new("demo", &error);
	gchar arg[] = "gateway";
	const gchar *argv[] = {"/usr/bin/hermes", arg, "run", "--name=x y", "", NULL};
	const gchar *const *got;

	hermes_assert_no_error(error);
	hermes_gateway_spec_set_argv(spec, argv);
	/* the spec keeps its own copy */
	arg[0] = 'X';
	got = hermes_gateway_spec_get_argv(spec);
	assert_int_equal(g_strv_length((gchar **)got), 5);
	assert_string_equal(got[0], "/usr/bin/hermes");
	assert_string_equal(got[1], "gateway");
	assert_string_equal(got[2], "run");
	assert_string_equal(got[3], "--name=x y");
	assert_string_equal(got[4], "");
	assert_null(got[5]);

	hermes_gateway_spec_set_argv(spec, NULL);
	got = hermes_gateway_spec_get_argv(spec);
	assert_non_null(got);
	assert_null(got[0]);
}

static void
test_spec_setters(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = hermes_gateway_spec_new("demo", &error);

	hermes_assert_no_error(error);
	hermes_gateway_spec_set_working_directory(spec, "/srv/hermes");
	hermes_gateway_spec_set_user(spec, "hermes-bot");
	hermes_gateway_spec_set_log_directory(spec, "/var/log/hermes");
	hermes_gateway_spec_set_restart_delay_ms(spec, 250);
	hermes_gateway_spec_set_stop_timeout_ms(spec, 5000);
	assert_string_equal(hermes_gateway_spec_get_working_directory(spec), "/srv/hermes");
	assert_string_equal(hermes_gateway_spec_get_user(spec), "hermes-bot");
	assert_string_equal(hermes_gateway_spec_get_log_directory(spec), "/var/log/hermes");
	assert_int_equal(hermes_gateway_spec_get_restart_delay_ms(spec), 250);
	assert_int_equal(hermes_gateway_spec_get_stop_timeout_ms(spec), 5000);
	hermes_gateway_spec_set_user(spec, NULL);
	hermes_gateway_spec_set_working_directory(spec, NULL);
	assert_null(hermes_gateway_spec_get_user(spec));
	assert_null(hermes_gateway_spec_get_working_directory(spec));
}

static void
test_spec_ref(void **state)
{
	g_autoptr(GError) error = NULL;
	HermesGatewaySpec *spec = hermes_gateway_spec_new("demo", &error);
	HermesGatewaySpec *copy;

	hermes_assert_no_error(error);
	assert_ptr_equal(hermes_gateway_spec_ref(spec), spec);
	hermes_gateway_spec_unref(spec);
	assert_string_equal(hermes_gateway_spec_get_profile(spec), "demo");
	/* the boxed type shares rather than copies */
	copy = g_boxed_copy(HERMES_TYPE_GATEWAY_SPEC, spec);
	assert_ptr_equal(copy, spec);
	g_boxed_free(HERMES_TYPE_GATEWAY_SPEC, copy);
	hermes_gateway_spec_unref(spec);
}

static JsonObject *
test_status_json(HermesGatewayStatus *status, JsonNode **node_out)
{
	JsonNode *node = hermes_gateway_status_to_json(status);
	assert_non_null(node);
	assert_true(JSON_NODE_HOLDS_OBJECT(node));
	*node_out = node;
	return json_node_get_object(node);
}

static void
test_status_new(void **state)
{
	g_autoptr(HermesGatewayStatus) status = hermes_gateway_status_new("demo");
	g_auto(GStrv) keys = NULL;

	assert_string_equal(hermes_gateway_status_get_profile(status), "demo");
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_UNKNOWN);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_UNKNOWN);
	assert_int_equal(hermes_gateway_status_get_pid(status), -1);
	assert_int_equal(hermes_gateway_status_get_since(status), 0);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_UNKNOWN);
	assert_int_equal(hermes_gateway_status_get_ready_since(status), 0);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), -1);
	assert_int_equal(hermes_gateway_status_get_last_signal(status), 0);
	assert_int_equal(hermes_gateway_status_get_restarts(status), -1);
	keys = hermes_gateway_status_get_raw_keys(status);
	assert_non_null(keys);
	assert_null(keys[0]);
}

static void
test_status_json_unknown(void **state)
{
	g_autoptr(HermesGatewayStatus) status = hermes_gateway_status_new("demo");
	g_autoptr(JsonNode) node = NULL;
	JsonObject *obj = test_status_json(status, &node);
	const gchar *nulls[] = {
		"pid", "since_us", "ready_since_us", "last_exit_code", "last_signal", "restarts"};
	JsonObject *raw;

	assert_string_equal(json_object_get_string_member(obj, "profile"), "demo");
	assert_string_equal(json_object_get_string_member(obj, "state"), "unknown");
	assert_string_equal(json_object_get_string_member(obj, "wanted"), "unknown");
	assert_string_equal(json_object_get_string_member(obj, "ready"), "unknown");
	/* unknown is null, never a made-up number like -1 or 0 */
	for (guint i = 0; i < G_N_ELEMENTS(nulls); i++) {
		JsonNode *member = json_object_get_member(obj, nulls[i]);
		if (member == NULL)
			fail_msg("'%s' is missing", nulls[i]);
		if (!JSON_NODE_HOLDS_NULL(member))
			fail_msg("'%s' is not null", nulls[i]);
	}
	raw = json_object_get_object_member(obj, "raw");
	assert_non_null(raw);
	assert_int_equal(json_object_get_size(raw), 0);
	assert_int_equal(json_object_get_size(obj), 4 + G_N_ELEMENTS(nulls) + 1);
}

static void
test_status_json_setters(void **state)
{
	g_autoptr(HermesGatewayStatus) status = hermes_gateway_status_new("demo");
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(JsonNode) node2 = NULL;
	JsonObject *obj;

	hermes_gateway_status_set_state(status, HERMES_GATEWAY_STATE_UP);
	hermes_gateway_status_set_wanted(status, HERMES_GATEWAY_WANTED_DOWN);
	hermes_gateway_status_set_pid(status, 4242);
	hermes_gateway_status_set_since(status, G_GINT64_CONSTANT(1700000000123456));
	hermes_gateway_status_set_ready(status, HERMES_TRISTATE_YES, 1700000001000000);
	hermes_gateway_status_set_last_exit(status, 75, 0);
	hermes_gateway_status_set_restarts(status, 0);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_UP);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_DOWN);
	assert_int_equal(hermes_gateway_status_get_pid(status), 4242);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_YES);
	assert_int_equal(hermes_gateway_status_get_ready_since(status), 1700000001000000);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), 75);
	assert_int_equal(hermes_gateway_status_get_restarts(status), 0);

	obj = test_status_json(status, &node);
	assert_string_equal(json_object_get_string_member(obj, "state"), "up");
	assert_string_equal(json_object_get_string_member(obj, "wanted"), "down");
	assert_string_equal(json_object_get_string_member(obj, "ready"), "yes");
	assert_int_equal(json_object_get_int_member(obj, "pid"), 4242);
	assert_int_equal(json_object_get_int_member(obj, "since_us"), 1700000000123456);
	assert_int_equal(json_object_get_int_member(obj, "ready_since_us"), 1700000001000000);
	assert_int_equal(json_object_get_int_member(obj, "last_exit_code"), 75);
	assert_true(json_object_get_null_member(obj, "last_signal"));
	/* 0 restarts is known, not unknown */
	assert_false(json_object_get_null_member(obj, "restarts"));
	assert_int_equal(json_object_get_int_member(obj, "restarts"), 0);

	/* killed by a signal; pid 0 means "no process", which is known too */
	hermes_gateway_status_set_state(status, HERMES_GATEWAY_STATE_PARKED);
	hermes_gateway_status_set_pid(status, 0);
	hermes_gateway_status_set_last_exit(status, -1, 9);
	hermes_gateway_status_set_ready(status, HERMES_TRISTATE_NO, 0);
	assert_int_equal(hermes_gateway_status_get_last_signal(status), 9);
	obj = test_status_json(status, &node2);
	assert_string_equal(json_object_get_string_member(obj, "state"), "parked");
	assert_string_equal(json_object_get_string_member(obj, "ready"), "no");
	assert_false(json_object_get_null_member(obj, "pid"));
	assert_int_equal(json_object_get_int_member(obj, "pid"), 0);
	assert_true(json_object_get_null_member(obj, "last_exit_code"));
	assert_int_equal(json_object_get_int_member(obj, "last_signal"), 9);
	assert_true(json_object_get_null_member(obj, "ready_since_us"));
	g_clear_pointer(&node2, json_node_unref);

	/* a backend passing a value outside the enum gets "unknown", not a wild read */
	hermes_gateway_status_set_ready(status, (HermesTristate)42, 0);
	obj = test_status_json(status, &node2);
	assert_string_equal(json_object_get_string_member(obj, "ready"), "unknown");
}

static void
test_status_raw(void **state)
{
	g_autoptr(HermesGatewayStatus) status = hermes_gateway_status_new("demo");
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(JsonNode) node2 = NULL;
	g_auto(GStrv) keys = NULL;
	g_auto(GStrv) keys2 = NULL;
	g_autofree gchar *joined = NULL;
	g_autofree gchar *joined2 = NULL;
	JsonObject *raw;

	hermes_gateway_status_set_raw(status, "SubState", "running");
	hermes_gateway_status_set_raw(status, "ActiveState", "active");
	hermes_gateway_status_set_raw(status, "MainPID", "42");
	hermes_gateway_status_set_raw(status, "ActiveState", "activating");
	assert_string_equal(hermes_gateway_status_get_raw(status, "ActiveState"), "activating");
	assert_null(hermes_gateway_status_get_raw(status, "Nope"));
	keys = hermes_gateway_status_get_raw_keys(status);
	joined = g_strjoinv(",", keys);
	assert_string_equal(joined, "ActiveState,MainPID,SubState");

	raw = json_object_get_object_member(test_status_json(status, &node), "raw");
	assert_int_equal(json_object_get_size(raw), 3);
	assert_string_equal(json_object_get_string_member(raw, "ActiveState"), "activating");
	assert_string_equal(json_object_get_string_member(raw, "MainPID"), "42");
	assert_string_equal(json_object_get_string_member(raw, "SubState"), "running");

	hermes_gateway_status_set_raw(status, "MainPID", NULL);
	hermes_gateway_status_set_raw(status, "NeverSet", NULL);
	assert_null(hermes_gateway_status_get_raw(status, "MainPID"));
	keys2 = hermes_gateway_status_get_raw_keys(status);
	joined2 = g_strjoinv(",", keys2);
	assert_string_equal(joined2, "ActiveState,SubState");
	raw = json_object_get_object_member(test_status_json(status, &node2), "raw");
	assert_int_equal(json_object_get_size(raw), 2);
	assert_false(json_object_has_member(raw, "MainPID"));
}

static void
test_status_ref(void **state)
{
	HermesGatewayStatus *status = hermes_gateway_status_new("demo");
	HermesGatewayStatus *copy;

	assert_ptr_equal(hermes_gateway_status_ref(status), status);
	hermes_gateway_status_unref(status);
	assert_string_equal(hermes_gateway_status_get_profile(status), "demo");
	copy = g_boxed_copy(HERMES_TYPE_GATEWAY_STATUS, status);
	assert_ptr_equal(copy, status);
	g_boxed_free(HERMES_TYPE_GATEWAY_STATUS, copy);
	hermes_gateway_status_unref(status);
}

static void
test_status_state_to_string(void **state)
{
	const struct {
		HermesGatewayState state;
		const gchar *name;
	} cases[] = {
		{HERMES_GATEWAY_STATE_UNKNOWN, "unknown"},
		{HERMES_GATEWAY_STATE_UP, "up"},
		{HERMES_GATEWAY_STATE_DOWN, "down"},
		{HERMES_GATEWAY_STATE_STARTING, "starting"},
		{HERMES_GATEWAY_STATE_STOPPING, "stopping"},
		{HERMES_GATEWAY_STATE_FAILED, "failed"},
		{HERMES_GATEWAY_STATE_PARKED, "parked"},
	};
	g_autoptr(GEnumClass) klass = g_type_class_ref(HERMES_TYPE_GATEWAY_STATE);

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
		assert_string_equal(hermes_gateway_state_to_string(cases[i].state), cases[i].name);
	/* a value added to the enum needs a name too */
	assert_int_equal(klass->n_values, G_N_ELEMENTS(cases));
	for (guint i = 0; i < klass->n_values; i++) {
		assert_string_equal(hermes_gateway_state_to_string(klass->values[i].value),
				    klass->values[i].value_nick);
	}
	assert_string_equal(hermes_gateway_state_to_string((HermesGatewayState)7), "unknown");
	assert_string_equal(hermes_gateway_state_to_string((HermesGatewayState)-1), "unknown");
	assert_string_equal(hermes_gateway_state_to_string((HermesGatewayState)1000), "unknown");
}

static void
test_status_wanted_to_string(void **state)
{
	g_autoptr(GEnumClass) klass = g_type_class_ref(HERMES_TYPE_GATEWAY_WANTED);

	assert_string_equal(hermes_gateway_wanted_to_string(HERMES_GATEWAY_WANTED_UNKNOWN),
			    "unknown");
	assert_string_equal(hermes_gateway_wanted_to_string(HERMES_GATEWAY_WANTED_UP), "up");
	assert_string_equal(hermes_gateway_wanted_to_string(HERMES_GATEWAY_WANTED_DOWN), "down");
	assert_int_equal(klass->n_values, 3);
	for (guint i = 0; i < klass->n_values; i++) {
		assert_string_equal(hermes_gateway_wanted_to_string(klass->values[i].value),
				    klass->values[i].value_nick);
	}
	assert_string_equal(hermes_gateway_wanted_to_string((HermesGatewayWanted)3), "unknown");
	assert_string_equal(hermes_gateway_wanted_to_string((HermesGatewayWanted)-1), "unknown");
}

static int
test_group_setup(void **state)
{
	hermes_test_init();
	return 0;
}

#define SPEC_TEST(f) cmocka_unit_test_teardown(f, test_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		SPEC_TEST(test_spec_new_invalid_profile),
		SPEC_TEST(test_spec_new_valid_profile),
		SPEC_TEST(test_spec_defaults),
		SPEC_TEST(test_spec_breaker),
		SPEC_TEST(test_spec_env_name_valid),
		SPEC_TEST(test_spec_env_name_invalid),
		SPEC_TEST(test_spec_env_order),
		SPEC_TEST(test_spec_env_value_utf8),
		SPEC_TEST(test_spec_no_restart_codes),
		SPEC_TEST(test_spec_restart_now_code),
		SPEC_TEST(test_spec_argv),
		SPEC_TEST(test_spec_setters),
		SPEC_TEST(test_spec_ref),
		SPEC_TEST(test_status_new),
		SPEC_TEST(test_status_json_unknown),
		SPEC_TEST(test_status_json_setters),
		SPEC_TEST(test_status_raw),
		SPEC_TEST(test_status_ref),
		SPEC_TEST(test_status_state_to_string),
		SPEC_TEST(test_status_wanted_to_string),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
