/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Commands racing each other on one home (issue 10, fault injection), against
 * the real `hermes` and a real embedded s6 tree: parallel `gateway start` and
 * `stop` on one profile and across several, first starts that all want to
 * start the tree and register slots, and parallel `boot reconcile`s. Every
 * command must succeed, and afterwards each profile's supervisor must agree
 * with its recorded intent (the last one written), each slot be supervised,
 * one s6-svscan run the tree, and nothing half-made be left.
 */

#include "config.h"

#include <string.h>

#include "faults-common.h"

/* starts every command at once (as fast as fork allows), then reaps them all: each must
 * exit 0, print @expect (when given), and write nothing outside the home */
static void
race_run_all(HostileFixture *fx, GPtrArray *commands, const gchar *expect, const gchar *what)
{
	g_autoptr(GPtrArray) children =
		g_ptr_array_new_with_free_func((GDestroyNotify)hostile_child_free);
	for (guint i = 0; i < commands->len; i++)
		g_ptr_array_add(children,
				hostile_spawn_full(fx, NULL, g_ptr_array_index(commands, i)));
	for (guint i = 0; i < children->len; i++) {
		HostileChild *child = g_ptr_array_index(children, i);
		g_autofree gchar *label = g_strdup_printf("%s: hermes %s", what, child->line);
		hostile_child_finish(fx, child);
		hostile_assert_result(fx, label, HOSTILE_CODES(0));
		if (expect != NULL)
			hermes_assert_str_contains(fx->out, expect);
	}
}

/* what every race must end in, for the profiles it touched */
static void
race_assert_consistent(HostileFixture *fx, const gchar *const *profiles, const gchar *what)
{
	for (guint i = 0; profiles[i] != NULL; i++) {
		g_autofree gchar *label = g_strdup_printf("%s, then %s", what, profiles[i]);
		faults_assert_converged(fx, NULL, profiles[i], label);
	}
	if (faults_svscan_count(fx->home) != 1)
		fail_msg("%s: %u s6-svscan run the tree, not one",
			 what,
			 faults_svscan_count(fx->home));
	faults_assert_no_leftovers(fx->home, what);
}

static const gchar *const *
race_args(const gchar *profile, const gchar *verb)
{
	/* owned by the commands array's free function */
	gchar **args = g_new0(gchar *, 5);
	args[0] = g_strdup("-p");
	args[1] = g_strdup(profile);
	args[2] = g_strdup("gateway");
	args[3] = g_strdup(verb);
	return (const gchar *const *)args;
}

static void
race_shuffle(GPtrArray *commands)
{
	for (guint i = commands->len; i > 1; i--) {
		guint j = (guint)g_random_int_range(0, (gint)i);
		gpointer tmp = commands->pdata[i - 1];
		commands->pdata[i - 1] = commands->pdata[j];
		commands->pdata[j] = tmp;
	}
}

static GPtrArray *
race_commands_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
}

/*
 * The first commands on a fresh home, all at once, across five profiles
 * (each profile gets one verb, so its intent is never in doubt): every start
 * wants to start the embedded tree, every stop finds a slot no s6-supervise
 * has picked up yet.
 */
static void
test_race_fresh_home_profiles(void **state)
{
	HostileFixture *fx = *state;
	const gchar *const profiles[] = {"p1", "p2", "p3", "p4", "p5", NULL};
	g_autoptr(GPtrArray) commands = race_commands_new();
	guint per_profile = faults_count(4, 1);

	for (guint i = 0; profiles[i] != NULL; i++)
		g_free(hostile_make_profile(fx, NULL, profiles[i]));
	for (guint n = 0; n < per_profile; n++) {
		for (guint i = 0; profiles[i] != NULL; i++)
			g_ptr_array_add(commands,
					(gpointer)race_args(profiles[i], i < 3 ? "start" : "stop"));
	}
	race_shuffle(commands);
	race_run_all(fx, commands, NULL, "first starts and stops on a fresh home");
	race_assert_consistent(fx, profiles, "first starts and stops on a fresh home");
}

/* 20 starts and stops on one profile at once: the last intent recorded is where it ends */
static void
test_race_one_profile(void **state)
{
	HostileFixture *fx = *state;
	const gchar *const profiles[] = {"p1", NULL};
	g_autoptr(GPtrArray) commands = race_commands_new();
	guint n = faults_count(20, 4);

	g_free(hostile_make_profile(fx, NULL, "p1"));
	hostile_start_gateway(fx, NULL, "p1");
	for (guint i = 0; i < n; i++)
		g_ptr_array_add(commands, (gpointer)race_args("p1", i % 2 == 0 ? "start" : "stop"));
	race_shuffle(commands);
	race_run_all(fx, commands, NULL, "starts and stops of p1 at once");
	race_assert_consistent(fx, profiles, "starts and stops of p1 at once");
}

