/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/* gateway_state.json: the prior-state rule and intent writes that keep hermes-agent's keys */

#include "config.h"

#include "hermes-svc.h"
#include "hermes-test.h"

typedef struct {
	gchar *home;
} Fixture;

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->home = hermes_test_mkdtemp();
	*state = f;
	return 0;
}

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	hermes_test_rmtree(f->home);
	g_free(f->home);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

static void
write_state(Fixture *f, const gchar *json)
{
	g_autofree gchar *path = g_build_filename(f->home, "gateway_state.json", NULL);
	hermes_test_write_file(path, json, 0644);
}

static void
test_gateway_state_prior_rules(void **state)
{
	Fixture *f = *state;
	const struct {
		const gchar *json;
		const gchar *prior;
	} cases[] = {
		{"{\"desired_state\":\"stopped\",\"gateway_state\":\"running\"}", "stopped"},
		{"{\"desired_state\":\"running\",\"gateway_state\":\"stopped\"}", "running"},
		{"{\"desired_state\":null,\"gateway_state\":\"running\"}", "running"},
		{"{\"gateway_state\":\"draining\"}", "running"},
		{"{\"gateway_state\":\"degraded\"}", "running"},
		{"{\"gateway_state\":\"starting\"}", "starting"},
		{"{\"gateway_state\":\"startup_failed\"}", "startup_failed"},
		{"{\"gateway_state\":\"stopped\"}", "stopped"},
		{"{\"pid\":12}", NULL},
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *prior = NULL;
		write_state(f, cases[i].json);
		prior = hermes_gateway_state_prior(f->home, &error);
		hermes_assert_no_error(error);
		if (cases[i].prior == NULL)
			assert_null(prior);
		else
			assert_string_equal(prior, cases[i].prior);
	}
}

static void
test_gateway_state_prior_missing_and_corrupt(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *prior = hermes_gateway_state_prior(f->home, &error);
	assert_null(prior);
	hermes_assert_no_error(error);
	write_state(f, "{\"gateway_state\": \"runn");
	assert_null(hermes_gateway_state_prior(f->home, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
}

static void
test_gateway_state_set_desired_keeps_keys(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) obj = NULL;
	g_autoptr(GDateTime) stamp = NULL;

	write_state(f,
		    "{\"gateway_state\":\"running\",\"pid\":42,\"platforms\":{\"telegram\":{"
		    "\"state\":\"ok\"}},"
		    "\"updated_at\":1700000000,\"migrated_from\":\"legacy-container-cmd\"}");
	assert_true(hermes_gateway_state_set_desired(f->home, "stopped", &error));
	hermes_assert_no_error(error);
	obj = hermes_gateway_state_load(f->home, &error);
	hermes_assert_no_error(error);
	assert_string_equal(json_object_get_string_member(obj, "desired_state"), "stopped");
	assert_string_equal(json_object_get_string_member(obj, "gateway_state"), "running");
	assert_int_equal(json_object_get_int_member(obj, "pid"), 42);
	assert_string_equal(
		json_object_get_string_member(
			json_object_get_object_member(
				json_object_get_object_member(obj, "platforms"), "telegram"),
			"state"),
		"ok");
	assert_string_equal(json_object_get_string_member(obj, "migrated_from"),
			    "legacy-container-cmd");
	/* updated_at is RFC 3339 now, whatever it was before */
	stamp = g_date_time_new_from_iso8601(json_object_get_string_member(obj, "updated_at"),
					     NULL);
	assert_non_null(stamp);
	{
		g_autofree gchar *desired = hermes_gateway_state_get_desired(f->home);
		assert_string_equal(desired, "stopped");
	}
	/* NULL removes the intent */
	assert_true(hermes_gateway_state_set_desired(f->home, NULL, &error));
	{
		g_autofree gchar *desired = hermes_gateway_state_get_desired(f->home);
		assert_null(desired);
	}
}

static void
test_gateway_state_corrupt_is_not_overwritten(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = g_build_filename(f->home, "gateway_state.json", NULL);
	g_autofree gchar *after = NULL;
	write_state(f, "{not json");
	assert_false(hermes_gateway_state_set_desired(f->home, "running", &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
	assert_true(g_file_get_contents(path, &after, NULL, NULL));
	assert_string_equal(after, "{not json");
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
		T(test_gateway_state_prior_rules),
		T(test_gateway_state_prior_missing_and_corrupt),
		T(test_gateway_state_set_desired_keeps_keys),
		T(test_gateway_state_corrupt_is_not_overwritten),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
