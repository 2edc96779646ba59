/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * SIGKILL of `hermes` in the middle of `gateway start`, `gateway stop`,
 * `gateway restart` and `boot reconcile` (issue 10, fault injection), against
 * a real embedded s6 tree. Each command is timed once uninterrupted, then
 * killed at stepped delays with jitter across that time, so the kills land
 * everywhere from the loader to the last write. After every kill a user must
 * not notice: `gateway_state.json` parses and holds the old or the new intent,
 * status tells the truth, and the next `gateway start` or `stop` works at once
 * and ends in the asked state. At the end nothing half-made is left and one
 * s6-svscan runs the tree.
 */

#include "config.h"

#include <signal.h>

#include "faults-common.h"

/* the "next command" after a kill: p1 to @desired with a plain start or stop */
static void
kill_set(HostileFixture *fx, const gchar *desired, const gchar *after)
{
	const gchar *verb = g_strcmp0(desired, "running") == 0 ? "start" : "stop";
	g_autofree gchar *what = g_strdup_printf("gateway %s after %s", verb, after);
	hostile_run(fx, "-p", "p1", "gateway", verb);
	/* a lock the killed command left would end this in BUSY (exit 1) after the lock's
	 * documented wait (30 s for a home, 15 s for a scan directory), or be cut off as a
	 * hang after hostile_timeout_seconds() */
	hostile_assert_result(fx, what, HOSTILE_CODES(0));
	faults_assert_converged(fx, NULL, "p1", what);
}

typedef struct {
	const gchar *name;
	const gchar *const *args;
	const gchar *desired; /* what it records; NULL: it leaves the intent as it was */
} KillCommand;

static const KillCommand kill_commands[] = {
	{"gateway start", (const gchar *const[]){"-p", "p1", "gateway", "start", NULL}, "running"},
	{"gateway stop", (const gchar *const[]){"-p", "p1", "gateway", "stop", NULL}, "stopped"},
	{"gateway restart",
	 (const gchar *const[]){"-p", "p1", "gateway", "restart", NULL},
	 "running"},
	{"boot reconcile", (const gchar *const[]){"boot", "reconcile", NULL}, NULL},
};

/* the intent before kill @i: the opposite of what the command records, else alternating */
static const gchar *
kill_before(const KillCommand *cmd, guint i)
{
	if (cmd->desired != NULL && g_strcmp0(cmd->args[3], "restart") != 0)
		return g_strcmp0(cmd->desired, "running") == 0 ? "stopped" : "running";
	return i % 2 == 0 ? "running" : "stopped";
}

/* every other reconcile runs on a stopped tree: slots are then rebuilt through staging */
static gboolean
kill_tree_down(const KillCommand *cmd, guint i)
{
	return cmd->desired == NULL && i % 4 >= 2;
}

static void
kill_prepare(HostileFixture *fx, const KillCommand *cmd, guint i, const gchar *after)
{
	kill_set(fx, kill_before(cmd, i), after);
	if (kill_tree_down(cmd, i)) {
		hostile_run(fx, "supervisor", "stop");
		hostile_assert_result(fx, "supervisor stop", HOSTILE_CODES(0));
	}
}

/* how long @cmd takes from its usual starting point, uninterrupted */
static gdouble
kill_calibrate(HostileFixture *fx, const KillCommand *cmd)
{
	gdouble seconds;
	kill_prepare(fx, cmd, 0, "the start of the test");
	hostile_run_full(fx, NULL, NULL, 0, cmd->args);
	hostile_assert_result(fx, cmd->name, HOSTILE_CODES(0));
	seconds = fx->seconds;
	print_message("# %s takes %.3f s here\n", cmd->name, seconds);
	return seconds;
}

/* what a user sees right after the kill */
static void
kill_check(HostileFixture *fx, const KillCommand *cmd, const gchar *before, const gchar *what)
{
	g_autofree gchar *p1 = faults_profile_home(fx, NULL, "p1");
	g_autofree gchar *desired = faults_desired(p1, what);
	if (fx->signal != SIGKILL && fx->status != 0)
		fail_msg("%s: ended with exit %d before the kill: %s", what, fx->status, fx->err);
	if (g_strcmp0(desired, before) != 0 && g_strcmp0(desired, cmd->desired) != 0)
		fail_msg("%s: desired_state is '%s', neither the old '%s' nor the new '%s'",
			 what,
			 desired != NULL ? desired : "(none)",
			 before,
			 cmd->desired != NULL ? cmd->desired : before);
	json_object_unref(faults_status(fx, NULL, "p1", what));
	hostile_assert_outside_unchanged(fx, what);
	hostile_assert_victim_alive(fx, what);
}

static void
kill_series(HostileFixture *fx, const KillCommand *cmd, guint n)
{
	gdouble span = kill_calibrate(fx, cmd);
	for (guint i = 0; i < n; i++) {
		/* stepped over the whole run, jittered inside each step */
		gulong delay_us = (gulong)(span * G_USEC_PER_SEC * (i + g_random_double()) / n);
		g_autofree gchar *what = g_strdup_printf("%s killed after %.1f ms (kill %u of %u)",
							 cmd->name,
							 delay_us / 1000.0,
							 i + 1,
							 n);
		g_autoptr(HostileChild) child = NULL;
		kill_prepare(fx, cmd, i, what);
		child = hostile_spawn_full(fx, NULL, cmd->args);
		g_usleep(delay_us);
		hostile_child_kill(child);
		hostile_child_finish(fx, child);
		kill_check(fx, cmd, kill_before(cmd, i), what);
		/* the next command after the kill must work: the next round's prepare, or this */
		if (i + 1 == n)
			kill_set(fx, "running", what);
	}
}

