/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The launchd backend as far as Linux allows (there is no launchd here):
 *
 *  - the tolerant parsers, on fixtures of `launchctl print` and
 *    `launchctl list <label>` output (tests/fixtures/launchd/), every
 *    prefix of every fixture included;
 *  - the launchctl protocol of hermes-launchd-control.c against an
 *    in-process fake on the spawner seam that records every call and
 *    replays scripted exit codes and output: start, stop (marker first),
 *    restart, the exit-5 retry, the not-loaded re-bootstrap, the refused
 *    domain, status;
 *  - the real spawner against a fake launchctl script (output, exit
 *    codes, a missing program, a hang, a signal);
 *  - the backend plugin through the built `hermes` binary, forced with
 *    --backend launchd (its probe says no on Linux): render and install
 *    --dry-run print the plist a Mac would get, install/status/stop/
 *    restart/uninstall and the profile hooks drive the fake launchctl,
 *    and the rendered plist's own environment makes the real gateway
 *    runner turn a fatal configuration into exit 0.
 *
 * What only a real launchd can show is listed in plugins/launchd/README.md.
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-launchd-control.h"
#include "hermes-launchd-plist-reader.h"
#include "hermes-launchd-render.h"
#include "hermes-platform-private.h"
#include "hermes-svc.h"
#include "hermes-test.h"

#define TEST_PYTHON "/usr/bin/python3"
#define TEST_DOMAIN "gui/501"
#define TEST_TARGET "gui/501/ai.hermes.gateway-demo"

/*****************************************************************************/
/* the fake on the spawner seam */

typedef struct {
	gchar *prefix; /* matches the call's arguments, joined by spaces */
	gint code;
	gchar *out;
	gchar *err;
	gboolean sticky;
	gboolean used;
} TestAnswer;

static void
test_answer_free(gpointer data)
{
	TestAnswer *answer = data;
	g_free(answer->prefix);
	g_free(answer->out);
	g_free(answer->err);
	g_free(answer);
}

#define TEST_TYPE_FAKE_SPAWNER (test_fake_spawner_get_type())
G_DECLARE_FINAL_TYPE(TestFakeSpawner, test_fake_spawner, TEST, FAKE_SPAWNER, HermesLaunchdSpawner)

struct _TestFakeSpawner {
	HermesLaunchdSpawner parent_instance;
	GPtrArray *calls;   /* gchar*: the arguments joined by spaces */
	GPtrArray *answers; /* TestAnswer */
	gchar *marker;	    /* checked at every bootout and kickstart */
	GPtrArray *marker_seen;
	GPid kill_on_bootout; /* what launchd would SIGTERM */
	gboolean unavailable; /* launchctl cannot be run at all */
};

G_DEFINE_FINAL_TYPE(TestFakeSpawner, test_fake_spawner, HERMES_TYPE_LAUNCHD_SPAWNER)

static gboolean
test_fake_spawner_run(HermesLaunchdSpawner *spawner,
		      const gchar *const *args,
		      gchar **out,
		      gchar **err,
		      gint *exit_code,
		      GError **error)
{
	TestFakeSpawner *self = TEST_FAKE_SPAWNER(spawner);
	g_autofree gchar *joined = g_strjoinv(" ", (gchar **)args);
	TestAnswer *found = NULL;

	g_ptr_array_add(self->calls, g_strdup(joined));
	if (self->unavailable) {
		g_set_error_literal(error,
				    HERMES_ERROR,
				    HERMES_ERROR_SUPERVISOR_UNAVAILABLE,
				    "cannot run launchctl: no such file");
		return FALSE;
	}
	if (self->marker != NULL &&
	    (g_strcmp0(args[0], "bootout") == 0 || g_strcmp0(args[0], "kickstart") == 0))
		g_ptr_array_add(self->marker_seen,
				g_strdup_printf("%s marker=%s",
						args[0],
						g_file_test(self->marker, G_FILE_TEST_EXISTS)
							? "yes"
							: "no"));
	if (g_strcmp0(args[0], "bootout") == 0 && self->kill_on_bootout > 0)
		kill(self->kill_on_bootout, SIGTERM);
	/* one-shot answers in order first, then the latest sticky one */
	for (guint i = 0; i < self->answers->len && found == NULL; i++) {
		TestAnswer *a = g_ptr_array_index(self->answers, i);
		if (!a->sticky && !a->used && g_str_has_prefix(joined, a->prefix))
			found = a;
	}
	for (guint i = self->answers->len; i > 0 && found == NULL; i--) {
		TestAnswer *a = g_ptr_array_index(self->answers, i - 1);
		if (a->sticky && g_str_has_prefix(joined, a->prefix))
			found = a;
	}
	if (found != NULL)
		found->used = TRUE;
	*exit_code = found != NULL ? found->code : 0;
	*out = g_strdup(found != NULL && found->out != NULL ? found->out : "");
	*err = g_strdup(found != NULL && found->err != NULL ? found->err : "");
	return TRUE;
}

static void
test_fake_spawner_finalize(GObject *object)
{
	TestFakeSpawner *self = TEST_FAKE_SPAWNER(object);
	g_ptr_array_unref(self->calls);
	g_ptr_array_unref(self->answers);
	g_ptr_array_unref(self->marker_seen);
	g_free(self->marker);
	G_OBJECT_CLASS(test_fake_spawner_parent_class)->finalize(object);
}

static void
test_fake_spawner_class_init(TestFakeSpawnerClass *klass)
{
	G_OBJECT_CLASS(klass)->finalize = test_fake_spawner_finalize;
	HERMES_LAUNCHD_SPAWNER_CLASS(klass)->run = test_fake_spawner_run;
}

static void
test_fake_spawner_init(TestFakeSpawner *self)
{
	self->calls = g_ptr_array_new_with_free_func(g_free);
	self->answers = g_ptr_array_new_with_free_func(test_answer_free);
	self->marker_seen = g_ptr_array_new_with_free_func(g_free);
}

static void
fake_add(TestFakeSpawner *fake,
	 gboolean sticky,
	 const gchar *prefix,
	 gint code,
	 const gchar *out,
	 const gchar *err)
{
	TestAnswer *a = g_new0(TestAnswer, 1);
	a->prefix = g_strdup(prefix);
	a->code = code;
	a->out = g_strdup(out);
	a->err = g_strdup(err);
	a->sticky = sticky;
	g_ptr_array_add(fake->answers, a);
}

/* the next call starting with @prefix gets this answer */
#define fake_once(f, prefix, code, out, err) fake_add(f, FALSE, prefix, code, out, err)
/* every call starting with @prefix gets it, once the one-shot answers are used */
#define fake_always(f, prefix, code, out, err) fake_add(f, TRUE, prefix, code, out, err)

/* the calls so far are exactly @expected, in order */
static void
fake_assert_calls(TestFakeSpawner *fake, const gchar *const *expected)
{
	guint n = g_strv_length((gchar **)expected);
	g_autoptr(GString) got = g_string_new(NULL);
	gboolean same = fake->calls->len == n;

	for (guint i = 0; i < fake->calls->len; i++) {
		const gchar *call = g_ptr_array_index(fake->calls, i);
		g_string_append_printf(got, "\n  %s", call);
		if (i < n && g_strcmp0(call, expected[i]) != 0)
			same = FALSE;
	}
	if (!same) {
		g_autofree gchar *want = g_strjoinv("\n  ", (gchar **)expected);
		fail_msg("launchctl calls differ:\n got:%s\n expected:\n  %s", got->str, want);
	}
}

#define assert_calls(f, ...) fake_assert_calls(f, (const gchar *const[]){__VA_ARGS__, NULL})

/*****************************************************************************/
/* fixtures */

typedef struct {
	gchar *tmp;
	gchar *home; /* the profile's HERMES_HOME */
	gchar *plist;
	TestFakeSpawner *fake;
	HermesLaunchdJob *job;
	GArray *children; /* GPid: killed and reaped in teardown */
	/* the CLI tests */
	gchar *root;
	gchar *agents;
	gchar *fake_dir;
	GStrv envp;
	gchar *out;
	gchar *err;
} Fixture;

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->tmp = hermes_test_mkdtemp();
	f->home = g_build_filename(f->tmp, "job-home", "profiles", "demo", NULL);
	f->plist = g_build_filename(f->tmp, "job-agents", "ai.hermes.gateway-demo.plist", NULL);
	g_mkdir_with_parents(f->home, 0755);
	f->fake = g_object_new(TEST_TYPE_FAKE_SPAWNER, NULL);
	f->job = hermes_launchd_job_new(
		HERMES_LAUNCHD_SPAWNER(f->fake), TEST_DOMAIN, "demo", f->plist, f->home);
	f->children = g_array_new(FALSE, FALSE, sizeof(GPid));
	*state = f;
	return 0;
}

static void
fake_assert_no_legacy_verbs(TestFakeSpawner *fake);

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	/* whatever a test did, it never used the deprecated verbs */
	fake_assert_no_legacy_verbs(f->fake);
	for (guint i = 0; i < f->children->len; i++) {
		GPid pid = g_array_index(f->children, GPid, i);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	g_array_unref(f->children);
	hermes_launchd_job_free(f->job);
	g_object_unref(f->fake);
	hermes_test_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f->home);
	g_free(f->plist);
	g_free(f->root);
	g_free(f->agents);
	g_free(f->fake_dir);
	g_strfreev(f->envp);
	g_free(f->out);
	g_free(f->err);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

static gchar *
fixture_text(const gchar *name)
{
	g_autofree gchar *path = g_build_filename(
		hermes_test_env("HERMES_TEST_SRCDIR"), "fixtures", "launchd", name, NULL);
	g_autoptr(GError) error = NULL;
	gchar *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, &error))
		fail_msg("cannot read %s: %s", path, error->message);
	return text;
}

/* `launchctl print` of a running job with @pid */
static gchar *
print_running(gint64 pid)
{
	return g_strdup_printf("%s = {\n"
			       "\tactive count = 1\n"
			       "\tstate = running\n"
			       "\tenvironment = {\n"
			       "\t\tpid => 1\n"
			       "\t}\n"
			       "\truns = 1\n"
			       "\tpid = %" G_GINT64_FORMAT "\n"
			       "\tlast exit code = (never exited)\n"
			       "}\n",
			       TEST_TARGET,
			       pid);
}

