/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * Registering units with a real `systemd --user` through the plugin: the
 * register flags (create, replace, unchanged, updated, no rescan), render
 * matching what is written, hostile values refused, and hostile words,
 * values and a directory surviving the trip through a real unit.
 * Runs inside tests/systemd-user-harness.sh (see systemd-test.h).
 */

#include "systemd-test.h"

/* registered, started and enabled in one go; events tell the listener; returns the pid */
static gint64
register_rules_create(Fixture *f, HermesGatewaySpec *spec, const gchar *unit)
{
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autofree gchar *last = NULL;
	gint64 pid;

	register_spec(f, spec, HERMES_REGISTER_FLAG_START | HERMES_REGISTER_FLAG_ENABLE);
	g_object_get(f->manager, "last-install", &last, NULL);
	assert_string_equal(last, "created");
	g_clear_pointer(&last, g_free);
	assert_unit_state(f, unit, "active", "enabled");
	{
		g_autofree gchar *link =
			g_build_filename(unit_dir(), "default.target.wants", unit, NULL);
		assert_true(g_file_test(link, G_FILE_TEST_IS_SYMLINK));
	}
	assert_true(f->events->len > 0);
	status = status_of(f, "demo");
	pid = hermes_gateway_status_get_pid(status);
	assert_string_equal(hermes_gateway_status_get_raw(status, "systemd.unit_file_state"),
			    "enabled");
	assert_string_equal(hermes_gateway_status_get_raw(status, "systemd.scope"), "user");
	assert_non_null(hermes_gateway_status_get_raw(status, "systemd.linger"));
	g_clear_pointer(&status, hermes_gateway_status_unref);
	return pid;
}

