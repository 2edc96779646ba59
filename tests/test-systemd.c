/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * The systemd backend against a real `systemd --user` with its own bus,
 * through the real `hermes` binary and through the plugin.
 *
 * The binary runs twice. Started by meson it re-runs itself inside
 * tests/systemd-user-harness.sh (a private mount and PID namespace with
 * its own manager; needs root), then checks that nothing of the run is
 * left: no process, no cgroup, no temporary file. Inside the harness
 * (HERMES_SDH_INNER=1) it runs the tests. Not root, or no systemd: every
 * test says why it skipped.
 */

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-platform-private.h"
#include "hermes-svc.h"
#include "hermes-systemd-render.h"
#include "hermes-test.h"

#define WAIT_MS	     30000
#define HARNESS_WAIT "30"

static const gchar *skip_reason;

typedef struct {
	gchar *tmp;
	gchar *root; /* HERMES_HOME */
	HermesContext *ctx;
	HermesServiceManager *manager;
	GPtrArray *events; /* "profile=state" */
	GDBusConnection *bus;
	gchar **envp; /* for the hermes binary */
	gchar *out;
	gchar *err;
} Fixture;

/*****************************************************************************/
/* helpers */

static const gchar *
unit_dir(void)
{
	return hermes_test_env("SDH_UNIT_DIR");
}

static gchar *
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

static HermesContext *
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

static HermesServiceManager *
make_manager(HermesContext *ctx)
{
	g_autoptr(GError) error = NULL;
	HermesServiceManager *manager = hermes_backend_loader_new_manager(ctx, "systemd", &error);
	hermes_assert_no_error(error);
	return manager;
}

/* runs the built hermes (under valgrind in the valgrind setup) with the fixture's environment */
static gint
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

#define run(f, ...) run_env(f, NULL, (const gchar *const[]){__VA_ARGS__, NULL})

static void
assert_run_ok(Fixture *f, gint rc, const gchar *what)
{
	if (rc != 0)
		fail_msg("%s exited %d\nstdout: %s\nstderr: %s", what, rc, f->out, f->err);
}

/* a property of a unit, read behind the backend's back */
static GVariant *
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

static gchar *
unit_str(Fixture *f, const gchar *unit, const gchar *name)
{
	g_autoptr(GVariant) v = unit_prop(f, unit, "org.freedesktop.systemd1.Unit", name);
	return g_variant_dup_string(v, NULL);
}

static guint32
service_u32(Fixture *f, const gchar *unit, const gchar *name)
{
	g_autoptr(GVariant) v = unit_prop(f, unit, "org.freedesktop.systemd1.Service", name);
	return g_variant_get_uint32(v);
}

static gint32
service_i32(Fixture *f, const gchar *unit, const gchar *name)
{
	g_autoptr(GVariant) v = unit_prop(f, unit, "org.freedesktop.systemd1.Service", name);
	return g_variant_get_int32(v);
}

static void
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

