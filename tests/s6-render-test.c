/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The s6 script tests' glue: the fixture, the golden cases' specs, rendering
 * a script, reading a file, and running a script with a clean environment.
 */

#include "s6-render-test.h"

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
	g_free(fx);
	hermes_test_check_logs();
	return 0;
}

/* (a) what `hermes gateway install` does for the default profile on a host */
HermesGatewaySpec *
test_case_default(void)
{
	return hermes_test_spec_new(
		"default",
		(const gchar *[]){"/usr/bin/hermes", "gateway", "run", "--replace", NULL});
}

/* (b) a named profile in the container image: a user, a workdir, extra env */
HermesGatewaySpec *
test_case_coder(void)
{
	HermesGatewaySpec *spec = hermes_test_spec_new(
		"coder",
		(const gchar *[]){
			"/usr/bin/hermes", "-p", "coder", "gateway", "run", "--replace", NULL});
	hermes_gateway_spec_set_user(spec, "hermes");
	hermes_gateway_spec_set_working_directory(spec, "/opt/data");
	/* deliberately not in order: the script must sort them */
	hermes_test_spec_setenv(spec, "API_SERVER_PORT", "8643");
	hermes_test_spec_setenv(spec, "ZED", "last");
	hermes_test_spec_setenv(spec, "AAA", "first");
	return spec;
}

void
test_spec_add_hostile_env(HermesGatewaySpec *spec)
{
	for (guint i = 0; i < G_N_ELEMENTS(test_hostile_env); i++)
		hermes_test_spec_setenv(spec, test_hostile_env[i].name, test_hostile_env[i].value);
}

/* (c) values that break a script that does not quote */
HermesGatewaySpec *
test_case_hostile(void)
{
	HermesGatewaySpec *spec = hermes_test_spec_new(
		"hostile",
		(const gchar *[]){
			"/usr/bin/hermes", "-p", "hostile", "gateway", "run", "--replace", NULL});
	test_spec_add_hostile_env(spec);
	return spec;
}

/* (d) an arbitrary command: no readiness, its own exit codes and breaker, a log dir */
HermesGatewaySpec *
test_case_custom(void)
{
	g_autoptr(GError) error = NULL;
	const gint codes[] = {0, 78, 42};
	HermesGatewaySpec *spec = hermes_test_spec_new(
		"custom", (const gchar *[]){"/opt/gw/bin/gateway", "--port", "8643", NULL});
	hermes_gateway_spec_set_notify(spec, FALSE);
	hermes_gateway_spec_set_no_restart_exit_codes(spec, codes, G_N_ELEMENTS(codes));
	hermes_gateway_spec_set_restart_now_exit_code(spec, 76);
	assert_true(hermes_gateway_spec_set_breaker(spec, 3, 10, &error));
	hermes_assert_no_error(error);
	hermes_gateway_spec_set_log_directory(spec, "/var/log/hermes gw");
	return spec;
}

gchar *
test_render(const HermesS6RenderOptions *opts, HermesGatewaySpec *spec, const gchar *script)
{
	g_autoptr(GError) error = NULL;
	gchar *text = NULL;

	if (g_strcmp0(script, "run") == 0)
		text = hermes_s6_render_run(opts, spec, &error);
	else if (g_strcmp0(script, "finish") == 0)
		text = hermes_s6_render_finish(opts, spec);
	else if (g_strcmp0(script, "log-run") == 0)
		text = hermes_s6_render_log_run(opts, spec, &error);
	else
		fail_msg("unknown script %s", script);
	hermes_assert_no_error(error);
	assert_non_null(text);
	return text;
}

gchar *
test_read_file(const gchar *path)
{
	g_autoptr(GError) error = NULL;
	gchar *contents = NULL;
	if (!g_file_get_contents(path, &contents, NULL, &error))
		fail_msg("cannot read %s: %s", path, error->message);
	return contents;
}

/*****************************************************************************/
/* running scripts */

/* the environment every script runs with: nothing from the test's own */
static const gchar *const test_sh_envp[] = {"PATH=/usr/bin:/bin", "LC_ALL=C", NULL};

/*
 * Runs @argv in @cwd with @envp (test_sh_envp when NULL); returns the
 * exit status, fails the test if it did not exit normally.
 */
gint
test_spawn(const gchar *cwd,
	   const gchar *const *argv,
	   const gchar *const *envp,
	   gchar **out,
	   gchar **err)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *stdout_buf = NULL;
	g_autofree gchar *stderr_buf = NULL;
	gint wait_status = 0;

	if (!g_spawn_sync(cwd,
			  (gchar **)argv,
			  (gchar **)(envp != NULL ? envp : test_sh_envp),
			  G_SPAWN_DEFAULT,
			  NULL,
			  NULL,
			  &stdout_buf,
			  &stderr_buf,
			  &wait_status,
			  &error))
		fail_msg("cannot run %s: %s", argv[0], error->message);
	if (!WIFEXITED(wait_status))
		fail_msg("%s did not exit normally (wait status %d); stderr: %s",
			 argv[0],
			 wait_status,
			 stderr_buf);
	if (out != NULL)
		*out = g_steal_pointer(&stdout_buf);
	if (err != NULL)
		*err = g_steal_pointer(&stderr_buf);
	return WEXITSTATUS(wait_status);
}

/* fake s6 programs that only record how they were called */
gchar *
test_fake_bin_dir(const gchar *tmpdir)
{
	g_autofree gchar *bin = g_build_filename(tmpdir, "bin", NULL);
	const gchar *fake = "#!/bin/sh\n"
			    "printf '%s' \"${0##*/}\" >>\"$TRACE\"\n"
			    "printf ' %s' \"$@\" >>\"$TRACE\"\n"
			    "echo >>\"$TRACE\"\n";

	for (guint i = 0; i < 2; i++) {
		const gchar *name = i == 0 ? "s6-setuidgid" : "s6-log";
		g_autofree gchar *path = g_build_filename(bin, name, NULL);
		hermes_test_write_file(path, fake, 0755);
	}
	return g_steal_pointer(&bin);
}

int
test_group_setup(void **state)
{
	hermes_test_init();
	return 0;
}
