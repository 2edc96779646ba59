/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The boot reconciler against the real s6 backend on a temp scan directory,
 * as at container boot (no scanner): the order of profiles, what each prior
 * state becomes, skips, dry runs, replacing slots, stale runtime files and
 * the progress callback. The fixture is in reconciler-test.c.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-platform-private.h"
#include "reconciler-test.h"

/*****************************************************************************/
/* order and prior-state branches */

static void
test_reconciler_order(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	g_autofree gchar *nosoul = g_build_filename(f->root, "profiles", "nosoul", NULL);
	g_autofree gchar *listing = NULL;

	make_profile(f, "z-last", NULL);
	make_profile(f, "a-first", NULL);
	make_profile(f, "m-mid", NULL);
	make_profile(f, "10-digits", NULL);
	/* not profiles: no SOUL.md, a staging tree, a plain file */
	g_mkdir_with_parents(nosoul, 0755);
	make_profile(f, ".x.new-abcdef", NULL);
	write_in_home(f, "default", "profiles/README", "not a profile\n");

	r = reconcile(f, FALSE);
	assert_int_equal(hermes_reconciler_get_actions(r)->len, 5);
	check_action(action_at(r, 0), "default", NULL, HERMES_RECONCILE_REGISTERED);
	check_action(action_at(r, 1), "10-digits", NULL, HERMES_RECONCILE_REGISTERED);
	check_action(action_at(r, 2), "a-first", NULL, HERMES_RECONCILE_REGISTERED);
	check_action(action_at(r, 3), "m-mid", NULL, HERMES_RECONCILE_REGISTERED);
	check_action(action_at(r, 4), "z-last", NULL, HERMES_RECONCILE_REGISTERED);
	assert_string_equal(hermes_reconcile_action_get_home(action_at(r, 0)), f->root);
	listing = hermes_test_list_dir(f->scandir);
	assert_string_equal(listing,
			    "gateway-10-digits|gateway-a-first|gateway-default|gateway-m-mid|"
			    "gateway-z-last");
}