/* the processes whose environment names @needle, e.g. a gateway of this test's home */
static gchar *
processes_with_env(const gchar *needle)
{
	g_autoptr(GDir) proc = g_dir_open("/proc", 0, NULL);
	g_autoptr(GString) out = g_string_new(NULL);
	const gchar *entry;
	while (proc != NULL && (entry = g_dir_read_name(proc)) != NULL) {
		g_autofree gchar *path = NULL;
		g_autofree gchar *env = NULL;
		gsize len = 0;
		if (!g_ascii_isdigit(entry[0]) || atoi(entry) == getpid())
			continue;
		path = g_strdup_printf("/proc/%s/environ", entry);
		if (!g_file_get_contents(path, &env, &len, NULL))
			continue;
		for (gsize off = 0; off < len; off += strlen(env + off) + 1) {
			if (g_strcmp0(env + off, needle) == 0) {
				g_string_append_printf(out, "%s%s", out->len > 0 ? " " : "", entry);
				break;
			}
		}
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* no unit file, no wants link, no unit in systemd, no gateway process of this test */
static void
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

static HermesGatewaySpec *
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

static void
register_spec(Fixture *f, HermesGatewaySpec *spec, HermesRegisterFlags flags)
{
	g_autoptr(GError) error = NULL;
	gboolean ok =
		hermes_service_manager_register_gateway(f->manager, spec, flags, NULL, &error);
	hermes_assert_no_error(error);
	assert_true(ok);
}

static HermesGatewayStatus *
status_of(Fixture *f, const gchar *profile)
{
	g_autoptr(GError) error = NULL;
	HermesGatewayStatus *status =
		hermes_service_manager_get_status(f->manager, profile, NULL, &error);
	hermes_assert_no_error(error);
	return status;
}

typedef gboolean (*StatusCheck)(HermesGatewayStatus *status, gpointer data);

/* waits, driven by gateway-changed events, until @check holds */
static HermesGatewayStatus *
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

static gboolean
is_state(HermesGatewayStatus *status, gpointer data)
{
	return (gint)hermes_gateway_status_get_state(status) == GPOINTER_TO_INT(data);
}

static gboolean
is_up_with_new_pid(HermesGatewayStatus *status, gpointer data)
{
	return hermes_gateway_status_get_state(status) == HERMES_GATEWAY_STATE_UP &&
	       hermes_gateway_status_get_pid(status) > 0 &&
	       hermes_gateway_status_get_pid(status) != *(gint64 *)data;
}

static JsonObject *
parse_object(const gchar *text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	if (!json_parser_load_from_data(parser, text, -1, &error))
		fail_msg("not JSON (%s): %s", error->message, text);
	return json_object_ref(json_node_get_object(json_parser_get_root(parser)));
}

/* `hermes -p <profile> gateway status --json`: the one gateway's object */
static JsonObject *
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

static gchar *
read_text(const gchar *path)
{
	gchar *text = NULL;
	g_autoptr(GError) error = NULL;
	if (!g_file_get_contents(path, &text, NULL, &error))
		fail_msg("cannot read %s: %s", path, error->message);
	return text;
}

/* every unit the backend writes must verify with nothing on stderr */
static void
assert_verifies(const gchar *path)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autoptr(GError) error = NULL;
	gint status = 0;
	const gchar *argv[] = {"systemd-analyze", "--user", "verify", path, NULL};
	g_spawn_sync(NULL,
		     (gchar **)argv,
		     NULL,
		     G_SPAWN_SEARCH_PATH,
		     NULL,
		     NULL,
		     &out,
		     &err,
		     &status,
		     &error);
	hermes_assert_no_error(error);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || err[0] != '\0')
		fail_msg("systemd-analyze --user verify %s: status %d, stderr: %s",
			 path,
			 status,
			 err);
}

/*****************************************************************************/
/* fixture */

static gint
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
	*state = f;
	return 0;
}

static gint
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

#define SKIP_UNLESS_HERE(f)                                            \
	do {                                                           \
		if (skip_reason != NULL) {                             \
			print_message("# skipped: %s\n", skip_reason); \
			skip();                                        \
		}                                                      \
	} while (0)

/* a call that must succeed; on failure the error says why */
#define assert_ok(call)                        \
	do {                                   \
		gboolean ok_ = (call);         \
		hermes_assert_no_error(error); \
		assert_true(ok_);              \
	} while (0)

/*****************************************************************************/
/* the tests */

/*
 * The whole life of a gateway through the real `hermes`: install, start,
 * status with the real MainPID, kill -9 (restarted, NRestarts grows, an
 * event), exit 78 (not restarted), stop (marker, inactive, stopped),
 * restart of a stopped unit, uninstall (nothing left).
 */
