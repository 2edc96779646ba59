/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The cmocka+GLib glue every test links: GLib's log as test failures (with
 * expected messages), temporary trees, files, golden files, a gateway spec,
 * a bounded main-loop spin. Portable: the Windows tests (tests/win32) link it
 * too; what needs a Unix host is in hermes-test-host.c, -run.c and -s6.c.
 */

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "hermes-test.h"

typedef struct {
	GLogLevelFlags level;
	gchar *pattern;
} HermesExpectedLog;

static GPtrArray *hermes_test_expected = NULL;

static const gchar *
hermes_test_log_field(const GLogField *fields, gsize n_fields, const gchar *key)
{
	for (gsize i = 0; i < n_fields; i++) {
		if (g_strcmp0(fields[i].key, key) == 0)
			return fields[i].length < 0 ? fields[i].value : NULL;
	}
	return NULL;
}

/*
 * An unexpected warning or critical fails the running test (the
 * GStreamer gstcheck idea) instead of aborting the whole binary, so the
 * failing test is named and later tests still run.
 */
static GLogWriterOutput
hermes_test_log_writer(GLogLevelFlags level,
		       const GLogField *fields,
		       gsize n_fields,
		       gpointer user_data)
{
	const gchar *message = hermes_test_log_field(fields, n_fields, "MESSAGE");
	const gchar *domain = hermes_test_log_field(fields, n_fields, "GLIB_DOMAIN");
	GLogLevelFlags severity = level & G_LOG_LEVEL_MASK;

	/* stdout carries TAP: debug output goes to stderr, and only when asked for */
	if (severity > G_LOG_LEVEL_WARNING) {
		g_autofree gchar *line = NULL;
		if (g_log_writer_default_would_drop(level, domain))
			return G_LOG_WRITER_HANDLED;
		line = g_log_writer_format_fields(level, fields, n_fields, FALSE);
		fprintf(stderr, "%s\n", line);
		return G_LOG_WRITER_HANDLED;
	}
	for (guint i = 0; hermes_test_expected != NULL && i < hermes_test_expected->len; i++) {
		HermesExpectedLog *exp = g_ptr_array_index(hermes_test_expected, i);
		if ((exp->level & severity) != 0 && message != NULL &&
		    g_pattern_match_simple(exp->pattern, message)) {
			g_ptr_array_remove_index(hermes_test_expected, i);
			return G_LOG_WRITER_HANDLED;
		}
	}
	fail_msg("unexpected GLib %s from %s: %s",
		 severity == G_LOG_LEVEL_WARNING ? "warning" : "critical",
		 domain != NULL ? domain : "(none)",
		 message != NULL ? message : "(no message)");
	return G_LOG_WRITER_HANDLED;
}

static void
hermes_expected_log_free(gpointer data)
{
	HermesExpectedLog *exp = data;
	g_free(exp->pattern);
	g_free(exp);
}

void
hermes_test_init(void)
{
	g_log_set_writer_func(hermes_test_log_writer, NULL, NULL);
	if (hermes_test_expected == NULL)
		hermes_test_expected = g_ptr_array_new_with_free_func(hermes_expected_log_free);
}

void
hermes_test_expect_log(GLogLevelFlags level, const gchar *pattern)
{
	HermesExpectedLog *exp = g_new0(HermesExpectedLog, 1);
	exp->level = level;
	exp->pattern = g_strdup(pattern);
	g_ptr_array_add(hermes_test_expected, exp);
}

/* call from teardown: an expected log that never came is a failure too */
void
hermes_test_check_logs(void)
{
	if (hermes_test_expected == NULL || hermes_test_expected->len == 0)
		return;
	{
		HermesExpectedLog *exp = g_ptr_array_index(hermes_test_expected, 0);
		g_autofree gchar *pattern = g_strdup(exp->pattern);
		g_ptr_array_set_size(hermes_test_expected, 0);
		fail_msg("expected log '%s' was not emitted", pattern);
	}
}

gchar *
hermes_test_mkdtemp(void)
{
	g_autoptr(GError) error = NULL;
	gchar *dir = g_dir_make_tmp("hermes-test-XXXXXX", &error);
	hermes_assert_no_error(error);
	return dir;
}

const gchar *
hermes_test_env(const gchar *name)
{
	const gchar *value = g_getenv(name);
	if (value == NULL)
		fail_msg("%s is not set: run the tests through 'meson test'", name);
	return value;
}

