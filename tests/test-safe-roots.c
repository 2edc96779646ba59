/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Roots held for a batch (a boot reconcile): a root is resolved once, at
 * its first use, until the batch lets go; the refusals of the safe layer
 * are the same with or without a hold, and nothing stays open after it.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-error.h"
#include "hermes-safe-file-private.h"
#include "hermes-safe-file.h"
#include "hermes-test.h"

static guint
test_open_fds(void)
{
	GDir *dir = g_dir_open("/proc/self/fd", 0, NULL);
	guint n = 0;
	assert_non_null(dir);
	while (g_dir_read_name(dir) != NULL)
		n++;
	g_dir_close(dir);
	return n;
}

static gchar *
test_read(const gchar *root, const gchar *name)
{
	g_autofree gchar *path = g_build_filename(root, name, NULL);
	return hermes_safe_file_read(root, path, HERMES_SAFE_MAX_TEXT, NULL, NULL);
}

/* a home swapped for another during the batch: the batch keeps reading the one it began with */
static void
test_safe_roots_held_until_release(void **state)
{
	g_autofree gchar *tmp = hermes_test_mkdtemp();
	g_autofree gchar *home = g_build_filename(tmp, "home", NULL);
	g_autofree gchar *moved = g_build_filename(tmp, "moved", NULL);
	g_autofree gchar *file = g_build_filename(home, "state.json", NULL);
	g_autofree gchar *first = NULL;
	g_autofree gchar *during = NULL;
	g_autofree gchar *after = NULL;
	guint fds_before;

	g_mkdir(home, 0755);
	hermes_test_write_file(file, "old", 0644);
	fds_before = test_open_fds();
	assert_true(hermes_safe_roots_hold());
	first = test_read(home, "state.json");
	assert_string_equal(first, "old");
	assert_int_equal(g_rename(home, moved), 0);
	g_mkdir(home, 0755);
	hermes_test_write_file(file, "new", 0644);
	during = test_read(home, "state.json");
	assert_string_equal(during, "old");
	hermes_safe_roots_release();
	after = test_read(home, "state.json");
	assert_string_equal(after, "new");
	/* the held root is closed with the batch */
	assert_int_equal(test_open_fds(), fds_before);
	hermes_test_rmtree(tmp);
}

/* a hold changes where the walk starts, not what it refuses below the root */
static void
test_safe_roots_refusals_unchanged(void **state)
{
	g_autofree gchar *tmp = hermes_test_mkdtemp();
	g_autofree gchar *outside = hermes_test_mkdtemp();
	g_autofree gchar *secret = g_build_filename(outside, "secret", NULL);
	g_autofree gchar *link = g_build_filename(tmp, "state.json", NULL);
	g_autofree gchar *fifo = g_build_filename(tmp, "fifo", NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *got = NULL;

	hermes_test_write_file(secret, "s3cret", 0600);
	assert_int_equal(symlink(secret, link), 0);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_true(hermes_safe_roots_hold());
	for (guint round = 0; round < 2; round++) {
		got = hermes_safe_file_read(tmp, link, HERMES_SAFE_MAX_TEXT, NULL, &error);
		assert_null(got);
		g_assert_error(error, HERMES_ERROR, HERMES_ERROR_PERMISSION_DENIED);
		g_clear_error(&error);
		got = hermes_safe_file_read(tmp, fifo, HERMES_SAFE_MAX_TEXT, NULL, &error);
		assert_null(got);
		g_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_DATA);
		g_clear_error(&error);
	}
	hermes_safe_roots_release();
	hermes_test_rmtree(tmp);
	hermes_test_rmtree(outside);
}

/* a thread that holds nothing is not served another thread's held roots */
static gpointer
test_safe_roots_other_thread(gpointer data)
{
	return test_read(data, "state.json");
}

static void
test_safe_roots_per_thread(void **state)
{
	g_autofree gchar *tmp = hermes_test_mkdtemp();
	g_autofree gchar *home = g_build_filename(tmp, "home", NULL);
	g_autofree gchar *moved = g_build_filename(tmp, "moved", NULL);
	g_autofree gchar *file = g_build_filename(home, "state.json", NULL);
	g_autofree gchar *mine = NULL;
	g_autofree gchar *theirs = NULL;
	GThread *thread;

	g_mkdir(home, 0755);
	hermes_test_write_file(file, "old", 0644);
	assert_true(hermes_safe_roots_hold());
	mine = test_read(home, "state.json");
	assert_int_equal(g_rename(home, moved), 0);
	g_mkdir(home, 0755);
	hermes_test_write_file(file, "new", 0644);
	thread = g_thread_new("reader", test_safe_roots_other_thread, home);
	theirs = g_thread_join(thread);
	assert_string_equal(mine, "old");
	assert_string_equal(theirs, "new");
	hermes_safe_roots_release();
	hermes_test_rmtree(tmp);
}

/* a batch inside a batch (a status read during a reconcile) leaves the
 * outer batch's roots held: only the hold that began it releases them */
static void
test_safe_roots_nested_hold(void **state)
{
	g_autofree gchar *tmp = hermes_test_mkdtemp();
	g_autofree gchar *home = g_build_filename(tmp, "home", NULL);
	g_autofree gchar *moved = g_build_filename(tmp, "moved", NULL);
	g_autofree gchar *file = g_build_filename(home, "state.json", NULL);
	g_autofree gchar *inner = NULL;
	g_autofree gchar *outer = NULL;
	g_autofree gchar *after = NULL;

	g_mkdir(home, 0755);
	hermes_test_write_file(file, "old", 0644);
	assert_true(hermes_safe_roots_hold());
	g_free(test_read(home, "state.json"));
	assert_int_equal(g_rename(home, moved), 0);
	g_mkdir(home, 0755);
	hermes_test_write_file(file, "new", 0644);
	/* the inner batch is not the owner: it must not release */
	assert_false(hermes_safe_roots_hold());
	inner = test_read(home, "state.json");
	/* the outer batch still reads through the root it opened first */
	outer = test_read(home, "state.json");
	assert_string_equal(inner, "old");
	assert_string_equal(outer, "old");
	hermes_safe_roots_release();
	after = test_read(home, "state.json");
	assert_string_equal(after, "new");
	hermes_test_rmtree(tmp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_safe_roots_held_until_release),
		cmocka_unit_test(test_safe_roots_refusals_unchanged),
		cmocka_unit_test(test_safe_roots_per_thread),
		cmocka_unit_test(test_safe_roots_nested_hold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
