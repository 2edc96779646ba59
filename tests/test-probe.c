/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/* the real backends' probes, pointed at fake filesystem roots */

#include "config.h"

#include <glib/gstdio.h>

#include "hermes-backend.h"
#include "hermes-svc.h"
#include "hermes-test.h"

typedef struct {
	gchar *root;
	HermesContext *ctx;
	GPtrArray *plugins;
} Fixture;

static gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->root = hermes_test_mkdtemp();
	f->ctx = hermes_context_new_for_root(f->root);
	hermes_context_set_os(f->ctx, "linux");
	hermes_context_setenv(
		f->ctx, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"));
	hermes_context_setenv(f->ctx, "PATH", "/usr/local/bin:/usr/bin:/bin");
	hermes_context_setenv(f->ctx, "HERMES_S6_BIN_DIR", NULL);
	*state = f;
	return 0;
}

static gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	hermes_test_check_logs();
	g_clear_pointer(&f->plugins, g_ptr_array_unref);
	g_clear_object(&f->ctx);
	hermes_test_rmtree(f->root);
	g_free(f->root);
	g_free(f);
	return 0;
}

static void
root_mkdir(Fixture *f, const gchar *rel)
{
	g_autofree gchar *path = g_build_filename(f->root, rel, NULL);
	assert_int_equal(g_mkdir_with_parents(path, 0755), 0);
}

static void
root_file(Fixture *f, const gchar *rel, const gchar *contents, guint mode)
{
	g_autofree gchar *path = g_build_filename(f->root, rel, NULL);
	hermes_test_write_file(path, contents, mode);
}

/* probes the real plugins (only those built here) and returns one of them */
static HermesPlugin *
probe(Fixture *f, const gchar *name)
{
	const gchar *dirs = hermes_test_env("HERMES_TEST_BACKEND_DIRS");
	g_clear_pointer(&f->plugins, g_ptr_array_unref);
	f->plugins = hermes_backend_loader_discover(f->ctx);
	for (guint i = 0; i < f->plugins->len; i++) {
		HermesPlugin *p = g_ptr_array_index(f->plugins, i);
		g_autofree gchar *dir = g_path_get_dirname(hermes_plugin_get_path(p));
		if (g_strcmp0(hermes_plugin_get_name(p), name) == 0 && strstr(dirs, dir) != NULL) {
			assert_int_equal(hermes_plugin_get_state(p), HERMES_PLUGIN_STATE_LOADED);
			return p;
		}
	}
	fail_msg("backend %s was not built", name);
	return NULL;
}

static const gchar *
choose(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) mine = g_ptr_array_new_with_free_func(g_object_unref);
	const gchar *dirs = hermes_test_env("HERMES_TEST_BACKEND_DIRS");
	HermesPlugin *chosen;
	probe(f, "s6");
	/* only this build's plugins: installed ones must not change the verdict */
	for (guint i = 0; i < f->plugins->len; i++) {
		HermesPlugin *p = g_ptr_array_index(f->plugins, i);
		g_autofree gchar *dir = g_path_get_dirname(hermes_plugin_get_path(p));
		if (strstr(dirs, dir) != NULL)
			g_ptr_array_add(mine, g_object_ref(p));
	}
	chosen = hermes_backend_loader_choose(mine, NULL, &error);
	if (chosen == NULL)
		return NULL;
	return hermes_plugin_get_name(chosen);
}

static void
test_probe_empty_root(void **state)
{
	Fixture *f = *state;
	HermesPlugin *p = probe(f, "s6");
	assert_int_equal(hermes_plugin_get_score(p), HERMES_BACKEND_SCORE_NONE);
	assert_string_equal(hermes_plugin_get_reason(p),
			    "s6 is not running as PID 1 and s6-svscan is not installed");
	p = probe(f, "systemd");
	assert_int_equal(hermes_plugin_get_score(p), HERMES_BACKEND_SCORE_NONE);
	hermes_assert_str_contains(hermes_plugin_get_reason(p), "systemd is not PID 1");
	p = probe(f, "launchd");
	assert_int_equal(hermes_plugin_get_score(p), HERMES_BACKEND_SCORE_NONE);
	assert_string_equal(hermes_plugin_get_reason(p), "not macOS (this host is linux)");
	p = probe(f, "windows");
	assert_int_equal(hermes_plugin_get_score(p), HERMES_BACKEND_SCORE_NONE);
	assert_null(choose(f));
}

static void
test_probe_s6_overlay(void **state)
{
	Fixture *f = *state;
	HermesPlugin *p;
	root_file(f, "proc/1/comm", "s6-svscan\n", 0444);
	root_mkdir(f, "run/s6/basedir");
	p = probe(f, "s6");
	assert_int_equal(hermes_plugin_get_score(p), HERMES_BACKEND_SCORE_ACTIVE);
	assert_string_equal(hermes_plugin_get_reason(p),
			    "/proc/1/comm is s6-svscan and /run/s6/basedir exists (s6-overlay)");
}