static void
test_reconciler_prior_states(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	const struct {
		const gchar *profile;
		const gchar *json; /* NULL: no state file */
		const gchar *prior;
		HermesReconcileKind kind;
		const gchar *reason;
	} cases[] = {
		{"d-running",
		 "{\"desired_state\":\"running\"}",
		 "running",
		 HERMES_RECONCILE_STARTED,
		 NULL},
		{"d-stopped",
		 "{\"desired_state\":\"stopped\"}",
		 "stopped",
		 HERMES_RECONCILE_REGISTERED,
		 "desired state is stopped"},
		/* intent beats the runtime state both ways */
		{"d-run-failed",
		 "{\"desired_state\":\"running\",\"gateway_state\":\"startup_failed\"}",
		 "running",
		 HERMES_RECONCILE_STARTED,
		 NULL},
		{"d-stop-running",
		 "{\"desired_state\":\"stopped\",\"gateway_state\":\"running\"}",
		 "stopped",
		 HERMES_RECONCILE_REGISTERED,
		 "desired state is stopped"},
		{"r-running",
		 "{\"gateway_state\":\"running\"}",
		 "running",
		 HERMES_RECONCILE_STARTED,
		 NULL},
		{"r-draining",
		 "{\"gateway_state\":\"draining\"}",
		 "running",
		 HERMES_RECONCILE_STARTED,
		 NULL},
		{"r-degraded",
		 "{\"gateway_state\":\"degraded\"}",
		 "running",
		 HERMES_RECONCILE_STARTED,
		 NULL},
		{"r-starting",
		 "{\"gateway_state\":\"starting\"}",
		 "starting",
		 HERMES_RECONCILE_REGISTERED,
		 "last runtime state was starting"},
		{"r-failed",
		 "{\"gateway_state\":\"startup_failed\"}",
		 "startup_failed",
		 HERMES_RECONCILE_REGISTERED,
		 "last runtime state was startup_failed"},
		{"r-stopped",
		 "{\"gateway_state\":\"stopped\"}",
		 "stopped",
		 HERMES_RECONCILE_REGISTERED,
		 "last runtime state was stopped"},
		{"x-missing", NULL, NULL, HERMES_RECONCILE_REGISTERED, "no saved state"},
		{"x-nokeys", "{\"pid\":12}", NULL, HERMES_RECONCILE_REGISTERED, "no saved state"},
	};

	make_profile(f, "default", "{\"gateway_state\":\"running\"}");
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
		make_profile(f, cases[i].profile, cases[i].json);
	/* the removed upstream opt-out changes nothing */
	hermes_context_setenv(f->ctx, "HERMES_SKIP_PROFILE_RECONCILE", "1");
	r = reconcile(f, FALSE);
	assert_int_equal(hermes_reconciler_get_actions(r)->len, G_N_ELEMENTS(cases) + 1);
	check_action(action_at(r, 0), "default", "running", HERMES_RECONCILE_STARTED);
	assert_false(slot_is_down(f, "default"));

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		HermesReconcileAction *a = action_of(r, cases[i].profile);
		g_autofree gchar *run = slot_file(f, cases[i].profile, "run");
		g_autofree gchar *type = slot_file(f, cases[i].profile, "type");
		g_autofree gchar *finish = slot_file(f, cases[i].profile, "finish");
		g_autofree gchar *type_text = read_file(type);
		g_autofree gchar *run_text = read_file(run);
		check_action(a, cases[i].profile, cases[i].prior, cases[i].kind);
		assert_string_equal(hermes_reconcile_action_get_reason(a) != NULL
					    ? hermes_reconcile_action_get_reason(a)
					    : "(none)",
				    cases[i].reason != NULL ? cases[i].reason : "(none)");
		/* a complete slot either way; only `down` differs */
		assert_true(g_file_test(run, G_FILE_TEST_IS_EXECUTABLE));
		assert_true(g_file_test(finish, G_FILE_TEST_IS_EXECUTABLE));
		assert_string_equal(type_text, "longrun\n");
		hermes_assert_str_contains(run_text, "gateway run");
		{
			/* the exit-code contract: 78 and a clean stop end the slot (125) */
			g_autofree gchar *finish_text = read_file(finish);
			hermes_assert_str_contains(finish_text, "78)");
			hermes_assert_str_contains(finish_text, "exit 125");
		}
		assert_int_equal(slot_is_down(f, cases[i].profile),
				 cases[i].kind == HERMES_RECONCILE_REGISTERED);
	}
	/* the default slot runs the root profile: no -p */
	{
		g_autofree gchar *run = slot_file(f, "default", "run");
		g_autofree gchar *run_text = read_file(run);
		hermes_assert_str_contains(run_text, "gateway run");
		assert_null(strstr(run_text, "-p default"));
		assert_null(strstr(run_text, "-p 'default'"));
	}
	assert_int_equal(hermes_reconciler_count(r, HERMES_RECONCILE_STARTED), 6);
	assert_int_equal(hermes_reconciler_count(r, HERMES_RECONCILE_REGISTERED), 7);
	assert_int_equal(hermes_reconciler_count(r, HERMES_RECONCILE_SKIPPED), 0);
}

static void
test_reconciler_empty_home(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	g_autofree gchar *listing = NULL;

	/* no profiles/ at all */
	r = reconcile(f, FALSE);
	assert_int_equal(hermes_reconciler_get_actions(r)->len, 1);
	check_action(action_at(r, 0), "default", NULL, HERMES_RECONCILE_REGISTERED);
	assert_true(slot_is_down(f, "default"));
	listing = hermes_test_list_dir(f->scandir);
	assert_string_equal(listing, "gateway-default");
}

/*****************************************************************************/
/* skips never abort */