/* a child that has exited and been reaped: its pid names no process */
static GPid
dead_pid(void)
{
	g_autoptr(GError) error = NULL;
	GPid pid = 0;
	if (!g_spawn_async(NULL,
			   (gchar **)(const gchar *[]){"/bin/true", NULL},
			   NULL,
			   G_SPAWN_DO_NOT_REAP_CHILD,
			   NULL,
			   NULL,
			   &pid,
			   &error))
		fail_msg("cannot spawn /bin/true: %s", error->message);
	waitpid(pid, NULL, 0);
	return pid;
}

/* a stand-in gateway process; @ignore_term makes it survive SIGTERM */
static GPid
live_child(Fixture *f, gboolean ignore_term)
{
	g_autoptr(GError) error = NULL;
	const gchar *sleeper[] = {"/bin/sleep", "60", NULL};
	/* an ignored signal stays ignored across exec: no grandchild outlives teardown */
	const gchar *stubborn[] = {"/bin/sh", "-c", "trap '' TERM; exec sleep 60", NULL};
	GPid pid = 0;
	if (!g_spawn_async(NULL,
			   (gchar **)(ignore_term ? stubborn : sleeper),
			   NULL,
			   G_SPAWN_DO_NOT_REAP_CHILD,
			   NULL,
			   NULL,
			   &pid,
			   &error))
		fail_msg("cannot spawn a child: %s", error->message);
	g_array_append_val(f->children, pid);
	/* let the shell install its trap before anyone signals it */
	if (ignore_term)
		g_usleep(200 * 1000);
	return pid;
}

/* no test may ever use the deprecated verbs */
static void
fake_assert_no_legacy_verbs(TestFakeSpawner *fake)
{
	for (guint i = 0; i < fake->calls->len; i++) {
		const gchar *call = g_ptr_array_index(fake->calls, i);
		if (g_str_has_prefix(call, "load ") || g_str_has_prefix(call, "unload ") ||
		    g_str_has_prefix(call, "start ") || g_str_has_prefix(call, "stop "))
			fail_msg("deprecated launchctl verb used: %s", call);
	}
}

/*****************************************************************************/
/* parsers */

static HermesGatewayStatus *
status_of_print(const gchar *fixture, HermesLaunchdJobInfo *info)
{
	g_autofree gchar *text = fixture_text(fixture);
	hermes_launchd_parse_print(text, info);
	return hermes_launchd_job_info_to_status("demo", info);
}

static void
test_parse_print_running(void **state)
{
	g_auto(HermesLaunchdJobInfo) info = {0};
	g_autoptr(HermesGatewayStatus) st = status_of_print("print-running.txt", &info);

	assert_true(info.recognised);
	assert_string_equal(info.state, "running");
	assert_int_equal(info.pid, 4242);
	assert_int_equal(info.runs, 1);
	assert_int_equal(info.last_exit_code, -1);
	assert_string_equal(info.last_exit, "(never exited)");
	assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_UP);
	assert_int_equal(hermes_gateway_status_get_wanted(st), HERMES_GATEWAY_WANTED_UP);
	assert_int_equal(hermes_gateway_status_get_pid(st), 4242);
	assert_int_equal(hermes_gateway_status_get_restarts(st), 0);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(st), -1);
	/* launchd has no readiness */
	assert_int_equal(hermes_gateway_status_get_ready(st), HERMES_TRISTATE_UNKNOWN);
	assert_string_equal(hermes_gateway_status_get_raw(st, "launchd.source"), "print");
}

/* the crash loop of upstream PR #91366: 78 relaunched 767 times */
static void
test_parse_print_crash_loop(void **state)
{
	g_auto(HermesLaunchdJobInfo) info = {0};
	g_autoptr(HermesGatewayStatus) st =
		status_of_print("print-spawn-scheduled-ex-config.txt", &info);

	assert_string_equal(info.state, "spawn scheduled");
	assert_int_equal(info.pid, 0);
	assert_int_equal(info.runs, 767);
	assert_int_equal(info.last_exit_code, 78);
	assert_string_equal(info.last_exit, "78: EX_CONFIG");
	assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_STARTING);
	assert_int_equal(hermes_gateway_status_get_wanted(st), HERMES_GATEWAY_WANTED_UP);
	assert_int_equal(hermes_gateway_status_get_pid(st), -1);
	assert_int_equal(hermes_gateway_status_get_restarts(st), 766);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(st), 78);
	hermes_assert_str_contains(hermes_gateway_status_get_raw(st, "launchd.crash_loop"),
				   "relaunched the gateway 766 times, the last exit 78: EX_CONFIG");
}

/* KeepAlive={SuccessfulExit=false} parks a clean exit: down, and meant to be */
static void
test_parse_print_clean_exit(void **state)
{
	g_auto(HermesLaunchdJobInfo) info = {0};
	g_autoptr(HermesGatewayStatus) st = status_of_print("print-clean-exit.txt", &info);

	assert_string_equal(info.state, "not running");
	assert_int_equal(info.last_exit_code, 0);
	assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_DOWN);
	assert_int_equal(hermes_gateway_status_get_wanted(st), HERMES_GATEWAY_WANTED_DOWN);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(st), 0);
	assert_null(hermes_gateway_status_get_raw(st, "launchd.crash_loop"));
	/* typed by the backend: a clean exit that KeepAlive leaves down is a stop */
	assert_int_equal(hermes_gateway_status_get_reason(st, NULL), HERMES_GATEWAY_REASON_STOPPED);
}

static void
test_parse_print_signal(void **state)
{
	g_auto(HermesLaunchdJobInfo) info = {0};
	g_autoptr(HermesGatewayStatus) st = status_of_print("print-signal.txt", &info);

	assert_int_equal(info.last_signal, 9);
	assert_int_equal(info.last_exit_code, -1);
	assert_int_equal(hermes_gateway_status_get_last_signal(st), 9);
	assert_int_equal(hermes_gateway_status_get_last_exit_code(st), -1);
	assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_STARTING);
	hermes_assert_str_contains(hermes_gateway_status_get_raw(st, "launchd.crash_loop"),
				   "relaunched the gateway 2 times");
}

/* `pid`, `state` and `runs` of nested blocks (environment, endpoints) are not the job's */
static void
test_parse_print_decoys(void **state)
{
	g_auto(HermesLaunchdJobInfo) info = {0};
	g_autoptr(HermesGatewayStatus) st = status_of_print("print-decoys.txt", &info);

	assert_string_equal(info.state, "waiting");
	assert_int_equal(info.pid, 0);
	assert_int_equal(info.runs, 0);
	assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_DOWN);
	assert_int_equal(hermes_gateway_status_get_pid(st), -1);
	/* never exited: nothing says whether launchd wants it up */
	assert_int_equal(hermes_gateway_status_get_wanted(st), HERMES_GATEWAY_WANTED_UNKNOWN);
}

static void
test_parse_print_shapes(void **state)
{
	g_auto(HermesLaunchdJobInfo) info = {0};
	g_autofree gchar *crlf = fixture_text("print-crlf.txt");
	g_autofree gchar *bare = fixture_text("print-no-header.txt");
	g_autofree gchar *not_found = fixture_text("print-not-found.txt");

	/* CRLF line ends */
	assert_true(hermes_launchd_parse_print(crlf, &info));
	assert_string_equal(info.state, "running");
	assert_int_equal(info.pid, 3131);
	assert_int_equal(info.runs, 4);
	assert_int_equal(info.last_exit_code, 15);
	hermes_launchd_job_info_clear(&info);
	/* the fields without the `<target> = {` line around them */
	assert_true(hermes_launchd_parse_print(bare, &info));
	assert_int_equal(info.pid, 512);
	assert_int_equal(info.last_exit_code, 1);
	hermes_launchd_job_info_clear(&info);
	/* launchctl's error text is no job */
	assert_false(hermes_launchd_parse_print(not_found, &info));
	assert_int_equal(info.pid, 0);
	assert_null(info.state);
}

/* unknown text is unknown, never a crash and never a guess */
static void
test_parse_garbage(void **state)
{
	const gchar *texts[] = {
		"",
		"\n\n\n",
		"}}}}",
		"{{{{",
		"pid = 99",
		"gui/501/x = {\n\tpid = notanumber\n\truns = -4\n\tlast exit code = \n}\n",
		"gui/501/x = {\n\tpid = 99999999999999999999\n\tlast exit code = 12abc\n}\n",
		"gui/501/x = {\n\tpid = -7\n\tlast terminating signal = Terminated: 999\n}\n",
		"= = = =\n = {\n",
	};
	g_autofree gchar *garbage = fixture_text("garbage.txt");

	for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
		g_auto(HermesLaunchdJobInfo) info = {0};
		g_autoptr(HermesGatewayStatus) st = NULL;
		hermes_launchd_parse_print(texts[i], &info);
		st = hermes_launchd_job_info_to_status("demo", &info);
		if (i != 4)
			assert_int_equal(info.pid, 0);
		assert_true(info.runs == -1);
		assert_int_equal(info.last_exit_code, -1);
		assert_int_equal(info.last_signal, 0);
		if (i != 4)
			assert_int_not_equal(hermes_gateway_status_get_state(st),
					     HERMES_GATEWAY_STATE_UP);
	}
	/* a header-less `pid = 99` is read, as the bare fixture is */
	{
		g_auto(HermesLaunchdJobInfo) info = {0};
		hermes_launchd_parse_print(texts[4], &info);
		assert_int_equal(info.pid, 99);
	}
	{
		g_auto(HermesLaunchdJobInfo) info = {0};
		g_autoptr(HermesGatewayStatus) st = NULL;
		assert_false(hermes_launchd_parse_print(garbage, &info));
		st = hermes_launchd_job_info_to_status("demo", &info);
		assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_UNKNOWN);
		assert_string_equal(hermes_gateway_status_get_raw(st, "launchd.warning"),
				    "launchctl output not understood");
		hermes_launchd_job_info_clear(&info);
		assert_false(hermes_launchd_parse_list(garbage, &info));
		assert_int_equal(info.pid, 0);
	}
}

