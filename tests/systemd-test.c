/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The systemd integration tests' glue: the fixture (a HERMES_HOME, a manager
 * of the systemd plugin, a connection to the harness's user bus), running the
 * built `hermes`, unit properties read over D-Bus, and the outer run that
 * re-runs a test binary inside tests/systemd-user-harness.sh.
 */

#include "systemd-test.h"

const gchar *skip_reason;

/*****************************************************************************/
/* helpers */

const gchar *
unit_dir(void)
{
	return hermes_test_env("SDH_UNIT_DIR");
}

gchar *
unit_path(const gchar *profile)
{
	g_autofree gchar *name = hermes_systemd_unit_name(profile);
	return g_build_filename(unit_dir(), name, NULL);
}

static void
gateway_changed_cb(HermesServiceManager *manager,
		   const gchar *profile,
		   HermesGatewayStatus *status,
		   gpointer user_data)
{
	Fixture *f = user_data;
	g_ptr_array_add(f->events,
			g_strdup_printf("%s=%s",
					profile,
					status != NULL
						? hermes_gateway_state_to_string(
							  hermes_gateway_status_get_state(status))
						: "(gone)"));
}

HermesContext *
make_context(Fixture *f)
{
	HermesContext *ctx = hermes_context_new();
	hermes_context_setenv(
		ctx, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"));
	hermes_context_setenv(ctx, "HERMES_HOME", f->root);
	hermes_context_setenv(ctx, "HERMES_CLI_PATH", hermes_test_env("HERMES_TEST_HERMES"));
	hermes_context_setenv(ctx, "HERMES_GATEWAY_USER", NULL);
	hermes_context_setenv(ctx, "HERMES_SYSTEMD_SCOPE", NULL);
	return ctx;
}

HermesServiceManager *
make_manager(HermesContext *ctx)
{
	g_autoptr(GError) error = NULL;
	HermesServiceManager *manager = hermes_backend_loader_new_manager(ctx, "systemd", &error);
	hermes_assert_no_error(error);
	return manager;
}

/* runs the built hermes (under valgrind in the valgrind setup) with the fixture's environment */
gint
run_env(Fixture *f, gchar **envp, const gchar *const *args)
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
	g_subprocess_launcher_set_environ(launcher, envp != NULL ? envp : f->envp);
	g_subprocess_launcher_set_cwd(launcher, f->tmp);
	proc = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	hermes_assert_no_error(error);
	g_clear_pointer(&f->out, g_free);
	g_clear_pointer(&f->err, g_free);
	g_subprocess_communicate_utf8(proc, "", NULL, &f->out, &f->err, &error);
	hermes_assert_no_error(error);
	assert_true(g_subprocess_get_if_exited(proc));
	return g_subprocess_get_exit_status(proc);
}

/* `systemctl --user ARGS…` against the harness's manager, killed after @timeout_s; its
 * exit status (124: timed out), its output in f->out and f->err */
gint
run_systemctl(Fixture *f, guint timeout_s, const gchar *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	gint status = 0;

	g_ptr_array_add(argv, g_strdup("timeout"));
	g_ptr_array_add(argv, g_strdup("--kill-after=5"));
	g_ptr_array_add(argv, g_strdup_printf("%u", timeout_s));
	g_ptr_array_add(argv, g_strdup("systemctl"));
	g_ptr_array_add(argv, g_strdup("--user"));
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, g_strdup(args[i]));
	g_ptr_array_add(argv, NULL);
	g_clear_pointer(&f->out, g_free);
	g_clear_pointer(&f->err, g_free);
	if (!g_spawn_sync(f->tmp,
			  (gchar **)argv->pdata,
			  f->envp,
			  G_SPAWN_SEARCH_PATH,
			  NULL,
			  NULL,
			  &f->out,
			  &f->err,
			  &status,
			  &error))
		fail_msg("cannot run systemctl: %s", error->message);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void