static void
test_probe_s6_overlay_needs_both(void **state)
{
	Fixture *f = *state;
	/* s6-svscan as PID 1 without s6-overlay's basedir is not s6-overlay */
	root_file(f, "proc/1/comm", "s6-svscan\n", 0444);
	assert_int_equal(hermes_plugin_get_score(probe(f, "s6")), HERMES_BACKEND_SCORE_NONE);
	/* and the basedir without s6-svscan as PID 1 is not either */
	root_file(f, "proc/1/comm", "tini\n", 0444);
	root_mkdir(f, "run/s6/basedir");
	assert_int_equal(hermes_plugin_get_score(probe(f, "s6")), HERMES_BACKEND_SCORE_NONE);
}

static void
test_probe_s6_embedded(void **state)
{
	Fixture *f = *state;
	HermesPlugin *p;
	root_file(f, "usr/bin/s6-svscan", "#!/bin/sh\n", 0755);
	p = probe(f, "s6");
	assert_int_equal(hermes_plugin_get_score(p), HERMES_BACKEND_SCORE_FALLBACK);
	hermes_assert_str_contains(hermes_plugin_get_reason(p), "/usr/bin/s6-svscan is installed");
	hermes_assert_str_contains(hermes_plugin_get_reason(p), "embedded s6 tree");
	/* a non-executable file is not an installation */
	root_file(f, "usr/bin/s6-svscan", "#!/bin/sh\n", 0644);
	assert_int_equal(hermes_plugin_get_score(probe(f, "s6")), HERMES_BACKEND_SCORE_NONE);
}

static void
test_probe_s6_bin_dir(void **state)
{
	Fixture *f = *state;
	root_file(f, "opt/s6/bin/s6-svscan", "#!/bin/sh\n", 0755);
	root_file(f, "command/s6-svscan", "#!/bin/sh\n", 0755);
	hermes_context_setenv(f->ctx, "HERMES_S6_BIN_DIR", "/opt/s6/bin");
	hermes_assert_str_contains(hermes_plugin_get_reason(probe(f, "s6")),
				   "/opt/s6/bin/s6-svscan");
	/* without the override, s6-overlay's /command comes before $PATH */
	hermes_context_setenv(f->ctx, "HERMES_S6_BIN_DIR", NULL);
	hermes_assert_str_contains(hermes_plugin_get_reason(probe(f, "s6")), "/command/s6-svscan");
}

static void
test_probe_systemd(void **state)
{
	Fixture *f = *state;
	HermesPlugin *p;
	root_mkdir(f, "run/systemd/system");
	p = probe(f, "systemd");
	assert_int_equal(hermes_plugin_get_score(p), HERMES_BACKEND_SCORE_HOST);
	hermes_assert_str_contains(hermes_plugin_get_reason(p), "run/systemd/system exists");
	hermes_context_set_os(f->ctx, "darwin");
	assert_int_equal(hermes_plugin_get_score(probe(f, "systemd")), HERMES_BACKEND_SCORE_NONE);
}

static void
test_probe_launchd_and_windows(void **state)
{
	Fixture *f = *state;
	hermes_context_set_os(f->ctx, "darwin");
	assert_int_equal(hermes_plugin_get_score(probe(f, "launchd")), HERMES_BACKEND_SCORE_HOST);
	assert_int_equal(hermes_plugin_get_score(probe(f, "windows")), HERMES_BACKEND_SCORE_NONE);
	assert_string_equal(choose(f), "launchd");
	hermes_context_set_os(f->ctx, "windows");
	assert_int_equal(hermes_plugin_get_score(probe(f, "windows")), HERMES_BACKEND_SCORE_HOST);
	assert_string_equal(choose(f), "windows");
}

static void
test_probe_choice_order(void **state)
{
	Fixture *f = *state;
	/* systemd host with s6 installed: systemd wins over an embedded tree */
	root_mkdir(f, "run/systemd/system");
	root_file(f, "usr/bin/s6-svscan", "#!/bin/sh\n", 0755);
	assert_string_equal(choose(f), "systemd");
	/* inside s6-overlay, s6 wins even where systemd's directory is visible */
	root_file(f, "proc/1/comm", "s6-svscan\n", 0444);
	root_mkdir(f, "run/s6/basedir");
	assert_string_equal(choose(f), "s6");
}

static void
test_probe_has_no_side_effects(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;
	root_file(f, "proc/1/comm", "s6-svscan\n", 0444);
	root_mkdir(f, "run/s6/basedir");
	root_mkdir(f, "run/systemd/system");
	before = hermes_test_snapshot_tree(f->root);
	choose(f);
	after = hermes_test_snapshot_tree(f->root);
	assert_string_equal(before, after);
}

static gint
group_setup(void **state)
{
	hermes_test_init();
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_probe_empty_root),
		T(test_probe_s6_overlay),
		T(test_probe_s6_overlay_needs_both),
		T(test_probe_s6_embedded),
		T(test_probe_s6_bin_dir),
		T(test_probe_systemd),
		T(test_probe_launchd_and_windows),
		T(test_probe_choice_order),
		T(test_probe_has_no_side_effects),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
