/*
 * Copyright 2026 The hermes-svc authors
 * SPDX-License-Identifier: MIT
 */

/*
 * hermes-svcd: the gateways of the active backend on D-Bus as
 * ai.hermes.ServiceManager1. A thin main over HermesStatusService: pick the
 * bus, export, own the name, run until SIGTERM/SIGINT or the bus goes away.
 */

#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include "hermes-dbus-connect.h"
#include "hermes-http-server.h"
#include "hermes-status-service.h"
#include "hermes-svc.h"
#include "hermes-svcd-cluster.h"

/* sysexits, as the CLI's (docs/cli.md) */
#define HERMES_SVCD_EXIT_OK	     0
#define HERMES_SVCD_EXIT_FAILED	     1
#define HERMES_SVCD_EXIT_USAGE	     64
#define HERMES_SVCD_EXIT_UNAVAILABLE 69

typedef struct {
	GMainLoop *loop;
	gint exit_code;
	gboolean acquired;
	gboolean verbose;
} HermesSvcd;

static void
hermes_svcd_quit(HermesSvcd *svcd, gint exit_code)
{
	if (svcd->exit_code == HERMES_SVCD_EXIT_OK)
		svcd->exit_code = exit_code;
	g_main_loop_quit(svcd->loop);
}

static gboolean
hermes_svcd_signal_cb(gpointer user_data)
{
	HermesSvcd *svcd = user_data;
	if (svcd->verbose)
		g_printerr("hermes-svcd: terminating\n");
	hermes_svcd_quit(svcd, HERMES_SVCD_EXIT_OK);
	return G_SOURCE_CONTINUE;
}

static void
hermes_svcd_name_acquired_cb(GDBusConnection *connection, const gchar *name, gpointer user_data)
{
	HermesSvcd *svcd = user_data;
	svcd->acquired = TRUE;
	if (svcd->verbose)
		g_printerr("hermes-svcd: serving %s\n", name);
}

static void
hermes_svcd_name_lost_cb(GDBusConnection *connection, const gchar *name, gpointer user_data)
{
	HermesSvcd *svcd = user_data;
	if (svcd->acquired)
		g_printerr("hermes-svcd: lost the name %s\n", name);
	else
		g_printerr("hermes-svcd: cannot own the name %s: another hermes-svcd has it, or "
			   "the bus policy does not allow this user to\n",
			   name);
	hermes_svcd_quit(svcd, HERMES_SVCD_EXIT_UNAVAILABLE);
}

static void
hermes_svcd_closed_cb(GDBusConnection *connection,
		      gboolean remote_peer_vanished,
		      GError *error,
		      gpointer user_data)
{
	HermesSvcd *svcd = user_data;
	g_printerr("hermes-svcd: the bus connection closed%s%s\n",
		   error != NULL ? ": " : "",
		   error != NULL ? error->message : "");
	hermes_svcd_quit(svcd, HERMES_SVCD_EXIT_UNAVAILABLE);
}

/* the web door beside the bus, over the same service (daemon/hermes-http-server.c) */
static HermesHttpServer *
hermes_svcd_serve_http(HermesStatusService *service,
		       HermesContext *ctx,
		       const gchar *address,
		       const gchar *dashboard_dir,
		       gboolean read_only_public,
		       GError **error)
{
	g_autofree gchar *home = hermes_profile_get_root(ctx);
	g_autoptr(HermesHttpServer) http = NULL;

	/* the token lives in the home: a daemon started before any profile makes it */
	if (g_mkdir_with_parents(home, 0700) != 0) {
		g_set_error(error,
			    G_FILE_ERROR,
			    g_file_error_from_errno(errno),
			    "cannot make %s: %s",
			    home,
			    g_strerror(errno));
		return NULL;
	}
	http = hermes_http_server_new(service, home, dashboard_dir, read_only_public, error);
	if (http == NULL || !hermes_http_server_listen(http, address, error))
		return NULL;
	return g_steal_pointer(&http);
}