assert_run_ok(Fixture *f, gint rc, const gchar *what)
{
	if (rc != 0)
		fail_msg("%s exited %d\nstdout: %s\nstderr: %s", what, rc, f->out, f->err);
}

/* a property of a unit, read behind the backend's back */
GVariant *
unit_prop(Fixture *f, const gchar *unit, const gchar *iface, const gchar *name)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariant) got = NULL;
	const gchar *path = NULL;
	GVariant *value = NULL;
	reply = g_dbus_connection_call_sync(f->bus,
					    "org.freedesktop.systemd1",
					    "/org/freedesktop/systemd1",
					    "org.freedesktop.systemd1.Manager",
					    "LoadUnit",
					    g_variant_new("(s)", unit),
					    G_VARIANT_TYPE("(o)"),
					    G_DBUS_CALL_FLAGS_NONE,
					    10000,
					    NULL,
					    &error);
	hermes_assert_no_error(error);
	g_variant_get(reply, "(&o)", &path);
	got = g_dbus_connection_call_sync(f->bus,
					  "org.freedesktop.systemd1",
					  path,
					  "org.freedesktop.DBus.Properties",
					  "Get",
					  g_variant_new("(ss)", iface, name),
					  G_VARIANT_TYPE("(v)"),
					  G_DBUS_CALL_FLAGS_NONE,
					  10000,
					  NULL,
					  &error);
	hermes_assert_no_error(error);
	g_variant_get(got, "(v)", &value);
	return value;
}

gchar *
unit_str(Fixture *f, const gchar *unit, const gchar *name)
{
	g_autoptr(GVariant) v = unit_prop(f, unit, "org.freedesktop.systemd1.Unit", name);
	return g_variant_dup_string(v, NULL);
}

guint32
service_u32(Fixture *f, const gchar *unit, const gchar *name)
{
	g_autoptr(GVariant) v = unit_prop(f, unit, "org.freedesktop.systemd1.Service", name);
	return g_variant_get_uint32(v);
}

gint32
service_i32(Fixture *f, const gchar *unit, const gchar *name)
{
	g_autoptr(GVariant) v = unit_prop(f, unit, "org.freedesktop.systemd1.Service", name);
	return g_variant_get_int32(v);
}

void
assert_unit_state(Fixture *f, const gchar *unit, const gchar *active, const gchar *file_state)
{
	g_autofree gchar *load = unit_str(f, unit, "LoadState");
	g_autofree gchar *state = unit_str(f, unit, "ActiveState");
	assert_string_equal(load, "loaded");
	assert_string_equal(state, active);
	if (file_state != NULL) {
		g_autofree gchar *fs = unit_str(f, unit, "UnitFileState");
		assert_string_equal(fs, file_state);
	}
}