static void
test_systemd_cli_lifecycle(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = NULL;
	g_autofree gchar *unit = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *home = NULL;
	g_autofree gchar *conf = NULL;
	g_autoptr(JsonObject) st = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	GStatBuf before;
	GStatBuf after;
	gint64 pid;
	gint64 pid2;
	guint events_before;
	guint32 restarts;

	SKIP_UNLESS_HERE(f);
	path = unit_path("demo");
	unit = hermes_systemd_unit_name("demo");
	home = g_build_filename(f->root, "profiles", "demo", NULL);

	/* install writes exactly what render shows, and systemd loads it stopped */
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "render"), "render");
	text = g_strdup(f->out);
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "install"), "install");
	{
		g_autofree gchar *written = read_text(path);
		g_autofree gchar *header = g_strdup_printf("# file %s (mode 0644)\n", path);
		hermes_assert_str_contains(text, header);
		hermes_assert_str_contains(text, written);
		hermes_assert_str_contains(text, "# run: systemctl --user daemon-reload");
		hermes_assert_str_contains(written, "Type=notify\n");
		hermes_assert_str_contains(written, "RestartPreventExitStatus=0 78\n");
	}
	assert_verifies(path);
	assert_unit_state(f, unit, "inactive", "disabled");
	/* an identical install is a no-op: the file is not even rewritten */
	assert_int_equal(g_stat(path, &before), 0);
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "install"), "install again");
	assert_int_equal(g_stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);

	/* start: up and ready, with systemd's MainPID */
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "start"), "start");
	hermes_assert_str_contains(f->out, "Started gateway 'demo' (backend systemd)");
	pid = service_u32(f, unit, "MainPID");
	assert_true(pid > 0);
	st = cli_status(f, "demo");
	assert_string_equal(json_object_get_string_member(st, "state"), "up");
	assert_string_equal(json_object_get_string_member(st, "ready"), "yes");
	assert_int_equal(json_object_get_int_member(st, "pid"), pid);
	{
		g_autofree gchar *cmdline_path =
			g_strdup_printf("/proc/%" G_GINT64_FORMAT "/cmdline", pid);
		g_autofree gchar *cmdline = NULL;
		gsize len = 0;
		assert_true(g_file_get_contents(cmdline_path, &cmdline, &len, NULL));
		for (gsize i = 0; i + 1 < len; i++)
			if (cmdline[i] == '\0')
				cmdline[i] = ' ';
		hermes_assert_str_contains(cmdline, "-p demo gateway run");
	}
	g_clear_pointer(&st, json_object_unref);

	/* kill -9: systemd restarts it, NRestarts grows, and the change arrives as events */
	status = wait_status(f, "demo", is_state, GINT_TO_POINTER(HERMES_GATEWAY_STATE_UP), "up");
	g_clear_pointer(&status, hermes_gateway_status_unref);
	events_before = f->events->len;
	assert_int_equal(kill((pid_t)pid, SIGKILL), 0);
	status = wait_status(f, "demo", is_up_with_new_pid, &pid, "up again with a new pid");
	pid2 = hermes_gateway_status_get_pid(status);
	assert_true(f->events->len > events_before);
	restarts = service_u32(f, unit, "NRestarts");
	assert_int_equal(restarts, 1);
	assert_int_equal(hermes_gateway_status_get_restarts(status), 1);
	assert_int_equal(pid2, service_u32(f, unit, "MainPID"));
	g_clear_pointer(&status, hermes_gateway_status_unref);

	/* exit 78 (a payload with a fatal configuration): failed, and not restarted */
	conf = g_build_filename(home, "hermes-svc.conf", NULL);
	hermes_test_write_file(conf, "[gateway]\ncommand=/bin/sh -c 'exit 78'\n", 0644);
	assert_int_equal(kill((pid_t)pid2, SIGKILL), 0);
	status = wait_status(
		f, "demo", is_state, GINT_TO_POINTER(HERMES_GATEWAY_STATE_FAILED), "failed");
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), 78);
	hermes_assert_str_contains(hermes_gateway_status_get_raw(status, "systemd.reason"),
				   "main process exited 78 (fatal configuration)");
	g_clear_pointer(&status, hermes_gateway_status_unref);
	/* RestartSec is 1 s: a restart would have happened by now */
	hermes_test_spin(2500);
	{
		g_autofree gchar *active = unit_str(f, unit, "ActiveState");
		g_autofree gchar *result = NULL;
		{
			g_autoptr(GVariant) v =
				unit_prop(f, unit, "org.freedesktop.systemd1.Service", "Result");
			result = g_variant_dup_string(v, NULL);
		}
		assert_string_equal(active, "failed");
		assert_string_equal(result, "exit-code");
		assert_int_equal(service_u32(f, unit, "MainPID"), 0);
		assert_int_equal(service_i32(f, unit, "ExecMainStatus"), 78);
		assert_int_equal(service_u32(f, unit, "NRestarts"), 2);
	}
	st = cli_status(f, "demo");
	assert_string_equal(json_object_get_string_member(st, "state"), "failed");
	assert_int_equal(json_object_get_int_member(st, "last_exit_code"), 78);
	g_clear_pointer(&st, json_object_unref);

	/* an operator start is a fresh chance */
	assert_int_equal(g_unlink(conf), 0);
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "start"), "start after 78");
	pid = service_u32(f, unit, "MainPID");
	assert_true(pid > 0);

	/* stop: the marker in demo's home makes it an operator stop; inactive, state stopped */
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "stop"), "stop");
	assert_unit_state(f, unit, "inactive", NULL);
	{
		g_autofree gchar *state_path = g_build_filename(home, "gateway_state.json", NULL);
		g_autofree gchar *json = read_text(state_path);
		g_autoptr(JsonObject) gs = parse_object(json);
		g_autofree gchar *caller_marker =
			g_build_filename(f->root, ".gateway-planned-stop.json", NULL);
		g_autofree gchar *log = read_text(hermes_test_env("SDH_LOG"));
		assert_string_equal(json_object_get_string_member(gs, "gateway_state"), "stopped");
		assert_string_equal(json_object_get_string_member(gs, "exit_reason"),
				    "operator stop");
		assert_string_equal(json_object_get_string_member(gs, "desired_state"), "stopped");
		assert_false(g_file_test(caller_marker, G_FILE_TEST_EXISTS));
		hermes_assert_str_contains(log, "gateway: operator stop, exiting 0");
	}
	assert_false(hermes_platform_process_alive(pid));
	st = cli_status(f, "demo");
	assert_string_equal(json_object_get_string_member(st, "state"), "down");
	assert_string_equal(json_object_get_string_member(st, "wanted"), "down");
	g_clear_pointer(&st, json_object_unref);

	/* restart of a stopped unit starts it */
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "restart"), "restart");
	assert_unit_state(f, unit, "active", NULL);
	pid2 = service_u32(f, unit, "MainPID");
	assert_true(pid2 > 0 && pid2 != pid);

	/* uninstall: stopped, no file, no unit, no process */
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "uninstall"), "uninstall");
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	assert_false(hermes_platform_process_alive(pid2));
	assert_nothing_left(f);
	/* and a unit that is not there is a clear error with exit 3 */
	assert_int_equal(run(f, "-p", "demo", "gateway", "stop"), 3);
	hermes_assert_str_contains(f->err, "gateway 'demo' is not registered with systemd");
	/* uninstalling again is fine */
	assert_run_ok(f, run(f, "-p", "demo", "gateway", "uninstall"), "uninstall again");
}

