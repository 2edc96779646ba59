/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The pure parts of the systemd backend: golden unit files (each one also
 * passes `systemd-analyze --user verify` with nothing on stderr), the
 * escaping functions, what is refused, the status mapping, and where the
 * manager is looked for (fake roots: XDG_RUNTIME_DIR derivation, upstream
 * #86558) and linger.
 *
 * Regenerate the golden files with
 *   HERMES_UPDATE_GOLDEN=1 meson test -C <build> systemd-render
 * and read every changed one before committing it: they are the spec.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-systemd-bus.h"
#include "hermes-systemd-endpoints.h"
#include "hermes-systemd-linger.h"
#include "hermes-systemd-render.h"
#include "hermes-systemd-status.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmpdir;
	HermesGatewaySpec *spec;
	HermesContext *ctx;
	GSocket *sockets[4];
} RenderFixture;

static int
test_setup(void **state)
{
	RenderFixture *fx = g_new0(RenderFixture, 1);
	fx->tmpdir = hermes_test_mkdtemp();
	*state = fx;
	return 0;
}

static int
test_teardown(void **state)
{
	RenderFixture *fx = *state;
	for (guint i = 0; i < G_N_ELEMENTS(fx->sockets); i++)
		g_clear_object(&fx->sockets[i]);
	hermes_test_rmtree(fx->tmpdir);
	g_free(fx->tmpdir);
	if (fx->spec != NULL)
		hermes_gateway_spec_unref(fx->spec);
	g_clear_object(&fx->ctx);
	g_free(fx);
	hermes_test_check_logs();
	return 0;
}

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

/*****************************************************************************/
/* status: what systemd says, mapped onto the one model */

static void
test_facts_init(HermesSystemdUnitFacts *facts,
		const gchar *active,
		const gchar *sub,
		const gchar *result)
{
	memset(facts, 0, sizeof(*facts));
	facts->unit = g_strdup("hermes-gateway-demo.service");
	facts->load_state = g_strdup("loaded");
	facts->active_state = g_strdup(active);
	facts->sub_state = g_strdup(sub);
	facts->result = g_strdup(result);
	facts->type = g_strdup("notify");
	facts->unit_file_state = g_strdup("disabled");
	facts->start_limit_burst = 5;
	facts->start_limit_interval_us = 60 * G_USEC_PER_SEC;
}

/* typed by the backend: consumers never parse systemd's raw keys */
static void
assert_reason(HermesGatewayStatus *status, HermesGatewayReason expected, const gchar *text)
{
	g_autofree gchar *got = NULL;
	assert_int_equal(hermes_gateway_status_get_reason(status, &got), expected);
	assert_string_equal(got, text);
}

static void
test_systemd_status_running(void **state)
{
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	g_autoptr(HermesGatewayStatus) status = NULL;

	test_facts_init(&facts, "active", "running", "success");
	facts.main_pid = 4242;
	facts.n_restarts = 2;
	facts.active_enter_us = 1700000000000000;
	status = hermes_systemd_status_to_gateway("demo", &facts);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_UP);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_UP);
	assert_int_equal(hermes_gateway_status_get_pid(status), 4242);
	assert_int_equal(hermes_gateway_status_get_restarts(status), 2);
	assert_int_equal(hermes_gateway_status_get_since(status), 1700000000000000);
	/* Type=notify is active only after READY=1 */
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_YES);
	/* systemd forgets the last exit when the next process starts */
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), -1);
	assert_string_equal(hermes_gateway_status_get_raw(status, "systemd.sub_state"), "running");
	assert_null(hermes_gateway_status_get_raw(status, "systemd.reason"));
	assert_int_equal(hermes_gateway_status_get_reason(status, NULL),
			 HERMES_GATEWAY_REASON_NONE);

	/* without readiness, active says nothing about ready */
	g_free(facts.type);
	facts.type = g_strdup("exec");
	g_clear_pointer(&status, hermes_gateway_status_unref);
	status = hermes_systemd_status_to_gateway("demo", &facts);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_UNKNOWN);
}