/* every hermes unit systemd still knows, as "name:load/active" */
static gchar *
hermes_units_loaded(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariantIter) iter = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	const gchar *name;
	const gchar *load;
	const gchar *active;
	reply = g_dbus_connection_call_sync(
		f->bus,
		"org.freedesktop.systemd1",
		"/org/freedesktop/systemd1",
		"org.freedesktop.systemd1.Manager",
		"ListUnitsByPatterns",
		g_variant_new("(^as^as)",
			      (const gchar *[]){NULL},
			      (const gchar *[]){"hermes-gateway*", NULL}),
		G_VARIANT_TYPE("(a(ssssssouso))"),
		G_DBUS_CALL_FLAGS_NONE,
		10000,
		NULL,
		&error);
	hermes_assert_no_error(error);
	g_variant_get(reply, "(a(ssssssouso))", &iter);
	while (g_variant_iter_next(iter,
				   "(&s&s&s&ssssouso)",
				   &name,
				   NULL,
				   &load,
				   &active,
				   NULL,
				   NULL,
				   NULL,
				   NULL,
				   NULL,
				   NULL))
		g_string_append_printf(
			out, "%s%s:%s/%s", out->len > 0 ? " " : "", name, load, active);
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* the processes whose environment names @needle (e.g. a gateway of this test's home),
 * as a space-separated list of pids for a message */
static gchar *
processes_with_env(const gchar *needle)
{
	g_autoptr(GArray) pids = hermes_test_processes_with_env(needle);
	g_autoptr(GString) out = g_string_new(NULL);
	for (guint i = 0; i < pids->len; i++)
		g_string_append_printf(
			out, "%s%d", out->len > 0 ? " " : "", (gint)g_array_index(pids, pid_t, i));
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* no unit file, no wants link, no unit in systemd, no gateway process of this test */
void
assert_nothing_left(Fixture *f)
{
	g_autofree gchar *listing = hermes_test_list_dir(unit_dir());
	g_autofree gchar *needle = g_strdup_printf("HERMES_HOME=%s", f->root);
	g_autofree gchar *procs = NULL;
	g_autofree gchar *loaded = NULL;
	gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

	if (strstr(listing, "hermes-gateway") != NULL)
		fail_msg("unit files left: %s", listing);
	{
		g_autofree gchar *wants =
			g_build_filename(unit_dir(), "default.target.wants", NULL);
		g_autofree gchar *links = hermes_test_list_dir(wants);
		if (links != NULL && strstr(links, "hermes-gateway") != NULL)
			fail_msg("enablement links left: %s", links);
	}
	/* systemd drops unloaded units on its next loop */
	while (TRUE) {
		g_clear_pointer(&loaded, g_free);
		g_clear_pointer(&procs, g_free);
		loaded = hermes_units_loaded(f);
		procs = processes_with_env(needle);
		if ((loaded[0] == '\0' && procs[0] == '\0') || g_get_monotonic_time() > deadline)
			break;
		hermes_test_spin(20);
	}
	if (loaded[0] != '\0')
		fail_msg("units left in systemd: %s", loaded);
	if (procs[0] != '\0')
		fail_msg("gateway processes left: %s", procs);
}

HermesGatewaySpec *
spec_for(Fixture *f, const gchar *profile, const gchar *const *argv)
{
	g_autoptr(GError) error = NULL;
	HermesGatewaySpec *spec = argv == NULL
					  ? hermes_gateway_spec_new_default(f->ctx, profile, &error)
					  : hermes_gateway_spec_new(profile, &error);
	hermes_assert_no_error(error);
	if (argv != NULL) {
		hermes_gateway_spec_set_argv(spec, argv);
		hermes_gateway_spec_set_notify(spec, FALSE);
	}
	return spec;
}

void
register_spec(Fixture *f, HermesGatewaySpec *spec, HermesRegisterFlags flags)
{
	g_autoptr(GError) error = NULL;
	gboolean ok =
		hermes_service_manager_register_gateway(f->manager, spec, flags, NULL, &error);
	hermes_assert_no_error(error);
	assert_true(ok);
}

HermesGatewayStatus *
status_of(Fixture *f, const gchar *profile)
{
	g_autoptr(GError) error = NULL;
	HermesGatewayStatus *status =
		hermes_service_manager_get_status(f->manager, profile, NULL, &error);
	hermes_assert_no_error(error);
	return status;
}

/* waits, driven by gateway-changed events, until @check holds */
HermesGatewayStatus *
wait_status(Fixture *f, const gchar *profile, StatusCheck check, gpointer data, const gchar *what)
{
	g_auto(GStrv) names = NULL;
	gboolean timed_out = FALSE;
	guint id;
	/* listing subscribes the manager to every unit's changes */
	names = hermes_service_manager_list_gateways(f->manager, NULL, NULL);
	id = g_timeout_add(WAIT_MS, hermes_test_tick_cb, &timed_out);
	while (TRUE) {
		HermesGatewayStatus *status = status_of(f, profile);
		if (check(status, data)) {
			g_source_remove(id);
			return status;
		}
		if (timed_out)
			fail_msg("%s never became %s (it is %s, %s)",
				 profile,
				 what,
				 hermes_gateway_state_to_string(
					 hermes_gateway_status_get_state(status)),
				 hermes_gateway_status_get_raw(status, "systemd.sub_state"));
		hermes_gateway_status_unref(status);
		g_main_context_iteration(NULL, TRUE);
	}
}

gboolean
is_state(HermesGatewayStatus *status, gpointer data)
{
	return (gint)hermes_gateway_status_get_state(status) == GPOINTER_TO_INT(data);
}

gboolean
is_up_with_new_pid(HermesGatewayStatus *status, gpointer data)
{
	return hermes_gateway_status_get_state(status) == HERMES_GATEWAY_STATE_UP &&
	       hermes_gateway_status_get_pid(status) > 0 &&
	       hermes_gateway_status_get_pid(status) != *(gint64 *)data;
}

JsonObject *
parse_object(const gchar *text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	if (!json_parser_load_from_data(parser, text, -1, &error))
		fail_msg("not JSON (%s): %s", error->message, text);
	return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

/* `hermes -p <profile> gateway status --json`: the one gateway's object */
JsonObject *
cli_status(Fixture *f, const gchar *profile)
{
	g_autoptr(JsonObject) all = NULL;
	JsonArray *gateways;
	gint rc = run(f, "-p", profile, "gateway", "status", "--json");
	all = parse_object(f->out);
	gateways = json_object_get_array_member(all, "gateways");
	assert_int_equal(json_array_get_length(gateways), 1);
	(void)rc;
	return json_object_ref(json_array_get_object_element(gateways, 0));
}

gchar *
read_text(const gchar *path)
{
	gchar *text = NULL;
	g_autoptr(GError) error = NULL;
	if (!g_file_get_contents(path, &text, NULL, &error))
		fail_msg("cannot read %s: %s", path, error->message);
	return text;
}

/* every unit the backend writes must verify with nothing on stderr; @extra: more options
 * for systemd-analyze (NULL: none) */
void
assert_verifies_with(const gchar *path, const gchar *const *extra)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_auto(GStrv) argv = NULL;
	gint status = 0;

	g_strv_builder_add_many(builder, "systemd-analyze", "--user", "verify", NULL);
	if (extra != NULL)
		g_strv_builder_addv(builder, (const gchar **)extra);
	g_strv_builder_add(builder, path);
	argv = g_strv_builder_end(builder);
	g_spawn_sync(
		NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error);
	hermes_assert_no_error(error);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || err[0] != '\0')
		fail_msg("systemd-analyze --user verify %s: status %d, stderr: %s",
			 path,
			 status,
			 err);
}

void
assert_verifies(const gchar *path)
{
	assert_verifies_with(path, NULL);
}

/*****************************************************************************/
/* fixture */

gint
fixture_setup(void **state)
{
	Fixture *f;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesProfile) profile = NULL;
	g_autofree gchar *template = NULL;

	if (skip_reason != NULL) {
		*state = NULL;
		return 0;
	}
	f = g_new0(Fixture, 1);
	template = g_build_filename(hermes_test_env("HERMES_SDH_TMP"), "t-XXXXXX", NULL);
	f->tmp = g_mkdtemp_full(g_steal_pointer(&template), 0755);
	assert_non_null(f->tmp);
	f->root = g_build_filename(f->tmp, "home", NULL);
	g_mkdir(f->root, 0755);
	f->events = g_ptr_array_new_with_free_func(g_free);
	f->ctx = make_context(f);
	profile = hermes_profile_create(f->ctx, "demo", &error);
	hermes_assert_no_error(error);
	f->manager = make_manager(f->ctx);
	g_signal_connect(f->manager, "gateway-changed", G_CALLBACK(gateway_changed_cb), f);
	f->bus = g_dbus_connection_new_for_address_sync(
		hermes_test_env("DBUS_SESSION_BUS_ADDRESS"),
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL,
		NULL,
		&error);
	hermes_assert_no_error(error);
	f->envp = g_get_environ();
	f->envp = g_environ_setenv(f->envp, "HERMES_HOME", f->root, TRUE);
	f->envp = g_environ_setenv(
		f->envp, "HERMES_BACKEND_PATH", hermes_test_env("HERMES_TEST_BACKEND_DIRS"), TRUE);
	f->envp = g_environ_setenv(f->envp, "HERMES_SERVICE_MANAGER", "systemd", TRUE);
	/* what a unit runs is this build's hermes, also when hermes-svcd renders it:
	 * never an installed copy (the main job installs one before the tests) */
	f->envp = g_environ_setenv(
		f->envp, "HERMES_CLI_PATH", hermes_test_env("HERMES_TEST_HERMES"), TRUE);
	*state = f;
	return 0;
}