static void
test_reconciler_skips_continue(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	g_autofree gchar *listing = NULL;
	HermesReconcileAction *a;

	make_profile(f, "BadName", "{\"desired_state\":\"running\"}");
	{
		/* profiles/default/, not the root */
		g_autofree gchar *soul =
			g_build_filename(f->root, "profiles", "default", "SOUL.md", NULL);
		g_autofree gchar *state_path = g_build_filename(
			f->root, "profiles", "default", "gateway_state.json", NULL);
		hermes_test_write_file(soul, "# Soul\n", 0644);
		hermes_test_write_file(state_path, "{\"desired_state\":\"running\"}", 0644);
	}
	make_profile(f, "c-corrupt", "{\"desired_state\":");
	make_profile(f, "e-empty", "");
	make_profile(f, "root", NULL); /* reserved */
	{
		/* a profile directory that is a link into another home is not followed */
		g_autofree gchar *elsewhere = g_build_filename(f->tmp, "elsewhere", NULL);
		g_autofree gchar *soul = g_build_filename(elsewhere, "SOUL.md", NULL);
		g_autofree gchar *link = home_of(f, "linked");
		g_mkdir_with_parents(elsewhere, 0755);
		hermes_test_write_file(soul, "# Soul\n", 0644);
		assert_int_equal(symlink(elsewhere, link), 0);
	}
	make_profile(f, "z-ok", "{\"desired_state\":\"running\"}");
	/* the root profile's own state: "default" in profiles/ is not it */
	write_in_home(f, "default", "gateway_state.json", "{\"desired_state\":\"stopped\"}");

	r = reconcile(f, FALSE);
	check_action(action_at(r, 0), "default", "stopped", HERMES_RECONCILE_REGISTERED);
	a = action_of(r, "BadName");
	check_action(a, "BadName", NULL, HERMES_RECONCILE_SKIPPED);
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a), "lowercase");
	/* an unreadable state is no prior state (as upstream reads it): registered down */
	a = action_of(r, "c-corrupt");
	check_action(a, "c-corrupt", NULL, HERMES_RECONCILE_REGISTERED);
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a),
				   "unreadable state, treated as no prior state");
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a), "corrupt");
	a = action_of(r, "e-empty");
	check_action(a, "e-empty", NULL, HERMES_RECONCILE_REGISTERED);
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a), "is empty");
	assert_true(slot_is_down(f, "c-corrupt"));
	assert_true(slot_is_down(f, "e-empty"));
	a = action_of(r, "root");
	check_action(a, "root", NULL, HERMES_RECONCILE_SKIPPED);
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a), "reserved");
	a = action_of(r, "linked");
	check_action(a, "linked", NULL, HERMES_RECONCILE_SKIPPED);
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a), "symbolic link");
	/* the second "default" is profiles/default/ */
	a = action_at(r, 3);
	check_action(a, "default", NULL, HERMES_RECONCILE_SKIPPED);
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a), "profiles/default/");
	check_action(action_of(r, "z-ok"), "z-ok", "running", HERMES_RECONCILE_STARTED);
	assert_int_equal(hermes_reconciler_count(r, HERMES_RECONCILE_SKIPPED), 4);

	/* skipped means untouched: no slot; a corrupt state file is left as it was */
	listing = hermes_test_list_dir(f->scandir);
	assert_string_equal(listing,
			    "gateway-c-corrupt|gateway-default|gateway-e-empty|gateway-z-ok");
	{
		g_autofree gchar *home = home_of(f, "c-corrupt");
		g_autofree gchar *path = g_build_filename(home, "gateway_state.json", NULL);
		g_autofree gchar *text = read_file(path);
		assert_string_equal(text, "{\"desired_state\":");
	}
}

/*****************************************************************************/
/* dry run and replacing */

static void
test_reconciler_dry_run(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	g_autofree gchar *before_home = NULL;
	g_autofree gchar *before_scan = NULL;
	g_autofree gchar *after_home = NULL;
	g_autofree gchar *after_scan = NULL;
	g_autofree gchar *pid_text = g_strdup_printf("%" G_GINT64_FORMAT "\n", dead_pid());
	HermesReconcileAction *a;

	/* everything that would write: a seed, stale files, slots, the log */
	set_cmdline(f,
		    "1",
		    (const gchar *[]){
			    "/init", "/opt/hermes/docker/main-wrapper.sh", "gateway", "run", NULL});
	make_profile(f, "alpha", "{\"desired_state\":\"running\"}");
	make_profile(f, "beta", NULL);
	write_in_home(f, "alpha", "gateway.pid", pid_text);
	write_in_home(f, "alpha", "processes.json", "[]");
	before_home = hermes_test_snapshot_tree(f->root);
	before_scan = hermes_test_snapshot_tree(f->scandir);

	r = reconcile(f, TRUE);
	assert_true(hermes_reconciler_get_dry_run(r));
	a = action_at(r, 0);
	check_action(a, "default", "running", HERMES_RECONCILE_STARTED);
	hermes_assert_str_contains(hermes_reconcile_action_get_reason(a), "would seed");
	check_action(action_at(r, 1), "alpha", "running", HERMES_RECONCILE_STARTED);
	check_action(action_at(r, 2), "beta", NULL, HERMES_RECONCILE_REGISTERED);

	after_home = hermes_test_snapshot_tree(f->root);
	after_scan = hermes_test_snapshot_tree(f->scandir);
	assert_string_equal(after_home, before_home);
	assert_string_equal(after_scan, before_scan);
	assert_true(exists_in_home(f, "alpha", "gateway.pid"));
	assert_false(exists_in_home(f, "default", "gateway_state.json"));
	assert_false(exists_in_home(f, "default", "logs"));
}

