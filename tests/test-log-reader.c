/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The log reader behind `hermes gateway logs`: stamps, -n, --since, --all
 * ordering, -f across rotations (hand-made and by a real s6-log), refused
 * links and FIFOs, and a huge file read without reading it all.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-log-stamp.h"
#include "hermes-test.h"

typedef struct {
	gchar *tmp;
	gchar *root;
	gchar *dir; /* root/logs/gateways/demo */
	GPtrArray *seen;
	GMainLoop *loop;
	guint want;
} Fixture;

static int
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->tmp = hermes_test_mkdtemp();
	f->root = g_build_filename(f->tmp, "home", NULL);
	f->dir = g_build_filename(f->root, "logs", "gateways", "demo", NULL);
	g_assert_cmpint(g_mkdir_with_parents(f->dir, 0755), ==, 0);
	f->seen = g_ptr_array_new_with_free_func(g_free);
	*state = f;
	return 0;
}

static int
fixture_teardown(void **state)
{
	Fixture *f = *state;
	hermes_test_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f->root);
	g_free(f->dir);
	g_ptr_array_unref(f->seen);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

/* an s6-log T stamp for @unix_s in local time, as s6-log writes it */
static gchar *
stamp_line(gint64 unix_s, const gchar *text)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(unix_s);
	g_autofree gchar *day = g_date_time_format(dt, "%Y-%m-%d %H:%M:%S");
	return g_strdup_printf("%s.123456789  %s\n", day, text);
}

/* lines "<prefix> <i>" for i in [from, to), one second apart from @t0 */
static void
append_lines(const gchar *path, gint64 t0, const gchar *prefix, guint from, guint to)
{
	g_autoptr(GString) out = g_string_new(NULL);
	FILE *fp;
	for (guint i = from; i < to; i++) {
		g_autofree gchar *text = g_strdup_printf("%s %u", prefix, i);
		g_autofree gchar *line = stamp_line(t0 + i, text);
		g_string_append(out, line);
	}
	fp = fopen(path, "a");
	assert_non_null(fp);
	assert_int_equal(fwrite(out->str, 1, out->len, fp), out->len);
	fclose(fp);
}