static void
test_systemd_status_between_death_and_restart(void **state)
{
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	g_autoptr(HermesGatewayStatus) status = NULL;

	test_facts_init(&facts, "activating", "auto-restart", "signal");
	facts.exec_main_code = HERMES_SYSTEMD_CLD_KILLED;
	facts.exec_main_status = SIGKILL;
	facts.n_restarts = 1;
	status = hermes_systemd_status_to_gateway("demo", &facts);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_STARTING);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_UP);
	assert_int_equal(hermes_gateway_status_get_ready(status), HERMES_TRISTATE_NO);
	assert_int_equal(hermes_gateway_status_get_last_signal(status), SIGKILL);
	assert_string_equal(hermes_gateway_status_get_raw(status, "systemd.reason"),
			    "main process killed by signal 9 (SIGKILL)");
}

static void
test_systemd_status_fatal_config(void **state)
{
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	g_autoptr(HermesGatewayStatus) status = NULL;

	test_facts_init(&facts, "failed", "failed", "exit-code");
	facts.exec_main_code = HERMES_SYSTEMD_CLD_EXITED;
	facts.exec_main_status = 78;
	status = hermes_systemd_status_to_gateway("demo", &facts);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_FAILED);
	assert_int_equal(hermes_gateway_status_get_wanted(status), HERMES_GATEWAY_WANTED_DOWN);
	assert_int_equal(hermes_gateway_status_get_pid(status), 0);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), 78);
	assert_string_equal(hermes_gateway_status_get_raw(status, "systemd.reason"),
			    "main process exited 78 (fatal configuration)");
	assert_reason(status,
		      HERMES_GATEWAY_REASON_FATAL_CONFIG,
		      "main process exited 78 (fatal configuration)");

	/* a stop systemd counts as clean, SIGTERM included, is a stop */
	g_clear_pointer(&status, hermes_gateway_status_unref);
	g_free(facts.active_state);
	g_free(facts.sub_state);
	g_free(facts.result);
	facts.active_state = g_strdup("inactive");
	facts.sub_state = g_strdup("dead");
	facts.result = g_strdup("success");
	facts.exec_main_code = HERMES_SYSTEMD_CLD_KILLED;
	facts.exec_main_status = SIGTERM;
	status = hermes_systemd_status_to_gateway("demo", &facts);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_DOWN);
	assert_reason(status,
		      HERMES_GATEWAY_REASON_STOPPED,
		      "main process killed by signal 15 (SIGTERM)");
}

static void
test_systemd_status_parked(void **state)
{
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	g_autoptr(HermesGatewayStatus) status = NULL;

	test_facts_init(&facts, "failed", "failed", "start-limit-hit");
	facts.exec_main_code = HERMES_SYSTEMD_CLD_EXITED;
	facts.exec_main_status = 3;
	facts.n_restarts = 4;
	status = hermes_systemd_status_to_gateway("demo", &facts);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_PARKED);
	assert_int_equal(hermes_gateway_status_get_restarts(status), 4);
	assert_string_equal(hermes_gateway_status_get_raw(status, "systemd.reason"),
			    "circuit breaker: 5 starts within 60 s hit the start limit; a start "
			    "gives it a fresh chance; the last main process exited 3");
	assert_reason(status,
		      HERMES_GATEWAY_REASON_CRASH_LOOP,
		      "circuit breaker: 5 starts within 60 s hit the start limit; a start "
		      "gives it a fresh chance; the last main process exited 3");
}

/* systemd 252 keeps the last death's result when the start limit refuses a restart */
static void
test_systemd_status_parked_by_restarts(void **state)
{
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	g_autoptr(HermesGatewayStatus) status = NULL;
	const gint32 prevent[] = {0, 78};

	test_facts_init(&facts, "failed", "failed", "exit-code");
	facts.exec_main_code = HERMES_SYSTEMD_CLD_EXITED;
	facts.exec_main_status = 3;
	facts.n_restarts = 5;
	facts.restart_prevent = g_array_new(FALSE, FALSE, sizeof(gint32));
	g_array_append_vals(facts.restart_prevent, prevent, G_N_ELEMENTS(prevent));
	assert_true(hermes_systemd_unit_facts_parked(&facts));
	status = hermes_systemd_status_to_gateway("demo", &facts);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_PARKED);
	/* an exit exempt from restarting is a failure, not the breaker */
	facts.exec_main_status = 78;
	assert_false(hermes_systemd_unit_facts_parked(&facts));
	/* nor is a stop that timed out */
	facts.exec_main_status = 3;
	g_free(facts.result);
	facts.result = g_strdup("timeout");
	assert_false(hermes_systemd_unit_facts_parked(&facts));
	/* nor a death with restarts to spare */
	g_free(facts.result);
	facts.result = g_strdup("exit-code");
	facts.n_restarts = 2;
	assert_false(hermes_systemd_unit_facts_parked(&facts));
	/* and a unit that is not failed is never parked */
	facts.n_restarts = 5;
	g_free(facts.active_state);
	facts.active_state = g_strdup("activating");
	assert_false(hermes_systemd_unit_facts_parked(&facts));
}

