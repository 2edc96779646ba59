/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The plugin loader tests' glue: the fixture, finding a backend among the
 * loaded ones, asserting a refusal, and a private directory holding a copy
 * of the fake backend.
 */

#include "plugin-loader-test.h"

/*
 * beside the build's test plugins, not in /tmp: the loader refuses any
 * directory below a world-writable one, and hard links need one filesystem
 */
static gchar *
loader_mkdtemp(void)
{
	g_autofree gchar *parent = g_path_get_dirname(hermes_test_env("HERMES_TEST_PLUGIN_DIR"));
	gchar *dir = g_build_filename(parent, "plugin-loader-XXXXXX", NULL);
	if (g_mkdtemp_full(dir, 0755) == NULL)
		fail_msg("cannot create %s: %s", dir, g_strerror(errno));
	return dir;
}

gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->tmp = loader_mkdtemp();
	f->ctx = hermes_context_new();
	hermes_context_setenv(
		f->ctx, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_PLUGIN_DIR"));
	hermes_context_setenv(f->ctx, "HERMES_SERVICE_MANAGER", NULL);
	*state = f;
	return 0;
}

gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	hermes_backend_loader_set_checked_func(NULL, NULL);
	hermes_test_check_logs();
	g_clear_pointer(&f->plugins, g_ptr_array_unref);
	g_free(f->swap_a);
	g_free(f->swap_b);
	g_clear_object(&f->ctx);
	hermes_test_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f);
	return 0;
}

HermesPlugin *
find_plugin(GPtrArray *plugins, const gchar *name, const gchar *dir)
{
	for (guint i = 0; i < plugins->len; i++) {
		HermesPlugin *p = g_ptr_array_index(plugins, i);
		g_autofree gchar *pdir = g_path_get_dirname(hermes_plugin_get_path(p));
		if (g_strcmp0(hermes_plugin_get_name(p), name) != 0)
			continue;
		if (dir == NULL || g_strcmp0(pdir, dir) == 0)
			return p;
	}
	fail_msg("backend %s not found in %s", name, dir != NULL ? dir : "any directory");
	return NULL;
}

void
assert_refused(GPtrArray *plugins, const gchar *name, const gchar *dir, const gchar *why)
{
	HermesPlugin *p = find_plugin(plugins, name, dir);
	assert_int_equal(hermes_plugin_get_state(p), HERMES_PLUGIN_STATE_REFUSED);
	hermes_assert_str_contains(hermes_plugin_get_refusal(p), why);
	assert_int_equal(hermes_plugin_get_score(p), 0);
	assert_false(hermes_plugin_get_chosen(p));
}

gchar *
fake_path(void)
{
	return g_build_filename(
		hermes_test_env("HERMES_TEST_PLUGIN_DIR"), "libhermes-backend-fake.so", NULL);
}

/* a private directory holding one copy of the fake under @basename */
gchar *
make_plugin_dir(Fixture *f, const gchar *sub, const gchar *basename, guint mode)
{
	g_autofree gchar *src = fake_path();
	g_autofree gchar *copy = NULL;
	gchar *dir = g_build_filename(f->tmp, sub, NULL);
	g_mkdir_with_parents(dir, 0755);
	copy = hermes_test_copy_file(src, dir, basename, mode);
	return dir;
}

gint
group_setup(void **state)
{
	hermes_test_init();
	return 0;
}
