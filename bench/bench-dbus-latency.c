/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * How long a client of hermes-svcd waits to hear that a gateway died:
 * kill -9 of a supervised gateway to the PropertiesChanged (new Pid) the
 * real daemon sends on a private bus, over a real s6-svscan. The baseline,
 * measured on the same kills, is the backend's own gateway-changed signal
 * in this process: the floor any consumer of s6's events pays. Prints the
 * median (and p90) of both; fails when the bus median exceeds the target.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hermes-status-service.h"
#include "hermes-svc.h"

/* one kill per gateway: s6 would throttle respawns and the finish script park a crash loop */
#define ROUNDS	15
#define WAIT_MS 10000

typedef struct {
	gchar *root;
	gchar *scandir;
	gchar *home;
	gchar *bin_dir;
	GPid scanner;
	GSubprocess *daemon;
	/* the round in progress */
	gchar *profile;
	gchar *path;
	gint64 old_pid;
	gint64 killed_at;
	gint64 inproc_at;
	gint64 bus_at;
} Bench;

static gboolean
bench_control(const gchar *scandir, const gchar *command)
{
	g_autofree gchar *fifo = g_build_filename(scandir, ".s6-svscan", "control", NULL);
	gint fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	gboolean ok;
	if (fd < 0)
		return FALSE;
	ok = write(fd, command, strlen(command)) == (gssize)strlen(command);
	close(fd);
	return ok;
}

static gboolean
bench_start_scanner(Bench *b, GError **error)
{
	g_autofree gchar *svscan = g_build_filename(b->bin_dir, "s6-svscan", NULL);
	const gchar *argv[] = {svscan, "-c", "100", b->scandir, NULL};
	gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	g_auto(GStrv) envp = g_environ_setenv(g_get_environ(), "HERMES_HOME", b->home, TRUE);
	if (!g_spawn_async(NULL,
			   (gchar **)argv,
			   envp,
			   G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
			   NULL,
			   NULL,
			   &b->scanner,
			   error))
		return FALSE;
	while (!bench_control(b->scandir, "")) {
		if (g_get_monotonic_time() > deadline) {
			g_set_error_literal(error,
					    G_SPAWN_ERROR,
					    G_SPAWN_ERROR_FAILED,
					    "s6-svscan did not start");
			return FALSE;
		}
		g_usleep(5000);
	}
	return TRUE;
}

static void
bench_stop_scanner(Bench *b)
{
	gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
	gint status;
	if (b->scanner <= 0)
		return;
	if (!bench_control(b->scandir, "t"))
		kill(b->scanner, SIGTERM);
	while (waitpid(b->scanner, &status, WNOHANG) == 0) {
		if (g_get_monotonic_time() > deadline) {
			kill(b->scanner, SIGKILL);
			waitpid(b->scanner, &status, 0);
			break;
		}
		g_usleep(10000);
	}
	b->scanner = 0;
	/* the supervisors leave with the scanner; give them their moment */
	g_usleep(200000);
}

static void
bench_gateway_changed_cb(HermesServiceManager *manager,
			 const gchar *profile,
			 HermesGatewayStatus *status,
			 gpointer user_data)
{
	Bench *b = user_data;
	if (b->killed_at == 0 || b->inproc_at != 0 || status == NULL ||
	    g_strcmp0(profile, b->profile) != 0)
		return;
	if (hermes_gateway_status_get_pid(status) != b->old_pid)
		b->inproc_at = g_get_monotonic_time();
}

static void
bench_properties_changed_cb(GDBusConnection *connection,
			    const gchar *sender,
			    const gchar *path,
			    const gchar *interface,
			    const gchar *member,
			    GVariant *params,
			    gpointer user_data)
{
	Bench *b = user_data;
	g_autoptr(GVariant) changed = g_variant_get_child_value(params, 1);
	gint64 pid;
	if (g_strcmp0(path, b->path) != 0 || !g_variant_lookup(changed, "Pid", "x", &pid))
		return;
	if (b->killed_at != 0 && b->bus_at == 0 && pid != b->old_pid)
		b->bus_at = g_get_monotonic_time();
}

static gboolean
bench_iterate_until(gboolean (*done)(Bench *), Bench *b, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	while (!done(b)) {
		if (g_get_monotonic_time() > deadline)
			return FALSE;
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(1000);
	}
	return TRUE;
}

static gboolean
bench_both_seen(Bench *b)
{
	return b->inproc_at != 0 && b->bus_at != 0;
}

static gint
bench_cmp(gconstpointer a, gconstpointer b)
{
	gint64 x = *(const gint64 *)a;
	gint64 y = *(const gint64 *)b;
	return x < y ? -1 : x > y ? 1 : 0;
}

static gdouble
bench_quantile_ms(GArray *us, gdouble q)
{
	g_array_sort(us, bench_cmp);
	return g_array_index(us, gint64, MIN((guint)(q * us->len), us->len - 1)) / 1000.0;
}

