/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The `hermes` CLI tests' glue: the fixture, running the binary (with
 * input on stdin), and checks on what it printed.
 */

#include "cli-test.h"

gint
fixture_setup(void **state)
{
	Fixture *f = g_new0(Fixture, 1);
	f->tmp = hermes_test_mkdtemp();
	f->root = g_build_filename(f->tmp, "hermes-home", NULL);
	f->envp = g_get_environ();
	f->envp = g_environ_setenv(f->envp, "HOME", f->tmp, TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_HOME", f->root, TRUE);
	f->envp = g_environ_setenv(
		f->envp, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_PLUGIN_DIR"), TRUE);
	f->envp = g_environ_unsetenv(f->envp, "HERMES_SERVICE_MANAGER");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_FAKE_FAIL");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_FAKE_GATEWAYS");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_FAKE_STATES");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_SUPERVISED_CHILD");
	f->envp = g_environ_unsetenv(f->envp, "HERMES_S6_SUPERVISED_CHILD");
	f->envp = g_environ_unsetenv(f->envp, "GATEWAY_MULTIPLEX_PROFILES");
	f->envp = g_environ_setenv(f->envp, "HERMES_FAKE_SCORE", "1000", TRUE);
	*state = f;
	return 0;
}

gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	hermes_test_check_logs();
	hermes_test_rmtree(f->tmp);
	g_free(f->tmp);
	g_free(f->root);
	g_strfreev(f->envp);
	g_free(f->out);
	g_free(f->err);
	g_free(f);
	return 0;
}

void
set_env(Fixture *f, const gchar *name, const gchar *value)
{
	if (value == NULL)
		f->envp = g_environ_unsetenv(f->envp, name);
	else
		f->envp = g_environ_setenv(f->envp, name, value, TRUE);
}

/* runs hermes with @args (NULL-terminated), feeding @input; returns the exit status */
gint
run_with_input(Fixture *f, const gchar *input, const gchar *const *args)
{
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	const gchar *wrapper = g_getenv("HERMES_TEST_WRAPPER");

	if (wrapper != NULL && wrapper[0] != '\0') {
		g_auto(GStrv) parts = g_strsplit(wrapper, " ", -1);
		for (guint i = 0; parts[i] != NULL; i++)
			g_ptr_array_add(argv, g_strdup(parts[i]));
		g_ptr_array_add(argv, g_strdup("--quiet"));
	}
	g_ptr_array_add(argv, g_strdup(hermes_test_env("HERMES_TEST_HERMES")));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(args[i]));
	g_ptr_array_add(argv, NULL);

	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE |
					     G_SUBPROCESS_FLAGS_STDOUT_PIPE |
					     G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_subprocess_launcher_set_environ(launcher, f->envp);
	g_subprocess_launcher_set_cwd(launcher, f->tmp);
	proc = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	hermes_assert_no_error(error);
	g_clear_pointer(&f->out, g_free);
	g_clear_pointer(&f->err, g_free);
	g_subprocess_communicate_utf8(
		proc, input != NULL ? input : "", NULL, &f->out, &f->err, &error);
	hermes_assert_no_error(error);
	hermes_test_strip_valgrind(f->err);
	assert_true(g_subprocess_get_if_exited(proc));
	return g_subprocess_get_exit_status(proc);
}

guint
count_lines(const gchar *text)
{
	guint n = 0;
	for (const gchar *p = text; *p != '\0'; p++) {
		if (*p == '\n')
			n++;
	}
	return n;
}

/* an error is exactly one line on stderr, "hermes: ..." */
void
assert_one_line_error(Fixture *f, const gchar *needle)
{
	if (count_lines(f->err) != 1 || !g_str_has_prefix(f->err, "hermes: "))
		fail_msg("expected one 'hermes: ' line on stderr, got: '%s'", f->err);
	hermes_assert_str_contains(f->err, needle);
}

gchar *
profile_dir(Fixture *f, const gchar *name)
{
	return g_build_filename(f->root, "profiles", name, NULL);
}

JsonNode *
parse_json(const gchar *text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	if (!json_parser_load_from_data(parser, text, -1, &error))
		fail_msg("not JSON (%s): %s", error->message, text);
	return json_node_copy(json_parser_get_root(parser));
}

gint
group_setup(void **state)
{
	hermes_test_init();
	return 0;
}