/* REPLACE: refused without it, nothing written when identical, updated in place when not */
static void
register_rules_replace(
	Fixture *f, HermesGatewaySpec *spec, const gchar *path, const gchar *unit, gint64 pid)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) steps = NULL;
	g_autofree gchar *last = NULL;
	GStatBuf before;
	GStatBuf after;

	/* without REPLACE an existing unit is refused */
	assert_false(hermes_service_manager_register_gateway(f->manager, spec, 0, NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_ALREADY_EXISTS);
	g_clear_error(&error);

	/* identical: nothing written, nothing reloaded */
	assert_int_equal(g_stat(path, &before), 0);
	register_spec(f, spec, HERMES_REGISTER_FLAG_REPLACE);
	assert_int_equal(g_stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	g_object_get(f->manager, "last-install", &last, NULL);
	assert_string_equal(last, "unchanged");
	g_clear_pointer(&last, g_free);

	/* different: updated in place, the running gateway is left alone */
	assert_true(hermes_gateway_spec_set_env(spec, "API_SERVER_PORT", "9321", &error));
	register_spec(f, spec, HERMES_REGISTER_FLAG_REPLACE);
	g_object_get(f->manager, "last-install", &last, NULL);
	assert_string_equal(last, "updated");
	{
		g_autofree gchar *text = read_text(path);
		g_autoptr(GVariant) reload =
			unit_prop(f, unit, "org.freedesktop.systemd1.Unit", "NeedDaemonReload");
		hermes_assert_str_contains(text, "Environment=\"API_SERVER_PORT=9321\"\n");
		assert_false(g_variant_get_boolean(reload));
	}
	assert_int_equal(service_u32(f, unit, "MainPID"), pid);

	/* render is exactly what register wrote */
	steps = hermes_service_manager_render(f->manager, spec, &error);
	hermes_assert_no_error(error);
	for (guint i = 0; i < steps->len; i++) {
		HermesRenderStep *step = g_ptr_array_index(steps, i);
		if (hermes_render_step_get_kind(step) == HERMES_RENDER_STEP_FILE) {
			g_autofree gchar *contents = read_text(hermes_render_step_get_path(step));
			GStatBuf st;
			assert_string_equal(contents, hermes_render_step_get_contents(step));
			assert_int_equal(g_stat(hermes_render_step_get_path(step), &st), 0);
			assert_int_equal(st.st_mode & 07777, hermes_render_step_get_mode(step));
		}
	}
}

/* NO_RESCAN writes the unit and tells nobody; the next start reloads first */
static void
register_rules_no_rescan(Fixture *f, HermesGatewaySpec *spec, const gchar *unit, gint64 pid)
{
	g_autoptr(GError) error = NULL;

	assert_true(hermes_gateway_spec_set_env(spec, "API_SERVER_PORT", "9322", &error));
	register_spec(f, spec, HERMES_REGISTER_FLAG_REPLACE | HERMES_REGISTER_FLAG_NO_RESCAN);
	{
		g_autoptr(GVariant) reload =
			unit_prop(f, unit, "org.freedesktop.systemd1.Unit", "NeedDaemonReload");
		assert_true(g_variant_get_boolean(reload));
	}
	assert_ok(hermes_service_manager_restart(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
	{
		g_autoptr(GVariant) reload =
			unit_prop(f, unit, "org.freedesktop.systemd1.Unit", "NeedDaemonReload");
		assert_false(g_variant_get_boolean(reload));
	}
	assert_true(service_u32(f, unit, "MainPID") != pid);
}

static void
test_systemd_register_rules(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *unit = NULL;
	gint64 pid;

	SKIP_UNLESS_HERE(f);
	path = unit_path("demo");
	unit = hermes_systemd_unit_name("demo");
	spec = spec_for(f, "demo", NULL);

	assert_false(hermes_service_manager_start(f->manager, "ghost", NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_REGISTERED);
	hermes_assert_str_contains(error->message,
				   "gateway 'ghost' is not registered with systemd");
	g_clear_error(&error);
	assert_null(hermes_service_manager_get_status(f->manager, "ghost", NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_NOT_REGISTERED);
	g_clear_error(&error);

	pid = register_rules_create(f, spec, unit);
	register_rules_replace(f, spec, path, unit, pid);
	register_rules_no_rescan(f, spec, unit, pid);

	/* a hostile value is refused before anything is written */
	assert_ok(hermes_service_manager_unregister_gateway(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
	assert_true(f->events->len > 0);
	assert_string_equal(g_ptr_array_index(f->events, f->events->len - 1), "demo=(gone)");
	assert_true(
		hermes_gateway_spec_set_env(spec, "EVIL", "a\nExecStartPre=/bin/false", &error));
	assert_false(hermes_service_manager_register_gateway(f->manager, spec, 0, NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_INVALID_ARGUMENT);
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	assert_nothing_left(f);
}

/* hostile words, values and a directory survive the trip through a real unit exactly */
static void
test_systemd_round_trip(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	g_autoptr(GStrvBuilder) argv = g_strv_builder_new();
	g_auto(GStrv) strv = NULL;
	g_autoptr(GString) expected = g_string_new(NULL);
	g_autofree gchar *workdir = NULL;
	g_autofree gchar *out_dir = NULL;
	g_autofree gchar *script = NULL;
	const gchar *words[] = {
		";",
		"\\;",
		"a b",
		"%n",
		"$HOME",
		"${HOME}x",
		"\"q\"",
		"it's",
		"",
		"back\\slash",
		"`id`",
		"-n",
		"a=b",
		"café",
		"  lead",
		"trail  ",
		"100%",
		"$$",
	};
	const struct {
		const gchar *name;
		const gchar *value;
	} env[] = {
		{"QUOTE", "say \"hi\""},
		{"BACKSLASH", "C:\\path\\n"},
		{"PERCENT", "100% %n %h %%"},
		{"DOLLAR", "$HOME and ${USER} and `id`"},
		{"SINGLE", "it's"},
		{"SPACE", "  a  b  "},
		{"SEMI", "x;rm -rf /"},
		{"EMPTY", ""},
		{"UNICODE", "café ☕"},
	};

	SKIP_UNLESS_HERE(f);
	workdir = g_build_filename(f->tmp, "work 100% $dir", NULL);
	out_dir = g_build_filename(f->tmp, "out", NULL);
	g_mkdir(workdir, 0755);
	g_mkdir(out_dir, 0755);
	script = g_strdup_printf("printf '%%s\\n' \"$@\" >'%s/argv'; env >'%s/env'; pwd >'%s/pwd'; "
				 "exec sleep 100000",
				 out_dir,
				 out_dir,
				 out_dir);
	g_strv_builder_addv(argv, (const gchar *[]){"/bin/sh", "-c", script, "sh", NULL});
	for (guint i = 0; i < G_N_ELEMENTS(words); i++) {
		g_strv_builder_add(argv, words[i]);
		g_string_append_printf(expected, "%s\n", words[i]);
	}
	strv = g_strv_builder_end(argv);
	spec = spec_for(f, "demo", (const gchar *const *)strv);
	hermes_gateway_spec_set_working_directory(spec, workdir);
	for (guint i = 0; i < G_N_ELEMENTS(env); i++)
		assert_true(hermes_gateway_spec_set_env(spec, env[i].name, env[i].value, &error));
	register_spec(f, spec, HERMES_REGISTER_FLAG_START);
	{
		g_autofree gchar *path = unit_path("demo");
		assert_verifies(path);
	}
	{
		g_autofree gchar *argv_path = g_build_filename(out_dir, "argv", NULL);
		g_autofree gchar *env_path = g_build_filename(out_dir, "env", NULL);
		g_autofree gchar *pwd_path = g_build_filename(out_dir, "pwd", NULL);
		g_autofree gchar *got_argv = NULL;
		g_autofree gchar *got_env = NULL;
		g_autofree gchar *got_pwd = NULL;
		g_auto(GStrv) lines = NULL;
		gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
		/* Type=exec: started means exec'd; the script writes right after */
		while (!g_file_test(pwd_path, G_FILE_TEST_EXISTS) &&
		       g_get_monotonic_time() < deadline)
			hermes_test_spin(10);
		hermes_test_spin(50);
		got_argv = read_text(argv_path);
		got_env = read_text(env_path);
		got_pwd = read_text(pwd_path);
		assert_string_equal(got_argv, expected->str);
		g_strchomp(got_pwd);
		assert_string_equal(got_pwd, workdir);
		lines = g_strsplit(got_env, "\n", -1);
		for (guint i = 0; i < G_N_ELEMENTS(env); i++) {
			g_autofree gchar *line =
				g_strdup_printf("%s=%s", env[i].name, env[i].value);
			if (!g_strv_contains((const gchar *const *)lines, line))
				fail_msg("%s not in the environment:\n%s", line, got_env);
		}
		assert_true(
			g_strv_contains((const gchar *const *)lines, "HERMES_SUPERVISED_CHILD=1"));
		{
			g_autofree gchar *line = g_strdup_printf("HERMES_HOME=%s", f->root);
			assert_true(g_strv_contains((const gchar *const *)lines, line));
		}
	}
	assert_ok(hermes_service_manager_unregister_gateway(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
	assert_nothing_left(f);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_systemd_register_rules),
		T(test_systemd_round_trip),
	};
	return SYSTEMD_TEST_MAIN(argv[0], tests);
}