static void
append_text(const gchar *path, const gchar *text)
{
	FILE *fp = fopen(path, "a");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static gchar *
dir_file(Fixture *f, const gchar *name)
{
	return g_build_filename(f->dir, name, NULL);
}

static HermesLogReader *
open_reader(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesLogSource) source = hermes_log_source_new_s6(f->root, f->dir);
	HermesLogReader *reader = hermes_log_reader_new(source, "demo", &error);
	hermes_assert_no_error(error);
	return reader;
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

static void
line_cb(HermesLogReader *reader, HermesLogLine *line, gpointer data)
{
	Fixture *f = data;
	g_ptr_array_add(f->seen, g_strdup(line->text));
	if (f->seen->len >= f->want)
		g_main_loop_quit(f->loop);
}

static void
failed_cb(HermesLogReader *reader, GError *error, gpointer data)
{
	fail_msg("following failed: %s", error->message);
}

static gboolean
timeout_cb(gpointer data)
{
	g_main_loop_quit(((Fixture *)data)->loop);
	return G_SOURCE_REMOVE;
}

/* run the loop until @want lines in all were seen, for 10 s at most */
static void
wait_lines(Fixture *f, guint want)
{
	guint id;
	f->want = want;
	if (f->seen->len >= want)
		return;
	f->loop = g_main_loop_new(NULL, FALSE);
	id = g_timeout_add_seconds(10, timeout_cb, f);
	g_main_loop_run(f->loop);
	g_source_remove(id);
	g_clear_pointer(&f->loop, g_main_loop_unref);
}

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

/* the CLI over the s6 backend on this fixture's home */
static gchar **
cli_env(Fixture *f)
{
	gchar **envp = g_get_environ();
	g_autofree gchar *home = g_build_filename(f->root, "profiles", "demo", NULL);
	g_autofree gchar *soul = g_build_filename(home, "SOUL.md", NULL);
	g_assert_cmpint(g_mkdir_with_parents(home, 0755), ==, 0);
	hermes_test_write_file(soul, "demo\n", 0644);
	envp = g_environ_setenv(envp, "HERMES_HOME", f->root, TRUE);
	envp = g_environ_setenv(
		envp, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"), TRUE);
	envp = g_environ_setenv(envp, "HERMES_SERVICE_MANAGER", "s6", TRUE);
	return envp;
}

static void
test_cli_logs(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) envp = cli_env(f);
	g_autofree gchar *cur = dir_file(f, "current");
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	gint64 t0 = 1796600000; /* 2026-12-06 22:53:20 UTC */

	append_lines(cur, t0, "l", 0, 5);
	/* -n, shown in local time, the stamp taken out of the text */
	{
		const gchar *args[] = {"-p", "demo", "gateway", "logs", "-n", "2", NULL};
		assert_int_equal(
			hermes_test_run_hermes((const gchar *const *)envp, NULL, args, &out, &err),
			0);
	}
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(t0 + 3);
	g_autofree gchar *day = g_date_time_format(dt, "%Y-%m-%d %H:%M:%S");
	g_autofree gchar *want = NULL;
	g_autoptr(GDateTime) dt4 = g_date_time_new_from_unix_local(t0 + 4);
	g_autofree gchar *day4 = g_date_time_format(dt4, "%Y-%m-%d %H:%M:%S");
	want = g_strdup_printf("%s.123  l 3\n%s.123  l 4\n", day, day4);
	assert_string_equal(out, want);
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	/* a bad --since or -n is a usage error */
	{
		const gchar *args[] = {"-p", "demo", "gateway", "logs", "--since", "soon", NULL};
		assert_int_equal(
			hermes_test_run_hermes((const gchar *const *)envp, NULL, args, &out, &err),
			64);
		hermes_assert_str_contains(err, "--since");
	}
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	{
		const gchar *args[] = {"-p", "demo", "gateway", "logs", "-n", "-3", NULL};
		assert_int_equal(
			hermes_test_run_hermes((const gchar *const *)envp, NULL, args, &out, &err),
			64);
	}
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	/* a profile without a log: one line, exit 3 */
	{
		const gchar *args[] = {"-p", "default", "gateway", "logs", NULL};
		assert_int_equal(
			hermes_test_run_hermes((const gchar *const *)envp, NULL, args, &out, &err),
			3);
		assert_string_equal(out, "");
		hermes_assert_str_contains(err, "hermes: no logs for gateway 'default'");
		assert_int_equal(strchr(err, '\n') - err + 1, (gint)strlen(err));
	}
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	/* a linked current: refused, exit 77 */
	assert_int_equal(unlink(cur), 0);
	assert_int_equal(symlink("/etc/passwd", cur), 0);
	{
		const gchar *args[] = {"-p", "demo", "gateway", "logs", NULL};
		assert_int_equal(
			hermes_test_run_hermes((const gchar *const *)envp, NULL, args, &out, &err),
			77);
		hermes_assert_str_contains(err, "symbolic link");
		assert_null(strstr(out, "root:"));
	}
}

static void
read_line_cb(GObject *source, GAsyncResult *res, gpointer data)
{
	Fixture *f = data;
	gchar *line = g_data_input_stream_read_line_finish_utf8(
		G_DATA_INPUT_STREAM(source), res, NULL, NULL);
	g_ptr_array_add(f->seen, line != NULL ? line : g_strdup("<eof>"));
	g_main_loop_quit(f->loop);
}

/* the next line hermes prints, waiting 10 s at most */
static const gchar *
next_line(Fixture *f, GDataInputStream *in)
{
	guint id;
	guint before = f->seen->len;
	f->loop = g_main_loop_new(NULL, FALSE);
	g_data_input_stream_read_line_async(in, G_PRIORITY_DEFAULT, NULL, read_line_cb, f);
	id = g_timeout_add_seconds(10, timeout_cb, f);
	g_main_loop_run(f->loop);
	g_clear_pointer(&f->loop, g_main_loop_unref);
	if (f->seen->len == before)
		fail_msg("hermes gateway logs -f printed nothing within 10 s");
	g_source_remove(id);
	return g_ptr_array_index(f->seen, f->seen->len - 1);
}

/* `-f`: the last line, then appended lines and lines after a rotation, once each */
static void
test_cli_follow(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) envp = cli_env(f);
	g_autofree gchar *cur = dir_file(f, "current");
	g_autofree gchar *rotated = dir_file(f, "@400000006b161d0400000000.s");
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GDataInputStream) in = NULL;
	g_autoptr(GError) error = NULL;
	gint64 t0 = 1796600000;

	append_lines(cur, t0, "l", 0, 3);
	g_subprocess_launcher_set_environ(launcher, envp);
	proc = g_subprocess_launcher_spawn(launcher,
					   &error,
					   hermes_test_env("HERMES_TEST_HERMES"),
					   "-p",
					   "demo",
					   "gateway",
					   "logs",
					   "-f",
					   "-n",
					   "1",
					   NULL);
	hermes_assert_no_error(error);
	in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(proc));
	hermes_assert_str_contains(next_line(f, in), "  l 2");
	append_lines(cur, t0, "l", 3, 4);
	hermes_assert_str_contains(next_line(f, in), "  l 3");
	append_lines(cur, t0, "l", 4, 5);
	assert_int_equal(rename(cur, rotated), 0);
	append_lines(cur, t0, "l", 5, 6);
	hermes_assert_str_contains(next_line(f, in), "  l 4");
	hermes_assert_str_contains(next_line(f, in), "  l 5");
	append_lines(cur, t0, "l", 6, 7);
	hermes_assert_str_contains(next_line(f, in), "  l 6");
	g_subprocess_send_signal(proc, SIGTERM);
	assert_true(g_subprocess_wait(proc, NULL, &error));
	if (!g_subprocess_get_if_exited(proc))
		fail_msg("hermes gateway logs -f was killed by signal %d",
			 g_subprocess_get_term_sig(proc));
	assert_int_equal(g_subprocess_get_exit_status(proc), 0);
	/* nothing was printed twice: the stream ends right after l 6 */
	assert_string_equal(next_line(f, in), "<eof>");
}