static GVariant *
bench_get(GDBusConnection *c, const gchar *path, const gchar *name, GError **error)
{
	g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
		c,
		HERMES_STATUS_SERVICE_BUS_NAME,
		path,
		"org.freedesktop.DBus.Properties",
		"Get",
		g_variant_new("(ss)", HERMES_STATUS_SERVICE_GATEWAY_INTERFACE, name),
		G_VARIANT_TYPE("(v)"),
		G_DBUS_CALL_FLAGS_NO_AUTO_START,
		-1,
		NULL,
		error);
	GVariant *value = NULL;
	if (reply != NULL)
		g_variant_get(reply, "(v)", &value);
	return value;
}

static gint
bench_run(Bench *b, const gchar *svcd, const gchar *backend_path, gdouble limit_ms)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesContext) ctx = hermes_context_new();
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(GDBusConnection) client = NULL;
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
	g_autoptr(GArray) bus_us = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_autoptr(GArray) inproc_us = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_auto(GStrv) names = NULL;
	const gchar *argv[] = {"/bin/sleep", "100000", NULL};
	guint sub;
	gdouble bus_median;

	if (!bench_start_scanner(b, &error)) {
		g_printerr("cannot start s6-svscan: %s\n", error->message);
		return 1;
	}
	hermes_context_setenv(ctx, "HERMES_BACKEND_PATH", backend_path);
	hermes_context_setenv(ctx, "HERMES_S6_SCANDIR", b->scandir);
	hermes_context_setenv(ctx, "HERMES_S6_BIN_DIR", b->bin_dir);
	hermes_context_setenv(ctx, "HERMES_HOME", b->home);
	manager = hermes_backend_loader_new_manager(ctx, "s6", &error);
	if (manager == NULL) {
		g_printerr("no s6 backend: %s\n", error->message);
		return 1;
	}
	/* the gateways: plain processes, so nothing but s6 and the daemon is measured */
	for (guint i = 0; i < ROUNDS; i++) {
		g_autofree gchar *name = g_strdup_printf("b%02u", i);
		g_autoptr(HermesProfile) profile = hermes_profile_create(ctx, name, &error);
		g_autoptr(HermesGatewaySpec) spec =
			profile != NULL ? hermes_gateway_spec_new(name, &error) : NULL;
		if (spec == NULL) {
			g_printerr("cannot set up gateway %s: %s\n", name, error->message);
			return 1;
		}
		hermes_gateway_spec_set_argv(spec, argv);
		hermes_gateway_spec_set_notify(spec, FALSE);
		if (!hermes_service_manager_register_gateway(
			    manager, spec, HERMES_REGISTER_FLAG_START, NULL, &error)) {
			g_printerr("cannot register gateway %s: %s\n", name, error->message);
			return 1;
		}
	}
	/* the baseline listens to the backend directly */
	g_signal_connect(manager, "gateway-changed", G_CALLBACK(bench_gateway_changed_cb), b);
	names = hermes_service_manager_list_gateways(manager, NULL, NULL);

	/* the daemon, on the private bus (DBUS_SESSION_BUS_ADDRESS is set by GTestDBus) */
	{
		g_auto(GStrv) envp = g_get_environ();
		envp = g_environ_setenv(envp, "HERMES_HOME", b->home, TRUE);
		envp = g_environ_setenv(envp, "HERMES_S6_SCANDIR", b->scandir, TRUE);
		envp = g_environ_setenv(envp, "HERMES_S6_BIN_DIR", b->bin_dir, TRUE);
		envp = g_environ_setenv(envp, "HERMES_BACKEND_PATH", backend_path, TRUE);
		envp = g_environ_setenv(envp, "HERMES_SERVICE_MANAGER", "s6", TRUE);
		g_subprocess_launcher_set_environ(launcher, envp);
	}
	b->daemon = g_subprocess_launcher_spawn(launcher, &error, svcd, "--session", NULL);
	if (b->daemon == NULL) {
		g_printerr("cannot start %s: %s\n", svcd, error->message);
		return 1;
	}
	client = g_dbus_connection_new_for_address_sync(
		g_getenv("DBUS_SESSION_BUS_ADDRESS"),
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL,
		NULL,
		&error);
	if (client == NULL) {
		g_printerr("no bus: %s\n", error->message);
		return 1;
	}
	sub = g_dbus_connection_signal_subscribe(client,
						 HERMES_STATUS_SERVICE_BUS_NAME,
						 "org.freedesktop.DBus.Properties",
						 "PropertiesChanged",
						 NULL,
						 NULL,
						 G_DBUS_SIGNAL_FLAGS_NONE,
						 bench_properties_changed_cb,
						 b,
						 NULL);

	for (guint round = 0; round < ROUNDS; round++) {
		gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
		gint64 bus_latency;
		gint64 inproc_latency;
		g_free(b->profile);
		g_free(b->path);
		b->profile = g_strdup_printf("b%02u", round);
		b->path = hermes_status_service_gateway_path(b->profile);
		/* up, as the daemon sees it (the first round also waits for the daemon) */
		while (TRUE) {
			g_autoptr(GVariant) state = bench_get(client, b->path, "State", NULL);
			g_autoptr(GVariant) pid = bench_get(client, b->path, "Pid", NULL);
			if (state != NULL && pid != NULL &&
			    g_strcmp0(g_variant_get_string(state, NULL), "up") == 0) {
				b->old_pid = g_variant_get_int64(pid);
				break;
			}
			if (g_get_monotonic_time() > deadline) {
				g_printerr("the daemon never showed %s up\n", b->profile);
				g_dbus_connection_signal_unsubscribe(client, sub);
				return 1;
			}
			g_usleep(10000);
		}
		b->inproc_at = 0;
		b->bus_at = 0;
		b->killed_at = g_get_monotonic_time();
		if (kill((pid_t)b->old_pid, SIGKILL) != 0) {
			g_printerr("cannot kill %" G_GINT64_FORMAT ": %s\n",
				   b->old_pid,
				   g_strerror(errno));
			break;
		}
		if (!bench_iterate_until(bench_both_seen, b, WAIT_MS)) {
			g_printerr("%s: no %s within %d s\n",
				   b->profile,
				   b->bus_at == 0 ? "PropertiesChanged" : "gateway-changed",
				   WAIT_MS / 1000);
			break;
		}
		bus_latency = b->bus_at - b->killed_at;
		inproc_latency = b->inproc_at - b->killed_at;
		g_array_append_val(bus_us, bus_latency);
		g_array_append_val(inproc_us, inproc_latency);
		b->killed_at = 0;
	}
	g_dbus_connection_signal_unsubscribe(client, sub);
	g_dbus_connection_close_sync(client, NULL, NULL);
	if (bus_us->len < ROUNDS) {
		g_printerr("only %u of %d rounds completed\n", bus_us->len, ROUNDS);
		return 1;
	}
	bus_median = bench_quantile_ms(bus_us, 0.5);
	printf("kill -9 to PropertiesChanged from hermes-svcd: median %.2f ms, p90 %.2f ms "
	       "(%d kills); the backend's in-process gateway-changed: median %.2f ms, p90 %.2f ms; "
	       "the bus adds %.2f ms\n",
	       bus_median,
	       bench_quantile_ms(bus_us, 0.9),
	       ROUNDS,
	       bench_quantile_ms(inproc_us, 0.5),
	       bench_quantile_ms(inproc_us, 0.9),
	       bus_median - bench_quantile_ms(inproc_us, 0.5));
	if (limit_ms > 0 && bus_median > limit_ms) {
		printf("median %.2f ms is above the target %.1f ms\n", bus_median, limit_ms);
		return 1;
	}
	return 0;
}