gint
fixture_teardown(void **state)
{
	Fixture *f = *state;
	g_auto(GStrv) names = NULL;
	if (f == NULL)
		return 0;
	/* whatever a failed test left: its units go, so the next test starts clean */
	names = hermes_service_manager_list_gateways(f->manager, NULL, NULL);
	for (guint i = 0; names != NULL && names[i] != NULL; i++) {
		g_autoptr(GError) error = NULL;
		if (!hermes_service_manager_unregister_gateway(f->manager, names[i], NULL, &error))
			g_printerr("# teardown: %s\n", error->message);
	}
	g_clear_object(&f->manager);
	g_clear_object(&f->ctx);
	if (f->bus != NULL)
		g_dbus_connection_close_sync(f->bus, NULL, NULL);
	g_clear_object(&f->bus);
	/* let the connections' last messages go before the next test */
	while (g_main_context_iteration(NULL, FALSE))
		;
	hermes_test_rmtree(f->tmp);
	g_ptr_array_unref(f->events);
	g_strfreev(f->envp);
	g_free(f->out);
	g_free(f->err);
	g_free(f->tmp);
	g_free(f->root);
	g_free(f);
	hermes_test_check_logs();
	return 0;
}

/*****************************************************************************/
/* the outer run: re-run inside the harness, then check nothing is left */