static void
test_systemd_status_other_states(void **state)
{
	const struct {
		const gchar *active;
		const gchar *sub;
		const gchar *result;
		HermesGatewayState want;
	} cases[] = {
		{"inactive", "dead", "success", HERMES_GATEWAY_STATE_DOWN},
		{"deactivating", "stop-sigterm", "success", HERMES_GATEWAY_STATE_STOPPING},
		{"activating", "start", "success", HERMES_GATEWAY_STATE_STARTING},
		{"reloading", "reload", "success", HERMES_GATEWAY_STATE_UP},
		{"failed", "failed", "timeout", HERMES_GATEWAY_STATE_FAILED},
		{"maintenance", "cleaning", "success", HERMES_GATEWAY_STATE_UNKNOWN},
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_auto(HermesSystemdUnitFacts) facts = {NULL};
		g_autoptr(HermesGatewayStatus) status = NULL;
		test_facts_init(&facts, cases[i].active, cases[i].sub, cases[i].result);
		status = hermes_systemd_status_to_gateway("demo", &facts);
		assert_int_equal(hermes_gateway_status_get_state(status), cases[i].want);
	}
	{
		/* a unit systemd has not loaded is nothing we can tell */
		g_auto(HermesSystemdUnitFacts) facts = {NULL};
		g_autoptr(HermesGatewayStatus) status = NULL;
		test_facts_init(&facts, "inactive", "dead", "success");
		g_free(facts.load_state);
		facts.load_state = g_strdup("not-found");
		status = hermes_systemd_status_to_gateway("demo", &facts);
		assert_int_equal(hermes_gateway_status_get_state(status),
				 HERMES_GATEWAY_STATE_UNKNOWN);
	}
	{
		g_auto(HermesSystemdUnitFacts) facts = {NULL};
		g_autofree gchar *why = NULL;
		test_facts_init(&facts, "failed", "failed", "protocol");
		why = hermes_systemd_unit_facts_explain(&facts);
		assert_string_equal(why, "it ended before it reported ready (result protocol)");
	}
}

