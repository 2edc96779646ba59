/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The s6 finish script, run for real in a fake service directory: the exit
 * code contract (0 stops, 78 fails, 75 restarts at once, a custom
 * contract) and the circuit breaker (parks, its window, an unwritable or
 * damaged tally).
 */

#include "s6-render-test.h"

/*****************************************************************************/
/* the finish script, run for real in a fake service directory */

static void
test_finish_install(RenderFixture *fx)
{
	g_autofree gchar *finish = hermes_s6_render_finish(&test_opts_host, fx->spec);
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "finish", NULL);
	g_autofree gchar *data = g_build_filename(fx->tmpdir, "data", NULL);

	hermes_test_write_file(path, finish, 0755);
	if (g_mkdir_with_parents(data, 0755) != 0)
		fail_msg("cannot create %s: %s", data, g_strerror(errno));
}

/* s6 runs finish in the service directory with the exit code (or 256) and the signal */
static gint
test_finish_run(RenderFixture *fx, const gchar *code, const gchar *sig)
{
	g_autofree gchar *err = NULL;
	gint status = test_spawn(fx->tmpdir,
				 (const gchar *[]){"/bin/sh", "./finish", code, sig, NULL},
				 NULL,
				 NULL,
				 &err);
	if (err[0] != '\0')
		fail_msg("finish %s %s wrote to stderr: %s", code, sig, err);
	return status;
}

static gchar *
test_data_file(RenderFixture *fx, const gchar *name)
{
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "data", name, NULL);
	gchar *contents = NULL;
	if (!g_file_get_contents(path, &contents, NULL, NULL))
		return NULL;
	return contents;
}

static guint
test_count_lines(const gchar *text)
{
	guint n = 0;
	for (const gchar *p = text; p != NULL && *p != '\0'; p++) {
		if (*p == '\n')
			n++;
	}
	return n;
}

/* "<unix time> <kind> <text>\n", written by finish */
static void
test_assert_reason(RenderFixture *fx, const gchar *kind, const gchar *text_part)
{
	g_autofree gchar *reason = test_data_file(fx, "finish-reason");
	g_autofree gchar *middle = g_strdup_printf(" %s ", kind);
	const gchar *p;
	gint64 when;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	if (reason == NULL)
		fail_msg("no data/finish-reason");
	assert_true(g_ascii_isdigit(reason[0]));
	when = g_ascii_strtoll(reason, (gchar **)&p, 10);
	if (!g_str_has_prefix(p, middle))
		fail_msg("finish-reason '%s' is not '<time> %s ...'", reason, kind);
	if (when < now - 60 || when > now + 60)
		fail_msg("finish-reason time %" G_GINT64_FORMAT " is not now", when);
	assert_true(g_str_has_suffix(reason, "\n"));
	assert_int_equal(test_count_lines(reason), 1);
	hermes_assert_str_contains(reason, text_part);
}

/* the breaker's clock: seconds since boot, and the boot it counts in */
static gint64
test_uptime(void)
{
	g_autofree gchar *text = NULL;
	if (!g_file_get_contents("/proc/uptime", &text, NULL, NULL))
		fail_msg("cannot read /proc/uptime");
	return g_ascii_strtoll(text, NULL, 10);
}

static gchar *
test_boot_id(void)
{
	gchar *text = NULL;
	if (!g_file_get_contents("/proc/sys/kernel/random/boot_id", &text, NULL, NULL))
		fail_msg("cannot read the boot id");
	return g_strchomp(text);
}

/* a death @age seconds ago in this boot, as finish names it: <time>.<pid>.<boot> */
static gchar *
test_death_name(gint64 age, guint pid)
{
	g_autofree gchar *boot = test_boot_id();
	return g_strdup_printf("%" G_GINT64_FORMAT ".%u.%s", test_uptime() - age, pid, boot);
}

