/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The real loader's search and choice: the first in the path wins, never
 * two files of one name, a link cannot rename a backend, the search path
 * and the system directory, the highest score chosen (or nothing, or a
 * forced one), a manager from the chosen backend, the real backends
 * loading, and the JSON report.
 */

#include "plugin-loader-test.h"

static void
test_plugin_loader_first_in_path_wins(void **state)
{
	Fixture *f = *state;
	const gchar *first = hermes_test_env("HERMES_TEST_PLUGIN_DIR");
	g_autofree gchar *second = make_plugin_dir(f, "later", "libhermes-backend-fake.so", 0644);
	g_autofree gchar *path = g_strdup_printf("%s:%s", first, second);
	g_autofree gchar *winner = fake_path();
	HermesPlugin *p;

	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", path);
	f->plugins = hermes_backend_loader_discover(f->ctx);
	assert_int_equal(hermes_plugin_get_state(find_plugin(f->plugins, "fake", first)),
			 HERMES_PLUGIN_STATE_LOADED);
	p = find_plugin(f->plugins, "fake", second);
	assert_int_equal(hermes_plugin_get_state(p), HERMES_PLUGIN_STATE_SHADOWED);
	hermes_assert_str_contains(hermes_plugin_get_refusal(p), winner);
}

static void
test_plugin_loader_never_loads_two_files_of_one_name(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = make_plugin_dir(f, "dup", "libhermes-backend-fake.so", 0644);
	g_autofree gchar *loaded = fake_path();

	/* the build's fake is loaded first; a second file of that name would register its types twice */
	f->plugins = hermes_backend_loader_discover(f->ctx);
	g_clear_pointer(&f->plugins, g_ptr_array_unref);
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", dir);
	f->plugins = hermes_backend_loader_discover(f->ctx);
	assert_refused(
		f->plugins, "fake", dir, "another file for backend 'fake' is already loaded from");
	hermes_assert_str_contains(hermes_plugin_get_refusal(find_plugin(f->plugins, "fake", dir)),
				   loaded);
}

static void
test_plugin_loader_link_cannot_rename_a_backend(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *dir = g_build_filename(f->tmp, "links", NULL);
	g_autofree gchar *link_path = g_build_filename(dir, "libhermes-backend-zzz.so", NULL);
	g_autofree gchar *target = fake_path();
	HermesPlugin *p;

	/* load the real fake first, then offer the same inode under another name (a
	 * symbolic link is refused before this: see the test below) */
	f->plugins = hermes_backend_loader_discover(f->ctx);
	g_clear_pointer(&f->plugins, g_ptr_array_unref);
	g_mkdir_with_parents(dir, 0755);
	assert_int_equal(link(target, link_path), 0);
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", dir);
	f->plugins = hermes_backend_loader_discover(f->ctx);
	assert_refused(f->plugins, "zzz", dir, "is the same file as backend 'fake'");
	p = find_plugin(f->plugins, "zzz", dir);
	assert_int_equal(hermes_plugin_get_refusal_code(p), HERMES_ERROR_ABI_MISMATCH);
}

static void
test_plugin_loader_search_path(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) path = NULL;
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", "relative/dir::/abs/one:/abs/two");
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_SYSTEM_DIR", NULL);
	path = hermes_backend_loader_get_search_path(f->ctx);
	/* relative entries would depend on the cwd: dropped; the compiled-in dir comes last */
	assert_int_equal(g_strv_length(path), 3);
	assert_string_equal(path[0], "/abs/one");
	assert_string_equal(path[1], "/abs/two");
	assert_string_equal(path[2], HERMES_BACKEND_DIR);
	g_strfreev(g_steal_pointer(&path));
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", NULL);
	path = hermes_backend_loader_get_search_path(f->ctx);
	assert_int_equal(g_strv_length(path), 1);
}