static void
test_parse_list(void **state)
{
	const struct {
		const gchar *fixture;
		gint64 pid;
		gint code;
		gint sig;
		HermesGatewayState state;
		HermesGatewayWanted wanted;
	} cases[] = {
		{"list-running.txt", 4242, 0, 0, HERMES_GATEWAY_STATE_UP, HERMES_GATEWAY_WANTED_UP},
		/* a raw wait status: 15 is SIGTERM ... */
		{"list-sigterm.txt",
		 0,
		 -1,
		 15,
		 HERMES_GATEWAY_STATE_DOWN,
		 HERMES_GATEWAY_WANTED_UP},
		/* ... and 3840 is exit(15) */
		{"list-exit15.txt", 0, 15, 0, HERMES_GATEWAY_STATE_DOWN, HERMES_GATEWAY_WANTED_UP},
		{"list-exit78.txt", 0, 78, 0, HERMES_GATEWAY_STATE_DOWN, HERMES_GATEWAY_WANTED_UP},
		/* "PID" inside MachServices or Sockets is not the job's */
		{"list-decoys.txt", 0, 0, 0, HERMES_GATEWAY_STATE_DOWN, HERMES_GATEWAY_WANTED_DOWN},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *text = fixture_text(cases[i].fixture);
		g_auto(HermesLaunchdJobInfo) info = {0};
		g_autoptr(HermesGatewayStatus) st = NULL;
		if (!hermes_launchd_parse_list(text, &info))
			fail_msg("%s not recognised", cases[i].fixture);
		st = hermes_launchd_job_info_to_status("demo", &info);
		if (info.pid != cases[i].pid || info.last_exit_code != cases[i].code ||
		    info.last_signal != cases[i].sig ||
		    hermes_gateway_status_get_state(st) != cases[i].state ||
		    hermes_gateway_status_get_wanted(st) != cases[i].wanted)
			fail_msg(
				"%s: pid %" G_GINT64_FORMAT " exit %d signal %d state %s "
				"wanted %s",
				cases[i].fixture,
				info.pid,
				info.last_exit_code,
				info.last_signal,
				hermes_gateway_state_to_string(hermes_gateway_status_get_state(st)),
				hermes_gateway_wanted_to_string(
					hermes_gateway_status_get_wanted(st)));
		assert_string_equal(hermes_gateway_status_get_raw(st, "launchd.source"), "list");
	}
}

static void
test_wait_status(void **state)
{
	const struct {
		gint64 raw;
		gint code;
		gint sig;
	} cases[] = {
		{0, 0, 0},
		{15, -1, 15},
		{9, -1, 9},
		{3840, 15, 0},
		{19968, 78, 0},
		{256, 1, 0},
		{19200, 75, 0},
		{0x7f, -1, 0}, /* stopped, not ended */
		{-9, -1, 9},
		{-200, -1, 0},
	};
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		gint code = 7;
		gint sig = 7;
		hermes_launchd_decode_wait_status(cases[i].raw, &code, &sig);
		if (code != cases[i].code || sig != cases[i].sig)
			fail_msg(
				"%" G_GINT64_FORMAT ": exit %d signal %d", cases[i].raw, code, sig);
	}
}

/* every prefix of every fixture parses without a crash (ASan and valgrind watch) */
static void
test_parse_prefixes(void **state)
{
	const gchar *fixtures[] = {
		"print-running.txt",
		"print-spawn-scheduled-ex-config.txt",
		"print-clean-exit.txt",
		"print-signal.txt",
		"print-decoys.txt",
		"print-no-header.txt",
		"print-crlf.txt",
		"print-not-found.txt",
		"list-running.txt",
		"list-sigterm.txt",
		"list-exit15.txt",
		"list-exit78.txt",
		"list-decoys.txt",
		"garbage.txt",
	};
	for (guint i = 0; i < G_N_ELEMENTS(fixtures); i++) {
		g_autofree gchar *text = fixture_text(fixtures[i]);
		gsize len = strlen(text);
		for (gsize n = 0; n <= len; n++) {
			g_autofree gchar *prefix = g_strndup(text, n);
			g_auto(HermesLaunchdJobInfo) a = {0};
			g_auto(HermesLaunchdJobInfo) b = {0};
			g_autoptr(HermesGatewayStatus) sa = NULL;
			g_autoptr(HermesGatewayStatus) sb = NULL;
			hermes_launchd_parse_print(prefix, &a);
			hermes_launchd_parse_list(prefix, &b);
			sa = hermes_launchd_job_info_to_status("demo", &a);
			sb = hermes_launchd_job_info_to_status("demo", &b);
			assert_true(a.pid >= 0 && b.pid >= 0);
		}
	}
}

/*****************************************************************************/
/* the launchctl protocol, against the fake */