static void
test_systemd_register_rules(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	g_autoptr(GPtrArray) steps = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autofree gchar *path = NULL;
	g_autofree gchar *unit = NULL;
	g_autofree gchar *last = NULL;
	GStatBuf before;
	GStatBuf after;
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

	/* registered, started and enabled in one go; events tell the listener */
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

	/* NO_RESCAN writes the unit and tells nobody; the next start reloads first */
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

static gboolean
is_settled(HermesGatewayStatus *status, gpointer data)
{
	const gchar *sub = hermes_gateway_status_get_raw(status, "systemd.sub_state");
	return hermes_gateway_status_get_pid(status) == 0 &&
	       (g_strcmp0(sub, "dead") == 0 || g_strcmp0(sub, "failed") == 0);
}

static void
test_systemd_exit_codes(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) zero = NULL;
	g_autoptr(HermesGatewaySpec) loop = NULL;
	g_autoptr(HermesGatewaySpec) now = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autoptr(HermesProfile) p1 = NULL;
	g_autoptr(HermesProfile) p2 = NULL;
	g_autofree gchar *unit = NULL;
	g_autofree gchar *runs = NULL;
	g_autofree gchar *flag = NULL;

	SKIP_UNLESS_HERE(f);
	p1 = hermes_profile_create(f->ctx, "zero", &error);
	hermes_assert_no_error(error);
	p2 = hermes_profile_create(f->ctx, "loop", &error);
	hermes_assert_no_error(error);

	/* exit 0 is an intentional stop: down, not restarted (each run leaves a line) */
	runs = g_build_filename(f->tmp, "zero-runs", NULL);
	zero = spec_for(
		f,
		"zero",
		(const gchar *[]){
			"/bin/sh", "-c", "echo run >>\"$0\"; sleep 0.5; exit 0", runs, NULL});
	hermes_gateway_spec_set_restart_delay_ms(zero, 100);
	register_spec(f, zero, HERMES_REGISTER_FLAG_START);
	status = wait_status(f, "zero", is_settled, NULL, "ended");
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_DOWN);
	/* systemd unloads an inactive unit, and its exit status with it */
	assert_string_equal(hermes_gateway_status_get_raw(status, "systemd.result"), "success");
	g_clear_pointer(&status, hermes_gateway_status_unref);
	hermes_test_spin(1000);
	status = status_of(f, "zero");
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_DOWN);
	{
		g_autofree gchar *text = read_text(runs);
		assert_string_equal(text, "run\n");
	}
	g_clear_pointer(&status, hermes_gateway_status_unref);

	/* a crash loop trips the breaker (5 starts in 60 s): parked, with the reason */
	loop = spec_for(f, "loop", (const gchar *[]){"/bin/sh", "-c", "exit 3", NULL});
	hermes_gateway_spec_set_restart_delay_ms(loop, 100);
	register_spec(f, loop, HERMES_REGISTER_FLAG_NONE);
	/* `done` is not health: the process is gone before the start returns */
	assert_false(hermes_service_manager_start(f->manager, "loop", NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_COMMAND_FAILED);
	hermes_assert_str_contains(error->message, "start of hermes-gateway-loop.service failed");
	g_clear_error(&error);
	status = wait_status(
		f, "loop", is_state, GINT_TO_POINTER(HERMES_GATEWAY_STATE_PARKED), "parked");
	hermes_assert_str_contains(hermes_gateway_status_get_raw(status, "systemd.reason"),
				   "circuit breaker: 5 starts within 60 s hit the start limit");
	assert_int_equal(hermes_gateway_status_get_last_exit_code(status), 3);
	/* the start and 5 restarts; the last one was refused by the start limit */
	assert_int_equal(hermes_gateway_status_get_restarts(status), 5);
	g_clear_pointer(&status, hermes_gateway_status_unref);

	/* exit 75 asks for a restart at once, and is no failure */
	flag = g_build_filename(f->tmp, "restarted-once", NULL);
	now = spec_for(f,
		       "loop",
		       (const gchar *[]){"/bin/sh",
					 "-c",
					 "if [ -e \"$0\" ]; then exec sleep 100000; fi; touch "
					 "\"$0\"; sleep 1; exit 75",
					 flag,
					 NULL});
	hermes_gateway_spec_set_restart_delay_ms(now, 100);
	register_spec(f, now, HERMES_REGISTER_FLAG_REPLACE);
	assert_ok(hermes_service_manager_start(f->manager, "loop", NULL, &error));
	hermes_assert_no_error(error);
	unit = hermes_systemd_unit_name("loop");
	status = wait_status(f, "loop", is_state, GINT_TO_POINTER(HERMES_GATEWAY_STATE_UP), "up");
	{
		gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
		while (service_u32(f, unit, "NRestarts") < 1 && g_get_monotonic_time() < deadline)
			hermes_test_spin(20);
		assert_int_equal(service_u32(f, unit, "NRestarts"), 1);
	}
	g_clear_pointer(&status, hermes_gateway_status_unref);
	assert_ok(hermes_service_manager_unregister_gateway(f->manager, "loop", NULL, &error));
	assert_ok(hermes_service_manager_unregister_gateway(f->manager, "zero", NULL, &error));
	hermes_assert_no_error(error);
	assert_nothing_left(f);
}