static void
test_systemd_facts_parse(void **state)
{
	g_auto(HermesSystemdUnitFacts) facts = {NULL};
	g_auto(GVariantBuilder) unit = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{sv}"));
	g_auto(GVariantBuilder) service = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("a{sv}"));
	g_autoptr(GVariant) unit_props = NULL;
	g_autoptr(GVariant) service_props = NULL;

	g_variant_builder_add(&unit, "{sv}", "Id", g_variant_new_string("hermes-gateway.service"));
	g_variant_builder_add(&unit, "{sv}", "LoadState", g_variant_new_string("loaded"));
	g_variant_builder_add(&unit, "{sv}", "ActiveState", g_variant_new_string("active"));
	g_variant_builder_add(&unit, "{sv}", "SubState", g_variant_new_string("running"));
	g_variant_builder_add(&unit, "{sv}", "ActiveEnterTimestamp", g_variant_new_uint64(7));
	g_variant_builder_add(&unit, "{sv}", "NeedDaemonReload", g_variant_new_boolean(TRUE));
	g_variant_builder_add(&unit, "{sv}", "StartLimitBurst", g_variant_new_uint32(5));
	/* a property of the wrong type is ignored, not trusted */
	g_variant_builder_add(&unit, "{sv}", "UnitFileState", g_variant_new_uint32(1));
	g_variant_builder_add(&service, "{sv}", "MainPID", g_variant_new_uint32(99));
	g_variant_builder_add(&service, "{sv}", "ExecMainCode", g_variant_new_int32(1));
	g_variant_builder_add(&service, "{sv}", "ExecMainStatus", g_variant_new_int32(75));
	g_variant_builder_add(&service, "{sv}", "NRestarts", g_variant_new_uint32(3));
	g_variant_builder_add(&service, "{sv}", "Result", g_variant_new_string("success"));
	g_variant_builder_add(&service, "{sv}", "Type", g_variant_new_string("notify"));
	g_variant_builder_add(&service, "{sv}", "TimeoutStopUSec", g_variant_new_uint64(90000000));
	{
		const gint32 codes[] = {0, 78};
		g_variant_builder_add(
			&service,
			"{sv}",
			"RestartPreventExitStatus",
			g_variant_new("(@ai@ai)",
				      g_variant_new_fixed_array(G_VARIANT_TYPE_INT32,
								codes,
								G_N_ELEMENTS(codes),
								sizeof(gint32)),
				      g_variant_new_fixed_array(
					      G_VARIANT_TYPE_INT32, NULL, 0, sizeof(gint32))));
	}
	unit_props = g_variant_ref_sink(g_variant_builder_end(&unit));
	service_props = g_variant_ref_sink(g_variant_builder_end(&service));

	hermes_systemd_unit_facts_parse(&facts, unit_props, service_props);
	assert_string_equal(facts.unit, "hermes-gateway.service");
	assert_string_equal(facts.active_state, "active");
	assert_null(facts.unit_file_state);
	assert_true(facts.need_daemon_reload);
	assert_int_equal(facts.active_enter_us, 7);
	assert_int_equal(facts.main_pid, 99);
	assert_int_equal(facts.exec_main_code, 1);
	assert_int_equal(facts.exec_main_status, 75);
	assert_int_equal(facts.n_restarts, 3);
	assert_int_equal(facts.timeout_stop_us, 90000000);
	assert_int_equal(facts.start_limit_burst, 5);
	assert_int_equal(facts.restart_prevent->len, 2);
	assert_int_equal(g_array_index(facts.restart_prevent, gint32, 1), 78);
	/* parsing again starts from scratch; no service interface is fine */
	hermes_systemd_unit_facts_parse(&facts, unit_props, NULL);
	assert_int_equal(facts.main_pid, 0);
	assert_null(facts.type);
}

/*****************************************************************************/
/* where the manager is: fake roots */

static gchar *
test_root_path(RenderFixture *fx, const gchar *rel)
{
	return g_build_filename(fx->tmpdir, rel, NULL);
}

static void
test_root_mkdir(RenderFixture *fx, const gchar *rel, guint mode)
{
	g_autofree gchar *path = test_root_path(fx, rel);
	assert_int_equal(g_mkdir_with_parents(path, 0755), 0);
	assert_int_equal(g_chmod(path, mode), 0);
}

/* a listening unix socket at @rel below the root */
static void
test_root_socket(RenderFixture *fx, const gchar *rel)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = test_root_path(fx, rel);
	g_autoptr(GSocketAddress) address = g_unix_socket_address_new(path);
	GSocket *sock = g_socket_new(
		G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
	guint i = 0;
	hermes_assert_no_error(error);
	assert_true(g_socket_bind(sock, address, TRUE, &error));
	hermes_assert_no_error(error);
	while (fx->sockets[i] != NULL)
		i++;
	fx->sockets[i] = sock;
}

static HermesContext *
test_root_context(RenderFixture *fx)
{
	HermesContext *ctx = hermes_context_new_for_root(fx->tmpdir);
	hermes_context_setenv(ctx, "XDG_RUNTIME_DIR", NULL);
	hermes_context_setenv(ctx, "DBUS_SESSION_BUS_ADDRESS", NULL);
	hermes_context_setenv(ctx, "DBUS_SYSTEM_BUS_ADDRESS", NULL);
	return ctx;
}

static gchar *
test_notes(HermesSystemdEndpoints *endpoints)
{
	return hermes_systemd_join(endpoints->notes);
}