static void
test_domain(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *gui = NULL;
	g_autofree gchar *user = NULL;
	g_autofree gchar *failed = NULL;
	g_autofree gchar *none = NULL;

	fake_once(f->fake, "managername", 0, "Aqua\n", "");
	gui = hermes_launchd_domain_resolve(HERMES_LAUNCHD_SPAWNER(f->fake), 501, &error);
	hermes_assert_no_error(error);
	assert_string_equal(gui, "gui/501");
	/* ssh, a service account: no Aqua session, no GUI domain (upstream #72790) */
	fake_once(f->fake, "managername", 0, "Background\n", "");
	user = hermes_launchd_domain_resolve(HERMES_LAUNCHD_SPAWNER(f->fake), 501, &error);
	assert_string_equal(user, "user/501");
	fake_once(f->fake, "managername", 1, "", "Unrecognized subcommand");
	failed = hermes_launchd_domain_resolve(HERMES_LAUNCHD_SPAWNER(f->fake), 502, &error);
	assert_string_equal(failed, "user/502");
	assert_calls(f->fake, "managername", "managername", "managername");
	f->fake->unavailable = TRUE;
	none = hermes_launchd_domain_resolve(HERMES_LAUNCHD_SPAWNER(f->fake), 501, &error);
	assert_null(none);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);

	for (guint i = 0; i < 6; i++) {
		const gchar *good[] = {"system", "gui/501", "user/0", "gui/4294967295", NULL};
		const gchar *bad[] = {"gui/", "gui/x1", "pid/5", "gui/501/label", "", "user/-1"};
		g_clear_error(&error);
		if (i < 4)
			assert_true(hermes_launchd_domain_validate(good[i], &error));
		assert_false(hermes_launchd_domain_validate(bad[i], &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	}
}

static void
test_start_loaded(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *running = print_running(4242);

	fake_always(f->fake, "print", 0, running, "");
	assert_true(hermes_launchd_job_start(f->job, &error));
	hermes_assert_no_error(error);
	/* a loaded job is kickstarted; the start counts once launchd lists it */
	assert_calls(f->fake, "kickstart " TEST_TARGET, "print " TEST_TARGET);
}

/* 3/113/125 from kickstart mean "not loaded": enable, bootstrap, kickstart again */
static void
test_start_not_loaded(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *running = print_running(4242);
	g_autofree gchar *bootstrap = g_strdup_printf("bootstrap " TEST_DOMAIN " %s", f->plist);
	const gint codes[] = {3, 113, 125};

	for (guint i = 0; i < G_N_ELEMENTS(codes); i++) {
		g_autoptr(GError) error = NULL;
		g_ptr_array_set_size(f->fake->calls, 0);
		g_ptr_array_set_size(f->fake->answers, 0);
		fake_once(f->fake, "kickstart", codes[i], "", "Could not find service");
		fake_always(f->fake, "print", 0, running, "");
		assert_true(hermes_launchd_job_start(f->job, &error));
		hermes_assert_no_error(error);
		assert_calls(f->fake,
			     "kickstart " TEST_TARGET,
			     "enable " TEST_TARGET,
			     bootstrap,
			     "kickstart " TEST_TARGET,
			     "print " TEST_TARGET);
	}
	fake_assert_no_legacy_verbs(f->fake);
}

/* exit 5 (EIO, "already loaded"): bootout, then exactly one retry */
static void
test_bootstrap_exit5_retry(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *bootstrap = g_strdup_printf("bootstrap " TEST_DOMAIN " %s", f->plist);
	g_autofree gchar *running = print_running(4242);

	fake_once(f->fake, "kickstart", 113, "", "");
	fake_once(f->fake, "bootstrap", 5, "", "Bootstrap failed: 5: Input/output error\n");
	fake_once(f->fake, "print", 113, "", "");
	fake_always(f->fake, "print", 0, running, "");
	assert_true(hermes_launchd_job_start(f->job, &error));
	hermes_assert_no_error(error);
	assert_calls(f->fake,
		     "kickstart " TEST_TARGET,
		     "enable " TEST_TARGET,
		     bootstrap,
		     "print " TEST_TARGET,
		     "bootout " TEST_TARGET,
		     bootstrap,
		     "kickstart " TEST_TARGET,
		     "print " TEST_TARGET);
}

/*
 * A domain launchd refuses (macOS 26+, upstream #11323 and friends): the
 * error says "unsupervised" out loud, and nothing else is run or spawned
 * in the gateway's place.
 */
static void
test_bootstrap_refused(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *bootstrap = g_strdup_printf("bootstrap " TEST_DOMAIN " %s", f->plist);
	const gint codes[] = {5, 125};

	for (guint i = 0; i < G_N_ELEMENTS(codes); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree gchar *said =
			g_strdup_printf("Bootstrap failed: %d: Input/output error\n", codes[i]);
		g_ptr_array_set_size(f->fake->calls, 0);
		g_ptr_array_set_size(f->fake->answers, 0);
		fake_always(f->fake, "kickstart", 113, "", "");
		fake_always(f->fake, "bootstrap", codes[i], "", said);
		fake_always(f->fake, "print", 113, "", "Could not find service");
		fake_always(f->fake, "list", 113, "", "");
		fake_always(f->fake, "bootout", 3, "", "No such process");
		assert_false(hermes_launchd_job_start(f->job, &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
		hermes_assert_str_contains(error->message, "UNSUPERVISED");
		hermes_assert_str_contains(error->message, "Bootstrap failed");
		hermes_assert_str_contains(error->message, TEST_DOMAIN);
		if (codes[i] == 5)
			assert_calls(f->fake,
				     "kickstart " TEST_TARGET,
				     "enable " TEST_TARGET,
				     bootstrap,
				     "print " TEST_TARGET,
				     "bootout " TEST_TARGET,
				     bootstrap,
				     "print " TEST_TARGET);
		else
			assert_calls(f->fake,
				     "kickstart " TEST_TARGET,
				     "enable " TEST_TARGET,
				     bootstrap,
				     "print " TEST_TARGET);
	}
	fake_assert_no_legacy_verbs(f->fake);
}

/* a refusal over a job launchd does supervise is no refusal (upstream #114571) */
static void
test_bootstrap_refused_but_supervised(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *running = print_running(4242);

	fake_once(f->fake, "kickstart", 113, "", "");
	fake_always(f->fake, "bootstrap", 125, "", "Bootstrap failed: 125");
	fake_always(f->fake, "print", 0, running, "");
	assert_true(hermes_launchd_job_start(f->job, &error));
	hermes_assert_no_error(error);
}

static void
test_bootstrap_other_failure(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;

	fake_once(f->fake, "kickstart", 113, "", "");
	fake_always(f->fake,
		    "bootstrap",
		    37,
		    "",
		    "Bootstrap failed: 37: Operation already in progress");
	assert_false(hermes_launchd_job_start(f->job, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
	hermes_assert_str_contains(error->message, "exit 37");
	hermes_assert_str_contains(error->message, "Operation already in progress");
	/* enable refused: no bootstrap is attempted */
	g_clear_error(&error);
	g_ptr_array_set_size(f->fake->calls, 0);
	fake_once(f->fake, "kickstart", 113, "", "");
	fake_once(f->fake, "enable", 1, "", "Not privileged to set domain overrides.");
	assert_false(hermes_launchd_job_start(f->job, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
	hermes_assert_str_contains(error->message, "Not privileged");
	assert_calls(f->fake, "kickstart " TEST_TARGET, "enable " TEST_TARGET);
}

/* launchctl said 0 but launchd does not list the job: unsupervised, not started */
static void
test_start_unverified(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;

	fake_always(f->fake, "print", 113, "", "");
	fake_always(f->fake, "list", 113, "", "");
	assert_false(hermes_launchd_job_start(f->job, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
	hermes_assert_str_contains(error->message, "UNSUPERVISED");
}

static void
test_start_spawn_failure(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	f->fake->unavailable = TRUE;
	assert_false(hermes_launchd_job_start(f->job, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
	assert_int_equal(f->fake->calls->len, 1);
}

static gchar *
marker_path(Fixture *f)
{
	return g_build_filename(f->home, HERMES_PLANNED_STOP_FILE, NULL);
}

/* stop: the marker goes into the profile's own home before launchd sends SIGTERM */
static void
test_stop_marker_first(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonObject) marker = NULL;
	g_autofree gchar *path = marker_path(f);
	GPid gateway = live_child(f, FALSE);
	g_autofree gchar *running = print_running(gateway);

	f->fake->marker = g_strdup(path);
	f->fake->kill_on_bootout = gateway;
	fake_always(f->fake, "print", 0, running, "");
	assert_true(hermes_launchd_job_unload(f->job, &error));
	hermes_assert_no_error(error);
	assert_calls(f->fake, "print " TEST_TARGET, "bootout " TEST_TARGET);
	assert_int_equal(f->fake->marker_seen->len, 1);
	assert_string_equal(g_ptr_array_index(f->fake->marker_seen, 0), "bootout marker=yes");
	marker = hermes_json_file_load(path, &error);
	hermes_assert_no_error(error);
	assert_int_equal(hermes_json_get_int(marker, "target_pid", -1), gateway);
	assert_string_equal(hermes_json_get_string(marker, "target_hermes_home"), f->home);
	/* the gateway is gone when stop returns */
	assert_false(hermes_platform_process_alive(gateway));
}

/* a gateway that outlives bootout and its stop timeout is an error, not a success */
static void
test_stop_timeout(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	GPid gateway = live_child(f, TRUE);
	g_autofree gchar *running = print_running(gateway);

	f->job->stop_timeout_ms = 1;
	f->job->kill_margin_ms = 0;
	f->fake->kill_on_bootout = gateway;
	fake_always(f->fake, "print", 0, running, "");
	assert_false(hermes_launchd_job_unload(f->job, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_TIMED_OUT);
	hermes_assert_str_contains(error->message, "was booted out, but");
}

static void
test_stop_not_loaded(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = marker_path(f);

	fake_always(f->fake, "print", 113, "", "Could not find service");
	assert_true(hermes_launchd_job_unload(f->job, &error));
	hermes_assert_no_error(error);
	/* nothing to stop: no bootout, no marker */
	assert_calls(f->fake, "print " TEST_TARGET);
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

static void
test_stop_bootout_codes(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *running = print_running(dead_pid());

	/* gone between print and bootout */
	{
		g_autoptr(GError) error = NULL;
		fake_once(f->fake, "print", 0, running, "");
		fake_once(f->fake, "bootout", 113, "", "");
		assert_true(hermes_launchd_job_unload(f->job, &error));
		hermes_assert_no_error(error);
	}
	/* EIO, then print says it is gone: stopped */
	{
		g_autoptr(GError) error = NULL;
		g_ptr_array_set_size(f->fake->calls, 0);
		fake_once(f->fake, "print", 0, running, "");
		fake_once(f->fake, "bootout", 5, "", "Boot-out failed: 5: Input/output error");
		fake_once(f->fake, "print", 113, "", "");
		assert_true(hermes_launchd_job_unload(f->job, &error));
		hermes_assert_no_error(error);
		assert_calls(f->fake,
			     "print " TEST_TARGET,
			     "bootout " TEST_TARGET,
			     "print " TEST_TARGET);
	}
	/* EIO and still loaded: a failure */
	{
		g_autoptr(GError) error = NULL;
		fake_once(f->fake, "print", 0, running, "");
		fake_once(f->fake, "bootout", 5, "", "Boot-out failed: 5: Input/output error");
		fake_once(f->fake, "print", 0, running, "");
		assert_false(hermes_launchd_job_unload(f->job, &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
		hermes_assert_str_contains(error->message, "Boot-out failed");
	}
	/* anything else: a failure that quotes launchctl */
	{
		g_autoptr(GError) error = NULL;
		fake_once(f->fake, "print", 0, running, "");
		fake_once(f->fake, "bootout", 1, "", "Operation not permitted");
		assert_false(hermes_launchd_job_unload(f->job, &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
		hermes_assert_str_contains(error->message, "Operation not permitted");
	}
}

/* restart: the marker, then kickstart -k: a fresh process */
static void
test_restart_loaded(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *path = marker_path(f);
	GPid old = dead_pid();
	g_autofree gchar *running = print_running(old);

	f->fake->marker = g_strdup(path);
	fake_always(f->fake, "print", 0, running, "");
	assert_true(hermes_launchd_job_restart(f->job, &error));
	hermes_assert_no_error(error);
	assert_calls(
		f->fake, "print " TEST_TARGET, "kickstart -k " TEST_TARGET, "print " TEST_TARGET);
	assert_string_equal(g_ptr_array_index(f->fake->marker_seen, 0), "kickstart marker=yes");
}

/* restart of a job that is not loaded converges to up */
static void
test_restart_not_loaded(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *running = print_running(4242);
	g_autofree gchar *bootstrap = g_strdup_printf("bootstrap " TEST_DOMAIN " %s", f->plist);
	g_autofree gchar *marker = marker_path(f);

	fake_once(f->fake, "print", 113, "", "");
	fake_once(f->fake, "kickstart", 113, "", "");
	fake_always(f->fake, "print", 0, running, "");
	assert_true(hermes_launchd_job_restart(f->job, &error));
	hermes_assert_no_error(error);
	assert_calls(f->fake,
		     "print " TEST_TARGET,
		     "kickstart " TEST_TARGET,
		     "enable " TEST_TARGET,
		     bootstrap,
		     "kickstart " TEST_TARGET,
		     "print " TEST_TARGET);
	/* nothing ran: no marker */
	assert_false(g_file_test(marker, G_FILE_TEST_EXISTS));
}

static void
test_status(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *crash = fixture_text("print-spawn-scheduled-ex-config.txt");
	g_autofree gchar *list = fixture_text("list-running.txt");

	/* from print */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(HermesGatewayStatus) st = NULL;
		fake_once(f->fake, "print", 0, crash, "");
		st = hermes_launchd_job_status(f->job, &error);
		hermes_assert_no_error(error);
		assert_int_equal(hermes_gateway_status_get_state(st),
				 HERMES_GATEWAY_STATE_STARTING);
		assert_int_equal(hermes_gateway_status_get_last_exit_code(st), 78);
		assert_string_equal(hermes_gateway_status_get_raw(st, "launchd.supervised"),
				    "true");
		assert_string_equal(hermes_gateway_status_get_raw(st, "launchd.domain"),
				    TEST_DOMAIN);
		assert_string_equal(hermes_gateway_status_get_raw(st, "launchd.label"),
				    "ai.hermes.gateway-demo");
	}
	/* an older launchctl without `print <target>`: `list <label>` */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(HermesGatewayStatus) st = NULL;
		g_ptr_array_set_size(f->fake->calls, 0);
		fake_once(f->fake, "print", 64, "", "Unrecognized target specifier.");
		fake_once(f->fake, "list", 0, list, "");
		st = hermes_launchd_job_status(f->job, &error);
		hermes_assert_no_error(error);
		assert_calls(f->fake, "print " TEST_TARGET, "list ai.hermes.gateway-demo");
		assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_UP);
		assert_int_equal(hermes_gateway_status_get_pid(st), 4242);
		assert_string_equal(hermes_gateway_status_get_raw(st, "launchd.source"), "list");
	}
	/* both fail for another reason: an error, not a guess */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(HermesGatewayStatus) st = NULL;
		fake_once(f->fake, "print", 64, "", "Unrecognized target specifier.");
		fake_once(f->fake, "list", 1, "", "");
		st = hermes_launchd_job_status(f->job, &error);
		assert_null(st);
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
		hermes_assert_str_contains(error->message, "Unrecognized target specifier");
	}
	/* not loaded, nothing running: down, and says unsupervised */
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(HermesGatewayStatus) st = NULL;
		fake_once(f->fake, "print", 113, "", "");
		st = hermes_launchd_job_status(f->job, &error);
		hermes_assert_no_error(error);
		assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_DOWN);
		assert_int_equal(hermes_gateway_status_get_wanted(st), HERMES_GATEWAY_WANTED_DOWN);
		assert_string_equal(hermes_gateway_status_get_raw(st, "launchd.supervised"),
				    "false");
		assert_null(hermes_gateway_status_get_raw(st, "launchd.warning"));
	}
}

/* a gateway running while launchd has no job for it is reported loudly, not as down */
static void
test_status_unsupervised(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewayStatus) st = NULL;
	g_autofree gchar *pidfile = g_build_filename(f->home, "gateway.pid", NULL);
	g_autofree gchar *canonical = g_canonicalize_filename(f->home, NULL);
	g_autofree gchar *record = NULL;
	g_autofree gchar *other = NULL;
	/* a process whose command line is a gateway's (the one pid rule checks it);
	 * `; exit` keeps the shell from exec'ing sleep and losing those words */
	const gchar *argv[] = {"/bin/sh", "-c", "sleep 30; exit 0", "gateway", "run", NULL};
	GPid gateway = 0;
	gint64 start_time;

	g_spawn_async(NULL,
		      (gchar **)argv,
		      NULL,
		      G_SPAWN_DO_NOT_REAP_CHILD,
		      NULL,
		      NULL,
		      &gateway,
		      &error);
	hermes_assert_no_error(error);
	start_time = hermes_platform_get_start_time(gateway);
	record = g_strdup_printf("{\"pid\": %d, \"start_time\": %" G_GINT64_FORMAT
				 ", \"hermes_home\": \"%s\"}",
				 (gint)gateway,
				 start_time,
				 canonical);
	other = g_strdup_printf("{\"pid\": %d, \"start_time\": %" G_GINT64_FORMAT
				", \"hermes_home\": \"/another/home\"}",
				(gint)gateway,
				start_time);

	hermes_test_write_file(pidfile, record, 0644);
	fake_always(f->fake, "print", 113, "", "");
	st = hermes_launchd_job_status(f->job, &error);
	hermes_assert_no_error(error);
	assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_UNKNOWN);
	assert_int_equal(hermes_gateway_status_get_pid(st), gateway);
	hermes_assert_str_contains(hermes_gateway_status_get_raw(st, "launchd.warning"),
				   "UNSUPERVISED");
	g_clear_pointer(&st, hermes_gateway_status_unref);
	/* a record naming another home is not this gateway */
	hermes_test_write_file(pidfile, other, 0644);
	st = hermes_launchd_job_status(f->job, &error);
	assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_DOWN);
	kill(gateway, SIGKILL);
	waitpid(gateway, NULL, 0);
	g_spawn_close_pid(gateway);
}

/*****************************************************************************/
/* the real spawner, against a fake launchctl script */

static gchar *
fake_script(Fixture *f)
{
	g_autofree gchar *src = g_build_filename(hermes_test_env("HERMES_TEST_SRCDIR"),
						 "fixtures",
						 "launchd",
						 "fake-launchctl.sh",
						 NULL);
	return hermes_test_copy_file(src, f->tmp, "launchctl", 0755);
}

static gchar *
fake_dir_setup(Fixture *f)
{
	gchar *dir = g_build_filename(f->tmp, "fake", NULL);
	g_mkdir_with_parents(dir, 0755);
	return dir;
}

static void
fake_file(const gchar *dir, const gchar *name, const gchar *contents)
{
	g_autofree gchar *path = g_build_filename(dir, name, NULL);
	hermes_test_write_file(path, contents, 0644);
}

static gchar *
fake_calls(const gchar *dir)
{
	g_autofree gchar *path = g_build_filename(dir, "calls", NULL);
	gchar *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return g_strdup("");
	return text;
}

static void
test_real_spawner(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *script = fake_script(f);
	g_autofree gchar *dir = fake_dir_setup(f);
	g_autofree gchar *missing = g_build_filename(f->tmp, "no-launchctl", NULL);
	g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "FAKE_LAUNCHCTL_DIR", dir, TRUE);
	g_autoptr(HermesLaunchdSpawner) spawner =
		hermes_launchd_spawner_new(script, (const gchar *const *)envp);
	g_autoptr(HermesLaunchdSpawner) absent =
		hermes_launchd_spawner_new(missing, (const gchar *const *)envp);
	g_autoptr(HermesLaunchdSpawner) standard = hermes_launchd_spawner_new(NULL, NULL);

	assert_string_equal(hermes_launchd_spawner_get_program(standard), "/bin/launchctl");
	assert_string_equal(hermes_launchd_spawner_get_program(spawner), script);
	fake_file(dir, "print.rc", "113\n");
	fake_file(dir, "print.err", "Could not find service \"x\" in domain for port\n");
	fake_file(dir, "print.2.rc", "0\n");
	fake_file(dir, "print.2.out", "gui/501/x = {\n\tpid = 7\n}\n");
	{
		g_autoptr(GError) error = NULL;
		g_autofree gchar *out = NULL;
		g_autofree gchar *err = NULL;
		gint code = -1;
		assert_true(
			hermes_launchd_spawner_run(spawner,
						   (const gchar *[]){"print", "gui/501/x", NULL},
						   &out,
						   &err,
						   &code,
						   &error));
		hermes_assert_no_error(error);
		assert_int_equal(code, 113);
		assert_string_equal(out, "");
		assert_string_equal(err, "Could not find service \"x\" in domain for port\n");
		g_clear_pointer(&out, g_free);
		assert_true(
			hermes_launchd_spawner_run(spawner,
						   (const gchar *[]){"print", "gui/501/x", NULL},
						   &out,
						   NULL,
						   &code,
						   &error));
		assert_int_equal(code, 0);
		assert_string_equal(out, "gui/501/x = {\n\tpid = 7\n}\n");
	}
	{
		g_autofree gchar *calls = fake_calls(dir);
		/* arguments arrive one by one, spaces and all */
		g_autoptr(GError) error = NULL;
		gint code = -1;
		assert_true(hermes_launchd_spawner_run(
			spawner,
			(const gchar *[]){"bootstrap", "gui/501", "/a b/c.plist", NULL},
			NULL,
			NULL,
			&code,
			&error));
		g_free(calls);
		calls = fake_calls(dir);
		assert_string_equal(calls,
				    "print\tgui/501/x\nprint\tgui/501/x\n"
				    "bootstrap\tgui/501\t/a b/c.plist\n");
	}
	/* no launchctl at all (Linux): SupervisorUnavailable, saying why */
	{
		g_autoptr(GError) error = NULL;
		gint code = -1;
		assert_false(hermes_launchd_spawner_run(
			absent, (const gchar *[]){"managername", NULL}, NULL, NULL, &code, &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
		hermes_assert_str_contains(error->message, "only on macOS");
	}
	/* a hung launchctl is killed after the timeout */
	{
		g_autoptr(GError) error = NULL;
		gint64 start = g_get_monotonic_time();
		gint code = -1;
		fake_file(dir, "sleep", "30\n");
		hermes_launchd_spawner_set_timeout(spawner, 300);
		assert_false(
			hermes_launchd_spawner_run(spawner,
						   (const gchar *[]){"bootout", "gui/501/x", NULL},
						   NULL,
						   NULL,
						   &code,
						   &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_TIMED_OUT);
		assert_true(g_get_monotonic_time() - start < 20 * G_USEC_PER_SEC);
		{
			g_autofree gchar *sleep_file = g_build_filename(dir, "sleep", NULL);
			g_unlink(sleep_file);
		}
	}
	/* killed by a signal: no exit code to believe */
	{
		g_autoptr(GError) error = NULL;
		gint code = -1;
		fake_file(dir, "signal", "KILL\n");
		hermes_launchd_spawner_set_timeout(spawner, HERMES_LAUNCHD_SPAWN_TIMEOUT_MS);
		assert_false(
			hermes_launchd_spawner_run(spawner,
						   (const gchar *[]){"print", "gui/501/x", NULL},
						   NULL,
						   NULL,
						   &code,
						   &error));
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
		hermes_assert_str_contains(error->message, "signal 9");
	}
}

/*****************************************************************************/
/* the plugin, through the built hermes binary */

static const gchar *
launchd_backend_dir(void)
{
	static gchar *found = NULL;
	if (found == NULL) {
		g_auto(GStrv) dirs =
			g_strsplit(hermes_test_env("HERMES_TEST_BACKEND_DIRS"), ":", -1);
		for (guint i = 0; dirs[i] != NULL && found == NULL; i++) {
			g_autofree gchar *so =
				g_build_filename(dirs[i], "libhermes-backend-launchd.so", NULL);
			if (g_file_test(so, G_FILE_TEST_EXISTS))
				found = g_strdup(dirs[i]);
		}
		if (found == NULL)
			fail_msg("no libhermes-backend-launchd.so in HERMES_TEST_BACKEND_DIRS");
	}
	return found;
}

static void
cli_setup(Fixture *f, gboolean with_fake)
{
	const gchar *unset[] = {"HERMES_SERVICE_MANAGER",
				"HERMES_LAUNCHD_SCOPE",
				"HERMES_LAUNCHD_DOMAIN",
				"HERMES_LAUNCHD_AGENTS_DIR",
				"HERMES_LAUNCHCTL",
				"HERMES_GATEWAY_USER",
				"HERMES_SUPERVISED_CHILD",
				"HERMES_S6_SUPERVISED_CHILD",
				"XPC_SERVICE_NAME",
				"HERMES_CLI_PATH",
				"HERMES_GATEWAY_COMMAND"};
	f->root = g_build_filename(f->tmp, "hermes-home", NULL);
	f->agents = g_build_filename(f->tmp, "LaunchAgents", NULL);
	f->envp = g_get_environ();
	for (guint i = 0; i < G_N_ELEMENTS(unset); i++)
		f->envp = g_environ_unsetenv(f->envp, unset[i]);
	f->envp = g_environ_setenv(f->envp, "HOME", f->tmp, TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_HOME", f->root, TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_BACKEND_PATH", launchd_backend_dir(), TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_LAUNCHD_AGENTS_DIR", f->agents, TRUE);
	if (with_fake) {
		g_autofree gchar *script = fake_script(f);
		f->fake_dir = fake_dir_setup(f);
		f->envp = g_environ_setenv(f->envp, "HERMES_LAUNCHCTL", script, TRUE);
		f->envp = g_environ_setenv(f->envp, "FAKE_LAUNCHCTL_DIR", f->fake_dir, TRUE);
		/* a Mac with a GUI login */
		fake_file(f->fake_dir, "managername.out", "Aqua\n");
	} else {
		/* as on Linux: there is no launchctl to ask */
		g_autofree gchar *missing = g_build_filename(f->tmp, "no-launchctl", NULL);
		f->envp = g_environ_setenv(f->envp, "HERMES_LAUNCHCTL", missing, TRUE);
	}
}

static void
cli_set_env(Fixture *f, const gchar *name, const gchar *value)
{
	if (value == NULL)
		f->envp = g_environ_unsetenv(f->envp, name);
	else
		f->envp = g_environ_setenv(f->envp, name, value, TRUE);
}

/* the wrapper (valgrind under the valgrind setup), then @argv */
static GPtrArray *
wrapped_argv(const gchar *const *argv)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	const gchar *wrapper = g_getenv("HERMES_TEST_WRAPPER");
	if (wrapper != NULL && wrapper[0] != '\0') {
		g_auto(GStrv) parts = g_strsplit(wrapper, " ", -1);
		for (guint i = 0; parts[i] != NULL; i++)
			g_ptr_array_add(out, g_strdup(parts[i]));
		g_ptr_array_add(out, g_strdup("--quiet"));
	}
	for (guint i = 0; argv[i] != NULL; i++)
		g_ptr_array_add(out, g_strdup(argv[i]));
	g_ptr_array_add(out, NULL);
	return out;
}

static gint
spawn_wait(Fixture *f, const gchar *const *argv, const gchar *const *envp, const gchar *cwd)
{
	g_autoptr(GPtrArray) full = wrapped_argv(argv);
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
		G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GError) error = NULL;

	g_subprocess_launcher_set_environ(launcher, (gchar **)envp);
	g_subprocess_launcher_set_cwd(launcher, cwd != NULL ? cwd : f->tmp);
	proc = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)full->pdata, &error);
	hermes_assert_no_error(error);
	g_clear_pointer(&f->out, g_free);
	g_clear_pointer(&f->err, g_free);
	g_subprocess_communicate_utf8(proc, NULL, NULL, &f->out, &f->err, &error);
	hermes_assert_no_error(error);
	if (!g_subprocess_get_if_exited(proc))
		fail_msg("%s did not exit normally; stderr: %s", argv[0], f->err);
	return g_subprocess_get_exit_status(proc);
}

static gint
run_hermes(Fixture *f, const gchar *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_ptr_array_add(argv, (gpointer)hermes_test_env("HERMES_TEST_HERMES"));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	return spawn_wait(
		f, (const gchar *const *)argv->pdata, (const gchar *const *)f->envp, NULL);
}

#define hermes(f, ...) run_hermes(f, (const gchar *const[]){__VA_ARGS__, NULL})

static void
assert_ok(Fixture *f, gint code)
{
	if (code != 0)
		fail_msg("hermes exited %d\nstdout: %s\nstderr: %s", code, f->out, f->err);
}

/* the plist in render's output, after its `# file <path> (mode 0644)` line */
static gchar *
plist_in_output(const gchar *output, const gchar *path)
{
	g_autofree gchar *header = g_strdup_printf("# file %s (mode 0644)\n", path);
	const gchar *start = strstr(output, header);
	const gchar *end;
	if (start == NULL)
		fail_msg("no '%s' in:\n%s", header, output);
	start += strlen(header);
	end = strstr(start, "</plist>\n");
	if (end == NULL)
		fail_msg("no </plist> in:\n%s", start);
	return g_strndup(start, (gsize)(end + strlen("</plist>\n") - start));
}

static gchar *
lint_json(Fixture *f, const gchar *plist)
{
	g_autofree gchar *lint =
		g_build_filename(hermes_test_env("HERMES_TEST_SRCDIR"), "plist-lint.py", NULL);
	g_autofree gchar *path = g_build_filename(f->tmp, "rendered.plist", NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(GError) error = NULL;
	gint status = 0;

	hermes_test_write_file(path, plist, 0644);
	if (!g_spawn_sync(NULL,
			  (gchar **)(const gchar *[]){TEST_PYTHON, lint, "--json", path, NULL},
			  NULL,
			  G_SPAWN_DEFAULT,
			  NULL,
			  NULL,
			  &out,
			  &err,
			  &status,
			  &error))
		fail_msg("cannot run %s: %s", lint, error->message);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("the rendered plist fails plist-lint.py:\n%s%s\n%s", out, err, plist);
	return g_steal_pointer(&out);
}

static JsonObject *
parse_json_object(const gchar *text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	if (!json_parser_load_from_data(parser, text, -1, &error))
		fail_msg("not JSON (%s): %s", error->message, text);
	return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

/*
 * `hermes --backend launchd gateway render` on Linux prints the plist a
 * Mac would get; `install --dry-run` prints the same. Without --backend
 * the probe says no: this is not macOS.
 */
static void
test_cli_render(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *plist_path =
		g_build_filename(f->tmp, "LaunchAgents", "ai.hermes.gateway-demo.plist", NULL);
	g_autofree gchar *home = NULL;
	g_autofree gchar *render_out = NULL;
	g_autofree gchar *plist = NULL;
	g_autofree gchar *json = NULL;
	g_autofree gchar *expected_run = NULL;
	g_autoptr(JsonObject) root = NULL;
	g_autofree gchar *hermes_real = NULL;
	JsonArray *args;
	JsonObject *env;

	cli_setup(f, FALSE);
	home = g_build_filename(f->root, "profiles", "demo", NULL);
	assert_ok(f, hermes(f, "profile", "create", "demo"));
	/* no launchd here: nothing was registered by the profile hook */
	assert_false(g_file_test(f->agents, G_FILE_TEST_EXISTS));

	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "render"));
	render_out = g_strdup(f->out);
	plist = plist_in_output(render_out, plist_path);
	if (!g_file_test(TEST_PYTHON, G_FILE_TEST_IS_EXECUTABLE))
		skip();
	json = lint_json(f, plist);
	root = parse_json_object(json);
	assert_string_equal(json_object_get_string_member(root, "Label"), "ai.hermes.gateway-demo");
	args = json_object_get_array_member(root, "ProgramArguments");
	assert_int_equal(json_array_get_length(args), 5);
	hermes_real = g_canonicalize_filename(hermes_test_env("HERMES_TEST_HERMES"), NULL);
	{
		g_autofree gchar *arg0 =
			g_canonicalize_filename(json_array_get_string_element(args, 0), NULL);
		assert_string_equal(arg0, hermes_real);
	}
	assert_string_equal(json_array_get_string_element(args, 1), "-p");
	assert_string_equal(json_array_get_string_element(args, 2), "demo");
	assert_string_equal(json_array_get_string_element(args, 3), "gateway");
	assert_string_equal(json_array_get_string_element(args, 4), "run");
	env = json_object_get_object_member(root, "EnvironmentVariables");
	assert_string_equal(json_object_get_string_member(env, "HERMES_HOME"), home);
	assert_string_equal(json_object_get_string_member(env, "HERMES_SUPERVISED_CHILD"), "1");
	assert_string_equal(json_object_get_string_member(env, "XPC_SERVICE_NAME"),
			    "ai.hermes.gateway-demo");
	assert_string_equal(json_object_get_string_member(root, "WorkingDirectory"), home);
	/* the rest of the plan, for the gui domain a logged-in user has */
	{
		g_autofree gchar *logs = g_build_filename(home, "logs", NULL);
		g_autofree gchar *line = g_strdup_printf("# directory %s (mode 0755)\n", logs);
		g_autofree gchar *agents =
			g_strdup_printf("# directory %s (mode 0755)\n", f->agents);
		hermes_assert_str_contains(render_out, line);
		hermes_assert_str_contains(render_out, agents);
	}
	expected_run = g_strdup_printf("disable gui/%u/ai.hermes.gateway-demo",
				       (guint)hermes_platform_get_euid());
	hermes_assert_str_contains(render_out, expected_run);
	/* rendering wrote nothing */
	assert_false(g_file_test(f->agents, G_FILE_TEST_EXISTS));

	assert_ok(
		f,
		hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "install", "--dry-run"));
	assert_string_equal(f->out, render_out);
	assert_false(g_file_test(f->agents, G_FILE_TEST_EXISTS));

	/* the probe claims only macOS, so launchd must be forced here */
	assert_int_equal(hermes(f, "-p", "demo", "gateway", "render"), 69);
	hermes_assert_str_contains(f->err, "no supported service manager");
	/* `hermes backends` says why (and exits 69: nothing is chosen) */
	assert_int_equal(hermes(f, "backends"), 69);
	hermes_assert_str_contains(f->out, "not macOS (this host is linux)");
}

/* the default directory is the passwd entry's home, never $HOME */
static void
test_cli_render_passwd_home(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesUser) pw = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *expected = NULL;
	g_autofree gchar *header = NULL;

	cli_setup(f, FALSE);
	cli_set_env(f, "HERMES_LAUNCHD_AGENTS_DIR", NULL);
	pw = hermes_platform_lookup_user(g_get_user_name(), &error);
	hermes_assert_no_error(error);
	assert_ok(f, hermes(f, "profile", "create", "demo"));
	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "render"));
	expected = g_build_filename(pw->home, "Library", "LaunchAgents", NULL);
	header = g_strdup_printf("# file %s/ai.hermes.gateway-demo.plist (mode 0644)\n", expected);
	hermes_assert_str_contains(f->out, header);
	{
		g_autofree gchar *wrong = g_strdup_printf("# file %s/Library", f->tmp);
		assert_null(strstr(f->out, wrong));
	}
	/* a LaunchDaemon: /Library/LaunchDaemons, the system domain, and a user to run as */
	cli_set_env(f, "HERMES_LAUNCHD_SCOPE", "system");
	assert_int_equal(hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "render"), 64);
	hermes_assert_str_contains(f->err, "HERMES_GATEWAY_USER");
	cli_set_env(f, "HERMES_GATEWAY_USER", "nobody");
	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "render"));
	hermes_assert_str_contains(
		f->out, "# file /Library/LaunchDaemons/ai.hermes.gateway-demo.plist (mode 0644)\n");
	hermes_assert_str_contains(f->out, "\t<key>UserName</key>\n\t<string>nobody</string>\n");
	hermes_assert_str_contains(f->out, "disable system/ai.hermes.gateway-demo");
	/* a LaunchAgent cannot run as somebody else */
	cli_set_env(f, "HERMES_LAUNCHD_SCOPE", NULL);
	assert_int_equal(hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "render"), 64);
	hermes_assert_str_contains(f->err, "LaunchAgent runs as the user who loads it");
	cli_set_env(f, "HERMES_LAUNCHD_SCOPE", "sideways");
	assert_int_not_equal(hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "render"),
			     0);
	hermes_assert_str_contains(f->err, "HERMES_LAUNCHD_SCOPE");
}

