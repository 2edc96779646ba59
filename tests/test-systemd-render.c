/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The systemd backend's unit files: golden units (each one also passes
 * `systemd-analyze --user verify` with nothing on stderr), the render
 * contract, the escaping functions and unit names, and what is refused
 * (nothing half-escaped reaches a unit).
 *
 * Regenerate the golden files with
 *   HERMES_UPDATE_GOLDEN=1 meson test -C <build> systemd-render
 * and read every changed one before committing it: they are the spec.
 */

#include "systemd-render-test.h"

/*****************************************************************************/
/* the golden cases */

static const HermesSystemdRenderOptions test_opts_user = {
	HERMES_SYSTEMD_SCOPE_USER,
	"/home/ada/.hermes",
	NULL,
};
static const HermesSystemdRenderOptions test_opts_system = {
	HERMES_SYSTEMD_SCOPE_SYSTEM,
	"/srv/hermes",
	"hermes",
};

/* (a) what `hermes gateway install` writes for the default profile */
static HermesGatewaySpec *
test_case_default(void)
{
	return hermes_test_spec_new(
		"default",
		(const gchar *[]){"/usr/bin/hermes", "gateway", "run", "--replace", NULL});
}

/* (b) a named profile with a working directory and extra environment */
static HermesGatewaySpec *
test_case_coder(void)
{
	HermesGatewaySpec *spec = hermes_test_spec_new(
		"coder",
		(const gchar *[]){
			"/usr/bin/hermes", "-p", "coder", "gateway", "run", "--replace", NULL});
	hermes_gateway_spec_set_working_directory(spec, "/home/ada/work dir");
	/* deliberately not in order: the unit must sort them */
	hermes_test_spec_setenv(spec, "API_SERVER_PORT", "8643");
	hermes_test_spec_setenv(spec, "ZED", "last");
	hermes_test_spec_setenv(spec, "AAA", "first");
	/* the spec's own HERMES_HOME wins over the backend's */
	hermes_test_spec_setenv(spec, "HERMES_HOME", "/data/hermes");
	return spec;
}

static const struct {
	const gchar *name;
	const gchar *value;
} test_hostile_env[] = {
	{"QUOTE", "say \"hi\""},
	{"BACKSLASH", "C:\\path\\n"},
	{"PERCENT", "100% %n %h %%"},
	{"DOLLAR", "$HOME and ${USER} and `id`"},
	{"SINGLE", "it's"},
	{"SPACE", "  a  b  "},
	{"SEMI", "x;rm -rf /"},
	{"EMPTY", ""},
	{"UNICODE", "café ☕"},
};

static const gchar *const test_hostile_words[] = {
	";",
	"\\;",
	"a b",
	"%n",
	"$HOME",
	"${HOME}x",
	"\"q\"",
	"it's",
	"",
	"back\\slash",
	"`id`",
	"-n",
	"a=b",
	"café",
	"  lead",
};

static void
test_spec_add_hostile_env(HermesGatewaySpec *spec)
{
	for (guint i = 0; i < G_N_ELEMENTS(test_hostile_env); i++)
		hermes_test_spec_setenv(spec, test_hostile_env[i].name, test_hostile_env[i].value);
}

/* (c) values that break a unit that does not escape */
static HermesGatewaySpec *
test_case_hostile(void)
{
	g_autoptr(GStrvBuilder) argv = g_strv_builder_new();
	g_auto(GStrv) strv = NULL;
	HermesGatewaySpec *spec;
	g_strv_builder_addv(
		argv,
		(const gchar *[]){
			"/usr/bin/hermes", "-p", "hostile", "gateway", "run", "--replace", NULL});
	g_strv_builder_addv(argv, (const gchar **)test_hostile_words);
	strv = g_strv_builder_end(argv);
	spec = hermes_test_spec_new("hostile", (const gchar *const *)strv);
	test_spec_add_hostile_env(spec);
	hermes_gateway_spec_set_working_directory(spec, "/srv/100% sure");
	return spec;
}