static void
test_systemd_endpoints_derived(void **state)
{
	RenderFixture *fx = *state;
	guint32 uid = (guint32)geteuid();
	g_autofree gchar *run_user = g_strdup_printf("run/user/%u", uid);
	g_autofree gchar *bus = g_strdup_printf("%s/bus", run_user);
	g_autofree gchar *private_socket = g_strdup_printf("%s/systemd/private", run_user);
	g_autofree gchar *want_runtime = test_root_path(fx, run_user);
	g_autofree gchar *want_bus = test_root_path(fx, bus);
	g_autofree gchar *want_private = test_root_path(fx, private_socket);
	g_autofree gchar *want_address = g_strconcat("unix:path=", want_bus, NULL);
	g_autoptr(HermesSystemdEndpoints) endpoints = NULL;
	g_autofree gchar *notes = NULL;

	fx->ctx = test_root_context(fx);
	/* nothing there: no runtime directory, and the notes say why */
	endpoints = hermes_systemd_endpoints_new(fx->ctx, HERMES_SYSTEMD_SCOPE_USER, uid);
	assert_null(endpoints->runtime_dir);
	assert_null(endpoints->bus_address);
	assert_null(endpoints->private_path);
	notes = test_notes(endpoints);
	hermes_assert_str_contains(notes, "has no login session and no lingering user manager");
	g_clear_pointer(&endpoints, hermes_systemd_endpoints_free);
	g_clear_pointer(&notes, g_free);

	/* unset variables, as from cron or an installer: derived from the uid */
	test_root_mkdir(fx, run_user, 0700);
	{
		g_autofree gchar *systemd_dir = g_strdup_printf("%s/systemd", run_user);
		test_root_mkdir(fx, systemd_dir, 0755);
	}
	test_root_socket(fx, bus);
	test_root_socket(fx, private_socket);
	endpoints = hermes_systemd_endpoints_new(fx->ctx, HERMES_SYSTEMD_SCOPE_USER, uid);
	assert_string_equal(endpoints->runtime_dir, want_runtime);
	assert_string_equal(endpoints->bus_address, want_address);
	assert_string_equal(endpoints->private_path, want_private);
	notes = test_notes(endpoints);
	hermes_assert_str_contains(notes, "XDG_RUNTIME_DIR is not set: using");
	hermes_assert_str_contains(notes, "DBUS_SESSION_BUS_ADDRESS is not set: using unix:path=");
	g_clear_pointer(&endpoints, hermes_systemd_endpoints_free);
	g_clear_pointer(&notes, g_free);

	/* the variables as a login session sets them are taken as they are */
	{
		g_autofree gchar *runtime_env = g_strdup_printf("/%s", run_user);
		g_autofree gchar *bus_env = g_strdup_printf("unix:path=/%s", bus);
		hermes_context_setenv(fx->ctx, "XDG_RUNTIME_DIR", runtime_env);
		hermes_context_setenv(fx->ctx, "DBUS_SESSION_BUS_ADDRESS", bus_env);
	}
	endpoints = hermes_systemd_endpoints_new(fx->ctx, HERMES_SYSTEMD_SCOPE_USER, uid);
	assert_string_equal(endpoints->runtime_dir, want_runtime);
	assert_string_equal(endpoints->bus_address, want_address);
	assert_int_equal(endpoints->notes->len, 0);
	g_clear_pointer(&endpoints, hermes_systemd_endpoints_free);

	/* a bus that is not a path cannot be checked and is not trusted against a test root */
	hermes_context_setenv(fx->ctx, "DBUS_SESSION_BUS_ADDRESS", "unix:abstract=/tmp/dbus-x");
	endpoints = hermes_systemd_endpoints_new(fx->ctx, HERMES_SYSTEMD_SCOPE_USER, uid);
	assert_string_equal(endpoints->bus_address, want_address);
	notes = test_notes(endpoints);
	hermes_assert_str_contains(notes,
				   "DBUS_SESSION_BUS_ADDRESS=unix:abstract=/tmp/dbus-x ignored");
	g_clear_pointer(&endpoints, hermes_systemd_endpoints_free);
	g_clear_pointer(&notes, g_free);

	/* the system manager: the system bus and /run/systemd/private */
	test_root_mkdir(fx, "run/dbus", 0755);
	test_root_mkdir(fx, "run/systemd", 0755);
	test_root_socket(fx, "run/dbus/system_bus_socket");
	endpoints = hermes_systemd_endpoints_new(fx->ctx, HERMES_SYSTEMD_SCOPE_SYSTEM, uid);
	{
		g_autofree gchar *sys = test_root_path(fx, "run/dbus/system_bus_socket");
		g_autofree gchar *want = g_strconcat("unix:path=", sys, NULL);
		assert_string_equal(endpoints->bus_address, want);
	}
	assert_null(endpoints->private_path);
	{
		g_autofree gchar *who = hermes_systemd_endpoints_describe(endpoints);
		assert_string_equal(who, "the system manager");
	}
}

