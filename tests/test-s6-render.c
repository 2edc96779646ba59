/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The s6 slot scripts' golden files: they pin the exact text of run,
 * finish and log/run for each case, and a few properties they show are
 * also stated on their own.
 *
 * Regenerate the golden files with
 *   HERMES_UPDATE_GOLDEN=1 meson test -C <build> s6-render
 * and read every changed one before committing it: they are the spec.
 */

#include "s6-render-test.h"

static void
test_golden_case(void **state, guint index)
{
	RenderFixture *fx = *state;
	const TestCase *tc = &test_cases[index];

	fx->spec = tc->build();
	for (guint i = 0; i < G_N_ELEMENTS(test_scripts); i++) {
		g_autofree gchar *text = test_render(tc->opts, fx->spec, test_scripts[i]);
		g_autofree gchar *basename = g_strdup_printf("%s-%s.sh", tc->name, test_scripts[i]);
		hermes_test_golden_check("s6", basename, text);
	}
}

static void
test_golden_default(void **state)
{
	test_golden_case(state, 0);
}

static void
test_golden_owned(void **state)
{
	test_golden_case(state, 4);
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
test_golden_custom(void **state)
{
	test_golden_case(state, 3);
}

/*****************************************************************************/
/* a few properties the golden files also show, stated on their own */

static void
test_render_properties(void **state)
{
	RenderFixture *fx = *state;
	g_autoptr(HermesGatewaySpec) coder = test_case_coder();
	g_autoptr(HermesGatewaySpec) custom = test_case_custom();
	g_autofree gchar *coder_run = test_render(&test_opts_overlay, coder, "run");
	g_autofree gchar *custom_run = test_render(&test_opts_host, custom, "run");
	g_autofree gchar *default_run = NULL;
	g_autofree gchar *slot = hermes_s6_slot_name("coder");
	const gchar *aaa, *api, *zed;

	fx->spec = test_case_default();
	default_run = test_render(&test_opts_host, fx->spec, "run");
	assert_string_equal(slot, "gateway-coder");

	/* s6-overlay reads the container environment, a host scanner does not have one */
	assert_true(g_str_has_prefix(coder_run, "#!/command/with-contenv sh\n"));
	assert_true(g_str_has_prefix(default_run, "#!/bin/sh\n"));
	/* sorted by name, whatever the order they were set in */
	aaa = strstr(coder_run, "export AAA=first\n");
	api = strstr(coder_run, "export API_SERVER_PORT=8643\n");
	zed = strstr(coder_run, "export ZED=last\n");
	assert_non_null(aaa);
	assert_non_null(api);
	assert_non_null(zed);
	assert_true(aaa < api && api < zed);
	/* readiness only when the command speaks it */
	hermes_assert_str_contains(default_run, "export HERMES_READY_FD=3\n");
	assert_null(strstr(custom_run, "HERMES_READY_FD"));
	/* no user: never s6-setuidgid */
	assert_null(strstr(default_run, "s6-setuidgid"));
	hermes_assert_str_contains(coder_run,
				   "exec /command/s6-setuidgid hermes /usr/bin/hermes -p coder");
	/* the command is exec'd, as the last line */
	assert_true(
		g_str_has_suffix(default_run, "\nexec /usr/bin/hermes gateway run --replace\n"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		RENDER_TEST(test_golden_default),
		RENDER_TEST(test_golden_coder),
		RENDER_TEST(test_golden_hostile),
		RENDER_TEST(test_golden_custom),
		RENDER_TEST(test_golden_owned),
		RENDER_TEST(test_render_properties),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