static void
test_systemd_stubborn_gateway_is_killed_after_drain(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	gint64 t0;
	gint64 pid;

	SKIP_UNLESS_HERE(f);
	/* ignores SIGTERM; exec keeps the pid systemd knows */
	spec = spec_for(
		f,
		"demo",
		(const gchar *[]){"/bin/sh", "-c", "trap '' TERM; exec sleep 100000", NULL});
	hermes_gateway_spec_set_stop_timeout_ms(spec, 500);
	register_spec(f, spec, HERMES_REGISTER_FLAG_START);
	status = status_of(f, "demo");
	pid = hermes_gateway_status_get_pid(status);
	assert_true(pid > 0);
	g_clear_pointer(&status, hermes_gateway_status_unref);
	/* sh would exit on TERM before the trap is set: let it get there */
	hermes_test_spin(200);
	t0 = g_get_monotonic_time();
	assert_ok(hermes_service_manager_stop(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
	/* SIGTERM is ignored, so systemd sends SIGKILL after the drain time */
	assert_true(g_get_monotonic_time() - t0 < 5 * G_USEC_PER_SEC);
	assert_true(g_get_monotonic_time() - t0 >= 400 * 1000);
	assert_false(hermes_platform_process_alive(pid));
	status = status_of(f, "demo");
	assert_int_equal(hermes_gateway_status_get_last_signal(status), SIGKILL);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_FAILED);
	assert_ok(hermes_service_manager_unregister_gateway(f->manager, "demo", NULL, &error));
	hermes_assert_no_error(error);
	assert_nothing_left(f);
}

/* a context whose user-manager variables are replaced */
static HermesServiceManager *
manager_with_env(Fixture *f, const gchar *runtime, const gchar *bus, HermesContext **ctx_out)
{
	HermesContext *ctx = make_context(f);
	hermes_context_setenv(ctx, "XDG_RUNTIME_DIR", runtime);
	hermes_context_setenv(ctx, "DBUS_SESSION_BUS_ADDRESS", bus);
	*ctx_out = ctx;
	return make_manager(ctx);
}

static void
test_systemd_unreachable_and_derived(void **state)
{
	Fixture *f = *state;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesGatewaySpec) spec = NULL;
	g_autoptr(HermesContext) ctx = NULL;
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(HermesGatewayStatus) status = NULL;
	g_autofree gchar *empty = NULL;
	g_autofree gchar *foreign = NULL;
	g_autofree gchar *foreign_bus = NULL;
	g_autofree gchar *path = NULL;
	g_auto(GStrv) envp = NULL;
	gboolean running = TRUE;
	gint64 pid = 0;
	g_autofree gchar *detail = NULL;

	SKIP_UNLESS_HERE(f);
	path = unit_path("demo");
	empty = g_build_filename(f->tmp, "empty-runtime", NULL);
	g_mkdir(empty, 0700);

	/* no bus and no private socket: unreachable, said clearly, nothing written */
	manager = manager_with_env(f, empty, NULL, &ctx);
	spec = spec_for(f, "demo", NULL);
	assert_false(hermes_service_manager_register_gateway(manager, spec, 0, NULL, &error));
	hermes_assert_error(error, HERMES_ERROR, HERMES_ERROR_SUPERVISOR_UNAVAILABLE);
	hermes_assert_str_contains(error->message,
				   "the user manager of root (uid 0) is unreachable");
	hermes_assert_str_contains(error->message, "loginctl enable-linger root");
	g_clear_error(&error);
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	assert_ok(hermes_service_manager_supervisor_status(
		manager, &running, &pid, &detail, NULL, &error));
	assert_false(running);
	hermes_assert_str_contains(detail, "unreachable");
	g_clear_pointer(&detail, g_free);
	/* through the CLI: exit 69, one line that says why and what to do */
	envp = g_strdupv(f->envp);
	envp = g_environ_setenv(envp, "XDG_RUNTIME_DIR", empty, TRUE);
	envp = g_environ_unsetenv(envp, "DBUS_SESSION_BUS_ADDRESS");
	assert_int_equal(
		run_env(f, envp, (const gchar *[]){"-p", "demo", "gateway", "start", NULL}), 69);
	hermes_assert_str_contains(f->err, "is unreachable");
	hermes_assert_str_contains(f->err, "loginctl enable-linger");
	assert_int_equal(run_env(f, envp, (const gchar *[]){"backends", NULL}), 0);
	hermes_assert_str_contains(
		f->out, ", but systemd: the user manager of root (uid 0) is unreachable");
	g_clear_object(&manager);
	g_clear_object(&ctx);
	g_clear_pointer(&envp, g_strfreev);

	/* upstream #86558: another user's runtime directory is ignored, ours derived */
	register_spec(f, spec, HERMES_REGISTER_FLAG_START);
	foreign = g_build_filename(f->tmp, "foreign-runtime", NULL);
	g_mkdir(foreign, 0700);
	assert_int_equal(chown(foreign, 65534, 65534), 0);
	foreign_bus = g_strdup_printf("unix:path=%s/bus", foreign);
	manager = manager_with_env(f, foreign, foreign_bus, &ctx);
	status = hermes_service_manager_get_status(manager, "demo", NULL, &error);
	hermes_assert_no_error(error);
	assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_UP);
	g_clear_pointer(&status, hermes_gateway_status_unref);
	g_clear_object(&manager);
	g_clear_object(&ctx);
	envp = g_strdupv(f->envp);
	envp = g_environ_setenv(envp, "XDG_RUNTIME_DIR", foreign, TRUE);
	envp = g_environ_setenv(envp, "DBUS_SESSION_BUS_ADDRESS", foreign_bus, TRUE);
	assert_int_equal(run_env(f, envp, (const gchar *[]){"backends", NULL}), 0);
	{
		g_autofree gchar *note = g_strdup_printf(
			"XDG_RUNTIME_DIR=%s ignored: it belongs to uid 65534, not 0", foreign);
		hermes_assert_str_contains(f->out, note);
		hermes_assert_str_contains(f->out, "answers on the bus unix:path=/run/user/0/bus");
		hermes_assert_str_contains(f->out, "linger is");
	}
	assert_run_ok(f,
		      run_env(f, envp, (const gchar *[]){"-p", "demo", "gateway", "status", NULL}),
		      "status with a foreign XDG_RUNTIME_DIR");
	hermes_assert_str_contains(f->out, "Manager: systemd (user): systemd ");
	g_clear_pointer(&envp, g_strfreev);

	/* no bus at all, only the manager's private socket: peer-to-peer works the same */
	{
		g_autofree gchar *p2p = g_build_filename(f->tmp, "p2p-runtime", NULL);
		g_autofree gchar *p2p_systemd = g_build_filename(p2p, "systemd", NULL);
		g_autofree gchar *link = g_build_filename(p2p_systemd, "private", NULL);
		g_autofree gchar *target = g_build_filename(
			hermes_test_env("XDG_RUNTIME_DIR"), "systemd", "private", NULL);
		g_mkdir_with_parents(p2p_systemd, 0700);
		assert_int_equal(symlink(target, link), 0);
		manager = manager_with_env(f, p2p, NULL, &ctx);
		assert_ok(hermes_service_manager_stop(manager, "demo", NULL, &error));
		hermes_assert_no_error(error);
		assert_ok(hermes_service_manager_start(manager, "demo", NULL, &error));
		hermes_assert_no_error(error);
		assert_ok(hermes_service_manager_supervisor_status(
			manager, &running, &pid, &detail, NULL, &error));
		hermes_assert_no_error(error);
		assert_true(running);
		assert_true(pid > 0);
		hermes_assert_str_contains(detail, "via the manager's private socket");
		g_clear_pointer(&detail, g_free);
		status = hermes_service_manager_get_status(manager, "demo", NULL, &error);
		assert_int_equal(hermes_gateway_status_get_state(status), HERMES_GATEWAY_STATE_UP);
		g_clear_pointer(&status, hermes_gateway_status_unref);
		assert_true(
			hermes_service_manager_unregister_gateway(manager, "demo", NULL, &error));
		hermes_assert_no_error(error);
		g_clear_object(&manager);
		g_clear_object(&ctx);
	}
	assert_nothing_left(f);
}