gchar *
hermes_test_copy_file(const gchar *src, const gchar *dir, const gchar *basename, guint mode)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *contents = NULL;
	gsize len = 0;
	gchar *dest = g_build_filename(dir, basename, NULL);
	if (!g_file_get_contents(src, &contents, &len, &error))
		fail_msg("cannot read %s: %s", src, error->message);
	if (!g_file_set_contents(dest, contents, (gssize)len, &error))
		fail_msg("cannot write %s: %s", dest, error->message);
	if (g_chmod(dest, mode) != 0)
		fail_msg("cannot chmod %s: %s", dest, g_strerror(errno));
	return dest;
}

void
hermes_test_write_file(const gchar *path, const gchar *contents, guint mode)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_path_get_dirname(path);
	g_mkdir_with_parents(dir, 0755);
	if (!g_file_set_contents(path, contents, -1, &error))
		fail_msg("cannot write %s: %s", path, error->message);
	if (g_chmod(path, mode) != 0)
		fail_msg("cannot chmod %s: %s", path, g_strerror(errno));
}

static gint
hermes_test_strptr_cmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

static gchar *
hermes_test_join_sorted(GPtrArray *names, const gchar *sep)
{
	g_ptr_array_sort(names, hermes_test_strptr_cmp);
	g_ptr_array_add(names, NULL);
	return g_strjoinv(sep, (gchar **)names->pdata);
}

/* the sorted names in @path joined with '|', "" if it is empty, "(missing)" if unreadable */
gchar *
hermes_test_list_dir(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const gchar *name;

	if (dir == NULL)
		return g_strdup("(missing)");
	while ((name = g_dir_read_name(dir)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	return hermes_test_join_sorted(names, "|");
}

static void
hermes_test_walk(const gchar *path, const gchar *rel, GPtrArray *out)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;
	if (dir == NULL)
		return;
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *child = g_build_filename(path, name, NULL);
		g_autofree gchar *child_rel =
			rel != NULL ? g_build_filename(rel, name, NULL) : g_strdup(name);
		if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
			hermes_test_walk(child, child_rel, out);
		g_ptr_array_add(out, g_steal_pointer(&child_rel));
	}
}

/* every path below @path, sorted, one per line: compare two to prove nothing was written */
gchar *
hermes_test_snapshot_tree(const gchar *path)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	hermes_test_walk(path, NULL, names);
	return hermes_test_join_sorted(names, "\n");
}

/* the first line where the texts differ, for a readable failure */
static void
hermes_test_fail_diff(const gchar *path, const gchar *expected, const gchar *actual)
{
	g_auto(GStrv) exp = g_strsplit(expected, "\n", -1);
	g_auto(GStrv) act = g_strsplit(actual, "\n", -1);
	guint i = 0;

	while (exp[i] != NULL && act[i] != NULL && g_strcmp0(exp[i], act[i]) == 0)
		i++;
	fail_msg("%s differs at line %u:\n  golden:   %s\n  rendered: %s\n"
		 "(regenerate with HERMES_UPDATE_GOLDEN=1 and review the diff)",
		 path,
		 i + 1,
		 exp[i] != NULL ? exp[i] : "(end of file)",
		 act[i] != NULL ? act[i] : "(end of file)");
}

void
hermes_test_golden_check(const gchar *subdir, const gchar *basename, const gchar *text)
{
	g_autofree gchar *dir =
		g_build_filename(hermes_test_env("HERMES_TEST_SRCDIR"), "golden", subdir, NULL);
	g_autofree gchar *path = g_build_filename(dir, basename, NULL);
	g_autofree gchar *golden = NULL;
	gsize len = 0;

	if (g_strcmp0(g_getenv("HERMES_UPDATE_GOLDEN"), "1") == 0) {
		g_autoptr(GError) error = NULL;
		if (g_mkdir_with_parents(dir, 0755) != 0)
			fail_msg("cannot create %s: %s", dir, g_strerror(errno));
		if (!g_file_set_contents(path, text, -1, &error))
			fail_msg("cannot write %s: %s", path, error->message);
		printf("# wrote %s\n", path);
		fflush(stdout);
		return;
	}
	{
		g_autoptr(GError) error = NULL;
		if (!g_file_get_contents(path, &golden, &len, &error))
			fail_msg("cannot read golden file %s: %s "
				 "(generate it with HERMES_UPDATE_GOLDEN=1)",
				 path,
				 error->message);
	}
	if (len != strlen(text) || memcmp(golden, text, len) != 0)
		hermes_test_fail_diff(path, golden, text);
}

/* a GSourceFunc that sets the gboolean at @user_data, for bounded waits */
gboolean
hermes_test_tick_cb(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
	return G_SOURCE_REMOVE;
}

/* let the default main context run for a moment (events, replies, signals) */
void
hermes_test_spin(guint ms)
{
	gboolean done = FALSE;
	g_timeout_add(ms, hermes_test_tick_cb, &done);
	while (!done)
		g_main_context_iteration(NULL, TRUE);
}