/* upstream #86558: su or sudo leaves another user's XDG_RUNTIME_DIR behind */
static void
test_systemd_endpoints_foreign_runtime_dir(void **state)
{
	RenderFixture *fx = *state;
	guint32 uid = (guint32)geteuid();
	g_autofree gchar *own = g_strdup_printf("run/user/%u", uid);
	g_autofree gchar *own_bus = g_strdup_printf("%s/bus", own);
	g_autofree gchar *foreign = test_root_path(fx, "run/user/4242");
	g_autoptr(HermesSystemdEndpoints) endpoints = NULL;
	g_autofree gchar *notes = NULL;
	g_autofree gchar *want_runtime = test_root_path(fx, own);

	/* making a directory someone else's needs root */
	if (geteuid() != 0) {
		print_message("# skipped: needs root to give a directory to another uid\n");
		skip();
	}
	fx->ctx = test_root_context(fx);
	test_root_mkdir(fx, "run/user/4242", 0700);
	test_root_socket(fx, "run/user/4242/bus");
	assert_int_equal(chown(foreign, 4242, 4242), 0);
	test_root_mkdir(fx, own, 0700);
	test_root_socket(fx, own_bus);
	hermes_context_setenv(fx->ctx, "XDG_RUNTIME_DIR", "/run/user/4242");
	hermes_context_setenv(fx->ctx, "DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/4242/bus");
	{
		g_autofree gchar *foreign_bus = test_root_path(fx, "run/user/4242/bus");
		assert_int_equal(lchown(foreign_bus, 4242, 4242), 0);
	}
	endpoints = hermes_systemd_endpoints_new(fx->ctx, HERMES_SYSTEMD_SCOPE_USER, uid);
	assert_string_equal(endpoints->runtime_dir, want_runtime);
	hermes_assert_str_contains(endpoints->bus_address, own_bus);
	notes = test_notes(endpoints);
	hermes_assert_str_contains(
		notes, "XDG_RUNTIME_DIR=/run/user/4242 ignored: it belongs to uid 4242");
	hermes_assert_str_contains(notes,
				   "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/4242/bus ignored: "
				   "it belongs to uid 4242");
}

static void
test_systemd_unreachable_is_explained(void **state)
{
	RenderFixture *fx = *state;
	g_autoptr(HermesSystemdEndpoints) endpoints = NULL;
	g_autoptr(HermesSystemdBus) bus = NULL;
	g_autoptr(GError) error = NULL;
	guint32 uid = (guint32)geteuid();
	g_autofree gchar *run_user = g_strdup_printf("run/user/%u", uid);
	g_autofree gchar *bus_path = g_strdup_printf("%s/bus", run_user);

	fx->ctx = test_root_context(fx);
	test_root_mkdir(fx, run_user, 0700);
	/* a socket nobody answers on: bound, never listening */
	test_root_socket(fx, bus_path);
	endpoints = hermes_systemd_endpoints_new(fx->ctx, HERMES_SYSTEMD_SCOPE_USER, uid);
	bus = hermes_systemd_bus_connect(endpoints, TRUE, NULL, &error);
	assert_null(bus);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
	hermes_assert_str_contains(error->message, "systemd: the user manager of");
	hermes_assert_str_contains(error->message, "is unreachable: cannot connect to unix:path=");
	hermes_assert_str_contains(error->message, "XDG_RUNTIME_DIR is not set");
	hermes_assert_str_contains(error->message, "loginctl enable-linger");
}