/* profile create and delete register and remove the unit; start and status just work */
static void
test_systemd_profile_hooks(void **state)
{
	Fixture *f = *state;
	g_autofree gchar *path = NULL;
	g_autofree gchar *unit = NULL;
	gint64 pid;

	SKIP_UNLESS_HERE(f);
	path = unit_path("x");
	unit = hermes_systemd_unit_name("x");
	assert_run_ok(f, run(f, "profile", "create", "x"), "profile create");
	hermes_assert_str_contains(f->out, "Registered gateway 'x' with systemd (user), stopped");
	assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
	assert_unit_state(f, unit, "inactive", "disabled");
	assert_run_ok(f, run(f, "-p", "x", "gateway", "start"), "start");
	pid = service_u32(f, unit, "MainPID");
	assert_true(pid > 0);
	/* the "done when": create, start, status, with no other step */
	assert_run_ok(f, run(f, "gateway", "status"), "status");
	hermes_assert_str_contains(f->out, "Manager: systemd (user)");
	assert_run_ok(f, run(f, "gateway", "status", "--all"), "status --all");
	hermes_assert_str_contains(f->out, "Manager: systemd (user)");
	{
		g_autofree gchar *row = g_strdup_printf("%" G_GINT64_FORMAT, pid);
		hermes_assert_str_contains(f->out, row);
	}
	assert_run_ok(f, run(f, "status", "--json"), "status --json");
	hermes_assert_str_contains(f->out, "\"profile\" : \"x\"");
	assert_run_ok(f, run(f, "supervisor", "status"), "supervisor status");
	hermes_assert_str_contains(f->out, "Running: systemd ");
	assert_run_ok(f, run(f, "profile", "delete", "x", "--yes"), "profile delete");
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	assert_false(hermes_platform_process_alive(pid));
	assert_nothing_left(f);
}

/*****************************************************************************/
/* the outer run: re-run inside the harness, then check nothing is left */

static const gchar *
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

static gint
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

static gint
group_setup(void **state)
{
	hermes_test_init();
	return 0;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		T(test_systemd_cli_lifecycle),
		T(test_systemd_register_rules),
		T(test_systemd_round_trip),
		T(test_systemd_exit_codes),
		T(test_systemd_stubborn_gateway_is_killed_after_drain),
		T(test_systemd_unreachable_and_derived),
		T(test_systemd_profile_hooks),
	};
	/* the gateways' output must not interleave with TAP */
	signal(SIGPIPE, SIG_IGN);
	if (g_getenv("HERMES_SDH_INNER") == NULL) {
		skip_reason = why_not_here();
		if (skip_reason == NULL) {
			g_autofree gchar *self_path = g_canonicalize_filename(argv[0], NULL);
			return outer_main(self_path);
		}
	}
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