/* only the plugins of the test directory, so installed backends cannot change the verdict */
static GPtrArray *
discover_test_dir(Fixture *f)
{
	const gchar *dir = hermes_test_env("HERMES_TEST_PLUGIN_DIR");
	g_autoptr(GPtrArray) all = hermes_backend_loader_discover(f->ctx);
	GPtrArray *mine = g_ptr_array_new_with_free_func(g_object_unref);
	for (guint i = 0; i < all->len; i++) {
		HermesPlugin *p = g_ptr_array_index(all, i);
		if (g_str_has_prefix(hermes_plugin_get_path(p), dir))
			g_ptr_array_add(mine, g_object_ref(p));
	}
	return mine;
}

static void
test_plugin_loader_choose_highest_score(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	HermesPlugin *chosen;
	hermes_context_setenv(f->ctx, "HERMES_FAKE_SCORE", "7");
	f->plugins = discover_test_dir(f);
	chosen = hermes_backend_loader_choose(f->plugins, NULL, &error);
	hermes_assert_no_error(error);
	assert_string_equal(hermes_plugin_get_name(chosen), "fake");
	assert_true(hermes_plugin_get_chosen(chosen));
	assert_int_equal(hermes_plugin_get_score(chosen), 7);
}

static void
test_plugin_loader_choose_nothing(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	hermes_context_setenv(f->ctx, "HERMES_FAKE_SCORE", "0");
	f->plugins = discover_test_dir(f);
	assert_null(hermes_backend_loader_choose(f->plugins, NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
	hermes_assert_str_contains(error->message, "no supported service manager detected");
	hermes_assert_str_contains(error->message, "loaded backends: fake, minimal");
}

static void
test_plugin_loader_forced(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	HermesPlugin *chosen;
	/* forcing overrides the probe, even a zero score */
	hermes_context_setenv(f->ctx, "HERMES_FAKE_SCORE", "0");
	f->plugins = discover_test_dir(f);
	chosen = hermes_backend_loader_choose(f->plugins, "fake", &error);
	hermes_assert_no_error(error);
	assert_string_equal(hermes_plugin_get_name(chosen), "fake");

	assert_null(hermes_backend_loader_choose(f->plugins, "nosuch", &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
	assert_string_equal(error->message,
			    "no backend named 'nosuch'; available backends: fake, minimal");
	g_clear_error(&error);

	assert_null(hermes_backend_loader_choose(f->plugins, "abimajor", &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
	hermes_assert_str_contains(error->message, "backend 'abimajor' was refused");
	hermes_assert_str_contains(error->message, "built for backend ABI 2.4");
	hermes_assert_str_contains(error->message, "available backends: fake");
}

static void
test_plugin_loader_new_manager(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesServiceManager) manager = NULL;

	hermes_context_setenv(f->ctx, "HERMES_SERVICE_MANAGER", "fake");
	manager = hermes_backend_loader_new_manager(f->ctx, NULL, &error);
	hermes_assert_no_error(error);
	assert_string_equal(hermes_service_manager_get_name(manager), "fake");
	assert_ptr_equal(hermes_service_manager_get_context(manager), f->ctx);
	g_clear_object(&manager);

	/* a failing setup is reported with the backend's name, and no manager leaks out */
	hermes_context_setenv(f->ctx, "HERMES_FAKE_FAIL", "setup");
	manager = hermes_backend_loader_new_manager(f->ctx, NULL, &error);
	assert_null(manager);
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
	hermes_assert_str_contains(error->message, "backend 'fake': fake setup failed as asked");
}

static void
test_plugin_loader_refused_plugin_has_no_manager(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	HermesPlugin *p;
	f->plugins = discover_test_dir(f);
	p = find_plugin(f->plugins, "shortstruct", NULL);
	assert_null(hermes_plugin_create_manager(p, f->ctx, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_ABI_MISMATCH);
	hermes_assert_str_contains(error->message, "is not loaded: descriptor is 16 bytes");
	assert_int_equal(hermes_plugin_get_refusal_code(p), HERMES_ERROR_ABI_MISMATCH);
}

static void
test_plugin_loader_real_backends_load(void **state)
{
	Fixture *f = *state;
	const gchar *names[] = {"s6", "systemd", "launchd", "windows"};
	hermes_context_setenv(
		f->ctx, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"));
	f->plugins = hermes_backend_loader_discover(f->ctx);
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		HermesPlugin *p = find_plugin(f->plugins, names[i], NULL);
		assert_int_equal(hermes_plugin_get_state(p), HERMES_PLUGIN_STATE_LOADED);
		assert_non_null(hermes_plugin_get_reason(p));
		assert_true(g_type_is_a(hermes_plugin_get_manager_type(p),
					HERMES_TYPE_SERVICE_MANAGER));
	}
}

static void
test_plugin_loader_json(void **state)
{
	Fixture *f = *state;
	g_autoptr(JsonNode) node = NULL;
	JsonObject *obj;
	f->plugins = discover_test_dir(f);
	node = hermes_plugin_to_json(find_plugin(f->plugins, "abimajor", NULL));
	obj = json_node_get_object(node);
	assert_string_equal(json_object_get_string_member(obj, "state"), "refused");
	assert_string_equal(json_object_get_string_member(obj, "abi"), "2.4");
	hermes_assert_str_contains(json_object_get_string_member(obj, "refusal"), "ABI 2.4");
	assert_true(json_object_get_null_member(obj, "reason"));
	assert_false(json_object_get_boolean_member(obj, "chosen"));
}

static void
test_plugin_loader_system_dir(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *sysdir = make_plugin_dir(f, "system", "libhermes-backend-fake.so", 0644);
	g_autofree gchar *path = NULL;
	g_auto(GStrv) search = NULL;
	HermesPlugin *p;

	/* the test environment itself: never the compiled-in directory */
	assert_string_equal(hermes_test_env("HERMES_BACKEND_SYSTEM_DIR"), "");
	search = hermes_backend_loader_get_search_path(f->ctx);
	assert_false(g_strv_contains((const gchar *const *)search, HERMES_BACKEND_DIR));
	g_strfreev(g_steal_pointer(&search));

	/* empty: no system directory at all; relative: ignored like a relative path entry */
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_PATH", "/abs/one");
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_SYSTEM_DIR", "");
	search = hermes_backend_loader_get_search_path(f->ctx);
	assert_int_equal(g_strv_length(search), 1);
	g_strfreev(g_steal_pointer(&search));
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_SYSTEM_DIR", "relative");
	search = hermes_backend_loader_get_search_path(f->ctx);
	assert_int_equal(g_strv_length(search), 1);
	g_strfreev(g_steal_pointer(&search));
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_SYSTEM_DIR", sysdir);
	search = hermes_backend_loader_get_search_path(f->ctx);
	assert_int_equal(g_strv_length(search), 2);
	assert_string_equal(search[1], sysdir);

	/* set: searched last, so its fake is shadowed by the build's */
	hermes_context_setenv(
		f->ctx, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_PLUGIN_DIR"));
	f->plugins = hermes_backend_loader_discover(f->ctx);
	p = find_plugin(f->plugins, "fake", sysdir);
	assert_int_equal(hermes_plugin_get_state(p), HERMES_PLUGIN_STATE_SHADOWED);
	g_clear_pointer(&f->plugins, g_ptr_array_unref);

	/* empty: nothing from it is even listed */
	hermes_context_setenv(f->ctx, "HERMES_BACKEND_SYSTEM_DIR", "");
	f->plugins = hermes_backend_loader_discover(f->ctx);
	for (guint i = 0; i < f->plugins->len; i++) {
		g_autofree gchar *dir = g_path_get_dirname(
			hermes_plugin_get_path(g_ptr_array_index(f->plugins, i)));
		assert_string_not_equal(dir, sysdir);
	}
	path = g_build_filename(sysdir, "libhermes-backend-fake.so", NULL);
	assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_plugin_loader_first_in_path_wins),
		T(test_plugin_loader_never_loads_two_files_of_one_name),
		T(test_plugin_loader_link_cannot_rename_a_backend),
		T(test_plugin_loader_search_path),
		T(test_plugin_loader_choose_highest_score),
		T(test_plugin_loader_choose_nothing),
		T(test_plugin_loader_forced),
		T(test_plugin_loader_new_manager),
		T(test_plugin_loader_refused_plugin_has_no_manager),
		T(test_plugin_loader_real_backends_load),
		T(test_plugin_loader_json),
		T(test_plugin_loader_system_dir),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