static void
bench_stop_daemon(Bench *b)
{
	if (b->daemon == NULL)
		return;
	g_subprocess_send_signal(b->daemon, SIGTERM);
	g_subprocess_wait(b->daemon, NULL, NULL);
	g_clear_object(&b->daemon);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GTestDBus) bus = NULL;
	g_autofree gchar *svscan = NULL;
	const gchar *backend_path = g_getenv("HERMES_BACKEND_PATH");
	const gchar *bin_dir = g_getenv("HERMES_S6_BIN_DIR");
	gdouble limit = argc > 1 ? g_ascii_strtod(argv[1], NULL) : 0;
	const gchar *svcd = argc > 2 ? argv[2] : NULL;
	Bench b = {NULL};
	gint ret;

	if (svcd == NULL || backend_path == NULL || backend_path[0] == '\0') {
		g_printerr("usage: HERMES_BACKEND_PATH=<s6 backend dir> bench-dbus-latency "
			   "TARGET_MS PATH_TO_HERMES_SVCD\n");
		return 1;
	}
	if (bin_dir != NULL && bin_dir[0] != '\0')
		svscan = g_build_filename(bin_dir, "s6-svscan", NULL);
	else
		svscan = g_find_program_in_path("s6-svscan");
	if (svscan == NULL || !g_file_test(svscan, G_FILE_TEST_IS_EXECUTABLE)) {
		g_printerr("no s6-svscan (set $HERMES_S6_BIN_DIR or $PATH)\n");
		return 1;
	}
	/* our gateways must not write into the terminal's pipe after we are gone */
	signal(SIGPIPE, SIG_IGN);
	b.bin_dir = g_path_get_dirname(svscan);
	b.root = g_dir_make_tmp("hermes-bench-dbus-XXXXXX", &error);
	if (b.root == NULL) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	b.scandir = g_build_filename(b.root, "scan", NULL);
	b.home = g_build_filename(b.root, "home", NULL);
	g_mkdir(b.scandir, 0755);
	g_mkdir(b.home, 0755);

	bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(bus);
	ret = bench_run(&b, svcd, backend_path, limit);
	bench_stop_daemon(&b);
	bench_stop_scanner(&b);
	g_test_dbus_down(bus);

	if (!hermes_file_remove_tree(b.root, &error)) {
		g_printerr("%s\n", error->message);
		ret = 1;
	}
	g_free(b.root);
	g_free(b.scandir);
	g_free(b.home);
	g_free(b.bin_dir);
	g_free(b.profile);
	g_free(b.path);
	return ret;
}