static void
test_systemd_linger(void **state)
{
	RenderFixture *fx = *state;
	g_autofree gchar *source = NULL;
	g_autofree gchar *path = test_root_path(fx, "var/lib/systemd/linger/ada");

	fx->ctx = test_root_context(fx);
	assert_string_equal(hermes_systemd_linger_check(fx->ctx, "ada", 1000, &source), "no");
	hermes_assert_str_contains(source, "var/lib/systemd/linger/ada does not exist");
	g_clear_pointer(&source, g_free);
	hermes_test_write_file(path, "", 0644);
	assert_string_equal(hermes_systemd_linger_check(fx->ctx, "ada", 1000, &source), "yes");
	hermes_assert_str_contains(source, "var/lib/systemd/linger/ada exists");
	{
		g_autofree gchar *fix = hermes_systemd_linger_fix("ada");
		g_autofree gchar *fix_root = hermes_systemd_linger_fix("root");
		assert_string_equal(fix, "sudo loginctl enable-linger ada");
		assert_string_equal(fix_root, "loginctl enable-linger root");
	}
}

/* the real plugin's probe through the loader, against a fake root */
static void
test_systemd_probe_fake_root(void **state)
{
	RenderFixture *fx = *state;
	g_autoptr(GPtrArray) plugins = NULL;
	const gchar *dirs = hermes_test_env("HERMES_TEST_BACKEND_DIRS");
	HermesPlugin *found = NULL;

	fx->ctx = test_root_context(fx);
	hermes_context_set_os(fx->ctx, "linux");
	hermes_context_setenv(fx->ctx, "HERMES_BACKEND_PATH", dirs);
	test_root_mkdir(fx, "run/systemd/system", 0755);
	plugins = hermes_backend_loader_discover(fx->ctx);
	for (guint i = 0; i < plugins->len; i++) {
		HermesPlugin *p = g_ptr_array_index(plugins, i);
		g_autofree gchar *dir = g_path_get_dirname(hermes_plugin_get_path(p));
		if (g_strcmp0(hermes_plugin_get_name(p), "systemd") == 0 &&
		    strstr(dirs, dir) != NULL)
			found = p;
	}
	assert_non_null(found);
	/* booted with systemd but no manager answers: still systemd's host, with the why */
	assert_int_equal(hermes_plugin_get_score(found), HERMES_BACKEND_SCORE_HOST);
	hermes_assert_str_contains(hermes_plugin_get_reason(found),
				   "systemd is PID 1; user scope (the default; "
				   "HERMES_SYSTEMD_SCOPE=system picks the system manager), but");
	hermes_assert_str_contains(hermes_plugin_get_reason(found), "is unreachable");
	hermes_assert_str_contains(hermes_plugin_get_reason(found), "loginctl enable-linger");
	g_clear_pointer(&plugins, g_ptr_array_unref);

	/* a scope that is neither is said, not guessed */
	hermes_context_setenv(fx->ctx, "HERMES_SYSTEMD_SCOPE", "both");
	plugins = hermes_backend_loader_discover(fx->ctx);
	for (guint i = 0; i < plugins->len; i++) {
		HermesPlugin *p = g_ptr_array_index(plugins, i);
		g_autofree gchar *dir = g_path_get_dirname(hermes_plugin_get_path(p));
		if (g_strcmp0(hermes_plugin_get_name(p), "systemd") == 0 &&
		    strstr(dirs, dir) != NULL)
			hermes_assert_str_contains(
				hermes_plugin_get_reason(p),
				"HERMES_SYSTEMD_SCOPE=both: use 'user' or 'system'");
	}
}

static int
group_setup(void **state)
{
	hermes_test_init();
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, test_setup, test_teardown)

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
		T(test_systemd_status_running),
		T(test_systemd_status_between_death_and_restart),
		T(test_systemd_status_fatal_config),
		T(test_systemd_status_parked),
		T(test_systemd_status_parked_by_restarts),
		T(test_systemd_status_other_states),
		T(test_systemd_facts_parse),
		T(test_systemd_endpoints_derived),
		T(test_systemd_endpoints_foreign_runtime_dir),
		T(test_systemd_unreachable_is_explained),
		T(test_systemd_linger),
		T(test_systemd_probe_fake_root),
	};
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
