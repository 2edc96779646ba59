/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The log reader tests' glue: the fixture, s6-log stamped lines appended to
 * a log file, a reader over demo's directory, and the follow callbacks with
 * a bounded wait for lines.
 */

#include "log-reader-test.h"

int
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

int
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
gchar *
stamp_line(gint64 unix_s, const gchar *text)
{
	g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(unix_s);
	g_autofree gchar *day = g_date_time_format(dt, "%Y-%m-%d %H:%M:%S");
	return g_strdup_printf("%s.123456789  %s\n", day, text);
}

/* lines "<prefix> <i>" for i in [from, to), one second apart from @t0 */
void
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

gchar *
dir_file(Fixture *f, const gchar *name)
{
	return g_build_filename(f->dir, name, NULL);
}

HermesLogReader *
open_reader(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesLogSource) source = hermes_log_source_new_s6(f->root, f->dir);
	HermesLogReader *reader = hermes_log_reader_new(source, "demo", &error);
	hermes_assert_no_error(error);
	return reader;
}

void
line_cb(HermesLogReader *reader, HermesLogLine *line, gpointer data)
{
	Fixture *f = data;
	g_ptr_array_add(f->seen, g_strdup(line->text));
	if (f->seen->len >= f->want)
		g_main_loop_quit(f->loop);
}

void
failed_cb(HermesLogReader *reader, GError *error, gpointer data)
{
	fail_msg("following failed: %s", error->message);
}

gboolean
timeout_cb(gpointer data)
{
	g_main_loop_quit(((Fixture *)data)->loop);
	return G_SOURCE_REMOVE;
}

/* run the loop until @want lines in all were seen, for 10 s at most */
void
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