int
main(int argc, char **argv)
{
	g_autoptr(GOptionContext) options = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(HermesContext) ctx = NULL;
	g_autoptr(HermesServiceManager) manager = NULL;
	g_autoptr(HermesStatusService) service = NULL;
	g_autoptr(GDBusConnection) connection = NULL;
	g_autoptr(GMainLoop) loop = NULL;
	g_autoptr(HermesHttpServer) http = NULL;
	g_autoptr(HermesSvcdCluster) cluster = NULL;
	g_autofree gchar *http_address = NULL;
	g_autofree gchar *dashboard_dir = NULL;
	gboolean read_only_public = FALSE;
	gboolean no_bus = FALSE;
	HermesSvcd svcd = {NULL, HERMES_SVCD_EXIT_OK, FALSE, FALSE};
	gboolean system_bus = FALSE;
	gboolean session_bus = FALSE;
	gboolean version = FALSE;
	guint owner_id = 0;
	guint sigterm_id;
	guint sigint_id;
	gulong closed_id = 0;
	GBusType bus_type;
	const GOptionEntry entries[] = {
		{"system",
		 0,
		 0,
		 G_OPTION_ARG_NONE,
		 &system_bus,
		 "Serve on the system bus (the default as root)",
		 NULL},
		{"session",
		 0,
		 0,
		 G_OPTION_ARG_NONE,
		 &session_bus,
		 "Serve on the session bus (the default for other users)",
		 NULL},
		{"http",
		 0,
		 0,
		 G_OPTION_ARG_STRING,
		 &http_address,
		 "Also serve the web dashboard on ADDR:PORT (loopback unless given) or unix:PATH",
		 "ADDR:PORT"},
		{"no-bus",
		 0,
		 0,
		 G_OPTION_ARG_NONE,
		 &no_bus,
		 "Serve no D-Bus bus, only --http (a container without a bus)",
		 NULL},
		{"http-read-only-public",
		 0,
		 0,
		 G_OPTION_ARG_NONE,
		 &read_only_public,
		 "Let the dashboard show the gateways without the token (actions and logs "
		 "still need it)",
		 NULL},
		{"http-dashboard-dir",
		 0,
		 0,
		 G_OPTION_ARG_FILENAME,
		 &dashboard_dir,
		 "Serve the page's files from DIR instead of the installed ones",
		 "DIR"},
		{"verbose", 'v', 0, G_OPTION_ARG_NONE, &svcd.verbose, "Say what happens", NULL},
		{"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
		{NULL},
	};

	setlocale(LC_ALL, "");
	options = g_option_context_new(NULL);
	g_option_context_set_summary(options,
				     "Publish the gateways of the active hermes-svc backend on "
				     "D-Bus as " HERMES_STATUS_SERVICE_BUS_NAME ".");
	g_option_context_add_main_entries(options, entries, NULL);
	if (!g_option_context_parse(options, &argc, &argv, &error)) {
		g_printerr("hermes-svcd: %s (see --help)\n", error->message);
		return HERMES_SVCD_EXIT_USAGE;
	}
	if (version) {
		g_print("hermes-svcd %s\n", PACKAGE_VERSION);
		return HERMES_SVCD_EXIT_OK;
	}
	if (argc > 1 || (system_bus && session_bus) ||
	    (no_bus && (http_address == NULL || system_bus || session_bus))) {
		g_printerr("hermes-svcd: %s (see --help)\n",
			   argc > 1		       ? "no arguments are taken"
			   : system_bus && session_bus ? "--system and --session exclude each other"
			   : http_address == NULL ? "--no-bus serves only --http, which is missing"
						  : "--no-bus excludes --system and --session");
		return HERMES_SVCD_EXIT_USAGE;
	}
	if (!system_bus && !session_bus)
		system_bus = geteuid() == 0;
	bus_type = system_bus ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION;

	/* a client that goes away mid-reply must not take the daemon with it */
	signal(SIGPIPE, SIG_IGN);

	ctx = hermes_context_new();
	manager = hermes_backend_loader_new_manager(ctx, NULL, &error);
	if (manager == NULL) {
		g_printerr("hermes-svcd: %s\n", error->message);
		return HERMES_SVCD_EXIT_UNAVAILABLE;
	}
	if (!no_bus)
		connection = hermes_dbus_connect_bus(
			bus_type, HERMES_DBUS_CONNECT_TIMEOUT_MS, NULL, &error);
	if (connection == NULL && !no_bus) {
		g_printerr("hermes-svcd: cannot connect to the %s bus: %s\n",
			   system_bus ? "system" : "session",
			   error->message);
		return HERMES_SVCD_EXIT_UNAVAILABLE;
	}
	if (connection != NULL)
		g_dbus_connection_set_exit_on_close(connection, FALSE);

	service = hermes_status_service_new(manager);
	if (!hermes_status_service_export(service, connection, &error)) {
		g_printerr("hermes-svcd: %s\n", error->message);
		return HERMES_SVCD_EXIT_FAILED;
	}
	if (http_address != NULL) {
		http = hermes_svcd_serve_http(
			service, ctx, http_address, dashboard_dir, read_only_public, &error);
		if (http == NULL) {
			g_printerr("hermes-svcd: %s\n", error->message);
			hermes_status_service_unexport(service);
			return HERMES_SVCD_EXIT_UNAVAILABLE;
		}
		if (svcd.verbose)
			g_printerr("hermes-svcd: dashboard at %s (the token: `hermes dashboard "
				   "url`)\n",
				   hermes_http_server_get_url(http));
	}
	/* in a cluster, each row names its node (the agent runs beside, not in, the daemon) */
	cluster = hermes_svcd_cluster_start(ctx, service, &error);
	if (cluster == NULL && error != NULL) {
		g_printerr("hermes-svcd: %s\n", error->message);
		hermes_status_service_unexport(service);
		return HERMES_SVCD_EXIT_FAILED;
	}
	if (svcd.verbose)
		g_printerr("hermes-svcd: %u gateway(s) of backend %s (%s)\n",
			   hermes_status_service_get_n_gateways(service),
			   hermes_service_manager_get_name(manager),
			   hermes_service_manager_get_mode(manager));

	loop = g_main_loop_new(NULL, FALSE);
	svcd.loop = loop;
	if (connection != NULL)
		closed_id = g_signal_connect(
			connection, "closed", G_CALLBACK(hermes_svcd_closed_cb), &svcd);
	sigterm_id = g_unix_signal_add(SIGTERM, hermes_svcd_signal_cb, &svcd);
	sigint_id = g_unix_signal_add(SIGINT, hermes_svcd_signal_cb, &svcd);
	/* the objects are there before the name: a client never sees an empty tree */
	if (connection != NULL)
		owner_id = g_bus_own_name_on_connection(connection,
							HERMES_STATUS_SERVICE_BUS_NAME,
							G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
							hermes_svcd_name_acquired_cb,
							hermes_svcd_name_lost_cb,
							&svcd,
							NULL);
	g_main_loop_run(loop);

	if (http != NULL)
		hermes_http_server_close(http);
	g_clear_pointer(&cluster, hermes_svcd_cluster_stop);
	if (owner_id != 0)
		g_bus_unown_name(owner_id);
	g_source_remove(sigterm_id);
	g_source_remove(sigint_id);
	hermes_status_service_unexport(service);
	if (connection == NULL)
		return svcd.exit_code;
	g_signal_handler_disconnect(connection, closed_id);
	/* the last replies and signals leave before we do */
	if (!g_dbus_connection_is_closed(connection) &&
	    !g_dbus_connection_flush_sync(connection, NULL, &error))
		g_debug("cannot flush the bus connection: %s", error->message);
	return svcd.exit_code;
}