static void
kill_reconcile(HostileFixture *fx, const gchar *what)
{
	g_autofree gchar *label = g_strdup_printf("boot reconcile after %s", what);
	hostile_run(fx, "boot", "reconcile");
	hostile_assert_result(fx, label, HOSTILE_CODES(0));
	hermes_assert_str_contains(fx->out, "skipped=0");
}

/*
 * The end of every series: reconciles under both intents work (one of them
 * rewrites p1's slot, as a start and a stop rewrite its state file and
 * marker: a temporary a kill left between naming and renaming is swept
 * there), one tree runs, and nothing half-made is left.
 */
static void
kill_assert_clean(HostileFixture *fx, const gchar *what)
{
	kill_set(fx, "stopped", what);
	kill_reconcile(fx, what);
	kill_set(fx, "running", what);
	kill_reconcile(fx, what);
	if (faults_svscan_count(fx->home) != 1)
		fail_msg("%s: %u s6-svscan run the tree, not one",
			 what,
			 faults_svscan_count(fx->home));
	faults_assert_no_leftovers(fx->home, what);
}

static void
kill_case(void **state, guint first, guint last)
{
	HostileFixture *fx = *state;
	guint n = faults_count(13, 1);
	GPid bystander;

	g_free(hostile_make_profile(fx, NULL, "p1"));
	g_free(hostile_make_profile(fx, NULL, "p2"));
	/* a bystander: whatever happens to p1, p2 keeps its gateway */
	bystander = hostile_start_gateway(fx, NULL, "p2");

	for (guint c = first; c <= last; c++) {
		kill_series(fx, &kill_commands[c], n);
		kill_assert_clean(fx, kill_commands[c].name);
	}
	faults_assert_converged(fx, NULL, "p2", "the bystander p2");
	/* a reconcile on a stopped tree stops p2 with it; otherwise it must be the same process */
	if (kill_commands[last].desired != NULL && hostile_gateway_pid(fx, NULL, "p2") != bystander)
		fail_msg("p2's gateway (pid %d) was disturbed by the kills on p1", (gint)bystander);
}

static void
test_kill_gateway_start(void **state)
{
	kill_case(state, 0, 0);
}

static void
test_kill_gateway_stop(void **state)
{
	kill_case(state, 1, 1);
}

static void
test_kill_gateway_restart(void **state)
{
	kill_case(state, 2, 2);
}

static void
test_kill_boot_reconcile(void **state)
{
	kill_case(state, 3, 3);
}

/*
 * The one point of a stop that matters most, hit every time: its `hermes`
 * killed after s6 took the 'd', while the gateway drains. The next start
 * must not lose its 'u' to the finish script (which ends the slot for good
 * after an exit 0) and time out; it must wait for the stop and come up.
 */
static void
test_kill_stop_while_draining(void **state)
{
	HostileFixture *fx = *state;
	g_autoptr(HostileChild) stop = NULL;
	GPid draining;

	g_free(hostile_make_profile(fx, NULL, "p1"));
	stop = faults_spawn_draining_stop(fx, "p1");
	draining = hostile_gateway_pid(fx, NULL, "p1");

	hostile_child_kill(stop);
	hostile_child_finish(fx, stop);
	kill_check(fx, &kill_commands[1], "running", "gateway stop killed while draining");
	kill_set(fx, "running", "gateway stop killed while draining");
	/* not the one draining: it exits 0 in a moment, and its finish ends the slot */
	if (hostile_gateway_pid(fx, NULL, "p1") == draining)
		fail_msg("the start took the draining gateway (pid %d) for started",
			 (gint)draining);
	kill_set(fx, "stopped", "gateway stop killed while draining");
	faults_assert_no_leftovers(fx->home, "gateway stop killed while draining");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, hostile_setup, hostile_teardown)

int
main(void)
{
	/* fixes not landed yet: see README.md */
	const gchar *const pending[] = {NULL};
	struct CMUnitTest tests[] = {
		T(test_kill_gateway_start),
		T(test_kill_gateway_stop),
		T(test_kill_gateway_restart),
		T(test_kill_boot_reconcile),
		T(test_kill_stop_while_draining),
	};
	const gchar *seed_text = g_getenv("HERMES_FAULTS_SEED");
	guint32 seed = seed_text != NULL ? (guint32)g_ascii_strtoull(seed_text, NULL, 10)
					 : (guint32)g_get_real_time();
	hermes_test_init();
	/* the delays are random: the seed reproduces a failing run */
	print_message("# HERMES_FAULTS_SEED=%u\n", seed);
	g_random_set_seed(seed);
	return _cmocka_run_group_tests("faults-kill",
				       tests,
				       hostile_apply_pending(tests, G_N_ELEMENTS(tests), pending),
				       NULL,
				       NULL);
}