const gchar *
why_not_here(void)
{
	const gchar *tools[] = {"unshare",
				"script",
				"dbus-daemon",
				"dbus-send",
				"systemctl",
				"systemd-analyze",
				"mount"};
	if (geteuid() != 0)
		return "needs root: the harness runs systemd --user in its own mount and PID "
		       "namespace (unshare, mount); .ci/run runs it as root";
	if (!g_file_test("/lib/systemd/systemd", G_FILE_TEST_IS_EXECUTABLE) &&
	    !g_file_test("/usr/lib/systemd/systemd", G_FILE_TEST_IS_EXECUTABLE))
		return "systemd is not installed (no /lib/systemd/systemd)";
	for (guint i = 0; i < G_N_ELEMENTS(tools); i++) {
		g_autofree gchar *found = g_find_program_in_path(tools[i]);
		if (found == NULL)
			return "a tool the harness needs is missing (unshare, script, dbus-daemon, "
			       "dbus-send, systemctl, systemd-analyze, mount)";
	}
	return NULL;
}

static gchar *
leftover_cgroups(GPid harness)
{
	const gchar *roots[] = {
		"/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd"};
	g_autoptr(GString) out = g_string_new(NULL);
	for (guint i = 0; i < G_N_ELEMENTS(roots); i++) {
		g_autofree gchar *dir = g_strdup_printf("%s/sdh.%d", roots[i], (gint)harness);
		if (g_file_test(dir, G_FILE_TEST_EXISTS))
			g_string_append_printf(out, "%s%s", out->len > 0 ? " " : "", dir);
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

gint
outer_main(const gchar *self_path)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *run_id = g_uuid_string_random();
	g_autofree gchar *tmp = g_strdup_printf("%s/hermes-sdh-%s", g_get_tmp_dir(), run_id);
	g_autofree gchar *marker = g_strdup_printf("HERMES_SDH_RUN_ID=%s", run_id);
	g_autofree gchar *procs = NULL;
	g_autofree gchar *cgroups = NULL;
	g_autofree gchar *tmp_left = NULL;
	g_auto(GStrv) envp = g_get_environ();
	const gchar *wrapper = g_getenv("HERMES_TEST_WRAPPER");
	GPid pid = 0;
	gint wait_status = 0;
	gint rc;

	g_mkdir(tmp, 0755);
	envp = g_environ_setenv(envp, "HERMES_SDH_RUN_ID", run_id, TRUE);
	envp = g_environ_setenv(envp, "HERMES_SDH_TMP", tmp, TRUE);
	g_ptr_array_add(argv, g_strdup("/bin/bash"));
	g_ptr_array_add(argv,
			g_build_filename(hermes_test_env("HERMES_TEST_SRCDIR"),
					 "systemd-user-harness.sh",
					 NULL));
	g_ptr_array_add(argv, g_strdup("-t"));
	g_ptr_array_add(argv, g_strdup(HARNESS_WAIT));
	g_ptr_array_add(argv, g_strdup("--"));
	if (wrapper != NULL && wrapper[0] != '\0') {
		g_auto(GStrv) parts = g_strsplit(wrapper, " ", -1);
		for (guint i = 0; parts[i] != NULL; i++)
			g_ptr_array_add(argv, g_strdup(parts[i]));
	}
	g_ptr_array_add(argv, g_strdup(self_path));
	g_ptr_array_add(argv, NULL);
	/* TAP goes straight to meson: the inner run prints it */
	if (!g_spawn_async(NULL,
			   (gchar **)argv->pdata,
			   envp,
			   G_SPAWN_DO_NOT_REAP_CHILD,
			   NULL,
			   NULL,
			   &pid,
			   &error)) {
		g_printerr("cannot run the harness: %s\n", error->message);
		return 1;
	}
	while (waitpid(pid, &wait_status, 0) < 0 && errno == EINTR)
		;
	rc = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : 128 + WTERMSIG(wait_status);
	if (rc == 124)
		g_printerr("the harness could not start systemd --user (see above)\n");

	/* nothing of the run may outlive it */
	procs = processes_with_env(marker);
	cgroups = leftover_cgroups(pid);
	tmp_left = hermes_test_list_dir(tmp);
	if (procs[0] != '\0') {
		g_printerr("left behind: processes %s\n", procs);
		rc = rc != 0 ? rc : 1;
	}
	if (cgroups[0] != '\0') {
		g_printerr("left behind: cgroups %s\n", cgroups);
		rc = rc != 0 ? rc : 1;
	}
	if (tmp_left != NULL && tmp_left[0] != '\0') {
		g_printerr("left behind in %s: %s\n", tmp, tmp_left);
		rc = rc != 0 ? rc : 1;
	}
	hermes_test_rmtree(tmp);
	return rc;
}

gint
group_setup(void **state)
{
	hermes_test_init();
	return 0;
}

/*
 * Outside the harness: re-run this binary inside it (or skip every test
 * saying why it cannot run here); inside: the tests.
 */
gint
systemd_test_main(const gchar *argv0, const struct CMUnitTest *tests, gsize n_tests)
{
	/* the gateways' output must not interleave with TAP */
	signal(SIGPIPE, SIG_IGN);
	if (g_getenv("HERMES_SDH_INNER") == NULL) {
		skip_reason = why_not_here();
		if (skip_reason == NULL) {
			g_autofree gchar *self_path = g_canonicalize_filename(argv0, NULL);
			return outer_main(self_path);
		}
	}
	return _cmocka_run_group_tests("tests", tests, n_tests, group_setup, NULL);
}
