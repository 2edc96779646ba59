/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/* the one truthiness rule for every environment flag */

#include "config.h"

#include "hermes-env.h"
#include "hermes-svc.h"
#include "hermes-test.h"

typedef struct {
	HermesContext *ctx;
	gchar *warning;
} Fixture;

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->ctx = hermes_context_new();
	*state = f;
	return 0;
}

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	g_clear_object(&f->ctx);
	g_free(f->warning);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

static void
test_env_flag_true(void **state)
{
	const gchar *values[] = {
		"1", "true", "TRUE", "True", "tRuE", "yes", "YES", "Yes", "on", "ON", "On"};
	for (guint i = 0; i < G_N_ELEMENTS(values); i++) {
		gboolean recognised = FALSE;
		if (!hermes_env_flag(values[i], &recognised))
			fail_msg("'%s' should be true", values[i]);
		if (!recognised)
			fail_msg("'%s' should be recognised", values[i]);
	}
}

static void
test_env_flag_false(void **state)
{
	const gchar *values[] = {
		"0", "false", "FALSE", "False", "no", "NO", "No", "off", "OFF", "Off", ""};
	gboolean recognised = FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(values); i++) {
		recognised = FALSE;
		if (hermes_env_flag(values[i], &recognised))
			fail_msg("'%s' should be false", values[i]);
		if (!recognised)
			fail_msg("'%s' should be recognised", values[i]);
	}
	/* unset is false, and nothing to warn about */
	recognised = FALSE;
	assert_false(hermes_env_flag(NULL, &recognised));
	assert_true(recognised);
	/* the out argument is optional */
	assert_true(hermes_env_flag("yes", NULL));
	assert_false(hermes_env_flag("maybe", NULL));
}

static void
test_env_flag_garbage(void **state)
{
	const gchar *values[] = {
		"maybe", "2", "=0", " 1", "1 ", "-1", "y", "n", "enable", "truee", "0x1", "\t"};
	for (guint i = 0; i < G_N_ELEMENTS(values); i++) {
		gboolean recognised = TRUE;
		if (hermes_env_flag(values[i], &recognised))
			fail_msg("'%s' should be false", values[i]);
		if (recognised)
			fail_msg("'%s' should not be recognised", values[i]);
	}
}

static void
test_env_context_flag(void **state)
{
	Fixture *f = *state;

	hermes_context_setenv(f->ctx, "HERMES_TEST_FLAG", NULL);
	assert_false(hermes_context_env_flag(f->ctx, "HERMES_TEST_FLAG", &f->warning));
	assert_null(f->warning);

	hermes_context_setenv(f->ctx, "HERMES_TEST_FLAG", "On");
	assert_true(hermes_context_env_flag(f->ctx, "HERMES_TEST_FLAG", &f->warning));
	assert_null(f->warning);

	hermes_context_setenv(f->ctx, "HERMES_TEST_FLAG", "0");
	assert_false(hermes_context_env_flag(f->ctx, "HERMES_TEST_FLAG", &f->warning));
	assert_null(f->warning);

	hermes_context_setenv(f->ctx, "HERMES_GATEWAY_NO_SUPERVISE", "maybe");
	assert_false(hermes_context_env_flag(f->ctx, "HERMES_GATEWAY_NO_SUPERVISE", &f->warning));
	assert_string_equal(f->warning,
			    "HERMES_GATEWAY_NO_SUPERVISE='maybe' is not a truth value (use "
			    "1/true/yes/on or 0/false/no/off); treating it as false");
	g_clear_pointer(&f->warning, g_free);

	/* the value is shown escaped, so the warning stays one line */
	hermes_context_setenv(f->ctx, "HERMES_TEST_FLAG", "a\nb");
	assert_false(hermes_context_env_flag(f->ctx, "HERMES_TEST_FLAG", &f->warning));
	hermes_assert_str_contains(f->warning, "HERMES_TEST_FLAG='a\\nb' is not a truth value");
	assert_null(strchr(f->warning, '\n'));
	g_clear_pointer(&f->warning, g_free);

	/* the warning is optional */
	assert_false(hermes_context_env_flag(f->ctx, "HERMES_TEST_FLAG", NULL));
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
		T(test_env_flag_true),
		T(test_env_flag_false),
		T(test_env_flag_garbage),
		T(test_env_context_flag),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