static gchar *
cli_read_plist(Fixture *f, const gchar *profile)
{
	g_autofree gchar *name = hermes_launchd_plist_name(profile);
	g_autofree gchar *path = g_build_filename(f->agents, name, NULL);
	gchar *text = NULL;
	if (!g_file_get_contents(path, &text, NULL, NULL))
		return NULL;
	return text;
}

static void
assert_fake_calls(Fixture *f, const gchar *const *expected)
{
	g_autofree gchar *calls = fake_calls(f->fake_dir);
	g_autofree gchar *want = NULL;
	g_autoptr(GString) joined = g_string_new(NULL);
	for (guint i = 0; expected[i] != NULL; i++)
		g_string_append_printf(joined, "%s\n", expected[i]);
	want = g_strdelimit(g_strdup(joined->str), " ", '\t');
	if (g_strcmp0(calls, want) != 0)
		fail_msg("launchctl calls differ:\n got:\n%s\n expected:\n%s", calls, want);
	{
		g_auto(GStrv) lines = g_strsplit(calls, "\n", -1);
		for (guint i = 0; lines[i] != NULL; i++) {
			if (g_str_has_prefix(lines[i], "load\t") ||
			    g_str_has_prefix(lines[i], "unload\t"))
				fail_msg("a deprecated verb was used:\n%s", calls);
		}
	}
}

