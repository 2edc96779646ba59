/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The log reader behind `hermes gateway logs`, reading: stamps, -n,
 * --since, --all ordering, refused links and FIFOs, a huge file read
 * without reading it all, launchd's plain files and systemd's journal.
 */

#include "log-reader-test.h"

static void
append_text(const gchar *path, const gchar *text)
{
	FILE *fp = fopen(path, "a");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static gchar *
join_texts(GPtrArray *lines)
{
	g_autoptr(GString) out = g_string_new(NULL);
	for (guint i = 0; i < lines->len; i++) {
		HermesLogLine *line = g_ptr_array_index(lines, i);
		g_string_append_printf(out, "%s%s", i ? "|" : "", line->text);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

static void
test_stamp_parse(void **state)
{
	gint64 t = 0;
	g_autoptr(GDateTime) dt = g_date_time_new_local(2026, 12, 7, 2, 41, 35);
	const gchar *iso = "2026-12-07 02:41:35.745345750  hello";
	const gchar *tai = "@400000006b161d042ecda40e hi";

	assert_int_equal(hermes_log_stamp_parse(iso, strlen(iso), &t), 31);
	assert_int_equal(t, g_date_time_to_unix(dt) * G_USEC_PER_SEC + 745345);
	/* measured: s6-log's t wrote this at 2026-12-07 02:41:35 UTC (TAI = UTC + 37 s) */
	assert_int_equal(hermes_log_stamp_parse(tai, strlen(tai), &t), 26);
	assert_int_equal(t / G_USEC_PER_SEC, 1796611295);
	/* no stamp, a short one, a month 13, a hex digit too many, upper case */
	t = 42;
	assert_int_equal(hermes_log_stamp_parse("hello", 5, &t), 0);
	assert_int_equal(hermes_log_stamp_parse(iso, 20, &t), 0);
	assert_int_equal(hermes_log_stamp_parse("2026-13-07 02:41:35.745345750  x", 32, &t), 0);
	assert_int_equal(hermes_log_stamp_parse("@400000006b161d042ecda40e0 x", 28, &t), 0);
	assert_int_equal(hermes_log_stamp_parse("@400000006B161D042ECDA40E x", 27, &t), 0);
	assert_int_equal(hermes_log_stamp_parse("@000000006b161d042ecda40e x", 27, &t), 0);
	assert_int_equal(t, 42);
}

static void
test_since_parse(void **state)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDateTime) dt = g_date_time_new_local(2026, 12, 7, 10, 0, 0);
	gint64 now = G_GINT64_CONSTANT(1000000) * G_USEC_PER_SEC;
	gint64 since = 0;

	assert_true(hermes_log_parse_since("10m", now, &since, &error));
	assert_int_equal(since, now - 600 * G_USEC_PER_SEC);
	assert_true(hermes_log_parse_since("2h", now, &since, &error));
	assert_int_equal(since, now - G_GINT64_CONSTANT(7200) * G_USEC_PER_SEC);
	assert_true(hermes_log_parse_since("2026-12-07T10:00:00", now, &since, &error));
	assert_int_equal(since, g_date_time_to_unix(dt) * G_USEC_PER_SEC);
	assert_true(hermes_log_parse_since("2026-12-07 10:00", now, &since, &error));
	assert_int_equal(since, g_date_time_to_unix(dt) * G_USEC_PER_SEC);
	assert_true(hermes_log_parse_since("2026-12-07T10:00:00Z", now, &since, &error));
	assert_int_equal(since, G_GINT64_CONSTANT(1796637600) * G_USEC_PER_SEC);
	/* a huge age is a century, not an overflow */
	assert_true(hermes_log_parse_since("99999999999999d", now, &since, &error));
	assert_true(since < now);
	hermes_assert_no_error(error);
	assert_false(hermes_log_parse_since("yesterday", now, &since, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	assert_false(hermes_log_parse_since("10x", now, &since, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
}

/* two archives and current: -n reaches back across files, oldest first */
static void
test_tail_n(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *a1 = dir_file(f, "@400000006b161d0400000000.s");
	g_autofree gchar *a2 = dir_file(f, "@400000006b161d0500000000.u");
	g_autofree gchar *cur = dir_file(f, "current");
	g_autofree gchar *junk = dir_file(f, "state");
	g_autoptr(HermesLogReader) reader = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	g_autofree gchar *texts = NULL;
	g_autoptr(GError) error = NULL;
	gint64 t0 = 1796600000;

	append_lines(a1, t0, "l", 0, 5);
	append_lines(a2, t0, "l", 5, 8);
	append_lines(cur, t0, "l", 8, 10);
	hermes_test_write_file(junk, "not a log line\n", 0644);
	reader = open_reader(f);
	lines = hermes_log_reader_tail(reader, 6, HERMES_LOG_NO_TIME, &error);
	hermes_assert_no_error(error);
	texts = join_texts(lines);
	assert_string_equal(texts, "l 4|l 5|l 6|l 7|l 8|l 9");
	assert_int_equal(((HermesLogLine *)g_ptr_array_index(lines, 0))->time_us,
			 (t0 + 4) * G_USEC_PER_SEC + 123456);
	assert_string_equal(((HermesLogLine *)g_ptr_array_index(lines, 0))->profile, "demo");
	g_clear_pointer(&lines, g_ptr_array_unref);
	/* -n 0 shows nothing; more than there is shows everything */
	lines = hermes_log_reader_tail(reader, 0, HERMES_LOG_NO_TIME, &error);
	assert_int_equal(lines->len, 0);
	g_clear_pointer(&lines, g_ptr_array_unref);
	lines = hermes_log_reader_tail(reader, 100, HERMES_LOG_NO_TIME, &error);
	assert_int_equal(lines->len, 10);
}

static void
test_tail_since(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *a1 = dir_file(f, "@400000006b161d0400000000.s");
	g_autofree gchar *cur = dir_file(f, "current");
	g_autoptr(HermesLogReader) reader = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	g_autofree gchar *texts = NULL;
	g_autoptr(GError) error = NULL;
	gint64 t0 = 1796600000;

	append_lines(a1, t0, "l", 0, 5);
	append_lines(cur, t0, "l", 5, 10);
	reader = open_reader(f);
	/* from line 3's second on: 3.123456 is after 3.000000 */
	lines = hermes_log_reader_tail(
		reader, HERMES_LOG_MAX_LINES, (t0 + 3) * G_USEC_PER_SEC, &error);
	hermes_assert_no_error(error);
	texts = join_texts(lines);
	assert_string_equal(texts, "l 3|l 4|l 5|l 6|l 7|l 8|l 9");
	g_clear_pointer(&lines, g_ptr_array_unref);
	g_clear_pointer(&texts, g_free);
	/* and -n still applies */
	lines = hermes_log_reader_tail(reader, 2, (t0 + 3) * G_USEC_PER_SEC, &error);
	texts = join_texts(lines);
	assert_string_equal(texts, "l 8|l 9");
}

/* --all: two gateways' lines interleaved by time, each naming its profile */
static void
test_all_ordering(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *other = g_build_filename(f->root, "logs", "gateways", "work", NULL);
	g_autofree gchar *cur = dir_file(f, "current");
	g_autofree gchar *cur2 = g_build_filename(other, "current", NULL);
	g_autoptr(HermesLogSource) source2 = hermes_log_source_new_s6(f->root, other);
	g_autoptr(HermesLogReader) r1 = NULL;
	g_autoptr(HermesLogReader) r2 = NULL;
	g_autoptr(GPtrArray) all =
		g_ptr_array_new_with_free_func((GDestroyNotify)hermes_log_line_free);
	g_autoptr(GString) got = g_string_new(NULL);
	g_autoptr(GError) error = NULL;
	gint64 t0 = 1796600000;

	g_assert_cmpint(g_mkdir_with_parents(other, 0755), ==, 0);
	/* demo at even seconds, work at odd ones */
	for (guint i = 0; i < 6; i++) {
		g_autofree gchar *text = g_strdup_printf("%u", i);
		g_autofree gchar *line = stamp_line(t0 + i, text);
		g_autofree gchar *old = NULL;
		const gchar *path = i % 2 == 0 ? cur : cur2;
		g_file_get_contents(path, &old, NULL, NULL);
		g_autofree gchar *now = g_strconcat(old ? old : "", line, NULL);
		hermes_test_write_file(path, now, 0644);
	}
	r1 = open_reader(f);
	r2 = hermes_log_reader_new(source2, "work", &error);
	hermes_assert_no_error(error);
	g_ptr_array_extend_and_steal(all,
				     hermes_log_reader_tail(r1, 10, HERMES_LOG_NO_TIME, &error));
	g_ptr_array_extend_and_steal(all,
				     hermes_log_reader_tail(r2, 10, HERMES_LOG_NO_TIME, &error));
	hermes_assert_no_error(error);
	hermes_log_lines_sort(all, 4);
	for (guint i = 0; i < all->len; i++) {
		HermesLogLine *line = g_ptr_array_index(all, i);
		g_string_append_printf(got, "%s:%s ", line->profile, line->text);
	}
	assert_string_equal(got->str, "demo:2 work:3 demo:4 work:5 ");
}

/* links and FIFOs are refused by the safe layer, never followed or blocked on */
static void
test_refused_files(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *cur = dir_file(f, "current");
	g_autofree gchar *archive = dir_file(f, "@400000006b161d0400000000.s");
	g_autofree gchar *secret = g_build_filename(f->tmp, "secret", NULL);
	g_autofree gchar *linked = g_build_filename(f->root, "logs", "gateways", "linked", NULL);
	g_autoptr(HermesLogReader) reader = NULL;
	g_autoptr(HermesLogSource) source = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	g_autoptr(GError) error = NULL;

	hermes_test_write_file(secret, "2026-12-07 02:41:35.745345750  secret\n", 0600);
	assert_int_equal(symlink(secret, cur), 0);
	reader = open_reader(f);
	lines = hermes_log_reader_tail(reader, 10, HERMES_LOG_NO_TIME, &error);
	assert_null(lines);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	g_clear_error(&error);
	/* a rotated file that is a link */
	assert_int_equal(unlink(cur), 0);
	hermes_test_write_file(cur, "", 0644);
	assert_int_equal(symlink(secret, archive), 0);
	lines = hermes_log_reader_tail(reader, 10, HERMES_LOG_NO_TIME, &error);
	assert_null(lines);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
	g_clear_error(&error);
	/* a FIFO as current: refused at once, not waited on */
	assert_int_equal(unlink(archive), 0);
	assert_int_equal(unlink(cur), 0);
	assert_int_equal(mkfifo(cur, 0644), 0);
	lines = hermes_log_reader_tail(reader, 10, HERMES_LOG_NO_TIME, &error);
	assert_null(lines);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
	g_clear_error(&error);
	/* a log directory that is a link */
	assert_int_equal(symlink(f->dir, linked), 0);
	source = hermes_log_source_new_s6(f->root, linked);
	g_clear_object(&reader);
	reader = hermes_log_reader_new(source, "linked", &error);
	assert_null(reader);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
}

/* an 8 GiB (sparse) current: -n reads from the end only, in bounded pieces */
static void
test_huge_file(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *cur = dir_file(f, "current");
	g_autoptr(HermesLogReader) reader = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *texts = NULL;
	const goffset huge = G_GINT64_CONSTANT(8) << 30;
	gint fd = open(cur, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	if (ftruncate(fd, huge) != 0) {
		close(fd);
		skip(); /* no sparse files here */
		return;
	}
	close(fd);
	append_text(cur, "\n");
	append_lines(cur, 1796600000, "end", 0, 3);
	reader = open_reader(f);
	lines = hermes_log_reader_tail(reader, 3, HERMES_LOG_NO_TIME, &error);
	hermes_assert_no_error(error);
	texts = join_texts(lines);
	assert_string_equal(texts, "end 0|end 1|end 2");
	if (hermes_log_reader_get_bytes_read(reader) > 256 * 1024)
		fail_msg("read %" G_GUINT64_FORMAT " bytes for 3 lines",
			 hermes_log_reader_get_bytes_read(reader));
	g_clear_pointer(&lines, g_ptr_array_unref);
	/* into the 8 GiB without a newline: cut into HERMES_LOG_MAX_LINE pieces */
	lines = hermes_log_reader_tail(reader, 6, HERMES_LOG_NO_TIME, &error);
	hermes_assert_no_error(error);
	assert_int_equal(lines->len, 6);
	if (hermes_log_reader_get_bytes_read(reader) > 2 * 1024 * 1024)
		fail_msg("read %" G_GUINT64_FORMAT " bytes for 6 lines",
			 hermes_log_reader_get_bytes_read(reader));
}

/* launchd: plain files, one stream each, no stamps, so no --since */
static void
test_plain_files(void **state)
{
	Fixture *f = *state;
	const gchar *files[] = {"gateway.log", "gateway.error.log", NULL};
	g_autofree gchar *out = dir_file(f, "gateway.log");
	g_autofree gchar *err = dir_file(f, "gateway.error.log");
	g_autoptr(HermesLogSource) source = hermes_log_source_new_plain(f->root, f->dir, files);
	g_autoptr(HermesLogReader) reader = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	g_autofree gchar *texts = NULL;
	g_autoptr(GError) error = NULL;

	hermes_test_write_file(out, "o1\no2\no3\n", 0644);
	hermes_test_write_file(err, "e1\ne2\x1b[31m\npartial", 0644);
	reader = hermes_log_reader_new(source, "demo", &error);
	hermes_assert_no_error(error);
	assert_null(hermes_log_reader_tail(reader, 2, 1, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_SUPPORTED);
	g_clear_error(&error);
	lines = hermes_log_reader_tail(reader, 2, HERMES_LOG_NO_TIME, &error);
	hermes_assert_no_error(error);
	/* an escape sequence is shown, not obeyed; the unfinished line waits for -f */
	texts = join_texts(lines);
	assert_string_equal(texts, "o2|o3|e1|e2?[31m");
	assert_int_equal(((HermesLogLine *)g_ptr_array_index(lines, 0))->time_us,
			 HERMES_LOG_NO_TIME);
	g_signal_connect(reader, "line", G_CALLBACK(line_cb), f);
	g_signal_connect(reader, "failed", G_CALLBACK(failed_cb), f);
	assert_true(hermes_log_reader_follow(reader, &error));
	append_text(err, " done\n");
	wait_lines(f, 1);
	assert_string_equal(g_ptr_array_index(f->seen, 0), "partial done");
}

/* systemd: the unit's journal through sd-journal. No journald runs here, so
 * this checks only that a journal with no entry of the unit opens, tails to
 * nothing and can be watched. A real unit's entries are read back (tail, -f,
 * --since) through `hermes` by tests/test-systemd-logs.c, in the systemd --user
 * harness with its own journald (SDH_JOURNALD=1) */
static void
test_journal(void **state)
{
	g_autoptr(HermesLogSource) source =
		hermes_log_source_new_journal("hermes-gateway-logs-test-none.service", FALSE);
	g_autoptr(HermesLogReader) reader = NULL;
	g_autoptr(GPtrArray) lines = NULL;
	g_autoptr(GError) error = NULL;

	reader = hermes_log_reader_new(source, "demo", &error);
	if (!HAVE_LIBSYSTEMD) {
		hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_SUPPORTED);
		hermes_assert_str_contains(error->message, "without libsystemd");
		skip(); /* built without libsystemd: the journal reader is not there */
		return;
	}
	hermes_assert_no_error(error);
	print_message("# journal: no journald here; only an empty journal is read "
		      "(a real unit's entries: test-systemd-logs)\n");
	lines = hermes_log_reader_tail(reader, 10, HERMES_LOG_NO_TIME, &error);
	hermes_assert_no_error(error);
	assert_int_equal(lines->len, 0);
	assert_true(hermes_log_reader_follow(reader, &error));
	hermes_assert_no_error(error);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stamp_parse, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_since_parse, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_tail_n, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_tail_since, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_all_ordering, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_refused_files, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_huge_file, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_plain_files, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_journal, fixture_setup, fixture_teardown),
	};
	hermes_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
