/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/* hermes_render_steps_apply(): a plan's directories and files on a real file system */

#include "config.h"

#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermes-backend.h"
#include "hermes-test.h"

static GPtrArray *
plan(const gchar *dir, const gchar *contents, guint mode)
{
	GPtrArray *steps = g_ptr_array_new_with_free_func((GDestroyNotify)hermes_render_step_unref);
	g_autofree gchar *sub = g_build_filename(dir, "units", NULL);
	g_autofree gchar *file = g_build_filename(sub, "demo.service", NULL);
	g_ptr_array_add(steps, hermes_render_step_new_directory(sub, 0755));
	g_ptr_array_add(steps, hermes_render_step_new_file(file, mode, contents));
	g_ptr_array_add(steps,
			hermes_render_step_new_command((const gchar *[]){"false", NULL},
						       "the backend's, never run here"));
	return steps;
}

static void
test_apply_then_unchanged(void **state)
{
	g_autofree gchar *tmp = hermes_test_mkdtemp();
	g_autofree gchar *file = g_build_filename(tmp, "units", "demo.service", NULL);
	g_autoptr(GPtrArray) steps = plan(tmp, "[Unit]\n", 0644);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	gboolean changed = FALSE;
	GStatBuf before;
	GStatBuf after;

	assert_true(hermes_render_steps_apply(steps, &changed, &error));
	hermes_assert_no_error(error);
	assert_true(changed);
	assert_true(g_file_get_contents(file, &text, NULL, NULL));
	assert_string_equal(text, "[Unit]\n");
	assert_true(hermes_render_step_is_applied(g_ptr_array_index(steps, 1)));
	assert_false(hermes_render_step_is_applied(g_ptr_array_index(steps, 2)));

	/* again: nothing written, the very same file (an atomic write would be a new inode) */
	assert_int_equal(g_stat(file, &before), 0);
	assert_true(hermes_render_steps_apply(steps, &changed, &error));
	assert_false(changed);
	assert_int_equal(g_stat(file, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);

	/* the same text with another mode is not what the plan says */
	g_chmod(file, 0600);
	assert_false(hermes_render_step_is_applied(g_ptr_array_index(steps, 1)));
	assert_true(hermes_render_steps_apply(steps, &changed, &error));
	assert_true(changed);
	assert_int_equal(g_stat(file, &after), 0);
	assert_int_equal(after.st_mode & 07777, 0644);
	hermes_test_rmtree(tmp);
}

/* a link planted where a unit goes is replaced, never written through */
static void
test_apply_replaces_link(void **state)
{
	g_autofree gchar *tmp = hermes_test_mkdtemp();
	g_autofree gchar *units = g_build_filename(tmp, "units", NULL);
	g_autofree gchar *file = g_build_filename(units, "demo.service", NULL);
	g_autofree gchar *victim = g_build_filename(tmp, "victim", NULL);
	g_autoptr(GPtrArray) steps = plan(tmp, "[Unit]\n", 0644);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	gboolean changed = FALSE;
	GStatBuf st;

	g_mkdir(units, 0755);
	hermes_test_write_file(victim, "[Unit]\n", 0644);
	assert_int_equal(symlink(victim, file), 0);
	/* the link's target has the planned text: still not applied, a link is not a unit */
	assert_false(hermes_render_step_is_applied(g_ptr_array_index(steps, 1)));
	assert_true(hermes_render_steps_apply(steps, &changed, &error));
	hermes_assert_no_error(error);
	assert_true(changed);
	assert_int_equal(g_lstat(file, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_true(g_file_get_contents(victim, &text, NULL, NULL));
	assert_string_equal(text, "[Unit]\n");
	hermes_test_rmtree(tmp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply_then_unchanged),
		cmocka_unit_test(test_apply_replaces_link),
	};
	hermes_test_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