/* (d) an arbitrary command: no readiness, its own exit codes, breaker, delays */
static HermesGatewaySpec *
test_case_custom(void)
{
	g_autoptr(GError) error = NULL;
	const gint codes[] = {0, 78, 42};
	HermesGatewaySpec *spec = hermes_test_spec_new(
		"custom", (const gchar *[]){"/bin/sh", "-c", "exec sleep 100000", NULL});
	hermes_gateway_spec_set_notify(spec, FALSE);
	hermes_gateway_spec_set_no_restart_exit_codes(spec, codes, G_N_ELEMENTS(codes));
	hermes_gateway_spec_set_restart_now_exit_code(spec, 76);
	hermes_gateway_spec_set_restart_delay_ms(spec, 250);
	hermes_gateway_spec_set_stop_timeout_ms(spec, 1500);
	assert_true(hermes_gateway_spec_set_breaker(spec, 3, 10, &error));
	hermes_assert_no_error(error);
	return spec;
}

/* (e) a system unit: run as a user, after the network */
static HermesGatewaySpec *
test_case_system(void)
{
	HermesGatewaySpec *spec = hermes_test_spec_new(
		"ops",
		(const gchar *[]){
			"/usr/bin/hermes", "-p", "ops", "gateway", "run", "--replace", NULL});
	hermes_gateway_spec_set_user(spec, "hermes");
	hermes_test_spec_setenv(spec, "API_SERVER_PORT", "9300");
	return spec;
}

typedef struct {
	const gchar *name;
	HermesGatewaySpec *(*build)(void);
	const HermesSystemdRenderOptions *opts;
} TestCase;

static const TestCase test_cases[] = {
	{"default", test_case_default, &test_opts_user},
	{"coder", test_case_coder, &test_opts_user},
	{"hostile", test_case_hostile, &test_opts_user},
	{"custom", test_case_custom, &test_opts_user},
	{"system", test_case_system, &test_opts_system},
};

static gchar *
test_render(const HermesSystemdRenderOptions *opts, HermesGatewaySpec *spec)
{
	g_autoptr(GError) error = NULL;
	gchar *text = hermes_systemd_render_unit(opts, spec, &error);
	hermes_assert_no_error(error);
	assert_non_null(text);
	return text;
}

/* runs @argv with @envp; returns the exit status, fails if it did not exit normally */
static gint
test_spawn(const gchar *const *argv, const gchar *const *envp, gchar **out, gchar **err)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *stdout_buf = NULL;
	g_autofree gchar *stderr_buf = NULL;
	gint wait_status = 0;

	if (!g_spawn_sync(NULL,
			  (gchar **)argv,
			  (gchar **)envp,
			  G_SPAWN_DEFAULT,
			  NULL,
			  NULL,
			  &stdout_buf,
			  &stderr_buf,
			  &wait_status,
			  &error))
		fail_msg("cannot run %s: %s", argv[0], error->message);
	if (!WIFEXITED(wait_status))
		fail_msg("%s did not exit normally (wait status %d)", argv[0], wait_status);
	if (out != NULL)
		*out = g_steal_pointer(&stdout_buf);
	if (err != NULL)
		*err = g_steal_pointer(&stderr_buf);
	return WEXITSTATUS(wait_status);
}

static const gchar *
test_systemd_analyze(void)
{
	const gchar *candidates[] = {"/usr/bin/systemd-analyze", "/bin/systemd-analyze"};
	for (guint i = 0; i < G_N_ELEMENTS(candidates); i++) {
		if (g_file_test(candidates[i], G_FILE_TEST_IS_EXECUTABLE))
			return candidates[i];
	}
	return NULL;
}

/*
 * systemd-analyze --user verify: rc 0 is not enough (unknown keys and bad
 * values are only warned about), so any stderr output fails. It checks
 * that ExecStart's program exists: @text is verified with argv[0] pointed
 * at a program that does.
 */