/* launchd through the built hermes: its StandardOutPath and StandardErrorPath,
 * as files on disk (launchd itself does not run here) */
static void
test_cli_launchd(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) envp = cli_env(f);
	g_autofree gchar *logs = g_build_filename(f->root, "profiles", "demo", "logs", NULL);
	g_autofree gchar *out_log = g_build_filename(logs, "gateway.log", NULL);
	g_autofree gchar *err_log = g_build_filename(logs, "gateway.error.log", NULL);
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	const gchar *args[] = {
		"--backend", "launchd", "-p", "demo", "gateway", "logs", "-n", "2", NULL};

	if (strstr(hermes_test_env("HERMES_TEST_BACKEND_DIRS"), "launchd") == NULL) {
		skip(); /* built without the launchd backend */
		return;
	}
	g_assert_cmpint(g_mkdir_with_parents(logs, 0755), ==, 0);
	hermes_test_write_file(out_log, "o1\no2\no3\n", 0644);
	hermes_test_write_file(err_log, "e1\n", 0644);
	assert_int_equal(hermes_test_run_hermes((const gchar *const *)envp, NULL, args, &out, &err),
			 0);
	assert_string_equal(out, "o2\no3\ne1\n");
}

/* systemd: the unit's journal through sd-journal. No journald runs here (nor in
 * the systemd --user harness, see tests/systemd-user-harness.sh), so no entry of
 * a real unit can be read back: this checks only that an empty journal opens,
 * tails to nothing and can be watched, and says so */
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
	print_message("# journal: no journald here; only an empty journal is read, "
		      "no unit's entries are verified\n");
	lines = hermes_log_reader_tail(reader, 10, HERMES_LOG_NO_TIME, &error);
	hermes_assert_no_error(error);
	assert_int_equal(lines->len, 0);
	assert_true(hermes_log_reader_follow(reader, &error));
	hermes_assert_no_error(error);
}