/* one empty file per death in data/deaths.d, named <time>.<pid>.<boot> */
static guint
test_count_deaths(RenderFixture *fx)
{
	g_autofree gchar *dir = g_build_filename(fx->tmpdir, "data", "deaths.d", NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	guint n = 0;
	while (d != NULL && g_dir_read_name(d) != NULL)
		n++;
	return n;
}

static void
test_add_death(RenderFixture *fx, const gchar *name)
{
	g_autofree gchar *dir = g_build_filename(fx->tmpdir, "data", "deaths.d", NULL);
	g_autofree gchar *path = g_build_filename(dir, name, NULL);
	g_mkdir_with_parents(dir, 0755);
	hermes_test_write_file(path, "", 0644);
}

static void
test_assert_data_listing(RenderFixture *fx, const gchar *expected)
{
	g_autofree gchar *data = g_build_filename(fx->tmpdir, "data", NULL);
	g_autofree gchar *listing = hermes_test_list_dir(data);
	assert_string_equal(listing, expected);
}

static void
test_finish_exit_0_stops(void **state)
{
	RenderFixture *fx = *state;
	fx->spec = test_case_default();
	test_finish_install(fx);

	assert_int_equal(test_finish_run(fx, "0", "0"), 125);
	test_assert_reason(fx, "stopped", "exited 0");
	/* an intentional stop is not a death for the breaker */
	test_assert_data_listing(fx, "finish-reason");
}

static void
test_finish_exit_78_fails(void **state)
{
	RenderFixture *fx = *state;
	fx->spec = test_case_default();
	test_finish_install(fx);

	assert_int_equal(test_finish_run(fx, "78", "0"), 125);
	test_assert_reason(fx, "failed", "exited 78 (fatal configuration error)");
	test_assert_data_listing(fx, "finish-reason");
}

static void
test_finish_exit_75_restarts(void **state)
{
	RenderFixture *fx = *state;
	fx->spec = test_case_default();
	test_finish_install(fx);

	assert_int_equal(test_finish_run(fx, "75", "0"), 0);
	test_assert_data_listing(fx, "");
	/* nor does it disturb a tally that is there */
	assert_int_equal(test_finish_run(fx, "1", "0"), 0);
	assert_int_equal(test_finish_run(fx, "75", "0"), 0);
	assert_int_equal(test_count_deaths(fx), 1);
	test_assert_data_listing(fx, "deaths.d");
}

static void
test_finish_breaker_parks(void **state)
{
	RenderFixture *fx = *state;
	fx->spec = test_case_default();
	test_finish_install(fx);

	for (guint i = 1; i <= 4; i++) {
		assert_int_equal(test_finish_run(fx, "1", "0"), 0);
		assert_int_equal(test_count_deaths(fx), i);
		test_assert_data_listing(fx, "deaths.d");
	}
	/* the fifth death within 60 s parks the slot */
	assert_int_equal(test_finish_run(fx, "256", "9"), 125);
	test_assert_reason(fx, "parked", "killed by signal 9");
	test_assert_reason(fx, "parked", "5 deaths within 60 s");
	/* the tally starts again when the operator brings it back */
	test_assert_data_listing(fx, "deaths.d|finish-reason");
	assert_int_equal(test_count_deaths(fx), 0);
	assert_int_equal(test_finish_run(fx, "1", "0"), 0);
	assert_int_equal(test_count_deaths(fx), 1);
}

/* a reason that cannot be written still parks, and status still learns why */
static void
test_finish_unwritable_tally_still_parks(void **state)
{
	RenderFixture *fx = *state;
	g_autofree gchar *blocker = g_build_filename(fx->tmpdir, "data", "finish-reason.new", NULL);

	fx->spec = test_case_default();
	test_finish_install(fx);
	/* four deaths recorded earlier */
	for (guint i = 1; i <= 4; i++) {
		g_autofree gchar *name = test_death_name(i, i);
		test_add_death(fx, name);
	}
	/* the reason cannot be written (as when the disk is full): an empty marker says it */
	g_mkdir(blocker, 0755);
	assert_int_equal(test_finish_run(fx, "1", "0"), 125);
	assert_null(test_data_file(fx, "finish-reason"));
	{
		g_autofree gchar *marker =
			g_build_filename(fx->tmpdir, "data", "finish-reason.parked", NULL);
		assert_true(g_file_test(marker, G_FILE_TEST_IS_REGULAR));
	}
	/* a later reason that can be written replaces the marker */
	g_rmdir(blocker);
	assert_int_equal(test_finish_run(fx, "78", "0"), 125);
	test_assert_reason(fx, "failed", "exited 78");
	test_assert_data_listing(fx, "deaths.d|finish-reason");
}

/* nothing at all can be written (no reason, no marker): a clean exit still stays down */
static void
test_finish_nothing_writable_still_stops(void **state)
{
	RenderFixture *fx = *state;
	const gchar *blocked[] = {"finish-reason.new", "finish-reason.stopped", "deaths.d"};

	fx->spec = test_case_default();
	test_finish_install(fx);
	/* directories where files must go, and a file where deaths.d must be */
	for (guint i = 0; i < 2; i++) {
		g_autofree gchar *dir = g_build_filename(fx->tmpdir, "data", blocked[i], NULL);
		g_mkdir(dir, 0755);
	}
	{
		g_autofree gchar *file = g_build_filename(fx->tmpdir, "data", blocked[2], NULL);
		hermes_test_rmtree(file);
		hermes_test_write_file(file, "", 0644);
	}
	/* 125: s6 keeps it down; a shell that died on the failed write would say 2 */
	assert_int_equal(test_finish_run(fx, "0", "0"), 125);
	/* a crash is still restarted, counted even though it cannot be recorded */
	assert_int_equal(test_finish_run(fx, "1", "0"), 0);
}

static void
test_finish_window_drops_old(void **state)
{
	RenderFixture *fx = *state;
	const gint64 ages[] = {1000, 999, 100, 61};

	fx->spec = test_case_default();
	test_finish_install(fx);
	/* four old deaths: a fifth now must not park */
	for (guint i = 0; i < G_N_ELEMENTS(ages); i++) {
		g_autofree gchar *name = test_death_name(MIN(ages[i], test_uptime()), 1);
		test_add_death(fx, name);
	}
	assert_int_equal(test_finish_run(fx, "1", "0"), 0);
	assert_int_equal(test_count_deaths(fx), 1);
	test_assert_data_listing(fx, "deaths.d");
}

static void
test_finish_window_keeps_recent(void **state)
{
	RenderFixture *fx = *state;
	/* older than the window yet within this boot, however young the machine (CI's are) */
	g_autofree gchar *old = test_death_name(MIN(1000, test_uptime()), 1);
	g_autofree gchar *recent = test_death_name(5, 2);
	g_autofree gchar *recent_path =
		g_build_filename(fx->tmpdir, "data", "deaths.d", recent, NULL);

	fx->spec = test_case_default();
	test_finish_install(fx);
	test_add_death(fx, old);
	test_add_death(fx, recent);
	assert_int_equal(test_finish_run(fx, "1", "0"), 0);
	assert_int_equal(test_count_deaths(fx), 2);
	assert_true(g_file_test(recent_path, G_FILE_TEST_EXISTS));
}

/* a damaged tally (garbage, blank lines) is skipped: the breaker still trips */
static void
test_finish_damaged_tally_keeps_breaker(void **state)
{
	RenderFixture *fx = *state;

	fx->spec = test_case_default();
	test_finish_install(fx);
	test_add_death(fx, "garbage");
	test_add_death(fx, "12abc.1");
	test_add_death(fx, ".hidden");
	for (guint i = 1; i <= 3; i++) {
		g_autofree gchar *name = test_death_name(i, i);
		test_add_death(fx, name);
	}
	assert_int_equal(test_finish_run(fx, "1", "0"), 0);
	/* the fifth death parks it, damage or not */
	assert_int_equal(test_finish_run(fx, "1", "0"), 125);
	test_assert_reason(fx, "parked", "5 deaths within 60 s");
}

/*
 * The clock starts again at every boot: deaths another boot recorded, and
 * the wall-clock names of older versions, are dropped, not counted
 */
static void
test_finish_other_boot_dropped(void **state)
{
	RenderFixture *fx = *state;
	gint64 now = test_uptime();
	gint64 wall = g_get_real_time() / G_USEC_PER_SEC;

	fx->spec = test_case_default();
	test_finish_install(fx);
	for (guint i = 1; i <= 2; i++) {
		g_autofree gchar *other = g_strdup_printf(
			"%" G_GINT64_FORMAT ".%u.00000000-0000-0000-0000-000000000000", now - i, i);
		g_autofree gchar *legacy = g_strdup_printf("%" G_GINT64_FORMAT ".%u", wall - i, i);
		test_add_death(fx, other);
		test_add_death(fx, legacy);
	}
	assert_int_equal(test_finish_run(fx, "1", "0"), 0);
	assert_int_equal(test_count_deaths(fx), 1);
	assert_int_equal(test_finish_run(fx, "1", "0"), 0);
	assert_int_equal(test_count_deaths(fx), 2);
	test_assert_data_listing(fx, "deaths.d");
}

/* (d): its own codes, its own restart-now code, a breaker of 3 in 10 s */
static void
test_finish_custom_contract(void **state)
{
	RenderFixture *fx = *state;
	fx->spec = test_case_custom();
	test_finish_install(fx);

	assert_int_equal(test_finish_run(fx, "42", "0"), 125);
	test_assert_reason(fx, "failed", "exited 42");
	assert_int_equal(test_finish_run(fx, "78", "0"), 125);
	test_assert_reason(fx, "failed", "exited 78");
	assert_int_equal(test_finish_run(fx, "0", "0"), 125);
	test_assert_reason(fx, "stopped", "exited 0");
	assert_int_equal(test_finish_run(fx, "76", "0"), 0);
	test_assert_data_listing(fx, "finish-reason");
	/* 75 is an ordinary crash here */
	assert_int_equal(test_finish_run(fx, "75", "0"), 0);
	assert_int_equal(test_finish_run(fx, "256", "15"), 0);
	assert_int_equal(test_finish_run(fx, "3", "0"), 125);
	test_assert_reason(fx, "parked", "3 deaths within 10 s, the last exited 3");
	test_assert_data_listing(fx, "deaths.d|finish-reason");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		RENDER_TEST(test_finish_unwritable_tally_still_parks),
		RENDER_TEST(test_finish_nothing_writable_still_stops),
		RENDER_TEST(test_finish_exit_0_stops),
		RENDER_TEST(test_finish_exit_78_fails),
		RENDER_TEST(test_finish_exit_75_restarts),
		RENDER_TEST(test_finish_breaker_parks),
		RENDER_TEST(test_finish_window_drops_old),
		RENDER_TEST(test_finish_window_keeps_recent),
		RENDER_TEST(test_finish_other_boot_dropped),
		RENDER_TEST(test_finish_damaged_tally_keeps_breaker),
		RENDER_TEST(test_finish_custom_contract),
	};
	return cmocka_run_group_tests(tests, test_group_setup, NULL);
}