static void
test_verify_unit(const gchar *tmpdir, const gchar *name, const gchar *text)
{
	const gchar *analyze = test_systemd_analyze();
	g_autofree gchar *runtime = g_build_filename(tmpdir, "runtime", NULL);
	g_autofree gchar *dir = g_build_filename(tmpdir, "verify", NULL);
	g_autofree gchar *path = NULL;
	g_autofree gchar *env_runtime = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint status;

	if (analyze == NULL) {
		print_message("# systemd-analyze is not installed: not verifying %s\n", name);
		return;
	}
	g_mkdir_with_parents(runtime, 0700);
	g_mkdir_with_parents(dir, 0755);
	path = g_build_filename(dir, name, NULL);
	hermes_test_write_file(path, text, 0644);
	env_runtime = g_strdup_printf("XDG_RUNTIME_DIR=%s", runtime);
	status = test_spawn((const gchar *[]){analyze, "--user", "verify", path, NULL},
			    (const gchar *[]){"PATH=/usr/bin:/bin", "LC_ALL=C", env_runtime, NULL},
			    &out,
			    &err);
	if (status != 0 || err[0] != '\0')
		fail_msg("systemd-analyze --user verify %s: exit %d, stderr:\n%s\nunit:\n%s",
			 name,
			 status,
			 err,
			 text);
}

/* the same spec with a program that exists on this machine as argv[0] */
static HermesGatewaySpec *
test_spec_runnable(HermesGatewaySpec *spec)
{
	const gchar *const *argv = hermes_gateway_spec_get_argv(spec);
	g_auto(GStrv) copy = g_strdupv((gchar **)argv);
	HermesGatewaySpec *runnable = hermes_gateway_spec_ref(spec);
	if (!g_file_test(copy[0], G_FILE_TEST_IS_EXECUTABLE)) {
		g_free(copy[0]);
		copy[0] = g_strdup(hermes_test_env("HERMES_TEST_HERMES"));
		hermes_gateway_spec_set_argv(runnable, (const gchar *const *)copy);
	}
	return runnable;
}

static void
test_golden_case(void **state, guint index)
{
	RenderFixture *fx = *state;
	const TestCase *tc = &test_cases[index];
	g_autofree gchar *basename = g_strdup_printf("%s.service", tc->name);
	g_autofree gchar *text = NULL;
	g_autofree gchar *runnable_text = NULL;
	g_autofree gchar *unit_name = NULL;

	fx->spec = tc->build();
	text = test_render(tc->opts, fx->spec);
	hermes_test_golden_check("systemd", basename, text);
	{
		g_autoptr(HermesGatewaySpec) runnable = test_spec_runnable(fx->spec);
		runnable_text = test_render(tc->opts, runnable);
	}
	unit_name = hermes_systemd_unit_name(hermes_gateway_spec_get_profile(fx->spec));
	test_verify_unit(fx->tmpdir, unit_name, runnable_text);
}

static void
test_systemd_golden_default(void **state)
{
	test_golden_case(state, 0);
}

static void
test_systemd_golden_coder(void **state)
{
	test_golden_case(state, 1);
}

static void
test_systemd_golden_hostile(void **state)
{
	test_golden_case(state, 2);
}

static void
test_systemd_golden_custom(void **state)
{
	test_golden_case(state, 3);
}

static void
test_systemd_golden_system(void **state)
{
	test_golden_case(state, 4);
}