#define assert_fake(f, ...) assert_fake_calls(f, (const gchar *const[]){__VA_ARGS__, NULL})

static void
fake_reset(Fixture *f)
{
	hermes_test_rmtree(f->fake_dir);
	g_mkdir_with_parents(f->fake_dir, 0755);
	fake_file(f->fake_dir, "managername.out", "Aqua\n");
}

/* install --start, status, restart, stop (marker first), uninstall: the plugin end to end */
static void
test_cli_lifecycle(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *uid = g_strdup_printf("%u", (guint)hermes_platform_get_euid());
	g_autofree gchar *target = g_strdup_printf("gui/%s/ai.hermes.gateway-demo", uid);
	g_autofree gchar *plist_path = NULL;
	g_autofree gchar *rendered = NULL;
	g_autofree gchar *written = NULL;
	g_autofree gchar *home = NULL;
	g_autofree gchar *marker = NULL;
	g_autofree gchar *running = NULL;
	g_autofree gchar *print_target = NULL;
	g_autofree gchar *kickstart = NULL;
	g_autofree gchar *bootstrap = NULL;
	GPid old = dead_pid();

	cli_setup(f, TRUE);
	home = g_build_filename(f->root, "profiles", "demo", NULL);
	marker = g_build_filename(home, HERMES_PLANNED_STOP_FILE, NULL);
	plist_path = g_build_filename(f->agents, "ai.hermes.gateway-demo.plist", NULL);
	print_target = g_strdup_printf("print %s", target);
	kickstart = g_strdup_printf("kickstart %s", target);
	bootstrap = g_strdup_printf("bootstrap gui/%s %s", uid, plist_path);
	running = g_strdup_printf("%s = {\n\tstate = running\n\tpid = %d\n\truns = 1\n"
				  "\tlast exit code = (never exited)\n}\n",
				  target,
				  (gint)old);
	assert_ok(f, hermes(f, "profile", "create", "demo"));
	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "render"));
	rendered = plist_in_output(f->out, plist_path);
	fake_reset(f);

	/* install --start: not loaded, so enable, bootstrap, kickstart, then check */
	fake_file(f->fake_dir, "print.1.rc", "113\n");
	fake_file(f->fake_dir, "kickstart.1.rc", "113\n");
	fake_file(f->fake_dir, "print.out", running);
	assert_ok(f,
		  hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "install", "--start"));
	hermes_assert_str_contains(f->out,
				   "Installed gateway 'demo' with launchd (agent), started");
	written = cli_read_plist(f, "demo");
	assert_non_null(written);
	/* install writes exactly what render printed */
	assert_string_equal(written, rendered);
	{
		g_autofree gchar *enable = g_strdup_printf("enable %s", target);
		assert_fake(f,
			    "managername",
			    print_target,
			    kickstart,
			    enable,
			    bootstrap,
			    kickstart,
			    print_target);
	}

	/* status: launchd's view, through print */
	fake_reset(f);
	fake_file(f->fake_dir, "print.out", running);
	assert_ok(f,
		  hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "status", "--json"));
	{
		g_autoptr(JsonObject) root = parse_json_object(f->out);
		JsonArray *gateways = json_object_get_array_member(root, "gateways");
		JsonObject *gw = json_array_get_object_element(gateways, 0);
		JsonObject *raw = json_object_get_object_member(gw, "raw");
		assert_string_equal(json_object_get_string_member(gw, "state"), "up");
		assert_int_equal(json_object_get_int_member(gw, "pid"), old);
		assert_string_equal(json_object_get_string_member(raw, "launchd.supervised"),
				    "true");
		assert_string_equal(
			json_object_get_string_member(
				json_object_get_object_member(root, "manager"), "backend"),
			"launchd");
	}

	/* restart: marker, kickstart -k */
	fake_reset(f);
	fake_file(f->fake_dir, "print.out", running);
	fake_file(f->fake_dir, "marker", marker);
	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "restart"));
	{
		g_autofree gchar *kill_start = g_strdup_printf("kickstart -k %s", target);
		g_autofree gchar *seen_path = g_build_filename(f->fake_dir, "marker-seen", NULL);
		g_autofree gchar *seen = NULL;
		/* the CLI asks for the status first (is it registered?) */
		assert_fake(f, "managername", print_target, print_target, kill_start, print_target);
		assert_true(g_file_get_contents(seen_path, &seen, NULL, NULL));
		assert_string_equal(seen, "kickstart marker=yes\n");
	}
	g_unlink(marker);

	/* a plist another hermes wrote (a binary since moved): start rewrites it, launchd reloads */
	{
		g_autoptr(GString) stale = g_string_new(rendered);
		g_autofree gchar *calls = NULL;
		g_autofree gchar *now = NULL;
		g_string_replace(stale, hermes_test_env("HERMES_TEST_HERMES"), "/gone/hermes", 0);
		assert_string_not_equal(stale->str, rendered);
		assert_true(g_file_set_contents(plist_path, stale->str, -1, NULL));
		fake_reset(f);
		fake_file(f->fake_dir, "print.out", running);
		assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "start"));
		now = cli_read_plist(f, "demo");
		assert_string_equal(now, rendered);
		calls = fake_calls(f->fake_dir);
		hermes_assert_str_contains(calls, "bootout\t");
	}

	/* stop: the marker in the profile's own home first, then bootout */
	fake_reset(f);
	fake_file(f->fake_dir, "print.out", running);
	fake_file(f->fake_dir, "marker", marker);
	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "stop"));
	{
		g_autofree gchar *bootout = g_strdup_printf("bootout %s", target);
		g_autofree gchar *seen_path = g_build_filename(f->fake_dir, "marker-seen", NULL);
		g_autofree gchar *seen = NULL;
		g_autoptr(GError) error = NULL;
		g_autoptr(JsonObject) m = NULL;
		/* core reads the pid for the marker first, then the backend reads again */
		assert_fake(f, "managername", print_target, print_target, bootout);
		assert_true(g_file_get_contents(seen_path, &seen, NULL, NULL));
		assert_string_equal(seen, "bootout marker=yes\n");
		m = hermes_json_file_load(marker, &error);
		hermes_assert_no_error(error);
		assert_int_equal(hermes_json_get_int(m, "target_pid", -1), old);
	}

	/* a domain launchd refuses: the start fails loudly, exit 1, "UNSUPERVISED" */
	fake_reset(f);
	fake_file(f->fake_dir, "print.rc", "113\n");
	fake_file(f->fake_dir, "list.rc", "113\n");
	fake_file(f->fake_dir, "kickstart.rc", "113\n");
	fake_file(f->fake_dir, "bootstrap.rc", "5\n");
	fake_file(f->fake_dir, "bootstrap.err", "Bootstrap failed: 5: Input/output error\n");
	assert_int_equal(hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "start"), 69);
	hermes_assert_str_contains(f->err, "UNSUPERVISED");
	hermes_assert_str_contains(f->err, "SupervisorUnavailable");
	/* and nothing was started in its place */
	{
		g_autofree gchar *calls = fake_calls(f->fake_dir);
		assert_null(strstr(calls, "kickstart\t-k"));
		g_autofree gchar *pidfile = g_build_filename(home, "gateway.pid", NULL);
		assert_false(g_file_test(pidfile, G_FILE_TEST_EXISTS));
	}

	/* uninstall: bootout and the plist is gone */
	fake_reset(f);
	fake_file(f->fake_dir, "print.out", running);
	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "uninstall"));
	assert_false(g_file_test(plist_path, G_FILE_TEST_EXISTS));
	{
		g_autofree gchar *bootout = g_strdup_printf("bootout %s", target);
		assert_fake(f, "managername", print_target, bootout);
	}
	/* and once more: absent is not an error, and launchctl is not even asked */
	fake_reset(f);
	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "uninstall"));
	{
		g_autofree gchar *calls = fake_calls(f->fake_dir);
		assert_string_equal(calls, "");
	}
}