static void
test_reconciler_second_run_replaces(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *listing = NULL;
	g_autofree gchar *snapshot = NULL;
	gint64 deadline;

	make_profile(f, "alpha", "{\"desired_state\":\"running\"}");
	make_profile(f, "beta", "{\"desired_state\":\"stopped\"}");
	g_object_unref(reconcile(f, FALSE));
	assert_false(slot_is_down(f, "alpha"));
	assert_true(slot_is_down(f, "beta"));
	snapshot = hermes_test_snapshot_tree(f->scandir);

	/* unsupervised slots (boot) are swapped whole, following the new state */
	assert_true(hermes_gateway_state_set_desired(f->root, "running", &error));
	{
		g_autofree gchar *alpha = home_of(f, "alpha");
		g_autofree gchar *beta = home_of(f, "beta");
		assert_true(hermes_gateway_state_set_desired(alpha, "stopped", &error));
		assert_true(hermes_gateway_state_set_desired(beta, "running", &error));
	}
	g_object_unref(reconcile(f, FALSE));
	assert_true(slot_is_down(f, "alpha"));
	assert_false(slot_is_down(f, "beta"));
	assert_false(slot_is_down(f, "default"));
	/* nothing half-built, replaced or staged is left beside the slots */
	listing = hermes_test_list_dir(f->scandir);
	assert_string_equal(listing, "gateway-alpha|gateway-beta|gateway-default");

	/* a host reconcile under a running scanner: supervised slots are rewritten in
	 * place and a started one is brought up */
	start_svscan(f);
	assert_true(hermes_test_s6_send(f->scandir, "a"));
	deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	for (const gchar *const *p = (const gchar *[]){"alpha", "beta", "default", NULL};
	     *p != NULL;) {
		g_autoptr(HermesGatewayStatus) st =
			hermes_service_manager_get_status(f->manager, *p, NULL, &error);
		hermes_assert_no_error(error);
		if (g_strcmp0(hermes_gateway_status_get_raw(st, "s6.supervised"), "true") == 0) {
			p++;
			continue;
		}
		if (g_get_monotonic_time() > deadline)
			fail_msg("%s was never supervised", *p);
		g_usleep(20000);
	}
	g_object_unref(reconcile(f, FALSE));
	{
		g_autoptr(HermesGatewayStatus) st =
			hermes_service_manager_get_status(f->manager, "beta", NULL, &error);
		hermes_assert_no_error(error);
		assert_int_equal(hermes_gateway_status_get_state(st), HERMES_GATEWAY_STATE_UP);
	}
	g_clear_pointer(&listing, g_free);
	listing = hermes_test_list_dir(f->scandir);
	assert_string_equal(listing, ".s6-svscan|gateway-alpha|gateway-beta|gateway-default");
}

/*****************************************************************************/
/* stale runtime files */

/* a live process whose command line says "gateway", as a real one's does */
static gint64
start_gateway_lookalike(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *link = g_build_filename(f->tmp, "hermes-gateway", NULL);
	g_autofree gchar *sleep_path = g_find_program_in_path("sleep");
	const gchar *argv[] = {link, "1000", NULL};
	assert_non_null(sleep_path);
	assert_int_equal(symlink(sleep_path, link), 0);
	g_spawn_async(NULL,
		      (gchar **)argv,
		      NULL,
		      G_SPAWN_DO_NOT_REAP_CHILD,
		      NULL,
		      NULL,
		      &f->helper,
		      &error);
	hermes_assert_no_error(error);
	/* exec has happened once the start time and cmdline are the sleep's */
	for (gint i = 0; i < 500; i++) {
		g_autofree gchar *path = g_strdup_printf("/proc/%d/cmdline", f->helper);
		g_autofree gchar *text = read_file(path);
		if (text != NULL && strstr(text, "hermes-gateway") != NULL)
			break;
		g_usleep(2000);
	}
	return f->helper;
}

/* a live process that is not a gateway */
static gint64
start_sleeper(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *sleep_path = g_find_program_in_path("sleep");
	const gchar *argv[] = {sleep_path, "1000", NULL};
	assert_non_null(sleep_path);
	assert_null(strstr(sleep_path, "gateway"));
	g_spawn_async(NULL,
		      (gchar **)argv,
		      NULL,
		      G_SPAWN_DO_NOT_REAP_CHILD,
		      NULL,
		      NULL,
		      &f->sleeper,
		      &error);
	hermes_assert_no_error(error);
	return f->sleeper;
}