/* the contract lines, independently of the golden files */
static void
test_systemd_render_contract(void **state)
{
	RenderFixture *fx = *state;
	g_autofree gchar *user = NULL;
	g_autofree gchar *system = NULL;
	const gchar *lines[] = {"Type=notify\n",
				"NotifyAccess=main\n",
				"Restart=always\n",
				"RestartSec=1s\n",
				"RestartPreventExitStatus=0 78\n",
				"SuccessExitStatus=75\n",
				"RestartForceExitStatus=75\n",
				"StartLimitIntervalSec=60s\n",
				"StartLimitBurst=5\n",
				"KillMode=mixed\n",
				"TimeoutStopSec=90s\n",
				"Environment=\"HERMES_SUPERVISED_CHILD=1\"\n",
				"ExecStart=/usr/bin/hermes -p ops gateway run --replace\n"};

	fx->spec = test_case_system();
	user = test_render(&test_opts_user, fx->spec);
	system = test_render(&test_opts_system, fx->spec);
	for (guint i = 0; i < G_N_ELEMENTS(lines); i++) {
		hermes_assert_str_contains(user, lines[i]);
		hermes_assert_str_contains(system, lines[i]);
	}
	/* the default spec's breaker and restart delay are the s6 defaults */
	hermes_assert_str_contains(user, "WantedBy=default.target\n");
	hermes_assert_str_contains(user, "Environment=\"HERMES_HOME=/home/ada/.hermes\"\n");
	assert_null(strstr(user, "User="));
	assert_null(strstr(user, "network-online"));
	hermes_assert_str_contains(system, "WantedBy=multi-user.target\n");
	hermes_assert_str_contains(system, "User=hermes\nGroup=hermes\n");
	hermes_assert_str_contains(system, "Wants=network-online.target\n");
	/* a spec without readiness is Type=exec: a failed exec fails the start */
	hermes_gateway_spec_set_notify(fx->spec, FALSE);
	g_free(user);
	user = test_render(&test_opts_user, fx->spec);
	hermes_assert_str_contains(user, "Type=exec\n");
	assert_null(strstr(user, "NotifyAccess"));
}

/*****************************************************************************/
/* escaping */

static void
test_systemd_escape_env_value(void **state)
{
	const struct {
		const gchar *in;
		const gchar *out;
	} cases[] = {
		{"plain", "plain"},
		{"", ""},
		{"say \"hi\"", "say \\\"hi\\\""},
		{"C:\\dir", "C:\\\\dir"},
		{"100% %n", "100%% %%n"},
		/* Environment= does not expand variables */
		{"$HOME `id` 'x'", "$HOME `id` 'x'"},
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *got = hermes_systemd_escape_env_value(cases[i].in);
		assert_string_equal(got, cases[i].out);
	}
}

static void
test_systemd_quote_word(void **state)
{
	const struct {
		const gchar *in;
		const gchar *out;
	} cases[] = {
		{"/usr/bin/hermes", "/usr/bin/hermes"},
		{"--replace", "--replace"},
		{"a=b,c:d@e+f", "a=b,c:d@e+f"},
		{"", "\"\""},
		{";", "\";\""},
		{"a b", "\"a b\""},
		{"%n", "\"%%n\""},
		{"$HOME", "\"$$HOME\""},
		{"say \"hi\"", "\"say \\\"hi\\\"\""},
		{"back\\slash", "\"back\\\\slash\""},
		{"it's", "\"it's\""},
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *got = hermes_systemd_quote_word(cases[i].in);
		assert_string_equal(got, cases[i].out);
	}
	{
		g_autofree gchar *got = hermes_systemd_escape_specifiers("/srv/100%/%h");
		assert_string_equal(got, "/srv/100%%/%%h");
	}
	{
		g_autofree gchar *s = hermes_systemd_format_msec(90000);
		g_autofree gchar *ms = hermes_systemd_format_msec(1500);
		assert_string_equal(s, "90s");
		assert_string_equal(ms, "1500ms");
	}
}

static void
test_systemd_unit_names(void **state)
{
	const struct {
		const gchar *unit;
		const gchar *profile;
	} cases[] = {
		{"hermes-gateway.service", "default"},
		{"hermes-gateway-coder.service", "coder"},
		{"hermes-gateway-a_b-1.service", "a_b-1"},
		/* default has the bare name; these are nobody's */
		{"hermes-gateway-default.service", NULL},
		{"hermes-gateway-.service", NULL},
		{"hermes-gateway-Coder.service", NULL},
		{"hermes-gateway-x.socket", NULL},
		{"hermes.service", NULL},
		{"dbus.service", NULL},
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *profile = hermes_systemd_profile_from_unit(cases[i].unit);
		assert_string_equal(profile != NULL ? profile : "(null)",
				    cases[i].profile != NULL ? cases[i].profile : "(null)");
		if (cases[i].profile != NULL) {
			g_autofree gchar *unit = hermes_systemd_unit_name(cases[i].profile);
			assert_string_equal(unit, cases[i].unit);
		}
	}
}