/* end to end on a real s6-svscan: a gateway started by hermes writes through its
 * s6-log, and `gateway logs -f` shows the payload's line, stamped, in local time */
static void
test_real_s6_gateway(void **state)
{
	Fixture *f = *state;
	const gchar *bin = g_getenv("HERMES_TEST_S6_BIN_DIR");
	g_autofree gchar *scandir = g_build_filename(f->tmp, "scan", NULL);
	g_autofree gchar *conf =
		g_build_filename(f->root, "profiles", "demo", "hermes-svc.conf", NULL);
	g_auto(GStrv) envp = cli_env(f);
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GDataInputStream) in = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree gchar *year = g_date_time_format(now, "%Y-");
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	const gchar *start[] = {"-p", "demo", "gateway", "start", NULL};
	const gchar *stop[] = {"-p", "demo", "gateway", "stop", NULL};
	const gchar *line = NULL;
	GPid svscan;

	if (bin == NULL || *bin == '\0') {
		skip(); /* no s6 here */
		return;
	}
	g_assert_cmpint(mkdir(scandir, 0755), ==, 0);
	hermes_test_rmtree(f->dir); /* s6-log creates it */
	hermes_test_write_file(
		conf, "[gateway]\ncommand=sh -c 'echo hello-from-gateway; exec sleep 600'\n", 0644);
	envp = g_environ_setenv(envp, "HERMES_S6_SCANDIR", scandir, TRUE);
	envp = g_environ_setenv(envp, "HERMES_S6_BIN_DIR", bin, TRUE);
	svscan = hermes_test_s6_start(scandir, f->root);
	assert_int_equal(
		hermes_test_run_hermes((const gchar *const *)envp, NULL, start, &out, &err), 0);
	/* the log directory appears when s6-log starts: wait for it, boundedly */
	for (guint i = 0; i < 100 && !g_file_test(f->dir, G_FILE_TEST_IS_DIR); i++)
		g_usleep(100 * 1000);
	g_subprocess_launcher_set_environ(launcher, envp);
	proc = g_subprocess_launcher_spawn(launcher,
					   &error,
					   hermes_test_env("HERMES_TEST_HERMES"),
					   "-p",
					   "demo",
					   "gateway",
					   "logs",
					   "-f",
					   "-n",
					   "100",
					   NULL);
	hermes_assert_no_error(error);
	in = g_data_input_stream_new(g_subprocess_get_stdout_pipe(proc));
	do
		line = next_line(f, in);
	while (strstr(line, "hello-from-gateway") == NULL && f->seen->len < 50);
	hermes_assert_str_contains(line, "  hello-from-gateway");
	/* 2026-12-07 02:41:35.745  hello-from-gateway: the T stamp, in local time */
	assert_true(g_str_has_prefix(line, year));
	assert_int_equal(line[10], ' ');
	assert_int_equal(line[19], '.');
	g_subprocess_send_signal(proc, SIGTERM);
	assert_true(g_subprocess_wait(proc, NULL, &error));
	g_clear_pointer(&out, g_free);
	g_clear_pointer(&err, g_free);
	hermes_test_run_hermes((const gchar *const *)envp, NULL, stop, &out, &err);
	hermes_test_s6_stop(scandir, &svscan);
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
			test_follow_hand_rotation, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_follow_s6_log_rotation, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_refused_files, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_huge_file, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_plain_files, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_cli_logs, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_cli_follow, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_cli_launchd, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_journal, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(
			test_real_s6_gateway, fixture_setup, fixture_teardown),
	};
	hermes_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