/* starts and stops across profiles, with reconciles of the whole home among them */
static void
test_race_profiles_and_reconciles(void **state)
{
	HostileFixture *fx = *state;
	const gchar *const profiles[] = {"p1", "p2", "p3", NULL};
	g_autoptr(GPtrArray) commands = race_commands_new();
	guint n = faults_count(20, 4);

	for (guint i = 0; profiles[i] != NULL; i++)
		g_free(hostile_make_profile(fx, NULL, profiles[i]));
	hostile_start_gateway(fx, NULL, "p1");
	for (guint i = 0; i < n; i++) {
		if (i % 5 == 4)
			g_ptr_array_add(commands,
					g_strdupv((gchar **)(const gchar *const[]){
						"boot", "reconcile", NULL}));
		else
			g_ptr_array_add(commands,
					(gpointer)race_args(profiles[i % 3],
							    i % 2 == 0 ? "start" : "stop"));
	}
	race_shuffle(commands);
	race_run_all(fx, commands, NULL, "starts, stops and reconciles at once");
	race_assert_consistent(fx, profiles, "starts, stops and reconciles at once");
}

/* profiles made by hand (no slot yet, as when the home was copied in): the parallel
 * first starts of one profile all want to register its slot */
static void
test_race_register(void **state)
{
	HostileFixture *fx = *state;
	const gchar *const profiles[] = {"p1", "p2", NULL};
	g_autoptr(GPtrArray) commands = race_commands_new();
	guint n = faults_count(10, 2);

	for (guint i = 0; profiles[i] != NULL; i++) {
		g_autofree gchar *soul =
			g_build_filename(fx->home, "profiles", profiles[i], "SOUL.md", NULL);
		hostile_write(soul, "a profile made by hand\n", 0644);
	}
	for (guint i = 0; i < n; i++) {
		for (guint p = 0; profiles[p] != NULL; p++)
			g_ptr_array_add(commands, (gpointer)race_args(profiles[p], "start"));
	}
	race_run_all(fx, commands, "Started gateway", "first starts of profiles without a slot");
	race_assert_consistent(fx, profiles, "first starts of profiles without a slot");
}

/*
 * A start beside a stop still under way: the start's intent is the last one,
 * so the gateway must end up, and the stop must still end (not wait for a
 * down that the start has taken back). test-faults-kill.c has the same with
 * the stop's `hermes` killed halfway, which needs no serialisation.
 */
static void
test_race_start_during_stop(void **state)
{
	HostileFixture *fx = *state;
	const gchar *const profiles[] = {"p1", NULL};
	g_autoptr(HostileChild) stop = NULL;

	g_free(hostile_make_profile(fx, NULL, "p1"));
	stop = faults_spawn_draining_stop(fx, "p1");

	hostile_run(fx, "-p", "p1", "gateway", "start");
	hostile_assert_result(fx, "gateway start while a stop drains", HOSTILE_CODES(0));
	hostile_child_finish(fx, stop);
	hostile_assert_result(fx, "the gateway stop it ran beside", HOSTILE_CODES(0));
	race_assert_consistent(fx, profiles, "a start while a stop drains");
}

/* each reconcile is the only one at the time (run/reconcile.lock): all succeed, and the
 * supervisor ends where every profile's intent says */
static void
race_reconciles(HostileFixture *fx, const gchar *what)
{
	g_autoptr(GPtrArray) commands = race_commands_new();
	guint n = faults_count(10, 2);
	for (guint i = 0; i < n; i++)
		g_ptr_array_add(
			commands,
			g_strdupv((gchar **)(const gchar *const[]){"boot", "reconcile", NULL}));
	/* each run's summary: nothing skipped */
	race_run_all(fx, commands, "skipped=0", what);
}

static void
test_race_reconciles(void **state)
{
	HostileFixture *fx = *state;
	const gchar *const profiles[] = {"p1", "p2", "p3", NULL};
	g_autofree gchar *scandir = g_build_filename(fx->home, "run", "service", NULL);

	for (guint i = 0; profiles[i] != NULL; i++)
		g_free(hostile_make_profile(fx, NULL, profiles[i]));
	hostile_start_gateway(fx, NULL, "p1");
	hostile_start_gateway(fx, NULL, "p3");
	hostile_run(fx, "-p", "p2", "gateway", "stop");
	hostile_assert_result(fx, "gateway stop p2", HOSTILE_CODES(0));
	race_reconciles(fx, "reconciles at once on a running tree");
	race_assert_consistent(fx, profiles, "reconciles at once on a running tree");

	/* a container boot: no tree, an empty scan directory, every reconcile at once */
	hostile_run(fx, "supervisor", "stop");
	hostile_assert_result(fx, "supervisor stop", HOSTILE_CODES(0));
	hermes_test_rmtree(scandir);
	race_reconciles(fx, "reconciles at once at boot");
	faults_assert_no_leftovers(fx->home, "reconciles at once at boot");
	hostile_run(fx, "supervisor", "start");
	hostile_assert_result(fx, "supervisor start after the reconciles", HOSTILE_CODES(0));
	race_assert_consistent(fx, profiles, "reconciles at once at boot, then the tree");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, hostile_setup, hostile_teardown)

int
main(void)
{
	const gchar *const pending[] = {NULL};
	struct CMUnitTest tests[] = {
		T(test_race_fresh_home_profiles),
		T(test_race_one_profile),
		T(test_race_profiles_and_reconciles),
		T(test_race_register),
		T(test_race_start_during_stop),
		T(test_race_reconciles),
	};
	hermes_test_init();
	return _cmocka_run_group_tests("faults-race",
				       tests,
				       hostile_apply_pending(tests, G_N_ELEMENTS(tests), pending),
				       NULL,
				       NULL);
}