/*****************************************************************************/
/* refusals: nothing half-escaped reaches a unit */

static void
test_assert_refused(const HermesSystemdRenderOptions *opts,
		    HermesGatewaySpec *spec,
		    const gchar *needle)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = hermes_systemd_render_unit(opts, spec, &error);
	assert_null(text);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	hermes_assert_str_contains(error->message, needle);
}

static void
test_systemd_refusals(void **state)
{
	RenderFixture *fx = *state;
	g_autoptr(HermesGatewaySpec) spec = NULL;

	fx->spec = test_case_default();
	hermes_test_spec_setenv(fx->spec, "EVIL", "a\nb");
	test_assert_refused(
		&test_opts_user, fx->spec, "environment variable EVIL contains a newline");
	hermes_test_spec_setenv(fx->spec, "EVIL", "a\tb");
	test_assert_refused(&test_opts_user, fx->spec, "control character");
	hermes_test_spec_setenv(fx->spec, "EVIL", NULL);

	hermes_gateway_spec_set_argv(
		fx->spec, (const gchar *[]){"/usr/bin/hermes", "a\nExecStartPre=/x", NULL});
	test_assert_refused(&test_opts_user, fx->spec, "argument 1 of the gateway command");
	hermes_gateway_spec_set_argv(fx->spec, (const gchar *[]){"hermes", "gateway", NULL});
	test_assert_refused(&test_opts_user, fx->spec, "absolute path");
	hermes_gateway_spec_set_argv(fx->spec, (const gchar *[]){NULL});
	test_assert_refused(&test_opts_user, fx->spec, "empty");
	hermes_gateway_spec_set_argv(fx->spec, (const gchar *[]){"/usr/bin/hermes", NULL});

	hermes_gateway_spec_set_working_directory(fx->spec, "relative/dir");
	test_assert_refused(&test_opts_user, fx->spec, "working directory");
	hermes_gateway_spec_set_working_directory(fx->spec, "/srv/dir ");
	test_assert_refused(&test_opts_user, fx->spec, "trailing whitespace");
	hermes_gateway_spec_set_working_directory(fx->spec, "/srv/\x01");
	test_assert_refused(&test_opts_user, fx->spec, "control character");
	hermes_gateway_spec_set_working_directory(fx->spec, NULL);

	hermes_gateway_spec_set_user(fx->spec, "bad user");
	test_assert_refused(&test_opts_user, fx->spec, "not a valid account name");
	hermes_gateway_spec_set_user(fx->spec, "-x");
	test_assert_refused(&test_opts_system, fx->spec, "not a valid account name");
	hermes_gateway_spec_set_user(fx->spec, "a%n");
	test_assert_refused(&test_opts_system, fx->spec, "not a valid account name");
	/* a system unit runs as someone on purpose */
	hermes_gateway_spec_set_user(fx->spec, NULL);
	test_assert_refused(&test_opts_system, fx->spec, "needs a run-as user");
	{
		HermesSystemdRenderOptions opts = test_opts_user;
		opts.hermes_home = "/home/a\nb";
		test_assert_refused(&opts, fx->spec, "HERMES_HOME contains a newline");
	}
	/* and the same spec renders once it is sane */
	spec = test_case_default();
	g_free(test_render(&test_opts_user, spec));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_systemd_golden_default),
		T(test_systemd_golden_coder),
		T(test_systemd_golden_hostile),
		T(test_systemd_golden_custom),
		T(test_systemd_golden_system),
		T(test_systemd_render_contract),
		T(test_systemd_escape_env_value),
		T(test_systemd_quote_word),
		T(test_systemd_unit_names),
		T(test_systemd_refusals),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