static void
test_reconciler_sweep(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = NULL;
	gint64 dead = dead_pid();
	gint64 live = start_gateway_lookalike(f);
	gint64 live_start = hermes_platform_get_start_time(live);
	g_autofree gchar *dead_json = pid_record(dead, 1234, NULL);
	g_autofree gchar *dead_bare = g_strdup_printf("%" G_GINT64_FORMAT "\n", dead);
	g_autofree gchar *live_json = pid_record(live, live_start, NULL);
	g_autofree gchar *reused_json = pid_record(live, live_start + 1, NULL);
	gint64 other = start_sleeper(f);
	g_autofree gchar *other_json =
		pid_record(other, hermes_platform_get_start_time(other), NULL);
	g_autofree gchar *foreign_json = pid_record(dead, 1234, "another-boot");
	g_autofree gchar *ours_json = pid_record(dead, 1234, FAKE_BOOT_ID);
	const struct {
		const gchar *profile;
		const gchar *record;
		gboolean kept;
		const gchar *reason;
	} cases[] = {
		{"default", dead_json, FALSE, NULL},
		{"p-dead", dead_json, FALSE, NULL},
		{"p-bare", dead_bare, FALSE, NULL},
		{"p-corrupt", "{\"pid\":", FALSE, NULL},
		{"p-live", live_json, TRUE, "is a live gateway"},
		{"p-reused", reused_json, FALSE, NULL},
		{"p-not-gateway", other_json, FALSE, NULL},
		{"p-foreign",
		 foreign_json,
		 TRUE,
		 "written under another boot (boot_id another-boot)"},
		{"p-our-boot", ours_json, FALSE, NULL},
	};

	assert_true(live_start > 0);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		make_profile(f, cases[i].profile, "{\"desired_state\":\"running\"}");
		write_in_home(f, cases[i].profile, "gateway.pid", cases[i].record);
		write_in_home(f, cases[i].profile, "processes.json", "{\"processes\":[]}");
	}
	/* processes.json alone goes too */
	make_profile(f, "p-procs-only", NULL);
	write_in_home(f, "p-procs-only", "processes.json", "[]");

	r = reconcile(f, FALSE);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		HermesReconcileAction *a = action_of(r, cases[i].profile);
		const gchar *reason = hermes_reconcile_action_get_reason(a);
		if (exists_in_home(f, cases[i].profile, "gateway.pid") != cases[i].kept ||
		    exists_in_home(f, cases[i].profile, "processes.json") != cases[i].kept)
			fail_msg("%s: runtime files should have been %s",
				 cases[i].profile,
				 cases[i].kept ? "kept" : "removed");
		check_action(a, cases[i].profile, "running", HERMES_RECONCILE_STARTED);
		if (cases[i].reason != NULL)
			hermes_assert_str_contains(reason, cases[i].reason);
		else
			assert_null(reason);
	}
	assert_false(exists_in_home(f, "p-procs-only", "processes.json"));
}

static void
progress_string_free_cb(gpointer data)
{
	g_string_free(data, TRUE);
}

/* the progress callback: before each profile, in order, with the run's total */

static void
progress_cb(HermesReconciler *r, const gchar *profile, guint done, guint total, gpointer data)
{
	g_string_append_printf(data, "%s %u/%u|", profile, done, total);
}

static void
test_reconciler_progress(void **state)
{
	Fixture *f = *state;
	g_autoptr(HermesReconciler) r = hermes_reconciler_new(f->ctx, f->manager);
	g_autoptr(GError) error = NULL;
	GString *calls = g_string_new(NULL);

	make_profile(f, "beta", NULL);
	make_profile(f, "alpha", "{\"desired_state\":\"running\"}");
	make_profile(f, "Bad", NULL);
	hermes_reconciler_set_dry_run(r, TRUE);
	hermes_reconciler_set_progress_func(
		r, progress_cb, calls, (GDestroyNotify)progress_string_free_cb);
	assert_true(hermes_reconciler_run(r, &error));
	hermes_assert_no_error(error);
	/* a skipped profile counts too */
	assert_string_equal(calls->str, "default 0/4|Bad 1/4|alpha 2/4|beta 3/4|");
	/* a second run starts again from 0 */
	g_string_truncate(calls, 0);
	assert_true(hermes_reconciler_run(r, &error));
	assert_string_equal(calls->str, "default 0/4|Bad 1/4|alpha 2/4|beta 3/4|");
	/* replaced: the old data is freed (valgrind and ASan see a leak otherwise) */
	hermes_reconciler_set_progress_func(r, NULL, NULL, NULL);
	assert_true(hermes_reconciler_run(r, &error));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_reconciler_order),
		T(test_reconciler_prior_states),
		T(test_reconciler_empty_home),
		T(test_reconciler_skips_continue),
		T(test_reconciler_dry_run),
		T(test_reconciler_second_run_replaces),
		T(test_reconciler_sweep),
		T(test_reconciler_progress),
	};
	/* the gateways' output must not interleave with TAP */
	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