/* install without --start registers it stopped, and twice needs no --force */
static void
test_cli_install_stopped(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *uid = g_strdup_printf("%u", (guint)hermes_platform_get_euid());
	g_autofree gchar *target = g_strdup_printf("gui/%s/ai.hermes.gateway-demo", uid);
	g_autofree gchar *print_target = g_strdup_printf("print %s", target);
	g_autofree gchar *disable = g_strdup_printf("disable %s", target);
	g_autofree gchar *enable = g_strdup_printf("enable %s", target);

	cli_setup(f, TRUE);
	assert_ok(f, hermes(f, "profile", "create", "demo"));
	fake_file(f->fake_dir, "print.rc", "113\n");
	fake_file(f->fake_dir, "list.rc", "113\n");
	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "install"));
	assert_fake(f, "managername", print_target, disable);
	/* --enable: loaded at login from now on, not started now */
	fake_reset(f);
	fake_file(f->fake_dir, "print.rc", "113\n");
	fake_file(f->fake_dir, "list.rc", "113\n");
	assert_ok(
		f,
		hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "install", "--enable"));
	assert_fake(f, "managername", print_target, enable);
	/* gateway list sees it; a plist of another hermes home is not ours */
	{
		g_autofree gchar *foreign =
			g_build_filename(f->agents, "ai.hermes.gateway-other.plist", NULL);
		g_autofree gchar *text = cli_read_plist(f, "demo");
		g_autofree gchar *other = g_strdup(text);
		GString *s = g_string_new(other);
		g_autofree gchar *home = g_build_filename(f->root, "profiles", "demo", NULL);
		g_string_replace(s, home, "/elsewhere/profiles/other", 0);
		g_string_replace(s, "ai.hermes.gateway-demo", "ai.hermes.gateway-other", 0);
		hermes_test_write_file(foreign, s->str, 0644);
		g_string_free(s, TRUE);
		assert_ok(f, hermes(f, "profile", "create", "other"));
		fake_reset(f);
		fake_file(f->fake_dir, "print.rc", "113\n");
		assert_ok(f, hermes(f, "--backend", "launchd", "status", "--json"));
		{
			g_autoptr(JsonObject) root = parse_json_object(f->out);
			JsonArray *gateways = json_object_get_array_member(root, "gateways");
			guint seen = 0;
			for (guint i = 0; i < json_array_get_length(gateways); i++) {
				JsonObject *gw = json_array_get_object_element(gateways, i);
				const gchar *name = json_object_get_string_member(gw, "profile");
				gboolean registered =
					json_object_get_boolean_member(gw, "registered");
				if (g_strcmp0(name, "demo") == 0 && registered)
					seen++;
				if (g_strcmp0(name, "other") == 0 && !registered)
					seen++;
			}
			if (seen != 2)
				fail_msg("expected demo registered and other not:\n%s", f->out);
		}
		/* installing over it is refused, even with replace */
		fake_reset(f);
		fake_file(f->fake_dir, "print.rc", "113\n");
		assert_int_equal(
			hermes(f, "--backend", "launchd", "-p", "other", "gateway", "install"), 4);
		hermes_assert_str_contains(f->err, "belongs to another hermes home");
		g_free(text);
		text = NULL;
		assert_true(g_file_get_contents(foreign, &text, NULL, NULL));
		hermes_assert_str_contains(text, "/elsewhere/profiles/other");
	}
}

