/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The launchd plist tests' glue: the fixture, the golden cases' specs and
 * rendering a plist.
 */

#include "launchd-render-test.h"

int
test_setup(void **state)
{
	RenderFixture *fx = g_new0(RenderFixture, 1);
	fx->tmpdir = hermes_test_mkdtemp();
	*state = fx;
	return 0;
}

int
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
HermesGatewaySpec *
test_case_default(void)
{
	return hermes_test_spec_new(
		"default",
		(const gchar *[]){"/opt/homebrew/bin/hermes", "gateway", "run", "--replace", NULL});
}

/* (b) a named profile: its own workdir and log directory, extra environment, delays */
HermesGatewaySpec *
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

/* (c) values that break a plist written without escaping */
HermesGatewaySpec *
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
HermesGatewaySpec *
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
HermesGatewaySpec *
test_case_daemon(void)
{
	HermesGatewaySpec *spec = hermes_test_spec_new(
		"ops",
		(const gchar *[]){"/usr/local/bin/hermes", "-p", "ops", "gateway", "run", NULL});
	hermes_gateway_spec_set_user(spec, "_hermes");
	return spec;
}

gchar *
test_render(const HermesLaunchdRenderOptions *opts, HermesGatewaySpec *spec)
{
	g_autoptr(GError) error = NULL;
	gchar *text = hermes_launchd_render_plist(opts, spec, &error);
	hermes_assert_no_error(error);
	assert_non_null(text);
	return text;
}

int
test_group_setup(void **state)
{
	hermes_test_init();
	return 0;
}
