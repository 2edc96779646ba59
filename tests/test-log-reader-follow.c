/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The log reader behind `hermes gateway logs -f`: following across
 * rotations, hand-made and by a real s6-log, every line exactly once, in
 * order.
 */

#include "log-reader-test.h"

static void
assert_seen_exactly(Fixture *f, const gchar *prefix, guint from, guint to)
{
	g_autoptr(GString) want = g_string_new(NULL);
	g_autoptr(GString) got = g_string_new(NULL);
	for (guint i = from; i < to; i++)
		g_string_append_printf(want, "%s %u|", prefix, i);
	for (guint i = 0; i < f->seen->len; i++)
		g_string_append_printf(got, "%s|", (gchar *)g_ptr_array_index(f->seen, i));
	assert_string_equal(got->str, want->str);
}

/* appended lines, then a rotation by hand with lines written just before it */
static void
test_follow_hand_rotation(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *cur = dir_file(f, "current");
	g_autofree gchar *rotated = dir_file(f, "@400000006b161d0400000000.s");
	g_autoptr(HermesLogReader) reader = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	g_autoptr(GError) error = NULL;
	gint64 t0 = 1796600000;

	append_lines(cur, t0, "l", 0, 3);
	reader = open_reader(f);
	lines = hermes_log_reader_tail(reader, 2, HERMES_LOG_NO_TIME, &error);
	assert_int_equal(lines->len, 2);
	g_signal_connect(reader, "line", G_CALLBACK(line_cb), f);
	g_signal_connect(reader, "failed", G_CALLBACK(failed_cb), f);
	assert_true(hermes_log_reader_follow(reader, &error));
	hermes_assert_no_error(error);
	append_lines(cur, t0, "l", 3, 5);
	wait_lines(f, 2);
	/* written, renamed and replaced before the reader looks again */
	append_lines(cur, t0, "l", 5, 7);
	assert_int_equal(rename(cur, rotated), 0);
	append_lines(cur, t0, "l", 7, 9);
	wait_lines(f, 6);
	append_lines(cur, t0, "l", 9, 10);
	wait_lines(f, 7);
	/* nothing more arrives late */
	g_usleep(300 * 1000);
	while (g_main_context_iteration(NULL, FALSE))
		;
	assert_seen_exactly(f, "l", 3, 10);
}

static gchar *
find_s6_log(void)
{
	const gchar *bin = g_getenv("HERMES_TEST_S6_BIN_DIR");
	if (bin != NULL && *bin != '\0') {
		gchar *path = g_build_filename(bin, "s6-log", NULL);
		if (g_file_test(path, G_FILE_TEST_IS_EXECUTABLE))
			return path;
		g_free(path);
	}
	return g_find_program_in_path("s6-log");
}

/* a real s6-log rotating every 4 KiB: every line exactly once, in order */
static void
test_follow_s6_log_rotation(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *s6_log = find_s6_log();
	g_autoptr(HermesLogReader) reader = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *listing = NULL;
	GPid pid;
	gint in_fd = -1;
	gint status = 0;
	guint rotated = 0;

	if (s6_log == NULL) {
		skip(); /* s6 is not installed: say so rather than pass */
		return;
	}
	const gchar *argv[] = {s6_log, "T", "n20", "s4096", f->dir, NULL};
	assert_true(g_spawn_async_with_pipes(NULL,
					     (gchar **)argv,
					     NULL,
					     G_SPAWN_DO_NOT_REAP_CHILD,
					     NULL,
					     NULL,
					     &pid,
					     &in_fd,
					     NULL,
					     NULL,
					     &error));
	reader = open_reader(f);
	lines = hermes_log_reader_tail(reader, 10, HERMES_LOG_NO_TIME, &error);
	hermes_assert_no_error(error);
	assert_int_equal(lines->len, 0);
	g_signal_connect(reader, "line", G_CALLBACK(line_cb), f);
	g_signal_connect(reader, "failed", G_CALLBACK(failed_cb), f);
	assert_true(hermes_log_reader_follow(reader, &error));
	/* bursts of ~2.5 KiB, each waited for: every burst or two crosses a rotation */
	for (guint burst = 0; burst < 12; burst++) {
		g_autoptr(GString) out = g_string_new(NULL);
		for (guint i = burst * 50; i < (burst + 1) * 50; i++)
			g_string_append_printf(out, "s %u\n", i);
		assert_int_equal(write(in_fd, out->str, out->len), (gssize)out->len);
		wait_lines(f, (burst + 1) * 50);
	}
	close(in_fd);
	waitpid(pid, &status, 0);
	g_spawn_close_pid(pid);
	listing = hermes_test_list_dir(f->dir);
	for (gchar *p = listing; (p = strstr(p, ".s")) != NULL; p++)
		rotated++;
	if (rotated < 3)
		fail_msg("s6-log rotated %u times only: %s", rotated, listing);
	assert_seen_exactly(f, "s", 0, 600);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_follow_hand_rotation, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_follow_s6_log_rotation, fixture_setup, fixture_teardown),
	};
	hermes_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