/* profile create/delete register and unregister the gateway (the hooks) */
static void
test_cli_profile_hooks(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *uid = g_strdup_printf("%u", (guint)hermes_platform_get_euid());
	g_autofree gchar *target = g_strdup_printf("gui/%s/ai.hermes.gateway-hooked", uid);
	g_autofree gchar *print_target = g_strdup_printf("print %s", target);
	g_autofree gchar *disable = g_strdup_printf("disable %s", target);
	g_autofree gchar *plist = NULL;

	cli_setup(f, TRUE);
	fake_file(f->fake_dir, "print.rc", "113\n");
	fake_file(f->fake_dir, "list.rc", "113\n");
	assert_ok(f, hermes(f, "--backend", "launchd", "profile", "create", "hooked"));
	hermes_assert_str_contains(f->out,
				   "Registered gateway 'hooked' with launchd (agent), stopped");
	plist = cli_read_plist(f, "hooked");
	assert_non_null(plist);
	hermes_assert_str_contains(plist, "<string>ai.hermes.gateway-hooked</string>");
	assert_fake(f, "managername", print_target, disable);

	fake_reset(f);
	fake_file(f->fake_dir, "print.rc", "113\n");
	fake_file(f->fake_dir, "list.rc", "113\n");
	assert_ok(f, hermes(f, "--backend", "launchd", "profile", "delete", "hooked", "--yes"));
	g_free(plist);
	plist = cli_read_plist(f, "hooked");
	assert_null(plist);
	/* not loaded: nothing to boot out */
	assert_fake(f, "managername", print_target);
}

/* boot reconcile (NO_RESCAN): plists written, only the login overrides set, nothing loaded */
static void
test_cli_boot_reconcile(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *uid = g_strdup_printf("%u", (guint)hermes_platform_get_euid());
	g_autofree gchar *disable = g_strdup_printf("disable gui/%s/ai.hermes.gateway", uid);
	g_autofree gchar *enable = g_strdup_printf("enable gui/%s/ai.hermes.gateway-demo", uid);
	g_autofree gchar *home = NULL;
	g_autofree gchar *plist_default = NULL;
	g_autofree gchar *plist_demo = NULL;
	g_autoptr(GError) error = NULL;

	cli_setup(f, TRUE);
	home = g_build_filename(f->root, "profiles", "demo", NULL);
	assert_ok(f, hermes(f, "profile", "create", "demo"));
	assert_true(hermes_gateway_state_set_desired(home, "running", &error));
	hermes_assert_no_error(error);
	assert_ok(f, hermes(f, "--backend", "launchd", "boot", "reconcile"));
	hermes_assert_str_contains(f->out, "summary total=2");
	plist_default = cli_read_plist(f, "default");
	plist_demo = cli_read_plist(f, "demo");
	assert_non_null(plist_default);
	assert_non_null(plist_demo);
	hermes_assert_str_contains(plist_demo, "<string>ai.hermes.gateway-demo</string>");
	/* default stays down at login, demo (desired running) comes up at the next one */
	assert_fake(f, "managername", disable, enable);
}

/*
 * The exit-code contract under launchd, end to end: run the plist's own
 * ProgramArguments with exactly its EnvironmentVariables in its
 * WorkingDirectory, as launchd would. A fatal configuration (the payload
 * exits 78) must then exit 0, which KeepAlive={SuccessfulExit=false} does
 * not restart, and still be recorded as startup_failed. Without the
 * plist's XPC_SERVICE_NAME the same run exits 78: the plist carries it.
 */
static void
test_cli_runner_contract(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *plist_path = NULL;
	g_autofree gchar *plist = NULL;
	g_autofree gchar *home = NULL;
	g_autofree gchar *state_path = NULL;
	g_autoptr(GVariant) dict = NULL;
	g_autoptr(GVariant) args = NULL;
	g_autoptr(GVariant) env = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) envp = NULL;
	const gchar *workdir = NULL;
	GVariantIter iter;
	const gchar *key;
	GVariant *value;

	cli_setup(f, FALSE);
	home = g_build_filename(f->root, "profiles", "demo", NULL);
	state_path = g_build_filename(home, "gateway_state.json", NULL);
	plist_path = g_build_filename(f->agents, "ai.hermes.gateway-demo.plist", NULL);
	assert_ok(f, hermes(f, "profile", "create", "demo"));
	assert_ok(f, hermes(f, "--backend", "launchd", "-p", "demo", "gateway", "render"));
	plist = plist_in_output(f->out, plist_path);
	dict = hermes_launchd_plist_parse(plist, -1, &error);
	hermes_assert_no_error(error);
	args = g_variant_lookup_value(dict, "ProgramArguments", G_VARIANT_TYPE("av"));
	env = g_variant_lookup_value(dict, "EnvironmentVariables", G_VARIANT_TYPE("a{sv}"));
	assert_true(g_variant_lookup(dict, "WorkingDirectory", "&s", &workdir));
	for (gsize i = 0; i < g_variant_n_children(args); i++) {
		g_autoptr(GVariant) child = g_variant_get_child_value(args, i);
		g_autoptr(GVariant) inner = g_variant_get_variant(child);
		g_ptr_array_add(argv, g_variant_dup_string(inner, NULL));
	}
	g_ptr_array_add(argv, NULL);
	/* launchd's environment is the plist's, plus HOME; nothing of ours leaks in */
	envp = g_new0(gchar *, 1);
	g_variant_iter_init(&iter, env);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
		envp = g_environ_setenv(envp, key, g_variant_get_string(value, NULL), TRUE);
		g_variant_unref(value);
	}
	envp = g_environ_setenv(envp, "HOME", f->tmp, TRUE);
	/* keep backend discovery hermetic: no backend here claims this host */
	envp = g_environ_setenv(envp, "HERMES_BACKEND_PATH", launchd_backend_dir(), TRUE);
	envp = g_environ_setenv(envp, "HERMES_GATEWAY_COMMAND", "sh -c 'exit 78'", TRUE);

	assert_int_equal(
		spawn_wait(
			f, (const gchar *const *)argv->pdata, (const gchar *const *)envp, workdir),
		0);
	{
		g_autoptr(JsonObject) st = hermes_json_file_load(state_path, &error);
		hermes_assert_no_error(error);
		assert_string_equal(hermes_json_get_string(st, "gateway_state"), "startup_failed");
	}
	/* the plist's XPC_SERVICE_NAME is what makes the difference */
	envp = g_environ_unsetenv(envp, "XPC_SERVICE_NAME");
	assert_int_equal(
		spawn_wait(
			f, (const gchar *const *)argv->pdata, (const gchar *const *)envp, workdir),
		78);
}

static int
test_group_setup(void **state)
{
	hermes_test_init();
	return 0;
}

#define LAUNCHD_TEST(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		LAUNCHD_TEST(test_parse_print_running),
		LAUNCHD_TEST(test_parse_print_crash_loop),
		LAUNCHD_TEST(test_parse_print_clean_exit),
		LAUNCHD_TEST(test_parse_print_signal),
		LAUNCHD_TEST(test_parse_print_decoys),
		LAUNCHD_TEST(test_parse_print_shapes),
		LAUNCHD_TEST(test_parse_garbage),
		LAUNCHD_TEST(test_parse_list),
		LAUNCHD_TEST(test_wait_status),
		LAUNCHD_TEST(test_parse_prefixes),
		LAUNCHD_TEST(test_domain),
		LAUNCHD_TEST(test_start_loaded),
		LAUNCHD_TEST(test_start_not_loaded),
		LAUNCHD_TEST(test_bootstrap_exit5_retry),
		LAUNCHD_TEST(test_bootstrap_refused),
		LAUNCHD_TEST(test_bootstrap_refused_but_supervised),
		LAUNCHD_TEST(test_bootstrap_other_failure),
		LAUNCHD_TEST(test_start_unverified),
		LAUNCHD_TEST(test_start_spawn_failure),
		LAUNCHD_TEST(test_stop_marker_first),
		LAUNCHD_TEST(test_stop_timeout),
		LAUNCHD_TEST(test_stop_not_loaded),
		LAUNCHD_TEST(test_stop_bootout_codes),
		LAUNCHD_TEST(test_restart_loaded),
		LAUNCHD_TEST(test_restart_not_loaded),
		LAUNCHD_TEST(test_status),
		LAUNCHD_TEST(test_status_unsupervised),
		LAUNCHD_TEST(test_real_spawner),
		LAUNCHD_TEST(test_cli_render),
		LAUNCHD_TEST(test_cli_render_passwd_home),
		LAUNCHD_TEST(test_cli_lifecycle),
		LAUNCHD_TEST(test_cli_install_stopped),
		LAUNCHD_TEST(test_cli_profile_hooks),
		LAUNCHD_TEST(test_cli_boot_reconcile),
		LAUNCHD_TEST(test_cli_runner_contract),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
